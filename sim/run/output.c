/* HDF5 writer for result files, laid out so that netCDF-4 readers (ncdump, xarray with
 * h5netcdf, Panoply) open them as they are: variables at the root, a dimension scale for
 * every dimension, CF attributes, standard filters only (shuffle + deflate). */
#include "run/output.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <omp.h>

#include "io/h5.h"
#include "core/grow.h"

#include "core/version.h"

/* netCDF-4 marks a dimension that has no coordinate variable with this NAME prefix. */
#define NC_PHONY "This is a netCDF dimension but not a netCDF variable."

enum { D_TIME, D_NODE, D_EDGE, D_PRODUCT, D_GROUP, D_EVENT, D_NV, ND };
static const char *const dim_names[ND] = {"time", "node", "edge", "product", "group", "event",
                                          "nv"};

enum { T_F64, T_U8, T_I32 };

#define NEV 6 /* the event variables */

/* A daily series: one row per day of width given by its second dimension (or 1). */
typedef struct series_desc {
    const char *name;
    int dim;             /* second dimension, or -1 for a (time) series */
    int type;            /* T_* */
    size_t off;          /* offset in cfx_obs: of an array pointer, or of a double (dim -1) */
    const char *units;   /* NULL: none; udunits2 syntax (money: see `currency` below) */
    const char *long_name;
    const char *cell;    /* CF cell_methods: a day's total or mean, or an end-of-day state */
} series_desc;

/* CF: a daily rate or the day's cleared value is the mean over its day (time_bnds); a stock,
 * a status or a cumulative count is the state at the day's end. */
#define DAY_MEAN "time: mean"
#define DAY_END "time: point"

#define OBS(f) offsetof(cfx_obs, f)
static const series_desc series[] = {
    {"price", D_PRODUCT, T_F64, OBS(price), "kg-1", "market price, USD per kg", DAY_MEAN},
    {"demand", D_PRODUCT, T_F64, OBS(demand), "t/day", "demand at the day's price", DAY_MEAN},
    {"supply", D_PRODUCT, T_F64, OBS(supply), "t/day",
     "supply reaching the market: simulated flows after processing plus other sources", DAY_MEAN},
    {"delivered", D_PRODUCT, T_F64, OBS(delivered), "t/day",
     "product delivered through the simulated network (cargo times grade)", DAY_MEAN},
    {"shortfall", D_PRODUCT, T_F64, OBS(shortfall), "t/day",
     "demand at the baseline price not met", DAY_MEAN},
    {"inventory", D_PRODUCT, T_F64, OBS(inventory), "t", "processors' and reserve stocks", DAY_END},
    {"node_status", D_NODE, T_U8, OBS(node_status), NULL, "node status at the day's end", DAY_END},
    {"node_controller", D_NODE, T_I32, OBS(node_controller), NULL,
     "group controlling the node at the day's end (index into group)", DAY_END},
    {"node_stock", D_NODE, T_F64, OBS(node_stock_t), "t",
     "cargo waiting at the node at the day's end (no route, held back, or queued)", DAY_END},
    {"queued", D_NODE, T_F64, OBS(queued_t), "t",
     "of node_stock, cargo waiting for capacity on its way (a full road or gate)", DAY_END},
    {"node_throughput", D_NODE, T_F64, OBS(node_throughput_t), "t/day",
     "cargo passing through or leaving the node", DAY_MEAN},
    {"edge_flow", D_EDGE, T_F64, OBS(edge_flow_t), "t/day",
     "cargo setting out along the road", DAY_MEAN},
    {"in_transit", -1, T_F64, OBS(in_transit_t), "t", "cargo on the roads", DAY_END},
    {"produced", -1, T_F64, OBS(produced_t), "t", "cumulative cargo mined", DAY_END},
    {"arrived", -1, T_F64, OBS(arrived_t), "t", "cumulative cargo reaching a market that buys it", DAY_END},
    {"seized", -1, T_F64, OBS(seized_t), "t", "cumulative cargo taken by armed groups", DAY_END},
    {"lost", -1, T_F64, OBS(lost_t), "t", "cumulative cargo destroyed", DAY_END},
    {"group_revenue", D_GROUP, T_F64, OBS(group_revenue_usd), "day-1",
     "mine taxes, export levies, gate tolls, checkpoint taxes and seized cargo sold on, earned "
     "by the group, USD per day", DAY_MEAN},
    {"group_seizure_gain", D_GROUP, T_F64, OBS(group_seizure_gain_usd), "day-1",
     "of group_revenue, cargo the group seized at nodes it holds, at its seized_value_share of "
     "the value at the day's prices, USD per day", DAY_MEAN},
    {"group_seizure_loss", D_GROUP, T_F64, OBS(group_seizure_loss_usd), "day-1",
     "the group's cargo seized by others, at its whole value at the day's prices, USD per day",
     DAY_MEAN},
    {"delivered_by_origin", D_NODE, T_F64, OBS(delivered_by_origin_t), "t/day",
     "cargo reaching a market, by mine of origin", DAY_MEAN},
    {"delivered_at", D_NODE, T_F64, OBS(delivered_at_t), "t/day",
     "cargo delivered at the node, a market that buys it (0 at other nodes)", DAY_MEAN},
    {"delivered_by_controller", D_GROUP, T_F64, OBS(delivered_by_controller_t), "t/day",
     "cargo reaching a market, by the group holding its mine when it was loaded", DAY_MEAN},
};
#define NSERIES (sizeof series / sizeof series[0])

typedef struct series_buf {
    hid_t dset;
    size_t width; /* values per row */
    size_t cols;  /* values per row of a chunk (the last chunk of a row may hold fewer) */
    size_t elem;  /* bytes per value */
    unsigned char *buf; /* chunk_days * width values, zeroed at first (cfx_huge_zalloc) */
    size_t bytes;       /* of buf */
    unsigned char *zero; /* a chunk of zeros, compressed (once one was met), and its length: */
    size_t zero_len;     /* mostly-idle networks have many, and they all pack the same */
} series_buf;

/* A variable whose first and second dimensions (dim[1] -1: none) take the scales of those
 * dimensions (see attach). */
typedef struct attachment {
    hid_t ds; /* a reference of our own, released by attach_all (or close_all) */
    int dim[2];
} attachment;

/* One chunk of a series' buffered days (see pack_series). */
typedef struct packed_chunk {
    size_t series, col; /* the series, and the chunk's first column */
} packed_chunk;

/* A chunk compressed, waiting to be written: out is data, or its series' zero chunk. */
typedef struct packed_slot {
    unsigned char *data;
    size_t len, cap;
    const unsigned char *out;
    int zeros; /* the chunk holds only zeros */
} packed_slot;

/* Chunks compressed at a time (per thread) before they are written: enough to keep the
 * threads busy, few enough that the compressed chunks held stay a few MiB. */
#define PACK_BATCH 2

/* A day of every series at least this large is copied into the buffers on the run's threads
 * (cfx_output_append). An assumption, not tuned: W2's day (7 MB) gains, and the Kachin
 * scenario's (a few kB) is copied in less time than it takes to wake a second thread. */
#define APPEND_PARALLEL_BYTES (1u << 20)

struct cfx_output {
    hid_t file;
    hid_t dims[ND];
    hid_t time_ds;        /* == dims[D_TIME]: the time coordinate */
    hid_t bnds_ds;        /* time_bnds (time, nv): each day's start and end */
    hid_t ev_ds[NEV];     /* event_time, event_kind, event_node, event_edge, event_days,
                             event_group */
    series_buf s[NSERIES];
    size_t chunk;         /* rows per chunk */
    size_t nbuf;          /* rows buffered */
    size_t rows;          /* rows written */
    size_t events;        /* events written */
    size_t row_bytes;     /* one day of every series */
    long *days;           /* chunk day indices buffered */
    char path[1024];
    int nomem;            /* one of our allocations failed: reported as out of memory, not
                             as an HDF5 failure */
    int threads;          /* that compress the series' chunks */
    int flush_at_close;   /* no flush after each chunk */
    cfx_h5_packer **pack; /* one per thread */
    unsigned char **raw;  /* one per thread: a chunk before compression */
    packed_chunk *chunks; /* the buffered days' chunks of every series */
    size_t n_chunks;
    packed_slot *slots;   /* PACK_BATCH x threads: a batch of chunks, compressed */
    attachment *att;      /* dimension scales to attach (attach, attach_all) */
    size_t n_att, cap_att;
};

