/* conflux analyze's side of a result file: reads a run or a sweep (DESIGN §4 layout) with
 * HDF5, computes the metrics, percentiles and sensitivities, and writes a sweep's percentile
 * series back as <var>_q05, <var>_q50, <var>_q95 on the file's own dimensions. */
#include "analysis/result_file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "io/conf.h"
#include "io/h5.h"
#include "core/util.h"

/* The series whose percentiles over members are written back (flags and indices are not:
 * a percentile of a status code means nothing). */
static const char *const series_vars[] = {"price",
                                          "demand",
                                          "supply",
                                          "delivered",
                                          "shortfall",
                                          "inventory",
                                          "node_stock",
                                          "queued",
                                          "node_throughput",
                                          "edge_flow",
                                          "in_transit",
                                          "produced",
                                          "arrived",
                                          "seized",
                                          "lost",
                                          "group_revenue",
                                          "delivered_by_origin",
                                          "delivered_at",
                                          "delivered_by_controller"};
static const struct {
    const char *suffix, *words;
    double q;
} levels[3] = {
    {"_q05", "5th percentile", 0.05}, {"_q50", "median", 0.50}, {"_q95", "95th percentile", 0.95}};

int cfx_result_fail(cfx_result_reader *r, int code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cfx_error_set(r->err, code, r->path, 0, 0, "%s", msg);
}

/* Opens a variable and checks its rank (not counting a sweep's member dimension); dims gets
 * the sizes after the member dimension. */
hid_t cfx_result_open_var(cfx_result_reader *r, const char *name, int rank, hsize_t *dims, int *rc)
{
    hsize_t all[8];
    int member = r->sweep && rank > 0 ? 1 : 0;
    if (H5Lexists(r->f, name, H5P_DEFAULT) <= 0) {
        *rc = cfx_result_fail(r, CFX_EINVAL, "not a conflux result: no variable '%s'", name);
        return -1;
    }
    hid_t ds = H5Dopen2(r->f, name, H5P_DEFAULT);
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
    int got = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (got == rank + member && got <= 8)
        H5Sget_simple_extent_dims(sp, all, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    if (got != rank + member || (member && all[0] != r->n_members)) {
        *rc = cfx_result_fail(r, CFX_EINVAL,
                   "not a conflux result: variable '%s' has %d dimensions, expected %d%s", name,
                   got, rank + member, member ? " (member first)" : "");
        if (ds >= 0)
            H5Dclose(ds);
        return -1;
    }
    for (int i = 0; i < rank; i++)
        dims[i] = all[i + member];
    *rc = 0;
    return ds;
}

/* Reads variable name (one member of a sweep) as doubles into buf, which holds n. */
int cfx_result_read_var(cfx_result_reader *r, const char *name, size_t member, int rank, const hsize_t *want,
                    double *buf)
{
    hsize_t dims[8], start[8] = {0}, count[8];
    int rc;
    hid_t ds = cfx_result_open_var(r, name, rank, dims, &rc);
    if (ds < 0)
        return rc;
    for (int i = 0; i < rank; i++)
        if (dims[i] != want[i]) {
            H5Dclose(ds);
            return cfx_result_fail(r, CFX_EINVAL,
                        "not a conflux result: variable '%s' has %llu entries along dimension "
                        "%d, expected %llu",
                        name, (unsigned long long)dims[i], i + 1, (unsigned long long)want[i]);
        }
    int m = r->sweep ? 1 : 0;
    for (int i = 0; i < rank; i++)
        count[i + m] = dims[i];
    if (m) {
        start[0] = member;
        count[0] = 1;
    }
    /* A run's series: its chunks read raw and unpacked on the reader's threads, when they
     * are chunks of doubles as conflux writes them; anything else, and a chunk that does not
     * unpack, through HDF5 (which says what it makes of it). */
    int packed = m ? 1 : cfx_h5_read_packed(ds, buf, r->threads);
    if (packed == 0 || packed == CFX_H5_NOMEM) {
        H5Dclose(ds);
        return packed ? cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory") : 0;
    }
    /* the memory space has the selection's shape, so that HDF5 copies whole rows of each
     * chunk (a flat one sends it through its element-by-element path: 0.2 s for W2) */
    hid_t fs = H5Dget_space(ds);
    hid_t ms = rank + m ? H5Screate_simple(rank + m, count, NULL) : H5Screate(H5S_SCALAR);
    herr_t e =
        fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0
            ? H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf)
            : -1;
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(ds);
    return e < 0 ? cfx_result_fail(r, CFX_EINVAL, "cannot read variable '%s' as numbers", name) : 0;
}

/* src into a name, cut to CFX_ANALYZE_NAME - 1 bytes as snprintf would (a 10^5-node
 * network's two label variables made snprintf a tenth of `conflux analyze`). */
static void copy_name(char *dst, const char *src)
{
    size_t k = strnlen(src, CFX_ANALYZE_NAME - 1);
    memcpy(dst, src, k);
    dst[k] = '\0';
}

int cfx_result_read_labels(cfx_result_reader *r, const char *name, size_t n, char (*names)[CFX_ANALYZE_NAME])
{
    return cfx_result_read_labels_at(r, name, n, NULL, n, names);
}

/* Reads a 1-d string variable (variable or fixed length) into names: all n of it, or (at not
 * NULL) the k strings at those indices. */
