/* A world: allocation, the models' read access (model.h) and what the layers above read
 * (world.h). The step is step.c's; shipments, commands and the calendar have files of their
 * own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/rng.h"
#include "engine/world_impl.h"

int cfx_cmdbuf_push(cfx_cmdbuf *b, cfx_cmd c)
{
    if (CFX_GROW(b->v, b->cap, b->n + 1)) {
        b->failed = 1;
        return CFX_ENOMEM;
    }
    b->v[b->n++] = c;
    return 0;
}

const cfx_scenario *cfx_world_scenario(const cfx_world *w) { return w->s; }
const uint8_t *cfx_world_node_status(const cfx_world *w) { return w->node_status; }
const uint8_t *cfx_world_edge_open(const cfx_world *w) { return w->edge_open; }
const int32_t *cfx_world_controller(const cfx_world *w) { return w->controller; }
const cfx_network *cfx_world_network(const cfx_world *w) { return w->net; }
const double *cfx_world_prices(const cfx_world *w) { return w->obs.price; }
const int64_t *cfx_world_node_stock_kg(const cfx_world *w) { return w->stock_kg; }
const double *cfx_world_mine_capacity(const cfx_world *w) { return w->mine_capacity; }
const double *cfx_world_mine_halt_share(const cfx_world *w) { return w->mine_halt_share; }
const double *cfx_world_mine_outlook(const cfx_world *w) { return w->mine_outlook; }
const uint8_t *cfx_world_closed_to(const cfx_world *w) { return w->closed_to; }
const double *cfx_world_levy_usd_per_t(const cfx_world *w) { return w->levy_usd_per_t; }
const double *cfx_world_levy_share(const cfx_world *w) { return w->levy_share; }
const double *cfx_world_node_tax(const cfx_world *w) { return w->node_tax_usd_per_t; }
const double *cfx_world_node_seize_p(const cfx_world *w) { return w->node_seize_p; }

#define ZALLOC(p, n) (((p) = cfx_zalloc((n), sizeof *(p))) == NULL)

/* Every per-node, per-road, per-group and per-product array, zeroed. */
static int alloc_arrays(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    size_t n = s->n_nodes, m = s->n_edges, na = w->net->n_arcs, np = s->n_products,
           ng = s->n_groups, nc = s->n_cargo, nk = nc * ng, nl = CFX_NLEVIES;
    cfx_obs *o = &w->obs;
    return (ZALLOC(w->node_status, n) || ZALLOC(w->edge_open, m) || ZALLOC(w->controller, n) ||
        ZALLOC(w->routes.next_arc, n * nk) || ZALLOC(w->routes.cost, n * nk) ||
        ZALLOC(w->routes.excess, n * nk) || ZALLOC(w->routes.hold_usd_per_t, nk) ||
        ZALLOC(w->queued_kg, n) || ZALLOC(w->mine_made_kg, s->n_mines) ||
        ZALLOC(w->mine_made_prev_kg, s->n_mines) || ZALLOC(w->cargo_grade, nc * np) ||
        ZALLOC(w->plan.supply, nk * n) || ZALLOC(w->plan.first, nk * n) ||
        ZALLOC(w->plan.node_room, n) || ZALLOC(w->plan.edge_room, m) ||
        ZALLOC(w->routes.arc_hours, na) || ZALLOC(w->routes.arc_cost, na) ||
        ZALLOC(w->go, n * nk) || ZALLOC(w->arc_go, na) ||
        ZALLOC(w->routes.is_target, n) || ZALLOC(w->delivered_today_t, np) ||
        ZALLOC(w->mine_frac_kg, s->n_mines) || ZALLOC(w->stock_kg, n) ||
        ZALLOC(w->mine_pile_kg, s->n_mines) || ZALLOC(w->through_kg, n) ||
        ZALLOC(w->delivered_at_kg, n) || ZALLOC(w->edge_kg, m) || ZALLOC(w->edge_used_kg, m) ||
        ZALLOC(w->node_used_kg, n) ||
        ZALLOC(w->node_cap_kg, n) || ZALLOC(w->edge_cap_kg, m) ||
        ZALLOC(w->node_carry_kg, n) || ZALLOC(w->edge_carry_kg, m) ||
        ZALLOC(w->delivered_mine_kg, s->n_mines) || ZALLOC(w->levy_node_kg, n * nc) ||
        ZALLOC(w->levy_export_kg, ng * nc) || ZALLOC(w->closed_to, n * (ng ? ng : 1) * s->n_cargo) ||
        ZALLOC(w->by_group_kg, ng) || ZALLOC(w->revenue_usd, ng) || ZALLOC(w->levy_usd, 2 * n) || ZALLOC(o->price, np) ||
        ZALLOC(w->seized_node_kg, n * nc) || ZALLOC(w->seized_from_kg, ng * nc) ||
        ZALLOC(w->seizure_gain_usd, ng) || ZALLOC(w->seizure_loss_usd, ng) ||
        ZALLOC(o->group_seizure_gain_usd, ng) || ZALLOC(o->group_seizure_loss_usd, ng) ||
        ZALLOC(o->demand, np) || ZALLOC(o->supply, np) || ZALLOC(o->delivered, np) ||
        ZALLOC(o->shortfall, np) || ZALLOC(o->inventory, np) || ZALLOC(o->node_status, n) ||
        ZALLOC(o->node_controller, n) || ZALLOC(o->node_stock_t, n) || ZALLOC(o->queued_t, n) ||
        ZALLOC(o->node_throughput_t, n) || ZALLOC(o->edge_flow_t, m) ||
        ZALLOC(o->group_revenue_usd, ng) || ZALLOC(o->delivered_by_origin_t, n) ||
        ZALLOC(o->delivered_at_t, n) || ZALLOC(o->delivered_by_controller_t, ng) ||
        ZALLOC(w->levy_usd_per_t, ng * nl) || ZALLOC(w->levy_share, ng * nl) ||
        ZALLOC(w->node_tax_usd_per_t, n) || ZALLOC(w->node_seize_p, n) ||
        ZALLOC(w->node_strike_start_h, n) || ZALLOC(w->node_strike_end_h, n) ||
        ZALLOC(w->node_strike_p, n) || ZALLOC(w->edge_strike_start_h, m) ||
        ZALLOC(w->edge_strike_end_h, m) || ZALLOC(w->edge_strike_p, m) ||
        ZALLOC(w->mine_capacity, s->n_mines) || ZALLOC(w->mine_halt_share, s->n_mines) ||
        ZALLOC(w->mine_outlook, s->n_mines * 12)) ? CFX_ENOMEM : 0;
}

