/* Market, first model: per product, a processors' inventory fed by the network's deliveries
 * (after processing_days) and by other sources, drawn down by demand. The day's price comes
 * from stock cover (Sterman, Business Dynamics, ch. 20):
 *   cover = I / D0 (days),  price = P0 * (cover / cover_days)^(-cover_price_exponent),
 * clipped to [price_min_ratio, price_max_ratio] * P0; demand = D0 (price/P0)^(-elasticity);
 * the day's use is min(demand, inventory); shortfall = max(0, D0 - use). */
#include <math.h>
#include <stdlib.h>

#include "model.h"

typedef struct market {
    size_t np;
    long lag;           /* processing delay, whole days */
    double *inventory;  /* np, t */
    double *pipe;       /* np * lag: deliveries in processing, t/day, a ring */
    long head;
} market;

static int market_init(void *state, const cfx_world *w, cfx_error *err)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    m->np = s->n_products;
    m->lag = lround(s->processing_days);
    m->inventory = calloc(m->np, sizeof *m->inventory);
    m->pipe = calloc(m->np * (size_t)(m->lag ? m->lag : 1), sizeof *m->pipe);
    if (!m->inventory || !m->pipe)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (market)");
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        m->inventory[p] = pr->initial_cover_days * pr->demand_t_per_day;
        /* Processing is assumed in steady state at the start: the network's share of
         * demand is already in the pipeline. */
        double expected = fmax(0, pr->demand_t_per_day - pr->other_supply_t_per_day);
        for (long k = 0; k < m->lag; k++)
            m->pipe[p * (size_t)m->lag + (size_t)k] = expected;
    }
    return 0;
}

static void market_free(void *state)
{
    market *m = state;
    free(m->inventory);
    free(m->pipe);
}

static void market_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    cfx_market_obs *o = ctx->market;
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        double from_network = ctx->delivered_t[p];
        if (m->lag) {
            double *slot = &m->pipe[p * (size_t)m->lag + (size_t)m->head];
            double ready = *slot;
            *slot = from_network;
            from_network = ready;
        }
        double d0 = pr->demand_t_per_day, p0 = pr->price_usd_per_kg;
        double inv = m->inventory[p];
        double cover = inv / d0;
        double ratio = cover > 0 ? pow(cover / pr->cover_days, -pr->cover_price_exponent)
                                 : pr->price_max_ratio;
        ratio = fmin(fmax(ratio, pr->price_min_ratio), pr->price_max_ratio);
        double price = p0 * ratio;
        double demand = d0 * pow(ratio, -pr->demand_elasticity);
        double supply = from_network + pr->other_supply_t_per_day;
        inv += supply;
        double use = fmin(demand, inv);
        inv -= use;
        m->inventory[p] = inv;
        o->price_usd_per_kg[p] = price;
        o->demand_t_per_day[p] = demand;
        o->supply_t_per_day[p] = supply;
        o->shortfall_t_per_day[p] = fmax(0, d0 - use);
        o->inventory_t[p] = inv;
    }
    if (m->lag)
        m->head = (m->head + 1) % m->lag;
}

const cfx_model_type cfx_model_market = {
    .name = "market", .phase = CFX_PHASE_MARKET, .state_size = sizeof(market),
    .init = market_init, .step = market_step, .free = market_free};
