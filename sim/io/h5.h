/* Small HDF5 helpers shared by the modules that write HDF5 files. Includes hdf5.h, so the
 * engine and the models never include it. */
#ifndef CFX_H5_H
#define CFX_H5_H

#include <stddef.h>

#include <hdf5.h>

/* A fixed-length UTF-8 string attribute (netCDF reads it as text). 0 or -1. */
int cfx_h5_attr_str(hid_t obj, const char *name, const char *value);
/* A numeric attribute of n values of type (scalar when n == 1). 0 or -1. */
int cfx_h5_attr_num(hid_t obj, const char *name, hid_t type, size_t n, const void *v);

#endif
