/* conflux analyze's metrics and estimators: a hand-built series gives the metrics worked
 * out by hand, a price that never settles is "not recovered", percentiles interpolate as
 * numpy's, the Sobol estimators recover the Ishigami function's analytic indices, a design
 * that is not Saltelli's is refused, and regression coefficients match a known linear model.
 * (Reading files is tested end to end in tests/cli/analyze.sh.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "analysis/analyze.h"
#include "check.h"

/* Sums of a few hundred numbers that are exact in binary (or nearly): 1e-9 leaves room for
 * rounding in the means, and a wrong day or a wrong threshold moves a value by 1 or more. */
#define TOL 1e-9
#define PI 3.14159265358979323846

#define DAYS 120
#define NODES 3
#define GROUPS 2

/* One product over 120 days, worked out by hand:
 * price 100 USD/kg on days 0-29 (the baseline), +5 a day on days 30-39 up to 150 on day 39,
 * 130 on days 40-59, then 103 (inside the 5 % band) to the end;
 * shortfall 2 t/day on days 30-59 and 5 on day 45; demand 10 t/day throughout;
 * gates: node 1 carries 1 t/day, node 2 0.5 t/day, node 0 is not a gate;
 * group 0 earns 1000 USD/day for 30 days then 500, group 1 nothing;
 * deliveries by controller: 3 and 1 t/day. */
typedef struct fixture {
    double price[DAYS], demand[DAYS], shortfall[DAYS];
    double throughput[DAYS * NODES], revenue[DAYS * GROUPS], by_ctrl[DAYS * GROUPS];
    unsigned char is_gate[NODES];
    cfx_series s;
} fixture;

static void fixture_init(fixture *f)
{
    for (int d = 0; d < DAYS; d++) {
        f->price[d] = d < 30 ? 100 : d < 40 ? 100 + 5 * (d - 29) : d < 60 ? 130 : 103;
        f->demand[d] = 10;
        f->shortfall[d] = d == 45 ? 5 : (d >= 30 && d < 60 ? 2 : 0);
        f->throughput[d * NODES + 0] = 7;
        f->throughput[d * NODES + 1] = 1;
        f->throughput[d * NODES + 2] = 0.5;
        f->revenue[d * GROUPS + 0] = d < 30 ? 1000 : 500;
        f->revenue[d * GROUPS + 1] = 0;
        f->by_ctrl[d * GROUPS + 0] = 3;
        f->by_ctrl[d * GROUPS + 1] = 1;
    }
    f->is_gate[0] = 0;
    f->is_gate[1] = f->is_gate[2] = 1;
    f->s = (cfx_series){.n_days = DAYS,
                        .n_products = 1,
                        .n_nodes = NODES,
                        .n_groups = GROUPS,
                        .price = f->price,
                        .demand = f->demand,
                        .shortfall = f->shortfall,
                        .node_throughput = f->throughput,
                        .group_revenue = f->revenue,
                        .delivered_by_controller = f->by_ctrl,
                        .is_gate = f->is_gate};
}

