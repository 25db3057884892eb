/* Private to models/conflict/: the parameters, state and timers that the conflict model's files
 * share, and the functions one of them calls in another (conflict.c gives the model's outline). */
#ifndef CFX_MODELS_CONFLICT_H
#define CFX_MODELS_CONFLICT_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "engine/model.h"

/* The scenario's 'conflict' section, as params.c reads it; read-only once the run starts. */
typedef struct conflict_params {
    /* conflict.offensive */
    int offensive;                    /* the section is present */
    double attack_rate;               /* attacks per day per attacking group (Poisson) */
    double priority[CFX_NODE_NKINDS]; /* weight of a frontier node by kind; 0: never */
    double fight_days_median;         /* lognormal fight duration: median, days */
    double fight_days_sigma;          /* and sigma of its logarithm */
    double capture_a, capture_b;      /* P(capture) = logistic(a + b ln(S_att / S_def)) */
    double counter_rate;              /* per day per lost node: the loser attacks it again */
    size_t n_forces;
    int32_t *force_node, *force_group; /* n_forces: the base and the group holding it */
    double *force_strength;            /* n_forces, relative units */
    double *defender_strength;         /* n_groups, relative units; default 1 */
    uint8_t *attackable;               /* n_groups: its nodes may be attacked */
    /* conflict.strikes */
    int strikes;
    double road_rate, mine_rate; /* strikes per day per road, per mine */
    double loss_p;               /* chance a truck there is lost while the strike lasts */
    double cut_days;             /* a strike cuts the road or the mine for this long, days */
    double mine_damage;          /* share of a struck mine's equipment destroyed */
    uint8_t *strikable;          /* n_groups: roads and mines it holds may be struck */
    /* conflict.closures */
    int closures;
    double hops;               /* fighting within this many roads of a gate triggers */
    double daily_p;            /* chance a day that China closes such a gate */
    double days_min, days_max; /* closure length, days: uniform, or lognormal 5-95 % */
    int32_t closer;            /* the group that closes them (closures.by), -1: not stated */
    int lognormal;
} conflict_params;

/* What a timer undoes or ends when it falls due. */
enum {
    T_NODE,        /* scripted node status back to open */
    T_EDGE,        /* scripted road cut: reopened */
    T_CTL,         /* scripted capture: the previous controller back */
    T_LEVY,        /* a group's levy back to rate x, share x2 (index: g * CFX_NLEVIES + l) */
    T_CHECKPOINT,  /* a node's checkpoint back to tax x, seizure chance x2 */
    T_HALT,        /* a mine's halt back to share x (index: mine) */
    T_NODE_STRIKE, /* a strike's cut of a node ends */
    T_EDGE_STRIKE, /* a strike's cut of a road ends */
    T_FIGHT,       /* a fight ends in capture or repulse */
    T_CLOSURE,     /* China reopens a gate */
    T_CLOSE_TO,    /* a gate's closure to some cargo ends (index: node * nk + key) */
    T_CAPACITY,    /* a capacity back to x t/day (index: node, or n + road) */
    T_NKINDS
};

typedef struct conflict_timer {
    double t_h;    /* when, hours since start */
    int32_t kind;  /* T_* */
    int32_t index; /* node, edge, group or mine */
    int32_t group; /* T_CTL: the controller to restore; T_CLOSE_TO: 1 to log the reopening;
                      T_CAPACITY: the group that acted */
    uint32_t gen;  /* the target's generation when scheduled; stale if it changed since */
    double x, x2;  /* T_LEVY, T_CHECKPOINT, T_HALT, T_CAPACITY: the values to restore */
} conflict_timer;

/* Purposes of random draws: the high bits of the generator's agent key, so that two
 * purposes never share a number (rng.h: agent < 2^48). */
enum { P_ATTACK = 1, P_FIGHT, P_COUNTER, P_ROAD_STRIKE, P_MINE_STRIKE, P_CLOSURE };
#define AGENT(purpose, index) (((uint64_t)(purpose) << 40) | (uint64_t)(index))

/* One run's state. init (state.c) sizes every array from the scenario once; only the timer
 * list grows, and growth moves it (timers.c). */
