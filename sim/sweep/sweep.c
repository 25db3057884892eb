/* Sweep files: parsing, checking every parameter against the scenario, expanding the design
 * (grid, list, Sobol, Latin hypercube) into members with derived seeds; and running members,
 * locally several at a time in child processes. */
#include "sweep/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "analysis/analyze.h"
#include "io/conf.h"
#include "io/csv.h"
#include "core/rng.h"
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
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    CFX_ASSERT(r);
    cfx_rng_key(r, base, CFX_STREAM_SWEEP_SEED, (uint64_t)m, 0);
    uint64_t hi = gsl_rng_get(r) & 0xffffffffu, lo = gsl_rng_get(r) & 0xffffffffu;
    gsl_rng_free(r);
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
    if (!ps || ps->kind != CFX_CONF_SEQ || ps->n == 0) {
        cfx_diags_add(d, CFX_EINVAL, ps ? ps->file : sw->path, ps ? ps->line : 1, ps ? ps->col : 1,
                      "'parameters' must be a list of at least one parameter");
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
    sw->values = calloc(sw->n_members * k, sizeof *sw->values);
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

/* ---------------------------------------------------------------- the directory */

/* Writes a file that must hold exactly text: a new one through a temporary name (shards may
 * race here), or an existing one that is compared. */
static int write_or_compare(const char *path, const char *text, size_t len, cfx_error *err)
{
    char *old = NULL;
    size_t olen = 0;
    cfx_error ignore;
    if (cfx_read_file(path, &old, &olen, &ignore) == 0) {
        int same = olen == len && memcmp(old, text, len) == 0;
        free(old);
        return same ? 0
                    : cfx_error_set(err, CFX_ECREATE, path, 0, 0,
                                    "the directory holds another sweep (this file differs); "
                                    "use a new directory");
    }
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return cfx_error_set(err, CFX_ECREATE, tmp, 0, 0, "cannot create: %s", strerror(errno));
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        return cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    return 0;
}

/* DIR/created: when the sweep began (SOURCE_DATE_EPOCH when set), ISO 8601 UTC. */
#define CREATED_LEN 20 /* 2025-11-01T00:00:00Z */

static int created_path(char *buf, size_t n, const char *dir)
{
    return snprintf(buf, n, "%s/created", dir) >= (int)n ? -1 : 0;
}

/* The time to record for a sweep that begins now: SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the clock; text of CREATED_LEN + 1 bytes with '\n'. */
static int created_now(char *text, size_t n, cfx_error *err)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    time_t t = time(NULL);
    struct tm tm;
    if (epoch) {
        char *end;
        errno = 0;
        long long v = strtoll(epoch, &end, 10);
        if (!*epoch || *end || errno || v < 0 || v > 253402300799LL) /* to 9999-12-31 */
            return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                                 "SOURCE_DATE_EPOCH must be seconds since 1970-01-01 (a whole "
                                 "number up to 253402300799), got '%s'",
                                 epoch);
        t = (time_t)v;
    }
    gmtime_r(&t, &tm);
    strftime(text, n, "%Y-%m-%dT%H:%M:%SZ\n", &tm);
    return 0;
}

/* Records text in DIR/created unless it is there: written under a temporary name and linked
 * into place, so that of shards that race here the first wins and all read its time. */
static int record_created(const char *dir, const char *text, cfx_error *err)
{
    char path[1100], tmp[1200];
    struct stat st;
    if (created_path(path, sizeof path, dir))
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "the directory's name is too long");
    if (stat(path, &st) == 0)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return cfx_error_set(err, CFX_ECREATE, tmp, 0, 0, "cannot create: %s", strerror(errno));
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    int rc = 0;
    if (bad || (link(tmp, path) && errno != EEXIST))
        rc = cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    unlink(tmp);
    return rc;
}

/* The sweep's time from DIR/created into buf (CREATED_LEN + 1 bytes); -1 with why in msg. */
static int read_created(const char *dir, char *buf, char *msg, size_t n)
{
    char path[1100], *text = NULL;
    size_t len = 0;
    cfx_error e;
    if (created_path(path, sizeof path, dir) || cfx_read_file(path, &text, &len, &e)) {
        snprintf(msg, n,
                 "%s/created: cannot read the sweep's time (run conflux sweep again with "
                 "--resume to record it)",
                 dir);
        return -1;
    }
    int ok = len == CREATED_LEN + 1 && text[4] == '-' && text[10] == 'T' &&
             text[CREATED_LEN - 1] == 'Z' && text[CREATED_LEN] == '\n';
    if (ok)
        snprintf(buf, CREATED_LEN + 1, "%.*s", CREATED_LEN, text);
    else
        snprintf(msg, n, "%s: not a time like 2025-11-01T00:00:00Z", path);
    free(text);
    return ok ? 0 : -1;
}

