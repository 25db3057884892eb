/* Conflict: the scenario's scripted events and a stochastic offensive (DESIGN §6), run
 * serially in the events phase. A node's status is the strongest of four layers, so that
 * the end of one cause never lifts another (destroyed > cut > closed > contested > open):
 *   scripted   cut, reopen, close, contest, attack, destroy (as the table says);
 *   struck     an air or drone strike's short cut;
 *   closed     China's closure of a gate near fighting;
 *   fight      contested while a fight of the offensive lasts.
 * Roads have the scripted and struck layers. Every random draw is keyed by (seed,
 * CFX_STREAM_CONFLICT, purpose and node, road, mine or group, day), so nothing depends on
 * order or thread. models/README.md ("Conflict") gives the equations and the keys. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "engine/model.h"
#include "core/rng.h"

/* ---------------------------------------------------------------- parameters */

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
    int lognormal;
} conflict_params;

static long group_index(const cfx_scenario *s, const char *name)
{
    for (size_t g = 0; g < s->n_groups; g++)
        if (strcmp(s->groups[g].name, name) == 0)
            return (long)g;
    return -1;
}

static void group_list(const cfx_scenario *s, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t g = 0; g < s->n_groups; g++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", g ? ", " : "", s->groups[g].name);
    }
}

static int unknown_group(const cfx_conf *at, const char *name, const char *where,
                         const cfx_scenario *s, cfx_diags *d)
{
    char groups[256];
    group_list(s, groups, sizeof groups);
    return cfx_diags_add(d, CFX_EINVAL, at->file, at->line, at->col,
                         "unknown group '%s' in '%s' (groups: %s)", name, where, groups);
}

/* A child mapping, its type checked; NULL when absent or wrong (reported). */
static cfx_conf *sub_map(cfx_conf *map, const char *key, cfx_diags *d)
{
    cfx_conf *out = NULL;
    cfx_error err;
    if (cfx_conf_get_map(map, key, 0, &out, &err))
        cfx_diags_push(d, &err);
    return out;
}

/* key: a list of group names; absent: every group. */
static void read_groups(cfx_conf *map, const char *key, const char *where, const cfx_scenario *s,
                        uint8_t *mask, cfx_diags *d)
{
    cfx_conf *list = cfx_conf_get(map, key);
    memset(mask, 1, s->n_groups);
    if (!list)
        return;
    list->used = 1;
    if (list->kind != CFX_CONF_SEQ) {
        cfx_diags_add(d, CFX_EINVAL, list->file, list->line, list->col,
                      "'%s' must be a list of group names, e.g. [KIA]", key);
        return;
    }
    memset(mask, 0, s->n_groups);
    for (size_t i = 0; i < list->n; i++) {
        const cfx_conf *c = list->items[i];
        long g = c->kind == CFX_CONF_SCALAR ? group_index(s, c->value) : -1;
        if (g < 0)
            unknown_group(c, c->kind == CFX_CONF_SCALAR ? c->value : "(not a name)", where, s, d);
        else
            mask[g] = 1;
    }
}

/* One force: the base node (id), and a mapping with group and strength. */
static void read_force(conflict_params *p, const cfx_conf *at, const char *id, cfx_conf *m,
                       const cfx_scenario *s, cfx_diags *d)
{
    size_t f = p->n_forces++;
    long v = cfx_scenario_node(s, id);
    if (v < 0)
        cfx_diags_add(d, CFX_EINVAL, at->file, at->line, at->col, "unknown node '%s' in 'forces'",
                      id);
    const char *name = NULL;
    cfx_error err;
    long g = -1;
    if (cfx_conf_get_str(m, "group", 1, &name, &err))
        cfx_diags_push(d, &err);
    else if ((g = group_index(s, name)) < 0)
        unknown_group(cfx_conf_get(m, "group"), name, "forces", s, d);
    p->force_node[f] = (int32_t)v;
    p->force_group[f] = (int32_t)g;
    p->force_strength[f] = 1;
    cfx_conf_get_range(m, "strength", 0, &p->force_strength[f], 0, 1e9, 1, "a positive strength",
                       d);
}

/* forces: a list of {node, group, strength}, or a mapping node: {group, strength} (which
 * --set and sweeps can reach: conflict.offensive.forces.<node>.strength). */
