/* Tests of the CSV table reader: what spreadsheets write (quotes, CRLF, BOM, blank lines),
 * cell positions, look-up by column name, and one malformed file per error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"

#define DATA(name) CFX_TEST_DATA "/csv/" name

static cfx_csv *load(const char *path)
{
    cfx_csv *t = NULL;
    cfx_diags d = {0};
    int rc = cfx_csv_load(&t, path, &d);
    if (rc || d.n) {
        char buf[1200] = "no message";
        if (d.n)
            cfx_error_format(&d.v[0], buf, sizeof buf);
        cfx_diags_free(&d);
        fail_msg("loading %s: rc %d: %s", path, rc, buf);
    }
    return t;
}

/* Cell (row, name) must hold want, read at line:col. */
static void check_cell(const cfx_csv *t, size_t row, const char *name, const char *want,
                       int line, int col)
{
    long c = cfx_csv_col(t, name);
    if (c < 0)
        fail_msg("no column '%s'", name);
    size_t k = row * t->ncols + (size_t)c;
    if (strcmp(t->cells[k], want) != 0 || t->line[k] != line || t->col[k] != col)
        fail_msg("row %zu '%s': expected '%s' at %d:%d, got '%s' at %d:%d", row, name, want,
                 line, col, t->cells[k], t->line[k], t->col[k]);
}

static void check_error(const cfx_error *e, int code, const char *want, int line, int col)
{
    char buf[1200];
    cfx_error_format(e, buf, sizeof buf);
    if (e->code != code || !strstr(e->msg, want) || e->line != line || e->col != col)
        fail_msg("expected code %d at %d:%d with '%s', got code %d: %s", code, line, col, want,
                 e->code, buf);
}

/* A malformed table: loading fails with exactly one error, the one expected. */
static void check_bad(const char *path, const char *want, int line, int col)
{
    cfx_csv *t = (cfx_csv *)1;
    cfx_diags d = {0};
    assert_int_equal(cfx_csv_load(&t, path, &d), CFX_EINVAL);
    assert_null(t);
    if (d.n != 1) {
        char buf[1200] = "";
        if (d.n)
            cfx_error_format(&d.v[d.n - 1], buf, sizeof buf);
        fail_msg("%s: expected 1 error, got %zu (last: %s)", path, d.n, buf);
    }
    assert_string_equal(d.v[0].file, path);
    check_error(&d.v[0], CFX_EINVAL, want, line, col);
    cfx_diags_free(&d);
}

/* ---------------------------------------------------------------- good tables */

static void test_csv__quoted_cells(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("quoted.csv"));
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->nrows, 3);
    check_cell(t, 0, "name", "Myitkyina, Kachin", 2, 3);
    check_cell(t, 0, "note", "said \"hi\"", 2, 23);
    check_cell(t, 1, "name", "two\nlines", 3, 3);
    /* Lines go on counting inside a quoted cell. */
    check_cell(t, 1, "note", "plain", 4, 8);
    check_cell(t, 2, "id", "3", 5, 1);
    check_cell(t, 2, "name", "", 5, 3);
    check_cell(t, 2, "note", "after", 5, 7);
    cfx_csv_free(t);
}

static void test_csv__crlf_line_ends(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("crlf.csv"));
    assert_int_equal(t->nrows, 2);
    assert_string_equal(t->header[2], "km"); /* no '\r' left on the last name */
    check_cell(t, 0, "name", "a\r\nb", 2, 3); /* kept as written inside quotes */
    check_cell(t, 0, "km", "12.5", 3, 4);
    check_cell(t, 1, "km", "7", 4, 5);
    cfx_csv_free(t);
}

static void test_csv__lone_cr_line_ends(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("cr.csv"));
    assert_int_equal(t->nrows, 2);
    check_cell(t, 1, "name", "Lweje", 3, 3);
    cfx_csv_free(t);
}

static void test_csv__bom_is_stripped(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("bom.csv"));
    assert_string_equal(t->header[0], "id");
    assert_int_equal(t->header_col[0], 1); /* the BOM shifts no column */
    assert_int_equal(cfx_csv_col(t, "id"), 0);
    check_cell(t, 0, "id", "1", 2, 1);
    /* The text is kept as read, BOM included, for provenance. */
    assert_int_equal(t->text_len, 19);
    assert_memory_equal(t->text, "\xEF\xBB\xBFid,name\n1,Bhamo\n", 20);
    cfx_csv_free(t);
}

static void test_csv__missing_final_newline(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("no-final-newline.csv"));
    assert_int_equal(t->nrows, 2);
    check_cell(t, 1, "name", "Lweje", 3, 3);
    cfx_csv_free(t);
    /* A quoted last cell at the very end of the text, too. */
    cfx_diags d = {0};
    const char text[] = "a,b\n1,\"x\"";
    assert_int_equal(cfx_csv_parse(&t, "mem", text, sizeof text - 1, &d), 0);
    assert_string_equal(cfx_csv_cell(t, 0, 1), "x");
    cfx_csv_free(t);
}

