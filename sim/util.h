/* Small helpers shared by the loaders. */
#ifndef CFX_UTIL_H
#define CFX_UTIL_H

#include <stddef.h>

#include "error.h"

/* Reads a whole file into a malloc'd, NUL-terminated buffer (*len excludes the NUL).
 * Missing or unreadable: CFX_ENOENT, "cannot open: ..." or "cannot read: ..." in err. */
int cfx_read_file(const char *path, char **out, size_t *len, cfx_error *err);
/* strdup (not in C11); NULL when out of memory. */
char *cfx_strdup(const char *s);

#endif
