// libhdf5 for Swift: the public header, and the constants that hdf5.h defines as macros Swift
// cannot import (they call H5open() or cast), as inline functions. Headers come from
// `pkg-config hdf5` (Debian's libhdf5-dev: /usr/include/hdf5/serial).
#ifndef SPIKELOC_CHDF5_SHIM_H
#define SPIKELOC_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t spikeloc_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t spikeloc_h5s_all(void) { return H5S_ALL; }
static inline hid_t spikeloc_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned spikeloc_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned spikeloc_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t spikeloc_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t spikeloc_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t spikeloc_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t spikeloc_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t spikeloc_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t spikeloc_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t spikeloc_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t spikeloc_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t spikeloc_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t spikeloc_h5t_variable(void) { return H5T_VARIABLE; }
static inline hsize_t spikeloc_h5s_unlimited(void) { return H5S_UNLIMITED; }

#endif
