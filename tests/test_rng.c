/* Tests of sim/rng.c: Philox known answers, the counter layout behind the gsl_rng wrapper,
 * and that neighbouring keys (one stream, agent or step apart) give independent numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "core/rng.h"

/* An arbitrary key with every field's bits well used, including agent bits 32..47. */
#define SEED UINT64_C(0x0123456789abcdef)
#define STREAM 3u
#define AGENT UINT64_C(0x0000abcd12345678)
#define STEP UINT64_C(0x9abcdef0)

/* Tolerance in standard errors for sample means. The generator is deterministic, so a test
 * cannot flake; 5 sigma means a correct generator fails for fewer than 1 seed in 10^6, and
 * the biases we guard against (a wrong scaling, a stuck word) are far larger. */
#define N_SIGMA 5.0

static gsl_rng *alloc_keyed(uint64_t seed, uint32_t stream, uint64_t agent, uint64_t step)
{
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    assert_non_null(r);
    cfx_rng_key(r, seed, stream, agent, step);
    return r;
}

static void check_block(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                        uint32_t k1, uint32_t o0, uint32_t o1, uint32_t o2, uint32_t o3)
{
    const uint32_t ctr[4] = {c0, c1, c2, c3}, key[2] = {k0, k1};
    uint32_t out[4];
    cfx_philox4x32_10(ctr, key, out);
    assert_int_equal(out[0], o0);
    assert_int_equal(out[1], o1);
    assert_int_equal(out[2], o2);
    assert_int_equal(out[3], o3);
}

/* Random123's kat_vectors, philox4x32 10 rounds: matching them means our numbers are the
 * published Philox, not a look-alike. */
