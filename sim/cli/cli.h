/* The command-line front: one cmd_<name>.c per command, sharing these helpers. */
#ifndef CFX_CLI_H
#define CFX_CLI_H

#include <signal.h>
#include <stdio.h>

#include "core/error.h"

int cfx_cmd_run(int argc, char **argv);
int cfx_cmd_check(int argc, char **argv);
int cfx_cmd_gen(int argc, char **argv);
int cfx_cmd_sweep(int argc, char **argv);
int cfx_cmd_merge(int argc, char **argv);
int cfx_cmd_import_acled(int argc, char **argv);
int cfx_cmd_analyze(int argc, char **argv);
/* Prints the help of a command (NULL: the overview) to f. Returns 0, or 2 if unknown. */
int cfx_cli_help(FILE *f, const char *command);

/* Prints every diagnostic as "conflux: file:line:col: message" to stderr. */
void cfx_cli_print_diags(const cfx_diags *d);
void cfx_cli_print_error(const cfx_error *e);
/* Usage error: prints "conflux CMD: message" and a hint; returns exit code 2. */
int cfx_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The whole command line, shell-quoted where needed, into a malloc'd string. */
char *cfx_cli_join(int argc, char **argv);
/* Writes s as a JSON string (with quotes) to f. */
void cfx_cli_json_str(FILE *f, const char *s);
/* Writes a run's analyze metrics (baseline window, products, gates, groups) as one JSON
 * object to f (cmd_analyze.c; conflux run --json embeds it). */
struct cfx_analysis;
void cfx_cli_analysis_json(FILE *f, const struct cfx_analysis *a);


#include "io/scenario.h"
/* Splits "KEY=VALUE": out->path is a malloc'd copy of KEY, out->value points into kv (which
 * is left as it is). -1 when there is no '=' or no key. */
int cfx_cli_split_set(const char *kv, cfx_override *out);
/* Frees the paths of n overrides made by cfx_cli_split_set, and the array. */
void cfx_cli_free_sets(cfx_override *sets, size_t n);
/* The value of an option: "--opt=V" or "--opt V" (advancing *i). NULL if missing. */
const char *cfx_cli_optval(int argc, char **argv, int *i, const char *name);
/* An option's integer: s is all base-10 digits (an optional sign), from lo to hi. 0 and *out
 * set, or -1 (*out left as it is). */
int cfx_cli_parse_long(const char *s, long lo, long hi, long *out);
/* From now on SIGINT and SIGTERM set *flag (and interrupt a blocking call) instead of
 * killing the process: the command stops cleanly after what it is doing. */
void cfx_cli_catch_stop(volatile sig_atomic_t *flag);

#endif
