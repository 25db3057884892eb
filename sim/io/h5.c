/* Small HDF5 helpers shared by every module that writes HDF5 (the result file, the sweep
 * merge, analyze's write-back, checkpoints). */
#include "io/h5.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

/* The size up to which cfx_h5_open_read reads a file whole: an assumption, sixteen times a
 * Kachin member (about 0.25 MB) and far below a large network's result. */
#define WHOLE_BYTES (4LL << 20)

hid_t cfx_h5_open_read(const char *path)
{
    struct stat st;
    hid_t fapl = -1;
    if (stat(path, &st) || !S_ISREG(st.st_mode))
        return -1;
    if (st.st_size <= WHOLE_BYTES && (fapl = H5Pcreate(H5P_FILE_ACCESS)) >= 0 &&
        H5Pset_fapl_core(fapl, (size_t)st.st_size + 1, 0) < 0) {
        H5Pclose(fapl);
        fapl = -1;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

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

/* A chunk is shuffled and deflated as HDF5's filters would, into a zlib stream (RFC 1950: a
 * header, deflate blocks, the Adler-32 of the bytes) that any inflate reads. Long runs of zero
 * bytes, most of a large network's series (W2's chunks: all but a few bytes in 0.2 GB) and half
 * of a Kachin member's, are not handed to zlib, whose level 1 still matches them 258 bytes at a
 * time (about 1 GB/s, and its Adler-32 runs over them as well): each becomes a deflate block of
 * its own, a literal zero and copies of length 258 at distance 1 in the fixed Huffman codes
 * (13 bits a copy), written here at the speed of finding the next non-zero byte; its Adler-32
 * is a product. The bytes between runs go to zlib (raw deflate), each stretch ended by a full
 * flush so that no match reaches back across a run zlib did not see. The result depends on the
 * chunk's bytes only: the same bytes on any number of threads. Measured on this project's
 * machine (an Intel Xeon KVM guest), whole chunks: W2's 216 chunks 10 x faster (302 -> 30
 * ms; 0.92 -> 1.33 MB, the fixed codes' cost), a Kachin member's 31 chunks 2.96 -> 2.50 ms
 * (83.2 -> 83.1 kB). */

/* Zero runs shorter than this (bytes) stay in zlib's stretches: a run costs a block and a
 * flush (about 10 bytes) and zlib matches short runs nearly as well. Assumption, measured:
 * 1024 and 4096 give the same speed on both workloads, 64 is 30 % slower on a member's. */
#define ZERO_RUN_MIN 4096

struct cfx_h5_packer {
    z_stream z; /* raw deflate, set up once, reset for each chunk */
    int level;
    unsigned char *shuffled, *packed;
    size_t shuffled_cap, packed_cap;
};

cfx_h5_packer *cfx_h5_packer_new(int level)
{
    cfx_h5_packer *p = calloc(1, sizeof *p);
    if (p && deflateInit2(&p->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(p);
        p = NULL;
    }
    if (p)
        p->level = level;
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

/* Bits written least significant first, as deflate packs them. */
typedef struct {
    unsigned char *at;
    uint64_t acc;
    int n; /* bits in acc, < 8 between calls */
} bit_out;

static void put_bits(bit_out *b, uint64_t v, int n)
{
    b->acc |= v << b->n;
    for (b->n += n; b->n >= 8; b->n -= 8) {
        *b->at++ = (unsigned char)b->acc;
        b->acc >>= 8;
    }
}

/* Fixed Huffman codes (RFC 1951, 3.2.6), bit-reversed for put_bits. */
#define LIT_ZERO 0x0C /* literal 0: 00110000, 8 bits */
#define LEN_258 0xA3  /* length code 285: 11000101, 8 bits */

/* A copy of len (3..257) bytes at distance 1. */
static void put_copy(bit_out *b, unsigned len)
{
    static const unsigned short base[28] = {3,  4,  5,  6,  7,  8,  9,   10,  11,  13,
                                            15, 17, 19, 23, 27, 31, 35,  43,  51,  59,
                                            67, 83, 99, 115, 131, 163, 195, 227};
    static const unsigned char extra[28] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2,
                                            2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5};
    unsigned c = 27;
    while (base[c] > len)
        c--;
    /* codes 257..279: 7 bits from 0000001; 280..284: 8 bits from 11000000 */
    unsigned sym = 257 + c, code = sym < 280 ? sym - 256 : 0xC0 + (sym - 280);
    int bits = sym < 280 ? 7 : 8;
    unsigned rev = 0;
    for (int i = 0; i < bits; i++)
        rev |= ((code >> i) & 1u) << (bits - 1 - i);
    put_bits(b, rev, bits);
    put_bits(b, len - base[c], extra[c]);
    put_bits(b, 0, 5); /* distance code 0: distance 1 */
}

/* A block of n >= 3 zero bytes, the byte before them not zero (or none). */
static void put_zeros(bit_out *b, size_t n, int last)
{
    put_bits(b, (unsigned)last | 2u, 3); /* BFINAL, BTYPE 01: fixed codes */
    put_bits(b, LIT_ZERO, 8);
    for (n--; n >= 258; n -= 258)
        put_bits(b, LEN_258, 13); /* length 258, then 5 zero bits: distance code 0 */
    if (n >= 3)
        put_copy(b, (unsigned)n);
    for (; n && n < 3; n--)
        put_bits(b, LIT_ZERO, 8);
    put_bits(b, 0, 7); /* end of block */
}

/* The first non-zero byte at or after i (n when none). */
static size_t skip_zeros(const unsigned char *s, size_t i, size_t n)
{
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, s + i, sizeof w);
        if (w[0] | w[1] | w[2] | w[3])
            break;
    }
    while (i < n && !s[i])
        i++;
    return i;
}

/* zlib's deflate of s[from, to) into b, with a full flush, or with the stream's end when
 * last. Bits b holds go first (deflatePrime: b ends between bytes after a zero block). zlib
 * documents deflatePrime for the start of a stream; after a full flush its state is the
 * same (no pending bits, every byte delivered), which zlib's own check allows, and test_h5
 * inflates every case with the zlib linked. -1 when zlib fails (it cannot, with the room
 * the packer gives it). */
static int put_stretch(cfx_h5_packer *p, bit_out *b, const unsigned char *s, size_t from,
                       size_t to, int last)
{
    if (b->n && deflatePrime(&p->z, b->n, (int)b->acc) != Z_OK)
        return -1;
    b->acc = 0;
    b->n = 0;
    p->z.next_in = (unsigned char *)s + from;
    p->z.avail_in = (uInt)(to - from);
    p->z.next_out = b->at;
    p->z.avail_out = (uInt)(p->packed_cap - (size_t)(b->at - p->packed));
    int rc = deflate(&p->z, last ? Z_FINISH : Z_FULL_FLUSH);
    b->at = p->z.next_out;
    return (last ? rc == Z_STREAM_END : rc == Z_OK && p->z.avail_out > 0) ? 0 : -1;
}

/* Adler-32 (RFC 1950) of n more zero bytes: a stays, b grows by n * a. */
static uLong adler_zeros(uLong adler, size_t n)
{
    uLong a = adler & 0xffff, b = adler >> 16;
    b = (b + (uLong)(n % 65521) * a) % 65521;
    return b << 16 | a;
}

/* Byte order: byte k of an 8-byte value is bits 8k.. of its word read little-endian, as on
 * every machine conflux builds for (x86-64, aarch64); elsewhere the byte loops do all. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORD_SHUFFLE 1
#else
#define WORD_SHUFFLE 0
#endif

/* The 8 x 8 bytes of v transposed (byte k of word j to byte j of word k) in three rounds of
 * swaps: 2 x 2 blocks of bytes, of pairs, of quads. Its own inverse. */
static void transpose8(uint64_t v[8])
{
    static const uint64_t mask[3] = {0x00FF00FF00FF00FFull, 0x0000FFFF0000FFFFull,
                                     0x00000000FFFFFFFFull};
    for (int r = 0, d = 1; r < 3; r++, d *= 2)
        for (int j = 0; j < 8; j++)
            if (!(j & d)) {
                uint64_t t = ((v[j] >> 8 * d) ^ v[j + d]) & mask[r];
                v[j + d] ^= t;
                v[j] ^= t << 8 * d;
            }
}

/* HDF5's shuffle of the n bytes at in into to (back: its inverse): byte k of value i (of
 * elem bytes) goes to k * values + i; a tail of fewer bytes than a value stays as it is.
 * Values of 8 bytes go 8 at a time, each value and each of the 8 streams moved 8 bytes at a
 * time; 8 zero values (most of a large network's) are 8 zero words. */
static void shuffle(unsigned char *to, const unsigned char *in, size_t n, size_t elem, int back)
{
    size_t values = n / elem, i = 0;
    for (; WORD_SHUFFLE && elem == 8 && i + 8 <= values; i += 8) {
        uint64_t v[8];
        for (int k = 0; k < 8; k++)
            memcpy(&v[k], back ? in + k * values + i : in + (i + k) * 8, 8);
        if (v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7])
            transpose8(v);
        for (int k = 0; k < 8; k++)
            memcpy(back ? to + (i + k) * 8 : to + k * values + i, &v[k], 8);
    }
    for (; i < values; i++) /* one value at a time: elem streams */
        for (size_t k = 0; k < elem; k++) {
            size_t streamed = k * values + i, packed = i * elem + k;
            to[back ? packed : streamed] = in[back ? streamed : packed];
        }
    memcpy(to + values * elem, in + values * elem, n - values * elem);
}

