/* The phases of a step, in this order and no other (README, "Layout"; models/README.md):
 * events due now; routing if the network changed; production and departures; the shipments
 * due now; then, on the day's last step, the market and the day's observation.
 * Invariant after every step: produced = arrived + in_transit + sum(stock) + seized + lost,
 * exactly, in whole kg. */
#include <stdint.h>
#include <string.h>

#include "engine/world_impl.h"

static int run_phase(cfx_world *w, cfx_phase phase, cfx_step_ctx *ctx)
{
    for (size_t i = 0; w->models[i]; i++)
        if (w->models[i]->phase == phase)
            w->models[i]->step(w->model_state[i], w, ctx, &w->cmds);
    return cfx_world__apply_cmds(w);
}

/* Sets n counters to zero: shared out over the team when called in a parallel region. */
static void zero(int64_t *v, size_t n)
{
#pragma omp for schedule(static) nowait
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

/* *p = v, written only where *p or v is not all zero bits: the stored bits are v's either
 * way. A big network's day is mostly zeros (W2's output is), and a page of the output's
 * buffer that is never written stays unmapped, read as the kernel's zero page, where a
 * write would have it zeroed and mapped by a page fault. */
static inline void keep_f64(double *p, double v)
{
    uint64_t a, b;
    memcpy(&a, p, sizeof a);
    memcpy(&b, &v, sizeof b);
    if (a | b)
        *p = v;
}

static inline void keep_i32(int32_t *p, int32_t v)
{
    if (*p | v)
        *p = v;
}

static inline void keep_u8(uint8_t *p, uint8_t v)
{
    if (*p | v)
        *p = v;
}

/* The day's node and road counters into the observation: shared out over the team when
 * called in a parallel region. */
static void observe_arrays(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    cfx_obs *o = &w->obs;
#pragma omp for schedule(static) nowait
    for (size_t i = 0; i < s->n_nodes; i++) {
        keep_u8(&o->node_status[i], w->node_status[i]);
        keep_i32(&o->node_controller[i], w->controller[i]);
        keep_f64(&o->node_stock_t[i], (double)w->stock_kg[i] / 1000.0);
        keep_f64(&o->queued_t[i], (double)w->queued_kg[i] / 1000.0);
        keep_f64(&o->node_throughput_t[i], (double)w->through_kg[i] / 1000.0);
        keep_f64(&o->delivered_by_origin_t[i], 0.0);
        keep_f64(&o->delivered_at_t[i], (double)w->delivered_at_kg[i] / 1000.0);
    }
#pragma omp for schedule(static) nowait
    for (size_t e = 0; e < s->n_edges; e++)
        keep_f64(&o->edge_flow_t[e], (double)w->edge_kg[e] / 1000.0);
}

static void observe(cfx_world *w, long day)
{
    const cfx_scenario *s = w->s;
    cfx_obs *o = &w->obs;
    o->day = day;
    CFX_WORLD_TEAM(w, observe_arrays(w));
    /* by mine, at the mine's node (each mine node holds one mine) */
    for (size_t m = 0; m < s->n_mines; m++)
        o->delivered_by_origin_t[s->mine_node[m]] = (double)w->delivered_mine_kg[m] / 1000.0;
    for (size_t g = 0; g < s->n_groups; g++) {
        o->group_revenue_usd[g] = w->revenue_usd[g];
        o->group_seizure_gain_usd[g] = w->seizure_gain_usd[g];
        o->group_seizure_loss_usd[g] = w->seizure_loss_usd[g];
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

/* The day's capacity banked, then the node and road counters zeroed: shared out over the
 * team when called in a parallel region. */
static void reset_arrays(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    if (w->step > 0)
        cfx_world__bank_capacity(w);
#pragma omp barrier /* the bank reads the day's use of capacity */
    zero(w->through_kg, s->n_nodes);
    zero(w->delivered_at_kg, s->n_nodes);
    zero(w->edge_kg, s->n_edges);
    zero(w->edge_used_kg, s->n_edges);
    zero(w->node_used_kg, s->n_nodes);
}

static void reset_daily(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    CFX_WORLD_TEAM(w, reset_arrays(w));
    memset(w->by_group_kg, 0, s->n_groups * sizeof *w->by_group_kg);
    memset(w->revenue_usd, 0, s->n_groups * sizeof *w->revenue_usd);
    memset(w->seizure_gain_usd, 0, s->n_groups * sizeof *w->seizure_gain_usd);
    memset(w->seizure_loss_usd, 0, s->n_groups * sizeof *w->seizure_loss_usd);
    memset(w->delivered_today_t, 0, s->n_products * sizeof *w->delivered_today_t);
    memset(w->delivered_mine_kg, 0, s->n_mines * sizeof *w->delivered_mine_kg);
    if (w->step > 0) /* the plan expects a mine's day to be like its last whole one */
        memcpy(w->mine_made_prev_kg, w->mine_made_kg, s->n_mines * sizeof *w->mine_made_kg);
    memset(w->mine_made_kg, 0, s->n_mines * sizeof *w->mine_made_kg);
}

/* Runs the market and the day's observation after the day's last step. */
static int end_day(cfx_world *w, long day)
{
    const cfx_scenario *s = w->s;
    cfx_world__book_levies(w);
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

/* The routing phase: the routing table when changed, and under a capacity plan a new plan
 * when replan. */
static int route(cfx_world *w, int changed, int replan)
{
    replan = w->plan.active && replan;
    if (!changed && !replan)
        return 0;
    if (replan)
        cfx_world__plan_inputs(w);
    cfx_step_ctx ctx = {.step = w->step, .t_h = (double)w->step * w->s->step_hours,
                        .step_hours = w->s->step_hours, .day = w->step / w->steps_per_day,
                        .network_changed = changed, .routes = &w->routes,
                        .plan = replan ? &w->plan : NULL};
    int rc = run_phase(w, CFX_PHASE_ROUTING, &ctx);
    cfx_world__hop_view(w);
    w->network_changed = 0;
    return rc;
}

int cfx_world_route(cfx_world *w)
{
    return route(w, 1, 0);
}

/* Routing when events changed the network (what waited for a route then tries again), and
 * the capacity plan each morning. */
static int reroute(cfx_world *w, int morning)
{
    int changed = w->network_changed;
    int rc = route(w, changed, morning || changed);
    return rc || !changed ? rc : cfx_world__requeue_waiting(w);
}

int cfx_world_step(cfx_world *w, cfx_error *err)
{
    const cfx_scenario *s = w->s;
    long day = w->step / w->steps_per_day;
    int last = (w->step + 1) % w->steps_per_day == 0;
    cfx_step_ctx ctx = {.step = w->step, .t_h = (double)w->step * s->step_hours,
                        .step_hours = s->step_hours, .day = day};
    int morning = w->step % w->steps_per_day == 0;
    if (morning)
        reset_daily(w);
    int rc = cfx_cal__turn(w);                              /* the far list into the ring */
    rc = rc ? rc : run_phase(w, CFX_PHASE_EVENTS, &ctx);     /* events due now */
    rc = rc ? rc : reroute(w, morning);                      /* routing; the capacity plan */
    rc = rc ? rc : run_phase(w, CFX_PHASE_PRODUCTION, &ctx); /* production */
    rc = rc ? rc : cfx_world__dispatch(w, ctx.t_h);          /* departures */
    rc = rc ? rc : cfx_world__process_due(w, day);           /* the shipments due now */
    rc = rc ? rc : last ? end_day(w, day) : 0;               /* market and observation */
    if (rc)
        return cfx_error_set(err, rc, NULL, 0, 0, "out of memory in step %ld (day %ld)",
                             w->step, day);
    w->step++;
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

