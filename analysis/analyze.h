/* conflux analyze: the metrics of a run (prices, shortfall, gates, revenue, provenance), and
 * over a sweep's members their percentiles and their sensitivity to each parameter (Sobol
 * indices for a Saltelli design, standardized regression coefficients otherwise).
 * analyze.c computes from arrays, sensitivity.c holds the estimators, analyze_file.c reads
 * result files (HDF5) and writes a sweep's percentile series back into it. */
#ifndef CFX_ANALYZE_H
#define CFX_ANALYZE_H

#include <stddef.h>

#include "core/error.h"
#include "core/saltelli.h"

#define CFX_ANALYZE_NAME 64    /* bytes of a product, gate or group name */
#define CFX_ANALYZE_METRIC 160 /* bytes of a flattened metric name */
#define CFX_RECOVERY_BAND 0.05 /* recovered: within 5 % of the baseline price ... */
#define CFX_RECOVERY_DAYS 30   /* ... for this many consecutive days */
#define CFX_END_DAYS 30        /* a sweep warns of peaks in the run's last 30 days ... */
#define CFX_END_SHARE 0.25     /* ... in at least a quarter of its finished members (both
                                  thresholds an assumption: where a warning starts to help) */
#define CFX_HIGH_PRICE 0.20    /* "days above": price more than 20 % over baseline */
#define CFX_BASELINE_DAYS 30   /* the default baseline window: the run's first 30 days */

typedef struct cfx_product_metrics {
    double baseline_usd_per_kg;       /* mean price over the baseline window */
    double peak_usd_per_kg;           /* highest daily price */
    double mean_usd_per_kg;           /* mean daily price over the run */
    long peak_day;                    /* first day it was reached (days since start) */
    double peak_change_pct;           /* 100 (peak / baseline - 1) */
    long days_above;                  /* days with price > (1 + CFX_HIGH_PRICE) baseline */
    double shortfall_t;               /* sum of the daily shortfall, t of oxide */
    double baseline_demand_t_per_day; /* mean demand over the baseline window */
    double shortfall_share;           /* shortfall_t / (baseline demand x days), 0..1 */
    double delivered_t;               /* oxide delivered through the network, t (sum of the
                                         daily `delivered`; NaN when the file lacks it) */
    long worst_day;                   /* day of the largest shortfall (-1: no shortfall) */
    double worst_shortfall_t_per_day;
    long recovery_day; /* first day from the peak on that starts CFX_RECOVERY_DAYS days within
                          CFX_RECOVERY_BAND of baseline; -1: not recovered by the run's end */
} cfx_product_metrics;

typedef struct cfx_group_metrics {
    double revenue_usd;                /* over the run */
    double first_month_usd_per_day;    /* mean over the baseline window */
    double last_month_usd_per_day;     /* mean over the run's last 30 days */
    double revenue_change_pct;         /* last month against the first, % (0 if first is 0) */
    double revenue_vs_first_month_usd; /* sum over the run of (daily - first-month level) */
    double delivered_t;                /* concentrate from mines it held, t */
    double provenance_share;           /* its share of all delivered concentrate, 0..1 */
    double seizure_gain_usd;           /* of revenue_usd: cargo it seized, sold on (NaN: the
                                          file does not say) */
    double seizure_loss_usd;           /* its cargo seized by others, at value (NaN: as above) */
} cfx_group_metrics;

/* One run's series, read-only views, rows are days. Layout: x[day * n + i]. */
typedef struct cfx_series {
    long n_days;
    size_t n_products, n_nodes, n_groups;
    const double *price;                   /* n_days x n_products, USD/kg */
    const double *demand;                  /* n_days x n_products, t/day */
    const double *shortfall;               /* n_days x n_products, t/day */
    const double *delivered;               /* n_days x n_products, t/day; NULL: not known */
    const double *queued;                  /* n_days x n_nodes, t; NULL: not known */
    const double *node_throughput;         /* n_days x n_nodes, t/day */
    const double *group_revenue;           /* n_days x n_groups, USD/day */
    const double *group_seizure_gain;      /* n_days x n_groups, USD/day; NULL: not known */
    const double *group_seizure_loss;      /* n_days x n_groups, USD/day; NULL: not known */
    const double *delivered_by_controller; /* n_days x n_groups, t/day */
    const unsigned char *is_gate;          /* n_nodes flags */
} cfx_series;

typedef struct cfx_metrics {
    long n_days;
    size_t n_products, n_gates, n_groups;
    cfx_product_metrics *products; /* n_products */
    double *gate_t;                /* n_gates: cargo through each gate, t */
    cfx_group_metrics *groups;     /* n_groups */
    /* cargo waiting for road or gate capacity (the queued series): the most on any day's
     * end, t, that day (-1: never any), and the node holding most of it then (-1) */
    double queue_max_t;
    long queue_day;
    long queue_node;
} cfx_metrics;

/* The baseline window [from, from + days) of o (NULL: the defaults), checked against
 * n_days; CFX_EINVAL when it is empty or runs past the end. */
int cfx_analyze_window(const cfx_analyze_opts *o, long n_days, long *from, long *days,
                       cfx_error *err);
/* The metrics of one product: x[day * stride] is its value on day. */
void cfx_analyze_product(const double *price, const double *demand, const double *shortfall,
                         size_t stride, long n_days, long from, long days,
                         cfx_product_metrics *out);
/* Every metric of a run; out's arrays are allocated here (cfx_metrics_free). */
int cfx_metrics_compute(cfx_metrics *out, const cfx_series *s, const cfx_analyze_opts *o,
                        cfx_error *err);
