/* Conflict, first model: the scenario's scripted events (cut, reopen, close, contest,
 * capture, destroy), each applied at the start of the step that contains its time, and
 * reversed after its duration unless a later event on the same target came first. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* A pending reversal: undo an event on a node or edge at a given hour. */
typedef struct reversal {
    double t_h;        /* when, hours since start */
    int32_t node, edge;
    int32_t group;     /* capture: the controller to restore */
    int is_capture;
    uint32_t gen;      /* target's generation when scheduled; stale if it changed */
} reversal;

typedef struct conflict {
    size_t next;              /* next scripted event to apply */
    reversal *rev;            /* pending reversals, unsorted (few) */
    size_t n_rev, cap_rev;
    uint32_t *node_gen, *edge_gen, *ctl_gen; /* bumped by each event on a target */
} conflict;

static int conflict_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    conflict *c = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    c->node_gen = calloc(s->n_nodes + 1, sizeof *c->node_gen);
    c->ctl_gen = calloc(s->n_nodes + 1, sizeof *c->ctl_gen);
    c->edge_gen = calloc(s->n_edges + 1, sizeof *c->edge_gen);
    if (!c->node_gen || !c->edge_gen || !c->ctl_gen)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (conflict)");
    return 0;
}

static void conflict_free(void *state)
{
    conflict *c = state;
    free(c->rev);
    free(c->node_gen);
    free(c->edge_gen);
    free(c->ctl_gen);
}

static void emit(cfx_cmdbuf *out, int32_t kind, int32_t a, int32_t b, int32_t y, double x)
{
    cfx_cmdbuf_push(out, (cfx_cmd){.kind = kind, .a = a, .b = b, .y = y, .x = x});
}

static void schedule(conflict *c, reversal r)
{
    if (c->n_rev == c->cap_rev) {
        size_t cap = c->cap_rev ? 2 * c->cap_rev : 16;
        reversal *v = realloc(c->rev, cap * sizeof *v);
        if (!v)
            return; /* the event then lasts until reversed: logged as such below */
        c->rev = v;
        c->cap_rev = cap;
    }
    c->rev[c->n_rev++] = r;
}

static void apply(conflict *c, const cfx_world *w, const cfx_event_spec *e, double t_h,
                  cfx_cmdbuf *out)
{
    static const uint8_t status_of[CFX_EV_NKINDS] = {
        [CFX_EV_CUT] = CFX_STATUS_CUT, [CFX_EV_REOPEN] = CFX_STATUS_OPEN,
        [CFX_EV_CLOSE] = CFX_STATUS_CLOSED, [CFX_EV_CONTEST] = CFX_STATUS_CONTESTED,
        [CFX_EV_DESTROY] = CFX_STATUS_DESTROYED};
    reversal r = {.t_h = t_h + e->days * 24.0, .node = e->node, .edge = e->edge, .group = -1};
    if (e->edge >= 0) {
        emit(out, CFX_CMD_EDGE_OPEN, e->edge, e->kind != CFX_EV_CUT, 0, 0);
        r.gen = ++c->edge_gen[e->edge];
    } else if (e->kind == CFX_EV_CAPTURE) {
        r.is_capture = 1;
        r.group = cfx_world_controller(w)[e->node];
        emit(out, CFX_CMD_CONTROLLER, e->node, e->group, 0, 0);
        r.gen = ++c->ctl_gen[e->node];
    } else {
        emit(out, CFX_CMD_NODE_STATUS, e->node, status_of[e->kind], 0, 0);
        r.gen = ++c->node_gen[e->node];
    }
    emit(out, CFX_CMD_LOG_EVENT, e->node, (int32_t)e->kind, e->edge, e->days);
    if (e->days > 0 && e->kind != CFX_EV_REOPEN)
        schedule(c, r);
}

static void conflict_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    conflict *c = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    double end_h = ctx->t_h + ctx->step_hours;
    /* Reversals first (in the order they were scheduled), then the new events, so an
     * event and the end of an earlier one in the same step leave the event in force. */
    size_t keep = 0;
    for (size_t i = 0; i < c->n_rev; i++) {
        reversal r = c->rev[i];
        if (r.t_h >= end_h) {
            c->rev[keep++] = r;
            continue;
        }
        if (r.edge >= 0 && r.gen == c->edge_gen[r.edge]) {
            emit(out, CFX_CMD_EDGE_OPEN, r.edge, 1, 0, 0);
            emit(out, CFX_CMD_LOG_EVENT, -1, CFX_EV_REOPEN, r.edge, 0);
        } else if (r.is_capture && r.gen == c->ctl_gen[r.node]) {
            emit(out, CFX_CMD_CONTROLLER, r.node, r.group, 0, 0);
            emit(out, CFX_CMD_LOG_EVENT, r.node, CFX_EV_CAPTURE, -1, 0);
        } else if (r.edge < 0 && !r.is_capture && r.gen == c->node_gen[r.node]) {
            emit(out, CFX_CMD_NODE_STATUS, r.node, CFX_STATUS_OPEN, 0, 0);
            emit(out, CFX_CMD_LOG_EVENT, r.node, CFX_EV_REOPEN, -1, 0);
        }
    }
    c->n_rev = keep;
    while (c->next < s->n_events && s->events[c->next].day * 24.0 < end_h)
        apply(c, w, &s->events[c->next++], ctx->t_h, out);
}

const cfx_model_type cfx_model_conflict = {
    .name = "conflict", .phase = CFX_PHASE_EVENTS, .state_size = sizeof(conflict),
    .init = conflict_init, .step = conflict_step, .free = conflict_free};
