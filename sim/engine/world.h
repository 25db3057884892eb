/* A world: the state of a run and the engine's time loop, seen from above the engine. The
 * world itself is opaque here (engine/world_impl.h is the engine's own view); models see it
 * through model.h, the output through the day's observation (cfx_obs) and the events. Cargo
 * is counted in whole kilograms (int64) so that the conservation invariant holds exactly:
 * produced = arrived + in_transit + sum(node_stock) + seized + lost. */
#ifndef CFX_WORLD_H
#define CFX_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "io/scenario.h"

/* A recorded event (event_* output variables). */
typedef struct cfx_event_rec {
    double day;      /* days since start */
    int32_t kind;    /* cfx_event_kind */
    int32_t node;    /* -1 when none */
    int32_t edge;    /* -1 when none */
    double days;     /* duration, days; 0 = until reversed */
    int32_t group;   /* the group that acted, -1 when none is known */
} cfx_event_rec;

/* One day's observation: what the output module writes as one row of each series. */
typedef struct cfx_obs {
    long day;
    double *price, *demand, *supply, *delivered, *shortfall, *inventory; /* n_products */
    uint8_t *node_status;        /* n_nodes */
    int32_t *node_controller;    /* n_nodes */
    double *node_stock_t;        /* n_nodes, t */
    double *queued_t;            /* n_nodes, t: of node_stock_t, waiting for capacity */
    double *node_throughput_t;   /* n_nodes, t/day */
    double *edge_flow_t;         /* n_edges, t/day */
    double in_transit_t, produced_t, arrived_t, seized_t, lost_t; /* t */
    double *group_revenue_usd;   /* n_groups, USD/day: levies and seizure gains */
    double *group_seizure_gain_usd; /* n_groups, USD/day: of revenue, seized cargo sold on */
    double *group_seizure_loss_usd; /* n_groups, USD/day: the group's cargo seized, at value */
    double *delivered_by_origin_t;     /* n_nodes, t/day */
    double *delivered_at_t;            /* n_nodes, t/day: delivered at the node (a market) */
    double *delivered_by_controller_t; /* n_groups, t/day */
} cfx_obs;

typedef struct cfx_world_opts {
    /* The models, NULL-terminated (models/registry.h has the default list): the same list
     * whose section readers read the scenario, in the same order. */
    const cfx_model_type *const *models;
    int threads;         /* OpenMP threads for the shipment phase; <= 0: 1 */
    size_t parallel_min; /* smallest batch worth a parallel loop (due shipments; nodes and
                            roads folded: 64 x this); 0: 1024. Results do not depend on it:
                            tests set 1 to exercise the parallel paths */
} cfx_world_opts;

int cfx_world_alloc(cfx_world **out, const cfx_scenario *s, const cfx_world_opts *opt,
                    cfx_error *err);
void cfx_world_free(cfx_world *w);

/* Runs one step; after the day's last step, cfx_world_obs holds that day. */
int cfx_world_step(cfx_world *w, cfx_error *err);
/* Runs one day (all its steps) and fills the observation for it. */
int cfx_world_run_day(cfx_world *w, cfx_error *err);
/* Recomputes the routing table now (conflux check and tests; runs use it as needed). */
int cfx_world_route(cfx_world *w);

/* Checkpoints (io/ckpt.h): saves the world's state and every model's, or loads them into
 * a world just allocated for the same scenario, as ck says; loading then recomputes the
 * routing table, a function of the network's state. Between steps only. */
int cfx_world_checkpoint(cfx_world *w, cfx_ckpt *ck);

/* Total kg at nodes (sum of stock_kg), for the conservation check. */
int64_t cfx_world_stock_kg(const cfx_world *w);

/* The cargo counters, kg (exact: produced = arrived + in_transit + stock + seized + lost),
 * and the work done so far. */
typedef struct cfx_world_totals {
    int64_t produced_kg, arrived_kg, in_transit_kg, stock_kg, seized_kg, lost_kg;
    uint64_t hop_events;    /* shipment arrivals at nodes */
    uint64_t shipment_days; /* sum over days of shipments alive at the day's end */
    size_t n_events;        /* events recorded */
} cfx_world_totals;
void cfx_world_get_totals(const cfx_world *w, cfx_world_totals *out);
/* The last finished day's observation (what the output writes as one row). */
const cfx_obs *cfx_world_obs(const cfx_world *w);
/* Has the next day's observation of the node and road series (the arrays of n_nodes or
 * n_edges values in cfx_obs) written into the arrays of rows instead of the world's own:
 * the output's rows for that day (cfx_output_next_row), so that a day is written once, not
 * written and then copied (W2's day is 7 MB). A NULL array in rows: the world's own. rows
 * NULL: back to the world's own arrays, with the last day's values copied into them.
 * Between days only; the arrays must stay valid until the next call. */
void cfx_world_observe_into(cfx_world *w, const cfx_obs *rows);
/* Every event recorded so far (*n of them). */
const cfx_event_rec *cfx_world_events(const cfx_world *w, size_t *n);
/* The next step to run, and the steps in a day. */
long cfx_world_next_step(const cfx_world *w);
long cfx_world_steps_per_day(const cfx_world *w);

/* The route a truck of cargo kind `cargo` owned by group `group` takes from node v as the
 * routing table stands (cfx_world_route first): hours on the road and at gates (the mean
 * clearance), the generalized cost (USD/t), the node it ends at and the roads. 0, or -1
 * when there is no route. */
typedef struct cfx_route_info {
    double hours;
    double cost_usd_per_t;
    int32_t end;
    int roads;
    double cap_t_per_day; /* the least daily capacity on the route that binds the cargo, as
                             the scenario gives them (INFINITY: none) */
    int32_t cap_node;     /* where it is: a node (left), or -1 and ... */
    int32_t cap_edge;     /* ... a road; both -1 without a capacity */
} cfx_route_info;
int cfx_world_route_from(const cfx_world *w, int32_t v, size_t cargo, size_t group,
                         cfx_route_info *out);

#endif
