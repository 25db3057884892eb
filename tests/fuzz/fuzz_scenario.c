/* libFuzzer harness: the whole scenario loader (sim/scenario.c: YAML, the CSV tables, every
 * model's section) as `conflux check` and `conflux run` meet it. One input holds up to six
 * files split at "\n%%\n": scenario.yaml, nodes.csv, edges.csv, mines.csv, events.csv and
 * base.yaml (for `extends`); a part left out is a missing file. A scenario that loads is
 * then routed and run for up to two days, so that what the loader accepts the engine can
 * run. */
#include "fuzz.h"
#include "io/scenario.h"
#include "engine/world_impl.h"
#include "models/registry.h"
#include "run/run.h"

static const char *const names[] = {"scenario.yaml", "nodes.csv",  "edges.csv",
                                    "mines.csv",     "events.csv", "base.yaml"};
#define NFILES (sizeof names / sizeof names[0])

/* Run small scenarios only: a fuzzed scenario may ask for a huge world, which the run
 * refuses before allocating (sim/run.c) but this harness does not go through. */
static int small(const cfx_scenario *s)
{
    return s->n_nodes * (s->n_groups + 1) < 100000 && s->n_edges < 100000 &&
           s->initial_shipments < 10000 && s->step_hours >= 0.25;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cfx_fuzz_write_files(names, NFILES, data, size);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", cfx_fuzz_dir(), names[0]);
    cfx_scenario *s = NULL;
    cfx_diags d = {0};
    if (cfx_scenario_load(&s, path, NULL, 0, &d) == 0 && small(s)) {
        cfx_world *w = NULL;
        cfx_error err;
        cfx_world_opts wo = {.models = cfx_models_default(), .threads = 1};
        if (cfx_world_alloc(&w, s, &wo, &err) == 0) {
            cfx_world_route(w);
            for (long day = 0; day < s->days && day < 2; day++)
                if (cfx_world_run_day(w, &err))
                    break;
        }
        cfx_world_free(w);
    }
    cfx_scenario_free(s);
    cfx_diags_free(&d);
    return 0;
}
