/* conflux gen: options for cfx_gen, a synthetic scenario for scale tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char help_gen[] =
    "usage: conflux gen [--topology grid|random] --nodes N [--mines K] [--sinks K]\n"
    "                   --shipments M [--days D] [--km MIN:MAX] [--speed-kmh V] [--seed S]\n"
    "                   [--capacity T] -o DIR [--force]\n"
    "\n"
    "Writes a synthetic scenario, DIR/scenario.yaml and its tables, that conflux run takes as\n"
    "it is: M truckloads (10 t each) in flight from day 0, dealt round robin over the mines,\n"
    "which produce nothing more, for scale tests and benchmarks.\n"
    "\n"
    "  --topology grid    nodes in rows (as square as N allows), each linked to its right\n"
    "                     and lower neighbours; mines spread over the first column, markets\n"
    "                     (--sinks) over the last (default)\n"
    "  --topology random  a random geometric graph in the unit square (mean degree about 6,\n"
    "                     joined into one component); mines the westmost nodes, markets the\n"
    "                     eastmost\n"
    "  --mines K, --sinks K   default 3 each\n"
    "  --days D           run length (default 10)\n"
    "  --km MIN:MAX       road lengths, uniform (default 50:500)\n"
    "  --speed-kmh V      truck speed (default 15)\n"
    "  --seed S           the network's and the run's seed (default 1)\n"
    "  --capacity T       every road's capacity in t/day (default: none), which turns on\n"
    "                     the daily capacity plan of routing\n"
    "  --force            overwrite DIR/scenario.yaml if it exists\n";

static int cfx_cmd_gen(int argc, char **argv)
{
    cfx_gen_opts o = {.nodes = 0, .mines = 3, .sinks = 3, .shipments = -1, .days = 10,
                  .km_min = 50, .km_max = 500, .speed_kmh = 15, .seed = 1};
    const char *v;
    int code;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "gen");
        else if (strcmp(a, "--force") == 0)
            o.force = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--topology"))) {
            if (strcmp(v, "grid") && strcmp(v, "random"))
                return cfx_cli_usage("gen", "--topology is grid or random, got '%s'", v);
            o.random = strcmp(v, "random") == 0;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--nodes"))) {
            if (cfx_cli_parse_long(v, 2, 100000000, &o.nodes))
                return cfx_cli_usage("gen", "--nodes must be an integer from 2, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--mines"))) {
            if (cfx_cli_parse_long(v, 1, 1000000, &o.mines))
                return cfx_cli_usage("gen", "--mines must be a positive integer, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--sinks"))) {
            if (cfx_cli_parse_long(v, 1, 1000000, &o.sinks))
                return cfx_cli_usage("gen", "--sinks must be a positive integer, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--shipments"))) {
            if (cfx_cli_parse_long(v, 0, 2000000000, &o.shipments))
                return cfx_cli_usage("gen", "--shipments must be an integer >= 0, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--days"))) {
            if ((code = cfx_cli_parse_days("gen", v, &o.days)))
                return code;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--seed"))) {
            if ((code = cfx_cli_parse_seed("gen", v, 0x7fffffffL, &o.seed)))
                return code;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--km"))) {
            char *end;
            o.km_min = strtod(v, &end);
            if (*end != ':' || (o.km_max = strtod(end + 1, &end), *end) || !(o.km_min > 0) ||
                !(o.km_max >= o.km_min) || o.km_max > 1e5)
                return cfx_cli_usage("gen", "--km takes MIN:MAX with 0 < MIN <= MAX, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--capacity"))) {
            char *end;
            o.capacity_t_per_day = strtod(v, &end);
            if (*end || !(o.capacity_t_per_day > 0 && o.capacity_t_per_day <= 1e9))
                return cfx_cli_usage("gen", "--capacity must be in (0, 1e9] t/day, got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--speed-kmh"))) {
            char *end;
            o.speed_kmh = strtod(v, &end);
            if (*end || !(o.speed_kmh > 0 && o.speed_kmh <= 300))
                return cfx_cli_usage("gen", "--speed-kmh must be in (0, 300], got '%s'", v);
        } else if ((v = cfx_cli_optval(argc, argv, &i, "-o")) ||
                   (v = cfx_cli_optval(argc, argv, &i, "--output")))
            o.dir = v;
        else
            return cfx_cli_usage("gen", "unknown option or missing value: '%s'", a);
    }
    if (!o.nodes || o.shipments < 0 || !o.dir)
        return cfx_cli_usage("gen", "--nodes, --shipments and -o DIR are required");
    if (o.mines + o.sinks > o.nodes)
        return cfx_cli_usage("gen", "%ld mines and %ld sinks do not fit in %ld nodes", o.mines,
                             o.sinks, o.nodes);
    long roads = 0;
    cfx_error err = {0};
    int rc = cfx_gen(&o, &roads, &err);
    if (rc) {
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    fprintf(stderr, "wrote %s/scenario.yaml: %ld nodes, %ld roads, %ld mines, %ld markets, %ld "
                    "truckloads\n",
            o.dir, o.nodes, roads, o.mines, o.sinks, o.shipments);
    return 0;
}

const cfx_command cfx_command_gen = {
    .name = "gen",
    .run = cfx_cmd_gen,
    .usage = "gen ... -o DIR",
    .summary = "write a synthetic scenario for scale tests",
    .help = help_gen};
