/* The checkpoint file handle (io/ckpt.h): what the world and the models save and load their
 * state through, one checksummed dataset per array. What a run's checkpoint holds as a
 * whole is run/checkpoint.c's. */
#include "io/ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>


struct cfx_ckpt {
    hid_t file;
    hid_t group; /* current group (== file at the root) */
    int saving;
    int rc;          /* the first failure, 0 while none */
    cfx_error *err;  /* where that failure is described */
    char path[1200]; /* the file, for messages */
    char where[128]; /* the current group, for messages */
};

static hid_t native(cfx_ckpt_type t)
{
    switch (t) {
    case CFX_CKPT_U8:
        return H5T_NATIVE_UINT8;
    case CFX_CKPT_U16:
        return H5T_NATIVE_UINT16;
    case CFX_CKPT_I32:
        return H5T_NATIVE_INT32;
    case CFX_CKPT_U32:
        return H5T_NATIVE_UINT32;
    case CFX_CKPT_I64:
        return H5T_NATIVE_INT64;
    case CFX_CKPT_U64:
        return H5T_NATIVE_UINT64;
    case CFX_CKPT_INT:
        return H5T_NATIVE_INT;
    case CFX_CKPT_LONG:
        return H5T_NATIVE_LONG;
    case CFX_CKPT_SIZE:
        return sizeof(size_t) == 8 ? H5T_NATIVE_UINT64 : H5T_NATIVE_UINT32;
    default:
        return H5T_NATIVE_DOUBLE;
    }
}

static size_t type_size(cfx_ckpt_type t)
{
    static const size_t size[CFX_CKPT_NTYPES] = {[CFX_CKPT_U8] = 1,
                                                 [CFX_CKPT_U16] = 2,
                                                 [CFX_CKPT_I32] = 4,
                                                 [CFX_CKPT_U32] = 4,
                                                 [CFX_CKPT_I64] = 8,
                                                 [CFX_CKPT_U64] = 8,
                                                 [CFX_CKPT_F64] = 8,
                                                 [CFX_CKPT_INT] = sizeof(int),
                                                 [CFX_CKPT_LONG] = sizeof(long),
                                                 [CFX_CKPT_SIZE] = sizeof(size_t)};
    return size[t];
}

/* FNV-1a on 64-bit words (then the tail bytes): a checksum of a dataset's bytes as the
 * writer held them, to tell a damaged checkpoint from a good one. */
