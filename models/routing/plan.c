/* The capacity plan (models/README.md, "Capacity-aware assignment"): each day, and when the
 * network changes, the cargo waiting at each node on no path is assigned to paths by a
 * minimum-cost flow over the day's room on every node and road, in truckloads: each node is
 * split into an in and an out vertex joined by an arc of the node's room, each road is an
 * arc of the road's room at the commodity's generalized cost (in cents per tonne, so that
 * the solver works in integers), and every open market that buys the cargo leads to one
 * sink. Successive shortest paths (core/mcf.c) fill the cheapest paths first, then the next
 * cheapest where the first are full, which reaches the network's maximum flow where the
 * supply allows. Commodities are planned one after another, the dearest cargo first
 * (an assumption: dearer cargo outbids cheaper cargo for a slot at a full gate); each takes
 * what room the ones before it left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "models/routing/routing.h"

int cfx_routing__plan_alloc(routing *r, const cfx_network *net)
{
    size_t n = net->n_nodes, na = net->n_arcs;
    r->buf_len = 2 * n + 2;
    if (!(r->mcf = cfx_mcf_alloc()) || !(r->node_left = malloc((n + 1) * sizeof *r->node_left)) ||
        !(r->edge_left = malloc((net->n_edges + 1) * sizeof *r->edge_left)) ||
        !(r->mcf_arc = malloc((na + 1) * sizeof *r->mcf_arc)) ||
        !(r->split_arc = malloc((n + 1) * sizeof *r->split_arc)) ||
        !(r->rev = malloc((n + na + 1) * sizeof *r->rev)) ||
        !(r->path_buf = malloc(r->buf_len * sizeof *r->path_buf)) ||
        !(r->arc_buf = malloc(r->buf_len * sizeof *r->arc_buf)))
        return CFX_ENOMEM;
    return 0;
}

void cfx_routing__plan_free(routing *r)
{
    cfx_mcf_free(r->mcf);
    free(r->node_left);
    free(r->edge_left);
    free(r->mcf_arc);
    free(r->split_arc);
    free(r->rev);
    free(r->path_buf);
    free(r->arc_buf);
    free(r->plan_cost);
    free(r->plan_risk);
    free(r->plan_known);
}

/* Commodity k's arc costs and risks into rt->arc_cost and r->risk, and every arc's hours
 * into rt->arc_hours: computed on the first day after the network changed, copied from the
 * day before's after that (the same values: cfx_routing__arc_costs reads only what changes
 * with the network). 0 or CFX_ENOMEM. */
static int plan_costs(routing *r, const cfx_world *w, cfx_routes *rt, size_t k)
{
    size_t na = cfx_world_network(w)->n_arcs, ng = r->s->n_groups;
    /* each made once: after a failure, the next call makes only what is missing */
    if ((!r->plan_cost && !(r->plan_cost = malloc((r->nk * na + 1) * sizeof *r->plan_cost))) ||
        (!r->plan_risk && !(r->plan_risk = malloc((r->nk * na + 1) * sizeof *r->plan_risk))) ||
        (!r->plan_known && !(r->plan_known = calloc(r->nk + 1, 1))))
        return CFX_ENOMEM;
    double *cost = r->plan_cost + k * na, *risk = r->plan_risk + k * na;
    if (r->plan_known[k]) { /* arc_hours: as the last computation, in this network, left them */
        memcpy(rt->arc_cost, cost, na * sizeof *cost);
        memcpy(r->risk, risk, na * sizeof *risk);
        return 0;
    }
    cfx_routing__arc_costs(r, w, k / ng, (int32_t)(k % ng), rt->arc_cost, r->risk, rt->arc_hours);
    memcpy(cost, rt->arc_cost, na * sizeof *cost);
    memcpy(risk, r->risk, na * sizeof *risk);
    r->plan_known[k] = 1;
    return 0;
}

void cfx_routing__plan_forget(routing *r)
{
    if (r->plan_known)
        memset(r->plan_known, 0, r->nk);
}

/* A generalized cost in whole cents per tonne, the solver's unit. */
static int64_t cents(double usd_per_t)
{
    return (int64_t)llround(usd_per_t * 100.0);
}

static int64_t cap_of(int64_t room)
{
    return room == INT64_MAX ? CFX_MCF_INF : room;
}

/* The plan graph of commodity k of cargo kind c: vertices 2u (in) and 2u + 1 (out) per node,
 * and the sink 2n; its arcs recorded in mcf_arc and split_arc. 0 or CFX_ENOMEM. */