static int write_buffered(cfx_output *o, const cfx_world *w, cfx_error *err);
static int sync_file(cfx_output *o, cfx_error *err);

static hid_t h5type(int t)
{
    return t == T_F64 ? H5T_NATIVE_DOUBLE : t == T_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_INT32;
}

static size_t h5size(int t)
{
    return t == T_F64 ? sizeof(double) : t == T_U8 ? 1 : 4;
}

/* The system's reason for HDF5's innermost error (a write that failed with "No space left
 * on device" or "File too large"), found in the text of the error stack; "" when none. */
static herr_t system_reason(unsigned n, const H5E_error2_t *e, void *ctx)
{
    const char *at = e->desc ? strstr(e->desc, "error message = '") : NULL;
    char *why = ctx;
    if (at && !why[0]) {
        at += strlen("error message = '");
        snprintf(why, 128, "%.*s", (int)strcspn(at, "'"), at);
    }
    return 0;
}

static int fail(cfx_error *err, int code, const char *path, const char *what)
{
    char why[128] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, system_reason, why);
    if (why[0])
        return cfx_error_set(err, code, path, 0, 0, "cannot write %s: %s", what, why);
    return cfx_error_set(err, code, path, 0, 0, "HDF5 failed writing %s", what);
}

/* Replaces an integer attribute (complete). */
static int attr_set_int(hid_t obj, const char *name, int v)
{
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return -1;
    return cfx_h5_attr_num(obj, name, H5T_NATIVE_INT, 1, &v);
}

/* Dataset creation: chunked (when extendable or large), shuffle + deflate (not for strings,
 * whose chunks hold only references into the file's heap), creation order tracked as
 * netCDF-4 does. */
static hid_t make_dset(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims,
                       const hsize_t *maxdims, const hsize_t *chunk)
{
    hid_t sp = H5Screate_simple(rank, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ds = -1;
    int text = H5Tis_variable_str(type) > 0;
    if (sp < 0 || dcpl < 0)
        goto done;
    /* no object times: the same run gives the same bytes */
    if (H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
        H5Pset_obj_track_times(dcpl, 0) < 0)
        goto done;
    /* Every element is written before it can be read, so numbers are never pre-filled
     * (HDF5 requires the fill for variable-length strings). */
    if (!text && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0)
        goto done;
    if (chunk && (H5Pset_chunk(dcpl, rank, chunk) < 0 ||
                  (!text && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 1) < 0))))
        goto done;
    ds = H5Dcreate2(file, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return ds;
}

static int describe(hid_t ds, const char *units, const char *long_name)
{
    if (units && cfx_h5_attr_str(ds, "units", units))
        return -1;
    return long_name ? cfx_h5_attr_str(ds, "long_name", long_name) : 0;
}

/* UGRID-1.0: the network is a 1D mesh, `mesh`, whose nodes sit at (lon, lat) and whose edges
 * are the roads (edge_nodes). Every other variable on node or edge is located on it. */
#define MESH_NODE_X "lon"
#define MESH_NODE_Y "lat"

/* mesh and location of a variable of name on dimension d (none off the mesh, and none on the
 * mesh's own node coordinates). 0 or -1. */
static int on_mesh(hid_t ds, const char *name, int d)
{
    if ((d != D_NODE && d != D_EDGE) || strcmp(name, MESH_NODE_X) == 0 ||
        strcmp(name, MESH_NODE_Y) == 0)
        return 0;
    return cfx_h5_attr_str(ds, "mesh", "mesh") || cfx_h5_attr_str(ds, "location", dim_names[d]) ? -1
                                                                                                : 0;
}

/* Attaches the scales of dimensions d0 and d1 (-1: none) to the first and second dimension
 * of ds: recorded here, written by attach_all once the layout is done. */
static int attach(hid_t ds, cfx_output *o, int d0, int d1)
{
    if (CFX_GROW(o->att, o->cap_att, o->n_att + 1)) {
        o->nomem = 1;
        return -1;
    }
    if (H5Iinc_ref(ds) < 0) /* kept open until attach_all */
        return -1;
    o->att[o->n_att++] = (attachment){.ds = ds, .dim = {d0, d1}};
    return 0;
}

/* The dimension scales' attributes, as H5DSattach_scale writes them (HDF5's Dimension Scale
 * specification; netCDF-4 and h5py read them): on each variable DIMENSION_LIST, a
 * variable-length list of references to the scales of each of its dimensions, and on each
 * scale REFERENCE_LIST, the variables and dimensions it is attached to, in the order they
 * were attached. Written once each, where H5DSattach_scale reads, deletes and writes again
 * a scale's list at every attachment (a fifth of a small run's file layout). 0 or -1. */
static int attach_all(cfx_output *o)
{
    typedef struct {
        hobj_ref_t ref;
        int dim;
    } ds_ref; /* H5DS's ds_list_t */
    hid_t vl = H5Tvlen_create(H5T_STD_REF_OBJ), ct = H5Tcreate(H5T_COMPOUND, sizeof(ds_ref));
    ds_ref *refs = calloc(2 * o->n_att + 1, sizeof *refs); /* padding zeroed: the same bytes */
    int rc = vl < 0 || ct < 0 || !refs ||
                     H5Tinsert(ct, "dataset", HOFFSET(ds_ref, ref), H5T_STD_REF_OBJ) < 0 ||
                     H5Tinsert(ct, "dimension", HOFFSET(ds_ref, dim), H5T_NATIVE_INT) < 0
                 ? -1
                 : 0;
    o->nomem = o->nomem || !refs;
    for (size_t i = 0; !rc && i < o->n_att; i++) {
        const attachment *a = &o->att[i];
        hid_t sp = H5Dget_space(a->ds);
        int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        if (sp >= 0)
            H5Sclose(sp);
        hobj_ref_t to[2];
        hvl_t list[2] = {{0, NULL}, {0, NULL}};
        for (int k = 0; k < 2 && rank > k && !rc; k++)
            if (a->dim[k] >= 0) {
                rc = H5Rcreate(&to[k], o->dims[a->dim[k]], ".", H5R_OBJECT, -1) < 0 ? -1 : 0;
                list[k] = (hvl_t){1, &to[k]};
            }
        rc = rc || rank < 1 || rank > 2 ||
                     cfx_h5_attr_list(a->ds, "DIMENSION_LIST", vl, (size_t)rank, list)
                 ? -1
                 : 0;
    }
    for (int d = 0; !rc && d < ND; d++) {
        size_t n = 0;
        for (size_t i = 0; !rc && i < o->n_att; i++)
            for (int k = 0; k < 2 && !rc; k++)
                if (o->att[i].dim[k] == d) {
                    refs[n].dim = k;
                    rc = H5Rcreate(&refs[n++].ref, o->att[i].ds, ".", H5R_OBJECT, -1) < 0 ? -1 : 0;
                }
        if (!rc && n)
            rc = cfx_h5_attr_list(o->dims[d], "REFERENCE_LIST", ct, n, refs);
    }
    if (vl >= 0)
        H5Tclose(vl);
    if (ct >= 0)
        H5Tclose(ct);
    free(refs);
    for (size_t i = 0; i < o->n_att; i++) /* our references, no longer needed */
        H5Dclose(o->att[i].ds);
    o->n_att = 0;
    return rc;
}

/* flag_values and flag_meanings of a variable holding group indices (controller, actor):
 * 0 .. n_groups - 1 named by the groups (blanks as '_'), and -1 "none" when with_none.
 * 0, or -1 (*nomem set when it was memory). */
