/* Error codes and located error messages shared by every module (the codes and structs are
 * the public ones of conflux.h). Functions return 0 or a negative CFX_E* code and fill a
 * caller-supplied cfx_error. */
#ifndef CFX_ERROR_H
#define CFX_ERROR_H

#include <stddef.h>

#include "conflux.h"

/* Appends one error; returns code. On allocation failure the error is dropped, code kept. */
int cfx_diags_add(cfx_diags *d, int code, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int cfx_diags_push(cfx_diags *d, const cfx_error *e);

#define CFX_ASSERT(c) \
    do { if (!(c)) cfx__assert_fail(#c, __FILE__, __LINE__); } while (0)
void cfx__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#endif
