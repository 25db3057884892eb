/* The conflict model's offensive: groups with forces attack their frontier, losers counter-
 * attack, and China closes the gates near the fighting. All draws once a day, keyed by day. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/conflict/conflict.h"

/* A group's strength in a fight it starts at each node: that of its force nearest by road
 * (ties: the stronger); where none reaches, its strongest. */
int cfx_conflict__init_strengths(conflict *c)
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
            cfx_conflict__bfs(c, &p->force_node[f], 1, INT32_MAX);
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

/* What group g attacks node v with: its nearest force (init_strengths), or where it has no
 * force (a counter-attack by a group without one) its strength as a defender. */
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
    cfx_conflict__key(c, P_FIGHT, (uint64_t)v, day);
    double days = gsl_ran_lognormal(c->rng, log(p->fight_days_median), p->fight_days_sigma);
    double u = gsl_rng_uniform(c->rng);
    double x = s_att > 0 ? p->capture_a + p->capture_b * log(s_att / s_def) : -INFINITY;
    c->fight[v] = g;
    c->fight_capture[v] = u < 1 / (1 + exp(-x));
    cfx_conflict__touch(c, v);
    cfx_conflict__schedule(c, t_h + days * 24.0, T_FIGHT, v, -1, 0, 0, out);
    cfx_conflict__log_event(out, counter ? CFX_EV_COUNTERATTACK : CFX_EV_ATTACK, v, -1, days, g);
}

static int held(const conflict *c, int32_t g, int32_t v)
{
    return c->ctl[v] == g || c->base[(size_t)g * c->n + (size_t)v];
}

static int attackable(const conflict *c, int32_t g, int32_t v)
{
    return !held(c, g, v) && c->p->attackable[c->ctl[v]] && c->fight[v] < 0 &&
           c->p->priority[c->s->node_kind[v]] > 0 &&
           cfx_conflict__status_of(c, v) != CFX_STATUS_DESTROYED;
}

/* Each attacking group's frontier: nodes it does not hold next to one it holds, over open
 * roads. Node v is attacked today with probability 1 - exp(-rate w_v / W), W the sum of
 * the frontier's weights: about `rate` attacks a day, spread by priority. */
void cfx_conflict__attacks(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    for (int32_t g = 0; g < (int32_t)c->ng; g++) {
        if (!c->has_force[g])
            continue;
        c->stamp++;
        for (size_t e = 0; e < c->m; e++) {
            int32_t a = s->edge_from[e], b = s->edge_to[e];
            if (!cfx_conflict__edge_open(c, (int32_t)e))
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
            cfx_conflict__key(c, P_ATTACK, (uint64_t)g * c->n + v, day);
            double w = p->priority[s->node_kind[v]];
            if (gsl_rng_uniform(c->rng) < 1 - exp(-p->attack_rate * w / sum))
                start_fight(c, (int32_t)v, g, 0, day, t_h, out);
        }
    }
}

/* A group that lost a node in a fight attacks it again with a daily hazard. */
void cfx_conflict__counters(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    double p_day = 1 - exp(-c->p->counter_rate);
    for (size_t v = 0; v < c->n; v++) {
        int32_t g = c->lost_by[v];
        if (g < 0 || g == c->ctl[v] || c->fight[v] >= 0 ||
            cfx_conflict__status_of(c, (int32_t)v) == CFX_STATUS_DESTROYED)
            continue;
        cfx_conflict__key(c, P_COUNTER, v, day);
        if (gsl_rng_uniform(c->rng) < p_day)
            start_fight(c, (int32_t)v, g, 1, day, t_h, out);
    }
}

/* A fight ends as drawn when it began; a capture also cancels the end of a scripted one. */
void cfx_conflict__end_fight(conflict *c, int32_t v, cfx_cmdbuf *out)
{
    int32_t attacker = c->fight[v];
    c->fight[v] = -1;
    cfx_conflict__touch(c, v);
    if (c->fight_capture[v] && c->ctl[v] != attacker) {
        c->lost_by[v] = c->ctl[v];
        ++c->gen[T_CTL][v]; /* a scripted capture's reversal no longer applies */
        cfx_conflict__set_controller(c, v, attacker, out);
        cfx_conflict__log_event(out, CFX_EV_CAPTURE, v, -1, 0, attacker);
    } else {
        int32_t kind = c->fight_capture[v] ? CFX_EV_CAPTURE : CFX_EV_REPULSE;
        cfx_conflict__log_event(out, kind, v, -1, 0, attacker);
    }
}

/* China closes a gate within `hops` roads of fighting (a fight, or a scripted contest or
 * attack) with probability daily_p a day, for a uniform time in [days_min, days_max] or a
 * lognormal one with that 5-95 % range. */
void cfx_conflict__closures(conflict *c, long day, double t_h, cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    size_t n_src = 0;
    for (size_t v = 0; v < c->n; v++)
        if (c->fight[v] >= 0 || c->script[v] == CFX_STATUS_CONTESTED)
            c->src[n_src++] = (int32_t)v;
    if (!n_src)
        return;
    cfx_conflict__bfs(c, c->src, n_src, (int32_t)p->hops);
    uint32_t near = c->stamp;
    double zeta = 0.5 * log(p->days_min * p->days_max);
    double sigma = log(p->days_max / p->days_min) / (2 * 1.6448536269514722); /* z(0.95) */
    for (size_t v = 0; v < c->n; v++) {
        if (s->node_kind[v] != CFX_NODE_GATE || c->mark[v] != near || c->closed[v])
            continue;
        cfx_conflict__key(c, P_CLOSURE, v, day);
        if (gsl_rng_uniform(c->rng) >= p->daily_p)
            continue;
        double days = p->lognormal
                          ? gsl_ran_lognormal(c->rng, zeta, sigma)
                          : p->days_min + (p->days_max - p->days_min) * gsl_rng_uniform(c->rng);
        c->closed[v] = 1;
        cfx_conflict__touch(c, (int32_t)v);
        cfx_conflict__schedule(c, t_h + days * 24.0, T_CLOSURE, (int32_t)v, -1, 0, 0, out);
        cfx_conflict__log_event(out, CFX_EV_CLOSE, (int32_t)v, -1, days, p->closer);
    }
}
