/* Routing on small graphs with known shortest paths, before and after cuts and closures. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "engine/world_impl.h"
#include "models/registry.h"
#include "run/run.h"

typedef struct fixture {
    cfx_scenario *s;
    cfx_world *w;
} fixture;

static int setup(void **state)
{
    static fixture f;
    cfx_diags d = {0};
    cfx_error err;
    int rc = cfx_scenario_load(&f.s, CFX_TEST_DATA "/graph/diamond.yaml", NULL, 0, &d);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s:%d:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
    cfx_diags_free(&d);
    if (rc)
        return -1;
    cfx_world_opts wo = {.models = cfx_models_default(), .threads = 1};
    if (cfx_world_alloc(&f.w, f.s, &wo, &err))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cfx_world_free(f->w);
    cfx_scenario_free(f->s);
    return 0;
}

static int32_t node(const fixture *f, const char *id)
{
    long v = cfx_scenario_node(f->s, id);
    assert_true(v >= 0);
    return (int32_t)v;
}

/* The node reached by following the routing table one arc from `from`. */
static const char *next_node(const fixture *f, const char *from)
{
    int32_t a = f->w->routes.next_arc[node(f, from)];
    if (a < 0)
        return "-";
    return f->s->node_id[f->w->net->arc_to[a]];
}

static void set_status(fixture *f, const char *id, int status)
{
    f->w->node_status[node(f, id)] = (uint8_t)status;
    cfx_world_route(f->w);
}

/* Hours are sums of km / (10 km/h) of whole numbers: exact in binary to well below 1e-12. */
#define HOURS_TOL 1e-12

static void test_network__csr_has_both_directions(void **state)
{
    fixture *f = *state;
    const cfx_network *net = f->w->net;
    assert_int_equal(net->n_arcs, 2 * f->s->n_edges);
    /* Every arc appears once among its head's incoming arcs. */
    size_t count = 0;
    for (size_t v = 0; v < net->n_nodes; v++)
        for (int32_t k = net->in_start[v]; k < net->in_start[v + 1]; k++) {
            assert_int_equal(net->arc_to[net->in_arc[k]], (int32_t)v);
            count++;
        }
    assert_int_equal(count, net->n_arcs);
}

static void test_network__fastest_path_all_open(void **state)
{
    fixture *f = *state;
    set_status(f, "A", CFX_STATUS_OPEN);
    assert_string_equal(next_node(f, "S"), "A");
    assert_string_equal(next_node(f, "A"), "T");
    assert_string_equal(next_node(f, "T"), "-");
    assert_near(f->w->routes.cost[node(f, "S")], 2.0, HOURS_TOL);
    assert_near(f->w->routes.cost[node(f, "B")], 3.0, HOURS_TOL); /* B-S-A-T */
}

static void test_network__cut_node_reroutes_through_gate(void **state)
{
    fixture *f = *state;
    set_status(f, "A", CFX_STATUS_CUT);
    assert_string_equal(next_node(f, "S"), "C");
    assert_string_equal(next_node(f, "C"), "D");
    assert_near(f->w->routes.cost[node(f, "S")], 3.0, HOURS_TOL);
    assert_string_equal(next_node(f, "A"), "-"); /* nothing leaves a cut node */
    set_status(f, "A", CFX_STATUS_OPEN);
}

static void test_network__closed_gate_and_cut_node_leave_the_long_road(void **state)
{
    fixture *f = *state;
    f->w->node_status[node(f, "A")] = CFX_STATUS_CUT;
    set_status(f, "D", CFX_STATUS_CLOSED);
    assert_string_equal(next_node(f, "S"), "B");
    assert_near(f->w->routes.cost[node(f, "S")], 4.0, HOURS_TOL);
    f->w->node_status[node(f, "D")] = CFX_STATUS_OPEN;
    set_status(f, "A", CFX_STATUS_OPEN);
    assert_string_equal(next_node(f, "S"), "A");
}

static void test_network__cut_road_and_no_route(void **state)
{
    fixture *f = *state;
    /* Cut every road into T: no node has a route, costs are infinite. */
    for (size_t e = 0; e < f->s->n_edges; e++)
        f->w->edge_open[e] = f->s->edge_to[e] != node(f, "T");
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "-");
    assert_true(isinf(f->w->routes.cost[node(f, "S")]));
    for (size_t e = 0; e < f->s->n_edges; e++)
        f->w->edge_open[e] = 1;
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "A");
}

