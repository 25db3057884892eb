/* The checkpoint file handle. The engine and the models see a checkpoint only through
 * cfx_ckpt, a handle that either saves or loads: one function per module moves its state both ways (cfx_ckpt_saving says
 * which), so that what is saved and what is loaded cannot drift apart. Every call after a
 * failure returns the first failure's code without doing anything. */
#ifndef CFX_CKPT_H
#define CFX_CKPT_H

#include <stddef.h>

#include "core/error.h"

/* Bumped whenever what a checkpoint holds changes; --resume refuses another version. */
#define CFX_CKPT_FORMAT 6

typedef struct cfx_ckpt cfx_ckpt;

/* Value types. INT, LONG and SIZE are C's int, long and size_t, whatever their width. */
typedef enum {
    CFX_CKPT_U8,
    CFX_CKPT_U16,
    CFX_CKPT_I32,
    CFX_CKPT_U32,
    CFX_CKPT_I64,
    CFX_CKPT_U64,
    CFX_CKPT_F64,
    CFX_CKPT_INT,
    CFX_CKPT_LONG,
    CFX_CKPT_SIZE,
    CFX_CKPT_NTYPES
} cfx_ckpt_type;

/* A member of a struct: its name in the checkpoint, its type and offsetof. */
typedef struct cfx_ckpt_field {
    const char *name;
    cfx_ckpt_type type;
    size_t off;
} cfx_ckpt_field;

/* A pointer member of a struct to an array of lens[len] values (lens is the caller's). */
typedef struct cfx_ckpt_array {
    const char *name;
    cfx_ckpt_type type;
    size_t off; /* offsetof the pointer */
    int len;    /* index into the caller's table of lengths */
} cfx_ckpt_array;

/* Creates path (which must not exist) to save into, or opens it to load from. Loading: a
 * missing or unreadable file is CFX_ENOENT, one that is not HDF5 CFX_EINVAL. */
int cfx_ckpt_open(cfx_ckpt **out, const char *path, int saving, cfx_error *err);
/* Closes c (NULL: nothing); returns its status: the first failure, if any, else 0. */
int cfx_ckpt_close(cfx_ckpt *c);
/* 1 when c saves, 0 when it loads. */
int cfx_ckpt_saving(const cfx_ckpt *c);
/* 0, or the code of the first failure. */
int cfx_ckpt_status(const cfx_ckpt *c);
/* Makes path ("world", "model/conflict") the group that names are relative to. */
int cfx_ckpt_group(cfx_ckpt *c, const char *path);
/* Saves the n values at v as dataset name, or loads them: the dataset must hold exactly n
 * values of that type, with an intact checksum, or loading fails (CFX_EINVAL). */
int cfx_ckpt_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, void *v);
/* Saves *n, or loads it: the length of an array that grows during a run, to allocate
 * before its cfx_ckpt_data. Loading refuses a value above max (a corrupt file). */
int cfx_ckpt_count(cfx_ckpt *c, const char *name, size_t max, size_t *n);
/* Records a failure of the caller's (a loaded value that cannot be right): CFX_EINVAL when
 * loading, CFX_EIO when saving, with name and what in the message. */
int cfx_ckpt_fail(cfx_ckpt *c, const char *name, const char *what);
/* The members f[0..nf) of the struct at base, one dataset each. */
int cfx_ckpt_fields(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *base);
/* n structs of `size` bytes at recs, one dataset per member (a column). */
int cfx_ckpt_records(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *recs, size_t n,
                     size_t size);
/* The arrays a[0..na) that the struct at base points to (already allocated when loading). */
int cfx_ckpt_arrays(cfx_ckpt *c, const cfx_ckpt_array *a, size_t na, void *base,
                    const size_t *lens);
/* Records a failure with a formatted message: code, and the message naming the dataset
 * (name, in the current group; NULL: the file). Returns the first failure's code. */
int cfx_ckpt_failf(cfx_ckpt *c, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A text dataset (a malloc'd string when loading; *text is saved when saving). */
int cfx_ckpt_text(cfx_ckpt *c, const char *name, char **text);

#endif