/* Each cargo kind's mean grades (its value at the day's prices), the truckload, and the cargo
 * at the mines at day 0: loaded trucks dealt round robin over the mines
 * (transport.initial_shipments), and each mine's expected day (its base output). */
static void init_cargo(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    size_t np = s->n_products;
    w->truck_kg = llround(s->truck_t * 1000.0);
    for (size_t c = 0; c < s->n_cargo; c++) {
        size_t k = 0;
        for (size_t m = 0; m < s->n_mines; m++)
            if ((size_t)s->mine_cargo[m] == c) {
                k++;
                for (size_t p = 0; p < np; p++)
                    w->cargo_grade[c * np + p] += s->mine_grade[m * np + p];
            }
        for (size_t p = 0; p < np && k; p++)
            w->cargo_grade[c * np + p] /= (double)k;
    }
    for (size_t m = 0; m < s->n_mines; m++) {
        int64_t k = s->initial_shipments / (long)s->n_mines +
                    ((long)m < s->initial_shipments % (long)s->n_mines);
        w->mine_pile_kg[m] += k * w->truck_kg;
        w->stock_kg[s->mine_node[m]] += k * w->truck_kg;
        w->produced_kg += k * w->truck_kg;
        w->mine_made_prev_kg[m] = llround(s->mine_output_t_per_day[m] * 1000.0);
        for (int month = 0; month < 12; month++)
            w->mine_outlook[m * 12 + (size_t)month] = s->mine_output_t_per_day[m];
    }
}

/* The state at day 0: every node and road open, the scenario's controllers, levies and
 * capacities, full equipment, and the baseline prices that models see before day 0. */
