/* The shipment phase: departures from the mines, then the shipments due this step, each
 * one's next move planned in parallel (each iteration writes only its own slot of w->hops),
 * road and gate capacity resolved serially in calendar order (first come, first served),
 * the moves applied in parallel into per-thread lanes, and the lanes joined in thread order
 * so the result is the one-thread order. */
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "core/rng.h"
#include "engine/world_impl.h"

static int push_waiting(cfx_world *w, int32_t id)
{
    if (CFX_GROW(w->waiting, w->cap_waiting, w->n_waiting + 1))
        return CFX_ENOMEM;
    w->waiting[w->n_waiting++] = id;
    return 0;
}

/* Loads whole truckloads from each mine's stockpile; they leave this step. */
int cfx_world__dispatch(cfx_world *w, double now_h)
{
    const cfx_scenario *s = w->s;
    int64_t truck_kg = llround(s->truck_t * 1000.0);
    cfx_ships *sh = &w->ships;
    if (w->step == 0 && s->initial_shipments > 0 &&
        cfx_ships__grow(sh, (size_t)s->initial_shipments)) /* loaded at day 0 (world.c) */
        return CFX_ENOMEM;
    for (size_t m = 0; m < s->n_mines; m++) {
        while (w->mine_pile_kg[m] >= truck_kg) {
            if (!sh->n_free && cfx_ships__grow(sh, sh->cap ? 2 * sh->cap : 1024))
                return CFX_ENOMEM;
            int32_t id = sh->free_list[--sh->n_free];
            sh->n_active++;
            int32_t node = s->mine_node[m];
            sh->s[id] = (cfx_ship){.node = node, .t_h = now_h, .kg = (int32_t)truck_kg,
                                   .mine = (int32_t)m, .origin_group = w->controller[node],
                                   .hops = 0, .arc = -1,
                                   /* at the node, counted in its stock */
                                   .state = CFX_SHIP_QUEUED, .why = CFX_WHY_NONE};
            sh->serial[id] = sh->next_serial++;
            sh->path[id] = -1;
            sh->path_pos[id] = 0;
            w->mine_pile_kg[m] -= truck_kg;
            int rc = cfx_cal__file(w, id, now_h);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The chance shipment id is lost at its node now: a strike on the road it came by while it
 * was on it, a strike on the node while it is there, or the fighting at a contested node it
 * arrives at. */
static inline double loss_chance(const cfx_world *w, int32_t id, double now_h)
{
    const cfx_ships *sh = &w->ships;
    const cfx_ship *x = &sh->s[id];
    int32_t node = x->node, came = x->arc;
    double here_h = x->t_h > now_h ? x->t_h : now_h;
    double p = 0;
    if (x->t_h < w->strike_until_h) { /* else no strike window can hold either time */
        if (x->state == CFX_SHIP_MOVING && came >= 0) {
            int32_t e = w->net->arc_edge[came];
            if (x->t_h >= w->edge_strike_start_h[e] && x->t_h < w->edge_strike_end_h[e])
                p = w->edge_strike_p[e];
        }
        if (here_h >= w->node_strike_start_h[node] && here_h < w->node_strike_end_h[node])
            p = 1 - (1 - p) * (1 - w->node_strike_p[node]);
    }
    if (x->state == CFX_SHIP_MOVING && w->node_status[node] == CFX_STATUS_CONTESTED)
        p = 1 - (1 - p) * (1 - w->s->contested_loss_p); /* it ran into a fight */
    return p;
}

/* When a shipment leaving on arc at now_h (or when it arrived, if later) reaches the arc's
 * end: the arc's hours, plus at a gate a clearance drawn for this shipment and hop. */
static inline double arrival_h(const cfx_world *w, int32_t id, int32_t arc, double now_h,
                               gsl_rng *rng)
{
    const cfx_scenario *s = w->s;
    const cfx_ships *sh = &w->ships;
    const cfx_ship *x = &sh->s[id];
    double t = (x->t_h > now_h ? x->t_h : now_h) + w->arc_go[arc].hours;
    if (s->gate_clearance_hours > 0 && s->node_kind[w->arc_go[arc].to] == CFX_NODE_GATE) {
        cfx_rng_key(rng, s->seed, CFX_STREAM_GATE, sh->serial[id], x->hops);
        t += gsl_ran_exponential(rng, s->gate_clearance_hours);
    }
    return t;
}

/* Whether shipment id (of closure key `key`) may still take arc: its road open, both ends
 * passable, and the far end not closed to its cargo. */
static inline int arc_open(const cfx_world *w, int32_t arc, size_t key)
{
    const cfx_scenario *s = w->s;
    int32_t u = w->net->arc_from[arc], v = w->net->arc_to[arc];
    uint8_t su = w->node_status[u], sv = w->node_status[v];
    return w->edge_open[w->net->arc_edge[arc]] &&
           (su == CFX_STATUS_OPEN || su == CFX_STATUS_CONTESTED) &&
           (sv == CFX_STATUS_OPEN || sv == CFX_STATUS_CONTESTED) &&
           !(w->n_closed_to && w->closed_to[cfx_closed_index(s, (size_t)v, key)]);
}

/* With dispersion, a logit choice among the arcs that bring shipment id closer to a market
 * (Dial's efficient links; a recursive logit), by how much more each costs than the best:
 * P(a) ~ exp(-(c_a + C(v) - C(node)) / dispersion); best when rounding leaves none. */
static int32_t choose_arc_logit(const cfx_world *w, int32_t id, int32_t node, size_t k,
                                int32_t best, gsl_rng *rng)
{
    const cfx_routes *r = &w->routes;
    size_t row = k * w->s->n_nodes, na = w->net->n_arcs;
    double mu = r->dispersion_usd_per_t;
    const double *ac = r->arc_cost_k + k * na;
    double cu = r->cost[row + (size_t)node], sum = 0;
    for (int32_t a = w->net->out_start[node]; a < w->net->out_start[node + 1]; a++) {
        double cv = r->cost[row + (size_t)w->net->arc_to[a]];
        if (ac[a] >= 0 && cv < cu)
            sum += exp(-fmax(0, ac[a] + cv - cu) / mu);
    }
    cfx_rng_key(rng, w->s->seed, CFX_STREAM_ROUTE, w->ships.serial[id], w->ships.s[id].hops);
    double u = gsl_rng_uniform(rng) * sum;
    for (int32_t a = w->net->out_start[node]; a < w->net->out_start[node + 1]; a++) {
        double cv = r->cost[row + (size_t)w->net->arc_to[a]];
        if (ac[a] >= 0 && cv < cu && (u -= exp(-fmax(0, ac[a] + cv - cu) / mu)) < 0)
            return a;
    }
    return best; /* rounding left u at 0 after the last arc */
}

/* The arc a shipment of commodity k takes from node when no plan binds it: the routing
 * table's (best), or with dispersion the logit choice above. */
static inline int32_t choose_arc(const cfx_world *w, int32_t id, int32_t node, size_t k,
                                 int32_t best, gsl_rng *rng)
{
    const cfx_routes *r = &w->routes;
    if (!(r->dispersion_usd_per_t > 0) || !r->arc_cost_k)
        return best;
    return choose_arc_logit(w, id, node, k, best, rng);
}

void cfx_world__hop_view(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    const cfx_routes *r = &w->routes;
    size_t n = s->n_nodes, nk = s->n_cargo * s->n_groups;
    for (size_t k = 0; k < nk; k++)
        for (size_t v = 0; v < n; v++) {
            size_t at = k * n + v;
            w->go[at].arc = r->next_arc[at];
            w->go[at].what = !isfinite(r->cost[at])                 ? CFX_GO_NONE
                             : r->excess[at] > r->hold_usd_per_t[k] ? CFX_GO_HOLD
                                                                    : CFX_GO_MOVE;
        }
    for (size_t a = 0; a < w->net->n_arcs; a++)
        w->arc_go[a] = (cfx_arc_go){.hours = r->arc_hours[a], .to = w->net->arc_to[a],
                                    .edge = w->net->arc_edge[a]};
}

/* Whether a shipment leaving node is seized there: a checkpoint, or a node held by a group
 * that seizes other groups' cargo. One draw per shipment and hop. */
static inline int seized(const cfx_world *w, int32_t id, int32_t node, int32_t own, size_t cargo,
                  gsl_rng *rng)
{
    const cfx_scenario *s = w->s;
    int32_t holder = w->controller[node];
    int hostile = holder != own && cfx_in_set(s, s->groups[holder].hostile_seize_products, cargo);
    double node_p = w->node_seize_p[node];
    if (node_p == 0 && !(hostile && s->groups[holder].hostile_seize_p != 0))
        return 0; /* p below is exactly 0 (the common case: no checkpoint, no hostile holder) */
    double p = 1 - (1 - node_p) * (1 - (hostile ? s->groups[holder].hostile_seize_p : 0));
    if (!(p > 0))
        return 0;
    cfx_rng_key(rng, s->seed, CFX_STREAM_SEIZE, w->ships.serial[id], w->ships.s[id].hops);
    return gsl_rng_uniform(rng) < p;
}

/* The next move of one shipment; reads shared state, writes only *out. Under a capacity
 * plan the move's arc is its path's next one (or -1: to be assigned), taken or deferred by
 * the serial capacity pass, which also times it. */
static inline __attribute__((always_inline)) void
plan_hop(const cfx_world *w, int32_t id, double now_h, gsl_rng *rng, cfx_hop *out)
{
    const cfx_ships *sh = &w->ships;
    const cfx_scenario *s = w->s;
    const cfx_ship *x = &sh->s[id];
    int32_t node = x->node;
    uint8_t st = w->node_status[node];
    out->arc = -1;
    out->step = 0;
    out->t_arr = 0;
    out->action = CFX_HOP_WAIT;
    if (st == CFX_STATUS_DESTROYED) {
        out->action = CFX_HOP_LOSE;
        return;
    }
    /* One draw per shipment and hop decides a loss (the same key gives the same draw
     * however often it is looked at). */
    double p_strike = loss_chance(w, id, now_h);
    if (p_strike > 0) {
        cfx_rng_key(rng, s->seed, CFX_STREAM_STRIKE, sh->serial[id], x->hops);
        if (gsl_rng_uniform(rng) < p_strike) {
            out->action = CFX_HOP_LOSE;
            return;
        }
    }
    if (st == CFX_STATUS_CUT || st == CFX_STATUS_CLOSED)
        return; /* wait */
    size_t cargo = (size_t)s->mine_cargo[x->mine];
    if (s->node_kind[node] == CFX_NODE_MARKET && cfx_buys(s, (size_t)node, cargo)) {
        out->action = CFX_HOP_DELIVER;
        return;
    }
    int32_t own = x->origin_group;
    size_t k = cargo * s->n_groups + (size_t)own;
    if (w->n_closed_to &&
        w->closed_to[cfx_closed_index(s, (size_t)node, cfx_close_key(s, (size_t)own, cargo))])
        return; /* a gate closed to this cargo: it waits there */
    cfx_go go = w->go[k * s->n_nodes + (size_t)node];
    if (go.what == CFX_GO_NONE)
        return; /* no route */
    if (go.what == CFX_GO_HOLD) {
        out->action = CFX_HOP_HOLD;
        return;
    }
    if (seized(w, id, node, own, cargo, rng)) {
        out->action = CFX_HOP_SEIZE;
        return;
    }
    out->action = CFX_HOP_MOVE;
    if (w->plan.active) {
        int32_t p = sh->path[id];
        if (p >= 0 && sh->path_pos[id] < w->plan.path[p].len) {
            int32_t a = w->plan.arcs[w->plan.path[p].start + sh->path_pos[id]];
            out->arc = arc_open(w, a, cfx_close_key(s, (size_t)own, cargo)) ? a : -1;
        }
        return;
    }
    int32_t arc = choose_arc(w, id, node, k, go.arc, rng);
    out->arc = arc;
    out->t_arr = arrival_h(w, id, arc, now_h, rng);
    out->step = (int32_t)cfx_step_of(w, out->t_arr);
}

/* A capacity in t/day as whole kg: cargo is whole kg, so x > floor(1000 cap) exactly when
 * x > 1000 cap. INFINITY (no limit) and anything beyond int64 become INT64_MAX. */
int64_t cfx_world__cap_kg(double cap_t)
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
        if (CFX_GROW((lane)->list, (lane)->cap_##list, (lane)->n_##list + 1))                  \
            (lane)->failed = 1;                                                            \
        else                                                                               \
            (lane)->list[(lane)->n_##list++] = (item);                                     \
    } while (0)

/* A calendar filing made while a round is applied: at once on one thread (in the order the
 * join would make it), kept in the lane and joined in shipment order on more. */
#define FILE_HOP(lane, id, st)                                                             \
    do {                                                                                   \
        if (!par) {                                                                        \
            if (cfx_cal__file_step(w, (id), (st)))                                         \
                (lane)->failed = 1;                                                        \
        } else {                                                                           \
            LANE_PUSH(lane, filed, ((cfx_filing){(id), (st)}));                            \
        }                                                                                  \
    } while (0)

/* Counts kg more (or less) waiting at node for capacity. */
#define QUEUE(node, kg) ADD(w->queued_kg[node], kg)

/* A shipment stops at its node: counted in its stock, and in the waiting list (a new
 * route or a change of conditions requeues it) or, for capacity, filed for tomorrow. */
static inline __attribute__((always_inline)) void
stop(cfx_world *w, cfx_lane *lane, int32_t id, int why, long day, int par)
{
    cfx_ships *sh = &w->ships;
    cfx_ship *x = &sh->s[id];
    int32_t node = x->node;
    int64_t kg = x->kg;
    ADD(w->stock_kg[node], kg);
    x->why = (uint8_t)why;
    if (why == CFX_WHY_CAPACITY) {
        QUEUE(node, kg);
        x->state = CFX_SHIP_QUEUED;
        x->t_h = (double)(day + 1) * 24.0;
        FILE_HOP(lane, id, (int32_t)cfx_step_of(w, x->t_h));
        return;
    }
    x->t_h = fmax(x->t_h, (double)w->step * w->s->step_hours);
    x->state = CFX_SHIP_WAITING;
    LANE_PUSH(lane, waiting, id);
}

/* A shipment's last hop: delivered at a market, lost or seized; its slot is freed. */
static inline __attribute__((always_inline)) void
retire(cfx_world *w, cfx_lane *lane, int32_t id, int action, int par)
{
    cfx_ships *sh = &w->ships;
    cfx_ship *x = &sh->s[id];
    int32_t node = x->node;
    int64_t kg = x->kg;
    if (action == CFX_HOP_DELIVER) {
        lane->arrived_kg += kg;
        (par ? lane->through_kg : w->through_kg)[node] += kg;
        (par ? lane->delivered_at_kg : w->delivered_at_kg)[node] += kg;
        (par ? lane->by_group_kg : w->by_group_kg)[x->origin_group] += kg;
        (par ? lane->delivered_mine_kg : w->delivered_mine_kg)[x->mine] += kg;
    } else if (action == CFX_HOP_LOSE) {
        lane->lost_kg += kg;
    } else {
        /* valued when booked: for the node's holder, who sells it on, and against the group
         * whose cargo it was */
        size_t nc = w->s->n_cargo, cargo = (size_t)w->s->mine_cargo[x->mine];
        lane->seized_kg += kg;
        (par ? lane->seized_node_kg : w->seized_node_kg)[(size_t)node * nc + cargo] += kg;
        (par ? lane->seized_from_kg : w->seized_from_kg)[(size_t)x->origin_group * nc + cargo] += kg;
    }
    x->state = CFX_SHIP_FREE;
    LANE_PUSH(lane, freed, id);
    lane->retired++;
}

/* Applies one planned move. Writes only shipment id's own slots, the lane's lists and
 * totals, and integer totals through ADD, so any split of a round over threads gives the
 * same state once the lanes are joined in order. */
static inline __attribute__((always_inline)) void
apply_hop(cfx_world *w, cfx_lane *lane, int32_t id, const cfx_hop *h,
                             long day, int par)
{
    const cfx_scenario *s = w->s;
    cfx_ships *sh = &w->ships;
    cfx_ship *x = &sh->s[id];
    int32_t node = x->node;
    int64_t kg = x->kg;
    if (x->state == CFX_SHIP_MOVING) {
        lane->in_transit_kg -= kg;
        lane->hop_events++;
    } else {
        ADD(w->stock_kg[node], -kg);
        if (x->why == CFX_WHY_CAPACITY)
            QUEUE(node, -kg);
    }
    if (h->action != CFX_HOP_MOVE) { /* (a move, by far the most common, skips the switch) */
        switch (h->action) {
        case CFX_HOP_DELIVER:
        case CFX_HOP_LOSE:
        case CFX_HOP_SEIZE:
            retire(w, lane, id, h->action, par);
            return;
        case CFX_HOP_WAIT:
            stop(w, lane, id, CFX_WHY_ROUTE, day, par);
            return;
        case CFX_HOP_HOLD:
            stop(w, lane, id, CFX_WHY_HELD, day, par);
            return;
        case CFX_HOP_DEFER: /* no capacity left today: wait at the node for tomorrow's */
            stop(w, lane, id, CFX_WHY_CAPACITY, day, par);
            return;
        default:
            break;
        }
    }
    const cfx_arc_go *ag = &w->arc_go[h->arc];
    int32_t e = ag->edge;
    size_t cargo = (size_t)s->mine_cargo[x->mine], nc = s->n_cargo;
    (par ? lane->edge_kg : w->edge_kg)[e] += kg;
    (par ? lane->through_kg : w->through_kg)[node] += kg;
    lane->in_transit_kg += kg;
    /* Levies on leaving the node (booked by book_levies): a checkpoint's tax and, at a
     * gate, the holder's toll go to whoever holds the node; the export levy, to the group
     * whose mine the cargo came from. */
    (par ? lane->levy_node_kg : w->levy_node_kg)[(size_t)node * nc + cargo] += kg;
    int32_t own = x->origin_group;
    if (s->node_kind[node] == CFX_NODE_GATE &&
        cfx_in_set(s, s->groups[own].export_levy_products, cargo))
        (par ? lane->levy_export_kg : w->levy_export_kg)[(size_t)own * nc + cargo] += kg;
    x->node = ag->to;
    x->t_h = h->t_arr;
    x->hops++;
    x->arc = h->arc;
    if (w->plan.active) /* else no shipment has a path */
        sh->path_pos[id] += sh->path[id] >= 0;
    x->state = CFX_SHIP_MOVING;
    x->why = CFX_WHY_NONE;
    FILE_HOP(lane, id, h->step);
}

/* Under the capacity plan, a shipment with no path (or one it can no longer follow) takes
 * one of today's paths from its node that has a truckload left: the cheapest, or with
 * dispersion a logit choice by cost among them. -1 when none has room. */
static int32_t take_path(cfx_world *w, int32_t id, gsl_rng *rng)
{
    const cfx_scenario *s = w->s;
    cfx_ships *sh = &w->ships;
    cfx_plan *pl = &w->plan;
    size_t k = (size_t)s->mine_cargo[sh->s[id].mine] * s->n_groups + (size_t)sh->s[id].origin_group;
    int32_t first = pl->first[k * s->n_nodes + (size_t)sh->s[id].node], pick = -1;
    double mu = w->routes.dispersion_usd_per_t, c0 = INFINITY, sum = 0;
    for (int32_t p = first; p >= 0; p = pl->path[p].next)
        if (pl->path[p].allot > 0) {
            c0 = fmin(c0, pl->path[p].cost_usd_per_t);
            pick = pick < 0 ? p : pick;
        }
    if (pick >= 0 && mu > 0) {
        for (int32_t p = first; p >= 0; p = pl->path[p].next)
            if (pl->path[p].allot > 0)
                sum += exp(-(pl->path[p].cost_usd_per_t - c0) / mu);
        cfx_rng_key(rng, s->seed, CFX_STREAM_ROUTE, sh->serial[id], sh->s[id].hops);
        double u = gsl_rng_uniform(rng) * sum;
        for (int32_t p = first; p >= 0; p = pl->path[p].next)
            if (pl->path[p].allot > 0 && (u -= exp(-(pl->path[p].cost_usd_per_t - c0) / mu)) < 0) {
                pick = p;
                break;
            }
    }
    if (pick >= 0) {
        pl->path[pick].allot--;
        pl->path[pick].users++;
        sh->path[id] = pick;
        sh->path_pos[id] = 0;
    }
    return pick;
}

/* The serial pass under the capacity plan: paths taken and let go of, in calendar order. */
static void resolve_paths(cfx_world *w, const int32_t *ids, cfx_hop *hops, size_t n,
                          gsl_rng *rng)
{
    cfx_ships *sh = &w->ships;
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        cfx_hop *h = &hops[i];
        if (sh->path[id] >= 0 && (h->action != CFX_HOP_MOVE || h->arc < 0))
            cfx_world__leave_path(w, id); /* arrived, stopped, or its path is cut */
        if (h->action != CFX_HOP_MOVE || h->arc >= 0)
            continue;
        int32_t p = take_path(w, id, rng);
        if (p < 0)
            h->action = CFX_HOP_DEFER; /* queued: no path has room left today */
        else
            h->arc = w->plan.arcs[w->plan.path[p].start];
    }
}

/* Gate and road capacity, first come, first served in the round's (calendar) order: a move
 * that does not fit in what is left of today's capacity is deferred to tomorrow. Under the
 * plan, a move that goes is timed here (its arc was known only now). Serial, and skipped
 * when nothing in the scenario has a capacity. */
static void resolve_capacity(cfx_world *w, const int32_t *ids, cfx_hop *hops, size_t n,
                             double now_h, gsl_rng *rng)
{
    const cfx_ships *sh = &w->ships;
    if (w->plan.active)
        resolve_paths(w, ids, hops, n, rng);
    for (size_t i = 0; i < n; i++) {
        if (hops[i].action != CFX_HOP_MOVE)
            continue;
        int32_t id = ids[i], node = sh->s[id].node, e = w->net->arc_edge[hops[i].arc];
        int64_t kg = sh->s[id].kg;
        size_t cargo = (size_t)w->s->mine_cargo[sh->s[id].mine];
        if (cfx_world__node_left(w, node, cargo) < kg || cfx_world__edge_left(w, e) < kg) {
            hops[i].action = CFX_HOP_DEFER;
            continue;
        }
        if (cfx_in_set(w->s, w->s->node_capacity_products[node], cargo))
            w->node_used_kg[node] += kg;
        w->edge_used_kg[e] += kg;
        if (w->plan.active) {
            hops[i].t_arr = arrival_h(w, id, hops[i].arc, now_h, rng);
            hops[i].step = (int32_t)cfx_step_of(w, hops[i].t_arr);
        }
    }
}

/* Files a lane's filings in order: cfx_cal__file_step with the calendar's fields read
 * once (the serial part of a round on more than one thread). */
static int file_lane(cfx_world *w, const cfx_filing *f, size_t n)
{
    long now = w->step;
    size_t nb = w->cal.n;
    cfx_bucket *ring = w->cal.b;
    for (size_t i = 0; i < n; i++) {
        long st = f[i].step < now ? now : f[i].step;
        if ((size_t)(st - now) < nb) {
            cfx_bucket *b = &ring[(size_t)st & (nb - 1)];
            if (b->n < b->cap) {
                b->ids[b->n++] = f[i].id;
                continue;
            }
        }
        int rc = cfx_cal__file_slow(w, f[i].id, st);
        if (rc)
            return rc;
    }
    return 0;
}

/* Empties n lanes from l for the next slice. */
static void reset_lanes(cfx_lane *l, int n)
{
    for (int t = 0; t < n; t++) {
        l[t].n_freed = l[t].n_waiting = l[t].n_filed = 0;
        l[t].in_transit_kg = l[t].arrived_kg = l[t].seized_kg = l[t].lost_kg = 0;
        l[t].hop_events = 0;
        l[t].retired = 0;
        l[t].failed = 0;
    }
}

/* Adds n lanes' totals from l into the world's; CFX_ENOMEM when one ran out of memory. */
static int join_totals(cfx_world *w, const cfx_lane *l, int n)
{
    for (int t = 0; t < n; t++) {
        if (l[t].failed)
            return CFX_ENOMEM;
        w->in_transit_kg += l[t].in_transit_kg;
        w->arrived_kg += l[t].arrived_kg;
        w->seized_kg += l[t].seized_kg;
        w->lost_kg += l[t].lost_kg;
        w->hop_events += l[t].hop_events;
        w->ships.n_active -= l[t].retired;
    }
    return 0;
}

/* What a stretch of a slice's shipments added to one lane's lists: lane, and where its
 * entries begin and end in each list. */
typedef struct {
    int lane;
    size_t freed[2], waiting[2], filed[2];
} lane_part;

/* Joins a part of a lane's lists: the freed slots, the waiting list and the calendar
 * filings, in the order they were made. */
static int join_part(cfx_world *w, const cfx_lane *l, const lane_part *p)
{
    cfx_ships *sh = &w->ships;
    for (size_t i = p->freed[0]; i < p->freed[1]; i++)
        sh->free_list[sh->n_free++] = l->freed[i];
    for (size_t i = p->waiting[0]; i < p->waiting[1]; i++) {
        int rc = push_waiting(w, l->waiting[i]);
        if (rc)
            return rc;
    }
    size_t filed = p->filed[1] - p->filed[0];
    return filed ? file_lane(w, l->filed + p->filed[0], filed) : 0; /* l->filed may be NULL */
}

/* Joins the lanes in thread order (each holds a contiguous block of the slice): the totals,
 * then the freed slots, the waiting list and the calendar filings in the order one thread
 * would have made them. */
static int join_lanes(cfx_world *w, int lanes)
{
    int rc = join_totals(w, w->lanes, lanes);
    for (int t = 0; t < lanes && !rc; t++) {
        const cfx_lane *l = &w->lanes[t];
        rc = join_part(w, l, &(lane_part){t, {0, l->n_freed}, {0, l->n_waiting}, {0, l->n_filed}});
    }
    return rc;
}

/* Shipments handled in one pass of plan, capacity, apply and join; a larger bucket is
 * taken in slices, in order, so the per-round scratch stays bounded (64 Ki x 16 bytes)
 * whatever the number of shipments. The result is the same as one pass over the bucket. */
#define CFX_ROUND_SLICE ((size_t)65536)

/* One slice of a round: plan every move in parallel, resolve capacity serially, apply the
 * moves in parallel, join the lanes serially. */
static int process_slice(cfx_world *w, const int32_t *ids, size_t n, double now_h, long day)
{
    if (CFX_GROW(w->hops, w->cap_hops, n))
        return CFX_ENOMEM;
    cfx_hop *hops = w->hops;
    int par = n >= w->parallel_min && w->threads > 1;
    int lanes = par ? w->threads : 1;
    reset_lanes(w->lanes, lanes);
    int cap = w->has_capacity;
    if (!par) { /* one thread: the same steps, par constant in the inlined moves */
        cfx_lane *lane = &w->lanes[0];
        gsl_rng *rng = w->rngs[0];
        if (!cap) {
            for (size_t i = 0; i < n; i++) {
                cfx_hop h;
                plan_hop(w, ids[i], now_h, rng, &h);
                apply_hop(w, lane, ids[i], &h, day, 0);
            }
        } else {
            for (size_t i = 0; i < n; i++)
                plan_hop(w, ids[i], now_h, rng, &hops[i]);
            resolve_capacity(w, ids, hops, n, now_h, rng);
            for (size_t i = 0; i < n; i++)
                apply_hop(w, lane, ids[i], &hops[i], day, 0);
        }
        return join_lanes(w, 1);
    }
#pragma omp parallel num_threads(lanes)
    {
        int t = omp_get_thread_num();
        cfx_lane *lane = &w->lanes[t];
        /* Thread t takes a contiguous block (static schedule), so its lane lists come out in
         * shipment order. Without capacities a move depends on nothing another shipment
         * does in the round: each is planned and applied at once, with no barrier between. */
        if (!cap) {
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i++) {
                cfx_hop h;
                plan_hop(w, ids[i], now_h, w->rngs[t], &h);
                apply_hop(w, lane, ids[i], &h, day, 1);
            }
        } else {
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i++)
                plan_hop(w, ids[i], now_h, w->rngs[t], &hops[i]);
#pragma omp single
            resolve_capacity(w, ids, hops, n, now_h, w->rngs[0]);
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i++)
                apply_hop(w, lane, ids[i], &hops[i], day, 1);
        }
    }
    return join_lanes(w, lanes);
}

/* Shipments a thread takes at a time in a pipelined round (a slice is 32 of them).
 * Assumption: small enough that the threads end a slice together, large enough that taking
 * one (an atomic add) costs nothing next to its 2048 moves. */
#define CFX_ROUND_PART ((size_t)2048)

/* Waits until *joined (the last slice joined, -1 for none) is at least k. */
static void wait_joined(const long *joined, long k)
{
    for (long seen = -1;;) {
#pragma omp atomic read seq_cst
        seen = *joined;
        if (seen >= k)
            return;
        sched_yield();
    }
}

/* A round of n >= parallel_min shipments without capacities, on every thread: the serial
 * join of a slice (a tenth of W2's run on two threads) overlaps the moves of the next.
 * The threads take the slice's shipments CFX_ROUND_PART at a time, each into its lane for
 * the slice's parity, and record where each part's entries lie; whoever ends a slice's
 * last part joins the slice, the parts in shipment order, after the slice before it, while
 * the others go on with the next slice. A slice's lanes are used again two slices later,
 * once it is joined. The lists are joined in shipment order, the totals are integer sums:
 * the same state as process_slice's, on any number of threads. */
static int process_round(cfx_world *w, const int32_t *ids, size_t n, double now_h, long day)
{
    enum { PARTS = (int)(CFX_ROUND_SLICE / CFX_ROUND_PART) };
    int threads = w->threads, rc = 0;
    long slices = (long)((n + CFX_ROUND_SLICE - 1) / CFX_ROUND_SLICE), joined = -1;
    lane_part parts[2][PARTS];
    size_t ended[2] = {0, 0};
    reset_lanes(w->lanes, 2 * threads);
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num();
        for (long k = 0; k < slices; k++) {
            int odd = (int)(k & 1);
            const int32_t *slice = ids + (size_t)k * CFX_ROUND_SLICE;
            size_t m = n - (size_t)k * CFX_ROUND_SLICE;
            m = m < CFX_ROUND_SLICE ? m : CFX_ROUND_SLICE;
            long n_parts = (long)((m + CFX_ROUND_PART - 1) / CFX_ROUND_PART);
            if (k >= 2)
                wait_joined(&joined, k - 2); /* its lanes are free */
#pragma omp for schedule(dynamic, 1) nowait
            for (long c = 0; c < n_parts; c++) {
                cfx_lane *lane = &w->lanes[odd * threads + t];
                lane_part *p = &parts[odd][c];
                *p = (lane_part){odd * threads + t, {lane->n_freed}, {lane->n_waiting},
                                 {lane->n_filed}};
                size_t end = (size_t)(c + 1) * CFX_ROUND_PART;
                int failed;
#pragma omp atomic read
                failed = rc;
                if (failed) /* the round fails: no more moves, but every slice still ends */
                    end = 0;
                for (size_t i = (size_t)c * CFX_ROUND_PART; i < end && i < m; i++) {
                    cfx_hop h;
                    plan_hop(w, slice[i], now_h, w->rngs[t], &h);
                    apply_hop(w, lane, slice[i], &h, day, 1);
                }
                p->freed[1] = lane->n_freed;
                p->waiting[1] = lane->n_waiting;
                p->filed[1] = lane->n_filed;
                size_t done;
#pragma omp atomic capture seq_cst
                done = ++ended[odd];
                if (done == (size_t)n_parts) { /* the slice's last part: join it */
                    if (k >= 1)
                        wait_joined(&joined, k - 1);
                    cfx_lane *set = &w->lanes[odd * threads];
                    int r = join_totals(w, set, threads);
                    for (long q = 0; q < n_parts && !r; q++)
                        r = join_part(w, &w->lanes[parts[odd][q].lane], &parts[odd][q]);
                    if (r) {
#pragma omp atomic write
                        rc = r;
                    }
                    reset_lanes(set, threads);
#pragma omp atomic write
                    ended[odd] = 0;
#pragma omp atomic write seq_cst
                    joined = k;
                }
            }
        }
    }
    return rc;
}

/* Processes the current step's bucket in rounds until nothing more is due in it (a short
 * hop can end inside the same step): each round takes the bucket's list as it stands, and
 * filings for this step made meanwhile wait for the next round. */
int cfx_world__process_due(cfx_world *w, long day)
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
        if (w->threads > 1 && !w->has_capacity && total >= w->parallel_min)
            rc = process_round(w, all, total, now_h, day);
        else
            for (size_t from = 0; from < total && !rc; from += CFX_ROUND_SLICE)
                rc = process_slice(w, all + from,
                                   total - from < CFX_ROUND_SLICE ? total - from
                                                                  : CFX_ROUND_SLICE,
                                   now_h, day);
        proc = all;
        proc_cap = all_cap;
    }
    free(proc);
    return rc;
}

/* After a network change, everything waiting for a route tries again now. */
int cfx_world__requeue_waiting(cfx_world *w)
{
    double now_h = (double)w->step * w->s->step_hours;
    for (size_t i = 0; i < w->n_waiting; i++) {
        int32_t id = w->waiting[i];
        w->ships.s[id].state = CFX_SHIP_QUEUED;
        int rc = cfx_cal__file(w, id, now_h);
        if (rc)
            return rc;
    }
    w->n_waiting = 0;
    return 0;
}

