/* Daily capacities of nodes and roads, in the cargo that may leave a node or go along a road
 * in a day. Trucks are whole: a truck passes when its load fits in what is left today, so a
 * capacity of 25 t/day passes two 10 t trucks. A capacity below one truckload (a smuggling
 * trickle, a gate barely open) banks what it did not pass, up to one truckload, and lets a
 * truck through when the bank holds one: 4 t/day passes a 20 t truck every fifth day, which
 * carries the capacity on average. */
#include "engine/world_impl.h"

/* What is left of a daily capacity cap_kg (INT64_MAX: none) with carry banked and used
 * taken. */
static int64_t left(int64_t cap, int64_t carry, int64_t used)
{
    return cap == INT64_MAX ? INT64_MAX : cap + carry - used;
}

int64_t cfx_world__node_left(const cfx_world *w, int32_t v, size_t cargo)
{
    if (!cfx_in_set(w->s, w->s->node_capacity_products[v], cargo))
        return INT64_MAX;
    return left(w->node_cap_kg[v], w->node_carry_kg[v], w->node_used_kg[v]);
}

int64_t cfx_world__edge_left(const cfx_world *w, int32_t e)
{
    return left(w->edge_cap_kg[e], w->edge_carry_kg[e], w->edge_used_kg[e]);
}

/* The bank of one capacity for the new day: what a capacity below a truckload left unused
 * yesterday, at most a truckload (so a day never passes two trucks, and a long run passes
 * the capacity on average). */
static int64_t bank(int64_t cap, int64_t carry, int64_t used, int64_t truck)
{
    if (cap == INT64_MAX || cap >= truck)
        return 0;
    int64_t b = cap + carry - used;
    return b < 0 ? 0 : b > truck ? truck : b;
}

void cfx_world__bank_capacity(cfx_world *w)
{
    const cfx_scenario *s = w->s;
#pragma omp for schedule(static) nowait
    for (size_t v = 0; v < s->n_nodes; v++)
        w->node_carry_kg[v] =
            bank(w->node_cap_kg[v], w->node_carry_kg[v], w->node_used_kg[v], w->truck_kg);
#pragma omp for schedule(static) nowait
    for (size_t e = 0; e < s->n_edges; e++)
        w->edge_carry_kg[e] =
            bank(w->edge_cap_kg[e], w->edge_carry_kg[e], w->edge_used_kg[e], w->truck_kg);
}