static void test_csv__blank_lines_skipped_and_cells_trimmed(void **state)
{
    (void)state;
    cfx_csv *t = load(DATA("blank-lines.csv"));
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(t->header[0], "id");
    assert_string_equal(t->header[1], "name");
    assert_int_equal(t->header_col[1], 6);
    check_cell(t, 0, "name", "Bhamo", 5, 5);
    check_cell(t, 0, "kind", "town", 5, 13);
    check_cell(t, 1, "id", "2", 8, 1);
    check_cell(t, 1, "kind", "gate", 8, 9);
    cfx_csv_free(t);
}

static void test_csv__quoted_cells_keep_blanks(void **state)
{
    (void)state;
    cfx_csv *t = NULL;
    cfx_diags d = {0};
    const char text[] = "a,b,c\n  \" x \" ,\"\t\", y \n";
    assert_int_equal(cfx_csv_parse(&t, "mem", text, sizeof text - 1, &d), 0);
    check_cell(t, 0, "a", " x ", 2, 3);
    check_cell(t, 0, "b", "\t", 2, 10);
    check_cell(t, 0, "c", "y", 2, 15);
    cfx_csv_free(t);
}

static void test_csv__columns_found_by_name_in_any_order(void **state)
{
    (void)state;
    cfx_csv *a = load(DATA("order-a.csv")), *b = load(DATA("order-b.csv"));
    const char *names[] = {"id", "name", "lat", "lon"};
    assert_int_equal(a->nrows, b->nrows);
    for (size_t r = 0; r < a->nrows; r++)
        for (size_t i = 0; i < 4; i++)
            assert_string_equal(cfx_csv_cell(a, r, (size_t)cfx_csv_col(a, names[i])),
                                cfx_csv_cell(b, r, (size_t)cfx_csv_col(b, names[i])));
    assert_int_equal(cfx_csv_col(a, "lat"), 1);
    assert_int_equal(cfx_csv_col(b, "lat"), 3);
    assert_int_equal(cfx_csv_col(a, "controller"), -1);
    assert_int_equal(cfx_csv_col(a, ""), -1);
    assert_int_equal(cfx_csv_col(NULL, "id"), -1);
    cfx_csv_free(a);
    cfx_csv_free(b);
}

/* 10^5 rows, the size of a generated network: read in one pass, every position right. */
/* Large enough that the text and the cell arrays (7 MB) are advised onto huge pages
 * (cfx_huge_hint, core/grow.h), also after they were grown with cells in them: every cell
 * must still read back. */
static void test_csv__large_table(void **state)
{
    (void)state;
    enum { ROWS = 300000 };
    size_t cap = 64 + (size_t)ROWS * 32, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "id,km,note\n");
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(text + len, cap - len, "n%d,%d.5,\"a,b\"\n", i, i % 1000);
    cfx_csv *t = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_csv_parse(&t, "big", text, len, &d), 0);
    free(text);
    assert_int_equal(t->nrows, ROWS);
    check_cell(t, ROWS - 1, "id", "n299999", ROWS + 1, 1);
    check_cell(t, ROWS - 1, "km", "999.5", ROWS + 1, 9);
    for (int i = 0; i < ROWS; i++) {
        char id[16], km[16];
        snprintf(id, sizeof id, "n%d", i);
        snprintf(km, sizeof km, "%d.5", i % 1000);
        if (strcmp(t->cells[(size_t)i * 3], id) || strcmp(t->cells[(size_t)i * 3 + 1], km) ||
            strcmp(t->cells[(size_t)i * 3 + 2], "a,b") || t->line[(size_t)i * 3] != i + 2)
            fail_msg("row %d: '%s,%s,%s' at line %d", i, t->cells[(size_t)i * 3],
                     t->cells[(size_t)i * 3 + 1], t->cells[(size_t)i * 3 + 2],
                     t->line[(size_t)i * 3]);
    }
    check_cell(t, 12345, "note", "a,b", 12347, 14);
    cfx_csv_free(t);
}

static void test_csv__free_null_is_noop(void **state)
{
    (void)state;
    cfx_csv_free(NULL);
}

/* ---------------------------------------------------------------- malformed tables */

static void test_csv__bad_unterminated_quote(void **state)
{
    (void)state;
    /* One error at the opening quote; the next line is read again and is fine. */
    check_bad(DATA("bad-unterminated-quote.csv"),
              "unterminated quoted cell: the quote opened here never closes", 2, 3);
}

static void test_csv__bad_text_after_quote(void **state)
{
    (void)state;
    check_bad(DATA("bad-junk-after-quote.csv"), "text after the closing quote", 2, 10);
}

static void test_csv__bad_row_too_few_cells(void **state)
{
    (void)state;
    check_bad(DATA("bad-too-few.csv"), "row has 2 cells, header has 3", 3, 1);
}

