/* conflux sweep: options, the shard (from --shard or Slurm's array variables), the local or
 * MPI driver, and the merge at the end of a sweep that is not sharded. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static volatile sig_atomic_t stop_requested; /* SIGINT, SIGTERM */

/* --shard K/N; --shards N with K Slurm's array task id; or, with neither, Slurm's array
 * task among the array's tasks. */
static int shard_from(const char *arg, const char *count, long *k, long *n)
{
    char buf[64];
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
    if (count && arg)
        return cfx_cli_usage("sweep", "--shard K/N and --shards N: give one");
    if (count) {
        if (cfx_cli_parse_long(count, 1, 1L << 30, n))
            return cfx_cli_usage("sweep", "--shards takes a count from 1, got '%s'", count);
        if (!id)
            return cfx_cli_usage("sweep", "--shards N takes the shard from SLURM_ARRAY_TASK_ID, "
                                          "which is not set (outside an array: --shard K/N)");
        if (cfx_cli_parse_long(id, 0, 1L << 30, k) || *k >= *n)
            return cfx_cli_usage("sweep", "Slurm array task %s is not a shard of --shards %ld "
                                          "(shards are 0 to %ld)", id, *n, *n - 1);
        return 0;
    }
    if (!arg) {
        const char *min = getenv("SLURM_ARRAY_TASK_MIN"), *step = getenv("SLURM_ARRAY_TASK_STEP");
        if (!id || !cnt)
            return 0;
        long lo = 0, st = 1;
        if ((min && cfx_cli_parse_long(min, 0, 1L << 30, &lo)) ||
            (step && cfx_cli_parse_long(step, 1, 1L << 30, &st)) || st != 1)
            return cfx_cli_usage("sweep",
                                 "a Slurm array for a sweep must count up by one "
                                 "(--array=0-N), got step %s; or give --shards N",
                                 step ? step : "?");
        if (cfx_cli_parse_long(id, 0, 1L << 30, k) || cfx_cli_parse_long(cnt, 1, 1L << 30, n))
            return cfx_cli_usage("sweep", "bad SLURM_ARRAY_TASK_ID '%s' or COUNT '%s'", id, cnt);
        *k -= lo;
        if (*k >= *n)
            return cfx_cli_usage("sweep",
                                 "Slurm array task %s is not one of %ld tasks from %ld; give "
                                 "the shard count with --shards N (as scripts/slurm does), so "
                                 "that a resubmitted --array=3,7 keeps its numbering",
                                 id, *n, lo);
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", arg);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    if (!slash || cfx_cli_parse_long(buf, 0, 1L << 30, k) ||
        cfx_cli_parse_long(slash + 1, 1, 1L << 30, n) || *k >= *n)
        return cfx_cli_usage("sweep", "--shard takes K/N with 0 <= K < N, got '%s'", arg);
    return 0;
}

static const char help_sweep[] =
    "usage: conflux sweep SCENARIO.yaml SWEEP.yaml -o DIR [--jobs N] [--shard K/N | --shards N]\n"
    "                     [--resume] [--scratch DIR] [--dealer] [--quiet]\n"
    "\n"
    "Runs every member of the sweep (the scenario plus the member's parameter values, with a\n"
    "seed derived from the base seed and the member index), each single-threaded, into\n"
    "DIR/member-NNNNN.h5, then merges them into DIR/sweep.h5 (a leading `member`\n"
    "dimension, member_seed, member_status, member_error, param_*). DIR also gets\n"
    "sweep.yaml, members.csv (member, seed, values) and created: the time the sweep began\n"
    "(SOURCE_DATE_EPOCH when set), every member's `created` attribute, so that a member's\n"
    "file has the same bytes wherever and whenever it runs. A member that fails is recorded in\n"
    "DIR/member-NNNNN.error and does not stop the others; the exit status is then 1.\n"
    "\n"
    "  -o DIR          where the files go (created if missing; its parent must exist)\n"
    "  --jobs N        members at a time (default: the cores this process may use)\n"
    "  --shard K/N     run only members with index % N == K and do not merge; then run\n"
    "                  conflux merge DIR\n"
    "  --shards N      the same, K being SLURM_ARRAY_TASK_ID: an array of N shards, any of\n"
    "                  which may be resubmitted alone (--array=3,7). In an array without\n"
    "                  either: SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT\n"
    "  --resume        skip members whose file is complete, go on from the checkpoint of a\n"
    "                  member that was stopped, and redo the rest; without it, an existing\n"
    "                  member file is an error (nothing is overwritten)\n"
    "  --scratch DIR   write each member in DIR (node-local disk) and copy it into -o DIR\n"
    "                  when it is complete\n"
    "  --dealer        under MPI, rank 0 only deals members (it runs none): for many ranks\n"
    "  --quiet         no progress line\n"
    "SIGTERM or SIGINT (Slurm's time limit, preemption, Ctrl-C) starts no new member and stops\n"
    "the running ones after their day, each leaving DIR/member-NNNNN.h5.ckpt; the exit status\n"
    "is 130 and --resume goes on from there. Under mpirun or srun with N ranks (a conflux\n"
    "built with -DCONFLUX_MPI=ON) members are dealt to the ranks as they become free; the\n"
    "files are the same as those of a local sweep.\n";

