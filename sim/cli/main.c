/* conflux: the command-line front. main finds the command in the table and hands over; the
 * commands are thin clients of libconflux (conflux.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include "cli/cli.h"

static const cfx_command *const commands[] = {
    &cfx_command_run,   &cfx_command_check,        &cfx_command_gen,     &cfx_command_sweep,
    &cfx_command_merge, &cfx_command_import_acled, &cfx_command_analyze,
    &cfx_command_compare, &cfx_command_events, &cfx_command_fit, &cfx_command_validate, &cfx_command_report, NULL};

static const cfx_command *find(const char *name)
{
    for (size_t i = 0; commands[i]; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void overview(FILE *f)
{
    fprintf(f, "conflux %s - mineral flows under conflict, an agent-based simulation\n\n"
               "usage: conflux COMMAND [ARGS]\n\ncommands:\n",
            cfx_version());
    for (size_t i = 0; commands[i]; i++) {
        const cfx_command *c = commands[i];
        if (strlen(c->usage) <= 20)
            fprintf(f, "  %-20s %s\n", c->usage, c->summary);
        else
            fprintf(f, "  %s\n  %-20s %s\n", c->usage, "", c->summary);
    }
    fputs("  help COMMAND         help on one command\n"
          "\n"
          "options:\n"
          "  --version            print the version and the commit it was built from\n"
          "  --help               this text\n"
          "\n"
          "figures: analysis/conflux-plot FILE.h5 -o DIR (installed as conflux-plot) draws a\n"
          "run's or a sweep's figures; conflux-plot --help.\n"
          "\n"
          "exit codes: 0 success, 1 run failed, 2 usage error, 65 invalid input data,\n"
          "66 input file missing or unreadable, 73 output cannot be created, 74 I/O error\n"
          "while writing, 130 interrupted (partial output kept, marked incomplete).\n",
          f);
}

int cfx_cli_help(FILE *f, const char *command)
{
    const cfx_command *c = command ? find(command) : NULL;
    if (!command)
        overview(f);
    else if (c)
        fputs(c->help, f);
    else if (strcmp(command, "help") == 0)
        fputs("usage: conflux help COMMAND\n", f);
    else {
        fprintf(stderr, "conflux help: unknown command '%s'\n", command);
        return 2;
    }
    return 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cfx_cli_help(stderr, NULL);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("conflux %s (commit %s)\n", cfx_version(), cfx_git_commit());
        return 0;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cfx_cli_help(stdout, NULL);
    if (strcmp(name, "help") == 0)
        return cfx_cli_help(stdout, argc > 2 ? argv[2] : NULL);
    const cfx_command *c = find(name);
    if (c)
        return c->run(argc - 1, argv + 1);
    fprintf(stderr, "conflux: unknown command '%s' (see 'conflux --help')\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL's codes are checked where they are returned */
    cfx_memory_setup(); /* malloc's thresholds, the heap on huge pages: conflux.h */
    /* jansson (the --json objects) allocates through the malloc that conflux's own objects
     * call, so that conflux-allocfail fails its allocations too (tests/alloc/README.md). */
    json_set_alloc_funcs(malloc, free);
    int code = dispatch(argc, argv);
    /* A result printed to a full disk or a closed pipe is not a success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "conflux: error writing standard output\n");
        if (code == 0)
            code = 74;
    }
    return code;
}