static void read_forces(conflict_params *p, cfx_conf *off, const cfx_scenario *s, cfx_diags *d)
{
    cfx_conf *list = cfx_conf_get(off, "forces");
    if (!list) {
        cfx_diags_add(d, CFX_EINVAL, off->file, off->line, off->col,
                      "missing key 'forces' (a list of {node, group, strength})");
        return;
    }
    list->used = 1;
    if (list->kind == CFX_CONF_SCALAR || list->n == 0) {
        cfx_diags_add(d, CFX_EINVAL, list->file, list->line, list->col,
                      "'forces' must list at least one {node, group, strength}");
        return;
    }
    size_t n = list->n;
    if (!(p->force_node = calloc(n, sizeof *p->force_node)) ||
        !(p->force_group = calloc(n, sizeof *p->force_group)) ||
        !(p->force_strength = calloc(n, sizeof *p->force_strength))) {
        cfx_diags_add(d, CFX_ENOMEM, list->file, list->line, list->col, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        cfx_conf *c = list->items[i];
        if (c->kind != CFX_CONF_MAP) {
            cfx_diags_add(d, CFX_EINVAL, c->file, c->line, c->col,
                          "a force must be a mapping {node, group, strength}");
            continue;
        }
        if (list->kind == CFX_CONF_MAP) {
            c->used = 1;
            cfx_conf at = *c;
            at.line = c->key_line;
            at.col = c->key_col;
            read_force(p, &at, c->key, c, s, d);
            continue;
        }
        const char *id = NULL;
        cfx_error err;
        if (cfx_conf_get_str(c, "node", 1, &id, &err)) {
            cfx_diags_push(d, &err);
            continue;
        }
        read_force(p, cfx_conf_get(c, "node"), id, c, s, d);
    }
}

static void configure_offensive(conflict_params *p, cfx_conf *off, const cfx_scenario *s,
                                cfx_diags *d)
{
    p->offensive = 1;
    cfx_conf_get_range(off, "attack_rate", 1, &p->attack_rate, 0, 1e6, 0,
                       "a rate >= 0 in attacks per day", d);
    cfx_conf *prio = sub_map(off, "priority", d);
    for (int k = 0; prio && k < CFX_NODE_NKINDS; k++)
        cfx_conf_get_range(prio, cfx_node_kind_names[k], 0, &p->priority[k], 0, 1e6, 0,
                           "a weight >= 0", d);
    cfx_conf_get_range(off, "fight_days_median", 0, &p->fight_days_median, 0, 3650, 1,
                       "in (0, 3650] days", d);
    cfx_conf_get_range(off, "fight_days_sigma", 0, &p->fight_days_sigma, 0, 5, 0, "in [0, 5]", d);
    cfx_conf_get_range(off, "capture_a", 0, &p->capture_a, -50, 50, 0, "in [-50, 50]", d);
    cfx_conf_get_range(off, "capture_b", 0, &p->capture_b, 0, 50, 0, "in [0, 50]", d);
    cfx_conf_get_range(off, "counter_rate", 0, &p->counter_rate, 0, 1e6, 0, "a rate >= 0 per day",
                       d);
    read_groups(off, "targets", "targets", s, p->attackable, d);
    read_forces(p, off, s, d);
    cfx_conf *def = sub_map(off, "defender_strength", d);
    for (size_t i = 0; def && i < def->n; i++) {
        cfx_conf *c = def->items[i];
        long g = group_index(s, c->key);
        if (g < 0) {
            cfx_conf at = *c;
            at.line = c->key_line;
            at.col = c->key_col;
            c->used = 1;
            unknown_group(&at, c->key, "defender_strength", s, d);
            continue;
        }
        cfx_conf_get_range(def, c->key, 0, &p->defender_strength[g], 0, 1e9, 1,
                           "a positive strength", d);
    }
}

static void configure_strikes(conflict_params *p, cfx_conf *st, const cfx_scenario *s, cfx_diags *d)
{
    p->strikes = 1;
    cfx_conf_get_range(st, "road_rate", 0, &p->road_rate, 0, 1e3, 0,
                       "a rate >= 0 in strikes per day per road", d);
    cfx_conf_get_range(st, "mine_rate", 0, &p->mine_rate, 0, 1e3, 0,
                       "a rate >= 0 in strikes per day per mine", d);
    cfx_conf_get_range(st, "loss_p", 0, &p->loss_p, 0, 1, 0, "a probability in [0, 1]", d);
    cfx_conf_get_range(st, "cut_days", 0, &p->cut_days, 0, 365, 1, "in (0, 365] days", d);
    cfx_conf_get_range(st, "mine_damage", 0, &p->mine_damage, 0, 1, 0, "a share in [0, 1]", d);
    read_groups(st, "targets", "targets", s, p->strikable, d);
}

static void configure_closures(conflict_params *p, cfx_conf *cl, cfx_diags *d)
{
    p->closures = 1;
    cfx_conf_get_range(cl, "hops", 0, &p->hops, 0, 100, 0, "a number of roads in [0, 100]", d);
    if (p->hops != floor(p->hops)) {
        const cfx_conf *n = cfx_conf_get(cl, "hops");
        cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col,
                      "'hops' must be a whole number of roads, got %g", p->hops);
    }
    cfx_conf_get_range(cl, "daily_p", 0, &p->daily_p, 0, 1, 0, "a probability in [0, 1]", d);
    cfx_conf_get_range(cl, "days_min", 0, &p->days_min, 0, 3650, 1, "in (0, 3650] days", d);
    cfx_conf_get_range(cl, "days_max", 0, &p->days_max, 0, 3650, 1, "in (0, 3650] days", d);
    const cfx_conf *mx = cfx_conf_get(cl, "days_max");
    if (p->days_max < p->days_min)
        cfx_diags_add(d, CFX_EINVAL, mx ? mx->file : cl->file, mx ? mx->line : cl->line,
                      mx ? mx->col : cl->col, "'days_max' (%g) must be at least 'days_min' (%g)",
                      p->days_max, p->days_min);
    const char *dist = "uniform";
    cfx_error err;
    if (cfx_conf_get_str(cl, "distribution", 0, &dist, &err))
        cfx_diags_push(d, &err);
    else if (strcmp(dist, "lognormal") == 0)
        p->lognormal = 1;
    else if (strcmp(dist, "uniform") != 0) {
        const cfx_conf *n = cfx_conf_get(cl, "distribution");
        cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col,
                      "'distribution' must be uniform or lognormal, got '%s'", dist);
    }
}

static void conflict_configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
{
    conflict_params *p = params;
    /* Defaults (assumptions; models/README.md gives the reasons). */
    static const double priority[CFX_NODE_NKINDS] = {
        [CFX_NODE_MINE] = 4, [CFX_NODE_GATE] = 3,     [CFX_NODE_TOWN] = 2,
        [CFX_NODE_BASE] = 2, [CFX_NODE_JUNCTION] = 1, [CFX_NODE_MARKET] = 0};
    memcpy(p->priority, priority, sizeof priority);
    p->fight_days_median = 14;
    p->fight_days_sigma = 1;
    p->capture_a = -1;
    p->capture_b = 1.5;
    p->loss_p = 0.3;
    p->cut_days = 1;
    p->hops = 1;
    p->days_min = 45;
    p->days_max = 183;
    if (!section)
        return;
    if (section->kind != CFX_CONF_MAP) {
        cfx_diags_add(d, CFX_EINVAL, section->file, section->line, section->col,
                      "'conflict' must be a mapping (offensive, strikes, closures)");
        return;
    }
    size_t ng = s->n_groups ? s->n_groups : 1;
    if (!(p->defender_strength = malloc(ng * sizeof *p->defender_strength)) ||
        !(p->attackable = calloc(ng, 1)) || !(p->strikable = calloc(ng, 1))) {
        cfx_diags_add(d, CFX_ENOMEM, section->file, section->line, section->col, "out of memory");
        return;
    }
    for (size_t g = 0; g < ng; g++)
        p->defender_strength[g] = 1;
    cfx_conf *off = sub_map(section, "offensive", d), *st = sub_map(section, "strikes", d),
             *cl = sub_map(section, "closures", d);
    if (off)
        configure_offensive(p, off, s, d);
    if (st)
        configure_strikes(p, st, s, d);
    if (cl)
        configure_closures(p, cl, d);
}

