/* Small helpers shared by the loaders and the run: whole-file reads, string copies, and how
 * much memory is left. */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int too_large(const char *path, cfx_error *err)
{
    return cfx_error_set(err, CFX_EINVAL, path, 0, 0,
                         "larger than %zu MiB, the most a scenario file or table may hold "
                         "(is it the right file?)",
                         CFX_MAX_INPUT_BYTES >> 20);
}

int cfx_read_file(const char *path, char **out, size_t *len, cfx_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size > CFX_MAX_INPUT_BYTES) {
        fclose(f);
        return too_large(path, err);
    }
    size_t n = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    int rc = buf ? 0 : CFX_ENOMEM;
    while (!rc) {
        if (n > CFX_MAX_INPUT_BYTES) {
            rc = too_large(path, err);
            break;
        }
        if (cap - n < 2) {
            /* Never more than the limit and the two bytes that show it was passed. */
            size_t grow = 2 * cap < CFX_MAX_INPUT_BYTES + 2 ? 2 * cap : CFX_MAX_INPUT_BYTES + 2;
            char *p = realloc(buf, grow);
            if (!p) {
                rc = CFX_ENOMEM;
                break;
            }
            buf = p;
            cap = grow;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!rc && ferror(f))
        rc = cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot read: %s", strerror(errno));
    else if (rc == CFX_ENOMEM)
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

/* The number after key in a file of "key value" lines (kB in /proc/meminfo), or -1. */
static double file_value(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[256];
    double v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0) {
            v = strtod(line + n, NULL);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* The limit less the usage of this process's memory cgroup (v2: memory.max, v1:
 * memory.limit_in_bytes), or -1 when there is none. */
static double cgroup_room(void)
{
    char v1[512] = "", v2[512] = "", line[512], path[600];
    FILE *f = fopen("/proc/self/cgroup", "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0::", 3) == 0)
            snprintf(v2, sizeof v2, "%s", line + 3);
        else if (strstr(line, ":memory:"))
            snprintf(v1, sizeof v1, "%s", strstr(line, ":memory:") + 8);
    }
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", v2);
    double max = file_value(path, ""); /* "max" reads as 0: no limit */
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", v2);
    double cur = file_value(path, "");
    if (max > 0 && cur >= 0)
        return max - cur;
    snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", v1);
    max = file_value(path, "");
    snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", v1);
    cur = file_value(path, "");
    return v1[0] && max > 0 && cur >= 0 ? max - cur : -1;
}

double cfx_mem_available(const char **what)
{
    double kb = file_value("/proc/meminfo", "MemAvailable:");
    double best = kb >= 0 ? kb * 1024 : (double)sysconf(_SC_AVPHYS_PAGES) * sysconf(_SC_PAGESIZE);
    *what = "available memory";
    double cg = cgroup_room();
    if (cg >= 0 && cg < best) {
        best = cg;
        *what = "the memory left under this cgroup's memory.max";
    }
    /* Address space already mapped counts against ulimit -v and -d. */
    double mapped = file_value("/proc/self/status", "VmSize:") * 1024;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur - mapped < best) {
        best = (double)rl.rlim_cur - mapped;
        *what = "the address space left under ulimit -v";
    }
    mapped = file_value("/proc/self/status", "VmData:") * 1024;
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur - mapped < best) {
        best = (double)rl.rlim_cur - mapped;
        *what = "the data size left under ulimit -d";
    }
    return best > 0 ? best : 0;
}

/* Levenshtein's two-row dynamic programme; util.h says what it returns. */
int cfx_edit_distance_le2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    int prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4                         ? 4
                                                                : 0;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    for (size_t i = 1; i < n; i++)
        if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
            return 0;
    return n;
}

char *cfx_utf8_valid(const char *s)
{
    char *out = malloc(3 * strlen(s) + 1), *o = out; /* at most 3 bytes for each byte */
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (n == 0) { /* a byte that is not UTF-8 (a path in another encoding) */
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
            continue;
        }
        memcpy(o, p, n);
        o += n;
        p += n;
    }
    *o = '\0';
    return out;
}

int cfx_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

size_t cfx_move_all(int fd, void *buf, size_t n, int writing)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = writing ? write(fd, (char *)buf + done, n - done)
                            : read(fd, (char *)buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    return done;
}

int cfx_copy_file(const char *src, const char *dst)
{
    char tmp[4200], buf[1 << 16];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial", dst) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int in = open(src, O_RDONLY), out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int bad = out < 0;
    for (ssize_t got; !bad && (got = read(in, buf, sizeof buf)) != 0;)
        bad = got < 0 || write(out, buf, (size_t)got) != got;
    bad |= out >= 0 && fsync(out) != 0;
    bad |= out >= 0 && close(out) != 0;
    if (in >= 0)
        close(in);
    if (bad || rename(tmp, dst)) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}
