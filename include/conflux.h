/* conflux: the public API of libconflux, the library behind the `conflux` command.
 *
 * Everything a program needs to check and run a scenario, run and merge a sweep, analyze a
 * result file, make a synthetic scenario and import ACLED events. Handles are opaque; options
 * and results are plain structs that callers fill or read (zero-initialize them, in the
 * manner of libgit2's option structs, so that fields added later keep their defaults).
 *
 * Conventions: functions return 0 or a negative CFX_E* code and fill a caller-supplied
 * cfx_error (or, for loaders that report every problem they find, a cfx_diags list); an
 * out-parameter comes first and is named out; every *_free accepts NULL. Nothing here
 * prints unless its name says print. Link with `pkg-config --libs conflux`. */
#ifndef CONFLUX_H
#define CONFLUX_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols of the shared library that programs may use; everything else is hidden. */
#if defined(CONFLUX_BUILDING) && defined(__GNUC__)
#define CFX_API __attribute__((visibility("default")))
#else
#define CFX_API
#endif

/* ---------------------------------------------------------------- version */

/* "MAJOR.MINOR.PATCH" of the library, and the git commit it was built from. */
CFX_API const char *cfx_version(void);
CFX_API const char *cfx_git_commit(void);

/* ---------------------------------------------------------------- memory */

/* For a program whose main work is conflux (the conflux command calls it first): glibc's
 * malloc serves blocks below 32 MiB from the heap and keeps up to 64 MiB of freed heap, and a
 * block of 60 MiB at the heap's end is advised onto transparent huge pages, so that the many
 * small blocks of a run (HDF5's, the arrival calendar's, the CSV reader's) take one page
 * fault per 2 MiB instead of per 4 KiB (README.md, "Cost of a run"). The advice is skipped
 * under a limit on address space or data size (ulimit -v, -d) and does nothing where the
 * kernel has no transparent huge pages. Changes no result. Call it before anything else
 * allocates much. */
CFX_API void cfx_memory_setup(void);

/* ---------------------------------------------------------------- errors */

enum {
    CFX_OK = 0,
    CFX_ENOMEM = -1,  /* out of memory (exit 1) */
    CFX_EINVAL = -2,  /* invalid input data (exit 65) */
    CFX_ENOENT = -3,  /* input file missing or unreadable (exit 66) */
    CFX_ECREATE = -4, /* output cannot be created (exit 73) */
    CFX_EIO = -5,     /* I/O error while writing (exit 74) */
    CFX_EHDF5 = -6,   /* HDF5 call failed while writing (exit 74) */
    CFX_EUSAGE = -7,  /* bad command line or --set path (exit 2) */
    CFX_EINTR = -8,   /* interrupted by a signal (exit 130) */
    CFX_EFAIL = -9    /* the run failed for another reason (exit 1) */
};

/* A located error: "file:line:col: msg". */
typedef struct cfx_error {
    int code;       /* one of CFX_E*, 0 when no error */
    char file[256]; /* input file the error is in, "" when none */
    int line;       /* 1-based, 0 when unknown */
    int col;        /* 1-based byte column, 0 when unknown */
    char msg[768];
} cfx_error;

/* A list of errors, for loaders that report every problem they find (conflux check). */
typedef struct cfx_diags {
    cfx_error *v; /* n entries, capacity cap */
    size_t n, cap;
} cfx_diags;