static int group_flags(hid_t ds, const cfx_scenario *s, int with_none, int *nomem)
{
    size_t n = s->n_groups + (with_none ? 1 : 0);
    int32_t *vals = malloc((n + 1) * sizeof *vals);
    size_t len = 8;
    for (size_t g = 0; g < s->n_groups; g++)
        len += strlen(s->groups[g].name) + 1;
    char *meanings = malloc(len);
    int rc = -1;
    if (vals && meanings) {
        size_t k = 0, used = 0;
        meanings[0] = '\0';
        if (with_none) {
            vals[k++] = -1;
            used += (size_t)snprintf(meanings, len, "none");
        }
        for (size_t g = 0; g < s->n_groups; g++) {
            vals[k++] = (int32_t)g;
            if (used)
                meanings[used++] = ' ';
            for (const char *c = s->groups[g].name; *c; c++) /* a flag meaning is one word */
                meanings[used++] = *c == ' ' || *c == '\t' ? '_' : *c;
            meanings[used] = '\0';
        }
        rc = cfx_h5_attr_num(ds, "flag_values", H5T_NATIVE_INT32, n, vals) ||
                     cfx_h5_attr_str(ds, "flag_meanings", meanings)
                 ? -1
                 : 0;
    } else {
        *nomem = 1;
    }
    free(vals);
    free(meanings);
    return rc;
}

static size_t dim_len(const cfx_scenario *s, int d)
{
    switch (d) {
    case D_NODE: return s->n_nodes;
    case D_EDGE: return s->n_edges;
    case D_PRODUCT: return s->n_products;
    case D_GROUP: return s->n_groups;
    default: return 0;
    }
}

/* A dimension without a coordinate variable: netCDF's phony dimension scale. */
static hid_t phony_dim(hid_t file, int d, size_t len, int unlimited)
{
    hsize_t dim = len, maxd = unlimited ? H5S_UNLIMITED : len, chunk = 1024;
    hid_t ds = make_dset(file, dim_names[d], H5T_NATIVE_FLOAT, 1, &dim, &maxd,
                         unlimited ? &chunk : NULL);
    if (ds < 0)
        return -1;
    char name[96];
    snprintf(name, sizeof name, "%s%10zu", NC_PHONY, len);
    if (H5DSset_scale(ds, name) < 0) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

/* A CF standard_name on variable name of file. 0 or -1. */
static int standard_name(hid_t file, const char *name, const char *value)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    int rc = ds < 0 || cfx_h5_attr_str(ds, "standard_name", value) ? -1 : 0;
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* String variables of at least this many values are laid out in chunks of at most
 * STRING_CHUNK_MAX values, smaller ones contiguous. Over a contiguous variable of strings
 * HDF5 writes empty references to disk when its storage is allocated at the write, and then
 * reads them back from disk (the background of a variable-length conversion, so that it can
 * free what it overwrites); for a chunk written whole it makes that background in memory.
 * Measured on W2's layout (700,000 strings in five variables): 203 -> 86 ms of CPU. Below
 * the threshold both cost little (assumption: small networks' files keep their contiguous
 * layout). */
#define STRING_CHUNK_MIN 4096
/* 16 MiB of 16-byte references; the sanitizer build sets 1,000 (CMakeLists.txt), so that its
 * tests write variables of several chunks, the last one short */
#ifdef CFX_STRING_CHUNK_MAX
#define STRING_CHUNK_MAX ((hsize_t)CFX_STRING_CHUNK_MAX)
#else
#define STRING_CHUNK_MAX ((hsize_t)1 << 20)
#endif

/* A dataset of n variable-length UTF-8 strings (xarray and netCDF read them as str), open,
 * or -1. The transfer buffer is sized to the data, or to a chunk of it (HDF5 converts a
 * chunk at a time): HDF5's default of 1 MiB, zeroed for every such write, would cost about
 * 1.5 ms per variable. */
static hid_t string_dset(hid_t file, const char *name, const char *const *v, size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1), xfer = H5Pcreate(H5P_DATASET_XFER), ds = -1;
    int chunked = n >= STRING_CHUNK_MIN;
    hsize_t dim = n, chunk = dim < STRING_CHUNK_MAX ? dim : STRING_CHUNK_MAX;
    size_t values = chunked ? (size_t)chunk : n < 256 ? 256 : n; /* converted at a time */
    if (t >= 0 && xfer >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0 &&
        H5Pset_buffer(xfer, values * sizeof(hvl_t), NULL, NULL) >= 0 &&
        (ds = make_dset(file, name, t, 1, &dim, NULL, chunked ? &chunk : NULL)) >= 0 && n &&
        H5Dwrite(ds, t, H5S_ALL, H5S_ALL, xfer, v) < 0) {
        H5Dclose(ds);
        ds = -1;
    }
    if (t >= 0)
        H5Tclose(t);
    if (xfer >= 0)
        H5Pclose(xfer);
    return ds;
}

/* A labelled dimension: a coordinate variable of strings named as the dimension (node ids,
 * "from-to" road ids, product and group names), so that xarray selects by label
 * (`ds.price.sel(product="Dy2O3")`) and netCDF tools see a string coordinate. */
static hid_t label_dim(hid_t file, int d, const char *const *v, size_t n, const char *long_name)
{
    hid_t ds = string_dset(file, dim_names[d], v, n);
    if (ds >= 0 && (H5DSset_scale(ds, dim_names[d]) < 0 ||
                    cfx_h5_attr_str(ds, "long_name", long_name))) {
        H5Dclose(ds);
        ds = -1;
    }
    return ds;
}

/* The roads' labels, "from-to" by node id as the events table names them (the scenario
 * refuses a second road between two nodes, so each is unique). NULL when out of memory. */
static char **edge_labels(const cfx_scenario *s)
{
    /* one block: the pointers, then the labels (a malloc and a snprintf per road cost a
     * tenth of W2's file layout) */
    size_t bytes = (s->n_edges + 1) * sizeof(char *);
    for (size_t e = 0; e < s->n_edges; e++)
        bytes += strlen(s->node_id[s->edge_from[e]]) + strlen(s->node_id[s->edge_to[e]]) + 2;
    char **v = malloc(bytes);
    cfx_huge_hint(v, bytes);
    char *at = v ? (char *)(v + s->n_edges + 1) : NULL;
    for (size_t e = 0; v && e < s->n_edges; e++) {
        const char *a = s->node_id[s->edge_from[e]], *b = s->node_id[s->edge_to[e]];
        size_t la = strlen(a), lb = strlen(b);
        v[e] = at;
        memcpy(at, a, la);
        at[la] = '-';
        memcpy(at + la + 1, b, lb + 1);
        at += la + lb + 2;
    }
    return v;
}

/* The labelled dimensions node, edge, product and group. 0, -1 on failure (nomem set). */
static int label_dims(cfx_output *o, const cfx_scenario *s)
{
    const char **pnames = malloc((s->n_products + 1) * sizeof *pnames),
               **gnames = malloc((s->n_groups + 1) * sizeof *gnames);
    char **edges = edge_labels(s);
    int rc = -1;
    if (!pnames || !gnames || !edges) {
        o->nomem = 1;
        goto done;
    }
    for (size_t i = 0; i < s->n_products; i++)
        pnames[i] = s->products[i].name;
    for (size_t i = 0; i < s->n_groups; i++)
        gnames[i] = s->groups[i].name;
    if ((o->dims[D_NODE] = label_dim(o->file, D_NODE, (const char *const *)s->node_id,
                                     s->n_nodes, "node id as in the scenario")) >= 0 &&
        (o->dims[D_EDGE] = label_dim(o->file, D_EDGE, (const char *const *)edges, s->n_edges,
                                     "road: from-to by node id")) >= 0 &&
        (o->dims[D_PRODUCT] =
             label_dim(o->file, D_PRODUCT, pnames, s->n_products, "product")) >= 0 &&
        (o->dims[D_GROUP] = label_dim(o->file, D_GROUP, gnames, s->n_groups,
                                      "armed group or other controller")) >= 0)
        rc = 0;
done:
    free(edges);
    free(pnames);
    free(gnames);
    return rc;
}

/* A label variable of strings on dimension d. 0 or -1. */
static int write_strings(hid_t file, cfx_output *o, const char *name, int d,
                         const char *const *v, size_t n, const char *long_name)
{
    hid_t ds = string_dset(file, name, v, n);
    if (ds < 0)
        return -1;
    int rc = describe(ds, NULL, long_name) || attach(ds, o, d, -1) || on_mesh(ds, name, d) ? -1 : 0;
    H5Dclose(ds);
    return rc;
}

