/* A scenario as loaded from its YAML file and CSV tables (DESIGN §3): checked, with every
 * value in engine units, and the texts of every file read kept for provenance. */
#ifndef CFX_SCENARIO_H
#define CFX_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "io/conf.h"
#include "core/error.h"

/* Node kinds (the `kind` column). */
typedef enum {
    CFX_NODE_MINE,
    CFX_NODE_TOWN,
    CFX_NODE_JUNCTION,
    CFX_NODE_GATE,
    CFX_NODE_MARKET,
    CFX_NODE_BASE,
    CFX_NODE_NKINDS
} cfx_node_kind;
extern const char *const cfx_node_kind_names[CFX_NODE_NKINDS];

/* Node status (the `node_status` flag variable). */
typedef enum {
    CFX_STATUS_OPEN,
    CFX_STATUS_CONTESTED,
    CFX_STATUS_CUT,
    CFX_STATUS_DESTROYED,
    CFX_STATUS_CLOSED,
    CFX_STATUS_N
} cfx_status;
extern const char *const cfx_status_names[CFX_STATUS_N];

/* Event kinds: the `kind` column of the events table (the first CFX_EV_NSCRIPTED), and what
 * the conflict model records (`event_kind` flags, all of them). Append only: the values are
 * the flag values of result files already written. */
typedef enum {
    CFX_EV_CUT,
    CFX_EV_REOPEN,
    CFX_EV_CLOSE,
    CFX_EV_CONTEST,
    CFX_EV_CAPTURE,
    CFX_EV_DESTROY,
    CFX_EV_ATTACK,
    CFX_EV_STRIKE,
    CFX_EV_TOLL,
    CFX_EV_CHECKPOINT,
    CFX_EV_HALT,
    /* recorded only, by the stochastic offensive: */
    CFX_EV_REPULSE,       /* a fight ended with the attacker beaten off */
    CFX_EV_COUNTERATTACK, /* a group attacks a node it lost */
    /* scripted again (appended: the values above are those of files already written): */
    CFX_EV_CAPACITY,    /* a node's or a road's daily capacity changes */
    CFX_EV_EXPORT_LEVY, /* a group's levy on its own cargo crossing any gate changes */
    CFX_EV_MINE_TAX,    /* a group's tax on what is mined where it holds the mine changes */
    CFX_EV_NEWS,        /* buyers learn of a loss of the network's supply to come (a ban
                           announced, a closure foretold): the market's expectations */
    CFX_EV_NKINDS
} cfx_event_kind;
/* The output writes event_kind as uint8 flags with at most 32 values (run/output.c). */
_Static_assert(CFX_EV_NKINDS <= 32, "event_kind flags are limited to 32 values");
extern const char *const cfx_event_kind_names[CFX_EV_NKINDS];
/* 1 when kind k may be written in an events table (the others are only recorded). */
static inline int cfx_event_scripted(int k)
{
    return k >= 0 && k < CFX_EV_NKINDS && k != CFX_EV_REPULSE && k != CFX_EV_COUNTERATTACK;
}

/* The levies a group charges. */
typedef enum {
    CFX_LEVY_TOLL,   /* on cargo leaving a gate the group holds */
    CFX_LEVY_EXPORT, /* on its own mines' cargo crossing any gate */
    CFX_LEVY_MINE,   /* on cargo mined where it holds the mine */
    CFX_NLEVIES
} cfx_levy;
/* The groups.<g> keys of each levy: KEY_usd_per_t (a rate) and KEY_share (of the cargo's
 * value at the day's prices); toll, export_levy, mine_tax. */
extern const char *const cfx_levy_names[CFX_NLEVIES];

#define CFX_MAX_PRODUCTS 8

typedef struct cfx_road_class {
    char *name;
    double speed_kmh; /* average loaded-truck speed, km/h */
} cfx_road_class;

