/* What a route costs a tonne of cargo (transport economics' generalized cost): on each arc,
 *   hours x value_of_time + levies paid on leaving its start + expected loss x cargo value,
 * where the levies are a checkpoint's tax, and at a gate the holder's toll and the export
 * levy of the cargo's own group (each a rate plus a share of the cargo's value), and the
 * expected loss is the chance of seizure there or of loss in fighting at a contested end.
 * Cut, destroyed and closed nodes and cut roads are impassable, and a gate closed to one
 * group's cargo is impassable to that cargo; roads touching a contested node are slower
 * (contested_speed_factor); a gate adds its mean clearance time. */
#include "models/routing/routing.h"

void cfx_routing__values(const routing_params *p, const cfx_scenario *s, double *value)
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

static int passable(uint8_t status)
{
    return status == CFX_STATUS_OPEN || status == CFX_STATUS_CONTESTED;
}

/* The levies a tonne of cargo kind `cargo` of group own, worth value, pays leaving node u. */
static double levies(const cfx_world *w, int32_t u, size_t cargo, int32_t own, double value)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    double levy = cfx_world_node_tax(w)[u];
    if (s->node_kind[u] != CFX_NODE_GATE)
        return levy;
    const double *rate = cfx_world_levy_usd_per_t(w), *share = cfx_world_levy_share(w);
    size_t held = (size_t)cfx_world_controller(w)[u] * CFX_NLEVIES + CFX_LEVY_TOLL;
    levy += rate[held] + share[held] * value;
    if (cfx_in_set(s, s->groups[own].export_levy_products, cargo)) {
        size_t ex = (size_t)own * CFX_NLEVIES + CFX_LEVY_EXPORT;
        levy += rate[ex] + share[ex] * value;
    }
    return levy;
}

void cfx_routing__arc_costs(const routing *r, const cfx_world *w, size_t cargo, int32_t own,
                            double *arc_cost, double *risk, double *arc_hours)
{
    const routing_params *p = r->params;
    const cfx_scenario *s = r->s;
    const cfx_network *net = cfx_world_network(w);
    const uint8_t *status = cfx_world_node_status(w);
    const uint8_t *open = cfx_world_edge_open(w);
    const int32_t *controller = cfx_world_controller(w);
    const double *seize = cfx_world_node_seize_p(w);
    const uint8_t *closed_to = cfx_world_closed_to(w);
    double value = r->value[cargo];
    for (size_t a = 0; a < net->n_arcs; a++) {
        int32_t u = net->arc_from[a], v = net->arc_to[a];
        double h = net->arc_base_h[a];
        if (status[u] == CFX_STATUS_CONTESTED || status[v] == CFX_STATUS_CONTESTED)
            h /= s->contested_speed_factor;
        arc_hours[a] = h;
        /* a gate closed to this cargo (a partial closure) is impassable to it alone */
        if (!(open[net->arc_edge[a]] && passable(status[u]) && passable(status[v])) ||
            closed_to[cfx_closed_index(s, (size_t)v, cfx_close_key(s, (size_t)own, cargo))]) {
            arc_cost[a] = -1;
            if (risk)
                risk[a] = -1;
            continue;
        }
        double hours = h + (s->node_kind[v] == CFX_NODE_GATE ? s->gate_clearance_hours : 0);
        double hostile =
            controller[u] != own &&
                    cfx_in_set(s, s->groups[controller[u]].hostile_seize_products, cargo)
                ? s->groups[controller[u]].hostile_seize_p
                : 0;
        double p_loss = 1 - (1 - seize[u]) * (1 - hostile) *
                                (1 - (status[v] == CFX_STATUS_CONTESTED ? s->contested_loss_p : 0));
        double time_risk = hours * p->value_of_time_usd_per_t_h + p_loss * value;
        arc_cost[a] = time_risk + levies(w, u, cargo, own, value);
        if (risk)
            risk[a] = time_risk;
    }
}
