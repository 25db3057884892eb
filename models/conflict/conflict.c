/* Conflict: the scenario's scripted events and a stochastic offensive (DESIGN §6), run
 * serially in the events phase. A node's status is the strongest of four layers, so that
 * the end of one cause never lifts another (destroyed > cut > closed > contested > open):
 *   scripted   cut, reopen, close, contest, attack, destroy (as the table says);
 *   struck     an air or drone strike's short cut;
 *   closed     China's closure of a gate near fighting;
 *   fight      contested while a fight of the offensive lasts.
 * Roads have the scripted and struck layers. Every random draw is keyed by (seed,
 * CFX_STREAM_CONFLICT, purpose and node, road, mine or group, day), so nothing depends on
 * order or thread. models/README.md ("Conflict") gives the equations and the keys.
 *
 * This file is the step and the descriptor; conflict.h lists what the others hold (params,
 * state, scripted events, timers, the offensive, strikes, checkpoint). */
#include "models/conflict/conflict.h"

static void conflict_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    conflict *c = state;
    const conflict_params *p = c->p;
    double end_h = ctx->t_h + ctx->step_hours;
    /* Ends first (in the order they were scheduled), then the new events, so an event and
     * the end of an earlier one in the same step leave the event in force. */
    cfx_conflict__run_timers(c, end_h, out);
    cfx_conflict__apply_events(c, w, ctx->step, ctx->t_h, end_h, out);
    if (ctx->step % c->steps_per_day == 0) { /* the offensive draws once a day */
        if (p->offensive && p->attack_rate > 0)
            cfx_conflict__attacks(c, ctx->day, ctx->t_h, out);
        if (p->offensive && p->counter_rate > 0)
            cfx_conflict__counters(c, ctx->day, ctx->t_h, out);
        if (p->strikes)
            cfx_conflict__strikes(c, w, ctx->step, ctx->day, ctx->t_h, out);
        if (p->closures && p->daily_p > 0)
            cfx_conflict__closures(c, ctx->day, ctx->t_h, out);
    }
    cfx_conflict__flush(c, out); /* the statuses, once each, as the layers now combine */
}

const cfx_model_type cfx_model_conflict = {
    .name = "conflict",
    .phase = CFX_PHASE_EVENTS,
    .params = {.section = "conflict",
               .size = sizeof(conflict_params),
               .configure = cfx_conflict__configure,
               .free = cfx_conflict__params_free},
    .state_size = sizeof(conflict),
    .init = cfx_conflict__init,
    .step = conflict_step,
    .free = cfx_conflict__free,
    .checkpoint = cfx_conflict__checkpoint,
};
