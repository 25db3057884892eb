/* conflux merge: joins a sweep directory's member files into one file and says what is
 * missing. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const char help_merge[] =
    "usage: conflux merge DIR [-o SWEEP.h5] [--force] [--quiet]\n"
    "\n"
    "Joins the complete member files of a sweep directory into one file (default\n"
    "DIR/sweep.h5, which is replaced), marking failed members (with their error) and\n"
    "missing ones in member_status, their series filled with _FillValue, and lists what is\n"
    "missing. Exit 0 when the file is written, whatever is missing.\n"
    "  -o SWEEP.h5     write there instead (an existing file only with --force)\n";

static int cfx_cmd_merge(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *v;
    int force = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "merge");
        if (strcmp(a, "--force") == 0)
            force = 1;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
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
    int rc = cfx_sweep_merge(dir, out ? out : def, &rep, &err);
    if (rc) {
        cfx_cli_print_error(&err);
        if (rc != CFX_EFAIL || !rep.members)
            return cfx_exit_code(rc);
    } else if (!quiet) {
        fprintf(stderr, "merged %zu of %zu members into %s (%zu failed, %zu missing)\n", rep.ok,
                rep.members, out ? out : def, rep.failed, rep.missing);
    }
    if (rep.missing) {
        fprintf(stderr, "missing: %zu member%s without a complete file, e.g.", rep.missing,
                rep.missing == 1 ? "" : "s");
        size_t shown = rep.missing < 8 ? rep.missing : 8;
        for (size_t i = 0; i < shown; i++)
            fprintf(stderr, " %s/member-%05zu.h5", dir, rep.first_missing[i]);
        fprintf(stderr, "%s\n  (finish them with: conflux sweep SCENARIO SWEEP -o %s --resume)\n",
                rep.missing > shown ? " ..." : "", dir);
    }
    return cfx_exit_code(rc);
}

const cfx_command cfx_command_merge = {
    .name = "merge",
    .run = cfx_cmd_merge,
    .usage = "merge DIR",
    .summary = "join a sweep's member files into DIR/sweep.h5",
    .help = help_merge};
