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
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "io/csv.h"
#include "io/h5.h"
#include "core/grow.h"
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
    cfx_h5_packer *pack;      /* compresses an event variable's chunk (see pack_events) */
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

/* How the members' values of v are copied (before the sweep file is made: the readers need
 * it). A series stored in the member in chunks of at most 4 MiB is stored in the sweep file in
 * the same chunks, so that merging copies them compressed (see read_chunks); an event
 * variable of numbers holds a member a chunk (up to 1 MiB), which the merge packs itself
 * (see pack_events). */
static void plan_var(merge *m, var *v, hid_t tmpl)
{
    unsigned char fill[16];
    int has_fill = (v->kind == V_SERIES || v->kind == V_EVENT) && fill_value(v->type, fill) == 0;
    hid_t src = v->kind == V_SERIES ? H5Dopen2(tmpl, v->name, H5P_DEFAULT) : -1;
    hid_t dcpl = src >= 0 ? H5Dget_create_plist(src) : -1;
    if (dcpl >= 0) {
        size_t bytes = H5Tget_size(v->type);
        v->raw = same_pipeline(dcpl, v->rank, v->chunk);
        for (int d = 0; v->raw && d < v->rank; d++)
            bytes *= v->chunk[d];
        v->raw = v->raw && bytes <= (4u << 20);
        H5Pclose(dcpl);
    }
    if (src >= 0)
        H5Dclose(src);
    H5T_class_t cls = H5Tget_class(v->type);
    if (v->kind == V_EVENT && has_fill && (cls == H5T_INTEGER || cls == H5T_FLOAT) &&
        m->max_events > 0 && H5Tget_size(v->type) * m->max_events <= (1u << 20)) {
        v->raw = 1;
        v->chunk[0] = m->max_events;
        memcpy(v->fill, fill, sizeof v->fill);
    }
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

/* Reads the manifest; the members' status is set by set_status. */
static int survey(merge *m, cfx_merge_report *rep, cfx_error *err)
{
    char path[1100];
    cfx_diags d = {0};
    snprintf(path, sizeof path, "%s/members.csv", m->dir);
    int rc = cfx_csv_load(&m->manifest, path, &d);
    if (rc || m->manifest->ncols < 2 || strcmp(m->manifest->header[0], "member") != 0) {
        struct stat st; /* a members.csv that is there but unreadable: d says why */
        if (rc == CFX_ENOENT && lstat(path, &st) != 0)
            cfx_error_set(err, rc, m->dir, 0, 0,
                          "not a sweep directory: it has no members.csv (conflux sweep writes it)");
        else if (d.n)
            *err = d.v[0];
        else if (rc == CFX_ENOMEM)
            cfx_error_set(err, rc, path, 0, 0, "out of memory");
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
    memset(m->status, CFX_MEMBER_MISSING, n); /* until set_status says otherwise */
    memset(rep, 0, sizeof *rep);
    rep->members = n;
    for (size_t i = 0; i < n; i++)
        if (strtoul(cfx_csv_cell(m->manifest, i, 0), NULL, 10) != i)
            return cfx_error_set(err, CFX_EINVAL, path, m->manifest->line[i * m->manifest->ncols],
                                 1, "members must be numbered 0, 1, 2, ... in order");
    return 0;
}

/* Member i's status and message: ok when its file is complete, else failed (with the
 * message of DIR/member-NNNNN.error) or missing. 0 or CFX_ENOMEM. */
static int set_status(merge *m, size_t i, int complete, cfx_error *err)
{
    char path[1100], *msg = NULL;
    size_t len;
    cfx_error why = {0};
    cfx_sweep_member_path(path, sizeof path, m->dir, i, ".error");
    if (complete) {
        m->status[i] = CFX_MEMBER_OK;
        msg = cfx_strdup("");
    } else if (cfx_read_file(path, &msg, &len, &why) == 0) {
        m->status[i] = CFX_MEMBER_FAILED;
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
            msg[--len] = '\0';
    } else if (why.code == CFX_ENOMEM) { /* a note there, but no memory to read it */
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    } else {
        m->status[i] = CFX_MEMBER_MISSING;
        msg = cfx_strdup("no complete result file");
    }
    free(m->error[i]);
    if (!(m->error[i] = msg))
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    return 0;
}

/* The report's counts, from the status of members [0, n) (those whose status is known: a
 * merge that failed early leaves the rest unknown). */
static void tally(const merge *m, size_t n, cfx_merge_report *rep)
{
    rep->ok = rep->failed = rep->missing = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m->error[i])
            continue;
        if (m->status[i] == CFX_MEMBER_OK)
            rep->ok++;
        else if (m->status[i] == CFX_MEMBER_FAILED)
            rep->failed++;
        else if (rep->missing++ < sizeof rep->first_missing / sizeof rep->first_missing[0])
            rep->first_missing[rep->missing - 1] = i;
    }
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

static int member_complete(const merge *m, size_t i)
{
    char path[1100];
    cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
    return cfx_output_complete(path);
}

int cfx_sweep_missing(const char *dir, size_t **missing, size_t *n_missing, cfx_error *err)
{
    merge m = {.dir = dir, .out = -1, .member_ds = -1};
    cfx_merge_report rep;
    *missing = NULL;
    *n_missing = 0;
    int rc = survey(&m, &rep, err);
    for (size_t i = 0; !rc && i < m.n_members; i++)
        rc = set_status(&m, i, member_complete(&m, i), err);
    if (!rc && !(*missing = malloc((m.n_members ? m.n_members : 1) * sizeof **missing)))
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
    hid_t f = cfx_h5_open_read(path);
    if (f < 0)
        cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open the member file");
    return f;
}

/* ---------------------------------------------------------------- reading members in
 * reader processes
 *
 * Opening a member file and its datasets and reading its chunks is most of a merge (about
 * 70 % of it); writing them into the sweep file is the rest, and must be one process's (HDF5
 * writes one file from one thread). So the members are read by `jobs` reader processes,
 * forked for the purpose, each taking every jobs-th member of a list in order, and each
 * member's bytes come back through a pipe, a chunk or a variable at a time, as messages that
 * this process turns into writes in member order: the sweep file has the same bytes whatever
 * the number of readers, and with one (jobs = 1, or a variable of variable-length values,
 * whose pointers would not cross a process) the messages are made and written here, by the
 * same code. A process holds at most a part (see PART_BYTES) and one chunk or variable. */

#define MAX_READERS 64

typedef struct blob {
    unsigned char *p;
    size_t len, cap;
    int nomem;
} blob;

/* Room for n more bytes at the end of the blob (not yet counted in len); NULL when out of
 * memory, after which the blob stays so (nomem). */
static unsigned char *room(blob *b, size_t n)
{
    if (b->nomem)
        return NULL;
    if (n > b->cap - b->len) {
        size_t cap = cfx_grow_cap(b->cap, b->len + n, 1 << 16);
        unsigned char *q = cap ? realloc(b->p, cap) : NULL;
        if (!q) {
            b->nomem = 1;
            return NULL;
        }
        b->p = q;
        b->cap = cap;
    }
    return b->p + b->len;
}

static void put(blob *b, const void *x, size_t n)
{
    unsigned char *at = n ? room(b, n) : NULL; /* nothing to put: x may be NULL */
    if (at) {
        memcpy(at, x, n);
        b->len += n;
    }
}

/* Takes n bytes at *at into x (NULL when n is 0): 0, or -1 when the blob is shorter. */
static int take(const blob *b, size_t *at, void *x, size_t n)
{
    if (b->len - *at < n)
        return -1;
    if (n)
        memcpy(x, b->p + *at, n);
    *at += n;
    return 0;
}

/* A member's bytes go as messages: parts, each the records (see copy_records) made since the
 * last part, sent once they pass PART_BYTES so that no process holds a whole member, then its
 * end: a cfx_error (code 0 when the member was read) and what the phase adds. Each message is
 * its length times two, plus one for the end, then its bytes. */
#define MIN_BLOB ((size_t)1 << 16) /* room kept for an end after memory ran out */
/* An assumption, not tuned: a Kachin member (0.1 MB compressed) goes as one part, as with one
 * message a member, where a message a chunk (about 35 a member) cost 1.4 x the CPU in pipe
 * calls; a large network's member goes a few chunks at a time. */
#define PART_BYTES ((size_t)1 << 20)
/* A blob grown past MAX_KEPT is given back after use: an assumption, far above a chunk (4 MiB
 * at most) and below a large network's variable read whole (290 MB for 10^5 nodes). */
#define MAX_KEPT ((size_t)64 << 20)

/* Member i's end into b: the error (out of memory when the blob could not grow), then n
 * bytes of extra; always fits (see readers_start). */
static void finish(blob *b, const merge *m, size_t i, cfx_error *e, const void *extra,
                   size_t n)
{
    if (b->nomem) {
        char path[1100];
        cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
        cfx_error_set(e, CFX_ENOMEM, path, 0, 0, "out of memory");
    }
    b->len = 0;
    b->nomem = 0;
    put(b, e, sizeof *e);
    put(b, extra, n);
}

/* Gives back the memory of a blob that grew past MAX_KEPT (a large variable read whole). */
static void trim(blob *b)
{
    if (b->cap <= MAX_KEPT)
        return;
    unsigned char *q = realloc(b->p, MIN_BLOB);
    if (q) {
        b->p = q;
        b->cap = MIN_BLOB;
    }
}

/* Writes a part of member i into the sweep file: 0 or the error. */
typedef int (*consume_fn)(merge *m, size_t i, const blob *b, cfx_error *err);

/* Where a member's parts go: a reader's pipe to this process, or (fd -1) straight to the
 * consumer, here. */
typedef struct sink {
    int fd;
    consume_fn consume;
    merge *m;
    size_t i;
    cfx_error err; /* here: the consumer's failure */
    int failed;
} sink;

static int send_msg(int fd, const blob *b, int end)
{
    uint64_t head = (uint64_t)b->len * 2 + (uint64_t)end;
    return cfx_move_all(fd, &head, sizeof head, 1) == sizeof head &&
                   cfx_move_all(fd, b->p, b->len, 1) == b->len
               ? 0
               : -1;
}

/* Sends the records that b holds as a part and empties b, once they pass PART_BYTES or when
 * `now`: 0, or -1 when they cannot go (the parent is gone, or here the consumer failed): the
 * member's function then stops. */
static int emit(sink *s, blob *b, int now)
{
    int rc = 0;
    if (!now && !s->failed && !b->nomem && b->len < PART_BYTES)
        return 0;
    if (s->failed || b->nomem) /* a record that could not be made whole is not sent */
        rc = -1;
    else if (s->fd >= 0)
        rc = send_msg(s->fd, b, 0);
    else if (s->consume(s->m, s->i, b, &s->err))
        rc = -1, s->failed = 1;
    b->len = 0;
    trim(b);
    return rc;
}

/* Makes member i's messages: its parts through emit, then its end in b (finish). */
typedef void (*member_fn)(merge *m, size_t i, blob *b, sink *s);

typedef struct readers {
    int n;                     /* reader processes; 0: the messages are made in this process */
    pid_t pid[MAX_READERS];
    int fd[MAX_READERS];       /* the read end of each one's pipe */
    const size_t *list;        /* the members, in the order their messages are taken */
    member_fn fn;
    consume_fn consume;        /* of the parts */
} readers;

static void readers_stop(readers *r)
{
    for (int k = 0; k < r->n; k++)
        close(r->fd[k]);
    for (int k = 0; k < r->n; k++) /* a reader still writing fails on the closed pipe */
        while (waitpid(r->pid[k], NULL, 0) < 0 && errno == EINTR)
            ;
    r->n = 0;
}

static void reader_loop(merge *m, const readers *r, int k, size_t n, int fd, blob *b)
{
    for (size_t j = (size_t)k; j < n; j += (size_t)r->n) {
        sink s = {.fd = fd};
        b->len = 0;
        b->nomem = 0;
        r->fn(m, r->list[j], b, &s);
        if (send_msg(fd, b, 1))
            break;
        trim(b);
    }
    _exit(0);
}

/* Starts min(jobs, n) readers of list[0, n) (none when jobs < 2 or n < 2); consume takes
 * each part. b is the blob the caller reuses, given MIN_BLOB bytes here. 0, or CFX_ENOMEM /
 * CFX_EFAIL. */
static int readers_start(readers *r, merge *m, int jobs, const size_t *list, size_t n,
                         member_fn fn, consume_fn consume, blob *b, cfx_error *err)
{
    r->n = 0;
    r->list = list;
    r->fn = fn;
    r->consume = consume;
    b->len = 0;
    if (!room(b, MIN_BLOB))
        return cfx_error_set(err, CFX_ENOMEM, m->dir, 0, 0, "out of memory");
    int want = jobs < 2 || n < 2 ? 0 : jobs > MAX_READERS ? MAX_READERS : jobs;
    if ((size_t)want > n)
        want = (int)n;
    fflush(NULL);
    for (int k = 0; k < want; k++) {
        int p[2];
        if (pipe(p)) {
            readers_stop(r);
            return cfx_error_set(err, CFX_EFAIL, m->dir, 0, 0, "cannot start a reader: %s",
                                 strerror(errno));
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            for (int j = 0; j < k; j++) /* else a reader would keep another's pipe open */
                close(r->fd[j]);
            signal(SIGPIPE, SIG_DFL);
            r->n = want;
            reader_loop(m, r, k, n, p[1], b);
        }
        int saved = errno;
        close(p[1]);
        if (pid < 0) {
            close(p[0]);
            readers_stop(r);
            return cfx_error_set(err, CFX_EFAIL, m->dir, 0, 0, "cannot start a reader: %s",
                                 strerror(saved));
        }
        r->pid[k] = pid;
        r->fd[k] = p[0];
        r->n = k + 1;
    }
    return 0;
}

/* Member list[j]: its parts through consume, in order, then its end into b (made here when
 * there are no readers). 0, the consumer's error, or CFX_EFAIL / CFX_ENOMEM when its reader
 * stopped without sending it or a message finds no memory. */
static int readers_member(readers *r, merge *m, size_t j, blob *b, cfx_error *err)
{
    size_t i = r->list[j];
    char path[1100];
    cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
    if (!r->n) {
        sink s = {.fd = -1, .consume = r->consume, .m = m, .i = i};
        b->len = 0;
        b->nomem = 0;
        r->fn(m, i, b, &s);
        if (s.failed)
            *err = s.err;
        return s.failed ? err->code : 0;
    }
    int fd = r->fd[j % (size_t)r->n];
    for (;;) {
        uint64_t head = 0;
        b->len = 0;
        b->nomem = 0;
        if (cfx_move_all(fd, &head, sizeof head, 0) != sizeof head)
            break;
        size_t len = (size_t)(head / 2);
        unsigned char *to = room(b, len);
        if (!to)
            return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
        if (cfx_move_all(fd, to, len, 0) != len)
            break;
        b->len = len;
        if (head & 1)
            return 0;
        int rc = r->consume(m, i, b, err);
        trim(b);
        if (rc)
            return rc;
    }
    return cfx_error_set(err, CFX_EFAIL, path, 0, 0,
                         "the merge's reader process stopped before it read this member "
                         "(killed, or out of memory?)");
}

/* Member list[j]'s parts written, then its end taken: its error into e and n bytes of extra.
 * 0, or the error that stopped it on the way (readers_member's, or a damaged end). */
static int member_end(readers *r, merge *m, size_t j, blob *b, cfx_error *e, void *extra,
                      size_t n, cfx_error *err)
{
    size_t at = 0;
    int rc = readers_member(r, m, j, b, err);
    if (!rc && (take(b, &at, e, sizeof *e) || take(b, &at, extra, n)))
        rc = cfx_error_set(err, CFX_EFAIL, m->dir, 0, 0, "a reader's message is damaged");
    return rc;
}

/* ---------------------------------------------------------------- checking members */

/* Member i's facts: whether its file is complete and, when it is, that it shares the
 * template's network and time axis, and its count of events. No parts; its end: the error,
 * int32 complete, int32 events. */
static void check_member(merge *m, size_t i, blob *b, sink *s)
{
    (void)s;
    char path[1100];
    cfx_error e = {0};
    cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
    hid_t f = cfx_output_open_complete(path);
    int32_t complete = f >= 0, events = 0;
    for (size_t k = 0; f >= 0 && k < m->n_vars && !e.code; k++) {
        var *v = &m->v[k];
        if (v->kind != V_TIME && v->kind != V_PHONY)
            continue;
        hid_t ds = H5Dopen2(f, v->name, H5P_DEFAULT);
        hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
        hsize_t len = 0;
        if (sp < 0 || H5Sget_simple_extent_dims(sp, &len, NULL) != 1)
            cfx_error_set(&e, CFX_EINVAL, path, 0, 0, "has no dimension '%s'", v->name);
        else if (strcmp(v->name, "event") == 0)
            events = (int32_t)len;
        else if (len != v->dims[0])
            cfx_error_set(&e, CFX_EINVAL, path, 0, 0,
                          "dimension '%s' has length %llu where the first complete member "
                          "has %llu: members must share one network and one time axis",
                          v->name, (unsigned long long)len, (unsigned long long)v->dims[0]);
        if (sp >= 0)
            H5Sclose(sp);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (f >= 0)
        H5Fclose(f);
    int32_t facts[2] = {complete, events};
    finish(b, m, i, &e, facts, sizeof facts);
}

/* The status of members [first, n) and the event counts of the complete ones, checked on
 * `jobs` readers; the first member (in order) that does not fit the template fails the
 * merge, after every status is known (the report counts them all). */
static int check_members(merge *m, size_t first, int jobs, cfx_error *err)
{
    size_t n = m->n_members - first;
    size_t *list = malloc((n ? n : 1) * sizeof *list);
    blob b = {0};
    readers r = {0};
    int rc = list ? 0 : cfx_error_set(err, CFX_ENOMEM, m->dir, 0, 0, "out of memory");
    for (size_t j = 0; list && j < n; j++)
        list[j] = first + j;
    if (!rc)
        rc = readers_start(&r, m, jobs, list, n, check_member, NULL, &b, err);
    int bad = 0;
    for (size_t j = 0; !rc && j < n; j++) {
        cfx_error e;
        int32_t facts[2]; /* complete, events */
        size_t i = list[j];
        if ((rc = member_end(&r, m, j, &b, &e, facts, sizeof facts, err)) ||
            (rc = set_status(m, i, facts[0], err)))
            break;
        int32_t complete = facts[0], events = facts[1];
        if (e.code && !bad) {
            *err = e;
            bad = e.code;
        }
        m->n_events[i] = events;
        if (complete && !bad && (size_t)events > m->max_events)
            m->max_events = (size_t)events;
    }
    readers_stop(&r);
    free(b.p);
    free(list);
    return rc ? rc : bad;
}

/* ---------------------------------------------------------------- copying members */

/* How a record of a member's part is written (see copy_records). */
enum { R_CHUNKS = 1, R_PACKED, R_VALUES };

/* A record begins with the variable's index, how it is written and the size of its bytes (a
 * chunk's place and filter mask come between them and its bytes). */
static void put_head(blob *b, uint32_t k, uint8_t how, uint64_t size)
{
    put(b, &k, sizeof k);
    put(b, &how, sizeof how);
    put(b, &size, sizeof size);
}

/* Member i's dataset ds of series v, compressed as it is, chunk by chunk (a chunk's bytes do
 * not depend on the file or on where the chunk lies), when the member stores it as the sweep
 * file does: a record per chunk, R_CHUNKS, with the chunk's place and filter mask. 1 when
 * sent, 0 when it must be read and written (nothing sent), -1 on failure. */
static int read_chunks(merge *m, const var *v, hid_t ds, uint32_t k, blob *b, sink *s)
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
    hsize_t at[MAX_RANK] = {0};
    for (hsize_t c = 0; c < want; c++) {
        hsize_t size = 0;
        uint32_t mask = 0;
        if (H5Dget_chunk_storage_size(ds, at, &size) < 0 || size == 0)
            return -1;
        put_head(b, k, R_CHUNKS, size);
        put(b, at, sizeof at);
        size_t mask_at = b->len;
        put(b, &mask, sizeof mask);
        unsigned char *to = room(b, size); /* the chunk is read straight into the blob */
        if (!to || H5Dread_chunk(ds, H5P_DEFAULT, at, &mask, to) < 0)
            return -1;
        memcpy(b->p + mask_at, &mask, sizeof mask);
        b->len += size;
        if (emit(s, b, 0))
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

/* Member i's events of v (n values, read from ds) as one chunk padded with the fill value,
 * compressed as HDF5's filters would (the same bytes as writing them through HDF5, without a
 * new compressor for every chunk): R_PACKED, the size, the bytes. 0, or -1 on failure. */
static int pack_events(merge *m, const var *v, hid_t ds, size_t n, uint32_t k, blob *b,
                       sink *s)
{
    size_t elem = H5Tget_size(v->type), bytes = elem * m->max_events;
    if (H5Dread(ds, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->buf) < 0)
        return -1;
    for (size_t e = n; e < m->max_events; e++)
        memcpy(m->buf + e * elem, v->fill, elem);
    if (!m->pack && !(m->pack = cfx_h5_packer_new(DEFLATE_LEVEL))) {
        b->nomem = 1;
        return -1;
    }
    const unsigned char *packed = NULL;
    size_t len = cfx_h5_pack(m->pack, m->buf, bytes, elem, &packed);
    if (!len) {
        b->nomem = 1;
        return -1;
    }
    put_head(b, k, R_PACKED, len);
    put(b, packed, len);
    return b->nomem || emit(s, b, 0) ? -1 : 0;
}

/* The values of member i's dataset ds of v, read through HDF5 (a member stored otherwise
 * than the sweep file): R_VALUES, the size, the bytes. 0, or -1 on failure. */
static int read_values(merge *m, const var *v, hid_t ds, size_t numel, uint32_t k, blob *b,
                       sink *s)
{
    uint64_t size = numel * H5Tget_size(v->type);
    put_head(b, k, R_VALUES, size);
    unsigned char *to = room(b, size);
    if (!to || H5Dread(ds, v->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, to) < 0)
        return -1;
    b->len += size;
    return emit(s, b, 0) ? -1 : 0;
}

/* The number of values of member i's row of v (series: the template's shape; events: its
 * count), with the count of each dimension, the member's first, into cnt. */
static hsize_t member_count(const merge *m, const var *v, size_t i, hsize_t *cnt)
{
    hsize_t numel = 1;
    cnt[0] = 1;
    for (int d = 0; d < v->rank; d++)
        cnt[d + 1] = v->kind == V_EVENT ? (hsize_t)m->n_events[i] : v->dims[d];
    for (int d = 0; d <= v->rank; d++)
        numel *= cnt[d];
    return numel;
}

/* Member i's series and events, read for copy_records: for each variable with values, in
 * order, parts of records of its index, how it is written and its bytes; its end holds the
 * error alone. */
static void read_member(merge *m, size_t i, blob *b, sink *s)
{
    char path[1100];
    cfx_error e = {0};
    hid_t f = open_member(m, i, path, sizeof path, &e);
    for (size_t k = 0; f >= 0 && k < m->n_vars && !e.code && !s->failed; k++) {
        var *v = &m->v[k];
        hsize_t cnt[MAX_RANK + 1];
        if (v->kind != V_SERIES && v->kind != V_EVENT)
            continue;
        hsize_t numel = member_count(m, v, i, cnt);
        if (numel == 0)
            continue;
        hid_t ds = H5Dopen2(f, v->name, H5P_DEFAULT);
        int got = ds < 0 ? -1 : 0; /* 1: copied as chunks */
        int absent = ds < 0 && H5Lexists(f, v->name, H5P_DEFAULT) <= 0; /* else damaged */
        if (!got && v->raw && v->kind == V_EVENT)
            got = pack_events(m, v, ds, (size_t)m->n_events[i], (uint32_t)k, b, s) ? -1 : 1;
        else if (!got && v->raw)
            got = read_chunks(m, v, ds, (uint32_t)k, b, s);
        if (!got)
            got = read_values(m, v, ds, (size_t)numel, (uint32_t)k, b, s);
        if (got < 0 && (b->nomem || s->failed)) /* out of memory (finish says so) or the
                                                   writer failed (the parent knows why) */
            cfx_error_set(&e, CFX_EHDF5, path, 0, 0, "cannot copy variable '%s'", v->name);
        else if (got < 0) /* the member's own file: bad input, not an error of the writing */
            cfx_error_set(&e, CFX_EINVAL, path, 0, 0,
                          absent ? "has no variable '%s', which the first complete member has; "
                                   "delete it and run the sweep again with --resume to redo "
                                   "this member"
                                 : "cannot read variable '%s': the file is damaged; delete it and "
                                   "run the sweep again with --resume to redo this member",
                          v->name);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (f >= 0)
        H5Fclose(f);
    if (!e.code && b->len) /* the last records; when they cannot go, the parent knows why */
        emit(s, b, 1);
    finish(b, m, i, &e, NULL, 0);
}

/* Writes a part of member i (see read_member) into row i of the sweep file. */
static int copy_records(merge *m, size_t i, const blob *b, cfx_error *err)
{
    char path[1100];
    size_t at = 0;
    cfx_sweep_member_path(path, sizeof path, m->dir, i, ".h5");
    uint32_t k;
    while (take(b, &at, &k, sizeof k) == 0) {
        uint8_t how = 0;
        uint64_t size = 0;
        hsize_t out_at[MAX_RANK + 1] = {i}, cnt[MAX_RANK + 1], chunk_at[MAX_RANK];
        uint32_t mask = 0; /* the filters a chunk skipped (none: all of them ran) */
        int bad = k >= m->n_vars || take(b, &at, &how, sizeof how) ||
                  take(b, &at, &size, sizeof size) ||
                  (how == R_CHUNKS && (take(b, &at, chunk_at, sizeof chunk_at) ||
                                       take(b, &at, &mask, sizeof mask))) ||
                  b->len - at < size;
        var *v = &m->v[bad ? 0 : k];
        const unsigned char *bytes = b->p + at;
        if (!bad && (how == R_CHUNKS || how == R_PACKED)) {
            for (int d = 0; how == R_CHUNKS && d < v->rank; d++)
                out_at[d + 1] = chunk_at[d];
            bad = H5Dwrite_chunk(v->out, H5P_DEFAULT, mask, out_at, size, bytes) < 0;
        } else if (!bad && how == R_VALUES) {
            member_count(m, v, i, cnt);
            hid_t fs = H5Dget_space(v->out), ms = H5Screate_simple(v->rank + 1, cnt, NULL);
            bad = fs < 0 || ms < 0 ||
                  H5Sselect_hyperslab(fs, H5S_SELECT_SET, out_at, NULL, cnt, NULL) < 0 ||
                  H5Dwrite(v->out, v->type, ms, fs, H5P_DEFAULT, bytes) < 0;
            if (ms >= 0)
                H5Sclose(ms);
            if (fs >= 0)
                H5Sclose(fs);
        } else {
            bad = 1;
        }
        if (bad)
            return cfx_error_set(err, CFX_EHDF5, path, 0, 0, "cannot copy variable '%s'",
                                 v->name);
        at += size;
    }
    return 0;
}

/* The file's attributes: the template's, the member count, complete, and the sweep file's
 * text (when DIR holds it). 0, -1 when HDF5 fails, -2 when out of memory. */
static int root_attrs(merge *m, hid_t tmpl)
{
    char path[1100], *text = NULL;
    size_t len;
    cfx_error why = {0};
    snprintf(path, sizeof path, "%s/sweep.yaml", m->dir);
    int missing = 0;
    for (size_t i = 0; i < m->n_members; i++)
        missing += m->status[i] == CFX_MEMBER_MISSING;
    int members = (int)m->n_members, complete = !missing;
    int rc = copy_attrs(tmpl, m->out, 1) ||
             cfx_h5_attr_num(m->out, "members", H5T_NATIVE_INT, 1, &members) ||
             cfx_h5_attr_num(m->out, "complete", H5T_NATIVE_INT, 1, &complete);
    if (!rc && cfx_read_file(path, &text, &len, &why) == 0)
        rc = cfx_h5_attr_str(m->out, "sweep_text", text);
    else if (!rc && why.code == CFX_ENOMEM)
        rc = -2;
    free(text);
    return rc;
}

int cfx_sweep_merge_jobs(const char *dir, const char *out, int jobs, cfx_merge_report *rep,
                         cfx_error *err)
{
    merge m = {.dir = dir, .out = -1, .member_ds = -1};
    char partial[1100], tpath[1100];
    hid_t tmpl = -1;
    size_t *ok = NULL, n_ok = 0;
    readers r = {0};
    blob b = {0};
    int rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if ((rc = survey(&m, rep, err)))
        goto done;
    /* the first complete member is the template */
    size_t first = 0;
    while (first < m.n_members && !member_complete(&m, first))
        if ((rc = set_status(&m, first++, 0, err)))
            goto done;
    if (first == m.n_members) {
        tally(&m, m.n_members, rep);
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
    rc = check_members(&m, first, jobs, err);
    tally(&m, m.n_members, rep);
    if (rc)
        goto done;
    for (size_t k = 0; k < m.n_vars; k++)
        if (m.v[k].kind == V_EVENT) {
            size_t bytes = H5Tget_size(m.v[k].type) * (m.max_events ? m.max_events : 1);
            if (bytes > m.buf_len)
                m.buf_len = bytes;
        }
    if (!(m.buf = malloc(m.buf_len ? m.buf_len : 1)) ||
        !(ok = malloc((rep->ok ? rep->ok : 1) * sizeof *ok))) {
        rc = cfx_error_set(err, CFX_ENOMEM, out, 0, 0, "out of memory");
        goto done;
    }
    /* variables of variable-length values are read into pointers: in this process only */
    int here = 0;
    for (size_t k = 0; k < m.n_vars; k++) {
        plan_var(&m, &m.v[k], tmpl);
        here |= (m.v[k].kind == V_SERIES || m.v[k].kind == V_EVENT) &&
                (H5Tdetect_class(m.v[k].type, H5T_VLEN) != 0 ||
                 H5Tis_variable_str(m.v[k].type) != 0);
    }
    for (size_t i = 0; i < m.n_members; i++)
        if (m.status[i] == CFX_MEMBER_OK)
            ok[n_ok++] = i;
    /* the readers start before the sweep file exists, and read while it is laid out */
    if ((rc = readers_start(&r, &m, here ? 1 : jobs, ok, n_ok, read_member, copy_records, &b,
                            err)))
        goto done;
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
    int attrs = rc ? 0 : write_members(&m) ? -1 : root_attrs(&m, tmpl);
    if (attrs == -2)
        rc = cfx_error_set(err, CFX_ENOMEM, partial, 0, 0, "out of memory");
    else if (attrs)
        rc = h5fail(err, partial, "the member variables");
    for (size_t j = 0; j < n_ok && !rc; j++) {
        cfx_error e;
        if (!(rc = member_end(&r, &m, j, &b, &e, NULL, 0, err)) && e.code)
            *err = e, rc = e.code;
    }
done:
    readers_stop(&r);
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
    if (m.out >= 0 && rc)
        unlink(partial); /* a merge that failed leaves nothing behind */
    free(ok);
    free(b.p);
    free(m.buf);
    cfx_h5_packer_free(m.pack);
    survey_free(&m);
    return rc;
}

int cfx_sweep_merge(const char *dir, const char *out, cfx_merge_report *rep, cfx_error *err)
{
    return cfx_sweep_merge_jobs(dir, out, 1, rep, err);
}
