/* How the metrics of conflux analyze and the summary of conflux run are shown: text tables
 * for a terminal and JSON for programs. Everything here only prints what analyze.c and
 * analyze_file.c computed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"
#include "core/date.h"
#include "core/json.h"

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

/* A day of the run, or null when there is none (-1). */
static json_t *jday(long day)
{
    return day >= 0 ? json_integer(day) : json_null();
}

/* One product's metrics (NULL when out of memory, as for every builder here). */
static json_t *product_json(const cfx_product_metrics *x)
{
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "baseline_usd_per_kg", cfx_json_num(x->baseline_usd_per_kg));
    e |= cfx_json_set(o, "peak_usd_per_kg", cfx_json_num(x->peak_usd_per_kg));
    e |= cfx_json_set(o, "mean_usd_per_kg", cfx_json_num(x->mean_usd_per_kg));
    e |= cfx_json_set(o, "peak_day", jday(x->peak_day));
    e |= cfx_json_set(o, "peak_change_pct", cfx_json_num(x->peak_change_pct));
    e |= cfx_json_set(o, "days_above_20pct", json_integer(x->days_above));
    e |= cfx_json_set(o, "shortfall_t", cfx_json_num(x->shortfall_t));
    e |= cfx_json_set(o, "baseline_demand_t_per_day", cfx_json_num(x->baseline_demand_t_per_day));
    e |= cfx_json_set(o, "shortfall_share", cfx_json_num(x->shortfall_share));
    e |= cfx_json_set(o, "delivered_t", cfx_json_num(x->delivered_t));
    e |= cfx_json_set(o, "worst_day", jday(x->worst_day));
    e |= cfx_json_set(o, "worst_shortfall_t_per_day", cfx_json_num(x->worst_shortfall_t_per_day));
    e |= cfx_json_set(o, "recovery_day", jday(x->recovery_day));
    return cfx_json_checked(o, e);
}

static json_t *group_json(const cfx_group_metrics *x)
{
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "revenue_usd", cfx_json_num(x->revenue_usd));
    e |= cfx_json_set(o, "first_month_usd_per_day", cfx_json_num(x->first_month_usd_per_day));
    e |= cfx_json_set(o, "last_month_usd_per_day", cfx_json_num(x->last_month_usd_per_day));
    e |= cfx_json_set(o, "revenue_change_pct", cfx_json_num(x->revenue_change_pct));
    e |= cfx_json_set(o, "revenue_vs_first_month_usd", cfx_json_num(x->revenue_vs_first_month_usd));
    e |= cfx_json_set(o, "delivered_t", cfx_json_num(x->delivered_t));
    e |= cfx_json_set(o, "provenance_share", cfx_json_num(x->provenance_share));
    e |= cfx_json_set(o, "seizure_gain_usd", cfx_json_num(x->seizure_gain_usd));
    e |= cfx_json_set(o, "seizure_loss_usd", cfx_json_num(x->seizure_loss_usd));
    return cfx_json_checked(o, e);
}

/* The metrics of a run as one JSON object (conflux run --json embeds it). */
static json_t *metrics_json(const cfx_analysis *a)
{
    const cfx_metrics *m = &a->run;
    json_t *o = json_object(), *products = json_object(), *queue = json_object(),
           *gates = json_object(), *groups = json_object();
    int e = 0;
    e |= cfx_json_set(o, "baseline_from_day", json_integer(a->baseline_from));
    e |= cfx_json_set(o, "baseline_days", json_integer(a->baseline_days));
    for (size_t p = 0; p < m->n_products; p++)
        e |= cfx_json_set(products, a->product[p], product_json(&m->products[p]));
    e |= cfx_json_set(o, "products", products);
    e |= cfx_json_set(queue, "max_t", cfx_json_num(m->queue_max_t));
    e |= cfx_json_set(queue, "day", jday(m->queue_day));
    e |= cfx_json_set(queue, "node",
                      m->queue_node >= 0 ? cfx_json_text(a->queue_node_id) : json_null());
    e |= cfx_json_set(o, "queue", queue);
    for (size_t g = 0; g < m->n_gates; g++)
        e |= cfx_json_set(gates, a->gate[g], cfx_json_num(m->gate_t[g]));
    e |= cfx_json_set(o, "gates_t", gates);
    for (size_t g = 0; g < m->n_groups; g++)
        e |= cfx_json_set(groups, a->group[g], group_json(&m->groups[g]));
    e |= cfx_json_set(o, "groups", groups);
    return cfx_json_checked(o, e);
}