static int write_array(hid_t file, cfx_output *o, const char *name, int d, hid_t type,
                       const void *v, size_t n, const char *units, const char *long_name)
{
    hsize_t dim = n;
    hid_t ds = make_dset(file, name, type, 1, &dim, NULL, NULL);
    if (ds < 0)
        return -1;
    int rc = (n == 0 || H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) &&
                     !describe(ds, units, long_name) && !attach(ds, o, d, -1) &&
                     !on_mesh(ds, name, d)
                 ? 0
                 : -1;
    H5Dclose(ds);
    return rc;
}

/* flag_values and flag_meanings of a coded variable: at most 32 codes (scenario.h). */
static int flag_attrs(hid_t ds, const char *const *names, int n)
{
    uint8_t vals[32];
    char meanings[512] = "";
    if (n > 32)
        return -1;
    for (int i = 0; i < n; i++) {
        vals[i] = (uint8_t)i;
        size_t used = strlen(meanings);
        snprintf(meanings + used, sizeof meanings - used, "%s%s", i ? " " : "", names[i]);
    }
    return cfx_h5_attr_num(ds, "flag_values", H5T_NATIVE_UINT8, (size_t)n, vals) ||
           cfx_h5_attr_str(ds, "flag_meanings", meanings);
}

/* UGRID's edge_node_connectivity, edge_nodes (edge, nv): each road's first and second node,
 * edge_from and edge_to side by side, written column by column. 0 or -1. */