int cfx_result_read_labels_at(cfx_result_reader *r, const char *name, size_t n, const hsize_t *at,
                              size_t k, char (*names)[CFX_ANALYZE_NAME])
{
    int save = r->sweep, rc;
    hsize_t dims[1], count = k;
    r->sweep = 0; /* labels are shared by the members: no member dimension */
    hid_t ds = cfx_result_open_var(r, name, 1, dims, &rc);
    r->sweep = save;
    if (ds < 0)
        return rc;
    hid_t ft = H5Dget_type(ds), mt = H5Tcopy(H5T_C_S1), fs = H5Dget_space(ds),
          ms = H5Screate_simple(1, &count, NULL);
    char **v = calloc(k + 1, sizeof *v);
    char *fixed = NULL;
    herr_t e = -1;
    if (!v) {
        rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (dims[0] != n || H5Tget_class(ft) != H5T_STRING) {
        rc = cfx_result_fail(r, CFX_EINVAL, "not a conflux result: '%s' is not %zu strings", name, n);
        goto done;
    }
    if (at && k && H5Sselect_elements(fs, H5S_SELECT_SET, k, at) < 0) {
        rc = cfx_result_fail(r, CFX_EINVAL, "cannot read the strings of '%s'", name);
        goto done;
    }
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        if (k && (e = H5Dread(ds, mt, ms, fs, H5P_DEFAULT, v)) >= 0) {
            for (size_t i = 0; i < k; i++)
                copy_name(names[i], v[i] ? v[i] : "");
            H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, v);
        }
    } else {
        size_t len = H5Tget_size(ft);
        H5Tset_size(mt, len + 1);
        if ((fixed = calloc(k ? k : 1, len + 1)) && k &&
            (e = H5Dread(ds, mt, ms, fs, H5P_DEFAULT, fixed)) >= 0)
            for (size_t i = 0; i < k; i++)
                copy_name(names[i], fixed + i * (len + 1));
        if (!fixed) {
            rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    if (!k)
        e = 0;
    rc = e < 0 ? cfx_result_fail(r, CFX_EINVAL, "cannot read the strings of '%s'", name) : 0;
done:
    free(v);
    free(fixed);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Dclose(ds);
    return rc;
}

/* A string attribute of obj (variable or fixed length), malloc'd; NULL when absent, or when
 * out of memory (then *nomem is set, when nomem is not NULL). */
char *cfx_result_attr_text(hid_t obj, const char *name, int *nomem)
{
    char *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a), mt = H5Tcopy(H5T_C_S1);
    if (H5Tget_class(t) == H5T_STRING) {
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &s) >= 0 && s) {
                if (!(out = cfx_strdup(s)) && nomem)
                    *nomem = 1;
                H5free_memory(s);
            }
        } else {
            size_t len = H5Tget_size(t);
            H5Tset_size(mt, len + 1);
            if ((out = calloc(1, len + 1)) && H5Aread(a, mt, out) < 0) {
                free(out);
                out = NULL;
            } else if (!out && nomem) {
                *nomem = 1;
            }
        }
    }
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

/* A string attribute of obj into buf ("" when absent or not a string); CFX_ENOMEM when it
 * could not be read for want of memory, else 0. */
static int attr_str(hid_t obj, const char *name, char *buf, size_t n)
{
    int nomem = 0;
    char *s = cfx_result_attr_text(obj, name, &nomem);
    snprintf(buf, n, "%s", s ? s : "");
    free(s);
    return nomem ? CFX_ENOMEM : 0;
}

/* A numeric attribute of obj, or dflt when absent. */
static double attr_num(hid_t obj, const char *name, double dflt)
{
    double v = dflt;
    if (H5Aexists(obj, name) <= 0)
        return dflt;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_INTEGER || H5Tget_class(t) == H5T_FLOAT) {
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = dflt;
    }
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

void cfx_analysis_free(cfx_analysis *a)
{
    if (!a)
        return;
    free(a->product);
    free(a->gate);
    free(a->group);
    cfx_metrics_free(&a->run);
    free(a->member_seed);
    free(a->member_status);
    free(a->metric);
    free(a->value);
    free(a->quantile);
    free(a->warn_metric);
    free(a->warn_share);
    free(a->param);
    free(a->param_path);
    free(a->param_value);
    free(a->sens_first);
    free(a->sens_total);
    free(a->sens_lo);
    free(a->sens_hi);
    free(a->sens_r2);
    free(a);
}

/* One member's series (a run: the only one), loaded for cfx_metrics_compute. */
typedef struct buffers {
    double *price, *demand, *shortfall, *delivered, *queued, *throughput, *revenue,
        *by_controller, *gain, *loss;
    unsigned char *is_gate;
    size_t n_gates;
    cfx_series s;
} buffers;

static void buffers_free(buffers *b)
{
    free(b->price);
    free(b->demand);
    free(b->delivered);
    free(b->shortfall);
    free(b->throughput);
    free(b->queued);
    free(b->revenue);
    free(b->by_controller);
    free(b->gain);
    free(b->loss);
    free(b->is_gate);
}

