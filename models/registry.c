/* The models a run uses, in the order they run within a phase. */
#include "engine/model.h"

extern const cfx_model_type cfx_model_conflict, cfx_model_routing, cfx_model_production,
    cfx_model_market;

const cfx_model_type *const *cfx_models_default(void)
{
    static const cfx_model_type *const models[] = {
        &cfx_model_conflict, &cfx_model_routing, &cfx_model_production, &cfx_model_market,
        NULL};
    return models;
}
