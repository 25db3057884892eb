/* Parameter sweeps (DESIGN §7): a sweep file expanded into a fixed list of members, each the
 * scenario plus overrides and a seed derived from (base seed, member index); members run
 * several at a time, as MPI ranks or as shards of a Slurm array, into DIR/member-NNNNN.h5,
 * and merge into one file with a leading `member` dimension. */
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

typedef struct cfx_sweep {
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
} cfx_sweep;

/* Reads the sweep file and expands it against the scenario. Every problem (a bad design, an
 * unknown parameter path, a value of the wrong type, a path that would change the network
 * or the time axis) is added to d at its place in the sweep file; the scenario itself must
 * load. Returns 0 or the most severe code (CFX_ENOENT, CFX_EINVAL). */
int cfx_sweep_load(cfx_sweep **out, const char *scenario, const char *sweep_path, cfx_diags *d);
void cfx_sweep_free(cfx_sweep *sw); /* NULL is a no-op */

/* The seed of member m: the first 64 bits of Philox keyed by (base, CFX_STREAM_SWEEP_SEED, m),
 * below 2^53 so that every reader holds it exactly. */
uint64_t cfx_sweep_member_seed(uint64_t base, size_t m);

/* Where member m's file, error note and the sweep's manifest go (buf of n bytes). */
void cfx_sweep_member_path(char *buf, size_t n, const char *dir, size_t m, const char *ext);

/* A member's result: the same as `conflux run` with these options. */
typedef enum { CFX_MEMBER_OK, CFX_MEMBER_FAILED, CFX_MEMBER_MISSING } cfx_member_status;
extern const char *const cfx_member_status_names[3];

/* Creates DIR (one level) and writes DIR/sweep.yaml (the sweep file) and DIR/members.csv
 * (member, seed and each parameter's value), or checks that the ones there are the same
 * sweep: a DIR holding another sweep is CFX_ECREATE. Records DIR/created, the sweep's time
 * (ISO 8601 UTC: SOURCE_DATE_EPOCH when set, else now), unless DIR has one: the first
 * shard to get here wins. A malformed SOURCE_DATE_EPOCH is CFX_EUSAGE, before DIR is made.
 * Safe to call from every shard. */
int cfx_sweep_prepare(const cfx_sweep *sw, const char *dir, cfx_error *err);

/* Runs member m in this process, single-threaded, into DIR/member-NNNNN.h5 (replacing an
 * incomplete one), with DIR/created as its `created` attribute: the file has the same bytes
 * whichever process, rank or shard runs it, and when. On failure the message goes to
 * DIR/member-NNNNN.error, which a success removes. Returns CFX_MEMBER_OK or
 * CFX_MEMBER_FAILED. poll (may be NULL) is called after every simulated day: the MPI driver
 * serves other ranks from it. */
int cfx_sweep_run_member(const cfx_sweep *sw, size_t m, const char *dir, void (*poll)(void *),
                         void *poll_ctx);

typedef struct cfx_sweep_opts {
    const char *dir;
    size_t shard_k, shard_n;     /* run members with m % shard_n == shard_k; 0/1: all */
    int jobs;                    /* members at a time (local driver) */
    int resume;                  /* skip members whose file is complete */
    int progress;                /* 0 none, 1 a line now and then, 2 a live line (a terminal) */
    volatile sig_atomic_t *stop; /* set by a signal: no new members are started */
} cfx_sweep_opts;

typedef struct cfx_sweep_tally {
    size_t todo, skipped, ok, failed; /* this process's (or this MPI job's) share */
    double shown_s;                   /* when the progress line was last drawn */
} cfx_sweep_tally;

/* The members this invocation runs, in order, into todo (n_members entries); without
 * resume an existing member file is CFX_ECREATE (nothing is overwritten). */
int cfx_sweep_todo(const cfx_sweep *sw, const cfx_sweep_opts *o, size_t *todo, size_t *n_todo,
                   cfx_sweep_tally *t, cfx_error *err);

/* Runs the todo list, o->jobs members at a time, each in a child process (a member that
 * crashes takes nobody with it). CFX_EINTR when stopped by a signal. */
int cfx_sweep_run_local(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                        size_t n_todo, cfx_sweep_tally *t, cfx_error *err);

/* The progress line: members done, failed and time left. */
void cfx_sweep_progress(const cfx_sweep_opts *o, cfx_sweep_tally *t, double elapsed_s, int last);

/* --- sim/sweep_merge.c: the HDF5 side --- */

/* 1 when path is a result file whose attribute complete is 1. */
int cfx_sweep_member_complete(const char *path);

typedef struct cfx_merge_report {
    size_t members, ok, failed, missing;
    size_t first_missing[8]; /* the first few missing members, for the message */
} cfx_merge_report;

/* Joins DIR's member files into out (DESIGN §4: a leading `member` dimension, member_seed,
 * member_status, member_error, param_*), written as out.partial and renamed; an existing
 * out is replaced (it is derived from DIR). Members without a complete file are marked
 * failed (with DIR/member-NNNNN.error) or missing, their series filled with _FillValue. */
int cfx_sweep_merge(const char *dir, const char *out, cfx_merge_report *rep, cfx_error *err);

/* --- sim/mpi_sweep.c --- */

/* 1 when this process was started by an MPI launcher (mpirun, srun) with more than one rank. */
int cfx_sweep_mpi_launched(void);
/* Starts MPI. Without CONFLUX_MPI: CFX_EUSAGE, saying how to build it. */
int cfx_sweep_mpi_init(int *rank, int *size, cfx_error *err);
/* Rank 0's rc, on every rank (so that all stop when rank 0 found a problem). */
int cfx_sweep_mpi_agree(int rc);
/* Deals rank 0's todo list to the ranks of MPI_COMM_WORLD one member at a time, as each asks
 * for more (dynamic balance; rank 0 works too, and deals between days of its own members).
 * Returns when every rank is done; rank 0's tally counts every member. */
int cfx_sweep_run_mpi(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                      size_t n_todo, cfx_sweep_tally *t, cfx_error *err);
/* Ends MPI when it was started; a no-op otherwise. */
void cfx_sweep_mpi_finalize(void);

#endif
