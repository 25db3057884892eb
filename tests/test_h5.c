/* io/h5.c's packer: a chunk shuffled and deflated as HDF5's filters would read it back, zero
 * runs written as deflate blocks of their own. Every packed chunk is inflated by zlib (which
 * checks the stream and its Adler-32) and unshuffled here, and must give the values back.
 * And its reader, cfx_h5_read_packed: the values HDF5's own read gives, or a refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include "io/h5.h"

/* Packs n bytes of values of elem bytes, inflates and unshuffles them, and checks they are
 * src; returns the packed length. */
static size_t round_trip(cfx_h5_packer *p, const unsigned char *src, size_t n, size_t elem)
{
    const unsigned char *packed = NULL;
    size_t len = cfx_h5_pack(p, src, n, elem, &packed);
    assert_true(len > 0);
    unsigned char *flat = malloc(n + 1), *back = malloc(n + 1);
    assert_non_null(flat);
    assert_non_null(back);
    uLongf got = n + 1;
    assert_int_equal(uncompress(flat, &got, packed, len), Z_OK);
    assert_int_equal(got, n);
    size_t values = n / elem;
    for (size_t i = 0; i < values; i++)
        for (size_t k = 0; k < elem; k++)
            back[i * elem + k] = flat[k * values + i];
    memcpy(back + values * elem, flat + values * elem, n - values * elem);
    assert_memory_equal(back, src, n);
    /* the same bytes again from the same packer */
    unsigned char *first = malloc(len);
    assert_non_null(first);
    memcpy(first, packed, len);
    assert_int_equal(cfx_h5_pack(p, src, n, elem, &packed), len);
    assert_memory_equal(packed, first, len);
    free(first);
    free(flat);
    free(back);
    return len;
}

/* Runs of zeros of every length near the block's limits: short ones (zlib's), the packer's
 * minimum run of 4096 bytes, and runs of a literal zero, q copies of 258 bytes and a
 * remainder of 0, 1, 2 (literals), 3, 4, 256 or 257 bytes (one last copy), for several q;
 * between non-zero bytes, at the start, at the end, and as the whole chunk. */
static void test_h5__zero_runs_of_every_awkward_length_inflate_back(void **state)
{
    (void)state;
    cfx_h5_packer *p = cfx_h5_packer_new(1);
    assert_non_null(p);
    size_t runs[64], n_runs = 0;
    static const size_t fixed[] = {1, 2, 3, 4, 257, 258, 259, 4094, 4095, 4096, 4097,
                                   65536, 70000};
    static const size_t rem[] = {0, 1, 2, 3, 4, 256, 257};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        runs[n_runs++] = fixed[i];
    for (size_t q = 16; q <= 18; q++)
        for (size_t i = 0; i < sizeof rem / sizeof *rem; i++)
            runs[n_runs++] = 1 + 258 * q + rem[i];
    unsigned char *buf = malloc(2 * 70000 + 16);
    assert_non_null(buf);
    for (size_t i = 0; i < n_runs; i++) {
        size_t r = runs[i];
        /* x, r zeros, y, r zeros (at the end) */
        size_t n = 0;
        buf[n++] = 7;
        memset(buf + n, 0, r);
        n += r;
        buf[n++] = 200;
        memset(buf + n, 0, r);
        n += r;
        round_trip(p, buf, n, 1);
        round_trip(p, buf + 1, n - 1, 1); /* starting with the run */
        round_trip(p, buf + 1, r, 1);     /* nothing but zeros */
        round_trip(p, buf, r + 2, 1);     /* ending in a non-zero byte */
    }
    round_trip(p, buf, 0, 1);
    free(buf);
    cfx_h5_packer_free(p);
}

/* Series as the result file holds them: doubles and 4-byte integers, dense, sparse, and all
 * zero, in chunks whose value counts are and are not multiples of 8. */
