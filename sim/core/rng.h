/* Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3", SC'11), keyed by (seed, stream, agent, step) so that a draw
 * never depends on which thread makes it or in which order. Wrapped as a gsl_rng_type so
 * every gsl_ran_* distribution works on it. */
#ifndef CFX_RNG_H
#define CFX_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* One Philox4x32-10 block: out = Philox(ctr, key). */
void cfx_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The gsl_rng_type. gsl_rng_set(r, s) keys it as cfx_rng_key(r, s, 0, 0, 0). */
extern const gsl_rng_type *cfx_rng_philox;

/* Re-keys a generator of type cfx_rng_philox and restarts its counter: the draws that
 * follow are a pure function of (seed, stream, agent, step). Streams name a use
 * (CFX_STREAM_*) so that two uses never share numbers. agent < 2^48, stream < 2^16. */
void cfx_rng_key(gsl_rng *r, uint64_t seed, uint32_t stream, uint64_t agent, uint64_t step);

/* Streams used by the engine and models. */
enum {
    CFX_STREAM_TEST = 0,
    CFX_STREAM_GATE = 1,     /* customs clearance delay at a gate */
    CFX_STREAM_ROUTE = 2,    /* route choice */
    CFX_STREAM_CONFLICT = 3, /* stochastic conflict events */
    CFX_STREAM_PRODUCTION = 4,
    CFX_STREAM_MARKET = 5,
    CFX_STREAM_STRIKE = 6,   /* cargo lost to an air or drone strike */
    CFX_STREAM_SEIZE = 7,    /* a truck seized at a checkpoint */
    CFX_STREAM_BOOTSTRAP = 8 /* conflux analyze: resampling Sobol blocks */
};

#endif
