/* The interface between the engine and the behaviour models (models/). A model is a const
 * descriptor in the manner of gsl_rng_type: it reads the world and writes commands, which
 * the engine applies in buffer order; the routing and market models also fill the one
 * table their phase owns (ctx->routes, ctx->market). The engine never includes a model's
 * header: whoever builds a world hands it the list of models (cfx_world_opts.models; the
 * default list is models/registry.h's). */
#ifndef CFX_MODEL_H
#define CFX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "io/ckpt.h"
#include "core/error.h"
#include "io/scenario.h"

typedef struct cfx_world cfx_world;

/* The phases of a step, in the order they run (DESIGN §5). */
typedef enum {
    CFX_PHASE_EVENTS,     /* apply events due now */
    CFX_PHASE_ROUTING,    /* routes if the network changed; the capacity plan each day */
    CFX_PHASE_PRODUCTION, /* production; the engine then dispatches departures */
    CFX_PHASE_MARKET,     /* daily, after the shipments of the day's last step */
    CFX_NPHASES
} cfx_phase;

typedef enum {
    CFX_CMD_NODE_STATUS,   /* node a gets status b (cfx_status) */
    CFX_CMD_EDGE_OPEN,     /* edge a open (b = 1) or cut (b = 0) */
    CFX_CMD_CONTROLLER,    /* node a passes to group b */
    CFX_CMD_PRODUCE,       /* mine a adds x tonnes of concentrate to its stockpile */
    CFX_CMD_LOG_EVENT,     /* record event kind b on node a or edge y, duration x days, done
                              by group g (-1: none) */
    CFX_CMD_LEVY,          /* group a's levy b (cfx_levy) becomes x USD/t plus x2 of the
                              cargo's value */
    CFX_CMD_CHECKPOINT,    /* node a taxes x USD/t and seizes a truck with chance x2 */
    CFX_CMD_STRIKE,        /* on node a or edge y (the other -1): cargo there loses a truck
                              with chance x until x2 hours from now */
    CFX_CMD_MINE_CAPACITY, /* mine a's equipment: share x (0..1) of its base output */
    CFX_CMD_MINE_HALT,     /* mine a: share x (0..1) of its output halted by order */
    CFX_CMD_CLOSE_TO,      /* gate a closed (y = 1) or open (y = 0) to the cargo of key b:
                              origin group g and cargo kind c as b = g * n_cargo + c */
    CFX_CMD_CAPACITY,      /* node a (or road y when a < 0) may pass x t/day from now
                              (INFINITY: no limit) */
    CFX_CMD_OUTLOOK        /* mine a's output in normal conditions in calendar month b
                              (0: January) is x t/day: what buyers expect of it */
} cfx_cmd_kind;

typedef struct cfx_cmd {
    int32_t kind, a, b;
    int32_t y;
    int32_t g; /* LOG_EVENT: the group that acted, -1: none */
    double x, x2;
} cfx_cmd;

/* A growing array of commands, kept between steps (no malloc once it has grown). A push
 * that cannot grow it drops the command and sets failed; the engine checks failed after
 * every phase and fails the step (out of memory), so no model has to check each push and
 * none can lose a command silently. */
typedef struct cfx_cmdbuf {
    cfx_cmd *v;
    size_t n, cap;
    int failed; /* a push failed since the buffer was last applied */
} cfx_cmdbuf;
/* 0, or CFX_ENOMEM (and b->failed set). */
int cfx_cmdbuf_push(cfx_cmdbuf *b, cfx_cmd c);

/* The routing table the routing model fills: one row per cargo kind (scenario.h: which
 * markets buy it) and origin group (the group that held the mine when the cargo was mined:
 * who may seize it depends on whose it is): a commodity k = c * n_groups + g, whose row
 * starts at cfx_route_row(s, c, g) = k * n_nodes. */
typedef struct cfx_routes {
    int32_t *next_arc;  /* n_comm x n_nodes: arc to take from each node, -1: none (or at a
                           market that buys the cargo) */
    double *cost;       /* the same shape: generalized cost to the nearest market that buys
                           the cargo, USD/t */
    double *excess;     /* the same shape: how much more the route's time and risk cost than
                           they would in normal conditions (levies excluded), USD/t */
    double *hold_usd_per_t; /* n_comm: a shipper holds cargo back where excess is above this
                               (what waiting for normal conditions costs); INFINITY: never */
    double dispersion_usd_per_t; /* logit route choice between near-equal ways; 0: none */
    double *arc_cost_k; /* n_comm x n_arcs: each commodity's arc costs (< 0: impassable),
                           kept when dispersion > 0; else NULL */
    double *arc_hours;  /* n_arcs: travel hours of each arc as the network stands now */
    double *arc_cost;   /* n_arcs: scratch for the model, < 0 when impassable */
    uint8_t *is_target; /* n_nodes: scratch for the model */
} cfx_routes;

static inline size_t cfx_route_row(const cfx_scenario *s, size_t cargo, size_t group)
{
    return (cargo * s->n_groups + group) * s->n_nodes;
}

/* Partial closures (CFX_CMD_CLOSE_TO) are kept per node and key, the key being the cargo's
 * origin group and kind; these give the one layout the engine and the models share. */
static inline size_t cfx_close_key(const cfx_scenario *s, size_t group, size_t cargo)
{
    return group * s->n_cargo + cargo;
}
static inline size_t cfx_closed_index(const cfx_scenario *s, size_t node, size_t key)
{
    return node * s->n_groups * s->n_cargo + key;
}

