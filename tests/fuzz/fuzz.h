/* Shared by the fuzz harnesses: the libFuzzer entry point each one defines, and the split
 * of one input into several files ("\n%%\n" between them), so that one input can hold a
 * scenario and its tables. */
#ifndef CFX_FUZZ_H
#define CFX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CFX_FUZZ_SEP "\n%%\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Finds the parts of data: part i is data[start[i], start[i] + len[i]). Returns how many
 * parts there are, at most max (the last one runs to the end). */
static inline size_t cfx_fuzz_split(const uint8_t *data, size_t size, size_t max, size_t *start,
                                    size_t *len)
{
    size_t n = 0, at = 0, seplen = strlen(CFX_FUZZ_SEP);
    while (n + 1 < max) {
        size_t i = at;
        while (i + seplen <= size && memcmp(data + i, CFX_FUZZ_SEP, seplen) != 0)
            i++;
        if (i + seplen > size)
            break;
        start[n] = at;
        len[n++] = i - at;
        at = i + seplen;
    }
    start[n] = at;
    len[n++] = size - at;
    return n;
}

/* The directory a harness writes its files into, made once per process under $TMPDIR
 * (libFuzzer runs one input at a time) and removed at exit with the files it holds. */
static char cfx_fuzz__dir[64];
static const char *const *cfx_fuzz__names;
static size_t cfx_fuzz__n;

static inline void cfx_fuzz__cleanup(void)
{
    char path[128];
    for (size_t i = 0; i < cfx_fuzz__n; i++) {
        snprintf(path, sizeof path, "%s/%s", cfx_fuzz__dir, cfx_fuzz__names[i]);
        unlink(path);
    }
    rmdir(cfx_fuzz__dir);
}

static inline const char *cfx_fuzz_dir(void)
{
    if (!cfx_fuzz__dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(cfx_fuzz__dir, sizeof cfx_fuzz__dir, "%s/cfx-fuzz-XXXXXX",
                 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(cfx_fuzz__dir))
            abort();
        atexit(cfx_fuzz__cleanup);
    }
    return cfx_fuzz__dir;
}

/* Writes the input's parts as the files names[0..n-1] in the harness's directory; a part
 * the input leaves out is a missing file. */
static inline void cfx_fuzz_write_files(const char *const *names, size_t n, const uint8_t *data,
                                        size_t size)
{
    size_t start[16], len[16];
    size_t parts = cfx_fuzz_split(data, size, n < 16 ? n : 16, start, len);
    cfx_fuzz__names = names;
    cfx_fuzz__n = n;
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", cfx_fuzz_dir(), names[i]);
        unlink(path);
        if (i >= parts)
            continue;
        FILE *f = fopen(path, "wb");
        if (!f || (len[i] && fwrite(data + start[i], 1, len[i], f) != len[i]) || fclose(f))
            abort();
    }
}

#endif