static uint64_t checksum(const void *v, size_t n)
{
    const unsigned char *p = v;
    uint64_t h = 14695981039346656037ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        h = (h ^ word) * 1099511628211ULL;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

int cfx_ckpt_saving(const cfx_ckpt *c)
{
    return c->saving;
}

int cfx_ckpt_status(const cfx_ckpt *c)
{
    return c->rc;
}

/* Records the first failure: "PATH: checkpoint: GROUP/NAME: message". */
int cfx_ckpt_failf(cfx_ckpt *c, int code, const char *name, const char *fmt, ...)
{
    if (c->rc)
        return c->rc;
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->rc = code;
    if (name)
        return cfx_error_set(c->err, code, c->path, 0, 0, "checkpoint: '%s%s%s': %s", c->where,
                             c->where[0] ? "/" : "", name, msg);
    return cfx_error_set(c->err, code, c->path, 0, 0, "checkpoint: %s", msg);
}

/* Loading fails with CFX_EINVAL (a damaged or foreign file), saving with CFX_EIO. The
 * messages for a damaged file say "damaged": a sweep's runner tells them by that word. */
static int io_code(const cfx_ckpt *c)
{
    return c->saving ? CFX_EIO : CFX_EINVAL;
}

int cfx_ckpt_group(cfx_ckpt *c, const char *path)
{
    if (c->rc)
        return c->rc;
    hid_t g = -1;
    if (strcmp(path, "/") == 0 || !c->saving) {
        g = H5Gopen2(c->file, path, H5P_DEFAULT);
    } else {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0)
            g = H5Gcreate2(c->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (lcpl >= 0)
            H5Pclose(lcpl);
    }
    if (g < 0)
        return cfx_ckpt_failf(c, io_code(c), NULL, "group '%s' %s", path,
                       c->saving ? "cannot be created" : "is missing");
    if (c->group != c->file)
        H5Gclose(c->group);
    c->group = g;
    snprintf(c->where, sizeof c->where, "%s", strcmp(path, "/") == 0 ? "" : path);
    return 0;
}

static int attr_u64(hid_t obj, const char *name, uint64_t *v, int write)
{
    hid_t sp = -1, a;
    if (write) {
        sp = H5Screate(H5S_SCALAR);
        a = sp >= 0 ? H5Acreate2(obj, name, H5T_NATIVE_UINT64, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    } else {
        a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    }
    herr_t rc = a < 0   ? -1
                : write ? H5Awrite(a, H5T_NATIVE_UINT64, v)
                        : H5Aread(a, H5T_NATIVE_UINT64, v);
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

static int save_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, const void *v)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t ds =
        sp >= 0 ? H5Dcreate2(c->group, name, native(t), sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                : -1;
    uint64_t sum = checksum(v, n * type_size(t));
    int ok = ds >= 0 &&
             (n == 0 || H5Dwrite(ds, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) &&
             attr_u64(ds, "checksum", &sum, 1) == 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    return ok ? 0 : cfx_ckpt_failf(c, CFX_EIO, name, "cannot be written");
}

/* Opens dataset name and gives its number of values; fails when it is not there. */
static hid_t open_data(cfx_ckpt *c, const char *name, size_t *n)
{
    hid_t ds =
        H5Lexists(c->group, name, H5P_DEFAULT) > 0 ? H5Dopen2(c->group, name, H5P_DEFAULT) : -1;
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (np < 0) {
        if (ds >= 0)
            H5Dclose(ds);
        cfx_ckpt_failf(c, CFX_EINVAL, name, "missing (not a conflux checkpoint, or a damaged one)");
        return -1;
    }
    *n = (size_t)np;
    return ds;
}

static int load_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, void *v)
{
    size_t have;
    hid_t ds = open_data(c, name, &have);
    if (ds < 0)
        return c->rc;
    uint64_t sum = 0;
    int rc = 0;
    if (have != n)
        rc = cfx_ckpt_failf(c, CFX_EINVAL, name, "holds %zu values, expected %zu", have, n);
    else if (n && H5Dread(ds, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = cfx_ckpt_failf(c, CFX_EINVAL, name, "cannot be read (the file is damaged)");
    else if (attr_u64(ds, "checksum", &sum, 0) || sum != checksum(v, n * type_size(t)))
        rc = cfx_ckpt_failf(c, CFX_EINVAL, name, "checksum mismatch (the file is damaged)");
    H5Dclose(ds);
    return rc;
}

int cfx_ckpt_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, void *v)
{
    if (c->rc)
        return c->rc;
    return c->saving ? save_data(c, name, t, n, v) : load_data(c, name, t, n, v);
}

int cfx_ckpt_count(cfx_ckpt *c, const char *name, size_t max, size_t *n)
{
    uint64_t v = *n;
    if (cfx_ckpt_data(c, name, CFX_CKPT_U64, 1, &v))
        return c->rc;
    if (v > max)
        return cfx_ckpt_failf(c, CFX_EINVAL, name, "is %llu, more than the %zu possible",
                       (unsigned long long)v, max);
    *n = (size_t)v;
    return 0;
}

int cfx_ckpt_fail(cfx_ckpt *c, const char *name, const char *what)
{
    return cfx_ckpt_failf(c, io_code(c), name, "%s", what);
}

int cfx_ckpt_fields(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *base)
{
    for (size_t i = 0; i < nf; i++)
        cfx_ckpt_data(c, f[i].name, f[i].type, 1, (char *)base + f[i].off);
    return c->rc;
}

int cfx_ckpt_records(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *recs, size_t n,
                     size_t size)
{
    char *col = NULL;
    for (size_t i = 0; i < nf && !c->rc; i++) {
        size_t w = type_size(f[i].type);
        char *p = realloc(col, n ? n * w : 1);
        if (!p)
            return cfx_ckpt_failf(c, CFX_ENOMEM, f[i].name, "out of memory");
        col = p;
        char *at = (char *)recs + f[i].off;
        if (c->saving)
            for (size_t k = 0; k < n; k++)
                memcpy(col + k * w, at + k * size, w);
        if (!cfx_ckpt_data(c, f[i].name, f[i].type, n, col) && !c->saving)
            for (size_t k = 0; k < n; k++)
                memcpy(at + k * size, col + k * w, w);
    }
    free(col);
    return c->rc;
}

int cfx_ckpt_arrays(cfx_ckpt *c, const cfx_ckpt_array *a, size_t na, void *base, const size_t *lens)
{
    for (size_t i = 0; i < na; i++)
        cfx_ckpt_data(c, a[i].name, a[i].type, lens[a[i].len], *(void **)((char *)base + a[i].off));
    return c->rc;
}

/* Saves text as bytes, or loads it into a malloc'd NUL-terminated *text. */
int cfx_ckpt_text(cfx_ckpt *c, const char *name, char **text)
{
    size_t n = 0;
    if (c->saving)
        return cfx_ckpt_data(c, name, CFX_CKPT_U8, strlen(*text), *text);
    if (c->rc)
        return c->rc;
    hid_t ds = open_data(c, name, &n);
    if (ds < 0)
        return c->rc;
    H5Dclose(ds);
    if (!(*text = calloc(n + 1, 1)))
        return cfx_ckpt_failf(c, CFX_ENOMEM, name, "out of memory");
    return cfx_ckpt_data(c, name, CFX_CKPT_U8, n, *text);
}

int cfx_ckpt_open(cfx_ckpt **out, const char *path, int saving, cfx_error *err)
{
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through cfx_error */
    struct stat st;
    if (!saving && (stat(path, &st) || access(path, R_OK)))
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open the checkpoint: %s",
                             strerror(errno));
    if (!saving && !S_ISREG(st.st_mode))
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0,
                             "cannot open the checkpoint: not a regular file");
    cfx_ckpt *c = calloc(1, sizeof *c);
    if (!c)
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (checkpoint)");
    *c = (cfx_ckpt){.file = -1, .group = -1, .saving = saving, .err = err};
    snprintf(c->path, sizeof c->path, "%s", path);
    if (saving) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0)
            c->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
    } else if (H5Fis_hdf5(path) > 0) {
        c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    }
    if (c->file < 0) {
        free(c);
        return saving ? cfx_error_set(err, CFX_ECREATE, path, 0, 0, "cannot create the checkpoint")
                      : cfx_error_set(err, CFX_EINVAL, path, 0, 0,
                                      "not a conflux checkpoint, or a damaged one (HDF5 cannot "
                                      "open it)");
    }
    c->group = c->file;
    *out = c;
    return 0;
}

int cfx_ckpt_close(cfx_ckpt *c)
{
    if (!c)
        return 0;
    if (c->group >= 0 && c->group != c->file)
        H5Gclose(c->group);
    if (c->file >= 0 && H5Fclose(c->file) < 0 && c->saving)
        cfx_ckpt_failf(c, CFX_EIO, NULL, "cannot close the file");
    int rc = c->rc;
    free(c);
    return rc;
}
