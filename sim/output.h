/* The result file (DESIGN §4): netCDF-4-compatible HDF5, written as the run goes, a chunk
 * of days at a time, so memory stays bounded whatever the run's length. The only module
 * that talks to HDF5. */
#ifndef CFX_OUTPUT_H
#define CFX_OUTPUT_H

#include "error.h"
#include "world.h"

typedef struct cfx_output cfx_output;

typedef struct cfx_output_meta {
    const char *command_line; /* as typed */
    int threads;
    const char *created;      /* ISO 8601 UTC time */
    const char *overrides;    /* the --set, --seed and --days values, "path=value" lines */
} cfx_output_meta;

/* Creates path (which must not exist: the caller writes to a temporary name) with every
 * dimension, coordinate and variable, and complete = 0. Failure: CFX_ECREATE. */
int cfx_output_create(cfx_output **out, const char *path, const cfx_world *w,
                      const cfx_output_meta *meta, cfx_error *err);
/* Buffers the world's current day (w->obs); writes a chunk when the buffer is full, and
 * flushes the whole file after a chunk when a second has passed since the last flush, so a
 * file left behind by a killed run holds the days written up to about a second before. */
int cfx_output_append(cfx_output *o, const cfx_world *w, cfx_error *err);
/* Writes what is buffered and the events recorded so far, and flushes the file, so that a
 * file left behind by a crash holds every day written. */
int cfx_output_flush(cfx_output *o, const cfx_world *w, cfx_error *err);
/* Flushes, sets complete (1 only for a finished run) and closes; o is freed either way. */
int cfx_output_close(cfx_output *o, const cfx_world *w, int complete, cfx_error *err);

#endif
