/* Flows that respect capacity (models/routing/plan.c and the engine's plan): on networks of
 * our own, the daily plan carries the network's maximum flow, computed here by a textbook
 * algorithm (Edmonds-Karp) from the scenario's tables, not by the engine's code; with room
 * to spare the cheapest path takes everything; no road carries more than its capacity;
 * tonnes are conserved; one thread and two give the same bytes. Also: the shippers who
 * wait, and the capacity, levy and halt events, with tonnes a user can check by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "fixture.h"

#define FLOWS CFX_TEST_DATA "/flows/"
#define LINE CFX_SOURCE_DIR "/scenarios/examples/line.yaml"
#define GATE CFX_TEST_DATA "/conflict/gate.yaml"

/* Tonnes are whole kg: sums of a few trucks are exact to 1 g. */
#define T_TOL 0.001

static long node(const cfx_scenario *s, const char *id)
{
    long v = cfx_scenario_node(s, id);
    if (v < 0)
        fail_msg("no node %s", id);
    return v;
}

static size_t edge(const cfx_scenario *s, const char *a, const char *b)
{
    long u = node(s, a), v = node(s, b);
    for (size_t e = 0; e < s->n_edges; e++)
        if (s->edge_from[e] == u && s->edge_to[e] == v)
            return e;
    fail_msg("no road %s-%s", a, b);
    return 0;
}

/* The maximum flow from the mines to the markets in t/day, by Edmonds-Karp on the scenario's
 * roads as a directed graph (a two-way road gives two arcs of its capacity; no capacity is
 * 10^9 t/day). Independent of the engine: it reads only the tables. */
static double max_flow_t(const cfx_scenario *s)
{
    size_t n = s->n_nodes, N = n + 2, src = n, snk = n + 1;
    double *r = calloc(N * N, sizeof *r);
    size_t *prev = malloc(N * sizeof *prev), *q = malloc(N * sizeof *q);
    assert_true(r && prev && q);
    for (size_t e = 0; e < s->n_edges; e++) {
        double c = isfinite(s->edge_capacity_t_per_day[e]) ? s->edge_capacity_t_per_day[e] : 1e9;
        r[(size_t)s->edge_from[e] * N + (size_t)s->edge_to[e]] += c;
        if (!s->edge_oneway[e])
            r[(size_t)s->edge_to[e] * N + (size_t)s->edge_from[e]] += c;
    }
    for (size_t m = 0; m < s->n_mines; m++)
        r[src * N + (size_t)s->mine_node[m]] = 1e12;
    for (size_t v = 0; v < n; v++)
        if (s->node_kind[v] == CFX_NODE_MARKET)
            r[v * N + snk] = 1e12;
    double flow = 0;
    for (;;) {
        size_t head = 0, tail = 0;
        for (size_t v = 0; v < N; v++)
            prev[v] = SIZE_MAX;
        prev[src] = src;
        q[tail++] = src;
        while (head < tail && prev[snk] == SIZE_MAX) {
            size_t u = q[head++];
            for (size_t v = 0; v < N; v++)
                if (prev[v] == SIZE_MAX && r[u * N + v] > 0) {
                    prev[v] = u;
                    q[tail++] = v;
                }
        }
        if (prev[snk] == SIZE_MAX)
            break;
        double f = INFINITY;
        for (size_t v = snk; v != src; v = prev[v])
            f = fmin(f, r[prev[v] * N + v]);
        for (size_t v = snk; v != src; v = prev[v]) {
            r[prev[v] * N + v] -= f;
            r[v * N + prev[v]] += f;
        }
        flow += f;
    }
    free(r);
    free(prev);
    free(q);
    return flow;
}

/* Runs a day; checks conservation after each step and that no road carried more than its
 * capacity that day. */
