/* Arrays that grow by doubling (core/grow.h). */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>

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
    *ptr = p;
    *cap = c;
    return 0;
}
