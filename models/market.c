/* Market, first model: per product, a processors' inventory fed by the network's deliveries
 * (after processing_days) and by other sources, drawn down by demand. The day's price comes
 * from stock cover (Sterman, Business Dynamics, ch. 20):
 *   cover = I / D0 (days),  price = P0 * (cover / cover_days)^(-cover_price_exponent),
 * clipped to [price_min_ratio, price_max_ratio] * P0; demand = D0 (price/P0)^(-elasticity);
 * the day's use is min(demand, inventory); shortfall = max(0, D0 - use). */
#include <math.h>
#include <stdlib.h>

#include "model.h"

/* Per-product market parameters (market.products.<P>.*). */
typedef struct product_params {
    double other_supply_t_per_day;           /* supply from outside the network, t/day */
    double cover_days;                       /* reference inventory cover, days of D0 */
    double initial_cover_days;               /* inventory at day 0, days of D0 */
    double cover_price_exponent;             /* price = P0 (cover/cover_days)^-exponent */
    double demand_elasticity;                /* demand = D0 (price/P0)^-elasticity */
    double price_min_ratio, price_max_ratio; /* price clipped to [min, max] * P0 */
} product_params;

typedef struct market_params {
    double processing_days; /* delivery at a market node to separated oxide, days */
    product_params p[CFX_MAX_PRODUCTS];
} market_params;

static void market_configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
{
    market_params *mp = params;
    for (size_t i = 0; i < s->n_products; i++)
        mp->p[i] = (product_params){.cover_days = 60,
                                    .initial_cover_days = -1,
                                    .cover_price_exponent = 1,
                                    .price_min_ratio = 0.5,
                                    .price_max_ratio = 10};
    if (!section)
        return;
    cfx_conf_get_range(section, "processing_days", 0, &mp->processing_days, 0, 3650, 0,
                       "in [0, 3650] days", d);
    cfx_conf *products = cfx_conf_get(section, "products");
    for (size_t i = 0; products && i < s->n_products; i++) {
        cfx_conf *c = cfx_conf_get(products, s->products[i].name);
        product_params *p = &mp->p[i];
        if (!c || c->kind != CFX_CONF_MAP)
            continue; /* the loader reported it */
        cfx_conf_get_range(c, "other_supply_t_per_day", 0, &p->other_supply_t_per_day, 0, 1e9, 0,
                           "a non-negative rate in t/day", d);
        cfx_conf_get_range(c, "cover_days", 0, &p->cover_days, 0, 3650, 1, "in (0, 3650] days", d);
        cfx_conf_get_range(c, "initial_cover_days", 0, &p->initial_cover_days, 0, 3650, 0,
                           "in [0, 3650] days", d);
        cfx_conf_get_range(c, "cover_price_exponent", 0, &p->cover_price_exponent, 0, 100, 0,
                           "in [0, 100]", d);
        cfx_conf_get_range(c, "demand_elasticity", 0, &p->demand_elasticity, 0, 10, 0, "in [0, 10]",
                           d);
        cfx_conf_get_range(c, "price_min_ratio", 0, &p->price_min_ratio, 0, 1, 1, "in (0, 1]", d);
        cfx_conf_get_range(c, "price_max_ratio", 0, &p->price_max_ratio, 1, 1e6, 0, "at least 1",
                           d);
    }
    for (size_t i = 0; i < s->n_products; i++)
        if (mp->p[i].initial_cover_days < 0)
            mp->p[i].initial_cover_days = mp->p[i].cover_days;
}

typedef struct market {
    const market_params *params;
    size_t np;
    long lag;          /* processing delay, whole days */
    double *inventory; /* np, t */
    double *pipe;      /* np * lag: deliveries in processing, t/day, a ring */
    long head;
} market;

static int market_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    m->params = params;
    m->np = s->n_products;
    m->lag = lround(m->params->processing_days);
    m->inventory = calloc(m->np, sizeof *m->inventory);
    m->pipe = calloc(m->np * (size_t)(m->lag ? m->lag : 1), sizeof *m->pipe);
    if (!m->inventory || !m->pipe)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (market)");
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        const product_params *pp = &m->params->p[p];
        m->inventory[p] = pp->initial_cover_days * pr->demand_t_per_day;
        /* Processing is assumed in steady state at the start: the network's share of
         * demand is already in the pipeline. */
        double expected = fmax(0, pr->demand_t_per_day - pp->other_supply_t_per_day);
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
        const product_params *pp = &m->params->p[p];
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
        double ratio = cover > 0 ? pow(cover / pp->cover_days, -pp->cover_price_exponent)
                                 : pp->price_max_ratio;
        ratio = fmin(fmax(ratio, pp->price_min_ratio), pp->price_max_ratio);
        double price = p0 * ratio;
        double demand = d0 * pow(ratio, -pp->demand_elasticity);
        double supply = from_network + pp->other_supply_t_per_day;
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

const cfx_model_type cfx_model_market = {.name = "market",
                                         .phase = CFX_PHASE_MARKET,
                                         .section = "market",
                                         .params_size = sizeof(market_params),
                                         .configure = market_configure,
                                         .state_size = sizeof(market),
                                         .init = market_init,
                                         .step = market_step,
                                         .free = market_free};
