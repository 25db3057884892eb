/* Sweep files: parsing, checking every parameter against the scenario, expanding the design
 * (grid, list, Sobol, Latin hypercube) into members with derived seeds. */
#include "sweep/sweep.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "io/conf.h"
#include "io/csv.h"
#include "core/rng.h"
#include "core/saltelli.h"
#include "run/run.h"
#include "core/util.h"

const char *const cfx_design_names[4] = {"grid", "list", "sobol", "lhs"};
const char *const cfx_member_status_names[3] = {"ok", "failed", "missing"};

/* Saltelli's design draws 2k dimensions from GSL's Sobol generator, which has direction
 * numbers for 40 (cfx_saltelli_design). */
#define SOBOL_MAX_PARAMS 20
/* Bounds on a sweep, so that a typo (samples: 1e9) is an input error and not an OOM. */
#define MAX_MEMBERS 10000000UL

uint64_t cfx_sweep_member_seed(uint64_t base, size_t m)
{
    /* The generator on the stack rather than from gsl_rng_alloc: nothing to run out of, so
     * nothing to report (this returns a seed, not an error code). */
    union {
        max_align_t align;
        unsigned char bytes[64];
    } state;
    CFX_ASSERT(cfx_rng_philox->size <= sizeof state); /* the generator's state outgrew this */
    gsl_rng r = {.type = cfx_rng_philox, .state = &state};
    cfx_rng_key(&r, base, CFX_STREAM_SWEEP_SEED, (uint64_t)m, 0);
    uint64_t hi = gsl_rng_get(&r) & 0xffffffffu, lo = gsl_rng_get(&r) & 0xffffffffu;
    return ((hi << 32) | lo) >> 11;
}

void cfx_sweep_member_path(char *buf, size_t n, const char *dir, size_t m, const char *ext)
{
    snprintf(buf, n, "%s/member-%05zu%s", dir, m, ext);
}

void cfx_sweep_free(cfx_sweep *sw)
{
    if (!sw)
        return;
    for (size_t p = 0; p < sw->n_params; p++) {
        free(sw->params[p].path);
        for (size_t i = 0; i < sw->params[p].n_values; i++)
            free(sw->params[p].values[i]);
        free(sw->params[p].values);
    }
    free(sw->params);
    for (size_t i = 0; sw->values && i < sw->n_members * sw->n_params; i++)
        free(sw->values[i]);
    free(sw->values);
    free(sw->seed);
    free(sw->scenario);
    free(sw->path);
    free(sw->text);
    free(sw);
}

/* ---------------------------------------------------------------- checking a path */

typedef enum { VT_STRING, VT_BOOL, VT_LONG, VT_DOUBLE } value_type;
static const char *const vt_names[] = {"text", "true or false", "an integer", "a number"};

static value_type type_of(const char *text, int quoted)
{
    char *end;
    if (quoted)
        return VT_STRING;
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        return VT_BOOL;
    errno = 0;
    (void)strtoll(text, &end, 10);
    if (*text && !*end && !errno)
        return VT_LONG;
    double v = strtod(text, &end);
    if (*text && !*end && isfinite(v))
        return VT_DOUBLE;
    return VT_STRING;
}

/* A value of type got fits where the scenario has want. Any number fits where the scenario
 * writes a number: "21" may be a count or a real in days, which the loader alone knows (a
 * member given a real where it wants a count fails alone, with the loader's message). */
static int fits(value_type want, value_type got)
{
    int num_want = want == VT_LONG || want == VT_DOUBLE,
        num_got = got == VT_LONG || got == VT_DOUBLE;
    return want == VT_STRING || want == got || (num_want && num_got);
}

/* The scenario's own value at a dotted path, following `extends` (the file that extends
 * wins): its type, or -1 when no file in the chain writes the key. */
