/* io/h5.c's packer: a chunk shuffled and deflated as HDF5's filters would read it back, zero
 * runs written as deflate blocks of their own. Every packed chunk is inflated by zlib (which
 * checks the stream and its Adler-32) and unshuffled here, and must give the values back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5__zero_runs_of_every_awkward_length_inflate_back),
        cmocka_unit_test(test_h5__shuffled_series_inflate_back),
        cmocka_unit_test(test_h5__a_nearly_empty_chunk_packs_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