/* Each member of a sweep: its seed, status, parameters and (finished) metrics. */
static json_t *members_json(const cfx_analysis *a)
{
    size_t K = a->n_metrics, k = a->n_params;
    json_t *arr = json_array();
    int e = 0;
    for (size_t m = 0; m < a->n_members; m++) {
        json_t *o = json_object(), *params = json_object(), *metrics = json_object();
        e |= cfx_json_set(o, "index", json_integer((json_int_t)m));
        e |= cfx_json_set(o, "seed", json_integer(a->member_seed[m]));
        e |= cfx_json_set(o, "status", json_integer(a->member_status[m]));
        for (size_t i = 0; i < k; i++)
            e |= cfx_json_set(params, a->param[i], cfx_json_num(a->param_value[m * k + i]));
        e |= cfx_json_set(o, "params", params);
        for (size_t i = 0; i < K && a->member_status[m] == 0; i++)
            e |= cfx_json_set(metrics, a->metric[i], cfx_json_num(a->value[m * K + i]));
        e |= cfx_json_set(o, "metrics", metrics);
        e |= cfx_json_push(arr, o);
    }
    return cfx_json_checked(arr, e);
}

/* One metric's sensitivity to each parameter: Sobol indices with their 95 % bootstrap
 * intervals, or standardized regression coefficients. */
static json_t *sens_metric_json(const cfx_analysis *a, size_t i)
{
    size_t k = a->n_params;
    json_t *o = json_object();
    int e = 0;
    if (a->sens_r2)
        e |= cfx_json_set(o, "r2", cfx_json_num(a->sens_r2[i]));
    for (size_t j = 0; j < k; j++) {
        json_t *p = json_object();
        e |= cfx_json_set(p, a->sens_total ? "first" : "src",
                          cfx_json_num(a->sens_first[i * k + j]));
        if (a->sens_total) {
            e |= cfx_json_set(p, "total", cfx_json_num(a->sens_total[i * k + j]));
            e |= cfx_json_set(p, "first_lo", cfx_json_num(a->sens_lo[i * 2 * k + j]));
            e |= cfx_json_set(p, "first_hi", cfx_json_num(a->sens_hi[i * 2 * k + j]));
            e |= cfx_json_set(p, "total_lo", cfx_json_num(a->sens_lo[i * 2 * k + k + j]));
            e |= cfx_json_set(p, "total_hi", cfx_json_num(a->sens_hi[i * 2 * k + k + j]));
        }
        e |= cfx_json_set(o, a->param[j], p);
    }
    return cfx_json_checked(o, e);
}

static json_t *sensitivity_json(const cfx_analysis *a)
{
    json_t *o = json_object(), *metrics = json_object();
    int e = 0;
    e |= cfx_json_set(o, "method",
                      a->sens_method == CFX_SENS_SOBOL ? json_string("sobol")
                      : a->sens_method == CFX_SENS_SRC ? json_string("src")
                                                       : json_null());
    if (a->sens_method == CFX_SENS_SOBOL)
        e |= cfx_json_set(o, "blocks", json_integer((json_int_t)a->sobol_blocks));
    e |= cfx_json_set(o, "note", cfx_json_text(a->sens_note));
    for (size_t i = 0; a->sens_method != CFX_SENS_NONE && i < a->n_metrics; i++)
        e |= cfx_json_set(metrics, a->metric[i], sens_metric_json(a, i));
    e |= cfx_json_set(o, "metrics", metrics);
    return cfx_json_checked(o, e);
}

