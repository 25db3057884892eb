/* Production: each mine adds concentrate to its stockpile every step, its base output scaled
 * by the month, the fighting, halt orders, its equipment, a lagged response to price and a
 * cap on what may pile up at the mine. It also rebuilds damaged equipment. Equations and
 * keys: models/README.md ("Production") and scenarios/README.md. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "engine/model.h"

/* production.* of the scenario; the defaults leave the base output as it is. */
typedef struct production_params {
    double seasonal[12];         /* multiplier of base output by calendar month, January first */
    double (*mine_seasonal)[12]; /* n_mines: each mine's own months (mine_seasonal_factors,
                                    else a copy of seasonal); NULL when no mine has its own */
    double contested_factor;     /* share of output while the mine node is contested */
    double rebuild_days;         /* days to rebuild equipment from 0 to 1; 0 = never rebuilt */
    double price_elasticity;     /* target of r = (P_lag / P0)^price_elasticity */
    long lag_days;               /* days between a price and the supply response to it */
    double ramp_per_day;         /* largest change of r in a day */
    double r_min, r_max;         /* bounds of r; r_min <= 1 <= r_max */
    double stockpile_cap_t;      /* concentrate at the mine node that stops production, t */
} production_params;

/* Marks a subtree read, so a value of the wrong shape is reported once, not also as unknown
 * keys inside it. */
static void mark_used(cfx_conf *n)
{
    n->used = 1;
    for (size_t i = 0; i < n->n; i++)
        mark_used(n->items[i]);
}

/* A sequence of 12 numbers, January to December, into out (name is for messages). */
static void read_months(cfx_conf *seq, const char *name, double out[12], cfx_diags *d)
{
    mark_used(seq); /* its items are read here, not by a getter */
    if (seq->kind != CFX_CONF_SEQ || seq->n != 12) {
        char got[48];
        if (seq->kind == CFX_CONF_SEQ)
            snprintf(got, sizeof got, "%zu numbers", seq->n);
        else
            snprintf(got, sizeof got, "%s",
                     seq->kind == CFX_CONF_MAP ? "a mapping" : "a single value");
        cfx_diags_add(d, CFX_EINVAL, seq->file, seq->line, seq->col,
                      "'%s' must be a sequence of 12 numbers, January to December, got %s", name,
                      got);
        return;
    }
    for (size_t i = 0; i < 12; i++) {
        const cfx_conf *it = seq->items[i];
        cfx_error err;
        double v;
        if (cfx_conf_scalar_double(it, &v, &err)) {
            cfx_diags_add(d, err.code, err.file, err.line, err.col, "'%s' (%s): %s", name,
                          cfx_month_names[i], err.msg);
            continue;
        }
        if (v < 0 || v > 100) {
            cfx_diags_add(d, CFX_EINVAL, it->file, it->line, it->col,
                          "'%s' (%s) must be in [0, 100], got %g", name, cfx_month_names[i], v);
            continue;
        }
        out[i] = v;
    }
}

/* seasonal_factors for every mine, and mine_seasonal_factors: a mapping from mine node ids
 * to their own 12 factors (jade pits and rare-earth leaching ponds differ in the rains). */
