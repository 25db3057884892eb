/* Market: each day and for each product, the price that clears demand, the processors' stock
 * adjustment and supply (network deliveries after separation at a bounded rate, other sources
 * that ramp with price at a bounded rate, a state reserve with a release policy), found with
 * GSL's Brent solver. Buyers anticipate: their stock target adds the supply gap they expect
 * over a horizon, from the seasons, from what the network delivers now against normal
 * times, and from news. The equations and every key are in models/README.md, "Market". */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "core/date.h"
#include "engine/model.h"

/* Root finding on u = ln(P / P0): the clip bounds span up to 12 orders of magnitude of price,
 * where a log scale keeps Brent's steps well conditioned. */
#define U_TOL 1e-13     /* |u - root| at convergence: a relative price error of 1e-13 */
#define MAX_ITER 200    /* Brent needs ~10-40 on a bracket of width <= 28 */
#define EXP_ARG_MAX 600 /* caps exp() in the stock target so the balance stays finite */
/* The network's first trucks are on the road: for the first days buyers do not read the
 * arrivals (they would see a shortfall that is only the empty roads of day 0), and until
 * the first delivery the processors are fed as in normal times (the start-up assumption of
 * a full pipeline, stretched over the roads). A week is longer than any trip of kachin-2025
 * (about 2.3 days from mine to market). */
#define WARMUP_DAYS 7

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
    double processing_capacity_t_per_day;    /* most separated a day, t/day; 0: no limit */
    /* expectations (models/README.md, "Buyers who anticipate") */
    double precautionary_share;      /* kappa: share of the expected gap held as extra stock */
    double expectation_horizon_days; /* H: how far ahead buyers look, days */
    double disruption_days;          /* L: how long buyers expect a shortfall they see to last */
    double expectation_days;         /* tau: days over which buyers average what they see */
    double expectation_threshold;    /* delta: a seen shortfall or surplus counts beyond this
                                        share of normal (trucks arrive in lumps) */
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
    cfx_conf_get_range(c, "processing_capacity_t_per_day", 0, &p->processing_capacity_t_per_day,
                       0, 1e9, 0, "a non-negative rate in t/day (0: no limit)", d);
    cfx_conf_get_range(c, "precautionary_share", 0, &p->precautionary_share, 0, 10, 0,
                       "in [0, 10]", d);
    cfx_conf_get_range(c, "expectation_horizon_days", 0, &p->expectation_horizon_days, 1, 3650, 0,
                       "in [1, 3650] days", d);
    cfx_conf_get_range(c, "disruption_days", 0, &p->disruption_days, 0, 3650, 1,
                       "in (0, 3650] days", d);
    cfx_conf_get_range(c, "expectation_days", 0, &p->expectation_days, 1, 3650, 0,
                       "in [1, 3650] days", d);
    cfx_conf_get_range(c, "expectation_threshold", 0, &p->expectation_threshold, 0, 1, 0,
                       "a share of normal supply in [0, 1]", d);
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
                                    .reserve_release_ratio = 1.5,
                                    .expectation_horizon_days = 365,
                                    .disruption_days = 90,
                                    .expectation_days = 7,
                                    .expectation_threshold = 0.2};
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

/* A news event as the market reads it from the scenario's table (scenario.h, CFX_EV_NEWS). */
typedef struct news {
    double known_day;   /* when buyers learn it */
    double from, until; /* the days of the expected loss, [from, until) */
    double share;       /* share of the network's supply of its products expected lost */
    uint32_t products;
} news;

