/* conflux fit and conflux validate: scenarios against observed tables (scenarios/README.md,
 * "Observed data"). fit: the parameters that best reproduce the observations; validate: the
 * scorecard of the replays as they are. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char help_fit[] =
    "usage: conflux fit SCENARIO.yaml... --observed OBS.csv... --param PATH[,PATH...]=LOW:HIGH...\n"
    "                   [--samples N] [--max-iter N] [--seed S] [--threads N] [--set "
    "KEY=VALUE]...\n"
    "                   [--json]\n"
    "\n"
    "Fits scenario parameters to dated observations. Each observation (a price on a date, the\n"
    "cargo through the gates in a month) is compared, as a change against its reference row,\n"
    "with the same change in the run of the scenario that covers both dates. The loss is the\n"
    "sum over observations of ((ln(1 + simulated) - ln(1 + observed)) / ln(tolerance))^2.\n"
    "The search: a Latin-hypercube sample of the parameters' box (from --seed), then\n"
    "Nelder-Mead from its best point. Prints the fitted values, the loss and the scorecard.\n"
    "\n"
    "  --param PATH=LOW:HIGH   a dotted scenario path to fit within [LOW, HIGH]; several\n"
    "                          paths separated by commas take one value together\n"
    "  --observed OBS.csv      an observed table (repeatable)\n"
    "  --samples N             sample points before the local search (default 10 per\n"
    "                          parameter, at least 20)\n"
    "  --max-iter N            Nelder-Mead iterations at most (default 300)\n"
    "  --seed S                the sample's seed (default 1)\n"
    "  --set KEY=VALUE         applied to every scenario, as in conflux run\n"
    "  --json                  one JSON object instead of the tables\n"
    "\n"
    "Exit 0; 2 for a usage error; 65 or 66 for a bad or missing scenario or observed table.\n";

static const char help_validate[] =
    "usage: conflux validate [REPLAY.yaml...] [--observed OBS.csv]... [--threads N]\n"
    "                        [--set KEY=VALUE]... [--json]\n"
    "\n"
    "Runs each replay once and prints the scorecard of its observations: episode, date,\n"
    "quantity, the observed change against its reference row, the simulated change, the\n"
    "error and whether it is within the row's tolerance. Without replays: every *.yaml of\n"
    "scenarios/replays/; without --observed: every *.csv of the observed/ folder beside the\n"
    "first replay's folder (scenarios/observed/).\n"
    "\n"
    "Exit 0 when every observation is within its tolerance and covered by a replay; 1 when\n"
    "any is not (the scorecard says which); 2, 65, 66 as for fit.\n";

typedef struct args {
    const char **scen, **obs;
    size_t n_scen, n_obs;
    cfx_fit_param *par;
    size_t n_par;
    cfx_override *sets;
    size_t n_sets;
    cfx_fit_opts o;
    int json;
    char **owned; /* file names found in folders */
    size_t n_owned;
} args;

static void free_args(args *a)
{
    for (size_t i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->scen);
    free(a->obs);
    free(a->par);
    cfx_cli_free_sets(a->sets, a->n_sets);
}

/* "PATHS=LOW:HIGH" into p (paths point into s). 0 or -1. */
static int parse_param(char *s, cfx_fit_param *p)
{
    char *eq = strrchr(s, '='), *end;
    if (!eq || eq == s)
        return -1;
    *eq = '\0';
    p->paths = s;
    p->low = strtod(eq + 1, &end);
    if (*end != ':')
        return -1;
    p->high = strtod(end + 1, &end);
    return *end || !(p->high > p->low) ? -1 : 0;
}

static int grow(const char ***v, size_t n)
{
    const char **q = realloc(*v, (n + 1) * sizeof *q);
    if (!q)
        return -1;
    *v = q;
    return 0;
}

/* Every file of dir ending in ext, sorted, appended to *v. 0, -1 when out of memory, 1 when
 * the folder cannot be read. */
