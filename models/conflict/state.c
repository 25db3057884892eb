/* The conflict model's state: its allocation, the status layers of nodes and roads, and the
 * commands that publish them to the world (the model is their only writer). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/rng.h"
#include "models/conflict/conflict.h"

void cfx_conflict__free(void *state)
{
    conflict *c = state;
    free(c->tm);
    for (int k = 0; k < T_NKINDS; k++)
        free(c->gen[k]);
    free(c->script);
    free(c->closed_to);
    free(c->struck);
    free(c->closed);
    free(c->fight);
    free(c->fight_capture);
    free(c->sent);
    free(c->escript);
    free(c->estruck);
    free(c->esent);
    free(c->dirty);
    free(c->edirty);
    free(c->is_dirty);
    free(c->is_edirty);
    free(c->ctl);
    free(c->lost_by);
    free(c->levy_usd);
    free(c->levy_share);
    free(c->cap_t);
    free(c->tax);
    free(c->seize);
    free(c->halt);
    free(c->cap);
    free(c->cap_step);
    free(c->has_force);
    free(c->base);
    free(c->att_strength);
    free(c->adj_off);
    free(c->adj_node);
    free(c->queue);
    free(c->depth);
    free(c->src);
    free(c->mark);
    if (c->rng)
        gsl_rng_free(c->rng);
}

#define ZALLOC(p, k) (((p) = calloc((k) > 0 ? (k) : 1, sizeof *(p))) == NULL)

/* Every array of the state, zeroed, and the generator if anything draws; 1 if one failed
 * (the engine then calls cfx_conflict__free, which frees the others). */
static int alloc_state(conflict *c)
{
    const conflict_params *p = c->p;
    size_t n = c->n, m = c->m, ng = c->ng, nk = c->nk, nm = c->s->n_mines;
    const size_t gen_len[T_NKINDS] = {
        [T_NODE] = n,       [T_EDGE] = m,    [T_CTL] = n,          [T_LEVY] = ng * CFX_NLEVIES,
        [T_CHECKPOINT] = n, [T_HALT] = nm,   [T_NODE_STRIKE] = n,  [T_EDGE_STRIKE] = m,
        [T_FIGHT] = n,      [T_CLOSURE] = n, [T_CLOSE_TO] = n * nk, [T_CAPACITY] = n + m};
    int bad = 0;
    for (int k = 0; k < T_NKINDS; k++)
        bad |= ZALLOC(c->gen[k], gen_len[k]);
    bad |= ZALLOC(c->script, n) || ZALLOC(c->struck, n) || ZALLOC(c->closed, n) ||
           ZALLOC(c->closed_to, n * nk) || ZALLOC(c->fight, n) || ZALLOC(c->fight_capture, n) ||
           ZALLOC(c->sent, n) || ZALLOC(c->escript, m) || ZALLOC(c->estruck, m) ||
           ZALLOC(c->esent, m) || ZALLOC(c->dirty, n) || ZALLOC(c->edirty, m) ||
           ZALLOC(c->is_dirty, n) || ZALLOC(c->is_edirty, m) || ZALLOC(c->ctl, n) ||
           ZALLOC(c->lost_by, n) || ZALLOC(c->levy_usd, ng * CFX_NLEVIES) ||
           ZALLOC(c->levy_share, ng * CFX_NLEVIES) || ZALLOC(c->cap_t, n + m) ||
           ZALLOC(c->tax, n) || ZALLOC(c->seize, n) || ZALLOC(c->halt, nm) || ZALLOC(c->cap, nm) ||
           ZALLOC(c->cap_step, nm) || ZALLOC(c->has_force, ng) || ZALLOC(c->queue, n) ||
           ZALLOC(c->depth, n) || ZALLOC(c->src, n) || ZALLOC(c->mark, n) ||
           ZALLOC(c->adj_off, n + 1) || ZALLOC(c->adj_node, 2 * m);
    if (!bad && p->offensive)
        bad = ZALLOC(c->base, ng * n) || ZALLOC(c->att_strength, ng * n);
    if (!bad && (p->offensive || p->strikes || p->closures))
        bad = !(c->rng = gsl_rng_alloc(cfx_rng_philox));
    return bad;
}

