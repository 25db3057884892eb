/* The market model: a flat price at baseline, the closed-form steady state under a constant
 * supply cut, smaller spikes with more elastic demand, a reserve that defends its triggers,
 * other supply that ramps no faster than its bound, and prices that stay finite and
 * clipped for any parameters. Most tests drive the model directly with exact deliveries
 * (a "bench"); its parameters still come from a fixture scenario through configure. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "check.h"
#include "core/date.h"
#include "engine/model.h"
#include "fixture.h"
#include "engine/world_impl.h"

extern const cfx_model_type cfx_model_market;

#define FLAT CFX_TEST_DATA "/market/flat.yaml"
#define BAD_RATIO CFX_TEST_DATA "/market/bad-release-ratio.yaml"
#define DY "market.products.Dy2O3."

/* Relative tolerance on prices and stocks once a run has settled: 1e4 times the root
 * finder's tolerance on ln(P/P0) (1e-13), far below any modelling difference (a wrong
 * exponent or an off-by-one day moves these values by 1e-3 or more). */
#define REL_TOL 1e-9

/* The fixture's Dy2O3: D0 0.8 t/day, O0 0.3 t/day, P0 200 USD/kg; the network's share of
 * demand is 0.5 t/day. */
#define D0 0.8
#define O0 0.3
#define NET (D0 - O0)
#define P0 200.0

/* The market model alone, fed exact deliveries each day. */
typedef struct bench {
    cfx_scenario *s;
    cfx_world *w; /* only for cfx_world_scenario */
    void *state;
    long day;
    double delivered[CFX_MAX_PRODUCTS]; /* t/day of oxide */
    double price[CFX_MAX_PRODUCTS], demand[CFX_MAX_PRODUCTS], supply[CFX_MAX_PRODUCTS],
        shortfall[CFX_MAX_PRODUCTS], inventory[CFX_MAX_PRODUCTS];
    cfx_market_obs obs;
} bench;

/* Overrides common to the bench tests: no processing delay, no other-supply response, no
 * reserve, adjustment in one day; each test adds its own after these (later ones win). */
static const cfx_override plain[] = {{"market.processing_days", "0"},
                                     {DY "other_supply_elasticity", "0"},
                                     {DY "reserve_t", "0"},
                                     {DY "stock_adjustment_days", "1"}};

static bench *bench_open(const cfx_override *ov, size_t n_ov)
{
    cfx_override all[32];
    size_t n = 0;
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        all[n++] = plain[i];
    assert_true(n + n_ov <= sizeof all / sizeof *all);
    for (size_t i = 0; i < n_ov; i++)
        all[n++] = ov[i];
    bench *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->s = cfx_test_load(FLAT, all, n);
    b->w = cfx_test_world(b->s, 1);
    const cfx_model_type *const *models = cfx_models_default();
    const void *params = NULL;
    for (size_t i = 0; models[i]; i++)
        if (models[i] == &cfx_model_market)
            params = b->s->model_params[i];
    assert_non_null(params);
    b->state = calloc(1, cfx_model_market.state_size);
    assert_non_null(b->state);
    cfx_error err;
    assert_int_equal(cfx_model_market.init(b->state, b->w, params, &err), 0);
    b->obs = (cfx_market_obs){.price_usd_per_kg = b->price,
                              .demand_t_per_day = b->demand,
                              .supply_t_per_day = b->supply,
                              .shortfall_t_per_day = b->shortfall,
                              .inventory_t = b->inventory};
    return b;
}

/* One day with dy_t of Dy2O3 delivered; Tb4O7 gets its baseline 0.25 - 0.15 t/day. */
static void bench_day(bench *b, double dy_t)
{
    b->delivered[0] = dy_t;
    b->delivered[1] = 0.1;
    cfx_step_ctx ctx = {.step = b->day * 4 + 3,
                        .day = b->day,
                        .step_hours = 6,
                        .market = &b->obs,
                        .delivered_t = b->delivered};
    cfx_cmdbuf out = {0};
    cfx_model_market.step(b->state, b->w, &ctx, &out);
    assert_int_equal(out.n, 0); /* the market writes no commands */
    free(out.v);
    b->day++;
}

static void bench_close(bench *b)
{
    cfx_model_market.free(b->state);
    free(b->state);
    cfx_world_free(b->w);
    cfx_scenario_free(b->s);
    free(b);
}