static int load_member(cfx_result_reader *r, buffers *b, size_t m)
{
    hsize_t tp[2] = {(hsize_t)b->s.n_days, b->s.n_products};
    hsize_t tn[2] = {(hsize_t)b->s.n_days, b->s.n_nodes};
    hsize_t tg[2] = {(hsize_t)b->s.n_days, b->s.n_groups};
    int rc;
    if ((rc = cfx_result_read_var(r, "price", m, 2, tp, b->price)) ||
        (rc = cfx_result_read_var(r, "demand", m, 2, tp, b->demand)) ||
        (rc = cfx_result_read_var(r, "shortfall", m, 2, tp, b->shortfall)) ||
        /* only the gates' throughput is used: a network without gates skips the read (a
         * tenth of a second of `conflux run --json` on a 10^5-node network) */
        (b->n_gates && (rc = cfx_result_read_var(r, "node_throughput", m, 2, tn, b->throughput))) ||
        (rc = cfx_result_read_var(r, "group_revenue", m, 2, tg, b->revenue)) ||
        (rc = cfx_result_read_var(r, "delivered_by_controller", m, 2, tg, b->by_controller)))
        return rc;
    /* delivered is optional: a file of other tools may lack it (the metric is then NaN) */
    b->s.delivered = NULL;
    if (H5Lexists(r->f, "delivered", H5P_DEFAULT) > 0) {
        if ((rc = cfx_result_read_var(r, "delivered", m, 2, tp, b->delivered)))
            return rc;
        b->s.delivered = b->delivered;
    }
    b->s.queued = NULL; /* written since the capacity plan: older files lack it */
    if (H5Lexists(r->f, "queued", H5P_DEFAULT) > 0) {
        if ((rc = cfx_result_read_var(r, "queued", m, 2, tn, b->queued)))
            return rc;
        b->s.queued = b->queued;
    }
    b->s.group_seizure_gain = b->s.group_seizure_loss = NULL; /* written since group accounts */
    if (H5Lexists(r->f, "group_seizure_gain", H5P_DEFAULT) > 0 &&
        H5Lexists(r->f, "group_seizure_loss", H5P_DEFAULT) > 0) {
        if ((rc = cfx_result_read_var(r, "group_seizure_gain", m, 2, tg, b->gain)) ||
            (rc = cfx_result_read_var(r, "group_seizure_loss", m, 2, tg, b->loss)))
            return rc;
        b->s.group_seizure_gain = b->gain;
        b->s.group_seizure_loss = b->loss;
    }
    return 0;
}

/* Labels and sizes: products, nodes (gates), groups, days, members. */
static int read_shape(cfx_result_reader *r, cfx_analysis *a, buffers *b)
{
    hsize_t d[2];
    int rc, save = r->sweep;
    r->sweep = 0;
    hid_t ds = cfx_result_open_var(r, "time", 1, d, &rc);
    r->sweep = save;
    if (ds < 0)
        return rc;
    H5Dclose(ds);
    a->n_days = (long)d[0];
    size_t sizes[3];
    const char *dim_var[3] = {"product_name", "node_id", "group_name"};
    for (int i = 0; i < 3; i++) {
        r->sweep = 0;
        ds = cfx_result_open_var(r, dim_var[i], 1, d, &rc);
        r->sweep = save;
        if (ds < 0)
            return rc;
        H5Dclose(ds);
        sizes[i] = d[0];
    }
    size_t nn = sizes[1];
    char(*kind)[CFX_ANALYZE_NAME] = calloc(nn + 1, sizeof *kind);
    hsize_t *gates = malloc((nn + 1) * sizeof *gates);
    a->n_products = sizes[0];
    a->n_groups = sizes[2];
    a->product = calloc(sizes[0] + 1, sizeof *a->product);
    a->group = calloc(sizes[2] + 1, sizeof *a->group);
    a->gate = calloc(nn + 1, sizeof *a->gate);
    b->is_gate = calloc(nn + 1, 1);
    size_t tp = (size_t)a->n_days * sizes[0], tn = (size_t)a->n_days * nn,
           tg = (size_t)a->n_days * sizes[2];
    b->price = malloc((tp + 1) * sizeof(double));
    b->demand = malloc((tp + 1) * sizeof(double));
    b->shortfall = malloc((tp + 1) * sizeof(double));
    b->delivered = malloc((tp + 1) * sizeof(double));
    b->throughput = malloc((tn + 1) * sizeof(double));
    b->queued = malloc((tn + 1) * sizeof(double));
    b->revenue = malloc((tg + 1) * sizeof(double));
    b->by_controller = malloc((tg + 1) * sizeof(double));
    b->gain = malloc((tg + 1) * sizeof(double));
    b->loss = malloc((tg + 1) * sizeof(double));
    rc = 0;
    if (!kind || !gates || !a->product || !a->group || !a->gate || !b->is_gate || !b->price ||
        !b->demand || !b->shortfall || !b->delivered || !b->queued || !b->throughput ||
        !b->revenue || !b->by_controller || !b->gain || !b->loss)
        rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    else if (!(rc = cfx_result_read_labels(r, "product_name", sizes[0], a->product)) &&
             !(rc = cfx_result_read_labels(r, "group_name", sizes[2], a->group)) &&
             !(rc = cfx_result_read_labels(r, "node_kind", nn, kind))) {
        for (size_t i = 0; i < nn; i++)
            if (strcmp(kind[i], "gate") == 0) {
                b->is_gate[i] = 1;
                b->n_gates++;
                gates[a->n_gates++] = i;
            }
        /* only the gates' ids (and later the queue's node's): a large network's would take
         * a third of the reading */
        rc = cfx_result_read_labels_at(r, "node_id", nn, gates, a->n_gates, a->gate);
    }
    free(kind);
    free(gates);
    a->n_nodes = nn;
    b->s = (cfx_series){.n_days = a->n_days,
                        .n_products = sizes[0],
                        .n_nodes = nn,
                        .n_groups = sizes[2],
                        .price = b->price,
                        .demand = b->demand,
                        .shortfall = b->shortfall,
                        .node_throughput = b->throughput,
                        .group_revenue = b->revenue,
                        .delivered_by_controller = b->by_controller,
                        .is_gate = b->is_gate};
    return rc;
}

/* The member variables: status, seed and the param_* values. */
static herr_t list_param(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    cfx_analysis *a = data;
    if (strncmp(name, "param_", 6) == 0 && a->param)
        snprintf(a->param[a->n_params], CFX_ANALYZE_METRIC, "%s", name);
    if (strncmp(name, "param_", 6) == 0)
        a->n_params++;
    return 0;
}