size_t cfx_h5_pack(cfx_h5_packer *p, const void *src, size_t n, size_t elem,
                   const unsigned char **out)
{
    const unsigned char *in = src;
    /* zlib's bound for one stream, plus a flush and a block's ends for each zero run */
    size_t bound = compressBound((uLong)n) + 32 * (n / ZERO_RUN_MIN + 2);
    if (n > UINT_MAX / 2 || reserve(&p->packed, &p->packed_cap, bound))
        return 0;
    if (elem > 1) {
        if (reserve(&p->shuffled, &p->shuffled_cap, n ? n : 1))
            return 0;
        shuffle(p->shuffled, in, n, elem, 0);
        in = p->shuffled;
    }
    if (deflateReset(&p->z) != Z_OK)
        return 0;
    /* zlib header: deflate, 32 KiB window, the level's class, the check bits */
    unsigned flevel = p->level < 2 ? 0 : p->level < 6 ? 1 : p->level == 6 ? 2 : 3;
    unsigned head = 0x7800u | flevel << 6;
    head += (31 - head % 31) % 31;
    bit_out b = {p->packed, 0, 0};
    put_bits(&b, head >> 8, 8);
    put_bits(&b, head & 0xff, 8);
    uLong adler = adler32(0, NULL, 0);
    size_t from = 0; /* the first byte not yet packed */
    for (size_t i = 0; i < n;) {
        size_t zero = i;
        while (zero < n && in[zero])
            zero++;
        if (zero == n)
            break;
        size_t next = skip_zeros(in, zero, n);
        if (next - zero >= ZERO_RUN_MIN) {
            if (zero > from && put_stretch(p, &b, in, from, zero, 0))
                return 0;
            adler = adler_zeros(adler32(adler, in + from, (uInt)(zero - from)), next - zero);
            put_zeros(&b, next - zero, next == n);
            from = next;
        }
        i = next;
    }
    if (from < n || n == 0) {
        if (put_stretch(p, &b, in, from, n, 1))
            return 0;
        adler = adler32(adler, in + from, (uInt)(n - from));
    } else if (b.n) {
        put_bits(&b, 0, 8 - b.n); /* the last block's last byte */
    }
    for (int k = 3; k >= 0; k--)
        *b.at++ = (unsigned char)(adler >> 8 * k);
    *out = p->packed;
    return (size_t)(b.at - p->packed);
}

