/* libFuzzer harness: the YAML tree (sim/conf.c) on arbitrary bytes: parsing, dotted-path
 * look-up, --set, the overlay of one document on another (a scenario that extends another:
 * the two documents are the input's two parts, split at "\n%%\n"), and the unknown-key
 * report. */
#include <stdlib.h>

#include "io/conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start[2], len[2];
    size_t n = cfx_fuzz_split(data, size, 2, start, len);
    cfx_conf_doc *base = NULL, *over = NULL;
    cfx_error err;
    cfx_diags d = {0};
    if (cfx_conf_parse(&base, "base.yaml", (const char *)data + start[0], len[0], &err))
        goto done;
    cfx_conf_path(base->root, "market.products.Dy2O3.price_usd_per_kg");
    double x;
    long l;
    cfx_conf_get_double(base->root, "step_hours", 0, &x, &err);
    cfx_conf_get_long(base->root, "days", 0, &l, &err);
    cfx_conf_set(base, "transport.truck_t", "12", &err);
    cfx_conf_set(base, "days", "3", &err);
    if (n == 2 &&
        cfx_conf_parse(&over, "over.yaml", (const char *)data + start[1], len[1], &err) == 0)
        cfx_conf_overlay(base, over, &err);
    if (base->root)
        cfx_conf_unused(base->root, &d);
done:
    cfx_conf_free(over);
    cfx_conf_free(base);
    cfx_diags_free(&d);
    return 0;
}