static void test_analyze__known_series_give_known_metrics(void **state)
{
    fixture f;
    cfx_metrics m;
    cfx_error err = {0};
    fixture_init(&f);
    assert_int_equal(cfx_metrics_compute(&m, &f.s, NULL, &err), 0);
    const cfx_product_metrics *p = &m.products[0];
    assert_near(p->baseline_usd_per_kg, 100, TOL);
    assert_near(p->peak_usd_per_kg, 150, TOL);
    assert_int_equal(p->peak_day, 39);
    assert_near(p->peak_change_pct, 50, TOL);
    assert_int_equal(p->days_above, 6 + 20); /* 125..150 on days 34-39, 130 on days 40-59 */
    assert_near(p->shortfall_t, 30 * 2 + 3, TOL);
    assert_near(p->shortfall_share, 63.0 / (10 * DAYS), TOL);
    assert_int_equal(p->worst_day, 45);
    assert_near(p->worst_shortfall_t_per_day, 5, TOL);
    assert_int_equal(p->recovery_day, 60);
    assert_int_equal(m.n_gates, 2);
    assert_near(m.gate_t[0], 1.0 * DAYS, TOL);
    assert_near(m.gate_t[1], 0.5 * DAYS, TOL);
    assert_near(m.groups[0].first_month_usd_per_day, 1000, TOL);
    assert_near(m.groups[0].last_month_usd_per_day, 500, TOL);
    assert_near(m.groups[0].revenue_change_pct, -50, TOL);
    assert_near(m.groups[0].revenue_usd, 30 * 1000 + 90 * 500, TOL);
    assert_near(m.groups[0].revenue_vs_first_month_usd, 90 * (500 - 1000), TOL);
    assert_near(m.groups[1].revenue_change_pct, 0, TOL);
    assert_near(m.groups[0].provenance_share, 0.75, TOL);
    assert_near(m.groups[1].provenance_share, 0.25, TOL);
    cfx_metrics_free(&m);
}

static void test_analyze__price_that_stays_high_is_not_recovered(void **state)
{
    fixture f;
    cfx_metrics m;
    cfx_error err = {0};
    fixture_init(&f);
    for (int d = 60; d < DAYS; d++)
        f.price[d] = 106; /* 6 % above baseline: outside the band */
    f.price[DAYS - 1] = 100;
    assert_int_equal(cfx_metrics_compute(&m, &f.s, NULL, &err), 0);
    assert_int_equal(m.products[0].recovery_day, -1);
    /* flattened for a sweep, "not recovered" counts as the run's length */
    const char product[1][CFX_ANALYZE_NAME] = {"Dy2O3"}, gate[2][CFX_ANALYZE_NAME] = {"G1", "G2"},
               group[2][CFX_ANALYZE_NAME] = {"KIA", "SAC"};
    size_t n = cfx_metrics_flatten(&m, product, gate, group, NULL, NULL);
    char(*names)[CFX_ANALYZE_METRIC] = calloc(n, sizeof *names);
    double *v = calloc(n, sizeof *v);
    assert_int_equal(cfx_metrics_flatten(&m, product, gate, group, names, v), n);
    assert_int_equal(n, 11 + 2 + 1 + 5 * 2); /* 11 metrics a product, one a gate, the queue, 5 a group */
    size_t i = 0;
    while (i < n && strcmp(names[i], "Dy2O3.recovery_day") != 0)
        i++;
    assert_true(i < n);
    assert_near(v[i], DAYS, 0);
    assert_string_equal(names[11], "gate.G1.t");
    assert_string_equal(names[n - 1], "group.SAC.seizure_loss_usd");
    free(names);
    free(v);
    cfx_metrics_free(&m);
}

static void test_analyze__stated_baseline_window(void **state)
{
    fixture f;
    cfx_metrics m;
    cfx_error err = {0};
    fixture_init(&f);
    cfx_analyze_opts o = {.baseline_from = 60, .baseline_days = 30};
    assert_int_equal(cfx_metrics_compute(&m, &f.s, &o, &err), 0);
    assert_near(m.products[0].baseline_usd_per_kg, 103, TOL);
    assert_near(m.products[0].peak_change_pct, 100 * (150 / 103.0 - 1), TOL);
    cfx_metrics_free(&m);
    /* a window past the end is refused, naming the days */
    o.baseline_from = 100;
    assert_int_equal(cfx_metrics_compute(&m, &f.s, &o, &err), CFX_EINVAL);
    assert_non_null(strstr(err.msg, "days 100..129"));
}

static void test_analyze__quantiles_interpolate_and_skip_nan(void **state)
{
    double x[] = {5, NAN, 1, 4, 2, 3}, work[6];
    assert_near(cfx_quantile(x, 6, 1, 0.05, work), 1.2, 1e-12);
    assert_near(cfx_quantile(x, 6, 1, 0.50, work), 3.0, 1e-12);
    assert_near(cfx_quantile(x, 6, 1, 0.95, work), 4.8, 1e-12);
    double y[] = {1, 10, 2, 20, 3, 30}; /* every second value: 1, 2, 3 */
    assert_near(cfx_quantile(y, 3, 2, 0.5, work), 2.0, 1e-12);
    double none[] = {NAN, INFINITY};
    assert_true(isnan(cfx_quantile(none, 2, 1, 0.5, work)));
}

