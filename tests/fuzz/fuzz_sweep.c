/* libFuzzer harness: the sweep loader (sim/sweep.c) on arbitrary sweep files, against a
 * scenario that comes with the input. One input holds up to seven files split at "\n%%\n":
 * sweep.yaml, then scenario.yaml, nodes.csv, edges.csv, mines.csv, events.csv and base.yaml
 * as for fuzz_scenario; a part left out is a missing file. */
#include "fuzz.h"
#include "sweep/sweep.h"

static const char *const names[] = {"sweep.yaml", "scenario.yaml", "nodes.csv", "edges.csv",
                                    "mines.csv",  "events.csv",    "base.yaml"};
#define NFILES (sizeof names / sizeof names[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cfx_fuzz_write_files(names, NFILES, data, size);
    char sweep[128], scenario[128];
    snprintf(sweep, sizeof sweep, "%s/%s", cfx_fuzz_dir(), names[0]);
    snprintf(scenario, sizeof scenario, "%s/%s", cfx_fuzz_dir(), names[1]);
    cfx_sweep *sw = NULL;
    cfx_diags d = {0};
    cfx_sweep_load(&sw, scenario, sweep, &d);
    cfx_sweep_free(sw);
    cfx_diags_free(&d);
    return 0;
}
