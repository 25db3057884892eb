/* Helpers shared by the commands: printing errors and usage messages, reading options. */
#define _GNU_SOURCE /* sched_getaffinity: the cores this process may use */
#include "cli/cli.h"

#include <sched.h>
#include <unistd.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


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

int cfx_cli_nomem(const char *cmd)
{
    fprintf(stderr, "conflux %s: out of memory\n", cmd);
    return cfx_exit_code(CFX_ENOMEM);
}

int cfx_cli_json_failed(const char *cmd, int code)
{
    if (code == CFX_ENOMEM)
        return cfx_cli_nomem(cmd);
    fprintf(stderr, "conflux %s: cannot write the JSON object to stdout\n", cmd);
    return cfx_exit_code(code);
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


int cfx_cli_split_set(const char *kv, cfx_override *out)
{
    const char *eq = strchr(kv, '=');
    char *path;
    if (!eq || eq == kv)
        return -1;
    if (!(path = malloc((size_t)(eq - kv) + 1)))
        return -2;
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
    /* strtol skips leading white space, which the scenario loader refuses */
    if (!*s || isspace((unsigned char)*s) || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cfx_cli_parse_jobs(const char *cmd, const char *v, long *jobs)
{
    return cfx_cli_parse_long(v, 1, 4096, jobs)
               ? cfx_cli_usage(cmd, "--jobs must be an integer from 1 to 4096, got '%s'", v)
               : 0;
}

int cfx_cli_parse_days(const char *cmd, const char *v, long *days)
{
    return cfx_cli_parse_long(v, 1, CFX_DAYS_MAX, days)
               ? cfx_cli_usage(cmd, "--days must be an integer from 1 to %ld, got '%s'",
                               CFX_DAYS_MAX, v)
               : 0;
}

int cfx_cli_parse_seed(const char *cmd, const char *v, long hi, long *seed)
{
    return cfx_cli_parse_long(v, 0, hi, seed)
               ? cfx_cli_usage(cmd, "--seed must be an integer from 0 to %ld, got '%s'", hi, v)
               : 0;
}

int cfx_cli_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
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