typedef struct cfx_group {
    char *name;
    /* Each levy (cfx_levy) as a rate, USD/t of cargo, plus a share of the cargo's value at
     * the day's prices (an ad valorem tax: the KIA's 20 % on mines) */
    double levy_usd_per_t[CFX_NLEVIES];
    double levy_share[CFX_NLEVIES];
    double hostile_seize_p;       /* chance it seizes another group's truck leaving a node
                                     it holds */
    double seized_value_share;    /* of seized cargo's value at the day's prices, what the
                                     group realises selling it on */
    /* Product sets, bit p for product p; all bits (the default) is every cargo. A cargo is
     * in the set when it carries any product of it. */
    uint32_t hostile_seize_products; /* the cargo hostile_seize_p applies to */
    uint32_t export_levy_products;   /* the cargo the export levy applies to */
} cfx_group;

/* What every part of a run needs to know of a product; the market model reads the rest of
 * its section (market.products.<name>) itself. */
typedef struct cfx_product {
    char *name;              /* e.g. "Dy2O3"; mines carry a grade_<name> column */
    double price_usd_per_kg; /* baseline price P0 */
    double demand_t_per_day; /* demand at P0, t/day of oxide */
} cfx_product;

/* One scripted event, as read from the events table. */
typedef struct cfx_event_spec {
    double day; /* days after start */
    cfx_event_kind kind;
    int32_t node;   /* target node index, or -1 (toll: -1) */
    int32_t edge;   /* target edge index, or -1 */
    int32_t mine;   /* halt, destroy of a mine: its row in the mines table; else -1 */
    double days;    /* duration before it is reversed; 0 = until reversed */
    int32_t group;  /* capture: new controller; toll, export_levy, mine_tax: the group whose
                       levy changes; close: closed only to this group's cargo; else -1 */
    int32_t by;     /* the group that acts (the `by` column; a capture's is its group);
                       -1: not stated */
    double value;   /* destroy of a mine: share of its equipment destroyed, 0..1;
                       strike: chance a truck there is lost, 0..1;
                       toll, export_levy, mine_tax: the new rate, USD/t;
                       checkpoint: tax, USD/t; halt: share of the mine's output stopped;
                       capacity: the new capacity, t/day (INFINITY: no limit);
                       news: the share of the network's supply expected lost, 0..1 */
    double share;   /* toll, export_levy, mine_tax: the new share of the cargo's value */
    double seize_p; /* checkpoint: chance a truck leaving the node is seized, 0..1 */
    uint32_t products; /* close: closed only to cargo carrying one of these products (bit p);
                          news: the products whose supply it concerns; UINT32_MAX: every
                          cargo (every product) */
    double notice_days; /* news: days from `day` (when buyers learn it) until the loss of
                           `value` of the network's supply starts; it lasts `days` */
} cfx_event_spec;

/* A file read while loading, kept so a result file alone reproduces its run. */
/* Longest chain of scenarios extending one another (a loop is reported when it is hit). */
#define CFX_MAX_EXTENDS 8

/* How one model's section of the scenario is read (engine/model.h: each model has one). The
 * loader gives each reader a zeroed block of size bytes and, after the tables are loaded,
 * calls configure with the mapping under key `section` (NULL when the scenario has none).
 * configure reads it with the cfx_conf_get_* helpers (so unknown keys are reported) and adds
 * every problem to d with its position. free releases what configure allocated. */
typedef struct cfx_section_reader {
    const char *section;
    size_t size;
    void (*configure)(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d);
    void (*free)(void *params);
} cfx_section_reader;

typedef struct cfx_source {
    char *key;  /* "scenario", "scenario_base" (the file it extends), "scenario_base2"
                 * (the one that extends), ..., "network.nodes", "network.edges", "mines",
                 * "events" */
    char *path; /* as resolved */
    char *text; /* the bytes read */
    size_t len;
} cfx_source;

struct cfx_scenario {
    char *path; /* the YAML file */
    char *name;
    char *description;
    int start_y, start_m, start_d; /* ISO start date */
    long days;                     /* run length, days */
    double step_hours;             /* clock step, hours; divides 24 */
    uint64_t seed;

