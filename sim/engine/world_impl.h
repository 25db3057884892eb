/* The engine's own view of the world (engine-private: only the engine sources and its
 * tests include it): the world's state, the shipment pool, the arrival calendar, the
 * per-thread lanes of the shipment phase, and what the engine's files share. Everything
 * above the engine sees a world through engine/world.h alone. */
#ifndef CFX_WORLD_IMPL_H
#define CFX_WORLD_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/grow.h"
#include "core/network.h"
#include "engine/world.h"

/* Shipment states. */
enum { CFX_SHIP_FREE, CFX_SHIP_MOVING, CFX_SHIP_WAITING, CFX_SHIP_QUEUED };
/* Why a shipment that is not moving waits (cfx_ship.why). */
enum {
    CFX_WHY_NONE,     /* due to move (just loaded, or its turn came) */
    CFX_WHY_CAPACITY, /* no capacity left today on its path (the `queued` series) */
    CFX_WHY_HELD,     /* every way out is worth less than waiting (shippers who wait) */
    CFX_WHY_ROUTE     /* no open route to a market that buys its cargo */
};

/* What a hop reads and writes of one shipment, in one 32-byte struct: the pool's array of
 * them is 64-byte aligned, so a shipment's hot fields sit in one cache line (a hop touches
 * one line of the pool instead of one per array). */
typedef struct cfx_ship {
    double t_h;        /* hours since start: arrival at node, or when it started waiting */
    int32_t node;      /* node it is at, or will reach at t_h */
    int32_t arc;       /* arc it is on (MOVING) or came by, -1 before the first hop */
    int32_t kg;        /* cargo, kg of concentrate */
    int32_t mine;      /* mine of origin (index into the mines table) */
    int32_t origin_group; /* controller of the mine when the cargo was mined */
    uint16_t hops;     /* arcs travelled so far */
    uint8_t state;     /* CFX_SHIP_* */
    uint8_t why;       /* CFX_WHY_*: why it waits (not MOVING) */
} cfx_ship;
_Static_assert(sizeof(cfx_ship) == 32, "a shipment's hot fields fill half a cache line");

/* The shipment pool with a free list; slots are reused, never freed. The hot fields are an
 * array of cfx_ship; what only random draws and the capacity plan read stays in arrays of
 * its own. */
typedef struct cfx_ships {
    size_t cap;        /* slots allocated; arrays grow by doubling (pointers invalidated) */
    size_t n_active;   /* slots in use */
    cfx_ship *s;       /* cap shipments, 64-byte aligned */
    /* serial, path, free_list and path_pos: one block, from serial (cfx_ships__grow) */
    uint64_t *serial;  /* creation number: keys its random numbers, unique over the run */
    int32_t *path;     /* capacity plan: the path it follows (cfx_plan), -1: none */
    uint16_t *path_pos; /* the index in its path of the next arc to take */
    int32_t *free_list; /* cap - n_active free slot ids, used as a stack */
    size_t n_free;
    uint64_t next_serial;
} cfx_ships;

/* One bucket per step in a ring: the shipments due at a node during that step, in the
 * fixed order they were filed. */
typedef struct cfx_bucket {
    int32_t *ids;
    size_t n, cap;
} cfx_bucket;

typedef struct cfx_calendar {
    size_t n;            /* buckets, a power of two */
    cfx_bucket *b;
    int32_t *far;        /* shipments due beyond the ring, in filing order */
    size_t n_far, far_cap;
} cfx_calendar;

/* A calendar filing made in the parallel part of a round: the shipment and its step. */
typedef struct cfx_filing {
    int32_t id;
    int32_t step;
} cfx_filing;

/* Per-thread scratch of the shipment phase: what the thread's share of a round does to the
 * lists whose order matters (freed slots, waiting shipments, calendar filings), kept in
 * shipment order and joined in thread order afterwards, so the result is the one-thread
 * order; and its integer totals, which are exact in any order. */
typedef struct cfx_lane {
    int32_t *freed;
    size_t n_freed, cap_freed;
    int32_t *waiting;
    size_t n_waiting, cap_waiting;
    cfx_filing *filed;    /* shipments to file in the calendar */
    size_t n_filed, cap_filed;
    int64_t in_transit_kg, arrived_kg, seized_kg, lost_kg;
    uint64_t hop_events;
    size_t retired;       /* slots freed */
    int failed;           /* out of memory */
    /* With more than one thread: the lane's own share of the flows every move adds to
     * (kg), folded into the world's by fold_lanes (integer sums, exact in any order).
     * Shared counters at the few nodes all trucks pass made two threads slower than one. */
    int64_t *through_kg, *delivered_at_kg; /* n_nodes */
    int64_t *levy_node_kg;              /* n_nodes x n_cargo */
    int64_t *edge_kg;                   /* n_edges */
    int64_t *delivered_mine_kg;         /* n_mines */
    int64_t *by_group_kg;               /* n_groups */
    int64_t *levy_export_kg;            /* n_groups x n_cargo */
    int64_t *seized_node_kg;            /* n_nodes x n_cargo, by where it was seized */
    int64_t *seized_from_kg;            /* n_groups x n_cargo, by the cargo's group */
    /* Lanes sit side by side in one array and each is written at every move: the padding
     * keeps two threads' lanes off the same cache lines (false sharing made two threads
     * slower than one). */
    char pad[128];
} cfx_lane;