typedef struct market {
    const market_params *params;
    size_t np;
    long lag;             /* processing delay, whole days */
    long start_z;         /* day 0, days from 1970-01-01 */
    long horizon;         /* the longest expectation horizon of any product, days */
    double *inventory;    /* np: processors' stock, t */
    double *reserve;      /* np: state reserve, t */
    double *other;        /* np: other supply, t/day */
    double *ratio;        /* np: the last cleared price / P0 */
    double *gap;          /* np: the share of normal network supply buyers see missing now */
    double *backlog;      /* np: delivered, waiting for separation capacity, t */
    double *pipe;         /* np * lag: deliveries in processing, t/day, a ring */
    long head;            /* ring slot of the oxide that is ready today */
    int started;          /* the day-0 stocks are set (on the first day: they need the outlook) */
    int normal_known;     /* normal[] is read from the world's outlook (on the first step,
                             and again after a resume: not checkpointed, rebuilt) */
    int flowing;          /* the network has delivered something, or the warm-up is over */
    news *news;           /* the scenario's news events, by day */
    size_t n_news;
    double *normal;       /* np x 12: the network's delivery in normal times by month, t/day */
    int *month;           /* 1 + lag + horizon: the calendar month of each day ahead */
    long month_day;       /* the day month[0] is for (-1: none yet) */
    double *foretold;     /* 1 + lag + horizon: scratch, the loss news foretells each day ahead */
    double *inflow;       /* 1 + lag + horizon: scratch, the supply expected each day ahead */
    double *weight;       /* np x (1 + horizon): precautionary_share x exp(-k / disruption_days),
                             the weight of a loss seen now k days ahead (exp once, not daily) */
    gsl_root_fsolver *fs; /* Brent workspace, reused every day */
} market;

static int market_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    m->params = params;
    m->np = s->n_products;
    m->lag = lround(m->params->processing_days);
    m->start_z = cfx_days_from_civil(s->start_y, s->start_m, s->start_d);
    for (size_t p = 0; p < m->np; p++) {
        long h = lround(m->params->p[p].expectation_horizon_days);
        m->horizon = h > m->horizon ? h : m->horizon;
    }
    size_t ahead = (size_t)(1 + m->lag + m->horizon);
    m->inventory = calloc(6 * m->np, sizeof *m->inventory);
    m->pipe = calloc(m->np * (size_t)(m->lag ? m->lag : 1), sizeof *m->pipe);
    m->normal = calloc(m->np * 12 + 1, sizeof *m->normal);
    m->month = calloc(ahead, sizeof *m->month);
    m->foretold = calloc(ahead, sizeof *m->foretold);
    m->inflow = calloc(ahead, sizeof *m->inflow);
    m->weight = calloc(m->np * (size_t)(1 + m->horizon), sizeof *m->weight);
    m->month_day = -1;
    m->news = calloc(s->n_events + 1, sizeof *m->news);
    m->fs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!m->inventory || !m->pipe || !m->normal || !m->month || !m->foretold || !m->inflow ||
        !m->weight || !m->news || !m->fs)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (market)");
    m->reserve = m->inventory + m->np;
    m->other = m->reserve + m->np;
    m->ratio = m->other + m->np;
    m->gap = m->ratio + m->np;
    m->backlog = m->gap + m->np;
    for (size_t i = 0; i < s->n_events; i++) {
        const cfx_event_spec *e = &s->events[i];
        if (e->kind == CFX_EV_NEWS)
            m->news[m->n_news++] = (news){.known_day = e->day,
                                          .from = e->day + e->notice_days,
                                          .until = e->day + e->notice_days + e->days,
                                          .share = e->value,
                                          .products = e->products};
    }
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        const product_params *pp = &m->params->p[p];
        m->reserve[p] = pp->reserve_t;
        m->other[p] = pp->other_supply_t_per_day;
        m->ratio[p] = 1;
        /* Processing is assumed in steady state at the start: the network's share of
         * demand is already in the pipeline. The stocks are set on the first day. */
        double expected = fmax(0, pr->demand_t_per_day - pp->other_supply_t_per_day);
        for (long k = 0; k < m->lag; k++)
            m->pipe[p * (size_t)m->lag + (size_t)k] = expected;
        for (long k = 0; k <= m->horizon; k++)
            m->weight[p * (size_t)(1 + m->horizon) + (size_t)k] =
                pp->precautionary_share * exp(-(double)k / pp->disruption_days);
    }
    return 0;
}

