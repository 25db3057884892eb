/* The engine: world state, shipment pool, arrival calendar and the phases of a step.
 *
 * A step runs, in this order and no other: events due now; routing if the network
 * changed; production and departures; the shipments due now (their next move computed in
 * parallel, each iteration writing only its own slot of w->hops, then merged serially in
 * calendar order, which resolves road and gate capacity first come, first served); then,
 * on the day's last step, the market and the day's observation.
 * Invariant after every step: produced = arrived + in_transit + sum(stock) + seized + lost,
 * exactly, in whole kg. */
#include "engine/world.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "core/grow.h"
#include "core/rng.h"

#define GROW CFX_GROW

int cfx_cmdbuf_push(cfx_cmdbuf *b, cfx_cmd c)
{
    if (GROW(b->v, b->cap, b->n + 1)) {
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
const uint8_t *cfx_world_mine_halted(const cfx_world *w) { return w->mine_halted; }
const uint8_t *cfx_world_closed_to(const cfx_world *w) { return w->closed_to; }
const double *cfx_world_toll(const cfx_world *w) { return w->toll_usd_per_t; }
const double *cfx_world_node_tax(const cfx_world *w) { return w->node_tax_usd_per_t; }
const double *cfx_world_node_seize_p(const cfx_world *w) { return w->node_seize_p; }

/* ---------------------------------------------------------------- shipments */

static int ships_grow(cfx_ships *sh, size_t need)
{
    if (need <= sh->cap)
        return 0;
    size_t cap = cfx_grow_cap(sh->cap, need, 1024);
    if (!cap || cap > INT32_MAX) /* ids are int32 */
        return CFX_ENOMEM;
#define RE(f)                                                   \
    do {                                                        \
        void *p = realloc(sh->f, cap * sizeof *sh->f);          \
        if (!p)                                                 \
            return CFX_ENOMEM;                                  \
        sh->f = p;                                              \
    } while (0)
    RE(node); RE(t_h); RE(kg); RE(mine); RE(origin_group); RE(serial); RE(hops); RE(arc);
    RE(state); RE(free_list);
#undef RE
#define ZERO(f) memset(sh->f + sh->cap, 0, (cap - sh->cap) * sizeof *sh->f)
    /* zeroed, as a checkpoint saves every slot */
    ZERO(node); ZERO(t_h); ZERO(kg); ZERO(mine); ZERO(origin_group); ZERO(serial); ZERO(hops);
    ZERO(arc);
#undef ZERO
    /* New slots go on the free stack so that the lowest ids are taken first. */
    for (size_t i = cap; i > sh->cap; i--) {
        sh->state[i - 1] = CFX_SHIP_FREE;
        sh->free_list[sh->n_free++] = (int32_t)(i - 1);
    }
    sh->cap = cap;
    return 0;
}

static void ships_free(cfx_ships *sh)
{
    free(sh->node); free(sh->t_h); free(sh->kg); free(sh->mine); free(sh->origin_group);
    free(sh->serial); free(sh->hops); free(sh->arc); free(sh->state); free(sh->free_list);
}

/* ---------------------------------------------------------------- calendar */

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

/* The step containing time t_h (hours since start, never negative: the conversion then
 * truncates as floor would, without a libm call on the hottest path). */
static inline long step_of(const cfx_world *w, double t_h)
{
    return (long)(t_h / w->s->step_hours);
}

/* Files shipment id to be processed at the step containing t_h (never before now). A step
 * beyond the ring goes to the far list, which is looked at each time the ring turns. */
static int cal_file_step(cfx_world *w, int32_t id, long st);

static int cal_file(cfx_world *w, int32_t id, double t_h)
{
    return cal_file_step(w, id, step_of(w, t_h));
}

/* The same with the step already known (computed in the parallel part of a round). */
static int cal_file_step(cfx_world *w, int32_t id, long st)
{
    if (st < w->step)
        st = w->step;
    if ((size_t)(st - w->step) >= w->cal.n) {
        if (GROW(w->cal.far, w->cal.far_cap, w->cal.n_far + 1))
            return CFX_ENOMEM;
        w->cal.far[w->cal.n_far++] = id;
        return 0;
    }
    cfx_bucket *b = &w->cal.b[(size_t)st & (w->cal.n - 1)];
    if (GROW(b->ids, b->cap, b->n + 1))
        return CFX_ENOMEM;
    b->ids[b->n++] = id;
    return 0;
}

/* At the start of each turn of the ring, the far list's shipments now within reach move
 * into their buckets, in the order they were filed. */
static int cal_turn(cfx_world *w)
{
    if ((size_t)w->step & (w->cal.n - 1) || !w->cal.n_far)
        return 0;
    size_t keep = 0, n = w->cal.n_far;
    w->cal.n_far = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t id = w->cal.far[i];
        if (step_of(w, w->ships.t_h[id]) - w->step < (long)w->cal.n) {
            int rc = cal_file(w, id, w->ships.t_h[id]);
            if (rc)
                return rc;
        } else {
            w->cal.far[keep++] = id;
        }
    }
    w->cal.n_far = keep;
    return 0;
}

/* ---------------------------------------------------------------- world */

static int64_t cap_kg(double cap_t);

#define ZALLOC(p, n) (((p) = calloc((n) != 0 ? (n) : 1, sizeof *(p))) == NULL)

int cfx_world_alloc(cfx_world **out, const cfx_scenario *s, const cfx_world_opts *opt,
                    cfx_error *err)
{
    *out = NULL;
    cfx_world *w = calloc(1, sizeof *w);
    if (!w)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (world)");
    int rc = cfx_scenario_network(s, &w->net, err);
    if (rc) {
        free(w);
        return rc;
    }
    w->s = s;
    w->threads = opt && opt->threads > 0 ? opt->threads : 1;
    w->parallel_min = opt && opt->parallel_min > 0 ? opt->parallel_min : 1024;
    w->steps_per_day = lround(24.0 / s->step_hours);
    size_t n = s->n_nodes, m = s->n_edges, na = w->net->n_arcs, np = s->n_products,
           ng = s->n_groups;
    cfx_obs *o = &w->obs;
    if (ZALLOC(w->node_status, n) || ZALLOC(w->edge_open, m) || ZALLOC(w->controller, n) ||
        ZALLOC(w->routes.next_arc, n * ng * s->n_cargo) ||
        ZALLOC(w->routes.cost, n * ng * s->n_cargo) ||
        ZALLOC(w->routes.arc_hours, na) || ZALLOC(w->routes.arc_cost, na) ||
        ZALLOC(w->routes.is_target, n) || ZALLOC(w->delivered_today_t, np) ||
        ZALLOC(w->mine_frac_kg, s->n_mines) || ZALLOC(w->stock_kg, n) ||
        ZALLOC(w->mine_pile_kg, s->n_mines) || ZALLOC(w->through_kg, n) ||
        ZALLOC(w->delivered_at_kg, n) || ZALLOC(w->edge_kg, m) || ZALLOC(w->edge_used_kg, m) ||
        ZALLOC(w->node_used_kg, n) ||
        ZALLOC(w->node_cap_kg, n) || ZALLOC(w->edge_cap_kg, m) ||
        ZALLOC(w->delivered_mine_kg, s->n_mines) || ZALLOC(w->levy_node_kg, n) ||
        ZALLOC(w->levy_export_kg, ng) || ZALLOC(w->closed_to, n * (ng ? ng : 1) * s->n_cargo) ||
        ZALLOC(w->by_group_kg, ng) || ZALLOC(w->revenue_usd, ng) || ZALLOC(o->price, np) ||
        ZALLOC(o->demand, np) || ZALLOC(o->supply, np) || ZALLOC(o->delivered, np) ||
        ZALLOC(o->shortfall, np) || ZALLOC(o->inventory, np) || ZALLOC(o->node_status, n) ||
        ZALLOC(o->node_controller, n) || ZALLOC(o->node_stock_t, n) ||
        ZALLOC(o->node_throughput_t, n) || ZALLOC(o->edge_flow_t, m) ||
        ZALLOC(o->group_revenue_usd, ng) || ZALLOC(o->delivered_by_origin_t, n) ||
        ZALLOC(o->delivered_at_t, n) || ZALLOC(o->delivered_by_controller_t, ng) ||
        ZALLOC(w->toll_usd_per_t, ng) ||
        ZALLOC(w->node_tax_usd_per_t, n) || ZALLOC(w->node_seize_p, n) ||
        ZALLOC(w->node_strike_start_h, n) || ZALLOC(w->node_strike_end_h, n) ||
        ZALLOC(w->node_strike_p, n) || ZALLOC(w->edge_strike_start_h, m) ||
        ZALLOC(w->edge_strike_end_h, m) || ZALLOC(w->edge_strike_p, m) ||
        ZALLOC(w->mine_capacity, s->n_mines) || ZALLOC(w->mine_halted, s->n_mines)) {
        cfx_world_free(w);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (world)");
    }
    w->market = (cfx_market_obs){.price_usd_per_kg = o->price, .demand_t_per_day = o->demand,
                                 .supply_t_per_day = o->supply,
                                 .shortfall_t_per_day = o->shortfall,
                                 .inventory_t = o->inventory};
    for (size_t e = 0; e < m; e++) {
        w->edge_open[e] = 1;
        w->edge_cap_kg[e] = cap_kg(s->edge_capacity_t_per_day[e]);
        w->has_capacity |= w->edge_cap_kg[e] != INT64_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        w->node_cap_kg[i] = cap_kg(s->node_capacity_t_per_day[i]);
        w->has_capacity |= w->node_cap_kg[i] != INT64_MAX;
    }
    memcpy(w->controller, s->controller, n * sizeof *w->controller);
    w->network_changed = 1;
    for (size_t g = 0; g < ng; g++)
        w->toll_usd_per_t[g] = s->groups[g].toll_usd_per_t;
    for (size_t i = 0; i < s->n_mines; i++)
        w->mine_capacity[i] = 1;
    for (size_t p = 0; p < np; p++)
        o->price[p] = s->products[p].price_usd_per_kg; /* what models see before day 0 */

    /* The ring must span the longest single hop; cal_file grows it for longer ones. */
    double max_h = 0;
    for (size_t a = 0; a < na; a++)
        if (w->net->arc_base_h[a] > max_h)
            max_h = w->net->arc_base_h[a];
    max_h = max_h / s->contested_speed_factor + 4 * s->gate_clearance_hours;
    /* Up to 2^16 buckets; a longer hop waits in the far list. */
    double span = max_h / s->step_hours + 2;
    w->cal.n = pow2_at_least(span < 65536 ? (size_t)span : 65536);
    if (ZALLOC(w->cal.b, w->cal.n)) {
        cfx_world_free(w);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (calendar)");
    }

    if (ZALLOC(w->rngs, (size_t)w->threads) || ZALLOC(w->lanes, (size_t)w->threads)) {
        cfx_world_free(w);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (rng)");
    }
    for (int t = 0; w->threads > 1 && t < w->threads; t++) {
        cfx_lane *l = &w->lanes[t];
        if (ZALLOC(l->through_kg, n) || ZALLOC(l->levy_node_kg, n) ||
            ZALLOC(l->delivered_at_kg, n) || ZALLOC(l->edge_kg, m) ||
            ZALLOC(l->delivered_mine_kg, s->n_mines) || ZALLOC(l->by_group_kg, ng) ||
            ZALLOC(l->levy_export_kg, ng)) {
            cfx_world_free(w);
            return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (lanes)");
        }
    }
    for (int t = 0; t < w->threads; t++)
        if (!(w->rngs[t] = gsl_rng_alloc(cfx_rng_philox))) {
            cfx_world_free(w);
            return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (rng)");
        }

    /* Model i configured params i of the scenario: the lists must be the same. */
    w->models = opt ? opt->models : NULL;
    size_t nm = 0;
    while (w->models && w->models[nm] && nm < s->n_models && s->readers[nm] == &w->models[nm]->params)
        nm++;
    if (!w->models || nm != s->n_models || w->models[nm]) {
        cfx_world_free(w);
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0,
                             "the world's models are not those the scenario was read for");
    }
    if (ZALLOC(w->model_state, nm)) {
        cfx_world_free(w);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (models)");
    }
    for (size_t i = 0; i < nm; i++) {
        if (!(w->model_state[i] = calloc(1, w->models[i]->state_size ? w->models[i]->state_size
                                                                      : 1)) ||
            (rc = w->models[i]->init(w->model_state[i], w, s->model_params[i], err))) {
            if (!rc)
                rc = cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (models)");
            if (w->model_state[i] && w->models[i]->free)
                w->models[i]->free(w->model_state[i]);
            free(w->model_state[i]);
            w->model_state[i] = NULL;
            cfx_world_free(w);
            return rc;
        }
    }
    *out = w;
    return 0;
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
    cfx_network_free(w->net);
    free(w->node_status); free(w->edge_open); free(w->controller);
    free(w->routes.next_arc); free(w->routes.cost); free(w->routes.arc_hours);
    free(w->routes.arc_cost); free(w->routes.is_target);
    free(w->delivered_today_t);
    ships_free(&w->ships);
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
    free(w->node_cap_kg); free(w->edge_cap_kg);
    free(w->delivered_mine_kg); free(w->levy_node_kg); free(w->levy_export_kg);
    free(w->closed_to);
    for (int t = 0; w->lanes && t < w->threads; t++) {
        cfx_lane *l = &w->lanes[t];
        free(l->freed); free(l->waiting); free(l->filed);
        free(l->through_kg); free(l->levy_node_kg); free(l->edge_kg);
        free(l->delivered_at_kg);
        free(l->delivered_mine_kg); free(l->by_group_kg); free(l->levy_export_kg);
    }
    free(w->lanes);
    free(w->by_group_kg); free(w->revenue_usd);
    free(w->events);
    free(w->toll_usd_per_t); free(w->node_tax_usd_per_t); free(w->node_seize_p);
    free(w->node_strike_start_h); free(w->node_strike_end_h); free(w->node_strike_p);
    free(w->edge_strike_start_h); free(w->edge_strike_end_h); free(w->edge_strike_p);
    free(w->mine_capacity); free(w->mine_halted);
    cfx_obs *o = &w->obs;
    free(o->price); free(o->demand); free(o->supply); free(o->delivered); free(o->shortfall);
    free(o->inventory); free(o->node_status); free(o->node_controller); free(o->node_stock_t);
    free(o->node_throughput_t); free(o->edge_flow_t); free(o->group_revenue_usd);
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

/* ---------------------------------------------------------------- commands */

static void lose_mine_piles(cfx_world *w, int32_t node)
{
    for (size_t m = 0; m < w->s->n_mines; m++) {
        if (w->s->mine_node[m] != node)
            continue;
        w->lost_kg += w->mine_pile_kg[m];
        w->stock_kg[node] -= w->mine_pile_kg[m];
        w->mine_pile_kg[m] = 0;
    }
}

/* A strike on a mine burns that share of its stockpile (the loaded trucks waiting there
 * take their own chance when next looked at). */
static void strike_mine_piles(cfx_world *w, int32_t node, double p)
{
    for (size_t m = 0; m < w->s->n_mines; m++) {
        if (w->s->mine_node[m] != node)
            continue;
        int64_t kg = (int64_t)floor((double)w->mine_pile_kg[m] * p);
        w->lost_kg += kg;
        w->stock_kg[node] -= kg;
        w->mine_pile_kg[m] -= kg;
    }
}

/* Adds what the lanes counted since the last fold into the world's flows and empties them.
 * Integer sums: the result does not depend on how moves were split over threads. */
static void fold(int64_t *to, int64_t *from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        to[i] += from[i];
        from[i] = 0;
    }
}