static void read_seasonal(production_params *pp, cfx_conf *section, const cfx_scenario *s,
                          cfx_diags *d)
{
    cfx_conf *seq = cfx_conf_get(section, "seasonal_factors");
    if (seq)
        read_months(seq, "seasonal_factors", pp->seasonal, d);
    cfx_conf *map = cfx_conf_get(section, "mine_seasonal_factors");
    if (!map)
        return;
    mark_used(map);
    if (map->kind != CFX_CONF_MAP) {
        cfx_diags_add(d, CFX_EINVAL, map->file, map->line, map->col,
                      "'mine_seasonal_factors' must map mine node ids to 12 numbers each, e.g. "
                      "{Hpakant: [1, 1, ...]}");
        return;
    }
    if (!(pp->mine_seasonal = calloc(s->n_mines ? s->n_mines : 1, sizeof *pp->mine_seasonal))) {
        cfx_diags_add(d, CFX_ENOMEM, map->file, map->line, map->col, "out of memory");
        return;
    }
    for (size_t m = 0; m < s->n_mines; m++)
        memcpy(pp->mine_seasonal[m], pp->seasonal, sizeof pp->seasonal);
    for (size_t i = 0; i < map->n; i++) {
        cfx_conf *it = map->items[i];
        long v = cfx_scenario_node(s, it->key), m = -1;
        for (size_t k = 0; v >= 0 && k < s->n_mines && m < 0; k++)
            if (s->mine_node[k] == v)
                m = (long)k;
        if (m < 0) {
            cfx_diags_add(d, CFX_EINVAL, it->file, it->key_line, it->key_col,
                          "'mine_seasonal_factors': '%s' is not a mine of the mines table",
                          it->key);
            continue;
        }
        char name[192];
        snprintf(name, sizeof name, "mine_seasonal_factors.%s", it->key);
        read_months(it, name, pp->mine_seasonal[m], d);
    }
}

static void production_params_free(void *params)
{
    production_params *pp = params;
    free(pp->mine_seasonal);
}

static void production_configure(void *params, cfx_conf *section, const cfx_scenario *s,
                                 cfx_diags *d)
{
    production_params *pp = params;
    *pp = (production_params){.contested_factor = 1,
                              .rebuild_days = 90,
                              .price_elasticity = 0,
                              .lag_days = 60,
                              .ramp_per_day = 0.0005,
                              .r_min = 0.5,
                              .r_max = 2,
                              .stockpile_cap_t = INFINITY};
    for (int i = 0; i < 12; i++)
        pp->seasonal[i] = 1;
    if (!section)
        return;
    read_seasonal(pp, section, s, d);
    cfx_conf_get_range(section, "contested_factor", 0, &pp->contested_factor, 0, 1, 0,
                       "a share in [0, 1]", d);
    cfx_conf_get_range(section, "rebuild_days", 0, &pp->rebuild_days, 0, 36500, 0,
                       "in [0, 36500] days (0: never rebuilt)", d);
    cfx_conf_get_range(section, "price_elasticity", 0, &pp->price_elasticity, 0, 10, 0,
                       "in [0, 10]", d);
    double lag = (double)pp->lag_days;
    if (cfx_conf_get_range(section, "lag_days", 0, &lag, 0, 3650, 0, "in [0, 3650] days", d) == 0 &&
        lag != floor(lag)) {
        const cfx_conf *n = cfx_conf_get(section, "lag_days");
        cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col,
                      "'lag_days' must be a whole number of days, got %g", lag);
    }
    pp->lag_days = (long)lag;
    cfx_conf_get_range(section, "ramp_per_day", 0, &pp->ramp_per_day, 0, 1, 0, "in [0, 1] per day",
                       d);
    cfx_conf_get_range(section, "r_min", 0, &pp->r_min, 0, 1, 0, "in [0, 1]", d);
    cfx_conf_get_range(section, "r_max", 0, &pp->r_max, 1, 100, 0, "in [1, 100]", d);
    /* Below one truckload a pile would never be sent: the mine would stall for good. */
    if (cfx_conf_get_range(section, "stockpile_cap_t", 0, &pp->stockpile_cap_t, 0, 1e9, 1,
                           "in (0, 1e9] t", d) == 0 &&
        pp->stockpile_cap_t < s->truck_t) {
        const cfx_conf *n = cfx_conf_get(section, "stockpile_cap_t");
        cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col,
                      "'stockpile_cap_t' must be at least one truckload (transport.truck_t = "
                      "%g t), got %g",
                      s->truck_t, pp->stockpile_cap_t);
    }
}