/* ---------------------------------------------------------------- chunks, unpacked */

/* Adler-32 of n more bytes at s, runs of zeros (most of a large network's series) counted as
 * a product (adler_zeros) instead of byte by byte: the bytes up to the next 64 zero bytes
 * that start a 64-byte block go to zlib's adler32, the run after them to adler_zeros. */
static uLong adler_sparse(uLong adler, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t from = skip_zeros(s, i, n), to = from;
        adler = adler_zeros(adler, from - i);
        while (to < n) {
            size_t block = n - to < 64 ? n - to : 64;
            if (skip_zeros(s, to, to + block) == to + block)
                break;
            to += block;
        }
        adler = adler32(adler, s + from, (uInt)(to - from));
        i = to;
    }
    return adler;
}

/* Inflates a zlib stream of len bytes into exactly n bytes at out, checking its Adler-32;
 * z: a raw inflate stream, reset here. 0, or -1 for a damaged or short chunk. */
static int unpack_one(z_stream *z, const unsigned char *in, size_t len, unsigned char *out,
                      size_t n)
{
    if (len < 6 || (in[0] & 0x0f) != 8 || (in[0] >> 4) > 7 || (in[0] << 8 | in[1]) % 31 ||
        (in[1] & 0x20) || inflateReset(z) != Z_OK)
        return -1; /* not deflate, a window over 32 KiB, or a preset dictionary */
    z->next_in = (unsigned char *)in + 2;
    z->avail_in = (uInt)(len - 2);
    z->next_out = out;
    z->avail_out = (uInt)n;
    if (inflate(z, Z_FINISH) != Z_STREAM_END || z->avail_out || z->avail_in != 4)
        return -1;
    const unsigned char *t = z->next_in;
    uLong want = (uLong)t[0] << 24 | (uLong)t[1] << 16 | (uLong)t[2] << 8 | t[3];
    return adler_sparse(adler32(0, NULL, 0), out, n) == want ? 0 : -1;
}