static void market_free(void *state)
{
    market *m = state;
    free(m->inventory); /* also reserve, other, ratio, gap and backlog */
    free(m->pipe);
    free(m->normal);
    free(m->month);
    free(m->foretold);
    free(m->inflow);
    free(m->weight);
    free(m->news);
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

/* The network's delivery of each product in normal times by calendar month, t/day: the
 * mines' outlook (their seasons, engine/model.h) times their grades. */
static void normal_supply(market *m, const cfx_world *w)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    const double *outlook = cfx_world_mine_outlook(w);
    memset(m->normal, 0, m->np * 12 * sizeof *m->normal);
    for (size_t k = 0; k < s->n_mines; k++)
        for (size_t p = 0; p < m->np; p++) {
            double g = s->mine_grade[k * m->np + p];
            for (size_t mo = 0; g > 0 && mo < 12; mo++)
                m->normal[p * 12 + mo] += outlook[k * 12 + mo] * g;
        }
}

/* What buyers see: today's deliveries at the markets against normal times, a share missing
 * (< 0: more than normal, a backlog crossing), averaged over expectation_days (adaptive
 * expectations, Nerlove 1958). */
static void observe(market *m, size_t p, double arrived, long day)
{
    const product_params *pp = &m->params->p[p];
    if (day < WARMUP_DAYS)
        return;
    double normal = m->normal[p * 12 + (size_t)m->month[0]];
    double seen = normal > 1e-12 ? fmax(-1, 1 - arrived / normal) : 0;
    m->gap[p] += (seen - m->gap[p]) * (1 - exp(-1 / pp->expectation_days));
}

/* The share of product p's network supply that the news known by `day` says is lost on each
 * day k = 1..n ahead, into out[k]: the latest news covering day + k wins (so a later one can
 * retract an earlier one); -INFINITY where none covers it. */
static void news_ahead(const market *m, size_t p, long day, long n, double *out)
{
    for (long k = 1; k <= n; k++)
        out[k] = -INFINITY;
    for (size_t i = 0; i < m->n_news && m->news[i].known_day <= (double)day; i++) {
        const news *x = &m->news[i];
        if (!((x->products >> p) & 1u))
            continue;
        /* the whole days d = day + k with from <= d < until */
        double lo = fmax(1, ceil(x->from) - (double)day);
        double hi = fmin((double)n, ceil(x->until) - 1 - (double)day);
        for (long k = (long)lo; lo <= hi && k <= (long)hi; k++)
            out[k] = x->share;
    }
}

/* The stock buyers want beyond their cover, t: the largest cumulative shortfall against D0
 * of the supply they expect over the next H days (0 when none). Expected supply: what is
 * in processing (known), then the normal arrivals of each month (the seasons, taken as
 * certain) less a loss: what news says of that day, or where no news covers it, the share
 * they see missing now beyond the threshold, weighted by the chance that it still holds k days
 * ahead, exp(-k / disruption_days), and by precautionary_share (how much of a feared loss
 * they insure against); separated at the processing capacity; plus other supply as it is
 * now. Without news (day 0's stocks), only the seasons and what is seen. */
