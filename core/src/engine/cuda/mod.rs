//! The CUDA engine (feature `cuda`): the `fast` encoding on an NVIDIA GPU, emitting the
//! same bytes as [`CpuEngine`](super::CpuEngine) (ARCHITECTURE.md, "the CPU/GPU
//! invariant"); see `README.md` in this folder for the build model, the tests and what
//! has been measured on a device.
//!
//! - Nothing CUDA is needed to build: cudarc loads `libcuda` at run time, and the kernels
//!   (`kernels/*.cu`, CUDA C) are compiled at run time by NVRTC ([`nvrtc`]) with
//!   `--fmad=false --ftz=false --prec-div=true` so that every f64 operation is the single
//!   IEEE operation the CPU performs, in the CPU's order ([`kernels`]).
//! - [`probe`] checks for the driver library and a device before cudarc is touched
//!   (cudarc panics when `libcuda` is missing): a machine without a GPU gets a clean
//!   [`ErrorKind::Device`] error, never a panic.
//! - `ratio` compression and decompression go to the CPU engine (Huffman + zstd have no
//!   GPU implementation yet); the bytes are the same whichever engine runs.

mod engine;
pub mod kernels;
pub mod launch;
pub mod nvrtc;

pub use engine::CudaEngine;

use std::sync::OnceLock;

use crate::error::{Error, ErrorKind, Result};

/// Names `libcuda` may be loaded by (the driver installs `libcuda.so.1`).
const DRIVER_LIBS: &[&str] = &["libcuda.so.1", "libcuda.so"];

/// Checks that the CUDA driver library loads and reports at least one device. Cheap
/// after the first call (the answer is cached). Fails with [`ErrorKind::Device`]; never
/// panics (cudarc's lazy loader panics on a missing library: it is only reached after
/// this check, and behind `catch_unwind` as a last resort).
pub fn probe() -> Result<()> {
    static ANSWER: OnceLock<std::result::Result<(), Error>> = OnceLock::new();
    ANSWER
        .get_or_init(|| {
            let found = DRIVER_LIBS.iter().any(|name| {
                let Ok(c) = std::ffi::CString::new(*name) else { return false };
                // SAFETY: dlopen of a NUL-terminated name; the handle is closed right away
                // (cudarc opens its own).
                unsafe {
                    let h = libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
                    if h.is_null() {
                        false
                    } else {
                        libc::dlclose(h);
                        true
                    }
                }
            });
            if !found {
                return Err(Error::new(
                    ErrorKind::Device,
                    format!("no CUDA driver: none of {DRIVER_LIBS:?} could be loaded"),
                ));
            }
            // SAFETY: only tries to load the library (no symbol is called).
            if !unsafe { cudarc::driver::sys::is_culib_present() } {
                return Err(Error::new(ErrorKind::Device, "no CUDA driver: cudarc cannot load libcuda"));
            }
            let count = std::panic::catch_unwind(cudarc::driver::CudaContext::device_count)
                .map_err(|_| {
                    Error::new(ErrorKind::Device, "the CUDA driver panicked while counting devices")
                })?
                .map_err(|e| Error::new(ErrorKind::Device, format!("CUDA driver: {e}")))?;
            if count < 1 {
                return Err(Error::new(ErrorKind::Device, "no CUDA device"));
            }
            Ok(())
        })
        .clone()
}

/// The process-wide CUDA engine on device 0, created on first use (context, stream,
/// kernels compiled once) and shared by every later caller.
pub fn shared() -> Result<CudaEngine> {
    static ENGINE: OnceLock<std::result::Result<CudaEngine, Error>> = OnceLock::new();
    ENGINE.get_or_init(|| CudaEngine::new(0)).clone()
}