static double ishigami(const double *u)
{
    const double a = 7, b = 0.1;
    double x1 = -PI + 2 * PI * u[0], x2 = -PI + 2 * PI * u[1], x3 = -PI + 2 * PI * u[2];
    return sin(x1) + a * sin(x2) * sin(x2) + b * pow(x3, 4) * sin(x1);
}

/* Ishigami & Homma (1990), a = 7, b = 0.1, x uniform on [-pi, pi]^3: the analytic variance
 * shares (Sobol' & Levitan 1999). With 8192 Saltelli blocks from a Sobol sequence the
 * estimators land within 0.001 of them here; 0.02 allows for another sequence while
 * failing on a wrong estimator (Sobol's 1993 first-order form, or the total index
 * without the 1/2, are off by more than 0.1). */
#define ISHIGAMI_TOL 0.02

static void test_analyze__sobol_recovers_ishigami_indices(void **state)
{
    const size_t n = 8192, k = 3;
    double *x = malloc(n * (k + 2) * k * sizeof *x), *y = malloc(n * (k + 2) * sizeof *y);
    double first[3], total[3];
    cfx_error err = {0};
    assert_int_equal(cfx_saltelli_design(x, n, k, &err), 0);
    assert_int_equal(cfx_saltelli_check(x, n, k, &err), 0);
    for (size_t p = 0; p < n * (k + 2); p++)
        y[p] = ishigami(x + p * k);
    assert_int_equal(cfx_sobol_indices(y, n, k, first, total), n);
    const double a = 7, b = 0.1, pi4 = pow(PI, 4), pi8 = pow(PI, 8);
    double V = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;
    double V1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5), V2 = a * a / 8;
    double V13 = b * b * pi8 * (1.0 / 18 - 1.0 / 50);
    assert_near(first[0], V1 / V, ISHIGAMI_TOL);
    assert_near(first[1], V2 / V, ISHIGAMI_TOL);
    assert_near(first[2], 0, ISHIGAMI_TOL);
    assert_near(total[0], (V1 + V13) / V, ISHIGAMI_TOL);
    assert_near(total[1], V2 / V, ISHIGAMI_TOL);
    assert_near(total[2], V13 / V, ISHIGAMI_TOL);
    /* an offset as large as a price level changes nothing (the estimator is centred) */
    for (size_t p = 0; p < n * (k + 2); p++)
        y[p] += 1000;
    cfx_sobol_indices(y, n, k, first, total);
    assert_near(first[0], V1 / V, ISHIGAMI_TOL);
    assert_near(total[2], V13 / V, ISHIGAMI_TOL);
    /* a failed member (NaN) drops its block, and the rest still estimate */
    y[7] = NAN;
    assert_int_equal(cfx_sobol_indices(y, n, k, first, total), n - 1);
    assert_near(first[1], V2 / V, ISHIGAMI_TOL);
    free(x);
    free(y);
}

