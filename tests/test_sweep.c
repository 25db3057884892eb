/* Sweep files: each design expands to the expected members in the documented order, seeds
 * are derived from (base seed, member index), and bad sweep files give located errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_qrng.h>

#include "sweep/sweep.h"

#define SCENARIO CFX_TEST_DATA "/sweep/kachin-90d.yaml"
#define SWEEP(name) CFX_TEST_DATA "/sweep/" name

static cfx_sweep *load_ok(const char *path)
{
    cfx_sweep *sw = NULL;
    cfx_diags d = {0};
    int rc = cfx_sweep_load(&sw, SCENARIO, path, &d);
    for (size_t i = 0; i < d.n; i++)
        printf("unexpected: %d:%d: %s\n", d.v[i].line, d.v[i].col, d.v[i].msg);
    assert_int_equal(rc, 0);
    assert_non_null(sw);
    cfx_diags_free(&d);
    return sw;
}

static double value(const cfx_sweep *sw, size_t m, size_t p)
{
    return strtod(sw->values[m * sw->n_params + p], NULL);
}

static void test_sweep__grid_last_parameter_fastest_replicates_innermost(void **state)
{
    cfx_sweep *sw = load_ok(SWEEP("grid.yaml"));
    static const double rate[3] = {0.02, 0.04, 0.08}, closure[2] = {0.0, 0.1};
    assert_int_equal(sw->n_points, 6);
    assert_int_equal(sw->n_members, 12);
    for (size_t m = 0; m < 12; m++) {
        size_t pt = m / 2;
        assert_float_equal(value(sw, m, 0), rate[pt / 2], 0);
        assert_float_equal(value(sw, m, 1), closure[pt % 2], 0);
    }
    /* the kachin-2025 base seed, through cfx_sweep_member_seed, all different */
    assert_int_equal(sw->base_seed, 20251101);
    for (size_t m = 0; m < 12; m++) {
        assert_int_equal(sw->seed[m], cfx_sweep_member_seed(20251101, m));
        assert_true(sw->seed[m] < (1ULL << 53));
        for (size_t j = 0; j < m; j++)
            assert_true(sw->seed[m] != sw->seed[j]);
    }
    cfx_sweep_free(sw);
}

static void test_sweep__list_takes_ith_values_together(void **state)
{
    cfx_sweep *sw = load_ok(SWEEP("list.yaml"));
    static const double a[3] = {0.01, 0.05, 0.2}, b[3] = {0.1, 0.3, 0.9};
    assert_int_equal(sw->n_members, 3);
    for (size_t m = 0; m < 3; m++) {
        assert_float_equal(value(sw, m, 0), a[m], 0);
        assert_float_equal(value(sw, m, 1), b[m], 0);
    }
    cfx_sweep_free(sw);
}

/* The sobol design is Saltelli's, which conflux analyze needs for Sobol indices: for each of
 * the `samples` base samples j, a block of k + 2 points A_j, A_B^1_j ... A_B^k_j, B_j, where
 * A_j and B_j are the first and last k coordinates of point j + 1 of GSL's 2k-dimensional
 * Sobol sequence (point 0, the centre of the cube, is skipped) and A_B^i_j is A_j with
 * parameter i from B_j; each scaled to its range, replicates innermost. days_min is
 * `integer: true`, so its values are rounded. */
static void test_sweep__sobol_is_saltelli_design_from_gsl_sequence(void **state)
{
    enum { N = 8, K = 3, R = 2 };
    static const double lo[K] = {0.0, 10, 0.1}, hi[K] = {0.1, 60, 0.5};
    cfx_sweep *sw = load_ok(SWEEP("sobol.yaml"));
    assert_int_equal(sw->samples, N);
    assert_int_equal(sw->replicates, R);
    assert_int_equal(sw->n_points, N * (K + 2));
    assert_int_equal(sw->n_members, N * (K + 2) * R);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 2 * K);
    double v[2 * K];
    gsl_qrng_get(q, v); /* the centre, skipped */
    for (size_t j = 0; j < N; j++) {
        gsl_qrng_get(q, v);
        for (size_t c = 0; c < K + 2; c++)
            for (size_t r = 0; r < R; r++) {
                size_t m = (j * (K + 2) + c) * R + r;
                for (size_t i = 0; i < K; i++) {
                    int from_b = c == K + 1 || c == i + 1;
                    double want = lo[i] + v[from_b ? K + i : i] * (hi[i] - lo[i]);
                    if (i == 1)
                        want = (double)llround(want);
                    /* the text reads back as exactly the scaled double */
                    assert_true(value(sw, m, i) == want);
                }
                assert_null(strchr(sw->values[m * K + 1], '.'));
            }
    }
    gsl_qrng_free(q);
    /* By hand: GSL's points 1 and 2 are (3/4, 1/4, 3/4, 1/4, 3/4, 1/4) and its mirror, so
     * A_0 = (3/4, 1/4, 3/4) and B_0 = (1/4, 3/4, 1/4) of each range; A_B^1_0 takes its first
     * parameter from B_0 and keeps the rest of A_0; A_1 starts at 1/4 */
    assert_float_equal(value(sw, 0, 0), 0.075, 1e-15);
    assert_float_equal(value(sw, 0, 1), 23, 0); /* 10 + 50/4 = 22.5, rounded */
    assert_float_equal(value(sw, R, 0), 0.025, 1e-15);
    assert_float_equal(value(sw, R, 2), 0.4, 1e-15);
    assert_float_equal(value(sw, (K + 1) * R, 2), 0.2, 1e-15);
    assert_float_equal(value(sw, (K + 2) * R, 0), 0.025, 1e-15);
    cfx_sweep_free(sw);
}

