/* Minimum-cost flow by successive shortest paths (core/mcf.h). Arcs are stored in pairs, the
 * forward arc 2k and its residual reverse 2k + 1; a super source (vertex n) feeds every vertex
 * with supply. */
#include "core/mcf.h"

#include <stdlib.h>
#include <string.h>

#include "conflux.h" /* the error codes */
#include "core/grow.h"

struct cfx_mcf {
    size_t n;           /* vertices of the problem; the super source is n */
    size_t n_arcs;      /* residual arcs (twice the arcs added), cap_arcs allocated */
    size_t cap_arcs;
    int32_t *to;        /* n_arcs */
    int32_t *next;      /* n_arcs: the next arc out of the same vertex, -1: none */
    int64_t *res;       /* n_arcs: residual capacity */
    int64_t *cost;      /* n_arcs: the reverse of an arc costs minus it */
    int64_t *cap0;      /* n_arcs / 2: capacity as added (CFX_MCF_INF kept) */
    size_t cap_v;       /* vertices allocated */
    int32_t *head;      /* n + 1: first arc out of each vertex, -1: none */
    int32_t *tail;      /* n + 1: last arc out of each vertex (arcs keep the order added) */
    int64_t *supply;    /* n */
    int64_t *pot;       /* n + 1: potentials, so reduced costs stay >= 0 */
    int64_t *dist;      /* n + 1 */
    int32_t *prev;      /* n + 1: the arc Dijkstra reached each vertex by, -1: none */
    int32_t *heap;      /* n + 1: vertices, a binary heap on (dist, vertex) */
    int32_t *where;     /* n + 1: position in the heap, -1: not in it */
    uint32_t *seen;     /* n + 1: == stamp when visited by the path walk */
    uint32_t stamp;
    int solved;
};

cfx_mcf *cfx_mcf_alloc(void)
{
    return calloc(1, sizeof(cfx_mcf));
}

void cfx_mcf_free(cfx_mcf *m)
{
    if (!m)
        return;
    free(m->to);
    free(m->next);
    free(m->res);
    free(m->cost);
    free(m->cap0);
    free(m->head);
    free(m->tail);
    free(m->supply);
    free(m->pot);
    free(m->dist);
    free(m->prev);
    free(m->heap);
    free(m->where);
    free(m->seen);
    free(m);
}

/* Grows one per-vertex array of elem bytes to hold nv entries (realloc keeps it on failure). */
static int grow_v(void **p, size_t nv, size_t elem)
{
    void *q = realloc(*p, nv * elem);
    if (!q)
        return CFX_ENOMEM;
    *p = q;
    return 0;
}

int cfx_mcf_reset(cfx_mcf *m, size_t n)
{
    size_t nv = n + 1; /* the super source */
    if (nv > m->cap_v) {
        if (grow_v((void **)&m->head, nv, sizeof *m->head) ||
            grow_v((void **)&m->tail, nv, sizeof *m->tail) ||
            grow_v((void **)&m->supply, nv, sizeof *m->supply) ||
            grow_v((void **)&m->pot, nv, sizeof *m->pot) ||
            grow_v((void **)&m->dist, nv, sizeof *m->dist) ||
            grow_v((void **)&m->prev, nv, sizeof *m->prev) ||
            grow_v((void **)&m->heap, nv, sizeof *m->heap) ||
            grow_v((void **)&m->where, nv, sizeof *m->where) ||
            grow_v((void **)&m->seen, nv, sizeof *m->seen))
            return CFX_ENOMEM;
        m->cap_v = nv;
    }
    m->n = n;
    m->n_arcs = 0;
    m->solved = 0;
    for (size_t v = 0; v < nv; v++) {
        m->head[v] = m->tail[v] = -1;
        m->supply[v] = 0;
        m->seen[v] = 0;
    }
    m->stamp = 0;
    return 0;
}

