/* conflux check: every problem in a scenario, or a summary of its network. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char help_check[] =
    "usage: conflux check SCENARIO.yaml [--set KEY=VALUE]...\n"
    "\n"
    "Loads the scenario and every table it names, reports every problem found (not only\n"
    "the first) as file:line:column: message, and otherwise prints a summary of the\n"
    "network: nodes by kind, roads, mines, groups, products, events, and the route and\n"
    "market of each mine's trucks with every road open (a mine with no road to a market that\n"
    "buys its cargo is a problem). The models' sections (conflict, production, routing,\n"
    "market) and unknown keys are checked once the tables and the other keys are clean.\n"
    "Exit 0 when valid, 65 for invalid data, 66 for a missing file.\n";

static int cfx_cmd_check(int argc, char **argv)
{
    const char *scenario = NULL, *v;
    cfx_override *sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    if (!sets)
        return cfx_cli_nomem("check");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cfx_cli_free_sets(sets, n_sets);
            return cfx_cli_help(stdout, "check");
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--set"))) {
            int bad = cfx_cli_split_set(v, &sets[n_sets]);
            if (bad) {
                cfx_cli_free_sets(sets, n_sets);
                return bad == -2 ? cfx_cli_nomem("check")
                                 : cfx_cli_usage("check", "--set takes KEY=VALUE, got '%s'", v);
            }
            n_sets++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cfx_cli_free_sets(sets, n_sets);
            return cfx_cli_usage("check", "unknown option '%s'", argv[i]);
        } else if (!scenario)
            scenario = argv[i];
        else {
            cfx_cli_free_sets(sets, n_sets);
            return cfx_cli_usage("check", "one scenario at a time");
        }
    }
    if (!scenario) {
        cfx_cli_free_sets(sets, n_sets);
        return cfx_cli_usage("check", "missing SCENARIO.yaml");
    }
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    int rc = cfx_scenario_load(&s, scenario, sets, n_sets, &d);
    cfx_cli_free_sets(sets, n_sets);
    if (rc) {
        cfx_cli_print_diags(&d);
        fprintf(stderr, "conflux: %zu problem%s in %s\n", d.n, d.n == 1 ? "" : "s", scenario);
        cfx_diags_free(&d);
        return cfx_exit_code(rc);
    }
    cfx_diags_free(&d);
    cfx_error err = {0};
    rc = cfx_scenario_print(s, stdout, &err);
    if (rc)
        cfx_cli_print_error(&err);
    cfx_scenario_free(s);
    return cfx_exit_code(rc);
}

const cfx_command cfx_command_check = {
    .name = "check",
    .run = cfx_cmd_check,
    .usage = "check SCENARIO.yaml",
    .summary = "validate a scenario and print a summary of its network",
    .help = help_check};