static void fold_lanes(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    for (int t = 0; w->threads > 1 && t < w->threads; t++) {
        cfx_lane *l = &w->lanes[t];
        fold(w->through_kg, l->through_kg, s->n_nodes);
        fold(w->delivered_at_kg, l->delivered_at_kg, s->n_nodes);
        fold(w->levy_node_kg, l->levy_node_kg, s->n_nodes);
        fold(w->edge_kg, l->edge_kg, s->n_edges);
        fold(w->delivered_mine_kg, l->delivered_mine_kg, s->n_mines);
        fold(w->by_group_kg, l->by_group_kg, s->n_groups);
        fold(w->levy_export_kg, l->levy_export_kg, s->n_groups);
    }
}

/* Turns the cargo that paid levies since the last booking into revenue, at the levies and
 * with the holders in force meanwhile, in node order (a fixed order of float sums). The
 * lanes are folded first, so this is also where the day's flows are complete. */
static void book_levies(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    fold_lanes(w);
    for (size_t v = 0; v < s->n_nodes; v++) {
        if (!w->levy_node_kg[v])
            continue;
        int32_t g = w->controller[v];
        double levy = w->node_tax_usd_per_t[v];
        if (s->node_kind[v] == CFX_NODE_GATE)
            levy += w->toll_usd_per_t[g];
        if (levy != 0)
            w->revenue_usd[g] += levy * ((double)w->levy_node_kg[v] / 1000.0);
        w->levy_node_kg[v] = 0;
    }
    for (size_t g = 0; g < s->n_groups; g++) {
        if (!w->levy_export_kg[g])
            continue;
        w->revenue_usd[g] +=
            s->groups[g].export_levy_usd_per_t * ((double)w->levy_export_kg[g] / 1000.0);
        w->levy_export_kg[g] = 0;
    }
}

