/* conflux import-acled: an ACLED export to an events table of a scenario, with a summary of
 * what was mapped where and what was dropped and why. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/acled.h"
#include "cli/cli.h"

#define CMD "import-acled"

typedef struct args {
    const char *export_csv, *scenario, *output, *report;
    int force, quiet, strict;
    cfx_acled_opts o;
} args;

/* A number option in [lo, hi] (lo excluded when open): 0, or the usage code. */
static int num_opt(const char *name, const char *v, double lo, double hi, int open, double *out)
{
    char *end = NULL;
    double x = strtod(v, &end);
    if (!*v || *end || !isfinite(x) || x < lo || x > hi || (open && x == lo))
        return cfx_cli_usage(CMD, "%s must be a number in %s%g, %g], got '%s'", name,
                             open ? "(" : "[", lo, hi, v);
    *out = x;
    return 0;
}

static int date_opt(const char *name, const char *v, long *out)
{
    if (cfx_acled_parse_date(v, out))
        return cfx_cli_usage(CMD, "%s must be a date as 2025-05-16 or 16 May 2025, got '%s'", name,
                             v);
    return 0;
}

static int parse(int argc, char **argv, args *a)
{
    const char *v;
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return -1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--scenario")))
            a->scenario = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "-o")) ||
                 (v = cfx_cli_optval(argc, argv, &i, "--output")))
            a->output = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--report")))
            a->report = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--actors")))
            a->o.actors = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--radius-km")))
            rc = num_opt("--radius-km", v, 0, 20000, 1, &a->o.radius_km);
        else if ((v = cfx_cli_optval(argc, argv, &i, "--fight-days")))
            rc = num_opt("--fight-days", v, 0, 3650, 1, &a->o.fight_days);
        else if ((v = cfx_cli_optval(argc, argv, &i, "--strike-days")))
            rc = num_opt("--strike-days", v, 0, 365, 1, &a->o.strike_days);
        else if ((v = cfx_cli_optval(argc, argv, &i, "--strike-loss")))
            rc = num_opt("--strike-loss", v, 0, 1, 0, &a->o.strike_loss_p);
        else if ((v = cfx_cli_optval(argc, argv, &i, "--from")))
            rc = date_opt("--from", v, &a->o.from_day);
        else if ((v = cfx_cli_optval(argc, argv, &i, "--to")))
            rc = date_opt("--to", v, &a->o.to_day);
        else if (strcmp(argv[i], "--force") == 0)
            a->force = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            a->quiet = 1;
        else if (strcmp(argv[i], "--strict") == 0)
            a->strict = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            rc = cfx_cli_usage(CMD, "unknown option '%s' (or it lacks its value)", argv[i]);
        else if (!a->export_csv)
            a->export_csv = argv[i];
        else
            rc = cfx_cli_usage(CMD, "one export at a time, got '%s' and '%s'", a->export_csv,
                               argv[i]);
    }
    if (rc)
        return rc;
    if (!a->export_csv)
        return cfx_cli_usage(CMD, "missing EXPORT.csv");
    if (!a->scenario)
        return cfx_cli_usage(CMD, "missing --scenario S.yaml (its nodes, roads and start date)");
    if (!a->output)
        return cfx_cli_usage(CMD, "missing -o EVENTS.csv");
    if (a->o.from_day > a->o.to_day)
        return cfx_cli_usage(CMD, "--from is after --to");
    if (a->report && strcmp(a->report, a->output) == 0)
        return cfx_cli_usage(CMD, "--report and -o name the same file");
    return 0;
}

/* The scenario's network and start date. Its own events table is not needed, and may be
 * the very file being written (or not exist yet), so an empty one stands in for it. */