static void conflict_params_free(void *params)
{
    conflict_params *p = params;
    free(p->force_node);
    free(p->force_group);
    free(p->force_strength);
    free(p->defender_strength);
    free(p->attackable);
    free(p->strikable);
}

/* ---------------------------------------------------------------- state */

/* What a timer undoes or ends when it falls due. */
enum {
    T_NODE,        /* scripted node status back to open */
    T_EDGE,        /* scripted road cut: reopened */
    T_CTL,         /* scripted capture: the previous controller back */
    T_TOLL,        /* a group's levy back to x */
    T_CHECKPOINT,  /* a node's checkpoint back to tax x, seizure chance x2 */
    T_HALT,        /* a mine's halt lifted (index: mine) */
    T_NODE_STRIKE, /* a strike's cut of a node ends */
    T_EDGE_STRIKE, /* a strike's cut of a road ends */
    T_FIGHT,       /* a fight ends in capture or repulse */
    T_CLOSURE,     /* China reopens a gate */
    T_CLOSE_TO,    /* a gate's closure to some cargo ends (index: node * nk + key) */
    T_NKINDS
};

typedef struct timer {
    double t_h;    /* when, hours since start */
    int32_t kind;  /* T_* */
    int32_t index; /* node, edge, group or mine */
    int32_t group; /* T_CTL: the controller to restore; T_CLOSE_TO: 1 to log the reopening */
    uint32_t gen;  /* the target's generation when scheduled; stale if it changed since */
    double x, x2;  /* T_TOLL, T_CHECKPOINT: the values to restore */
} timer;

/* Purposes of random draws: the high bits of the generator's agent key, so that two
 * purposes never share a number (rng.h: agent < 2^48). */
enum { P_ATTACK = 1, P_FIGHT, P_COUNTER, P_ROAD_STRIKE, P_MINE_STRIKE, P_CLOSURE };
#define AGENT(purpose, index) (((uint64_t)(purpose) << 40) | (uint64_t)(index))

typedef struct conflict {
    const conflict_params *p;
    const cfx_scenario *s;
    size_t n, m, ng; /* nodes, edges, groups */
    size_t nk;       /* keys of a partial closure: origin group g and cargo kind k as
                        g * n_cargo + k (model.h, CFX_CMD_CLOSE_TO) */
    long steps_per_day;
    size_t next; /* next scripted event to apply */
    timer *tm;   /* pending timers, in the order scheduled (few) */
    size_t n_tm, cap_tm;
    uint32_t *gen[T_NKINDS]; /* per target: bumped by each event on it */

    /* layers (see the file comment) */
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
    double *toll;        /* ng: levy at gates, USD/t */
    double *tax, *seize; /* n: checkpoint tax USD/t and seizure chance */
    uint8_t *halted;     /* n_mines */
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

static void conflict_free(void *state)
{
    conflict *c = state;
    free(c->tm);
    for (int k = 0; k < T_NKINDS; k++)
        free(c->gen[k]);
    free(c->script);
    free(c->closed_to);
    free(c->struck);
    free(c->closed);
    free(c->fight);
    free(c->fight_capture);
    free(c->sent);
    free(c->escript);
    free(c->estruck);
    free(c->esent);
    free(c->dirty);
    free(c->edirty);
    free(c->is_dirty);
    free(c->is_edirty);
    free(c->ctl);
    free(c->lost_by);
    free(c->toll);
    free(c->tax);
    free(c->seize);
    free(c->halted);
    free(c->cap);
    free(c->cap_step);
    free(c->has_force);
    free(c->base);
    free(c->att_strength);
    free(c->adj_off);
    free(c->adj_node);
    free(c->queue);
    free(c->depth);
    free(c->src);
    free(c->mark);
    if (c->rng)
        gsl_rng_free(c->rng);
}

#define ZALLOC(p, k) (((p) = calloc((k) > 0 ? (k) : 1, sizeof *(p))) == NULL)

/* Breadth-first search from the nodes src[0..n_src) over every road, both ways, up to
 * max_depth roads: c->mark[v] == c->stamp and c->depth[v] = roads for each node reached. */
static void bfs(conflict *c, const int32_t *src, size_t n_src, int32_t max_depth)
{
    size_t head = 0, tail = 0;
    c->stamp++;
    for (size_t i = 0; i < n_src; i++) {
        int32_t v = src[i];
        if (c->mark[v] == c->stamp)
            continue;
        c->mark[v] = c->stamp;
        c->depth[v] = 0;
        c->queue[tail++] = v;
    }
    while (head < tail) {
        int32_t u = c->queue[head++];
        if (c->depth[u] >= max_depth)
            continue;
        for (size_t k = c->adj_off[u]; k < c->adj_off[u + 1]; k++) {
            int32_t v = c->adj_node[k];
            if (c->mark[v] == c->stamp)
                continue;
            c->mark[v] = c->stamp;
            c->depth[v] = c->depth[u] + 1;
            c->queue[tail++] = v;
        }
    }
}

/* A group's strength in a fight it starts at each node: that of its force nearest by road
 * (ties: the stronger); where none reaches, its strongest. */
static int init_strengths(conflict *c)
{
    const conflict_params *p = c->p;
    size_t n = c->n;
    int32_t *best = malloc((n ? n : 1) * sizeof *best); /* roads to the nearest force */
    if (!best)
        return CFX_ENOMEM;
    for (size_t f = 0; f < p->n_forces; f++) {
        int32_t g = p->force_group[f];
        c->has_force[g] = 1;
        c->base[(size_t)g * n + (size_t)p->force_node[f]] = 1;
    }
    for (size_t g = 0; g < c->ng; g++) {
        if (!c->has_force[g])
            continue;
        double *str = &c->att_strength[g * n], strongest = 0;
        for (size_t v = 0; v < n; v++)
            best[v] = INT32_MAX;
        for (size_t f = 0; f < p->n_forces; f++) {
            if (p->force_group[f] != (int32_t)g)
                continue;
            double sf = p->force_strength[f];
            strongest = fmax(strongest, sf);
            bfs(c, &p->force_node[f], 1, INT32_MAX);
            for (size_t v = 0; v < n; v++) {
                if (c->mark[v] != c->stamp)
                    continue;
                if (c->depth[v] < best[v] || (c->depth[v] == best[v] && sf > str[v])) {
                    best[v] = c->depth[v];
                    str[v] = sf;
                }
            }
        }
        for (size_t v = 0; v < n; v++)
            if (best[v] == INT32_MAX)
                str[v] = strongest;
    }
    free(best);
    return 0;
}

static int conflict_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    conflict *c = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    const conflict_params *p = params;
    size_t n = s->n_nodes, m = s->n_edges, ng = s->n_groups, nm = s->n_mines;
    c->p = p;
    c->s = s;
    c->n = n;
    c->m = m;
    c->ng = ng;
    c->nk = ng * s->n_cargo;
    size_t nk = c->nk;
    c->steps_per_day = lround(24.0 / s->step_hours);
    const size_t gen_len[T_NKINDS] = {
        [T_NODE] = n,       [T_EDGE] = m,    [T_CTL] = n,          [T_TOLL] = ng,
        [T_CHECKPOINT] = n, [T_HALT] = nm,   [T_NODE_STRIKE] = n,  [T_EDGE_STRIKE] = m,
        [T_FIGHT] = n,      [T_CLOSURE] = n, [T_CLOSE_TO] = n * nk};
    int bad = 0;
    for (int k = 0; k < T_NKINDS; k++)
        bad |= ZALLOC(c->gen[k], gen_len[k]);
    bad |= ZALLOC(c->script, n) || ZALLOC(c->struck, n) || ZALLOC(c->closed, n) ||
           ZALLOC(c->closed_to, n * nk) || ZALLOC(c->fight, n) || ZALLOC(c->fight_capture, n) ||
           ZALLOC(c->sent, n) || ZALLOC(c->escript, m) || ZALLOC(c->estruck, m) ||
           ZALLOC(c->esent, m) || ZALLOC(c->dirty, n) || ZALLOC(c->edirty, m) ||
           ZALLOC(c->is_dirty, n) || ZALLOC(c->is_edirty, m) || ZALLOC(c->ctl, n) ||
           ZALLOC(c->lost_by, n) || ZALLOC(c->toll, ng) || ZALLOC(c->tax, n) ||
           ZALLOC(c->seize, n) || ZALLOC(c->halted, nm) || ZALLOC(c->cap, nm) ||
           ZALLOC(c->cap_step, nm) || ZALLOC(c->has_force, ng) || ZALLOC(c->queue, n) ||
           ZALLOC(c->depth, n) || ZALLOC(c->src, n) || ZALLOC(c->mark, n) ||
           ZALLOC(c->adj_off, n + 1) || ZALLOC(c->adj_node, 2 * m);
    if (!bad && p->offensive)
        bad = ZALLOC(c->base, ng * n) || ZALLOC(c->att_strength, ng * n);
    if (!bad && (p->offensive || p->strikes || p->closures))
        bad = !(c->rng = gsl_rng_alloc(cfx_rng_philox));
    if (bad)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (conflict)");
    /* The world starts with every node open and every road open (world.c). */
    for (size_t v = 0; v < n; v++) {
        c->fight[v] = -1;
        c->lost_by[v] = -1;
        c->ctl[v] = s->controller[v];
    }
    memset(c->escript, 1, m);
    memset(c->esent, 1, m);
    for (size_t g = 0; g < ng; g++)
        c->toll[g] = s->groups[g].toll_usd_per_t;
    for (size_t i = 0; i < nm; i++)
        c->cap_step[i] = -1;
    /* Roads by node, for fronts and distances. */
    for (size_t e = 0; e < m; e++) {
        c->adj_off[s->edge_from[e] + 1]++;
        c->adj_off[s->edge_to[e] + 1]++;
    }
    for (size_t v = 0; v < n; v++)
        c->adj_off[v + 1] += c->adj_off[v];
    int32_t *fill = c->depth; /* roads placed so far at each node (zero; bfs resets it) */
    for (size_t e = 0; e < m; e++) {
        int32_t a = s->edge_from[e], b = s->edge_to[e];
        size_t ka = c->adj_off[a] + (size_t)fill[a]++, kb = c->adj_off[b] + (size_t)fill[b]++;
        c->adj_node[ka] = b;
        c->adj_node[kb] = a;
    }
    if (p->offensive && init_strengths(c))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (conflict)");
    return 0;
}