static void test_rng__philox_known_answers(void **state)
{
    (void)state;
    check_block(0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
    check_block(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
                0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
    check_block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
                0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
}

static void test_rng__type_describes_32_bit_words(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    assert_non_null(r);
    assert_string_equal(gsl_rng_name(r), "philox4x32-10");
    assert_int_equal(gsl_rng_min(r), 0);
    assert_int_equal(gsl_rng_max(r), 0xffffffffUL);
    gsl_rng_free(r);
}

/* The documented layout: block i of key (seed, stream, agent, step) is Philox of
 * ctr = {i, step, agent & 0xffffffff, stream << 16 | agent >> 32}, key = {seed lo, seed hi},
 * and gsl_rng_get returns its four words in order. */
static void test_rng__get_follows_counter_layout(void **state)
{
    (void)state;
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    const uint32_t key[2] = {0x89abcdef, 0x01234567};
    for (uint32_t i = 0; i < 5; i++) {
        const uint32_t ctr[4] = {i, 0x9abcdef0, 0x12345678, STREAM << 16 | 0xabcd};
        uint32_t out[4];
        cfx_philox4x32_10(ctr, key, out);
        for (int j = 0; j < 4; j++)
            assert_int_equal(gsl_rng_get(r), out[j]);
    }
    gsl_rng_free(r);
}

static void test_rng__set_is_key_with_zero_stream_agent_step(void **state)
{
    (void)state;
    gsl_rng *a = gsl_rng_alloc(cfx_rng_philox), *b = alloc_keyed(SEED, 0, 0, 0);
    assert_non_null(a);
    gsl_rng_set(a, (unsigned long)SEED);
    for (int i = 0; i < 10; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* Re-keying mid-block must discard the buffered words: otherwise the numbers an agent gets
 * would depend on how many the previous agent on that thread drew. */
static void test_rng__rekey_restarts_sequence(void **state)
{
    (void)state;
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    unsigned long first[9];
    for (int i = 0; i < 9; i++)
        first[i] = gsl_rng_get(r);
    for (int drawn = 0; drawn < 6; drawn++) {
        cfx_rng_key(r, SEED + 1, STREAM, AGENT, STEP);
        for (int i = 0; i < drawn; i++)
            gsl_rng_get(r);
        cfx_rng_key(r, SEED, STREAM, AGENT, STEP);
        for (int i = 0; i < 9; i++)
            assert_int_equal(gsl_rng_get(r), first[i]);
    }
    gsl_rng_free(r);
}

static void test_rng__clone_continues_sequence(void **state)
{
    (void)state;
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    gsl_rng_get(r);
    gsl_rng *c = gsl_rng_clone(r);
    assert_non_null(c);
    for (int i = 0; i < 9; i++)
        assert_int_equal(gsl_rng_get(c), gsl_rng_get(r));
    gsl_rng_free(c);
    gsl_rng_free(r);
}

/* A key that differs from the base key in exactly one part, by the smallest step. */
typedef struct neighbour {
    const char *what;
    uint64_t seed;
    uint32_t stream;
    uint64_t agent, step;
} neighbour;

static const neighbour NEIGHBOURS[] = {
    {"seed + 1", SEED + 1, STREAM, AGENT, STEP},
    {"stream + 1", SEED, STREAM + 1, AGENT, STEP},
    {"agent + 1", SEED, STREAM, AGENT + 1, STEP},
    {"agent + 2^32", SEED, STREAM, AGENT + (UINT64_C(1) << 32), STEP},
    {"step + 1", SEED, STREAM, AGENT, STEP + 1},
};
#define N_NEIGHBOURS (sizeof NEIGHBOURS / sizeof NEIGHBOURS[0])

static gsl_rng *alloc_neighbour(const neighbour *nb)
{
    return alloc_keyed(nb->seed, nb->stream, nb->agent, nb->step);
}

static void test_rng__each_key_part_changes_sequence(void **state)
{
    (void)state;
    gsl_rng *base = alloc_keyed(SEED, STREAM, AGENT, STEP);
    unsigned long ref[8];
    for (int i = 0; i < 8; i++)
        ref[i] = gsl_rng_get(base);
    for (size_t k = 0; k < N_NEIGHBOURS; k++) {
        gsl_rng *r = alloc_neighbour(&NEIGHBOURS[k]);
        int same = 0;
        for (int i = 0; i < 8; i++)
            same += gsl_rng_get(r) == ref[i];
        /* A chance match of one 32-bit word has probability 2^-32 per word. */
        if (same > 1)
            fail_msg("key with %s repeats %d of 8 words", NEIGHBOURS[k].what, same);
        gsl_rng_free(r);
    }
    gsl_rng_free(base);
}

/* gsl_rng_uniform is gsl_rng_get / 2^32, so draw k of either is the same number. */
static void test_rng__uniform_is_word_over_2_32(void **state)
{
    (void)state;
    gsl_rng *a = alloc_keyed(SEED, STREAM, AGENT, STEP);
    gsl_rng *b = alloc_keyed(SEED, STREAM, AGENT, STEP);
    for (int i = 0; i < 1000; i++)
        assert_true(gsl_rng_uniform(a) == (double)gsl_rng_get(b) / 4294967296.0);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

static void test_rng__uniform_in_unit_interval(void **state)
{
    (void)state;
    enum { N = 1000000 };
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        if (!(u >= 0.0 && u < 1.0))
            fail_msg("draw %d = %.17g outside [0,1)", i, u);
        sum += u;
    }
    /* U(0,1) has sd 1/sqrt(12); the mean of N draws has standard error 1/sqrt(12 N). */
    double mean = sum / N, tol = N_SIGMA / sqrt(12.0 * N);
    if (fabs(mean - 0.5) > tol)
        fail_msg("uniform mean %.6f, want 0.5 +- %.6f", mean, tol);
    gsl_rng_free(r);
}

static void test_rng__gaussian_mean_and_variance(void **state)
{
    (void)state;
    enum { N = 1000000 };
    const double sigma = 2.0;
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    double sum = 0.0, sum2 = 0.0;
    for (int i = 0; i < N; i++) {
        double x = gsl_ran_gaussian(r, sigma);
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / N, var = (sum2 - N * mean * mean) / (N - 1);
    /* Standard errors: sigma/sqrt(N) for the mean, sigma^2 sqrt(2/(N-1)) for the variance
     * of a normal sample. */
    double tol_mean = N_SIGMA * sigma / sqrt(N);
    double tol_var = N_SIGMA * sigma * sigma * sqrt(2.0 / (N - 1));
    if (fabs(mean) > tol_mean)
        fail_msg("gaussian mean %.6f, want 0 +- %.6f", mean, tol_mean);
    if (fabs(var - sigma * sigma) > tol_var)
        fail_msg("gaussian variance %.6f, want %.1f +- %.6f", var, sigma * sigma, tol_var);
    gsl_rng_free(r);
}

static void test_rng__exponential_mean(void **state)
{
    (void)state;
    enum { N = 1000000 };
    const double mu = 3.0;
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        double x = gsl_ran_exponential(r, mu);
        if (!(x >= 0.0 && isfinite(x)))
            fail_msg("exponential draw %d = %g", i, x);
        sum += x;
    }
    /* An exponential's sd equals its mean, so the standard error of the mean is mu/sqrt(N). */
    double mean = sum / N, tol = N_SIGMA * mu / sqrt(N);
    if (fabs(mean - mu) > tol)
        fail_msg("exponential mean %.6f, want %.1f +- %.6f", mean, mu, tol);
    gsl_rng_free(r);
}

/* Chi-square tests use 64 cells (63 degrees of freedom) and reject at p = 1e-6 (about 131.4):
 * a fixed, deterministic sample from a correct generator passes with that probability,
 * while a dependence between keys piles the counts into a few cells and scores thousands. */
#define CHI2_CELLS 64
#define CHI2_P 1e-6

static double chi2_uniform(const unsigned long count[CHI2_CELLS], unsigned long n)
{
    double expected = (double)n / CHI2_CELLS, chi2 = 0.0;
    for (int c = 0; c < CHI2_CELLS; c++) {
        double d = (double)count[c] - expected;
        chi2 += d * d / expected;
    }
    return chi2;
}

static void test_rng__uniform_chi_square(void **state)
{
    (void)state;
    enum { N = 1000000 };
    gsl_rng *r = alloc_keyed(SEED, STREAM, AGENT, STEP);
    unsigned long count[CHI2_CELLS] = {0};
    for (int i = 0; i < N; i++)
        count[(int)(gsl_rng_uniform(r) * CHI2_CELLS)]++;
    double chi2 = chi2_uniform(count, N), limit = gsl_cdf_chisq_Qinv(CHI2_P, CHI2_CELLS - 1);
    if (chi2 > limit)
        fail_msg("chi-square %.1f over %.1f for 64 cells", chi2, limit);
    gsl_rng_free(r);
}

/* Draws from the base key and a neighbour, side by side, must look independent:
 * - Pearson correlation of the first 10^5 pairs: under independence it is about normal
 *   with sd 1/sqrt(n), so |r| < 5/sqrt(n) = 0.016; a key part that is ignored gives r = 1.
 * - chi-square of 10^6 pairs on an 8x8 grid of (u, v) cells: the joint law is uniform on
 *   the square only if the two sequences are independent (identical ones fill 8 cells). */
static void test_rng__neighbouring_keys_uncorrelated(void **state)
{
    (void)state;
    enum { N_CORR = 100000, N_CHI2 = 1000000, SIDE = 8 };
    const double corr_limit = 5.0 / sqrt(N_CORR);
    const double chi2_limit = gsl_cdf_chisq_Qinv(CHI2_P, CHI2_CELLS - 1);
    for (size_t k = 0; k < N_NEIGHBOURS; k++) {
        gsl_rng *a = alloc_keyed(SEED, STREAM, AGENT, STEP), *b = alloc_neighbour(&NEIGHBOURS[k]);
        double su = 0, sv = 0, suu = 0, svv = 0, suv = 0;
        unsigned long count[CHI2_CELLS] = {0};
        for (int i = 0; i < N_CHI2; i++) {
            double u = gsl_rng_uniform(a), v = gsl_rng_uniform(b);
            if (i < N_CORR) {
                su += u;
                sv += v;
                suu += u * u;
                svv += v * v;
                suv += u * v;
            }
            count[(int)(u * SIDE) * SIDE + (int)(v * SIDE)]++;
        }
        double n = N_CORR;
        double cov = suv - su * sv / n;
        double corr = cov / sqrt((suu - su * su / n) * (svv - sv * sv / n));
        if (fabs(corr) > corr_limit)
            fail_msg("key with %s: correlation %.4f over %.4f", NEIGHBOURS[k].what, corr,
                     corr_limit);
        double chi2 = chi2_uniform(count, N_CHI2);
        if (chi2 > chi2_limit)
            fail_msg("key with %s: pair chi-square %.1f over %.1f", NEIGHBOURS[k].what, chi2,
                     chi2_limit);
        gsl_rng_free(a);
        gsl_rng_free(b);
    }
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Correlation of aligned pairs misses a layout bug where a neighbour's sequence is the base
 * sequence shifted (say, the stream added to the block index). Count the neighbour's words
 * that occur anywhere among the base key's words: n^2/2^32 = 2.3 chance hits expected with
 * n = 10^5 (Poisson; P(>= 30) < 1e-20), a shifted copy shares nearly all n. */
static void test_rng__neighbouring_keys_do_not_overlap(void **state)
{
    (void)state;
    enum { N = 100000, MAX_SHARED = 30 };
    uint32_t *base = malloc(N * sizeof *base);
    assert_non_null(base);
    gsl_rng *a = alloc_keyed(SEED, STREAM, AGENT, STEP);
    for (int i = 0; i < N; i++)
        base[i] = (uint32_t)gsl_rng_get(a);
    qsort(base, N, sizeof *base, cmp_u32);
    for (size_t k = 0; k < N_NEIGHBOURS; k++) {
        gsl_rng *b = alloc_neighbour(&NEIGHBOURS[k]);
        int shared = 0;
        for (int i = 0; i < N; i++) {
            uint32_t w = (uint32_t)gsl_rng_get(b);
            shared += bsearch(&w, base, N, sizeof *base, cmp_u32) != NULL;
        }
        if (shared >= MAX_SHARED)
            fail_msg("key with %s shares %d of %d words with the base key", NEIGHBOURS[k].what,
                     shared, N);
        gsl_rng_free(b);
    }
    gsl_rng_free(a);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng__philox_known_answers),
        cmocka_unit_test(test_rng__type_describes_32_bit_words),
        cmocka_unit_test(test_rng__get_follows_counter_layout),
        cmocka_unit_test(test_rng__set_is_key_with_zero_stream_agent_step),
        cmocka_unit_test(test_rng__rekey_restarts_sequence),
        cmocka_unit_test(test_rng__clone_continues_sequence),
        cmocka_unit_test(test_rng__each_key_part_changes_sequence),
        cmocka_unit_test(test_rng__uniform_is_word_over_2_32),
        cmocka_unit_test(test_rng__uniform_in_unit_interval),
        cmocka_unit_test(test_rng__gaussian_mean_and_variance),
        cmocka_unit_test(test_rng__exponential_mean),
        cmocka_unit_test(test_rng__uniform_chi_square),
        cmocka_unit_test(test_rng__neighbouring_keys_uncorrelated),
        cmocka_unit_test(test_rng__neighbouring_keys_do_not_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