static int load_scenario(const char *path, cfx_scenario **out, cfx_diags *d)
{
    char tmp[] = "/tmp/conflux-acled-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cfx_diags_add(d, CFX_EFAIL, tmp, 0, 0, "cannot create a temporary file: %s",
                             strerror(errno));
    static const char header[] = "day,kind,target,days\n";
    int ok = write(fd, header, sizeof header - 1) == (ssize_t)(sizeof header - 1);
    close(fd);
    cfx_override ov = {.path = "events", .value = tmp};
    int rc = ok ? cfx_scenario_load(out, path, &ov, 1, d)
                : cfx_diags_add(d, CFX_EFAIL, tmp, 0, 0, "cannot write a temporary file");
    unlink(tmp);
    return rc;
}

/* Opens OUT.partial for writing, refusing an existing OUT without --force. */
static FILE *open_out(const char *path, int force, char **partial, cfx_error *err)
{
    *partial = NULL;
    if (!force && access(path, F_OK) == 0) {
        cfx_error_set(err, CFX_ECREATE, path, 0, 0, "exists; use --force to overwrite it");
        return NULL;
    }
    size_t n = strlen(path) + sizeof ".partial";
    FILE *f = NULL;
    if ((*partial = malloc(n))) {
        snprintf(*partial, n, "%s.partial", path);
        if (!(f = fopen(*partial, "w")))
            cfx_error_set(err, CFX_ECREATE, *partial, 0, 0, "cannot create: %s", strerror(errno));
    } else {
        cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory");
    }
    if (!f) {
        free(*partial);
        *partial = NULL;
    }
    return f;
}

/* Writes one file through OUT.partial and a rename. */
static int write_file(const char *path, int force, const cfx_acled_result *r,
                      int (*fn)(const cfx_acled_result *, FILE *), cfx_error *err)
{
    char *partial;
    FILE *f = open_out(path, force, &partial, err);
    if (!f)
        return err->code;
    int rc = fn(r, f);
    if (fclose(f) != 0 && !rc)
        rc = CFX_EIO;
    if (rc)
        cfx_error_set(err, rc, partial, 0, 0, "error while writing: %s", strerror(errno));
    else if (rename(partial, path) != 0)
        rc = cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot rename %s to it: %s", partial,
                           strerror(errno));
    if (rc)
        remove(partial);
    free(partial);
    return rc;
}

int cfx_cmd_import_acled(int argc, char **argv)
{
    args a = {.o = cfx_acled_opts_default()};
    int rc = parse(argc, argv, &a);
    if (rc < 0)
        return cfx_cli_help(stdout, CMD);
    if (rc)
        return rc;
    cfx_scenario *s = NULL;
    cfx_acled_result *r = NULL;
    cfx_diags d = {0};
    cfx_error err = {0};
    if ((rc = load_scenario(a.scenario, &s, &d)) ||
        (rc = cfx_acled_import(&r, s, a.export_csv, &a.o, &d))) {
        cfx_cli_print_diags(&d);
        goto done;
    }
    /* Rows that could not be read are reported where they are, and dropped. */
    cfx_cli_print_diags(&d);
    if (a.strict && r->n_malformed) {
        fprintf(stderr, "conflux: %zu malformed row%s in %s (--strict): nothing written\n",
                r->n_malformed, r->n_malformed == 1 ? "" : "s", a.export_csv);
        rc = CFX_EINVAL;
        goto done;
    }
    if ((rc = write_file(a.output, a.force, r, cfx_acled_write_events, &err)) ||
        (a.report && (rc = write_file(a.report, a.force, r, cfx_acled_write_report, &err)))) {
        cfx_cli_print_error(&err);
        goto done;
    }
    if (!a.quiet) {
        fprintf(stderr, "%s -> %s (days from %s's start, ", a.export_csv, a.output, s->name);
        char start[16];
        cfx_scenario_start_iso(s, start);
        fprintf(stderr, "%s)\n", start);
        cfx_acled_print_summary(r, stderr);
    }
done:
    cfx_acled_free(r);
    cfx_scenario_free(s);
    cfx_diags_free(&d);
    return cfx_exit_code(rc);
}
