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
/* An attribute of n values of type, always a one-dimensional list (also of one value), as
 * HDF5's dimension-scale lists are. 0 or -1. */
int cfx_h5_attr_list(hid_t obj, const char *name, hid_t type, size_t n, const void *v);

/* Opens the HDF5 file at path read-only (H5Fopen's answer; -1 without asking HDF5 when
 * path is missing or not a regular file). A small file (up to 4 MiB) is
 * read whole into memory first, in one read (HDF5's core driver without a backing store):
 * read piece by piece it costs a system call for each of its metadata blocks and chunks,
 * about 170 for a Kachin run's file, which on a machine whose system calls are slow (a
 * virtual machine) are most of the time it takes to open many small files (a sweep's
 * members). */
hid_t cfx_h5_open_read(const char *path);

/* Chunks shuffled and deflated for H5Dwrite_chunk into a dataset with HDF5's shuffle and
 * deflate filters, which read them back (any zlib inflates them), so that a writer can
 * compress its chunks on several threads. Long zero runs are written as deflate blocks of
 * their own, the rest by zlib (h5.c), so the bytes are not those HDF5's filter would write,
 * but they depend on the chunk's values only. One packer per thread; a packer is not
 * thread-safe. */
typedef struct cfx_h5_packer cfx_h5_packer;

/* A packer for deflate level `level` (1-9); NULL when out of memory. */
cfx_h5_packer *cfx_h5_packer_new(int level);
void cfx_h5_packer_free(cfx_h5_packer *p);
/* Shuffles the n bytes of src (values of elem bytes: byte k of every value together, as
 * HDF5's shuffle filter) and deflates them (a zlib stream); *out points to the result in the
 * packer, valid until its next call. Its length, or 0 when out of memory. */
size_t cfx_h5_pack(cfx_h5_packer *p, const void *src, size_t n, size_t elem,
                   const unsigned char **out);

/* Reads the whole of dataset ds into buf (row-major) when it holds doubles (the native type)
 * of rank 1 or 2 in chunks written with deflate, shuffled or not, every chunk written and
 * none with a filter skipped: the chunks read raw and inflated, checked and unshuffled on
 * `threads` threads. 0 when read; 1 when ds is not such a dataset (read it with H5Dread,
 * which may also have written part of buf); CFX_H5_DAMAGED for a chunk that does not
 * inflate to its size with its checksum or a failed read (H5Dread says what it makes of it);
 * CFX_H5_NOMEM for want of memory. */
enum { CFX_H5_DAMAGED = -1, CFX_H5_NOMEM = -2 };
int cfx_h5_read_packed(hid_t ds, double *buf, int threads);

#endif
