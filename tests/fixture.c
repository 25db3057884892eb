#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixture.h"

cfx_scenario *cfx_test_load(const char *path, const cfx_override *ov, size_t n_ov)
{
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    int rc = cfx_scenario_load(&s, path, ov, n_ov, &d);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s:%d:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
    cfx_diags_free(&d);
    assert_int_equal(rc, 0);
    return s;
}

cfx_world *cfx_test_world(const cfx_scenario *s, int threads)
{
    cfx_world *w = NULL;
    cfx_error err;
    cfx_world_opts wo = {.models = cfx_models_default(), .threads = threads, .parallel_min = 1};
    assert_int_equal(cfx_world_alloc(&w, s, &wo, &err), 0);
    return w;
}

void cfx_test_conserved(const cfx_world *w)
{
    int64_t rhs =
        w->arrived_kg + w->in_transit_kg + cfx_world_stock_kg(w) + w->seized_kg + w->lost_kg;
    if (w->produced_kg != rhs)
        fail_msg("step %ld: produced %lld kg, accounted for %lld kg", w->step,
                 (long long)w->produced_kg, (long long)rhs);
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day after y-m-d, by the rules a person would apply. */
void cfx_test_next_day(int *y, int *m, int *d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (++*d > mdays[*m - 1] + (*m == 2 && is_leap(*y))) {
        *d = 1;
        if (++*m > 12) {
            *m = 1;
            ++*y;
        }
    }
}
