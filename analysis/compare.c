/* conflux compare: the effect of scenario A against counterfactual B, as differences of the
 * metrics of conflux analyze (runs; paired members of two sweeps of the same sweep file;
 * or medians with a bootstrap interval), and as per-day differences of the series. */
#include "analysis/result_file.h"

#include <errno.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "core/grow.h"
#include "core/json.h"
#include "core/rng.h"
#include "core/util.h"
#include "io/h5.h"

#define BOOTSTRAP_REPS 1000
#define BOOTSTRAP_SEED 20251101u

struct cfx_compare {
    cfx_analysis *a, *b;
    int mode;       /* CFX_COMPARE_RUNS, _PAIRED or _UNPAIRED */
    size_t n_pairs; /* paired: members finished in both */
    size_t n_metrics;
    double *va, *vb;         /* n_metrics: A's and B's value (a sweep: median) */
    double *eff, *lo, *hi;   /* n_metrics: the effect and its 5-95 % interval (NaN: none) */
};

enum { CFX_COMPARE_RUNS, CFX_COMPARE_PAIRED, CFX_COMPARE_UNPAIRED };
static const char *const mode_names[] = {"single runs", "paired", "unpaired"};

void cfx_compare_free(cfx_compare *c)
{
    if (!c)
        return;
    cfx_analysis_free(c->a);
    cfx_analysis_free(c->b);
    free(c->va);
    free(c->vb);
    free(c->eff);
    free(c->lo);
    free(c->hi);
    free(c);
}

/* The unit of a flattened metric, from its name. */
static const char *metric_unit(const char *name)
{
    static const struct {
        const char *suffix, *unit;
    } units[] = {{"_usd_per_kg", "USD/kg"}, {"_pct", "%"}, {"_usd", "USD"}, {"_day", "day"},
                 {"_share", "1"},           {".t", "t"},   {"_t", "t"}};
    if (strstr(name, "days_above")) /* before _pct: days_above_20pct counts days */
        return "days";
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (cfx_ends_with(name, units[i].suffix))
            return units[i].unit;
    return "";
}

/* Median of the finite values of x (n, stride) minus that of y, resampled: the 5th and 95th
 * percentile of BOOTSTRAP_REPS differences of medians of resamples with replacement. */
static int bootstrap(const double *x, size_t nx, const double *y, size_t ny, size_t stride,
                     double *lo, double *hi)
{
    double *rx = malloc((nx + 1) * sizeof *rx), *ry = malloc((ny + 1) * sizeof *ry);
    double *d = malloc(BOOTSTRAP_REPS * sizeof *d);
    double *work = malloc((nx + ny + BOOTSTRAP_REPS + 1) * sizeof *work); /* for any of them */
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    int rc = rx && ry && d && work && r ? 0 : CFX_ENOMEM;
    if (!rc) {
        cfx_rng_key(r, BOOTSTRAP_SEED, 0, 0, 0);
        for (size_t k = 0; k < BOOTSTRAP_REPS; k++) {
            for (size_t i = 0; i < nx; i++)
                rx[i] = x[gsl_rng_uniform_int(r, nx) * stride];
            for (size_t i = 0; i < ny; i++)
                ry[i] = y[gsl_rng_uniform_int(r, ny) * stride];
            d[k] = cfx_quantile(rx, nx, 1, 0.5, work) - cfx_quantile(ry, ny, 1, 0.5, work);
        }
        *lo = cfx_quantile(d, BOOTSTRAP_REPS, 1, 0.05, work);
        *hi = cfx_quantile(d, BOOTSTRAP_REPS, 1, 0.95, work);
    }
    gsl_rng_free(r);
    free(rx);
    free(ry);
    free(d);
    free(work);
    return rc;
}

/* The two files must describe the same days and the same products, gates and groups (their
 * metrics then have the same names). */
static int same_frame(const cfx_compare *c, const char *pa, const char *pb, cfx_error *err)
{
    const cfx_analysis *a = c->a, *b = c->b;
    if (strcmp(a->start, b->start) || a->n_days != b->n_days)
        return cfx_error_set(err, CFX_EINVAL, pb, 0, 0,
                             "not on the same days as %s (%s, %ld days against %s, %ld days): "
                             "an effect is taken day by day",
                             pa, b->start, b->n_days, a->start, a->n_days);
    if (a->n_metrics != b->n_metrics)
        return cfx_error_set(err, CFX_EINVAL, pb, 0, 0,
                             "other products, gates or groups than %s", pa);
    for (size_t i = 0; i < a->n_metrics; i++)
        if (strcmp(a->metric[i], b->metric[i]))
            return cfx_error_set(err, CFX_EINVAL, pb, 0, 0,
                                 "other products, gates or groups than %s (%s against %s)", pa,
                                 b->metric[i], a->metric[i]);
    return 0;
}