static json_t *sweep_json(const cfx_analysis *a)
{
    json_t *o = json_object(), *params = json_object(), *pct = json_object();
    int e = 0;
    e |= cfx_json_set(o, "file", cfx_json_text(a->path));
    e |= cfx_json_set(o, "kind", json_string("sweep"));
    e |= cfx_json_set(o, "scenario", cfx_json_text(a->scenario));
    e |= cfx_json_set(o, "design", cfx_json_text(a->design));
    e |= cfx_json_set(o, "days", json_integer(a->n_days));
    e |= cfx_json_set(o, "baseline_from_day", json_integer(a->baseline_from));
    e |= cfx_json_set(o, "baseline_days", json_integer(a->baseline_days));
    e |= cfx_json_set(o, "members", json_integer((json_int_t)a->n_members));
    e |= cfx_json_set(o, "members_finished", json_integer((json_int_t)a->n_ok));
    e |= cfx_json_set(o, "percentile_series_written", json_boolean(a->wrote_quantiles));
    for (size_t i = 0; i < a->n_params; i++)
        e |= cfx_json_set(params, a->param[i], cfx_json_text(a->param_path[i]));
    e |= cfx_json_set(o, "parameters", params);
    e |= cfx_json_set(o, "member", members_json(a));
    for (size_t i = 0; i < a->n_metrics; i++) {
        json_t *q = json_object();
        e |= cfx_json_set(q, "q05", cfx_json_num(a->quantile[3 * i]));
        e |= cfx_json_set(q, "q50", cfx_json_num(a->quantile[3 * i + 1]));
        e |= cfx_json_set(q, "q95", cfx_json_num(a->quantile[3 * i + 2]));
        e |= cfx_json_set(pct, a->metric[i], q);
    }
    e |= cfx_json_set(o, "percentiles", pct);
    /* metrics whose day falls in the run's last CFX_END_DAYS days in that share of members */
    json_t *late = json_object();
    for (size_t w = 0; w < a->n_warnings; w++)
        e |= cfx_json_set(late, a->metric[a->warn_metric[w]], cfx_json_num(a->warn_share[w]));
    e |= cfx_json_set(o, "late_in_run", late);
    e |= cfx_json_set(o, "sensitivity", sensitivity_json(a));
    return cfx_json_checked(o, e);
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
            m->queue_node >= 0 ? a->queue_node_id : "?");
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
    fprintf(f, "\n  %-8s %14s %14s %8s %15s %11s %13s %13s\n", "group", "first month",
            "last month", "change", "vs first month", "provenance", "seized: gain", "loss");
    fprintf(f, "  %-8s %14s %14s %8s %15s %11s %13s %13s\n", "", "USD/day", "USD/day", "",
            "USD total", "of delivered", "USD total", "USD total");
    for (size_t g = 0; g < m->n_groups; g++) {
        const cfx_group_metrics *x = &m->groups[g];
        fprintf(f, "  %-8s %14.0f %14.0f %+7.1f%% %+15.0f %10.1f%% %13.0f %13.0f\n", a->group[g],
                x->first_month_usd_per_day, x->last_month_usd_per_day, x->revenue_change_pct,
                x->revenue_vs_first_month_usd, 100 * x->provenance_share, x->seizure_gain_usd,
                x->seizure_loss_usd);
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
    if (a->n_warnings)
        fprintf(f,
                "  warning: in these shares of the members the day falls in the run's last %d "
                "days: the run ends\n  while they climb, so those peaks are lower bounds; take "
                "effects against a counterfactual\n  on the same days (conflux compare):",
                CFX_END_DAYS);
    for (size_t w = 0; w < a->n_warnings; w++)
        fprintf(f, "%s%s %.0f %%%s", w % 3 ? ", " : "\n    ", a->metric[a->warn_metric[w]],
                100 * a->warn_share[w], w + 1 == a->n_warnings ? "\n" : "");
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

int cfx_analysis_print_json(const cfx_analysis *a, FILE *f)
{
    if (a->is_sweep)
        return cfx_json_print(sweep_json(a), f);
    json_t *o = json_object();
    int bad = 0;
    bad |= cfx_json_set(o, "file", cfx_json_text(a->path));
    bad |= cfx_json_set(o, "kind", json_string("run"));
    bad |= cfx_json_set(o, "scenario", cfx_json_text(a->scenario));
    bad |= cfx_json_set(o, "start", cfx_json_text(a->start));
    bad |= cfx_json_set(o, "days", json_integer(a->n_days));
    bad |= cfx_json_set(o, "complete", json_boolean(a->complete));
    bad |= cfx_json_set(o, "metrics", metrics_json(a));
    return cfx_json_print(cfx_json_checked(o, bad), f);
}

void cfx_analysis_print(const cfx_analysis *a, FILE *f)
{
    if (a->is_sweep)
        sweep_table(f, a);
    else
        run_table(f, a);
}

/* Each group's account over the run: revenue (levies and seized cargo sold on) and the value
 * of its cargo that others seized, in million USD. */
static void accounts_line(FILE *f, const cfx_analysis *a)
{
    const cfx_metrics *m = &a->run;
    fprintf(f, "  accounts, million USD over the run:");
    for (size_t g = 0; g < m->n_groups; g++) {
        const cfx_group_metrics *x = &m->groups[g];
        fprintf(f, "%s %s revenue %.1f", g ? ";" : "", a->group[g], x->revenue_usd / 1e6);
        if (x->seizure_gain_usd > 0)
            fprintf(f, " (seized cargo %.1f)", x->seizure_gain_usd / 1e6);
        if (x->seizure_loss_usd > 0)
            fprintf(f, ", cargo seized from it %.1f", x->seizure_loss_usd / 1e6);
    }
    fputc('\n', f);
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
    if (a && !a->is_sweep)
        accounts_line(f, a);
    fprintf(f, "  %llu node arrivals, %zu events; output: %s\n",
            (unsigned long long)r->hop_events, r->n_events, r->output);
}

/* The headline of one product in conflux run --json. */
static json_t *headline_json(const cfx_product_metrics *x)
{
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "baseline_price_usd_per_kg", cfx_json_num(x->baseline_usd_per_kg));
    e |= cfx_json_set(o, "peak_price_usd_per_kg", cfx_json_num(x->peak_usd_per_kg));
    e |= cfx_json_set(o, "peak_day", jday(x->peak_day));
    e |= cfx_json_set(o, "peak_change_pct", cfx_json_num(x->peak_change_pct));
    e |= cfx_json_set(o, "shortfall_t", cfx_json_num(x->shortfall_t));
    e |= cfx_json_set(o, "shortfall_share", cfx_json_num(x->shortfall_share));
    e |= cfx_json_set(o, "delivered_t", cfx_json_num(x->delivered_t));
    return cfx_json_checked(o, e);
}

