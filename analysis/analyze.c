/* The metrics of one run, computed from its daily series (no file access here).
 * Sums over days run in day order, so the same series always give the same bits. */
#include "analysis/analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int cfx_analyze_window(const cfx_analyze_opts *o, long n_days, long *from, long *days,
                       cfx_error *err)
{
    *from = o ? o->baseline_from : 0;
    *days = o && o->baseline_days > 0 ? o->baseline_days : CFX_BASELINE_DAYS;
    if (n_days <= 0)
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0, "the file holds no days");
    if (!o || o->baseline_days <= 0) {
        /* the default window shrinks to fit a short run; a stated one must fit */
        if (*days > n_days - *from)
            *days = n_days - *from;
    }
    if (*from < 0 || *days <= 0 || *from + *days > n_days)
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0,
                             "baseline window days %ld..%ld is outside the run's %ld days", *from,
                             *from + *days - 1, n_days);
    return 0;
}

static double window_mean(const double *x, size_t stride, long from, long days)
{
    double s = 0;
    for (long d = from; d < from + days; d++)
        s += x[(size_t)d * stride];
    return s / (double)days;
}

void cfx_analyze_product(const double *price, const double *demand, const double *shortfall,
                         size_t stride, long n_days, long from, long days, cfx_product_metrics *out)
{
    cfx_product_metrics m = {0};
    m.baseline_usd_per_kg = window_mean(price, stride, from, days);
    m.baseline_demand_t_per_day = window_mean(demand, stride, from, days);
    m.peak_usd_per_kg = -INFINITY;
    m.worst_day = -1;
    double base = m.baseline_usd_per_kg;
    for (long d = 0; d < n_days; d++) {
        double p = price[(size_t)d * stride], s = shortfall[(size_t)d * stride];
        if (p > m.peak_usd_per_kg) {
            m.peak_usd_per_kg = p;
            m.peak_day = d;
        }
        if (p > (1 + CFX_HIGH_PRICE) * base)
            m.days_above++;
        m.shortfall_t += s;
        m.mean_usd_per_kg += p / (double)n_days;
        if (s > 0 && s > m.worst_shortfall_t_per_day) {
            m.worst_shortfall_t_per_day = s;
            m.worst_day = d;
        }
    }
    m.peak_change_pct = base > 0 ? 100.0 * (m.peak_usd_per_kg / base - 1) : 0;
    double demand_t = m.baseline_demand_t_per_day * (double)n_days;
    m.shortfall_share = demand_t > 0 ? m.shortfall_t / demand_t : 0;
    /* recovery: the first day from the peak on where a run of CFX_RECOVERY_DAYS days in the
     * band starts; `run` counts the current streak of days in the band */
    m.recovery_day = -1;
    long run = 0;
    for (long d = m.peak_day; d < n_days; d++) {
        double p = price[(size_t)d * stride];
        run = fabs(p - base) <= CFX_RECOVERY_BAND * base ? run + 1 : 0;
        if (run == CFX_RECOVERY_DAYS) {
            m.recovery_day = d - CFX_RECOVERY_DAYS + 1;
            break;
        }
    }
    *out = m;
}

void cfx_metrics_free(cfx_metrics *m)
{
    if (!m)
        return;
    free(m->products);
    free(m->gate_t);
    free(m->groups);
    memset(m, 0, sizeof *m);
}

