/* Observed tables (scenarios/README.md, "Observed data"): one row per dated observation,
 * date,variable,product,node,value,unit,source and optional tolerance and reference. Each row
 * is compared with a reference row of the same series: the one whose date its `reference`
 * names, or else the series' earliest row (which is then a reference and not scored). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/error.h"
#include "core/grow.h"
#include "core/util.h"
#include "fit/fit.h"
#include "io/csv.h"

const char *const cfx_obs_var_names[CFX_OBS_NVARS] = {"price", "gate_flow"};

static const char *const columns[] = {"date", "variable", "product",   "node",      "value",
                                      "unit", "source",   "tolerance", "reference", NULL};

void cfx_observed_free(cfx_observed *o)
{
    for (size_t i = 0; o && i < o->n; i++) {
        free(o->v[i].product);
        free(o->v[i].node);
        free(o->v[i].unit);
        free(o->v[i].source);
        free(o->v[i].file);
    }
    if (o) {
        free(o->v);
        *o = (cfx_observed){0};
    }
}

typedef struct reader {
    const cfx_csv *t;
    long col[9]; /* by columns[] */
    cfx_diags *d;
    int bad;
} reader;

static const char *cell(const reader *r, size_t row, int c)
{
    return r->col[c] >= 0 ? cfx_csv_cell(r->t, row, (size_t)r->col[c]) : "";
}

__attribute__((format(printf, 4, 5))) static void err_at(reader *r, size_t row, int c,
                                                         const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long k = r->col[c] >= 0 ? r->col[c] : 0;
    size_t at = row * r->t->ncols + (size_t)k;
    cfx_diags_add(r->d, CFX_EINVAL, r->t->path, r->t->line[at], r->t->col[at], "%s", msg);
    r->bad = 1;
}

/* The header: every required column there, no column it does not know. */
static int check_header(reader *r)
{
    for (int c = 0; columns[c]; c++)
        r->col[c] = cfx_csv_col(r->t, columns[c]);
    for (int c = 0; c < 7; c++)
        if (r->col[c] < 0) {
            cfx_diags_add(r->d, CFX_EINVAL, r->t->path, 1, 1, "missing column '%s'", columns[c]);
            r->bad = 1;
        }
    for (size_t k = 0; k < r->t->ncols; k++) {
        int known = 0;
        for (int c = 0; columns[c]; c++)
            known |= strcmp(r->t->header[k], columns[c]) == 0;
        if (!known) {
            cfx_diags_add(r->d, CFX_EINVAL, r->t->path, 1, r->t->header_col[k],
                          "unknown column '%s' (columns: date, variable, product, node, value, "
                          "unit, source, tolerance, reference)",
                          r->t->header[k]);
            r->bad = 1;
        }
    }
    return r->bad ? CFX_EINVAL : 0;
}

