/* conflux analyze: options, and the metrics as a table (default) or as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"
#include "cli/cli.h"

/* ISO date of day `day` after the ISO date start (proleptic Gregorian); "" when start is
 * not a date. Days from civil and back as in H. Hinnant's chrono algorithms. */
static void date_of(const char *start, long day, char *buf, size_t n)
{
    int y, m, d;
    buf[0] = '\0';
    if (!start || sscanf(start, "%d-%d-%d", &y, &m, &d) != 3 || day < 0)
        return;
    long yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long z = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy + day;
    era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097, yo = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long dy = doe - (365 * yo + yo / 4 - yo / 100), mp = (5 * dy + 2) / 153;
    long dd = dy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
    snprintf(buf, n, "%04d-%02d-%02d", (int)(yo + era * 400 + (mm <= 2)), (int)mm, (int)dd);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

/* "key": value pairs; first says whether to omit the comma. */
static void jkey(FILE *f, int *first, const char *key)
{
    fputs(*first ? "" : ", ", f);
    *first = 0;
    cfx_cli_json_str(f, key);
    fputs(": ", f);
}

/* Opens the i-th member object "name": { of an enclosing object. */
static void jobj(FILE *f, size_t i, const char *name)
{
    fputs(i ? ", " : "", f);
    cfx_cli_json_str(f, name);
    fputs(": {", f);
}

static void jnum(FILE *f, int *first, const char *key, double v)
{
    jkey(f, first, key);
    json_num(f, v);
}

static void jday(FILE *f, int *first, const char *key, long day)
{
    jkey(f, first, key);
    if (day >= 0)
        fprintf(f, "%ld", day);
    else
        fputs("null", f);
}

void cfx_cli_analysis_json(FILE *f, const cfx_analysis *a)
{
    const cfx_metrics *m = &a->run;
    int first = 1;
    fputs("{", f);
    jnum(f, &first, "baseline_from_day", (double)a->baseline_from);
    jnum(f, &first, "baseline_days", (double)a->baseline_days);
    jkey(f, &first, "products");
    fputs("{", f);
    for (size_t p = 0; p < m->n_products; p++) {
        const cfx_product_metrics *x = &m->products[p];
        int f2 = 1;
        jobj(f, p, a->product[p]);
        jnum(f, &f2, "baseline_usd_per_kg", x->baseline_usd_per_kg);
        jnum(f, &f2, "peak_usd_per_kg", x->peak_usd_per_kg);
        jday(f, &f2, "peak_day", x->peak_day);
        jnum(f, &f2, "peak_change_pct", x->peak_change_pct);
        jnum(f, &f2, "days_above_20pct", (double)x->days_above);
        jnum(f, &f2, "shortfall_t", x->shortfall_t);
        jnum(f, &f2, "baseline_demand_t_per_day", x->baseline_demand_t_per_day);
        jnum(f, &f2, "shortfall_share", x->shortfall_share);
        jday(f, &f2, "worst_day", x->worst_day);
        jnum(f, &f2, "worst_shortfall_t_per_day", x->worst_shortfall_t_per_day);
        jday(f, &f2, "recovery_day", x->recovery_day);
        fputs("}", f);
    }
    fputs("}", f);
    jkey(f, &first, "gates_t");
    fputs("{", f);
    for (size_t g = 0; g < m->n_gates; g++) {
        int f2 = g == 0;
        jnum(f, &f2, a->gate[g], m->gate_t[g]);
    }
    fputs("}", f);
    jkey(f, &first, "groups");
    fputs("{", f);
    for (size_t g = 0; g < m->n_groups; g++) {
        const cfx_group_metrics *x = &m->groups[g];
        int f2 = 1;
        jobj(f, g, a->group[g]);
        jnum(f, &f2, "revenue_usd", x->revenue_usd);
        jnum(f, &f2, "first_month_usd_per_day", x->first_month_usd_per_day);
        jnum(f, &f2, "last_month_usd_per_day", x->last_month_usd_per_day);
        jnum(f, &f2, "revenue_change_pct", x->revenue_change_pct);
        jnum(f, &f2, "revenue_vs_first_month_usd", x->revenue_vs_first_month_usd);
        jnum(f, &f2, "delivered_t", x->delivered_t);
        jnum(f, &f2, "provenance_share", x->provenance_share);
        fputs("}", f);
    }
    fputs("}}", f);
}

static void sweep_json(FILE *f, const cfx_analysis *a)
{
    size_t K = a->n_metrics, k = a->n_params;
    int first = 1;
    fputs("{", f);
    jkey(f, &first, "file");
    cfx_cli_json_str(f, a->path);
    jkey(f, &first, "kind");
    fputs("\"sweep\"", f);
    jkey(f, &first, "scenario");
    cfx_cli_json_str(f, a->scenario);
    jkey(f, &first, "design");
    cfx_cli_json_str(f, a->design);
    jnum(f, &first, "days", (double)a->n_days);
    jnum(f, &first, "baseline_from_day", (double)a->baseline_from);
    jnum(f, &first, "baseline_days", (double)a->baseline_days);
    jnum(f, &first, "members", (double)a->n_members);
    jnum(f, &first, "members_finished", (double)a->n_ok);
    jkey(f, &first, "percentile_series_written");
    fputs(a->wrote_quantiles ? "true" : "false", f);
    jkey(f, &first, "parameters");
    fputs("{", f);
    for (size_t i = 0; i < k; i++) {
        fputs(i ? ", " : "", f);
        cfx_cli_json_str(f, a->param[i]);
        fputs(": ", f);
        cfx_cli_json_str(f, a->param_path[i]);
    }
    fputs("}", f);
    jkey(f, &first, "member");
    fputs("[", f);
    for (size_t m = 0; m < a->n_members; m++) {
        int f2 = 1;
        fputs(m ? ", {" : "{", f);
        jnum(f, &f2, "index", (double)m);
        jnum(f, &f2, "seed", (double)a->member_seed[m]);
        jnum(f, &f2, "status", (double)a->member_status[m]);
        jkey(f, &f2, "params");
        fputs("{", f);
        for (size_t i = 0; i < k; i++) {
            int f3 = i == 0;
            jnum(f, &f3, a->param[i], a->param_value[m * k + i]);
        }
        fputs("}", f);
        jkey(f, &f2, "metrics");
        fputs("{", f);
        for (size_t i = 0; i < K && a->member_status[m] == 0; i++) {
            int f3 = i == 0;
            jnum(f, &f3, a->metric[i], a->value[m * K + i]);
        }
        fputs("}}", f);
    }
    fputs("]", f);
    jkey(f, &first, "percentiles");
    fputs("{", f);
    for (size_t i = 0; i < K; i++) {
        jobj(f, i, a->metric[i]);
        int f2 = 1;
        jnum(f, &f2, "q05", a->quantile[3 * i]);
        jnum(f, &f2, "q50", a->quantile[3 * i + 1]);
        jnum(f, &f2, "q95", a->quantile[3 * i + 2]);
        fputs("}", f);
    }
    fputs("}", f);
    jkey(f, &first, "sensitivity");
    fputs("{", f);
    int f2 = 1;
    jkey(f, &f2, "method");
    fputs(a->sens_method == CFX_SENS_SOBOL ? "\"sobol\""
          : a->sens_method == CFX_SENS_SRC ? "\"src\""
                                           : "null",
          f);
    if (a->sens_method == CFX_SENS_SOBOL)
        jnum(f, &f2, "blocks", (double)a->sobol_blocks);
    jkey(f, &f2, "note");
    cfx_cli_json_str(f, a->sens_note);
    jkey(f, &f2, "metrics");
    fputs("{", f);
    for (size_t i = 0; a->sens_method != CFX_SENS_NONE && i < K; i++) {
        jobj(f, i, a->metric[i]);
        int f3 = 1;
        if (a->sens_r2)
            jnum(f, &f3, "r2", a->sens_r2[i]);
        for (size_t j = 0; j < k; j++) {
            int f4 = 1;
            jkey(f, &f3, a->param[j]);
            fputs("{", f);
            jnum(f, &f4, a->sens_total ? "first" : "src", a->sens_first[i * k + j]);
            if (a->sens_total) {
                jnum(f, &f4, "total", a->sens_total[i * k + j]);
                /* 95 % bootstrap intervals */
                jnum(f, &f4, "first_lo", a->sens_lo[i * 2 * k + j]);
                jnum(f, &f4, "first_hi", a->sens_hi[i * 2 * k + j]);
                jnum(f, &f4, "total_lo", a->sens_lo[i * 2 * k + k + j]);
                jnum(f, &f4, "total_hi", a->sens_hi[i * 2 * k + k + j]);
            }
            fputs("}", f);
        }
        fputs("}", f);
    }
    fputs("}}}\n", f);
}

static void run_table(FILE *f, const cfx_analysis *a)
{
    const cfx_metrics *m = &a->run;
    char date[32], date2[32];
    fprintf(f, "%s: %ld days from %s%s; baseline: mean of days %ld-%ld\n", a->scenario, a->n_days,
            a->start, a->complete ? "" : " (INCOMPLETE run)", a->baseline_from,
            a->baseline_from + a->baseline_days - 1);
    fprintf(f, "  %-8s %9s %9s %-17s %7s %6s %18s %-17s %s\n", "product", "baseline", "peak",
            "peak day", "change", ">+20%", "shortfall t (%)", "worst day", "recovered");
    fprintf(f, "  %-8s %9s %9s %-17s %7s %6s %18s %-17s %s\n", "", "USD/kg", "USD/kg", "", "",
            "days", "", "", "(30 days in ±5%)");
    for (size_t p = 0; p < m->n_products; p++) {
        const cfx_product_metrics *x = &m->products[p];
        char peak[48], worst[48] = "none", rec[48] = "not recovered";
        date_of(a->start, x->peak_day, date, sizeof date);
        snprintf(peak, sizeof peak, "%ld %s", x->peak_day, date);
        if (x->worst_day >= 0) {
            date_of(a->start, x->worst_day, date, sizeof date);
            snprintf(worst, sizeof worst, "%ld %s", x->worst_day, date);
        }
        if (x->recovery_day >= 0) {
            date_of(a->start, x->recovery_day, date2, sizeof date2);
            snprintf(rec, sizeof rec, "%ld %s", x->recovery_day, date2);
        }
        fprintf(f, "  %-8s %9.1f %9.1f %-17s %+6.1f%% %6ld %10.1f (%4.1f%%) %-17s %s\n",
                a->product[p], x->baseline_usd_per_kg, x->peak_usd_per_kg, peak, x->peak_change_pct,
                x->days_above, x->shortfall_t, 100 * x->shortfall_share, worst, rec);
    }
    /* A peak in the last month of a run that has not come back down is where the run
     * stopped, not where the price turned: say so rather than let it read as a maximum. */
    for (size_t p = 0; p < m->n_products; p++) {
        const cfx_product_metrics *x = &m->products[p];
        if (x->recovery_day < 0 && x->peak_day >= a->n_days - 30)
            fprintf(f,
                    "  note: %s peaks on day %ld of %ld and has not recovered: the price may "
                    "still be rising when the run ends, so the peak is a lower bound\n",
                    a->product[p], x->peak_day, a->n_days);
    }
    fprintf(f, "  cargo through each gate over the run, t:");
    for (size_t g = 0; g < m->n_gates; g++)
        fprintf(f, "%s%s %.0f", g % 4 ? ", " : "\n    ", a->gate[g], m->gate_t[g]);
    fprintf(f, "\n  %-8s %16s %16s %8s %16s %12s\n", "group", "first month", "last month", "change",
            "vs first month", "provenance");
    fprintf(f, "  %-8s %16s %16s %8s %16s %12s\n", "", "USD/day", "USD/day", "", "USD total",
            "of delivered");
    for (size_t g = 0; g < m->n_groups; g++) {
        const cfx_group_metrics *x = &m->groups[g];
        fprintf(f, "  %-8s %16.0f %16.0f %+7.1f%% %+16.0f %11.1f%%\n", a->group[g],
                x->first_month_usd_per_day, x->last_month_usd_per_day, x->revenue_change_pct,
                x->revenue_vs_first_month_usd, 100 * x->provenance_share);
    }
}

static int headline(const char *metric)
{
    const char *dot = strrchr(metric, '.');
    return dot && strncmp(metric, "gate.", 5) && strncmp(metric, "group.", 6) &&
           (!strcmp(dot, ".peak_usd_per_kg") || !strcmp(dot, ".shortfall_t"));
}

static void sweep_table(FILE *f, const cfx_analysis *a)
{
    size_t K = a->n_metrics, k = a->n_params;
    fprintf(f,
            "sweep of %s: %zu members, %zu finished, design %s; %ld days from %s; baseline: "
            "mean of days %ld-%ld\n",
            a->scenario, a->n_members, a->n_ok, a->design[0] ? a->design : "(not recorded)",
            a->n_days, a->start, a->baseline_from, a->baseline_from + a->baseline_days - 1);
    fprintf(f, "  %-36s %14s %14s %14s\n", "metric (over finished members)", "5th pct", "median",
            "95th pct");
    for (size_t i = 0; i < K; i++)
        fprintf(f, "  %-36s %14.4g %14.4g %14.4g\n", a->metric[i], a->quantile[3 * i],
                a->quantile[3 * i + 1], a->quantile[3 * i + 2]);
    if (a->sens_method == CFX_SENS_NONE) {
        fprintf(f, "  no sensitivities: %s\n", a->sens_note);
        return;
    }
    if (a->sens_method == CFX_SENS_SOBOL)
        fprintf(f,
                "  Sobol indices, first-order / total (%zu Saltelli blocks; in brackets the "
                "95 %% bootstrap interval):\n",
                a->sobol_blocks);
    else
        fprintf(f,
                "  standardized regression coefficients (R^2: share of variance the linear "
                "fit explains)%s%s:\n",
                a->sens_note[0] ? "; " : "", a->sens_note);
    fprintf(f, "  %-24s %-44s %8s%s\n", "metric", "parameter", a->sens_total ? "first" : "SRC",
            a->sens_total ? "                    total" : "      R^2");
    for (size_t i = 0; i < K; i++) {
        if (!headline(a->metric[i]))
            continue;
        for (size_t j = 0; j < k; j++) {
            fprintf(f, "  %-24s %-44s %8.3f", j ? "" : a->metric[i], a->param_path[j],
                    a->sens_first[i * k + j]);
            if (a->sens_total)
                fprintf(f, " [%6.3f, %6.3f] %8.3f [%6.3f, %6.3f]", a->sens_lo[i * 2 * k + j],
                        a->sens_hi[i * 2 * k + j], a->sens_total[i * k + j],
                        a->sens_lo[i * 2 * k + k + j], a->sens_hi[i * 2 * k + k + j]);
            else if (j == 0)
                fprintf(f, " %8.3f", a->sens_r2[i]);
            fputc('\n', f);
        }
    }
    fprintf(f, "  (every metric's sensitivities: --json)\n");
}

static int parse_window(const char *v, cfx_analyze_opts *o)
{
    char *end;
    long from = strtol(v, &end, 10);
    if (end == v || *end != ':' || from < 0)
        return -1;
    const char *d = end + 1;
    long days = strtol(d, &end, 10);
    if (end == d || *end || days <= 0)
        return -1;
    o->baseline_from = from;
    o->baseline_days = days;
    return 0;
}

int cfx_cmd_analyze(int argc, char **argv)
{
    const char *path = NULL, *v;
    int json = 0, write = 1;
    cfx_analyze_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "--no-write") == 0)
            write = 0;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return cfx_cli_help(stdout, "analyze");
        else if ((v = cfx_cli_optval(argc, argv, &i, "--baseline"))) {
            if (parse_window(v, &o))
                return cfx_cli_usage("analyze", "--baseline takes FROM:DAYS, got '%s'", v);
        } else if (a[0] == '-' && a[1])
            return cfx_cli_usage("analyze", "unknown option or missing value: '%s'", a);
        else if (!path)
            path = a;
        else
            return cfx_cli_usage("analyze", "one file at a time (got '%s' and '%s')", path, a);
    }
    if (!path)
        return cfx_cli_usage("analyze", "missing FILE.h5");
    cfx_analysis *a;
    cfx_error err = {0};
    int rc = cfx_analyze_file(&a, path, &o, write, &err);
    if (rc) {
        cfx_cli_print_error(&err);
        return cfx_exit_code(rc);
    }
    if (a->write_note[0])
        fprintf(stderr, "conflux analyze: %s\n", a->write_note);
    else if (a->wrote_quantiles && !json)
        fprintf(stderr,
                "conflux analyze: wrote the 5th, 50th and 95th percentile series "
                "(<variable>_q05, _q50, _q95) into %s\n",
                path);
    if (json && a->is_sweep)
        sweep_json(stdout, a);
    else if (json) {
        printf("{\"file\": ");
        cfx_cli_json_str(stdout, a->path);
        printf(", \"kind\": \"run\", \"scenario\": ");
        cfx_cli_json_str(stdout, a->scenario);
        printf(", \"start\": ");
        cfx_cli_json_str(stdout, a->start);
        printf(", \"days\": %ld, \"complete\": %s, \"metrics\": ", a->n_days,
               a->complete ? "true" : "false");
        cfx_cli_analysis_json(stdout, a);
        printf("}\n");
    } else if (a->is_sweep)
        sweep_table(stdout, a);
    else
        run_table(stdout, a);
    cfx_analysis_free(a);
    return 0;
}