static int write_edge_nodes(cfx_output *o, const cfx_scenario *s)
{
    hsize_t dims[2] = {s->n_edges, 2}, cnt[2] = {s->n_edges, 1};
    int32_t start = 0;
    hid_t ds = make_dset(o->file, "edge_nodes", H5T_NATIVE_INT32, 2, dims, NULL, NULL);
    hid_t fs = ds >= 0 && s->n_edges ? H5Dget_space(ds) : -1;
    hid_t ms = fs >= 0 ? H5Screate_simple(1, cnt, NULL) : -1;
    int rc = ds < 0 || (s->n_edges && ms < 0) ? -1 : 0;
    for (hsize_t col = 0; col < 2 && !rc && s->n_edges; col++) {
        hsize_t off[2] = {0, col};
        rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
                     H5Dwrite(ds, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT,
                              col ? s->edge_to : s->edge_from) < 0
                 ? -1
                 : 0;
    }
    if (!rc)
        rc = cfx_h5_attr_str(ds, "cf_role", "edge_node_connectivity") ||
                     describe(ds, NULL,
                              "the two nodes each road joins: edge_from, edge_to "
                              "(indices into node)") ||
                     cfx_h5_attr_num(ds, "start_index", H5T_NATIVE_INT32, 1, &start) ||
                     attach(ds, o, D_EDGE, D_NV)
                 ? -1
                 : 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* UGRID's mesh topology: a scalar integer whose attributes describe the 1D mesh. 0 or -1. */
static int write_mesh(cfx_output *o)
{
    int32_t zero = 0, dim = 1;
    hid_t ds = make_dset(o->file, "mesh", H5T_NATIVE_INT32, 0, NULL, NULL, NULL);
    int rc = ds < 0 || H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero) < 0 ||
                     cfx_h5_attr_str(ds, "cf_role", "mesh_topology") ||
                     describe(ds, NULL, "the road network as a 1D mesh (UGRID-1.0)") ||
                     cfx_h5_attr_num(ds, "topology_dimension", H5T_NATIVE_INT32, 1, &dim) ||
                     cfx_h5_attr_str(ds, "node_coordinates", MESH_NODE_X " " MESH_NODE_Y) ||
                     cfx_h5_attr_str(ds, "edge_node_connectivity", "edge_nodes") ||
                     cfx_h5_attr_str(ds, "node_dimension", dim_names[D_NODE]) ||
                     cfx_h5_attr_str(ds, "edge_dimension", dim_names[D_EDGE])
                 ? -1
                 : 0;
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

static int write_coords(cfx_output *o, const cfx_scenario *s)
{
    hid_t f = o->file;
    const char **kinds = malloc((s->n_nodes + 1) * sizeof *kinds);
    const char **pnames = malloc((s->n_products + 1) * sizeof *pnames);
    const char **gnames = malloc((s->n_groups + 1) * sizeof *gnames);
    int rc = -1;
    if (!kinds || !pnames || !gnames) {
        o->nomem = 1;
        goto done;
    }
    for (size_t i = 0; i < s->n_nodes; i++)
        kinds[i] = cfx_node_kind_names[s->node_kind[i]];
    for (size_t i = 0; i < s->n_products; i++)
        pnames[i] = s->products[i].name;
    for (size_t i = 0; i < s->n_groups; i++)
        gnames[i] = s->groups[i].name;
    if (write_strings(f, o, "node_name", D_NODE, (const char *const *)s->node_name, s->n_nodes,
                      "node name") ||
        write_strings(f, o, "node_id", D_NODE, (const char *const *)s->node_id, s->n_nodes,
                      "node id as in the scenario") ||
        write_strings(f, o, "node_kind", D_NODE, kinds, s->n_nodes,
                      "mine, town, junction, gate, market or base") ||
        write_array(f, o, "lat", D_NODE, H5T_NATIVE_DOUBLE, s->lat, s->n_nodes, "degrees_north",
                    "latitude") ||
        standard_name(f, "lat", "latitude") ||
        write_array(f, o, "lon", D_NODE, H5T_NATIVE_DOUBLE, s->lon, s->n_nodes, "degrees_east",
                    "longitude") ||
        standard_name(f, "lon", "longitude") ||
        write_array(f, o, "edge_from", D_EDGE, H5T_NATIVE_INT32, s->edge_from, s->n_edges, NULL,
                    "node the road starts at (index into node)") ||
        write_array(f, o, "edge_to", D_EDGE, H5T_NATIVE_INT32, s->edge_to, s->n_edges, NULL,
                    "node the road ends at (index into node)") ||
        write_array(f, o, "edge_km", D_EDGE, H5T_NATIVE_DOUBLE, s->edge_km, s->n_edges, "km",
                    "road length") ||
        write_edge_nodes(o, s) || write_mesh(o) ||
        write_strings(f, o, "product_name", D_PRODUCT, pnames, s->n_products, "product") ||
        write_strings(f, o, "group_name", D_GROUP, gnames, s->n_groups,
                      "armed group or other controller"))
        goto done;
    rc = 0;
done:
    free(kinds);
    free(pnames);
    free(gnames);
    return rc;
}

static int create_series(cfx_output *o, const cfx_scenario *s)
{
    for (size_t i = 0; i < NSERIES; i++) {
        const series_desc *d = &series[i];
        size_t width = d->dim < 0 ? 1 : dim_len(s, d->dim);
        int rank = d->dim < 0 ? 1 : 2;
        /* Aim for chunks of about 1 MiB: all of a chunk's days, as many columns as fit. */
        size_t cols = width ? width : 1;
        size_t max_cols = (1u << 20) / (h5size(d->type) * o->chunk);
        if (max_cols < 1)
            max_cols = 1;
        if (cols > max_cols)
            cols = max_cols;
        /* An empty dimension (no roads, say) still needs a chunk of at least 1. */
        hsize_t dims[2] = {0, width}, maxd[2] = {H5S_UNLIMITED, width ? width : H5S_UNLIMITED},
                chunk[2] = {o->chunk, cols};
        hid_t ds = make_dset(o->file, d->name, h5type(d->type), rank, dims, maxd, chunk);
        o->s[i].dset = ds;
        if (ds < 0 || describe(ds, d->units, d->long_name) ||
            attach(ds, o, D_TIME, rank == 2 ? d->dim : -1))
            return -1;
        /* CF: tie each series to the labels of its second dimension, so xarray shows them
         * as coordinates. */
        static const char *const coords[ND] = {
            [D_NODE] = "node_id node_name node_kind lat lon",
            [D_EDGE] = "edge_from edge_to edge_km", [D_PRODUCT] = "product_name",
            [D_GROUP] = "group_name"};
        if (rank == 2 && coords[d->dim] && cfx_h5_attr_str(ds, "coordinates", coords[d->dim]))
            return -1;
        if (rank == 2 && on_mesh(ds, d->name, d->dim))
            return -1;
        if (strcmp(d->name, "node_status") == 0 &&
            flag_attrs(ds, cfx_status_names, CFX_STATUS_N))
            return -1;
        if (cfx_h5_attr_str(ds, "cell_methods", d->cell))
            return -1;
        /* udunits2 has no currencies: an amount of money is a count of the currency's units,
         * so USD/kg is written kg-1 and the currency is named apart */
        if (d->units && (strcmp(d->units, "kg-1") == 0 || strcmp(d->units, "day-1") == 0) &&
            cfx_h5_attr_str(ds, "currency", "USD"))
            return -1;
        if (strcmp(d->name, "node_controller") == 0 && group_flags(ds, s, 0, &o->nomem))
            return -1;
        o->s[i].width = width;
        o->s[i].cols = cols;
        o->s[i].elem = h5size(d->type);
        o->n_chunks += width ? (width + cols - 1) / cols : 0;
        o->row_bytes += (width ? width : 1) * o->s[i].elem;
        size_t bytes = o->chunk * (width ? width : 1) * o->s[i].elem;
        /* zeroed, on whole huge pages: the pages never written (the world writes only what
         * is not zero: step.c, observe_arrays) are read as the kernel's zero page */
        if (!(o->s[i].buf = cfx_huge_zalloc(bytes))) {
            o->nomem = 1;
            return -1;
        }
        o->s[i].bytes = bytes;
    }
    return 0;
}

static int create_events(cfx_output *o, const cfx_scenario *s)
{
    static const char *const names[NEV] = {"event_time", "event_kind", "event_node",
                                            "event_edge", "event_days", "event_group"};
    static const char *const longs[NEV] = {
        "when the event happened (days since start)", "what happened",
        "node the event hit (index into node, -1: none)",
        "road the event hit (index into edge, -1: none)",
        "duration before reversal (0: until reversed)",
        "group that acted: closed the gate, captured the node, struck, changed its levy "
        "(index into group, -1: not known)"};
    hid_t types[NEV] = {H5T_NATIVE_DOUBLE, H5T_NATIVE_UINT8, H5T_NATIVE_INT32, H5T_NATIVE_INT32,
                        H5T_NATIVE_DOUBLE, H5T_NATIVE_INT32};
    hsize_t dim = 0, maxd = H5S_UNLIMITED, chunk = 256;
    for (int i = 0; i < NEV; i++) {
        hid_t ds = make_dset(o->file, names[i], types[i], 1, &dim, &maxd, &chunk);
        o->ev_ds[i] = ds;
        if (ds < 0 || describe(ds, NULL, longs[i]) || attach(ds, o, D_EVENT, -1))
            return -1;
    }
    char units[40], start[16];
    cfx_scenario_start_iso(s, start);
    snprintf(units, sizeof units, "days since %s", start);
    if (cfx_h5_attr_str(o->ev_ds[0], "units", units) || cfx_h5_attr_str(o->ev_ds[4], "units", "days") ||
        flag_attrs(o->ev_ds[1], cfx_event_kind_names, CFX_EV_NKINDS) ||
        group_flags(o->ev_ds[5], s, 1, &o->nomem))
        return -1;
    return 0;
}

static int root_attrs(cfx_output *o, const cfx_scenario *s, const cfx_output_meta *meta)
{
    hid_t f = o->file;
    long long seed = (long long)s->seed;
    int threads = meta->threads, complete = 0;
    char start[16];
    cfx_scenario_start_iso(s, start);
    char history[1200], source[160];
    snprintf(history, sizeof history, "%s: %s", meta->created ? meta->created : "",
             meta->command_line && *meta->command_line ? meta->command_line : "conflux run");
    snprintf(source, sizeof source, "conflux %s (git %s), an agent-based simulation of mineral "
             "flows under conflict", CFX_VERSION, CFX_GIT_COMMIT);
    if (cfx_h5_attr_str(f, "Conventions", "CF-1.8 UGRID-1.0") ||
        cfx_h5_attr_str(f, "title", s->description[0] ? s->description : s->name) ||
        cfx_h5_attr_str(f, "history", history) || cfx_h5_attr_str(f, "source", source) ||
        cfx_h5_attr_str(f, "references",
                        "the model: conflux's README.md and models/README.md; the scenario's "
                        "numbers: the source column of each table (scenario_text, table_*_text)") ||
        cfx_h5_attr_str(f, "conflux_version", CFX_VERSION) || cfx_h5_attr_str(f, "git_commit", CFX_GIT_COMMIT) ||
        cfx_h5_attr_str(f, "scenario_name", s->name) || cfx_h5_attr_str(f, "start", start) ||
        cfx_h5_attr_num(f, "seed", H5T_NATIVE_LLONG, 1, &seed) ||
        cfx_h5_attr_num(f, "threads", H5T_NATIVE_INT, 1, &threads) ||
        cfx_h5_attr_num(f, "step_hours", H5T_NATIVE_DOUBLE, 1, &s->step_hours) ||
        cfx_h5_attr_str(f, "command_line", meta->command_line ? meta->command_line : "") ||
        cfx_h5_attr_str(f, "created", meta->created ? meta->created : "") ||
        cfx_h5_attr_str(f, "overrides", meta->overrides ? meta->overrides : "") ||
        cfx_h5_attr_num(f, "complete", H5T_NATIVE_INT, 1, &complete))
        return -1;
    /* The text of every file read, so that the result alone reproduces its run. */
    for (size_t i = 0; i < s->n_sources; i++) {
        char name[96];
        const char *key = s->sources[i].key;
        const char *dot = strrchr(key, '.');
        const char *base = dot ? dot + 1 : key;
        if (strncmp(key, "scenario", 8) == 0) /* scenario, scenario_base, ... */
            snprintf(name, sizeof name, "%s", key);
        else
            snprintf(name, sizeof name, "table_%s", base);
        char aname[128];
        snprintf(aname, sizeof aname, "%s_path", name);
        if (cfx_h5_attr_str(f, aname, s->sources[i].path))
            return -1;
        snprintf(aname, sizeof aname, "%s_text", name);
        if (cfx_h5_attr_str(f, aname, s->sources[i].text))
            return -1;
    }
    return 0;
}

static void close_all(cfx_output *o)
{
    for (size_t i = 0; i < o->n_att; i++)
        H5Dclose(o->att[i].ds);
    free(o->att);
    for (size_t i = 0; i < NSERIES; i++) {
        if (o->s[i].dset > 0)
            H5Dclose(o->s[i].dset);
        cfx_huge_zfree(o->s[i].buf, o->s[i].bytes);
        free(o->s[i].zero);
    }
    for (int i = 0; i < NEV; i++)
        if (o->ev_ds[i] > 0)
            H5Dclose(o->ev_ds[i]);
    for (int d = 0; d < ND; d++)
        if (o->dims[d] > 0)
            H5Dclose(o->dims[d]);
    if (o->bnds_ds > 0)
        H5Dclose(o->bnds_ds);
    if (o->file > 0)
        H5Fclose(o->file);
    for (int t = 0; o->pack && t < o->threads; t++)
        cfx_h5_packer_free(o->pack[t]);
    for (int t = 0; o->raw && t < o->threads; t++)
        free(o->raw[t]);
    free(o->pack);
    free(o->raw);
    for (int c = 0; o->slots && c < PACK_BATCH * o->threads; c++)
        free(o->slots[c].data);
    free(o->slots);
    free(o->chunks);
    free(o->days);
    free(o);
}

/* time_bnds (time, nv): each day runs from its time to the next (CF cell bounds). */
static int time_bounds(cfx_output *o)
{
    hsize_t dims[2] = {0, 2}, maxd[2] = {H5S_UNLIMITED, 2}, chunk[2] = {o->chunk, 2};
    o->bnds_ds = make_dset(o->file, "time_bnds", H5T_NATIVE_DOUBLE, 2, dims, maxd, chunk);
    return o->bnds_ds < 0 || attach(o->bnds_ds, o, D_TIME, D_NV) ? -1 : 0;
}

/* The compressors of the series' chunks, one per thread, and the list of chunks. */
static int packers(cfx_output *o, int threads)
{
    size_t biggest = 1;
    for (size_t i = 0; i < NSERIES; i++)
        if (o->chunk * o->s[i].cols * o->s[i].elem > biggest)
            biggest = o->chunk * o->s[i].cols * o->s[i].elem;
    o->threads = threads > 1 ? threads : 1;
    o->pack = calloc((size_t)o->threads, sizeof *o->pack);
    o->raw = calloc((size_t)o->threads, sizeof *o->raw);
    o->chunks = calloc(o->n_chunks ? o->n_chunks : 1, sizeof *o->chunks);
    o->slots = calloc((size_t)(PACK_BATCH * o->threads), sizeof *o->slots);
    for (int t = 0; o->pack && o->raw && t < o->threads; t++)
        if (!(o->pack[t] = cfx_h5_packer_new(1)) || !(o->raw[t] = malloc(biggest)))
            break;
    o->nomem = !o->pack || !o->raw || !o->chunks || !o->slots || !o->pack[o->threads - 1] ||
               !o->raw[o->threads - 1];
    size_t c = 0;
    for (size_t i = 0; !o->nomem && i < NSERIES; i++)
        for (size_t col = 0; col < o->s[i].width; col += o->s[i].cols)
            o->chunks[c++] = (packed_chunk){.series = i, .col = col};
    return o->nomem ? -1 : 0;
}

/* Days per chunk: output.chunk_days, or more when chunk_bytes > 0 and the widest series'
 * row of days fits (at most the run). */
static size_t chunk_days(const cfx_scenario *s, size_t chunk_bytes)
{
    size_t days = s->days > 0 ? (size_t)s->days : 1, chunk = (size_t)s->chunk_days;
    size_t row = 1;
    for (size_t i = 0; i < NSERIES; i++) {
        size_t width = series[i].dim < 0 ? 1 : dim_len(s, series[i].dim);
        if (width * h5size(series[i].type) > row)
            row = width * h5size(series[i].type);
    }
    if (chunk_bytes / row > chunk)
        chunk = chunk_bytes / row;
    return chunk < 1 ? 1 : chunk < days ? chunk : days;
}

int cfx_output_create(cfx_output **out, const char *path, const cfx_scenario *s,
                      const cfx_output_meta *meta, cfx_error *err)
{
    *out = NULL;
    /* No clean-up of HDF5 at exit: after a failed write (a full disk) H5Fclose fails and
     * leaves the file half closed, and HDF5 1.10 then crashes at exit closing it again. The
     * operating system frees the memory and closes the descriptor anyway. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through cfx_error */
    cfx_output *o = calloc(1, sizeof *o);
    if (!o)
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (output)");
    snprintf(o->path, sizeof o->path, "%s", path);
    o->flush_at_close = meta->flush_at_close;
    o->chunk = chunk_days(s, meta->chunk_bytes);
    if (!(o->days = malloc(o->chunk * sizeof *o->days))) {
        free(o);
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (output)");
    }
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    int ok = fcpl >= 0 && fapl >= 0 &&
             H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
             H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
             /* dense attribute storage: the scenario's tables can exceed 64 KiB */
             H5Pset_attr_phase_change(fcpl, 0, 0) >= 0 &&
             H5Pset_obj_track_times(fcpl, 0) >= 0 && /* nor for the root group */
             H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0;
    /* The file is laid out under PATH.new and renamed to PATH once its layout is on disk, so
     * that a run killed at any moment leaves at PATH either nothing or a file that opens. */
    char tmp[sizeof o->path + 8];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    unlink(tmp); /* left by a run killed while it laid out its file */
    if (ok)
        o->file = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (!ok || o->file < 0) {
        o->file = 0;
        close_all(o);
        return cfx_error_set(err, CFX_ECREATE, path, 0, 0,
                             "cannot create the output file (does the directory exist and is it "
                             "writable?)");
    }
    /* time: the coordinate variable, days since start, unlimited. */
    char units[64], start[16];
    cfx_scenario_start_iso(s, start);
    snprintf(units, sizeof units, "days since %s", start);
    hsize_t zero = 0, unl = H5S_UNLIMITED, tchunk = o->chunk;
    o->dims[D_TIME] = make_dset(o->file, "time", H5T_NATIVE_DOUBLE, 1, &zero, &unl, &tchunk);
    o->time_ds = o->dims[D_TIME];
    int bad = o->dims[D_TIME] < 0 || H5DSset_scale(o->dims[D_TIME], "time") < 0 ||
              cfx_h5_attr_str(o->dims[D_TIME], "units", units) ||
              cfx_h5_attr_str(o->dims[D_TIME], "calendar", "standard") ||
              cfx_h5_attr_str(o->dims[D_TIME], "long_name", "time (start of the day)") ||
              cfx_h5_attr_str(o->dims[D_TIME], "standard_name", "time") ||
              cfx_h5_attr_str(o->dims[D_TIME], "bounds", "time_bnds") ||
              cfx_h5_attr_str(o->dims[D_TIME], "axis", "T");
    bad = bad || label_dims(o, s) ||
          (o->dims[D_EVENT] = phony_dim(o->file, D_EVENT, 0, 1)) < 0 ||
          (o->dims[D_NV] = phony_dim(o->file, D_NV, 2, 0)) < 0 || time_bounds(o);
    if (bad || write_coords(o, s) || create_series(o, s) || create_events(o, s) ||
        root_attrs(o, s, meta) || attach_all(o) || packers(o, meta->threads) ||
        sync_file(o, err)) {
        int nomem = o->nomem;
        close_all(o);
        unlink(tmp);
        return nomem ? cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (output)")
                     : fail(err, CFX_ECREATE, path, "the file's layout");
    }
    if (rename(tmp, path)) {
        cfx_error_set(err, CFX_ECREATE, path, 0, 0, "cannot rename %s to it: %s", tmp,
                      strerror(errno));
        close_all(o);
        unlink(tmp);
        return CFX_ECREATE;
    }
    *out = o;
    return 0;
}

void cfx_output_discard(cfx_output *o)
{
    if (!o)
        return;
    char path[sizeof o->path];
    memcpy(path, o->path, sizeof path);
    close_all(o);
    unlink(path);
}

/* Copies series i of the day's observation into its buffer's next row (nothing where the
 * observation was made in that row). */
static void append_series(cfx_output *o, const cfx_obs *obs, size_t i)
{
    const series_desc *d = &series[i];
    series_buf *b = &o->s[i];
    const void *src = d->dim < 0 ? (const void *)((const char *)obs + d->off)
                                 : *(const void *const *)((const char *)obs + d->off);
    unsigned char *dst = b->buf + o->nbuf * (d->dim < 0 ? 1 : b->width) * b->elem;
    if ((b->width || d->dim < 0) && dst != src)
        memcpy(dst, src, (d->dim < 0 ? 1 : b->width) * b->elem);
}

int cfx_output_append(cfx_output *o, const cfx_world *w, cfx_error *err)
{
    const cfx_obs *obs = cfx_world_obs(w);
    /* A large network's day (W2's: 7 MB, with the first touch of its buffers' pages) is
     * copied on the run's threads, a series at a time; a small one's on this thread, outside
     * any OpenMP region (a region of one thread still costs libgomp a system call). */
    if (o->threads > 1 && o->row_bytes >= APPEND_PARALLEL_BYTES) {
#pragma omp parallel for num_threads(o->threads) schedule(dynamic, 1)
        for (size_t i = 0; i < NSERIES; i++)
            append_series(o, obs, i);
    } else {
        for (size_t i = 0; i < NSERIES; i++)
            append_series(o, obs, i);
    }
    o->days[o->nbuf++] = obs->day;
    if (o->nbuf < o->chunk)
        return 0;
    if (o->flush_at_close)
        return write_buffered(o, w, err);
    /* Every chunk is followed by a full flush (about a millisecond): HDF5 keeps metadata in
     * memory and may write parts of it at any time, so a file killed long after its last
     * flush may not open at all. Flushed after each chunk, a killed run leaves a file that
     * opens and holds every chunk written. */
    return cfx_output_flush(o, w, err);
}

void cfx_output_next_row(const cfx_output *o, cfx_obs *row)
{
    memset(row, 0, sizeof *row);
    for (size_t i = 0; i < NSERIES; i++) {
        const series_buf *b = &o->s[i];
        if ((series[i].dim == D_NODE || series[i].dim == D_EDGE) && b->width)
            *(void **)((char *)row + series[i].off) = b->buf + o->nbuf * b->width * b->elem;
    }
}

/* Appends n rows from buf to a dataset of rank 1, or of rank 2 with rows of width values. */
static int append_rows(hid_t ds, hid_t type, size_t start, size_t n, int rank, size_t width,
                       const void *buf)
{
    hsize_t size[2] = {start + n, width}, off[2] = {start, 0}, cnt[2] = {n, width};
    if (H5Dset_extent(ds, size) < 0)
        return -1;
    if (n == 0 || (rank == 2 && width == 0))
        return 0;
    hid_t fs = H5Dget_space(ds);
    hid_t ms = H5Screate_simple(rank, cnt, NULL);
    herr_t rc = -1;
    if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0)
        rc = H5Dwrite(ds, type, ms, fs, H5P_DEFAULT, buf);
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return rc < 0 ? -1 : 0;
}

