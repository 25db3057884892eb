/* The world's checkpoint schema: what the future of a run depends on, moved both ways
 * through the checkpoint handle (io/ckpt.h), and each model's own state. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/world_impl.h"

/* What the future of a run depends on, saved between steps. Not saved: what alloc derives
 * from the scenario (the calendar's size, each cargo's grades), the routing table and the
 * engine's view of it, go and arc_go (recomputed: routing is a function of the statuses,
 * roads, controllers and levies, and every change to those sets network_changed, so the
 * table in force is the one they give), the commands
 * (applied within their step), the hop scratch and the lanes (emptied within each round)
 * and the generators (every draw is keyed afresh). The daily counters are saved although
 * each day resets them, so that a checkpoint holds the whole state at any step. */
enum {
    L_NODES,
    L_EDGES,
    L_GROUPS,
    L_MINES,
    L_PRODUCTS,
    L_NODE_GROUPS, /* nodes x groups x cargo kinds */
    L_LEVIES,      /* groups x levies */
    L_NODE_CARGO,  /* nodes x cargo kinds */
    L_GROUP_CARGO, /* groups x cargo kinds */
    L_COMM_NODES,  /* commodities x nodes */
    L_MINE_MONTHS, /* mines x 12 */
    L_NLENS
};

/* clang-format off */
#define WF(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_world, f)}
static const cfx_ckpt_field world_fields[] = {
    WF(step, LONG),          WF(network_changed, INT), WF(produced_kg, I64),
    WF(arrived_kg, I64),     WF(in_transit_kg, I64),   WF(seized_kg, I64),
    WF(lost_kg, I64),        WF(hop_events, U64),      WF(shipment_days, U64),
    WF(strike_until_h, F64), WF(n_closed_to, LONG),
    WF(obs.day, LONG),       WF(obs.in_transit_t, F64), WF(obs.produced_t, F64),
    WF(obs.arrived_t, F64),  WF(obs.seized_t, F64),    WF(obs.lost_t, F64)};
#undef WF

#define WA(f, t, l) {#f, CFX_CKPT_##t, offsetof(cfx_world, f), l}
static const cfx_ckpt_array world_arrays[] = {
    WA(node_status, U8, L_NODES),          WA(edge_open, U8, L_EDGES),
    WA(controller, I32, L_NODES),
    WA(levy_usd_per_t, F64, L_LEVIES),     WA(levy_share, F64, L_LEVIES),
    WA(node_cap_kg, I64, L_NODES),         WA(edge_cap_kg, I64, L_EDGES),
    WA(node_carry_kg, I64, L_NODES),       WA(edge_carry_kg, I64, L_EDGES),
    WA(queued_kg, I64, L_NODES),           WA(mine_made_kg, I64, L_MINES),
    WA(mine_made_prev_kg, I64, L_MINES),   WA(plan.first, I32, L_COMM_NODES),
    WA(node_tax_usd_per_t, F64, L_NODES),  WA(node_seize_p, F64, L_NODES),
    WA(node_strike_start_h, F64, L_NODES), WA(node_strike_end_h, F64, L_NODES),
    WA(node_strike_p, F64, L_NODES),       WA(edge_strike_start_h, F64, L_EDGES),
    WA(edge_strike_end_h, F64, L_EDGES),   WA(edge_strike_p, F64, L_EDGES),
    WA(mine_capacity, F64, L_MINES),       WA(mine_halt_share, F64, L_MINES),
    WA(mine_outlook, F64, L_MINE_MONTHS),
    WA(closed_to, U8, L_NODE_GROUPS),
    WA(delivered_today_t, F64, L_PRODUCTS), WA(mine_frac_kg, F64, L_MINES),
    WA(stock_kg, I64, L_NODES),            WA(mine_pile_kg, I64, L_MINES),
    WA(through_kg, I64, L_NODES),          WA(edge_kg, I64, L_EDGES),
    WA(delivered_at_kg, I64, L_NODES),
    WA(edge_used_kg, I64, L_EDGES),        WA(node_used_kg, I64, L_NODES),
    WA(by_group_kg, I64, L_GROUPS),
    WA(revenue_usd, F64, L_GROUPS),        WA(delivered_mine_kg, I64, L_MINES),
    WA(levy_node_kg, I64, L_NODE_CARGO),   WA(levy_export_kg, I64, L_GROUP_CARGO),
    WA(seized_node_kg, I64, L_NODE_CARGO), WA(seized_from_kg, I64, L_GROUP_CARGO),
    WA(seizure_gain_usd, F64, L_GROUPS),   WA(seizure_loss_usd, F64, L_GROUPS),
    /* the last day's observation: production reads its prices the next morning */
    WA(obs.price, F64, L_PRODUCTS),        WA(obs.demand, F64, L_PRODUCTS),
    WA(obs.supply, F64, L_PRODUCTS),       WA(obs.delivered, F64, L_PRODUCTS),
    WA(obs.shortfall, F64, L_PRODUCTS),    WA(obs.inventory, F64, L_PRODUCTS),
    WA(obs.node_status, U8, L_NODES),      WA(obs.node_controller, I32, L_NODES),
    WA(obs.node_stock_t, F64, L_NODES),    WA(obs.queued_t, F64, L_NODES),
    WA(obs.node_throughput_t, F64, L_NODES),
    WA(obs.edge_flow_t, F64, L_EDGES),     WA(obs.group_revenue_usd, F64, L_GROUPS),
    WA(obs.delivered_by_origin_t, F64, L_NODES), WA(obs.delivered_at_t, F64, L_NODES),
    WA(obs.delivered_by_controller_t, F64, L_GROUPS),
    WA(obs.group_seizure_gain_usd, F64, L_GROUPS), WA(obs.group_seizure_loss_usd, F64, L_GROUPS)};
