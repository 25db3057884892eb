/* The conflict model on scenarios small enough to check by hand (tests/data/conflict/):
 * what each scripted event does to flows, revenue and mines, and the stochastic offensive's
 * reproducibility, switches, strength dependence, gate closures and conservation of tonnes. */
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

#define DATA CFX_TEST_DATA "/conflict/"

/* Tonnes are whole kilograms: comparisons of t values use half a kilogram. */
#define T_TOL 0.0005
/* Revenue is a sum of levy x tonnes with whole-kg tonnes: a thousandth of a dollar. */
#define USD_TOL 0.001

static void run_day(cfx_world *w)
{
    cfx_error err;
    assert_int_equal(cfx_world_run_day(w, &err), 0);
}

static int32_t node(const cfx_scenario *s, const char *id)
{
    long v = cfx_scenario_node(s, id);
    assert_true(v >= 0);
    return (int32_t)v;
}

static int32_t group(const cfx_scenario *s, const char *name)
{
    for (size_t g = 0; g < s->n_groups; g++)
        if (strcmp(s->groups[g].name, name) == 0)
            return (int32_t)g;
    fail_msg("no group '%s'", name);
    return -1;
}

static int32_t edge(const cfx_scenario *s, const char *from, const char *to)
{
    int32_t a = node(s, from), b = node(s, to);
    for (size_t e = 0; e < s->n_edges; e++)
        if (s->edge_from[e] == a && s->edge_to[e] == b)
            return (int32_t)e;
    fail_msg("no road %s-%s", from, to);
    return -1;
}

static size_t count_kind(const cfx_world *w, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_events; i++)
        n += w->events[i].kind == kind;
    return n;
}

/* ---------------------------------------------------------------- scripted events */

