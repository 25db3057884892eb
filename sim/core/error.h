/* Error codes and located error messages shared by every module.
 * Functions return 0 or a negative CFX_E* code and fill a caller-supplied cfx_error. */
#ifndef CFX_ERROR_H
#define CFX_ERROR_H

#include <stddef.h>

enum {
    CFX_OK = 0,
    CFX_ENOMEM = -1,  /* out of memory (exit 1) */
    CFX_EINVAL = -2,  /* invalid input data (exit 65) */
    CFX_ENOENT = -3,  /* input file missing or unreadable (exit 66) */
    CFX_ECREATE = -4, /* output cannot be created (exit 73) */
    CFX_EIO = -5,     /* I/O error while writing (exit 74) */
    CFX_EHDF5 = -6,   /* HDF5 call failed while writing (exit 74) */
    CFX_EUSAGE = -7,  /* bad command line (exit 2) */
    CFX_EINTR = -8,   /* interrupted by a signal (exit 130) */
    CFX_EFAIL = -9    /* the run failed for another reason (exit 1) */
};

typedef struct cfx_error {
    int code;        /* one of CFX_E*, 0 when no error */
    char file[256];  /* input file the error is in, "" when none */
    int line;        /* 1-based, 0 when unknown */
    int col;         /* 1-based byte column, 0 when unknown */
    char msg[768];
} cfx_error;

/* A list of errors, for loaders that report every problem they find (conflux check). */
typedef struct cfx_diags {
    cfx_error *v; /* n entries, capacity cap */
    size_t n, cap;
} cfx_diags;

/* Fills err (which may be NULL) and returns code, so callers can `return cfx_error_set(...)`. */
int cfx_error_set(cfx_error *err, int code, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "file:line:col: msg", dropping the parts that are unknown. */
void cfx_error_format(const cfx_error *err, char *buf, size_t n);
/* The process exit code documented for an error code (DESIGN §2). */
int cfx_exit_code(int code);

/* Appends one error; returns code. On allocation failure the error is dropped, code kept. */
int cfx_diags_add(cfx_diags *d, int code, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int cfx_diags_push(cfx_diags *d, const cfx_error *e);
void cfx_diags_free(cfx_diags *d);
/* The most severe code in the list: ENOENT beats EINVAL (a missing file is reported as 66). */
int cfx_diags_code(const cfx_diags *d);

#define CFX_ASSERT(c) \
    do { if (!(c)) cfx__assert_fail(#c, __FILE__, __LINE__); } while (0)
void cfx__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#endif
