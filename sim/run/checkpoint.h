/* A run's checkpoint/resume (conflux run --checkpoint-every DAYS, --resume CKPT.h5): the
 * state of the world and of every model after a whole number of days, and the series written
 * so far, in one HDF5 file written under a temporary name and renamed. A run resumed from one
 * writes the same bytes in every series and event variable as a run that was never stopped.
 * The layout is described in models/README.md ("Checkpoints"). */
#ifndef CFX_CHECKPOINT_H
#define CFX_CHECKPOINT_H

#include <stddef.h>

#include "io/ckpt.h"


struct cfx_world;
struct cfx_output;

typedef struct cfx_checkpoint_meta {
    const char *overrides;    /* the run's --set, --seed and --days, "path=value" lines */
    const char *command_line; /* as typed; kept for information only */
    int threads;              /* for information only: results do not depend on it */
} cfx_checkpoint_meta;

/* The checkpoint a run writing OUT writes after `days` days: OUT.ckpt/day-NNNNN.h5. */
int cfx_checkpoint_path(char *buf, size_t n, const char *out, long days);
/* Writes the checkpoint of w (at the end of a day) for the run writing out to OUT, with the
 * series o holds. Creates OUT.ckpt if needed, writes day-NNNNN.h5.partial, syncs it to disk
 * and renames it. CFX_ECREATE or CFX_EIO. */
int cfx_checkpoint_write(const char *out, struct cfx_world *w, struct cfx_output *o,
                         const cfx_checkpoint_meta *meta, cfx_error *err);
/* Loads the checkpoint at path into w, just allocated for the same scenario; *days is the
 * number of days it holds. Refuses a checkpoint of another format version, conflux version,
 * scenario text, seed or overrides, and a damaged one (CFX_EINVAL); a missing or unreadable
 * file is CFX_ENOENT. */
int cfx_checkpoint_load(const char *path, struct cfx_world *w, const cfx_checkpoint_meta *meta,
                        long *days, cfx_error *err);
/* The latest whole checkpoint of the run writing OUT (the most days in OUT.ckpt) into buf
 * (n bytes); 1 when there is one, 0 when there is none. */
int cfx_checkpoint_latest(char *buf, size_t n, const char *out);
/* Removes OUT.ckpt with the checkpoints in it (those of a run that has finished). */
void cfx_checkpoint_remove(const char *out);
/* Writes the checkpoint's `days` days of series into o, just created. */
int cfx_checkpoint_replay(const char *path, struct cfx_output *o, const struct cfx_world *w,
                          long days, cfx_error *err);

#endif
