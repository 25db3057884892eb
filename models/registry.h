/* The models a run uses by default, and the readers of their scenario sections. */
#ifndef CFX_REGISTRY_H
#define CFX_REGISTRY_H

#include "engine/model.h"

/* The default models, NULL-terminated, in the order they run within a phase. */
const cfx_model_type *const *cfx_models_default(void);
/* The section readers of the default models, NULL-terminated, in the same order: what
 * cfx_scenario_read needs to read a scenario for them. */
const cfx_section_reader *const *cfx_models_default_readers(void);

#endif
