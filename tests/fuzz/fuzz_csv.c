/* libFuzzer harness: the CSV table parser (sim/csv.c) on arbitrary bytes. Every cell must
 * be a NUL-terminated string with a position inside the text. */
#include <stdlib.h>

#include "io/csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cfx_diags d = {0};
    cfx_csv *t = NULL;
    if (cfx_csv_parse(&t, "fuzz.csv", (const char *)data, size, &d) == 0) {
        for (size_t k = 0; k < t->nrows * t->ncols; k++)
            if (t->line[k] < 1 || t->col[k] < 1 || strlen(t->cells[k]) > size)
                abort();
        cfx_csv_col(t, "id");
    }
    cfx_csv_free(t);
    cfx_diags_free(&d);
    return 0;
}
