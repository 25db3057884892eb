/* Arrays that grow by doubling: the one growth policy of the project. Growth moves the array,
 * so it invalidates every pointer into it; callers that keep such pointers say so. */
#ifndef CFX_GROW_H
#define CFX_GROW_H

#include <stddef.h>

/* The capacity an array of cap elements grows to so that it holds need: cap doubled (from
 * first when it is empty) until it does; cap itself when it already does; 0 on overflow. */
size_t cfx_grow_cap(size_t cap, size_t need, size_t first);
/* Grows *ptr, an array of *cap elements of elem bytes, to hold at least need (doubling from
 * 16). 0, or CFX_ENOMEM with *ptr and *cap unchanged. */
int cfx_grow(void **ptr, size_t *cap, size_t need, size_t elem);

/* CFX_GROW(array, cap, need) for an array of any type: 0 or CFX_ENOMEM. */
#define CFX_GROW(ptr, cap, need)                                                             \
    ((need) <= (cap) ? 0 : cfx_grow((void **)&(ptr), &(cap), (need), sizeof *(ptr)))

#endif