/* The capacity plan (models/README.md, "Routing"). Where some road or node has a daily
 * capacity, the routing model assigns the cargo waiting at each node to paths each day (and
 * when the network changes): a minimum-cost flow over the day's room, in truckloads. A truck
 * takes a path where it waits, if the path has truckloads left today, and follows it to its
 * market; one that finds none waits for tomorrow's plan ("queued" for capacity). A
 * commodity is a cargo kind and origin group, k = c * n_groups + g (a routing row). */
typedef struct cfx_plan_path {
    int32_t commodity; /* k */
    int32_t source;    /* the node it starts from */
    int32_t start;     /* its arcs are arcs[start .. start + len) */
    int32_t len;
    int32_t allot;     /* truckloads it may still take today (today's paths; else 0) */
    int32_t users;     /* trucks following it: it is kept while any are */
    int32_t next;      /* today's plan: the next path from the same node for the same
                          commodity, by cost; -1: none */
    double cost_usd_per_t; /* generalized cost when planned */
} cfx_plan_path;

typedef struct cfx_plan {
    int active;           /* some node or road has a capacity: trucks follow plan paths */
    /* the engine's inputs, at the time of planning */
    int32_t *supply;      /* n_comm x n_nodes: truckloads waiting at each node on no path
                             (mine piles and their expected day's output included) */
    int64_t *node_room;   /* n_nodes: truckloads that may still leave each node today
                             (INT64_MAX: no limit) */
    int64_t *edge_room;   /* n_edges: the same for each road, both ways together */
    /* the model's output: today's paths, and yesterday's that trucks still follow */
    cfx_plan_path *path;
    size_t n_path, cap_path;
    int32_t *arcs;        /* the paths' arcs */
    size_t n_arcs, cap_arcs;
    int32_t *first;       /* n_comm x n_nodes: the cheapest path of today's plan from each
                             node for each commodity, -1: none */
    int32_t *remap;       /* scratch: an old path's new index when the pool is compacted */
} cfx_plan;

/* Appends a path to the plan (p->start is set here from arcs, p->len of them). 0 or
 * CFX_ENOMEM. */
int cfx_plan_add(cfx_plan *pl, const cfx_plan_path *p, const int32_t *arcs);

/* What the market model reports for a day, per product (n_products entries each). */
typedef struct cfx_market_obs {
    double *price_usd_per_kg;
    double *demand_t_per_day;
    double *supply_t_per_day;
    double *shortfall_t_per_day;
    double *inventory_t;
} cfx_market_obs;

typedef struct cfx_step_ctx {
    long step;          /* step index from 0 */
    double t_h;         /* hours since start at the beginning of the step */
    double step_hours;
    long day;           /* the day the step belongs to */
    int network_changed;       /* ROUTING: statuses changed since the last recompute */
    cfx_routes *routes;        /* ROUTING: to fill when the network changed */
    cfx_plan *plan;            /* ROUTING: to fill (when active), NULL: no plan this step */
    cfx_market_obs *market;    /* MARKET: to fill */
    const double *delivered_t; /* MARKET: today's deliveries of each product, t of oxide */
} cfx_step_ctx;

typedef struct cfx_model_type {
    const char *name;
    cfx_phase phase;
    /* Parameters: how the scenario loader reads the model's section (io/scenario.h). */
    cfx_section_reader params;
    /* State: a zeroed block of state_size bytes per run. */
    size_t state_size;
    int (*init)(void *state, const cfx_world *w, const void *params, cfx_error *err);
    void (*step)(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out);
    void (*free)(void *state);
    /* Checkpoints (io/ckpt.h): saves the state, or loads it into a state that init has
     * just made, as ck says; the same calls do both, so the two cannot drift apart. Called
     * between steps. NULL: the model keeps nothing from one step to the next that the
     * world does not rebuild (routing's table is recomputed from the network on resume). */
    int (*checkpoint)(void *state, cfx_ckpt *ck);
} cfx_model_type;

/* Read access to the world for models. */
const cfx_scenario *cfx_world_scenario(const cfx_world *w);
/* The last day's market prices, USD/kg, n_products (the baseline prices before day 0). */
const double *cfx_world_prices(const cfx_world *w);
/* Concentrate at each node, kg (n_nodes): mine stockpile plus trucks waiting there. */
const int64_t *cfx_world_node_stock_kg(const cfx_world *w);
/* Equipment share of each mine's base output (n_mines, 0..1) and the share of its output
 * halted by order (n_mines, 0..1). */
const double *cfx_world_mine_capacity(const cfx_world *w);
const double *cfx_world_mine_halt_share(const cfx_world *w);
/* Each mine's output in normal conditions by calendar month, t/day (n_mines x 12, January
 * first): its base output until a model says otherwise (CFX_CMD_OUTLOOK; the production
 * model tells its seasons). What the market expects of the network in normal times. */
const double *cfx_world_mine_outlook(const cfx_world *w);
/* Partial closures: gate v is closed to cargo of key k (its origin group and kind,
 * cfx_close_key) where the entry cfx_closed_index(s, v, k) is 1. */
const uint8_t *cfx_world_closed_to(const cfx_world *w);
/* Each group's levies now (n_groups x CFX_NLEVIES: a rate in USD/t, and a share of the
 * cargo's value), checkpoint tax (USD/t) and seizure chance per node: what routing weighs. */
const double *cfx_world_levy_usd_per_t(const cfx_world *w);
const double *cfx_world_levy_share(const cfx_world *w);
const double *cfx_world_node_tax(const cfx_world *w);
const double *cfx_world_node_seize_p(const cfx_world *w);
const uint8_t *cfx_world_node_status(const cfx_world *w);  /* n_nodes cfx_status */
const uint8_t *cfx_world_edge_open(const cfx_world *w);    /* n_edges 0/1 */
const int32_t *cfx_world_controller(const cfx_world *w);   /* n_nodes group index */
const struct cfx_network *cfx_world_network(const cfx_world *w);

#endif
