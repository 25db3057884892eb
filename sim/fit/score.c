/* A scenario run against observations: the run goes in memory (no result file) as far as
 * the last day an observation needs, and each observation's level and its reference's are
 * read off the days they cover (a price on its day; a gate flow as the mean over the days
 * of its month within the run). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/grow.h"
#include "core/util.h"
#include "engine/world.h"
#include "fit/fit.h"
#include "run/run.h"

/* What one observation's level is read from. */
typedef struct probe {
    int var;       /* cfx_obs_var */
    long index;    /* price: the product; gate_flow: the node, -1 for every gate */
    long from, to; /* days of the run it covers, inclusive */
    long span;     /* gate_flow: days in its month (a partial month is scaled up) */
    double sum;
    long count;
} probe;

int cfx_fit__within(double obs, double sim, double tol)
{
    if (fabs(obs) < 0.05)
        return fabs(sim - obs) <= 0.05 * tol;
    return (obs > 0) == (sim > 0) && fabs(sim) >= fabs(obs) / tol && fabs(sim) <= fabs(obs) * tol;
}

double cfx_fit__loss(const cfx_observed *o, const cfx_scores *s)
{
    double loss = 0;
    for (size_t i = 0; i < s->n; i++) {
        const cfx_score *x = &s->v[i];
        double e = (log(fmax(1e-3, 1 + x->sim_change)) - log(1 + x->obs_change)) /
                   log(o->v[x->obs].tolerance);
        loss += e * e;
    }
    return loss;
}

/* The probe of an observation in s: the days it covers within [0, days). 0, 1 when it falls
 * outside the run, or CFX_EINVAL for an unknown product or node (reported to d). */
static int make_probe(const cfx_scenario *s, long start_z, const cfx_observation *x, probe *p,
                      cfx_diags *d)
{
    long day = x->day_z - start_z;
    if (day < 0 || day >= s->days)
        return 1;
    *p = (probe){.var = x->var, .index = -1, .from = day, .to = day};
    if (x->var == CFX_OBS_PRICE) {
        for (size_t k = 0; k < s->n_products; k++)
            if (strcmp(s->products[k].name, x->product) == 0)
                p->index = (long)k;
        if (p->index < 0)
            return cfx_diags_add(d, CFX_EINVAL, x->file, x->line, x->col,
                                 "product '%s' is not one of scenario '%s'", x->product, s->name);
        return 0;
    }
    if (*x->node) {
        p->index = cfx_scenario_node(s, x->node);
        if (p->index < 0 || s->node_kind[p->index] != CFX_NODE_GATE)
            return cfx_diags_add(d, CFX_EINVAL, x->file, x->line, x->col,
                                 "'%s' is not a gate of scenario '%s'", x->node, s->name);
    }
    long y;
    int m, dd;
    cfx_civil_from_days(x->day_z, &y, &m, &dd);
    long first = cfx_days_from_civil(y, m, 1) - start_z;
    long next =
        (m == 12 ? cfx_days_from_civil(y + 1, 1, 1) : cfx_days_from_civil(y, m + 1, 1)) - start_z;
    p->from = first < 0 ? 0 : first;
    p->to = (next > s->days ? s->days : next) - 1;
    p->span = next - first;
    return 0;
}

/* A probe's level: a price, or a month's cargo through the gates, t (the mean of the days
 * the run covers times the month's days). */
static double level(const probe *p)
{
    double mean = p->sum / (double)p->count;
    return p->var == CFX_OBS_GATE_FLOW ? mean * (double)p->span : mean;
}

static void read_day(const cfx_scenario *s, const cfx_obs *ob, long day, probe *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (day < p[i].from || day > p[i].to)
            continue;
        double v = 0;
        if (p[i].var == CFX_OBS_PRICE)
            v = ob->price[p[i].index];
        else if (p[i].index >= 0)
            v = ob->node_throughput_t[p[i].index];
        else
            for (size_t k = 0; k < s->n_nodes; k++)
                v += s->node_kind[k] == CFX_NODE_GATE ? ob->node_throughput_t[k] : 0;
        p[i].sum += v;
        p[i].count++;
    }
}

/* The observations the run covers, two probes each (the row, its reference): their rows
 * into rows[], their count into *n. */
static int plan_probes(const cfx_scenario *s, const cfx_observed *o, probe *p, size_t *rows,
                       size_t *n, long *last, cfx_diags *d)
{
    long start_z = cfx_days_from_civil(s->start_y, s->start_m, s->start_d);
    int rc = 0;
    *n = 0;
    *last = -1;
    for (size_t i = 0; i < o->n; i++) {
        const cfx_observation *x = &o->v[i];
        if (x->ref < 0)
            continue;
        probe a, b;
        int ra = make_probe(s, start_z, x, &a, d),
            rb = make_probe(s, start_z, &o->v[x->ref], &b, d);
        if (ra < 0 || rb < 0) {
            rc = CFX_EINVAL;
            continue;
        }
        if (ra || rb)
            continue;
        p[2 * *n] = a;
        p[2 * *n + 1] = b;
        rows[(*n)++] = i;
        *last = a.to > *last ? a.to : *last;
        *last = b.to > *last ? b.to : *last;
    }
    return rc;
}

int cfx_fit__score(const char *path, size_t scenario, const cfx_override *ov, size_t n_ov,
                   const cfx_observed *o, int threads, cfx_scores *out, unsigned char *covered,
                   char **name, cfx_diags *d, cfx_error *err)
{
    cfx_scenario *s = NULL;
    cfx_world *w = NULL;
    probe *p = malloc((2 * o->n + 1) * sizeof *p);
    size_t *rows = malloc((o->n + 1) * sizeof *rows), n = 0;
    long last = -1;
    int rc = p && rows ? cfx_scenario_load(&s, path, ov, n_ov, d)
                       : cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    if (!rc && name && !(*name = cfx_strdup(s->name)))
        rc = cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    if (!rc)
        rc = plan_probes(s, o, p, rows, &n, &last, d);
    if (!rc && n && !(rc = cfx_world_new(&w, s, threads, err)))
        for (long day = 0; day <= last && !rc; day++)
            if (!(rc = cfx_world_run_day(w, err)))
                read_day(s, cfx_world_obs(w), day, p, 2 * n);
    for (size_t k = 0; !rc && k < n; k++) {
        const cfx_observation *x = &o->v[rows[k]], *r = &o->v[x->ref];
        double sim = level(&p[2 * k]), ref = level(&p[2 * k + 1]);
        cfx_score sc = {.obs = rows[k],
                        .scenario = scenario,
                        .obs_change = x->value / r->value - 1,
                        .sim_change = ref > 0 ? sim / ref - 1 : (sim > 0 ? INFINITY : 0)};
        sc.ok = cfx_fit__within(sc.obs_change, sc.sim_change, x->tolerance);
        if (CFX_GROW(out->v, out->cap, out->n + 1)) {
            rc = cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
            break;
        }
        out->v[out->n++] = sc;
        if (covered)
            covered[rows[k]] = covered[x->ref] = 1;
    }
    cfx_world_free(w);
    cfx_scenario_free(s);
    free(p);
    free(rows);
    return rc;
}