/* Fills err (which may be NULL) and returns code, so callers can `return cfx_error_set(...)`. */
CFX_API int cfx_error_set(cfx_error *err, int code, const char *file, int line, int col,
                          const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "file:line:col: msg", dropping the parts that are unknown. */
CFX_API void cfx_error_format(const cfx_error *err, char *buf, size_t n);
/* The process exit code documented for an error code (README, "Exit codes"). */
CFX_API int cfx_exit_code(int code);
CFX_API void cfx_diags_free(cfx_diags *d);
/* The most severe code in the list: ENOENT beats EINVAL (a missing file is reported as 66). */
CFX_API int cfx_diags_code(const cfx_diags *d);

/* ---------------------------------------------------------------- scenarios */

typedef struct cfx_scenario cfx_scenario;

/* The longest run a scenario may ask for (`days`, or --days), in days. */
#define CFX_DAYS_MAX 1000000L

/* A --set override: a scalar of the scenario by its dotted YAML path. */
typedef struct cfx_override {
    const char *path;
    const char *value;
} cfx_override;

/* Loads a scenario and every table it names, for the default models, after applying the
 * overrides. Every problem goes to d with its place; the return is 0 or the most severe
 * code (CFX_ENOENT for a missing file, CFX_EINVAL for bad data, CFX_EUSAGE for a --set
 * path that nothing reads). */
CFX_API int cfx_scenario_load(cfx_scenario **out, const char *path, const cfx_override *ov,
                              size_t n_ov, cfx_diags *d);
/* The same without its events table (the network, groups and start date only): for tools
 * that write an events table, which may not exist yet. */
CFX_API int cfx_scenario_load_network(cfx_scenario **out, const char *path, cfx_diags *d);
CFX_API void cfx_scenario_free(cfx_scenario *s);
CFX_API const char *cfx_scenario_name(const cfx_scenario *s);
/* The start date as "YYYY-MM-DD" into buf (at least 16 bytes). */
CFX_API void cfx_scenario_start_iso(const cfx_scenario *s, char *buf);
/* Prints what `conflux check` shows of a scenario that loaded: its network, mines, groups,
 * products and events, and the route each mine's trucks take with every road open.
 * CFX_ENOMEM when the routes cannot be computed. */
CFX_API int cfx_scenario_print(const cfx_scenario *s, FILE *f, cfx_error *err);

/* ---------------------------------------------------------------- runs */

typedef struct cfx_run_opts {
    const char *scenario;        /* YAML path */
    const char *output;          /* NULL: results/<scenario name>.h5 */
    const cfx_override *sets;    /* --set, --seed and --days, in order */
    size_t n_sets;
    int threads;                 /* <= 0: 1 */
    int force;                   /* overwrite an existing OUT (and a stale OUT.partial) */
    const char *command_line;    /* stamped into the result */
    const char *created;         /* the `created` attribute (ISO 8601 UTC); NULL: now */
    volatile sig_atomic_t *stop; /* when it becomes non-zero the run stops after the day */
    long checkpoint_every;       /* > 0: write OUT.ckpt/day-NNNNN.h5 every that many days */
    const char *resume;          /* a checkpoint to continue from */
    /* Called after each day (may be NULL). */
    void (*progress)(void *ctx, long day, long days, double elapsed_s);
    void *progress_ctx;
    int checkpoint_on_stop; /* stopped by *stop: first write OUT.ckpt/day-NNNNN.h5 */
    /* 1: flush OUT.partial only when it closes, not after every chunk of days (a sweep's
     * member, which is redone when killed, so its OUT.partial need not open): ~6 % faster
     * for a small network; 0: a killed run's OUT.partial opens and holds every chunk. */
    int flush_at_close;
    /* > 0: a chunk of the result's series holds as many days as keep the widest series' row
     * of days within this many bytes: at least the scenario's output.chunk_days, at most the
     * run (a sweep's members use 1 MiB: a small network's year in one chunk, 300 chunks
     * fewer to compress, a smaller sweep file). Memory: up to this much per series.
     * 0: output.chunk_days. */
    size_t chunk_bytes;
} cfx_run_opts;

typedef struct cfx_run_result {
    char scenario[256];
    char output[1040];     /* the file written (OUT, or OUT.partial when incomplete) */
    long days_run;
    long days;
    int threads;
    double wall_seconds;
    double load_seconds;   /* reading and checking the scenario, allocating the world */
    double output_seconds; /* creating, appending to and closing the HDF5 file */
    uint64_t hop_events;   /* shipment arrivals at nodes */
    uint64_t shipment_days;
    long peak_rss_bytes;
    int complete;
    /* cargo at the end, t: mined; reached a market; on the roads; waiting at nodes; taken;
     * destroyed */
    double produced_t, arrived_t, in_transit_t, stock_t, seized_t, lost_t;
    size_t n_events;
    /* the part of output_seconds the run waited for: all of it but the layout's time beside
     * the world's (on two threads the file is laid out while the world is made); last, so
     * that the fields before keep their places (the struct grew: rebuild against this
     * header) */
    double output_wait_seconds;
} cfx_run_result;

/* Runs a scenario into its result file (written as OUT.partial and renamed to OUT when the
 * run finished). Input problems go to d (with the code returned); run and output problems
 * to err. res is filled as far as the run went. */
CFX_API int cfx_run(const cfx_run_opts *opt, cfx_run_result *res, cfx_diags *d, cfx_error *err);

/* ---------------------------------------------------------------- analysis */

typedef struct cfx_analysis cfx_analysis;

typedef struct cfx_analyze_opts {
    long baseline_from; /* first day of the baseline window (days since start) */
    long baseline_days; /* its length in days; 0: the first 30 days, or fewer in a short run */
    int threads;        /* that read a run's series; 0 or 1: one (added in December 2026:
                           rebuild against this header) */
} cfx_analyze_opts;

/* Reads a run's or a sweep's result file and computes every metric of `conflux analyze`.
 * write_back (sweeps only): add the *_q05, *_q50, *_q95 percentile series to the file; a
 * file that cannot be opened for writing is analysed anyway (cfx_analysis_note says why),
 * and a write-back that fails under way leaves none of them and is told by
 * cfx_analysis_write_error (the metrics are returned all the same). Not a conflux result:
 * CFX_EINVAL naming the reason; missing or unreadable: CFX_ENOENT. */
CFX_API int cfx_analyze_file(cfx_analysis **out, const char *path, const cfx_analyze_opts *o,
                             int write_back, cfx_error *err);
CFX_API void cfx_analysis_free(cfx_analysis *a);
/* 1 for a sweep file, 0 for a run. */
CFX_API int cfx_analysis_is_sweep(const cfx_analysis *a);
/* The metrics by name ("Dy2O3.peak_usd_per_kg", "gate.PangwaGate.t",
 * "group.KIA.revenue_usd", ...; analysis/README.md lists them). */
CFX_API size_t cfx_analysis_metric_count(const cfx_analysis *a);
CFX_API const char *cfx_analysis_metric_name(const cfx_analysis *a, size_t i);
/* A run's value of metric i, or a sweep's median; q (may be NULL) gets the 5th, 50th and
 * 95th percentiles over a sweep's members (a run: the value three times). NaN when absent. */
CFX_API double cfx_analysis_metric(const cfx_analysis *a, size_t i, double q[3]);
/* What happened to the write-back: why the percentile series were not written, or that they
 * were; NULL when nothing was asked or there is nothing to say. */
CFX_API const char *cfx_analysis_note(const cfx_analysis *a);
/* 0, or why a write-back that was under way failed (a file that cannot be opened for writing
 * is not a failure): CFX_EINVAL when a series could not be read (a damaged file), CFX_ENOMEM,
 * or CFX_EHDF5 when it could not be written. The series written before are removed again.
 * (Added in December 2026.) */
CFX_API int cfx_analysis_write_error(const cfx_analysis *a);
/* The tables `conflux analyze` prints, and its --json object. The --json printers here and
 * below write one line (NaN and infinite numbers as null, bytes that are not UTF-8 as
 * U+FFFD) and return 0, CFX_ENOMEM (nothing written) or CFX_EIO when f cannot be written. */
CFX_API void cfx_analysis_print(const cfx_analysis *a, FILE *f);
CFX_API int cfx_analysis_print_json(const cfx_analysis *a, FILE *f);

/* conflux compare: the effect of scenario A against counterfactual B (A - B) for every
 * metric of conflux analyze. Two runs: the differences. Two sweeps of as many members (the
 * same sweep file over both scenarios gives member i the same seed): the median and 5th and
 * 95th percentile of the member-by-member differences. Otherwise (a sweep against a run, or
 * sweeps of other sizes): A's median minus B's with a 5-95 % bootstrap interval. The files
 * must cover the same days, products, gates and groups (else CFX_EINVAL saying what
 * differs). */
typedef struct cfx_compare cfx_compare;
CFX_API int cfx_compare_files(cfx_compare **out, const char *a, const char *b, cfx_error *err);
CFX_API void cfx_compare_free(cfx_compare *c);
/* The effect table (the headline metrics), and every metric as one JSON object. */
CFX_API void cfx_compare_print(const cfx_compare *c, FILE *f);
CFX_API int cfx_compare_print_json(const cfx_compare *c, FILE *f);
/* The per-day differences A - B of every series the two files share, as a copy of A (its
 * coordinates, labels and attributes; a sweep keeps its members, each against B's same
 * member) without its codes and events, written as out.partial and renamed. An existing out
 * without force: CFX_ECREATE. Unpaired files: CFX_EUSAGE. */
CFX_API int cfx_compare_write(const cfx_compare *c, const char *out, int force, cfx_error *err);

/* A run's summary as `conflux run` prints it at the end (text), and its --json object; a
 * (may be NULL when the result cannot be read) is the analysis of res->output. */
CFX_API void cfx_run_print_summary(const cfx_run_result *res, const cfx_analysis *a, FILE *f);
CFX_API int cfx_run_print_json(const cfx_run_result *res, const cfx_analysis *a, FILE *f);

/* ---------------------------------------------------------------- event timelines */

typedef struct cfx_events cfx_events;

/* One event of a result file, with the file's own labels (the strings belong to the
 * cfx_events). */
typedef struct cfx_event_row {
    double day;             /* when, days since the start (event_time) */
    char date[16];          /* ISO date of start + floor(day); "" when the start is unknown */
    const char *kind;       /* event_kind's name (its flag_meanings) */
    const char *node;       /* node id; NULL: none */
    const char *node_name;  /* the node's name; NULL: none, or the file has no node_name */
    const char *edge;       /* road "from-to" by node id; NULL: none */
    const char *edge_name;  /* "FROM NAME to TO NAME"; NULL: none, or no names */
    const char *group;      /* group that acted; NULL: not known */
    double days;            /* duration before reversal, days; 0: until reversed */
    size_t order;           /* position in the file (ties in time keep it) */
} cfx_event_row;

/* Reads the events of a run's result file or of one member of a sweep's (member < 0: member
 * 0, which cfx_events_note then mentions), sorted by time, file order for ties. member >= 0
 * on a run, or past a sweep's members: CFX_EUSAGE. Not a conflux result: CFX_EINVAL naming
 * the reason; missing or unreadable: CFX_ENOENT. */
CFX_API int cfx_events_read(cfx_events **out, const char *path, long member, cfx_error *err);
CFX_API void cfx_events_free(cfx_events *e);
CFX_API size_t cfx_events_count(const cfx_events *e);
CFX_API const cfx_event_row *cfx_events_get(const cfx_events *e, size_t i);
/* Keeps only the events whose kind is in list (comma-separated names, any case). A name
 * that is no kind of the file: CFX_EUSAGE, the message listing the kinds. */
CFX_API int cfx_events_keep_kinds(cfx_events *e, const char *list, cfx_error *err);
/* Something to tell the user (the member chosen by default, a member that failed), or NULL. */
CFX_API const char *cfx_events_note(const cfx_events *e);
/* The timeline as an aligned table: date, day, kind, place, group, days, name. */
CFX_API void cfx_events_print(const cfx_events *e, FILE *f);
/* The timeline as CSV (date,day,kind,node,edge,group,days,name) written to path through
 * path.partial and a rename; an existing path only with force (else CFX_ECREATE). */
CFX_API int cfx_events_write_csv(const cfx_events *e, const char *path, int force,
                                 cfx_error *err);

/* ---------------------------------------------------------------- sweeps */

typedef struct cfx_sweep cfx_sweep;

/* Reads the sweep file and expands it against the scenario into a fixed list of members,
 * each the scenario plus overrides and a seed derived from (base seed, member index). Every
 * problem (a bad design, an unknown parameter path, a value of the wrong type, a path that
 * would change the network or the time axis) is added to d at its place in the sweep file;
 * the scenario itself must load. Returns 0 or the most severe code (CFX_ENOENT, CFX_EINVAL). */
CFX_API int cfx_sweep_load(cfx_sweep **out, const char *scenario, const char *sweep_path,
                           cfx_diags *d);
CFX_API void cfx_sweep_free(cfx_sweep *sw);
CFX_API size_t cfx_sweep_member_count(const cfx_sweep *sw);
/* "sobol design, 4 replicates": the design and replicates, for messages (buf: n bytes). */
CFX_API void cfx_sweep_describe(const cfx_sweep *sw, char *buf, size_t n);

typedef struct cfx_sweep_opts {
    const char *dir;
    size_t shard_k, shard_n;     /* run members with m % shard_n == shard_k; 0/1: all */
    int jobs;                    /* members at a time (local driver) */
    int resume;                  /* skip members whose file is complete */
    int progress;                /* 0 none, 1 a line now and then, 2 a live line (a terminal) */
    volatile sig_atomic_t *stop; /* set by a signal: no new members are started, and the
                                    running ones stop after their day with a checkpoint */
    const char *scratch;         /* NULL, or where members are written before being copied
                                    into DIR complete (node-local disk) */
    int dealer_only;             /* MPI: rank 0 deals members and runs none */
} cfx_sweep_opts;

typedef struct cfx_sweep_tally {
    size_t todo, skipped, ok, failed; /* this process's (or this MPI job's) share */
    size_t stopped;                   /* stopped by a signal, with a checkpoint to resume */
    double shown_s;                   /* when the progress line was last drawn */
} cfx_sweep_tally;

/* Creates DIR (one level) and writes DIR/sweep.yaml (the sweep file) and DIR/members.csv
 * (member, seed and each parameter's value), or checks that the ones there are the same
 * sweep: a DIR holding another sweep is CFX_ECREATE. Records DIR/created, the sweep's time
 * (ISO 8601 UTC: SOURCE_DATE_EPOCH when set, else now), unless DIR has one: the first
 * shard to get here wins. A malformed SOURCE_DATE_EPOCH is CFX_EUSAGE, before DIR is made.
 * Safe to call from every shard. */
CFX_API int cfx_sweep_prepare(const cfx_sweep *sw, const char *dir, cfx_error *err);
/* The members this invocation runs, in order, into todo (cfx_sweep_member_count entries);
 * without resume an existing member file is CFX_ECREATE (nothing is overwritten). */
CFX_API int cfx_sweep_todo(const cfx_sweep *sw, const cfx_sweep_opts *o, size_t *todo,
                           size_t *n_todo, cfx_sweep_tally *t, cfx_error *err);
/* Runs the todo list, o->jobs members at a time, in o->jobs worker processes that each run
 * one member after another (a member that crashes takes only its worker with it, and is
 * noted as failed; a new worker takes the next member). CFX_EINTR when stopped by a
 * signal. */
CFX_API int cfx_sweep_run_local(const cfx_sweep *sw, const cfx_sweep_opts *o,
                                const size_t *todo, size_t n_todo, cfx_sweep_tally *t,
                                cfx_error *err);
/* Runs member m in this process, single-threaded, into DIR/member-NNNNN.h5 (replacing an
 * incomplete one), with DIR/created as its `created` attribute: the file has the same bytes
 * whichever process, rank or shard runs it, and when. With o->scratch the member is written
 * there and copied into DIR when complete. On failure the message goes to
 * DIR/member-NNNNN.error, which a success removes. When *o->stop is set the member stops
 * after its day, leaving DIR/member-NNNNN.h5.ckpt/day-NNNNN.h5, from which it goes on when
 * it is run again with o->resume. Returns CFX_MEMBER_OK, _FAILED or _STOPPED.
 * poll (may be NULL) is called after every simulated day: the MPI driver serves other
 * ranks from it. */
CFX_API int cfx_sweep_run_member(const cfx_sweep *sw, size_t m, const cfx_sweep_opts *o,
                                 void (*poll)(void *), void *poll_ctx);
/* Prints the error notes of those of members (at most max) that failed, to f. */
CFX_API void cfx_sweep_print_failures(const char *dir, const size_t *members, size_t n,
                                      size_t max, FILE *f);
/* The progress line on stderr: members done, failed and time left. */
CFX_API void cfx_sweep_progress(const cfx_sweep_opts *o, cfx_sweep_tally *t, double elapsed_s,
                                int last);

typedef struct cfx_merge_report {
    size_t members, ok, failed, missing;
    size_t first_missing[8]; /* the first few missing members, for the message */
} cfx_merge_report;

/* Joins DIR's member files into out (a leading `member` dimension, member_seed,
 * member_status, member_error, param_*), written as out.partial and renamed; an existing
 * out is replaced (it is derived from DIR). Members without a complete file are marked
 * failed (with DIR/member-NNNNN.error) or missing, their series filled with _FillValue. */
CFX_API int cfx_sweep_merge(const char *dir, const char *out, cfx_merge_report *rep,
                            cfx_error *err);
/* The same, with the member files read by `jobs` processes forked for the purpose (each
 * reads every jobs-th member; this process writes them in order): the same bytes as
 * cfx_sweep_merge, in about half the time on two cores. jobs <= 1: this process only. Not
 * for a process that must not fork (an MPI rank). */
CFX_API int cfx_sweep_merge_jobs(const char *dir, const char *out, int jobs,
                                 cfx_merge_report *rep, cfx_error *err);

/* The members of DIR that a merge would mark missing (no complete file, no error note), in
 * order, into *missing (malloc'd; free it) and *n_missing. */
CFX_API int cfx_sweep_missing(const char *dir, size_t **missing, size_t *n_missing,
                              cfx_error *err);

/* MPI. 1 when this process was started by an MPI launcher (mpirun, srun) with more than
 * one rank; -1 when it is one of several tasks of a Slurm step without an MPI plugin (each
 * would run the whole sweep); 0 otherwise. */
CFX_API int cfx_sweep_mpi_launched(void);
/* Starts MPI. Without CONFLUX_MPI: CFX_EUSAGE, saying how to build it. */
CFX_API int cfx_sweep_mpi_init(int *rank, int *size, cfx_error *err);
/* Rank 0's rc, on every rank (so that all stop when rank 0 found a problem). */
CFX_API int cfx_sweep_mpi_agree(int rc);
/* Deals rank 0's todo list to the ranks of MPI_COMM_WORLD one member at a time, as each asks
 * for more (dynamic balance; rank 0 works too, and deals between days of its own members).
 * Returns when every rank is done; rank 0's tally counts every member. */
CFX_API int cfx_sweep_run_mpi(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                              size_t n_todo, cfx_sweep_tally *t, cfx_error *err);
/* Ends MPI when it was started; a no-op otherwise. */
CFX_API void cfx_sweep_mpi_finalize(void);

/* ---------------------------------------------------------------- synthetic scenarios */

typedef struct cfx_gen_opts {
    const char *dir;        /* where scenario.yaml and its tables go (created) */
    int random;             /* 1: a random planar-like graph; 0: a grid */
    long nodes, mines, sinks;
    long shipments;         /* truckloads in flight from day 0 */
    long days;
    double km_min, km_max;  /* road lengths, km, uniform */
    double speed_kmh;       /* truck speed, km/h */
    long seed;
    int force;              /* replace DIR/scenario.yaml */
    double capacity_t_per_day; /* every road's daily capacity, t/day; 0: none */
} cfx_gen_opts;

/* Writes a synthetic scenario for scale tests (conflux gen). *roads gets the roads made. */
CFX_API int cfx_gen(const cfx_gen_opts *o, long *roads, cfx_error *err);

/* ---------------------------------------------------------------- fit and validate */

/* Scenarios against observed tables (scenarios/README.md, "Observed data"): each
 * observation is scored on the scenario whose run covers its date and its reference's. */

/* A parameter to fit: one value for every dotted path in paths (comma-separated, e.g.
 * "market.products.Dy2O3.disruption_days,market.products.Tb4O7.disruption_days"), in
 * [low, high]. */
typedef struct cfx_fit_param {
    const char *paths;
    double low, high;
} cfx_fit_param;

typedef struct cfx_fit_opts {
    const char *const *scenarios; /* YAML paths */
    size_t n_scenarios;
    const char *const *observed;  /* observed tables (CSV) */
    size_t n_observed;
    const cfx_fit_param *params;  /* fit: what to fit (ignored by validate) */
    size_t n_params;
    const cfx_override *sets;     /* --set, applied to every scenario */
    size_t n_sets;
    long samples;                 /* Latin-hypercube samples before the local search;
                                     <= 0: 10 per parameter, at least 20 */
    long max_iter;                /* Nelder-Mead iterations; <= 0: 300 */
    unsigned long seed;           /* the sample's seed */
    int threads;                  /* each run's OpenMP threads; <= 0: 1 */
} cfx_fit_opts;

/* A fit's or a validation's outcome: the parameters (a fit), the scores of every
 * observation, the observations that no scenario covers. */
typedef struct cfx_fit cfx_fit;

/* Fits the parameters to the observations: a Latin-hypercube sample of the box, then
 * Nelder-Mead (GSL's nmsimplex2) from the best sample point, on the loss of
 * scenarios/README.md ("conflux fit"). Input problems go to d (with the code returned). */
CFX_API int cfx_fit_run(cfx_fit **out, const cfx_fit_opts *o, cfx_diags *d, cfx_error *err);
/* Runs every scenario once and scores the observations (no parameters). */
CFX_API int cfx_validate(cfx_fit **out, const cfx_fit_opts *o, cfx_diags *d, cfx_error *err);
CFX_API void cfx_fit_free(cfx_fit *f);
/* The fitted value of parameter i, the loss, the runs made. */
CFX_API double cfx_fit_value(const cfx_fit *f, size_t i);
CFX_API double cfx_fit_loss(const cfx_fit *f);
CFX_API long cfx_fit_runs(const cfx_fit *f);
/* Observations outside their tolerance, and observations no scenario covers. */
CFX_API size_t cfx_fit_misses(const cfx_fit *f);
CFX_API size_t cfx_fit_uncovered(const cfx_fit *f);
/* The fitted values (a fit) and the scorecard, as a table or as one JSON object. */
CFX_API void cfx_fit_print(const cfx_fit *f, FILE *out);
CFX_API int cfx_fit_print_json(const cfx_fit *f, FILE *out);

/* ---------------------------------------------------------------- ACLED events */

typedef struct cfx_acled_opts {
    double radius_km;     /* an event farther than this from every node and road is dropped */
    double town_km;       /* an event this close to a node is at the node, even beside a road */
    long from_day;        /* keep events dated from this day (days since 1970-01-01) ... */
    long to_day;          /* ... to this one, both inclusive */
    double fight_days;    /* how long an armed clash keeps a node contested, days */
    double strike_days;   /* how long a strike cuts its node or road, days */
    double strike_loss_p; /* chance that a truck at a struck node or road is lost */
    double mine_damage;   /* share of a mine's equipment destroyed by looting/destruction */
    double post_seize_p;  /* chance that a new base's checkpoint seizes a truck */
    const char *actors;   /* an actors CSV (actor,group) laid over the built-in table; or NULL */
} cfx_acled_opts;

typedef struct cfx_acled_result cfx_acled_result;

/* The defaults documented in scenarios/README.md ("Importing ACLED events"). */
CFX_API cfx_acled_opts cfx_acled_opts_default(void);
/* Days since 1970-01-01 of "2025-05-16" or "16 May 2025"; -1 when not a valid date. */
CFX_API int cfx_acled_parse_date(const char *s, long *out);
/* Reads an ACLED export and maps every row onto the scenario's network. Rows that cannot be
 * read go to d and are dropped (the return is 0 all the same). */
CFX_API int cfx_acled_import(cfx_acled_result **out, const cfx_scenario *s, const char *path,
                             const cfx_acled_opts *o, cfx_diags *d);
CFX_API void cfx_acled_free(cfx_acled_result *r);
/* Rows that could not be read. */
CFX_API size_t cfx_acled_malformed(const cfx_acled_result *r);
/* Writes the events table to events_path and, when report_path is not NULL, the row-by-row
 * report, each through PATH.partial and a rename; an existing file only with force. */
CFX_API int cfx_acled_write(const cfx_acled_result *r, const char *events_path,
                            const char *report_path, int force, cfx_error *err);
/* Counts by kind and target, and drops by reason, for a terminal. */
CFX_API void cfx_acled_print_summary(const cfx_acled_result *r, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
