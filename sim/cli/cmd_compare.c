/* conflux compare: the effect of scenario A against counterfactual B, from two result files
 * (runs or sweeps), as a table, JSON, and a file of per-day differences. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char help_compare[] =
    "usage: conflux compare A.h5 B.h5 [--json] [-o DIFF.h5 [--force]]\n"
    "\n"
    "The effect of scenario A against counterfactual B (A - B) on every metric of conflux\n"
    "analyze, measured on the same days: peak and mean price, shortfall, days above +20 %,\n"
    "delivered tonnes, each group's revenue and seizures, ... A and B are runs or sweeps:\n"
    "  two runs                 the differences (one draw each)\n"
    "  two sweeps of N members  member i against member i (the same sweep file over both\n"
    "                           scenarios gives them the same seed): the median difference\n"
    "                           and its 5th and 95th percentile over the members\n"
    "  otherwise                A's median minus B's, with a 5-95 % bootstrap interval\n"
    "The table shows the headline metrics; --json prints every metric.\n"
    "\n"
    "  --json          one JSON object on stdout instead of the table\n"
    "  -o DIFF.h5      also write the per-day differences A - B of every series (a copy of\n"
    "                  A's layout: coordinates and labels kept, a sweep's members each\n"
    "                  against B's same member; codes and events left out). conflux analyze\n"
    "                  and xarray read it; to draw the two, conflux-plot A.h5 --against B.h5\n"
    "  --force         replace an existing DIFF.h5\n"
    "Exit 0; 65 when a file is not a conflux result or the two differ in days, products,\n"
    "gates or groups; 66 when one is missing; 73 when DIFF.h5 exists.\n";

static int cfx_cmd_compare(int argc, char **argv)
{
    const char *pa = NULL, *pb = NULL, *out = NULL, *v;
    int json = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "compare");
        if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--force") == 0)
            force = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--output")) ||
                 (v = cfx_cli_optval(argc, argv, &i, "-o")))
            out = v;
        else if (a[0] == '-' && a[1])
            return cfx_cli_usage("compare", "unknown option or missing value: '%s'", a);
        else if (!pa)
            pa = a;
        else if (!pb)
            pb = a;
        else
            return cfx_cli_usage("compare", "two files: A (the scenario) and B (the "
                                            "counterfactual), got a third: '%s'", a);
    }
    if (!pa || !pb)
        return cfx_cli_usage("compare", "needs A.h5 and B.h5");
    cfx_compare *c;
    cfx_error err = {0};
    int rc = cfx_compare_files(&c, pa, pb, &err);
    if (rc) {
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    if (out && (rc = cfx_compare_write(c, out, force, &err)))
        cfx_cli_print_error(&err);
    int jrc = 0;
    if (!rc && json)
        jrc = cfx_compare_print_json(c, stdout);
    else if (!rc)
        cfx_compare_print(c, stdout);
    cfx_compare_free(c);
    if (rc)
        return cfx_exit_code(rc);
    return jrc ? cfx_cli_json_failed("compare", jrc) : 0;
}

const cfx_command cfx_command_compare = {
    .name = "compare",
    .run = cfx_cmd_compare,
    .usage = "compare A.h5 B.h5",
    .summary = "the effect of a scenario against its counterfactual (runs or sweeps)",
    .help = help_compare};