/* ---------------------------------------------------------------- commands */

static void emit(cfx_cmdbuf *out, int32_t kind, int32_t a, int32_t b, int32_t y, double x,
                 double x2)
{
    cfx_cmdbuf_push(out, (cfx_cmd){.kind = kind, .a = a, .b = b, .y = y, .x = x, .x2 = x2});
}

static void log_event(cfx_cmdbuf *out, int32_t kind, int32_t node, int32_t edge, double days)
{
    emit(out, CFX_CMD_LOG_EVENT, node, kind, edge, days, 0);
}

/* Schedules a timer for target index; returns its generation (bumped). If the list cannot
 * grow, the timer is dropped and the event lasts until a later one ends it. */
static uint32_t schedule(conflict *c, double t_h, int32_t kind, int32_t index, int32_t group,
                         double x, double x2)
{
    uint32_t gen = ++c->gen[kind][index];
    if (c->n_tm == c->cap_tm) {
        size_t cap = c->cap_tm ? 2 * c->cap_tm : 16;
        timer *v = realloc(c->tm, cap * sizeof *v);
        if (!v)
            return gen;
        c->tm = v;
        c->cap_tm = cap;
    }
    c->tm[c->n_tm++] = (timer){
        .t_h = t_h, .kind = kind, .index = index, .group = group, .gen = gen, .x = x, .x2 = x2};
    return gen;
}

static void touch(conflict *c, int32_t v)
{
    if (!c->is_dirty[v]) {
        c->is_dirty[v] = 1;
        c->dirty[c->n_dirty++] = v;
    }
}

static void touch_edge(conflict *c, int32_t e)
{
    if (!c->is_edirty[e]) {
        c->is_edirty[e] = 1;
        c->edirty[c->n_edirty++] = e;
    }
}

/* The strongest layer: destroyed > cut > closed > contested > open. */
static uint8_t status_of(const conflict *c, int32_t v)
{
    static const uint8_t rank[CFX_STATUS_N] = {[CFX_STATUS_OPEN] = 0,
                                               [CFX_STATUS_CONTESTED] = 1,
                                               [CFX_STATUS_CLOSED] = 2,
                                               [CFX_STATUS_CUT] = 3,
                                               [CFX_STATUS_DESTROYED] = 4};
    uint8_t st = c->script[v];
    if (c->fight[v] >= 0 && rank[CFX_STATUS_CONTESTED] > rank[st])
        st = CFX_STATUS_CONTESTED;
    if (c->closed[v] && rank[CFX_STATUS_CLOSED] > rank[st])
        st = CFX_STATUS_CLOSED;
    if (c->struck[v] && rank[CFX_STATUS_CUT] > rank[st])
        st = CFX_STATUS_CUT;
    return st;
}