int cfx_run_print_json(const cfx_run_result *r, const cfx_analysis *a, FILE *f)
{
    json_t *o = json_object(), *products = json_object();
    int e = 0;
    e |= cfx_json_set(o, "scenario", cfx_json_text(r->scenario));
    e |= cfx_json_set(o, "days", json_integer(r->days));
    e |= cfx_json_set(o, "days_run", json_integer(r->days_run));
    e |= cfx_json_set(o, "complete", json_boolean(r->complete));
    e |= cfx_json_set(o, "threads", json_integer(r->threads));
    e |= cfx_json_set(o, "wall_seconds", cfx_json_real(r->wall_seconds));
    e |= cfx_json_set(o, "load_seconds", cfx_json_real(r->load_seconds));
    e |= cfx_json_set(o, "output_seconds", cfx_json_real(r->output_seconds));
    e |= cfx_json_set(o, "output_wait_seconds", cfx_json_real(r->output_wait_seconds));
    e |= cfx_json_set(o, "hop_events", json_integer((json_int_t)r->hop_events));
    e |= cfx_json_set(o, "shipment_days", json_integer((json_int_t)r->shipment_days));
    e |= cfx_json_set(o, "peak_rss_bytes", json_integer(r->peak_rss_bytes));
    e |= cfx_json_set(o, "output", cfx_json_text(r->output));
    e |= cfx_json_set(o, "produced_t", cfx_json_real(r->produced_t));
    e |= cfx_json_set(o, "arrived_t", cfx_json_real(r->arrived_t));
    e |= cfx_json_set(o, "in_transit_t", cfx_json_real(r->in_transit_t));
    e |= cfx_json_set(o, "stock_t", cfx_json_real(r->stock_t));
    e |= cfx_json_set(o, "seized_t", cfx_json_real(r->seized_t));
    e |= cfx_json_set(o, "lost_t", cfx_json_real(r->lost_t));
    e |= cfx_json_set(o, "events", json_integer((json_int_t)r->n_events));
    /* the headline of each product, and under "analysis" every metric of conflux analyze:
     * both from the same analysis of the file just written */
    for (size_t p = 0; a && !a->is_sweep && p < a->run.n_products; p++)
        e |= cfx_json_set(products, a->product[p], headline_json(&a->run.products[p]));
    e |= cfx_json_set(o, "products", products);
    e |= cfx_json_set(o, "analysis", a && !a->is_sweep ? metrics_json(a) : json_null());
    return cfx_json_print(cfx_json_checked(o, e), f);
}