static int scenario_type(const char *path, const char *dotted, int depth)
{
    cfx_conf_doc *doc = NULL;
    cfx_error e;
    int t = -1;
    if (depth > CFX_MAX_EXTENDS || cfx_conf_load(&doc, path, &e))
        return -1;
    const cfx_conf *n = doc->root ? cfx_conf_path(doc->root, dotted) : NULL;
    const cfx_conf *ext = doc->root ? cfx_conf_get(doc->root, "extends") : NULL;
    if (n && n->kind == CFX_CONF_SCALAR) {
        t = (int)type_of(n->value, n->quoted);
    } else if (!n && ext && ext->kind == CFX_CONF_SCALAR) {
        char base[2048];
        const char *slash = strrchr(path, '/');
        if (ext->value[0] == '/' || !slash)
            snprintf(base, sizeof base, "%s", ext->value);
        else
            snprintf(base, sizeof base, "%.*s/%s", (int)(slash - path), path, ext->value);
        t = scenario_type(base, dotted, depth + 1);
    }
    cfx_conf_free(doc);
    return t;
}

/* Paths whose change would give members different networks or time axes, which a sweep
 * file cannot hold; and the seed, which the sweep derives per member. */
static const char *refused_path(const char *p)
{
    static const char *const refused[] = {"seed",          "days",          "start", "extends",
                                          "network.nodes", "network.edges", NULL};
    for (size_t i = 0; refused[i]; i++)
        if (strcmp(p, refused[i]) == 0)
            return refused[i];
    if (strncmp(p, "output.", 7) == 0)
        return "output";
    return NULL;
}

/* Loads the scenario with path=value alone: an unknown path (or one through a mapping or a
 * sequence) is reported at the parameter's place in the sweep file. A value the scenario
 * rejects is not: that member fails alone when it runs. */
static void probe_path(const cfx_sweep *sw, const cfx_conf *where, const char *path,
                       const char *value, cfx_diags *d)
{
    cfx_override ov = {path, value};
    cfx_diags pd = {0};
    cfx_scenario *s = NULL;
    cfx_scenario_load(&s, sw->scenario, &ov, 1, &pd);
    cfx_scenario_free(s);
    for (size_t i = 0; i < pd.n; i++)
        if (pd.v[i].code == CFX_EUSAGE) {
            cfx_diags_add(d, CFX_EINVAL, where->file, where->line, where->col,
                          "parameter '%s' is not in the scenario %s (%s)", path, sw->scenario,
                          pd.v[i].msg);
            break;
        }
    cfx_diags_free(&pd);
}

/* ---------------------------------------------------------------- parsing */

static int add(cfx_diags *d, const cfx_conf *n, const char *fmt, const char *a, const char *b)
{
    return cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col, fmt, a, b);
}