/* A scenario without disruptions: the whole engine on the fixture, every market feature on
 * (processing delay, other-supply response, reserve with both triggers, slow adjustment).
 * Deliveries equal demand less other supply from day 0, so nothing may move. */
static void test_market__baseline_run_stays_at_p0(void **state)
{
    cfx_scenario *s = cfx_test_load(FLAT, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    const double reserve_t[2] = {10, 2};
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        for (size_t p = 0; p < s->n_products; p++) {
            const cfx_product *pr = &s->products[p];
            double d0 = pr->demand_t_per_day;
            assert_near(w->obs.price[p], pr->price_usd_per_kg, REL_TOL * pr->price_usd_per_kg);
            assert_near(w->obs.demand[p], d0, REL_TOL * d0);
            assert_near(w->obs.supply[p], d0, REL_TOL * d0);
            assert_near(w->obs.shortfall[p], 0, REL_TOL * d0);
            /* processors at their 60 days of cover, plus the untouched reserve */
            assert_near(w->obs.inventory[p], 60 * d0 + reserve_t[p], REL_TOL * 60 * d0);
        }
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* The same at baseline on the bench for ten years with every feature on: no drift. */
static void test_market__baseline_bench_flat_for_ten_years(void **state)
{
    const cfx_override ov[] = {{DY "other_supply_elasticity", "1"},
                               {DY "reserve_t", "10"},
                               {DY "stock_adjustment_days", "5"}};
    bench *b = bench_open(ov, 3);
    for (int d = 0; d < 3650; d++) {
        bench_day(b, NET);
        assert_near(b->price[0], P0, REL_TOL * P0);
        assert_near(b->price[1], 800, REL_TOL * 800);
        assert_near(b->inventory[0], 60 * D0 + 10, REL_TOL * 60 * D0);
    }
    bench_close(b);
}

/* Closed form (models/doc-market.md): with deliveries cut by C t/day forever, no reserve and
 * no other-supply response, stocks settle where demand equals supply,
 *   P_ss = P0 (1 - C/D0)^(-1/eps),   I_ss = cover_days D0 (1 - C/D0)^(1/(eps x)),
 * whatever the adjustment time; consumption = D0 - C, so the shortfall is C. Here C = 0.2 D0,
 * eps = 0.5, x = 1, cover 10 days: P_ss = 1.5625 P0, I_ss = 5.12 t. The gap shrinks each day
 * by 1/(1 + a eps x S / I_ss) = 1/(1 + a/16): after 2000 days it is below 1e-50. */
static void check_steady_state(const char *adj_days)
{
    const cfx_override ov[] = {{DY "demand_elasticity", "0.5"},
                               {DY "cover_price_exponent", "1"},
                               {DY "cover_days", "10"},
                               {DY "initial_cover_days", "10"},
                               {DY "stock_adjustment_days", adj_days}};
    bench *b = bench_open(ov, 5);
    const double cut = 0.2 * D0, eps = 0.5, x = 1, cover = 10;
    double p_ss = P0 * pow(1 - cut / D0, -1 / eps);
    double i_ss = cover * D0 * pow(1 - cut / D0, 1 / (eps * x));
    assert_near(p_ss, 312.5, 1e-12);
    assert_near(i_ss, 5.12, 1e-12);
    for (int d = 0; d < 2000; d++)
        bench_day(b, NET - cut);
    assert_near(b->price[0], p_ss, REL_TOL * p_ss);
    assert_near(b->inventory[0], i_ss, REL_TOL * i_ss);
    assert_near(b->demand[0], D0 - cut, REL_TOL * D0);
    assert_near(b->supply[0], D0 - cut, REL_TOL * D0);
    assert_near(b->shortfall[0], cut, REL_TOL * D0);
    bench_close(b);
}

static void test_market__steady_state_under_cut_matches_closed_form(void **state)
{
    check_steady_state("1");
    check_steady_state("5");
    check_steady_state("30");
}

/* With no demand response there is no steady state below the ceiling: the price ends at
 * price_max_ratio x P0, stocks at zero, and the whole cut is short. */
static void test_market__inelastic_demand_ends_at_ceiling_with_cut_short(void **state)
{
    const cfx_override ov[] = {
        {DY "demand_elasticity", "0"}, {DY "cover_days", "10"}, {DY "initial_cover_days", "10"}};
    bench *b = bench_open(ov, 3);
    const double cut = 0.2 * D0;
    for (int d = 0; d < 1000; d++)
        bench_day(b, NET - cut);
    assert_near(b->price[0], 5 * P0, REL_TOL * P0);
    assert_near(b->inventory[0], 0, REL_TOL * D0);
    assert_near(b->shortfall[0], cut, REL_TOL * D0);
    bench_close(b);
}

/* With adjustment in one day, processors end each day at their target stock, so the price is
 * the cover rule of the first model: P = P0 (I / (cover_days D0))^(-cover_price_exponent). */
static void test_market__one_day_adjustment_gives_cover_rule(void **state)
{
    const cfx_override ov[] = {{DY "cover_price_exponent", "0.5"},
                               {DY "cover_days", "20"},
                               {DY "initial_cover_days", "20"}};
    bench *b = bench_open(ov, 3);
    for (int d = 0; d < 60; d++) {
        bench_day(b, d < 30 ? 0 : NET);
        double rule = P0 * pow(b->inventory[0] / (20 * D0), -0.5);
        assert_near(b->price[0], rule, REL_TOL * rule);
    }
    assert_true(b->price[0] > 1.1 * P0);
    bench_close(b);
}

/* Peak price over a 90-day stop of all network deliveries (62.5 % of supply), then 300 days
 * of normal deliveries. */
static double peak_after_stop(const char *eps, const cfx_override *extra, size_t n_extra,
                              double *price, double *supply, double *inventory, double *demand)
{
    cfx_override ov[8] = {{DY "demand_elasticity", eps}};
    size_t n = 1;
    for (size_t i = 0; i < n_extra; i++)
        ov[n++] = extra[i];
    bench *b = bench_open(ov, n);
    double peak = 0;
    for (int d = 0; d < 390; d++) {
        bench_day(b, d < 90 ? 0 : NET);
        peak = fmax(peak, b->price[0]);
        if (price) {
            price[d] = b->price[0];
            supply[d] = b->supply[0];
            inventory[d] = b->inventory[0];
            demand[d] = b->demand[0];
        }
    }
    bench_close(b);
    return peak;
}

static void test_market__higher_elasticity_smaller_spike(void **state)
{
    double p0 = peak_after_stop("0", NULL, 0, NULL, NULL, NULL, NULL);
    double p1 = peak_after_stop("0.1", NULL, 0, NULL, NULL, NULL, NULL);
    double p5 = peak_after_stop("0.5", NULL, 0, NULL, NULL, NULL, NULL);
    assert_true(p5 > 1.05 * P0); /* a real spike even with the most elastic demand */
    assert_true(p1 > p5);
    assert_true(p0 > p1);
}

/* The reserve (10 t, up to 0.6 t/day above 1.2 P0; buys up to 0.3 t/day below 0.9 P0) on the
 * same stop, followed by a glut (1.5 x the network's share) that lets it buy back. Its rates
 * exceed the cut and the glut, so a partial release holds the price at the trigger until the
 * reserve is spent, and partial purchases hold it at the buy trigger until it is full again. R is
 * read from the reported supply: deliveries + O0 + R here. */
static void test_market__reserve_releases_above_trigger_and_lowers_peak(void **state)
{
    const cfx_override on[] = {{DY "reserve_t", "10"},
                               {DY "reserve_release_t_per_day", "0.6"},
                               {DY "reserve_release_ratio", "1.2"},
                               {DY "reserve_buy_t_per_day", "0.3"},
                               {DY "reserve_buy_ratio", "0.9"}};
    double peak_off = peak_after_stop("0.2", NULL, 0, NULL, NULL, NULL, NULL);
    double peak_on = peak_after_stop("0.2", on, 5, NULL, NULL, NULL, NULL);
    assert_true(peak_off > 1.3 * P0); /* the stop alone passes the trigger */
    assert_true(peak_on < peak_off);

    const cfx_override ov[] = {{DY "demand_elasticity", "0.2"}, on[0], on[1], on[2], on[3], on[4]};
    bench *b = bench_open(ov, 6);
    double held = 10, inv_before = 60 * D0 + 10; /* reserve, t; processors' and reserve, t */
    double released = 0, bought = 0;
    int pegged = 0, pegged_low = 0; /* days of partial release (purchase) at the trigger */
    const double trig = 1.2 * P0, buy = 0.9 * P0, tol = REL_TOL * P0;
    for (int d = 0; d < 600; d++) {
        double deliv = d < 90 ? 0 : d < 200 ? NET : d < 400 ? 1.5 * NET : NET;
        bench_day(b, deliv);
        double r = b->supply[0] - deliv - O0, p = b->price[0];
        if (r > 1e-12) { /* releases only at or above the trigger, within its rate */
            assert_true(p >= trig - tol);
            assert_true(r <= 0.6 + 1e-12);
            released += r;
            pegged += r < 0.6 - 1e-9 && fabs(p - trig) <= tol;
        }
        if (r < -1e-12) { /* buys only at or below the buy trigger, within its rate */
            assert_true(p <= buy + tol);
            assert_true(-r <= 0.3 + 1e-12);
            bought -= r;
            pegged_low += -r < 0.3 - 1e-9 && fabs(p - buy) <= tol;
        }
        /* above the trigger it releases all it may */
        if (p > trig + tol)
            assert_near(r, fmin(0.6, held), 1e-9);
        held -= r;
        assert_true(held >= -1e-9 && held <= 10 + 1e-9);
        /* the day cleared: with one-day adjustment, the price is the cover rule on the
         * processors' stock (the reserve's excluded; fixture cover 60 days, exponent 0.5) */
        double rule = P0 * pow((b->inventory[0] - held) / (60 * D0), -0.5);
        assert_near(p, rule, 1e-6 * rule);
        /* stocks, the reserve included, change by supply less consumption (no rationing) */
        assert_near(b->inventory[0] - inv_before, deliv + O0 - b->demand[0], 1e-9);
        inv_before = b->inventory[0];
    }
    assert_true(released > 1);
    assert_true(bought > 0.5);
    assert_true(pegged >= 10);
    assert_true(pegged_low >= 10);
    bench_close(b);
}

/* Other supply (O0 0.3 t/day, elasticity 1) may change by at most 4 % of D0 a year:
 * 0.04 x 0.8 / 365 t/day per day. A 300-day stop drives the price far up, so the bound
 * binds on the way up; the glut afterwards brings the price below P0 and it binds down. */
static void test_market__other_supply_ramps_at_bounded_rate(void **state)
{
    const cfx_override ov[] = {{DY "other_supply_elasticity", "1"},
                               {DY "other_supply_ramp_share_per_year", "0.04"},
                               {DY "demand_elasticity", "0.2"}};
    bench *b = bench_open(ov, 3);
    const double rate = 0.04 * D0 / 365;
    double other_prev = O0, top = O0;
    int up_bound = 0, down_bound = 0;
    for (int d = 0; d < 1500; d++) {
        double deliv = d < 300 ? 0 : d < 600 ? 2 * NET : NET;
        bench_day(b, deliv);
        double other = b->supply[0] - deliv, step = other - other_prev;
        assert_true(fabs(step) <= rate * (1 + 1e-9) + 1e-15);
        up_bound += fabs(step - rate) < 1e-12;
        down_bound += fabs(step + rate) < 1e-12;
        top = fmax(top, other);
        other_prev = other;
    }
    assert_true(up_bound > 100);
    assert_true(down_bound > 10);
    assert_true(top > O0 + 100 * rate);
    bench_close(b);
}

/* Deliveries reach supply processing_days later: a stop from day 0 leaves the first 30 days
 * at P0 (the pipeline holds the baseline share), then moves the price. */
static void test_market__processing_delays_a_stop(void **state)
{
    const cfx_override ov[] = {{"market.processing_days", "30"}};
    bench *b = bench_open(ov, 1);
    for (int d = 0; d < 30; d++) {
        bench_day(b, 0);
        assert_near(b->price[0], P0, REL_TOL * P0);
        assert_near(b->supply[0], D0, REL_TOL * D0);
    }
    bench_day(b, 0);
    assert_near(b->supply[0], O0, REL_TOL * D0);
    assert_true(b->price[0] > P0 * (1 + 1e-6));
    bench_close(b);
}

/* Wild parameters and deliveries (a very steep stock target, demand elasticity 10, clip
 * bounds 1e-6 to 1e6, days with nothing and days with 1000 x demand): prices stay finite
 * and within the bounds, stocks non-negative. With exponent 0 the price is fixed at P0. */
static void test_market__extreme_parameters_stay_finite_and_bounded(void **state)
{
    const char *exps[] = {"0.01", "100", "0"};
    for (int k = 0; k < 3; k++) {
        const cfx_override ov[] = {
            {DY "cover_price_exponent", exps[k]}, {DY "demand_elasticity", "10"},
            {DY "price_min_ratio", "1e-6"},       {DY "price_max_ratio", "1e6"},
            {DY "stock_adjustment_days", "3650"}, {DY "initial_cover_days", "0"},
            {DY "other_supply_elasticity", "10"}, {DY "reserve_t", "5"}};
        bench *b = bench_open(ov, 8);
        for (int d = 0; d < 400; d++) {
            bench_day(b, (d / 50) % 2 ? 1000 * D0 : 0);
            double p = b->price[0];
            assert_true(isfinite(p) && p >= 1e-6 * P0 * (1 - 1e-12) && p <= 1e6 * P0 * (1 + 1e-12));
            assert_true(isfinite(b->inventory[0]) && b->inventory[0] >= 0);
            assert_true(isfinite(b->demand[0]) && isfinite(b->supply[0]));
            assert_true(b->shortfall[0] >= 0 && b->shortfall[0] <= D0);
            if (k == 2)
                assert_true(p == P0);
        }
        bench_close(b);
    }
}

/* A reserve trigger below P0 is refused with the key's position. */
static void test_market__bad_release_ratio_located(void **state)
{
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_scenario_load(&s, BAD_RATIO, NULL, 0, &d), CFX_EINVAL);
    assert_null(s);
    assert_int_equal(d.n, 1);
    assert_non_null(strstr(d.v[0].file, "bad-release-ratio.yaml"));
    assert_int_equal(d.v[0].line, 38);
    assert_int_equal(d.v[0].col, 30);
    assert_string_equal(d.v[0].msg, "'reserve_release_ratio' must be in [1, 1e6], got 0.8");
    cfx_diags_free(&d);
}

/* Expectations on (kappa 2, disruptions expected to last 45 days), no processing delay. */
#define EXPECT {DY "precautionary_share", "2"}, {DY "disruption_days", "45"}

/* News moves the price before any tonne stops: on day 10 buyers learn that the network's
 * Dy2O3 stops for 60 days from day 40. Deliveries never change; the price is P0 to day 9,
 * jumps on day 10, rises to the day before the foretold loss starts, eases while its window
 * passes, and ends a little below P0: what buyers did not consume while it was dear is
 * stock they then hold, released slowly. */
static void test_market__news_moves_price_before_tonnes_stop(void **state)
{
    const cfx_override ov[] = {EXPECT, {"events", "news.csv"}};
    bench *b = bench_open(ov, 3);
    double price[200];
    for (int d = 0; d < 200; d++) {
        bench_day(b, NET);
        price[d] = b->price[0];
        assert_near(b->supply[0], D0, REL_TOL * D0); /* no tonne ever stops */
    }
    assert_near(price[9], P0, REL_TOL * P0);
    assert_true(price[10] > P0 * 1.1);
    for (int d = 11; d < 40; d++)
        assert_true(price[d] > price[d - 1]); /* rising as the day nears */
    assert_true(price[39] > P0 * 1.25);
    for (int d = 40; d < 200; d++)
        assert_true(price[d] < price[39]); /* the highest the day before the loss starts */
    /* the stock that dearer days saved is released slowly: below P0, within 3 % */
    assert_true(price[199] < P0 && price[199] > 0.97 * P0);
    bench_close(b);
}

/* Buyers see a stop at the markets before the processors feel it: with a 30-day processing
 * delay, deliveries stop on day 20; supply to the processors is unchanged until day 50, but
 * with expectations the price has risen by day 35. Without them (kappa 0) it has not. */
static void check_seen_stop(const char *kappa, double *price35, double *supply35)
{
    const cfx_override ov[] = {{"market.processing_days", "30"}, {DY "disruption_days", "45"},
                               {DY "precautionary_share", kappa}};
    bench *b = bench_open(ov, 3);
    for (int d = 0; d <= 35; d++)
        bench_day(b, d < 20 ? NET : 0);
    *price35 = b->price[0];
    *supply35 = b->supply[0];
    bench_close(b);
}

static void test_market__a_stop_seen_at_the_markets_moves_price_first(void **state)
{
    double p_on, s_on, p_off, s_off;
    check_seen_stop("2", &p_on, &s_on);
    check_seen_stop("0", &p_off, &s_off);
    assert_near(s_on, D0, REL_TOL * D0); /* the processors still get their feed */
    assert_near(s_off, D0, REL_TOL * D0);
    assert_near(p_off, P0, REL_TOL * P0);
    assert_true(p_on > P0 * 1.05);
}

/* Separation at a bounded rate: deliveries stop on days 10-39 and the whole month's backlog
 * (15 t) arrives on day 40. With a capacity of 0.6 t/day the processors never get more than
 * 0.6 t/day from the network, and the backlog takes 150 days to clear (0.1 t/day above the
 * 0.5 t/day of normal feed); without a capacity it all reaches them on day 40. */
static void test_market__processing_capacity_spreads_a_backlog(void **state)
{
    const cfx_override ov[] = {{DY "processing_capacity_t_per_day", "0.6"}};
    bench *b = bench_open(ov, 1);
    double most = 0;
    int cleared = -1;
    for (int d = 0; d < 300; d++) {
        bench_day(b, d >= 10 && d < 40 ? 0 : d == 40 ? NET + 30 * NET : NET);
        most = fmax(most, b->supply[0] - O0);
        if (d > 40 && cleared < 0 && b->supply[0] - O0 < 0.6 - 1e-9)
            cleared = d;
    }
    assert_true(most <= 0.6 + 1e-9);
    assert_int_equal(cleared, 40 + 150);
    bench_close(b);
    b = bench_open(NULL, 0);
    for (int d = 0; d <= 40; d++)
        bench_day(b, d >= 10 && d < 40 ? 0 : d == 40 ? NET + 30 * NET : NET);
    assert_near(b->supply[0], O0 + 31 * NET, REL_TOL);
    bench_close(b);
}

/* Known seasons: the network delivers 1.5 x normal for four months, 0.5 x for four and 1 x
 * for four (the mine's outlook says so). Buyers who anticipate them hold the stock the dry
 * months need and keep the price within 2 % of P0 for two years; buyers who do not
 * (kappa 0) let it swing by more than 10 %. */
static double seasonal_swing(const char *kappa)
{
    const cfx_override ov[] = {{DY "precautionary_share", kappa}};
    bench *b = bench_open(ov, 1);
    static const double f[12] = {1.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1};
    for (int m = 0; m < 12; m++)
        b->w->mine_outlook[m] = 10 * f[m]; /* the fixture's one mine: 10 t/day at grade 0.05 */
    double worst = 0;
    for (int d = 0; d < 730; d++) {
        long y;
        int mo, dd;
        cfx_civil_from_days(cfx_days_from_civil(2025, 1, 1) + d, &y, &mo, &dd);
        bench_day(b, NET * f[mo - 1]);
        worst = fmax(worst, fabs(b->price[0] / P0 - 1));
    }
    bench_close(b);
    return worst;
}

static void test_market__anticipated_seasons_keep_the_price_steady(void **state)
{
    assert_true(seasonal_swing("1") < 0.02);
    assert_true(seasonal_swing("0") > 0.10);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_market__baseline_run_stays_at_p0),
        cmocka_unit_test(test_market__baseline_bench_flat_for_ten_years),
        cmocka_unit_test(test_market__steady_state_under_cut_matches_closed_form),
        cmocka_unit_test(test_market__inelastic_demand_ends_at_ceiling_with_cut_short),
        cmocka_unit_test(test_market__one_day_adjustment_gives_cover_rule),
        cmocka_unit_test(test_market__higher_elasticity_smaller_spike),
        cmocka_unit_test(test_market__reserve_releases_above_trigger_and_lowers_peak),
        cmocka_unit_test(test_market__other_supply_ramps_at_bounded_rate),
        cmocka_unit_test(test_market__processing_delays_a_stop),
        cmocka_unit_test(test_market__extreme_parameters_stay_finite_and_bounded),
        cmocka_unit_test(test_market__bad_release_ratio_located),
        cmocka_unit_test(test_market__news_moves_price_before_tonnes_stop),
        cmocka_unit_test(test_market__a_stop_seen_at_the_markets_moves_price_first),
        cmocka_unit_test(test_market__processing_capacity_spreads_a_backlog),
        cmocka_unit_test(test_market__anticipated_seasons_keep_the_price_steady),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