/* The routing table as a hop reads it, laid out for the gather of one entry per hop
 * (cfx_world__hop_view fills it after every routing phase): for each commodity and node,
 * the table's arc and what the table says of the node, in one 8-byte entry instead of
 * three arrays and a comparison; and each arc's hours, end and road in one 16-byte entry. */
enum {
    CFX_GO_MOVE, /* a route, and no reason to hold the cargo back */
    CFX_GO_NONE, /* no route (cost not finite) */
    CFX_GO_HOLD  /* excess above what waiting costs: a shipper holds it */
};
typedef struct cfx_go {
    int32_t arc;  /* routes.next_arc */
    int32_t what; /* CFX_GO_* */
} cfx_go;
typedef struct cfx_arc_go {
    double hours; /* routes.arc_hours */
    int32_t to;   /* net->arc_to */
    int32_t edge; /* net->arc_edge */
} cfx_arc_go;

/* Result of the parallel phase for one due shipment (written only by its own iteration). */
typedef struct cfx_hop {
    int32_t arc;   /* arc to take, -1: none */
    int32_t step;  /* MOVE: the step of the arrival, for the calendar */
    double t_arr;  /* arrival time at the arc's end, hours */
    int8_t action; /* CFX_HOP_* */
} cfx_hop;
/* DEFER: the move's node or road is full today, or (plan) no path has room left today; set
 * by the serial capacity pass, not by planning. HOLD: a shipper who waits. */
enum {
    CFX_HOP_DELIVER,
    CFX_HOP_MOVE,
    CFX_HOP_WAIT,
    CFX_HOP_LOSE,
    CFX_HOP_SEIZE,
    CFX_HOP_DEFER,
    CFX_HOP_HOLD
};

struct cfx_world {
    const cfx_scenario *s;
    const cfx_network *net; /* the scenario's (s->net), or net_own */
    cfx_network *net_own;   /* built here when the scenario has none */
    int threads;
    size_t parallel_min;   /* fewer due shipments than this run on one thread */
    long steps_per_day;

    uint8_t *node_status;  /* n_nodes cfx_status */
    uint8_t *edge_open;    /* n_edges */
    int32_t *controller;   /* n_nodes */
    int network_changed;

    /* What conflict events set (commands), read by the engine and by routing. */
    double *levy_usd_per_t;     /* n_groups x CFX_NLEVIES: each group's levies, USD/t ... */
    double *levy_share;         /* ... plus a share of the cargo's value */
    double *node_tax_usd_per_t; /* n_nodes: checkpoint tax on cargo leaving the node */
    double *node_seize_p;       /* n_nodes: chance a truck leaving the node is seized */
    double *node_strike_start_h, *node_strike_end_h, *node_strike_p; /* n_nodes */
    double *edge_strike_start_h, *edge_strike_end_h, *edge_strike_p; /* n_edges */
    double strike_until_h; /* latest end of any strike so far: no strike holds after it */
    double *mine_capacity;      /* n_mines: equipment share of base output, 0..1 */
    double *mine_halt_share;    /* n_mines: share of output halted by order, 0..1 */
    double *mine_outlook;       /* n_mines x 12: output in normal conditions by month, t/day */
    uint8_t *closed_to;         /* n_nodes * n_groups * n_cargo: gate closed to the cargo of
                                   that origin group and kind */
    long n_closed_to;           /* entries of closed_to set */

    cfx_routes routes;
    cfx_go *go;            /* n_comm x n_nodes: routes as a hop reads them (cfx_go) */
    cfx_arc_go *arc_go;    /* n_arcs */
    cfx_plan plan;             /* the capacity plan (active when some capacity can bind) */
    int64_t truck_kg;          /* every shipment's load */
    double *cargo_grade;       /* n_cargo x n_products: a cargo kind's mean grades over its
                                  mines, for its value at the day's prices */
    cfx_market_obs market;
    double *delivered_today_t; /* n_products, t of oxide */