/* Effect of metric i: A - B of two runs; the median and 5-95 % of the paired differences;
 * or the difference of medians with a bootstrap interval. */
static int effect(cfx_compare *c, size_t i, double *work)
{
    const cfx_analysis *a = c->a, *b = c->b;
    size_t K = c->n_metrics;
    c->va[i] = a->quantile[3 * i + 1];
    c->vb[i] = b->quantile[3 * i + 1];
    c->lo[i] = c->hi[i] = NAN;
    if (c->mode == CFX_COMPARE_RUNS) {
        c->eff[i] = c->va[i] - c->vb[i];
        return 0;
    }
    if (c->mode == CFX_COMPARE_PAIRED) {
        size_t n = 0;
        for (size_t m = 0; m < a->n_members; m++) {
            double d = a->value[m * K + i] - b->value[m * K + i];
            if (isfinite(d))
                work[n++] = d;
        }
        double *tmp = work + a->n_members;
        c->eff[i] = cfx_quantile(work, n, 1, 0.5, tmp);
        c->lo[i] = cfx_quantile(work, n, 1, 0.05, tmp);
        c->hi[i] = cfx_quantile(work, n, 1, 0.95, tmp);
        return 0;
    }
    /* unpaired: the finished members (a run counts as one) of each side */
    size_t na = 0, nb = 0, ma = a->is_sweep ? a->n_members : 1, mb = b->is_sweep ? b->n_members : 1;
    double *xa = work, *xb = work + ma;
    for (size_t m = 0; m < ma; m++)
        if (isfinite(a->value[m * K + i]))
            xa[na++] = a->value[m * K + i];
    for (size_t m = 0; m < mb; m++)
        if (isfinite(b->value[m * K + i]))
            xb[nb++] = b->value[m * K + i];
    c->eff[i] = c->va[i] - c->vb[i];
    if (!na || !nb)
        return 0;
    return bootstrap(xa, na, xb, nb, 1, &c->lo[i], &c->hi[i]);
}

int cfx_compare_files(cfx_compare **out, const char *pa, const char *pb, cfx_error *err)
{
    *out = NULL;
    cfx_compare *c = calloc(1, sizeof *c);
    if (!c)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    cfx_analyze_opts o = {0};
    int rc = cfx_analyze_file(&c->a, pa, &o, 0, err);
    if (!rc)
        rc = cfx_analyze_file(&c->b, pb, &o, 0, err);
    if (!rc)
        rc = same_frame(c, pa, pb, err);
    if (rc) {
        cfx_compare_free(c);
        return rc;
    }
    const cfx_analysis *a = c->a, *b = c->b;
    size_t K = c->n_metrics = a->n_metrics;
    c->mode = !a->is_sweep && !b->is_sweep                          ? CFX_COMPARE_RUNS
              : a->is_sweep && b->is_sweep && a->n_members == b->n_members ? CFX_COMPARE_PAIRED
                                                                          : CFX_COMPARE_UNPAIRED;
    for (size_t m = 0; c->mode == CFX_COMPARE_PAIRED && m < a->n_members; m++)
        c->n_pairs += a->member_status[m] == 0 && b->member_status[m] == 0;
    size_t M = (a->is_sweep ? a->n_members : 1) + (b->is_sweep ? b->n_members : 1);
    double *work = malloc((2 * M + 1) * sizeof *work);
    c->va = malloc((K + 1) * sizeof *c->va);
    c->vb = malloc((K + 1) * sizeof *c->vb);
    c->eff = malloc((K + 1) * sizeof *c->eff);
    c->lo = malloc((K + 1) * sizeof *c->lo);
    c->hi = malloc((K + 1) * sizeof *c->hi);
    rc = work && c->va && c->vb && c->eff && c->lo && c->hi ? 0 : CFX_ENOMEM;
    for (size_t i = 0; i < K && !rc; i++)
        rc = effect(c, i, work);
    free(work);
    if (rc) {
        cfx_compare_free(c);
        return cfx_error_set(err, rc, NULL, 0, 0, "out of memory");
    }
    *out = c;
    return 0;
}

