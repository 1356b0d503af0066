//! # plume-ffi
//!
//! Plume's C ABI. This crate builds `libplume` (static and shared, soname `libplume.so.0`)
//! and is described by the generated, committed header `include/plume.h` (regenerate it
//! with `.ci/gen-headers`; `.ci/check-headers` fails when it is stale). Per the
//! one-Rust-staticlib-per-executable rule, every C-facing piece of Plume (C ABI, C++
//! bridge, Fortran module, HDF5 filter) lives in this one library.
//!
//! Conventions every function here follows:
//! - C symbols are `plume_<object>_<verb>`; one Rust module per C object; `_new`/`_free`
//!   pairs; `_free(NULL)` does nothing.
//! - Fallible functions return a [`plume_status`]; `PLUME_OK` (0) is the only success value
//!   and the numbers are stable and never reused. Out-parameters are written only on
//!   success. Each handle keeps the message of its last failure (`plume_<object>_last_error`).
//! - Every `extern "C"` body runs inside a panic boundary: a Rust panic becomes
//!   `PLUME_ERR_PANIC` (or the documented fallback value) instead of unwinding into C and
//!   aborting the process, and with it the whole MPI job.
//! - Enumerations are passed as `uint32_t` (any value is accepted and checked).
//! - Thread safety is documented on each function.
//!
//! Objects:
//! - [`version`]: the library's version and compiled-in features.
//! - [`status`]: the status codes and their descriptions.
//! - [`types`]: `plume_dtype`, `plume_order`.
//! - [`config`]: `plume_config`, options from the API, the environment and decks.
//! - [`codec`]: `plume_codec`, compress/decompress buffer to buffer, sub-boxes, metrics.
//! - [`stream_info`]: `plume_stream_info`, what a stream holds.
//! - [`metrics`]: `plume_metrics`, quality of a reconstruction.
//! - [`labeler`]: `plume_labeler`, flame-regime labels of four fields and label error.
//! - [`session`]: `plume_session`, the in-situ session over MPI ([`insitu`] is its Rust API).
//!
//! # Safety
//! One contract covers every `unsafe extern "C"` function here, so it is stated once
//! (`clippy::missing_safety_doc` is allowed below) instead of on each: every pointer
//! argument is NULL (always checked) or valid for what its documentation says (a live
//! handle from the matching `_new`, an array of the stated length, a NUL-terminated
//! string, a writable out-parameter), and handles are not used after their `_free`.

#![allow(clippy::missing_safety_doc)]

mod handle;
mod panic;

mod bridge;
pub mod codec;
pub mod config;
pub mod insitu;
pub mod labeler;
pub mod metrics;
pub mod session;
pub mod status;
pub mod stream_info;
pub mod types;
pub mod version;

pub use codec::*;
pub use config::*;
pub use labeler::*;
pub use metrics::*;
pub use session::*;
pub use status::{plume_status, plume_status_str};
pub use stream_info::*;
pub use types::{plume_dtype, plume_order};
pub use version::{
    plume_features, plume_version, plume_version_major, plume_version_minor, plume_version_patch,
};
