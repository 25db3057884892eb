/* Reading conflux result files (a run, or a sweep with a leading member dimension) with
 * HDF5: the helpers of analyze_file.c that events.c shares. Separate from analyze.h so that
 * code computing from arrays (and its tests) needs no HDF5 headers. */
#ifndef CFX_RESULT_FILE_H
#define CFX_RESULT_FILE_H

#include <hdf5.h>

#include "analysis/analyze.h"

/* An open result file: a run, or a sweep (a leading member dimension of n_members). */
typedef struct cfx_result_reader {
    hid_t f;
    const char *path;
    int sweep;
    size_t n_members;
    cfx_error *err;
    int threads; /* that unpack a run's series (cfx_h5_read_packed); 0 or 1: one */
} cfx_result_reader;

/* Opens path read-only as a conflux result (HDF5 with a conflux_version attribute) and finds
 * whether it is a sweep. Missing or unreadable: CFX_ENOENT; not a result: CFX_EINVAL saying
 * why. r->f is -1 or open (the caller closes it) whatever the return. */
int cfx_result_open(cfx_result_reader *r, const char *path, cfx_error *err);
/* Fills r->err with code and the message, located at r->path; returns code. */
int cfx_result_fail(cfx_result_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens a variable and checks its rank (not counting a sweep's member dimension, which must
 * be first); dims gets the sizes after it. -1 with *rc set when it is absent or shaped
 * otherwise. */
hid_t cfx_result_open_var(cfx_result_reader *r, const char *name, int rank, hsize_t *dims, int *rc);
/* The length of 1-d variable name into *n: of a variable shared by the members (shared), or
 * else after a sweep's member dimension. */
int cfx_result_len(cfx_result_reader *r, const char *name, int shared, size_t *n);
/* Reads variable name (member `member` of a sweep) as doubles into buf, checking that its
 * sizes are want[rank]. */
int cfx_result_read_var(cfx_result_reader *r, const char *name, size_t member, int rank,
                        const hsize_t *want, double *buf);
/* Reads a 1-d string variable of n strings (variable or fixed length) into names. */
int cfx_result_read_labels(cfx_result_reader *r, const char *name, size_t n,
                           char (*names)[CFX_ANALYZE_NAME]);
/* The same for the k strings at indices at[k] (each < n) only, into names[k]: a few node ids
 * of a large network without reading them all. */
int cfx_result_read_labels_at(cfx_result_reader *r, const char *name, size_t n,
                              const hsize_t *at, size_t k, char (*names)[CFX_ANALYZE_NAME]);
/* A string attribute of obj, malloc'd; NULL when absent, or when out of memory (then *nomem
 * is set, when nomem is not NULL). */
char *cfx_result_attr_text(hid_t obj, const char *name, int *nomem);

#endif