/* A number cell in [lo, hi] (strictly above lo when open). 0, or -1 after an error. */
static int number(reader *r, size_t row, int c, double lo, int open, double hi, const char *what,
                  double *out)
{
    const char *s = cell(r, row, c);
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < lo || (open && v == lo) || v > hi) {
        err_at(r, row, c, "'%s' must be %s, got '%s'", columns[c], what, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* One row into x (strings copied); 0, -1 after an error, CFX_ENOMEM. */
static int read_row(reader *r, size_t row, cfx_observation *x)
{
    const char *date = cell(r, row, 0), *var = cell(r, row, 1);
    if (cfx_date_parse_iso(date, &x->day_z))
        err_at(r, row, 0, "'date' must be a date YYYY-MM-DD, got '%s'", date);
    x->var = -1;
    for (int v = 0; v < CFX_OBS_NVARS; v++)
        if (strcmp(var, cfx_obs_var_names[v]) == 0)
            x->var = v;
    if (x->var < 0)
        err_at(r, row, 1, "unknown variable '%s' (one of: price, gate_flow)", var);
    const char *product = cell(r, row, 2), *node = cell(r, row, 3);
    if (x->var == CFX_OBS_PRICE && !*product)
        err_at(r, row, 2, "a price needs its product%s", "");
    if (x->var == CFX_OBS_PRICE && *node)
        err_at(r, row, 3, "'node' is not used by a price (got '%s')", node);
    if (x->var == CFX_OBS_GATE_FLOW && *product)
        err_at(r, row, 2, "'product' is not used by gate_flow (all cargo; got '%s')", product);
    number(r, row, 4, 0, 1, 1e15, "a positive number", &x->value);
    if (!*cell(r, row, 5))
        err_at(r, row, 5, "'unit' must say what the value is in%s", "");
    if (!*cell(r, row, 6))
        err_at(r, row, 6, "every observation needs its 'source'%s", "");
    x->tolerance = 2;
    if (*cell(r, row, 7))
        number(r, row, 7, 1, 1, 100, "a factor above 1 and at most 100", &x->tolerance);
    size_t at = row * r->t->ncols + (size_t)r->col[0];
    x->line = r->t->line[at];
    x->col = r->t->col[at];
    x->ref = -1;
    if (!(x->product = cfx_strdup(product)) || !(x->node = cfx_strdup(node)) ||
        !(x->unit = cfx_strdup(cell(r, row, 5))) || !(x->source = cfx_strdup(cell(r, row, 6))) ||
        !(x->file = cfx_strdup(r->t->path)))
        return CFX_ENOMEM;
    return 0;
}

static int same_series(const cfx_observation *a, const cfx_observation *b)
{
    return a->var == b->var && strcmp(a->product, b->product) == 0 && strcmp(a->node, b->node) == 0;
}

/* Each row's reference among the file's rows [first, first + n): the row its `reference`
 * date names, or the series' earliest. */
static void link_references(reader *r, cfx_observation *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *want = cell(r, i, 8);
        long ref_z = 0;
        if (*want && cfx_date_parse_iso(want, &ref_z)) {
            err_at(r, i, 8,
                   "'reference' must be the date of a row of the same series, got "
                   "'%s'",
                   want);
            continue;
        }
        long best = -1;
        for (size_t j = 0; j < n; j++) {
            if (j == i || !same_series(&v[i], &v[j]))
                continue;
            if (j < i && v[j].day_z == v[i].day_z)
                err_at(r, i, 0, "two rows of the same series on %s (the other at line %d)",
                       cell(r, i, 0), v[j].line);
            if (*want ? v[j].day_z == ref_z
                      : v[j].day_z < v[i].day_z && (best < 0 || v[j].day_z < v[best].day_z))
                best = (long)j;
        }
        if (*want && best < 0)
            err_at(r, i, 8, "no row of the same series is dated %s", want);
        v[i].ref = best;
    }
}

int cfx_observed_read(cfx_observed *o, const char *path, cfx_diags *d)
{
    cfx_csv *t = NULL;
    int rc = cfx_csv_load(&t, path, d);
    if (rc == CFX_ENOENT)
        return cfx_diags_add(d, CFX_ENOENT, path, 0, 0, "cannot read the observed table");
    if (rc)
        return rc;
    reader r = {.t = t, .d = d};
    if ((rc = check_header(&r)) == 0) {
        size_t first = o->n;
        if (CFX_GROW(o->v, o->cap, o->n + t->nrows)) {
            rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
        } else {
            for (size_t i = 0; i < t->nrows && !rc; i++) {
                o->v[o->n] = (cfx_observation){0};
                rc = read_row(&r, i, &o->v[o->n]) == CFX_ENOMEM ? CFX_ENOMEM : 0;
                o->n++; /* kept even when incomplete: freed with the rest */
            }
            if (rc)
                cfx_diags_add(d, rc, path, 0, 0, "out of memory");
            else if (!r.bad)
                link_references(&r, o->v + first, t->nrows);
            for (size_t i = first; !rc && i < o->n; i++)
                o->v[i].ref = o->v[i].ref < 0 ? -1 : o->v[i].ref + (long)first;
        }
    }
    cfx_csv_free(t);
    return rc ? rc : r.bad ? CFX_EINVAL : 0;
}
