/* Arrays that grow by doubling (core/grow.h). */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>
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
    void *p = realloc(*ptr, c * elem);
    if (!p)
        return CFX_ENOMEM;
    cfx_huge_hint(p, c * elem);
    *ptr = p;
    *cap = c;
    return 0;
}

/* Below this an array has at most one aligned huge page: not worth a system call. */
#define HUGE_HINT_MIN ((size_t)4 << 20)

void cfx_huge_hint(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
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
