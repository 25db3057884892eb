/* conflux: the command-line front. It only parses the command name and hands over. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "core/version.h"

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL's codes are checked where they are returned */
    /* zlib allocates ~256 KiB for every HDF5 chunk it compresses. With glibc's defaults each
     * of those is a fresh mmap or trimmed heap, page-faulted in again every time, which made
     * writing the default scenario's file cost more than simulating it. Keeping up to
     * 32 MiB of freed heap (and serving blocks below that from the heap) ends the churn. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    int code = dispatch(argc, argv);
    /* A result printed to a full disk or a closed pipe is not a success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "conflux: error writing standard output\n");
        if (code == 0)
            code = 74;
    }
    return code;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cfx_cli_help(stderr, NULL);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("conflux %s (commit %s)\n", CFX_VERSION, CFX_GIT_COMMIT);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return cfx_cli_help(stdout, NULL);
    if (strcmp(cmd, "help") == 0)
        return cfx_cli_help(stdout, argc > 2 ? argv[2] : NULL);
    if (strcmp(cmd, "run") == 0)
        return cfx_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cfx_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "gen") == 0)
        return cfx_cmd_gen(argc - 1, argv + 1);
    if (strcmp(cmd, "sweep") == 0)
        return cfx_cmd_sweep(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cfx_cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "import-acled") == 0)
        return cfx_cmd_import_acled(argc - 1, argv + 1);
    if (strcmp(cmd, "analyze") == 0)
        return cfx_cmd_analyze(argc - 1, argv + 1);
    fprintf(stderr, "conflux: unknown command '%s' (see 'conflux --help')\n", cmd);
    return 2;
}
