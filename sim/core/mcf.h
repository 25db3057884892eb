/* Minimum-cost flow by successive shortest paths (SSP) on a directed graph with integer
 * capacities and integer costs: Dijkstra on reduced costs with node potentials (Edmonds &
 * Karp 1972; Ahuja, Magnanti & Orlin, "Network Flows", 1993, ch. 9). Costs and flows are
 * integers summed in 64 bits, so the algorithm cannot cycle on rounding (the trap of
 * floating-point costs, networkx issue 2076). Deterministic: ties in Dijkstra are broken by
 * the lower vertex, then the lower arc index.
 *
 * A problem is built once per solve in a reusable workspace: vertices 0..n-1, arcs added in
 * order, supplies at vertices, one sink. solve() sends as much of the supply as it can to the
 * sink, cheapest paths first, and stops when no path is left or the cheapest one costs more
 * per unit than max_cost (a shipper's limit: beyond it cargo stays where it is). The result
 * is the flow on every arc, and its decomposition into source-to-sink paths. */
#ifndef CFX_MCF_H
#define CFX_MCF_H

#include <stddef.h>
#include <stdint.h>

#define CFX_MCF_INF INT64_MAX /* an arc without a capacity limit */

typedef struct cfx_mcf cfx_mcf;

/* A workspace; its arrays grow as problems need. NULL when out of memory. */
cfx_mcf *cfx_mcf_alloc(void);
void cfx_mcf_free(cfx_mcf *m);

/* Starts a new problem of n vertices (no arcs, no supply). 0 or CFX_ENOMEM. */
int cfx_mcf_reset(cfx_mcf *m, size_t n);
/* Adds an arc from -> to with capacity cap (>= 0; CFX_MCF_INF: none) and cost per unit
 * (>= 0). Returns the arc's index (0, 1, ... in the order added), or CFX_ENOMEM. */
long cfx_mcf_arc(cfx_mcf *m, int32_t from, int32_t to, int64_t cap, int64_t cost);
/* Adds amount (>= 0) units of supply at vertex v. */
void cfx_mcf_supply(cfx_mcf *m, int32_t v, int64_t amount);
/* Sends supply to sink along cheapest paths while one costs at most max_cost per unit.
 * Returns the units sent (>= 0) or CFX_ENOMEM; *cost (may be NULL) gets the total cost. */
int64_t cfx_mcf_solve(cfx_mcf *m, int32_t sink, int64_t max_cost, int64_t *cost);
/* The flow on arc a after solve. */
int64_t cfx_mcf_flow(const cfx_mcf *m, long a);

/* The flow decomposed into paths, one at a time: each call writes the arcs of the next path
 * from a vertex with supply to the sink (in order from the source) into arcs (room for
 * max_arcs), their number into *n_arcs and its units into *units, and returns 1; 0 when no
 * flow is left, or CFX_ENOMEM. Paths come out in a fixed order: by source vertex, then the
 * lowest arc first at each vertex. Consumes the flow (cfx_mcf_flow reads 0 afterwards). */
int cfx_mcf_next_path(cfx_mcf *m, int32_t sink, long *arcs, size_t max_arcs, size_t *n_arcs,
                      int64_t *units);

#endif
