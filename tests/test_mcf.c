/* core/mcf.c, the minimum-cost flow solver behind capacity-aware routing, against textbook
 * algorithms written here independently: Edmonds-Karp for the maximum flow, and
 * Bellman-Ford successive shortest paths (no potentials) for the minimum cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conflux.h"
#include "core/mcf.h"

#define NV 9
#define NA 24

typedef struct graph {
    int n, m;
    int from[NA], to[NA];
    int64_t cap[NA], cost[NA];
} graph;

/* A small random graph on a fixed linear congruential generator: source 0, sink n-1. */
static void make(graph *g, unsigned seed)
{
    unsigned x = seed * 2654435761u + 1;
#define RND() (x = x * 1103515245u + 12345u, (x >> 8))
    g->n = 4 + (int)(RND() % (NV - 3));
    g->m = 0;
    int m = g->n + (int)(RND() % (NA - g->n));
    for (int k = 0; k < m && g->m < NA; k++) {
        int a = (int)(RND() % (unsigned)g->n), b = (int)(RND() % (unsigned)g->n);
        if (a == b || b == 0 || a == g->n - 1)
            continue;
        g->from[g->m] = a;
        g->to[g->m] = b;
        g->cap[g->m] = 1 + (int64_t)(RND() % 9);
        g->cost[g->m] = (int64_t)(RND() % 7);
        g->m++;
    }
#undef RND
}

/* Edmonds-Karp on a residual matrix (parallel arcs summed). */
static int64_t edmonds_karp(const graph *g)
{
    int64_t r[NV][NV] = {{0}};
    for (int k = 0; k < g->m; k++)
        r[g->from[k]][g->to[k]] += g->cap[k];
    int64_t flow = 0;
    for (;;) {
        int prev[NV], q[NV], head = 0, tail = 0;
        for (int v = 0; v < g->n; v++)
            prev[v] = -1;
        prev[0] = 0;
        q[tail++] = 0;
        while (head < tail && prev[g->n - 1] < 0) {
            int u = q[head++];
            for (int v = 0; v < g->n; v++)
                if (prev[v] < 0 && r[u][v] > 0) {
                    prev[v] = u;
                    q[tail++] = v;
                }
        }
        if (prev[g->n - 1] < 0)
            return flow;
        int64_t f = INT64_MAX;
        for (int v = g->n - 1; v != 0; v = prev[v])
            f = r[prev[v]][v] < f ? r[prev[v]][v] : f;
        for (int v = g->n - 1; v != 0; v = prev[v]) {
            r[prev[v]][v] -= f;
            r[v][prev[v]] += f;
        }
        flow += f;
    }
}

/* The minimum cost of sending `amount` units: successive shortest paths by Bellman-Ford
 * on an explicit residual arc list (negative reverse costs need no potentials). */
static int64_t bellman_ford_cost(const graph *g, int64_t amount)
{
    int ra_from[2 * NA], ra_to[2 * NA];
    int64_t ra_res[2 * NA], ra_cost[2 * NA];
    for (int k = 0; k < g->m; k++) {
        ra_from[2 * k] = g->from[k], ra_to[2 * k] = g->to[k];
        ra_res[2 * k] = g->cap[k], ra_cost[2 * k] = g->cost[k];
        ra_from[2 * k + 1] = g->to[k], ra_to[2 * k + 1] = g->from[k];
        ra_res[2 * k + 1] = 0, ra_cost[2 * k + 1] = -g->cost[k];
    }
    int64_t total = 0;
    while (amount > 0) {
        int64_t d[NV];
        int pa[NV];
        for (int v = 0; v < g->n; v++)
            d[v] = INT64_MAX, pa[v] = -1;
        d[0] = 0;
        for (int it = 0; it < g->n; it++)
            for (int a = 0; a < 2 * g->m; a++)
                if (ra_res[a] > 0 && d[ra_from[a]] != INT64_MAX &&
                    d[ra_from[a]] + ra_cost[a] < d[ra_to[a]]) {
                    d[ra_to[a]] = d[ra_from[a]] + ra_cost[a];
                    pa[ra_to[a]] = a;
                }
        if (d[g->n - 1] == INT64_MAX)
            break;
        int64_t f = amount;
        for (int v = g->n - 1; v != 0; v = ra_from[pa[v]])
            f = ra_res[pa[v]] < f ? ra_res[pa[v]] : f;
        for (int v = g->n - 1; v != 0; v = ra_from[pa[v]]) {
            ra_res[pa[v]] -= f;
            ra_res[pa[v] ^ 1] += f;
        }
        amount -= f;
        total += f * d[g->n - 1];
    }
    return total;
}

