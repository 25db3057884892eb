/* Market: each day and for each product, the price that clears demand, the processors' stock
 * adjustment and supply (network deliveries after separation, other sources that ramp with
 * price at a bounded rate, a state reserve with a release policy), found with GSL's Brent
 * solver. The equations and every key are in models/README.md, "Market". */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "engine/model.h"

/* Root finding on u = ln(P / P0): the clip bounds span up to 12 orders of magnitude of price,
 * where a log scale keeps Brent's steps well conditioned. */
#define U_TOL 1e-13     /* |u - root| at convergence: a relative price error of 1e-13 */
#define MAX_ITER 200    /* Brent needs ~10-40 on a bracket of width <= 28 */
#define EXP_ARG_MAX 600 /* caps exp() in the stock target so the balance stays finite */

/* Per-product market parameters (market.products.<P>.*); units in the names. */
typedef struct product_params {
    double other_supply_t_per_day;           /* O0: other sources at P0, t/day */
    double other_supply_elasticity;          /* eta: other supply's target O0 (P/P0)^eta */
    double other_supply_ramp_share_per_year; /* bound on its change, share of D0 a year */
    double cover_days;                       /* processors' target stock at P0, days of D0 */
    double initial_cover_days;               /* processors' stock at day 0, days of D0 */
    double cover_price_exponent;             /* x: target stock c D0 (P/P0)^(-1/x); 0: fixed P */
    double stock_adjustment_days;            /* a: days to close the stock gap, >= 1 */
    double demand_elasticity;                /* eps: demand = D0 (P/P0)^-eps */
    double price_min_ratio, price_max_ratio; /* price clipped to [min, max] * P0 */
    double reserve_t;                        /* state reserve at day 0 and its ceiling, t */
    double reserve_release_t_per_day;        /* most it releases a day, t/day */
    double reserve_release_ratio;            /* it releases while P > this * P0 */
    double reserve_buy_t_per_day;            /* most it buys back a day, t/day */
    double reserve_buy_ratio;                /* it buys while P < this * P0 (0: never) */
} product_params;

typedef struct market_params {
    double processing_days; /* delivery at a market node to separated oxide, days */
    product_params p[CFX_MAX_PRODUCTS];
} market_params;

static void configure_product(product_params *p, cfx_conf *c, cfx_diags *d)
{
    cfx_conf_get_range(c, "other_supply_t_per_day", 0, &p->other_supply_t_per_day, 0, 1e9, 0,
                       "a non-negative rate in t/day", d);
    cfx_conf_get_range(c, "other_supply_elasticity", 0, &p->other_supply_elasticity, 0, 10, 0,
                       "in [0, 10]", d);
    cfx_conf_get_range(c, "other_supply_ramp_share_per_year", 0,
                       &p->other_supply_ramp_share_per_year, 0, 10, 0,
                       "a share of demand a year in [0, 10]", d);
    cfx_conf_get_range(c, "cover_days", 0, &p->cover_days, 0, 3650, 1, "in (0, 3650] days", d);
    cfx_conf_get_range(c, "initial_cover_days", 0, &p->initial_cover_days, 0, 3650, 0,
                       "in [0, 3650] days", d);
    cfx_conf_get_range(c, "cover_price_exponent", 0, &p->cover_price_exponent, 0, 100, 0,
                       "in [0, 100]", d);
    cfx_conf_get_range(c, "stock_adjustment_days", 0, &p->stock_adjustment_days, 1, 3650, 0,
                       "in [1, 3650] days", d);
    cfx_conf_get_range(c, "demand_elasticity", 0, &p->demand_elasticity, 0, 10, 0, "in [0, 10]", d);
    cfx_conf_get_range(c, "price_min_ratio", 0, &p->price_min_ratio, 0, 1, 1, "in (0, 1]", d);
    cfx_conf_get_range(c, "price_max_ratio", 0, &p->price_max_ratio, 1, 1e6, 0, "in [1, 1e6]", d);
    cfx_conf_get_range(c, "reserve_t", 0, &p->reserve_t, 0, 1e9, 0, "a non-negative mass in t", d);
    cfx_conf_get_range(c, "reserve_release_t_per_day", 0, &p->reserve_release_t_per_day, 0, 1e9, 0,
                       "a non-negative rate in t/day", d);
    cfx_conf_get_range(c, "reserve_release_ratio", 0, &p->reserve_release_ratio, 1, 1e6, 0,
                       "in [1, 1e6]", d);
    cfx_conf_get_range(c, "reserve_buy_t_per_day", 0, &p->reserve_buy_t_per_day, 0, 1e9, 0,
                       "a non-negative rate in t/day", d);
    cfx_conf_get_range(c, "reserve_buy_ratio", 0, &p->reserve_buy_ratio, 0, 1, 0, "in [0, 1]", d);
}