static int edge_open(const conflict *c, int32_t e)
{
    return c->escript[e] && !c->estruck[e];
}

/* Commands the statuses of the nodes and roads whose layers changed this step. */
static void flush(conflict *c, cfx_cmdbuf *out)
{
    for (size_t i = 0; i < c->n_dirty; i++) {
        int32_t v = c->dirty[i];
        uint8_t st = status_of(c, v);
        c->is_dirty[v] = 0;
        if (st != c->sent[v]) {
            c->sent[v] = st;
            emit(out, CFX_CMD_NODE_STATUS, v, st, 0, 0, 0);
        }
    }
    for (size_t i = 0; i < c->n_edirty; i++) {
        int32_t e = c->edirty[i];
        uint8_t open = (uint8_t)edge_open(c, e);
        c->is_edirty[e] = 0;
        if (open != c->esent[e]) {
            c->esent[e] = open;
            emit(out, CFX_CMD_EDGE_OPEN, e, open, 0, 0, 0);
        }
    }
    c->n_dirty = c->n_edirty = 0;
}

static void set_controller(conflict *c, int32_t v, int32_t g, cfx_cmdbuf *out)
{
    c->ctl[v] = g;
    emit(out, CFX_CMD_CONTROLLER, v, g, 0, 0, 0);
}

/* A share of a mine's equipment destroyed: what is left is scaled by (1 - share). */
static void damage_mine(conflict *c, const cfx_world *w, long step, int32_t mine, double share,
                        cfx_cmdbuf *out)
{
    double now = c->cap_step[mine] == step ? c->cap[mine] : cfx_world_mine_capacity(w)[mine];
    c->cap[mine] = now * (1 - share);
    c->cap_step[mine] = step;
    emit(out, CFX_CMD_MINE_CAPACITY, mine, 0, 0, c->cap[mine], 0);
}

/* An air or drone strike on node v or road e (the other -1): cut for days, and a truck there
 * is lost with chance p meanwhile (the engine draws it per truck). */
static void strike(conflict *c, double t_h, int32_t v, int32_t e, double p, double days,
                   cfx_cmdbuf *out)
{
    double end_h = t_h + days * 24.0;
    if (v >= 0) {
        c->struck[v] = 1;
        touch(c, v);
        schedule(c, end_h, T_NODE_STRIKE, v, -1, 0, 0);
    } else {
        c->estruck[e] = 1;
        touch_edge(c, e);
        schedule(c, end_h, T_EDGE_STRIKE, e, -1, 0, 0);
    }
    emit(out, CFX_CMD_STRIKE, v, 0, e, p, days * 24.0);
    log_event(out, CFX_EV_STRIKE, v, e, days);
}

/* ---------------------------------------------------------------- scripted events */

/* The events that set the scripted layer of a node or a road: cut, reopen, close,
 * contest, attack, and destroy of anything but a mine. */
static void apply_status(conflict *c, const cfx_event_spec *e, double end_h, cfx_cmdbuf *out)
{
    static const uint8_t status_of_kind[CFX_EV_NSCRIPTED] = {
        [CFX_EV_CUT] = CFX_STATUS_CUT,          [CFX_EV_REOPEN] = CFX_STATUS_OPEN,
        [CFX_EV_CLOSE] = CFX_STATUS_CLOSED,     [CFX_EV_CONTEST] = CFX_STATUS_CONTESTED,
        [CFX_EV_ATTACK] = CFX_STATUS_CONTESTED, [CFX_EV_DESTROY] = CFX_STATUS_DESTROYED};
    int timed = e->days > 0 && e->kind != CFX_EV_REOPEN;
    int32_t v = e->node, r = e->edge;
    if (r >= 0) {
        c->escript[r] = e->kind != CFX_EV_CUT;
        touch_edge(c, r);
        if (e->kind == CFX_EV_REOPEN && c->estruck[r]) { /* also ends a strike */
            c->estruck[r] = 0;
            ++c->gen[T_EDGE_STRIKE][r];
            emit(out, CFX_CMD_STRIKE, -1, 0, r, 0, 0); /* an empty window: no more losses */
        }
        if (timed)
            schedule(c, end_h, T_EDGE, r, -1, 0, 0);
        else
            ++c->gen[T_EDGE][r];
        return;
    }
    c->script[v] = status_of_kind[e->kind];
    touch(c, v);
    if (e->kind == CFX_EV_REOPEN) { /* also ends a strike, China's closure, a halt */
        if (c->struck[v]) {
            c->struck[v] = 0;
            ++c->gen[T_NODE_STRIKE][v];
            emit(out, CFX_CMD_STRIKE, v, 0, -1, 0, 0); /* an empty window: no more losses */
        }
        c->closed[v] = 0;
        ++c->gen[T_CLOSURE][v];
        for (size_t key = 0; key < c->nk; key++) {
            size_t k = cfx_closed_index(c->s, (size_t)v, key);
            if (c->closed_to[k]) {
                c->closed_to[k] = 0;
                ++c->gen[T_CLOSE_TO][k];
                emit(out, CFX_CMD_CLOSE_TO, v, (int32_t)key, 0, 0, 0);
            }
        }
        for (size_t m = 0; m < c->s->n_mines; m++)
            if (c->s->mine_node[m] == v && c->halted[m]) {
                c->halted[m] = 0;
                ++c->gen[T_HALT][m];
                emit(out, CFX_CMD_MINE_HALT, (int32_t)m, 0, 0, 0, 0);
            }
    }
    if (timed)
        schedule(c, end_h, T_NODE, v, -1, 0, 0);
    else
        ++c->gen[T_NODE][v];
}

