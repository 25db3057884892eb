/* The production model seen from outside: the tonnes a mine adds each day under the month,
 * fighting, halt orders, damage and rebuilding, a price held high or low, and a road cut that
 * fills the stockpile up to its cap; tonnes conserved throughout; and located errors for a
 * malformed production: section. Fixtures: tests/data/production/ (the line network of
 * scenarios/examples/line.yaml: mine A makes 10 t/day in four 6-hour steps, 10 t trucks). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "fixture.h"
#include "engine/world_impl.h"

#define DATA CFX_TEST_DATA "/production/"
#define LINE CFX_SOURCE_DIR "/scenarios/examples/line.yaml"
#define KACHIN_NONE CFX_SOURCE_DIR "/scenarios/kachin-2025-no-offensive.yaml"

/* Cargo is whole kilograms and a mine carries the fractions of a kg from step to step, so a
 * day's production is within 1 kg of the exact tonnes. */
#define DAY_TOL 0.001

/* Runs one day step by step, checking conservation after each, and returns the tonnes
 * produced that day. */
static double run_day(cfx_world *w)
{
    cfx_error err;
    double before = (double)w->produced_kg / 1000.0;
    for (long k = 0; k < w->steps_per_day; k++) {
        assert_int_equal(cfx_world_step(w, &err), 0);
        cfx_test_conserved(w);
    }
    return w->obs.produced_t - before;
}

static void expect_day(long day, double got_t, double want_t)
{
    if (fabs(got_t - want_t) > DAY_TOL)
        fail_msg("day %ld: produced %.6f t, expected %.6f t", day, got_t, want_t);
}