/* The metrics the table shows: per product the peak and mean price, shortfall and delivered
 * tonnes; the largest queue; each group's account. --json has all. Not the metrics measured
 * against each file's own baseline (days above +20 %, peak change): a scenario whose
 * events start on day 0 has them in its baseline, so only the counterfactual's is clean. */
static int in_table(const char *name)
{
    static const char *const shown[] = {".peak_usd_per_kg", ".mean_usd_per_kg", ".shortfall_t",
                                        ".delivered_t", ".revenue_usd",
                                        ".seizure_gain_usd", ".seizure_loss_usd", "queue.max_t"};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        if (cfx_ends_with(name, shown[i]))
            return 1;
    return 0;
}

static void describe(const cfx_compare *c, char *buf, size_t n)
{
    if (c->mode == CFX_COMPARE_PAIRED)
        snprintf(buf, n,
                 "paired over %zu members (member i of A against member i of B, the same seed "
                 "when both sweeps use one sweep file); A, B: medians; effect: median of the "
                 "differences, [5th, 95th percentile]",
                 c->n_pairs);
    else if (c->mode == CFX_COMPARE_UNPAIRED)
        snprintf(buf, n,
                 "unpaired (%s against %s): A, B: medians; effect: A's median minus B's, [5-95 %% "
                 "bootstrap interval, %d resamples]",
                 c->a->is_sweep ? "a sweep" : "a run", c->b->is_sweep ? "a sweep" : "a run",
                 BOOTSTRAP_REPS);
    else
        snprintf(buf, n, "single runs: one draw each; for intervals compare two sweeps of the "
                         "same sweep file");
}

void cfx_compare_print(const cfx_compare *c, FILE *f)
{
    char how[512];
    describe(c, how, sizeof how);
    fprintf(f, "effect of %s (A: %s) against %s (B: %s), %ld days from %s\n  %s\n",
            c->a->scenario, c->a->path, c->b->scenario, c->b->path, c->a->n_days, c->a->start,
            how);
    fprintf(f, "  %-32s %-7s %14s %14s %14s %31s\n", "metric", "unit", "A", "B", "A - B",
            c->mode == CFX_COMPARE_RUNS ? "" : "5-95 %");
    for (size_t i = 0; i < c->n_metrics; i++) {
        /* a metric that is zero everywhere (a group that earns and loses nothing) is left
         * out of the table (--json has it) */
        int zero = c->va[i] == 0 && c->vb[i] == 0 && c->eff[i] == 0 &&
                   !(c->lo[i] != 0 && isfinite(c->lo[i])) && !(c->hi[i] != 0 && isfinite(c->hi[i]));
        if (!in_table(c->a->metric[i]) || zero)
            continue;
        fprintf(f, "  %-32s %-7s %14.4g %14.4g %+14.4g", c->a->metric[i],
                metric_unit(c->a->metric[i]), c->va[i], c->vb[i], c->eff[i]);
        if (isfinite(c->lo[i]))
            fprintf(f, "  [%+13.4g, %+13.4g]", c->lo[i], c->hi[i]);
        fputc('\n', f);
    }
    fprintf(f, "  (every metric: --json; per-day differences: -o DIFF.h5)\n");
}

int cfx_compare_print_json(const cfx_compare *c, FILE *f)
{
    json_t *o = json_object(), *metrics = json_object();
    char how[512];
    int e = 0;
    describe(c, how, sizeof how);
    e |= cfx_json_set(o, "a", cfx_json_text(c->a->path));
    e |= cfx_json_set(o, "b", cfx_json_text(c->b->path));
    e |= cfx_json_set(o, "a_scenario", cfx_json_text(c->a->scenario));
    e |= cfx_json_set(o, "b_scenario", cfx_json_text(c->b->scenario));
    e |= cfx_json_set(o, "start", cfx_json_text(c->a->start));
    e |= cfx_json_set(o, "days", json_integer(c->a->n_days));
    e |= cfx_json_set(o, "pairing", json_string(mode_names[c->mode]));
    e |= cfx_json_set(o, "pairs", json_integer((json_int_t)c->n_pairs));
    e |= cfx_json_set(o, "note", cfx_json_text(how));
    for (size_t i = 0; i < c->n_metrics; i++) {
        json_t *m = json_object();
        e |= cfx_json_set(m, "unit", json_string(metric_unit(c->a->metric[i])));
        e |= cfx_json_set(m, "a", cfx_json_num(c->va[i]));
        e |= cfx_json_set(m, "b", cfx_json_num(c->vb[i]));
        e |= cfx_json_set(m, "effect", cfx_json_num(c->eff[i]));
        e |= cfx_json_set(m, "q05", cfx_json_num(c->lo[i]));
        e |= cfx_json_set(m, "q95", cfx_json_num(c->hi[i]));
        e |= cfx_json_set(metrics, c->a->metric[i], m);
    }
    e |= cfx_json_set(o, "metrics", metrics);
    return cfx_json_print(cfx_json_checked(o, e), f);
}