static void test_analyze__sobol_bootstrap_intervals_cover_the_truth_and_narrow(void **state)
{
    /* With 256 blocks the 95 % intervals hold the analytic Ishigami indices; with 4096
     * blocks they are at least three times narrower (the width goes as 1/sqrt(blocks)). */
    const size_t k = 3, sizes[2] = {256, 4096};
    const double a = 7, b = 0.1, pi4 = pow(PI, 4), pi8 = pow(PI, 8);
    double V = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;
    double V1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5), V2 = a * a / 8;
    double V13 = b * b * pi8 * (1.0 / 18 - 1.0 / 50);
    const double truth[6] = {V1 / V, V2 / V, 0, (V1 + V13) / V, V2 / V, V13 / V};
    double width[2] = {0, 0};
    for (int s = 0; s < 2; s++) {
        size_t n = sizes[s];
        double *x = malloc(n * (k + 2) * k * sizeof *x), *y = malloc(n * (k + 2) * sizeof *y);
        double lo[6], hi[6], lo2[6], hi2[6];
        cfx_error err = {0};
        assert_int_equal(cfx_saltelli_design(x, n, k, &err), 0);
        for (size_t p = 0; p < n * (k + 2); p++)
            y[p] = ishigami(x + p * k);
        assert_int_equal(cfx_sobol_bootstrap(y, n, k, 400, lo, hi), 0);
        for (int c = 0; c < 6; c++) {
            if (s == 0 && !(lo[c] <= truth[c] && truth[c] <= hi[c]))
                fail_msg("index %d: %g outside [%g, %g]", c, truth[c], lo[c], hi[c]);
            width[s] += hi[c] - lo[c];
        }
        /* the same data give the same intervals (a fixed key, no clock or thread) */
        assert_int_equal(cfx_sobol_bootstrap(y, n, k, 400, lo2, hi2), 0);
        assert_memory_equal(lo, lo2, sizeof lo);
        assert_memory_equal(hi, hi2, sizeof hi);
        free(x);
        free(y);
    }
    assert_true(width[1] * 3 < width[0]);
}

static void test_analyze__design_that_is_not_saltelli_is_refused(void **state)
{
    const size_t n = 4, k = 2;
    double x[4 * 4 * 2];
    cfx_error err = {0};
    assert_int_equal(cfx_saltelli_design(x, n, k, &err), 0);
    x[(1 * (k + 2) + 1) * k + 1] += 0.25; /* block 1, A_B^1: its 2nd parameter is not A's */
    assert_int_equal(cfx_saltelli_check(x, n, k, &err), CFX_EINVAL);
    assert_non_null(strstr(err.msg, "design point 5 is not A_B^1 of block 1"));
    assert_int_equal(cfx_saltelli_design(x, n, 21, &err), CFX_EINVAL);
}

static void test_analyze__src_of_a_linear_model(void **state)
{
    /* y = 2 x1 - x2 on a full 5 x 3 grid (x1 and x2 uncorrelated), so
     * SRC1 = 2 sd1 / sd_y and SRC2 = -sd2 / sd_y with sd_y^2 = 4 sd1^2 + sd2^2; R^2 = 1. */
    double x[15 * 3], y[15], src[3], r2;
    size_t r = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 3; j++, r++) {
            x[r * 3 + 0] = i;      /* 0..4, three times each */
            x[r * 3 + 1] = 10 * j; /* 0, 10, 20, five times each */
            x[r * 3 + 2] = 7;      /* constant: no sensitivity */
            y[r] = 2 * i - 10 * j;
        }
    assert_int_equal(cfx_src(x, y, 15, 3, src, &r2), 0);
    double v1 = 2.0 * 15 / 14, v2 = 100.0 * 2 / 3 * 15 / 14; /* sample variances */
    double sd_y = sqrt(4 * v1 + v2);
    assert_near(src[0], 2 * sqrt(v1) / sd_y, 1e-9);
    assert_near(src[1], -sqrt(v2) / sd_y, 1e-9);
    assert_true(isnan(src[2]));
    assert_near(r2, 1, 1e-9);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze__known_series_give_known_metrics),
        cmocka_unit_test(test_analyze__price_that_stays_high_is_not_recovered),
        cmocka_unit_test(test_analyze__stated_baseline_window),
        cmocka_unit_test(test_analyze__quantiles_interpolate_and_skip_nan),
        cmocka_unit_test(test_analyze__sobol_recovers_ishigami_indices),
        cmocka_unit_test(test_analyze__sobol_bootstrap_intervals_cover_the_truth_and_narrow),
        cmocka_unit_test(test_analyze__design_that_is_not_saltelli_is_refused),
        cmocka_unit_test(test_analyze__src_of_a_linear_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
