/* The HDF5 side of sweeps: whether a member file is complete, and the merge of a sweep
 * directory into one file with a leading `member` dimension (DESIGN §4). It copies whatever
 * the member files hold, by their dimension scales: series on `time` gain `member` in front,
 * event variables become (member, event) padded with _FillValue, the rest is shared. */
#include "sweep/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "io/csv.h"
#include "io/h5.h"
#include "core/util.h"
#include "run/output.h"

/* netCDF-4 marks a dimension without a coordinate variable with this NAME prefix. */
#define NC_PHONY "This is a netCDF dimension but not a netCDF variable."
#define MAX_VARS 128
#define MAX_RANK 3

enum { V_TIME, V_PHONY, V_SERIES, V_EVENT, V_SHARED };

typedef struct var {
    char name[128];
    int kind;                     /* V_* */
    int rank;                     /* in the member file */
    hsize_t dims[MAX_RANK];       /* in the member file (the template) */
    char dim_name[MAX_RANK][128]; /* scale attached to each dimension */
    hid_t type;                   /* the member file's type, copied */
    hid_t out;                    /* the dataset in the sweep file */
    int raw;                      /* a series whose sweep chunks are the member's chunks: */
    hsize_t chunk[MAX_RANK];      /* the member's chunk, copied compressed as it is; an
                                     event variable with one chunk a member, packed here */
    unsigned char fill[16];       /* an event variable's fill value (when raw) */
} var;

typedef struct merge {
    const char *dir;
    size_t n_members;
    cfx_csv *manifest;
    uint8_t *status;   /* n_members cfx_member_status */
    char **error;      /* n_members messages ("" when none) */
    int32_t *n_events; /* n_members events recorded by each complete member */
    size_t max_events;
    var v[MAX_VARS];
    size_t n_vars;
    hid_t out, member_ds;
    unsigned char *buf; /* one member's largest variable */
    size_t buf_len;
    unsigned char *chunk_buf; /* one compressed chunk */
    size_t chunk_len;
    cfx_h5_packer *pack;      /* compresses an event variable's chunk (see copy_events) */
} merge;

static int h5fail(cfx_error *err, const char *path, const char *what)
{
    return cfx_error_set(err, CFX_EHDF5, path, 0, 0, "HDF5 failed on %s", what);
}

/* ---------------------------------------------------------------- attributes */

/* Attributes that belong to one file or one run, not to the sweep. */
static int skipped_attr(const char *name, int root)
{
    static const char *const dims[] = {
        "CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "_Netcdf4Dimid", "_Netcdf4Coordinates",
        NULL};
    static const char *const run[] = {"seed",     "threads", "command_line", "created", "overrides",
                                      "complete", NULL};
    for (size_t i = 0; dims[i]; i++)
        if (strcmp(name, dims[i]) == 0)
            return 1;
    for (size_t i = 0; root && run[i]; i++)
        if (strcmp(name, run[i]) == 0)
            return 1;
    return 0;
}

typedef struct attr_copy {
    hid_t dst;
    int root;
    int bad;
} attr_copy;