static void apply_event(conflict *c, const cfx_world *w, const cfx_event_spec *e, long step,
                        double t_h, cfx_cmdbuf *out)
{
    double end_h = t_h + e->days * 24.0;
    int timed = e->days > 0;
    int32_t v = e->node;
    switch (e->kind) {
    case CFX_EV_STRIKE:
        strike(c, t_h, v, e->edge, e->value, e->days, out);
        return; /* logged */
    case CFX_EV_CAPTURE: {
        int32_t before = c->ctl[v];
        set_controller(c, v, e->group, out);
        if (timed)
            schedule(c, end_h, T_CTL, v, before, 0, 0);
        else
            ++c->gen[T_CTL][v];
        break;
    }
    case CFX_EV_TOLL: {
        double before = c->toll[e->group];
        c->toll[e->group] = e->value;
        emit(out, CFX_CMD_TOLL, e->group, 0, 0, e->value, 0);
        if (timed)
            schedule(c, end_h, T_TOLL, e->group, -1, before, 0);
        else
            ++c->gen[T_TOLL][e->group];
        break;
    }
    case CFX_EV_CHECKPOINT: {
        double tax = c->tax[v], seize = c->seize[v];
        c->tax[v] = e->value;
        c->seize[v] = e->seize_p;
        emit(out, CFX_CMD_CHECKPOINT, v, 0, 0, e->value, e->seize_p);
        if (timed)
            schedule(c, end_h, T_CHECKPOINT, v, -1, tax, seize);
        else
            ++c->gen[T_CHECKPOINT][v];
        break;
    }
    case CFX_EV_HALT:
        c->halted[e->mine] = 1;
        emit(out, CFX_CMD_MINE_HALT, e->mine, 1, 0, 0, 0);
        if (timed)
            schedule(c, end_h, T_HALT, e->mine, -1, 0, 0);
        else
            ++c->gen[T_HALT][e->mine];
        break;
    case CFX_EV_CLOSE:
        if (e->group >= 0 || e->products != UINT32_MAX) { /* closed to some cargo only */
            size_t nc = c->s->n_cargo;
            int32_t lead = 1; /* the first key's timer logs the reopening, once */
            for (size_t key = 0; key < c->nk; key++) { /* key = cfx_close_key(group, kind) */
                size_t g = key / nc, kind = key % nc;
                if ((e->group >= 0 && g != (size_t)e->group) ||
                    !cfx_in_set(c->s, e->products, kind))
                    continue;
                size_t k = cfx_closed_index(c->s, (size_t)v, key);
                c->closed_to[k] = 1;
                emit(out, CFX_CMD_CLOSE_TO, v, (int32_t)key, 1, 0, 0);
                if (timed)
                    schedule(c, end_h, T_CLOSE_TO, (int32_t)k, lead, 0, 0);
                else
                    ++c->gen[T_CLOSE_TO][k];
                lead = 0;
            }
        } else {
            apply_status(c, e, end_h, out);
        }
        break;
    case CFX_EV_DESTROY:
        if (e->mine >= 0) /* its equipment: the mine stays passable */
            damage_mine(c, w, step, e->mine, e->value, out);
        else
            apply_status(c, e, end_h, out);
        break;
    default:
        apply_status(c, e, end_h, out);
        break;
    }
    log_event(out, e->kind, e->kind == CFX_EV_TOLL ? -1 : v, e->edge, e->days);
}

/* ---------------------------------------------------------------- timers */

static void fire(conflict *c, const timer *t, cfx_cmdbuf *out)
{
    int32_t i = t->index;
    if (t->gen != c->gen[t->kind][i])
        return; /* a later event on the same target is in force */
    switch (t->kind) {
    case T_NODE: /* a layer of node i ends: see status_of */
    case T_NODE_STRIKE:
    case T_CLOSURE:
        if (t->kind == T_NODE)
            c->script[i] = CFX_STATUS_OPEN;
        else if (t->kind == T_NODE_STRIKE)
            c->struck[i] = 0;
        else
            c->closed[i] = 0;
        touch(c, i);
        log_event(out, CFX_EV_REOPEN, i, -1, 0);
        break;
    case T_EDGE: /* a layer of road i ends: see edge_open */
    case T_EDGE_STRIKE:
        if (t->kind == T_EDGE)
            c->escript[i] = 1;
        else
            c->estruck[i] = 0;
        touch_edge(c, i);
        log_event(out, CFX_EV_REOPEN, -1, i, 0);
        break;
    case T_CTL:
        set_controller(c, i, t->group, out);
        log_event(out, CFX_EV_CAPTURE, i, -1, 0);
        break;
    case T_TOLL:
        c->toll[i] = t->x;
        emit(out, CFX_CMD_TOLL, i, 0, 0, t->x, 0);
        log_event(out, CFX_EV_TOLL, -1, -1, 0);
        break;
    case T_CHECKPOINT:
        c->tax[i] = t->x;
        c->seize[i] = t->x2;
        emit(out, CFX_CMD_CHECKPOINT, i, 0, 0, t->x, t->x2);
        log_event(out, CFX_EV_CHECKPOINT, i, -1, 0);
        break;
    case T_CLOSE_TO:
        c->closed_to[i] = 0;
        emit(out, CFX_CMD_CLOSE_TO, i / (int32_t)c->nk, i % (int32_t)c->nk, 0, 0, 0);
        if (t->group) /* one closure, one reopening, however many keys it closed */
            log_event(out, CFX_EV_REOPEN, i / (int32_t)c->nk, -1, 0);
        break;
    case T_HALT:
        c->halted[i] = 0;
        emit(out, CFX_CMD_MINE_HALT, i, 0, 0, 0, 0);
        log_event(out, CFX_EV_REOPEN, c->s->mine_node[i], -1, 0);
        break;
    case T_FIGHT: {
        int32_t attacker = c->fight[i];
        c->fight[i] = -1;
        touch(c, i);
        if (c->fight_capture[i] && c->ctl[i] != attacker) {
            c->lost_by[i] = c->ctl[i];
            ++c->gen[T_CTL][i]; /* a scripted capture's reversal no longer applies */
            set_controller(c, i, attacker, out);
            log_event(out, CFX_EV_CAPTURE, i, -1, 0);
        } else {
            log_event(out, c->fight_capture[i] ? CFX_EV_CAPTURE : CFX_EV_REPULSE, i, -1, 0);
        }
        break;
    }
    }
}