static void run_day(cfx_world *w)
{
    cfx_error err;
    for (long k = 0; k < w->steps_per_day; k++) {
        if (cfx_world_step(w, &err))
            fail_msg("%s", err.msg);
        cfx_test_conserved(w);
    }
    const cfx_scenario *s = w->s;
    for (size_t e = 0; e < s->n_edges; e++)
        if (w->obs.edge_flow_t[e] > s->edge_capacity_t_per_day[e] + T_TOL)
            fail_msg("day %ld: road %s-%s carried %.3f t, capacity %.3f t/day", w->obs.day,
                     s->node_id[s->edge_from[e]], s->node_id[s->edge_to[e]], w->obs.edge_flow_t[e],
                     s->edge_capacity_t_per_day[e]);
}

static void test_flows__plan_reaches_the_maximum_flow(void **state)
{
    cfx_scenario *s = cfx_test_load(FLOWS "maxflow.yaml", NULL, 0);
    double want = max_flow_t(s);
    assert_near(want, 60, 1e-9); /* the network is built for it */
    cfx_world *one = cfx_test_world(s, 1), *two = cfx_test_world(s, 2);
    double sum = 0, before = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(one);
        run_day(two);
        assert_true(memcmp(one->obs.edge_flow_t, two->obs.edge_flow_t,
                           s->n_edges * sizeof *one->obs.edge_flow_t) == 0);
        assert_true(memcmp(one->obs.queued_t, two->obs.queued_t,
                           s->n_nodes * sizeof *one->obs.queued_t) == 0);
        assert_true(one->obs.arrived_t == two->obs.arrived_t);
        if (day >= 10) /* steady, once the first trucks are through */
            sum += one->obs.arrived_t - before;
        before = one->obs.arrived_t;
    }
    double mean = sum / (double)(s->days - 10);
    if (fabs(mean - want) > 0.01 * want)
        fail_msg("steady deliveries %.3f t/day, the maximum flow is %.3f t/day", mean, want);
    /* both routes of the maximum flow are used, the cheap cross road not at all */
    assert_near(one->obs.edge_flow_t[edge(s, "X", "G1")], 30, T_TOL);
    assert_near(one->obs.edge_flow_t[edge(s, "Y", "G2")], 30, T_TOL);
    assert_near(one->obs.edge_flow_t[edge(s, "X", "Y")], 0, T_TOL);
    /* the rest waits at the mine, queued for capacity, and nowhere else */
    long a = node(s, "A");
    assert_true(one->obs.queued_t[a] > 100 * (double)(s->days - 1));
    for (size_t v = 0; v < s->n_nodes; v++)
        if ((long)v != a)
            assert_near(one->obs.node_stock_t[v], 0, T_TOL);
    cfx_world_free(one);
    cfx_world_free(two);
    cfx_scenario_free(s);
}