static void parse_param(cfx_sweep *sw, cfx_sweep_param *p, const cfx_conf *item, cfx_diags *d)
{
    cfx_error e;
    const char *path = NULL;
    if (item->kind != CFX_CONF_MAP) {
        add(d, item, "a parameter is a mapping with 'path' and %s%s",
            sw->design <= CFX_DESIGN_LIST ? "'values'" : "'range'", "");
        return;
    }
    if (cfx_conf_get_str(item, "path", 1, &path, &e)) {
        cfx_diags_push(d, &e);
        return;
    }
    const cfx_conf *pn = cfx_conf_get(item, "path");
    if (!(p->path = cfx_strdup(path)))
        return;
    const char *why = refused_path(path);
    if (why) {
        add(d, pn,
            strcmp(why, "seed") == 0 ? "'%s' cannot be swept%s: each member's seed is derived "
                                       "from the base seed and its index (use replicates)"
                                     : "'%s' cannot be swept: members must share one network "
                                       "and one time axis%s",
            path, "");
        for (size_t i = 0; i < item->n; i++) /* its other keys would only look unknown */
            item->items[i]->used = 1;
        return;
    }
    int want = scenario_type(sw->scenario, path, 0);
    int ranged = sw->design >= CFX_DESIGN_SOBOL;
    const cfx_conf *vals = cfx_conf_get(item, ranged ? "range" : "values");
    const cfx_conf *other = cfx_conf_get(item, ranged ? "values" : "range");
    if (vals)
        ((cfx_conf *)vals)->used = 1;
    if (other) {
        add(d, other, "'%s' is for the %s", other->key,
            ranged ? "grid and list designs" : "sobol and lhs designs");
        ((cfx_conf *)other)->used = 1;
    }
    if (!vals || vals->kind != CFX_CONF_SEQ || vals->n == 0) {
        add(d, vals ? vals : item, "parameter '%s' needs %s", path,
            ranged ? "'range: [LOW, HIGH]'" : "'values: [V1, V2, ...]' (at least one)");
        return;
    }
    if (ranged) {
        if (want >= 0 && want != VT_LONG && want != VT_DOUBLE) {
            add(d, pn, "parameter '%s' is %s in the scenario; sobol and lhs need a number", path,
                vt_names[want]);
            return;
        }
        const char *integer = "false";
        if (cfx_conf_get_str(item, "integer", 0, &integer, &e)) {
            cfx_diags_push(d, &e);
            return;
        }
        p->integer = strcmp(integer, "true") == 0;
        if (!p->integer && strcmp(integer, "false") != 0) {
            add(d, cfx_conf_get(item, "integer"), "'integer' must be true or false, got '%s'%s",
                integer, "");
            return;
        }
        if (vals->n != 2) {
            add(d, vals, "'range' of '%s' must be [LOW, HIGH]%s", path, "");
            return;
        }
        if (cfx_conf_scalar_double(vals->items[0], &p->lo, &e) ||
            cfx_conf_scalar_double(vals->items[1], &p->hi, &e)) {
            cfx_diags_push(d, &e);
            return;
        }
        if (!(p->lo <= p->hi))
            add(d, vals, "'range' of '%s' must have LOW <= HIGH%s", path, "");
        else if (!isfinite(p->hi - p->lo)) /* LOW + u (HIGH - LOW) would be infinite */
            add(d, vals, "'range' of '%s' is too wide: HIGH - LOW must be a finite number%s",
                path, "");
        return;
    }
    if (!(p->values = calloc(vals->n, sizeof *p->values)))
        return;
    for (size_t i = 0; i < vals->n; i++) {
        const cfx_conf *v = vals->items[i];
        if (v->kind != CFX_CONF_SCALAR) {
            add(d, v, "values of '%s' must be scalars%s", path, "");
            return;
        }
        value_type got = type_of(v->value, v->quoted);
        if (want >= 0 && !fits((value_type)want, got)) {
            cfx_diags_add(d, CFX_EINVAL, v->file, v->line, v->col,
                          "'%s' is %s in the scenario, got '%s'", path,
                          vt_names[want == VT_LONG ? VT_DOUBLE : want], v->value);
            continue;
        }
        if (!(p->values[i] = cfx_strdup(v->value)))
            return;
        p->n_values = i + 1;
    }
}

