/* Small helpers shared by the loaders. */
#ifndef CFX_UTIL_H
#define CFX_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* The largest scenario or table read, bytes: 256 MiB, far above any real scenario (the
 * Kachin tables are a few kB; a 10^5-node network from `conflux gen` is about 10 MB), and
 * small enough that a mistake (a disk image, /dev/zero) is refused before it fills memory. */
#define CFX_MAX_INPUT_BYTES ((size_t)256 << 20)

/* Reads a whole file into a malloc'd, NUL-terminated buffer (*len excludes the NUL).
 * Missing or unreadable (a directory too): CFX_ENOENT, "cannot open: ..." or "cannot read:
 * ..." in err. Larger than CFX_MAX_INPUT_BYTES: CFX_EINVAL, without reading it all (a
 * regular file is measured first; a device or a pipe is read up to the limit). */
int cfx_read_file(const char *path, char **out, size_t *len, cfx_error *err);
/* Bytes of memory this process may still allocate: the least of the machine's available
 * memory (MemAvailable in /proc/meminfo), the room left under the cgroup's memory.max (a
 * Slurm job's limit) and under RLIMIT_AS and RLIMIT_DATA (ulimit -v, -d). *what names the
 * one that binds. */
double cfx_mem_available(const char **what);

/* A malloc'd copy of s that is valid UTF-8: each byte that is not part of a well-formed
 * sequence (as in a path in another encoding) becomes U+FFFD. NULL when out of memory. */
char *cfx_utf8_valid(const char *s);

/* 1 when s ends with suffix. */
int cfx_ends_with(const char *s, const char *suffix);
/* Copies the file src to dst complete or not at all: through dst.partial, synced to disk and
 * renamed. 0, or -1 with errno set (dst untouched, no dst.partial left). */
int cfx_copy_file(const char *src, const char *dst);

/* Reads (writing = 0) or writes all n bytes of buf from or to the descriptor fd (a pipe
 * between processes), through EINTR; the bytes moved, fewer when the other end closed or
 * failed. */
size_t cfx_move_all(int fd, void *buf, size_t n, int writing);

/* strdup (not in C11); NULL when out of memory. */
char *cfx_strdup(const char *s);

/* Edit distance between a and b (insertions, deletions, substitutions) when it can be 2 or
 * less; otherwise (lengths 3 or more apart, or a name longer than 64) some number above 2:
 * enough to spot a typo. */
int cfx_edit_distance_le2(const char *a, const char *b);

#endif