static double expected_gap(const market *m, size_t p, long day, double d0, int with_news)
{
    const product_params *pp = &m->params->p[p];
    long h = lround(pp->expectation_horizon_days);
    double cap = pp->processing_capacity_t_per_day > 0 ? pp->processing_capacity_t_per_day
                                                       : INFINITY;
    double queue = m->backlog[p], cum = 0, worst = 0, other = m->other[p];
    const double *weight = &m->weight[p * (size_t)(1 + m->horizon)];
    const double *normal = &m->normal[p * 12];
    double seen = m->gap[p], th = pp->expectation_threshold;
    seen = seen > th ? seen - th : seen < -th ? seen + th : 0;
    if (with_news && h > m->lag)
        news_ahead(m, p, day, h - m->lag, m->foretold);
    /* The supply expected on each day j ahead, each independent of the others: what is in
     * processing, then normal arrivals less the loss news foretells or, where none does,
     * the one seen now. */
    double *inflow = m->inflow;
    for (long j = 1; j <= h && j <= m->lag; j++)
        inflow[j] = m->pipe[p * (size_t)m->lag + (size_t)((m->head + j) % m->lag)];
    for (long j = m->lag + 1; j <= h; j++) {
        long k = j - m->lag; /* arrivals k days from today */
        /* what news says of a day overrides what is seen (a reopening retracts a loss) */
        double foretold = with_news ? m->foretold[k] : -INFINITY;
        double loss = weight[k] * (isfinite(foretold) ? foretold : seen);
        inflow[j] = normal[m->month[k]] * (1 - loss);
    }
    for (long j = 1; j <= h; j++) {
        queue += inflow[j];
        /* out = fmin(cap, queue), queue -= out and worst = fmax(worst, cum), written out: the
         * same values (cap is positive, worst never NaN; an equal pair gives the second, as
         * glibc's do). Below capacity the queue empties to exactly +0 (x - x for finite x), so
         * that day's queue does not wait on the day before's: the loop runs at the speed of
         * its one running sum. */
        double out;
        if (queue <= cap && queue < INFINITY) {
            out = queue;
            queue = 0;
        } else {
            out = cap < queue || queue != queue ? cap : queue;
            queue -= out;
        }
        cum += d0 - out - other;
        worst = worst > cum || cum != cum ? worst : cum;
    }
    return worst;
}

/* Today's oxide out of processing, t/day: the delivery of processing_days ago joins the
 * backlog, and separation takes at most its capacity of it. */
static double process(market *m, size_t p, double arrived)
{
    /* With expectations on, the start-up assumption (the pipeline is full on day 0) also
     * covers the days before the network's first trucks arrive (the cargo that would be on
     * the road in normal times), so that a quiet year starts as it goes on. */
    if (!m->flowing && m->params->p[p].precautionary_share > 0)
        arrived = fmax(arrived, m->normal[p * 12 + (size_t)m->month[0]]);
    double ready = arrived;
    if (m->lag) {
        double *slot = &m->pipe[p * (size_t)m->lag + (size_t)m->head];
        ready = *slot;
        *slot = arrived;
    }
    double cap = m->params->p[p].processing_capacity_t_per_day;
    m->backlog[p] += ready;
    double out = cap > 0 ? fmin(cap, m->backlog[p]) : m->backlog[p];
    m->backlog[p] -= out;
    return out;
}

/* Day 0: processors hold their cover and the stock they want for the gap the seasons make,
 * so that a year without events starts, and stays, in balance. News known on day 0 is not
 * in it: buyers start to stock up for it from day 0 (the price says so). */
static void start(market *m, const cfx_world *w, long day)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    for (size_t p = 0; p < m->np; p++) {
        const product_params *pp = &m->params->p[p];
        double d0 = s->products[p].demand_t_per_day;
        m->inventory[p] = pp->initial_cover_days * d0;
        if (pp->precautionary_share > 0)
            m->inventory[p] += expected_gap(m, p, day, d0, 0);
    }
    m->started = 1;
}