typedef struct production {
    const production_params *par;
    size_t n_mines, np;
    long day0;             /* the start date, days from 1970-01-01 */
    long day;              /* the day whose daily update has run; -1 before day 0 */
    int month;             /* that day's calendar month, 0 = January */
    double *r;             /* n_mines: price response, multiplier of base output */
    double *ring;          /* (lag_days + 1) * np: prices seen at the start of each recent day,
                              USD/kg, slot day % (lag_days + 1) */
    double *v0_usd_per_kg; /* n_mines: value of a kg of the mine's concentrate at P0 */
} production;

static int production_init(void *state, const cfx_world *w, const void *params, cfx_error *err)
{
    production *st = state;
    const cfx_scenario *s = cfx_world_scenario(w);
    st->par = params;
    st->n_mines = s->n_mines;
    st->np = s->n_products;
    st->day0 = cfx_days_from_civil(s->start_y, s->start_m, s->start_d);
    st->day = -1;
    size_t slots = (size_t)st->par->lag_days + 1;
    st->r = malloc((s->n_mines ? s->n_mines : 1) * sizeof *st->r);
    st->v0_usd_per_kg = malloc((s->n_mines ? s->n_mines : 1) * sizeof *st->v0_usd_per_kg);
    st->ring = calloc(slots * (st->np ? st->np : 1), sizeof *st->ring); /* all saved */
    if (!st->r || !st->v0_usd_per_kg || !st->ring)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (production)");
    for (size_t m = 0; m < s->n_mines; m++) {
        st->r[m] = 1;
        double v = 0;
        for (size_t p = 0; p < st->np; p++)
            v += s->mine_grade[m * st->np + p] * s->products[p].price_usd_per_kg;
        st->v0_usd_per_kg[m] = v;
    }
    return 0;
}

static void production_free(void *state)
{
    production *st = state;
    free(st->r);
    free(st->ring);
    free(st->v0_usd_per_kg);
}

/* Once a day, before its first step produces: the month, and the price response
 *   r <- r + clamp(clamp((V_lag / V0)^e, r_min, r_max) - r, -ramp, +ramp)
 * where V = sum_p grade_p P_p is what a kg of the mine's concentrate is worth and V_lag uses
 * the prices seen lag_days days ago (the baseline before day 0). */
static void start_day(production *st, const cfx_world *w, long day)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    const production_params *par = st->par;
    long y;
    int m, d;
    cfx_civil_from_days(st->day0 + day, &y, &m, &d);
    st->month = m - 1;
    st->day = day;

    long slots = par->lag_days + 1;
    const double *now = cfx_world_prices(w);
    for (size_t p = 0; p < st->np; p++)
        st->ring[(size_t)(day % slots) * st->np + p] = now[p];
    long then = day - par->lag_days;
    const double *lagged = then >= 0 ? &st->ring[(size_t)(then % slots) * st->np] : NULL;
    for (size_t i = 0; i < st->n_mines; i++) {
        double v = 0;
        for (size_t p = 0; p < st->np; p++)
            v += s->mine_grade[i * st->np + p] *
                 (lagged ? lagged[p] : s->products[p].price_usd_per_kg);
        double ratio = st->v0_usd_per_kg[i] > 0 ? v / st->v0_usd_per_kg[i] : 1;
        double target = fmin(fmax(pow(ratio, par->price_elasticity), par->r_min), par->r_max);
        double step = fmin(fmax(target - st->r[i], -par->ramp_per_day), par->ramp_per_day);
        st->r[i] += step;
    }
}

/* Each step, for mine m at node n (share = step_hours / 24):
 *   t = output_t_per_day * share * seasonal[month] (the mine's own, if it has them) * r
 *       * capacity
 *       * (contested_factor if n is contested) * (1 - the share halted by order)
 *       * (0 if n is destroyed),
 * then at most what keeps the concentrate at n within stockpile_cap_t. A cut mine node keeps
 * producing into its stockpile. Damaged equipment is rebuilt by share / rebuild_days a step
 * (not while the node is destroyed). */