/* ---------------------------------------------------------------- per-day differences */

/* A variable of the difference file: a double series on time (after a sweep's member
 * dimension) that B has with the same shape. The rest of A's variables are labels and
 * coordinates (kept) or codes and events (removed: a difference of them means nothing). */
typedef struct diff_ctx {
    hid_t b, out; /* B, and the copy of A becoming the difference file */
    hid_t time;   /* its time dimension scale */
    int sweep;
    int nomem;    /* an allocation of ours failed: out of memory, not an I/O error */
} diff_ctx;

static int is_series(const diff_ctx *x, hid_t ds)
{
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    /* a double on time: the dimension after the member dimension has the time scale */
    int ok = t >= 0 && H5Tget_class(t) == H5T_FLOAT && rank >= 1 + x->sweep &&
             H5DSis_attached(ds, x->time, (unsigned)x->sweep) > 0;
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    return ok;
}

/* Labels, coordinates, parameters and series stay; codes, events and the percentile series
 * of conflux analyze (which it can write again on the difference file) leave. */
static int is_kept(const char *name)
{
    return strncmp(name, "event_", 6) != 0 && strcmp(name, "node_status") != 0 &&
           strcmp(name, "node_controller") != 0 && !strstr(name, "_q05") &&
           !strstr(name, "_q50") && !strstr(name, "_q95");
}

/* A's values minus B's, in place in the copy of A. */
static int subtract(diff_ctx *x, const char *name)
{
    hid_t da = H5Dopen2(x->out, name, H5P_DEFAULT), db = H5Dopen2(x->b, name, H5P_DEFAULT);
    hid_t sa = da >= 0 ? H5Dget_space(da) : -1, sb = db >= 0 ? H5Dget_space(db) : -1;
    hssize_t n = sa >= 0 ? H5Sget_simple_extent_npoints(sa) : -1;
    int same = sa >= 0 && sb >= 0 && H5Sextent_equal(sa, sb) > 0;
    double *va = same && n > 0 ? malloc((size_t)n * sizeof *va) : NULL;
    double *vb = va ? malloc((size_t)n * sizeof *vb) : NULL;
    int rc = 0;
    if (!same)
        rc = 1; /* B lacks it or shapes it otherwise: it leaves the difference file */
    else if (n > 0 && !vb)
        rc = -1, x->nomem = 1;
    else if (n > 0) {
        rc = H5Dread(da, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, va) < 0 ||
                     H5Dread(db, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vb) < 0
                 ? -1
                 : 0;
        for (hssize_t i = 0; !rc && i < n; i++)
            va[i] -= vb[i];
        if (!rc && H5Dwrite(da, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, va) < 0)
            rc = -1;
    }
    int nomem = 0;
    char *ln = da >= 0 && !rc ? cfx_result_attr_text(da, "long_name", &nomem) : NULL;
    char text[1024];
    snprintf(text, sizeof text, "A minus B: %s", ln ? ln : name);
    if (nomem)
        rc = -1, x->nomem = 1;
    if (!rc && da >= 0 && H5Aexists(da, "long_name") > 0 && H5Adelete(da, "long_name") < 0)
        rc = -1;
    if (!rc && cfx_h5_attr_str(da, "long_name", text))
        rc = -1;
    free(ln);
    free(va);
    free(vb);
    if (sa >= 0)
        H5Sclose(sa);
    if (sb >= 0)
        H5Sclose(sb);
    if (da >= 0)
        H5Dclose(da);
    if (db >= 0)
        H5Dclose(db);
    return rc;
}

static herr_t detach_one(hid_t ds, unsigned dim, hid_t scale, void *unused)
{
    (void)unused;
    return H5DSdetach_scale(ds, scale, dim) < 0 ? -1 : 1; /* 1: the list changed, stop */
}