static void parse(cfx_sweep *sw, const cfx_conf *root, cfx_diags *d)
{
    cfx_error e;
    const char *design = NULL;
    long samples = 0, replicates = 1, seed = -1;
    if (!root || root->kind != CFX_CONF_MAP) {
        cfx_diags_add(d, CFX_EINVAL, sw->path, 1, 1,
                      "a sweep file is a YAML mapping (design, parameters, ...)");
        return;
    }
    if (cfx_conf_get_str(root, "design", 1, &design, &e)) {
        cfx_diags_push(d, &e);
        return;
    }
    const cfx_conf *dn = cfx_conf_get(root, "design");
    size_t k = 0;
    while (k < 4 && strcmp(design, cfx_design_names[k]) != 0)
        k++;
    if (k == 4) {
        add(d, dn, "'design' must be grid, list, sobol or lhs, got '%s'%s", design, "");
        return;
    }
    sw->design = (cfx_design)k;
    int ranged = sw->design >= CFX_DESIGN_SOBOL;
    if (cfx_conf_get_long(root, "samples", ranged, &samples, &e) ||
        cfx_conf_get_long(root, "replicates", 0, &replicates, &e) ||
        cfx_conf_get_long(root, "seed", 0, &seed, &e)) {
        cfx_diags_push(d, &e);
        return;
    }
    const cfx_conf *sn = cfx_conf_get(root, "samples");
    if (sn && !ranged)
        add(d, sn, "'samples' is for the sobol and lhs designs (%s has %s)", design,
            "one point per value combination");
    if (ranged && (samples < 1 || (unsigned long)samples > MAX_MEMBERS))
        add(d, sn, "'samples' must be an integer from 1 to 10000000, got %s%s", sn->value, "");
    if (replicates < 1 || (unsigned long)replicates > MAX_MEMBERS)
        add(d, cfx_conf_get(root, "replicates"),
            "'replicates' must be an integer from 1 to 10000000, got %s%s",
            cfx_conf_get(root, "replicates")->value, "");
    if (cfx_conf_get(root, "seed") && seed < 0)
        add(d, cfx_conf_get(root, "seed"), "'seed' must be a non-negative integer, got %s%s",
            cfx_conf_get(root, "seed")->value, "");
    if (seed >= 0)
        sw->base_seed = (uint64_t)seed;
    sw->samples = (size_t)(samples > 0 ? samples : 0);
    sw->replicates = (size_t)(replicates > 0 ? replicates : 1);
    const cfx_conf *ps = cfx_conf_get(root, "parameters");
    if (ps)
        ((cfx_conf *)ps)->used = 1;
    /* a grid of no parameters is the scenario itself, once per replicate: an ensemble of
     * seeds (the offensive's spread, a counterfactual's) */
    int ensemble = sw->design == CFX_DESIGN_GRID &&
                   (!ps || (ps->kind == CFX_CONF_SEQ && ps->n == 0) ||
                    (ps->kind == CFX_CONF_SCALAR && !ps->value[0]));
    if (ensemble) {
        cfx_conf_unused(root, d);
        return;
    }
    if (!ps || ps->kind != CFX_CONF_SEQ || ps->n == 0) {
        cfx_diags_add(d, CFX_EINVAL, ps ? ps->file : sw->path, ps ? ps->line : 1, ps ? ps->col : 1,
                      "'parameters' must be a list of at least one parameter (an ensemble of "
                      "seeds alone is design: grid with replicates and no parameters)");
        return;
    }
    if (sw->design == CFX_DESIGN_SOBOL && ps->n > SOBOL_MAX_PARAMS) {
        cfx_diags_add(d, CFX_EINVAL, ps->file, ps->line, ps->col,
                      "sobol takes at most %d parameters, got %zu (Saltelli's design draws two "
                      "coordinates per parameter from GSL's Sobol sequence, which has 40); use "
                      "lhs for more",
                      SOBOL_MAX_PARAMS, ps->n);
        return;
    }
    if (!(sw->params = calloc(ps->n, sizeof *sw->params)))
        return;
    sw->n_params = ps->n;
    for (size_t i = 0; i < ps->n; i++) {
        size_t errors = d->n;
        parse_param(sw, &sw->params[i], ps->items[i], d);
        sw->params[i].bad = d->n > errors;
        for (size_t j = 0; j < i && sw->params[i].path; j++)
            if (sw->params[j].path && strcmp(sw->params[i].path, sw->params[j].path) == 0)
                add(d, cfx_conf_get(ps->items[i], "path"), "parameter '%s' is listed twice%s",
                    sw->params[i].path, "");
    }
    if (sw->design == CFX_DESIGN_LIST)
        for (size_t i = 1; i < ps->n; i++)
            if (sw->params[i].n_values != sw->params[0].n_values)
                /* at the values, or at the parameter when it has none (fuzzing found a NULL) */
                add(d,
                    cfx_conf_get(ps->items[i], "values") ? cfx_conf_get(ps->items[i], "values")
                                                         : ps->items[i],
                    "the list design takes the i-th values together: '%s' has a different "
                    "number of values than '%s'",
                    sw->params[i].path ? sw->params[i].path : "?",
                    sw->params[0].path ? sw->params[0].path : "?");
    cfx_conf_unused(root, d);
}