static void test_production__no_section_keeps_base_output(void **state)
{
    /* The line example has no production: section: its mine makes its output_t_per_day
     * every day, as before the model had any other effect. */
    cfx_scenario *s = cfx_test_load(LINE, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    for (long day = 0; day < s->days; day++)
        expect_day(day, run_day(w), 10);
    cfx_world_free(w);
    cfx_scenario_free(s);
    /* Nor does fighting at the mines slow them without one (contested_factor is 1): the
     * two-market scenario's mines, contested for their first five days. */
    cfx_override contest[] = {{"events", CFX_TEST_DATA "/products/contest-mines.csv"}};
    s = cfx_test_load(CFX_TEST_DATA "/products/two-markets.yaml", contest, 1);
    w = cfx_test_world(s, 1);
    assert_int_equal(s->n_events, 2);
    for (long day = 0; day < 8; day++) {
        expect_day(day, run_day(w), 20);
        if (day < 5)
            assert_int_equal(w->node_status[s->mine_node[0]], CFX_STATUS_CONTESTED);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* kachin-2025's seasonal factors (monsoon slump, May rush; jade's own months) move each
 * month's output but keep the year's: without the offensive, a year from 1 Nov makes 365
 * days of the mines' base output to 0.1 %; a day in May is 1.463 times the rare-earth base
 * and 1.25 times the jade base, a day in August 0.57 and 0.5 times. */
static void test_production__kachin_seasons_keep_the_year(void **state)
{
    cfx_scenario *s = cfx_test_load(KACHIN_NONE, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    double re = 0, jade = 0, year = 0;
    for (size_t m = 0; m < s->n_mines; m++)
        *(s->mine_grade[m * s->n_products + 2] > 0 ? &jade : &re) += s->mine_output_t_per_day[m];
    assert_string_equal(s->products[2].name, "Jade");
    assert_near(re, 115, 1e-9);     /* t/day of rare-earth concentrate */
    assert_near(jade, 41.26, 1e-9); /* t/day of jade */
    for (long day = 0; day < s->days; day++) {
        double t = run_day(w);
        year += t;
        if (day == 190) /* 10 May 2026 */
            expect_day(day, t, 1.4630 * re + 1.25 * jade);
        if (day == 280) /* 8 Aug 2026 */
            expect_day(day, t, 0.5700 * re + 0.5 * jade);
    }
    assert_near(year / (365 * (re + jade)), 1, 1e-3);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_production__seasonal_factor_sets_daily_output_by_month(void **state)
{
    /* seasonal.yaml gives month k (January = 0) the factor 0.5 + 0.1 k, so each day's output
     * names its month. Runs cross a year end, 29 Feb 2024, and 2100, which is not leap. */
    static const struct {
        const char *start;
        int y, m, d;
        const char *days;
    } runs[] = {{"2023-12-20", 2023, 12, 20, "450"}, {"2099-12-30", 2099, 12, 30, "70"}};
    for (size_t r = 0; r < 2; r++) {
        cfx_override ov[] = {{"start", runs[r].start}, {"days", runs[r].days}};
        cfx_scenario *s = cfx_test_load(DATA "seasonal.yaml", ov, 2);
        cfx_world *w = cfx_test_world(s, 1);
        int y = runs[r].y, m = runs[r].m, d = runs[r].d;
        for (long day = 0; day < s->days; day++) {
            double got = run_day(w), want = 10 * (0.5 + 0.1 * (m - 1));
            if (fabs(got - want) > DAY_TOL)
                fail_msg("%04d-%02d-%02d (day %ld from %s): produced %.6f t, expected %.6f t", y, m,
                         d, day, runs[r].start, got, want);
            cfx_test_next_day(&y, &m, &d);
        }
        cfx_world_free(w);
        cfx_scenario_free(s);
    }
}

static void test_production__contested_mine_makes_contested_factor_of_base(void **state)
{
    /* contest.yaml: A contested on days 2-4, contested_factor 0.25. */
    cfx_scenario *s = cfx_test_load(DATA "contest.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    for (long day = 0; day < 10; day++)
        expect_day(day, run_day(w), day >= 2 && day <= 4 ? 2.5 : 10);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_production__halt_and_destroyed_node_stop_output(void **state)
{
    /* A halt order (what CFX_CMD_MINE_HALT sets) on days 2-4 and a destroyed mine node on
     * days 7-8 each stop the mine; it resumes at full output the day after. */
    cfx_scenario *s = cfx_test_load(DATA "base.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    long a = cfx_scenario_node(s, "A");
    for (long day = 0; day < 12; day++) {
        w->mine_halt_share[0] = day >= 2 && day <= 4;
        w->node_status[a] = day >= 7 && day <= 8 ? CFX_STATUS_DESTROYED : CFX_STATUS_OPEN;
        w->network_changed = 1;
        int stopped = (day >= 2 && day <= 4) || (day >= 7 && day <= 8);
        expect_day(day, run_day(w), stopped ? 0 : 10);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* What a day makes when equipment starts it at c0 and gains step_share / rebuild_days a
 * step: 2.5 t a step at full equipment. */
static double rebuilt_day(double c0, double per_step)
{
    double t = 0;
    for (int i = 0; i < 4; i++)
        t += 2.5 * fmin(1, c0 + i * per_step);
    return t;
}

static void test_production__damaged_equipment_rebuilds_linearly(void **state)
{
    /* Equipment knocked down to 0.2 before day 5 comes back by 1/rebuild_days a day,
     * (0.25/10 a 6-hour step with rebuild_days = 10): full again after 8 days. With
     * rebuild_days = 0 it stays at 0.2. */
    static const char *const rebuild[] = {"10", "0"};
    for (int r = 0; r < 2; r++) {
        cfx_override ov[] = {{"production.rebuild_days", rebuild[r]}};
        cfx_scenario *s = cfx_test_load(DATA "base.yaml", ov, 1);
        cfx_world *w = cfx_test_world(s, 1);
        double per_step = r == 0 ? 0.25 / 10 : 0;
        for (long day = 0; day < 20; day++) {
            if (day == 5)
                w->mine_capacity[0] = 0.2;
            double want =
                day < 5 ? 10 : rebuilt_day(0.2 + (double)(day - 5) * 4 * per_step, per_step);
            expect_day(day, run_day(w), want);
        }
        assert_near(w->mine_capacity[0], r == 0 ? 1 : 0.2, 1e-12);
        cfx_world_free(w);
        cfx_scenario_free(s);
    }
}

static void test_production__price_moves_output_after_lag_at_bounded_ramp(void **state)
{
    /* Prices held at 1.5 x P0 from day 5 and 0.25 x P0 from day 20, with elasticity 1, a
     * 3-day lag, a ramp of 0.05 a day and r in [0.5, 1.3]: output stays at 10 t until day
     * 8, climbs 0.5 t a day to 13 t (r_max), then from day 23 falls 0.5 t a day to 5 t
     * (r_min: 0.25^1 is below it). */
    cfx_override ov[] = {{"production.price_elasticity", "1"},
                         {"production.lag_days", "3"},
                         {"production.ramp_per_day", "0.05"},
                         {"production.r_max", "1.3"}};
    cfx_scenario *s = cfx_test_load(DATA "base.yaml", ov, 4);
    cfx_world *w = cfx_test_world(s, 1);
    double r = 1, prev = 10;
    for (long day = 0; day < 45; day++) {
        /* What the production step reads as the last day's prices (cfx_world_prices). */
        double ratio = day < 5 ? 1 : day < 20 ? 1.5 : 0.25;
        for (size_t p = 0; p < s->n_products; p++)
            w->obs.price[p] = ratio * s->products[p].price_usd_per_kg;
        double seen = day < 8 ? 1 : day < 23 ? 1.5 : 0.25; /* the price 3 days ago */
        double target = fmin(fmax(seen, 0.5), 1.3);
        r += fmin(fmax(target - r, -0.05), 0.05);
        double got = run_day(w);
        expect_day(day, got, 10 * r);
        assert_true(fabs(got - prev) <= 0.05 * 10 + DAY_TOL);
        prev = got;
    }
    assert_near(r, 0.5, 1e-9); /* the run ends at the lower bound */
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_production__stockpile_stops_at_cap_while_road_cut(void **state)
{
    /* cut.yaml: A's only road is cut on days 0-7, and the cap is 35 t. The stock at A (pile
     * plus loaded trucks that cannot leave) grows 10 t a day to 35 t on day 3 and stays
     * there; production stops meanwhile and resumes once the trucks are gone. */
    cfx_scenario *s = cfx_test_load(DATA "cut.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    long a = cfx_scenario_node(s, "A");
    const double want_stock[8] = {10, 20, 30, 35, 35, 35, 35, 35};
    for (long day = 0; day < 14; day++) {
        double got = run_day(w);
        double stock = w->obs.node_stock_t[a];
        assert_true(stock <= 35 + DAY_TOL);
        if (day < 8) {
            expect_day(day, got, day < 3 ? 10 : day == 3 ? 5 : 0);
            assert_near(stock, want_stock[day], DAY_TOL);
        } else if (day == 8) {
            /* The road reopens at the start of day 8; the first step still sees the full
             * stock (production runs before departures), so the day makes 0 to 10 t. */
            assert_true(got > 0 && got <= 10 + DAY_TOL);
        } else {
            expect_day(day, got, 10);
        }
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_production__tonnes_conserved_with_every_effect(void **state)
{
    /* A contest, a stockpile cap, a halt, damage and rebuilding, and a price response, all
     * at once: the cargo balance holds after every step (run_day checks it). */
    cfx_override ov[] = {{"production.price_elasticity", "2"},
                         {"production.lag_days", "2"},
                         {"production.ramp_per_day", "0.1"},
                         {"production.rebuild_days", "7"},
                         {"production.stockpile_cap_t", "12.5"}};
    cfx_scenario *s = cfx_test_load(DATA "contest.yaml", ov, 5);
    cfx_world *w = cfx_test_world(s, 1);
    double total = 0;
    for (long day = 0; day < s->days; day++) {
        if (day == 6)
            w->mine_capacity[0] = 0.1;
        w->mine_halt_share[0] = day == 12;
        total += run_day(w);
    }
    assert_true(w->arrived_kg > 0);
    assert_near(total, w->obs.produced_t, 1e-9);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_production__bad_section_reports_position(void **state)
{
    static const struct {
        const char *file;
        int line, col;
        const char *msg;
    } bad[] = {
        {"bad-seasonal-count.yaml", 24, 21,
         "'seasonal_factors' must be a sequence of 12 numbers, January to December, got 11 "
         "numbers"},
        {"bad-seasonal-map.yaml", 24, 21,
         "'seasonal_factors' must be a sequence of 12 numbers, January to December, got a "
         "mapping"},
        {"bad-seasonal-item.yaml", 28, 7,
         "'seasonal_factors' (April): the value must be a number, got 'lots'"},
        {"bad-seasonal-negative.yaml", 24, 43,
         "'seasonal_factors' (August) must be in [0, 100], got -0.5"},
        {"bad-contested.yaml", 24, 21, "'contested_factor' must be a share in [0, 1], got 1.5"},
        {"bad-lag.yaml", 24, 13, "'lag_days' must be a whole number of days, got 2.5"},
        {"bad-cap.yaml", 24, 20,
         "'stockpile_cap_t' must be at least one truckload (transport.truck_t = 10 t), got 5"},
        {"bad-unknown.yaml", 24, 3, "unknown key 'rebuild_day' in 'production'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[512];
        snprintf(path, sizeof path, DATA "%s", bad[i].file);
        cfx_scenario *s = NULL;
        cfx_diags d = {0};
        assert_int_equal(cfx_scenario_load(&s, path, NULL, 0, &d), CFX_EINVAL);
        assert_null(s);
        if (d.n != 1)
            fail_msg("%s: %zu errors, expected 1 (first: %s)", bad[i].file, d.n,
                     d.n ? d.v[0].msg : "none");
        const char *base = strrchr(d.v[0].file, '/');
        assert_string_equal(base ? base + 1 : d.v[0].file, bad[i].file);
        if (d.v[0].line != bad[i].line || d.v[0].col != bad[i].col ||
            strcmp(d.v[0].msg, bad[i].msg) != 0)
            fail_msg("%s: got %d:%d: %s\nexpected %d:%d: %s", bad[i].file, d.v[0].line, d.v[0].col,
                     d.v[0].msg, bad[i].line, bad[i].col, bad[i].msg);
        cfx_diags_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_production__no_section_keeps_base_output),
        cmocka_unit_test(test_production__kachin_seasons_keep_the_year),
        cmocka_unit_test(test_production__seasonal_factor_sets_daily_output_by_month),
        cmocka_unit_test(test_production__contested_mine_makes_contested_factor_of_base),
        cmocka_unit_test(test_production__halt_and_destroyed_node_stop_output),
        cmocka_unit_test(test_production__damaged_equipment_rebuilds_linearly),
        cmocka_unit_test(test_production__price_moves_output_after_lag_at_bounded_ramp),
        cmocka_unit_test(test_production__stockpile_stops_at_cap_while_road_cut),
        cmocka_unit_test(test_production__tonnes_conserved_with_every_effect),
        cmocka_unit_test(test_production__bad_section_reports_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