static herr_t copy_attr(hid_t src, const char *name, const H5A_info_t *info, void *vctx)
{
    attr_copy *c = vctx;
    if (skipped_attr(name, c->root))
        return 0;
    hid_t a = H5Aopen(src, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1, sp = a >= 0 ? H5Aget_space(a) : -1;
    size_t size = t >= 0 && sp >= 0 ? H5Tget_size(t) * (size_t)H5Sget_simple_extent_npoints(sp) : 0;
    void *buf = size ? malloc(size) : NULL;
    int ok = buf && H5Tdetect_class(t, H5T_VLEN) <= 0 && !H5Tis_variable_str(t) &&
             H5Aread(a, t, buf) >= 0;
    if (ok) {
        hid_t b = H5Acreate2(c->dst, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        ok = b >= 0 && H5Awrite(b, t, buf) >= 0;
        if (b >= 0)
            H5Aclose(b);
    }
    free(buf);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (!ok)
        c->bad = 1;
    return ok ? 0 : -1;
}

static int copy_attrs(hid_t src, hid_t dst, int root)
{
    attr_copy c = {dst, root, 0};
    hsize_t idx = 0;
    return H5Aiterate2(src, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, copy_attr, &c) < 0 || c.bad ? -1
                                                                                               : 0;
}

/* ---------------------------------------------------------------- the template's layout */

static herr_t scale_name(hid_t ds, unsigned dim, hid_t scale, void *vname)
{
    char path[256];
    if (H5Iget_name(scale, path, sizeof path) <= 0)
        return -1;
    const char *base = strrchr(path, '/');
    snprintf(vname, 128, "%.127s", base ? base + 1 : path);
    return 1; /* the first scale is the one */
}

static herr_t collect(hid_t file, const char *name, const H5L_info_t *info, void *vm)
{
    merge *m = vm;
    if (m->n_vars == MAX_VARS)
        return -1;
    var *v = &m->v[m->n_vars];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return 0; /* not a dataset: not a variable */
    hid_t sp = H5Dget_space(ds);
    v->rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    /* rank 0: a scalar, such as UGRID's mesh topology variable, shared */
    int ok = v->rank >= 0 && v->rank <= MAX_RANK &&
             H5Sget_simple_extent_dims(sp, v->dims, NULL) >= 0 && (v->type = H5Dget_type(ds)) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (ok && H5DSis_scale(ds) > 0) {
        char sname[256] = "";
        H5DSget_scale_name(ds, sname, sizeof sname);
        v->kind = strncmp(sname, NC_PHONY, strlen(NC_PHONY)) == 0 ? V_PHONY : V_TIME;
        snprintf(v->dim_name[0], sizeof v->dim_name[0], "%s", name);
    } else if (ok && v->rank == 0) {
        v->kind = V_SHARED;
    } else if (ok) {
        for (int d = 0; d < v->rank; d++)
            if (H5DSiterate_scales(ds, (unsigned)d, NULL, scale_name, v->dim_name[d]) < 0)
                v->dim_name[d][0] = '\0';
        v->kind = strcmp(v->dim_name[0], "time") == 0    ? V_SERIES
                  : strcmp(v->dim_name[0], "event") == 0 ? V_EVENT
                                                         : V_SHARED;
    }
    H5Dclose(ds);
    if (!ok)
        return -1;
    size_t bytes = H5Tget_size(v->type);
    for (int d = 0; d < v->rank; d++)
        bytes *= v->dims[d] ? v->dims[d] : 1;
    if (v->kind == V_EVENT)
        bytes = H5Tget_size(v->type) * (m->max_events ? m->max_events : 1);
    if (bytes > m->buf_len)
        m->buf_len = bytes;
    m->n_vars++;
    return 0;
}

/* The fixed-length string attribute name of obj into buf (len bytes): 1 when read, 0 when
 * absent, -1 when it cannot be read (or is longer than buf). */
static int str_attr(hid_t obj, const char *name, char *buf, size_t len)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    int ok = t >= 0 && !H5Tis_variable_str(t) && H5Tget_size(t) < len &&
             (memset(buf, 0, len), H5Aread(a, t, buf) >= 0);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return ok ? 1 : -1;
}

static var *find_var(merge *m, const char *name)
{
    for (size_t i = 0; i < m->n_vars; i++)
        if (strcmp(m->v[i].name, name) == 0)
            return &m->v[i];
    return NULL;
}

/* A coordinate's cell bounds (CF `bounds`, time_bnds of time) are the same in every member,
 * like the coordinate: shared, not a series. */
static void share_bounds(merge *m, hid_t tmpl)
{
    for (size_t i = 0; i < m->n_vars; i++) {
        char bounds[128];
        var *b;
        hid_t ds = m->v[i].kind == V_TIME ? H5Dopen2(tmpl, m->v[i].name, H5P_DEFAULT) : -1;
        if (ds >= 0 && str_attr(ds, "bounds", bounds, sizeof bounds) == 1 &&
            (b = find_var(m, bounds)))
            b->kind = V_SHARED;
        if (ds >= 0)
            H5Dclose(ds);
    }
}

/* ---------------------------------------------------------------- creating the sweep file */

/* netCDF's default fill values, so that every reader masks missing members. */
static int fill_value(hid_t type, unsigned char *buf)
{
    H5T_class_t c = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (c == H5T_FLOAT && size == 8) {
        double nan = NAN;
        memcpy(buf, &nan, 8);
    } else if (c == H5T_FLOAT && size == 4) {
        float nan = NAN;
        memcpy(buf, &nan, 4);
    } else if (c == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE && size == 1) {
        buf[0] = 255;
    } else if (c == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2 && size == 4) {
        int32_t f = -2147483647;
        memcpy(buf, &f, 4);
    } else if (c == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2 && size == 8) {
        int64_t f = -9223372036854775806LL;
        memcpy(buf, &f, 8);
    } else {
        return -1;
    }
    return 0;
}

/* The dataset creation properties of a series in both files: chunks that hold one member (in
 * the sweep file), shuffle, deflate level 1 (as run files). */
#define DEFLATE_LEVEL 1

/* A dataset: chunked when `chunked` (one member per chunk; `chunk`, when not NULL, gives the
 * chunk's other dimensions, else they are the whole variable up to about 1 MiB), with the
 * fill value `fill` when not NULL. */
static hid_t make_dset(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                       int chunked, const hsize_t *chunk_in, const unsigned char *fill)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), ds = -1;
    hsize_t chunk[MAX_RANK + 1];
    int ok = sp >= 0 && dcpl >= 0 &&
             /* no object timestamps: the same members give the same bytes */
             H5Pset_obj_track_times(dcpl, 0) >= 0 &&
             H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0;
    hsize_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= dims[d];
    if (ok && chunked && n > 0) {
        /* one member per chunk, a reader of one member decompresses only its own; and no
         * chunk above about 1 MiB (a member of a 10^5-node network is 290 MB a series): the
         * largest of the other dimensions is halved until it fits */
        size_t bytes = H5Tget_size(type);
        for (int d = 0; d < rank; d++) {
            chunk[d] = d == 0 ? 1 : chunk_in ? chunk_in[d - 1] : (dims[d] ? dims[d] : 1);
            bytes *= chunk[d];
        }
        while (!chunk_in && bytes > (1u << 20)) {
            int big = 1;
            for (int d = 2; d < rank; d++)
                big = chunk[d] > chunk[big] ? d : big;
            if (rank < 2 || chunk[big] <= 1)
                break;
            bytes = bytes / chunk[big] * ((chunk[big] + 1) / 2);
            chunk[big] = (chunk[big] + 1) / 2;
        }
        ok = H5Pset_chunk(dcpl, rank, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
             H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0;
    }
    if (ok && fill)
        ok = H5Pset_fill_value(dcpl, type, fill) >= 0;
    if (ok)
        ds = H5Dcreate2(file, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (sp >= 0)
        H5Sclose(sp);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return ds;
}

static hid_t scale_of(merge *m, const char *dim)
{
    if (strcmp(dim, "member") == 0)
        return m->member_ds;
    var *v = find_var(m, dim);
    return v && (v->kind == V_TIME || v->kind == V_PHONY) ? v->out : -1;
}

/* "member_seed member_status param_...": the member's labels, which every (member, ...)
 * variable names as coordinates, so that xarray keeps them beside the member axis. */
static void member_coords(const merge *m, char *buf, size_t len)
{
    snprintf(buf, len, "member_seed member_status");
    for (size_t p = 2; m->manifest && p < m->manifest->ncols; p++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, " param_%s", m->manifest->header[p]);
        for (char *q = buf + used; *q; q++)
            if (*q == '.')
                *q = '_';
    }
}