static void init_state(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    size_t n = s->n_nodes, m = s->n_edges, np = s->n_products, ng = s->n_groups;
    cfx_obs *o = &w->obs;
    w->market = (cfx_market_obs){.price_usd_per_kg = o->price, .demand_t_per_day = o->demand,
                                 .supply_t_per_day = o->supply,
                                 .shortfall_t_per_day = o->shortfall,
                                 .inventory_t = o->inventory};
    for (size_t e = 0; e < m; e++) {
        w->edge_open[e] = 1;
        w->edge_cap_kg[e] = cfx_world__cap_kg(s->edge_capacity_t_per_day[e]);
        w->has_capacity |= w->edge_cap_kg[e] != INT64_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        w->node_cap_kg[i] = cfx_world__cap_kg(s->node_capacity_t_per_day[i]);
        w->has_capacity |= w->node_cap_kg[i] != INT64_MAX;
    }
    for (size_t i = 0; i < s->n_events; i++) /* a capacity may come with an event */
        w->has_capacity |= s->events[i].kind == CFX_EV_CAPACITY;
    /* Where a capacity can bind, cargo is assigned to paths by the daily plan. */
    w->plan.active = w->has_capacity;
    memcpy(w->controller, s->controller, n * sizeof *w->controller);
    w->network_changed = 1;
    for (size_t g = 0; g < ng; g++)
        for (int l = 0; l < CFX_NLEVIES; l++) {
            w->levy_usd_per_t[g * CFX_NLEVIES + (size_t)l] = s->groups[g].levy_usd_per_t[l];
            w->levy_share[g * CFX_NLEVIES + (size_t)l] = s->groups[g].levy_share[l];
        }
    for (size_t i = 0; i < s->n_mines; i++)
        w->mine_capacity[i] = 1;
    for (size_t k = 0; k < s->n_cargo * ng; k++)
        w->routes.hold_usd_per_t[k] = INFINITY; /* until a routing model says otherwise */
    for (size_t i = 0; i < s->n_cargo * ng * n; i++)
        w->plan.first[i] = -1; /* no plan yet */
    for (size_t p = 0; p < np; p++)
        o->price[p] = s->products[p].price_usd_per_kg; /* what models see before day 0 */
    init_cargo(w);
}

/* The calendar's ring spans the longest single hop (up to 2^16 buckets; a longer hop waits
 * in the far list). */
static int alloc_calendar(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    double max_h = 0;
    for (size_t a = 0; a < w->net->n_arcs; a++)
        if (w->net->arc_base_h[a] > max_h)
            max_h = w->net->arc_base_h[a];
    max_h = max_h / s->contested_speed_factor + 4 * s->gate_clearance_hours;
    double span = max_h / s->step_hours + 2;
    w->cal.n = cfx_cal__ring_size(span < 65536 ? (size_t)span : 65536);
    return ZALLOC(w->cal.b, w->cal.n) ? CFX_ENOMEM : 0;
}

/* One generator and one lane per thread; with more than one thread, each lane's own share
 * of the flows. */
static int alloc_threads(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    size_t n = s->n_nodes, m = s->n_edges, ng = s->n_groups;
    if (ZALLOC(w->rngs, (size_t)w->threads) || ZALLOC(w->lanes, cfx_world__n_lanes(w)))
        return CFX_ENOMEM;
    for (int t = 0; w->threads > 1 && t < w->threads; t++) {
        cfx_lane *l = &w->lanes[t];
        if (ZALLOC(l->through_kg, n) || ZALLOC(l->levy_node_kg, n * s->n_cargo) ||
            ZALLOC(l->delivered_at_kg, n) || ZALLOC(l->edge_kg, m) ||
            ZALLOC(l->delivered_mine_kg, s->n_mines) || ZALLOC(l->by_group_kg, ng) ||
            ZALLOC(l->levy_export_kg, ng * s->n_cargo) ||
            ZALLOC(l->seized_node_kg, n * s->n_cargo) || ZALLOC(l->seized_from_kg, ng * s->n_cargo))
            return CFX_ENOMEM;
        w->lanes[w->threads + t] = *l; /* its twin: the same flows, its own (empty) lists */
    }
    for (int t = 0; t < w->threads; t++)
        if (!(w->rngs[t] = gsl_rng_alloc(cfx_rng_philox)))
            return CFX_ENOMEM;
    return 0;
}

/* Each model's state, made by its init from the parameters it read. Model i configured
 * params i of the scenario: the two lists must be the same. */