/* A chunk of a dataset, read raw. */
typedef struct {
    hsize_t at[2];
    unsigned char *raw;
    size_t len, cap;
} raw_chunk;

/* Unpacks chunks[0, n) of a dataset of dims, chunks of cd, into buf on threads threads.
 * 0, CFX_H5_DAMAGED or CFX_H5_NOMEM. */
static int unpack_batch(const raw_chunk *chunks, long n, const hsize_t *dims, const hsize_t *cd,
                        int shuffled, double *buf, int threads)
{
    size_t values = (size_t)(cd[0] * cd[1]), bytes = values * sizeof(double);
    int damaged = 0, nomem = 0;
#pragma omp parallel num_threads(threads) if (threads > 1 && n > 1)
    {
        z_stream z = {0};
        unsigned char *flat = malloc(bytes), *vals = shuffled ? malloc(bytes) : NULL;
        int ok = flat && (vals || !shuffled) && inflateInit2(&z, -15) == Z_OK;
        if (!ok) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long c = 0; c < n; c++) {
            const raw_chunk *k = &chunks[c];
            if (!ok)
                continue;
            if (unpack_one(&z, k->raw, k->len, flat, bytes)) {
#pragma omp atomic write
                damaged = 1;
                continue;
            }
            const unsigned char *v = flat;
            if (shuffled) {
                shuffle(vals, flat, bytes, sizeof(double), 1);
                v = vals;
            }
            size_t rows = (size_t)(dims[0] - k->at[0] < cd[0] ? dims[0] - k->at[0] : cd[0]);
            size_t cols = (size_t)(dims[1] - k->at[1] < cd[1] ? dims[1] - k->at[1] : cd[1]);
            for (size_t r = 0; r < rows; r++)
                memcpy(buf + (k->at[0] + r) * dims[1] + k->at[1], v + r * cd[1] * sizeof(double),
                       cols * sizeof(double));
        }
        if (ok)
            inflateEnd(&z);
        free(flat);
        free(vals);
    }
    return nomem ? CFX_H5_NOMEM : damaged ? CFX_H5_DAMAGED : 0;
}

/* Its rank (1 or 2) when ds holds doubles in chunks that shuffle (or not) and deflate, each
 * chunk filtered (not H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS), else 0; its shape in dims
 * (rank 1: 1 x n) and its chunks' in cd, *shuffled. */