static void test_h5__shuffled_series_inflate_back(void **state)
{
    (void)state;
    cfx_h5_packer *p = cfx_h5_packer_new(1);
    assert_non_null(p);
    uint64_t x = 88172645463325252ull;
    for (size_t values = 1; values < 40000; values = values * 3 + 1) {
        for (int kind = 0; kind < 3; kind++) {
            double *d = calloc(values, sizeof *d);
            int32_t *k = calloc(values, sizeof *k);
            assert_non_null(d);
            assert_non_null(k);
            for (size_t i = 0; i < values; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                int on = kind == 0 || (kind == 1 && x % 997 == 0);
                d[i] = on ? (double)(x % 100000) / 7.0 : 0.0;
                k[i] = on ? (int32_t)(x % 5) - 2 : 0;
            }
            round_trip(p, (const unsigned char *)d, values * sizeof *d, sizeof *d);
            round_trip(p, (const unsigned char *)k, values * sizeof *k, sizeof *k);
            free(d);
            free(k);
        }
    }
    cfx_h5_packer_free(p);
}

/* The point of the zero runs: a large network's chunk that is nearly all zeros packs to a
 * small fraction of a percent of its size. */
static void test_h5__a_nearly_empty_chunk_packs_small(void **state)
{
    (void)state;
    cfx_h5_packer *p = cfx_h5_packer_new(1);
    assert_non_null(p);
    size_t values = 30 * 4369; /* W2's chunk: 30 days of 4369 nodes */
    double *d = calloc(values, sizeof *d);
    assert_non_null(d);
    d[123] = 4.5;
    d[values - 1] = 1e6;
    size_t len = round_trip(p, (const unsigned char *)d, values * sizeof *d, sizeof *d);
    assert_true(len < values * sizeof *d / 100);
    free(d);
    cfx_h5_packer_free(p);
}

/* A dataset /name of dims (rank 1 or 2) in chunks of cd, filters: 0 none, 1 deflate,
 * 2 shuffle + deflate; values v (doubles) written by HDF5, or given as (mem) type. */
static hid_t dataset(hid_t f, const char *name, int rank, const hsize_t *dims, const hsize_t *cd,
                     int filters, hid_t type, const void *v)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(sp >= 0 && dcpl >= 0);
    if (cd)
        assert_true(H5Pset_chunk(dcpl, rank, cd) >= 0);
    if (filters == 2)
        assert_true(H5Pset_shuffle(dcpl) >= 0);
    if (filters)
        assert_true(H5Pset_deflate(dcpl, 1) >= 0);
    hid_t ds = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(ds >= 0);
    if (v)
        assert_true(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return ds;
}

/* Reads ds with cfx_h5_read_packed on 1 and 3 threads and checks both give what H5Dread
 * gives; returns what the packed read returned. */
static int read_both_ways(hid_t ds, size_t n)
{
    double *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    assert_non_null(want);
    assert_non_null(got);
    assert_true(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, want) >= 0);
    int rc = 0;
    for (int threads = 1; threads <= 3; threads += 2) {
        memset(got, 0xab, n * sizeof *got);
        rc = cfx_h5_read_packed(ds, got, threads);
        if (rc == 0)
            assert_memory_equal(got, want, n * sizeof *got);
    }
    free(want);
    free(got);
    return rc;
}

/* Series as HDF5 writes them and as the packer does (H5Dwrite_chunk), with edge chunks cut
 * by the extent, of rank 1 and 2, sparse and dense, shuffled or not: the values H5Dread
 * gives. What the reader does not take (integers, a contiguous dataset, a chunk never
 * written) is left to H5Dread (1); a damaged chunk fails (-1). */
