/* An allocator that fails on demand, for conflux-allocfail (tests/alloc/README.md): linked
 * with -Wl,--wrap=malloc,... so that every allocation made by conflux's own objects (the
 * static library and sim/cli) comes here first. HDF5, GSL, libyaml, libgomp and libc are
 * shared libraries and keep calling the real allocator: only our code sees the failures.
 *
 *   CFX_ALLOC_FAIL_AT=N      the Nth wrapped call (1-based, every kind counted) returns NULL;
 *                            the calls after it succeed again (SQLite's "fail once")
 *   CFX_ALLOC_FAIL_REPEAT=1  with FAIL_AT: every call from the Nth on fails (a machine that
 *                            stays out of memory, so that cleanup paths meet it too)
 *   CFX_ALLOC_COUNT=PATH     at exit, write the number of calls made to PATH
 *   CFX_ALLOC_BACKTRACE=1    print a backtrace to stderr at each failed call (to find it)
 *   CFX_ALLOC_OPTIONAL=BYTES a malloc of exactly BYTES made before any call was counted (as
 *                            the command starts) is neither counted nor failed: the start-up
 *                            blocks whose failure conflux may ignore (README.md here)
 *
 * The counter is atomic (the engine allocates from OpenMP threads); with one thread the
 * order of the calls, so the meaning of N, is the same in every run. */
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__real_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off);

static atomic_ulong calls;          /* wrapped calls so far */
static unsigned long fail_at;       /* 0: never fail */
static int fail_repeat;             /* fail every call from fail_at on */
static int fail_backtrace;
static const char *count_path;
static size_t optional_bytes; /* 0: none */

static void write_count(void)
{
    FILE *f = fopen(count_path, "w");
    if (!f)
        return;
    fprintf(f, "%lu\n", atomic_load(&calls));
    fclose(f);
}

/* Runs before main (and before any of our allocations: static initializers make none). */
__attribute__((constructor)) static void setup(void)
{
    const char *v = getenv("CFX_ALLOC_FAIL_AT");
    if (v && *v)
        fail_at = strtoul(v, NULL, 10);
    v = getenv("CFX_ALLOC_FAIL_REPEAT");
    fail_repeat = v && *v && strcmp(v, "0") != 0;
    v = getenv("CFX_ALLOC_BACKTRACE");
    fail_backtrace = v && *v && strcmp(v, "0") != 0;
    v = getenv("CFX_ALLOC_OPTIONAL");
    if (v && *v)
        optional_bytes = (size_t)strtoull(v, NULL, 10);
    count_path = getenv("CFX_ALLOC_COUNT");
    if (count_path && *count_path)
        atexit(write_count);
}

/* Counts the call; 1 when it is to fail. */
static int should_fail(void)
{
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    if (!fail_at || (fail_repeat ? n < fail_at : n != fail_at))
        return 0;
    if (fail_backtrace) {
        void *frames[32];
        char head[64];
        int len = snprintf(head, sizeof head, "failmalloc: call %lu fails here:\n", n);
        if (write(2, head, (size_t)len) < 0)
            return 1;
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n)
{
    if (optional_bytes && n == optional_bytes && atomic_load(&calls) == 0)
        return __real_malloc(n);
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL; /* p stays allocated, as with a real failure */
    }
    return __real_realloc(p, n);
}

int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
    if (should_fail())
        return ENOMEM;
    return __real_posix_memalign(out, align, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_aligned_alloc(align, n);
}

/* mmap: the output's large buffers (cfx_huge_zalloc) */
void *__wrap_mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
    if (should_fail()) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return __real_mmap(addr, n, prot, flags, fd, off);
}

/* strdup and strndup are counted once, as the one allocation they make. */
char *__wrap_strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *p = __wrap_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *__wrap_strdup(const char *s)
{
    return __wrap_strndup(s, SIZE_MAX);
}