static int unpackable(hid_t ds, hsize_t *dims, hsize_t *cd, int *shuffled)
{
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds), dcpl = H5Dget_create_plist(ds);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1, yes = 0;
    hsize_t d[2] = {1, 1}, c[2] = {1, 1};
    unsigned opts = 1;
    if (type >= 0 && H5Tequal(type, H5T_NATIVE_DOUBLE) > 0 && (rank == 1 || rank == 2) &&
        dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
        H5Pget_chunk_opts(dcpl, &opts) >= 0 && !(opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) &&
        H5Sget_simple_extent_dims(space, d + 2 - rank, NULL) == rank &&
        H5Pget_chunk(dcpl, rank, c + 2 - rank) == rank) {
        int nf = H5Pget_nfilters(dcpl);
        unsigned flags, cdv[8];
        size_t ncd = 8;
        H5Z_filter_t f0 = nf >= 1 ? H5Pget_filter2(dcpl, 0, &flags, &ncd, cdv, 0, NULL, NULL) : -1;
        ncd = 8;
        H5Z_filter_t f1 = nf == 2 ? H5Pget_filter2(dcpl, 1, &flags, &ncd, cdv, 0, NULL, NULL) : -1;
        *shuffled = nf == 2;
        yes = (nf == 1 && f0 == H5Z_FILTER_DEFLATE) ||
              (nf == 2 && f0 == H5Z_FILTER_SHUFFLE && f1 == H5Z_FILTER_DEFLATE);
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    memcpy(dims, d, sizeof d);
    memcpy(cd, c, sizeof c);
    return yes ? rank : 0;
}

/* Reads the chunk of ds at `at` (rank 1: at[1] only) raw into k: 0, 1 when it was never
 * written or a filter was skipped for it, CFX_H5_DAMAGED or CFX_H5_NOMEM. */
static int read_raw(hid_t ds, int rank, const hsize_t *at, raw_chunk *k)
{
    hsize_t size = 0;
    unsigned mask = 0;
    const hsize_t *o = at + 2 - rank;
    if (H5Dget_chunk_storage_size(ds, o, &size) < 0 || size == 0)
        return 1; /* never written (HDF5 1.10 fails for it): its fill value is HDF5's to give */
    if (size > k->cap) {
        unsigned char *raw = realloc(k->raw, size);
        if (!raw)
            return CFX_H5_NOMEM;
        k->raw = raw;
        k->cap = size;
    }
    if (H5Dread_chunk(ds, H5P_DEFAULT, o, &mask, k->raw) < 0)
        return CFX_H5_DAMAGED;
    k->len = size;
    k->at[0] = at[0];
    k->at[1] = at[1];
    return mask ? 1 : 0;
}

int cfx_h5_read_packed(hid_t ds, double *buf, int threads)
{
    hsize_t dims[2], cd[2];
    int shuffled = 0, rank = unpackable(ds, dims, cd, &shuffled), rc = 0;
    if (!rank)
        return 1;
    /* chunks in order of their offsets, a batch at a time (looked up by offset: by index,
     * HDF5 1.10 walks its index from the start for each): up to 64 a thread, and as many as
     * hold 32 MiB of values at most (a chunk's compressed bytes are at most about its values'),
     * so that a dense file on many threads does not hold gigabytes. Assumption: enough to
     * keep every thread busy. */
    long per = threads > 1 ? threads : 1, batch = 64 * per;
    long fit = (long)((32u << 20) / (cd[0] * cd[1] * sizeof(double) + 1));
    batch = fit < per ? per : fit < batch ? fit : batch;
    raw_chunk *chunks = calloc((size_t)batch, sizeof *chunks);
    if (!chunks)
        return CFX_H5_NOMEM;
    hsize_t at[2] = {0, 0};
    while (!rc && at[0] < dims[0]) {
        long m = 0;
        for (; !rc && m < batch && at[0] < dims[0]; m++) {
            rc = read_raw(ds, rank, at, &chunks[m]);
            if ((at[1] += cd[1]) >= dims[1]) {
                at[1] = 0;
                at[0] += cd[0];
            }
        }
        if (!rc)
            rc = unpack_batch(chunks, m, dims, cd, shuffled, buf, threads);
    }
    for (long c = 0; c < batch; c++)
        free(chunks[c].raw);
    free(chunks);
    return rc;
}
