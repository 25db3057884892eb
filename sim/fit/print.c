/* What conflux fit and validate print: the fitted values and the scorecard, as a table or as
 * one JSON object. */
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/json.h"
#include "fit/fit.h"

/* "price Dy2O3", "gate_flow all gates", "gate_flow PangwaGate". */
static void quantity(const cfx_observation *x, char *buf, size_t n)
{
    snprintf(buf, n, "%s %s", cfx_obs_var_names[x->var],
             x->var == CFX_OBS_PRICE ? x->product
             : *x->node              ? x->node
                                     : "all gates");
}

static void print_params(const cfx_fit *f, FILE *out)
{
    fprintf(out,
            "fit of %zu parameter%s on %zu scenario%s: %ld Latin-hypercube samples (seed %lu), "
            "then %ld Nelder-Mead iterations; %ld runs\n",
            f->np, f->np == 1 ? "" : "s", f->ns, f->ns == 1 ? "" : "s", f->samples, f->seed,
            f->iterations, f->runs);
    fprintf(out, "  %-66s %12s   %s\n", "parameter", "fitted", "range");
    for (size_t i = 0; i < f->np; i++) {
        const fit_param *p = &f->p[i];
        fprintf(out, "  %-66s %12.6g   [%g, %g]\n", p->paths, p->value, p->low, p->high);
    }
    fprintf(out, "  loss %.6g (the sum of squared log errors, each in units of its tolerance)\n\n",
            cfx_fit_loss(f));
}

void cfx_fit_print(const cfx_fit *f, FILE *out)
{
    if (f->is_fit)
        print_params(f, out);
    const cfx_observed *o = &f->obs;
    const cfx_scores *s = &f->scores;
    fprintf(out,
            "scorecard: %zu observations scored, %zu within tolerance, %zu outside, %zu not "
            "covered by a scenario\n",
            s->n, s->n - cfx_fit_misses(f), cfx_fit_misses(f), cfx_fit_uncovered(f));
    fprintf(out, "  %-20s %-10s  %-22s %-10s  %9s  %9s  %9s  %5s\n", "episode", "date", "quantity",
            "against", "observed", "simulated", "error", "tol");
    for (size_t i = 0; i < s->n; i++) {
        const cfx_score *x = &s->v[i];
        const cfx_observation *ob = &o->v[x->obs];
        char date[16], ref[16], q[96];
        cfx_date_iso(ob->day_z, date);
        cfx_date_iso(o->v[ob->ref].day_z, ref);
        quantity(ob, q, sizeof q);
        fprintf(out, "  %-20s %-10s  %-22s %-10s  %+8.1f%%  %+8.1f%%  %+6.1f pp  x%-4g %s\n",
                f->name[x->scenario], date, q, ref, 100 * x->obs_change, 100 * x->sim_change,
                100 * (x->sim_change - x->obs_change), ob->tolerance, x->ok ? "ok" : "OUTSIDE");
    }
    const unsigned char *cov = f->covered;
    for (size_t i = 0; i < o->n; i++)
        if (!cov[i])
            fprintf(out, "  %s:%d: %s: no scenario covers this row and its reference\n",
                    o->v[i].file, o->v[i].line, o->v[i].ref < 0 ? "reference" : "observation");
}

static json_t *param_json(const fit_param *p)
{
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "paths", cfx_json_text(p->paths));
    e |= cfx_json_set(o, "value", cfx_json_num(p->value));
    e |= cfx_json_set(o, "low", cfx_json_num(p->low));
    e |= cfx_json_set(o, "high", cfx_json_num(p->high));
    return cfx_json_checked(o, e);
}

/* One row of the scorecard (NULL when out of memory). */
static json_t *score_json(const cfx_fit *f, const cfx_score *x)
{
    const cfx_observed *obs = &f->obs;
    const cfx_observation *ob = &obs->v[x->obs];
    char date[16], ref[16];
    cfx_date_iso(ob->day_z, date);
    cfx_date_iso(obs->v[ob->ref].day_z, ref);
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "episode", cfx_json_text(f->name[x->scenario]));
    e |= cfx_json_set(o, "date", json_string(date));
    e |= cfx_json_set(o, "reference", json_string(ref));
    e |= cfx_json_set(o, "variable", cfx_json_text(cfx_obs_var_names[ob->var]));
    e |= cfx_json_set(o, "product", cfx_json_text(ob->product));
    e |= cfx_json_set(o, "node", cfx_json_text(ob->node));
    e |= cfx_json_set(o, "observed_change", cfx_json_num(x->obs_change));
    e |= cfx_json_set(o, "simulated_change", cfx_json_num(x->sim_change));
    e |= cfx_json_set(o, "tolerance", cfx_json_num(ob->tolerance));
    e |= cfx_json_set(o, "ok", json_boolean(x->ok));
    e |= cfx_json_set(o, "source", cfx_json_text(ob->source));
    e |= cfx_json_set(o, "file", cfx_json_text(ob->file));
    e |= cfx_json_set(o, "line", json_integer(ob->line));
    return cfx_json_checked(o, e);
}

int cfx_fit_print_json(const cfx_fit *f, FILE *out)
{
    json_t *o = json_object(), *params = json_array(), *rows = json_array();
    int e = 0;
    e |= cfx_json_set(o, "kind", json_string(f->is_fit ? "fit" : "validate"));
    for (size_t i = 0; i < f->np; i++)
        e |= cfx_json_push(params, param_json(&f->p[i]));
    e |= cfx_json_set(o, "parameters", params);
    e |= cfx_json_set(o, "loss", cfx_json_num(cfx_fit_loss(f)));
    e |= cfx_json_set(o, "runs", json_integer(cfx_fit_runs(f)));
    e |= cfx_json_set(o, "misses", json_integer((json_int_t)cfx_fit_misses(f)));
    e |= cfx_json_set(o, "uncovered", json_integer((json_int_t)cfx_fit_uncovered(f)));
    for (size_t i = 0; i < f->scores.n; i++)
        e |= cfx_json_push(rows, score_json(f, &f->scores.v[i]));
    e |= cfx_json_set(o, "observations", rows);
    return cfx_json_print(cfx_json_checked(o, e), out);
}
