/* The engine's side of the capacity plan (model.h, cfx_plan): what the routing model is
 * given before it plans (the cargo waiting on no path, and the room left on every node and
 * road today, in truckloads), the pool of paths kept while trucks follow them, and the
 * letting go of a path. The plan itself is the routing model's. */
#include <stdlib.h>
#include <string.h>

#include "engine/world_impl.h"

int cfx_plan_add(cfx_plan *pl, const cfx_plan_path *p, const int32_t *arcs)
{
    size_t cap = pl->cap_path;
    if (CFX_GROW(pl->arcs, pl->cap_arcs, pl->n_arcs + (size_t)p->len) ||
        CFX_GROW(pl->path, pl->cap_path, pl->n_path + 1))
        return CFX_ENOMEM;
    if (pl->cap_path != cap) { /* remap grows with the pool */
        int32_t *r = realloc(pl->remap, pl->cap_path * sizeof *r);
        if (!r)
            return CFX_ENOMEM;
        pl->remap = r;
    }
    cfx_plan_path x = *p;
    x.start = (int32_t)pl->n_arcs;
    memcpy(pl->arcs + pl->n_arcs, arcs, (size_t)p->len * sizeof *arcs);
    pl->n_arcs += (size_t)p->len;
    pl->path[pl->n_path++] = x;
    return 0;
}

void cfx_world__leave_path(cfx_world *w, int32_t id)
{
    int32_t p = w->ships.path[id];
    if (p < 0)
        return;
    w->plan.path[p].users--;
    w->ships.path[id] = -1;
    w->ships.path_pos[id] = 0;
}

/* Keeps the paths that trucks follow, in their order (the ships are renumbered by
 * plan_inputs); yesterday's paths take no more trucks. */
static void compact(cfx_world *w)
{
    cfx_plan *pl = &w->plan;
    size_t keep = 0, arcs = 0;
    for (size_t p = 0; p < pl->n_path; p++) {
        cfx_plan_path x = pl->path[p];
        pl->remap[p] = -1;
        if (x.users <= 0)
            continue;
        memmove(pl->arcs + arcs, pl->arcs + x.start, (size_t)x.len * sizeof *pl->arcs);
        x.start = (int32_t)arcs;
        x.allot = 0;
        x.next = -1;
        arcs += (size_t)x.len;
        pl->remap[p] = (int32_t)keep;
        pl->path[keep++] = x;
    }
    pl->n_path = keep;
    pl->n_arcs = arcs;
    const cfx_scenario *s = w->s;
    for (size_t i = 0; i < s->n_cargo * s->n_groups * s->n_nodes; i++)
        pl->first[i] = -1;
}

/* Whole truckloads in what is left of a capacity today (capacity.c); INT64_MAX: none. */
static int64_t trucks(const cfx_world *w, int64_t left_kg)
{
    return left_kg == INT64_MAX ? INT64_MAX : left_kg < 0 ? 0 : left_kg / w->truck_kg;
}

/* The plan's inputs, in one pass over the trucks (each pass reads every slot):
 * - the paths kept (compact), renumbered in the ships;
 * - the room left today: what the capacity still passes, less the trucks that wait at a
 *   node with a path through it (they go first tomorrow, or later today). A node's room is
 *   for the cargo its capacity binds (the plan lets the rest pass freely);
 * - the truckloads waiting on no path, by commodity and node: trucks stopped there, and
 *   each mine's pile with its expected output for a day (the last whole day's, or at day 0
 *   its base output as its equipment and halts stand). */
int cfx_world__plan_inputs(cfx_world *w)
{
    const cfx_scenario *s = w->s;
    cfx_plan *pl = &w->plan;
    size_t n = s->n_nodes, ng = s->n_groups;
    compact(w);
    for (size_t v = 0; v < n; v++)
        pl->node_room[v] = trucks(w, w->node_cap_kg[v] == INT64_MAX
                                         ? INT64_MAX
                                         : w->node_cap_kg[v] + w->node_carry_kg[v] -
                                               w->node_used_kg[v]);
    for (size_t e = 0; e < s->n_edges; e++)
        pl->edge_room[e] = trucks(w, cfx_world__edge_left(w, (int32_t)e));
    memset(pl->supply, 0, s->n_cargo * ng * n * sizeof *pl->supply);
    cfx_ships *sh = &w->ships;
    for (size_t id = 0; id < sh->cap; id++) {
        int state = sh->s[id].state;
        if (state == CFX_SHIP_FREE)
            continue;
        int32_t p = sh->path[id];
        if (p >= 0)
            p = sh->path[id] = pl->remap[p];
        if (state == CFX_SHIP_MOVING)
            continue;
        size_t cargo = (size_t)s->mine_cargo[sh->s[id].mine];
        if (p < 0) { /* waiting on no path */
            size_t k = cargo * ng + (size_t)sh->s[id].origin_group;
            pl->supply[k * n + (size_t)sh->s[id].node]++;
            continue;
        }
        if (sh->path_pos[id] >= pl->path[p].len)
            continue;
        int32_t a = pl->arcs[pl->path[p].start + sh->path_pos[id]];
        int32_t v = w->net->arc_from[a], e = w->net->arc_edge[a];
        if (pl->node_room[v] != INT64_MAX && cfx_in_set(s, s->node_capacity_products[v], cargo))
            pl->node_room[v]--;
        if (pl->edge_room[e] != INT64_MAX)
            pl->edge_room[e]--;
    }
    for (size_t v = 0; v < n; v++)
        pl->node_room[v] = pl->node_room[v] < 0 ? 0 : pl->node_room[v];
    for (size_t e = 0; e < s->n_edges; e++)
        pl->edge_room[e] = pl->edge_room[e] < 0 ? 0 : pl->edge_room[e];
    for (size_t m = 0; m < s->n_mines; m++) {
        int32_t v = s->mine_node[m];
        size_t k = (size_t)s->mine_cargo[m] * ng + (size_t)w->controller[v];
        int64_t kg = w->mine_pile_kg[m] + w->mine_made_prev_kg[m];
        pl->supply[k * n + (size_t)v] += (int32_t)(kg / w->truck_kg);
    }
    return 0;
}