#undef WA

/* The pool's fields, each saved as one array over the slots as before the hot fields moved
 * into one struct (the saved layout is the same): the cfx_ship members are gathered into a
 * scratch array to save and scattered from it on loading; the rest are arrays already. */
#define SH(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_ship, f), sizeof(((cfx_ship *)0)->f), 1}
#define SA(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_ships, f), 0, 0}
static const struct ship_field {
    const char *name;
    cfx_ckpt_type type;
    size_t off;  /* in cfx_ship (hot) or of the array's pointer in cfx_ships */
    size_t size; /* bytes, hot only */
    int hot;
} ship_arrays[] = {
    SH(node, I32),   SH(t_h, F64),  SH(kg, I32),    SH(mine, I32), SH(origin_group, I32),
    SA(serial, U64), SH(hops, U16), SH(arc, I32),   SH(state, U8), SA(path, I32),
    SA(path_pos, U16), SH(why, U8)};
#undef SA
#undef SH
static const cfx_ckpt_field ship_fields[] = {
    {"n_active", CFX_CKPT_SIZE, offsetof(cfx_ships, n_active)},
    {"next_serial", CFX_CKPT_U64, offsetof(cfx_ships, next_serial)}};

#define EF(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_event_rec, f)}
static const cfx_ckpt_field event_fields[] = {EF(day, F64), EF(kind, I32), EF(node, I32),
                                              EF(edge, I32), EF(days, F64), EF(group, I32)};
#undef EF
/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* Fails a load whose shipment ids point outside the pool (a damaged file). */
static int check_ids(cfx_ckpt *c, const char *name, const int32_t *ids, size_t n, size_t cap)
{
    for (size_t i = 0; i < n && !cfx_ckpt_saving(c); i++)
        if (ids[i] < 0 || (size_t)ids[i] >= cap)
            return cfx_ckpt_fail(c, name, "a shipment id outside the pool");
    return cfx_ckpt_status(c);
}

/* The pool's arrays in ship_arrays' order; a hot field through a scratch array. */
static int ship_arrays_checkpoint(cfx_ckpt *c, cfx_ships *sh, size_t cap)
{
    char *buf = malloc(cap ? cap * sizeof(double) : 1);
    if (!buf)
        return cfx_ckpt_fail(c, "world/ships", "out of memory");
    for (size_t i = 0; i < NELEM(ship_arrays) && !cfx_ckpt_status(c); i++) {
        const struct ship_field *f = &ship_arrays[i];
        if (!f->hot) {
            cfx_ckpt_data(c, f->name, f->type, cap, *(void **)((char *)sh + f->off));
            continue;
        }
        int saving = cfx_ckpt_saving(c);
        for (size_t id = 0; id < cap && saving; id++)
            memcpy(buf + id * f->size, (char *)&sh->s[id] + f->off, f->size);
        if (cfx_ckpt_data(c, f->name, f->type, cap, buf) || saving)
            continue;
        for (size_t id = 0; id < cap; id++)
            memcpy((char *)&sh->s[id] + f->off, buf + id * f->size, f->size);
    }
    free(buf);
    return cfx_ckpt_status(c);
}