/* Appends residual arc from -> to; arcs out of a vertex keep the order they were added. */
static void link(cfx_mcf *m, int32_t from, int32_t to, int64_t res, int64_t cost)
{
    size_t a = m->n_arcs++;
    m->to[a] = to;
    m->res[a] = res;
    m->cost[a] = cost;
    m->next[a] = -1;
    if (m->tail[from] >= 0)
        m->next[m->tail[from]] = (int32_t)a;
    else
        m->head[from] = (int32_t)a;
    m->tail[from] = (int32_t)a;
}

long cfx_mcf_arc(cfx_mcf *m, int32_t from, int32_t to, int64_t cap, int64_t cost)
{
    size_t need = m->n_arcs + 2, c = m->cap_arcs;
    if (need > INT32_MAX)
        return CFX_ENOMEM;
    if (need > c) {
        c = cfx_grow_cap(c, need, 64);
        if (!c || grow_v((void **)&m->to, c, sizeof *m->to) ||
            grow_v((void **)&m->next, c, sizeof *m->next) ||
            grow_v((void **)&m->res, c, sizeof *m->res) ||
            grow_v((void **)&m->cost, c, sizeof *m->cost) ||
            grow_v((void **)&m->cap0, c / 2, sizeof *m->cap0))
            return CFX_ENOMEM;
        m->cap_arcs = c;
    }
    long k = (long)(m->n_arcs / 2);
    m->cap0[k] = cap;
    link(m, from, to, cap, cost);
    link(m, to, from, 0, -cost);
    return k;
}

void cfx_mcf_supply(cfx_mcf *m, int32_t v, int64_t amount)
{
    m->supply[v] += amount;
}

/* ---- the heap: (dist, vertex) ascending, so ties go to the lower vertex ---- */

static int before(const cfx_mcf *m, int32_t a, int32_t b)
{
    return m->dist[a] < m->dist[b] || (m->dist[a] == m->dist[b] && a < b);
}

static void sift_up(cfx_mcf *m, size_t i)
{
    int32_t v = m->heap[i];
    while (i > 0 && before(m, v, m->heap[(i - 1) / 2])) {
        m->heap[i] = m->heap[(i - 1) / 2];
        m->where[m->heap[i]] = (int32_t)i;
        i = (i - 1) / 2;
    }
    m->heap[i] = v;
    m->where[v] = (int32_t)i;
}

static void sift_down(cfx_mcf *m, size_t i, size_t len)
{
    int32_t v = m->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len)
            break;
        if (c + 1 < len && before(m, m->heap[c + 1], m->heap[c]))
            c++;
        if (!before(m, m->heap[c], v))
            break;
        m->heap[i] = m->heap[c];
        m->where[m->heap[i]] = (int32_t)i;
        i = c;
    }
    m->heap[i] = v;
    m->where[v] = (int32_t)i;
}

/* Dijkstra from the super source on reduced costs; 1 when the sink is reached. */
static int shortest(cfx_mcf *m, int32_t src, int32_t sink)
{
    size_t nv = m->n + 1, len = 0;
    for (size_t v = 0; v < nv; v++) {
        m->dist[v] = INT64_MAX;
        m->prev[v] = -1;
        m->where[v] = -1;
    }
    m->dist[src] = 0;
    m->heap[len++] = src;
    m->where[src] = 0;
    while (len) {
        int32_t u = m->heap[0];
        m->where[u] = -2; /* settled */
        m->heap[0] = m->heap[--len];
        if (len)
            sift_down(m, 0, len);
        for (int32_t a = m->head[u]; a >= 0; a = m->next[a]) {
            int32_t v = m->to[a];
            if (m->res[a] <= 0 || m->where[v] == -2)
                continue;
            int64_t d = m->dist[u] + m->cost[a] + m->pot[u] - m->pot[v];
            if (d < m->dist[v]) {
                m->dist[v] = d;
                m->prev[v] = a;
                if (m->where[v] < 0) {
                    m->heap[len] = v;
                    m->where[v] = (int32_t)len++;
                }
                sift_up(m, (size_t)m->where[v]);
            }
        }
    }
    return m->dist[sink] != INT64_MAX;
}