static void test_csv__bad_row_too_many_cells(void **state)
{
    (void)state;
    check_bad(DATA("bad-too-many.csv"), "row has 4 cells, header has 3", 2, 1);
}

static void test_csv__bad_empty_header_name(void **state)
{
    (void)state;
    check_bad(DATA("bad-empty-header.csv"), "empty column name (column 2 of the header)", 1, 4);
}

static void test_csv__bad_duplicate_header_name(void **state)
{
    (void)state;
    check_bad(DATA("bad-duplicate-header.csv"),
              "duplicate column name 'id' (first in column 1)", 1, 10);
}

static void test_csv__bad_empty_file(void **state)
{
    (void)state;
    check_bad(DATA("bad-empty.csv"), "empty table: no header row", 1, 1);
    check_bad(DATA("bad-blank.csv"), "empty table: no header row", 1, 1);
}

static void test_csv__bad_nul_byte(void **state)
{
    (void)state;
    check_bad(DATA("bad-nul.csv"), "NUL byte in the table", 2, 5);
}

static void test_csv__bad_utf16_file(void **state)
{
    (void)state;
    /* Reported once, not once per character. */
    check_bad(DATA("bad-utf16.csv"), "NUL byte in the table", 1, 4);
}

static void test_csv__bad_missing_file(void **state)
{
    (void)state;
    cfx_csv *t = (cfx_csv *)1;
    cfx_diags d = {0};
    assert_int_equal(cfx_csv_load(&t, DATA("no-such-file.csv"), &d), CFX_ENOENT);
    assert_null(t);
    assert_int_equal(d.n, 1);
    check_error(&d.v[0], CFX_ENOENT, "cannot open: No such file or directory", 0, 0);
    assert_string_equal(d.v[0].file, DATA("no-such-file.csv"));
    assert_int_equal(cfx_diags_code(&d), CFX_ENOENT);
    cfx_diags_free(&d);
}

static void test_csv__bad_rows_all_listed(void **state)
{
    (void)state;
    cfx_csv *t = (cfx_csv *)1;
    cfx_diags d = {0};
    assert_int_equal(cfx_csv_load(&t, DATA("bad-many.csv"), &d), CFX_EINVAL);
    assert_null(t);
    assert_int_equal(d.n, 4);
    check_error(&d.v[0], CFX_EINVAL, "row has 2 cells, header has 3", 2, 1);
    check_error(&d.v[1], CFX_EINVAL, "text after the closing quote", 3, 11);
    check_error(&d.v[2], CFX_EINVAL, "unterminated quoted cell", 5, 3);
    check_error(&d.v[3], CFX_EINVAL, "row has 4 cells, header has 3", 6, 1);
    cfx_diags_free(&d);
}

static void test_csv__bad_errors_capped(void **state)
{
    (void)state;
    /* A table with the wrong delimiter would otherwise give one error per line. */
    char text[4096] = "a,b\n";
    for (int i = 0; i < 300; i++)
        strcat(text, "1;2\n");
    cfx_csv *t = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_csv_parse(&t, "mem", text, strlen(text), &d), CFX_EINVAL);
    assert_int_equal(d.n, 101);
    check_error(&d.v[99], CFX_EINVAL, "row has 1 cell, header has 2", 101, 1);
    check_error(&d.v[100], CFX_EINVAL, "too many errors", 101, 0);
    cfx_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv__quoted_cells),
        cmocka_unit_test(test_csv__crlf_line_ends),
        cmocka_unit_test(test_csv__lone_cr_line_ends),
        cmocka_unit_test(test_csv__bom_is_stripped),
        cmocka_unit_test(test_csv__missing_final_newline),
        cmocka_unit_test(test_csv__blank_lines_skipped_and_cells_trimmed),
        cmocka_unit_test(test_csv__quoted_cells_keep_blanks),
        cmocka_unit_test(test_csv__columns_found_by_name_in_any_order),
        cmocka_unit_test(test_csv__large_table),
        cmocka_unit_test(test_csv__free_null_is_noop),
        cmocka_unit_test(test_csv__bad_unterminated_quote),
        cmocka_unit_test(test_csv__bad_text_after_quote),
        cmocka_unit_test(test_csv__bad_row_too_few_cells),
        cmocka_unit_test(test_csv__bad_row_too_many_cells),
        cmocka_unit_test(test_csv__bad_empty_header_name),
        cmocka_unit_test(test_csv__bad_duplicate_header_name),
        cmocka_unit_test(test_csv__bad_empty_file),
        cmocka_unit_test(test_csv__bad_nul_byte),
        cmocka_unit_test(test_csv__bad_utf16_file),
        cmocka_unit_test(test_csv__bad_missing_file),
        cmocka_unit_test(test_csv__bad_rows_all_listed),
        cmocka_unit_test(test_csv__bad_errors_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