    /* nodes: n_nodes each */
    size_t n_nodes;
    char **node_id, **node_name;
    uint8_t *node_kind;  /* cfx_node_kind */
    double *lat, *lon;   /* degrees */
    int32_t *controller; /* initial controller, index into groups */
    double *node_capacity_t_per_day; /* cargo that may leave the node a day; INFINITY: no limit */
    uint32_t *node_capacity_products; /* the cargo that capacity applies to (a cargo carrying
                                         any of these products; all bits: every cargo) */
    uint32_t *node_buys; /* markets: bit p set when it buys product p (all bits by default) */

    /* edges: n_edges each, as in the table (a two-way road is one edge) */
    size_t n_edges;
    int32_t *edge_from, *edge_to;    /* node indices */
    double *edge_km;                 /* road length, km */
    int32_t *edge_road;              /* index into roads */
    double *edge_capacity_t_per_day; /* INFINITY when unlimited */
    uint8_t *edge_oneway;
    /* the network the loader built to check that every mine reaches a market, kept for the
     * worlds made from the scenario (read only; NULL when the check did not run) */
    struct cfx_network *net;

    size_t n_roads;
    cfx_road_class *roads;
    size_t n_groups;
    cfx_group *groups;

    /* mines: n_mines each */
    size_t n_mines;
    int32_t *mine_node; /* node index */
    double *mine_output_t_per_day;
    double *mine_grade; /* n_mines * n_products mass fractions, row per mine */
    /* Cargo kinds: the distinct sets of products the mines' cargo carries (grade > 0), in
     * the order the mines first show them. A kind is delivered only at a market that buys
     * every product in its set, and routed to those markets. */
    int32_t *mine_cargo;      /* n_mines: index into cargo_products */
    uint32_t *cargo_products; /* n_cargo: bit p set when the cargo carries product p */
    size_t n_cargo;

    size_t n_products;
    cfx_product products[CFX_MAX_PRODUCTS];

    size_t n_events;
    cfx_event_spec *events; /* sorted by day, table order kept for equal days */

    double truck_t;                /* tonnes per truckload */
    double contested_speed_factor; /* (0, 1] */
    double contested_loss_p;       /* chance a truck is lost reaching a contested node */
    long initial_shipments;        /* truckloads at the mines at day 0 (round robin) */
    double gate_clearance_hours;   /* mean, exponential; 0 = none */
    long chunk_days;               /* output rows per chunk */

    size_t n_sources;
    cfx_source sources[4 + 1 + CFX_MAX_EXTENDS];

    int32_t *node_hash;   /* open-addressing table of node indices by id, -1: empty */
    size_t node_hash_mask; /* table size - 1 */

    /* One parameter block per section reader the scenario was read with, in that order:
     * readers[i] made model_params[i] (and frees it). */
    size_t n_models;
    const cfx_section_reader **readers;
    void **model_params;
};

/* Reads path and the tables it names, applying overrides first, and each model's section
 * with readers (NULL-terminated; run/models.h has the default models' list). Every problem
 * found is added to d (all of them, for `conflux check`); the return is 0 or the most severe
 * code (CFX_ENOENT for a missing file, CFX_EINVAL for bad data, CFX_EUSAGE for a bad --set).
 * A large table's look-ups run on up to threads threads; the result is the same on any. */
int cfx_scenario_read(cfx_scenario **out, const char *path, const cfx_override *ov, size_t n_ov,
                      const cfx_section_reader *const *readers, int threads, cfx_diags *d);

/* Whether market node v buys cargo kind c: it buys every product the cargo carries. */
static inline int cfx_buys(const cfx_scenario *s, size_t v, size_t c)
{
    return (s->node_buys[v] & s->cargo_products[c]) == s->cargo_products[c];
}

/* Whether cargo kind c is in a group's product set (cfx_group). */
static inline int cfx_in_set(const cfx_scenario *s, uint32_t set, size_t c)
{
    return set == UINT32_MAX || (set & s->cargo_products[c]) != 0;
}

/* The scenario's road network (core/network.h), built from its tables (s->net, when the
 * loader kept one, is the same network). */
struct cfx_network;
int cfx_scenario_network(const cfx_scenario *s, struct cfx_network **out, cfx_error *err);

/* Index of a node id, or -1 (hash table). */
long cfx_scenario_node(const cfx_scenario *s, const char *id);

#endif
