/* The engine end to end on scenarios small enough to check by hand: exact arrival days on
 * the line network, a closure that stops deliveries for exactly its days with the waiting
 * cargo where it should be, tonnes conserved at every step, and identical results on 1 and
 * 2 threads. */
#define _DEFAULT_SOURCE /* mincore */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "check.h"
#include "fixture.h"
#include "engine/world_impl.h"

#define LINE CFX_TEST_DATA "/../../scenarios/examples/line.yaml"
#define KACHIN CFX_SOURCE_DIR "/scenarios/kachin-2025.yaml"
#define TWO_MARKETS CFX_TEST_DATA "/products/two-markets.yaml"
#define SEIZE_JADE CFX_TEST_DATA "/products/seize-jade-levy.yaml"
#define SEPARATORS CFX_TEST_DATA "/products/separators.yaml"
#define TWO_PATHS CFX_TEST_DATA "/products/two-paths.yaml"

static double stock_at(const cfx_world *w, const char *id)
{
    long v = cfx_scenario_node(w->s, id);
    assert_true(v >= 0);
    return w->obs.node_stock_t[v];
}

/* Tonnes are whole kilograms: comparisons of t values use half a kilogram. */
#define T_TOL 0.0005

static void test_engine__line_arrival_days_and_closure(void **state)
{
    cfx_scenario *s = cfx_test_load(LINE, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    /* One 10 t truck a day leaves A at hour 18 and reaches M 24 h later. The gate is closed
     * on days 5-7: the day-4 truck waits at B from hour 120, the trucks of days 5-7 at A;
     * on day 8 the B truck arrives (hour 210), on day 9 the three A trucks (hour 216) and
     * the day-8 truck (hour 234). */
    const double want[20] = {0,  10, 10, 10, 10, 0,  0,  0,  10, 40,
                             10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    double arrived_before = 0;
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        double arrived = w->obs.arrived_t - arrived_before;
        arrived_before = w->obs.arrived_t;
        if (fabs(arrived - want[day]) > T_TOL)
            fail_msg("day %ld: %g t arrived, expected %g", day, arrived, want[day]);
        /* delivered Dy2O3 is the arrived concentrate times the grade 0.05 */
        assert_near(w->obs.delivered[0], 0.05 * want[day], 1e-9);
        if (day >= 5 && day <= 7) {
            assert_near(stock_at(w, "B"), 10, T_TOL);
            assert_near(stock_at(w, "A"), 10.0 * (double)(day - 4), T_TOL);
            assert_int_equal(w->obs.node_status[cfx_scenario_node(s, "G")], CFX_STATUS_CLOSED);
        } else {
            assert_near(stock_at(w, "B"), 0, T_TOL);
            assert_int_equal(w->obs.node_status[cfx_scenario_node(s, "G")], CFX_STATUS_OPEN);
        }
    }
    /* The closure and the reopening are both recorded. */
    assert_int_equal(w->n_events, 2);
    assert_int_equal(w->events[0].kind, CFX_EV_CLOSE);
    assert_near(w->events[0].day, 5, 0);
    assert_int_equal(w->events[1].kind, CFX_EV_REOPEN);
    assert_near(w->events[1].day, 8, 0);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_engine__gate_and_road_capacity_queue_the_excess(void **state)
{
    /* capacity/gate.yaml: the mine makes four 10 t truckloads a day (at hours 0, 6, 12, 18)
     * and the gate G lets 25 t/day out, so two trucks a day fit. The day's capacity plan
     * gives the mine's trucks two slots a day on the only path; the rest wait at the mine,
     * queued for capacity: its stock grows by 20 t a day and 20 t a day reach M.
     * capacity/road.yaml: the gate is free and the road B-G takes three trucks a day: 30 t/day
     * reach M and 10 t/day wait at the mine A. No truck waits on the way. */
    const char *files[] = {CFX_TEST_DATA "/capacity/gate.yaml",
                           CFX_TEST_DATA "/capacity/road.yaml"};
    const double per_day[] = {20, 30};
    for (int f = 0; f < 2; f++) {
        cfx_scenario *s = cfx_test_load(files[f], NULL, 0);
        cfx_world *w = cfx_test_world(s, 1);
        cfx_error err;
        double arrived = 0;
        for (long day = 0; day < s->days; day++) {
            for (long k = 0; k < w->steps_per_day; k++) {
                assert_int_equal(cfx_world_step(w, &err), 0);
                cfx_test_conserved(w);
            }
            double today = w->obs.arrived_t - arrived;
            arrived = w->obs.arrived_t;
            if (day >= 4) { /* after the first days, when the queue builds up */
                assert_near(today, per_day[f], T_TOL);
                assert_near(w->obs.delivered[0], per_day[f] * 0.05, 1e-9);
            }
            double want = (40 - per_day[f]) * (double)(day + 1);
            assert_near(stock_at(w, "A"), want, T_TOL);
            assert_near(w->obs.queued_t[cfx_scenario_node(s, "A")], want, T_TOL);
            assert_near(stock_at(w, "G") + stock_at(w, "B"), 0, T_TOL);
        }
        cfx_world_free(w);
        cfx_scenario_free(s);
    }
}

static void test_engine__closure_raises_price_and_shortfall(void **state)
{
    cfx_scenario *s = cfx_test_load(LINE, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    double price[20], shortfall[20];
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        price[day] = w->obs.price[0];
        shortfall[day] = w->obs.shortfall[0];
    }
    /* Day 0 delivers nothing (the first truck is on the road): stocks dip, the price rises
     * a little; the closure drains stocks further and lifts the price above that. */
    assert_true(price[7] > price[4]);
    assert_true(price[8] > price[4]);
    double peak = 0;
    for (int d = 0; d < 20; d++)
        peak = fmax(peak, price[d]);
    assert_true(peak > 1.2 * s->products[0].price_usd_per_kg);
    /* 10 days of cover: three days without deliveries are covered by stocks. */
    for (int d = 0; d < 20; d++)
        assert_near(shortfall[d], 0, 1e-12);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* Revenue on the line: A-group holds A, B and the gate G. The day-d truck (10 t) crosses G
 * at hour 24d + 30, so one crossing a day from day 1; none on days 5-7 (closed); on day 8
 * the truck held at B and the three held at A all cross. */
static void test_engine__levies_and_taxes_reach_their_groups(void **state)
{
    cfx_override ov[] = {{"groups.A-group.export_levy_usd_per_t", "1000"},
                         {"groups.A-group.mine_tax_usd_per_t", "7"},
                         {"groups.China.toll_usd_per_t", "55"}};
    cfx_scenario *s = cfx_test_load(LINE, ov, 3);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    long a = 0, china = 1; /* group order: A-group, China (first seen in the YAML) */
    assert_string_equal(s->groups[a].name, "A-group");
    assert_string_equal(s->groups[china].name, "China");
    const double crossings[12] = {0, 1, 1, 1, 1, 0, 0, 0, 4, 1, 1, 1};
    for (long day = 0; day < 12; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        /* gate toll 100 (the YAML) + export levy 1000 per t crossing, mine tax 7 per t mined */
        assert_near(w->obs.group_revenue_usd[a], crossings[day] * 10 * (100 + 1000) + 10 * 7, 1e-6);
        /* China holds only M, which is not a gate: its toll is never charged */
        assert_near(w->obs.group_revenue_usd[china], 0, 0);
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* A group that seizes other groups' cargo: the line's only road passes its town B. With
 * shippers who never hold cargo back (routing.hold_wait_days 0) every truck is seized. */
static void test_engine__hostile_node_seizes_or_is_avoided(void **state)
{
    cfx_override ov[] = {{"groups.China.hostile_seize_p", "1"}, {"routing.hold_wait_days", "0"}};
    cfx_scenario *s = cfx_test_load(LINE, ov, 2);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    long b = cfx_scenario_node(s, "B");
    w->controller[b] = 1; /* China takes B: A-group's cargo leaving B is seized */
    w->network_changed = 1;
    for (long day = 0; day < 5; day++)
        assert_int_equal(cfx_world_run_day(w, &err), 0);
    assert_true(w->seized_kg > 0);
    assert_int_equal(w->arrived_kg, 0);
    cfx_test_conserved(w);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* The road between nodes a and b (either way round). */
static size_t edge_between(const cfx_scenario *s, const char *a, const char *b)
{
    long u = cfx_scenario_node(s, a), v = cfx_scenario_node(s, b);
    for (size_t e = 0; e < s->n_edges; e++)
        if ((s->edge_from[e] == u && s->edge_to[e] == v) ||
            (s->edge_from[e] == v && s->edge_to[e] == u))
            return e;
    fail_msg("no road %s-%s", a, b);
    return 0;
}

/* Markets by product (tests/data/products): jade from J is delivered at R, which buys only
 * jade; the rare-earth cargo from A passes R and is delivered at M. Both trucks leave at
 * hour 18; J's reaches R 18 h later, A's reaches M 24 h later: from day 1, 10 t of each a
 * day. */
static void test_engine__each_cargo_goes_to_a_market_that_buys_it(void **state)
{
    /* separators.yaml writes 'buys' with ';', ',' and a tab, and has R buy Dy2O3 too: A's
     * cargo, which also carries Tb4O7, still passes R (a market buys a cargo only when it
     * buys all it carries). The same scenario. */
    for (int threads = 1; threads <= 3; threads++) {
        cfx_scenario *s = cfx_test_load(threads == 3 ? SEPARATORS : TWO_MARKETS, NULL, 0);
        cfx_world *w = cfx_test_world(s, threads == 3 ? 1 : threads);
        cfx_error err;
        assert_int_equal(s->n_cargo, 2);
        long r = cfx_scenario_node(s, "R"), m = cfx_scenario_node(s, "M");
        long a = cfx_scenario_node(s, "A"), j = cfx_scenario_node(s, "J");
        size_t rm = edge_between(s, "R", "M");
        for (long day = 0; day < 10; day++) {
            assert_int_equal(cfx_world_run_day(w, &err), 0);
            double t = day ? 10 : 0;
            assert_near(w->obs.delivered[2], t, T_TOL);        /* jade, grade 1 */
            assert_near(w->obs.delivered[0], 0.05 * t, 1e-9); /* Dy2O3 of A's cargo */
            assert_near(w->obs.delivered_by_origin_t[j], t, T_TOL);
            assert_near(w->obs.delivered_by_origin_t[a], t, T_TOL);
            /* only A's cargo goes on from R to M; R sees both, and keeps the jade */
            assert_near(w->obs.edge_flow_t[rm], day ? 10 : 0, T_TOL);
            assert_near(w->obs.node_throughput_t[r], 2 * t, T_TOL);
            assert_near(w->obs.delivered_at_t[r], t, T_TOL);
            assert_near(w->obs.delivered_at_t[m], t, T_TOL);
            assert_near(w->obs.delivered_at_t[a] + w->obs.delivered_at_t[j], 0, 0);
        }
        cfx_test_conserved(w);
        cfx_world_free(w);
        cfx_scenario_free(s);
    }
}

/* China's posts seize only rare-earth cargo, and A-group levies only jade at its gate G:
 * with China holding B, every rare-earth truck is seized there (its shippers never hold
 * cargo back: routing.hold_wait_days 0) and jade goes through. Each seizure is China's gain
 * (at its seized_value_share of the value) and A-group's loss (at the whole value). */
static void test_engine__seizures_and_levies_by_product(void **state)
{
    cfx_override ov[] = {{"routing.hold_wait_days", "0"}};
    cfx_scenario *s = cfx_test_load(SEIZE_JADE, ov, 1);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    long b = cfx_scenario_node(s, "B");
    w->controller[b] = 1; /* China */
    w->network_changed = 1;
    double lost_usd = 0, gained_usd = 0;
    assert_string_equal(s->products[0].name, "Dy2O3");
    assert_string_equal(s->products[1].name, "Tb4O7");
    for (long day = 0; day < 10; day++) {
        /* the seized cargo is valued at the prices of the day before (tests/data/products/
         * mines.csv: mine A's cargo is 5 % Dy2O3 and 1 % Tb4O7), USD per t */
        double usd_per_t = (0.05 * w->obs.price[0] + 0.01 * w->obs.price[1]) * 1000.0;
        int64_t seized_before = w->seized_kg;
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        /* A-group: the gate toll (100 USD/t, line.yaml) on the jade that crosses G (the
         * rare-earth cargo never gets there) and the export levy (1000 USD/t) on jade */
        double crossing = day ? 10 : 0; /* J's truck crosses G at hour 30 of its trip day */
        assert_near(w->obs.group_revenue_usd[0], crossing * (100 + 1000), 1e-6);
        assert_near(w->obs.delivered[0], 0, 0);
        /* the accounts: A-group loses its seized cargo at its whole value; China, holding
         * B, sells it on at half that (groups.China.seized_value_share, default 0.5) */
        double seized_t = (double)(w->seized_kg - seized_before) / 1000.0;
        assert_near(w->obs.group_seizure_loss_usd[0], seized_t * usd_per_t, 1e-6);
        assert_near(w->obs.group_seizure_gain_usd[1], 0.5 * seized_t * usd_per_t, 1e-6);
        assert_near(w->obs.group_revenue_usd[1], 0.5 * seized_t * usd_per_t, 1e-6);
        assert_near(w->obs.group_seizure_gain_usd[0] + w->obs.group_seizure_loss_usd[1], 0, 0);
        lost_usd += w->obs.group_seizure_loss_usd[0];
        gained_usd += w->obs.group_seizure_gain_usd[1];
    }
    assert_true(lost_usd > 9 * 10 * 0.05 * 100 * 1000); /* 90 t at >= half the baseline */
    assert_near(gained_usd, 0.5 * lost_usd, 1e-9 * lost_usd);
    /* A's trucks of days 0-8, seized leaving B (the day-9 truck reaches B at hour 240) */
    assert_int_equal(w->seized_kg, 9 * 10 * 1000);
    assert_true(w->arrived_kg >= 9 * 10 * 1000);    /* J's, delivered from day 1 */
    cfx_test_conserved(w);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* Routing weighs seizure risk by product (tests/data/products/two-paths.yaml): China's town
 * B seizes rare-earth trucks only, so the rare-earth cargo goes round by C and the jade
 * takes the short road through B; nothing is seized. */
static void test_engine__routing_weighs_seizure_by_product(void **state)
{
    cfx_scenario *s = cfx_test_load(TWO_PATHS, NULL, 0);
    cfx_world *w = cfx_test_world(s, 1);
    cfx_error err;
    size_t ab = edge_between(s, "A", "B"), ac = edge_between(s, "A", "C");
    size_t jb = edge_between(s, "J", "B"), jc = edge_between(s, "J", "C");
    double flow[4] = {0};
    for (long day = 0; day < 10; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        /* Both cargoes cross A-group's gate G from day 1 and pay its toll (100 USD/t); only
         * the jade pays the export levy (1000 USD/t, export_levy_products: [Jade]). */
        assert_near(w->obs.group_revenue_usd[0], day ? 10 * 100 + 10 * (100 + 1000) : 0, 1e-6);
        flow[0] += w->obs.edge_flow_t[ab];
        flow[1] += w->obs.edge_flow_t[ac];
        flow[2] += w->obs.edge_flow_t[jb];
        flow[3] += w->obs.edge_flow_t[jc];
    }
    assert_near(flow[0], 0, 0);
    assert_near(flow[1], 100, T_TOL); /* a truck a day from each mine */
    assert_near(flow[2], 100, T_TOL);
    assert_near(flow[3], 0, 0);
    assert_int_equal(w->seized_kg, 0);
    assert_true(w->obs.delivered[0] > 0 && w->obs.delivered[2] > 0);
    cfx_test_conserved(w);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* A closure to some products (tests/data/products/close-rare-earth.csv: gate G closed to
 * cargo carrying Dy2O3 on days 5-7): the rare-earth trucks stop for exactly those days,
 * as the line example's full closure, and catch up; the jade goes through every day. The
 * closure and its end are logged once each. */
static void test_engine__closure_to_a_product_stops_only_that_cargo(void **state)
{
    cfx_override ov[] = {{"events", CFX_TEST_DATA "/products/close-rare-earth.csv"}};
    for (int threads = 1; threads <= 2; threads++) {
        cfx_scenario *s = cfx_test_load(TWO_MARKETS, ov, 1);
        cfx_world *w = cfx_test_world(s, threads);
        cfx_error err;
        const double want_re[12] = {0, 10, 10, 10, 10, 0, 0, 0, 10, 40, 10, 10};
        long r = cfx_scenario_node(s, "R"), m = cfx_scenario_node(s, "M");
        for (long day = 0; day < 12; day++) {
            assert_int_equal(cfx_world_run_day(w, &err), 0);
            if (fabs(w->obs.delivered_at_t[m] - want_re[day]) > T_TOL)
                fail_msg("day %ld: %g t of rare-earth cargo delivered, expected %g", day,
                         w->obs.delivered_at_t[m], want_re[day]);
            assert_near(w->obs.delivered_at_t[r], day ? 10 : 0, T_TOL);
            /* the gate stays open to everything else */
            assert_int_equal(w->obs.node_status[cfx_scenario_node(s, "G")], CFX_STATUS_OPEN);
        }
        assert_int_equal(w->n_events, 2);
        assert_int_equal(w->events[0].kind, CFX_EV_CLOSE);
        assert_int_equal(w->events[1].kind, CFX_EV_REOPEN);
        assert_near(w->events[1].day, 8, 0);
        cfx_test_conserved(w);
        cfx_world_free(w);
        cfx_scenario_free(s);
    }
}

static void run_conserving(const char *path)
{
    cfx_scenario *s = cfx_test_load(path, NULL, 0);
    cfx_world *w = cfx_test_world(s, 2);
    cfx_error err;
    long steps = s->days * w->steps_per_day;
    for (long k = 0; k < steps; k++) {
        assert_int_equal(cfx_world_step(w, &err), 0);
        cfx_test_conserved(w);
    }
    assert_true(w->produced_kg > 0);
    assert_true(w->arrived_kg > 0);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

static void test_engine__tonnes_conserved_every_step_line(void **state)
{
    run_conserving(LINE);
}

static void test_engine__tonnes_conserved_every_step_kachin(void **state)
{
    run_conserving(KACHIN);
}

/* Every observed series, compared bit for bit. */
static void assert_obs_equal(const cfx_world *a, const cfx_world *b, long day)
{
    const cfx_scenario *s = a->s;
    size_t n = s->n_nodes, m = s->n_edges, np = s->n_products, ng = s->n_groups;
#define SAME(f, len)                                                                               \
    if (memcmp(a->obs.f, b->obs.f, (len) * sizeof *a->obs.f) != 0)                                 \
        fail_msg("day %ld: %s differs between 1 and 2 threads", day, #f);
    SAME(price, np)
    SAME(demand, np)
    SAME(supply, np)
    SAME(delivered, np) SAME(shortfall, np) SAME(inventory, np) SAME(node_status, n)
        SAME(node_controller, n) SAME(node_stock_t, n) SAME(node_throughput_t, n)
            SAME(edge_flow_t, m) SAME(group_revenue_usd, ng) SAME(delivered_by_origin_t, n)
                SAME(delivered_at_t, n) SAME(delivered_by_controller_t, ng)
#undef SAME
                    assert_memory_equal(&a->obs.in_transit_t, &b->obs.in_transit_t, sizeof(double));
    assert_int_equal(a->hop_events, b->hop_events);
}

static void test_engine__one_and_two_threads_identical(void **state)
{
    /* Gate clearance times are random (exponential): the draws must not depend on the
     * thread that makes them. */
    cfx_override ov[] = {{"transport.gate_clearance_hours", "5"}};
    cfx_scenario *s = cfx_test_load(KACHIN, ov, 1);
    cfx_world *w1 = cfx_test_world(s, 1), *w2 = cfx_test_world(s, 2);
    cfx_error err;
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w1, &err), 0);
        assert_int_equal(cfx_world_run_day(w2, &err), 0);
        assert_obs_equal(w1, w2, day);
    }
    assert_true(w1->hop_events > 0);
    cfx_world_free(w1);
    cfx_world_free(w2);
    cfx_scenario_free(s);
}

/* A day observed into rows the caller owns (the output's buffer in a run) is the day
 * observed into the world's own arrays; rows alternate as the output's do, an array left
 * NULL stays the world's own, and going back copies the last day into the world's own
 * arrays, after which the rows can go. */
static void test_engine__observed_into_rows_as_into_its_own(void **state)
{
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0);
    cfx_world *w1 = cfx_test_world(s, 1), *w2 = cfx_test_world(s, 2);
    size_t n = s->n_nodes;
    double *stock[2] = {calloc(n, sizeof(double)), calloc(n, sizeof(double))};
    int32_t *ctrl[2] = {calloc(n, sizeof(int32_t)), calloc(n, sizeof(int32_t))};
    const double *own_flow = w2->obs.edge_flow_t, *own_stock = w2->obs.node_stock_t;
    cfx_error err;
    double moved = 0;
    for (long day = 0; day < s->days; day++) {
        cfx_obs rows = {.node_stock_t = stock[day % 2], .node_controller = ctrl[day % 2]};
        cfx_world_observe_into(w2, &rows);
        assert_int_equal(cfx_world_run_day(w1, &err), 0);
        assert_int_equal(cfx_world_run_day(w2, &err), 0);
        assert_ptr_equal(w2->obs.node_stock_t, stock[day % 2]);
        assert_ptr_equal(w2->obs.edge_flow_t, own_flow);
        assert_obs_equal(w1, w2, day);
        for (size_t i = 0; i < n; i++)
            moved += stock[day % 2][i];
    }
    assert_true(moved > 0);
    cfx_world_observe_into(w2, NULL);
    assert_ptr_equal(w2->obs.node_stock_t, own_stock);
    for (int k = 0; k < 2; k++) { /* the world no longer reads them */
        memset(stock[k], 0xff, n * sizeof(double));
        free(stock[k]);
        free(ctrl[k]);
    }
    assert_obs_equal(w1, w2, s->days - 1);
    cfx_world_free(w1);
    cfx_world_free(w2);
    cfx_scenario_free(s);
}

/* Levies are worked out node by node on every thread (book_levies; the tests' parallel_min
 * of 1 takes that path even on Kachin's network): the revenue is the same as on one thread. */
static void test_engine__levies_one_and_two_threads_identical(void **state)
{
    cfx_override ov[] = {{"groups.KIA.toll_usd_per_t", "40"}, {"groups.SAC.toll_usd_per_t", "25"}};
    cfx_scenario *s = cfx_test_load(KACHIN, ov, 2);
    cfx_world *w1 = cfx_test_world(s, 1), *w2 = cfx_test_world(s, 2);
    cfx_error err;
    double revenue = 0;
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w1, &err), 0);
        assert_int_equal(cfx_world_run_day(w2, &err), 0);
        assert_obs_equal(w1, w2, day);
        for (size_t g = 0; g < s->n_groups; g++)
            revenue += w2->obs.group_revenue_usd[g];
    }
    assert_true(revenue > 0);
    cfx_world_free(w1);
    cfx_world_free(w2);
    cfx_scenario_free(s);
}

static void test_engine__seed_changes_random_delays(void **state)
{
    cfx_override a[] = {{"transport.gate_clearance_hours", "5"}, {"seed", "1"}};
    cfx_override b[] = {{"transport.gate_clearance_hours", "5"}, {"seed", "2"}};
    cfx_scenario *sa = cfx_test_load(KACHIN, a, 2), *sb = cfx_test_load(KACHIN, b, 2);
    cfx_world *wa = cfx_test_world(sa, 1), *wb = cfx_test_world(sb, 1);
    cfx_error err;
    int differ = 0;
    for (long day = 0; day < 60; day++) {
        assert_int_equal(cfx_world_run_day(wa, &err), 0);
        assert_int_equal(cfx_world_run_day(wb, &err), 0);
        /* the delays move arrivals from one day to another */
        differ |= memcmp(wa->obs.node_throughput_t, wb->obs.node_throughput_t,
                         sa->n_nodes * sizeof(double)) != 0;
    }
    assert_true(differ);
    cfx_world_free(wa);
    cfx_world_free(wb);
    cfx_scenario_free(sa);
    cfx_scenario_free(sb);
}

/* A world with a model list of the test's own: the default routing and market, and in place
 * of the production and conflict models a test model that produces exactly 7 t a day at
 * every mine. On the gate line with its mine events (a halt on days 2-4, two destructions
 * of equipment), nothing of those events happens: no model applies them. The mine makes
 * 7 t a day throughout, every truckload of 10 t leaves when full, and the market still
 * clears on what arrives. */
static int steady_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    (void)state, (void)w, (void)params, (void)err;
    return 0;
}

static void steady_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    (void)state;
    for (size_t m = 0; m < cfx_world_scenario(w)->n_mines; m++)
        cfx_cmdbuf_push(out, (cfx_cmd){.kind = CFX_CMD_PRODUCE, .a = (int32_t)m,
                                       .x = 7.0 * ctx->step_hours / 24.0});
}

static const cfx_model_type steady_production = {.name = "steady",
                                                 .phase = CFX_PHASE_PRODUCTION,
                                                 .state_size = 0,
                                                 .init = steady_init,
                                                 .step = steady_step};

static const cfx_model_type *default_model(const char *name)
{
    for (const cfx_model_type *const *m = cfx_models_default(); *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    fail_msg("no default model '%s'", name);
    return NULL;
}

static void test_engine__a_model_list_of_the_tests_own(void **state)
{
    (void)state;
    const cfx_model_type *models[] = {default_model("routing"), &steady_production,
                                      default_model("market"), NULL};
    const cfx_section_reader *readers[] = {&models[0]->params, &models[1]->params,
                                           &models[2]->params, NULL};
    cfx_override ov[] = {{"events", "gate/events-mine.csv"}};
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_scenario_read(&s, CFX_TEST_DATA "/conflict/gate.yaml", ov, 1, readers, 1, &d),
                     0);
    cfx_diags_free(&d);
    cfx_world *w = NULL;
    cfx_error err;
    cfx_world_opts wo = {.models = models, .threads = 1, .parallel_min = 1};
    assert_int_equal(cfx_world_alloc(&w, s, &wo, &err), 0);
    for (long day = 0; day < s->days; day++) {
        assert_int_equal(cfx_world_run_day(w, &err), 0);
        cfx_test_conserved(w);
        assert_near(w->obs.produced_t, 7.0 * (double)(day + 1), T_TOL); /* no halt, no damage */
        assert_true(w->obs.price[0] > 0);
    }
    /* 84 t made in 12 days: 8 truckloads have left, 4 t wait at the mine */
    assert_near(stock_at(w, "A"), 4.0, T_TOL);
    size_t n_events = 1;
    cfx_world_events(w, &n_events);
    assert_int_equal(n_events, 0); /* no model logged an event */
    /* the same scenario under the default models: the halt and the destructions bite */
    cfx_world *dw = NULL;
    cfx_scenario *ds = cfx_test_load(CFX_TEST_DATA "/conflict/gate.yaml", ov, 1);
    dw = cfx_test_world(ds, 1);
    for (long day = 0; day < ds->days; day++)
        assert_int_equal(cfx_world_run_day(dw, &err), 0);
    assert_true(dw->obs.produced_t < w->obs.produced_t - 20);
    cfx_world_free(dw);
    cfx_scenario_free(ds);
    cfx_world_free(w);
    cfx_scenario_free(s);
}

/* The shipment pool grows past 2 MiB, where its two blocks move onto huge pages
 * (cfx_huge_alloc, core/grow.h), and again: every slot's fields, the free stack and the
 * cache-line alignment of the hot array survive each move, and new slots start free. */
static void test_engine__ship_pool_keeps_slots_when_it_grows(void **state)
{
    (void)state;
    cfx_ships sh = {0};
    size_t sizes[] = {1000, 70000, 140000}; /* 1,024, 131,072 and 262,144 slots */
    size_t used = 0, kept = 0; /* kept: slots given back, at the bottom of the free stack */
    for (size_t g = 0; g < 3; g++) {
        assert_int_equal(cfx_ships__grow(&sh, sizes[g]), 0);
        assert_true(sh.cap >= sizes[g]);
        assert_int_equal((uintptr_t)sh.s % 64, 0);
        /* the slots filled before this growth, as they were left */
        for (size_t i = 0; i < used; i++) {
            assert_int_equal(sh.s[i].kg, (int32_t)(i * 7 + 1));
            assert_int_equal(sh.serial[i], (uint64_t)i * 1000003u);
            assert_int_equal(sh.path[i], (int32_t)(i % 97));
            assert_int_equal(sh.path_pos[i], (uint16_t)(i % 13));
        }
        /* new slots are free and empty */
        for (size_t i = used; i < sh.cap; i++) {
            assert_int_equal(sh.s[i].state, CFX_SHIP_FREE);
            assert_int_equal(sh.path[i], -1);
            assert_int_equal(sh.serial[i], 0);
            assert_int_equal(sh.path_pos[i], 0);
        }
        assert_int_equal(sh.n_free, sh.cap - used + kept);
        for (size_t k = 0; k < kept; k++) /* under the new slots, as they were */
            assert_int_equal(sh.free_list[k], (int32_t)(5 + 12 * k));
        /* take every new slot, filling its fields: the stack gives the lowest id first */
        while (sh.n_free > kept) {
            size_t i = (size_t)sh.free_list[--sh.n_free];
            assert_int_equal(i, used);
            sh.s[i].kg = (int32_t)(i * 7 + 1);
            sh.s[i].state = CFX_SHIP_MOVING;
            sh.serial[i] = (uint64_t)i * 1000003u;
            sh.path[i] = (int32_t)(i % 97);
            sh.path_pos[i] = (uint16_t)(i % 13);
            used++;
        }
        if (g == 1) { /* two shipments retire before the last growth: 5, then 17 */
            for (kept = 0; kept < 2; kept++) {
                sh.s[5 + 12 * kept].state = CFX_SHIP_FREE;
                sh.free_list[sh.n_free++] = (int32_t)(5 + 12 * kept);
            }
        }
    }
    assert_int_equal(used, 262144);
    assert_int_equal(sh.n_free, 2);
    cfx_ships__free(&sh);
}

/* The pages of [p, p + n) that are in memory (mincore). */
static size_t resident_pages(const void *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), count = (n + page - 1) / page, in = 0;
    unsigned char *v = malloc(count);
    assert_non_null(v);
    assert_int_equal(mincore((void *)p, n, v), 0);
    for (size_t i = 0; i < count; i++)
        in += v[i] & 1;
    free(v);
    return in;
}