typedef struct conflict {
    const conflict_params *p;
    const cfx_scenario *s;
    size_t n, m, ng; /* nodes, edges, groups */
    size_t nk;       /* keys of a partial closure: origin group g and cargo kind k as
                        g * n_cargo + k (model.h, CFX_CMD_CLOSE_TO) */
    long steps_per_day;
    size_t next;        /* next scripted event to apply */
    conflict_timer *tm; /* pending timers, in the order scheduled (few) */
    size_t n_tm, cap_tm;
    uint32_t *gen[T_NKINDS]; /* per target: bumped by each event on it */

    /* layers (see conflict.c) */
    uint8_t *script;         /* n: status set by scripted events */
    uint8_t *struck;         /* n: cut by a strike */
    uint8_t *closed;         /* n: closed by China */
    uint8_t *closed_to;      /* n * nk: closed to some cargo (a scripted close with a group
                                or products) */
    int32_t *fight;          /* n: attacking group of the fight there, -1: none */
    uint8_t *fight_capture;  /* n: the fight's outcome, drawn when it starts */
    uint8_t *sent;           /* n: status as last commanded */
    uint8_t *escript;        /* m: road open by the scripted events */
    uint8_t *estruck;        /* m: road cut by a strike */
    uint8_t *esent;          /* m: open as last commanded */
    int32_t *dirty, *edirty; /* nodes, roads whose layers changed this step */
    size_t n_dirty, n_edirty;
    uint8_t *is_dirty, *is_edirty;

    /* what the commands set, as this model last set it (it is their only writer) */
    int32_t *ctl;        /* n: controller */
    int32_t *lost_by;    /* n: who last lost the node in a fight, -1: nobody */
    double *levy_usd;    /* ng x CFX_NLEVIES: each group's levies, USD/t ... */
    double *levy_share;  /* ... and shares of the cargo's value */
    double *tax, *seize; /* n: checkpoint tax USD/t and seizure chance */
    double *halt;        /* n_mines: share of output halted by order */
    double *cap_t;       /* n + m: capacity of each node, then each road, t/day */
    double *cap;         /* n_mines: equipment share as set this step ... */
    long *cap_step;      /* n_mines: ... in this step (else the world's value holds) */

    /* the offensive */
    uint8_t *has_force;     /* ng */
    uint8_t *base;          /* ng * n: node is a base of the group */
    double *att_strength;   /* ng * n: strength the group brings to a fight at the node */
    size_t *adj_off;        /* n + 1: roads at each node (both directions, any road) */
    int32_t *adj_node;      /* 2 m: the node at the other end */
    int32_t *queue, *depth; /* n: breadth-first search */
    int32_t *src;           /* n: its sources */
    uint32_t *mark;         /* n: == stamp when visited or chosen */
    uint32_t stamp;
    gsl_rng *rng;
} conflict;

/* params.c: the scenario's 'conflict' section. */
void cfx_conflict__configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d);
void cfx_conflict__params_free(void *params);

/* state.c: the state, its layers and the commands that publish them. */
int cfx_conflict__init(void *state, const cfx_world *w, const void *params, cfx_error *err);
void cfx_conflict__free(void *state);
void cfx_conflict__key(conflict *c, int purpose, uint64_t index, long day);
void cfx_conflict__bfs(conflict *c, const int32_t *src, size_t n_src, int32_t max_depth);
void cfx_conflict__touch(conflict *c, int32_t v);
void cfx_conflict__touch_edge(conflict *c, int32_t e);
uint8_t cfx_conflict__status_of(const conflict *c, int32_t v);
int cfx_conflict__edge_open(const conflict *c, int32_t e);
void cfx_conflict__flush(conflict *c, cfx_cmdbuf *out);
void cfx_conflict__emit(cfx_cmdbuf *out, int32_t kind, int32_t a, int32_t b, int32_t y, double x,
                        double x2);
/* Records event kind on node or edge (-1: none), lasting days, done by group (-1: none). */
void cfx_conflict__log_event(cfx_cmdbuf *out, int32_t kind, int32_t node, int32_t edge,
                             double days, int32_t group);
void cfx_conflict__set_controller(conflict *c, int32_t v, int32_t g, cfx_cmdbuf *out);

/* timers.c: the ends of events, scheduled and fired. */
int cfx_conflict__schedule(conflict *c, double t_h, int32_t kind, int32_t index, int32_t group,
                           double x, double x2, cfx_cmdbuf *out);
void cfx_conflict__run_timers(conflict *c, double end_h, cfx_cmdbuf *out);

/* scripted.c: the scenario's events table. */
void cfx_conflict__apply_events(conflict *c, const cfx_world *w, long step, double t_h,
                                double end_h, cfx_cmdbuf *out);

/* offensive.c: fights, counter-attacks and China's closures near them. */
int cfx_conflict__init_strengths(conflict *c);
void cfx_conflict__attacks(conflict *c, long day, double t_h, cfx_cmdbuf *out);
void cfx_conflict__counters(conflict *c, long day, double t_h, cfx_cmdbuf *out);
void cfx_conflict__end_fight(conflict *c, int32_t v, cfx_cmdbuf *out);
void cfx_conflict__closures(conflict *c, long day, double t_h, cfx_cmdbuf *out);

/* strikes.c: air and drone strikes, scripted or drawn, and the damage they do. */
/* A strike on node v or road e (the other -1), by group `by` (-1: not known). */
void cfx_conflict__strike(conflict *c, double t_h, int32_t v, int32_t e, double p, double days,
                          int32_t by, cfx_cmdbuf *out);
void cfx_conflict__damage_mine(conflict *c, const cfx_world *w, long step, int32_t mine,
                               double share, cfx_cmdbuf *out);
void cfx_conflict__strikes(conflict *c, const cfx_world *w, long step, long day, double t_h,
                           cfx_cmdbuf *out);

/* checkpoint.c */
int cfx_conflict__checkpoint(void *state, cfx_ckpt *ck);

#endif
