/* Arrays that grow by doubling (core/grow.h). */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#include "core/grow.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

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

/* The transparent huge page of x86-64 and of arm64 with 4 KiB pages (the kernel's
 * hpage_pmd_size); where it is larger, a block is only hinted in part. */
#define HUGE_PAGE ((size_t)2 << 20)

/* Asks for huge pages in [from, to) rounded inwards to whole huge pages: a hint, whose
 * failure changes nothing. */
static void hint(uintptr_t from, uintptr_t to)
{
#ifdef MADV_HUGEPAGE
    from = (from + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    to &= ~(uintptr_t)(HUGE_PAGE - 1);
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)from;
    (void)to;
#endif
}

/* cfx_huge_alloc: a block that its caller writes whole as soon as it is made (the shipment
 * pool) is on huge pages from one huge page up, all of it: a 2 MiB fault, zeroing it, cost
 * 0.26 us a 4 KiB page on the AMD EPYC guest against 10-14 us for each 4 KiB fault
 * (measured with a memset of fresh memory). */
#define WHOLE_MIN HUGE_PAGE
/* cfx_huge_hint, cfx_regrow, cfx_zalloc: a block filled over time, in part (an array by
 * node may be written at a few nodes; calloc's fresh pages cost nothing until written) or
 * half empty (a doubled array) is hinted from 4 MiB only, and only the huge pages wholly
 * inside it. Measured on W2: with those blocks rounded up and on huge pages whole, its peak
 * memory grew 21 MB and its time 1.08 x; from 2 MiB, 60 MB (eleven 2.4 MB arrays by node).
 * cfx_huge_zalloc: a block whose pages are all read but many never written (the output's
 * chunk buffers, into which the world writes only what is not zero) is on huge pages whole
 * from 2 MiB: a page read before it is written is the kernel's huge zero page, one fault
 * for 2 MiB, where on 4 KiB pages each 4 KiB read first takes a fault of its own (reading a
 * fresh 256 MB block: 8-11 ms, against 0.66 s, on the AMD EPYC guest). */
#define PART_MIN (2 * HUGE_PAGE)

/* A block of whole huge pages of at least bytes (>= WHOLE_MIN). */
static size_t whole_pages(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *cfx_huge_alloc(size_t bytes)
{
    if (bytes < WHOLE_MIN) /* a whole number of cache lines, as aligned_alloc wants */
        return aligned_alloc(64, bytes ? (bytes + 63) & ~(size_t)63 : 64);
    /* aligned and rounded up to whole huge pages, so that all of it is hinted */
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t whole = whole_pages(bytes);
    void *p = aligned_alloc(HUGE_PAGE, whole);
    if (p)
        hint((uintptr_t)p, (uintptr_t)p + whole);
    return p;
}

void *cfx_huge_zalloc(size_t bytes)
{
    if (bytes < WHOLE_MIN)
        return calloc(1, bytes ? bytes : 1);
    if (bytes > SIZE_MAX - 2 * HUGE_PAGE)
        return NULL;
    /* from mmap, not calloc: calloc zeroes a block it reuses from the heap (a sweep's next
     * member; blocks below M_MMAP_THRESHOLD, cfx_memory_setup), touching every page */
    size_t whole = whole_pages(bytes);
    unsigned char *m = mmap(NULL, whole + HUGE_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    size_t skip = (HUGE_PAGE - (uintptr_t)m % HUGE_PAGE) % HUGE_PAGE; /* to the alignment */
    if (skip)
        munmap(m, skip);
    munmap(m + skip + whole, HUGE_PAGE - skip); /* skip < HUGE_PAGE: never empty */
    hint((uintptr_t)(m + skip), (uintptr_t)(m + skip + whole));
    return m + skip;
}

void cfx_huge_zfree(void *p, size_t bytes)
{
    if (p && bytes < WHOLE_MIN)
        free(p);
    else if (p)
        munmap(p, whole_pages(bytes));
}

void cfx_huge_hint(void *p, size_t bytes)
{
    if (p && bytes >= PART_MIN)
        hint((uintptr_t)p, (uintptr_t)p + bytes);
}

/* cfx_memory_setup. zlib allocates ~256 KiB for every HDF5 chunk it compresses: with glibc's
 * defaults each of those is a fresh mmap or trimmed heap, page-faulted in again every time,
 * which made writing the default scenario's file cost more than simulating it; serving blocks
 * below HEAP_FROM from the heap and keeping up to HEAP_KEEP of freed heap ends the churn
 * (HEAP_FROM: glibc releases whose malloc caps M_MMAP_THRESHOLD at HEAP_MAX_SIZE / 2, 32 MiB
 * on 64-bit, refuse a larger one). Then two blocks of
 * HEAP_PART each are taken from the heap, side by side at its end, advised onto huge pages
 * and freed at once (their 2 MiB pages inside them: about 58 MiB): malloc carves the blocks
 * that the process's first thread asks for next from that memory (an OpenMP thread's own
 * arena is not advised), and those small blocks are dense (carved one after another), so each
 * huge page of them is used whole. glibc's own GLIBC_TUNABLES=glibc.malloc.hugetlb=1 does it
 * for all of the heap, but is read only before main. Not done under a limit on address space
 * or data size (ulimit -v, -d): the freed block counts in them, and cfx_mem_available would
 * see that much less room. Measured on the AMD EPYC guest (tests/bench/README.md, eleventh
 * round): W1 (a 1,000-node grid) took 2,270 page faults of 4 KiB, a quarter of its time, most
 * in HDF5's small blocks and the calendar's buckets, and takes 240-730; W1 about 0.7 x the
 * wall time, a Kachin run 0.8 x, W2 the same. HEAP_PART: about 60 MiB in all (measured as
 * one block against 30 MiB: W2 1.06 x slower; and 126 MiB: W2 1.04 x slower, 6 MB more peak
 * memory); 2 x HEAP_PART below HEAP_KEEP, with room to spare: the blocks stay in the heap
 * when freed. */
#define HEAP_FROM (32 << 20)
#define HEAP_KEEP (64 << 20)
#define HEAP_PART ((size_t)30 << 20)

void cfx_memory_setup(void)
{
    int ok = mallopt(M_MMAP_THRESHOLD, HEAP_FROM) == 1;
    ok = mallopt(M_TRIM_THRESHOLD, HEAP_KEEP) == 1 && ok;
    struct rlimit as, data;
    if (!ok || getrlimit(RLIMIT_AS, &as) || as.rlim_cur != RLIM_INFINITY ||
        getrlimit(RLIMIT_DATA, &data) || data.rlim_cur != RLIM_INFINITY)
        return;
    /* tests/alloc/README.md: the optional allocations */
    char *a = malloc(HEAP_PART), *b = a ? malloc(HEAP_PART) : NULL;
    if (a && b && b > a && (size_t)(b - a) < HEAP_PART + HUGE_PAGE) /* side by side */
        hint((uintptr_t)a, (uintptr_t)b + HEAP_PART);
    else if (a && b) {
        hint((uintptr_t)a, (uintptr_t)a + HEAP_PART);
        hint((uintptr_t)b, (uintptr_t)b + HEAP_PART);
    }
    free(b);
    free(a);
}

int cfx_regrow(void **ptr, size_t old_bytes, size_t new_bytes)
{
    if (new_bytes < PART_MIN) {
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
    if (bytes < PART_MIN)
        return calloc(n ? n : 1, elem);
    /* calloc zeroes a block it reuses before it could be hinted */
    void *p = malloc(bytes);
    if (p) {
        cfx_huge_hint(p, bytes);
        memset(p, 0, bytes);
    }
    return p;
}