static int build(routing *r, const cfx_world *w, const cfx_routes *rt, const cfx_plan *pl,
                 size_t k, size_t c)
{
    const cfx_scenario *s = r->s;
    const cfx_network *net = cfx_world_network(w);
    const uint8_t *status = cfx_world_node_status(w);
    size_t n = s->n_nodes;
    int32_t sink = (int32_t)(2 * n);
    if (cfx_mcf_reset(r->mcf, 2 * n + 1))
        return CFX_ENOMEM;
    for (size_t u = 0; u < n; u++) {
        int open = status[u] == CFX_STATUS_OPEN || status[u] == CFX_STATUS_CONTESTED;
        int market = s->node_kind[u] == CFX_NODE_MARKET && cfx_buys(s, u, c);
        r->split_arc[u] = -1;
        if (market && !open)
            continue;
        /* a market that buys the cargo ends its paths; any other node is passed through */
        /* a node's capacity may bind some cargo only (capacity_products) */
        int64_t room = cfx_in_set(s, s->node_capacity_products[u], c) ? r->node_left[u] : INT64_MAX;
        long a = market ? cfx_mcf_arc(r->mcf, (int32_t)(2 * u), sink, CFX_MCF_INF, 0)
                        : cfx_mcf_arc(r->mcf, (int32_t)(2 * u), (int32_t)(2 * u + 1),
                                      cap_of(room), 0);
        if (a < 0)
            return CFX_ENOMEM;
        r->rev[a] = market ? -1 : -2 - (int32_t)u;
        if (market)
            continue;
        r->split_arc[u] = a;
        if (pl->supply[k * n + u] > 0)
            cfx_mcf_supply(r->mcf, (int32_t)(2 * u), pl->supply[k * n + u]);
    }
    for (size_t a = 0; a < net->n_arcs; a++) {
        r->mcf_arc[a] = -1;
        if (rt->arc_cost[a] < 0)
            continue;
        int32_t u = net->arc_from[a], v = net->arc_to[a];
        long x = cfx_mcf_arc(r->mcf, 2 * u + 1, 2 * v, cap_of(r->edge_left[net->arc_edge[a]]),
                             cents(rt->arc_cost[a]));
        if (x < 0)
            return CFX_ENOMEM;
        r->mcf_arc[a] = x;
        r->rev[x] = (int32_t)a;
    }
    return 0;
}

/* Takes the flow that was planned off the room left for the commodities after this one. */
static void use_room(routing *r, const cfx_network *net, size_t c)
{
    for (size_t u = 0; u < net->n_nodes; u++)
        if (r->split_arc[u] >= 0 && r->node_left[u] != INT64_MAX &&
            cfx_in_set(r->s, r->s->node_capacity_products[u], c))
            r->node_left[u] -= cfx_mcf_flow(r->mcf, r->split_arc[u]);
    for (size_t a = 0; a < net->n_arcs; a++) {
        int32_t e = net->arc_edge[a];
        if (r->mcf_arc[a] >= 0 && r->edge_left[e] != INT64_MAX)
            r->edge_left[e] -= cfx_mcf_flow(r->mcf, r->mcf_arc[a]);
    }
}

/* Links path p into today's list from its node for its commodity, cheapest first (ties in
 * the order made). */
static void link_path(cfx_plan *pl, size_t n, int32_t p)
{
    cfx_plan_path *x = &pl->path[p];
    int32_t *at = &pl->first[(size_t)x->commodity * n + (size_t)x->source];
    while (*at >= 0 && pl->path[*at].cost_usd_per_t <= x->cost_usd_per_t)
        at = &pl->path[*at].next;
    x->next = *at;
    *at = p;
}

/* The flow of commodity k decomposed into today's paths. A path whose extra time and risk
 * over normal conditions is more than the holding margin is not taken: its cargo stays (the
 * shipper who waits), and its room goes unused today. */
static int paths_of(routing *r, const cfx_world *w, const cfx_routes *rt, cfx_plan *pl, size_t k)
{
    size_t n = r->s->n_nodes, len;
    int64_t units;
    int rc;
    while ((rc = cfx_mcf_next_path(r->mcf, (int32_t)(2 * n), r->path_buf, r->buf_len, &len,
                                   &units)) == 1) {
        int32_t src = -1, m = 0;
        double cost = 0, risk = 0;
        for (size_t i = 0; i < len; i++) {
            int32_t a = r->rev[r->path_buf[i]];
            if (a <= -2 && src < 0)
                src = -2 - a; /* the first node it leaves */
            if (a < 0)
                continue;
            r->arc_buf[m++] = a;
            cost += rt->arc_cost[a];
            risk += r->risk[a];
        }
        if (src < 0 || m == 0)
            continue;
        double base = r->base_risk[k * n + (size_t)src];
        if (isfinite(base) && risk - base > rt->hold_usd_per_t[k])
            continue;
        cfx_plan_path p = {.commodity = (int32_t)k, .source = src, .len = m,
                           .allot = units > INT32_MAX ? INT32_MAX : (int32_t)units,
                           .users = 0, .next = -1, .cost_usd_per_t = cost};
        if (cfx_plan_add(pl, &p, r->arc_buf))
            return CFX_ENOMEM;
        link_path(pl, n, (int32_t)(pl->n_path - 1));
    }
    return rc < 0 ? rc : 0;
}

int cfx_routing__plan(routing *r, const cfx_world *w, cfx_routes *rt, cfx_plan *pl)
{
    const cfx_scenario *s = r->s;
    const cfx_network *net = cfx_world_network(w);
    size_t n = s->n_nodes;
    memcpy(r->node_left, pl->node_room, n * sizeof *r->node_left);
    memcpy(r->edge_left, pl->edge_room, s->n_edges * sizeof *r->edge_left);
    for (size_t i = 0; i < r->nk; i++) {
        size_t k = (size_t)r->order[i], c = k / s->n_groups, total = 0;
        for (size_t u = 0; u < n; u++)
            total += pl->supply[k * n + u] > 0;
        if (!total)
            continue;
        int rc = plan_costs(r, w, rt, k);
        if (rc)
            return rc;
        rc = build(r, w, rt, pl, k, c);
        if (rc || (rc = (int)(cfx_mcf_solve(r->mcf, (int32_t)(2 * n), INT64_MAX, NULL) < 0
                                  ? CFX_ENOMEM
                                  : 0)))
            return rc;
        use_room(r, net, c);
        if ((rc = paths_of(r, w, rt, pl, k)))
            return rc;
    }
    return 0;
}