/* One product's day: supply, the reserve and the price that clears the balance. */
static void clear_day(market *m, size_t p, const cfx_product *pr, double supply, double extra_t,
                      cfx_market_obs *o)
{
    const product_params *pp = &m->params->p[p];
    double d0 = pr->demand_t_per_day;
    balance b = {.d0_t_per_day = d0,
                 .eps = pp->demand_elasticity,
                 .target0_t = pp->cover_days * d0 + extra_t,
                 .inv_x = pp->cover_price_exponent > 0 ? 1 / pp->cover_price_exponent : 0,
                 .inventory_t = m->inventory[p],
                 .adj_days = pp->stock_adjustment_days,
                 .supply_t_per_day = supply};
    double release = 0, u = 0; /* exponent 0: the price stays at P0, stocks absorb all */
    if (pp->cover_price_exponent > 0)
        u = clear_with_reserve(m, pp, &b, m->reserve[p], &release);
    double ratio = fmin(fmax(exp(u), pp->price_min_ratio), pp->price_max_ratio);
    double demand = demand_at(&b, log(ratio));
    /* Cleared, stocks end at I + (I* - I)/a >= 0; at the ceiling buyers draw stocks down to
     * zero, then get only the day's supply. */
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

/* month[k]: the calendar month of day + k, k = 0..lag + horizon; on the day after the last
 * call only the new last day is computed. */
static void month_ahead(market *m, long day)
{
    long n = m->lag + m->horizon, from = 0;
    if (m->month_day >= 0 && day == m->month_day + 1) {
        memmove(m->month, m->month + 1, (size_t)n * sizeof *m->month);
        from = n;
    }
    for (long k = from; k <= n; k++) {
        long y;
        int mo, d;
        cfx_civil_from_days(m->start_z + day + k, &y, &mo, &d);
        m->month[k] = mo - 1;
    }
    m->month_day = day;
}

static void market_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    (void)out;
    market *m = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    if (!m->normal_known) { /* the production model tells the outlook on its first step */
        normal_supply(m, w);
        m->normal_known = 1;
    }
    month_ahead(m, ctx->day);
    if (!m->started)
        start(m, w, ctx->day);
    m->flowing = m->flowing || ctx->day >= WARMUP_DAYS;
    for (size_t p = 0; p < m->np && !m->flowing; p++)
        m->flowing = ctx->delivered_t[p] > 0;
    for (size_t p = 0; p < m->np; p++) {
        const cfx_product *pr = &s->products[p];
        const product_params *pp = &m->params->p[p];
        double d0 = pr->demand_t_per_day;
        observe(m, p, ctx->delivered_t[p], ctx->day);
        double from_network = process(m, p, ctx->delivered_t[p]);
        /* Other producers answer yesterday's price, at a bounded rate either way. */
        double ramp = pp->other_supply_ramp_share_per_year * d0 / 365;
        double goal = pp->other_supply_t_per_day * pow(m->ratio[p], pp->other_supply_elasticity);
        m->other[p] += fmin(fmax(goal - m->other[p], -ramp), ramp);
        double extra = pp->precautionary_share > 0
                           ? expected_gap(m, p, ctx->day, d0, 1)
                           : 0;
        clear_day(m, p, pr, from_network + m->other[p], extra, ctx->market);
    }
    if (m->lag)
        m->head = (m->head + 1) % m->lag;
}

/* Checkpoints: the stocks, other supply, last price, seen gap and separation backlog of each
 * product (one block), the processing pipeline and its head, whether day 0's stocks are set
 * and whether the network's first trucks are in (the solver's workspace and the scratch keep
 * nothing between days; the news and the normal supply are rebuilt from the scenario and
 * the world). */
static int market_checkpoint(void *state, cfx_ckpt *ck)
{
    market *m = state;
    static const cfx_ckpt_field fields[] = {{"head", CFX_CKPT_LONG, offsetof(market, head)},
                                            {"started", CFX_CKPT_INT, offsetof(market, started)},
                                            {"flowing", CFX_CKPT_INT, offsetof(market, flowing)}};
    static const cfx_ckpt_array arrays[] = {
        {"stocks_other_ratio_gap_backlog", CFX_CKPT_F64, offsetof(market, inventory), 0},
        {"pipe", CFX_CKPT_F64, offsetof(market, pipe), 1}};
    size_t lens[2] = {6 * m->np, m->np * (size_t)m->lag};
    cfx_ckpt_fields(ck, fields, 3, m);
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