/* More than 20 parameters cannot make Saltelli's design from GSL's 40 Sobol dimensions: the
 * sweep is refused at its parameter list. */
static void test_sweep__sobol_with_21_parameters_refused(void **state)
{
    cfx_sweep *sw = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_sweep_load(&sw, SCENARIO, SWEEP("bad-sobol-21.yaml"), &d), CFX_EINVAL);
    assert_null(sw);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].line, 5); /* the list of parameters */
    assert_int_equal(d.v[0].col, 3);
    assert_non_null(strstr(d.v[0].msg, "sobol takes at most 20 parameters, got 21"));
    cfx_diags_free(&d);
}

/* Latin hypercube: in every dimension each of the n equal strata holds exactly one sample;
 * the same seed gives the same design. */
static void test_sweep__lhs_one_sample_per_stratum(void **state)
{
    cfx_sweep *sw = load_ok(SWEEP("lhs.yaml")), *again = load_ok(SWEEP("lhs.yaml"));
    static const double lo[2] = {0.0, 0.2}, hi[2] = {0.1, 0.4};
    size_t n = 10;
    assert_int_equal(sw->n_members, n);
    for (size_t p = 0; p < 2; p++) {
        int seen[10] = {0};
        for (size_t m = 0; m < n; m++) {
            double u = (value(sw, m, p) - lo[p]) / (hi[p] - lo[p]);
            assert_true(u >= 0 && u < 1);
            seen[(size_t)(u * (double)n)]++;
            assert_string_equal(sw->values[m * 2 + p], again->values[m * 2 + p]);
        }
        for (size_t s = 0; s < n; s++)
            assert_int_equal(seen[s], 1);
    }
    cfx_sweep_free(sw);
    cfx_sweep_free(again);
}

static void expect_error(const char *file, int line, int col, const char *text)
{
    cfx_sweep *sw = NULL;
    cfx_diags d = {0};
    int rc = cfx_sweep_load(&sw, SCENARIO, file, &d);
    assert_int_equal(rc, CFX_EINVAL);
    assert_null(sw);
    assert_true(d.n >= 1);
    printf("%s:%d:%d: %s\n", d.v[0].file, d.v[0].line, d.v[0].col, d.v[0].msg);
    assert_non_null(strstr(d.v[0].file, "/sweep/bad-"));
    assert_int_equal(d.v[0].line, line);
    assert_int_equal(d.v[0].col, col);
    assert_non_null(strstr(d.v[0].msg, text));
    cfx_diags_free(&d);
}

static void test_sweep__unknown_path_is_located(void **state)
{
    expect_error(SWEEP("bad-path.yaml"), 5, 11,
                 "parameter 'conflict.offensive.atack_rate' is not in the scenario");
}

static void test_sweep__value_of_wrong_type_is_located(void **state)
{
    /* days_min is a number in the scenario: 20 and 20.5 fit, 'many' (column 24) does not */
    cfx_sweep *sw = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_sweep_load(&sw, SCENARIO, SWEEP("bad-type.yaml"), &d), CFX_EINVAL);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].line, 4);
    assert_int_equal(d.v[0].col, 24);
    assert_string_equal(d.v[0].msg,
                        "'conflict.closures.days_min' is a number in the scenario, got 'many'");
    cfx_diags_free(&d);
}

static void test_sweep__time_axis_and_list_lengths_refused(void **state)
{
    expect_error(SWEEP("bad-refused.yaml"), 3, 11, "'days' cannot be swept");
    expect_error(SWEEP("bad-list.yaml"), 6, 13, "different number of values");
    expect_error(SWEEP("bad-design.yaml"), 1, 9, "'design' must be grid, list, sobol or lhs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep__grid_last_parameter_fastest_replicates_innermost),
        cmocka_unit_test(test_sweep__list_takes_ith_values_together),
        cmocka_unit_test(test_sweep__sobol_is_saltelli_design_from_gsl_sequence),
        cmocka_unit_test(test_sweep__sobol_with_21_parameters_refused),
        cmocka_unit_test(test_sweep__lhs_one_sample_per_stratum),
        cmocka_unit_test(test_sweep__unknown_path_is_located),
        cmocka_unit_test(test_sweep__value_of_wrong_type_is_located),
        cmocka_unit_test(test_sweep__time_axis_and_list_lengths_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
