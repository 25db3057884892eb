/* Percentiles over members and the sensitivity estimators of conflux analyze: Sobol indices
 * on a Saltelli design (first order: Saltelli et al. 2010, Comput. Phys. Commun. 181:259,
 * table 2 (b), with f_B centred on the mean, which leaves its expectation as it is and keeps
 * a large mean (prices near 200 USD/kg) from swamping the estimate; total: Jansen 1999,
 * ibid. 117:35, table 2 (f)), and standardized regression
 * coefficients by least squares (GSL). */
#include "analysis/analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

#include "core/rng.h"

double cfx_quantile(const double *x, size_t n, size_t stride, double q, double *work)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride]))
            work[m++] = x[i * stride];
    if (!m)
        return NAN;
    gsl_sort(work, 1, m);
    return gsl_stats_quantile_from_sorted_data(work, 1, m, q);
}

/* A block is used only when every one of its k + 2 values is finite. */
static int block_ok(const double *f, size_t k)
{
    for (size_t c = 0; c < k + 2; c++)
        if (!isfinite(f[c]))
            return 0;
    return 1;
}

/* The indices from the blocks pick[0..m) (repeats allowed; NULL: blocks 0..m in order).
 * Returns the number of usable blocks among them. */
static size_t sobol_from(const double *y, const size_t *pick, size_t m, size_t k, double *first,
                         double *total)
{
    /* usable blocks, then the variance of f over A and B together (two-pass mean) */
    size_t used = 0;
    double mean = 0, var = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t t = 0; t < m; t++) {
            const double *f = y + (pick ? pick[t] : t) * (k + 2);
            if (!block_ok(f, k))
                continue;
            if (pass == 0) {
                used++;
                mean += f[0] + f[k + 1];
            } else {
                var += (f[0] - mean) * (f[0] - mean) + (f[k + 1] - mean) * (f[k + 1] - mean);
            }
        }
        if (pass == 0 && used)
            mean /= 2.0 * (double)used;
    }
    if (used < 2 || !(var > 0)) {
        for (size_t i = 0; i < k; i++)
            first[i] = total[i] = NAN;
        return used;
    }
    var /= 2.0 * (double)used - 1;
    for (size_t i = 0; i < k; i++) {
        double s1 = 0, st = 0;
        for (size_t t = 0; t < m; t++) {
            const double *f = y + (pick ? pick[t] : t) * (k + 2);
            if (!block_ok(f, k))
                continue;
            double fa = f[0], fab = f[i + 1], fb = f[k + 1];
            s1 += (fb - mean) * (fab - fa); /* centred: same expectation, far less noise */
            st += (fa - fab) * (fa - fab);
        }
        first[i] = s1 / (double)used / var;
        total[i] = st / (2.0 * (double)used) / var;
    }
    return used;
}

size_t cfx_sobol_indices(const double *y, size_t n, size_t k, double *first, double *total)
{
    return sobol_from(y, NULL, n, k, first, total);
}

int cfx_sobol_bootstrap(const double *y, size_t n, size_t k, size_t reps, double *lo, double *hi)
{
    size_t *pick = malloc((n ? n : 1) * sizeof *pick);
    double *est = malloc((reps * 2 * k + 1) * sizeof *est); /* rep r: first[k], total[k] */
    double *work = malloc((reps + 1) * sizeof *work);
    gsl_rng *rng = gsl_rng_alloc(cfx_rng_philox);
    int rc = !pick || !est || !work || !rng ? CFX_ENOMEM : 0;
    for (size_t r = 0; !rc && r < reps; r++) {
        cfx_rng_key(rng, 0, CFX_STREAM_BOOTSTRAP, r, 0); /* the same file, the same intervals */
        for (size_t t = 0; t < n; t++)
            pick[t] = (size_t)gsl_rng_uniform_int(rng, n);
        sobol_from(y, pick, n, k, est + r * 2 * k, est + r * 2 * k + k);
    }
    for (size_t c = 0; !rc && c < 2 * k; c++) {
        size_t m = 0;
        for (size_t r = 0; r < reps; r++)
            if (isfinite(est[r * 2 * k + c]))
                work[m++] = est[r * 2 * k + c];
        if (m < 2) {
            lo[c] = hi[c] = NAN;
            continue;
        }
        gsl_sort(work, 1, m);
        lo[c] = gsl_stats_quantile_from_sorted_data(work, 1, m, 0.025);
        hi[c] = gsl_stats_quantile_from_sorted_data(work, 1, m, 0.975);
    }
    gsl_rng_free(rng);
    free(pick);
    free(est);
    free(work);
    return rc;
}

int cfx_src(const double *x, const double *y, size_t n, size_t k, double *src, double *r2)
{
    size_t m = 0;
    for (size_t r = 0; r < n; r++)
        m += isfinite(y[r]) != 0;
    for (size_t i = 0; i < k; i++)
        src[i] = NAN;
    *r2 = NAN;
    if (m < k + 2)
        return 0;
    gsl_matrix *X = gsl_matrix_alloc(m, k + 1);
    gsl_vector *Y = gsl_vector_alloc(m), *b = gsl_vector_alloc(k + 1);
    gsl_matrix *cov = gsl_matrix_alloc(k + 1, k + 1);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(m, k + 1);
    double *col = malloc(m * sizeof *col);
    int rc = CFX_ENOMEM;
    if (!X || !Y || !b || !cov || !ws || !col)
        goto done;
    for (size_t r = 0, row = 0; r < n; r++) {
        if (!isfinite(y[r]))
            continue;
        gsl_matrix_set(X, row, 0, 1.0);
        for (size_t i = 0; i < k; i++)
            gsl_matrix_set(X, row, i + 1, x[r * k + i]);
        gsl_vector_set(Y, row++, y[r]);
    }
    double sd_y = gsl_stats_sd(Y->data, 1, m), chisq, tss = 0, mean_y;
    rc = 0;
    if (!(sd_y > 0))
        goto done; /* a constant metric has no sensitivity to speak of */
    /* the SVD-based solver drops directions it cannot resolve, so a constant parameter
     * gets a zero coefficient here and NaN below rather than a failure */
    if (gsl_multifit_linear(X, Y, b, cov, &chisq, ws) != GSL_SUCCESS)
        goto done;
    mean_y = gsl_stats_mean(Y->data, 1, m);
    for (size_t r = 0; r < m; r++)
        tss += (Y->data[r] - mean_y) * (Y->data[r] - mean_y);
    *r2 = 1 - chisq / tss;
    for (size_t i = 0; i < k; i++) {
        for (size_t r = 0; r < m; r++)
            col[r] = gsl_matrix_get(X, r, i + 1);
        double sd_x = gsl_stats_sd(col, 1, m);
        src[i] = sd_x > 0 ? gsl_vector_get(b, i + 1) * sd_x / sd_y : NAN;
    }
done:
    gsl_matrix_free(X);
    gsl_vector_free(Y);
    gsl_vector_free(b);
    gsl_matrix_free(cov);
    gsl_multifit_linear_free(ws);
    free(col);
    return rc;
}