void cfx_metrics_free(cfx_metrics *m);

/* The metrics as one flat list, for sweeps: "<product>.peak_usd_per_kg", "gate.<id>.t",
 * "group.<name>.provenance_share", ... Names come from the labels; a recovery that did not
 * happen counts as the run's length. Returns the count; writes only when names/values are
 * not NULL (call once with NULLs to size them). */
size_t cfx_metrics_flatten(const cfx_metrics *m, const char (*product)[CFX_ANALYZE_NAME],
                           const char (*gate)[CFX_ANALYZE_NAME],
                           const char (*group)[CFX_ANALYZE_NAME], char (*names)[CFX_ANALYZE_METRIC],
                           double *values);

/* ---- estimators (sensitivity.c) ---- */

/* The q-quantile (0..1) of the finite values among x[0], x[stride], ... x[(n-1) stride],
 * interpolated linearly between order statistics (as numpy's default). work holds n
 * doubles. NaN when none is finite. */
double cfx_quantile(const double *x, size_t n, size_t stride, double q, double *work);

/* First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices from y evaluated on
 * such a design: y[j (k+2) + c]. Blocks with a non-finite y are skipped; fewer than two
 * usable blocks, or zero variance, give NaN. first, total: k each. Returns the blocks used. */
size_t cfx_sobol_indices(const double *y, size_t n, size_t k, double *first, double *total);
/* 95 % percentile bootstrap intervals of the same indices: reps resamples of the n blocks
 * with replacement, drawn from the Philox generator with a fixed key (the same sweep gives
 * the same intervals). lo, hi: 2k values each, the k first-order then the k total indices.
 * 0, or CFX_ENOMEM. */
int cfx_sobol_bootstrap(const double *y, size_t n, size_t k, size_t reps, double *lo, double *hi);
/* Resamples behind the intervals conflux analyze reports. */
#define CFX_BOOTSTRAP_REPS 500
/* Standardized regression coefficients b_i sd(x_i) / sd(y) of y on x (n x k, row-major)
 * with an intercept, by least squares (gsl_multifit_linear), and R^2. Rows with a
 * non-finite y are skipped; a constant parameter gets NaN; too few rows: all NaN. */
int cfx_src(const double *x, const double *y, size_t n, size_t k, double *src, double *r2);

/* ---- result files (analyze_file.c) ---- */

enum { CFX_SENS_NONE, CFX_SENS_SOBOL, CFX_SENS_SRC };

struct cfx_analysis {
    char path[1024];
    char scenario[256];
    char start[32]; /* ISO date of day 0 */
    int complete;   /* the file's complete attribute (a sweep: 1) */
    int is_sweep;
    long n_days;
    size_t n_products, n_gates, n_groups;
    char (*product)[CFX_ANALYZE_NAME];
    char (*gate)[CFX_ANALYZE_NAME]; /* node ids of the gates */
    size_t n_nodes;
    char queue_node_id[CFX_ANALYZE_NAME]; /* the node id of run.queue_node ("": none) */
    char (*group)[CFX_ANALYZE_NAME];
    long baseline_from, baseline_days;
    cfx_metrics run; /* a run's metrics (a sweep: unused, zero) */

    /* The metrics by flattened name (cfx_metrics_flatten). A run: one value each, and
     * quantile holds it three times. */
    size_t n_metrics;
    char (*metric)[CFX_ANALYZE_METRIC];
    double *value;    /* n_members x n_metrics (a run: n_metrics), NaN for failed members */
    double *quantile; /* n_metrics x 3: 5th, 50th, 95th percentile over members */

    /* a sweep */
    size_t n_members, n_ok;
    long *member_seed;  /* n_members */
    int *member_status; /* n_members, 0: finished */
    size_t n_params;
    char (*param)[CFX_ANALYZE_METRIC];      /* the variable names, param_... */
    char (*param_path)[CFX_ANALYZE_METRIC]; /* their dotted paths (sweep_path attribute) */
    double *param_value;                    /* n_members x n_params */
    char design[16];                        /* the file's design attribute ("" when absent) */
    int sens_method;                        /* CFX_SENS_* */
    size_t sobol_blocks;                    /* usable Saltelli blocks (sobol) */
    double *sens_first;                     /* n_metrics x n_params: first-order index, or SRC */
    double *sens_total;        /* n_metrics x n_params: total index (sobol only, else NULL) */
    double *sens_lo, *sens_hi; /* sobol only: n_metrics x 2 n_params, 95 % bootstrap intervals
                                  of the first-order (first n_params) and total indices */
    double *sens_r2;           /* n_metrics: R^2 of the regression (SRC only, else NULL) */
    char sens_note[256];       /* why sensitivities are missing, "" when present */
    int wrote_quantiles;       /* the *_q05/_q50/_q95 series were written into the file */
    int write_error;           /* the write-back failed once under way: CFX_EINVAL (a series
                                  could not be read), CFX_ENOMEM or CFX_EHDF5; 0 otherwise */
    /* A sweep's metrics whose day sits in the run's last CFX_END_DAYS days in at least
     * CFX_END_SHARE of the finished members (a peak bounded by the run's end), with that
     * share: n_warnings entries. */
    size_t n_warnings;
    size_t *warn_metric; /* index into metric (a <product>.peak_day or .worst_day) */
    double *warn_share;
    char write_note[1200];     /* what became of the write-back: why the series were not written,
                                  or that they were; "" when none was asked */
};


#endif
