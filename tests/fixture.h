/* Fixtures shared by the cmocka tests that run whole scenarios: load one (printing every
 * diagnostic before failing), make a world, and check that tonnes are conserved. Include
 * after <cmocka.h>. */
#ifndef CFX_TESTS_FIXTURE_H
#define CFX_TESTS_FIXTURE_H

#include <stddef.h>

#include "engine/world_impl.h"
#include "models/registry.h"
#include "run/run.h"

/* The scenario at path with the overrides applied; fails the test when it does not load. */
cfx_scenario *cfx_test_load(const char *path, const cfx_override *ov, size_t n_ov);
/* A world on s with the given OpenMP threads (parallel from the first shipment). */
cfx_world *cfx_test_world(const cfx_scenario *s, int threads);
/* Fails unless produced = arrived + in transit + stock + seized + lost, to the kilogram. */
void cfx_test_conserved(const cfx_world *w);

/* The day after y-m-d, by the rules a person would apply (not by core/date.c). */
void cfx_test_next_day(int *y, int *m, int *d);

#endif
