/* The shipment pool (the hot fields in one array of structs, the rest in arrays, and a free
 * list) and the arrival calendar (one bucket per step in a ring, and a far list beyond it). */
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
    /* Two blocks, moved by hand: the hot array, 64-byte aligned (two shipments a cache
     * line), which realloc would not keep; and the other four arrays. Both are written
     * whole below, so from 2 MiB (65,536 slots for the hot one, 131,072 for the other)
     * each is on huge pages as a whole (cfx_huge_alloc). */
    size_t cold_bytes = sizeof *sh->serial + sizeof *sh->path + sizeof *sh->free_list +
                        sizeof *sh->path_pos;
    if (cap > SIZE_MAX / (sizeof(cfx_ship) + cold_bytes))
        return CFX_ENOMEM;
    cfx_ship *hot = cfx_huge_alloc(cap * sizeof *hot);
    unsigned char *cold = hot ? cfx_huge_alloc(cap * cold_bytes) : NULL;
    if (!cold) {
        free(hot);
        return CFX_ENOMEM;
    }
    uint64_t *serial = (uint64_t *)cold; /* the widest first: each array stays aligned */
    int32_t *path = (int32_t *)(serial + cap), *free_list = path + cap;
    uint16_t *path_pos = (uint16_t *)(free_list + cap);
    if (sh->cap) {
        memcpy(hot, sh->s, sh->cap * sizeof *hot);
        memcpy(serial, sh->serial, sh->cap * sizeof *serial);
        memcpy(path, sh->path, sh->cap * sizeof *path);
        memcpy(free_list, sh->free_list, sh->n_free * sizeof *free_list);
        memcpy(path_pos, sh->path_pos, sh->cap * sizeof *path_pos);
    }
    free(sh->s);
    free(sh->serial);
    sh->s = hot;
    sh->serial = serial;
    sh->path = path;
    sh->free_list = free_list;
    sh->path_pos = path_pos;
    /* zeroed, as a checkpoint saves every slot */
    memset(sh->s + sh->cap, 0, (cap - sh->cap) * sizeof *sh->s);
    memset(sh->serial + sh->cap, 0, (cap - sh->cap) * sizeof *sh->serial);
    memset(sh->path_pos + sh->cap, 0, (cap - sh->cap) * sizeof *sh->path_pos);
    /* New slots go on the free stack so that the lowest ids are taken first. */
    for (size_t i = cap; i > sh->cap; i--) {
        sh->s[i - 1].state = CFX_SHIP_FREE;
        sh->path[i - 1] = -1;
        sh->free_list[sh->n_free++] = (int32_t)(i - 1);
    }
    sh->cap = cap;
    return 0;
}

void cfx_ships__free(cfx_ships *sh)
{
    free(sh->s);
    free(sh->serial); /* the block that holds path, free_list and path_pos too */
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

int cfx_cal__file_slow(cfx_world *w, int32_t id, long st)
{
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
        double t_h = w->ships.s[id].t_h;
        if (cfx_step_of(w, t_h) - w->step < (long)w->cal.n) {
            int rc = cfx_cal__file(w, id, t_h);
            if (rc)
                return rc;
        } else {
            w->cal.far[keep++] = id;
        }
    }
    w->cal.n_far = keep;
    return 0;
}

