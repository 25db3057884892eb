/* Small HDF5 helpers shared by every module that writes HDF5 (the result file, the sweep
 * merge, analyze's write-back, checkpoints). */
#include "io/h5.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* A fixed-length string attribute (netCDF reads these as text). */
int cfx_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t t = H5Tcopy(H5T_C_S1);
    hid_t sp = H5Screate(H5S_SCALAR);
    herr_t rc = -1;
    if (t >= 0 && sp >= 0 && H5Tset_size(t, len ? len : 1) >= 0 &&
        H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0) {
        hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            rc = H5Awrite(a, t, value);
            H5Aclose(a);
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

/* An attribute of type on dataspace sp (closed here), holding v. 0 or -1. */
static int attr_on(hid_t obj, const char *name, hid_t type, hid_t sp, const void *v)
{
    if (sp < 0)
        return -1;
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Awrite(a, type, v) : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

int cfx_h5_attr_num(hid_t obj, const char *name, hid_t type, size_t n, const void *v)
{
    return n == 1 ? attr_on(obj, name, type, H5Screate(H5S_SCALAR), v)
                  : cfx_h5_attr_list(obj, name, type, n, v);
}

int cfx_h5_attr_list(hid_t obj, const char *name, hid_t type, size_t n, const void *v)
{
    hsize_t dim = n;
    return attr_on(obj, name, type, H5Screate_simple(1, &dim, NULL), v);
}

/* ---------------------------------------------------------------- chunks, packed */

struct cfx_h5_packer {
    z_stream z; /* set up once, reset for each chunk */
    unsigned char *shuffled, *packed;
    size_t shuffled_cap, packed_cap;
};

cfx_h5_packer *cfx_h5_packer_new(int level)
{
    cfx_h5_packer *p = calloc(1, sizeof *p);
    if (p && deflateInit(&p->z, level) != Z_OK) {
        free(p);
        p = NULL;
    }
    return p;
}

void cfx_h5_packer_free(cfx_h5_packer *p)
{
    if (!p)
        return;
    deflateEnd(&p->z);
    free(p->shuffled);
    free(p->packed);
    free(p);
}

/* Grows *buf to at least n bytes; -1 when out of memory. */
static int reserve(unsigned char **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    unsigned char *b = realloc(*buf, n);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

size_t cfx_h5_pack(cfx_h5_packer *p, const void *src, size_t n, size_t elem,
                   const unsigned char **out)
{
    const unsigned char *in = src;
    size_t bound = compressBound((uLong)n);
    if (n > UINT_MAX / 2 || reserve(&p->packed, &p->packed_cap, bound ? bound : 1))
        return 0;
    if (elem > 1) {
        /* HDF5's shuffle: byte k of value i goes to k * values + i; a tail of fewer bytes
         * than a value stays as it is (none here: chunks hold whole values) */
        size_t values = n / elem;
        if (reserve(&p->shuffled, &p->shuffled_cap, n ? n : 1))
            return 0;
        unsigned char *to = p->shuffled;
        for (size_t i = 0; i < values; i++) /* one pass over the input, elem streams out */
            for (size_t k = 0; k < elem; k++)
                to[k * values + i] = in[i * elem + k];
        memcpy(p->shuffled + values * elem, in + values * elem, n - values * elem);
        in = p->shuffled;
    }
    /* what compress2 does, on a stream kept from chunk to chunk: the same bytes */
    if (deflateReset(&p->z) != Z_OK)
        return 0;
    p->z.next_in = (unsigned char *)in;
    p->z.avail_in = (uInt)n;
    p->z.next_out = p->packed;
    p->z.avail_out = (uInt)bound;
    if (deflate(&p->z, Z_FINISH) != Z_STREAM_END)
        return 0;
    *out = p->packed;
    return p->z.total_out;
}
