/* What conflux fit and validate print: the fitted values and the scorecard, as a table or as
 * one JSON object. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/util.h"
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

static void jnum(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.10g", v);
    else
        fputs("null", out);
}

void cfx_fit_print_json(const cfx_fit *f, FILE *out)
{
    const cfx_observed *o = &f->obs;
    const cfx_scores *s = &f->scores;
    fprintf(out, "{\"kind\": \"%s\", \"parameters\": [", f->is_fit ? "fit" : "validate");
    for (size_t i = 0; i < f->np; i++) {
        const fit_param *p = &f->p[i];
        fputs(i ? ", {\"paths\": " : "{\"paths\": ", out);
        cfx_json_str(out, p->paths);
        fputs(", \"value\": ", out);
        jnum(out, p->value);
        fprintf(out, ", \"low\": %.10g, \"high\": %.10g}", p->low, p->high);
    }
    fputs("], \"loss\": ", out);
    jnum(out, cfx_fit_loss(f));
    fprintf(out, ", \"runs\": %ld, \"misses\": %zu, \"uncovered\": %zu, \"observations\": [",
            cfx_fit_runs(f), cfx_fit_misses(f), cfx_fit_uncovered(f));
    for (size_t i = 0; i < s->n; i++) {
        const cfx_score *x = &s->v[i];
        const cfx_observation *ob = &o->v[x->obs];
        char date[16], ref[16];
        cfx_date_iso(ob->day_z, date);
        cfx_date_iso(o->v[ob->ref].day_z, ref);
        fputs(i ? ", {\"episode\": " : "{\"episode\": ", out);
        cfx_json_str(out, f->name[x->scenario]);
        fprintf(out, ", \"date\": \"%s\", \"reference\": \"%s\", \"variable\": \"%s\", ", date, ref,
                cfx_obs_var_names[ob->var]);
        fputs("\"product\": ", out);
        cfx_json_str(out, ob->product);
        fputs(", \"node\": ", out);
        cfx_json_str(out, ob->node);
        fputs(", \"observed_change\": ", out);
        jnum(out, x->obs_change);
        fputs(", \"simulated_change\": ", out);
        jnum(out, x->sim_change);
        fprintf(out, ", \"tolerance\": %g, \"ok\": %s, \"source\": ", ob->tolerance,
                x->ok ? "true" : "false");
        cfx_json_str(out, ob->source);
        fputs(", \"file\": ", out);
        cfx_json_str(out, ob->file);
        fprintf(out, ", \"line\": %d}", ob->line);
    }
    fputs("]}\n", out);
}