/* The pool: every slot's arrays, the free stack and the counters. */
static int ships_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    cfx_ships *sh = &w->ships;
    size_t cap = sh->cap, n_free = sh->n_free;
    if (cfx_ckpt_group(c, "world/ships") || cfx_ckpt_count(c, "cap", INT32_MAX, &cap) ||
        cfx_ckpt_count(c, "n_free", cap, &n_free))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c)) {
        /* the pool grows from 1024 slots by doubling: the same growth gives the same cap */
        if (cfx_ships__grow(sh, cap))
            return cfx_ckpt_fail(c, "cap", "out of memory");
        if (sh->cap != cap)
            return cfx_ckpt_fail(c, "cap", "not a size the pool can have");
        sh->n_free = n_free;
    }
    ship_arrays_checkpoint(c, sh, cap);
    cfx_ckpt_data(c, "free_list", CFX_CKPT_I32, n_free, sh->free_list);
    cfx_ckpt_fields(c, ship_fields, NELEM(ship_fields), sh);
    if (!cfx_ckpt_saving(c) && !cfx_ckpt_status(c) && sh->n_active + n_free != cap)
        return cfx_ckpt_fail(c, "n_active", "active and free slots do not make up the pool");
    return check_ids(c, "free_list", sh->free_list, n_free, cap);
}

/* A list of shipment ids that grows: its length, then the ids in order. */
static int id_list_checkpoint(cfx_ckpt *c, const char *count, const char *name, int32_t **ids,
                              size_t *n, size_t *cap, size_t pool)
{
    size_t len = *n;
    if (cfx_ckpt_count(c, count, pool, &len))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c) && CFX_GROW(*ids, *cap, len))
        return cfx_ckpt_fail(c, name, "out of memory");
    if (!cfx_ckpt_data(c, name, CFX_CKPT_I32, len, *ids))
        *n = len;
    return check_ids(c, name, *ids, len, pool);
}

/* The calendar: each bucket's ids in filing order (that order decides who is served first),
 * stored end to end with the buckets' lengths, then the far list; and the waiting list. */
static int calendar_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    cfx_calendar *cal = &w->cal;
    size_t nb = cal->n, total = 0, pool = w->ships.cap;
    if (cfx_ckpt_group(c, "world/calendar") || cfx_ckpt_count(c, "buckets", SIZE_MAX, &nb))
        return cfx_ckpt_status(c);
    if (nb != cal->n) /* the ring's size is a function of the scenario */
        return cfx_ckpt_fail(c, "buckets", "not the number of buckets this scenario has");
    size_t *len = malloc(nb * sizeof *len);
    if (!len)
        return cfx_ckpt_fail(c, "bucket_len", "out of memory");
    for (size_t i = 0; i < nb && cfx_ckpt_saving(c); i++)
        len[i] = cal->b[i].n;
    cfx_ckpt_data(c, "bucket_len", CFX_CKPT_SIZE, nb, len);
    for (size_t i = 0; i < nb && !cfx_ckpt_status(c); i++)
        if (len[i] > pool || (total += len[i]) > pool)
            cfx_ckpt_fail(c, "bucket_len", "more shipments due than the pool holds");
    int32_t *ids = cfx_ckpt_status(c) ? NULL : malloc((total ? total : 1) * sizeof *ids);
    if (!cfx_ckpt_status(c) && !ids)
        cfx_ckpt_fail(c, "bucket_ids", "out of memory");
    for (size_t i = 0, k = 0; ids && cfx_ckpt_saving(c) && i < nb; k += len[i++])
        if (len[i]) /* an empty bucket may have no array */
            memcpy(ids + k, cal->b[i].ids, len[i] * sizeof *ids);
    if (ids && !cfx_ckpt_data(c, "bucket_ids", CFX_CKPT_I32, total, ids) &&
        !check_ids(c, "bucket_ids", ids, total, pool) && !cfx_ckpt_saving(c))
        for (size_t i = 0, k = 0; i < nb; k += len[i++]) {
            cfx_bucket *b = &cal->b[i];
            if (CFX_GROW(b->ids, b->cap, len[i])) {
                cfx_ckpt_fail(c, "bucket_ids", "out of memory");
                break;
            }
            if (len[i])
                memcpy(b->ids, ids + k, len[i] * sizeof *ids);
            b->n = len[i];
        }
    free(ids);
    free(len);
    id_list_checkpoint(c, "n_far", "far", &cal->far, &cal->n_far, &cal->far_cap, pool);
    return id_list_checkpoint(c, "n_waiting", "waiting", &w->waiting, &w->n_waiting,
                              &w->cap_waiting, pool);
}

static int events_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    size_t n = w->n_events;
    if (cfx_ckpt_group(c, "world/events") ||
        cfx_ckpt_count(c, "n_events", SIZE_MAX / sizeof *w->events, &n))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c) && CFX_GROW(w->events, w->cap_events, n))
        return cfx_ckpt_fail(c, "n_events", "out of memory");
    if (!cfx_ckpt_records(c, event_fields, NELEM(event_fields), w->events, n, sizeof *w->events))
        w->n_events = n;
    return cfx_ckpt_status(c);
}

#define PF(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_plan_path, f)}
static const cfx_ckpt_field path_fields[] = {
    PF(commodity, I32), PF(source, I32), PF(start, I32), PF(len, I32),
    PF(allot, I32),     PF(users, I32),  PF(next, I32),  PF(cost_usd_per_t, F64)};