static void test_mcf__matches_textbook_max_flow_and_min_cost(void **state)
{
    cfx_mcf *m = cfx_mcf_alloc();
    assert_non_null(m);
    long arcs[NA + 2];
    for (unsigned seed = 1; seed <= 400; seed++) {
        graph g;
        make(&g, seed);
        assert_int_equal(cfx_mcf_reset(m, (size_t)g.n), 0);
        for (int k = 0; k < g.m; k++)
            assert_int_equal(cfx_mcf_arc(m, g.from[k], g.to[k], g.cap[k], g.cost[k]), k);
        cfx_mcf_supply(m, 0, 1000);
        int64_t cost = -1, sent = cfx_mcf_solve(m, g.n - 1, INT64_MAX, &cost);
        int64_t want = edmonds_karp(&g);
        if (sent != want)
            fail_msg("graph %u: sent %lld, the maximum flow is %lld", seed, (long long)sent,
                     (long long)want);
        int64_t want_cost = bellman_ford_cost(&g, want);
        if (cost != want_cost)
            fail_msg("graph %u: cost %lld, the minimum is %lld", seed, (long long)cost,
                     (long long)want_cost);
        /* capacities hold, flow is conserved, and the paths add up to the flow and cost */
        int64_t net[NV] = {0}, path_units = 0, path_cost = 0;
        for (int k = 0; k < g.m; k++) {
            int64_t f = cfx_mcf_flow(m, k);
            assert_true(f >= 0 && f <= g.cap[k]);
            net[g.from[k]] -= f;
            net[g.to[k]] += f;
        }
        for (int v = 1; v < g.n - 1; v++)
            assert_int_equal(net[v], 0);
        size_t n_arcs;
        int64_t units;
        while (cfx_mcf_next_path(m, g.n - 1, arcs, NA + 2, &n_arcs, &units) == 1) {
            assert_true(n_arcs >= 1 && units > 0);
            assert_int_equal(g.from[arcs[0]], 0);
            assert_int_equal(g.to[arcs[n_arcs - 1]], g.n - 1);
            for (size_t i = 0; i + 1 < n_arcs; i++)
                assert_int_equal(g.to[arcs[i]], g.from[arcs[i + 1]]);
            path_units += units;
            for (size_t i = 0; i < n_arcs; i++)
                path_cost += units * g.cost[arcs[i]];
        }
        assert_int_equal(path_units, sent);
        assert_int_equal(path_cost, cost);
    }
    cfx_mcf_free(m);
}

static void test_mcf__stops_at_the_cost_limit_and_splits_over_parallel_paths(void **state)
{
    /* 0 -> 1 -> 3 costs 2 a unit with room for 5; 0 -> 2 -> 3 costs 10 with room for 5. */
    cfx_mcf *m = cfx_mcf_alloc();
    assert_int_equal(cfx_mcf_reset(m, 4), 0);
    cfx_mcf_arc(m, 0, 1, 5, 1);
    cfx_mcf_arc(m, 1, 3, CFX_MCF_INF, 1);
    cfx_mcf_arc(m, 0, 2, 5, 5);
    cfx_mcf_arc(m, 2, 3, CFX_MCF_INF, 5);
    cfx_mcf_supply(m, 0, 8);
    int64_t cost;
    assert_int_equal(cfx_mcf_solve(m, 3, 9, &cost), 5); /* the dear path is over the limit */
    assert_int_equal(cost, 10);
    assert_int_equal(cfx_mcf_reset(m, 4), 0);
    cfx_mcf_arc(m, 0, 1, 5, 1);
    cfx_mcf_arc(m, 1, 3, CFX_MCF_INF, 1);
    cfx_mcf_arc(m, 0, 2, 5, 5);
    cfx_mcf_arc(m, 2, 3, CFX_MCF_INF, 5);
    cfx_mcf_supply(m, 0, 8);
    assert_int_equal(cfx_mcf_solve(m, 3, INT64_MAX, &cost), 8);
    assert_int_equal(cost, 5 * 2 + 3 * 10);
    assert_int_equal(cfx_mcf_flow(m, 0), 5);
    assert_int_equal(cfx_mcf_flow(m, 2), 3);
    cfx_mcf_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mcf__matches_textbook_max_flow_and_min_cost),
        cmocka_unit_test(test_mcf__stops_at_the_cost_limit_and_splits_over_parallel_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
