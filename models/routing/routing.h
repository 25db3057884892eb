/* The routing model's private header (the files of models/routing): its parameters and state, and
 * what its files share. models/README.md ("Routing") gives the equations. */
#ifndef CFX_ROUTING_H
#define CFX_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "core/mcf.h"
#include "core/network.h"
#include "engine/model.h"

typedef struct routing_params {
    double value_of_time_usd_per_t_h; /* what an hour on the road costs a tonne of cargo */
    double cargo_value_usd_per_t;     /* value at risk per tonne of cargo; < 0 (the default):
                                         each cargo kind's own (the mean over its mines) */
    double dispersion_usd_per_t;      /* logit scale of route choice; 0: the cheapest way */
    double hold_wait_days;            /* how long a shipper expects to wait for normal
                                         conditions to return; 0: never hold cargo back */
    double hold_cost_share_per_year;  /* holding cargo costs this share of its value a year */
} routing_params;

typedef struct routing {
    const routing_params *params;
    const cfx_scenario *s;
    size_t nk;          /* commodities: n_cargo x n_groups */
    cfx_paths_ws *ws;
    double *value;      /* n_cargo: value at risk per tonne of each cargo kind, USD/t */
    double *risk;       /* n_arcs: scratch, each arc's time and risk cost (levies out), USD/t */
    double *base_risk;  /* nk x n_nodes: time and risk cost to market in normal conditions
                           (the network as the scenario starts), along the cheapest route */
    int32_t *order;     /* nk: commodities by value, the dearest planned first */
    /* the capacity plan */
    cfx_mcf *mcf;
    int64_t *node_left, *edge_left; /* n_nodes, n_edges: room left while planning */
    long *mcf_arc;      /* n_arcs: the plan graph's arc for each network arc, -1: none */
    long *split_arc;    /* n_nodes: the plan graph's arc through each node, -1: none */
    int32_t *rev;       /* n_nodes + n_arcs: for each plan-graph arc, the network arc it
                           stands for (>= 0), or -2 - the node it splits, or -1 (the sink's) */
    long *path_buf;     /* room for one path's plan-graph arcs */
    int32_t *arc_buf;   /* and its network arcs */
    size_t buf_len;
    /* each commodity's arc costs and risks as the plan last computed them, kept until the
     * network changes (every input of cfx_routing__arc_costs changes only with it); made
     * on the plan's first day */
    double *plan_cost, *plan_risk; /* nk x n_arcs */
    uint8_t *plan_known;           /* nk: 1 when the two rows above are current */
} routing;

/* costs.c: what a route costs a tonne of cargo. */
void cfx_routing__values(const routing_params *p, const cfx_scenario *s, double *value);
/* The cost of every arc for commodity k (cargo kind c of origin group own) as the world
 * stands: arc_cost[a] (< 0: impassable) and, when risk is not NULL, risk[a], the same
 * without levies; arc_hours[a], each arc's travel hours. It must read only what changes
 * with the network (a command that changes it sets network_changed): the capacity plan
 * keeps its results from day to day until then (plan.c, plan_costs). */
void cfx_routing__arc_costs(const routing *r, const cfx_world *w, size_t cargo, int32_t own,
                            double *arc_cost, double *risk, double *arc_hours);

/* tables.c: each commodity's cheapest route from every node, and the holding rule. */
int cfx_routing__tables(routing *r, const cfx_world *w, cfx_routes *rt);
/* Along the routing table's arcs, each node's sum of risk[] to its market (INFINITY where
 * there is no route); stack: room for n node indices. 0. */
int cfx_routing__along(const cfx_network *net, const int32_t *next, const double *cost,
                       const double *risk, double *out, size_t n, int32_t *stack);

/* plan.c: the day's capacity plan. */
int cfx_routing__plan_alloc(routing *r, const cfx_network *net);
void cfx_routing__plan_free(routing *r);
int cfx_routing__plan(routing *r, const cfx_world *w, cfx_routes *rt, cfx_plan *pl);
/* The network changed: the plan's kept arc costs are out of date. */
void cfx_routing__plan_forget(routing *r);

#endif