static void market_configure(void *params, cfx_conf *section, const cfx_scenario *s, cfx_diags *d)
{
    market_params *mp = params;
    for (size_t i = 0; i < s->n_products; i++)
        mp->p[i] = (product_params){.other_supply_ramp_share_per_year = 0.04, /* [SPRE17] */
                                    .cover_days = 60,
                                    .initial_cover_days = -1,
                                    .cover_price_exponent = 1,
                                    .stock_adjustment_days = 1,
                                    .price_min_ratio = 0.5,
                                    .price_max_ratio = 10,
                                    .reserve_release_ratio = 1.5};
    cfx_conf *products = NULL;
    if (section) {
        cfx_conf_get_range(section, "processing_days", 0, &mp->processing_days, 0, 3650, 0,
                           "in [0, 3650] days", d);
        products = cfx_conf_get(section, "products");
    }
    for (size_t i = 0; products && i < s->n_products; i++) {
        cfx_conf *c = cfx_conf_get(products, s->products[i].name);
        if (c && c->kind == CFX_CONF_MAP) /* else the loader reported it */
            configure_product(&mp->p[i], c, d);
    }
    for (size_t i = 0; i < s->n_products; i++)
        if (mp->p[i].initial_cover_days < 0)
            mp->p[i].initial_cover_days = mp->p[i].cover_days;
}

typedef struct market {
    const market_params *params;
    size_t np;
    long lag;             /* processing delay, whole days */
    double *inventory;    /* np: processors' stock, t */
    double *reserve;      /* np: state reserve, t */
    double *other;        /* np: other supply, t/day */
    double *ratio;        /* np: the last cleared price / P0 */
    double *pipe;         /* np * lag: deliveries in processing, t/day, a ring */
    long head;            /* ring slot of the oxide that is ready today */
    gsl_root_fsolver *fs; /* Brent workspace, reused every day */
} market;

static int market_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    m->params = params;
    m->np = s->n_products;
    m->lag = lround(m->params->processing_days);
    m->inventory = calloc(4 * m->np, sizeof *m->inventory);
    m->pipe = calloc(m->np * (size_t)(m->lag ? m->lag : 1), sizeof *m->pipe);
    m->fs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!m->inventory || !m->pipe || !m->fs)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (market)");
    m->reserve = m->inventory + m->np;
    m->other = m->reserve + m->np;
    m->ratio = m->other + m->np;
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        const product_params *pp = &m->params->p[p];
        m->inventory[p] = pp->initial_cover_days * pr->demand_t_per_day;
        m->reserve[p] = pp->reserve_t;
        m->other[p] = pp->other_supply_t_per_day;
        m->ratio[p] = 1;
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
    free(m->inventory); /* also reserve, other and ratio */
    free(m->pipe);
    gsl_root_fsolver_free(m->fs);
}

/* One day's balance of a product, as a function of u = ln(P / P0). */
typedef struct balance {
    double d0_t_per_day;     /* D0 */
    double eps;              /* demand elasticity */
    double target0_t;        /* processors' target stock at P0: cover_days * D0 */
    double inv_x;            /* 1 / cover_price_exponent */
    double inventory_t;      /* processors' stock at the start of the day */
    double adj_days;         /* stock adjustment time */
    double supply_t_per_day; /* S + R: supply, reserve release (< 0: purchase) included */
} balance;

static double demand_at(const balance *b, double u)
{
    return b->d0_t_per_day * exp(-b->eps * u);
}

/* Excess demand, t/day: D(P) + (I*(P) - I) / a - (S + R). Decreasing in u; finite for
 * finite inputs, so Brent never reaches GSL's error handler. */
static double excess(double u, void *params)
{
    const balance *b = params;
    double target = b->target0_t * exp(fmin(-b->inv_x * u, EXP_ARG_MAX));
    return demand_at(b, u) + (target - b->inventory_t) / b->adj_days - b->supply_t_per_day;
}

/* The u in [lo, hi] that clears b. Without a sign change the balance cannot clear inside
 * the interval: lo when supply exceeds demand already at lo, hi when demand exceeds supply
 * even at hi. Should Brent fail (it cannot on a finite bracket, but its codes are checked),
 * the midpoint of its last bracket is taken: deterministic, and within U_TOL of the root
 * once the bracket has shrunk. */
static double clear(gsl_root_fsolver *fs, balance *b, double lo, double hi)
{
    double flo = excess(lo, b), fhi = excess(hi, b);
    if (!(flo > 0))
        return lo;
    if (!(fhi < 0))
        return hi;
    gsl_function f = {.function = excess, .params = b};
    if (gsl_root_fsolver_set(fs, &f, lo, hi) != GSL_SUCCESS)
        return 0.5 * (lo + hi);
    for (int it = 0; it < MAX_ITER; it++) {
        if (gsl_root_fsolver_iterate(fs) != GSL_SUCCESS)
            break;
        double a = gsl_root_fsolver_x_lower(fs), c = gsl_root_fsolver_x_upper(fs);
        if (gsl_root_test_interval(a, c, U_TOL, 0) == GSL_SUCCESS)
            return gsl_root_fsolver_root(fs);
    }
    return 0.5 * (gsl_root_fsolver_x_lower(fs) + gsl_root_fsolver_x_upper(fs));
}

