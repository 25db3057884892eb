/* Saltelli's sampling design for Sobol sensitivity indices (Saltelli et al. 2010, Comput.
 * Phys. Commun. 181:259): the sweep makes it (sweep/design.c), the analysis checks and reads
 * it (analysis/). */
#ifndef CFX_SALTELLI_H
#define CFX_SALTELLI_H

#include <stddef.h>

#include "core/error.h"

/* Saltelli's design for k parameters and n base samples, in the unit cube: n blocks of
 * k + 2 points, block j = A_j, A_B^1_j, ..., A_B^k_j, B_j, where A and B are the first and
 * last k coordinates of the j-th point (skipping the first, the centre) of a 2k-dimensional
 * Sobol sequence and A_B^i_j is A_j with coordinate i taken from B_j. out: n (k+2) x k.
 * k <= 20 (gsl_qrng_sobol's 40 dimensions). */
int cfx_saltelli_design(double *out, size_t n, size_t k, cfx_error *err);
/* Checks that x (n (k+2) x k, row-major) has that layout; CFX_EINVAL with the first
 * offending point otherwise. */
int cfx_saltelli_check(const double *x, size_t n, size_t k, cfx_error *err);

#endif
