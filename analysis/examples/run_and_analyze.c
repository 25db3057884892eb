/* A program on top of libconflux, using only conflux.h: run a scenario with an override,
 * read back a metric of its result, and show a located error for a bad override.
 *
 *   cc run_and_analyze.c $(pkg-config --cflags --libs conflux) -o run_and_analyze
 *   ./run_and_analyze SCENARIO.yaml OUT.h5
 *
 * It prints the peak price of each product, as `conflux analyze` computes it. */
#include <stdio.h>
#include <string.h>

#include <conflux.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SCENARIO.yaml OUT.h5\n", argv[0]);
        return 2;
    }
    /* A --set path that nothing reads is an input error with its place. */
    cfx_override bad = {.path = "market.no_such_key", .value = "1"};
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    if (cfx_scenario_load(&s, argv[1], &bad, 1, &d) == 0) {
        fprintf(stderr, "a bad override was accepted\n");
        return 1;
    }
    char msg[1200];
    cfx_error_format(&d.v[0], msg, sizeof msg);
    printf("refused: %s\n", msg);
    cfx_diags_free(&d);

    cfx_override days = {.path = "days", .value = "60"};
    cfx_run_opts opt = {.scenario = argv[1], .output = argv[2], .sets = &days, .n_sets = 1,
                        .force = 1};
    cfx_run_result res;
    cfx_error err = {0};
    int rc = cfx_run(&opt, &res, &d, &err);
    if (rc) {
        cfx_error_format(d.n ? &d.v[0] : &err, msg, sizeof msg);
        fprintf(stderr, "run failed: %s\n", msg);
        cfx_diags_free(&d);
        return cfx_exit_code(rc);
    }
    printf("%s: %ld days, %.1f t delivered\n", res.scenario, res.days_run, res.arrived_t);

    cfx_analysis *a = NULL;
    if ((rc = cfx_analyze_file(&a, res.output, NULL, 0, &err))) {
        cfx_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "analysis failed: %s\n", msg);
        return cfx_exit_code(rc);
    }
    for (size_t i = 0; i < cfx_analysis_metric_count(a); i++) {
        const char *name = cfx_analysis_metric_name(a, i), *dot = strrchr(name, '.');
        if (dot && strcmp(dot, ".peak_usd_per_kg") == 0 && strncmp(name, "group.", 6) != 0)
            printf("%s = %.2f\n", name, cfx_analysis_metric(a, i, NULL));
    }
    cfx_analysis_free(a);
    return 0;
}
