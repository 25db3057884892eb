/* What `conflux check` prints of a scenario that loaded (cfx_scenario_print): a summary of
 * its network, and the route each mine's trucks take with every road open, by the routing a
 * run uses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/world.h"
#include "run/run.h"

/* Which mines can reach a market with everything open, by the routing the run uses. */
static int print_reach(const cfx_scenario *s, FILE *f, cfx_error *err)
{
    cfx_world *w = NULL;
    int rc = cfx_world_new(&w, s, 1, err);
    if (rc || (rc = cfx_world_route(w))) {
        cfx_world_free(w);
        return rc ? cfx_error_set(err, rc, NULL, 0, 0, "out of memory computing the routes") : 0;
    }
    fprintf(f, "mines (output; with every road open, the cheapest route of each mine's trucks: hours\n"
           "on the road and at gates on average, the generalized cost routing weighs, and a\n"
           "capacity on it below the mine's output, past which trucks go other ways or wait):\n");
    for (size_t m = 0; m < s->n_mines; m++) {
        int32_t v = s->mine_node[m];
        fprintf(f, "  %-20s %10.2f t/day  ", s->node_id[v], s->mine_output_t_per_day[m]);
        /* the route of the mine's cargo kind, owned by the group that holds the mine */
        cfx_route_info r;
        if (cfx_world_route_from(w, v, (size_t)s->mine_cargo[m], (size_t)s->controller[v], &r)) {
            fprintf(f, "NO ROUTE to a market that buys its cargo\n");
            continue;
        }
        fprintf(f, "%8.1f h  %10.0f USD/t  to %s in %d roads", r.hours, r.cost_usd_per_t,
                s->node_id[r.end], r.roads);
        /* a capacity on it below the mine's output: the rest goes another way (the day's
         * capacity plan) or waits */
        if (r.cap_t_per_day < s->mine_output_t_per_day[m]) {
            if (r.cap_node >= 0)
                fprintf(f, ", but %s passes %g t/day", s->node_id[r.cap_node], r.cap_t_per_day);
            else
                fprintf(f, ", but the road %s-%s carries %g t/day",
                        s->node_id[s->edge_from[r.cap_edge]], s->node_id[s->edge_to[r.cap_edge]],
                        r.cap_t_per_day);
        }
        fputc('\n', f);
    }
    cfx_world_free(w);
    return 0;
}

/* The nodes with a daily capacity (gates, mostly), the first 12 of them, and for a capacity
 * that binds some cargo only, the products it binds. */
static void print_node_capacities(const cfx_scenario *s, FILE *f)
{
    const uint32_t all = (s->n_products >= 32 ? 0 : (1u << s->n_products)) - 1u;
    size_t shown = 0, capped = 0;
    for (size_t v = 0; v < s->n_nodes; v++) {
        double cap = s->node_capacity_t_per_day[v];
        if (!isfinite(cap))
            continue;
        if (capped++ >= 12)
            continue;
        fprintf(f, "%s %s %g t/day", shown++ ? "," : "node capacities:", s->node_id[v], cap);
        uint32_t set = s->node_capacity_products[v];
        if ((set & all) == all)
            continue;
        fprintf(f, " (");
        for (size_t p = 0, n = 0; p < s->n_products; p++)
            if (set & (1u << p))
                fprintf(f, "%s%s", n++ ? " " : "", s->products[p].name);
        fprintf(f, " only)");
    }
    if (capped > shown)
        fprintf(f, ", and %zu more", capped - shown);
    if (capped)
        fprintf(f, "\n");
}

int cfx_scenario_print(const cfx_scenario *s, FILE *f, cfx_error *err)
{
    char start[16];
    cfx_scenario_start_iso(s, start);
    fprintf(f, "%s: %s\n", s->name, s->description);
    fprintf(f, "start %s, %ld days, step %g h, seed %llu\n", start, s->days, s->step_hours,
           (unsigned long long)s->seed);
    size_t by_kind[CFX_NODE_NKINDS] = {0};
    for (size_t i = 0; i < s->n_nodes; i++)
        by_kind[s->node_kind[i]]++;
    fprintf(f, "nodes: %zu (", s->n_nodes);
    for (int k = 0; k < CFX_NODE_NKINDS; k++)
        fprintf(f, "%s%zu %s", k ? ", " : "", by_kind[k], cfx_node_kind_names[k]);
    double km = 0;
    size_t capped = 0;
    for (size_t e = 0; e < s->n_edges; e++) {
        km += s->edge_km[e];
        capped += isfinite(s->edge_capacity_t_per_day[e]);
    }
    fprintf(f, ")\nroads: %zu, %.0f km in all, %zu with a capacity limit\n", s->n_edges, km, capped);
    print_node_capacities(s, f);
    double out = 0;
    for (size_t m = 0; m < s->n_mines; m++)
        out += s->mine_output_t_per_day[m];
    fprintf(f, "mines: %zu, %.1f t/day of cargo in all\n", s->n_mines, out);
    fprintf(f, "groups: %zu:", s->n_groups);
    for (size_t g = 0; g < s->n_groups; g++)
        fprintf(f, " %s", s->groups[g].name);
    fprintf(f, "\nproducts: %zu:", s->n_products);
    for (size_t p = 0; p < s->n_products; p++)
        fprintf(f, " %s", s->products[p].name);
    size_t late = 0;
    for (size_t i = 0; i < s->n_events; i++)
        late += s->events[i].day >= (double)s->days;
    fprintf(f, "\nscripted events: %zu", s->n_events);
    if (late)
        fprintf(f, " (%zu on or after day %ld, which the run does not reach)", late, s->days);
    fprintf(f, "\n");
    return print_reach(s, f, err);
}
