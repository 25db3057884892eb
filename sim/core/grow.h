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

/* Huge pages (Linux's transparent huge pages in "madvise" mode, Debian's default): a block
 * on them takes one page fault per 2 MiB instead of per 4 KiB, and random reads in it miss
 * the TLB far less, but each of its huge pages is zeroed whole when first touched. Hints:
 * they change no value, and where they are not supported they do nothing. */
/* malloc of bytes (at least 1), 64-byte aligned (a cache line), for a block its caller
 * writes whole at once: from 2 MiB it is 2 MiB-aligned, rounded up to whole huge pages and
 * all of it hinted. Freed with free. NULL when out of memory. */
void *cfx_huge_alloc(size_t bytes);
/* A zeroed block of bytes (at least 1), for a block written in part whose pages are read
 * whole (the output's chunk buffers): from 2 MiB it is fresh from the kernel, 2 MiB-aligned,
 * rounded up to whole huge pages and all of it hinted, so that a page never written is read
 * as the kernel's zero page, one fault per 2 MiB, where a write has it zeroed and mapped.
 * Freed with cfx_huge_zfree and the same bytes. NULL when out of memory. */
void *cfx_huge_zalloc(size_t bytes);
void cfx_huge_zfree(void *p, size_t bytes);
/* Asks for huge pages in the 2 MiB-aligned part of [p, p + bytes) when bytes is 4 MiB or
 * more: for every other large block (filled over time or in part, or measured slower when
 * rounded up whole: core/grow.c). Best called before the memory is first touched (after
 * malloc). */
void cfx_huge_hint(void *p, size_t bytes);
/* realloc of *ptr (old_bytes of it in use) to new_bytes, a large block hinted before it is
 * first touched. 0, or CFX_ENOMEM with *ptr unchanged. */
int cfx_regrow(void **ptr, size_t old_bytes, size_t new_bytes);
/* calloc of n elements of elem bytes (at least one element), a large block hinted before
 * it is zeroed. NULL when out of memory. */
void *cfx_zalloc(size_t n, size_t elem);

/* CFX_GROW(array, cap, need) for an array of any type: 0 or CFX_ENOMEM. */
#define CFX_GROW(ptr, cap, need)                                                             \
    ((need) <= (cap) ? 0 : cfx_grow((void **)&(ptr), &(cap), (need), sizeof *(ptr)))

#endif