static void production_step(void *state, const cfx_world *w, cfx_step_ctx *ctx, cfx_cmdbuf *out)
{
    production *st = state;
    const production_params *par = st->par;
    const cfx_scenario *s = cfx_world_scenario(w);
    const uint8_t *status = cfx_world_node_status(w);
    const int64_t *stock_kg = cfx_world_node_stock_kg(w);
    const double *capacity = cfx_world_mine_capacity(w);
    const double *halt = cfx_world_mine_halt_share(w);
    if (ctx->day != st->day)
        start_day(st, w, ctx->day);
    if (ctx->step == 0) /* the seasons, for whoever expects the mines' output (the market) */
        for (size_t m = 0; m < s->n_mines; m++)
            for (int32_t month = 0; month < 12; month++)
                cfx_cmdbuf_push(out, (cfx_cmd){
                    .kind = CFX_CMD_OUTLOOK, .a = (int32_t)m, .b = month,
                    .x = s->mine_output_t_per_day[m] *
                         (par->mine_seasonal ? par->mine_seasonal[m][month] : par->seasonal[month])});
    double share = ctx->step_hours / 24.0;
    for (size_t m = 0; m < s->n_mines; m++) {
        int32_t node = s->mine_node[m];
        uint8_t st_node = status[node];
        if (st_node != CFX_STATUS_DESTROYED && par->rebuild_days > 0 && capacity[m] < 1)
            cfx_cmdbuf_push(out, (cfx_cmd){.kind = CFX_CMD_MINE_CAPACITY,
                                           .a = (int32_t)m,
                                           .x = fmin(1, capacity[m] + share / par->rebuild_days)});
        if (st_node == CFX_STATUS_DESTROYED || halt[m] >= 1)
            continue;
        double season =
            par->mine_seasonal ? par->mine_seasonal[m][st->month] : par->seasonal[st->month];
        double t = s->mine_output_t_per_day[m] * share * season * st->r[m] * capacity[m];
        if (st_node == CFX_STATUS_CONTESTED)
            t *= par->contested_factor;
        if (halt[m] > 0) /* a partial halt: most sites stop, the large ones go on */
            t *= 1 - halt[m];
        double room_t = (par->stockpile_cap_t * 1000.0 - (double)stock_kg[node]) / 1000.0;
        t = fmin(t, room_t);
        if (t > 0)
            cfx_cmdbuf_push(out, (cfx_cmd){.kind = CFX_CMD_PRODUCE, .a = (int32_t)m, .x = t});
    }
}

/* Checkpoints: the day and month of the last daily update, the responses and the recent
 * prices (v0 and day0 are derived from the scenario by init). */
static int production_checkpoint(void *state, cfx_ckpt *ck)
{
    production *st = state;
    static const cfx_ckpt_field fields[] = {{"day", CFX_CKPT_LONG, offsetof(production, day)},
                                            {"month", CFX_CKPT_INT, offsetof(production, month)}};
    static const cfx_ckpt_array arrays[] = {{"r", CFX_CKPT_F64, offsetof(production, r), 0},
                                            {"ring", CFX_CKPT_F64, offsetof(production, ring), 1}};
    size_t lens[2] = {st->n_mines, ((size_t)st->par->lag_days + 1) * st->np};
    cfx_ckpt_fields(ck, fields, 2, st);
    return cfx_ckpt_arrays(ck, arrays, 2, st, lens);
}

const cfx_model_type cfx_model_production = {
    .name = "production",
    .phase = CFX_PHASE_PRODUCTION,
    .params = {.section = "production", .size = sizeof(production_params), .configure = production_configure, .free = production_params_free},
    .state_size = sizeof(production),
    .init = production_init,
    .step = production_step,
    .free = production_free,
    .checkpoint = production_checkpoint};
