/* conflux analyze: options, and the metrics as a table (default) or as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int parse_window(const char *v, cfx_analyze_opts *o)
{
    char *end;
    long from = strtol(v, &end, 10);
    if (end == v || *end != ':' || from < 0)
        return -1;
    const char *d = end + 1;
    long days = strtol(d, &end, 10);
    if (end == d || *end || days <= 0)
        return -1;
    o->baseline_from = from;
    o->baseline_days = days;
    return 0;
}

static const char help_analyze[] =
    "usage: conflux analyze FILE.h5 [--json] [--baseline FROM:DAYS] [--no-write]\n"
    "\n"
    "The metrics of a run: for each product the baseline price, the peak price, its day\n"
    "and change, the days above +20 %, the cumulative shortfall (t and share of demand),\n"
    "the worst day and the recovery day (back within 5 % of baseline for 30 days); the\n"
    "cargo through each gate; each group's revenue against its first month and its\n"
    "share of the deliveries (provenance). For a sweep, the same metrics for each finished\n"
    "member, their 5th, 50th and 95th percentiles, and their sensitivity to each parameter\n"
    "(Sobol indices for a sobol design, standardized regression coefficients otherwise).\n"
    "\n"
    "  --json               one JSON object on stdout instead of the table\n"
    "  --baseline FROM:DAYS baseline window: DAYS days from day FROM (default 0:30)\n"
    "  --no-write           a sweep: do not write the percentile series (<var>_q05,\n"
    "                       _q50, _q95) back into FILE.h5 (they are by default)\n"
    "\n"
    "Exit 0, 65 when FILE is not a conflux result or a series cannot be read (the reason is\n"
    "printed), 66 when it is missing, 74 when writing the percentile series failed, 1 out of\n"
    "memory (after a failed write-back none is left in FILE). See analysis/README.md for\n"
    "every metric's definition.\n";

static int cfx_cmd_analyze(int argc, char **argv)
{
    const char *path = NULL, *v;
    int json = 0, write = 1;
    cfx_analyze_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--no-write") == 0)
            write = 0;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "analyze");
        else if ((v = cfx_cli_optval(argc, argv, &i, "--baseline"))) {
            if (parse_window(v, &o))
                return cfx_cli_usage("analyze", "--baseline takes FROM:DAYS, got '%s'", v);
        } else if (a[0] == '-' && a[1])
            return cfx_cli_usage("analyze", "unknown option or missing value: '%s'", a);
        else if (!path)
            path = a;
        else
            return cfx_cli_usage("analyze", "one file at a time (got '%s' and '%s')", path, a);
    }
    if (!path)
        return cfx_cli_usage("analyze", "missing FILE.h5");
    cfx_analysis *a;
    cfx_error err = {0};
    int rc = cfx_analyze_file(&a, path, &o, write, &err);
    if (rc) {
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    const char *note = cfx_analysis_note(a);
    if (note)
        fprintf(stderr, "conflux analyze: %s\n", note);
    rc = json ? cfx_analysis_print_json(a, stdout) : 0;
    if (!json)
        cfx_analysis_print(a, stdout);
    int written = cfx_analysis_write_error(a); /* the metrics are printed all the same */
    cfx_analysis_free(a);
    return rc ? cfx_cli_json_failed("analyze", rc) : written ? cfx_exit_code(written) : 0;
}

const cfx_command cfx_command_analyze = {
    .name = "analyze",
    .run = cfx_cmd_analyze,
    .usage = "analyze FILE.h5",
    .summary = "metrics of a run or a sweep (percentiles, sensitivities)",
    .help = help_analyze};
