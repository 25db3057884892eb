/* Philox4x32-10 and its gsl_rng_type wrapper: the only source of randomness in the engine,
 * keyed by (seed, stream, agent, step) so results do not depend on threads or draw order. */
#include "core/rng.h"

#include "core/error.h"

/* Constants from Random123 (philox.h, PHILOX_M4x32_* and PHILOX_W32_*): the two round
 * multipliers and the Weyl increments (golden ratio and sqrt(3)-1, in 32-bit fixed point). */
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)
#define PHILOX_ROUNDS 10

/* Counter layout (word: contents). Word 0 counts blocks of four draws, so one key gives
 * 2^32 blocks = 2^34 words before the sequence repeats; the identity of the draw lives in
 * the other three words so that neighbouring keys never share a block.
 *   ctr[0] block index        ctr[1] step (bits 0..31)
 *   ctr[2] agent (bits 0..31) ctr[3] stream << 16 | agent (bits 32..47) */
typedef struct philox_state {
    uint32_t key[2];   /* seed, low word first */
    uint32_t ctr[4];   /* counter of the next block to compute */
    uint32_t buf[4];   /* the current block's outputs */
    unsigned used;     /* words of buf already returned; 4 means compute a new block */
} philox_state;

static inline void philox_round(uint32_t x[4], uint32_t k0, uint32_t k1)
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * x[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * x[2];
    uint32_t y0 = (uint32_t)(p1 >> 32) ^ x[1] ^ k0;
    uint32_t y1 = (uint32_t)p1;
    uint32_t y2 = (uint32_t)(p0 >> 32) ^ x[3] ^ k1;
    uint32_t y3 = (uint32_t)p0;
    x[0] = y0;
    x[1] = y1;
    x[2] = y2;
    x[3] = y3;
}

/* Shared by the public block function and the gsl get(), so both compile to the same
 * straight-line code. GCC -O2 keeps the round loop rolled; unrolled it is ~20% faster per
 * word (GCC 12, x86-64). Compilers without the pragma just ignore it. */
static inline void philox_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t x[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k0 = key[0], k1 = key[1];
#pragma GCC unroll 10
    for (int i = 0; i < PHILOX_ROUNDS; i++) {
        if (i > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        philox_round(x, k0, k1);
    }
    out[0] = x[0];
    out[1] = x[1];
    out[2] = x[2];
    out[3] = x[3];
}

void cfx_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox_block(ctr, key, out);
}

static void set_key(philox_state *s, uint64_t seed, uint32_t stream, uint64_t agent,
                    uint64_t step)
{
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)(seed >> 32);
    s->ctr[0] = 0;
    s->ctr[1] = (uint32_t)step;
    s->ctr[2] = (uint32_t)agent;
    s->ctr[3] = stream << 16 | (uint32_t)(agent >> 32 & 0xffff);
    s->used = 4;
}

static void philox_set(void *vstate, unsigned long seed)
{
    set_key(vstate, seed, 0, 0, 0);
}

static inline uint32_t next_word(philox_state *s)
{
    if (s->used == 4) {
        philox_block(s->ctr, s->key, s->buf);
        s->ctr[0]++;
        s->used = 0;
    }
    return s->buf[s->used++];
}

static unsigned long philox_get(void *vstate)
{
    return next_word(vstate);
}

/* One word per double, as GSL's mt19937 does: 32 bits of resolution is ample for the
 * engine's distributions, it keeps gsl_rng_uniform twice as cheap as a 53-bit draw, and
 * draw k of gsl_rng_uniform is exactly draw k of gsl_rng_get / 2^32, which makes runs easy
 * to replay by hand. The largest result is 1 - 2^-32, so the interval stays open at 1. */
static double philox_get_double(void *vstate)
{
    return next_word(vstate) / 4294967296.0;
}

static const gsl_rng_type philox_type = {
    "philox4x32-10",
    0xffffffffUL,
    0,
    sizeof(philox_state),
    philox_set,
    philox_get,
    philox_get_double,
};

const gsl_rng_type *cfx_rng_philox = &philox_type;

void cfx_rng_key(gsl_rng *r, uint64_t seed, uint32_t stream, uint64_t agent, uint64_t step)
{
    /* Out-of-range parts would silently alias another key's numbers, so they are caller
     * bugs. step has no room above 32 bits: 2^32 steps outlasts any run. */
    CFX_ASSERT(r->type == cfx_rng_philox);
    CFX_ASSERT(stream < UINT32_C(1) << 16);
    CFX_ASSERT(agent < UINT64_C(1) << 48);
    CFX_ASSERT(step <= UINT32_MAX);
    set_key(r->state, seed, stream, agent, step);
}
