/* Routing (models/README.md, "Routing"): each commodity's cheapest route from every node by
 * generalized cost (costs.c), recomputed when the network changed (tables.c), with the
 * shippers who wait; and where some road or node has a capacity, the day's capacity plan
 * (plan.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/routing/routing.h"

static void routing_configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
{
    routing_params *p = params;
    /* Defaults: 1 USD per tonne-hour, and each cargo's worth at baseline prices (set in
     * init), so that with no levies and no risk the cheapest path is the fastest; no
     * dispersion; shippers expect to wait 90 days for normal conditions, at 25 % of the
     * cargo's value a year (assumptions: models/README.md, "Shippers who wait"). */
    (void)s;
    p->value_of_time_usd_per_t_h = 1;
    p->cargo_value_usd_per_t = -1;
    p->hold_wait_days = 90;
    p->hold_cost_share_per_year = 0.25;
    if (!section)
        return;
    cfx_conf_get_range(section, "value_of_time_usd_per_t_h", 0, &p->value_of_time_usd_per_t_h, 0,
                       1e9, 1, "a positive amount in USD per tonne-hour", d);
    cfx_conf_get_range(section, "cargo_value_usd_per_t", 0, &p->cargo_value_usd_per_t, 0, 1e12, 0,
                       "a non-negative amount in USD/t", d);
    cfx_conf_get_range(section, "dispersion_usd_per_t", 0, &p->dispersion_usd_per_t, 0, 1e9, 0,
                       "a non-negative amount in USD/t (0: always the cheapest way)", d);
    cfx_conf_get_range(section, "hold_wait_days", 0, &p->hold_wait_days, 0, 3650, 0,
                       "in [0, 3650] days (0: never hold cargo back)", d);
    cfx_conf_get_range(section, "hold_cost_share_per_year", 0, &p->hold_cost_share_per_year, 0,
                       10, 0, "a share of the cargo's value a year in [0, 10]", d);
}

/* Commodities by the value of their cargo, dearest first (ties by index). */
static void order_commodities(routing *r)
{
    size_t ng = r->s->n_groups;
    for (size_t i = 0; i < r->nk; i++) {
        int32_t k = (int32_t)i;
        size_t j = i;
        for (; j > 0 && r->value[(size_t)r->order[j - 1] / ng] < r->value[i / ng]; j--)
            r->order[j] = r->order[j - 1];
        r->order[j] = k;
    }
}

/* The time and risk cost of each commodity's cheapest route from every node as the network
 * stands at the start (all open, the scenario's holders and levies): normal conditions,
 * against which the shippers who wait weigh a route. */
static int normal_routes(routing *r, const cfx_world *w)
{
    const cfx_scenario *s = r->s;
    const cfx_network *net = cfx_world_network(w);
    size_t n = s->n_nodes, na = net->n_arcs;
    int32_t *next = malloc((n + 1) * sizeof *next), *stack = malloc((n + 1) * sizeof *stack);
    double *cost = malloc((n + 1) * sizeof *cost), *ac = malloc((na + 1) * sizeof *ac),
           *hours = malloc((na + 1) * sizeof *hours);
    uint8_t *target = malloc(n + 1);
    int rc = next && stack && cost && ac && hours && target ? 0 : CFX_ENOMEM;
    for (size_t c = 0; !rc && c < s->n_cargo; c++) {
        for (size_t v = 0; v < n; v++)
            target[v] = s->node_kind[v] == CFX_NODE_MARKET && cfx_buys(s, v, c);
        for (size_t own = 0; own < s->n_groups; own++) {
            cfx_routing__arc_costs(r, w, c, (int32_t)own, ac, r->risk, hours);
            cfx_network_paths(net, target, ac, r->ws, next, cost);
            cfx_routing__along(net, next, cost, r->risk,
                               r->base_risk + (c * s->n_groups + own) * n, n, stack);
        }
    }
    free(next);
    free(stack);
    free(cost);
    free(ac);
    free(hours);
    free(target);
    return rc;
}

static int routing_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    routing *r = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    const cfx_network *net = cfx_world_network(w);
    r->params = params;
    r->s = s;
    r->nk = s->n_cargo * s->n_groups;
    if (!(r->ws = cfx_paths_ws_alloc(s->n_nodes)) ||
        !(r->value = calloc(s->n_cargo + 1, sizeof *r->value)) ||
        !(r->risk = malloc((net->n_arcs + 1) * sizeof *r->risk)) ||
        !(r->base_risk = malloc((r->nk * s->n_nodes + 1) * sizeof *r->base_risk)) ||
        !(r->order = malloc((r->nk + 1) * sizeof *r->order)) || cfx_routing__plan_alloc(r, net))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (routing)");
    cfx_routing__values(params, s, r->value);
    order_commodities(r);
    if (normal_routes(r, w))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (routing)");
    return 0;
}

static void routing_free(void *state)
{
    routing *r = state;
    cfx_paths_ws_free(r->ws);
    free(r->value);
    free(r->risk);
    free(r->base_risk);
    free(r->order);
    cfx_routing__plan_free(r);
}

/* The tables when the network changed; the capacity plan when the engine asks for one.
 * Out of memory fails the step (out->failed). */
static void routing_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    routing *r = state;
    cfx_routes *rt = ctx->routes;
    size_t na = cfx_world_network(w)->n_arcs;
    if (r->params->dispersion_usd_per_t > 0 && !rt->arc_cost_k &&
        !(rt->arc_cost_k = malloc((r->nk * na + 1) * sizeof *rt->arc_cost_k))) {
        out->failed = 1;
        return;
    }
    if (ctx->network_changed)
        cfx_routing__plan_forget(r);
    if ((ctx->network_changed && cfx_routing__tables(r, w, rt)) ||
        (ctx->plan && cfx_routing__plan(r, w, rt, ctx->plan)))
        out->failed = 1;
}

const cfx_model_type cfx_model_routing = {
    .name = "routing",
    .phase = CFX_PHASE_ROUTING,
    .params = {.section = "routing", .size = sizeof(routing_params), .configure = routing_configure},
    .state_size = sizeof(routing),
    .init = routing_init,
    .step = routing_step,
    .free = routing_free};
