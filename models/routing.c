/* Routing by generalized cost (transport economics): every node's cheapest way to an open
 * market that buys the cargo, where a road costs, per tonne of cargo,
 *   hours x value_of_time + levies paid on leaving its start (a checkpoint's tax, a gate's
 *   export levy) + expected loss (seizure chance there, fighting at a contested end) x
 *   cargo value.
 * Reverse Dijkstra from the open markets, recomputed only when the network changed (status,
 * roads, controllers, levies, checkpoints). Cut, destroyed and closed nodes and cut roads are
 * impassable, and a gate closed to one group's cargo is impassable to that cargo; roads
 * touching a contested node are slower (contested_speed_factor); a gate adds its mean
 * clearance time. */
#include <math.h>
#include <stdlib.h>

#include "engine/model.h"
#include "core/network.h"

typedef struct routing_params {
    double value_of_time_usd_per_t_h; /* what an hour on the road costs a tonne of cargo */
    double cargo_value_usd_per_t;     /* value at risk per tonne of cargo; < 0 (the default):
                                         each cargo kind's own (the mean over its mines) */
} routing_params;

typedef struct routing {
    const routing_params *params;
    cfx_paths_ws *ws;
    double *value; /* n_cargo: value at risk per tonne of each cargo kind, USD/t */
} routing;

static void routing_configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
{
    routing_params *p = params;
    /* Defaults: 1 USD per tonne-hour, and each cargo's worth at baseline prices (set in
     * init), so that with no levies and no risk the cheapest path is the fastest. */
    (void)s;
    p->value_of_time_usd_per_t_h = 1;
    p->cargo_value_usd_per_t = -1;
    if (!section)
        return;
    cfx_conf_get_range(section, "value_of_time_usd_per_t_h", 0, &p->value_of_time_usd_per_t_h, 0,
                       1e9, 1, "a positive amount in USD per tonne-hour", d);
    cfx_conf_get_range(section, "cargo_value_usd_per_t", 0, &p->cargo_value_usd_per_t, 0, 1e12, 0,
                       "a non-negative amount in USD/t", d);
}

/* What a tonne of each cargo kind is worth at baseline prices: the mean over the kind's
 * mines of grade times price, unless the scenario sets one value for all cargo. */
static void cargo_values(const routing_params *p, const cfx_scenario *s, double *value)
{
    for (size_t c = 0; c < s->n_cargo; c++) {
        double sum = 0;
        size_t n = 0;
        for (size_t m = 0; m < s->n_mines; m++) {
            if ((size_t)s->mine_cargo[m] != c)
                continue;
            n++;
            for (size_t k = 0; k < s->n_products; k++)
                sum +=
                    s->mine_grade[m * s->n_products + k] * s->products[k].price_usd_per_kg * 1000.0;
        }
        value[c] =
            p->cargo_value_usd_per_t >= 0 ? p->cargo_value_usd_per_t : sum / (double)(n ? n : 1);
    }
}

static int routing_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    routing *r = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    r->params = params;
    if (!(r->ws = cfx_paths_ws_alloc(s->n_nodes)) ||
        !(r->value = calloc(s->n_cargo ? s->n_cargo : 1, sizeof *r->value)))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (routing)");
    cargo_values(params, s, r->value);
    return 0;
}

static void routing_free(void *state)
{
    routing *r = state;
    cfx_paths_ws_free(r->ws);
    free(r->value);
}

static int passable(uint8_t status)
{
    return status == CFX_STATUS_OPEN || status == CFX_STATUS_CONTESTED;
}

/* Arc costs for cargo of kind cargo, worth value USD/t, owned by group own. */
static void route_group(const routing_params *p, const cfx_scenario *s, const cfx_network *net,
                        const cfx_world *w, size_t cargo, double value, int32_t own, cfx_routes *rt)
{
    const uint8_t *status = cfx_world_node_status(w);
    const uint8_t *open = cfx_world_edge_open(w);
    const int32_t *controller = cfx_world_controller(w);
    const double *toll = cfx_world_toll(w), *tax = cfx_world_node_tax(w);
    const double *seize = cfx_world_node_seize_p(w);
    const uint8_t *closed_to = cfx_world_closed_to(w);
    for (size_t a = 0; a < net->n_arcs; a++) {
        int32_t u = net->arc_from[a], v = net->arc_to[a];
        double h = net->arc_base_h[a];
        if (status[u] == CFX_STATUS_CONTESTED || status[v] == CFX_STATUS_CONTESTED)
            h /= s->contested_speed_factor;
        rt->arc_hours[a] = h;
        /* a gate closed to this cargo (a partial closure) is impassable to it alone */
        if (!(open[net->arc_edge[a]] && passable(status[u]) && passable(status[v])) ||
            closed_to[cfx_closed_index(s, (size_t)v, cfx_close_key(s, (size_t)own, cargo))]) {
            rt->arc_cost[a] = -1;
            continue;
        }
        double hours = h + (s->node_kind[v] == CFX_NODE_GATE ? s->gate_clearance_hours : 0);
        double levy = tax[u] + (s->node_kind[u] == CFX_NODE_GATE ? toll[controller[u]] : 0);
        double hostile =
            controller[u] != own &&
                    cfx_in_set(s, s->groups[controller[u]].hostile_seize_products, cargo)
                ? s->groups[controller[u]].hostile_seize_p
                : 0;
        double p_loss = 1 - (1 - seize[u]) * (1 - hostile) *
                                (1 - (status[v] == CFX_STATUS_CONTESTED ? s->contested_loss_p : 0));
        rt->arc_cost[a] = hours * p->value_of_time_usd_per_t_h + levy + p_loss * value;
    }
}

static void routing_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    routing *r = state;
    const routing_params *p = r->params;
    const cfx_scenario *s = cfx_world_scenario(w);
    const cfx_network *net = cfx_world_network(w);
    const uint8_t *status = cfx_world_node_status(w);
    cfx_routes *rt = ctx->routes;
    /* One table per cargo kind, for the markets that buy it, and per cargo owner: a group
     * that seizes other groups' cargo is a risk to them, not to its own. */
    for (size_t c = 0; c < s->n_cargo; c++) {
        for (size_t v = 0; v < s->n_nodes; v++)
            rt->is_target[v] =
                s->node_kind[v] == CFX_NODE_MARKET && cfx_buys(s, v, c) && passable(status[v]);
        for (size_t own = 0; own < s->n_groups; own++) {
            size_t row = cfx_route_row(s, c, own);
            route_group(p, s, net, w, c, r->value[c], (int32_t)own, rt);
            cfx_network_paths(net, rt->is_target, rt->arc_cost, r->ws, rt->next_arc + row,
                              rt->cost + row);
        }
    }
}

const cfx_model_type cfx_model_routing = {
    .name = "routing",
    .phase = CFX_PHASE_ROUTING,
    .params = {.section = "routing", .size = sizeof(routing_params), .configure = routing_configure},
    .state_size = sizeof(routing),
    .init = routing_init,
    .step = routing_step,
    .free = routing_free};
