/* Parameter sweeps: a sweep file expanded into a fixed list of members, each the scenario
 * plus overrides and a seed derived from (base seed, member index); members run several at a
 * time, as MPI ranks or as shards of a Slurm array, into DIR/member-NNNNN.h5, and merge into
 * one file with a leading `member` dimension. The entry points are conflux.h's; this is what
 * the sweep modules share (design.c reads and expands, runner.c runs members, merge.c joins
 * them, mpi.c deals them to ranks). */
#ifndef CFX_SWEEP_H
#define CFX_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "io/scenario.h"

/* The Philox stream of member seeds and of the Latin hypercube (sim/rng.h lists the
 * engine's streams, all below 16; these stay clear of them). */
enum { CFX_STREAM_SWEEP_SEED = 0x5357, CFX_STREAM_SWEEP_LHS = 0x5358 };

typedef enum { CFX_DESIGN_GRID, CFX_DESIGN_LIST, CFX_DESIGN_SOBOL, CFX_DESIGN_LHS } cfx_design;
extern const char *const cfx_design_names[4];

typedef struct cfx_sweep_param {
    char *path;      /* dotted path into the scenario */
    size_t n_values; /* grid and list: the values as written */
    char **values;
    double lo, hi; /* sobol and lhs: uniform on [lo, hi] */
    int integer;   /* sobol and lhs, `integer: true`: drawn values are rounded */
    int bad;       /* its entry in the file has an error (reported): not probed */
} cfx_sweep_param;

struct cfx_sweep {
    char *scenario; /* the scenario's path */
    char *path;     /* the sweep file's path */
    char *text;     /* the sweep file as read (kept in DIR and in the merged file) */
    size_t text_len;
    cfx_design design;
    size_t samples;     /* sobol and lhs */
    size_t replicates;  /* runs per design point, >= 1 */
    uint64_t base_seed; /* the scenario's seed, or the sweep file's `seed` */
    size_t n_params;
    cfx_sweep_param *params;
    size_t n_points, n_members; /* members = points * replicates, replicates innermost */
    char **values;              /* n_members * n_params, row per member: the values as text */
    uint64_t *seed;             /* n_members derived seeds */
};

/* The seed of member m: the first 64 bits of Philox keyed by (base, CFX_STREAM_SWEEP_SEED, m),
 * below 2^53 so that every reader holds it exactly. */
uint64_t cfx_sweep_member_seed(uint64_t base, size_t m);

/* Where member m's file, error note and the sweep's manifest go (buf of n bytes). */
void cfx_sweep_member_path(char *buf, size_t n, const char *dir, size_t m, const char *ext);

/* CFX_EINTR, saying how many members are done and stopped, when *o->stop is set and
 * members of the todo list are not done; else 0. */
int cfx_sweep_interrupted(const cfx_sweep_opts *o, const cfx_sweep_tally *t, size_t n_todo,
                          cfx_error *err);

/* A member's result: the same as `conflux run` with these options. */
typedef enum {
    CFX_MEMBER_OK,
    CFX_MEMBER_FAILED,
    CFX_MEMBER_MISSING,
    CFX_MEMBER_STOPPED /* by a signal, with a checkpoint; missing until it is run again */
} cfx_member_status;
extern const char *const cfx_member_status_names[3];

#endif