static int flush_events(cfx_output *o, const cfx_world *w)
{
    size_t n_all;
    const cfx_event_rec *events = cfx_world_events(w, &n_all);
    size_t n = n_all - o->events;
    if (n == 0)
        return 0;
    double *t = malloc(n * sizeof *t), *days = malloc(n * sizeof *days);
    uint8_t *kind = malloc(n);
    int32_t *node = malloc(n * sizeof *node), *edge = malloc(n * sizeof *edge),
            *group = malloc(n * sizeof *group);
    int rc = -1;
    o->nomem = !(t && days && kind && node && edge && group);
    if (!o->nomem) {
        for (size_t i = 0; i < n; i++) {
            const cfx_event_rec *e = &events[o->events + i];
            t[i] = e->day;
            kind[i] = (uint8_t)e->kind;
            node[i] = e->node;
            edge[i] = e->edge;
            days[i] = e->days;
            group[i] = e->group;
        }
        rc = append_rows(o->ev_ds[0], H5T_NATIVE_DOUBLE, o->events, n, 1, 0, t) ||
                     append_rows(o->ev_ds[1], H5T_NATIVE_UINT8, o->events, n, 1, 0, kind) ||
                     append_rows(o->ev_ds[2], H5T_NATIVE_INT32, o->events, n, 1, 0, node) ||
                     append_rows(o->ev_ds[3], H5T_NATIVE_INT32, o->events, n, 1, 0, edge) ||
                     append_rows(o->ev_ds[4], H5T_NATIVE_DOUBLE, o->events, n, 1, 0, days) ||
                     append_rows(o->ev_ds[5], H5T_NATIVE_INT32, o->events, n, 1, 0, group)
                 ? -1
                 : 0;
        /* The event dimension scale grows with its variables. */
        hsize_t size = o->events + n;
        if (!rc && H5Dset_extent(o->dims[D_EVENT], &size) < 0)
            rc = -1;
    }
    free(t);
    free(days);
    free(kind);
    free(node);
    free(edge);
    free(group);
    if (!rc)
        o->events += n;
    return rc;
}

