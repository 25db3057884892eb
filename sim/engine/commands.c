/* Applying the models' commands to the world, in buffer order, and booking levies as
 * revenue. Serial, between the parallel parts of a step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/world_impl.h"

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
 * Integer sums: the result does not depend on how moves were split over threads. Shares the
 * work out when called in a parallel region: every call splits the same n the same way
 * (static schedule), so no thread waits for another between calls. */
static void fold(int64_t *to, int64_t *from, size_t n)
{
#pragma omp for schedule(static) nowait
    for (size_t i = 0; i < n; i++) {
        if (from[i]) { /* most are zero on a big network: no write back */
            to[i] += from[i];
            from[i] = 0;
        }
    }
}

static void fold_lanes(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    for (int t = 0; w->threads > 1 && t < w->threads; t++) {
        cfx_lane *l = &w->lanes[t];
        fold(w->through_kg, l->through_kg, s->n_nodes);
        fold(w->delivered_at_kg, l->delivered_at_kg, s->n_nodes);
        fold(w->levy_node_kg, l->levy_node_kg, s->n_nodes * s->n_cargo);
        fold(w->edge_kg, l->edge_kg, s->n_edges);
        fold(w->delivered_mine_kg, l->delivered_mine_kg, s->n_mines);
        fold(w->by_group_kg, l->by_group_kg, s->n_groups);
        fold(w->levy_export_kg, l->levy_export_kg, s->n_groups * s->n_cargo);
        fold(w->seized_node_kg, l->seized_node_kg, s->n_nodes * s->n_cargo);
        fold(w->seized_from_kg, l->seized_from_kg, s->n_groups * s->n_cargo);
    }
}

/* What a levy of rate USD/t plus share of value brings on kg[c] kg of each cargo kind c
 * (n_cargo entries, emptied), USD: the rate on the total, the share on each kind's value at
 * the day's prices. */
static double levy_on(const cfx_world *w, int64_t *kg, double rate, double share)
{
    int64_t total = 0;
    double value = 0;
    for (size_t c = 0; c < w->s->n_cargo; c++) {
        total += kg[c];
        if (share != 0 && kg[c])
            value += cfx_world__cargo_value(w, c) * ((double)kg[c] / 1000.0);
        kg[c] = 0;
    }
    return (rate != 0 ? rate * ((double)total / 1000.0) : 0) + (share != 0 ? share * value : 0);
}

/* The lanes folded, then each node's levies and the value seized there into usd[2v] and
 * usd[2v + 1]: shared out over the team when called in a parallel region. */
static void node_levies(cfx_world *w, double *usd)
{
    const cfx_scenario *s = w->s;
    size_t nc = s->n_cargo, n = s->n_nodes;
    fold_lanes(w);
#pragma omp barrier
#pragma omp for schedule(static)
    for (size_t v = 0; v < n; v++) {
        int32_t g = w->controller[v];
        const double *rate = w->levy_usd_per_t + (size_t)g * CFX_NLEVIES,
                     *share = w->levy_share + (size_t)g * CFX_NLEVIES;
        int gate = s->node_kind[v] == CFX_NODE_GATE;
        usd[2 * v] = levy_on(w, w->levy_node_kg + v * nc,
                             w->node_tax_usd_per_t[v] + (gate ? rate[CFX_LEVY_TOLL] : 0),
                             gate ? share[CFX_LEVY_TOLL] : 0);
        usd[2 * v + 1] =
            levy_on(w, w->seized_node_kg + v * nc, 0, s->groups[g].seized_value_share);
    }
}

/* Turns the cargo that paid levies since the last booking into revenue, at the levies and
 * with the holders in force meanwhile, in node order (a fixed order of float sums); and the
 * cargo seized since then into the taker's gain (the node's holder, at its
 * seized_value_share of the value at the day's prices, also revenue) and the loss of the
 * group whose cargo it was (at the whole value). The lanes are folded first, so this is
 * also where the day's flows are complete. On a big network the folding and each node's
 * amounts are worked out on every thread, and only the sums made in node order. */
void cfx_world__book_levies(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    size_t nc = s->n_cargo, n = s->n_nodes;
    double *usd = w->levy_usd; /* per node: the levies, the value seized there */
    CFX_WORLD_TEAM(w, node_levies(w, usd));
    for (size_t v = 0; v < n; v++) {
        int32_t g = w->controller[v];
        if (usd[2 * v] != 0)
            w->revenue_usd[g] += usd[2 * v];
        if (usd[2 * v + 1] != 0) {
            w->revenue_usd[g] += usd[2 * v + 1];
            w->seizure_gain_usd[g] += usd[2 * v + 1];
        }
    }
    for (size_t g = 0; g < s->n_groups; g++) {
        double u = levy_on(w, w->levy_export_kg + g * nc,
                           w->levy_usd_per_t[g * CFX_NLEVIES + CFX_LEVY_EXPORT],
                           w->levy_share[g * CFX_NLEVIES + CFX_LEVY_EXPORT]);
        if (u != 0)
            w->revenue_usd[g] += u;
        w->seizure_loss_usd[g] += levy_on(w, w->seized_from_kg + g * nc, 0, 1);
    }
}

/* Sets *x to v; a change of what routing weighs marks the network changed. */
static void set_u8(cfx_world *w, uint8_t *x, int v)
{
    if (*x != (uint8_t)v) {
        *x = (uint8_t)v;
        w->network_changed = 1;
    }
}

static void node_status(cfx_world *w, const cfx_cmd *c)
{
    if (w->node_status[c->a] == c->b)
        return;
    set_u8(w, &w->node_status[c->a], c->b);
    if (c->b == CFX_STATUS_DESTROYED)
        lose_mine_piles(w, c->a);
}