int cfx_metrics_compute(cfx_metrics *out, const cfx_series *s, const cfx_analyze_opts *o,
                        cfx_error *err)
{
    long from, days;
    memset(out, 0, sizeof *out);
    int rc = cfx_analyze_window(o, s->n_days, &from, &days, err);
    if (rc)
        return rc;
    size_t n_gates = 0;
    for (size_t i = 0; i < s->n_nodes; i++)
        n_gates += s->is_gate[i] != 0;
    out->n_days = s->n_days;
    out->n_products = s->n_products;
    out->n_gates = n_gates;
    out->n_groups = s->n_groups;
    out->products = calloc(s->n_products + 1, sizeof *out->products);
    out->gate_t = calloc(n_gates + 1, sizeof *out->gate_t);
    out->groups = calloc(s->n_groups + 1, sizeof *out->groups);
    if (!out->products || !out->gate_t || !out->groups) {
        cfx_metrics_free(out);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t p = 0; p < s->n_products; p++) {
        cfx_analyze_product(s->price + p, s->demand + p, s->shortfall + p, s->n_products, s->n_days,
                            from, days, &out->products[p]);
        double t = s->delivered ? 0 : NAN;
        for (long d = 0; s->delivered && d < s->n_days; d++)
            t += s->delivered[(size_t)d * s->n_products + p];
        out->products[p].delivered_t = t;
    }
    out->queue_day = out->queue_node = -1;
    for (long d = 0; s->queued && d < s->n_days; d++) {
        double total = 0, most = 0;
        long at = -1;
        for (size_t i = 0; i < s->n_nodes; i++) {
            double q = s->queued[(size_t)d * s->n_nodes + i];
            total += q;
            if (q > most) {
                most = q;
                at = (long)i;
            }
        }
        if (total > out->queue_max_t) {
            out->queue_max_t = total;
            out->queue_day = d;
            out->queue_node = at;
        }
    }
    for (size_t i = 0, g = 0; i < s->n_nodes; i++) {
        if (!s->is_gate[i])
            continue;
        for (long d = 0; d < s->n_days; d++)
            out->gate_t[g] += s->node_throughput[(size_t)d * s->n_nodes + i];
        g++;
    }
    long last = s->n_days < CFX_BASELINE_DAYS ? s->n_days : CFX_BASELINE_DAYS;
    double delivered = 0;
    for (size_t g = 0; g < s->n_groups; g++) {
        cfx_group_metrics *m = &out->groups[g];
        const double *rev = s->group_revenue + g;
        m->first_month_usd_per_day = window_mean(rev, s->n_groups, from, days);
        m->last_month_usd_per_day = window_mean(rev, s->n_groups, s->n_days - last, last);
        m->seizure_gain_usd = s->group_seizure_gain ? 0 : NAN;
        m->seizure_loss_usd = s->group_seizure_loss ? 0 : NAN;
        for (long d = 0; d < s->n_days; d++) {
            size_t at = (size_t)d * s->n_groups + g;
            m->revenue_usd += rev[(size_t)d * s->n_groups];
            m->delivered_t += s->delivered_by_controller[at];
            if (s->group_seizure_gain)
                m->seizure_gain_usd += s->group_seizure_gain[at];
            if (s->group_seizure_loss)
                m->seizure_loss_usd += s->group_seizure_loss[at];
        }
        m->revenue_vs_first_month_usd =
            m->revenue_usd - m->first_month_usd_per_day * (double)s->n_days;
        m->revenue_change_pct =
            m->first_month_usd_per_day > 0
                ? 100.0 * (m->last_month_usd_per_day / m->first_month_usd_per_day - 1)
                : 0;
        delivered += m->delivered_t;
    }
    for (size_t g = 0; g < s->n_groups; g++)
        out->groups[g].provenance_share =
            delivered > 0 ? out->groups[g].delivered_t / delivered : 0;
    return 0;
}

/* Appends one metric when the outputs are given; returns the new count. */
static size_t put(size_t i, char (*names)[CFX_ANALYZE_METRIC], double *values, double v,
                  const char *prefix, const char *label, const char *field)
{
    if (names)
        snprintf(names[i], CFX_ANALYZE_METRIC, "%s%s.%s", prefix, label, field);
    if (values)
        values[i] = v;
    return i + 1;
}

size_t cfx_metrics_flatten(const cfx_metrics *m, const char (*product)[CFX_ANALYZE_NAME],
                           const char (*gate)[CFX_ANALYZE_NAME],
                           const char (*group)[CFX_ANALYZE_NAME], char (*names)[CFX_ANALYZE_METRIC],
                           double *values)
{
    size_t i = 0;
    for (size_t p = 0; p < m->n_products; p++) {
        const cfx_product_metrics *x = &m->products[p];
        const char *l = product[p];
        i = put(i, names, values, x->baseline_usd_per_kg, "", l, "baseline_usd_per_kg");
        i = put(i, names, values, x->peak_usd_per_kg, "", l, "peak_usd_per_kg");
        i = put(i, names, values, x->mean_usd_per_kg, "", l, "mean_usd_per_kg");
        i = put(i, names, values, (double)x->peak_day, "", l, "peak_day");
        i = put(i, names, values, x->peak_change_pct, "", l, "peak_change_pct");
        i = put(i, names, values, (double)x->days_above, "", l, "days_above_20pct");
        i = put(i, names, values, x->shortfall_t, "", l, "shortfall_t");
        i = put(i, names, values, x->shortfall_share, "", l, "shortfall_share");
        i = put(i, names, values, x->delivered_t, "", l, "delivered_t");
        i = put(i, names, values, (double)x->worst_day, "", l, "worst_day");
        i = put(i, names, values, (double)(x->recovery_day < 0 ? m->n_days : x->recovery_day), "",
                l, "recovery_day");
    }
    for (size_t g = 0; g < m->n_gates; g++)
        i = put(i, names, values, m->gate_t[g], "gate.", gate[g], "t");
    i = put(i, names, values, m->queue_max_t, "", "queue", "max_t");
    for (size_t g = 0; g < m->n_groups; g++) {
        const cfx_group_metrics *x = &m->groups[g];
        i = put(i, names, values, x->revenue_usd, "group.", group[g], "revenue_usd");
        i = put(i, names, values, x->revenue_change_pct, "group.", group[g], "revenue_change_pct");
        i = put(i, names, values, x->provenance_share, "group.", group[g], "provenance_share");
        i = put(i, names, values, x->seizure_gain_usd, "group.", group[g], "seizure_gain_usd");
        i = put(i, names, values, x->seizure_loss_usd, "group.", group[g], "seizure_loss_usd");
    }
    return i;
}