    cfx_ships ships;
    cfx_calendar cal;
    int32_t *waiting;      /* shipments with no route, in the order they stopped */
    size_t n_waiting, cap_waiting;
    cfx_hop *hops;         /* scratch for the parallel phase */
    size_t cap_hops;
    /* one per thread; with more than one, a second set (lanes[threads + t], sharing thread
     * t's flows) for the next slice of a round while the first is joined (process_round) */
    cfx_lane *lanes;
    int has_capacity;      /* some node or road has (or may get) a daily capacity */
    gsl_rng **rngs;        /* one generator object per thread; draws are keyed, so the
                              thread that makes a draw never changes its value */

    /* cargo, kg */
    double *mine_frac_kg;  /* n_mines: production not yet a whole kg */
    int64_t *stock_kg;     /* n_nodes: at the node (mine stockpile + waiting + queued) */
    int64_t *mine_pile_kg; /* n_mines: stockpile not yet loaded on a truck */
    int64_t *queued_kg;    /* n_nodes: of stock_kg, what waits for capacity (CFX_WHY_CAPACITY) */
    int64_t *mine_made_kg; /* n_mines: produced today ... */
    int64_t *mine_made_prev_kg; /* ... and on the last whole day (the plan's expectation) */
    int64_t produced_kg, arrived_kg, in_transit_kg, seized_kg, lost_kg;
    /* today's flows, kg or USD */
    int64_t *through_kg;   /* n_nodes */
    int64_t *delivered_at_kg; /* n_nodes: delivered there today (markets only) */
    int64_t *edge_kg;      /* n_edges */
    int64_t *edge_used_kg; /* n_edges: capacity used today */
    int64_t *node_used_kg; /* n_nodes: cargo that left the node today, against its capacity */
    int64_t *node_cap_kg, *edge_cap_kg; /* daily capacities now, kg; INT64_MAX: none */
    int64_t *node_carry_kg, *edge_carry_kg; /* a capacity below one truckload banks what it
                                               did not pass, up to a truckload (capacity.c) */
    int64_t *by_group_kg;  /* n_groups */
    int64_t *delivered_mine_kg; /* n_mines: delivered today, by mine of origin */
    double *revenue_usd;   /* n_groups */
    double *levy_usd;      /* 2 x n_nodes: book_levies' scratch, each node's levies and seized value */
    /* Cargo that paid a levy since the levies were last booked (book_levies): by node left,
     * and by origin group at gates for the export levy, each by cargo kind (a levy on value
     * depends on the kind). Booked at the end of each day and before any change of who holds
     * a node or what it charges. */
    int64_t *levy_node_kg;   /* n_nodes x n_cargo */
    int64_t *levy_export_kg; /* n_groups x n_cargo */
    /* Cargo seized since the last booking, by the node it was taken at (its holder gains)
     * and by the group whose cargo it was (which loses it), kg */
    int64_t *seized_node_kg; /* n_nodes x n_cargo */
    int64_t *seized_from_kg; /* n_groups x n_cargo */
    double *seizure_gain_usd; /* n_groups, today: seized cargo the group took, as it sells */
    double *seizure_loss_usd; /* n_groups, today: the group's cargo others took, at value */

    /* models and their state */
    const cfx_model_type *const *models;
    void **model_state;
    cfx_cmdbuf cmds;

    cfx_event_rec *events;   /* every event applied so far */
    size_t n_events, cap_events;

    cfx_obs obs;             /* its node and road arrays may be the output's (observe_into) */
    cfx_obs obs_own;         /* the arrays the world allocated, which it frees */
    uint64_t hop_events;     /* shipment arrivals at nodes */
    uint64_t shipment_days;  /* sum over days of shipments alive at the day's end */
    long step;               /* next step to run */
};

/* ---- ships.c: the pool and the calendar ---- */

/* Grows the pool to at least need slots (doubling from 1024; pointers invalidated). */
int cfx_ships__grow(cfx_ships *sh, size_t need);
void cfx_ships__free(cfx_ships *sh);
/* The calendar's ring: at least n buckets, a power of two. */
size_t cfx_cal__ring_size(size_t n);
/* The step containing time t_h (hours since start, never negative: the conversion then
 * truncates as floor would, without a libm call on the hottest path). */
static inline long cfx_step_of(const cfx_world *w, double t_h)
{
    return (long)(t_h / w->s->step_hours);
}
/* Files shipment id to be processed at the step containing t_h (or step st), never before
 * now. A step beyond the ring goes to the far list, looked at each time the ring turns. */
