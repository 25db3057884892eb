/* CSV tables with a header row: one pass over the text that copies every cell once into
 * a single arena and records its line and byte column; bad rows are reported and skipped. */
#include "io/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/grow.h"
#include "core/util.h"

/* Past this many problems in one file the rest is noise (a binary file, a wrong
 * delimiter): stop and say so rather than list thousands of lines. */
#define MAX_ERRORS 100

typedef struct cellref {
    char *s;        /* in the arena */
    int line, col;  /* 1-based */
} cellref;

typedef struct parser {
    const char *p, *end;  /* cursor over the text */
    const char *bol;      /* start of the current line: columns count from here */
    int line;             /* 1-based line of p */
    char *top;            /* next free byte of the arena */
    const char *name;     /* for messages */
    cfx_diags *d;
    size_t errors;        /* problems found in this table */
    int stop;             /* give up: NUL byte, bad header or too many errors */
    cellref *row;         /* nrow cells of the row being read, capacity cap_row */
    size_t nrow, cap_row;
} parser;

enum { ROW_OK, ROW_BAD };

static void report(parser *P, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(parser *P, int line, int col, const char *fmt, ...)
{
    if (P->stop)
        return;
    cfx_error e = {.code = CFX_EINVAL, .line = line, .col = col};
    snprintf(e.file, sizeof e.file, "%s", P->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    if (P->d)
        cfx_diags_push(P->d, &e);
    if (++P->errors == MAX_ERRORS) {
        if (P->d)
            cfx_diags_add(P->d, CFX_EINVAL, P->name, line, 0,
                          "too many errors (%d), not reading the rest of the table",
                          MAX_ERRORS);
        P->stop = 1;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int at_eol(const parser *P)
{
    return P->p == P->end || *P->p == '\n' || *P->p == '\r';
}

/* Consumes one line end (LF, CRLF or a lone CR) if the cursor is on one. */
static void eat_eol(parser *P)
{
    if (P->p == P->end || (*P->p != '\n' && *P->p != '\r'))
        return;
    if (*P->p++ == '\r' && P->p < P->end && *P->p == '\n')
        P->p++;
    P->line++;
    P->bol = P->p;
}

static int col_of(const parser *P, const char *at)
{
    return (int)(at - P->bol) + 1;
}

/* Recovery: drop what is left of the physical line. */
static void skip_line(parser *P)
{
    while (!at_eol(P))
        P->p++;
    eat_eol(P);
}

static int nul_byte(parser *P)
{
    report(P, P->line, col_of(P, P->p), "NUL byte in the table (is it a text file?)");
    P->stop = 1;
    return ROW_BAD;
}

static int push_cell(parser *P, char *s, int line, int col)
{
    if (CFX_GROW(P->row, P->cap_row, P->nrow + 1))
        return CFX_ENOMEM;
    P->row[P->nrow++] = (cellref){.s = s, .line = line, .col = col};
    return 0;
}

/* A quoted cell from its opening quote; doubled quotes become one, line ends inside are
 * kept as written and counted. */
static int quoted_cell(parser *P)
{
    const char *open = P->p, *open_bol = P->bol;
    int open_line = P->line;
    P->p++;
    for (;;) {
        if (P->p == P->end) {
            report(P, open_line, (int)(open - open_bol) + 1,
                   "unterminated quoted cell: the quote opened here never closes");
            /* Resume on the line after the opening quote, as if it had closed there. */
            P->p = open;
            P->bol = open_bol;
            P->line = open_line;
            skip_line(P);
            return ROW_BAD;
        }
        char c = *P->p;
        if (c == '"') {
            if (P->p + 1 < P->end && P->p[1] == '"') {
                *P->top++ = '"';
                P->p += 2;
                continue;
            }
            P->p++;
            break;
        }
        if (c == '\0')
            return nul_byte(P);
        *P->top++ = c;
        P->p++;
        if (c == '\n' || (c == '\r' && (P->p == P->end || *P->p != '\n'))) {
            P->line++;
            P->bol = P->p;
        }
    }
    while (P->p < P->end && is_blank(*P->p))
        P->p++;
    if (at_eol(P) || *P->p == ',')
        return ROW_OK;
    if (*P->p == '\0')
        return nul_byte(P);
    report(P, P->line, col_of(P, P->p),
           "text after the closing quote of a cell (write a quote inside a quoted cell as \"\")");
    skip_line(P);
    return ROW_BAD;
}

/* Reads one non-blank row into P->row, the cell texts into the arena. On ROW_BAD the
 * problem is reported and the cursor is on the next line to try. */
static int read_row(parser *P)
{
    P->nrow = 0;
    for (;;) {
        while (P->p < P->end && is_blank(*P->p))
            P->p++;
        int line = P->line, col = col_of(P, P->p);
        char *cell = P->top;
        if (P->p < P->end && *P->p == '"') {
            int rc = quoted_cell(P);
            if (rc != ROW_OK)
                return rc;
        } else {
            const char *s = P->p;
            while (!at_eol(P) && *P->p != ',') {
                if (*P->p == '\0')
                    return nul_byte(P);
                P->p++;
            }
            const char *e = P->p;
            while (e > s && is_blank(e[-1]))
                e--;
            memcpy(P->top, s, (size_t)(e - s));
            P->top += e - s;
        }
        *P->top++ = '\0';
        if (push_cell(P, cell, line, col)) {
            P->stop = 1;
            return CFX_ENOMEM;
        }
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            continue;
        }
        eat_eol(P);
        return ROW_OK;
    }
}

/* Skips lines holding only blanks; returns 1 when a row starts at the cursor. */
static int next_row(parser *P)
{
    while (P->p < P->end) {
        const char *q = P->p;
        while (q < P->end && is_blank(*q))
            q++;
        if (q < P->end && *q != '\n' && *q != '\r')
            return 1;
        P->p = q;
        eat_eol(P);
    }
    return 0;
}

static char *trim(char *s)
{
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int take_header(parser *P, cfx_csv *t)
{
    t->ncols = P->nrow;
    t->header = malloc(t->ncols * sizeof *t->header);
    t->header_col = malloc(t->ncols * sizeof *t->header_col);
    if (!t->header || !t->header_col)
        return CFX_ENOMEM;
    for (size_t i = 0; i < t->ncols; i++) {
        const cellref *c = &P->row[i];
        /* Names are trimmed even when quoted: ' id' is never meant to differ from 'id'. */
        t->header[i] = trim(c->s);
        t->header_col[i] = c->col;
        if (!t->header[i][0]) {
            report(P, c->line, c->col, "empty column name (column %zu of the header)", i + 1);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->header[j], t->header[i]) == 0) {
                report(P, c->line, c->col, "duplicate column name '%s' (first in column %zu)",
                       t->header[i], j + 1);
                break;
            }
    }
    return 0;
}

/* Appends the row just read to the table, growing the arrays by doubling. */
static int add_row(cfx_csv *t, const parser *P, size_t *cap_rows)
{
    size_t nc = t->ncols;
    if (t->nrows == *cap_rows) {
        size_t cap = cfx_grow_cap(*cap_rows, t->nrows + 1, 64);
        if (!cap || cap > SIZE_MAX / (nc * sizeof(char *)))
            return CFX_ENOMEM;
        size_t had = *cap_rows * nc;
        if (cfx_regrow((void **)&t->cells, had * sizeof *t->cells, cap * nc * sizeof *t->cells) ||
            cfx_regrow((void **)&t->line, had * sizeof *t->line, cap * nc * sizeof *t->line) ||
            cfx_regrow((void **)&t->col, had * sizeof *t->col, cap * nc * sizeof *t->col))
            return CFX_ENOMEM;
        *cap_rows = cap;
    }
    size_t k = t->nrows * nc;
    for (size_t i = 0; i < nc; i++) {
        t->cells[k + i] = P->row[i].s;
        t->line[k + i] = P->row[i].line;
        t->col[k + i] = P->row[i].col;
    }
    t->nrows++;
    return 0;
}

static int parse_rows(parser *P, cfx_csv *t)
{
    size_t cap_rows = 0;
    int have_header = 0;
    while (!P->stop && next_row(P)) {
        char *mark = P->top;
        int row_line = P->line;
        int rc = read_row(P);
        if (rc == CFX_ENOMEM)
            return rc;
        if (rc == ROW_BAD) {
            P->top = mark;
            if (!have_header)
                P->stop = 1; /* without its header no row can be checked */
            continue;
        }
        if (!have_header) {
            have_header = 1;
            if ((rc = take_header(P, t)))
                return rc;
            continue;
        }
        if (P->nrow != t->ncols) {
            report(P, row_line, 1, "row has %zu cell%s, header has %zu", P->nrow,
                   P->nrow == 1 ? "" : "s", t->ncols);
            P->top = mark;
            continue;
        }
        if ((rc = add_row(t, P, &cap_rows)))
            return rc;
    }
    if (!have_header && !P->errors)
        report(P, 1, 1, "empty table: no header row");
    return 0;
}

int cfx_csv_parse(cfx_csv **out, const char *name, const char *text, size_t len,
                  cfx_diags *d)
{
    *out = NULL;
    if (!name)
        name = "";
    cfx_csv *t = calloc(1, sizeof *t);
    int rc = CFX_ENOMEM;
    size_t plen = strlen(name) + 1;
    if (!t || !(t->path = malloc(plen)))
        goto done;
    memcpy(t->path, name, plen);
    /* One block: the text as read, then the arena for the cells. A cell never copies
     * more bytes than it spans, and its NUL fits where its comma or line end was (one
     * more for a last line without a newline), so len + 1 arena bytes always do. */
    if (!(t->text = malloc(2 * len + 3)))
        goto done;
    cfx_huge_hint(t->text, 2 * len + 3);
    if (len)
        memcpy(t->text, text, len);
    t->text[len] = '\0';
    t->text_len = len;

    const char *s = t->text, *end = t->text + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* the BOM belongs to no cell and shifts no column */
    parser P = {.p = s, .end = end, .bol = s, .line = 1, .top = t->text + len + 1,
                .name = t->path, .d = d};
    rc = parse_rows(&P, t);
    free(P.row);
    if (!rc && P.errors)
        rc = CFX_EINVAL;
done:
    if (rc == CFX_ENOMEM && d)
        cfx_diags_add(d, CFX_ENOMEM, name, 0, 0, "out of memory");
    if (rc) {
        cfx_csv_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The whole file in one buffer; *len in bytes. */
int cfx_csv_load(cfx_csv **out, const char *path, cfx_diags *d)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    cfx_error err;
    int rc = cfx_read_file(path, &text, &len, &err);
    if (rc)
        return d ? cfx_diags_push(d, &err) : rc;
    rc = cfx_csv_parse(out, path, text, len, d);
    free(text);
    return rc;
}

void cfx_csv_free(cfx_csv *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->text); /* and the arena behind it */
    free(t->header);
    free(t->header_col);
    free(t->cells);
    free(t->line);
    free(t->col);
    free(t);
}

long cfx_csv_col(const cfx_csv *t, const char *name)
{
    if (!t || !name)
        return -1;
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->header[i], name) == 0)
            return (long)i;
    return -1;
}

void cfx_csv_write_cell(FILE *f, const char *s)
{
    size_t n = strlen(s);
    /* as the parser reads it back: unquoted cells lose their surrounding blanks */
    if (!strpbrk(s, ",\"\r\n") && (n == 0 || (!is_blank(s[0]) && !is_blank(s[n - 1])))) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---------------------------------------------------------------- writing a whole file */

/* Opens OUT.partial for writing, refusing an existing OUT without --force. */
static FILE *open_out(const char *path, int force, char **partial, cfx_error *err)
{
    *partial = NULL;
    if (!force && access(path, F_OK) == 0) {
        cfx_error_set(err, CFX_ECREATE, path, 0, 0, "exists; use --force to overwrite it");
        return NULL;
    }
    size_t n = strlen(path) + sizeof ".partial";
    FILE *f = NULL;
    if ((*partial = malloc(n))) {
        snprintf(*partial, n, "%s.partial", path);
        if (!(f = fopen(*partial, "w")))
            cfx_error_set(err, CFX_ECREATE, *partial, 0, 0, "cannot create: %s", strerror(errno));
    } else {
        cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    }
    if (!f) {
        free(*partial);
        *partial = NULL;
    }
    return f;
}

int cfx_csv_write_file(const char *path, int force, int (*fn)(const void *ctx, FILE *f),
                       const void *ctx, cfx_error *err)
{
    char *partial;
    FILE *f = open_out(path, force, &partial, err);
    if (!f)
        return err->code;
    int rc = fn(ctx, f);
    if (fclose(f) != 0 && !rc)
        rc = CFX_EIO;
    if (rc)
        cfx_error_set(err, rc, partial, 0, 0, "error while writing: %s", strerror(errno));
    else if (rename(partial, path) != 0)
        rc = cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot rename %s to it: %s", partial,
                           strerror(errno));
    if (rc)
        remove(partial);
    free(partial);
    return rc;
}
