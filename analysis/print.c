/* How the metrics of conflux analyze and the summary of conflux run are shown: text tables
 * for a terminal and JSON for programs. Everything here only prints what analyze.c and
 * analyze_file.c computed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"
#include "core/date.h"
#include "core/util.h"

/* ISO date of day `day` of the run ("" when the file's start is not a date). */
static void date_of(const cfx_analysis *a, long day, char *buf, size_t n)
{
    long z;
    char iso[16];
    buf[0] = '\0';
    if (day < 0 || cfx_date_parse_iso(a->start, &z))
        return;
    cfx_date_iso(z + day, iso);
    snprintf(buf, n, "%s", iso);
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
    cfx_json_str(f, key);
    fputs(": ", f);
}

/* Opens the i-th member object "name": { of an enclosing object. */
static void jobj(FILE *f, size_t i, const char *name)
{
    fputs(i ? ", " : "", f);
    cfx_json_str(f, name);
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

/* The metrics of a run as one JSON object (conflux run --json embeds it). */
static void metrics_json(FILE *f, const cfx_analysis *a)
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
        jnum(f, &f2, "delivered_t", x->delivered_t);
        jday(f, &f2, "worst_day", x->worst_day);
        jnum(f, &f2, "worst_shortfall_t_per_day", x->worst_shortfall_t_per_day);
        jday(f, &f2, "recovery_day", x->recovery_day);
        fputs("}", f);
    }
    fputs("}", f);
    jkey(f, &first, "queue");
    fputs("{", f);
    int fq = 1;
    jnum(f, &fq, "max_t", m->queue_max_t);
    jday(f, &fq, "day", m->queue_day);
    jkey(f, &fq, "node");
    if (m->queue_node >= 0 && (size_t)m->queue_node < a->n_nodes)
        cfx_json_str(f, a->node[m->queue_node]);
    else
        fputs("null", f);
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
    cfx_json_str(f, a->path);
    jkey(f, &first, "kind");
    fputs("\"sweep\"", f);
    jkey(f, &first, "scenario");
    cfx_json_str(f, a->scenario);
    jkey(f, &first, "design");
    cfx_json_str(f, a->design);
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
        cfx_json_str(f, a->param[i]);
        fputs(": ", f);
        cfx_json_str(f, a->param_path[i]);
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
    cfx_json_str(f, a->sens_note);
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

