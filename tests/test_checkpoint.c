/* Checkpoints of the world (sim/checkpoint.h): a world saved mid-run and loaded into a fresh
 * one has the same state, routing table included, and the two then step to the same
 * observations day after day, on one thread or two; a checkpoint of another scenario, or a
 * damaged one, is refused with the dataset named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "run/checkpoint.h"
#include "fixture.h"
#include "engine/world_impl.h"

#define KACHIN CFX_SOURCE_DIR "/scenarios/kachin-2025.yaml"
#define LINE CFX_SOURCE_DIR "/scenarios/examples/line.yaml"

static void temp_path(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "/tmp/cfx-test-checkpoint-%ld-%s.h5", (long)getpid(), what);
    unlink(buf);
}

static void run_days(cfx_world *w, long days)
{
    cfx_error err;
    for (long d = 0; d < days; d++) {
        if (cfx_world_run_day(w, &err))
            fail_msg("day %ld: %s", d, err.msg);
        cfx_test_conserved(w);
    }
}

/* Saves w to path, or loads it from there (cfx_world_checkpoint does both). */
static int transfer(cfx_world *w, const char *path, int saving, cfx_error *err)
{
    cfx_ckpt *c;
    int rc = cfx_ckpt_open(&c, path, saving, err);
    if (!rc) {
        cfx_world_checkpoint(w, c);
        rc = cfx_ckpt_close(c);
    }
    return rc;
}

#define SAME(a, b, n)                                                                              \
    do {                                                                                           \
        if ((n) > 0 && memcmp((a), (b), (n) * sizeof *(a)) != 0)                                   \
            fail_msg("%s differs after loading", #a);                                              \
    } while (0)

/* Everything the engine holds (the models' state is checked by stepping). */
static void assert_same_world(const cfx_world *a, const cfx_world *b)
{
    const cfx_scenario *s = a->s;
    size_t n = s->n_nodes, m = s->n_edges, ng = s->n_groups;
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->network_changed, b->network_changed);
    assert_int_equal(a->produced_kg, b->produced_kg);
    assert_int_equal(a->arrived_kg, b->arrived_kg);
    assert_int_equal(a->in_transit_kg, b->in_transit_kg);
    assert_int_equal(a->seized_kg, b->seized_kg);
    assert_int_equal(a->lost_kg, b->lost_kg);
    assert_int_equal(a->hop_events, b->hop_events);
    SAME(a->node_status, b->node_status, n);
    SAME(a->edge_open, b->edge_open, m);
    SAME(a->controller, b->controller, n);
    SAME(a->stock_kg, b->stock_kg, n);
    SAME(a->mine_pile_kg, b->mine_pile_kg, s->n_mines);
    SAME(a->mine_capacity, b->mine_capacity, s->n_mines);
    SAME(a->node_strike_end_h, b->node_strike_end_h, n);
    SAME(a->obs.price, b->obs.price, s->n_products);
    /* the routing table is recomputed on loading: the same as the one in force */
    SAME(a->routes.next_arc, b->routes.next_arc, n * ng * s->n_cargo);
    SAME(a->routes.cost, b->routes.cost, n * ng * s->n_cargo);
    SAME(a->routes.arc_hours, b->routes.arc_hours, a->net->n_arcs);
    /* the shipment pool, slot for slot, and the order of every list */
    const cfx_ships *x = &a->ships, *y = &b->ships;
    assert_int_equal(x->cap, y->cap);
    assert_int_equal(x->n_active, y->n_active);
    assert_int_equal(x->n_free, y->n_free);
    assert_int_equal(x->next_serial, y->next_serial);
    SAME(x->s, y->s, x->cap); /* the hot fields, whole structs (no padding) */
    SAME(x->serial, y->serial, x->cap);
    SAME(x->free_list, y->free_list, x->n_free);
    SAME(x->path, y->path, x->cap);
    SAME(x->path_pos, y->path_pos, x->cap);
    SAME(a->queued_kg, b->queued_kg, n);
    SAME(a->node_cap_kg, b->node_cap_kg, n);
    SAME(a->edge_cap_kg, b->edge_cap_kg, m);
    /* the capacity plan: today's paths and those trucks follow, slot for slot */
    assert_int_equal(a->plan.n_path, b->plan.n_path);
    assert_int_equal(a->plan.n_arcs, b->plan.n_arcs);
    SAME(a->plan.arcs, b->plan.arcs, a->plan.n_arcs);
    SAME(a->plan.first, b->plan.first, n * ng * s->n_cargo);
    for (size_t p = 0; p < a->plan.n_path; p++) {
        const cfx_plan_path *u = &a->plan.path[p], *v = &b->plan.path[p];
        assert_true(u->commodity == v->commodity && u->source == v->source &&
                    u->start == v->start && u->len == v->len && u->allot == v->allot &&
                    u->users == v->users && u->next == v->next &&
                    u->cost_usd_per_t == v->cost_usd_per_t);
    }
    assert_int_equal(a->cal.n, b->cal.n);
    for (size_t i = 0; i < a->cal.n; i++) {
        assert_int_equal(a->cal.b[i].n, b->cal.b[i].n);
        SAME(a->cal.b[i].ids, b->cal.b[i].ids, a->cal.b[i].n);
    }
    assert_int_equal(a->cal.n_far, b->cal.n_far);
    SAME(a->cal.far, b->cal.far, a->cal.n_far);
    assert_int_equal(a->n_waiting, b->n_waiting);
    SAME(a->waiting, b->waiting, a->n_waiting);
    assert_int_equal(a->n_events, b->n_events);
    for (size_t i = 0; i < a->n_events; i++) {
        assert_true(a->events[i].day == b->events[i].day);
        assert_int_equal(a->events[i].kind, b->events[i].kind);
        assert_int_equal(a->events[i].node, b->events[i].node);
    }
}