/* Appends the member's coordinates to a variable's `coordinates` attribute (or makes it). */
static int add_member_coords(const merge *m, hid_t ds)
{
    char coords[2048] = "", mine[1024] = "";
    int had = str_attr(ds, "coordinates", mine, sizeof mine);
    if (had < 0 || (had && H5Adelete(ds, "coordinates") < 0))
        return -1;
    member_coords(m, coords, sizeof coords);
    if (*mine) {
        size_t used = strlen(mine);
        snprintf(mine + used, sizeof mine - used, " %s", coords);
        return cfx_h5_attr_str(ds, "coordinates", mine);
    }
    return cfx_h5_attr_str(ds, "coordinates", coords);
}

/* 1 when a dataset's creation properties dcpl are chunks of rank dimensions, shuffled and
 * deflated at DEFLATE_LEVEL, as a sweep file's series; its chunk goes to chunk. */
static int same_pipeline(hid_t dcpl, int rank, hsize_t *chunk)
{
    if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, MAX_RANK, chunk) != rank ||
        H5Pget_nfilters(dcpl) != 2)
        return 0;
    unsigned flags, cd[8];
    size_t n_cd = 8;
    char name[64];
    if (H5Pget_filter2(dcpl, 0, &flags, &(size_t){8}, cd, sizeof name, name, NULL) !=
            H5Z_FILTER_SHUFFLE ||
        H5Pget_filter2(dcpl, 1, &flags, &n_cd, cd, sizeof name, name, NULL) !=
            H5Z_FILTER_DEFLATE)
        return 0;
    return n_cd >= 1 && cd[0] == DEFLATE_LEVEL;
}