/* The output's buffers (cfx_huge_zalloc): zeroed whatever their size, from 2 MiB on whole,
 * aligned huge pages not one of which is in memory before it is touched, also when a block
 * of the same size was just freed (as a sweep's next member makes its buffers again: calloc
 * would hand back the freed block zeroed by a write to every page); each byte writable and
 * kept. */
static void test_engine__zeroed_blocks_on_huge_pages(void **state)
{
    (void)state;
    size_t sizes[] = {1, 1000, (size_t)2 << 20, (size_t)5 << 20, (size_t)5 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *p = cfx_huge_zalloc(sizes[k]);
        assert_non_null(p);
        if (sizes[k] >= ((size_t)2 << 20)) {
            assert_int_equal((uintptr_t)p % ((size_t)2 << 20), 0);
            assert_int_equal(resident_pages(p, sizes[k]), 0);
        }
        for (size_t i = 0; i < sizes[k]; i++)
            assert_int_equal(p[i], 0);
        for (size_t i = 0; i < sizes[k]; i += 4093)
            p[i] = (unsigned char)(i % 251 + 1);
        p[sizes[k] - 1] = 7;
        for (size_t i = 0; i + 1 < sizes[k]; i++)
            assert_int_equal(p[i], i % 4093 ? 0 : (unsigned char)(i % 251 + 1));
        assert_int_equal(p[sizes[k] - 1], 7);
        cfx_huge_zfree(p, sizes[k]);
    }
}

