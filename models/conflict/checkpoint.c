/* The conflict model's checkpoint schema: what of its state lasts from one step to the next,
 * saved and restored by name (io/ckpt.h). */
#include <stddef.h>
#include <stdint.h>

#include "core/grow.h"
#include "models/conflict/conflict.h"

/* Everything in the state (conflict.h) that lasts from one step to the next. Not saved: what init
 * derives from the scenario and the parameters (forces, strengths, adjacency), the dirty lists
 * (empty between steps) and the generator (keyed afresh for every draw). */
enum { L_N, L_M, L_NG, L_NM, L_NNG, L_NL, L_NM_CAP, L_NLENS };
/* clang-format off */
#define CA(f, t, l) {#f, CFX_CKPT_##t, offsetof(conflict, f), l}
#define GA(name, k, l) {"gen_" #name, CFX_CKPT_U32, offsetof(conflict, gen[k]), l}
static const cfx_ckpt_array conflict_arrays[] = {
    GA(node, T_NODE, L_N),               GA(edge, T_EDGE, L_M),
    GA(ctl, T_CTL, L_N),                 GA(levy, T_LEVY, L_NL),
    GA(capacity, T_CAPACITY, L_NM_CAP),  CA(cap_t, F64, L_NM_CAP),
    GA(checkpoint, T_CHECKPOINT, L_N),   GA(halt, T_HALT, L_NM),
    GA(node_strike, T_NODE_STRIKE, L_N), GA(edge_strike, T_EDGE_STRIKE, L_M),
    GA(fight, T_FIGHT, L_N),             GA(closure, T_CLOSURE, L_N),
    GA(close_to, T_CLOSE_TO, L_NNG),     CA(closed_to, U8, L_NNG),
    CA(script, U8, L_N),              CA(struck, U8, L_N),
    CA(closed, U8, L_N),              CA(fight, I32, L_N),
    CA(fight_capture, U8, L_N),       CA(sent, U8, L_N),
    CA(escript, U8, L_M),             CA(estruck, U8, L_M),
    CA(esent, U8, L_M),               CA(ctl, I32, L_N),
    CA(lost_by, I32, L_N),            CA(levy_usd, F64, L_NL),
    CA(levy_share, F64, L_NL),
    CA(tax, F64, L_N),                CA(seize, F64, L_N),
    CA(halt, F64, L_NM),              CA(cap, F64, L_NM),
    CA(cap_step, LONG, L_NM),         CA(mark, U32, L_N)};
#undef CA
#undef GA
static const cfx_ckpt_field conflict_fields[] = {
    {"next", CFX_CKPT_SIZE, offsetof(conflict, next)},
    {"stamp", CFX_CKPT_U32, offsetof(conflict, stamp)}};
#define TF(f, t) {"timer_" #f, CFX_CKPT_##t, offsetof(conflict_timer, f)}
static const cfx_ckpt_field timer_fields[] = {TF(t_h, F64),   TF(kind, I32), TF(index, I32),
                                              TF(group, I32), TF(gen, U32),  TF(x, F64),
                                              TF(x2, F64)};
#undef TF
/* clang-format on */

int cfx_conflict__checkpoint(void *state, cfx_ckpt *ck)
{
    conflict *c = state;
    size_t lens[L_NLENS] = {
        [L_N] = c->n,         [L_M] = c->m,           [L_NG] = c->ng,
        [L_NM] = c->s->n_mines, [L_NNG] = c->n * c->nk, [L_NL] = c->ng * CFX_NLEVIES,
        [L_NM_CAP] = c->n + c->m};
    size_t n_tm = c->n_tm;
    if (cfx_ckpt_arrays(ck, conflict_arrays, sizeof conflict_arrays / sizeof *conflict_arrays, c,
                        lens) ||
        cfx_ckpt_fields(ck, conflict_fields, sizeof conflict_fields / sizeof *conflict_fields, c) ||
        cfx_ckpt_count(ck, "timers", SIZE_MAX / sizeof *c->tm, &n_tm))
        return cfx_ckpt_status(ck);
    if (!cfx_ckpt_saving(ck) && CFX_GROW(c->tm, c->cap_tm, n_tm))
        return cfx_ckpt_fail(ck, "timers", "out of memory");
    if (!cfx_ckpt_records(ck, timer_fields, sizeof timer_fields / sizeof *timer_fields, c->tm, n_tm,
                          sizeof *c->tm))
        c->n_tm = n_tm;
    return cfx_ckpt_status(ck);
}