/* Removes a variable, first detaching its dimension scales (netCDF readers follow them). */
static int drop(hid_t f, const char *name)
{
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t sp = H5Dget_space(ds);
    int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1, rc = rank < 0 ? -1 : 0;
    for (int d = 0; !rc && d < rank; d++)
        while (!rc && H5DSget_num_scales(ds, (unsigned)d) > 0)
            rc = H5DSiterate_scales(ds, (unsigned)d, NULL, detach_one, NULL) < 0 ? -1 : 0;
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    return rc || H5Ldelete(f, name, H5P_DEFAULT) < 0 ? -1 : 0;
}

typedef struct name_list {
    char (*v)[128];
    size_t n, cap;
    int nomem;
} name_list;

static herr_t list_names(hid_t g, const char *name, const H5L_info_t *info, void *vl)
{
    (void)info;
    name_list *l = vl;
    if (CFX_GROW(l->v, l->cap, l->n + 1)) {
        l->nomem = 1;
        return -1;
    }
    snprintf(l->v[l->n++], sizeof *l->v, "%s", name);
    return 0;
}

int cfx_compare_write(const cfx_compare *c, const char *out, int force, cfx_error *err)
{
    char partial[1100];
    FILE *probe;
    if (c->mode == CFX_COMPARE_UNPAIRED)
        return cfx_error_set(err, CFX_EUSAGE, out, 0, 0,
                             "per-day differences need two runs or two sweeps of the same "
                             "members (here %s against %s)",
                             c->a->is_sweep ? "a sweep" : "a run",
                             c->b->is_sweep ? "a sweep of other members" : "a run");
    if (!force && (probe = fopen(out, "rb"))) {
        fclose(probe);
        return cfx_error_set(err, CFX_ECREATE, out, 0, 0, "exists; not overwritten (--force)");
    }
    snprintf(partial, sizeof partial, "%s.partial", out);
    if (cfx_copy_file(c->a->path, partial)) { /* the difference file starts as A */
        return cfx_error_set(err, CFX_ECREATE, partial, 0, 0, "cannot write: %s", strerror(errno));
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    diff_ctx x = {.out = H5Fopen(partial, H5F_ACC_RDWR, H5P_DEFAULT),
                  .b = H5Fopen(c->b->path, H5F_ACC_RDONLY, H5P_DEFAULT),
                  .sweep = c->a->is_sweep};
    x.time = x.out >= 0 ? H5Dopen2(x.out, "time", H5P_DEFAULT) : -1;
    name_list l = {0};
    hsize_t idx = 0;
    int rc = x.out < 0 || x.b < 0 || x.time < 0 ||
             H5Literate(x.out, H5_INDEX_NAME, H5_ITER_INC, &idx, list_names, &l) < 0;
    unsigned char *gone = calloc(l.n + 1, 1);
    x.nomem |= l.nomem || !gone;
    rc |= !gone;
    /* series first (their scales are still attached), then what leaves the file */
    for (size_t i = 0; !rc && i < l.n; i++) {
        hid_t ds = H5Dopen2(x.out, l.v[i], H5P_DEFAULT);
        /* a coordinate's bounds (time_bnds) are on time too, and kept as A has them */
        int series = ds >= 0 && !cfx_ends_with(l.v[i], "_bnds") && H5DSis_scale(ds) <= 0 &&
                     is_kept(l.v[i]) && is_series(&x, ds);
        if (ds >= 0)
            H5Dclose(ds);
        int r = series ? subtract(&x, l.v[i]) : 0;
        rc = r < 0;
        gone[i] = r > 0 || !is_kept(l.v[i]);
    }
    for (size_t i = 0; !rc && i < l.n; i++)
        if (gone[i])
            rc = drop(x.out, l.v[i]) != 0;
    free(gone);
    char title[2300];
    snprintf(title, sizeof title, "%s minus %s, day by day", c->a->scenario, c->b->scenario);
    if (!rc) {
        const char *keys[] = {"title", "compare_a", "compare_b"};
        const char *vals[] = {title, c->a->path, c->b->path};
        for (int k = 0; k < 3 && !rc; k++)
            rc = (H5Aexists(x.out, keys[k]) > 0 && H5Adelete(x.out, keys[k]) < 0) ||
                 cfx_h5_attr_str(x.out, keys[k], vals[k]);
    }
    free(l.v);
    if (x.time >= 0)
        H5Dclose(x.time);
    if (x.b >= 0)
        H5Fclose(x.b);
    if (x.out >= 0 && H5Fclose(x.out) < 0)
        rc = 1;
    if (rc || rename(partial, out)) {
        unlink(partial);
        return x.nomem ? cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory")
                       : cfx_error_set(err, CFX_EIO, out, 0, 0, "cannot write the difference file");
    }
    return 0;
}