int64_t cfx_mcf_solve(cfx_mcf *m, int32_t sink, int64_t max_cost, int64_t *cost)
{
    int32_t src = (int32_t)m->n;
    for (size_t v = 0; v < m->n; v++)
        if (m->supply[v] > 0 && cfx_mcf_arc(m, src, (int32_t)v, m->supply[v], 0) < 0)
            return CFX_ENOMEM;
    memset(m->pot, 0, (m->n + 1) * sizeof *m->pot); /* every cost is >= 0 at the start */
    int64_t sent = 0, total = 0;
    while (shortest(m, src, sink)) {
        for (size_t v = 0; v <= m->n; v++)
            if (m->dist[v] != INT64_MAX)
                m->pot[v] += m->dist[v];
        int64_t unit = m->pot[sink] - m->pot[src]; /* the path's true cost per unit */
        if (unit > max_cost)
            break;
        int64_t push = INT64_MAX;
        for (int32_t v = sink; v != src; v = m->to[m->prev[v] ^ 1])
            if (m->res[m->prev[v]] < push)
                push = m->res[m->prev[v]];
        for (int32_t v = sink; v != src; v = m->to[m->prev[v] ^ 1]) {
            int32_t a = m->prev[v];
            if (m->res[a] != CFX_MCF_INF)
                m->res[a] -= push;
            if (m->res[a ^ 1] != CFX_MCF_INF)
                m->res[a ^ 1] += push;
        }
        sent += push;
        total += push * unit;
    }
    m->solved = 1;
    if (cost)
        *cost = total;
    return sent;
}

int64_t cfx_mcf_flow(const cfx_mcf *m, long a)
{
    int64_t r = m->res[2 * a + 1]; /* the reverse arc's residual is the flow */
    return r < 0 ? 0 : r;
}

/* Takes f units of flow off arc a (forward index). */
static void take(cfx_mcf *m, int32_t a, int64_t f)
{
    m->res[a | 1] -= f;
}

int cfx_mcf_next_path(cfx_mcf *m, int32_t sink, long *arcs, size_t max_arcs, size_t *n_arcs,
                      int64_t *units)
{
    int32_t src = (int32_t)m->n;
    for (;;) {
        /* Walk from the super source along arcs with flow, the first added first; the walk's
         * arcs are kept in m->prev (free after solve). */
        size_t len = 0;
        int32_t v = src;
        m->stamp++;
        m->seen[src] = m->stamp;
        while (v != sink) {
            int32_t a = m->head[v];
            while (a >= 0 && ((a & 1) || m->res[a | 1] <= 0))
                a = m->next[a];
            if (a < 0)
                return 0; /* no flow leaves the super source: done */
            m->prev[len++] = a;
            v = m->to[a];
            if (m->seen[v] == m->stamp) { /* a cycle of zero cost: cancel it, walk again */
                size_t i = len;
                while (m->to[m->prev[i - 1] ^ 1] != v)
                    i--;
                int64_t f = INT64_MAX;
                for (size_t k = i - 1; k < len; k++)
                    if (m->res[m->prev[k] | 1] < f)
                        f = m->res[m->prev[k] | 1];
                for (size_t k = i - 1; k < len; k++)
                    take(m, m->prev[k], f);
                break;
            }
            m->seen[v] = m->stamp;
        }
        if (v != sink)
            continue;
        int64_t f = INT64_MAX;
        for (size_t k = 0; k < len; k++)
            if (m->res[m->prev[k] | 1] < f)
                f = m->res[m->prev[k] | 1];
        for (size_t k = 0; k < len; k++)
            take(m, m->prev[k], f);
        if (len - 1 > max_arcs)
            return CFX_ENOMEM;
        for (size_t k = 1; k < len; k++) /* the first arc is the super source's */
            arcs[k - 1] = m->prev[k] / 2;
        *n_arcs = len - 1;
        *units = f;
        return 1;
    }
}