static void test_h5__read_packed_gives_what_hdf5_reads_or_declines(void **state)
{
    (void)state;
    char path[] = "/tmp/conflux-test-h5-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    size_t rows = 37, cols = 1001, n = rows * cols;
    double *v = calloc(n, sizeof *v);
    int *k = calloc(n, sizeof *k);
    assert_non_null(v);
    assert_non_null(k);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[i] = x % 50 == 0 ? (double)(x % 100000) / 3.0 : 0.0; /* sparse */
        k[i] = (int)(x % 7);
    }
    hsize_t dims[2] = {rows, cols}, cd[2] = {8, 300}, n1 = n, c1 = 1000;
    assert_int_equal(read_both_ways(dataset(f, "sparse", 2, dims, cd, 2, H5T_NATIVE_DOUBLE, v), n), 0);
    assert_int_equal(read_both_ways(dataset(f, "deflate", 2, dims, cd, 1, H5T_NATIVE_DOUBLE, v), n), 0);
    assert_int_equal(read_both_ways(dataset(f, "rank1", 1, &n1, &c1, 2, H5T_NATIVE_DOUBLE, v), n), 0);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)k[i] * 1.25 + (double)i; /* dense */
    assert_int_equal(read_both_ways(dataset(f, "dense", 2, dims, cd, 2, H5T_NATIVE_DOUBLE, v), n), 0);
    /* the packer's chunks: a whole dataset of one chunk each 8 x 300, as output.c writes */
    hid_t ds = dataset(f, "packed", 2, dims, cd, 2, H5T_NATIVE_DOUBLE, NULL);
    cfx_h5_packer *p = cfx_h5_packer_new(1);
    assert_non_null(p);
    double *chunk = malloc(8 * 300 * sizeof *chunk);
    assert_non_null(chunk);
    for (hsize_t r0 = 0; r0 < rows; r0 += 8)
        for (hsize_t c0 = 0; c0 < cols; c0 += 300) {
            for (size_t r = 0; r < 8; r++)
                for (size_t c = 0; c < 300; c++)
                    chunk[r * 300 + c] = r0 + r < rows && c0 + c < cols
                                             ? v[(r0 + r) * cols + c0 + c] * (c % 3 == 0)
                                             : 0;
            const unsigned char *out = NULL;
            size_t len = cfx_h5_pack(p, chunk, 8 * 300 * sizeof *chunk, 8, &out);
            hsize_t at[2] = {r0, c0};
            assert_true(H5Dwrite_chunk(ds, H5P_DEFAULT, 0, at, len, out) >= 0);
        }
    assert_int_equal(read_both_ways(ds, n), 0);
    /* declined: integers, contiguous, a chunk never written */
    assert_int_equal(read_both_ways(dataset(f, "ints", 2, dims, cd, 2, H5T_NATIVE_INT, k), n), 1);
    assert_int_equal(read_both_ways(dataset(f, "flat", 2, dims, NULL, 0, H5T_NATIVE_DOUBLE, v), n), 1);
    hid_t part = dataset(f, "part", 2, dims, cd, 2, H5T_NATIVE_DOUBLE, NULL);
    hsize_t at[2] = {0, 0};
    const unsigned char *out = NULL;
    size_t len = cfx_h5_pack(p, chunk, 8 * 300 * sizeof *chunk, 8, &out);
    assert_true(H5Dwrite_chunk(part, H5P_DEFAULT, 0, at, len, out) >= 0);
    assert_int_equal(read_both_ways(part, n), 1);
    /* declined too: edge chunks stored unfiltered (H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) */
    hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    assert_true(H5Pset_chunk(dcpl, 2, cd) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
                H5Pset_deflate(dcpl, 1) >= 0 &&
                H5Pset_chunk_opts(dcpl, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) >= 0);
    hid_t raw_edges = H5Dcreate2(f, "raw_edges", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, dcpl,
                                 H5P_DEFAULT);
    assert_true(H5Dwrite(raw_edges, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    assert_int_equal(read_both_ways(raw_edges, n), 1);
    H5Pclose(dcpl);
    H5Sclose(sp);
    /* damaged: a chunk's last byte (its Adler-32) changed */
    hid_t bad = dataset(f, "bad", 2, dims, cd, 2, H5T_NATIVE_DOUBLE, v);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, out, len);
    copy[len - 1] ^= 1;
    assert_true(H5Dwrite_chunk(bad, H5P_DEFAULT, 0, at, len, copy) >= 0);
    double *got = malloc(n * sizeof *got);
    assert_non_null(got);
    assert_int_equal(cfx_h5_read_packed(bad, got, 1), -1);
    assert_int_equal(cfx_h5_read_packed(bad, got, 3), -1);
    free(got);
    free(copy);
    free(chunk);
    cfx_h5_packer_free(p);
    free(v);
    free(k);
    H5Fclose(f); /* the datasets' ids close with it (H5F_CLOSE_WEAK) */
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5__zero_runs_of_every_awkward_length_inflate_back),
        cmocka_unit_test(test_h5__shuffled_series_inflate_back),
        cmocka_unit_test(test_h5__a_nearly_empty_chunk_packs_small),
        cmocka_unit_test(test_h5__read_packed_gives_what_hdf5_reads_or_declines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