static int apply_cmds(cfx_world *w)
{
    int rc = 0;
    if (w->cmds.failed) { /* a model's command was dropped: the step cannot be right */
        w->cmds.n = 0;
        w->cmds.failed = 0;
        return CFX_ENOMEM;
    }
    /* Cargo that left before a change of holder or levy pays what was in force. */
    for (size_t i = 0; i < w->cmds.n; i++) {
        int k = w->cmds.v[i].kind;
        if (k == CFX_CMD_CONTROLLER || k == CFX_CMD_TOLL || k == CFX_CMD_CHECKPOINT) {
            book_levies(w);
            break;
        }
    }
    for (size_t i = 0; i < w->cmds.n && !rc; i++) {
        const cfx_cmd *c = &w->cmds.v[i];
        switch (c->kind) {
        case CFX_CMD_NODE_STATUS:
            if (w->node_status[c->a] != c->b) {
                w->node_status[c->a] = (uint8_t)c->b;
                w->network_changed = 1;
                if (c->b == CFX_STATUS_DESTROYED)
                    lose_mine_piles(w, c->a);
            }
            break;
        case CFX_CMD_EDGE_OPEN:
            if (w->edge_open[c->a] != c->b) {
                w->edge_open[c->a] = (uint8_t)c->b;
                w->network_changed = 1;
            }
            break;
        case CFX_CMD_CONTROLLER:
            if (w->controller[c->a] != c->b) {
                w->controller[c->a] = c->b;
                w->network_changed = 1; /* tolls and risks depend on who holds a node */
            }
            break;
        case CFX_CMD_PRODUCE: {
            double kg = w->mine_frac_kg[c->a] + c->x * 1000.0;
            int64_t whole = (int64_t)floor(kg);
            int32_t node = w->s->mine_node[c->a];
            w->mine_frac_kg[c->a] = kg - (double)whole;
            w->mine_pile_kg[c->a] += whole;
            w->stock_kg[node] += whole;
            w->produced_kg += whole;
            /* the mine tax goes to whoever holds the mine */
            w->revenue_usd[w->controller[node]] +=
                w->s->groups[w->controller[node]].mine_tax_usd_per_t * (double)whole / 1000.0;
            break;
        }
        case CFX_CMD_TOLL:
            w->toll_usd_per_t[c->a] = c->x;
            w->network_changed = 1; /* routes weigh the levy */
            break;
        case CFX_CMD_CHECKPOINT:
            w->node_tax_usd_per_t[c->a] = c->x;
            w->node_seize_p[c->a] = c->x2;
            w->network_changed = 1;
            break;
        case CFX_CMD_STRIKE: {
            double now_h = (double)w->step * w->s->step_hours;
            if (now_h + c->x2 > w->strike_until_h)
                w->strike_until_h = now_h + c->x2;
            if (c->a >= 0) {
                w->node_strike_start_h[c->a] = now_h;
                w->node_strike_end_h[c->a] = now_h + c->x2;
                w->node_strike_p[c->a] = c->x;
                strike_mine_piles(w, c->a, c->x);
            } else {
                w->edge_strike_start_h[c->y] = now_h;
                w->edge_strike_end_h[c->y] = now_h + c->x2;
                w->edge_strike_p[c->y] = c->x;
            }
            break;
        }
        case CFX_CMD_CLOSE_TO: {
            uint8_t *x = &w->closed_to[cfx_closed_index(w->s, (size_t)c->a, (size_t)c->b)];
            if (*x != (c->y != 0)) {
                w->n_closed_to += c->y ? 1 : -1;
                *x = c->y != 0;
                w->network_changed = 1;
            }
            break;
        }
        case CFX_CMD_MINE_CAPACITY:
            w->mine_capacity[c->a] = c->x < 0 ? 0 : c->x > 1 ? 1 : c->x;
            break;
        case CFX_CMD_MINE_HALT:
            w->mine_halted[c->a] = (uint8_t)(c->b != 0);
            break;
        case CFX_CMD_LOG_EVENT:
            if (GROW(w->events, w->cap_events, w->n_events + 1)) {
                rc = CFX_ENOMEM;
                break;
            }
            w->events[w->n_events++] = (cfx_event_rec){
                .day = (double)w->step * w->s->step_hours / 24.0, .kind = c->b,
                .node = c->a, .edge = c->y, .days = c->x};
            break;
        }
    }
    w->cmds.n = 0;
    return rc;
}

