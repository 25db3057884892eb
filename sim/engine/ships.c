/* The shipment pool (structure of arrays with a free list) and the arrival calendar (one
 * bucket per step in a ring, and a far list beyond it). */
#include <stdlib.h>
#include <string.h>

#include "engine/world_impl.h"

/* ---------------------------------------------------------------- shipments */

int cfx_ships__grow(cfx_ships *sh, size_t need)
{
    if (need <= sh->cap)
        return 0;
    size_t cap = cfx_grow_cap(sh->cap, need, 1024);
    if (!cap || cap > INT32_MAX) /* ids are int32 */
        return CFX_ENOMEM;
#define RE(f)                                                   \
    do {                                                        \
        void *p = realloc(sh->f, cap * sizeof *sh->f);          \
        if (!p)                                                 \
            return CFX_ENOMEM;                                  \
        sh->f = p;                                              \
    } while (0)
    RE(node); RE(t_h); RE(kg); RE(mine); RE(origin_group); RE(serial); RE(hops); RE(arc);
    RE(path); RE(path_pos); RE(state); RE(why); RE(free_list);
#undef RE
#define ZERO(f) memset(sh->f + sh->cap, 0, (cap - sh->cap) * sizeof *sh->f)
    /* zeroed, as a checkpoint saves every slot */
    ZERO(node); ZERO(t_h); ZERO(kg); ZERO(mine); ZERO(origin_group); ZERO(serial); ZERO(hops);
    ZERO(arc); ZERO(path_pos); ZERO(why);
#undef ZERO
    /* New slots go on the free stack so that the lowest ids are taken first. */
    for (size_t i = cap; i > sh->cap; i--) {
        sh->state[i - 1] = CFX_SHIP_FREE;
        sh->path[i - 1] = -1;
        sh->free_list[sh->n_free++] = (int32_t)(i - 1);
    }
    sh->cap = cap;
    return 0;
}

void cfx_ships__free(cfx_ships *sh)
{
    free(sh->node); free(sh->t_h); free(sh->kg); free(sh->mine); free(sh->origin_group);
    free(sh->serial); free(sh->hops); free(sh->arc); free(sh->state); free(sh->free_list);
    free(sh->path); free(sh->path_pos); free(sh->why);
}

/* ---------------------------------------------------------------- calendar */

size_t cfx_cal__ring_size(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

int cfx_cal__file(cfx_world *w, int32_t id, double t_h)
{
    return cfx_cal__file_step(w, id, cfx_step_of(w, t_h));
}

int cfx_cal__file_step(cfx_world *w, int32_t id, long st)
{
    if (st < w->step)
        st = w->step;
    if ((size_t)(st - w->step) >= w->cal.n) {
        if (CFX_GROW(w->cal.far, w->cal.far_cap, w->cal.n_far + 1))
            return CFX_ENOMEM;
        w->cal.far[w->cal.n_far++] = id;
        return 0;
    }
    cfx_bucket *b = &w->cal.b[(size_t)st & (w->cal.n - 1)];
    if (CFX_GROW(b->ids, b->cap, b->n + 1))
        return CFX_ENOMEM;
    b->ids[b->n++] = id;
    return 0;
}

int cfx_cal__turn(cfx_world *w)
{
    if ((size_t)w->step & (w->cal.n - 1) || !w->cal.n_far)
        return 0;
    size_t keep = 0, n = w->cal.n_far;
    w->cal.n_far = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t id = w->cal.far[i];
        if (cfx_step_of(w, w->ships.t_h[id]) - w->step < (long)w->cal.n) {
            int rc = cfx_cal__file(w, id, w->ships.t_h[id]);
            if (rc)
                return rc;
        } else {
            w->cal.far[keep++] = id;
        }
    }
    w->cal.n_far = keep;
    return 0;
}