static void test_flows__with_room_the_cheapest_path_takes_everything(void **state)
{
    cfx_override ov[] = {{"network.edges", "maxflow/edges-wide.csv"}};
    cfx_scenario *s = cfx_test_load(FLOWS "maxflow.yaml", ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        assert_near(w->obs.edge_flow_t[edge(s, "A", "Y")], 0, T_TOL);
        assert_near(w->obs.edge_flow_t[edge(s, "X", "G1")], 0, T_TOL);
        if (day >= 1) { /* 200 t/day by A-X-Y-G2-M, all of it, nothing queued */
            assert_near(w->obs.edge_flow_t[edge(s, "X", "Y")], 200, T_TOL);
            assert_near(w->obs.queued_t[node(s, "A")], 0, T_TOL);
        }
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* Route choice with dispersion (tests/data/flows/split.yaml): two ways, 2 and 3 USD/t. With
 * no dispersion every truck goes by X; with 1 USD/t, by Y with probability
 * exp(-1) / (1 + exp(-1)) = 0.269: of 200 trucks, within 0.10 of it (three standard
 * deviations are 0.094). The same bytes on one thread and two. */
static void test_flows__logit_dispersion_splits_near_equal_ways(void **state)
{
    for (int with = 0; with < 2; with++) {
        cfx_override ov[] = {{"routing.dispersion_usd_per_t", with ? "1" : "0"}};
        cfx_scenario *s = cfx_test_load(FLOWS "split.yaml", ov, 1);
        cfx_world *one = cfx_test_world(s, 1), *two = cfx_test_world(s, 2);
        double by_x = 0, by_y = 0;
        for (long day = 0; day < s->days; day++) {
            run_day(one);
            run_day(two);
            assert_true(memcmp(one->obs.edge_flow_t, two->obs.edge_flow_t,
                               s->n_edges * sizeof *one->obs.edge_flow_t) == 0);
            by_x += one->obs.edge_flow_t[edge(s, "A", "X")];
            by_y += one->obs.edge_flow_t[edge(s, "A", "Y")];
        }
        double share = by_y / (by_x + by_y), want = with ? exp(-1) / (1 + exp(-1)) : 0;
        assert_near(by_x + by_y, 100 * (double)s->days, T_TOL);
        if (fabs(share - want) > (with ? 0.10 : 0))
            fail_msg("dispersion %d: %.3f of the trucks went by Y, expected %.3f", with, share,
                     want);
        cfx_world_free(one);
        cfx_world_free(two);
        cfx_scenario_free(s);
    }
}

/* A trickle for some cargo only (tests/data/capacity/trickle.yaml): the gate G takes
 * 2.5 t/day of the rare-earth cargo, a quarter of a 10 t truckload, and any jade. It banks
 * what it does not pass and lets a rare-earth truck through on days 3, 7, 11, ... (2.5 t/day
 * on average); jade crosses every day from day 1; the rare-earth cargo waits at A, queued. */
static void test_flows__a_trickle_for_ore_while_jade_passes(void **state)
{
    cfx_scenario *s = cfx_test_load(CFX_TEST_DATA "/capacity/trickle.yaml", NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    long g = node(s, "G"), a = node(s, "A");
    double through = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        double ore = day % 4 == 3 ? 10 : 0, jade = day ? 10 : 0;
        assert_near(w->obs.node_throughput_t[g], ore + jade, T_TOL);
        through += ore;
        assert_near(w->obs.queued_t[a], 10 * (double)(day + 1) - through, T_TOL);
    }
    assert_near(through / (double)s->days, 2.5, T_TOL); /* the capacity, on average */
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* capacity events (tests/data/capacity/events-capacity.csv) on capacity/gate.yaml, where the
 * mine makes four 10 t truckloads a day and the gate G lets two out (25 t/day):
 *   days 5-7: China halves the gate's capacity (unit share): 12.5 t/day, one truck;
 *   days 10-11: the KIA lets one truck a day on the road B-G (unit trucks_per_day).
 * Cargo leaving G is 20 t a day, 10 t on those days; the mine's queue grows by the rest. */
static void test_flows__capacity_events_set_and_restore_capacity(void **state)
{
    cfx_override ov[] = {{"events", "events-capacity.csv"}, {"days", "14"}};
    cfx_scenario *s = cfx_test_load(CFX_TEST_DATA "/capacity/gate.yaml", ov, 2);
    cfx_world *w = cfx_test_world(s, 1);
    long g = node(s, "G"), a = node(s, "A");
    double queued = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        int narrow = (day >= 5 && day <= 7) || day == 10 || day == 11;
        assert_near(w->obs.node_throughput_t[g], narrow ? 10 : 20, T_TOL);
        queued += 40 - (narrow ? 10 : 20);
        assert_near(w->obs.queued_t[a], queued, T_TOL);
    }
    /* each change and its end is recorded with the group that acted */
    assert_int_equal(w->n_events, 4);
    static const double when[4] = {5, 8, 10, 12};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w->events[i].kind, CFX_EV_CAPACITY);
        assert_near(w->events[i].day, when[i], 0);
        assert_string_equal(s->groups[w->events[i].group].name, i < 2 ? "China" : "KIA");
    }
    assert_int_equal(w->events[0].node, g);
    assert_int_equal(w->events[2].edge, (int32_t)edge(s, "B", "G"));
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* A partial halt and levies that start on a date (tests/data/capacity/events-policy.csv) on
 * the line example, its prices held at the baseline (cover_price_exponent 0) so that the
 * cargo's value is fixed: 0.05 x 200 + 0.01 x 800 USD/kg = 18,000 USD/t.
 *   days 3-6: three quarters of the mine's output stop: 2.5 t/day instead of 10;
 *   from day 4: A-group's export levy, 1000 USD/t on its cargo crossing G;
 *   from day 6: a mine tax of 20 % of the value mined: 0.2 x 18,000 x t mined.
 * A-group also holds G, with a toll of 100 USD/t (line.yaml). */
static void test_flows__partial_halt_and_levies_from_a_date(void **state)
{
    cfx_override ov[] = {{"events", "../../tests/data/capacity/events-policy.csv"},
                         {"market.products.Dy2O3.cover_price_exponent", "0"},
                         {"market.products.Tb4O7.cover_price_exponent", "0"},
                         {"days", "10"}};
    cfx_scenario *s = cfx_test_load(LINE, ov, 4);
    cfx_world *w = cfx_test_world(s, 1);
    /* 10 t trucks cross G on days 1-3 (toll only), none on days 4-6 (the halted mine fills
     * one truck in four days: it leaves on day 6 and crosses on day 7), one a day from 7 */
    static const double produced[10] = {10, 10, 10, 2.5, 2.5, 2.5, 2.5, 10, 10, 10};
    static const double usd[10] = {0,    1000, 1000,  1000,  0,
                                   0,    9000, 47000, 47000, 47000};
    double before = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        assert_near(w->obs.produced_t - before, produced[day], T_TOL);
        before = w->obs.produced_t;
        assert_near(w->obs.group_revenue_usd[0], usd[day], 1e-6);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* Shippers who wait (conflict/gate.yaml with a post at B that taxes on days 2-3 and seizes
 * every truck on days 5-7): with the default holding rule no truck drives into the post.
 * The truck at B when the post starts, and those loaded at A meanwhile, wait (held back,
 * in node_stock, not queued); when the post is lifted at the start of day 8 they all leave:
 * B's truck reaches M at hour 18 of day 8, A's three with day 8's own truck on day 9. */
static void test_flows__shippers_hold_cargo_back_rather_than_lose_it(void **state)
{
    cfx_override ov[] = {{"events", "gate/events-checkpoint.csv"}};
    cfx_scenario *s = cfx_test_load(GATE, ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    long a = node(s, "A"), b = node(s, "B");
    static const double arrived[12] = {0, 10, 10, 10, 10, 0, 0, 0, 10, 40, 10, 10};
    static const double at_a[12] = {0, 0, 0, 0, 0, 10, 20, 30, 0, 0, 0, 0};
    double before = 0;
    for (long day = 0; day < s->days; day++) {
        run_day(w);
        assert_near(w->obs.arrived_t - before, arrived[day], T_TOL);
        before = w->obs.arrived_t;
        assert_near(w->obs.seized_t, 0, 0);
        assert_near(w->obs.node_stock_t[a], at_a[day], T_TOL);
        assert_near(w->obs.node_stock_t[b], day >= 5 && day <= 7 ? 10 : 0, T_TOL);
        assert_near(w->obs.queued_t[a] + w->obs.queued_t[b], 0, 0); /* held, not queued */
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flows__plan_reaches_the_maximum_flow),
        cmocka_unit_test(test_flows__with_room_the_cheapest_path_takes_everything),
        cmocka_unit_test(test_flows__logit_dispersion_splits_near_equal_ways),
        cmocka_unit_test(test_flows__a_trickle_for_ore_while_jade_passes),
        cmocka_unit_test(test_flows__capacity_events_set_and_restore_capacity),
        cmocka_unit_test(test_flows__partial_halt_and_levies_from_a_date),
        cmocka_unit_test(test_flows__shippers_hold_cargo_back_rather_than_lose_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
