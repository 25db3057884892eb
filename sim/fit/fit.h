/* Observed series and the scoring of scenarios against them: what `conflux fit` minimises and
 * `conflux validate` prints (scenarios/README.md, "Observed data"). The layer's private
 * header; the API is conflux.h's cfx_fit_* and cfx_validate. */
#ifndef CFX_FIT_H
#define CFX_FIT_H

#include <stddef.h>

#include "conflux.h"

/* What an observation measures. */
typedef enum {
    CFX_OBS_PRICE,     /* a product's price on the date */
    CFX_OBS_GATE_FLOW, /* cargo through the gates (a gate, or all of them) in the date's month */
    CFX_OBS_NVARS
} cfx_obs_var;
extern const char *const cfx_obs_var_names[CFX_OBS_NVARS];

/* One row of an observed table. Values are compared only as changes against another row of
 * the same series (variable, product, node): its reference. */
typedef struct cfx_observation {
    long day_z;    /* the date, days from 1970-01-01 */
    int var;       /* cfx_obs_var */
    char *product; /* price: the product's name; else "" */
    char *node;    /* gate_flow: a gate's id, "" for every gate */
    double value;  /* > 0, in unit */
    char *unit, *source;
    double tolerance; /* the change must be within this factor of the observed one (> 1) */
    long ref;         /* the row it is compared with, -1 when it is a reference itself */
    char *file;       /* where the row is, for messages */
    int line, col;
} cfx_observation;

typedef struct cfx_observed {
    cfx_observation *v;
    size_t n, cap;
} cfx_observed;

/* Reads an observed table and appends its rows (references resolved within the file).
 * Every problem goes to d with its place; returns 0 or the most severe code. */
int cfx_observed_read(cfx_observed *o, const char *path, cfx_diags *d);
void cfx_observed_free(cfx_observed *o);

/* One observation scored on one scenario's run. */
typedef struct cfx_score {
    size_t obs;        /* its row in the observed set */
    size_t scenario;   /* its scenario, an index into the caller's list */
    double obs_change; /* value / reference value - 1 */
    double sim_change; /* the same in the run */
    int ok;            /* within tolerance (cfx_fit__within) */
} cfx_score;

typedef struct cfx_scores {
    cfx_score *v;
    size_t n, cap;
} cfx_scores;

/* Runs the scenario at path (with the overrides) as far as the observations need, with no
 * result file, and appends a score for every observation of o whose date and reference's
 * date fall within the run; 1 in covered[i] for each row it scored or used as a reference.
 * *name gets the scenario's name (malloc'd; may be NULL). Input problems go to d (with the
 * code returned); a failed run to err. */
int cfx_fit__score(const char *path, size_t scenario, const cfx_override *ov, size_t n_ov,
                   const cfx_observed *o, int threads, cfx_scores *out, unsigned char *covered,
                   char **name, cfx_diags *d, cfx_error *err);

/* A fit or a validation (conflux.h's opaque cfx_fit): fit.c makes it, print.c prints it. */
typedef struct fit_param {
    char *paths; /* as given */
    char *buf;   /* a copy split at commas */
    char **path; /* split at commas */
    size_t n_path;
    double low, high, value;
} fit_param;

struct cfx_fit {
    int is_fit;
    fit_param *p;
    size_t np;
    char **scenario; /* the paths */
    char **name;     /* the scenarios' names */
    size_t ns;
    cfx_observed obs;
    cfx_scores scores; /* at the fitted values (a fit) or as the scenarios are */
    unsigned char *covered;
    double loss;
    long runs, samples, iterations;
    unsigned long seed;
};

/* 1 when a simulated change is within the tolerance factor of the observed one: the same
 * sign and a size within [1/tol, tol] of it; a change under 5 % observed is compared as a
 * level instead (the simulated level within 5 % x tol of it). */
int cfx_fit__within(double obs_change, double sim_change, double tol);

/* The loss of a set of scores: the sum of ((ln(1 + sim) - ln(1 + obs)) / ln(tol))^2, each
 * simulated level floored at 1e-3 of its reference (a flow that stops). */
double cfx_fit__loss(const cfx_observed *o, const cfx_scores *s);

#endif
