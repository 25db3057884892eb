/* The conflict model's parameters: the scenario's 'conflict' section (offensive, strikes,
 * closures) read and checked, with the defaults models/README.md argues for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/conflict/conflict.h"

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

static void configure_closures(conflict_params *p, cfx_conf *cl, const cfx_scenario *s,
                               cfx_diags *d)
{
    p->closures = 1;
    const char *by = NULL;
    cfx_error err;
    if (cfx_conf_get_str(cl, "by", 0, &by, &err))
        cfx_diags_push(d, &err);
    else if (by && (p->closer = (int32_t)group_index(s, by)) < 0)
        unknown_group(cfx_conf_get(cl, "by"), by, "closures.by", s, d);
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

void cfx_conflict__configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
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
    p->closer = -1;
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
        configure_closures(p, cl, s, d);
}

void cfx_conflict__params_free(void *params)
{
    conflict_params *p = params;
    free(p->force_node);
    free(p->force_group);
    free(p->force_strength);
    free(p->defender_strength);
    free(p->attackable);
    free(p->strikable);
}