static int run_phase(cfx_world *w, cfx_phase phase, cfx_step_ctx *ctx)
{
    for (size_t i = 0; w->models[i]; i++)
        if (w->models[i]->phase == phase)
            w->models[i]->step(w->model_state[i], w, ctx, &w->cmds);
    return apply_cmds(w);
}

/* ---------------------------------------------------------------- shipments phase */

static int push_waiting(cfx_world *w, int32_t id)
{
    if (GROW(w->waiting, w->cap_waiting, w->n_waiting + 1))
        return CFX_ENOMEM;
    w->waiting[w->n_waiting++] = id;
    return 0;
}

/* Loads whole truckloads from each mine's stockpile; they leave this step. */
static int dispatch(cfx_world *w, double now_h)
{
    const cfx_scenario *s = w->s;
    int64_t truck_kg = llround(s->truck_t * 1000.0);
    cfx_ships *sh = &w->ships;
    if (w->step == 0 && s->initial_shipments > 0 && s->n_mines > 0) {
        /* Cargo already mined and loaded at day 0, dealt round robin over the mines. */
        if (ships_grow(sh, (size_t)s->initial_shipments))
            return CFX_ENOMEM;
        for (size_t m = 0; m < s->n_mines; m++) {
            int64_t k = s->initial_shipments / (long)s->n_mines +
                        ((long)m < s->initial_shipments % (long)s->n_mines);
            w->mine_pile_kg[m] += k * truck_kg;
            w->stock_kg[s->mine_node[m]] += k * truck_kg;
            w->produced_kg += k * truck_kg;
        }
    }
    for (size_t m = 0; m < s->n_mines; m++) {
        while (w->mine_pile_kg[m] >= truck_kg) {
            if (!sh->n_free && ships_grow(sh, sh->cap ? 2 * sh->cap : 1024))
                return CFX_ENOMEM;
            int32_t id = sh->free_list[--sh->n_free];
            sh->n_active++;
            int32_t node = s->mine_node[m];
            sh->node[id] = node;
            sh->t_h[id] = now_h;
            sh->kg[id] = (int32_t)truck_kg;
            sh->mine[id] = (int32_t)m;
            sh->origin_group[id] = w->controller[node];
            sh->serial[id] = sh->next_serial++;
            sh->hops[id] = 0;
            sh->arc[id] = -1;
            sh->state[id] = CFX_SHIP_QUEUED; /* at the node, counted in its stock */
            w->mine_pile_kg[m] -= truck_kg;
            int rc = cal_file(w, id, now_h);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The next move of one shipment; reads shared state, writes only *out. */
static void plan_hop(const cfx_world *w, int32_t id, double now_h, gsl_rng *rng, cfx_hop *out)
{
    const cfx_ships *sh = &w->ships;
    const cfx_scenario *s = w->s;
    int32_t node = sh->node[id];
    uint8_t st = w->node_status[node];
    out->arc = -1;
    out->t_arr = 0;
    if (st == CFX_STATUS_DESTROYED) {
        out->action = CFX_HOP_LOSE;
        return;
    }
    /* Losses: a strike on the road it came by while it was on it, a strike on the node while
     * it is there, or the fighting at a contested node it arrives at. One draw per shipment
     * and hop decides (the same key gives the same draw however often it is looked at). */
    double here_h = sh->t_h[id] > now_h ? sh->t_h[id] : now_h;
    int32_t came = sh->arc[id];
    double p_strike = 0;
    if (sh->t_h[id] < w->strike_until_h) { /* else no strike window can hold either time */
        if (sh->state[id] == CFX_SHIP_MOVING && came >= 0) {
            int32_t e = w->net->arc_edge[came];
            if (sh->t_h[id] >= w->edge_strike_start_h[e] &&
                sh->t_h[id] < w->edge_strike_end_h[e])
                p_strike = w->edge_strike_p[e];
        }
        if (here_h >= w->node_strike_start_h[node] && here_h < w->node_strike_end_h[node])
            p_strike = 1 - (1 - p_strike) * (1 - w->node_strike_p[node]);
    }
    if (sh->state[id] == CFX_SHIP_MOVING && st == CFX_STATUS_CONTESTED) /* ran into a fight */
        p_strike = 1 - (1 - p_strike) * (1 - s->contested_loss_p);
    if (p_strike > 0) {
        cfx_rng_key(rng, s->seed, CFX_STREAM_STRIKE, sh->serial[id], sh->hops[id]);
        if (gsl_rng_uniform(rng) < p_strike) {
            out->action = CFX_HOP_LOSE;
            return;
        }
    }
    if (st == CFX_STATUS_CUT || st == CFX_STATUS_CLOSED) {
        out->action = CFX_HOP_WAIT;
        return;
    }
    int32_t cargo = s->mine_cargo[sh->mine[id]];
    if (s->node_kind[node] == CFX_NODE_MARKET && cfx_buys(s, (size_t)node, (size_t)cargo)) {
        out->action = CFX_HOP_DELIVER;
        return;
    }
    int32_t own = sh->origin_group[id];
    size_t key = cfx_close_key(s, (size_t)own, (size_t)cargo);
    if (w->n_closed_to && w->closed_to[cfx_closed_index(s, (size_t)node, key)]) {
        out->action = CFX_HOP_WAIT; /* a gate closed to this cargo: it waits there */
        return;
    }
    int32_t arc = w->routes.next_arc[cfx_route_row(s, (size_t)cargo, (size_t)own) + (size_t)node];
    if (arc < 0) {
        out->action = CFX_HOP_WAIT;
        return;
    }
    /* Leaving a checkpoint, or a node held by a group that seizes other groups' cargo. */
    int32_t holder = w->controller[node];
    int hostile =
        holder != own && cfx_in_set(s, s->groups[holder].hostile_seize_products, (size_t)cargo);
    double p_seize = 1 - (1 - w->node_seize_p[node]) *
                             (1 - (hostile ? s->groups[holder].hostile_seize_p : 0));
    if (p_seize > 0) {
        cfx_rng_key(rng, s->seed, CFX_STREAM_SEIZE, sh->serial[id], sh->hops[id]);
        if (gsl_rng_uniform(rng) < p_seize) {
            out->action = CFX_HOP_SEIZE;
            return;
        }
    }
    double t = sh->t_h[id] > now_h ? sh->t_h[id] : now_h;
    t += w->routes.arc_hours[arc];
    if (s->gate_clearance_hours > 0 && s->node_kind[w->net->arc_to[arc]] == CFX_NODE_GATE) {
        cfx_rng_key(rng, s->seed, CFX_STREAM_GATE, sh->serial[id], sh->hops[id]);
        t += gsl_ran_exponential(rng, s->gate_clearance_hours);
    }
    out->action = CFX_HOP_MOVE;
    out->arc = arc;
    out->t_arr = t;
    out->step = (int32_t)step_of(w, t);
}

/* Whether kg more would overrun a daily capacity of cap_kg (INT64_MAX: none) of which
 * used_kg is taken: a truck is admitted when its load fits in what is left today, and the
 * first truck of the day always is, so a capacity below one truckload still passes one. */
static inline int full_today(int64_t used_kg, int64_t kg, int64_t cap_kg)
{
    return used_kg > 0 && used_kg + kg > cap_kg;
}

/* A capacity in t/day as whole kg: cargo is whole kg, so x > floor(1000 cap) exactly when
 * x > 1000 cap. INFINITY (no limit) and anything beyond int64 become INT64_MAX. */
static int64_t cap_kg(double cap_t)
{
    return isfinite(cap_t) && cap_t * 1000.0 < 9.0e18 ? (int64_t)floor(cap_t * 1000.0)
                                                       : INT64_MAX;
}

/* Integer totals touched by several threads: atomic adds when the round runs in parallel
 * (exact in any order), plain ones on one thread. */
#define ADD(x, v)                                                                          \
    do {                                                                                   \
        if (par) {                                                                         \
            _Pragma("omp atomic") (x) += (v);                                              \
        } else {                                                                           \
            (x) += (v);                                                                    \
        }                                                                                  \
    } while (0)

#define LANE_PUSH(lane, list, item)                                                        \
    do {                                                                                   \
        if (GROW((lane)->list, (lane)->cap_##list, (lane)->n_##list + 1))                  \
            (lane)->failed = 1;                                                            \
        else                                                                               \
            (lane)->list[(lane)->n_##list++] = (item);                                     \
    } while (0)

/* Applies one planned move. Writes only shipment id's own slots, the lane's lists and
 * totals, and integer totals through ADD, so any split of a round over threads gives the
 * same state once the lanes are joined in order. */
static inline void apply_hop(cfx_world *w, cfx_lane *lane, int32_t id, const cfx_hop *h,
                             long day, int par)
{
    const cfx_scenario *s = w->s;
    cfx_ships *sh = &w->ships;
    int32_t node = sh->node[id];
    int64_t kg = sh->kg[id];
    if (sh->state[id] == CFX_SHIP_MOVING) {
        lane->in_transit_kg -= kg;
        lane->hop_events++;
    } else {
        ADD(w->stock_kg[node], -kg);
    }
    switch (h->action) {
    case CFX_HOP_DELIVER: {
        lane->arrived_kg += kg;
        int32_t m = sh->mine[id];
        (par ? lane->through_kg : w->through_kg)[node] += kg;
        (par ? lane->delivered_at_kg : w->delivered_at_kg)[node] += kg;
        (par ? lane->by_group_kg : w->by_group_kg)[sh->origin_group[id]] += kg;
        (par ? lane->delivered_mine_kg : w->delivered_mine_kg)[m] += kg;
        sh->state[id] = CFX_SHIP_FREE;
        LANE_PUSH(lane, freed, id);
        lane->retired++;
        return;
    }
    case CFX_HOP_LOSE:
    case CFX_HOP_SEIZE:
        if (h->action == CFX_HOP_LOSE)
            lane->lost_kg += kg;
        else
            lane->seized_kg += kg;
        sh->state[id] = CFX_SHIP_FREE;
        LANE_PUSH(lane, freed, id);
        lane->retired++;
        return;
    case CFX_HOP_WAIT:
        ADD(w->stock_kg[node], kg);
        sh->t_h[id] = fmax(sh->t_h[id], (double)w->step * s->step_hours);
        sh->state[id] = CFX_SHIP_WAITING;
        LANE_PUSH(lane, waiting, id);
        return;
    case CFX_HOP_DEFER:
        /* The gate or the road is full today: wait at the node for tomorrow's capacity. */
        ADD(w->stock_kg[node], kg);
        sh->state[id] = CFX_SHIP_QUEUED;
        sh->t_h[id] = (double)(day + 1) * 24.0;
        LANE_PUSH(lane, filed, ((cfx_filing){id, (int32_t)step_of(w, sh->t_h[id])}));
        return;
    default:
        break;
    }
    int32_t e = w->net->arc_edge[h->arc];
    (par ? lane->edge_kg : w->edge_kg)[e] += kg;
    (par ? lane->through_kg : w->through_kg)[node] += kg;
    lane->in_transit_kg += kg;
    /* Levies on leaving the node (booked by book_levies): a checkpoint's tax and, at a
     * gate, the holder's toll go to whoever holds the node; the export levy, to the group
     * whose mine the cargo came from. */
    (par ? lane->levy_node_kg : w->levy_node_kg)[node] += kg;
    int32_t own = sh->origin_group[id];
    if (s->node_kind[node] == CFX_NODE_GATE &&
        cfx_in_set(s, s->groups[own].export_levy_products, (size_t)s->mine_cargo[sh->mine[id]]))
        (par ? lane->levy_export_kg : w->levy_export_kg)[own] += kg;
    sh->node[id] = w->net->arc_to[h->arc];
    sh->t_h[id] = h->t_arr;
    sh->hops[id]++;
    sh->arc[id] = h->arc;
    sh->state[id] = CFX_SHIP_MOVING;
    LANE_PUSH(lane, filed, ((cfx_filing){id, h->step}));
}

/* Gate and road capacity, first come, first served in the round's (calendar) order: a move
 * that does not fit in what is left of today's capacity is deferred to tomorrow. Serial,
 * and skipped when nothing in the scenario has a capacity. */
static void resolve_capacity(cfx_world *w, const int32_t *ids, cfx_hop *hops, size_t n)
{
    const cfx_ships *sh = &w->ships;
    for (size_t i = 0; i < n; i++) {
        if (hops[i].action != CFX_HOP_MOVE)
            continue;
        int32_t id = ids[i], node = sh->node[id], e = w->net->arc_edge[hops[i].arc];
        int64_t kg = sh->kg[id];
        if (full_today(w->node_used_kg[node], kg, w->node_cap_kg[node]) ||
            full_today(w->edge_used_kg[e], kg, w->edge_cap_kg[e])) {
            hops[i].action = CFX_HOP_DEFER;
        } else {
            w->node_used_kg[node] += kg;
            w->edge_used_kg[e] += kg;
        }
    }
}

/* Joins the lanes in thread order: the totals, then the freed slots, the waiting list and
 * the calendar filings in the order one thread would have made them. */
static int join_lanes(cfx_world *w, int lanes)
{
    cfx_ships *sh = &w->ships;
    for (int t = 0; t < lanes; t++) {
        cfx_lane *l = &w->lanes[t];
        if (l->failed)
            return CFX_ENOMEM;
        w->in_transit_kg += l->in_transit_kg;
        w->arrived_kg += l->arrived_kg;
        w->seized_kg += l->seized_kg;
        w->lost_kg += l->lost_kg;
        w->hop_events += l->hop_events;
        sh->n_active -= l->retired;
        for (size_t i = 0; i < l->n_freed; i++)
            sh->free_list[sh->n_free++] = l->freed[i];
        for (size_t i = 0; i < l->n_waiting; i++) {
            int rc = push_waiting(w, l->waiting[i]);
            if (rc)
                return rc;
        }
        for (size_t i = 0; i < l->n_filed; i++) {
            int rc = cal_file_step(w, l->filed[i].id, l->filed[i].step);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Shipments handled in one pass of plan, capacity, apply and join; a larger bucket is
 * taken in slices, in order, so the per-round scratch stays bounded (64 Ki x 16 bytes)
 * whatever the number of shipments. The result is the same as one pass over the bucket. */
#define CFX_ROUND_SLICE ((size_t)65536)

/* One slice of a round: plan every move in parallel, resolve capacity serially, apply the
 * moves in parallel, join the lanes serially. */
static int process_slice(cfx_world *w, const int32_t *ids, size_t n, double now_h, long day)
{
    if (GROW(w->hops, w->cap_hops, n))
        return CFX_ENOMEM;
    cfx_hop *hops = w->hops;
    int par = n >= w->parallel_min && w->threads > 1;
    int lanes = par ? w->threads : 1;
    for (int t = 0; t < lanes; t++) {
        cfx_lane *l = &w->lanes[t];
        l->n_freed = l->n_waiting = l->n_filed = 0;
        l->in_transit_kg = l->arrived_kg = l->seized_kg = l->lost_kg = 0;
        l->hop_events = 0;
        l->retired = 0;
        l->failed = 0;
    }
    int cap = w->has_capacity;
#pragma omp parallel num_threads(lanes) if (par)
    {
        int t = omp_get_thread_num();
        cfx_lane *lane = &w->lanes[t];
        /* Thread t takes a contiguous block (static schedule), so its lane lists come out in
         * shipment order. Without capacities a move depends on nothing another shipment
         * does in the round: each is planned and applied at once, with no barrier between. */
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
            plan_hop(w, ids[i], now_h, w->rngs[t], &hops[i]);
            if (!cap)
                apply_hop(w, lane, ids[i], &hops[i], day, par);
        }
        if (cap) {
#pragma omp single
            resolve_capacity(w, ids, hops, n);
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i++)
                apply_hop(w, lane, ids[i], &hops[i], day, par);
        }
    }
    return join_lanes(w, lanes);
}

/* Processes the current step's bucket in rounds until nothing more is due in it (a short
 * hop can end inside the same step): each round takes the bucket's list as it stands, and
 * filings for this step made meanwhile wait for the next round. */
static int process_due(cfx_world *w, long day)
{
    double now_h = (double)w->step * w->s->step_hours;
    cfx_bucket *b = &w->cal.b[(size_t)w->step & (w->cal.n - 1)];
    int32_t *proc = NULL;
    size_t proc_cap = 0;
    int rc = 0;
    while (b->n && !rc) {
        size_t total = b->n;
        int32_t *all = b->ids;
        size_t all_cap = b->cap;
        b->ids = proc;
        b->cap = proc_cap;
        b->n = 0;
        for (size_t from = 0; from < total && !rc; from += CFX_ROUND_SLICE)
            rc = process_slice(w, all + from,
                               total - from < CFX_ROUND_SLICE ? total - from : CFX_ROUND_SLICE,
                               now_h, day);
        proc = all;
        proc_cap = all_cap;
    }
    free(proc);
    return rc;
}

/* After a network change, everything waiting for a route tries again now. */
static int requeue_waiting(cfx_world *w)
{
    double now_h = (double)w->step * w->s->step_hours;
    for (size_t i = 0; i < w->n_waiting; i++) {
        int32_t id = w->waiting[i];
        w->ships.state[id] = CFX_SHIP_QUEUED;
        int rc = cal_file(w, id, now_h);
        if (rc)
            return rc;
    }
    w->n_waiting = 0;
    return 0;
}

/* ---------------------------------------------------------------- the day */

static void observe(cfx_world *w, long day)
{
    const cfx_scenario *s = w->s;
    cfx_obs *o = &w->obs;
    o->day = day;
    for (size_t i = 0; i < s->n_nodes; i++) {
        o->node_status[i] = w->node_status[i];
        o->node_controller[i] = w->controller[i];
        o->node_stock_t[i] = (double)w->stock_kg[i] / 1000.0;
        o->node_throughput_t[i] = (double)w->through_kg[i] / 1000.0;
        o->delivered_by_origin_t[i] = 0;
        o->delivered_at_t[i] = (double)w->delivered_at_kg[i] / 1000.0;
    }
    /* by mine, at the mine's node (each mine node holds one mine) */
    for (size_t m = 0; m < s->n_mines; m++)
        o->delivered_by_origin_t[s->mine_node[m]] = (double)w->delivered_mine_kg[m] / 1000.0;
    for (size_t e = 0; e < s->n_edges; e++)
        o->edge_flow_t[e] = (double)w->edge_kg[e] / 1000.0;
    for (size_t g = 0; g < s->n_groups; g++) {
        o->group_revenue_usd[g] = w->revenue_usd[g];
        o->delivered_by_controller_t[g] = (double)w->by_group_kg[g] / 1000.0;
    }
    for (size_t p = 0; p < s->n_products; p++)
        o->delivered[p] = w->delivered_today_t[p];
    o->in_transit_t = (double)w->in_transit_kg / 1000.0;
    o->produced_t = (double)w->produced_kg / 1000.0;
    o->arrived_t = (double)w->arrived_kg / 1000.0;
    o->seized_t = (double)w->seized_kg / 1000.0;
    o->lost_t = (double)w->lost_kg / 1000.0;
}

static void reset_daily(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    memset(w->through_kg, 0, s->n_nodes * sizeof *w->through_kg);
    memset(w->delivered_at_kg, 0, s->n_nodes * sizeof *w->delivered_at_kg);
    memset(w->edge_kg, 0, s->n_edges * sizeof *w->edge_kg);
    memset(w->edge_used_kg, 0, s->n_edges * sizeof *w->edge_used_kg);
    memset(w->node_used_kg, 0, s->n_nodes * sizeof *w->node_used_kg);
    memset(w->by_group_kg, 0, s->n_groups * sizeof *w->by_group_kg);
    memset(w->revenue_usd, 0, s->n_groups * sizeof *w->revenue_usd);
    memset(w->delivered_today_t, 0, s->n_products * sizeof *w->delivered_today_t);
    memset(w->delivered_mine_kg, 0, s->n_mines * sizeof *w->delivered_mine_kg);
}

/* Runs the market and the day's observation after the day's last step. */
static int end_day(cfx_world *w, long day)
{
    const cfx_scenario *s = w->s;
    book_levies(w);
    /* Oxide delivered today, summed by mine in mine order (a fixed order of float sums). */
    for (size_t p = 0; p < s->n_products; p++) {
        double t = 0;
        for (size_t m = 0; m < s->n_mines; m++)
            t += (double)w->delivered_mine_kg[m] / 1000.0 * s->mine_grade[m * s->n_products + p];
        w->delivered_today_t[p] = t;
    }
    cfx_step_ctx ctx = {.step = w->step, .t_h = (double)(w->step + 1) * s->step_hours,
                        .step_hours = s->step_hours, .day = day, .market = &w->market,
                        .delivered_t = w->delivered_today_t};
    int rc = run_phase(w, CFX_PHASE_MARKET, &ctx);
    w->shipment_days += w->ships.n_active;
    observe(w, day);
    return rc;
}

int cfx_world_route(cfx_world *w)
{
    cfx_step_ctx ctx = {.step = w->step, .t_h = (double)w->step * w->s->step_hours,
                        .step_hours = w->s->step_hours, .day = w->step / w->steps_per_day,
                        .network_changed = 1, .routes = &w->routes};
    int rc = run_phase(w, CFX_PHASE_ROUTING, &ctx);
    w->network_changed = 0;
    return rc;
}

int cfx_world_step(cfx_world *w, cfx_error *err)
{
    const cfx_scenario *s = w->s;
    long day = w->step / w->steps_per_day;
    cfx_step_ctx ctx = {.step = w->step, .t_h = (double)w->step * s->step_hours,
                        .step_hours = s->step_hours, .day = day};
    int rc = 0;
    if (w->step % w->steps_per_day == 0)
        reset_daily(w);
    if ((rc = cal_turn(w)))
        goto done;
    if ((rc = run_phase(w, CFX_PHASE_EVENTS, &ctx)))
        goto done;
    if (w->network_changed && ((rc = cfx_world_route(w)) || (rc = requeue_waiting(w))))
        goto done;
    if ((rc = run_phase(w, CFX_PHASE_PRODUCTION, &ctx)) || (rc = dispatch(w, ctx.t_h)) ||
        (rc = process_due(w, day)))
        goto done;
    if ((w->step + 1) % w->steps_per_day == 0)
        rc = end_day(w, day);
    w->step++;
done:
    if (rc)
        return cfx_error_set(err, rc, NULL, 0, 0, "out of memory in step %ld (day %ld)",
                             w->step, day);
    return 0;
}

int cfx_world_run_day(cfx_world *w, cfx_error *err)
{
    for (long k = 0; k < w->steps_per_day; k++) {
        int rc = cfx_world_step(w, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- checkpoints */

/* What the future of a run depends on, saved between steps. Not saved: what alloc derives
 * from the scenario (capacities in kg, the calendar's size), the routing table (recomputed:
 * routing is a function of the statuses, roads, controllers and levies, and every change to
 * those sets network_changed, so the table in force is the one they give), the commands
 * (applied within their step), the hop scratch and the lanes (emptied within each round)
 * and the generators (every draw is keyed afresh). The daily counters are saved although
 * each day resets them, so that a checkpoint holds the whole state at any step. */
enum { L_NODES, L_EDGES, L_GROUPS, L_MINES, L_PRODUCTS, L_SHIPS, L_NODE_GROUPS, L_NLENS };

/* clang-format off */
#define WF(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_world, f)}
static const cfx_ckpt_field world_fields[] = {
    WF(step, LONG),          WF(network_changed, INT), WF(produced_kg, I64),
    WF(arrived_kg, I64),     WF(in_transit_kg, I64),   WF(seized_kg, I64),
    WF(lost_kg, I64),        WF(hop_events, U64),      WF(shipment_days, U64),
    WF(strike_until_h, F64), WF(n_closed_to, LONG),
    WF(obs.day, LONG),       WF(obs.in_transit_t, F64), WF(obs.produced_t, F64),
    WF(obs.arrived_t, F64),  WF(obs.seized_t, F64),    WF(obs.lost_t, F64)};
#undef WF

#define WA(f, t, l) {#f, CFX_CKPT_##t, offsetof(cfx_world, f), l}
static const cfx_ckpt_array world_arrays[] = {
    WA(node_status, U8, L_NODES),          WA(edge_open, U8, L_EDGES),
    WA(controller, I32, L_NODES),          WA(toll_usd_per_t, F64, L_GROUPS),
    WA(node_tax_usd_per_t, F64, L_NODES),  WA(node_seize_p, F64, L_NODES),
    WA(node_strike_start_h, F64, L_NODES), WA(node_strike_end_h, F64, L_NODES),
    WA(node_strike_p, F64, L_NODES),       WA(edge_strike_start_h, F64, L_EDGES),
    WA(edge_strike_end_h, F64, L_EDGES),   WA(edge_strike_p, F64, L_EDGES),
    WA(mine_capacity, F64, L_MINES),       WA(mine_halted, U8, L_MINES),
    WA(closed_to, U8, L_NODE_GROUPS),
    WA(delivered_today_t, F64, L_PRODUCTS), WA(mine_frac_kg, F64, L_MINES),
    WA(stock_kg, I64, L_NODES),            WA(mine_pile_kg, I64, L_MINES),
    WA(through_kg, I64, L_NODES),          WA(edge_kg, I64, L_EDGES),
    WA(delivered_at_kg, I64, L_NODES),
    WA(edge_used_kg, I64, L_EDGES),        WA(node_used_kg, I64, L_NODES),
    WA(by_group_kg, I64, L_GROUPS),
    WA(revenue_usd, F64, L_GROUPS),        WA(delivered_mine_kg, I64, L_MINES),
    WA(levy_node_kg, I64, L_NODES),        WA(levy_export_kg, I64, L_GROUPS),
    /* the last day's observation: production reads its prices the next morning */
    WA(obs.price, F64, L_PRODUCTS),        WA(obs.demand, F64, L_PRODUCTS),
    WA(obs.supply, F64, L_PRODUCTS),       WA(obs.delivered, F64, L_PRODUCTS),
    WA(obs.shortfall, F64, L_PRODUCTS),    WA(obs.inventory, F64, L_PRODUCTS),
    WA(obs.node_status, U8, L_NODES),      WA(obs.node_controller, I32, L_NODES),
    WA(obs.node_stock_t, F64, L_NODES),    WA(obs.node_throughput_t, F64, L_NODES),
    WA(obs.edge_flow_t, F64, L_EDGES),     WA(obs.group_revenue_usd, F64, L_GROUPS),
    WA(obs.delivered_by_origin_t, F64, L_NODES), WA(obs.delivered_at_t, F64, L_NODES),
    WA(obs.delivered_by_controller_t, F64, L_GROUPS)};
#undef WA

#define SA(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_ships, f), L_SHIPS}
static const cfx_ckpt_array ship_arrays[] = {
    SA(node, I32),   SA(t_h, F64),  SA(kg, I32),    SA(mine, I32), SA(origin_group, I32),
    SA(serial, U64), SA(hops, U16), SA(arc, I32),   SA(state, U8)};
#undef SA
static const cfx_ckpt_field ship_fields[] = {
    {"n_active", CFX_CKPT_SIZE, offsetof(cfx_ships, n_active)},
    {"next_serial", CFX_CKPT_U64, offsetof(cfx_ships, next_serial)}};

#define EF(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_event_rec, f)}
static const cfx_ckpt_field event_fields[] = {EF(day, F64), EF(kind, I32), EF(node, I32),
                                              EF(edge, I32), EF(days, F64)};
#undef EF
/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* Fails a load whose shipment ids point outside the pool (a damaged file). */
static int check_ids(cfx_ckpt *c, const char *name, const int32_t *ids, size_t n, size_t cap)
{
    for (size_t i = 0; i < n && !cfx_ckpt_saving(c); i++)
        if (ids[i] < 0 || (size_t)ids[i] >= cap)
            return cfx_ckpt_fail(c, name, "a shipment id outside the pool");
    return cfx_ckpt_status(c);
}

/* The pool: every slot's arrays, the free stack and the counters. */
static int ships_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    cfx_ships *sh = &w->ships;
    size_t cap = sh->cap, n_free = sh->n_free;
    if (cfx_ckpt_group(c, "world/ships") || cfx_ckpt_count(c, "cap", INT32_MAX, &cap) ||
        cfx_ckpt_count(c, "n_free", cap, &n_free))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c)) {
        /* the pool grows from 1024 slots by doubling: the same growth gives the same cap */
        if (ships_grow(sh, cap))
            return cfx_ckpt_fail(c, "cap", "out of memory");
        if (sh->cap != cap)
            return cfx_ckpt_fail(c, "cap", "not a size the pool can have");
        sh->n_free = n_free;
    }
    size_t lens[L_NLENS] = {[L_SHIPS] = cap};
    cfx_ckpt_arrays(c, ship_arrays, NELEM(ship_arrays), sh, lens);
    cfx_ckpt_data(c, "free_list", CFX_CKPT_I32, n_free, sh->free_list);
    cfx_ckpt_fields(c, ship_fields, NELEM(ship_fields), sh);
    if (!cfx_ckpt_saving(c) && !cfx_ckpt_status(c) && sh->n_active + n_free != cap)
        return cfx_ckpt_fail(c, "n_active", "active and free slots do not make up the pool");
    return check_ids(c, "free_list", sh->free_list, n_free, cap);
}

/* A list of shipment ids that grows: its length, then the ids in order. */
static int id_list_checkpoint(cfx_ckpt *c, const char *count, const char *name, int32_t **ids,
                              size_t *n, size_t *cap, size_t pool)
{
    size_t len = *n;
    if (cfx_ckpt_count(c, count, pool, &len))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c) && GROW(*ids, *cap, len))
        return cfx_ckpt_fail(c, name, "out of memory");
    if (!cfx_ckpt_data(c, name, CFX_CKPT_I32, len, *ids))
        *n = len;
    return check_ids(c, name, *ids, len, pool);
}

/* The calendar: each bucket's ids in filing order (that order decides who is served first),
 * stored end to end with the buckets' lengths, then the far list; and the waiting list. */
static int calendar_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    cfx_calendar *cal = &w->cal;
    size_t nb = cal->n, total = 0, pool = w->ships.cap;
    if (cfx_ckpt_group(c, "world/calendar") || cfx_ckpt_count(c, "buckets", SIZE_MAX, &nb))
        return cfx_ckpt_status(c);
    if (nb != cal->n) /* the ring's size is a function of the scenario */
        return cfx_ckpt_fail(c, "buckets", "not the number of buckets this scenario has");
    size_t *len = malloc(nb * sizeof *len);
    if (!len)
        return cfx_ckpt_fail(c, "bucket_len", "out of memory");
    for (size_t i = 0; i < nb && cfx_ckpt_saving(c); i++)
        len[i] = cal->b[i].n;
    cfx_ckpt_data(c, "bucket_len", CFX_CKPT_SIZE, nb, len);
    for (size_t i = 0; i < nb && !cfx_ckpt_status(c); i++)
        if (len[i] > pool || (total += len[i]) > pool)
            cfx_ckpt_fail(c, "bucket_len", "more shipments due than the pool holds");
    int32_t *ids = cfx_ckpt_status(c) ? NULL : malloc((total ? total : 1) * sizeof *ids);
    if (!cfx_ckpt_status(c) && !ids)
        cfx_ckpt_fail(c, "bucket_ids", "out of memory");
    for (size_t i = 0, k = 0; ids && cfx_ckpt_saving(c) && i < nb; k += len[i++])
        if (len[i]) /* an empty bucket may have no array */
            memcpy(ids + k, cal->b[i].ids, len[i] * sizeof *ids);
    if (ids && !cfx_ckpt_data(c, "bucket_ids", CFX_CKPT_I32, total, ids) &&
        !check_ids(c, "bucket_ids", ids, total, pool) && !cfx_ckpt_saving(c))
        for (size_t i = 0, k = 0; i < nb; k += len[i++]) {
            cfx_bucket *b = &cal->b[i];
            if (GROW(b->ids, b->cap, len[i])) {
                cfx_ckpt_fail(c, "bucket_ids", "out of memory");
                break;
            }
            if (len[i])
                memcpy(b->ids, ids + k, len[i] * sizeof *ids);
            b->n = len[i];
        }
    free(ids);
    free(len);
    id_list_checkpoint(c, "n_far", "far", &cal->far, &cal->n_far, &cal->far_cap, pool);
    return id_list_checkpoint(c, "n_waiting", "waiting", &w->waiting, &w->n_waiting,
                              &w->cap_waiting, pool);
}

static int events_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    size_t n = w->n_events;
    if (cfx_ckpt_group(c, "world/events") ||
        cfx_ckpt_count(c, "n_events", SIZE_MAX / sizeof *w->events, &n))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c) && GROW(w->events, w->cap_events, n))
        return cfx_ckpt_fail(c, "n_events", "out of memory");
    if (!cfx_ckpt_records(c, event_fields, NELEM(event_fields), w->events, n, sizeof *w->events))
        w->n_events = n;
    return cfx_ckpt_status(c);
}

int cfx_world_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    const cfx_scenario *s = w->s;
    size_t lens[L_NLENS] = {[L_NODES] = s->n_nodes,
                            [L_EDGES] = s->n_edges,
                            [L_GROUPS] = s->n_groups,
                            [L_MINES] = s->n_mines,
                            [L_PRODUCTS] = s->n_products,
                            [L_NODE_GROUPS] = s->n_nodes * s->n_groups * s->n_cargo};
    if (cfx_ckpt_group(c, "world") || cfx_ckpt_fields(c, world_fields, NELEM(world_fields), w) ||
        cfx_ckpt_arrays(c, world_arrays, NELEM(world_arrays), w, lens) || ships_checkpoint(w, c) ||
        calendar_checkpoint(w, c) || events_checkpoint(w, c))
        return cfx_ckpt_status(c);
    for (size_t i = 0; w->models[i]; i++) {
        char group[96];
        if (!w->models[i]->checkpoint)
            continue;
        snprintf(group, sizeof group, "model/%s", w->models[i]->name);
        if (cfx_ckpt_group(c, group) || w->models[i]->checkpoint(w->model_state[i], c))
            return cfx_ckpt_status(c);
    }
    if (!cfx_ckpt_saving(c)) {
        int changed = w->network_changed; /* the next step still requeues what waits */
        int rc = cfx_world_route(w);
        w->network_changed = changed;
        if (rc)
            return cfx_ckpt_fail(c, "routes", "out of memory");
    }
    return cfx_ckpt_status(c);
}
