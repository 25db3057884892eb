/* Production, first model: each mine adds output_t_per_day of concentrate to its stockpile,
 * spread evenly over the steps of a day, unless its node is destroyed. The engine loads
 * whole truckloads from the stockpile. */
#include "model.h"

static int production_init(void *state, const cfx_world *w, const void *params, cfx_error *err) { return 0; }

static void production_step(void *state, const cfx_world *w, cfx_step_ctx *ctx,
                            cfx_cmdbuf *out)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    const uint8_t *status = cfx_world_node_status(w);
    double share = ctx->step_hours / 24.0;
    for (size_t m = 0; m < s->n_mines; m++) {
        if (status[s->mine_node[m]] == CFX_STATUS_DESTROYED)
            continue;
        double t = s->mine_output_t_per_day[m] * share;
        if (t > 0)
            cfx_cmdbuf_push(out, (cfx_cmd){.kind = CFX_CMD_PRODUCE, .a = (int32_t)m, .x = t});
    }
}

const cfx_model_type cfx_model_production = {
    .name = "production", .phase = CFX_PHASE_PRODUCTION, .state_size = 1,
    .init = production_init, .step = production_step, .free = NULL};