/* The param_* variables in the order they were created, which is the sweep file's (Saltelli's
 * layout numbers parameters so); by name in a file that does not track creation order. */
static void list_params(hid_t f, cfx_analysis *a)
{
    hsize_t idx = 0;
    a->n_params = 0;
    if (H5Literate(f, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_param, a) < 0) {
        idx = 0;
        a->n_params = 0;
        H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, list_param, a);
    }
}

static int read_members(cfx_result_reader *r, cfx_analysis *a)
{
    size_t M = a->n_members;
    hsize_t want[1] = {M};
    double *tmp = malloc((M + 1) * sizeof *tmp);
    a->member_seed = calloc(M + 1, sizeof *a->member_seed);
    a->member_status = calloc(M + 1, sizeof *a->member_status);
    if (!tmp || !a->member_seed || !a->member_status) {
        free(tmp);
        return cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int rc = 0, save = r->sweep;
    r->sweep = 0; /* member variables are 1-d along member */
    if (H5Lexists(r->f, "member_status", H5P_DEFAULT) > 0) {
        if ((rc = cfx_result_read_var(r, "member_status", 0, 1, want, tmp)))
            goto done;
        for (size_t m = 0; m < M; m++)
            a->member_status[m] = (int)tmp[m];
    }
    if (H5Lexists(r->f, "member_seed", H5P_DEFAULT) > 0) {
        if ((rc = cfx_result_read_var(r, "member_seed", 0, 1, want, tmp)))
            goto done;
        for (size_t m = 0; m < M; m++)
            a->member_seed[m] = (long)tmp[m];
    }
    list_params(r->f, a);
    a->param = calloc(a->n_params + 1, sizeof *a->param);
    a->param_value = malloc((a->n_params * M + 1) * sizeof *a->param_value);
    if (!a->param || !a->param_value) {
        rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    list_params(r->f, a);
    a->param_path = calloc(a->n_params + 1, sizeof *a->param_path);
    if (!a->param_path) {
        rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < a->n_params; k++) {
        hid_t ds = H5Dopen2(r->f, a->param[k], H5P_DEFAULT);
        if (ds >= 0) {
            rc = attr_str(ds, "sweep_path", a->param_path[k], sizeof a->param_path[k]);
            H5Dclose(ds);
            if (rc) {
                cfx_error_set(r->err, rc, NULL, 0, 0, "out of memory");
                goto done;
            }
        }
        if (!a->param_path[k][0])
            snprintf(a->param_path[k], sizeof a->param_path[k], "%s", a->param[k] + 6);
        if ((rc = cfx_result_read_var(r, a->param[k], 0, 1, want, tmp)))
            goto done;
        for (size_t m = 0; m < M; m++)
            a->param_value[m * a->n_params + k] = tmp[m];
    }
done:
    r->sweep = save;
    free(tmp);
    return rc;
}

/* The design, its base samples and replicates: the root attributes design, samples and
 * replicates, or else the sweep file's own text (sweep_text) as conflux merge keeps it.
 * CFX_ENOMEM when that text could not be read or parsed for want of memory (rather than
 * analysing the sweep as one of unknown design). */
static int design_info(cfx_result_reader *r, cfx_analysis *a, double *samples, double *reps)
{
    *samples = attr_num(r->f, "samples", -1);
    *reps = attr_num(r->f, "replicates", -1);
    int nomem = 0;
    char *text =
        a->design[0] && *samples > 0 && *reps > 0 ? NULL : cfx_result_attr_text(r->f, "sweep_text", &nomem);
    cfx_conf_doc *doc = NULL;
    cfx_error e = {0};
    int parsed = text ? cfx_conf_parse(&doc, "sweep_text", text, strlen(text), &e) : 0;
    nomem |= parsed == CFX_ENOMEM;
    if (text && parsed == 0 && doc->root) {
        const char *d = NULL;
        long v;
        if (!a->design[0] && cfx_conf_get_str(doc->root, "design", 0, &d, &e) == 0 && d)
            snprintf(a->design, sizeof a->design, "%s", d);
        v = 0; /* an absent optional key leaves v as it is */
        if (*samples <= 0 && cfx_conf_get_long(doc->root, "samples", 0, &v, &e) == 0 && v > 0)
            *samples = (double)v;
        v = 0;
        if (*reps <= 0 && cfx_conf_get_long(doc->root, "replicates", 0, &v, &e) == 0 && v > 0)
            *reps = (double)v;
    }
    if (*reps <= 0)
        *reps = 1;
    cfx_conf_free(doc);
    free(text);
    return nomem ? cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory") : 0;
}

/* Metrics whose day (a price's peak, the worst shortfall) falls in the run's last
 * CFX_END_DAYS days in at least CFX_END_SHARE of the finished members: the run ends while
 * they still climb, so their values are bounds, and an effect is better taken against a
 * counterfactual on the same days (conflux compare). Idempotent. */
static int end_warnings(cfx_result_reader *r, cfx_analysis *a)
{
    size_t K = a->n_metrics;
    if (a->warn_metric)
        return 0;
    a->warn_metric = malloc((K + 1) * sizeof *a->warn_metric);
    a->warn_share = malloc((K + 1) * sizeof *a->warn_share);
    if (!a->warn_metric || !a->warn_share)
        return cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    long from = a->n_days - CFX_END_DAYS;
    for (size_t i = 0; i < K && from > 0; i++) {
        const char *dot = strrchr(a->metric[i], '.');
        if (!dot || (strcmp(dot, ".peak_day") && strcmp(dot, ".worst_day")))
            continue;
        size_t late = 0, n = 0;
        for (size_t m = 0; m < a->n_members; m++) {
            double day = a->value[m * K + i];
            if (!isfinite(day) || day < 0)
                continue;
            n++;
            late += day >= (double)from;
        }
        if (n && (double)late >= CFX_END_SHARE * (double)n) {
            a->warn_metric[a->n_warnings] = i;
            a->warn_share[a->n_warnings++] = (double)late / (double)n;
        }
    }
    return 0;
}

/* Sobol indices on a Saltelli design (layout in analysis/README.md): the metric of a design
 * point is the mean over its finished replicates. 1 when the members are not laid out so
 * (sens_note says why), to fall back on regression. */
static int sobol(cfx_result_reader *r, cfx_analysis *a, double n_base, double reps)
{
    size_t k = a->n_params, M = a->n_members, K = a->n_metrics;
    if (!(n_base >= 1) || (double)M != n_base * (double)(k + 2) * reps) {
        snprintf(a->sens_note, sizeof a->sens_note,
                 "not a Saltelli design: %zu members, not samples (%g) x (parameters (%zu) + "
                 "2) x replicates (%g)",
                 M, n_base, k, reps);
        return 1;
    }
    size_t n = (size_t)n_base, R = (size_t)reps, P = n * (k + 2);
    double *x = malloc((P * k + 1) * sizeof *x), *y = malloc((P + 1) * sizeof *y);
    cfx_error e = {0};
    int rc = 0;
    if (!x || !y) {
        rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t p = 0; p < P; p++)
        memcpy(x + p * k, a->param_value + p * R * k, k * sizeof *x);
    if (cfx_saltelli_check(x, n, k, &e)) {
        snprintf(a->sens_note, sizeof a->sens_note, "%.250s", e.msg);
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < K; i++) {
        for (size_t p = 0; p < P; p++) {
            double s = 0;
            size_t c = 0;
            for (size_t j = 0; j < R; j++) {
                double v = a->value[(p * R + j) * K + i];
                if (isfinite(v)) {
                    s += v;
                    c++;
                }
            }
            y[p] = c ? s / (double)c : NAN;
        }
        /* the blocks of the metrics that have values (one the file lacks has none) */
        size_t used = cfx_sobol_indices(y, n, k, a->sens_first + i * k, a->sens_total + i * k);
        if (used > a->sobol_blocks)
            a->sobol_blocks = used;
        if (cfx_sobol_bootstrap(y, n, k, CFX_BOOTSTRAP_REPS, a->sens_lo + i * 2 * k,
                                a->sens_hi + i * 2 * k)) {
            rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
done:
    free(x);
    free(y);
    return rc;
}

static int sensitivities(cfx_result_reader *r, cfx_analysis *a)
{
    size_t k = a->n_params, K = a->n_metrics, M = a->n_members;
    double n_base, reps;
    int rc = design_info(r, a, &n_base, &reps);
    if (rc)
        return rc;
    if (!k) {
        snprintf(a->sens_note, sizeof a->sens_note,
                 "the sweep has no parameters (an ensemble of seeds)");
        return 0;
    }
    a->sens_first = malloc((K * k + 1) * sizeof(double));
    a->sens_total = malloc((K * k + 1) * sizeof(double));
    a->sens_r2 = malloc((K + 1) * sizeof(double));
    a->sens_lo = malloc((2 * K * k + 1) * sizeof(double));
    a->sens_hi = malloc((2 * K * k + 1) * sizeof(double));
    double *y = malloc((M + 1) * sizeof *y);
    if (!a->sens_first || !a->sens_total || !a->sens_r2 || !a->sens_lo || !a->sens_hi || !y) {
        free(y);
        return cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (strcmp(a->design, "sobol") == 0 && (rc = sobol(r, a, n_base, reps)) <= 0) {
        a->sens_method = CFX_SENS_SOBOL;
        free(a->sens_r2);
        a->sens_r2 = NULL;
    } else {
        /* not sobol, or a sobol sweep not laid out as Saltelli's design (sens_note) */
        rc = 0;
        a->sens_method = CFX_SENS_SRC;
        free(a->sens_total);
        free(a->sens_lo);
        free(a->sens_hi);
        a->sens_total = a->sens_lo = a->sens_hi = NULL;
        for (size_t i = 0; i < K && !rc; i++) {
            for (size_t m = 0; m < M; m++)
                y[m] = a->value[m * K + i];
            if (cfx_src(a->param_value, y, M, k, a->sens_first + i * k, &a->sens_r2[i]))
                rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    free(y);
    return rc;
}

static int sweep_metrics(cfx_result_reader *r, cfx_analysis *a, buffers *b, const cfx_analyze_opts *o)
{
    size_t M = a->n_members;
    int rc = read_members(r, a);
    for (size_t m = 0; m < M && !rc; m++) {
        cfx_metrics mm;
        if (a->member_status[m] != 0)
            continue;
        if ((rc = load_member(r, b, m)) || (rc = cfx_metrics_compute(&mm, &b->s, o, r->err)))
            break;
        if (!a->metric) {
            a->n_metrics = cfx_metrics_flatten(&mm, a->product, a->gate, a->group, NULL, NULL);
            a->metric = calloc(a->n_metrics + 1, sizeof *a->metric);
            a->value = malloc((M * a->n_metrics + 1) * sizeof *a->value);
            if (!a->metric || !a->value) {
                cfx_metrics_free(&mm);
                rc = cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            for (size_t i = 0; i < M * a->n_metrics; i++)
                a->value[i] = NAN;
            cfx_metrics_flatten(&mm, a->product, a->gate, a->group, a->metric, NULL);
        }
        cfx_metrics_flatten(&mm, a->product, a->gate, a->group, NULL, a->value + m * a->n_metrics);
        cfx_metrics_free(&mm);
        a->n_ok++;
    }
    if (rc)
        return rc;
    if (!a->n_ok)
        return cfx_result_fail(r, CFX_EINVAL, "no member of the sweep finished (member_status)");
    size_t K = a->n_metrics;
    double *work = malloc((M + 1) * sizeof *work);
    a->quantile = malloc((3 * K + 1) * sizeof *a->quantile);
    if (!work || !a->quantile) {
        free(work);
        return cfx_error_set(r->err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < K; i++)
        for (int q = 0; q < 3; q++)
            a->quantile[i * 3 + q] = cfx_quantile(a->value + i, M, K, levels[q].q, work);
    free(work);
    if ((rc = end_warnings(r, a)))
        return rc;
    return sensitivities(r, a);
}

/* ---- writing the percentile series back ---- */

static herr_t grab_scale(hid_t did, unsigned dim, hid_t dsid, void *data)
{
    H5Iinc_ref(dsid);
    *(hid_t *)data = dsid;
    return 1;
}

/* The dimension scale attached to dimension dim of ds, or -1 (close it with H5Dclose). */
static hid_t scale_of(hid_t ds, unsigned dim)
{
    hid_t s = -1;
    if (H5DSget_num_scales(ds, dim) > 0)
        H5DSiterate_scales(ds, dim, NULL, grab_scale, &s);
    return s;
}

/* Removes a variable written by an earlier analyze, detaching its scales first so that no
 * scale keeps a reference to a deleted dataset. */
static int drop_var(hid_t f, const char *name)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return 0;
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(sp);
    H5Sclose(sp);
    for (int d = 0; d < rank; d++) {
        hid_t s = scale_of(ds, (unsigned)d);
        if (s >= 0) {
            H5DSdetach_scale(ds, s, (unsigned)d);
            H5Dclose(s);
        }
    }
    H5Dclose(ds);
    return H5Ldelete(f, name, H5P_DEFAULT) < 0 ? -1 : 0;
}

static int put_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(value) + 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t at = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = at >= 0 ? H5Awrite(at, t, value) : -1;
    if (at >= 0)
        H5Aclose(at);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? -1 : 0;
}

/* Creates the three percentile variables of src (rank >= 2, member first) on src's
 * dimensions after member. */
static int create_levels(hid_t f, hid_t src, const char *name, int rank, const hsize_t *dims,
                         hid_t out[3])
{
    hsize_t d[8], max[8], chunk[8];
    for (int i = 1; i < rank; i++) {
        d[i - 1] = dims[i];
        max[i - 1] = i == 1 ? H5S_UNLIMITED : dims[i];
        chunk[i - 1] =
            i == 1 ? (dims[1] < 64 ? (dims[1] ? dims[1] : 1) : 64) : (dims[i] ? dims[i] : 1);
    }
    char units[64], long_name[256], cell[64], coords[512], currency[16], mesh[64], loc[16];
    if (attr_str(src, "units", units, sizeof units) ||
        attr_str(src, "long_name", long_name, sizeof long_name) ||
        attr_str(src, "cell_methods", cell, sizeof cell) ||
        attr_str(src, "coordinates", coords, sizeof coords) ||
        attr_str(src, "currency", currency, sizeof currency) ||
        attr_str(src, "mesh", mesh, sizeof mesh) || attr_str(src, "location", loc, sizeof loc))
        return -1; /* not written rather than written without its units */
    /* the member's coordinates do not apply to a statistic over the members */
    char *m = strstr(coords, " member_seed");
    if (m)
        *m = '\0';
    else if (strncmp(coords, "member_seed", 11) == 0)
        coords[0] = '\0';
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), sp = H5Screate_simple(rank - 1, d, max);
    int rc = 0;
    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_chunk(dcpl, rank - 1, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
    for (int q = 0; q < 3 && !rc; q++) {
        char vname[128], ln[400];
        snprintf(vname, sizeof vname, "%s%s", name, levels[q].suffix);
        snprintf(ln, sizeof ln, "%s over members of: %s", levels[q].words, long_name);
        if (drop_var(f, vname) || (out[q] = H5Dcreate2(f, vname, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT,
                                                       dcpl, H5P_DEFAULT)) < 0) {
            rc = -1;
            break;
        }
        /* CF: the median is a cell method over the members; the 5th and 95th percentiles
         * have none in CF's table, so they say so in `percentile` */
        char cm[160];
        snprintf(cm, sizeof cm, "%s%s%s", cell, cell[0] && q == 1 ? " " : "",
                 q == 1 ? "member: median" : "");
        double pct = 100 * levels[q].q;
        if ((units[0] && put_str_attr(out[q], "units", units)) ||
            put_str_attr(out[q], "long_name", ln) ||
            (cm[0] && put_str_attr(out[q], "cell_methods", cm)) ||
            (coords[0] && put_str_attr(out[q], "coordinates", coords)) ||
            (currency[0] && put_str_attr(out[q], "currency", currency)) ||
            (mesh[0] && put_str_attr(out[q], "mesh", mesh)) || /* UGRID: on the same mesh */
            (loc[0] && put_str_attr(out[q], "location", loc)) ||
            cfx_h5_attr_num(out[q], "percentile", H5T_NATIVE_DOUBLE, 1, &pct))
            rc = -1;
        for (int i = 1; i < rank && !rc; i++) {
            hid_t s = scale_of(src, (unsigned)i);
            if (s >= 0) {
                rc = H5DSattach_scale(out[q], s, (unsigned)(i - 1)) < 0 ? -1 : 0;
                H5Dclose(s);
            }
        }
    }
    H5Sclose(sp);
    H5Pclose(dcpl);
    return rc;
}

/* The percentiles of one series over the finished members, a block of days at a time. 0, -2
 * when the series cannot be read, -3 out of memory, -1 when HDF5 fails otherwise. */
static int write_levels(hid_t f, const char *name, const int *status, size_t n_ok)
{
    hid_t src = H5Dopen2(f, name, H5P_DEFAULT), fs = H5Dget_space(src);
    hsize_t dims[8];
    int rank = H5Sget_simple_extent_ndims(fs);
    hid_t out[3] = {-1, -1, -1};
    int rc = -2; /* the source cannot be read as a series */
    double *buf = NULL, *col = NULL, *work = NULL, *res[3] = {NULL, NULL, NULL};
    if (rank < 2 || rank > 8)
        goto done;
    rc = -1;
    H5Sget_simple_extent_dims(fs, dims, NULL);
    size_t M = dims[0], cell = 1; /* cell: values per day */
    for (int i = 2; i < rank; i++)
        cell *= dims[i];
    if (create_levels(f, src, name, rank, dims, out))
        goto done;
    const hsize_t block = 64;
    buf = malloc((M * block * cell + 1) * sizeof *buf);
    col = malloc((n_ok + 1) * sizeof *col);
    work = malloc((n_ok + 1) * sizeof *work);
    for (int q = 0; q < 3; q++)
        res[q] = malloc((block * cell + 1) * sizeof(double));
    rc = -3; /* out of memory */
    if (!buf || !col || !work || !res[0] || !res[1] || !res[2])
        goto done;
    rc = 0;
    for (hsize_t t0 = 0; t0 < dims[1] && !rc; t0 += block) {
        hsize_t nt = dims[1] - t0 < block ? dims[1] - t0 : block;
        hsize_t start[8] = {0, t0}, count[8] = {M, nt}, n = M * nt * cell;
        for (int i = 2; i < rank; i++)
            count[i] = dims[i];
        hid_t ms = H5Screate_simple(1, &n, NULL);
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(src, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0)
            rc = -2; /* the source: a damaged file */
        H5Sclose(ms);
        for (size_t c = 0; c < nt * cell && !rc; c++) {
            size_t k = 0;
            for (size_t m = 0; m < M; m++)
                if (status[m] == 0)
                    col[k++] = buf[m * nt * cell + c];
            for (int q = 0; q < 3; q++)
                res[q][c] = cfx_quantile(col, k, 1, levels[q].q, work);
        }
        hsize_t ostart[8] = {t0}, ocount[8] = {nt}, on = nt * cell;
        for (int i = 2; i < rank; i++)
            ocount[i - 1] = dims[i];
        for (int q = 0; q < 3 && !rc; q++) {
            hid_t os = H5Dget_space(out[q]), mem = H5Screate_simple(1, &on, NULL);
            if (H5Sselect_hyperslab(os, H5S_SELECT_SET, ostart, NULL, ocount, NULL) < 0 ||
                H5Dwrite(out[q], H5T_NATIVE_DOUBLE, mem, os, H5P_DEFAULT, res[q]) < 0)
                rc = -1;
            H5Sclose(mem);
            H5Sclose(os);
        }
    }
done:
    for (int q = 0; q < 3; q++) {
        if (out[q] >= 0)
            H5Dclose(out[q]);
        free(res[q]);
    }
    free(buf);
    free(col);
    free(work);
    H5Sclose(fs);
    H5Dclose(src);
    return rc;
}

static void write_back(cfx_analysis *a)
{
    hid_t f = H5Fopen(a->path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) {
        snprintf(a->write_note, sizeof a->write_note,
                 "cannot open %s for writing: percentile series not written", a->path);
        return;
    }
    int rc = 0;
    size_t i = 0, n = sizeof series_vars / sizeof *series_vars;
    for (; i < n && !rc; i++)
        if (H5Lexists(f, series_vars[i], H5P_DEFAULT) > 0)
            rc = write_levels(f, series_vars[i], a->member_status, a->n_ok);
    if (rc) /* no half-made set stays, nor one of an earlier analysis beside it */
        for (size_t k = 0; k < n; k++)
            for (size_t q = 0; q < sizeof levels / sizeof *levels; q++) {
                char vname[128];
                snprintf(vname, sizeof vname, "%s%s", series_vars[k], levels[q].suffix);
                if (H5Lexists(f, vname, H5P_DEFAULT) > 0)
                    drop_var(f, vname);
            }
    if (H5Fclose(f) < 0 && !rc) {
        a->write_error = CFX_EHDF5;
        snprintf(a->write_note, sizeof a->write_note,
                 "closing %s after writing the percentile series failed: they may be incomplete",
                 a->path);
    } else if (rc) {
        a->write_error = rc == -2 ? CFX_EINVAL : rc == -3 ? CFX_ENOMEM : CFX_EHDF5;
        snprintf(a->write_note, sizeof a->write_note,
                 rc == -2   ? "cannot read the series '%s' of %s (a damaged file?): no percentile "
                              "series written, and those of an earlier analysis removed"
                 : rc == -3 ? "out of memory for the percentile series of '%s' in %s: none "
                              "written, and those of an earlier analysis removed"
                            : "writing the percentile series ('%s') into %s failed: none "
                              "written, and those of an earlier analysis removed",
                 series_vars[i - 1], a->path);
    } else {
        a->wrote_quantiles = 1;
        snprintf(a->write_note, sizeof a->write_note,
                 "wrote the 5th, 50th and 95th percentile series (<variable>_q05, _q50, _q95) "
                 "into %s",
                 a->path);
    }
}

/* A run's metrics by name, as a sweep has them: one value each, its own three
 * "percentiles". */
static int run_metric_list(cfx_analysis *a, cfx_error *err)
{
    size_t K = cfx_metrics_flatten(&a->run, a->product, a->gate, a->group, NULL, NULL);
    a->metric = calloc(K + 1, sizeof *a->metric);
    a->value = malloc((K + 1) * sizeof *a->value);
    a->quantile = malloc((3 * K + 1) * sizeof *a->quantile);
    if (!a->metric || !a->value || !a->quantile)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    a->n_metrics = K;
    cfx_metrics_flatten(&a->run, a->product, a->gate, a->group, a->metric, a->value);
    for (size_t i = 0; i < K; i++)
        a->quantile[3 * i] = a->quantile[3 * i + 1] = a->quantile[3 * i + 2] = a->value[i];
    return 0;
}

int cfx_analysis_is_sweep(const cfx_analysis *a)
{
    return a->is_sweep;
}

size_t cfx_analysis_metric_count(const cfx_analysis *a)
{
    return a->n_metrics;
}

const char *cfx_analysis_metric_name(const cfx_analysis *a, size_t i)
{
    return i < a->n_metrics ? a->metric[i] : NULL;
}

double cfx_analysis_metric(const cfx_analysis *a, size_t i, double q[3])
{
    if (i >= a->n_metrics) {
        if (q)
            q[0] = q[1] = q[2] = NAN;
        return NAN;
    }
    if (q)
        for (int k = 0; k < 3; k++)
            q[k] = a->quantile[3 * i + (size_t)k];
    return a->quantile[3 * i + 1];
}

const char *cfx_analysis_note(const cfx_analysis *a)
{
    return a->write_note[0] ? a->write_note : NULL;
}

int cfx_analysis_write_error(const cfx_analysis *a)
{
    return a->write_error;
}

int cfx_result_len(cfx_result_reader *r, const char *name, int shared, size_t *n)
{
    hsize_t d[1];
    int rc, save = r->sweep;
    if (shared)
        r->sweep = 0;
    hid_t ds = cfx_result_open_var(r, name, 1, d, &rc);
    r->sweep = save;
    if (ds < 0)
        return rc;
    H5Dclose(ds);
    *n = (size_t)d[0];
    return 0;
}

int cfx_result_open(cfx_result_reader *r, const char *path, cfx_error *err)
{
    *r = (cfx_result_reader){.f = -1, .path = path, .err = err};
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through cfx_error */
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0,
                             "cannot open: no such file or not readable");
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0 || (r->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        return cfx_result_fail(r, CFX_EINVAL, "not a conflux result: not an HDF5 file");
    if (H5Aexists(r->f, "conflux_version") <= 0)
        return cfx_result_fail(r, CFX_EINVAL, "not a conflux result: no conflux_version attribute");
    if (H5Lexists(r->f, "member", H5P_DEFAULT) > 0) {
        int rc = cfx_result_len(r, "member", 1, &r->n_members);
        if (rc)
            return rc;
        r->sweep = 1;
        if (!r->n_members)
            return cfx_result_fail(r, CFX_EINVAL, "the sweep has no members");
    }
    return 0;
}

/* The id of the node where the most cargo waited for capacity (the run's metrics). */
static int queue_node_id(cfx_result_reader *r, cfx_analysis *a)
{
    hsize_t q = (hsize_t)a->run.queue_node;
    if (a->run.queue_node < 0)
        return 0;
    return cfx_result_read_labels_at(r, "node_id", a->n_nodes, &q, 1, &a->queue_node_id);
}

int cfx_analyze_file(cfx_analysis **out, const char *path, const cfx_analyze_opts *o,
                     int write_back_q, cfx_error *err)
{
    *out = NULL;
    cfx_analysis *a = calloc(1, sizeof *a);
    buffers b = {0};
    cfx_result_reader r = {.f = -1};
    int rc = 0;
    if (!a)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    snprintf(a->path, sizeof a->path, "%s", path);
    if ((rc = cfx_result_open(&r, path, err)))
        goto done;
    r.threads = o ? o->threads : 1;
    a->is_sweep = r.sweep;
    a->n_members = r.n_members;
    if (attr_str(r.f, "scenario_name", a->scenario, sizeof a->scenario) ||
        attr_str(r.f, "start", a->start, sizeof a->start) ||
        attr_str(r.f, "design", a->design, sizeof a->design)) {
        rc = cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    a->complete = (int)attr_num(r.f, "complete", 1);
    if ((rc = read_shape(&r, a, &b)) ||
        (rc = cfx_analyze_window(o, a->n_days, &a->baseline_from, &a->baseline_days, err)))
        goto done;
    if (!a->is_sweep) {
        if (!(rc = load_member(&r, &b, 0)) && !(rc = cfx_metrics_compute(&a->run, &b.s, o, err)) &&
            !(rc = queue_node_id(&r, a)))
            rc = run_metric_list(a, err);
    } else if (!(rc = sweep_metrics(&r, a, &b, o))) {
        H5Fclose(r.f);
        r.f = -1;
        if (write_back_q)
            write_back(a);
    }
done:
    if (rc && err->code == CFX_EINVAL && !err->file[0])
        snprintf(err->file, sizeof err->file, "%s", path);
    if (r.f >= 0)
        H5Fclose(r.f);
    buffers_free(&b);
    if (rc)
        cfx_analysis_free(a);
    else
        *out = a;
    return rc;
}