static void controller(cfx_world *w, const cfx_cmd *c)
{
    if (w->controller[c->a] != c->b) {
        w->controller[c->a] = c->b;
        w->network_changed = 1; /* tolls and risks depend on who holds a node */
    }
}

/* Production into the mine's stockpile, in whole kg (the fraction waits for the next step);
 * the mine tax (a rate, and a share of the cargo's value) goes to whoever holds the mine. */
static void produce(cfx_world *w, const cfx_cmd *c)
{
    const cfx_scenario *s = w->s;
    double kg = w->mine_frac_kg[c->a] + c->x * 1000.0;
    int64_t whole = (int64_t)floor(kg);
    int32_t node = s->mine_node[c->a], g = w->controller[node];
    w->mine_frac_kg[c->a] = kg - (double)whole;
    w->mine_pile_kg[c->a] += whole;
    w->mine_made_kg[c->a] += whole;
    w->stock_kg[node] += whole;
    w->produced_kg += whole;
    double rate = w->levy_usd_per_t[(size_t)g * CFX_NLEVIES + CFX_LEVY_MINE],
           share = w->levy_share[(size_t)g * CFX_NLEVIES + CFX_LEVY_MINE];
    w->revenue_usd[g] += rate * (double)whole / 1000.0;
    if (share != 0)
        w->revenue_usd[g] +=
            share * cfx_world__cargo_value(w, (size_t)s->mine_cargo[c->a]) * (double)whole / 1000.0;
}

/* A group's levy changes; routes weigh it, and cargo that paid the old one is booked first
 * (cfx_world__apply_cmds). */
static void levy(cfx_world *w, const cfx_cmd *c)
{
    size_t i = (size_t)c->a * CFX_NLEVIES + (size_t)c->b;
    w->levy_usd_per_t[i] = c->x;
    w->levy_share[i] = c->x2;
    w->network_changed = 1;
}

/* A node's (a >= 0) or road's (y) daily capacity becomes x t/day; the plan is redone. */
static void capacity(cfx_world *w, const cfx_cmd *c)
{
    int64_t *cap = c->a >= 0 ? &w->node_cap_kg[c->a] : &w->edge_cap_kg[c->y];
    int64_t kg = cfx_world__cap_kg(c->x);
    if (*cap != kg) {
        *cap = kg;
        w->network_changed = 1;
    }
}

/* A strike on node a, or road y when a < 0: trucks there are lost with chance x for x2 h. */
static void strike(cfx_world *w, const cfx_cmd *c)
{
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
}

static void close_to(cfx_world *w, const cfx_cmd *c)
{
    uint8_t *x = &w->closed_to[cfx_closed_index(w->s, (size_t)c->a, (size_t)c->b)];
    if (*x != (c->y != 0))
        w->n_closed_to += c->y ? 1 : -1;
    set_u8(w, x, c->y != 0);
}

static int log_event(cfx_world *w, const cfx_cmd *c)
{
    if (CFX_GROW(w->events, w->cap_events, w->n_events + 1))
        return CFX_ENOMEM;
    w->events[w->n_events++] =
        (cfx_event_rec){.day = (double)w->step * w->s->step_hours / 24.0, .kind = c->b,
                        .node = c->a, .edge = c->y, .days = c->x, .group = c->g};
    return 0;
}

/* Applies one command; 0 or CFX_ENOMEM. */
static int apply(cfx_world *w, const cfx_cmd *c)
{
    switch (c->kind) {
    case CFX_CMD_NODE_STATUS:
        node_status(w, c);
        break;
    case CFX_CMD_EDGE_OPEN:
        set_u8(w, &w->edge_open[c->a], c->b);
        break;
    case CFX_CMD_CONTROLLER:
        controller(w, c);
        break;
    case CFX_CMD_PRODUCE:
        produce(w, c);
        break;
    case CFX_CMD_LEVY:
        levy(w, c);
        break;
    case CFX_CMD_CAPACITY:
        capacity(w, c);
        break;
    case CFX_CMD_OUTLOOK:
        if (c->b >= 0 && c->b < 12)
            w->mine_outlook[(size_t)c->a * 12 + (size_t)c->b] = c->x;
        break;
    case CFX_CMD_CHECKPOINT:
        w->node_tax_usd_per_t[c->a] = c->x;
        w->node_seize_p[c->a] = c->x2;
        w->network_changed = 1;
        break;
    case CFX_CMD_STRIKE:
        strike(w, c);
        break;
    case CFX_CMD_CLOSE_TO:
        close_to(w, c);
        break;
    case CFX_CMD_MINE_CAPACITY:
        w->mine_capacity[c->a] = c->x < 0 ? 0 : c->x > 1 ? 1 : c->x;
        break;
    case CFX_CMD_MINE_HALT:
        w->mine_halt_share[c->a] = c->x < 0 ? 0 : c->x > 1 ? 1 : c->x;
        break;
    case CFX_CMD_LOG_EVENT:
        return log_event(w, c);
    }
    return 0;
}

int cfx_world__apply_cmds(cfx_world *w)
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
        if (k == CFX_CMD_CONTROLLER || k == CFX_CMD_LEVY || k == CFX_CMD_CHECKPOINT) {
            cfx_world__book_levies(w);
            break;
        }
    }
    for (size_t i = 0; i < w->cmds.n && !rc; i++)
        rc = apply(w, &w->cmds.v[i]);
    w->cmds.n = 0;
    return rc;
}
