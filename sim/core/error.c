/* Located error messages and the mapping from error codes to exit codes. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"

static void vset(cfx_error *err, int code, const char *file, int line, int col,
                 const char *fmt, va_list ap)
{
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int cfx_error_set(cfx_error *err, int code, const char *file, int line, int col,
                  const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

void cfx_error_format(const cfx_error *err, char *buf, size_t n)
{
    /* An override has no line or column: name it as it was typed. */
    if (strncmp(err->file, "--set ", 6) == 0)
        snprintf(buf, n, "%s: %s", err->file, err->msg);
    else if (err->file[0] && err->line > 0 && err->col > 0)
        snprintf(buf, n, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, n, "%s:%d: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, n, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, n, "%s", err->msg);
}

int cfx_exit_code(int code)
{
    switch (code) {
    case CFX_OK: return 0;
    case CFX_EINVAL: return 65;
    case CFX_ENOENT: return 66;
    case CFX_ECREATE: return 73;
    case CFX_EIO:
    case CFX_EHDF5: return 74;
    case CFX_EUSAGE: return 2;
    case CFX_EINTR: return 130;
    default: return 1;
    }
}

int cfx_diags_push(cfx_diags *d, const cfx_error *e)
{
    if (CFX_GROW(d->v, d->cap, d->n + 1))
        return e->code;
    d->v[d->n++] = *e;
    return e->code;
}

int cfx_diags_add(cfx_diags *d, int code, const char *file, int line, int col,
                  const char *fmt, ...)
{
    cfx_error e;
    va_list ap;
    va_start(ap, fmt);
    vset(&e, code, file, line, col, fmt, ap);
    va_end(ap);
    return cfx_diags_push(d, &e);
}

void cfx_diags_free(cfx_diags *d)
{
    if (!d)
        return;
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

int cfx_diags_code(const cfx_diags *d)
{
    int code = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].code == CFX_ENOENT)
            return CFX_ENOENT;
        if (!code)
            code = d->v[i].code;
    }
    return code;
}

void cfx__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "%s:%d: internal error: assertion '%s' failed\n", file, line, expr);
    abort();
}