/* One day's observation, every value. */
static void assert_same_obs(const cfx_world *a, const cfx_world *b)
{
    const cfx_scenario *s = a->s;
    size_t n = s->n_nodes, np = s->n_products, ng = s->n_groups;
    const cfx_obs *x = &a->obs, *y = &b->obs;
    assert_int_equal(x->day, y->day);
    SAME(x->price, y->price, np);
    SAME(x->demand, y->demand, np);
    SAME(x->supply, y->supply, np);
    SAME(x->delivered, y->delivered, np);
    SAME(x->shortfall, y->shortfall, np);
    SAME(x->inventory, y->inventory, np);
    SAME(x->node_status, y->node_status, n);
    SAME(x->node_controller, y->node_controller, n);
    SAME(x->node_stock_t, y->node_stock_t, n);
    SAME(x->queued_t, y->queued_t, n);
    SAME(x->node_throughput_t, y->node_throughput_t, n);
    SAME(x->edge_flow_t, y->edge_flow_t, s->n_edges);
    SAME(x->group_revenue_usd, y->group_revenue_usd, ng);
    SAME(x->delivered_by_origin_t, y->delivered_by_origin_t, n);
    SAME(x->delivered_at_t, y->delivered_at_t, n);
    SAME(x->delivered_by_controller_t, y->delivered_by_controller_t, ng);
    assert_true(x->in_transit_t == y->in_transit_t && x->arrived_t == y->arrived_t &&
                x->lost_t == y->lost_t && x->seized_t == y->seized_t);
}

/* Saves the world of scenario after `at` days and `steps` steps more, loads it into a fresh
 * world on `threads` threads, checks the state, then steps both to the end comparing every
 * day's observation. With `busy`, the scenario must record events after the checkpoint. */
static void round_trip(const char *scenario, long at, long steps, int threads, int busy)
{
    cfx_scenario *s = cfx_test_load(scenario, NULL, 0);
    cfx_world *a = cfx_test_world(s, 1), *b = cfx_test_world(s, threads);
    char path[256];
    cfx_error err;
    temp_path(path, sizeof path, "world");
    run_days(a, at);
    for (long k = 0; k < steps; k++)
        assert_int_equal(cfx_world_step(a, &err), 0);
    if (transfer(a, path, 1, &err))
        fail_msg("save: %s", err.msg);
    if (transfer(b, path, 0, &err))
        fail_msg("load: %s", err.msg);
    unlink(path);
    assert_same_world(a, b);
    long events_at = (long)a->n_events;
    while (a->step < s->days * a->steps_per_day) {
        assert_int_equal(cfx_world_step(a, &err), 0);
        assert_int_equal(cfx_world_step(b, &err), 0);
        if (a->step % a->steps_per_day == 0)
            assert_same_obs(a, b);
    }
    assert_same_world(a, b);
    /* the offensive kept going after the checkpoint: not a run that had gone quiet */
    if (busy)
        assert_true((long)a->n_events > events_at);
    cfx_world_free(a);
    cfx_world_free(b);
    cfx_scenario_free(s);
}

static void test_checkpoint__early_round_trip_one_thread(void **state)
{
    (void)state;
    round_trip(KACHIN, 40, 0, 1, 1);
}

static void test_checkpoint__late_round_trip_two_threads(void **state)
{
    (void)state;
    round_trip(KACHIN, 250, 0, 2, 1);
}

/* Under the capacity plan, saved in the middle of a day: the paths trucks follow and the
 * day's truckloads left come back as they were (tests/data/flows/maxflow.yaml). */
static void test_checkpoint__capacity_plan_mid_day(void **state)
{
    (void)state;
    round_trip(CFX_TEST_DATA "/flows/maxflow.yaml", 7, 2, 2, 0);
}

/* A checkpoint of another network does not fit: refused, the first array that differs in
 * size named, and nothing half loaded is used (the caller frees the world). */
static void test_checkpoint__other_scenario_refused(void **state)
{
    (void)state;
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0), *t = cfx_test_load(LINE, NULL, 0);
    cfx_world *a = cfx_test_world(s, 1), *b = cfx_test_world(t, 1);
    char path[256];
    cfx_error err;
    temp_path(path, sizeof path, "other");
    run_days(a, 3);
    assert_int_equal(transfer(a, path, 1, &err), 0);
    assert_int_equal(transfer(b, path, 0, &err), CFX_EINVAL);
    assert_non_null(strstr(err.msg, "'world/node_status': holds 35 values, expected"));
    unlink(path);
    cfx_world_free(a);
    cfx_world_free(b);
    cfx_scenario_free(s);
    cfx_scenario_free(t);
}

/* Loading a file that is not there, or that is not HDF5. */
static void test_checkpoint__missing_or_foreign_file(void **state)
{
    (void)state;
    cfx_ckpt *c = NULL;
    cfx_error err;
    char path[256];
    temp_path(path, sizeof path, "missing");
    assert_int_equal(cfx_ckpt_open(&c, path, 0, &err), CFX_ENOENT);
    assert_null(c);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: not a checkpoint\n", f);
    fclose(f);
    assert_int_equal(cfx_ckpt_open(&c, path, 0, &err), CFX_EINVAL);
    assert_non_null(strstr(err.msg, "not a conflux checkpoint"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint__early_round_trip_one_thread),
        cmocka_unit_test(test_checkpoint__late_round_trip_two_threads),
        cmocka_unit_test(test_checkpoint__capacity_plan_mid_day),
        cmocka_unit_test(test_checkpoint__other_scenario_refused),
        cmocka_unit_test(test_checkpoint__missing_or_foreign_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
