/* conflux check: every problem in a scenario, or a summary of its network. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/world.h"

/* Which mines can reach a market with everything open, by the routing the run uses. */
static void print_reach(const cfx_scenario *s)
{
    cfx_world *w = NULL;
    cfx_error err;
    cfx_world_opts wo = {.threads = 1};
    if (cfx_world_alloc(&w, s, &wo, &err)) {
        cfx_cli_print_error(&err);
        return;
    }
    cfx_world_route(w);
    printf("mines (output; with every road open, the route each mine's trucks take: hours on\n"
           "the road and at gates on average, and the generalized cost routing weighs):\n");
    for (size_t m = 0; m < s->n_mines; m++) {
        int32_t v = s->mine_node[m];
        printf("  %-20s %10.2f t/day  ", s->node_id[v], s->mine_output_t_per_day[m]);
        /* the route table of the mine's cargo kind and of the group that holds the mine:
         * its cargo's owner */
        size_t row = cfx_route_row(s, (size_t)s->mine_cargo[m], (size_t)s->controller[v]);
        if (isinf(w->routes.cost[row + (size_t)v])) {
            printf("NO ROUTE to a market that buys its cargo\n");
            continue;
        }
        double h = 0;
        int32_t u = v, hops = 0;
        for (int32_t a; (a = w->routes.next_arc[row + (size_t)u]) >= 0;
             u = w->net->arc_to[a], hops++)
            h += w->routes.arc_hours[a] +
                 (s->node_kind[w->net->arc_to[a]] == CFX_NODE_GATE ? s->gate_clearance_hours : 0);
        printf("%8.1f h  %10.0f USD/t  to %s in %d roads\n", h, w->routes.cost[row + (size_t)v],
               s->node_id[u], hops);
    }
    cfx_world_free(w);
}

int cfx_cmd_check(int argc, char **argv)
{
    const char *scenario = NULL, *v;
    cfx_override *sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    if (!sets)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cfx_cli_free_sets(sets, n_sets);
            return cfx_cli_help(stdout, "check");
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--set"))) {
            if (cfx_cli_split_set(v, &sets[n_sets])) {
                cfx_cli_free_sets(sets, n_sets);
                return cfx_cli_usage("check", "--set takes KEY=VALUE, got '%s'", v);
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
    char start[16];
    cfx_scenario_start_iso(s, start);
    printf("%s: %s\n", s->name, s->description);
    printf("start %s, %ld days, step %g h, seed %llu\n", start, s->days, s->step_hours,
           (unsigned long long)s->seed);
    size_t by_kind[CFX_NODE_NKINDS] = {0};
    for (size_t i = 0; i < s->n_nodes; i++)
        by_kind[s->node_kind[i]]++;
    printf("nodes: %zu (", s->n_nodes);
    for (int k = 0; k < CFX_NODE_NKINDS; k++)
        printf("%s%zu %s", k ? ", " : "", by_kind[k], cfx_node_kind_names[k]);
    double km = 0;
    size_t capped = 0;
    for (size_t e = 0; e < s->n_edges; e++) {
        km += s->edge_km[e];
        capped += isfinite(s->edge_capacity_t_per_day[e]);
    }
    printf(")\nroads: %zu, %.0f km in all, %zu with a capacity limit\n", s->n_edges, km, capped);
    double out = 0;
    for (size_t m = 0; m < s->n_mines; m++)
        out += s->mine_output_t_per_day[m];
    printf("mines: %zu, %.1f t/day of cargo in all\n", s->n_mines, out);
    printf("groups: %zu:", s->n_groups);
    for (size_t g = 0; g < s->n_groups; g++)
        printf(" %s", s->groups[g].name);
    printf("\nproducts: %zu:", s->n_products);
    for (size_t p = 0; p < s->n_products; p++)
        printf(" %s", s->products[p].name);
    size_t late = 0;
    for (size_t i = 0; i < s->n_events; i++)
        late += s->events[i].day >= (double)s->days;
    printf("\nscripted events: %zu", s->n_events);
    if (late)
        printf(" (%zu on or after day %ld, which the run does not reach)", late, s->days);
    printf("\n");
    print_reach(s);
    cfx_scenario_free(s);
    return 0;
}
