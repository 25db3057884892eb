/* The models a run uses, in the order they run within a phase: one list, from which both
 * the models and their section readers are made, so the two cannot disagree. */
#include "models/registry.h"

#define CFX_MODELS(X) X(conflict) X(routing) X(production) X(market)

#define DECLARE(m) extern const cfx_model_type cfx_model_##m;
CFX_MODELS(DECLARE)
#undef DECLARE

const cfx_model_type *const *cfx_models_default(void)
{
#define MODEL(m) &cfx_model_##m,
    static const cfx_model_type *const models[] = {CFX_MODELS(MODEL) NULL};
#undef MODEL
    return models;
}

const cfx_section_reader *const *cfx_models_default_readers(void)
{
#define READER(m) &cfx_model_##m.params,
    static const cfx_section_reader *const readers[] = {CFX_MODELS(READER) NULL};
#undef READER
    return readers;
}
