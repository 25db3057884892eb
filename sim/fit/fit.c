/* conflux fit and validate (conflux.h): scenarios scored against observed tables, and the
 * parameters that minimise the loss (cfx_fit__loss): a Latin-hypercube sample of the box,
 * then Nelder-Mead (GSL's nmsimplex2) from its best point, on x = low + (high - low) (1 +
 * sin y) / 2 so that the simplex moves freely while x stays in its box. Deterministic: the
 * sample comes from the seed, every run from its scenario's own seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/grow.h"
#include "core/util.h"
#include "fit/fit.h"

/* One evaluation's context. */
typedef struct evaluator {
    cfx_fit *f;
    const cfx_fit_opts *o;
    cfx_override *ov; /* the sets, then one per path of every parameter */
    size_t n_ov;
    char (*text)[32]; /* the parameters' values as text */
    cfx_diags *d;
    cfx_error *err;
    int rc; /* the first failure; evaluations stop at it */
} evaluator;

void cfx_fit_free(cfx_fit *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->np; i++) {
        free(f->p[i].paths);
        free(f->p[i].buf);
        free(f->p[i].path);
    }
    for (size_t i = 0; i < f->ns; i++) {
        free(f->scenario[i]);
        free(f->name[i]);
    }
    free(f->p);
    free(f->scenario);
    free(f->name);
    cfx_observed_free(&f->obs);
    free(f->scores.v);
    free(f->covered);
    free(f);
}

double cfx_fit_value(const cfx_fit *f, size_t i)
{
    return i < f->np ? f->p[i].value : NAN;
}
double cfx_fit_loss(const cfx_fit *f)
{
    return f->loss;
}
long cfx_fit_runs(const cfx_fit *f)
{
    return f->runs;
}

size_t cfx_fit_misses(const cfx_fit *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->scores.n; i++)
        n += !f->scores.v[i].ok;
    return n;
}

size_t cfx_fit_uncovered(const cfx_fit *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->obs.n; i++)
        n += !f->covered[i];
    return n;
}

/* Splits a parameter's paths at commas (in place in its copy). */
static int split_paths(fit_param *p)
{
    size_t n = 1;
    for (const char *c = p->paths; *c; c++)
        n += *c == ',';
    if (!(p->path = malloc(n * sizeof *p->path)))
        return CFX_ENOMEM;
    if (!(p->buf = cfx_strdup(p->paths)))
        return CFX_ENOMEM;
    for (char *c = p->buf, *tok = c;; c++)
        if (*c == ',' || !*c) {
            int end = !*c;
            *c = '\0';
            p->path[p->n_path++] = tok;
            tok = c + 1;
            if (end)
                break;
        }
    return 0;
}

/* The fit's copy of the options: scenarios, parameters and the observed tables read. */
static int setup(cfx_fit **out, const cfx_fit_opts *o, int is_fit, cfx_diags *d, cfx_error *err)
{
    cfx_fit *f = *out = calloc(1, sizeof *f);
    size_t np = is_fit ? o->n_params : 0;
    if (!f || !(f->p = calloc(np + 1, sizeof *f->p)) ||
        !(f->scenario = calloc(o->n_scenarios + 1, sizeof *f->scenario)) ||
        !(f->name = calloc(o->n_scenarios + 1, sizeof *f->name)))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    f->is_fit = is_fit;
    f->seed = o->seed;
    for (size_t i = 0; i < o->n_scenarios; i++, f->ns++)
        if (!(f->scenario[i] = cfx_strdup(o->scenarios[i])))
            return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    for (size_t i = 0; i < np; i++, f->np++) {
        fit_param *p = &f->p[i];
        p->low = o->params[i].low;
        p->high = o->params[i].high;
        p->value = NAN;
        if (!(p->paths = cfx_strdup(o->params[i].paths)) || split_paths(p))
            return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    }
    int rc = 0;
    for (size_t i = 0; i < o->n_observed; i++) {
        int r = cfx_observed_read(&f->obs, o->observed[i], d);
        rc = rc == CFX_ENOENT || !r ? rc : r; /* a missing table first, else the first code */
    }
    if (!rc && !(f->covered = calloc(f->obs.n + 1, 1)))
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    return rc;
}

/* The overrides of one evaluation: the sets, then every path of every parameter. */
static int make_overrides(evaluator *e)
{
    const cfx_fit *f = e->f;
    size_t n = e->o->n_sets;
    for (size_t i = 0; i < f->np; i++)
        n += f->p[i].n_path;
    if (!(e->ov = calloc(n + 1, sizeof *e->ov)) || !(e->text = calloc(f->np + 1, sizeof *e->text)))
        return CFX_ENOMEM;
    for (size_t i = 0; i < e->o->n_sets; i++)
        e->ov[e->n_ov++] = e->o->sets[i];
    for (size_t i = 0; i < f->np; i++)
        for (size_t k = 0; k < f->p[i].n_path; k++)
            e->ov[e->n_ov++] = (cfx_override){f->p[i].path[k], e->text[i]};
    return 0;
}

/* Runs every scenario at the parameters x (NULL: as the scenarios are) into the fit's
 * scores; the loss, or INFINITY after a failure (e->rc). */
static double evaluate(evaluator *e, const double *x)
{
    cfx_fit *f = e->f;
    if (e->rc)
        return INFINITY;
    for (size_t i = 0; x && i < f->np; i++)
        snprintf(e->text[i], sizeof e->text[i], "%.17g", x[i]);
    f->scores.n = 0;
    memset(f->covered, 0, f->obs.n);
    for (size_t s = 0; s < f->ns && !e->rc; s++) {
        char **name = f->name[s] ? NULL : &f->name[s];
        e->rc = cfx_fit__score(f->scenario[s], s, e->ov, e->n_ov, &f->obs, e->o->threads,
                               &f->scores, f->covered, name, e->d, e->err);
        f->runs++;
    }
    return e->rc ? INFINITY : cfx_fit__loss(&f->obs, &f->scores);
}