/* 1 when the mapping that holds p is advised for huge pages (VmFlags "hg" in
 * /proc/self/smaps), 0 when not, -1 when smaps cannot be read. */
static int advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0, advised = 0;
    uintptr_t at = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = lo <= at && at < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            advised = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return advised;
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

/* The heap on huge pages (cfx_memory_setup, as the conflux command calls it first): a block
 * that malloc hands out afterwards, from the heap, lies in memory advised for them. Run first,
 * while the heap holds no free block that malloc could take instead. */
static void test_engine__heap_on_huge_pages(void **state)
{
    (void)state;
#ifdef ASAN
    skip(); /* AddressSanitizer's malloc has no heap of glibc's */
#endif
    struct rlimit as, data;
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0 ||
        getrlimit(RLIMIT_AS, &as) || as.rlim_cur != RLIM_INFINITY ||
        getrlimit(RLIMIT_DATA, &data) || data.rlim_cur != RLIM_INFINITY)
        skip(); /* no transparent huge pages, or a limit under which it is not done */
    cfx_memory_setup();
    char *p = malloc((size_t)24 << 20); /* below M_MMAP_THRESHOLD: from the heap */
    assert_non_null(p);
    uintptr_t huge = (uintptr_t)2 << 20, q = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    assert_int_equal(advised_huge((void *)q), 1);
    assert_int_equal(advised_huge((void *)(q + ((uintptr_t)20 << 20))), 1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine__heap_on_huge_pages), /* first: see there */
        cmocka_unit_test(test_engine__line_arrival_days_and_closure),
        cmocka_unit_test(test_engine__ship_pool_keeps_slots_when_it_grows),
        cmocka_unit_test(test_engine__zeroed_blocks_on_huge_pages),
        cmocka_unit_test(test_engine__gate_and_road_capacity_queue_the_excess),
        cmocka_unit_test(test_engine__closure_raises_price_and_shortfall),
        cmocka_unit_test(test_engine__levies_and_taxes_reach_their_groups),
        cmocka_unit_test(test_engine__hostile_node_seizes_or_is_avoided),
        cmocka_unit_test(test_engine__each_cargo_goes_to_a_market_that_buys_it),
        cmocka_unit_test(test_engine__seizures_and_levies_by_product),
        cmocka_unit_test(test_engine__routing_weighs_seizure_by_product),
        cmocka_unit_test(test_engine__closure_to_a_product_stops_only_that_cargo),
        cmocka_unit_test(test_engine__tonnes_conserved_every_step_line),
        cmocka_unit_test(test_engine__tonnes_conserved_every_step_kachin),
        cmocka_unit_test(test_engine__one_and_two_threads_identical),
        cmocka_unit_test(test_engine__levies_one_and_two_threads_identical),
        cmocka_unit_test(test_engine__observed_into_rows_as_into_its_own),
        cmocka_unit_test(test_engine__seed_changes_random_delays),
        cmocka_unit_test(test_engine__a_model_list_of_the_tests_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
