/* The road network in compressed sparse row form, and the shortest-path search that
 * routing builds on. A two-way road is one edge and two arcs; a one-way road one arc. */
#ifndef CFX_NETWORK_H
#define CFX_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct cfx_network {
    size_t n_nodes, n_edges, n_arcs;
    /* Outgoing arcs of node u are out_start[u] .. out_start[u+1]-1 (n_nodes+1 entries). */
    int32_t *out_start;
    int32_t *arc_from, *arc_to; /* n_arcs node indices */
    int32_t *arc_edge;          /* n_arcs: the edge each arc runs along */
    double *arc_base_h;         /* n_arcs: travel hours at the road class speed */
    /* Incoming arcs of node v, as arc indices: in_arc[in_start[v] .. in_start[v+1]-1]. */
    int32_t *in_start, *in_arc;
} cfx_network;

/* What a network is built from: n_edges roads between n_nodes nodes, as a table has them. */
typedef struct cfx_network_spec {
    size_t n_nodes, n_edges;
    const int32_t *edge_from, *edge_to; /* n_edges node indices */
    const double *edge_km;              /* n_edges road lengths, km */
    const double *edge_speed_kmh;       /* n_edges loaded-truck speeds, km/h */
    const uint8_t *edge_oneway;         /* n_edges: 1 for one arc from -> to, 0 for both ways */
} cfx_network_spec;

int cfx_network_alloc(cfx_network **out, const cfx_network_spec *s, cfx_error *err);
void cfx_network_free(cfx_network *net);

/* Workspace for cfx_network_paths, allocated once outside the time loop. */
typedef struct cfx_paths_ws cfx_paths_ws;
cfx_paths_ws *cfx_paths_ws_alloc(size_t n_nodes);
void cfx_paths_ws_free(cfx_paths_ws *ws);

/* Multi-source reverse Dijkstra: for every node, the cost to the nearest target and the
 * first arc to take. arc_cost[a] < 0 or infinite marks arc a unusable. Ties between equal
 * costs are broken by the lower arc index, so the result is unique.
 * Writes next_arc[n] (-1: no path; targets themselves get -1) and cost[n] (INFINITY: none). */
void cfx_network_paths(const cfx_network *net, const uint8_t *is_target, const double *arc_cost,
                       cfx_paths_ws *ws, int32_t *next_arc, double *cost);

#endif