#undef PF

/* The capacity plan's pool of paths (today's and those trucks still follow) and their arcs:
 * what trucks follow cannot be planned again. Loading checks every index it restores. */
static int plan_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    cfx_plan *pl = &w->plan;
    size_t np = pl->n_path, na = pl->n_arcs;
    if (cfx_ckpt_group(c, "world/plan") || cfx_ckpt_count(c, "n_path", INT32_MAX, &np) ||
        cfx_ckpt_count(c, "n_arcs", INT32_MAX, &na))
        return cfx_ckpt_status(c);
    if (!cfx_ckpt_saving(c)) {
        size_t cap = pl->cap_path;
        if (CFX_GROW(pl->path, pl->cap_path, np) || CFX_GROW(pl->arcs, pl->cap_arcs, na))
            return cfx_ckpt_fail(c, "n_path", "out of memory");
        int32_t *r = pl->cap_path != cap ? realloc(pl->remap, pl->cap_path * sizeof *r) : pl->remap;
        if (pl->cap_path != cap && !r)
            return cfx_ckpt_fail(c, "n_path", "out of memory");
        pl->remap = r;
    }
    if (cfx_ckpt_records(c, path_fields, NELEM(path_fields), pl->path, np, sizeof *pl->path) ||
        cfx_ckpt_data(c, "arcs", CFX_CKPT_I32, na, pl->arcs) || cfx_ckpt_saving(c))
        return cfx_ckpt_status(c);
    pl->n_path = np;
    pl->n_arcs = na;
    for (size_t p = 0; p < np; p++) {
        const cfx_plan_path *x = &pl->path[p];
        if (x->start < 0 || x->len < 1 || (size_t)x->start + (size_t)x->len > na ||
            x->next < -1 || x->next >= (int32_t)np)
            return cfx_ckpt_fail(c, "path_start", "a path outside the plan's arcs");
    }
    for (size_t a = 0; a < na; a++)
        if (pl->arcs[a] < 0 || (size_t)pl->arcs[a] >= w->net->n_arcs)
            return cfx_ckpt_fail(c, "arcs", "an arc the network does not have");
    const cfx_scenario *s = w->s;
    for (size_t i = 0; i < s->n_cargo * s->n_groups * s->n_nodes; i++)
        if (pl->first[i] < -1 || pl->first[i] >= (int32_t)np)
            return cfx_ckpt_fail(c, "first", "a path the plan does not have");
    for (size_t id = 0; id < w->ships.cap; id++)
        if (w->ships.path[id] < -1 || w->ships.path[id] >= (int32_t)np)
            return cfx_ckpt_fail(c, "path", "a shipment on a path the plan does not have");
    return 0;
}

int cfx_world_checkpoint(cfx_world *w, cfx_ckpt *c)
{
    const cfx_scenario *s = w->s;
    size_t lens[L_NLENS] = {[L_NODES] = s->n_nodes,
                            [L_EDGES] = s->n_edges,
                            [L_GROUPS] = s->n_groups,
                            [L_MINES] = s->n_mines,
                            [L_PRODUCTS] = s->n_products,
                            [L_NODE_GROUPS] = s->n_nodes * s->n_groups * s->n_cargo,
                            [L_LEVIES] = s->n_groups * CFX_NLEVIES,
                            [L_NODE_CARGO] = s->n_nodes * s->n_cargo,
                            [L_GROUP_CARGO] = s->n_groups * s->n_cargo,
                            [L_COMM_NODES] = s->n_cargo * s->n_groups * s->n_nodes,
                            [L_MINE_MONTHS] = s->n_mines * 12};
    if (cfx_ckpt_group(c, "world") || cfx_ckpt_fields(c, world_fields, NELEM(world_fields), w) ||
        cfx_ckpt_arrays(c, world_arrays, NELEM(world_arrays), w, lens) || ships_checkpoint(w, c) ||
        calendar_checkpoint(w, c) || events_checkpoint(w, c) || plan_checkpoint(w, c))
        return cfx_ckpt_status(c);
    for (size_t i = 0; w->models[i]; i++) {
        char group[96];
        if (!w->models[i]->checkpoint)
            continue;
        snprintf(group, sizeof group, "model/%s", w->models[i]->name);
        if (cfx_ckpt_group(c, group) || w->models[i]->checkpoint(w->model_state[i], c))
            return cfx_ckpt_status(c);
    }
    if (!cfx_ckpt_saving(c)) {
        int changed = w->network_changed; /* the next step still requeues what waits */
        int rc = cfx_world_route(w);
        w->network_changed = changed;
        if (rc)
            return cfx_ckpt_fail(c, "routes", "out of memory");
    }
    return cfx_ckpt_status(c);
}

