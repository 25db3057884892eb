/* conflux import-acled: an ACLED export to an events table of a scenario, with a summary of
 * what was mapped where and what was dropped and why. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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


static const char help_import_acled[] =
    "usage: conflux import-acled EXPORT.csv --scenario S.yaml -o EVENTS.csv\n"
    "                   [--radius-km R] [--from DATE] [--to DATE] [--actors FILE]\n"
    "                   [--report FILE] [--fight-days D] [--strike-days D]\n"
    "                   [--strike-loss P] [--strict] [--force] [--quiet]\n"
    "\n"
    "Turns an ACLED export (CSV) into an events table for the scenario: each event goes to\n"
    "the nearest node within R km (by great-circle distance; markets excepted), or, for\n"
    "explosions and remote violence, to the road that passes closer; days count from the\n"
    "scenario's start. Battles become attacks or captures, explosions and remote violence\n"
    "strikes, strategic developments captures, checkpoints, mine damage or gate closures\n"
    "(scenarios/README.md, \"Importing ACLED events\"). A summary of what was mapped where\n"
    "and what was dropped and why goes to stderr; --report writes every row's fate (CSV).\n"
    "\n"
    "  --scenario S.yaml  the scenario whose nodes, roads and start date are used\n"
    "  -o EVENTS.csv      the events table to write (refused if it exists, unless --force)\n"
    "  --radius-km R      farthest an event may be from its node or road (default 25)\n"
    "  --from, --to DATE  keep events in these dates, inclusive (2025-05-16 or 16 May 2025)\n"
    "  --actors FILE      CSV with columns actor,group laid over the built-in actors table;\n"
    "                     an empty group marks an actor that is no armed group\n"
    "  --report FILE      every row of the export and what became of it (CSV)\n"
    "  --fight-days D     how long an armed clash contests its node (default 7)\n"
    "  --strike-days D    how long a strike cuts its node or road (default 1)\n"
    "  --strike-loss P    chance a truck there is lost while it lasts (default 0.3)\n"
    "  --strict           a malformed row is an error (exit 65) instead of being dropped\n"
    "  --force            overwrite EVENTS.csv and the report\n"
    "  --quiet            no summary\n"
    "\n"
    "Exit 0 on success (malformed rows are reported as file:line:column and dropped), 2 for\n"
    "a usage error, 65 for an invalid export, scenario or actors file, 66 for a missing one,\n"
    "73 when the output exists or cannot be created, 74 for a write error.\n";

static int cfx_cmd_import_acled(int argc, char **argv)
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
    if ((rc = cfx_scenario_load_network(&s, a.scenario, &d)) ||
        (rc = cfx_acled_import(&r, s, a.export_csv, &a.o, &d))) {
        cfx_cli_print_diags(&d);
        goto done;
    }
    /* Rows that could not be read are reported where they are, and dropped. */
    cfx_cli_print_diags(&d);
    size_t malformed = cfx_acled_malformed(r);
    if (a.strict && malformed) {
        fprintf(stderr, "conflux: %zu malformed row%s in %s (--strict): nothing written\n",
                malformed, malformed == 1 ? "" : "s", a.export_csv);
        rc = CFX_EINVAL;
        goto done;
    }
    if ((rc = cfx_acled_write(r, a.output, a.report, a.force, &err))) {
        cfx_cli_print_error(&err);
        goto done;
    }
    if (!a.quiet) {
        fprintf(stderr, "%s -> %s (days from %s's start, ", a.export_csv, a.output,
                cfx_scenario_name(s));
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

const cfx_command cfx_command_import_acled = {
    .name = "import-acled",
    .run = cfx_cmd_import_acled,
    .usage = "import-acled EXPORT.csv --scenario S.yaml -o EVENTS.csv",
    .summary = "conflict events from an ACLED export",
    .help = help_import_acled};