static int create_var(merge *m, var *v, hid_t tmpl)
{
    hsize_t dims[MAX_RANK + 1];
    int lead = v->kind == V_SERIES || v->kind == V_EVENT, rank = v->rank + lead;
    unsigned char fill[16];
    if (lead)
        dims[0] = m->n_members;
    for (int d = 0; d < v->rank; d++)
        dims[d + lead] = v->dims[d];
    if (v->kind == V_EVENT || (v->kind == V_PHONY && strcmp(v->name, "event") == 0))
        dims[rank - 1] = m->max_events;
    /* Missing members are filled; floats carry _FillValue (NaN), integers do not, so that
     * readers keep their type (a missing member's flags read 255 or -2147483647, and
     * member_status says which members are missing). */
    hsize_t numel = 1;
    for (int d = 0; d < rank; d++)
        numel *= dims[d];
    int has_fill = lead && fill_value(v->type, fill) == 0;
    int fill_attr = has_fill && H5Tget_class(v->type) == H5T_FLOAT;
    hid_t src = H5Dopen2(tmpl, v->name, H5P_DEFAULT);
    if (src < 0)
        return -1;
    /* A series stored in the member in chunks of at most 4 MiB is stored in the sweep file in
     * the same chunks, so that merging copies them compressed (see copy_member). */
    if (v->kind == V_SERIES) {
        hid_t dcpl = H5Dget_create_plist(src);
        size_t bytes = H5Tget_size(v->type);
        v->raw = dcpl >= 0 && same_pipeline(dcpl, v->rank, v->chunk);
        for (int d = 0; v->raw && d < v->rank; d++)
            bytes *= v->chunk[d];
        v->raw = v->raw && bytes <= (4u << 20);
        if (dcpl >= 0)
            H5Pclose(dcpl);
    }
    /* An event variable of numbers holds a member a chunk (up to 1 MiB), which the merge
     * packs itself (see copy_events). */
    H5T_class_t cls = H5Tget_class(v->type);
    if (v->kind == V_EVENT && has_fill && (cls == H5T_INTEGER || cls == H5T_FLOAT) &&
        m->max_events > 0 && H5Tget_size(v->type) * m->max_events <= (1u << 20)) {
        v->raw = 1;
        v->chunk[0] = m->max_events;
        memcpy(v->fill, fill, sizeof v->fill);
    }
    v->out = make_dset(m->out, v->name, v->type, rank, dims, lead, v->raw ? v->chunk : NULL,
                       has_fill ? fill : NULL);
    if (v->out < 0) {
        H5Dclose(src);
        return -1;
    }
    int rc = copy_attrs(src, v->out, 0) ? -1 : 0;
    if (!rc && fill_attr)
        rc = cfx_h5_attr_num(v->out, "_FillValue", v->type, 1, fill);
    if (!rc && lead)
        rc = add_member_coords(m, v->out);
    if (!rc && v->kind == V_PHONY) {
        char name[96];
        snprintf(name, sizeof name, "%s%10llu", NC_PHONY, (unsigned long long)dims[0]);
        rc = H5DSset_scale(v->out, name) < 0 ? -1 : 0;
    } else if (!rc && v->kind == V_TIME) {
        rc = H5DSset_scale(v->out, v->name) < 0 ? -1 : 0;
    }
    /* shared variables and the time axis: the template's values */
    if (!rc && (v->kind == V_SHARED || v->kind == V_TIME) && numel > 0) {
        if (H5Tis_variable_str(v->type) > 0) {
            hid_t sp = H5Dget_space(src);
            char **s = calloc(numel, sizeof *s);
            rc = !s || H5Dread(src, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0 ||
                         H5Dwrite(v->out, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0
                     ? -1
                     : 0;
            if (s)
                H5Dvlen_reclaim(v->type, sp, H5P_DEFAULT, s);
            free(s);
            H5Sclose(sp);
        } else {
            rc = H5Dread(src, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->buf) < 0 ||
                         H5Dwrite(v->out, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->buf) < 0
                     ? -1
                     : 0;
        }
    }
    if (src >= 0)
        H5Dclose(src);
    return rc;
}

static int attach_scales(merge *m, var *v)
{
    if (v->kind == V_TIME || v->kind == V_PHONY)
        return 0;
    int lead = v->kind == V_SERIES || v->kind == V_EVENT;
    if (lead && H5DSattach_scale(v->out, m->member_ds, 0) < 0)
        return -1;
    for (int d = 0; d < v->rank; d++) {
        hid_t s = v->dim_name[d][0] ? scale_of(m, v->dim_name[d]) : -1;
        if (s >= 0 && H5DSattach_scale(v->out, s, (unsigned)(d + lead)) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- per-member variables */

static int write_strings(merge *m, const char *name, char **v, const char *long_name)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    hsize_t n = m->n_members;
    int rc = -1;
    if (t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0) {
        hid_t ds = make_dset(m->out, name, t, 1, &n, 0, NULL, NULL);
        if (ds >= 0 && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
            !cfx_h5_attr_str(ds, "long_name", long_name) &&
            H5DSattach_scale(ds, m->member_ds, 0) >= 0)
            rc = 0;
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static hid_t write_nums(merge *m, const char *name, hid_t type, const void *v,
                        const char *long_name)
{
    hsize_t n = m->n_members;
    hid_t ds = make_dset(m->out, name, type, 1, &n, 0, NULL, NULL);
    if (ds < 0)
        return -1;
    if (H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ||
        cfx_h5_attr_str(ds, "long_name", long_name) ||
        (m->member_ds >= 0 && H5DSattach_scale(ds, m->member_ds, 0) < 0)) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

static int is_number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return *s && !*end && isfinite(v);
}

static int write_members(merge *m)
{
    size_t n = m->n_members;
    const cfx_csv *c = m->manifest;
    uint64_t *seed = malloc((n ? n : 1) * sizeof *seed);
    double *num = malloc((n ? n : 1) * sizeof *num);
    char **col = malloc((n ? n : 1) * sizeof *col);
    int rc = -1;
    if (!seed || !num || !col)
        goto done;
    for (size_t i = 0; i < n; i++)
        seed[i] = strtoull(cfx_csv_cell(c, i, 1), NULL, 10);
    uint8_t flags[3] = {0, 1, 2};
    hid_t ds;
    if ((ds = write_nums(m, "member_seed", H5T_NATIVE_UINT64, seed,
                         "seed of the member, derived from the base seed and the member index")) <
        0)
        goto done;
    H5Dclose(ds);
    if ((ds = write_nums(m, "member_status", H5T_NATIVE_UINT8, m->status,
                         "ok, failed (see member_error) or missing (no complete result)")) < 0)
        goto done;
    int bad = cfx_h5_attr_num(ds, "flag_values", H5T_NATIVE_UINT8, 3, flags) ||
              cfx_h5_attr_str(ds, "flag_meanings", "ok failed missing");
    H5Dclose(ds);
    if (bad || write_strings(m, "member_error", m->error, "why the member failed"))
        goto done;
    if ((ds = write_nums(m, "member_event_count", H5T_NATIVE_INT32, m->n_events,
                         "events recorded by the member (the rest of its row is fill)")) < 0)
        goto done;
    H5Dclose(ds);
    for (size_t p = 2; p < c->ncols; p++) {
        char name[300];
        snprintf(name, sizeof name, "param_%s", c->header[p]);
        for (char *q = name; *q; q++)
            if (*q == '.')
                *q = '_';
        int numeric = 1;
        for (size_t i = 0; i < n; i++) {
            col[i] = (char *)cfx_csv_cell(c, i, p);
            numeric &= is_number(col[i]);
            num[i] = numeric ? strtod(col[i], NULL) : 0;
        }
        if (numeric) {
            if ((ds = write_nums(m, name, H5T_NATIVE_DOUBLE, num, c->header[p])) < 0)
                goto done;
        } else {
            if (write_strings(m, name, col, c->header[p]) ||
                (ds = H5Dopen2(m->out, name, H5P_DEFAULT)) < 0)
                goto done;
        }
        bad = cfx_h5_attr_str(ds, "sweep_path", c->header[p]);
        H5Dclose(ds);
        if (bad)
            goto done;
    }
    rc = 0;
done:
    free(seed);
    free(num);
    free(col);
    return rc;
}

/* ---------------------------------------------------------------- members */

/* Reads the manifest and finds which members are complete, failed or missing. */
static int survey(merge *m, cfx_merge_report *rep, cfx_error *err)
{
    char path[1100];
    cfx_diags d = {0};
    snprintf(path, sizeof path, "%s/members.csv", m->dir);
    int rc = cfx_csv_load(&m->manifest, path, &d);
    if (rc || m->manifest->ncols < 2 || strcmp(m->manifest->header[0], "member") != 0) {
        if (d.n)
            *err = d.v[0];
        else
            rc = cfx_error_set(err, rc ? rc : CFX_EINVAL, path, 1, 1,
                               "not the manifest of a sweep (conflux sweep writes it)");
        cfx_diags_free(&d);
        return rc ? rc : CFX_EINVAL;
    }
    size_t n = m->n_members = m->manifest->nrows;
    m->status = calloc(n ? n : 1, 1);
    m->error = calloc(n ? n : 1, sizeof *m->error);
    m->n_events = calloc(n ? n : 1, sizeof *m->n_events);
    if (!m->status || !m->error || !m->n_events)
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    memset(rep, 0, sizeof *rep);
    rep->members = n;
    for (size_t i = 0; i < n; i++) {
        cfx_error ignore;
        size_t len;
        char *msg = NULL;
        if (strtoul(cfx_csv_cell(m->manifest, i, 0), NULL, 10) != i)
            return cfx_error_set(err, CFX_EINVAL, path, m->manifest->line[i * m->manifest->ncols],
                                 1, "members must be numbered 0, 1, 2, ... in order");
        cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
        if (cfx_output_complete(path)) {
            m->status[i] = CFX_MEMBER_OK;
            rep->ok++;
            msg = cfx_strdup("");
        } else {
            cfx_sweep_member_path(path, sizeof path, m->dir, i, ".error");
            if (cfx_read_file(path, &msg, &len, &ignore) == 0) {
                m->status[i] = CFX_MEMBER_FAILED;
                rep->failed++;
                while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
                    msg[--len] = '\0';
            } else {
                m->status[i] = CFX_MEMBER_MISSING;
                if (rep->missing < sizeof rep->first_missing / sizeof rep->first_missing[0])
                    rep->first_missing[rep->missing] = i;
                rep->missing++;
                msg = cfx_strdup("no complete result file");
            }
        }
        if (!(m->error[i] = msg))
            return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    }
    return 0;
}

static void survey_free(merge *m)
{
    for (size_t i = 0; m->error && i < m->n_members; i++)
        free(m->error[i]);
    free(m->error);
    free(m->status);
    free(m->n_events);
    cfx_csv_free(m->manifest);
}

int cfx_sweep_missing(const char *dir, size_t **missing, size_t *n_missing, cfx_error *err)
{
    merge m = {.dir = dir, .out = -1, .member_ds = -1};
    cfx_merge_report rep;
    *missing = NULL;
    *n_missing = 0;
    int rc = survey(&m, &rep, err);
    if (!rc && !(*missing = malloc((rep.missing ? rep.missing : 1) * sizeof **missing)))
        rc = cfx_error_set(err, CFX_ENOMEM, dir, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < m.n_members; i++)
        if (m.status[i] == CFX_MEMBER_MISSING)
            (*missing)[(*n_missing)++] = i;
    survey_free(&m);
    return rc;
}

static hid_t open_member(const merge *m, size_t i, char *path, size_t n, cfx_error *err)
{
    cfx_sweep_member_path(path, n, m->dir, i, ".h5");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open the member file");
    return f;
}

/* Every complete member must share the template's network and time axis; counts events. */
static int check_member(merge *m, size_t i, cfx_error *err)
{
    char path[1100];
    hid_t f = open_member(m, i, path, sizeof path, err);
    if (f < 0)
        return err->code;
    int rc = 0;
    for (size_t k = 0; k < m->n_vars && !rc; k++) {
        var *v = &m->v[k];
        if (v->kind != V_TIME && v->kind != V_PHONY)
            continue;
        hid_t ds = H5Dopen2(f, v->name, H5P_DEFAULT);
        hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
        hsize_t len = 0;
        if (sp < 0 || H5Sget_simple_extent_dims(sp, &len, NULL) != 1)
            rc = cfx_error_set(err, CFX_EINVAL, path, 0, 0, "has no dimension '%s'", v->name);
        else if (strcmp(v->name, "event") == 0)
            m->n_events[i] = (int32_t)len;
        else if (len != v->dims[0])
            rc = cfx_error_set(err, CFX_EINVAL, path, 0, 0,
                               "dimension '%s' has length %llu where the first complete member "
                               "has %llu: members must share one network and one time axis",
                               v->name, (unsigned long long)len, (unsigned long long)v->dims[0]);
        if (sp >= 0)
            H5Sclose(sp);
        if (ds >= 0)
            H5Dclose(ds);
    }
    H5Fclose(f);
    if (!rc && (size_t)m->n_events[i] > m->max_events)
        m->max_events = (size_t)m->n_events[i];
    return rc;
}

/* Copies the member's dataset ds into row i of series v compressed as it is, chunk by chunk
 * (a chunk's bytes do not depend on the file or on where the chunk lies), when the member
 * stores it as the sweep file does: 1 when copied, 0 when it must be read and written, -1 on
 * failure, -2 out of memory. */
static int copy_chunks(merge *m, const var *v, hid_t ds, size_t i)
{
    hsize_t chunk[MAX_RANK];
    hid_t dcpl = H5Dget_create_plist(ds), type = H5Dget_type(ds);
    int same = dcpl >= 0 && type >= 0 && H5Tequal(type, v->type) > 0 &&
               same_pipeline(dcpl, v->rank, chunk);
    for (int d = 0; same && d < v->rank; d++)
        same = chunk[d] == v->chunk[d];
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (type >= 0)
        H5Tclose(type);
    if (!same)
        return 0;
    /* first see that every chunk is there (a member's series are written whole) */
    hsize_t n_chunks = 0, want = 1;
    for (int d = 0; d < v->rank; d++)
        want *= (v->dims[d] + v->chunk[d] - 1) / v->chunk[d];
    hid_t sp = H5Dget_space(ds);
    herr_t got = sp >= 0 ? H5Dget_num_chunks(ds, sp, &n_chunks) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (got < 0 || n_chunks != want)
        return 0;
    hsize_t at[MAX_RANK] = {0}, out_at[MAX_RANK + 1] = {i};
    for (hsize_t c = 0; c < want; c++) {
        hsize_t size = 0;
        uint32_t mask = 0;
        if (H5Dget_chunk_storage_size(ds, at, &size) < 0 || size == 0)
            return -1;
        if (size > m->chunk_len) {
            unsigned char *bigger = realloc(m->chunk_buf, size);
            if (!bigger)
                return -2;
            m->chunk_buf = bigger;
            m->chunk_len = size;
        }
        for (int d = 0; d < v->rank; d++)
            out_at[d + 1] = at[d];
        if (H5Dread_chunk(ds, H5P_DEFAULT, at, &mask, m->chunk_buf) < 0 ||
            H5Dwrite_chunk(v->out, H5P_DEFAULT, mask, out_at, size, m->chunk_buf) < 0)
            return -1;
        /* the next chunk, last dimension fastest */
        for (int d = v->rank - 1; d >= 0; d--) {
            at[d] += v->chunk[d];
            if (at[d] < v->dims[d])
                break;
            at[d] = 0;
        }
    }
    return 1;
}

/* Writes member i's events of v (n values, read from ds) as row i of the sweep file's
 * variable, one chunk padded with the fill value, compressed as HDF5's filters would (the
 * same bytes as writing them through HDF5, without a new compressor for every chunk).
 * 0, -1 on failure, -2 out of memory. */
static int copy_events(merge *m, const var *v, hid_t ds, size_t i, size_t n)
{
    size_t elem = H5Tget_size(v->type), bytes = elem * m->max_events;
    if (H5Dread(ds, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->buf) < 0)
        return -1;
    for (size_t k = n; k < m->max_events; k++)
        memcpy(m->buf + k * elem, v->fill, elem);
    if (!m->pack && !(m->pack = cfx_h5_packer_new(DEFLATE_LEVEL)))
        return -2;
    const unsigned char *packed = NULL;
    size_t len = cfx_h5_pack(m->pack, m->buf, bytes, elem, &packed);
    hsize_t at[2] = {i, 0};
    if (!len)
        return -2;
    return H5Dwrite_chunk(v->out, H5P_DEFAULT, 0, at, len, packed) < 0 ? -1 : 0;
}

/* Copies member i's series and events into row i of the sweep file. */
static int copy_member(merge *m, size_t i, cfx_error *err)
{
    char path[1100];
    hid_t f = open_member(m, i, path, sizeof path, err);
    if (f < 0)
        return err->code;
    int rc = 0;
    for (size_t k = 0; k < m->n_vars && !rc; k++) {
        var *v = &m->v[k];
        if (v->kind != V_SERIES && v->kind != V_EVENT)
            continue;
        hsize_t off[MAX_RANK + 1] = {i}, cnt[MAX_RANK + 1] = {1};
        for (int d = 0; d < v->rank; d++)
            cnt[d + 1] = v->kind == V_EVENT ? (hsize_t)m->n_events[i] : v->dims[d];
        hsize_t numel = 1;
        for (int d = 0; d <= v->rank; d++)
            numel *= cnt[d];
        if (numel == 0)
            continue;
        hid_t ds = H5Dopen2(f, v->name, H5P_DEFAULT);
        int copied = 0;
        if (ds >= 0 && v->raw && v->kind == V_EVENT) {
            int e = copy_events(m, v, ds, i, (size_t)m->n_events[i]);
            copied = e ? e : 1;
        } else if (ds >= 0 && v->raw) {
            copied = copy_chunks(m, v, ds, i);
        }
        hid_t fs = copied ? -1 : H5Dget_space(v->out);
        hid_t ms = copied ? -1 : H5Screate_simple(v->rank + 1, cnt, NULL);
        if (ds < 0 || copied < 0 ||
            (!copied &&
             (fs < 0 || ms < 0 ||
              H5Dread(ds, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->buf) < 0 ||
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
              H5Dwrite(v->out, v->type, ms, fs, H5P_DEFAULT, m->buf) < 0)))
            rc = copied == -2 ? cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory")
                              : cfx_error_set(err, CFX_EHDF5, path, 0, 0,
                                              "cannot copy variable '%s'", v->name);
        if (ms >= 0)
            H5Sclose(ms);
        if (fs >= 0)
            H5Sclose(fs);
        if (ds >= 0)
            H5Dclose(ds);
    }
    H5Fclose(f);
    return rc;
}

static int root_attrs(merge *m, hid_t tmpl)
{
    char path[1100], *text = NULL;
    size_t len;
    cfx_error ignore;
    snprintf(path, sizeof path, "%s/sweep.yaml", m->dir);
    int missing = 0;
    for (size_t i = 0; i < m->n_members; i++)
        missing += m->status[i] == CFX_MEMBER_MISSING;
    int members = (int)m->n_members, complete = !missing;
    int rc = copy_attrs(tmpl, m->out, 1) ||
             cfx_h5_attr_num(m->out, "members", H5T_NATIVE_INT, 1, &members) ||
             cfx_h5_attr_num(m->out, "complete", H5T_NATIVE_INT, 1, &complete);
    if (!rc && cfx_read_file(path, &text, &len, &ignore) == 0)
        rc = cfx_h5_attr_str(m->out, "sweep_text", text);
    free(text);
    return rc;
}

int cfx_sweep_merge(const char *dir, const char *out, cfx_merge_report *rep, cfx_error *err)
{
    merge m = {.dir = dir, .out = -1, .member_ds = -1};
    char partial[1100], tpath[1100];
    hid_t tmpl = -1;
    int rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if ((rc = survey(&m, rep, err)))
        goto done;
    size_t first = 0;
    while (first < m.n_members && m.status[first] != CFX_MEMBER_OK)
        first++;
    if (first == m.n_members) {
        rc = cfx_error_set(err, CFX_EFAIL, dir, 0, 0,
                           "no member has a complete result yet: nothing to merge");
        goto done;
    }
    cfx_sweep_member_path(tpath, sizeof tpath, dir, first, ".h5");
    if ((tmpl = H5Fopen(tpath, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        rc = cfx_error_set(err, CFX_ENOENT, tpath, 0, 0, "cannot open the member file");
        goto done;
    }
    hsize_t idx = 0;
    if (H5Literate(tmpl, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect, &m) < 0) {
        rc = cfx_error_set(err, CFX_EINVAL, tpath, 0, 0, "not a conflux result file");
        goto done;
    }
    share_bounds(&m, tmpl);
    for (size_t i = first; i < m.n_members && !rc; i++)
        if (m.status[i] == CFX_MEMBER_OK)
            rc = check_member(&m, i, err);
    if (rc)
        goto done;
    for (size_t k = 0; k < m.n_vars; k++)
        if (m.v[k].kind == V_EVENT) {
            size_t bytes = H5Tget_size(m.v[k].type) * (m.max_events ? m.max_events : 1);
            if (bytes > m.buf_len)
                m.buf_len = bytes;
        }
    if (!(m.buf = malloc(m.buf_len ? m.buf_len : 1))) {
        rc = cfx_error_set(err, CFX_ENOMEM, out, 0, 0, "out of memory");
        goto done;
    }
    snprintf(partial, sizeof partial, "%s.partial", out);
    unlink(partial);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fcpl >= 0 && fapl >= 0 &&
        H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
        H5Pset_attr_phase_change(fcpl, 0, 0) >= 0 && H5Pset_obj_track_times(fcpl, 0) >= 0 &&
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0)
        m.out = H5Fcreate(partial, H5F_ACC_EXCL, fcpl, fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (m.out < 0) {
        rc = cfx_error_set(err, CFX_ECREATE, partial, 0, 0, "cannot create the sweep file");
        goto done;
    }
    /* member: the coordinate of the leading dimension */
    int32_t *ids = malloc((m.n_members ? m.n_members : 1) * sizeof *ids);
    for (size_t i = 0; ids && i < m.n_members; i++)
        ids[i] = (int32_t)i;
    m.member_ds =
        ids ? write_nums(&m, "member", H5T_NATIVE_INT32, ids, "sweep member (row of members.csv)")
            : -1;
    free(ids);
    if (m.member_ds < 0 || H5DSset_scale(m.member_ds, "member") < 0) {
        rc = h5fail(err, partial, "the member dimension");
        goto done;
    }
    for (size_t k = 0; k < m.n_vars && !rc; k++)
        if (create_var(&m, &m.v[k], tmpl))
            rc = h5fail(err, partial, m.v[k].name);
    for (size_t k = 0; k < m.n_vars && !rc; k++)
        if (attach_scales(&m, &m.v[k]))
            rc = h5fail(err, partial, m.v[k].name);
    if (!rc && (write_members(&m) || root_attrs(&m, tmpl)))
        rc = h5fail(err, partial, "the member variables");
    for (size_t i = 0; i < m.n_members && !rc; i++)
        if (m.status[i] == CFX_MEMBER_OK)
            rc = copy_member(&m, i, err);
done:
    for (size_t k = 0; k < m.n_vars; k++) {
        if (m.v[k].out > 0)
            H5Dclose(m.v[k].out);
        if (m.v[k].type > 0)
            H5Tclose(m.v[k].type);
    }
    if (m.member_ds >= 0)
        H5Dclose(m.member_ds);
    if (m.out >= 0 && H5Fclose(m.out) < 0 && !rc)
        rc = h5fail(err, partial, "the file (close)");
    if (tmpl >= 0)
        H5Fclose(tmpl);
    if (m.out >= 0 && !rc && rename(partial, out))
        rc = cfx_error_set(err, CFX_EIO, out, 0, 0, "cannot move %s into place: %s", partial,
                           strerror(errno));
    free(m.buf);
    free(m.chunk_buf);
    cfx_h5_packer_free(m.pack);
    survey_free(&m);
    return rc;
}