/* The layers as the world starts: every node and every road open (world.c), the holders,
 * levies and equipment the scenario gives. */
static void start_open(conflict *c)
{
    const cfx_scenario *s = c->s;
    for (size_t v = 0; v < c->n; v++) {
        c->fight[v] = -1;
        c->lost_by[v] = -1;
        c->ctl[v] = s->controller[v];
    }
    memset(c->escript, 1, c->m);
    memset(c->esent, 1, c->m);
    for (size_t g = 0; g < c->ng; g++)
        for (int l = 0; l < CFX_NLEVIES; l++) {
            c->levy_usd[g * CFX_NLEVIES + (size_t)l] = s->groups[g].levy_usd_per_t[l];
            c->levy_share[g * CFX_NLEVIES + (size_t)l] = s->groups[g].levy_share[l];
        }
    for (size_t v = 0; v < c->n; v++)
        c->cap_t[v] = s->node_capacity_t_per_day[v];
    for (size_t e = 0; e < c->m; e++)
        c->cap_t[c->n + e] = s->edge_capacity_t_per_day[e];
    for (size_t i = 0; i < s->n_mines; i++)
        c->cap_step[i] = -1;
}

/* Roads by node, for fronts and distances. */
static void build_adjacency(conflict *c)
{
    const cfx_scenario *s = c->s;
    size_t n = c->n, m = c->m;
    for (size_t e = 0; e < m; e++) {
        c->adj_off[s->edge_from[e] + 1]++;
        c->adj_off[s->edge_to[e] + 1]++;
    }
    for (size_t v = 0; v < n; v++)
        c->adj_off[v + 1] += c->adj_off[v];
    int32_t *fill = c->depth; /* roads placed so far at each node (zero; bfs resets it) */
    for (size_t e = 0; e < m; e++) {
        int32_t a = s->edge_from[e], b = s->edge_to[e];
        size_t ka = c->adj_off[a] + (size_t)fill[a]++, kb = c->adj_off[b] + (size_t)fill[b]++;
        c->adj_node[ka] = b;
        c->adj_node[kb] = a;
    }
}

int cfx_conflict__init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    conflict *c = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    const conflict_params *p = params;
    c->p = p;
    c->s = s;
    c->n = s->n_nodes;
    c->m = s->n_edges;
    c->ng = s->n_groups;
    c->nk = c->ng * s->n_cargo;
    c->steps_per_day = lround(24.0 / s->step_hours);
    if (alloc_state(c))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (conflict)");
    start_open(c);
    build_adjacency(c); /* before anything searches: it borrows depth */
    if (p->offensive && cfx_conflict__init_strengths(c))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (conflict)");
    return 0;
}

/* Keys the generator for one draw by (seed, stream, purpose and index, day): no draw depends
 * on the order of the others or on the thread. */
void cfx_conflict__key(conflict *c, int purpose, uint64_t index, long day)
{
    cfx_rng_key(c->rng, c->s->seed, CFX_STREAM_CONFLICT, AGENT(purpose, index), (uint64_t)day);
}

/* Breadth-first search from the nodes src[0..n_src) over every road, both ways, up to
 * max_depth roads: c->mark[v] == c->stamp and c->depth[v] = roads for each node reached. */
void cfx_conflict__bfs(conflict *c, const int32_t *src, size_t n_src, int32_t max_depth)
{
    size_t head = 0, tail = 0;
    c->stamp++;
    for (size_t i = 0; i < n_src; i++) {
        int32_t v = src[i];
        if (c->mark[v] == c->stamp)
            continue;
        c->mark[v] = c->stamp;
        c->depth[v] = 0;
        c->queue[tail++] = v;
    }
    while (head < tail) {
        int32_t u = c->queue[head++];
        if (c->depth[u] >= max_depth)
            continue;
        for (size_t k = c->adj_off[u]; k < c->adj_off[u + 1]; k++) {
            int32_t v = c->adj_node[k];
            if (c->mark[v] == c->stamp)
                continue;
            c->mark[v] = c->stamp;
            c->depth[v] = c->depth[u] + 1;
            c->queue[tail++] = v;
        }
    }
}