/* ---------------------------------------------------------------- expanding */

static char *fmt_value(const cfx_sweep_param *p, double u)
{
    char buf[64];
    double v = p->lo + u * (p->hi - p->lo);
    if (p->integer) {
        snprintf(buf, sizeof buf, "%lld", llround(v));
        return cfx_strdup(buf);
    }
    /* the shortest text that reads back as the same double */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cfx_strdup(buf);
}

/* Unit-cube points of the sobol or lhs design: n_points * n_params, row per point. sobol
 * is Saltelli's design (sim/analyze.h), which conflux analyze needs for Sobol indices:
 * `samples` blocks of k + 2 points A, A_B^1 ... A_B^k, B. */
static double *unit_points(const cfx_sweep *sw)
{
    size_t n = sw->n_points, k = sw->n_params;
    double *u = malloc(n * k * sizeof *u);
    if (!u)
        return NULL;
    if (sw->design == CFX_DESIGN_SOBOL) {
        cfx_error e;
        if (cfx_saltelli_design(u, sw->samples, k, &e)) {
            free(u);
            return NULL;
        }
        return u;
    }
    /* Latin hypercube: in each dimension every one of the n strata holds one point, at a
     * uniform place inside it; strata are dealt by a shuffle keyed by (seed, dimension). */
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    size_t *perm = malloc(n * sizeof *perm);
    if (!r || !perm) {
        gsl_rng_free(r);
        free(perm);
        free(u);
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        cfx_rng_key(r, sw->base_seed, CFX_STREAM_SWEEP_LHS, j, 0);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
            size_t s = (size_t)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = perm[i];
            perm[i] = perm[s];
            perm[s] = t;
        }
        for (size_t i = 0; i < n; i++)
            u[i * k + j] = ((double)perm[i] + gsl_rng_uniform(r)) / (double)n;
    }
    gsl_rng_free(r);
    free(perm);
    return u;
}

static int expand(cfx_sweep *sw, cfx_diags *d)
{
    size_t k = sw->n_params;
    if (sw->design == CFX_DESIGN_GRID) {
        sw->n_points = 1;
        for (size_t p = 0; p < k; p++) {
            if (sw->n_points > MAX_MEMBERS / (sw->params[p].n_values ? sw->params[p].n_values : 1))
                sw->n_points = MAX_MEMBERS + 1;
            else
                sw->n_points *= sw->params[p].n_values;
        }
    } else if (sw->design == CFX_DESIGN_SOBOL) {
        sw->n_points = sw->samples * (k + 2); /* samples <= MAX_MEMBERS, k <= 20: no overflow */
    } else {
        sw->n_points = sw->design == CFX_DESIGN_LIST ? sw->params[0].n_values : sw->samples;
    }
    if (sw->n_points > MAX_MEMBERS / sw->replicates)
        return cfx_diags_add(d, CFX_EINVAL, sw->path, 1, 1, "the sweep has more than %lu members",
                             MAX_MEMBERS);
    sw->n_members = sw->n_points * sw->replicates;
    sw->values = calloc(sw->n_members * k + 1, sizeof *sw->values);
    sw->seed = malloc(sw->n_members * sizeof *sw->seed);
    double *u = sw->design >= CFX_DESIGN_SOBOL ? unit_points(sw) : NULL;
    if (!sw->values || !sw->seed || (sw->design >= CFX_DESIGN_SOBOL && !u)) {
        free(u);
        return cfx_diags_add(d, CFX_ENOMEM, sw->path, 0, 0, "out of memory (sweep)");
    }
    for (size_t pt = 0; pt < sw->n_points; pt++) {
        size_t rest = pt; /* grid: the last parameter varies fastest */
        for (size_t pi = k; pi-- > 0;) {
            const cfx_sweep_param *p = &sw->params[pi];
            char *v;
            if (sw->design == CFX_DESIGN_GRID) {
                v = cfx_strdup(p->values[rest % p->n_values]);
                rest /= p->n_values;
            } else if (sw->design == CFX_DESIGN_LIST) {
                v = cfx_strdup(p->values[pt]);
            } else {
                v = fmt_value(p, u[pt * k + pi]);
            }
            for (size_t r = 0; r < sw->replicates && v; r++)
                sw->values[(pt * sw->replicates + r) * k + pi] = r ? cfx_strdup(v) : v;
        }
    }
    free(u);
    for (size_t m = 0; m < sw->n_members; m++) {
        sw->seed[m] = cfx_sweep_member_seed(sw->base_seed, m);
        for (size_t p = 0; p < k; p++)
            if (!sw->values[m * k + p])
                return cfx_diags_add(d, CFX_ENOMEM, sw->path, 0, 0, "out of memory (sweep)");
    }
    return 0;
}

