/* Helpers shared by the commands: printing errors, usage messages, JSON strings, help. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

void cfx_cli_print_error(const cfx_error *e)
{
    char buf[1400];
    cfx_error_format(e, buf, sizeof buf);
    fprintf(stderr, "conflux: %s\n", buf);
}

void cfx_cli_print_diags(const cfx_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        cfx_cli_print_error(&d->v[i]);
}

int cfx_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "conflux %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'conflux help %s')\n", cmd);
    return 2;
}

char *cfx_cli_join(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 2 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = !*a || strpbrk(a, " \t\n'\"$`\\*?;&|<>()") != NULL;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (; *a; a++) {
            if (quote && *a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return s;
}

void cfx_cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char overview[] =
    "conflux " CFX_VERSION " - mineral flows under conflict, an agent-based simulation\n"
    "\n"
    "usage: conflux COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml    simulate a scenario and write its time series to HDF5\n"
    "  check SCENARIO.yaml  validate a scenario and print a summary of its network\n"
    "  gen ... -o DIR       write a synthetic scenario for scale tests\n"
    "  help COMMAND         help on one command\n"
    "\n"
    "options:\n"
    "  --version            print the version and the commit it was built from\n"
    "  --help               this text\n"
    "\n"
    "exit codes: 0 success, 1 run failed, 2 usage error, 65 invalid input data,\n"
    "66 input file missing or unreadable, 73 output cannot be created, 74 I/O error\n"
    "while writing, 130 interrupted (partial output kept, marked incomplete).\n";

static const char help_run[] =
    "usage: conflux run SCENARIO.yaml [-o OUT.h5] [--seed N] [--days N] [--threads N]\n"
    "                   [--set KEY=VALUE]... [--force] [--quiet] [--json]\n"
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
    "  --force              overwrite OUT (and a stale OUT.partial) if it exists\n"
    "  --quiet              no progress bar and no summary on stderr\n"
    "  --json               print one JSON object with the run's figures on stdout\n";

static const char help_check[] =
    "usage: conflux check SCENARIO.yaml [--set KEY=VALUE]...\n"
    "\n"
    "Loads the scenario and every table it names, reports every problem found (not only\n"
    "the first) as file:line:column: message, and otherwise prints a summary of the\n"
    "network: nodes by kind, roads, mines, groups, products, events, and which mines can\n"
    "reach a market. Exit 0 when valid, 65 for invalid data, 66 for a missing file.\n";

static const char help_gen[] =
    "usage: conflux gen [--topology grid|random] --nodes N [--mines K] [--sinks K]\n"
    "                   --shipments M [--days D] [--km MIN:MAX] [--speed-kmh V] [--seed S]\n"
    "                   -o DIR [--force]\n"
    "\n"
    "Writes a synthetic scenario, DIR/scenario.yaml and its tables, that conflux run takes as\n"
    "it is: M truckloads (10 t each) in flight from day 0, dealt round robin over the mines,\n"
    "which produce nothing more, for scale tests and benchmarks.\n"
    "\n"
    "  --topology grid    nodes in rows (as square as N allows), each linked to its right\n"
    "                     and lower neighbours; mines spread over the first column, markets\n"
    "                     (--sinks) over the last (default)\n"
    "  --topology random  a random geometric graph in the unit square (mean degree about 6,\n"
    "                     joined into one component); mines the westmost nodes, markets the\n"
    "                     eastmost\n"
    "  --mines K, --sinks K   default 3 each\n"
    "  --days D           run length (default 10)\n"
    "  --km MIN:MAX       road lengths, uniform (default 50:500)\n"
    "  --speed-kmh V      truck speed (default 15)\n"
    "  --seed S           the network's and the run's seed (default 1)\n"
    "  --force            overwrite DIR/scenario.yaml if it exists\n";

int cfx_cli_help(FILE *f, const char *command)
{
    if (!command) {
        fputs(overview, f);
        return 0;
    }
    if (strcmp(command, "run") == 0)
        fputs(help_run, f);
    else if (strcmp(command, "check") == 0)
        fputs(help_check, f);
    else if (strcmp(command, "gen") == 0)
        fputs(help_gen, f);
    else if (strcmp(command, "help") == 0)
        fputs("usage: conflux help COMMAND\n", f);
    else {
        fprintf(stderr, "conflux help: unknown command '%s'\n", command);
        return 2;
    }
    return 0;
}

int cfx_cli_split_set(const char *kv, cfx_override *out)
{
    const char *eq = strchr(kv, '=');
    char *path;
    if (!eq || eq == kv || !(path = malloc((size_t)(eq - kv) + 1)))
        return -1;
    memcpy(path, kv, (size_t)(eq - kv));
    path[eq - kv] = '\0';
    out->path = path;
    out->value = eq + 1;
    return 0;
}

void cfx_cli_free_sets(cfx_override *sets, size_t n)
{
    for (size_t i = 0; sets && i < n; i++)
        free((char *)sets[i].path);
    free(sets);
}

const char *cfx_cli_optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) == 0 && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}
