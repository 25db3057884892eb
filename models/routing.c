/* Routing, first model: the fastest open path from every node to the nearest open market,
 * by reverse Dijkstra over travel hours, recomputed only when the network changed.
 * Cut, destroyed and closed nodes and cut roads are impassable; roads touching a contested
 * node run at contested_speed_factor; a gate adds its mean clearance time to the cost. */
#include <math.h>

#include "model.h"
#include "network.h"

typedef struct routing {
    cfx_paths_ws *ws;
} routing;

static int routing_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    routing *r = state;
    if (!(r->ws = cfx_paths_ws_alloc(cfx_world_scenario(w)->n_nodes)))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (routing)");
    return 0;
}

static void routing_free(void *state)
{
    routing *r = state;
    cfx_paths_ws_free(r->ws);
}

static int passable(uint8_t status)
{
    return status == CFX_STATUS_OPEN || status == CFX_STATUS_CONTESTED;
}

static void routing_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    routing *r = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    const cfx_network *net = cfx_world_network(w);
    const uint8_t *status = cfx_world_node_status(w);
    const uint8_t *open = cfx_world_edge_open(w);
    cfx_routes *rt = ctx->routes;
    for (size_t a = 0; a < net->n_arcs; a++) {
        int32_t u = net->arc_from[a], v = net->arc_to[a];
        double h = net->arc_base_h[a];
        if (status[u] == CFX_STATUS_CONTESTED || status[v] == CFX_STATUS_CONTESTED)
            h /= s->contested_speed_factor;
        rt->arc_hours[a] = h;
        int ok = open[net->arc_edge[a]] && passable(status[u]) && passable(status[v]);
        double expected = h + (s->node_kind[v] == CFX_NODE_GATE ? s->gate_clearance_hours : 0);
        rt->arc_cost[a] = ok ? expected : -1;
    }
    for (size_t v = 0; v < s->n_nodes; v++)
        rt->is_target[v] = s->node_kind[v] == CFX_NODE_MARKET && passable(status[v]);
    cfx_network_paths(net, rt->is_target, rt->arc_cost, r->ws, rt->next_arc, rt->cost);
}

const cfx_model_type cfx_model_routing = {
    .name = "routing", .phase = CFX_PHASE_ROUTING, .state_size = sizeof(routing),
    .init = routing_init, .step = routing_step, .free = routing_free};