/* Fires the timers due before end_h in the order they were scheduled; keeps the rest. */
static void run_timers(conflict *c, double end_h, cfx_cmdbuf *out)
{
    size_t keep = 0, n = c->n_tm;
    for (size_t i = 0; i < n; i++) {
        timer t = c->tm[i];
        if (t.t_h >= end_h)
            c->tm[keep++] = t;
        else
            fire(c, &t, out);
    }
    c->n_tm = keep;
}

/* ---------------------------------------------------------------- the offensive */

static void key(conflict *c, int purpose, uint64_t index, long day)
{
    cfx_rng_key(c->rng, c->s->seed, CFX_STREAM_CONFLICT, AGENT(purpose, index), (uint64_t)day);
}

static double strength(const conflict *c, int32_t g, int32_t v)
{
    return c->has_force[g] ? c->att_strength[(size_t)g * c->n + (size_t)v]
                           : c->p->defender_strength[g];
}

/* Group g attacks node v: contested for a lognormal time; the outcome is drawn now with
 * P(capture) = logistic(a + b ln(S_att / S_def)) and applied when the fight ends. */
static void start_fight(conflict *c, int32_t v, int32_t g, int counter, long day, double t_h,
                        cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    double s_att = strength(c, g, v), s_def = p->defender_strength[c->ctl[v]];
    key(c, P_FIGHT, (uint64_t)v, day);
    double days = gsl_ran_lognormal(c->rng, log(p->fight_days_median), p->fight_days_sigma);
    double u = gsl_rng_uniform(c->rng);
    double x = s_att > 0 ? p->capture_a + p->capture_b * log(s_att / s_def) : -INFINITY;
    c->fight[v] = g;
    c->fight_capture[v] = u < 1 / (1 + exp(-x));
    touch(c, v);
    schedule(c, t_h + days * 24.0, T_FIGHT, v, -1, 0, 0);
    log_event(out, counter ? CFX_EV_COUNTERATTACK : CFX_EV_ATTACK, v, -1, days);
}

static int held(const conflict *c, int32_t g, int32_t v)
{
    return c->ctl[v] == g || c->base[(size_t)g * c->n + (size_t)v];
}

static int attackable(const conflict *c, int32_t g, int32_t v)
{
    return !held(c, g, v) && c->p->attackable[c->ctl[v]] && c->fight[v] < 0 &&
           c->p->priority[c->s->node_kind[v]] > 0 && status_of(c, v) != CFX_STATUS_DESTROYED;
}

/* Each attacking group's frontier: nodes it does not hold next to one it holds, over open
 * roads. Node v is attacked today with probability 1 - exp(-rate w_v / W), W the sum of
 * the frontier's weights: about `rate` attacks a day, spread by priority. */
static void attacks(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    for (int32_t g = 0; g < (int32_t)c->ng; g++) {
        if (!c->has_force[g])
            continue;
        c->stamp++;
        for (size_t e = 0; e < c->m; e++) {
            int32_t a = s->edge_from[e], b = s->edge_to[e];
            if (!edge_open(c, (int32_t)e))
                continue;
            if (held(c, g, a) && attackable(c, g, b))
                c->mark[b] = c->stamp;
            if (held(c, g, b) && attackable(c, g, a))
                c->mark[a] = c->stamp;
        }
        double sum = 0;
        for (size_t v = 0; v < c->n; v++)
            if (c->mark[v] == c->stamp)
                sum += p->priority[s->node_kind[v]];
        uint32_t front = c->stamp;
        for (size_t v = 0; v < c->n && sum > 0; v++) {
            if (c->mark[v] != front || c->fight[v] >= 0)
                continue;
            key(c, P_ATTACK, (uint64_t)g * c->n + v, day);
            double w = p->priority[s->node_kind[v]];
            if (gsl_rng_uniform(c->rng) < 1 - exp(-p->attack_rate * w / sum))
                start_fight(c, (int32_t)v, g, 0, day, t_h, out);
        }
    }
}

/* A group that lost a node in a fight attacks it again with a daily hazard. */
static void counters(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    double p_day = 1 - exp(-c->p->counter_rate);
    for (size_t v = 0; v < c->n; v++) {
        int32_t g = c->lost_by[v];
        if (g < 0 || g == c->ctl[v] || c->fight[v] >= 0 ||
            status_of(c, (int32_t)v) == CFX_STATUS_DESTROYED)
            continue;
        key(c, P_COUNTER, v, day);
        if (gsl_rng_uniform(c->rng) < p_day)
            start_fight(c, (int32_t)v, g, 1, day, t_h, out);
    }
}

/* Strikes: a Poisson process on each road whose both ends, and each mine whose node, a
 * target group holds; at most one a day counts (a second only renews the cut). */
static void strikes(conflict *c, const cfx_world *w, long step, long day, double t_h,
                    cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    double p_road = 1 - exp(-p->road_rate), p_mine = 1 - exp(-p->mine_rate);
    for (size_t e = 0; e < c->m && p_road > 0; e++) {
        if (!p->strikable[c->ctl[s->edge_from[e]]] || !p->strikable[c->ctl[s->edge_to[e]]])
            continue;
        key(c, P_ROAD_STRIKE, e, day);
        if (gsl_rng_uniform(c->rng) < p_road)
            strike(c, t_h, -1, (int32_t)e, p->loss_p, p->cut_days, out);
    }
    for (size_t m = 0; m < s->n_mines && p_mine > 0; m++) {
        int32_t v = s->mine_node[m];
        if (!p->strikable[c->ctl[v]])
            continue;
        key(c, P_MINE_STRIKE, m, day);
        if (gsl_rng_uniform(c->rng) >= p_mine)
            continue;
        strike(c, t_h, v, -1, p->loss_p, p->cut_days, out);
        if (p->mine_damage > 0)
            damage_mine(c, w, step, (int32_t)m, p->mine_damage, out);
    }
}

/* China closes a gate within `hops` roads of fighting (a fight, or a scripted contest or
 * attack) with probability daily_p a day, for a uniform time in [days_min, days_max] or a
 * lognormal one with that 5-95 % range. */
