/* conflux run: options, signals, the progress bar, and the summary at the end. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analyze.h"
#include "cli/cli.h"
#include "run/run.h"

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

static void print_summary(const cfx_run_result *r)
{
    fprintf(stderr, "%s: %ld of %ld days in %.2f s on %d thread%s%s\n", r->scenario, r->days_run,
            r->days, r->wall_seconds, r->threads, r->threads == 1 ? "" : "s",
            r->complete ? "" : " (INCOMPLETE)");
    fprintf(stderr, "  %-8s %14s %14s %10s %18s %14s\n", "product", "baseline USD/kg",
            "peak USD/kg", "peak day", "shortfall t (%)", "delivered t");
    for (size_t p = 0; p < r->n_products; p++) {
        const cfx_product_summary *s = &r->products[p];
        double share = s->demand_t > 0 ? 100.0 * s->shortfall_t / s->demand_t : 0;
        fprintf(stderr, "  %-8s %14.1f %14.1f %10ld %11.1f (%4.1f%%) %14.1f\n", s->name,
                s->baseline_price, s->peak_price, s->peak_day, s->shortfall_t, share,
                s->delivered_t);
    }
    fprintf(stderr,
            "  cargo: produced %.0f t, delivered %.0f t, in transit %.0f t, waiting %.0f t,"
            " seized %.0f t, lost %.0f t\n",
            r->produced_t, r->arrived_t, r->in_transit_t, r->stock_t, r->seized_t, r->lost_t);
    fprintf(stderr, "  %llu node arrivals, %zu events; output: %s\n",
            (unsigned long long)r->hop_events, r->n_events, r->output);
}

static void print_json(const cfx_run_result *r)
{
    printf("{\"scenario\": ");
    cfx_cli_json_str(stdout, r->scenario);
    printf(", \"days\": %ld, \"days_run\": %ld, \"complete\": %s, \"threads\": %d, "
           "\"wall_seconds\": %.6f, \"load_seconds\": %.6f, \"output_seconds\": %.6f, "
           "\"hop_events\": %llu, \"shipment_days\": %llu, \"peak_rss_bytes\": %ld, "
           "\"output\": ",
           r->days, r->days_run, r->complete ? "true" : "false", r->threads, r->wall_seconds,
           r->load_seconds, r->output_seconds,
           (unsigned long long)r->hop_events, (unsigned long long)r->shipment_days,
           r->peak_rss_bytes);
    cfx_cli_json_str(stdout, r->output);
    printf(", \"produced_t\": %.3f, \"arrived_t\": %.3f, \"in_transit_t\": %.3f, "
           "\"stock_t\": %.3f, \"seized_t\": %.3f, \"lost_t\": %.3f, \"events\": %zu, "
           "\"products\": {",
           r->produced_t, r->arrived_t, r->in_transit_t, r->stock_t, r->seized_t, r->lost_t,
           r->n_events);
    for (size_t p = 0; p < r->n_products; p++) {
        const cfx_product_summary *s = &r->products[p];
        printf("%s", p ? ", " : "");
        cfx_cli_json_str(stdout, s->name);
        printf(": {\"baseline_price_usd_per_kg\": %.6g, \"peak_price_usd_per_kg\": %.6g, "
               "\"peak_day\": %ld, \"peak_change_pct\": %.4g, \"shortfall_t\": %.6g, "
               "\"shortfall_share\": %.6g, \"delivered_t\": %.6g}",
               s->baseline_price, s->peak_price, s->peak_day,
               s->baseline_price > 0 ? 100.0 * (s->peak_price / s->baseline_price - 1) : 0,
               s->shortfall_t, s->demand_t > 0 ? s->shortfall_t / s->demand_t : 0,
               s->delivered_t);
    }
    /* the headline metrics of conflux analyze, read back from the file just written */
    cfx_analysis *a = NULL;
    cfx_error err = {0};
    printf("}, \"analysis\": ");
    if (cfx_analyze_file(&a, r->output, NULL, 0, &err) == 0)
        cfx_cli_analysis_json(stdout, a);
    else
        printf("null");
    cfx_analysis_free(a);
    printf("}\n");
}

int cfx_cmd_run(int argc, char **argv)
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
        return 1;
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
            /* exactly --set seed=N: the loader checks it like the file's value */
            if (cfx_cli_split_set("seed=", &sets[n_sets]))
                goto done;
            sets[n_sets++].value = v;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--days"))) {
            if (cfx_cli_split_set("days=", &sets[n_sets]))
                goto done;
            sets[n_sets++].value = v;
        } else if ((v = cfx_cli_optval(argc, argv, &i, "--set"))) {
            if (cfx_cli_split_set(v, &sets[n_sets])) {
                code = cfx_cli_usage("run", "--set takes KEY=VALUE, got '%s'", v);
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
    else if (rc)
        cfx_cli_print_error(&err);
    if (res.days_run > 0) {
        if (!quiet)
            print_summary(&res);
        if (json)
            print_json(&res);
    }
    cfx_diags_free(&d);
    code = cfx_exit_code(rc);
done:
    free(cmdline);
    cfx_cli_free_sets(sets, n_sets);
    return code;
}
