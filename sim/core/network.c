/* CSR network construction and the reverse shortest-path search (binary-heap Dijkstra). */
#include "core/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cfx_network_alloc(cfx_network **out, const cfx_network_spec *s, cfx_error *err)
{
    *out = NULL;
    cfx_network *net = calloc(1, sizeof *net);
    if (!net)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (network)");
    size_t n = s->n_nodes, m = s->n_edges, na = 0;
    for (size_t e = 0; e < m; e++)
        na += s->edge_oneway[e] ? 1 : 2;
    net->n_nodes = n;
    net->n_edges = m;
    net->n_arcs = na;
    net->out_start = calloc(n + 1, sizeof *net->out_start);
    net->in_start = calloc(n + 1, sizeof *net->in_start);
    net->arc_from = malloc((na + 1) * sizeof *net->arc_from);
    net->arc_to = malloc((na + 1) * sizeof *net->arc_to);
    net->arc_edge = malloc((na + 1) * sizeof *net->arc_edge);
    net->arc_base_h = malloc((na + 1) * sizeof *net->arc_base_h);
    net->in_arc = malloc((na + 1) * sizeof *net->in_arc);
    int32_t *fill = calloc(n + 1, sizeof *fill);
    if (!net->out_start || !net->in_start || !net->arc_from || !net->arc_to || !net->arc_edge ||
        !net->arc_base_h || !net->in_arc || !fill) {
        free(fill);
        cfx_network_free(net);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (network)");
    }
    /* Count, prefix-sum, then place: arcs of a node keep the table's edge order. */
    for (size_t e = 0; e < m; e++) {
        net->out_start[s->edge_from[e] + 1]++;
        if (!s->edge_oneway[e])
            net->out_start[s->edge_to[e] + 1]++;
    }
    for (size_t u = 0; u < n; u++)
        net->out_start[u + 1] += net->out_start[u];
    for (size_t e = 0; e < m; e++) {
        double h = s->edge_km[e] / s->edge_speed_kmh[e];
        for (int dir = 0; dir < (s->edge_oneway[e] ? 1 : 2); dir++) {
            int32_t u = dir ? s->edge_to[e] : s->edge_from[e];
            int32_t v = dir ? s->edge_from[e] : s->edge_to[e];
            int32_t a = net->out_start[u] + fill[u]++;
            net->arc_from[a] = u;
            net->arc_to[a] = v;
            net->arc_edge[a] = (int32_t)e;
            net->arc_base_h[a] = h;
        }
    }
    for (size_t a = 0; a < na; a++)
        net->in_start[net->arc_to[a] + 1]++;
    for (size_t v = 0; v < n; v++)
        net->in_start[v + 1] += net->in_start[v];
    memset(fill, 0, (n + 1) * sizeof *fill);
    for (size_t a = 0; a < na; a++) {
        int32_t v = net->arc_to[a];
        net->in_arc[net->in_start[v] + fill[v]++] = (int32_t)a;
    }
    free(fill);
    *out = net;
    return 0;
}

void cfx_network_free(cfx_network *net)
{
    if (!net)
        return;
    free(net->out_start);
    free(net->in_start);
    free(net->arc_from);
    free(net->arc_to);
    free(net->arc_edge);
    free(net->arc_base_h);
    free(net->in_arc);
    free(net);
}

/* Binary min-heap of nodes keyed by cost, with positions for decrease-key. */
struct cfx_paths_ws {
    size_t cap;
    int32_t *heap; /* node indices */
    int32_t *pos;  /* position of each node in heap, -1 when absent */
    size_t len;
};

cfx_paths_ws *cfx_paths_ws_alloc(size_t n_nodes)
{
    cfx_paths_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->cap = n_nodes;
    ws->heap = malloc((n_nodes + 1) * sizeof *ws->heap);
    ws->pos = malloc((n_nodes + 1) * sizeof *ws->pos);
    if (!ws->heap || !ws->pos) {
        cfx_paths_ws_free(ws);
        return NULL;
    }
    return ws;
}

void cfx_paths_ws_free(cfx_paths_ws *ws)
{
    if (!ws)
        return;
    free(ws->heap);
    free(ws->pos);
    free(ws);
}

/* Strict order on (cost, node) so the pop order, and so the result, is unique. */
static int less(const double *cost, int32_t a, int32_t b)
{
    return cost[a] < cost[b] || (cost[a] == cost[b] && a < b);
}

static void sift_up(cfx_paths_ws *ws, const double *cost, size_t i)
{
    int32_t v = ws->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(cost, v, ws->heap[p]))
            break;
        ws->heap[i] = ws->heap[p];
        ws->pos[ws->heap[i]] = (int32_t)i;
        i = p;
    }
    ws->heap[i] = v;
    ws->pos[v] = (int32_t)i;
}

static void sift_down(cfx_paths_ws *ws, const double *cost, size_t i)
{
    int32_t v = ws->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= ws->len)
            break;
        if (c + 1 < ws->len && less(cost, ws->heap[c + 1], ws->heap[c]))
            c++;
        if (!less(cost, ws->heap[c], v))
            break;
        ws->heap[i] = ws->heap[c];
        ws->pos[ws->heap[i]] = (int32_t)i;
        i = c;
    }
    ws->heap[i] = v;
    ws->pos[v] = (int32_t)i;
}

void cfx_network_paths(const cfx_network *net, const uint8_t *is_target, const double *arc_cost,
                       cfx_paths_ws *ws, int32_t *next_arc, double *cost)
{
    size_t n = net->n_nodes;
    ws->len = 0;
    for (size_t v = 0; v < n; v++) {
        next_arc[v] = -1;
        cost[v] = INFINITY;
        ws->pos[v] = -1;
    }
    for (size_t v = 0; v < n; v++) {
        if (!is_target[v])
            continue;
        cost[v] = 0;
        ws->heap[ws->len++] = (int32_t)v;
        sift_up(ws, cost, ws->len - 1);
    }
    while (ws->len) {
        int32_t v = ws->heap[0];
        ws->pos[v] = -2; /* settled */
        ws->heap[0] = ws->heap[--ws->len];
        if (ws->len) {
            ws->pos[ws->heap[0]] = 0;
            sift_down(ws, cost, 0);
        }
        for (int32_t k = net->in_start[v]; k < net->in_start[v + 1]; k++) {
            int32_t a = net->in_arc[k];
            double c = arc_cost[a];
            if (!(c >= 0) || isinf(c))
                continue;
            int32_t u = net->arc_from[a];
            if (ws->pos[u] == -2)
                continue;
            double d = cost[v] + c;
            if (d < cost[u] || (d == cost[u] && a < next_arc[u])) {
                cost[u] = d;
                next_arc[u] = a;
                if (ws->pos[u] < 0) {
                    ws->heap[ws->len] = u;
                    ws->pos[u] = (int32_t)ws->len++;
                }
                sift_up(ws, cost, (size_t)ws->pos[u]);
            }
        }
    }
}