static int cfx_cmd_sweep(int argc, char **argv)
{
    const char *scenario = NULL, *sweep_file = NULL, *dir = NULL, *shard = NULL, *v;
    const char *shards = NULL, *scratch = NULL;
    long jobs = 0;
    int quiet = 0, resume = 0, dealer = 0, code = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "sweep");
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--resume") == 0)
            resume = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--output")) ||
                 (v = cfx_cli_optval(argc, argv, &i, "-o")))
            dir = v;
        else if (strcmp(a, "--dealer") == 0)
            dealer = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--shard")))
            shard = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--shards")))
            shards = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--scratch")))
            scratch = v;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--jobs"))) {
            int bad = cfx_cli_parse_jobs("sweep", v, &jobs);
            if (bad)
                return bad;
        } else if (a[0] == '-' && a[1])
            return cfx_cli_usage("sweep", "unknown option or missing value: '%s'", a);
        else if (!scenario)
            scenario = a;
        else if (!sweep_file)
            sweep_file = a;
        else
            return cfx_cli_usage("sweep", "unexpected argument '%s'", a);
    }
    if (!scenario || !sweep_file)
        return cfx_cli_usage("sweep", "needs SCENARIO.yaml and SWEEP.yaml");
    if (!dir || !*dir)
        return cfx_cli_usage("sweep", "needs -o DIR (where member files and sweep.h5 go)");
    long k = 0, n = 1;
    if ((code = shard_from(shard, shards, &k, &n)))
        return code;
    if (scratch && (!*scratch || (mkdir(scratch, 0777) && errno != EEXIST))) {
        cfx_error e;
        cfx_error_set(&e, CFX_ECREATE, scratch, 0, 0, "cannot create the scratch directory: %s",
                      *scratch ? strerror(errno) : "empty path");
        cfx_cli_print_error(&e);
        return cfx_exit_code(CFX_ECREATE);
    }

    cfx_sweep_opts o = {.dir = dir,
                        .shard_k = (size_t)k,
                        .shard_n = (size_t)n,
                        .jobs = jobs ? (int)jobs : cfx_cli_cores(),
                        .resume = resume,
                        .progress = quiet       ? 0
                                    : isatty(2) ? 2
                                                : 1,
                        .stop = &stop_requested,
                        .scratch = scratch,
                        .dealer_only = dealer};
    int mpi = cfx_sweep_mpi_launched(), rank = 0, size = 1, rc = 0;
    if (mpi < 0)
        return cfx_cli_usage("sweep", "started as one of %s tasks of a Slurm step without MPI: "
                                      "every task would run the whole sweep; launch it with "
                                      "srun --mpi=pmix (srun --mpi=list shows the plugins)",
                             getenv("SLURM_STEP_NUM_TASKS"));
    cfx_error err = {0};
    cfx_diags d = {0};
    cfx_sweep *sw = NULL;
    size_t *todo = NULL, n_todo = 0;
    cfx_sweep_tally t = {0};
    if (mpi && (rc = cfx_sweep_mpi_init(&rank, &size, &err))) {
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    if (rank != 0)
        o.progress = 0;
    /* Every rank loads the sweep (the same files); rank 0 alone reports and prepares DIR. */
    rc = cfx_sweep_load(&sw, scenario, sweep_file, &d);
    if (rc) {
        if (rank == 0)
            cfx_cli_print_diags(&d);
        goto done;
    }
    if (rank == 0) {
        if (!(todo = malloc((cfx_sweep_member_count(sw) + 1) * sizeof *todo)))
            rc = cfx_error_set(&err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        if (!rc)
            rc = cfx_sweep_prepare(sw, dir, &err);
        if (!rc)
            rc = cfx_sweep_todo(sw, &o, todo, &n_todo, &t, &err);
        if (rc)
            cfx_cli_print_error(&err);
    }
    if (mpi)
        rc = cfx_sweep_mpi_agree(rc);
    if (rc)
        goto done;
    cfx_cli_catch_stop(&stop_requested);
    if (rank == 0 && !quiet) {
        char what[64];
        cfx_sweep_describe(sw, what, sizeof what);
        fprintf(stderr, "sweep: %zu members (%s)%s; %zu to run%s\n", cfx_sweep_member_count(sw),
                what, n > 1 ? " in shards" : "", n_todo, mpi ? " on MPI ranks" : "");
    }
    rc = mpi ? cfx_sweep_run_mpi(sw, &o, todo, n_todo, &t, &err)
             : cfx_sweep_run_local(sw, &o, todo, n_todo, &t, &err);
    if (rank != 0)
        goto done;
    if (rc)
        cfx_cli_print_error(&err);
    cfx_sweep_print_failures(dir, todo, n_todo, 5, stderr); /* the rest: sweep.h5 */
    if (!rc && n == 1) {
        char out[1100];
        cfx_merge_report rep = {0};
        snprintf(out, sizeof out, "%s/sweep.h5", dir);
        /* under MPI this rank must not fork: the merge reads in this process */
        if ((rc = cfx_sweep_merge_jobs(dir, out, mpi ? 1 : o.jobs, &rep, &err)))
            cfx_cli_print_error(&err);
        else if (!quiet)
            fprintf(stderr, "sweep: %zu members: %zu ok, %zu failed, %zu missing; merged into %s\n",
                    rep.members, rep.ok, rep.failed, rep.missing, out);
    } else if (!rc && !quiet) {
        fprintf(stderr,
                "shard %ld/%ld: %zu members run (%zu ok, %zu failed), %zu already complete; "
                "when every shard is done: conflux merge %s\n",
                k, n, t.ok + t.failed, t.ok, t.failed, t.skipped, dir);
    }
    if (!rc && t.failed)
        rc = CFX_EFAIL;
done:
    code = cfx_exit_code(rc);
    cfx_diags_free(&d);
    cfx_sweep_free(sw);
    free(todo);
    if (mpi)
        cfx_sweep_mpi_finalize();
    return code;
}

const cfx_command cfx_command_sweep = {
    .name = "sweep",
    .run = cfx_cmd_sweep,
    .usage = "sweep SCENARIO.yaml SWEEP.yaml -o DIR",
    .summary = "run an ensemble of members (locally, under MPI, as Slurm shards)",
    .help = help_sweep};