static double to_x(const fit_param *p, double y)
{
    return p->low + (p->high - p->low) * (1 + sin(y)) / 2;
}

static double nm_f(const gsl_vector *y, void *ctx)
{
    evaluator *e = ctx;
    double x[64];
    for (size_t i = 0; i < e->f->np; i++)
        x[i] = to_x(&e->f->p[i], gsl_vector_get(y, i));
    double v = evaluate(e, x);
    return isfinite(v) ? v : GSL_POSINF;
}

/* The Latin-hypercube sample: the best point's unit coordinates into best[], its loss. */
static double sample(evaluator *e, long n, double *best)
{
    const cfx_fit *f = e->f;
    size_t np = f->np;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    size_t *perm = malloc((size_t)n * np * sizeof *perm);
    double *u = malloc(np * sizeof *u), *x = malloc(np * sizeof *x), lbest = INFINITY;
    if (!r || !perm || !u || !x) {
        e->rc = cfx_error_set(e->err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
    } else {
        gsl_rng_set(r, e->f->seed);
        for (size_t j = 0; j < np; j++) {
            for (long i = 0; i < n; i++)
                perm[j * (size_t)n + (size_t)i] = (size_t)i;
            gsl_ran_shuffle(r, perm + j * (size_t)n, (size_t)n, sizeof *perm);
        }
        for (long i = 0; i < n && !e->rc; i++) {
            for (size_t j = 0; j < np; j++) {
                u[j] = ((double)perm[j * (size_t)n + (size_t)i] + gsl_rng_uniform(r)) / (double)n;
                x[j] = f->p[j].low + (f->p[j].high - f->p[j].low) * u[j];
            }
            double l = evaluate(e, x);
            if (l < lbest) {
                lbest = l;
                memcpy(best, u, np * sizeof *u);
            }
        }
    }
    gsl_rng_free(r);
    free(perm);
    free(u);
    free(x);
    return lbest;
}

/* Nelder-Mead from the unit point u0; the best point into x[], its loss. */
static double local(evaluator *e, const double *u0, long max_iter, double *x)
{
    cfx_fit *f = e->f;
    size_t np = f->np;
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, np);
    gsl_vector *y = gsl_vector_alloc(np), *step = gsl_vector_alloc(np);
    double l = INFINITY;
    if (!m || !y || !step) {
        e->rc = cfx_error_set(e->err, CFX_ENOMEM, NULL, 0, 0, "out of memory (fit)");
        goto out;
    }
    for (size_t i = 0; i < np; i++) {
        gsl_vector_set(y, i, asin(fmin(1, fmax(-1, 2 * u0[i] - 1))));
        gsl_vector_set(step, i, 0.3);
    }
    gsl_multimin_function fn = {.f = nm_f, .n = np, .params = e};
    if (gsl_multimin_fminimizer_set(m, &fn, y, step) != GSL_SUCCESS)
        goto out;
    for (f->iterations = 0; f->iterations < max_iter && !e->rc; f->iterations++) {
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-4) == GSL_SUCCESS)
            break;
    }
    l = gsl_multimin_fminimizer_minimum(m);
    for (size_t i = 0; i < np; i++)
        x[i] = to_x(&f->p[i], gsl_vector_get(gsl_multimin_fminimizer_x(m), i));
out:
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(y);
    gsl_vector_free(step);
    return l;
}

static int finish(evaluator *e, int rc)
{
    free(e->ov);
    free(e->text);
    return rc ? rc : e->rc;
}

int cfx_fit_run(cfx_fit **out, const cfx_fit_opts *o, cfx_diags *d, cfx_error *err)
{
    if (o->n_params < 1 || o->n_params > 64)
        return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0, "fit takes 1 to 64 parameters");
    evaluator e = {.o = o, .d = d, .err = err};
    int rc = setup(out, o, 1, d, err);
    cfx_fit *f = e.f = *out;
    if (rc ||
        (rc = make_overrides(&e) ? cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory") : 0))
        return finish(&e, rc);
    gsl_set_error_handler_off();
    f->samples = o->samples > 0 ? o->samples : (long)(10 * f->np < 20 ? 20 : 10 * f->np);
    double u[64], x[64], xs[64];
    double ls = sample(&e, f->samples, u);
    for (size_t i = 0; i < f->np; i++)
        xs[i] = f->p[i].low + (f->p[i].high - f->p[i].low) * u[i];
    double ll = e.rc ? INFINITY : local(&e, u, o->max_iter > 0 ? o->max_iter : 300, x);
    const double *best = ll <= ls ? x : xs;
    for (size_t i = 0; i < f->np; i++)
        f->p[i].value = best[i];
    f->loss = evaluate(&e, best); /* the scores at the fitted values */
    return finish(&e, 0);
}

int cfx_validate(cfx_fit **out, const cfx_fit_opts *o, cfx_diags *d, cfx_error *err)
{
    evaluator e = {.o = o, .d = d, .err = err};
    int rc = setup(out, o, 0, d, err);
    e.f = *out;
    if (rc ||
        (rc = make_overrides(&e) ? cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory") : 0))
        return finish(&e, rc);
    e.f->loss = evaluate(&e, NULL);
    return finish(&e, 0);
}