static void test_network__contested_node_slows_its_roads(void **state)
{
    fixture *f = *state;
    /* contested_speed_factor 0.5 (default): S-A-T costs 4 h, equal to S-B-T, and S-C-D-T
     * (3 h) becomes the fastest. */
    set_status(f, "A", CFX_STATUS_CONTESTED);
    assert_string_equal(next_node(f, "S"), "C");
    assert_near(f->w->routes.cost[node(f, "A")], 2.0, HOURS_TOL);
    set_status(f, "A", CFX_STATUS_OPEN);
}

/* Generalized cost: a levy or a risk on the fastest road sends cargo another way when time
 * is cheap, and not when time is dear. */
static void test_network__levy_diverts_when_time_is_cheap(void **state)
{
    fixture *f = *state;
    f->w->node_tax_usd_per_t[node(f, "A")] = 5; /* a checkpoint at A: 2 h + 5 USD > 3 h */
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "C");
    assert_near(f->w->routes.cost[node(f, "S")], 3.0, HOURS_TOL);
    f->w->node_tax_usd_per_t[node(f, "A")] = 0;
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "A");
}

static void test_network__levy_paid_when_time_is_dear(void **state)
{
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    cfx_override ov[] = {{"routing.value_of_time_usd_per_t_h", "10"}};
    assert_int_equal(cfx_scenario_load(&s, CFX_TEST_DATA "/graph/diamond.yaml", ov, 1, &d), 0);
    cfx_world *w = NULL;
    cfx_error err;
    cfx_world_opts wo = {.models = cfx_models_default(), .threads = 1};
    assert_int_equal(cfx_world_alloc(&w, s, &wo, &err), 0);
    long a = cfx_scenario_node(s, "A"), sn = cfx_scenario_node(s, "S");
    w->node_tax_usd_per_t[a] = 5; /* 20 + 5 USD/t via A against 30 via C */
    cfx_world_route(w);
    assert_string_equal(s->node_id[w->net->arc_to[w->routes.next_arc[sn]]], "A");
    assert_near(w->routes.cost[sn], 25.0, 1e-9);
    cfx_world_free(w);
    cfx_scenario_free(s);
    cfx_diags_free(&d);
}

static void test_network__seizure_risk_diverts(void **state)
{
    fixture *f = *state;
    /* 1 % chance of losing 10,000 USD/t of cargo at A costs 100 USD/t: take the long way. */
    f->w->node_seize_p[node(f, "A")] = 0.01;
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "C");
    f->w->node_seize_p[node(f, "A")] = 0;
    cfx_world_route(f->w);
}

static void test_network__gate_levy_counts_for_its_holder(void **state)
{
    fixture *f = *state;
    /* D is a gate held by group g: a levy of 50 USD/t there makes S-C-D-T dearer than
     * S-B-T when A is cut. */
    f->w->node_status[node(f, "A")] = CFX_STATUS_CUT;
    f->w->levy_usd_per_t[(size_t)f->s->controller[node(f, "D")] * CFX_NLEVIES + CFX_LEVY_TOLL] = 50;
    cfx_world_route(f->w);
    assert_string_equal(next_node(f, "S"), "B");
    f->w->levy_usd_per_t[(size_t)f->s->controller[node(f, "D")] * CFX_NLEVIES + CFX_LEVY_TOLL] = 0;
    f->w->node_status[node(f, "A")] = CFX_STATUS_OPEN;
    cfx_world_route(f->w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network__csr_has_both_directions),
        cmocka_unit_test(test_network__fastest_path_all_open),
        cmocka_unit_test(test_network__cut_node_reroutes_through_gate),
        cmocka_unit_test(test_network__closed_gate_and_cut_node_leave_the_long_road),
        cmocka_unit_test(test_network__cut_road_and_no_route),
        cmocka_unit_test(test_network__contested_node_slows_its_roads),
        cmocka_unit_test(test_network__levy_diverts_when_time_is_cheap),
        cmocka_unit_test(test_network__levy_paid_when_time_is_dear),
        cmocka_unit_test(test_network__seizure_risk_diverts),
        cmocka_unit_test(test_network__gate_levy_counts_for_its_holder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
