/* conflux-gather: the machine's ceiling for the memory access a hop event is made of
 * (tests/bench/README.md, "How cost grows").
 *
 *   conflux-gather --bytes N [--threads T] [--seconds S] [--json]
 *
 * Gathers: the sum of a[idx[i]] over an array a of N bytes (uint32 elements), idx a
 * precomputed random index array (xorshift64, fixed seed, so every run touches the same
 * elements), each of T OpenMP threads summing its own slice of idx; reported as random
 * 4-byte gathers per second, all threads together. Chase: the latency of a dependent load
 * (j = a[j] along a random cycle through the array's cache lines, one thread), in ns. Each
 * figure is the best of 3 repetitions of about S seconds (default 0.2). N takes a K, M or G
 * suffix (powers of 1024). The sums are printed (checksum) so the loads are not optimised
 * away. Not a test: it prints what the machine does. */
#include <errno.h>
#include <inttypes.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { REPS = 3, LINE_WORDS = 16 /* 64-byte cache lines of uint32 */ };
#define IDX_MAX ((size_t)1 << 22)   /* 16 MiB of indices, reused pass after pass */
#define CHASE_MAX ((size_t)1 << 21) /* lines in the chase's cycle, spread over the array */

static uint64_t xorshift64(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* uniform in [0, n) by multiply-shift of the top 32 bits (n < 2^32) */
static uint32_t below(uint64_t *s, uint32_t n) {
  return (uint32_t)(((xorshift64(s) >> 32) * (uint64_t)n) >> 32);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* passes over idx on the current team, each thread its own slice; returns the sum */
static uint64_t gather(const uint32_t *a, const uint32_t *idx, size_t n, long passes) {
  uint64_t total = 0;
#pragma omp parallel reduction(+ : total)
  {
    size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
    size_t lo = n * t / nt, hi = n * (t + 1) / nt;
    uint64_t sum = 0;
    for (long p = 0; p < passes; p++) {
      for (size_t i = lo; i < hi; i++)
        sum += a[idx[i]];
      /* a compiler barrier: each pass must really load again */
      __asm__ __volatile__("" : "+r"(sum) : : "memory");
    }
    total += sum;
  }
  return total;
}

static uint32_t chase(const uint32_t *a, uint32_t j, long steps) {
  for (long s = 0; s < steps; s++)
    j = a[j];
  return j;
}

/* a random cycle (Sattolo) through `lines` cache lines spread evenly over the array: the
 * first word of each holds the index of the next one's first word */
static int make_cycle(uint32_t *a, size_t words, uint64_t *rng, uint32_t *start) {
  size_t nlines = words / LINE_WORDS;
  size_t lines = nlines < CHASE_MAX ? nlines : CHASE_MAX;
  size_t stride = nlines / lines;
  uint32_t *perm = malloc(lines * sizeof *perm);
  if (!perm)
    return -1;
  for (size_t i = 0; i < lines; i++)
    perm[i] = (uint32_t)i;
  for (size_t i = lines - 1; i > 0; i--) {
    size_t k = below(rng, (uint32_t)i);
    uint32_t x = perm[i];
    perm[i] = perm[k];
    perm[k] = x;
  }
  for (size_t i = 0; i < lines; i++)
    a[i * stride * LINE_WORDS] = (uint32_t)(perm[i] * stride * LINE_WORDS);
  *start = 0;
  free(perm);
  return 0;
}

static int parse_bytes(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned long long scale = 1;
  if (*end == 'K' || *end == 'k')
    scale = 1ULL << 10;
  else if (*end == 'M' || *end == 'm')
    scale = 1ULL << 20;
  else if (*end == 'G' || *end == 'g')
    scale = 1ULL << 30;
  if (scale != 1)
    end++;
  if (errno || end == s || *end || v == 0 || v > (8ULL << 30) / scale)
    return -1;
  *out = (size_t)(v * scale);
  return 0;
}

static int usage(void) {
  fputs("usage: conflux-gather --bytes N[K|M|G] [--threads T] [--seconds S] [--json]\n"
        "Random 4-byte gathers per second from an array of N bytes on T threads (default 1)\n"
        "and the latency of a dependent load in it, best of 3 repetitions of S seconds\n"
        "(default 0.2). N: 1 KiB to 8 GiB.\n",
        stderr);
  return 2;
}

int main(int argc, char **argv) {
  size_t bytes = 0;
  int threads = 1, json = 0;
  double seconds = 0.2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
      if (parse_bytes(argv[++i], &bytes))
        return usage();
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else {
      return usage();
    }
  }
  if (bytes < 1024 || threads < 1 || threads > 1024 || !(seconds > 0 && seconds <= 60))
    return usage();
  omp_set_dynamic(0);
  omp_set_num_threads(threads);

  size_t words = bytes / sizeof(uint32_t);
  uint32_t *a = malloc(words * sizeof *a);
  uint32_t *idx = malloc(IDX_MAX * sizeof *idx);
  if (!a || !idx) {
    fprintf(stderr, "conflux-gather: out of memory for %zu bytes\n", bytes);
    return 1;
  }
  uint64_t rng = 0x9E3779B97F4A7C15u;
  for (size_t i = 0; i < words; i++)
    a[i] = (uint32_t)i;
  for (size_t i = 0; i < IDX_MAX; i++)
    idx[i] = below(&rng, (uint32_t)words);

  /* one pass (warm-up and calibration), then REPS repetitions of enough passes for S s */
  double t0 = now();
  uint64_t checksum = gather(a, idx, IDX_MAX, 1);
  double once = now() - t0;
  long passes = (long)(seconds / (once > 1e-6 ? once : 1e-6)) + 1;
  double best = 0;
  for (int r = 0; r < REPS; r++) {
    t0 = now();
    checksum += gather(a, idx, IDX_MAX, passes);
    double rate = (double)IDX_MAX * (double)passes / (now() - t0);
    best = rate > best ? rate : best;
  }
  free(idx);

  uint32_t j;
  if (make_cycle(a, words, &rng, &j)) {
    fprintf(stderr, "conflux-gather: out of memory for the chase\n");
    return 1;
  }
  long steps = 1 << 16;
  t0 = now();
  j = chase(a, j, steps);
  once = now() - t0;
  steps = (long)((double)steps * seconds / (once > 1e-6 ? once : 1e-6)) + 1;
  double chase_ns = 1e300;
  for (int r = 0; r < REPS; r++) {
    t0 = now();
    j = chase(a, j, steps);
    double ns = 1e9 * (now() - t0) / (double)steps;
    chase_ns = ns < chase_ns ? ns : chase_ns;
  }
  checksum += j;
  free(a);

  if (json)
    printf("{\"bytes\": %zu, \"threads\": %d, \"gathers_per_second\": %.0f, "
           "\"chase_ns\": %.1f, \"checksum\": %" PRIu64 "}\n",
           bytes, threads, best, chase_ns, checksum);
  else
    printf("%zu bytes, %d thread%s: %.1f M random 4-byte gathers/s; dependent load %.1f ns"
           " (checksum %" PRIu64 ")\n",
           bytes, threads, threads == 1 ? "" : "s", best / 1e6, chase_ns, checksum);
  return 0;
}