int cfx_sweep_prepare(const cfx_sweep *sw, const char *dir, cfx_error *err)
{
    char created[40];
    if (created_now(created, sizeof created, err))
        return err->code;
    if (mkdir(dir, 0777) && errno != EEXIST)
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "cannot create the directory: %s",
                             strerror(errno));
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "exists and is not a directory");
    char path[1100], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return cfx_error_set(err, CFX_ENOMEM, dir, 0, 0, "out of memory");
    fputs("member,seed", f);
    for (size_t p = 0; p < sw->n_params; p++) {
        fputc(',', f);
        cfx_csv_write_cell(f, sw->params[p].path);
    }
    fputc('\n', f);
    for (size_t m = 0; m < sw->n_members; m++) {
        fprintf(f, "%zu,%llu", m, (unsigned long long)sw->seed[m]);
        for (size_t p = 0; p < sw->n_params; p++) {
            fputc(',', f);
            cfx_csv_write_cell(f, sw->values[m * sw->n_params + p]);
        }
        fputc('\n', f);
    }
    if (fclose(f)) {
        free(text);
        return cfx_error_set(err, CFX_ENOMEM, dir, 0, 0, "out of memory");
    }
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    int rc = write_or_compare(path, sw->text, sw->text_len, err);
    snprintf(path, sizeof path, "%s/members.csv", dir);
    if (!rc)
        rc = write_or_compare(path, text, len, err);
    if (!rc)
        rc = record_created(dir, created, err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- one member */

typedef struct poll_hook {
    void (*poll)(void *);
    void *ctx;
} poll_hook;

static void on_day(void *ctx, long day, long days, double elapsed_s)
{
    poll_hook *h = ctx;
    h->poll(h->ctx);
}

static void write_note(const char *path, const char *msg)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", msg);
        fclose(f);
    }
}

int cfx_sweep_run_member(const cfx_sweep *sw, size_t m, const char *dir, void (*poll)(void *),
                         void *poll_ctx)
{
    size_t k = sw->n_params;
    char out[1100], note[1100], seed[32], created[CREATED_LEN + 1], why[1300], *cmd = NULL;
    size_t cmd_len = 0;
    cfx_sweep_member_path(out, sizeof out, dir, m, ".h5");
    cfx_sweep_member_path(note, sizeof note, dir, m, ".error");
    /* Every member carries the sweep's time, so that its file has the same bytes whenever
     * and wherever it runs. */
    if (read_created(dir, created, why, sizeof why)) {
        write_note(note, why);
        return CFX_MEMBER_FAILED;
    }
    cfx_override *ov = calloc(k + 1, sizeof *ov);
    FILE *cf = open_memstream(&cmd, &cmd_len);
    if (!ov || !cf) {
        free(ov);
        if (cf)
            fclose(cf);
        free(cmd);
        write_note(note, "out of memory");
        return CFX_MEMBER_FAILED;
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sw->seed[m]);
    ov[0] = (cfx_override){"seed", seed};
    /* The member's command line is the `conflux run` that reproduces it, the same whatever
     * the shard, rank or job that ran it. */
    fprintf(cf, "conflux run %s -o %s --seed %s", sw->scenario, out, seed);
    for (size_t p = 0; p < k; p++) {
        ov[p + 1] = (cfx_override){sw->params[p].path, sw->values[m * k + p]};
        fprintf(cf, " --set %s=%s", sw->params[p].path, sw->values[m * k + p]);
    }
    fclose(cf);
    poll_hook hook = {poll, poll_ctx};
    cfx_run_opts opt = {.scenario = sw->scenario,
                        .output = out,
                        .sets = ov,
                        .n_sets = k + 1,
                        .threads = 1,
                        .force = 1,
                        .command_line = cmd,
                        .created = created,
                        .progress = poll ? on_day : NULL,
                        .progress_ctx = &hook};
    cfx_run_result res;
    cfx_diags d = {0};
    cfx_error err = {0};
    int rc = cfx_run(&opt, &res, &d, &err);
    if (rc) {
        char msg[4096] = "", one[1400];
        for (size_t i = 0; i < d.n; i++) {
            cfx_error_format(&d.v[i], one, sizeof one);
            size_t used = strlen(msg);
            snprintf(msg + used, sizeof msg - used, "%s%s", i ? "; " : "", one);
        }
        if (!d.n)
            cfx_error_format(&err, msg, sizeof msg);
        write_note(note, msg);
    } else {
        unlink(note);
    }
    cfx_diags_free(&d);
    free(ov);
    free(cmd);
    return rc ? CFX_MEMBER_FAILED : CFX_MEMBER_OK;
}

