/* Arrays that grow by doubling (core/grow.h). */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "conflux.h" /* the error codes */

size_t cfx_grow_cap(size_t cap, size_t need, size_t first)
{
    size_t c = cap ? cap : first;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return 0;
        c *= 2;
    }
    return c;
}

int cfx_grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = cfx_grow_cap(*cap, need, 16);
    if (!c || c > SIZE_MAX / elem)
        return CFX_ENOMEM;
    if (cfx_regrow(ptr, *cap * elem, c * elem))
        return CFX_ENOMEM;
    *cap = c;
    return 0;
}

/* Bytes below which a block is not hinted: a block under 4 MiB may hold no whole aligned
 * huge page at all, and one at most, which is not worth a system call (assumption, not
 * measured on its own; a Kachin run's arrays all stay below it). */
#define HUGE_HINT_MIN ((size_t)4 << 20)

int cfx_regrow(void **ptr, size_t old_bytes, size_t new_bytes)
{
    if (new_bytes < HUGE_HINT_MIN) {
        void *p = realloc(*ptr, new_bytes ? new_bytes : 1);
        if (!p)
            return CFX_ENOMEM;
        *ptr = p;
        return 0;
    }
    /* realloc would copy into (or map) the new block before it could be hinted: its pages
     * would be touched, and faulted in, 4 KiB at a time */
    void *p = malloc(new_bytes);
    if (!p)
        return CFX_ENOMEM;
    cfx_huge_hint(p, new_bytes);
    if (*ptr && old_bytes)
        memcpy(p, *ptr, old_bytes < new_bytes ? old_bytes : new_bytes);
    free(*ptr);
    *ptr = p;
    return 0;
}

void *cfx_zalloc(size_t n, size_t elem)
{
    if (n && elem > SIZE_MAX / n)
        return NULL;
    size_t bytes = n ? n * elem : elem;
    if (bytes < HUGE_HINT_MIN)
        return calloc(n ? n : 1, elem);
    /* calloc zeroes a block it reuses before it could be hinted */
    void *p = malloc(bytes);
    if (p) {
        cfx_huge_hint(p, bytes);
        memset(p, 0, bytes);
    }
    return p;
}

void cfx_huge_hint(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    /* bytes: the transparent huge page of x86-64 and of arm64 with 4 KiB pages (the
     * kernel's hpage_pmd_size); where it is larger, the hinted range is only narrower */
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t to = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (p && bytes >= HUGE_HINT_MIN && to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#else
    (void)p;
    (void)bytes;
#endif
}
