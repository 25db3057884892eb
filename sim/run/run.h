/* One run from scenario file to result file: the library entry point the CLI calls.
 * Writes OUT.partial and renames it to OUT only when the run finished. */
#ifndef CFX_RUN_H
#define CFX_RUN_H

#include <signal.h>
#include <stdint.h>

#include "core/error.h"
#include "io/scenario.h"

typedef struct cfx_run_opts {
    const char *scenario;        /* YAML path */
    const char *output;          /* NULL: results/<scenario name>.h5 */
    const cfx_override *sets;    /* --set, --seed and --days, in order */
    size_t n_sets;
    int threads;                 /* <= 0: 1 */
    int force;                   /* overwrite an existing OUT (and a stale OUT.partial) */
    const char *command_line;
    const char *created;         /* the `created` attribute (ISO 8601 UTC); NULL: now */
    volatile sig_atomic_t *stop; /* when it becomes non-zero the run stops after the day */
    long checkpoint_every;       /* > 0: write OUT.ckpt/day-NNNNN.h5 every that many days */
    const char *resume;          /* a checkpoint to continue from (sim/checkpoint.h) */
    /* Called after each day (may be NULL). */
    void (*progress)(void *ctx, long day, long days, double elapsed_s);
    void *progress_ctx;
} cfx_run_opts;

#define CFX_BASELINE_DAYS 30

typedef struct cfx_product_summary {
    char name[64];
    double baseline_price;   /* USD/kg, mean of the first CFX_BASELINE_DAYS days */
    double peak_price;       /* USD/kg */
    long peak_day;
    double shortfall_t;      /* cumulative, t */
    double demand_t;         /* cumulative demand at the baseline price, t */
    double delivered_t;      /* cumulative contained oxide delivered, t */
} cfx_product_summary;

typedef struct cfx_run_result {
    char scenario[256];
    char output[1040];       /* the file written (OUT, or OUT.partial when incomplete) */
    long days_run;
    long days;
    int threads;
    double wall_seconds;
    double load_seconds;     /* reading and checking the scenario, allocating the world */
    double output_seconds;   /* creating, appending to and closing the HDF5 file */
    uint64_t hop_events;
    uint64_t shipment_days;
    long peak_rss_bytes;
    int complete;
    double produced_t, arrived_t, in_transit_t, stock_t, seized_t, lost_t;
    size_t n_products;
    cfx_product_summary products[CFX_MAX_PRODUCTS];
    size_t n_events;
} cfx_run_result;

/* Input problems go to d (with the code returned); run and output problems to err. */
int cfx_run(const cfx_run_opts *opt, cfx_run_result *res, cfx_diags *d, cfx_error *err);

#endif
