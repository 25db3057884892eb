/* CSV tables with a header row (RFC 4180 plus what spreadsheets write: quoted fields with
 * doubled quotes and embedded commas or newlines, CRLF or LF line endings, a UTF-8 BOM,
 * a final line with or without a newline). Every cell keeps its line and column. */
#ifndef CFX_CSV_H
#define CFX_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

typedef struct cfx_csv {
    char *path;        /* as given, for messages */
    char *text;        /* the whole file as read (kept for provenance), NUL-terminated */
    size_t text_len;   /* bytes */
    size_t ncols;      /* columns in the header */
    char **header;     /* ncols names, trimmed of surrounding blanks */
    int *header_col;   /* ncols 1-based byte columns of the header cells (line 1) */
    size_t nrows;      /* data rows; blank lines are skipped */
    char **cells;      /* nrows*ncols, row-major, NUL-terminated, "" when empty;
                          unquoted cells are trimmed of surrounding blanks */
    int *line;         /* nrows*ncols 1-based line of each cell */
    int *col;          /* nrows*ncols 1-based byte column of each cell */
} cfx_csv;

/* Reads and parses a table. Missing or unreadable file: CFX_ENOENT in err. Syntax
 * problems (a quote that never closes, text after a closing quote, a row with more or
 * fewer cells than the header, an empty or duplicate header name, a file with no header,
 * a NUL byte) are each added to d with their position, and CFX_EINVAL is returned
 * (parsing continues after a bad row so that all of them are listed). */
int cfx_csv_load(cfx_csv **out, const char *path, cfx_diags *d);
int cfx_csv_parse(cfx_csv **out, const char *name, const char *text, size_t len,
                  cfx_diags *d);
void cfx_csv_free(cfx_csv *t); /* NULL is a no-op */

/* Column index by header name, or -1. */
long cfx_csv_col(const cfx_csv *t, const char *name);
static inline const char *cfx_csv_cell(const cfx_csv *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Writes s as one cell (no separator): as it is, or in double quotes (with quotes doubled)
 * when it holds a comma, a quote or a line break, or starts or ends with a blank, so that
 * cfx_csv_parse reads back exactly s. */
void cfx_csv_write_cell(FILE *f, const char *s);

/* Writes a file through PATH.partial and a rename, so that no half-written PATH is ever
 * seen: fn(ctx, f) writes the contents and returns 0 or a CFX_E* code. An existing PATH is
 * refused (CFX_ECREATE, "exists; use --force to overwrite it") unless force. On failure
 * PATH.partial is removed and PATH left as it was. */
int cfx_csv_write_file(const char *path, int force, int (*fn)(const void *ctx, FILE *f),
                       const void *ctx, cfx_error *err);

#endif