static int list_dir(args *a, const char *dir, const char *ext, const char ***v, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    size_t first = *n;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len <= el || strcmp(e->d_name + len - el, ext) || e->d_name[0] == '.')
            continue;
        char *path = malloc(strlen(dir) + len + 2);
        char **o = realloc(a->owned, (a->n_owned + 1) * sizeof *o);
        if (!path || !o || grow(v, *n)) {
            free(path);
            if (o)
                a->owned = o;
            rc = -1;
            break;
        }
        a->owned = o;
        sprintf(path, "%s/%s", dir, e->d_name);
        a->owned[a->n_owned++] = path;
        (*v)[(*n)++] = path;
    }
    closedir(d);
    for (size_t i = first + 1; i < *n; i++) /* sorted: the same order on every machine */
        for (size_t j = i; j > first && strcmp((*v)[j - 1], (*v)[j]) > 0; j--) {
            const char *t = (*v)[j];
            (*v)[j] = (*v)[j - 1];
            (*v)[j - 1] = t;
        }
    return rc;
}

static int parse(const char *cmd, int argc, char **argv, args *a)
{
    const char *v;
    a->o.seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        long n;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return cfx_cli_help(stdout, cmd) == 0 ? -2 : 2;
        else if (strcmp(arg, "--json") == 0)
            a->json = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--observed"))) {
            if (grow(&a->obs, a->n_obs))
                return cfx_cli_nomem(cmd);
            a->obs[a->n_obs++] = v;
        } else if (strcmp(cmd, "fit") == 0 && (v = cfx_cli_optval(argc, argv, &i, "--param"))) {
            cfx_fit_param *p = realloc(a->par, (a->n_par + 1) * sizeof *p);
            if (!p)
                return cfx_cli_nomem(cmd);
            a->par = p;
            if (parse_param((char *)v, &a->par[a->n_par]))
                return cfx_cli_usage(cmd,
                                     "--param takes PATH[,PATH...]=LOW:HIGH with LOW < HIGH, "
                                     "got '%s'",
                                     v);
            a->n_par++;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--set"))) {
            cfx_override *s = realloc(a->sets, (a->n_sets + 1) * sizeof *s);
            if (!s)
                return cfx_cli_nomem(cmd);
            a->sets = s;
            int rc = cfx_cli_split_set(v, &a->sets[a->n_sets]);
            if (rc == -2)
                return cfx_cli_nomem(cmd);
            if (rc)
                return cfx_cli_usage(cmd, "--set takes KEY=VALUE, got '%s'", v);
            a->n_sets++;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--threads"))) {
            if (cfx_cli_parse_long(v, 1, 4096, &n))
                return cfx_cli_usage(cmd, "--threads must be a positive integer, got '%s'", v);
            a->o.threads = (int)n;
        } else if (strcmp(cmd, "fit") == 0 && (v = cfx_cli_optval(argc, argv, &i, "--samples"))) {
            if (cfx_cli_parse_long(v, 1, 1000000, &a->o.samples))
                return cfx_cli_usage(cmd, "--samples must be a positive integer, got '%s'", v);
        } else if (strcmp(cmd, "fit") == 0 && (v = cfx_cli_optval(argc, argv, &i, "--max-iter"))) {
            if (cfx_cli_parse_long(v, 1, 1000000, &a->o.max_iter))
                return cfx_cli_usage(cmd, "--max-iter must be a positive integer, got '%s'", v);
        } else if (strcmp(cmd, "fit") == 0 && (v = cfx_cli_optval(argc, argv, &i, "--seed"))) {
            int bad = cfx_cli_parse_seed(cmd, v, 0x7fffffffL, &n);
            if (bad)
                return bad;
            a->o.seed = (unsigned long)n;
        } else if (arg[0] == '-' && arg[1]) {
            return cfx_cli_usage(cmd, "unknown option or missing value: '%s'", arg);
        } else {
            if (grow(&a->scen, a->n_scen))
                return cfx_cli_nomem(cmd);
            a->scen[a->n_scen++] = arg;
        }
    }
    return 0;
}