static int init_models(cfx_world *w, const cfx_model_type *const *models, cfx_error *err)
{
    const cfx_scenario *s = w->s;
    size_t nm = 0;
    while (models && models[nm] && nm < s->n_models && s->readers[nm] == &models[nm]->params)
        nm++;
    if (!models || nm != s->n_models || models[nm])
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0,
                             "the world's models are not those the scenario was read for");
    w->models = models;
    if (ZALLOC(w->model_state, nm + 1))
        return CFX_ENOMEM;
    for (size_t i = 0; i < nm; i++) {
        const cfx_model_type *mt = models[i];
        if (!(w->model_state[i] = calloc(1, mt->state_size ? mt->state_size : 1)))
            return CFX_ENOMEM;
        int rc = mt->init(w->model_state[i], w, s->model_params[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

int cfx_world_alloc(cfx_world **out, const cfx_scenario *s, const cfx_world_opts *opt,
                    cfx_error *err)
{
    *out = NULL;
    cfx_world *w = calloc(1, sizeof *w);
    if (!w)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (world)");
    w->s = s;
    w->threads = opt && opt->threads > 0 ? opt->threads : 1;
    w->parallel_min = opt && opt->parallel_min > 0 ? opt->parallel_min : 1024;
    w->steps_per_day = lround(24.0 / s->step_hours);
    int rc = s->net ? 0 : cfx_scenario_network(s, &w->net_own, err);
    if (rc)
        goto done;
    w->net = s->net ? s->net : w->net_own;
    rc = alloc_arrays(w);
    w->obs_own = w->obs; /* what was allocated, so that a failure frees it too */
    if (rc)
        goto done;
    init_state(w);
    cfx_world__hop_view(w); /* the table as it stands (empty) until routing fills it */
    if ((rc = alloc_calendar(w)) || (rc = alloc_threads(w)) ||
        (rc = init_models(w, opt ? opt->models : NULL, err)))
        goto done;
    *out = w;
done:
    if (rc == CFX_ENOMEM && (!err || err->code != CFX_ENOMEM))
        cfx_error_set(err, rc, NULL, 0, 0, "out of memory (world)");
    if (rc)
        cfx_world_free(w);
    return rc;
}

void cfx_world_free(cfx_world *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->model_state && w->models[i]; i++) {
        if (w->model_state[i] && w->models[i]->free)
            w->models[i]->free(w->model_state[i]);
        free(w->model_state[i]);
    }
    free(w->model_state);
    free(w->cmds.v);
    cfx_network_free(w->net_own);
    free(w->node_status); free(w->edge_open); free(w->controller);
    free(w->routes.next_arc); free(w->routes.cost); free(w->routes.arc_hours);
    free(w->go); free(w->arc_go);
    free(w->routes.arc_cost); free(w->routes.is_target); free(w->routes.excess);
    free(w->routes.hold_usd_per_t); free(w->routes.arc_cost_k);
    free(w->queued_kg); free(w->mine_made_kg); free(w->mine_made_prev_kg); free(w->cargo_grade);
    free(w->plan.supply); free(w->plan.first); free(w->plan.node_room); free(w->plan.edge_room);
    free(w->plan.path); free(w->plan.arcs); free(w->plan.remap);
    free(w->delivered_today_t);
    cfx_ships__free(&w->ships);
    for (size_t i = 0; w->cal.b && i < w->cal.n; i++)
        free(w->cal.b[i].ids);
    free(w->cal.b);
    free(w->cal.far);
    free(w->waiting);
    free(w->hops);
    for (int t = 0; w->rngs && t < w->threads; t++)
        gsl_rng_free(w->rngs[t]);
    free(w->rngs);
    free(w->mine_frac_kg); free(w->stock_kg); free(w->mine_pile_kg);
    free(w->through_kg); free(w->delivered_at_kg);
    free(w->edge_kg); free(w->edge_used_kg); free(w->node_used_kg);
    free(w->node_cap_kg); free(w->edge_cap_kg); free(w->node_carry_kg); free(w->edge_carry_kg);
    free(w->delivered_mine_kg); free(w->levy_node_kg); free(w->levy_export_kg);
    free(w->closed_to);
    for (size_t t = 0; w->lanes && t < cfx_world__n_lanes(w); t++) {
        cfx_lane *l = &w->lanes[t];
        free(l->freed); free(l->waiting); free(l->filed);
        if (t >= (size_t)w->threads)
            continue; /* a twin: its flows are its thread's first lane's */
        free(l->through_kg); free(l->levy_node_kg); free(l->edge_kg);
        free(l->delivered_at_kg);
        free(l->delivered_mine_kg); free(l->by_group_kg); free(l->levy_export_kg);
        free(l->seized_node_kg); free(l->seized_from_kg);
    }
    free(w->lanes);
    free(w->by_group_kg); free(w->revenue_usd);
    free(w->seized_node_kg); free(w->seized_from_kg); free(w->levy_usd);
    free(w->seizure_gain_usd); free(w->seizure_loss_usd);
    free(w->events);
    free(w->levy_usd_per_t); free(w->levy_share); free(w->node_tax_usd_per_t); free(w->node_seize_p);
    free(w->node_strike_start_h); free(w->node_strike_end_h); free(w->node_strike_p);
    free(w->edge_strike_start_h); free(w->edge_strike_end_h); free(w->edge_strike_p);
    free(w->mine_capacity); free(w->mine_halt_share); free(w->mine_outlook);
    cfx_obs *o = &w->obs_own;
    free(o->price); free(o->demand); free(o->supply); free(o->delivered); free(o->shortfall);
    free(o->inventory); free(o->node_status); free(o->node_controller); free(o->node_stock_t);
    free(o->queued_t);
    free(o->node_throughput_t); free(o->edge_flow_t); free(o->group_revenue_usd);
    free(o->group_seizure_gain_usd); free(o->group_seizure_loss_usd);
    free(o->delivered_by_origin_t); free(o->delivered_by_controller_t); free(o->delivered_at_t);
    free(w);
}

int64_t cfx_world_stock_kg(const cfx_world *w)
{
    int64_t sum = 0;
    for (size_t i = 0; i < w->s->n_nodes; i++)
        sum += w->stock_kg[i];
    return sum;
}

void cfx_world_get_totals(const cfx_world *w, cfx_world_totals *out)
{
    *out = (cfx_world_totals){.produced_kg = w->produced_kg,
                              .arrived_kg = w->arrived_kg,
                              .in_transit_kg = w->in_transit_kg,
                              .stock_kg = cfx_world_stock_kg(w),
                              .seized_kg = w->seized_kg,
                              .lost_kg = w->lost_kg,
                              .hop_events = w->hop_events,
                              .shipment_days = w->shipment_days,
                              .n_events = w->n_events};
}

const cfx_obs *cfx_world_obs(const cfx_world *w)
{
    return &w->obs;
}

/* One array of the observation: rows' when it has one, else the world's own, which gets the
 * values of the array it replaces when rows is NULL. */
#define OBSERVE_INTO(f, len)                                                                   \
    do {                                                                                       \
        if (!rows && o->f != own->f)                                                           \
            memcpy(own->f, o->f, (len) * sizeof *own->f);                                      \
        o->f = rows && rows->f ? rows->f : own->f;                                             \
    } while (0)

void cfx_world_observe_into(cfx_world *w, const cfx_obs *rows)
{
    cfx_obs *o = &w->obs;
    const cfx_obs *own = &w->obs_own;
    size_t n = w->s->n_nodes, m = w->s->n_edges;
    OBSERVE_INTO(node_status, n);
    OBSERVE_INTO(node_controller, n);
    OBSERVE_INTO(node_stock_t, n);
    OBSERVE_INTO(queued_t, n);
    OBSERVE_INTO(node_throughput_t, n);
    OBSERVE_INTO(delivered_by_origin_t, n);
    OBSERVE_INTO(delivered_at_t, n);
    OBSERVE_INTO(edge_flow_t, m);
}

const cfx_event_rec *cfx_world_events(const cfx_world *w, size_t *n)
{
    *n = w->n_events;
    return w->events;
}

long cfx_world_next_step(const cfx_world *w)
{
    return w->step;
}

long cfx_world_steps_per_day(const cfx_world *w)
{
    return w->steps_per_day;
}

int cfx_world_route_from(const cfx_world *w, int32_t v, size_t cargo, size_t group,
                         cfx_route_info *out)
{
    const cfx_scenario *s = w->s;
    size_t row = cfx_route_row(s, cargo, group);
    *out = (cfx_route_info){.cost_usd_per_t = w->routes.cost[row + (size_t)v], .end = v,
                            .cap_t_per_day = INFINITY, .cap_node = -1, .cap_edge = -1};
    if (isinf(out->cost_usd_per_t))
        return -1;
    for (int32_t a, u = v; (a = w->routes.next_arc[row + (size_t)u]) >= 0;
         u = w->net->arc_to[a], out->roads++) {
        out->hours += w->routes.arc_hours[a] +
                      (s->node_kind[w->net->arc_to[a]] == CFX_NODE_GATE ? s->gate_clearance_hours
                                                                         : 0);
        out->end = w->net->arc_to[a];
        /* a node's capacity binds what leaves it; a road's, what it carries */
        int32_t e = w->net->arc_edge[a];
        if (cfx_in_set(s, s->node_capacity_products[u], cargo) &&
            s->node_capacity_t_per_day[u] < out->cap_t_per_day) {
            out->cap_t_per_day = s->node_capacity_t_per_day[u];
            out->cap_node = u;
            out->cap_edge = -1;
        }
        if (s->edge_capacity_t_per_day[e] < out->cap_t_per_day) {
            out->cap_t_per_day = s->edge_capacity_t_per_day[e];
            out->cap_node = -1;
            out->cap_edge = e;
        }
    }
    return 0;
}
