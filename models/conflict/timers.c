/* The ends of the conflict model's events: each timer undoes or ends one event when it falls
 * due, unless a later event on the same target has replaced it since. */
#include "core/grow.h"
#include "models/conflict/conflict.h"

/* Schedules a timer for target index, bumping the target's generation. If the list cannot
 * grow, the timer is dropped and out->failed set, so that the engine fails the step (out of
 * memory) as it does for a dropped command: a lost timer would leave the event in force for
 * good. 0, or CFX_ENOMEM. The list grows by doubling (core/grow.h), which moves it. */
int cfx_conflict__schedule(conflict *c, double t_h, int32_t kind, int32_t index, int32_t group,
                           double x, double x2, cfx_cmdbuf *out)
{
    uint32_t gen = ++c->gen[kind][index];
    if (CFX_GROW(c->tm, c->cap_tm, c->n_tm + 1)) {
        out->failed = 1;
        return CFX_ENOMEM;
    }
    c->tm[c->n_tm++] = (conflict_timer){
        .t_h = t_h, .kind = kind, .index = index, .group = group, .gen = gen, .x = x, .x2 = x2};
    return 0;
}

/* One timer falls due: the layer, holder, levy or halt it kept goes back as it was. */
static void fire(conflict *c, const conflict_timer *t, cfx_cmdbuf *out)
{
    int32_t i = t->index;
    if (t->gen != c->gen[t->kind][i])
        return; /* a later event on the same target is in force */
    switch (t->kind) {
    case T_NODE: /* a layer of node i ends: see cfx_conflict__status_of */
    case T_NODE_STRIKE:
    case T_CLOSURE:
        if (t->kind == T_NODE)
            c->script[i] = CFX_STATUS_OPEN;
        else if (t->kind == T_NODE_STRIKE)
            c->struck[i] = 0;
        else
            c->closed[i] = 0;
        cfx_conflict__touch(c, i);
        cfx_conflict__log_event(out, CFX_EV_REOPEN, i, -1, 0, -1);
        break;
    case T_EDGE: /* a layer of road i ends: see cfx_conflict__edge_open */
    case T_EDGE_STRIKE:
        if (t->kind == T_EDGE)
            c->escript[i] = 1;
        else
            c->estruck[i] = 0;
        cfx_conflict__touch_edge(c, i);
        cfx_conflict__log_event(out, CFX_EV_REOPEN, -1, i, 0, -1);
        break;
    case T_CTL:
        cfx_conflict__set_controller(c, i, t->group, out);
        cfx_conflict__log_event(out, CFX_EV_CAPTURE, i, -1, 0, t->group);
        break;
    case T_LEVY: {
        static const int32_t kind_of[CFX_NLEVIES] = {CFX_EV_TOLL, CFX_EV_EXPORT_LEVY,
                                                     CFX_EV_MINE_TAX};
        int32_t g = i / CFX_NLEVIES, l = i % CFX_NLEVIES;
        c->levy_usd[i] = t->x;
        c->levy_share[i] = t->x2;
        cfx_conflict__emit(out, CFX_CMD_LEVY, g, l, 0, t->x, t->x2);
        cfx_conflict__log_event(out, kind_of[l], -1, -1, 0, g);
        break;
    }
    case T_CAPACITY: {
        int32_t v = i < (int32_t)c->n ? i : -1, e = v < 0 ? i - (int32_t)c->n : -1;
        c->cap_t[i] = t->x;
        cfx_conflict__emit(out, CFX_CMD_CAPACITY, v, 0, e, t->x, 0);
        cfx_conflict__log_event(out, CFX_EV_CAPACITY, v, e, 0, t->group);
        break;
    }
    case T_CHECKPOINT:
        c->tax[i] = t->x;
        c->seize[i] = t->x2;
        cfx_conflict__emit(out, CFX_CMD_CHECKPOINT, i, 0, 0, t->x, t->x2);
        cfx_conflict__log_event(out, CFX_EV_CHECKPOINT, i, -1, 0, -1);
        break;
    case T_CLOSE_TO:
        c->closed_to[i] = 0;
        cfx_conflict__emit(out, CFX_CMD_CLOSE_TO, i / (int32_t)c->nk, i % (int32_t)c->nk, 0, 0, 0);
        if (t->group) /* one closure, one reopening, however many keys it closed */
            cfx_conflict__log_event(out, CFX_EV_REOPEN, i / (int32_t)c->nk, -1, 0, -1);
        break;
    case T_HALT:
        c->halt[i] = t->x;
        cfx_conflict__emit(out, CFX_CMD_MINE_HALT, i, 0, 0, t->x, 0);
        cfx_conflict__log_event(out, CFX_EV_REOPEN, c->s->mine_node[i], -1, 0, -1);
        break;
    case T_FIGHT:
        cfx_conflict__end_fight(c, i, out);
        break;
    }
}

/* Fires the timers due before end_h in the order they were scheduled; keeps the rest. */
void cfx_conflict__run_timers(conflict *c, double end_h, cfx_cmdbuf *out)
{
    size_t keep = 0, n = c->n_tm;
    for (size_t i = 0; i < n; i++) {
        conflict_timer t = c->tm[i];
        if (t.t_h >= end_h)
            c->tm[keep++] = t;
        else
            fire(c, &t, out);
    }
    c->n_tm = keep;
}
