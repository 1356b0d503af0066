//! # plume-ffi
//!
//! Plume's C ABI. This crate builds `libplume` (static and shared) and is described by the
//! generated, committed header `include/plume.h` (regenerate it with `.ci/gen-headers`;
//! `.ci/check-headers` fails when it is stale). Per the one-Rust-staticlib-per-executable rule,
//! every C-facing piece of Plume (C ABI, C++ bridge, Fortran module, HDF5 filter) lives in
//! this one library.
//!
//! Conventions every function here follows:
//! - C symbols are `plume_<object>_<verb>`; one Rust module per C object.
//! - Fallible functions return a [`plume_status`]; `PLUME_OK` (0) is the only success value
//!   and the numbers are stable and never reused. Out-parameters are written only on success.
//! - Every `extern "C"` body runs inside a panic boundary: a Rust panic becomes
//!   `PLUME_ERR_PANIC` (or the documented fallback value) instead of unwinding into C and
//!   aborting the process, and with it the whole MPI job.
//!
//! Objects so far:
//! - [`version`]: the library's version, as a string and as numbers.
//! - [`status`]: the status codes and their descriptions.

mod panic;
pub mod status;
pub mod version;

pub use status::{plume_status, plume_status_str};
pub use version::{plume_version, plume_version_major, plume_version_minor, plume_version_patch};
