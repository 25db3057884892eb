/* The result file (DESIGN §4): netCDF-4-compatible HDF5, written as the run goes, a chunk
 * of days at a time, so memory stays bounded whatever the run's length. The only module
 * that talks to HDF5. */
#ifndef CFX_OUTPUT_H
#define CFX_OUTPUT_H

#include <stdint.h>

#include "core/error.h"
#include "engine/world.h"

typedef struct cfx_output cfx_output;

typedef struct cfx_output_meta {
    const char *command_line; /* as typed */
    int threads;
    const char *created;      /* ISO 8601 UTC time */
    const char *overrides;    /* the --set, --seed and --days values, "path=value" lines */
    int flush_at_close;       /* no flush after each chunk (cfx_run_opts.flush_at_close) */
    size_t chunk_bytes;       /* > 0: days per chunk grown to fill this (cfx_run_opts) */
} cfx_output_meta;

/* Creates path (which must not exist: the caller writes to a temporary name) with every
 * dimension, coordinate and variable, and complete = 0. Failure: CFX_ECREATE. Needs only the
 * scenario, so that a run can lay out its file while another thread makes its world. */
int cfx_output_create(cfx_output **out, const char *path, const cfx_scenario *s,
                      const cfx_output_meta *meta, cfx_error *err);
/* Closes a file that cfx_output_create made and deletes it: for a run that could not start
 * (its world could not be made), so that it leaves no result behind. */
void cfx_output_discard(cfx_output *o);
/* Buffers the world's current day (w->obs); writes a chunk when the buffer is full and then
 * flushes the file (cfx_output_flush), so a file left by a killed run holds every chunk.
 * An array the world observed into the buffer already (cfx_output_next_row) is not copied. */
int cfx_output_append(cfx_output *o, const cfx_world *w, cfx_error *err);
/* The buffer's row for the next day that cfx_output_append takes, as arrays for
 * cfx_world_observe_into: those of the node and road series; the others NULL. The arrays
 * stay valid until the append after next (or the close). */
void cfx_output_next_row(const cfx_output *o, cfx_obs *row);
/* Writes what is buffered and the events recorded so far, and flushes the file, so that a
 * file left behind by a crash holds every day written. */
int cfx_output_flush(cfx_output *o, const cfx_world *w, cfx_error *err);
/* Checkpoints (sim/checkpoint.c). Copies the time coordinate and every series so far,
 * buffered rows included, into a new group of the closed HDF5 file at path; the result file
 * itself is left as it is. CFX_EIO on failure. */
int cfx_output_save_series(cfx_output *o, const char *path, const char *group, cfx_error *err);
/* Appends the first `days` rows of every series from such a group, as cfx_output_append
 * would have, to o, just created; the world's events are written with them. A group that
 * does not hold exactly `days` rows of each: CFX_EINVAL. */
int cfx_output_load_series(cfx_output *o, const cfx_world *w, const char *path,
                           const char *group, size_t days, cfx_error *err);
/* 1 when path is a result file (a regular file) whose attribute complete is 1: a run that
 * finished. */
int cfx_output_complete(const char *path);
/* The same, leaving the file open for reading: its HDF5 file id (a hid_t), or -1 when it is
 * not a complete result file. */
int64_t cfx_output_open_complete(const char *path);
/* Flushes, sets complete (1 only for a finished run) and closes; o is freed either way. */
int cfx_output_close(cfx_output *o, const cfx_world *w, int complete, cfx_error *err);

#endif