/* When cargo waited for road or gate capacity: how much at most, when and where. */
static void queue_line(FILE *f, const cfx_analysis *a, const char *indent)
{
    const cfx_metrics *m = &a->run;
    if (!(m->queue_max_t > 0))
        return;
    char date[32];
    date_of(a, m->queue_day, date, sizeof date);
    fprintf(f,
            "%scapacity: cargo waited for road or gate capacity, up to %.0f t on day %ld %s "
            "(most of it at %s)\n",
            indent, m->queue_max_t, m->queue_day, date,
            m->queue_node >= 0 && (size_t)m->queue_node < a->n_nodes ? a->node[m->queue_node]
                                                                      : "?");
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
        date_of(a, x->peak_day, date, sizeof date);
        snprintf(peak, sizeof peak, "%ld %s", x->peak_day, date);
        if (x->worst_day >= 0) {
            date_of(a, x->worst_day, date, sizeof date);
            snprintf(worst, sizeof worst, "%ld %s", x->worst_day, date);
        }
        if (x->recovery_day >= 0) {
            date_of(a, x->recovery_day, date2, sizeof date2);
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
    queue_line(f, a, "  ");
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

void cfx_analysis_print_json(const cfx_analysis *a, FILE *f)
{
    if (a->is_sweep) {
        sweep_json(f, a);
        return;
    }
    fprintf(f, "{\"file\": ");
    cfx_json_str(f, a->path);
    fprintf(f, ", \"kind\": \"run\", \"scenario\": ");
    cfx_json_str(f, a->scenario);
    fprintf(f, ", \"start\": ");
    cfx_json_str(f, a->start);
    fprintf(f, ", \"days\": %ld, \"complete\": %s, \"metrics\": ", a->n_days,
            a->complete ? "true" : "false");
    metrics_json(f, a);
    fprintf(f, "}\n");
}

void cfx_analysis_print(const cfx_analysis *a, FILE *f)
{
    if (a->is_sweep)
        sweep_table(f, a);
    else
        run_table(f, a);
}

/* ---------------------------------------------------------------- conflux run's summary */

void cfx_run_print_summary(const cfx_run_result *r, const cfx_analysis *a, FILE *f)
{
    fprintf(f, "%s: %ld of %ld days in %.2f s on %d thread%s%s\n", r->scenario, r->days_run,
            r->days, r->wall_seconds, r->threads, r->threads == 1 ? "" : "s",
            r->complete ? "" : " (INCOMPLETE)");
    if (a && !a->is_sweep) {
        fprintf(f, "  %-8s %14s %14s %10s %18s %14s\n", "product", "baseline USD/kg",
                "peak USD/kg", "peak day", "shortfall t (%)", "delivered t");
        for (size_t p = 0; p < a->run.n_products; p++) {
            const cfx_product_metrics *x = &a->run.products[p];
            fprintf(f, "  %-8s %14.1f %14.1f %10ld %11.1f (%4.1f%%) %14.1f\n", a->product[p],
                    x->baseline_usd_per_kg, x->peak_usd_per_kg, x->peak_day, x->shortfall_t,
                    100 * x->shortfall_share, x->delivered_t);
        }
    }
    if (a && !a->is_sweep)
        queue_line(f, a, "  ");
    fprintf(f,
            "  cargo: produced %.0f t, delivered %.0f t, in transit %.0f t, waiting %.0f t,"
            " seized %.0f t, lost %.0f t\n",
            r->produced_t, r->arrived_t, r->in_transit_t, r->stock_t, r->seized_t, r->lost_t);
    fprintf(f, "  %llu node arrivals, %zu events; output: %s\n",
            (unsigned long long)r->hop_events, r->n_events, r->output);
}

void cfx_run_print_json(const cfx_run_result *r, const cfx_analysis *a, FILE *f)
{
    fprintf(f, "{\"scenario\": ");
    cfx_json_str(f, r->scenario);
    fprintf(f,
            ", \"days\": %ld, \"days_run\": %ld, \"complete\": %s, \"threads\": %d, "
            "\"wall_seconds\": %.6f, \"load_seconds\": %.6f, \"output_seconds\": %.6f, "
            "\"hop_events\": %llu, \"shipment_days\": %llu, \"peak_rss_bytes\": %ld, "
            "\"output\": ",
            r->days, r->days_run, r->complete ? "true" : "false", r->threads, r->wall_seconds,
            r->load_seconds, r->output_seconds, (unsigned long long)r->hop_events,
            (unsigned long long)r->shipment_days, r->peak_rss_bytes);
    cfx_json_str(f, r->output);
    fprintf(f,
            ", \"produced_t\": %.3f, \"arrived_t\": %.3f, \"in_transit_t\": %.3f, "
            "\"stock_t\": %.3f, \"seized_t\": %.3f, \"lost_t\": %.3f, \"events\": %zu, "
            "\"products\": {",
            r->produced_t, r->arrived_t, r->in_transit_t, r->stock_t, r->seized_t, r->lost_t,
            r->n_events);
    /* the headline of each product, and under "analysis" every metric of conflux analyze:
     * both from the same analysis of the file just written */
    for (size_t p = 0; a && !a->is_sweep && p < a->run.n_products; p++) {
        const cfx_product_metrics *x = &a->run.products[p];
        int first = 1;
        jobj(f, p, a->product[p]);
        jnum(f, &first, "baseline_price_usd_per_kg", x->baseline_usd_per_kg);
        jnum(f, &first, "peak_price_usd_per_kg", x->peak_usd_per_kg);
        jday(f, &first, "peak_day", x->peak_day);
        jnum(f, &first, "peak_change_pct", x->peak_change_pct);
        jnum(f, &first, "shortfall_t", x->shortfall_t);
        jnum(f, &first, "shortfall_share", x->shortfall_share);
        jnum(f, &first, "delivered_t", x->delivered_t);
        fputs("}", f);
    }
    fprintf(f, "}, \"analysis\": ");
    if (a && !a->is_sweep)
        metrics_json(f, a);
    else
        fputs("null", f);
    fprintf(f, "}\n");
}
