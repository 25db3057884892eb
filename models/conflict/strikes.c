/* Air and drone strikes, scripted or drawn: a short cut of a road or a node, trucks lost
 * while it lasts, and the share of a mine's equipment a strike or a demolition destroys. */
#include <math.h>

#include <gsl/gsl_rng.h>

#include "models/conflict/conflict.h"

/* An air or drone strike on node v or road e (the other -1): cut for days, and a truck there
 * is lost with chance p meanwhile (the engine draws it per truck). */
void cfx_conflict__strike(conflict *c, double t_h, int32_t v, int32_t e, double p, double days,
                          int32_t by, cfx_cmdbuf *out)
{
    double end_h = t_h + days * 24.0;
    if (v >= 0) {
        c->struck[v] = 1;
        cfx_conflict__touch(c, v);
        cfx_conflict__schedule(c, end_h, T_NODE_STRIKE, v, -1, 0, 0, out);
    } else {
        c->estruck[e] = 1;
        cfx_conflict__touch_edge(c, e);
        cfx_conflict__schedule(c, end_h, T_EDGE_STRIKE, e, -1, 0, 0, out);
    }
    cfx_conflict__emit(out, CFX_CMD_STRIKE, v, 0, e, p, days * 24.0);
    cfx_conflict__log_event(out, CFX_EV_STRIKE, v, e, days, by);
}

/* A share of a mine's equipment destroyed: what is left is scaled by (1 - share). */
void cfx_conflict__damage_mine(conflict *c, const cfx_world *w, long step, int32_t mine,
                               double share, cfx_cmdbuf *out)
{
    double now = c->cap_step[mine] == step ? c->cap[mine] : cfx_world_mine_capacity(w)[mine];
    c->cap[mine] = now * (1 - share);
    c->cap_step[mine] = step;
    cfx_conflict__emit(out, CFX_CMD_MINE_CAPACITY, mine, 0, 0, c->cap[mine], 0);
}

/* Strikes: a Poisson process on each road whose both ends, and each mine whose node, a
 * target group holds; at most one a day counts (a second only renews the cut). */
void cfx_conflict__strikes(conflict *c, const cfx_world *w, long step, long day, double t_h,
                           cfx_cmdbuf *out)
{
    const conflict_params *p = c->p;
    const cfx_scenario *s = c->s;
    double p_road = 1 - exp(-p->road_rate), p_mine = 1 - exp(-p->mine_rate);
    for (size_t e = 0; e < c->m && p_road > 0; e++) {
        if (!p->strikable[c->ctl[s->edge_from[e]]] || !p->strikable[c->ctl[s->edge_to[e]]])
            continue;
        cfx_conflict__key(c, P_ROAD_STRIKE, e, day);
        if (gsl_rng_uniform(c->rng) < p_road)
            cfx_conflict__strike(c, t_h, -1, (int32_t)e, p->loss_p, p->cut_days, -1, out);
    }
    for (size_t m = 0; m < s->n_mines && p_mine > 0; m++) {
        int32_t v = s->mine_node[m];
        if (!p->strikable[c->ctl[v]])
            continue;
        cfx_conflict__key(c, P_MINE_STRIKE, m, day);
        if (gsl_rng_uniform(c->rng) >= p_mine)
            continue;
        cfx_conflict__strike(c, t_h, v, -1, p->loss_p, p->cut_days, -1, out);
        if (p->mine_damage > 0)
            cfx_conflict__damage_mine(c, w, step, (int32_t)m, p->mine_damage, out);
    }
}
