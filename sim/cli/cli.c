/* Helpers shared by the commands: printing errors, usage messages, JSON strings, help. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"

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
    "  sweep SCENARIO.yaml SWEEP.yaml -o DIR\n"
    "                       run an ensemble of members (locally, under MPI, as Slurm shards)\n"
    "  merge DIR            join a sweep's member files into DIR/sweep.h5\n"
    "  import-acled EXPORT.csv --scenario S.yaml -o EVENTS.csv\n"
    "                       conflict events from an ACLED export\n"
    "  analyze FILE.h5      metrics of a run or a sweep (percentiles, sensitivities)\n"
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

static const char help_check[] =
    "usage: conflux check SCENARIO.yaml [--set KEY=VALUE]...\n"
    "\n"
    "Loads the scenario and every table it names, reports every problem found (not only\n"
    "the first) as file:line:column: message, and otherwise prints a summary of the\n"
    "network: nodes by kind, roads, mines, groups, products, events, and the route and\n"
    "market of each mine's trucks with every road open (a mine with no road to a market that\n"
    "buys its cargo is a problem). Exit 0 when valid, 65 for invalid data, 66 for a missing\n"
    "file.\n";

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

static const char help_analyze[] =
    "usage: conflux analyze FILE.h5 [--json] [--baseline FROM:DAYS] [--no-write]\n"
    "\n"
    "The metrics of a run: for each product the baseline price, the peak price, its day\n"
    "and change, the days above +20 %, the cumulative shortfall (t and share of demand),\n"
    "the worst day and the recovery day (back within 5 % of baseline for 30 days); the\n"
    "cargo through each gate; each group's revenue against its first month and its\n"
    "share of the deliveries (provenance). For a sweep, the same metrics for each finished\n"
    "member, their 5th, 50th and 95th percentiles, and their sensitivity to each parameter\n"
    "(Sobol indices for a sobol design, standardized regression coefficients otherwise).\n"
    "\n"
    "  --json               one JSON object on stdout instead of the table\n"
    "  --baseline FROM:DAYS baseline window: DAYS days from day FROM (default 0:30)\n"
    "  --no-write           a sweep: do not write the percentile series (<var>_q05,\n"
    "                       _q50, _q95) back into FILE.h5 (they are by default)\n"
    "\n"
    "Exit 0, 65 when FILE is not a conflux result (the reason is printed), 66 when it is\n"
    "missing. See analysis/README.md for every metric's definition.\n";

static const char help_import_acled[] =
    "usage: conflux import-acled EXPORT.csv --scenario S.yaml -o EVENTS.csv\n"
    "                   [--radius-km R] [--from DATE] [--to DATE] [--actors FILE]\n"
    "                   [--report FILE] [--fight-days D] [--strike-days D]\n"
    "                   [--strike-loss P] [--strict] [--force] [--quiet]\n"
    "\n"
    "Turns an ACLED export (CSV) into an events table for the scenario: each event goes to\n"
    "the nearest node within R km (by great-circle distance; markets excepted), or, for\n"
    "explosions and remote violence, to the road that passes closer; days count from the\n"
    "scenario's start. Battles become attacks or captures, explosions and remote violence\n"
    "strikes, strategic developments captures, checkpoints, mine damage or gate closures\n"
    "(scenarios/README.md, \"Importing ACLED events\"). A summary of what was mapped where\n"
    "and what was dropped and why goes to stderr; --report writes every row's fate (CSV).\n"
    "\n"
    "  --scenario S.yaml  the scenario whose nodes, roads and start date are used\n"
    "  -o EVENTS.csv      the events table to write (refused if it exists, unless --force)\n"
    "  --radius-km R      farthest an event may be from its node or road (default 25)\n"
    "  --from, --to DATE  keep events in these dates, inclusive (2025-05-16 or 16 May 2025)\n"
    "  --actors FILE      CSV with columns actor,group laid over the built-in actors table;\n"
    "                     an empty group marks an actor that is no armed group\n"
    "  --report FILE      every row of the export and what became of it (CSV)\n"
    "  --fight-days D     how long an armed clash contests its node (default 7)\n"
    "  --strike-days D    how long a strike cuts its node or road (default 1)\n"
    "  --strike-loss P    chance a truck there is lost while it lasts (default 0.3)\n"
    "  --strict           a malformed row is an error (exit 65) instead of being dropped\n"
    "  --force            overwrite EVENTS.csv and the report\n"
    "  --quiet            no summary\n"
    "\n"
    "Exit 0 on success (malformed rows are reported as file:line:column and dropped), 2 for\n"
    "a usage error, 65 for an invalid export, scenario or actors file, 66 for a missing one,\n"
    "73 when the output exists or cannot be created, 74 for a write error.\n";

static const char help_sweep[] =
    "usage: conflux sweep SCENARIO.yaml SWEEP.yaml -o DIR [--jobs N] [--shard K/N] [--resume]\n"
    "                     [--quiet]\n"
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
    "  -o DIR          where the files go (created if missing)\n"
    "  --jobs N        members at a time (default: the cores this process may use)\n"
    "  --shard K/N     run only members with index % N == K and do not merge (default,\n"
    "                  in a Slurm array job: SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT);\n"
    "                  then run conflux merge DIR\n"
    "  --resume        skip members whose file is complete and redo the rest; without it,\n"
    "                  an existing member file is an error (nothing is overwritten)\n"
    "  --quiet         no progress line\n"
    "Under mpirun -n N (a conflux built with -DCONFLUX_MPI=ON) members are dealt to the ranks\n"
    "as they become free; the files are the same as those of a local sweep.\n";

static const char help_merge[] =
    "usage: conflux merge DIR [-o SWEEP.h5] [--force] [--quiet]\n"
    "\n"
    "Joins the complete member files of a sweep directory into one file (default\n"
    "DIR/sweep.h5, which is replaced), marking failed members (with their error) and\n"
    "missing ones in member_status, their series filled with _FillValue, and lists what is\n"
    "missing. Exit 0 when the file is written, whatever is missing.\n"
    "  -o SWEEP.h5     write there instead (an existing file only with --force)\n";

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
    else if (strcmp(command, "sweep") == 0)
        fputs(help_sweep, f);
    else if (strcmp(command, "merge") == 0)
        fputs(help_merge, f);
    else if (strcmp(command, "import-acled") == 0)
        fputs(help_import_acled, f);
    else if (strcmp(command, "analyze") == 0)
        fputs(help_analyze, f);
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

int cfx_cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static volatile sig_atomic_t *stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    *stop_flag = 1;
}

void cfx_cli_catch_stop(volatile sig_atomic_t *flag)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    stop_flag = flag;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
