/* Each commodity's cheapest route from every node (reverse Dijkstra from the open markets
 * that buy its cargo, core/network.c), recomputed when the network changed, and what the
 * shippers who wait compare: how much more the route's time and risk cost now than in
 * normal conditions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/routing/routing.h"

int cfx_routing__along(const cfx_network *net, const int32_t *next, const double *cost,
                       const double *risk, double *out, size_t n, int32_t *stack)
{
    /* out[] is NAN until known; a chain of next arcs ends at a target (0) or nowhere (INF).
     * The chains form a tree, so each node is followed once; stack (n) holds one chain. */
    for (size_t v = 0; v < n; v++)
        out[v] = NAN;
    for (size_t v0 = 0; v0 < n; v0++) {
        size_t top = 0;
        int32_t v = (int32_t)v0;
        while (isnan(out[v])) {
            if (next[v] < 0) {
                out[v] = isinf(cost[v]) ? INFINITY : 0;
                break;
            }
            stack[top++] = v;
            v = net->arc_to[next[v]];
        }
        while (top) {
            int32_t u = stack[--top];
            out[u] = risk[next[u]] + out[net->arc_to[next[u]]];
        }
    }
    return 0;
}

/* The most the extra time and risk of a route may cost before a shipper holds the cargo
 * back instead: what waiting hold_wait_days for normal conditions costs, in time and in
 * holding the cargo (models/README.md, "Shippers who wait"). INFINITY: never hold. */
static double hold_margin(const routing_params *p, double value)
{
    if (!(p->hold_wait_days > 0))
        return INFINITY;
    return p->hold_wait_days * (24.0 * p->value_of_time_usd_per_t_h +
                                value * p->hold_cost_share_per_year / 365.0);
}

int cfx_routing__tables(routing *r, const cfx_world *w, cfx_routes *rt)
{
    const cfx_scenario *s = r->s;
    const cfx_network *net = cfx_world_network(w);
    const uint8_t *status = cfx_world_node_status(w);
    size_t n = s->n_nodes, na = net->n_arcs;
    double *along = malloc((n ? n : 1) * sizeof *along);
    int32_t *stack = malloc((n ? n : 1) * sizeof *stack);
    if (!along || !stack) {
        free(along);
        free(stack);
        return CFX_ENOMEM;
    }
    /* One table per cargo kind, for the markets that buy it, and per cargo owner: a group
     * that seizes other groups' cargo is a risk to them, not to its own. */
    for (size_t c = 0; c < s->n_cargo; c++) {
        for (size_t v = 0; v < n; v++)
            rt->is_target[v] = s->node_kind[v] == CFX_NODE_MARKET && cfx_buys(s, v, c) &&
                               (status[v] == CFX_STATUS_OPEN || status[v] == CFX_STATUS_CONTESTED);
        for (size_t own = 0; own < s->n_groups; own++) {
            size_t k = c * s->n_groups + own, row = k * n;
            cfx_routing__arc_costs(r, w, c, (int32_t)own, rt->arc_cost, r->risk, rt->arc_hours);
            cfx_network_paths(net, rt->is_target, rt->arc_cost, r->ws, rt->next_arc + row,
                              rt->cost + row);
            if (rt->arc_cost_k)
                memcpy(rt->arc_cost_k + k * na, rt->arc_cost, na * sizeof *rt->arc_cost);
            cfx_routing__along(net, rt->next_arc + row, rt->cost + row, r->risk, along, n, stack);
            const double *base = r->base_risk + row;
            for (size_t v = 0; v < n; v++)
                rt->excess[row + v] =
                    isfinite(along[v]) && isfinite(base[v]) ? fmax(0, along[v] - base[v]) : 0;
            rt->hold_usd_per_t[k] = hold_margin(r->params, r->value[c]);
        }
    }
    rt->dispersion_usd_per_t = r->params->dispersion_usd_per_t;
    free(along);
    free(stack);
    return 0;
}