/* validate's defaults: the replays of scenarios/replays/, the tables of their observed/. */
static int defaults(args *a)
{
    int rc = 0;
    if (!a->n_scen && (rc = list_dir(a, "scenarios/replays", ".yaml", &a->scen, &a->n_scen)) > 0)
        return cfx_cli_usage("validate", "no replays given and no scenarios/replays/ here (run it "
                                         "from the repository, or name the replays)");
    if (rc < 0)
        return cfx_cli_nomem("validate");
    if (!a->n_obs && a->n_scen) {
        const char *first = a->scen[0], *slash = strrchr(first, '/');
        size_t len = slash ? (size_t)(slash - first) : 0;
        char dir[1200];
        snprintf(dir, sizeof dir, "%.*s%sobserved", (int)len, first, len ? "/../" : "../");
        if ((rc = list_dir(a, dir, ".csv", &a->obs, &a->n_obs)) > 0)
            return cfx_cli_usage("validate", "no --observed and no folder %s", dir);
        if (rc < 0)
            return cfx_cli_nomem("validate");
    }
    return 0;
}

static int run(const char *cmd, int argc, char **argv)
{
    args a = {0};
    int rc = parse(cmd, argc, argv, &a);
    if (!rc && strcmp(cmd, "validate") == 0)
        rc = defaults(&a);
    if (!rc && !a.n_scen)
        rc = cfx_cli_usage(cmd, "missing SCENARIO.yaml");
    if (!rc && !a.n_obs)
        rc = cfx_cli_usage(cmd, "missing --observed OBS.csv");
    if (!rc && strcmp(cmd, "fit") == 0 && !a.n_par)
        rc = cfx_cli_usage(cmd, "missing --param PATH=LOW:HIGH");
    if (rc) {
        free_args(&a);
        return rc == -2 ? 0 : rc;
    }
    a.o.scenarios = a.scen;
    a.o.n_scenarios = a.n_scen;
    a.o.observed = a.obs;
    a.o.n_observed = a.n_obs;
    a.o.params = a.par;
    a.o.n_params = a.n_par;
    a.o.sets = a.sets;
    a.o.n_sets = a.n_sets;
    cfx_fit *f = NULL;
    cfx_diags d = {0};
    cfx_error err = {0};
    rc = strcmp(cmd, "fit") == 0 ? cfx_fit_run(&f, &a.o, &d, &err)
                                 : cfx_validate(&f, &a.o, &d, &err);
    if (rc) {
        cfx_cli_print_diags(&d);
        if (!d.n)
            cfx_cli_print_error(&err);
        rc = cfx_exit_code(rc);
    } else {
        int jrc = a.json ? cfx_fit_print_json(f, stdout) : 0;
        if (!a.json)
            cfx_fit_print(f, stdout);
        size_t bad = cfx_fit_misses(f) + cfx_fit_uncovered(f);
        if (jrc)
            rc = cfx_cli_json_failed(cmd, jrc);
        else if (strcmp(cmd, "validate") == 0 && bad) {
            fprintf(stderr,
                    "conflux validate: %zu observation%s outside %s tolerance or not "
                    "covered by a replay\n",
                    bad, bad == 1 ? "" : "s", bad == 1 ? "its" : "their");
            rc = 1;
        }
    }
    cfx_diags_free(&d);
    cfx_fit_free(f);
    free_args(&a);
    return rc;
}

static int cfx_cmd_fit(int argc, char **argv)
{
    return run("fit", argc, argv);
}
static int cfx_cmd_validate(int argc, char **argv)
{
    return run("validate", argc, argv);
}

const cfx_command cfx_command_fit = {
    .name = "fit",
    .run = cfx_cmd_fit,
    .usage = "fit SCENARIO.yaml... --observed OBS.csv --param PATH=LOW:HIGH...",
    .summary = "fit scenario parameters to observed series",
    .help = help_fit};

const cfx_command cfx_command_validate = {.name = "validate",
                                          .run = cfx_cmd_validate,
                                          .usage =
                                              "validate [REPLAY.yaml...] [--observed OBS.csv]...",
                                          .summary = "score the replays against their observations",
                                          .help = help_validate};