/* The day's u and the reserve's release R (t/day, < 0: purchase). The reserve defends its
 * triggers: when the market would clear above the release trigger, it releases up to its
 * limit, and the price stays at the trigger if a partial release suffices; the same below
 * the buy trigger. R enters the balance through b->supply_t_per_day. */
static double clear_with_reserve(market *m, const product_params *pp, balance *b, double reserve_t,
                                 double *release_t_per_day)
{
    double lo = log(pp->price_min_ratio), hi = log(pp->price_max_ratio);
    double rel_max = fmin(pp->reserve_release_t_per_day, reserve_t);
    double buy_max = fmin(pp->reserve_buy_t_per_day, fmax(0, pp->reserve_t - reserve_t));
    *release_t_per_day = 0;
    double u_rel = log(pp->reserve_release_ratio);
    if (rel_max > 0 && u_rel < hi) {
        double e = excess(u_rel, b);
        if (e > 0) {
            *release_t_per_day = fmin(e, rel_max);
            if (e <= rel_max)
                return u_rel;
            b->supply_t_per_day += rel_max;
            return clear(m->fs, b, u_rel, hi);
        }
    }
    if (buy_max > 0 && pp->reserve_buy_ratio > pp->price_min_ratio) {
        double u_buy = log(pp->reserve_buy_ratio);
        double e = excess(u_buy, b);
        if (e < 0) {
            *release_t_per_day = -fmin(-e, buy_max);
            if (-e <= buy_max)
                return u_buy;
            b->supply_t_per_day -= buy_max;
            return clear(m->fs, b, lo, u_buy);
        }
    }
    return clear(m->fs, b, lo, hi);
}

static void market_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    cfx_market_obs *o = ctx->market;
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        const product_params *pp = &m->params->p[p];
        double d0 = pr->demand_t_per_day;
        double from_network = ctx->delivered_t[p];
        if (m->lag) {
            double *slot = &m->pipe[p * (size_t)m->lag + (size_t)m->head];
            double ready = *slot;
            *slot = from_network;
            from_network = ready;
        }
        /* Other producers answer yesterday's price, at a bounded rate either way. */
        double ramp = pp->other_supply_ramp_share_per_year * d0 / 365;
        double goal = pp->other_supply_t_per_day * pow(m->ratio[p], pp->other_supply_elasticity);
        m->other[p] += fmin(fmax(goal - m->other[p], -ramp), ramp);
        double supply = from_network + m->other[p];

        balance b = {.d0_t_per_day = d0,
                     .eps = pp->demand_elasticity,
                     .target0_t = pp->cover_days * d0,
                     .inv_x = pp->cover_price_exponent > 0 ? 1 / pp->cover_price_exponent : 0,
                     .inventory_t = m->inventory[p],
                     .adj_days = pp->stock_adjustment_days,
                     .supply_t_per_day = supply};
        double release = 0, u = 0; /* exponent 0: the price stays at P0, stocks absorb all */
        if (pp->cover_price_exponent > 0)
            u = clear_with_reserve(m, pp, &b, m->reserve[p], &release);
        double ratio = fmin(fmax(exp(u), pp->price_min_ratio), pp->price_max_ratio);
        double demand = demand_at(&b, log(ratio));
        /* Cleared, stocks end at I + (I* - I)/a >= 0; at the ceiling buyers draw stocks down
         * to zero, then get only the day's supply. */
        double available = m->inventory[p] + supply + release;
        double use = fmax(0, fmin(demand, available));
        m->inventory[p] = available - use;
        m->reserve[p] -= release;
        m->ratio[p] = ratio;
        o->price_usd_per_kg[p] = pr->price_usd_per_kg * ratio;
        o->demand_t_per_day[p] = demand;
        o->supply_t_per_day[p] = supply + release;
        o->shortfall_t_per_day[p] = fmax(0, d0 - use);
        o->inventory_t[p] = m->inventory[p] + m->reserve[p];
    }
    if (m->lag)
        m->head = (m->head + 1) % m->lag;
}

/* Checkpoints: the stocks, other supply and last price of each product (one block), the
 * processing pipeline and its head (the solver's workspace keeps nothing between days). */
static int market_checkpoint(void *state, cfx_ckpt *ck)
{
    market *m = state;
    static const cfx_ckpt_field fields[] = {{"head", CFX_CKPT_LONG, offsetof(market, head)}};
    static const cfx_ckpt_array arrays[] = {
        {"inventory_reserve_other_ratio", CFX_CKPT_F64, offsetof(market, inventory), 0},
        {"pipe", CFX_CKPT_F64, offsetof(market, pipe), 1}};
    size_t lens[2] = {4 * m->np, m->np * (size_t)m->lag};
    cfx_ckpt_fields(ck, fields, 1, m);
    return cfx_ckpt_arrays(ck, arrays, 2, m, lens);
}

const cfx_model_type cfx_model_market = {
    .name = "market",
    .phase = CFX_PHASE_MARKET,
    .params = {.section = "market", .size = sizeof(market_params), .configure = market_configure},
    .state_size = sizeof(market),
    .init = market_init,
    .step = market_step,
    .free = market_free,
    .checkpoint = market_checkpoint};