void cfx_conflict__touch(conflict *c, int32_t v)
{
    if (!c->is_dirty[v]) {
        c->is_dirty[v] = 1;
        c->dirty[c->n_dirty++] = v;
    }
}

void cfx_conflict__touch_edge(conflict *c, int32_t e)
{
    if (!c->is_edirty[e]) {
        c->is_edirty[e] = 1;
        c->edirty[c->n_edirty++] = e;
    }
}

/* The strongest layer: destroyed > cut > closed > contested > open. */
uint8_t cfx_conflict__status_of(const conflict *c, int32_t v)
{
    static const uint8_t rank[CFX_STATUS_N] = {[CFX_STATUS_OPEN] = 0,
                                               [CFX_STATUS_CONTESTED] = 1,
                                               [CFX_STATUS_CLOSED] = 2,
                                               [CFX_STATUS_CUT] = 3,
                                               [CFX_STATUS_DESTROYED] = 4};
    uint8_t st = c->script[v];
    if (c->fight[v] >= 0 && rank[CFX_STATUS_CONTESTED] > rank[st])
        st = CFX_STATUS_CONTESTED;
    if (c->closed[v] && rank[CFX_STATUS_CLOSED] > rank[st])
        st = CFX_STATUS_CLOSED;
    if (c->struck[v] && rank[CFX_STATUS_CUT] > rank[st])
        st = CFX_STATUS_CUT;
    return st;
}

int cfx_conflict__edge_open(const conflict *c, int32_t e)
{
    return c->escript[e] && !c->estruck[e];
}

/* Commands the statuses of the nodes and roads whose layers changed this step. */
void cfx_conflict__flush(conflict *c, cfx_cmdbuf *out)
{
    for (size_t i = 0; i < c->n_dirty; i++) {
        int32_t v = c->dirty[i];
        uint8_t st = cfx_conflict__status_of(c, v);
        c->is_dirty[v] = 0;
        if (st != c->sent[v]) {
            c->sent[v] = st;
            cfx_conflict__emit(out, CFX_CMD_NODE_STATUS, v, st, 0, 0, 0);
        }
    }
    for (size_t i = 0; i < c->n_edirty; i++) {
        int32_t e = c->edirty[i];
        uint8_t open = (uint8_t)cfx_conflict__edge_open(c, e);
        c->is_edirty[e] = 0;
        if (open != c->esent[e]) {
            c->esent[e] = open;
            cfx_conflict__emit(out, CFX_CMD_EDGE_OPEN, e, open, 0, 0, 0);
        }
    }
    c->n_dirty = c->n_edirty = 0;
}

void cfx_conflict__emit(cfx_cmdbuf *out, int32_t kind, int32_t a, int32_t b, int32_t y, double x,
                        double x2)
{
    cfx_cmdbuf_push(out,
                    (cfx_cmd){.kind = kind, .a = a, .b = b, .y = y, .g = -1, .x = x, .x2 = x2});
}

void cfx_conflict__log_event(cfx_cmdbuf *out, int32_t kind, int32_t node, int32_t edge, double days,
                             int32_t group)
{
    cfx_cmdbuf_push(out, (cfx_cmd){.kind = CFX_CMD_LOG_EVENT, .a = node, .b = kind, .y = edge,
                                   .g = group, .x = days});
}

void cfx_conflict__set_controller(conflict *c, int32_t v, int32_t g, cfx_cmdbuf *out)
{
    c->ctl[v] = g;
    cfx_conflict__emit(out, CFX_CMD_CONTROLLER, v, g, 0, 0, 0);
}