int cfx_sweep_load(cfx_sweep **out, const char *scenario, const char *sweep_path, cfx_diags *d)
{
    *out = NULL;
    size_t before = d->n;
    cfx_sweep *sw = calloc(1, sizeof *sw);
    cfx_conf_doc *doc = NULL;
    cfx_scenario *s = NULL;
    cfx_error e;
    int rc = 0;
    if (!sw || !(sw->scenario = cfx_strdup(scenario)) || !(sw->path = cfx_strdup(sweep_path))) {
        rc = cfx_diags_add(d, CFX_ENOMEM, sweep_path, 0, 0, "out of memory");
        goto done;
    }
    /* The scenario must load as it is: its seed is the base seed. */
    if ((rc = cfx_scenario_load(&s, scenario, NULL, 0, d)))
        goto done;
    sw->base_seed = s->seed;
    if ((rc = cfx_conf_load(&doc, sweep_path, &e))) {
        cfx_diags_push(d, &e);
        goto done;
    }
    if (!(sw->text = malloc(doc->text_len + 1))) {
        rc = cfx_diags_add(d, CFX_ENOMEM, sweep_path, 0, 0, "out of memory");
        goto done;
    }
    memcpy(sw->text, doc->text, doc->text_len + 1);
    sw->text_len = doc->text_len;
    parse(sw, doc->root, d);
    /* Each path must be one the scenario reads: probe it with its first value. Parameters
     * whose own entry is wrong are skipped, the others probed all the same, so that one
     * check lists every problem of the file. */
    const cfx_conf *ps = cfx_conf_get(doc->root, "parameters");
    for (size_t i = 0; i < sw->n_params; i++) {
        cfx_sweep_param *p = &sw->params[i];
        if (p->bad)
            continue;
        char *mid = p->n_values ? NULL : fmt_value(p, 0.5);
        probe_path(sw, cfx_conf_get(ps->items[i], "path"), p->path,
                   p->n_values ? p->values[0]
                   : mid       ? mid
                               : "0",
                   d);
        free(mid);
    }
    if (d->n == before)
        expand(sw, d);
done:
    cfx_conf_free(doc);
    cfx_scenario_free(s);
    if (d->n > before)
        rc = cfx_diags_code(d);
    if (rc) {
        cfx_sweep_free(sw);
        return rc;
    }
    *out = sw;
    return 0;
}

size_t cfx_sweep_member_count(const cfx_sweep *sw)
{
    return sw->n_members;
}

void cfx_sweep_describe(const cfx_sweep *sw, char *buf, size_t n)
{
    snprintf(buf, n, "%s design, %zu replicate%s", cfx_design_names[sw->design], sw->replicates,
             sw->replicates == 1 ? "" : "s");
}