int cfx_cal__file(cfx_world *w, int32_t id, double t_h);
int cfx_cal__file_slow(cfx_world *w, int32_t id, long st); /* a bucket to grow, or far */
static inline int cfx_cal__file_step(cfx_world *w, int32_t id, long st)
{
    if (st < w->step)
        st = w->step;
    if ((size_t)(st - w->step) < w->cal.n) { /* within the ring, with room in the bucket */
        cfx_bucket *b = &w->cal.b[(size_t)st & (w->cal.n - 1)];
        if (b->n < b->cap) {
            b->ids[b->n++] = id;
            return 0;
        }
    }
    return cfx_cal__file_slow(w, id, st);
}
/* At the start of each turn of the ring, the far list's shipments now within reach move
 * into their buckets, in the order they were filed. */
int cfx_cal__turn(cfx_world *w);

/* Nodes and roads at least this many parallel_min (65,536 by default): the day's work on
 * every node and road (the lanes folded, the levies, the capacities banked, the counters
 * reset, the observation) is shared out over the threads; on fewer, one thread is quicker
 * than waking the others (an assumption, not tuned: W2's 399,585 nodes and roads gain, the
 * Kachin scenario's 78 would not). Each piece is elementwise or a sum of integers, so the
 * result is the same on any number of threads. */
#define CFX_WIDE_FACTOR 64
static inline int cfx_world__wide(const cfx_world *w)
{
    return w->threads > 1 && w->s->n_nodes + w->s->n_edges >= CFX_WIDE_FACTOR * w->parallel_min;
}

/* Calls `call` (a function whose OpenMP loops and barriers bind to whatever region it runs
 * in, or to none) on the world's threads where cfx_world__wide says it pays, else straight
 * on the calling thread. Not `omp parallel if (0)`: for that libgomp still makes a team of
 * one, and each barrier of it, the region's end included, wakes the team with a system call
 * (about 2,200 a Kachin year, a tenth of a one-thread sweep member's time on a VM whose
 * system calls are slow). The same code runs either way, so the results are the same. */
#define CFX_WORLD_TEAM(w, call)                                                              \
    do {                                                                                     \
        if (cfx_world__wide(w)) {                                                            \
            int cfx_team_threads_ = (w)->threads;                                            \
            _Pragma("omp parallel num_threads(cfx_team_threads_)") call;                     \
        } else {                                                                             \
            call;                                                                            \
        }                                                                                    \
    } while (0)

/* Lanes in w->lanes: one per thread, twice that with more than one thread. */
static inline size_t cfx_world__n_lanes(const cfx_world *w)
{
    return (size_t)w->threads * (w->threads > 1 ? 2 : 1);
}

/* ---- commands.c ---- */

/* Applies the commands the models wrote, in buffer order, and empties the buffer. */
int cfx_world__apply_cmds(cfx_world *w);
/* Turns the cargo that paid levies since the last booking into revenue (folding the lanes
 * first, so the day's flows are complete). */
void cfx_world__book_levies(cfx_world *w);

/* ---- capacity.c: daily capacities in whole truckloads ---- */

/* What may still leave node v (for cargo kind c) or go along road e today, kg; INT64_MAX:
 * no limit. A node's capacity binds only the cargo of its capacity_products. */
int64_t cfx_world__node_left(const cfx_world *w, int32_t v, size_t cargo);
int64_t cfx_world__edge_left(const cfx_world *w, int32_t e);
/* At the start of a day: what a capacity below one truckload did not pass is banked. Shared
 * out over the team when called in a parallel region. */
void cfx_world__bank_capacity(cfx_world *w);

/* ---- shipments.c ---- */

/* What a tonne of cargo kind c is worth at the day's prices, USD/t. */
static inline double cfx_world__cargo_value(const cfx_world *w, size_t c)
{
    double v = 0;
    for (size_t p = 0; p < w->s->n_products; p++)
        v += w->cargo_grade[c * w->s->n_products + p] * w->obs.price[p] * 1000.0;
    return v;
}

/* A capacity in t/day as whole kg per day; INFINITY (no limit) becomes INT64_MAX. */
int64_t cfx_world__cap_kg(double cap_t);
/* Loads whole truckloads from each mine's stockpile; they leave this step. */
int cfx_world__dispatch(cfx_world *w, double now_h);
/* Processes the current step's bucket until nothing more is due in it. */
int cfx_world__process_due(cfx_world *w, long day);
/* After a network change, everything waiting for a route tries again now. */
int cfx_world__requeue_waiting(cfx_world *w);
/* After a routing phase: the routing table as a hop reads it (go, arc_go). */
void cfx_world__hop_view(cfx_world *w);

/* ---- plan.c: the engine's side of the capacity plan ---- */

/* Before the routing model plans: drops the paths no truck follows (renumbering the rest
 * in the ships), and fills the plan's inputs (supply and room, in truckloads). */
int cfx_world__plan_inputs(cfx_world *w);
/* Lets go of shipment id's path (it arrived, was lost, or its path became impassable). */
void cfx_world__leave_path(cfx_world *w, int32_t id);

#endif