static void closures(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    size_t n_src = 0;
    for (size_t v = 0; v < c->n; v++)
        if (c->fight[v] >= 0 || c->script[v] == CFX_STATUS_CONTESTED)
            c->src[n_src++] = (int32_t)v;
    if (!n_src)
        return;
    bfs(c, c->src, n_src, (int32_t)p->hops);
    uint32_t near = c->stamp;
    double zeta = 0.5 * log(p->days_min * p->days_max);
    double sigma = log(p->days_max / p->days_min) / (2 * 1.6448536269514722); /* z(0.95) */
    for (size_t v = 0; v < c->n; v++) {
        if (s->node_kind[v] != CFX_NODE_GATE || c->mark[v] != near || c->closed[v])
            continue;
        key(c, P_CLOSURE, v, day);
        if (gsl_rng_uniform(c->rng) >= p->daily_p)
            continue;
        double days = p->lognormal
                          ? gsl_ran_lognormal(c->rng, zeta, sigma)
                          : p->days_min + (p->days_max - p->days_min) * gsl_rng_uniform(c->rng);
        c->closed[v] = 1;
        touch(c, (int32_t)v);
        schedule(c, t_h + days * 24.0, T_CLOSURE, (int32_t)v, -1, 0, 0);
        log_event(out, CFX_EV_CLOSE, (int32_t)v, -1, days);
    }
}

/* ---------------------------------------------------------------- the step */

static void conflict_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    conflict *c = state;
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    double end_h = ctx->t_h + ctx->step_hours;
    /* Ends first (in the order they were scheduled), then the new events, so an event and
     * the end of an earlier one in the same step leave the event in force. */
    run_timers(c, end_h, out);
    while (c->next < s->n_events && s->events[c->next].day * 24.0 < end_h)
        apply_event(c, w, &s->events[c->next++], ctx->step, ctx->t_h, out);
    if (ctx->step % c->steps_per_day == 0) { /* the offensive draws once a day */
        if (p->offensive && p->attack_rate > 0)
            attacks(c, ctx->day, ctx->t_h, out);
        if (p->offensive && p->counter_rate > 0)
            counters(c, ctx->day, ctx->t_h, out);
        if (p->strikes)
            strikes(c, w, ctx->step, ctx->day, ctx->t_h, out);
        if (p->closures && p->daily_p > 0)
            closures(c, ctx->day, ctx->t_h, out);
    }
    flush(c, out);
}

/* ---------------------------------------------------------------- checkpoints */

/* Everything above that lasts from one step to the next. Not saved: what init derives from
 * the scenario and the parameters (forces, strengths, adjacency), the dirty lists (empty
 * between steps) and the generator (keyed afresh for every draw). */
enum { L_N, L_M, L_NG, L_NM, L_NNG, L_NLENS };
/* clang-format off */
#define CA(f, t, l) {#f, CFX_CKPT_##t, offsetof(conflict, f), l}
#define GA(name, k, l) {"gen_" #name, CFX_CKPT_U32, offsetof(conflict, gen[k]), l}
static const cfx_ckpt_array conflict_arrays[] = {
    GA(node, T_NODE, L_N),               GA(edge, T_EDGE, L_M),
    GA(ctl, T_CTL, L_N),                 GA(toll, T_TOLL, L_NG),
    GA(checkpoint, T_CHECKPOINT, L_N),   GA(halt, T_HALT, L_NM),
    GA(node_strike, T_NODE_STRIKE, L_N), GA(edge_strike, T_EDGE_STRIKE, L_M),
    GA(fight, T_FIGHT, L_N),             GA(closure, T_CLOSURE, L_N),
    GA(close_to, T_CLOSE_TO, L_NNG),     CA(closed_to, U8, L_NNG),
    CA(script, U8, L_N),              CA(struck, U8, L_N),
    CA(closed, U8, L_N),              CA(fight, I32, L_N),
    CA(fight_capture, U8, L_N),       CA(sent, U8, L_N),
    CA(escript, U8, L_M),             CA(estruck, U8, L_M),
    CA(esent, U8, L_M),               CA(ctl, I32, L_N),
    CA(lost_by, I32, L_N),            CA(toll, F64, L_NG),
    CA(tax, F64, L_N),                CA(seize, F64, L_N),
    CA(halted, U8, L_NM),             CA(cap, F64, L_NM),
    CA(cap_step, LONG, L_NM),         CA(mark, U32, L_N)};
#undef CA
#undef GA
static const cfx_ckpt_field conflict_fields[] = {
    {"next", CFX_CKPT_SIZE, offsetof(conflict, next)},
    {"stamp", CFX_CKPT_U32, offsetof(conflict, stamp)}};
#define TF(f, t) {"timer_" #f, CFX_CKPT_##t, offsetof(timer, f)}
static const cfx_ckpt_field timer_fields[] = {TF(t_h, F64),   TF(kind, I32), TF(index, I32),
                                              TF(group, I32), TF(gen, U32),  TF(x, F64),
                                              TF(x2, F64)};
#undef TF
/* clang-format on */

static int conflict_checkpoint(void *state, cfx_ckpt *ck)
{
    conflict *c = state;
    size_t lens[L_NLENS] = {
        [L_N] = c->n, [L_M] = c->m, [L_NG] = c->ng, [L_NM] = c->s->n_mines, [L_NNG] = c->n * c->nk};
    size_t n_tm = c->n_tm;
    if (cfx_ckpt_arrays(ck, conflict_arrays, sizeof conflict_arrays / sizeof *conflict_arrays, c,
                        lens) ||
        cfx_ckpt_fields(ck, conflict_fields, sizeof conflict_fields / sizeof *conflict_fields, c) ||
        cfx_ckpt_count(ck, "timers", SIZE_MAX / sizeof *c->tm, &n_tm))
        return cfx_ckpt_status(ck);
    if (!cfx_ckpt_saving(ck) && n_tm > c->cap_tm) {
        timer *v = realloc(c->tm, n_tm * sizeof *v);
        if (!v)
            return cfx_ckpt_fail(ck, "timers", "out of memory");
        c->tm = v;
        c->cap_tm = n_tm;
    }
    if (!cfx_ckpt_records(ck, timer_fields, sizeof timer_fields / sizeof *timer_fields, c->tm, n_tm,
                          sizeof *c->tm))
        c->n_tm = n_tm;
    return cfx_ckpt_status(ck);
}

const cfx_model_type cfx_model_conflict = {
    .name = "conflict",
    .phase = CFX_PHASE_EVENTS,
    .params = {.section = "conflict", .size = sizeof(conflict_params), .configure = conflict_configure, .free = conflict_params_free},
    .state_size = sizeof(conflict),
    .init = conflict_init,
    .step = conflict_step,
    .free = conflict_free,
    .checkpoint = conflict_checkpoint};
