/* A whole run, from scenario file to result file (cfx_run, conflux.h), and what a run
 * assembles from the layers below: a scenario read for the default models, and a world of
 * it with those models. */
#ifndef CFX_RUN_H
#define CFX_RUN_H

#include "core/error.h"
#include "io/scenario.h"

/* A world of s with the default models (models/registry.h), on threads threads (<= 0: 1). */
struct cfx_world;
int cfx_world_new(struct cfx_world **out, const cfx_scenario *s, int threads, cfx_error *err);

#endif
