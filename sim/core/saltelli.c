/* Saltelli's sampling design for Sobol indices (core/saltelli.h): made by a sweep, checked
 * by the analysis of its results, so both read the one layout from here. */
#include "core/saltelli.h"

#include <gsl/gsl_qrng.h>

int cfx_saltelli_design(double *out, size_t n, size_t k, cfx_error *err)
{
    if (k < 1 || 2 * k > 40)
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0,
                             "a Sobol design takes 1 to 20 parameters, got %zu", k);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    double v[40];
    if (!q)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    gsl_qrng_get(q, v); /* the first point is the origin: skip it */
    for (size_t j = 0; j < n; j++) {
        gsl_qrng_get(q, v);
        double *blk = out + j * (k + 2) * k;
        for (size_t c = 0; c < k + 2; c++)
            for (size_t i = 0; i < k; i++) {
                /* c = 0: A; 1..k: A with column c-1 from B; k+1: B */
                int from_b = c == k + 1 || c == i + 1;
                blk[c * k + i] = v[from_b ? k + i : i];
            }
    }
    gsl_qrng_free(q);
    return 0;
}

int cfx_saltelli_check(const double *x, size_t n, size_t k, cfx_error *err)
{
    for (size_t j = 0; j < n; j++) {
        const double *a = x + j * (k + 2) * k, *b = a + (k + 1) * k;
        for (size_t c = 1; c <= k; c++)
            for (size_t i = 0; i < k; i++) {
                double want = i + 1 == c ? b[i] : a[i];
                if (a[c * k + i] != want)
                    return cfx_error_set(
                        err, CFX_EINVAL, NULL, 0, 0,
                        "design point %zu is not A_B^%zu of block %zu (parameter %zu is %g, "
                        "expected %g): not a Saltelli design",
                        j * (k + 2) + c, c, j, i + 1, a[c * k + i], want);
            }
    }
    return 0;
}
