/* conflux run: options, signals, the progress bar, and the summary at the end. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static volatile sig_atomic_t stop_requested; /* SIGINT, SIGTERM */

typedef struct progress {
    double last;   /* seconds when last drawn */
} progress;

/* A live bar on a terminal: days done, rate and time left. */
static void draw(void *ctx, long day, long days, double elapsed)
{
    progress *p = ctx;
    if (day < days && elapsed - p->last < 0.1)
        return;
    p->last = elapsed;
    int width = 30, fill = (int)(width * day / (days ? days : 1));
    double rate = elapsed > 0 ? (double)day / elapsed : 0;
    double left = rate > 0 ? (double)(days - day) / rate : 0;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] day %ld/%ld  %.0f days/s  %.1f s left ", bar, day, days, rate, left);
    if (day == days)
        fputc('\n', stderr);
    fflush(stderr);
}

static const char help_run[] =
    "usage: conflux run SCENARIO.yaml [-o OUT.h5] [--seed N] [--days N] [--threads N]\n"
    "                   [--set KEY=VALUE]... [--checkpoint-every DAYS] [--resume CKPT.h5]\n"
    "                   [--force] [--quiet] [--json]\n"
    "\n"
    "Simulates the scenario and writes one HDF5 file of daily time series (netCDF-4\n"
    "compatible: ncdump, xarray, Panoply open it as is).\n"
    "\n"
    "  -o, --output OUT.h5  where to write (default: results/<scenario name>.h5). The\n"
    "                       file is written as OUT.h5.partial and renamed when the run\n"
    "                       finishes; an interrupted run leaves the .partial file,\n"
    "                       readable, with the attribute complete = 0\n"
    "  --seed N             override the scenario's seed\n"
    "  --days N             override the scenario's length in days\n"
    "  --threads N          OpenMP threads (default 1); results are identical for any N\n"
    "  --set KEY=VALUE      override any scalar of the scenario by its dotted YAML path,\n"
    "                       e.g. --set transport.truck_t=25 (repeatable; an unknown path\n"
    "                       is an error)\n"
    "  --checkpoint-every DAYS\n"
    "                       after every DAYS days (not the last), save the whole state of\n"
    "                       the run to OUT.h5.ckpt/day-NNNNN.h5 (NNNNN: days done)\n"
    "  --resume CKPT.h5     continue the run a checkpoint was saved from; give the same\n"
    "                       scenario, --seed, --days and --set options. The result is the\n"
    "                       same, byte for byte, as a run that was never stopped. Replaces\n"
    "                       the interrupted run's OUT.h5.partial without --force\n"
    "  --force              overwrite OUT (and a stale OUT.partial) if it exists\n"
    "  --quiet              no progress bar and no summary on stderr\n"
    "  --json               print one JSON object with the run's figures on stdout\n";