static int sync_file(cfx_output *o, cfx_error *err)
{
    if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        return fail(err, CFX_EIO, o->path, "the file (flush)");
    return 0;
}

int cfx_output_flush(cfx_output *o, const cfx_world *w, cfx_error *err)
{
    int rc = write_buffered(o, w, err);
    return rc ? rc : sync_file(o, err);
}

/* Sets a series' length to rows (width: values per row; ignored for a series of rank 1). */
static int extend(hid_t ds, size_t rows, size_t width)
{
    hsize_t size[2] = {rows, width};
    return H5Dset_extent(ds, size) < 0 ? -1 : 0;
}

/* 1 when the n bytes at p are all zero. */
static int all_zero(const unsigned char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Compresses chunks first .. first + n - 1 of o->chunks into o->slots, as HDF5's shuffle
 * and deflate filters would, on o->threads threads: a chunk is the days buffered, padded with
 * zeros to a whole chunk of days (beyond the time axis: never read), and `cols` columns from
 * its first. Each chunk's bytes depend on its values only, so they are the same on any
 * number of threads. A chunk of zeros (most of a big network's, where nothing moves) is
 * compressed once per series and its bytes reused. 0, or -1 when out of memory. */
static int pack_series(cfx_output *o, size_t first, size_t n)
{
    int nomem = 0;
#pragma omp parallel for num_threads(o->threads) schedule(dynamic, 1) if (o->threads > 1)
    for (long c = 0; c < (long)n; c++) {
        const packed_chunk *k = &o->chunks[first + (size_t)c];
        packed_slot *slot = &o->slots[c];
        const series_buf *b = &o->s[k->series];
        int t = omp_get_thread_num();
        size_t cols = b->cols, row = cols * b->elem, bytes = o->chunk * row;
        size_t take = (k->col + cols <= b->width ? cols : b->width - k->col) * b->elem;
        slot->zeros = 1;
        for (size_t r = 0; r < o->nbuf && slot->zeros; r++)
            slot->zeros = all_zero(b->buf + (r * b->width + k->col) * b->elem, take);
        if (slot->zeros && b->zero) {
            slot->out = b->zero;
            slot->len = b->zero_len;
            continue;
        }
        unsigned char *raw = o->raw[t];
        if (take < row || o->nbuf < o->chunk)
            memset(raw, 0, bytes);
        for (size_t r = 0; r < o->nbuf; r++)
            memcpy(raw + r * row, b->buf + (r * b->width + k->col) * b->elem, take);
        const unsigned char *packed = NULL;
        size_t len = cfx_h5_pack(o->pack[t], raw, bytes, b->elem, &packed);
        unsigned char *data = len && len > slot->cap ? realloc(slot->data, len) : slot->data;
        if (len && data) {
            memcpy(data, packed, len);
            slot->data = data;
            slot->cap = len > slot->cap ? len : slot->cap;
            slot->len = len;
            slot->out = data;
        } else {
#pragma omp atomic write
            nomem = 1;
        }
    }
    /* the first zero chunk of a series met is kept for the next (after the threads: no
     * thread reads what another writes) */
    for (size_t c = 0; !nomem && c < n; c++) {
        series_buf *b = &o->s[o->chunks[first + c].series];
        if (o->slots[c].zeros && !b->zero) {
            if (!(b->zero = malloc(o->slots[c].len)))
                return -1;
            memcpy(b->zero, o->slots[c].data, o->slots[c].len);
            b->zero_len = o->slots[c].len;
        }
    }
    return nomem ? -1 : 0;
}

/* Writes the buffered days and the events recorded since the last write. */
static int write_buffered(cfx_output *o, const cfx_world *w, cfx_error *err)
{
    /* The series first, flushed, and only then the time coordinate: a run killed at any
     * moment leaves a file whose time axis never counts a day that a series lacks (HDF5
     * writes a flush's metadata in its own order, so one flush could not promise that). */
    size_t n = o->nbuf;
    /* The days buffered begin a chunk (they are written when a chunk is full, or at the
     * close, and a resumed run's checkpoint is loaded in chunks: cfx_output_load_series), so
     * they are written as whole chunks, compressed on every thread by cfx_h5_pack. */
    for (size_t i = 0; i < NSERIES; i++) {
        if (extend(o->s[i].dset, o->rows + n, o->s[i].width)) {
            char what[96];
            snprintf(what, sizeof what, "variable '%s'", series[i].name);
            return fail(err, CFX_EIO, o->path, what);
        }
    }
    size_t batch = (size_t)(PACK_BATCH * o->threads);
    for (size_t first = 0; n && first < o->n_chunks; first += batch) {
        size_t m = o->n_chunks - first < batch ? o->n_chunks - first : batch;
        if (pack_series(o, first, m)) {
            o->nomem = 1;
            return cfx_error_set(err, CFX_ENOMEM, o->path, 0, 0, "out of memory (output)");
        }
        for (size_t c = 0; c < m; c++) {
            const packed_chunk *k = &o->chunks[first + c];
            hsize_t at[2] = {o->rows, k->col};
            if (H5Dwrite_chunk(o->s[k->series].dset, H5P_DEFAULT, 0, at, o->slots[c].len,
                               o->slots[c].out) < 0) {
                char what[96];
                snprintf(what, sizeof what, "variable '%s'", series[k->series].name);
                return fail(err, CFX_EIO, o->path, what);
            }
        }
    }
    if (flush_events(o, w))
        return o->nomem ? cfx_error_set(err, CFX_ENOMEM, o->path, 0, 0, "out of memory (output)")
                        : fail(err, CFX_EIO, o->path, "the event variables");
    int rc = o->flush_at_close ? 0 : sync_file(o, err);
    if (rc)
        return rc;
    double tvals[4096];
    double *t = n <= 4096 ? tvals : malloc(n * sizeof *t);
    if (!t)
        return cfx_error_set(err, CFX_ENOMEM, o->path, 0, 0, "out of memory (output)");
    double bvals[2 * 4096];
    double *b = n <= 4096 ? bvals : malloc(2 * n * sizeof *b);
    if (!b) {
        if (t != tvals)
            free(t);
        return cfx_error_set(err, CFX_ENOMEM, o->path, 0, 0, "out of memory (output)");
    }
    for (size_t i = 0; i < n; i++) {
        t[i] = (double)o->days[i];
        b[2 * i] = t[i];
        b[2 * i + 1] = t[i] + 1;
    }
    rc = append_rows(o->time_ds, H5T_NATIVE_DOUBLE, o->rows, n, 1, 0, t) ||
         append_rows(o->bnds_ds, H5T_NATIVE_DOUBLE, o->rows, n, 2, 2, b);
    if (t != tvals)
        free(t);
    if (b != bvals)
        free(b);
    if (rc)
        return fail(err, CFX_EIO, o->path, "variable 'time'");
    o->rows += n;
    o->nbuf = 0;
    return 0;
}

int cfx_output_close(cfx_output *o, const cfx_world *w, int complete, cfx_error *err)
{
    if (!o)
        return 0;
    int rc = cfx_output_flush(o, w, err);
    if (!rc && attr_set_int(o->file, "complete", complete ? 1 : 0))
        rc = fail(err, CFX_EIO, o->path, "attribute 'complete'");
    hid_t file = o->file;
    o->file = 0;
    close_all(o);
    if (H5Fclose(file) < 0 && !rc)
        rc = fail(err, CFX_EIO, "", "the file (close)");
    return rc;
}

/* ---------------------------------------------------------------- checkpoints */

int cfx_output_save_series(cfx_output *o, const char *path, const char *group, cfx_error *err)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = f >= 0 ? H5Gcreate2(f, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    hid_t cp = H5Pcreate(H5P_OBJECT_COPY);
    double *t = malloc((o->nbuf ? o->nbuf : 1) * sizeof *t);
    int nomem = !t;
    /* Attributes stay behind: the dimension scales' references point into the result. */
    int bad = g < 0 || cp < 0 || !t || H5Pset_copy_object(cp, H5O_COPY_WITHOUT_ATTR_FLAG) < 0 ||
              H5Fflush(o->file, H5F_SCOPE_LOCAL) < 0;
    for (size_t i = 0; t && i < o->nbuf; i++)
        t[i] = (double)o->days[i];
    for (size_t i = 0; i <= NSERIES && !bad; i++) {
        const char *name = i < NSERIES ? series[i].name : "time";
        hid_t ds = H5Ocopy(o->file, name, g, name, cp, H5P_DEFAULT) < 0
                       ? -1
                       : H5Dopen2(g, name, H5P_DEFAULT);
        /* the rows still buffered follow those on file */
        bad = ds < 0 ||
              (i < NSERIES ? append_rows(ds, h5type(series[i].type), o->rows, o->nbuf,
                                         series[i].dim < 0 ? 1 : 2, o->s[i].width, o->s[i].buf)
                           : append_rows(ds, H5T_NATIVE_DOUBLE, o->rows, o->nbuf, 1, 0, t));
        if (ds >= 0)
            H5Dclose(ds);
    }
    free(t);
    if (cp >= 0)
        H5Pclose(cp);
    if (g >= 0)
        H5Gclose(g);
    if ((f >= 0 && H5Fclose(f) < 0) || f < 0)
        bad = 1;
    if (bad && nomem)
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (checkpoint)");
    return bad ? fail(err, CFX_EIO, path, "the series into the checkpoint") : 0;
}

/* Reads n rows from row start of a dataset of rank 1, or of rank 2 with rows of width values;
 * fails unless it holds exactly `rows` rows of that shape. */
static int read_rows(hid_t ds, hid_t type, size_t rows, size_t start, size_t n, int rank,
                     size_t width, void *buf)
{
    hsize_t dims[2] = {0, 0}, off[2] = {start, 0}, cnt[2] = {n, width};
    hid_t fs = H5Dget_space(ds);
    hid_t ms = H5Screate_simple(rank, cnt, NULL);
    herr_t rc = -1;
    if (fs >= 0 && ms >= 0 && H5Sget_simple_extent_ndims(fs) == rank &&
        H5Sget_simple_extent_dims(fs, dims, NULL) == rank && dims[0] == rows &&
        (rank == 1 || dims[1] == width))
        rc = n == 0 || (rank == 2 && width == 0) ||
                     (H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
                      H5Dread(ds, type, ms, fs, H5P_DEFAULT, buf) >= 0)
                 ? 0
                 : -1;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return rc < 0 ? -1 : 0;
}

int cfx_output_load_series(cfx_output *o, const cfx_world *w, const char *path, const char *group,
                           size_t days, cfx_error *err)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t g = f >= 0 ? H5Gopen2(f, group, H5P_DEFAULT) : -1;
    hid_t ds[NSERIES];
    size_t opened = 0;
    int bad = g < 0 || o->rows || o->nbuf, rc = 0;
    for (; opened < NSERIES && !bad; opened++)
        bad = (ds[opened] = H5Dopen2(g, series[opened].name, H5P_DEFAULT)) < 0;
    if (bad && opened)
        opened--; /* the one that failed to open */
    /* In blocks of a chunk, as cfx_output_append would have written them; a last, partial
     * block stays buffered for the days that follow. */
    for (size_t r = 0; r < days && !bad && !rc;) {
        size_t n = days - r < o->chunk ? days - r : o->chunk;
        for (size_t i = 0; i < NSERIES && !bad; i++)
            bad = read_rows(ds[i], h5type(series[i].type), days, r, n, series[i].dim < 0 ? 1 : 2,
                            o->s[i].width, o->s[i].buf);
        for (size_t k = 0; k < n; k++)
            o->days[k] = (long)(r + k);
        o->nbuf = bad ? 0 : n;
        r += n;
        if (!bad && n == o->chunk)
            rc = write_buffered(o, w, err);
    }
    for (size_t i = 0; i < opened; i++)
        H5Dclose(ds[i]);
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0)
        H5Fclose(f);
    if (bad)
        return cfx_error_set(err, CFX_EINVAL, path, 0, 0,
                             "checkpoint: the series of its %zu days are missing or damaged", days);
    return rc;
}

int64_t cfx_output_open_complete(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = cfx_h5_open_read(path); /* -1 also for no file, or not a regular one */
    if (f < 0)
        return -1;
    int complete = 0;
    hid_t a = H5Aexists(f, "complete") > 0 ? H5Aopen(f, "complete", H5P_DEFAULT) : -1;
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_INT, &complete) < 0)
            complete = 0;
        H5Aclose(a);
    }
    if (complete == 1)
        return f;
    H5Fclose(f);
    return -1;
}

int cfx_output_complete(const char *path)
{
    hid_t f = cfx_output_open_complete(path);
    if (f < 0)
        return 0;
    H5Fclose(f);
    return 1;
}
