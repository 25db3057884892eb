/* The command-line front: main.c's table of commands, one cmd_<name>.c per command, and the
 * helpers they share. The commands only parse their arguments and call libconflux through
 * its public header. */
#ifndef CFX_CLI_H
#define CFX_CLI_H

#include <signal.h>
#include <stdio.h>

#include "conflux.h"

/* One verb of `conflux`: main.c's table lists them, `conflux --help` prints their usage and
 * summary, `conflux help NAME` their help. */
typedef struct cfx_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command's name; returns the exit code */
    const char *usage;                 /* its arguments in short, for the overview */
    const char *summary;               /* one line */
    const char *help;                  /* conflux help NAME */
} cfx_command;

extern const cfx_command cfx_command_run, cfx_command_check, cfx_command_gen, cfx_command_sweep,
    cfx_command_merge, cfx_command_import_acled, cfx_command_analyze, cfx_command_compare, cfx_command_events,
    cfx_command_fit, cfx_command_validate, cfx_command_report;

/* Prints the help of a command (NULL: the overview) to f. Returns 0, or 2 if unknown. */
int cfx_cli_help(FILE *f, const char *command);

/* Prints every diagnostic as "conflux: file:line:col: message" to stderr. */
void cfx_cli_print_diags(const cfx_diags *d);
void cfx_cli_print_error(const cfx_error *e);
/* Out of memory in the command itself: prints "conflux CMD: out of memory"; returns exit
 * code 1. */
int cfx_cli_nomem(const char *cmd);
/* A --json object that could not be printed (code: CFX_ENOMEM or CFX_EIO from the printer):
 * says so on stderr; returns the exit code, 1 or 74. */
int cfx_cli_json_failed(const char *cmd, int code);
/* Usage error: prints "conflux CMD: message" and a hint; returns exit code 2. */
int cfx_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The whole command line, shell-quoted where needed, into a malloc'd string. */
char *cfx_cli_join(int argc, char **argv);
/* Splits "KEY=VALUE": out->path is a malloc'd copy of KEY, out->value points into kv (which
 * is left as it is). -1 when there is no '=' or no key, -2 when out of memory. */
int cfx_cli_split_set(const char *kv, cfx_override *out);
/* Frees the paths of n overrides made by cfx_cli_split_set, and the array. */
void cfx_cli_free_sets(cfx_override *sets, size_t n);
/* The value of an option: "--opt=V" or "--opt V" (advancing *i). NULL if missing. */
const char *cfx_cli_optval(int argc, char **argv, int *i, const char *name);
/* An option's integer: s is all base-10 digits (an optional sign), from lo to hi. 0 and *out
 * set, or -1 (*out left as it is). */
int cfx_cli_parse_long(const char *s, long lo, long hi, long *out);
/* The value v of --jobs of command cmd into *jobs: 0, or (printed) the usage error's exit
 * code when it is not a whole number from 1 to 4096. */
int cfx_cli_parse_jobs(const char *cmd, const char *v, long *jobs);
/* The value v of --days of command cmd into *days: 0, or (printed) the usage error's exit
 * code when it is not a whole number from 1 to CFX_DAYS_MAX (conflux.h). */
int cfx_cli_parse_days(const char *cmd, const char *v, long *days);
/* The value v of --seed of command cmd into *seed: 0, or (printed) the usage error's exit
 * code when it is not a whole number from 0 to hi. */
int cfx_cli_parse_seed(const char *cmd, const char *v, long hi, long *seed);
/* The cores this process may use (its CPU affinity: a Slurm job's allocation), at least 1:
 * the default of --jobs. */
int cfx_cli_cores(void);
/* From now on SIGINT and SIGTERM set *flag (and interrupt a blocking call) instead of
 * killing the process: the command stops cleanly after what it is doing. */
void cfx_cli_catch_stop(volatile sig_atomic_t *flag);

#endif