/* ---------------------------------------------------------------- the local driver */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cfx_sweep_todo(const cfx_sweep *sw, const cfx_sweep_opts *o, size_t *todo, size_t *n_todo,
                   cfx_sweep_tally *t, cfx_error *err)
{
    size_t n = 0, kk = o->shard_n ? o->shard_k : 0, nn = o->shard_n ? o->shard_n : 1;
    char path[1100];
    memset(t, 0, sizeof *t);
    for (size_t m = kk; m < sw->n_members; m += nn) {
        cfx_sweep_member_path(path, sizeof path, o->dir, m, ".h5");
        if (o->resume && cfx_sweep_member_complete(path)) {
            t->skipped++;
            continue;
        }
        if (!o->resume && exists(path))
            return cfx_error_set(err, CFX_ECREATE, path, 0, 0,
                                 "exists; not overwritten (add --resume to skip complete "
                                 "members and redo the rest)");
        todo[n++] = m;
    }
    *n_todo = n;
    t->todo = n;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cfx_sweep_progress(const cfx_sweep_opts *o, cfx_sweep_tally *t, double elapsed_s, int last)
{
    if (!o->progress || (!last && elapsed_s - t->shown_s < (o->progress == 2 ? 0.2 : 10)))
        return;
    t->shown_s = elapsed_s;
    size_t done = t->ok + t->failed;
    double left = done ? elapsed_s / (double)done * (double)(t->todo - done) : 0;
    fprintf(stderr, "%smembers: %zu of %zu done, %zu failed%s, %.0f s elapsed, ~%.0f s left%s",
            o->progress == 2 ? "\r" : "", done, t->todo, t->failed,
            t->skipped ? " (complete ones skipped)" : "", elapsed_s, left,
            o->progress == 2 && !last ? " " : "\n");
    fflush(stderr);
}

/* Writes the note of a member whose process died without writing one. */
static void note_crash(const char *dir, size_t m, int status)
{
    char note[1100], msg[128];
    cfx_sweep_member_path(note, sizeof note, dir, m, ".error");
    if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "the member's process was killed by signal %d", WTERMSIG(status));
    else
        snprintf(msg, sizeof msg, "the member's process exited with status %d",
                 WEXITSTATUS(status));
    if (!exists(note))
        write_note(note, msg);
}

int cfx_sweep_run_local(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                        size_t n_todo, cfx_sweep_tally *t, cfx_error *err)
{
    int jobs = o->jobs > 0 ? o->jobs : 1;
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    size_t *slot_m = calloc((size_t)jobs, sizeof *slot_m);
    size_t next = 0;
    int running = 0, rc = 0;
    double t0 = now_s();
    if (!pids || !slot_m) {
        free(pids);
        free(slot_m);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    while (next < n_todo || running > 0) {
        while (running < jobs && next < n_todo && !(o->stop && *o->stop)) {
            int slot = 0;
            while (pids[slot])
                slot++;
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0)
                _exit(cfx_sweep_run_member(sw, todo[next], o->dir, NULL, NULL));
            if (pid < 0) {
                rc = cfx_error_set(err, CFX_EFAIL, NULL, 0, 0, "cannot start a member: %s",
                                   strerror(errno));
                break;
            }
            pids[slot] = pid;
            slot_m[slot] = todo[next++];
            running++;
        }
        if (rc && running == 0)
            break;
        if (o->stop && *o->stop && running == 0)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int s = 0; s < jobs; s++) {
            if (pids[s] != pid)
                continue;
            pids[s] = 0;
            running--;
            if (WIFEXITED(status) && WEXITSTATUS(status) == CFX_MEMBER_OK) {
                t->ok++;
            } else {
                t->failed++;
                if (!(WIFEXITED(status) && WEXITSTATUS(status) == CFX_MEMBER_FAILED))
                    note_crash(o->dir, slot_m[s], status);
            }
        }
        cfx_sweep_progress(o, t, now_s() - t0, 0);
    }
    cfx_sweep_progress(o, t, now_s() - t0, 1);
    free(pids);
    free(slot_m);
    if (!rc && o->stop && *o->stop && t->ok + t->failed < n_todo)
        rc = cfx_error_set(err, CFX_EINTR, NULL, 0, 0,
                           "interrupted: %zu of %zu members done; rerun with --resume to finish",
                           t->ok + t->failed, n_todo);
    return rc;
}
