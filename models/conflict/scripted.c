/* The scenario's scripted events (the events table): each sets a layer, a holder, a levy, a
 * checkpoint, a capacity or a halt now, and schedules its end when it has a duration. */
#include <stdint.h>

#include "models/conflict/conflict.h"

/* A timed event schedules its end; one without a duration lasts, and an end still pending
 * for the target goes stale (the target's generation moves on). */
static void ends_at(conflict *c, int timed, double end_h, int32_t kind, int32_t index,
                    int32_t group, double x, double x2, cfx_cmdbuf *out)
{
    if (timed)
        cfx_conflict__schedule(c, end_h, kind, index, group, x, x2, out);
    else
        ++c->gen[kind][index];
}

/* A scripted reopening of node v also ends a strike, China's closure, a closure to some
 * cargo and a halt there. */
static void end_other_layers(conflict *c, int32_t v, cfx_cmdbuf *out)
{
    if (c->struck[v]) {
        c->struck[v] = 0;
        ++c->gen[T_NODE_STRIKE][v];
        /* an empty window: no more losses */
        cfx_conflict__emit(out, CFX_CMD_STRIKE, v, 0, -1, 0, 0);
    }
    c->closed[v] = 0;
    ++c->gen[T_CLOSURE][v];
    for (size_t key = 0; key < c->nk; key++) {
        size_t k = cfx_closed_index(c->s, (size_t)v, key);
        if (c->closed_to[k]) {
            c->closed_to[k] = 0;
            ++c->gen[T_CLOSE_TO][k];
            cfx_conflict__emit(out, CFX_CMD_CLOSE_TO, v, (int32_t)key, 0, 0, 0);
        }
    }
    for (size_t m = 0; m < c->s->n_mines; m++)
        if (c->s->mine_node[m] == v && c->halt[m] > 0) {
            c->halt[m] = 0;
            ++c->gen[T_HALT][m];
            cfx_conflict__emit(out, CFX_CMD_MINE_HALT, (int32_t)m, 0, 0, 0, 0);
        }
}

/* The events that set the scripted layer of a node or a road: cut, reopen, close,
 * contest, attack, and destroy of anything but a mine. */
static void apply_status(conflict *c, const cfx_event_spec *e, double end_h, cfx_cmdbuf *out)
{
    static const uint8_t status_of_kind[CFX_EV_NKINDS] = {
        [CFX_EV_CUT] = CFX_STATUS_CUT,          [CFX_EV_REOPEN] = CFX_STATUS_OPEN,
        [CFX_EV_CLOSE] = CFX_STATUS_CLOSED,     [CFX_EV_CONTEST] = CFX_STATUS_CONTESTED,
        [CFX_EV_ATTACK] = CFX_STATUS_CONTESTED, [CFX_EV_DESTROY] = CFX_STATUS_DESTROYED};
    int timed = e->days > 0 && e->kind != CFX_EV_REOPEN;
    int32_t v = e->node, r = e->edge;
    if (r >= 0) {
        c->escript[r] = e->kind != CFX_EV_CUT;
        cfx_conflict__touch_edge(c, r);
        if (e->kind == CFX_EV_REOPEN && c->estruck[r]) { /* also ends a strike */
            c->estruck[r] = 0;
            ++c->gen[T_EDGE_STRIKE][r];
            /* an empty window: no more losses */
            cfx_conflict__emit(out, CFX_CMD_STRIKE, -1, 0, r, 0, 0);
        }
        ends_at(c, timed, end_h, T_EDGE, r, -1, 0, 0, out);
        return;
    }
    c->script[v] = status_of_kind[e->kind];
    cfx_conflict__touch(c, v);
    if (e->kind == CFX_EV_REOPEN)
        end_other_layers(c, v, out);
    ends_at(c, timed, end_h, T_NODE, v, -1, 0, 0, out);
}

/* A gate closed to some cargo only: that of one origin group, or some products, or both;
 * each key of the closure ends by its own timer. */
static void close_to_cargo(conflict *c, const cfx_event_spec *e, int timed, double end_h,
                           cfx_cmdbuf *out)
{
    size_t nc = c->s->n_cargo;
    int32_t v = e->node;
    int32_t lead = 1; /* the first key's timer logs the reopening, once */
    /* key = cfx_close_key(group, kind) */
    for (size_t key = 0; key < c->nk; key++) {
        size_t g = key / nc, kind = key % nc;
        if ((e->group >= 0 && g != (size_t)e->group) || !cfx_in_set(c->s, e->products, kind))
            continue;
        size_t k = cfx_closed_index(c->s, (size_t)v, key);
        c->closed_to[k] = 1;
        cfx_conflict__emit(out, CFX_CMD_CLOSE_TO, v, (int32_t)key, 1, 0, 0);
        ends_at(c, timed, end_h, T_CLOSE_TO, (int32_t)k, lead, 0, 0, out);
        lead = 0;
    }
}

