/* The output module's HDF5 attribute writers, shared with the sweep merge (sim/sweep_merge.c),
 * the other file that writes HDF5. Internal: includes hdf5.h, so the engine never includes it. */
#ifndef CFX_OUTPUT_H5_H
#define CFX_OUTPUT_H5_H

#include <stddef.h>

#include <hdf5.h>

/* A fixed-length UTF-8 string attribute (netCDF reads it as text). 0 or -1. */
int cfx_output__attr_str(hid_t obj, const char *name, const char *value);
/* A numeric attribute of n values of type (scalar when n == 1). 0 or -1. */
int cfx_output__attr_num(hid_t obj, const char *name, hid_t type, size_t n, const void *v);

#endif
