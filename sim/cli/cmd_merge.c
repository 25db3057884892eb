/* conflux merge: joins a sweep directory's member files into one file and says what is
 * missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const char help_merge[] =
    "usage: conflux merge DIR [-o SWEEP.h5] [--force] [--require-all] [--shards N] [--jobs N]\n"
    "                     [--quiet]\n"
    "\n"
    "Joins the complete member files of a sweep directory into one file (default\n"
    "DIR/sweep.h5, which is replaced), marking failed members (with their error) and\n"
    "missing ones in member_status, their series filled with _FillValue, and lists what is\n"
    "missing. Exit 0 when the file is written, whatever is missing; 1 when no member is\n"
    "complete; 65 when a complete member does not fit the first (another network or time\n"
    "axis, a variable missing, its events unreadable: delete it and redo it with sweep\n"
    "--resume). Series chunks are copied without being decompressed: damage inside one\n"
    "shows when the sweep file is read.\n"
    "  -o SWEEP.h5     write there instead (an existing file only with --force)\n"
    "  --require-all   write nothing and exit 1 while any member is missing (a Slurm merge\n"
    "                  job chained after the array with afterany uses it)\n"
    "  --shards N      the sweep ran as N shards (conflux sweep --shards N): name the shards\n"
    "                  of the missing members, to resubmit with sbatch --array=...\n"
    "  --jobs N        member files read by N processes at a time (default: the cores this\n"
    "                  process may use); the file has the same bytes whatever N\n";

/* Lists the missing members and, with the shard count, the array tasks that run them. */
static void print_missing(const char *dir, const size_t *miss, size_t n, long shards)
{
    fprintf(stderr, "missing: %zu member%s without a complete file:", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < 20; i++)
        fprintf(stderr, "%s %zu", i ? "," : "", miss[i]);
    fprintf(stderr, "%s\n", n > 20 ? ", ..." : "");
    if (shards > 0) {
        fprintf(stderr, "  array tasks (of --shards %ld) to resubmit:", shards);
        size_t shown = 0;
        for (long k = 0; k < shards && shown < 64; k++)
            for (size_t i = 0; i < n; i++)
                if ((long)(miss[i] % (size_t)shards) == k) {
                    fprintf(stderr, "%s%ld", shown++ ? "," : " ", k);
                    break;
                }
        fprintf(stderr, "%s\n  (scripts/slurm/submit-sweep --shards %ld --tasks <them> ..., "
                        "or sbatch --array=<them>)\n", shown == 64 ? ",..." : "", shards);
    } else {
        fprintf(stderr, "  (finish them with: conflux sweep SCENARIO SWEEP -o %s --resume)\n", dir);
    }
}

static int cfx_cmd_merge(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *v;
    int force = 0, quiet = 0, require_all = 0;
    long shards = 0, jobs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "merge");
        if (strcmp(a, "--force") == 0)
            force = 1;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--require-all") == 0)
            require_all = 1;
        else if ((v = cfx_cli_optval(argc, argv, &i, "--shards"))) {
            if (cfx_cli_parse_long(v, 1, 1L << 30, &shards))
                return cfx_cli_usage("merge", "--shards takes a count from 1, got '%s'", v);
        }
        else if ((v = cfx_cli_optval(argc, argv, &i, "--jobs"))) {
            int bad = cfx_cli_parse_jobs("merge", v, &jobs);
            if (bad)
                return bad;
        }
        else if ((v = cfx_cli_optval(argc, argv, &i, "--output")) ||
                 (v = cfx_cli_optval(argc, argv, &i, "-o")))
            out = v;
        else if (a[0] == '-' && a[1])
            return cfx_cli_usage("merge", "unknown option or missing value: '%s'", a);
        else if (!dir)
            dir = a;
        else
            return cfx_cli_usage("merge", "one directory at a time (got '%s' and '%s')", dir, a);
    }
    if (!dir)
        return cfx_cli_usage("merge", "missing DIR (the -o DIR of conflux sweep)");
    char def[1100];
    snprintf(def, sizeof def, "%s/sweep.h5", dir);
    struct stat st;
    /* DIR/sweep.h5 is derived from DIR and always replaced; another file only with --force */
    if (out && strcmp(out, def) != 0 && stat(out, &st) == 0 && !force) {
        cfx_error e;
        cfx_error_set(&e, CFX_ECREATE, out, 0, 0, "output exists; not overwritten without --force");
        cfx_cli_print_error(&e);
        return cfx_exit_code(CFX_ECREATE);
    }
    cfx_merge_report rep = {0};
    cfx_error err = {0};
    size_t *miss = NULL, n_miss = 0;
    /* the missing members are listed before merging only under --require-all (the list
     * opens every member file: after the merge, only when the merge found some missing) */
    int rc = require_all ? cfx_sweep_missing(dir, &miss, &n_miss, &err) : 0;
    if (rc || (require_all && n_miss)) {
        if (rc)
            cfx_cli_print_error(&err);
        else {
            fprintf(stderr, "conflux: %s: not merged: --require-all and %zu member%s missing\n",
                    dir, n_miss, n_miss == 1 ? " is" : "s are");
            print_missing(dir, miss, n_miss, shards);
        }
        free(miss);
        return cfx_exit_code(rc ? rc : CFX_EFAIL);
    }
    rc = cfx_sweep_merge_jobs(dir, out ? out : def, jobs ? (int)jobs : cfx_cli_cores(), &rep,
                              &err);
    cfx_error lerr;
    if (!require_all && rep.missing && cfx_sweep_missing(dir, &miss, &n_miss, &lerr))
        n_miss = 0; /* the listing failed; the merge's own result is reported below */
    if (rc) {
        cfx_cli_print_error(&err);
        if (rc != CFX_EFAIL || !rep.members) {
            free(miss);
            return cfx_exit_code(rc);
        }
    } else if (!quiet) {
        fprintf(stderr, "merged %zu of %zu members into %s (%zu failed, %zu missing)\n", rep.ok,
                rep.members, out ? out : def, rep.failed, rep.missing);
    }
    if (n_miss)
        print_missing(dir, miss, n_miss, shards);
    free(miss);
    return cfx_exit_code(rc);
}

const cfx_command cfx_command_merge = {
    .name = "merge",
    .run = cfx_cmd_merge,
    .usage = "merge DIR",
    .summary = "join a sweep's member files into DIR/sweep.h5",
    .help = help_merge};