/* A group's levy of the kind the event names: a rate and a share of the cargo's value. */
static void set_levy(conflict *c, const cfx_event_spec *e, int timed, double end_h,
                     cfx_cmdbuf *out)
{
    int32_t l = e->kind == CFX_EV_TOLL ? CFX_LEVY_TOLL
                : e->kind == CFX_EV_EXPORT_LEVY ? CFX_LEVY_EXPORT
                                                : CFX_LEVY_MINE;
    int32_t i = e->group * CFX_NLEVIES + l;
    double rate = c->levy_usd[i], share = c->levy_share[i];
    c->levy_usd[i] = e->value;
    c->levy_share[i] = e->share;
    cfx_conflict__emit(out, CFX_CMD_LEVY, e->group, l, 0, e->value, e->share);
    ends_at(c, timed, end_h, T_LEVY, i, -1, rate, share, out);
}

/* A node's or a road's capacity: a limited reopening, a leaky closure, a trickle. */
static void set_capacity(conflict *c, const cfx_event_spec *e, int timed, double end_h,
                         cfx_cmdbuf *out)
{
    int32_t i = e->node >= 0 ? e->node : (int32_t)c->n + e->edge;
    double before = c->cap_t[i];
    c->cap_t[i] = e->value;
    cfx_conflict__emit(out, CFX_CMD_CAPACITY, e->node, 0, e->edge, e->value, 0);
    ends_at(c, timed, end_h, T_CAPACITY, i, e->by, before, 0, out);
}

static void apply_event(conflict *c, const cfx_world *w, const cfx_event_spec *e, long step,
                        double t_h, cfx_cmdbuf *out)
{
    double end_h = t_h + e->days * 24.0;
    int timed = e->days > 0;
    int32_t v = e->node;
    switch (e->kind) {
    case CFX_EV_STRIKE:
        cfx_conflict__strike(c, t_h, v, e->edge, e->value, e->days, e->by, out);
        return; /* logged */
    case CFX_EV_CAPTURE: {
        int32_t before = c->ctl[v];
        cfx_conflict__set_controller(c, v, e->group, out);
        ends_at(c, timed, end_h, T_CTL, v, before, 0, 0, out);
        break;
    }
    case CFX_EV_TOLL:
    case CFX_EV_EXPORT_LEVY:
    case CFX_EV_MINE_TAX:
        set_levy(c, e, timed, end_h, out);
        v = -1; /* the event is the group's */
        break;
    case CFX_EV_CAPACITY:
        set_capacity(c, e, timed, end_h, out);
        break;
    case CFX_EV_CHECKPOINT: {
        double tax = c->tax[v], seize = c->seize[v];
        c->tax[v] = e->value;
        c->seize[v] = e->seize_p;
        cfx_conflict__emit(out, CFX_CMD_CHECKPOINT, v, 0, 0, e->value, e->seize_p);
        ends_at(c, timed, end_h, T_CHECKPOINT, v, -1, tax, seize, out);
        break;
    }
    case CFX_EV_HALT: { /* a share of the mine's output stops (1: all of it) */
        double before = c->halt[e->mine];
        c->halt[e->mine] = e->value;
        cfx_conflict__emit(out, CFX_CMD_MINE_HALT, e->mine, 0, 0, e->value, 0);
        ends_at(c, timed, end_h, T_HALT, e->mine, -1, before, 0, out);
        break;
    }
    case CFX_EV_CLOSE:
        if (e->group >= 0 || e->products != UINT32_MAX) /* closed to some cargo only */
            close_to_cargo(c, e, timed, end_h, out);
        else
            apply_status(c, e, end_h, out);
        break;
    case CFX_EV_NEWS: /* information for the market (it reads the table): logged only */
        break;
    case CFX_EV_DESTROY:
        if (e->mine >= 0) /* its equipment: the mine stays passable */
            cfx_conflict__damage_mine(c, w, step, e->mine, e->value, out);
        else
            apply_status(c, e, end_h, out);
        break;
    default:
        apply_status(c, e, end_h, out);
        break;
    }
    cfx_conflict__log_event(out, e->kind, v, e->edge, e->days, e->by);
}

/* The events due before end_h, in the table's order (by day, scenario.h). */
void cfx_conflict__apply_events(conflict *c, const cfx_world *w, long step, double t_h,
                                double end_h, cfx_cmdbuf *out)
{
    const cfx_scenario *s = c->s;
    while (c->next < s->n_events && s->events[c->next].day * 24.0 < end_h)
        apply_event(c, w, &s->events[c->next++], step, t_h, out);
}
