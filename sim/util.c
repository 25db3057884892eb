/* Small helpers shared by the loaders: whole-file reads and string copies. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfx_read_file(const char *path, char **out, size_t *len, cfx_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t n = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    int rc = buf ? 0 : CFX_ENOMEM;
    while (!rc) {
        if (cap - n < 2) {
            char *p = realloc(buf, 2 * cap);
            if (!p) {
                rc = CFX_ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!rc && ferror(f))
        rc = cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot read: %s", strerror(errno));
    else if (rc)
        cfx_error_set(err, rc, path, 0, 0, "out of memory reading the file");
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

char *cfx_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}