static void test_conflict__strike_on_road_reroutes_and_destroys_cargo(void **state)
{
    /* two-roads.yaml: the strike on A-B (days 2-3, loss chance 1) destroys the day-1 truck
     * as it reaches B at hour 48; the day-2 and day-3 trucks take A-C-M and arrive a day
     * later than the short road would bring them (days 4 and 5); from day 4 the short road
     * is open again, so the day-3 and day-4 trucks both arrive on day 5. */
    cfx_scenario *s = cfx_test_load(DATA "two-roads.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    const double want[10] = {0, 10, 0, 0, 10, 20, 10, 10, 10, 10};
    int32_t ab = edge(s, "A", "B"), ac = edge(s, "A", "C");
    double before = 0;
    for (long day = 0; day < 10; day++) {
        run_day(w);
        double arrived = w->obs.arrived_t - before;
        before = w->obs.arrived_t;
        if (fabs(arrived - want[day]) > T_TOL)
            fail_msg("day %ld: %g t arrived, expected %g", day, arrived, want[day]);
        /* the long road carries the trucks that left during the strike, and only them */
        double long_road = day == 2 || day == 3 ? 10 : 0;
        assert_near(w->obs.edge_flow_t[ac], long_road, T_TOL);
        assert_int_equal(w->edge_open[ab], !(day == 2 || day == 3));
        cfx_test_conserved(w);
    }
    assert_near(w->obs.lost_t, 10, T_TOL);
    /* recorded: the strike (on the road, for 2 days) and the road's reopening */
    assert_int_equal(w->n_events, 2);
    assert_int_equal(w->events[0].kind, CFX_EV_STRIKE);
    assert_int_equal(w->events[0].edge, ab);
    assert_near(w->events[0].days, 2, 0);
    assert_int_equal(w->events[1].kind, CFX_EV_REOPEN);
    assert_near(w->events[1].day, 4, 0);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__capture_moves_gate_levy_to_the_captor(void **state)
{
    /* gate.yaml: one 10 t truck leaves G each day from day 1; the SAC takes G on day 3. */
    cfx_scenario *s = cfx_test_load(DATA "gate.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    int32_t kia = group(s, "KIA"), sac = group(s, "SAC");
    for (long day = 0; day < 8; day++) {
        run_day(w);
        double want_kia = day >= 1 && day < 3 ? 100 * 10 : 0;
        double want_sac = day >= 3 ? 50 * 10 : 0;
        assert_near(w->obs.group_revenue_usd[kia], want_kia, USD_TOL);
        assert_near(w->obs.group_revenue_usd[sac], want_sac, USD_TOL);
    }
    assert_int_equal(w->obs.node_controller[node(s, "G")], sac);
    assert_near(w->obs.arrived_t, 70, T_TOL); /* the capture does not stop the flow */
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__gate_closed_to_one_group_reroutes_only_its_cargo(void **state)
{
    /* partial.yaml: G is closed to KIA-origin cargo on days 2-4. Each day one KIA truck
     * (from A) and one SAC truck (from C) leave B at the start of the day: the KIA truck
     * takes the longer gate H while G is closed to it, the SAC truck keeps to G. */
    cfx_scenario *s = cfx_test_load(DATA "partial.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 2);
    int32_t bg = edge(s, "B", "G"), bh = edge(s, "B", "H");
    int32_t kia = group(s, "KIA"), sac = group(s, "SAC");
    double delivered_kia = 0, delivered_sac = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        cfx_test_conserved(w);
        int closed = day >= 2 && day <= 4;
        double want_bg = day == 0 ? 0 : closed ? 10 : 20, want_bh = closed ? 10 : 0;
        assert_near(w->obs.edge_flow_t[bg], want_bg, T_TOL);
        assert_near(w->obs.edge_flow_t[bh], want_bh, T_TOL);
        delivered_kia += w->obs.delivered_by_controller_t[kia];
        delivered_sac += w->obs.delivered_by_controller_t[sac];
    }
    /* Nothing of either group was held back for good: one truck a day of each arrived,
     * but for those still on the road at the end (the detour is 6 h longer). */
    assert_true(delivered_kia >= 70 && delivered_sac >= 80);
    assert_int_equal(w->n_events, 2);
    assert_int_equal(w->events[0].kind, CFX_EV_CLOSE);
    assert_int_equal(w->events[0].node, node(s, "G"));
    assert_int_equal(w->events[1].kind, CFX_EV_REOPEN);
    assert_near(w->events[1].day, 5, 0);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__toll_changes_levy_and_reverts(void **state)
{
    cfx_override ov[] = {{"events", "gate/events-toll.csv"}};
    cfx_scenario *s = cfx_test_load(DATA "gate.yaml", ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    int32_t kia = group(s, "KIA");
    for (long day = 0; day < 8; day++) {
        run_day(w);
        double levy = day >= 2 && day <= 4 ? 300 : 100;
        assert_near(w->obs.group_revenue_usd[kia], day == 0 ? 0 : levy * 10, USD_TOL);
    }
    assert_int_equal(count_kind(w, CFX_EV_TOLL), 2); /* the change and its reversal */
    assert_near(w->levy_usd_per_t[kia * CFX_NLEVIES + CFX_LEVY_TOLL], 100, 0);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__checkpoint_taxes_then_seizes_everything(void **state)
{
    /* Trucks pass B at hour 0 of each day from day 1 and G six hours later. Days 2-3: the
     * post at B (KIA-held) taxes 200 USD/t on top of the gate levy; days 5-7 it seizes every
     * truck, so nothing arrives; from day 8 trucks pass freely again. Its shippers never
     * hold cargo back (routing.hold_wait_days 0; the next test has them wait). */
    cfx_override ov[] = {{"events", "gate/events-checkpoint.csv"}, {"routing.hold_wait_days", "0"}};
    cfx_scenario *s = cfx_test_load(DATA "gate.yaml", ov, 2);
    cfx_world *w = cfx_test_world(s, 1);
    int32_t kia = group(s, "KIA");
    double arrived_before = 0;
    for (long day = 0; day < 10; day++) {
        run_day(w);
        int seizing = day >= 5 && day <= 7;
        double arrived = w->obs.arrived_t - arrived_before;
        arrived_before = w->obs.arrived_t;
        assert_near(arrived, day == 0 || seizing ? 0 : 10, T_TOL);
        double want_seized = day < 5 ? 0 : day <= 7 ? 10.0 * (double)(day - 4) : 30;
        assert_near(w->obs.seized_t, want_seized, T_TOL);
        double want_usd = day == 0 || seizing ? 0 : day == 2 || day == 3 ? 3000 : 1000;
        /* while it seizes, the post's holder (the KIA, whose cargo it is too) sells the
         * cargo on at half its value and loses the whole value */
        double gain = w->obs.group_seizure_gain_usd[kia], loss = w->obs.group_seizure_loss_usd[kia];
        assert_near(gain, 0.5 * loss, USD_TOL);
        assert_true(seizing ? loss > 0 : loss == 0);
        assert_near(w->obs.group_revenue_usd[kia], want_usd + gain, USD_TOL);
        cfx_test_conserved(w);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__halt_and_destroy_set_mine_effects(void **state)
{
    /* Halt on days 2-4; half the equipment destroyed on day 3 and half of the rest on day 6.
     * The production model rebuilds equipment after each step (production.rebuild_days,
     * default 90 days: 0.003 a 6-hour step), so the check right after the event's step
     * allows 0.01. The mine node itself stays open. */
    cfx_override ov[] = {{"events", "gate/events-mine.csv"}};
    cfx_scenario *s = cfx_test_load(DATA "gate.yaml", ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    int32_t a = node(s, "A");
    for (long day = 0; day < 8; day++) {
        double cap_before = w->mine_capacity[0];
        assert_int_equal(cfx_world_step(w, &err), 0); /* the day's first step: events */
        if (day == 3 || day == 6) {
            double want = 0.5 * cap_before;
            if (w->mine_capacity[0] < want - 1e-12 || w->mine_capacity[0] > want + 0.01)
                fail_msg("day %ld: capacity %g, expected %g (+0.01)", day, w->mine_capacity[0],
                         want);
        }
        assert_true(w->mine_halt_share[0] == (day >= 2 && day <= 4));
        assert_int_equal(w->node_status[a], CFX_STATUS_OPEN);
        for (long k = 1; k < w->steps_per_day; k++)
            assert_int_equal(cfx_world_step(w, &err), 0);
    }
    assert_true(w->mine_capacity[0] < 0.3);
    assert_int_equal(count_kind(w, CFX_EV_HALT), 1);
    assert_int_equal(count_kind(w, CFX_EV_DESTROY), 2);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__strike_end_leaves_fight_in_force(void **state)
{
    /* B is attacked on days 1-6 and struck on day 2: cut on day 2, contested again on days
     * 3-6 (the strike's end does not end the fight), open from day 7. */
    cfx_override ov[] = {{"events", "gate/events-layers.csv"}};
    cfx_scenario *s = cfx_test_load(DATA "gate.yaml", ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    int32_t b = node(s, "B");
    for (long day = 0; day < 9; day++) {
        run_day(w);
        int want = day == 2               ? CFX_STATUS_CUT
                   : day >= 1 && day <= 6 ? CFX_STATUS_CONTESTED
                                          : CFX_STATUS_OPEN;
        if (w->obs.node_status[b] != want)
            fail_msg("day %ld: B is %s, expected %s", day, cfx_status_names[w->obs.node_status[b]],
                     cfx_status_names[want]);
    }
    const int kinds[4] = {CFX_EV_ATTACK, CFX_EV_STRIKE, CFX_EV_REOPEN, CFX_EV_REOPEN};
    const double days[4] = {1, 2, 3, 7};
    assert_int_equal(w->n_events, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w->events[i].kind, kinds[i]);
        assert_near(w->events[i].day, days[i], 0);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* ---------------------------------------------------------------- the offensive */

static void run_days(cfx_world *w, long days)
{
    for (long d = 0; d < days; d++)
        run_day(w);
}

/* Field by field: the records have padding. Times and durations bit for bit. */
static int same_events(const cfx_world *a, const cfx_world *b)
{
    if (a->n_events != b->n_events)
        return 0;
    for (size_t i = 0; i < a->n_events; i++) {
        const cfx_event_rec *x = &a->events[i], *y = &b->events[i];
        if (memcmp(&x->day, &y->day, sizeof x->day) || x->kind != y->kind || x->node != y->node ||
            x->edge != y->edge || memcmp(&x->days, &y->days, sizeof x->days))
            return 0;
    }
    return 1;
}

static void test_conflict__offensive_same_seed_same_events(void **state)
{
    cfx_scenario *s = cfx_test_load(DATA "front.yaml", NULL, 0);
    cfx_world *a = cfx_test_world(s, 1), *b = cfx_test_world(s, 2);
    run_days(a, s->days);
    run_days(b, s->days);
    assert_true(same_events(a, b));
    assert_memory_equal(a->obs.node_controller, b->obs.node_controller,
                        s->n_nodes * sizeof *a->obs.node_controller);
    assert_int_equal(a->arrived_kg, b->arrived_kg);
    /* The front is busy enough that every mechanism shows in 200 days. */
    assert_true(count_kind(a, CFX_EV_ATTACK) > 0);
    assert_true(count_kind(a, CFX_EV_CAPTURE) + count_kind(a, CFX_EV_REPULSE) > 0);
    assert_true(count_kind(a, CFX_EV_STRIKE) > 0);
    assert_true(count_kind(a, CFX_EV_CLOSE) > 0);
    /* Another seed, another history. */
    cfx_override ov[] = {{"seed", "8"}};
    cfx_scenario *s2 = cfx_test_load(DATA "front.yaml", ov, 1);
    cfx_world *c = cfx_test_world(s2, 1);
    run_days(c, s2->days);
    assert_false(same_events(a, c));
    cfx_world_free(a);
    cfx_world_free(b);
    cfx_world_free(c);
    cfx_scenario_free(s);
    cfx_scenario_free(s2);
}

static void test_conflict__zero_rates_give_no_stochastic_events(void **state)
{
    cfx_override ov[] = {{"conflict.offensive.attack_rate", "0"},
                         {"conflict.offensive.counter_rate", "0"},
                         {"conflict.strikes.road_rate", "0"},
                         {"conflict.strikes.mine_rate", "0"},
                         {"conflict.closures.daily_p", "0"}};
    cfx_scenario *s = cfx_test_load(DATA "front.yaml", ov, 5);
    cfx_world *w = cfx_test_world(s, 1);
    run_days(w, s->days);
    assert_int_equal(w->n_events, 0); /* the front has no scripted events either */
    assert_memory_equal(w->obs.node_controller, s->controller, s->n_nodes * sizeof *s->controller);
    /* Only attack_rate 0: no attacks, hence nothing lost to counter-attack or close. */
    cfx_scenario *s1 = cfx_test_load(DATA "front.yaml", ov, 1);
    cfx_world *w1 = cfx_test_world(s1, 1);
    run_days(w1, s1->days);
    assert_int_equal(count_kind(w1, CFX_EV_ATTACK), 0);
    assert_int_equal(count_kind(w1, CFX_EV_COUNTERATTACK), 0);
    assert_int_equal(count_kind(w1, CFX_EV_CAPTURE), 0);
    cfx_world_free(w);
    cfx_world_free(w1);
    cfx_scenario_free(s);
    cfx_scenario_free(s1);
}

/* Share of the fights of star.yaml that end in capture, with the KIA's strength set. */
static double capture_share(const char *kia_strength, size_t *fights)
{
    cfx_override ov[] = {{"conflict.offensive.defender_strength.KIA", kia_strength}};
    cfx_scenario *s = cfx_test_load(DATA "star.yaml", ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    run_days(w, s->days);
    size_t won = count_kind(w, CFX_EV_CAPTURE), lost = count_kind(w, CFX_EV_REPULSE);
    *fights = won + lost;
    cfx_world_free(w);
    cfx_scenario_free(s);
    return (double)won / (double)(won + lost);
}

static void test_conflict__captures_follow_strength_ratio(void **state)
{
    /* capture_a 0, capture_b 1: P(capture) = r / (1 + r) for strength ratio r = 1 / KIA's:
     * 0.8 against strength 0.25, 0.2 against 4. The tolerance, 0.15, is about 2.5 binomial
     * standard deviations at the smallest sample size checked (50 fights). */
    size_t n_weak, n_strong;
    double weak = capture_share("0.25", &n_weak), strong = capture_share("4", &n_strong);
    assert_true(n_weak >= 40 && n_strong >= 50);
    assert_near(weak, 0.8, 0.15);
    assert_near(strong, 0.2, 0.15);
    assert_true(weak > strong + 0.3);
}

static void test_conflict__gates_near_fighting_close_within_bounds(void **state)
{
    /* closure.yaml: T is attacked on days 1-20; daily_p 1 closes G1-G4 (one road from T) on
     * day 1 for 5-8 days, and again the day they reopen; GF (four roads away) never. */
    cfx_scenario *s = cfx_test_load(DATA "closure.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    int32_t gf = node(s, "GF"), g1 = node(s, "G1");
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        assert_int_equal(w->obs.node_status[gf], CFX_STATUS_OPEN);
        if (day == 1)
            assert_int_equal(w->obs.node_status[g1], CFX_STATUS_CLOSED);
        cfx_test_conserved(w);
    }
    size_t closes = 0;
    for (size_t i = 0; i < w->n_events; i++) {
        const cfx_event_rec *e = &w->events[i];
        if (e->kind != CFX_EV_CLOSE)
            continue;
        closes++;
        assert_true(e->node != gf);
        assert_true(e->day >= 1 && e->day <= 20); /* only while T is fought over */
        assert_true(e->days >= 5 && e->days <= 8);
        /* it reopens at the start of the 6-hour step that contains its end */
        size_t j = i + 1;
        while (j < w->n_events &&
               !(w->events[j].kind == CFX_EV_REOPEN && w->events[j].node == e->node))
            j++;
        assert_true(j < w->n_events);
        double lasted = w->events[j].day - e->day;
        if (lasted > e->days || lasted <= e->days - 0.25)
            fail_msg("closure of node %d for %g days lasted %g", e->node, e->days, lasted);
    }
    assert_true(closes >= 8); /* four gates, at least twice each in 20 days */
    /* Day 1: all four near gates closed at once. */
    size_t day1 = 0;
    for (size_t i = 0; i < w->n_events; i++)
        day1 += w->events[i].kind == CFX_EV_CLOSE && w->events[i].day == 1;
    assert_int_equal(day1, 4);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__tonnes_conserved_with_offensive(void **state)
{
    cfx_scenario *s = cfx_test_load(DATA "front.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 2);
    cfx_error err;
    long steps = s->days * w->steps_per_day;
    for (long k = 0; k < steps; k++) {
        assert_int_equal(cfx_world_step(w, &err), 0);
        cfx_test_conserved(w);
    }
    assert_true(w->arrived_kg > 0);
    assert_true(w->lost_kg > 0); /* strikes hit cargo */
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_conflict__kachin_offensive_conserves_tonnes(void **state)
{
    /* The default scenario with its offensive: a year runs, tonnes are conserved at every
     * step, and 1 and 2 threads agree. */
    cfx_scenario *s = cfx_test_load(CFX_SOURCE_DIR "/scenarios/kachin-2025.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 2), *w1 = cfx_test_world(s, 1);
    cfx_error err;
    long steps = s->days * w->steps_per_day;
    for (long k = 0; k < steps; k++) {
        assert_int_equal(cfx_world_step(w, &err), 0);
        assert_int_equal(cfx_world_step(w1, &err), 0);
        cfx_test_conserved(w);
    }
    assert_true(same_events(w, w1));
    assert_int_equal(w->arrived_kg, w1->arrived_kg);
    assert_true(count_kind(w, CFX_EV_ATTACK) > 0);
    cfx_world_free(w);
    cfx_world_free(w1);
    cfx_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conflict__strike_on_road_reroutes_and_destroys_cargo),
        cmocka_unit_test(test_conflict__capture_moves_gate_levy_to_the_captor),
        cmocka_unit_test(test_conflict__gate_closed_to_one_group_reroutes_only_its_cargo),
        cmocka_unit_test(test_conflict__toll_changes_levy_and_reverts),
        cmocka_unit_test(test_conflict__checkpoint_taxes_then_seizes_everything),
        cmocka_unit_test(test_conflict__halt_and_destroy_set_mine_effects),
        cmocka_unit_test(test_conflict__strike_end_leaves_fight_in_force),
        cmocka_unit_test(test_conflict__offensive_same_seed_same_events),
        cmocka_unit_test(test_conflict__zero_rates_give_no_stochastic_events),
        cmocka_unit_test(test_conflict__captures_follow_strength_ratio),
        cmocka_unit_test(test_conflict__gates_near_fighting_close_within_bounds),
        cmocka_unit_test(test_conflict__tonnes_conserved_with_offensive),
        cmocka_unit_test(test_conflict__kachin_offensive_conserves_tonnes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