static int cfx_cmd_run(int argc, char **argv)
{
    const char *scenario = NULL, *output = NULL, *v;
    int quiet = 0, json = 0, force = 0;
    long threads = 1, checkpoint_every = 0;
    const char *resume = NULL;
    cfx_override *sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t n_sets = 0;
    int code = 2;
    /* The command line as typed, stamped into the result (before anything is parsed). */
    char *cmdline = cfx_cli_join(argc + 1, argv - 1);
    if (!sets || !cmdline) {
        free(sets);
        free(cmdline);
        return cfx_cli_nomem("run");
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--force") == 0)
            force = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            code = cfx_cli_help(stdout, "run");
            goto done;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--output")) ||
                   (v = cfx_cli_optval(argc, argv, &i, "-o"))) {
            if (!*v) {
                code = cfx_cli_usage("run", "-o needs a file name");
                goto done;
            }
            output = v;
        }
        else if ((v = cfx_cli_optval(argc, argv, &i, "--threads"))) {
            if (cfx_cli_parse_long(v, 1, 1024, &threads)) {
                code = cfx_cli_usage("run", "--threads must be an integer from 1 to 1024, got '%s'", v);
                goto done;
            }
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--checkpoint-every"))) {
            if (cfx_cli_parse_long(v, 1, 10000000, &checkpoint_every)) {
                code = cfx_cli_usage("run", "--checkpoint-every takes a number of days from 1 "
                                            "to 10000000, got '%s'", v);
                goto done;
            }
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--resume"))) {
            if (!*v) {
                code = cfx_cli_usage("run", "--resume needs a checkpoint file");
                goto done;
            }
            resume = v;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--seed"))) {
            /* --set seed=N once it is a number: a word is a usage error, as in gen and fit */
            long n;
            int bad = cfx_cli_parse_seed("run", v, LONG_MAX, &n);
            if (bad) {
                code = bad;
                goto done;
            }
            if (cfx_cli_split_set("seed=", &sets[n_sets])) {
                code = cfx_cli_nomem("run"); /* the only way it can fail here */
                goto done;
            }
            sets[n_sets++].value = v;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--days"))) {
            long n;
            int bad = cfx_cli_parse_days("run", v, &n);
            if (bad) {
                code = bad;
                goto done;
            }
            if (cfx_cli_split_set("days=", &sets[n_sets])) {
                code = cfx_cli_nomem("run");
                goto done;
            }
            sets[n_sets++].value = v;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--set"))) {
            int bad = cfx_cli_split_set(v, &sets[n_sets]);
            if (bad) {
                code = bad == -2 ? cfx_cli_nomem("run")
                                 : cfx_cli_usage("run", "--set takes KEY=VALUE, got '%s'", v);
                goto done;
            }
            n_sets++;
        } else if (a[0] == '-' && a[1]) {
            code = cfx_cli_usage("run", "unknown option or missing value: '%s'", a);
            goto done;
        } else if (!scenario)
            scenario = a;
        else {
            code = cfx_cli_usage("run", "one scenario at a time (got '%s' and '%s')", scenario, a);
            goto done;
        }
    }
    if (!scenario) {
        code = cfx_cli_usage("run", "missing SCENARIO.yaml");
        goto done;
    }
    cfx_cli_catch_stop(&stop_requested);
    /* Past a file size limit (ulimit -f) a write then fails with EFBIG, reported as an I/O
     * error (exit 74), instead of the signal killing the run without a word. */
    signal(SIGXFSZ, SIG_IGN);

    progress bar = {0};
    cfx_run_opts opt = {.scenario = scenario, .output = output, .sets = sets, .n_sets = n_sets,
                        .threads = (int)threads, .force = force, .command_line = cmdline,
                        .stop = &stop_requested, .checkpoint_every = checkpoint_every,
                        .resume = resume,
                        .progress = !quiet && isatty(2) ? draw : NULL, .progress_ctx = &bar};
    cfx_run_result res;
    cfx_diags d = {0};
    cfx_error err = {0};
    int rc = cfx_run(&opt, &res, &d, &err);
    if (d.n)
        cfx_cli_print_diags(&d);
    else if (rc && !err.msg[0] && rc == CFX_ENOMEM)
        cfx_cli_nomem("run"); /* the loader's message could not be recorded, for want of memory */
    else if (rc)
        cfx_cli_print_error(&err);
    if (res.days_run > 0 && (!quiet || json)) {
        /* the summary is the analysis of the file just written (conflux analyze's metrics) */
        cfx_analysis *a = NULL;
        cfx_error aerr = {0};
        cfx_analyze_opts ao = {.threads = res.threads};
        /* not a file whose writing failed (a full disk): what it holds is not known, and
         * HDF5 may not close what it opens in it */
        if (rc == CFX_EIO || rc == CFX_EHDF5 || cfx_analyze_file(&a, res.output, &ao, 0, &aerr))
            a = NULL;
        if (!quiet)
            cfx_run_print_summary(&res, a, stderr);
        int jrc = json ? cfx_run_print_json(&res, a, stdout) : 0;
        if (jrc) {
            cfx_cli_json_failed("run", jrc);
            rc = rc ? rc : jrc; /* a failed run's own code comes first */
        }
        cfx_analysis_free(a);
    }
    cfx_diags_free(&d);
    code = cfx_exit_code(rc);
done:
    free(cmdline);
    cfx_cli_free_sets(sets, n_sets);
    return code;
}

const cfx_command cfx_command_run = {
    .name = "run",
    .run = cfx_cmd_run,
    .usage = "run SCENARIO.yaml",
    .summary = "simulate a scenario and write its time series to HDF5",
    .help = help_run};
