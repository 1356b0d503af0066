//! `plume_stream_info`: what a compressed stream holds (dtype, shape, order, encoding,
//! bound), read from its header without decoding the data.

use std::ffi::{c_char, CStr, CString};

use plume_core::format::StreamLayout;

use crate::handle::{arg_ref, check_out, free_handle, write_out, Fail, FfiResult};
use crate::panic::boundary;
use crate::status::plume_status::{self, PLUME_ERR_BUFFER_TOO_SMALL, PLUME_ERR_PANIC, PLUME_OK};
use crate::types::{dtype_to_u32, order_to_u32};

/// The description of one stream, made by `plume_codec_inspect`, freed with
/// `plume_stream_info_free`. Immutable: every getter is thread-safe.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct plume_stream_info {
    dtype: u32,
    order: u32,
    dims: Vec<usize>,
    n_values: usize,
    n_blocks: usize,
    stream_bytes: usize,
    encoding: &'static CStr,
    bound_mode: CString,
    bound_value: f64,
}

impl plume_stream_info {
    pub(crate) fn new(layout: &StreamLayout, stream_bytes: usize) -> Self {
        let h = &layout.header;
        let encoding = match h.encoding.as_str() {
            "fast" => c"fast",
            "labels" => c"labels",
            _ => c"ratio",
        };
        let bound_mode = CString::new(h.requested.mode().as_str()).unwrap_or_default();
        plume_stream_info {
            dtype: dtype_to_u32(h.dtype),
            order: order_to_u32(h.shape.order()),
            dims: h.shape.dims().to_vec(),
            n_values: h.shape.n_values(),
            n_blocks: layout.blocks.len(),
            stream_bytes,
            encoding,
            bound_mode,
            bound_value: h.requested.value(),
        }
    }
}

/// Runs a getter: NULL `info` or `out` gives `PLUME_ERR_NULL_POINTER` (nothing written).
fn get<T>(
    info: *const plume_stream_info,
    out: *mut T,
    f: impl FnOnce(&plume_stream_info) -> FfiResult<T>,
) -> plume_status {
    let body = || -> FfiResult<()> {
        // SAFETY: NULL or a live handle (the caller's contract).
        let info = unsafe { arg_ref(info, "info") }?;
        check_out(out, "out")?;
        let v = f(info)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    };
    body().map_or_else(|f| f.status, |()| PLUME_OK)
}

/// Frees a stream info. NULL does nothing. Not thread-safe with other uses of the same
/// handle: no other thread may use it during or after this call.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_free(info: *mut plume_stream_info) {
    // SAFETY: NULL or from plume_codec_inspect, freed once (the caller's contract).
    boundary((), std::panic::AssertUnwindSafe(|| unsafe { free_handle(info) }))
}

/// Writes the element type (a `plume_dtype` value) to `*out`. `PLUME_ERR_NULL_POINTER`
/// when an argument is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_dtype(
    info: *const plume_stream_info,
    out: *mut u32,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.dtype)))
}

/// Writes the memory order (a `plume_order` value) to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_order(
    info: *const plume_stream_info,
    out: *mut u32,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.order)))
}

/// Writes the number of dimensions (1 to 4) to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_ndims(
    info: *const plume_stream_info,
    out: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.dims.len())))
}

/// Copies the dims (as given to the compressor: slowest first for C order, the array's
/// shape for Fortran order) into `dims`, which has room for `capacity` entries; 4 always
/// suffices. `PLUME_ERR_BUFFER_TOO_SMALL` when `capacity` is below the stream's ndims
/// (nothing written). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_dims(
    info: *const plume_stream_info,
    dims: *mut usize,
    capacity: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        let body = || -> FfiResult<()> {
            // SAFETY: NULL or a live handle (the caller's contract).
            let info = unsafe { arg_ref(info, "info") }?;
            check_out(dims, "dims")?;
            if capacity < info.dims.len() {
                return Err(Fail::new(PLUME_ERR_BUFFER_TOO_SMALL, "dims capacity below ndims"));
            }
            // SAFETY: dims has capacity >= ndims writable entries.
            unsafe { std::ptr::copy_nonoverlapping(info.dims.as_ptr(), dims, info.dims.len()) };
            Ok(())
        };
        body().map_or_else(|f| f.status, |()| PLUME_OK)
    })
}

/// Writes the number of values (the product of the dims) to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_n_values(
    info: *const plume_stream_info,
    out: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.n_values)))
}

/// Writes the number of independently decodable blocks to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_n_blocks(
    info: *const plume_stream_info,
    out: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.n_blocks)))
}

/// Writes the stream's size in bytes (as passed to `plume_codec_inspect`) to `*out`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_stream_bytes(
    info: *const plume_stream_info,
    out: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.stream_bytes)))
}

/// Writes the encoding's name (`"fast"` or `"ratio"`, a static string never to be freed)
/// to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_encoding(
    info: *const plume_stream_info,
    out: *mut *const c_char,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || get(info, out, |i| Ok(i.encoding.as_ptr())))
}

/// Writes the bound mode the stream was compressed with (`"abs"`, `"rel"`, `"pw_rel"`,
/// `"psnr"`, `"target_ratio"`; owned by `info`, valid until `plume_stream_info_free`) to
/// `*mode` and the value given for it to `*value`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_stream_info_bound(
    info: *const plume_stream_info,
    mode: *mut *const c_char,
    value: *mut f64,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        if value.is_null() {
            return plume_status::PLUME_ERR_NULL_POINTER;
        }
        let status = get(info, mode, |i| Ok(i.bound_mode.as_ptr()));
        if status == PLUME_OK {
            // SAFETY: info is live (get succeeded) and value is non-NULL.
            unsafe { write_out(value, (*info).bound_value) };
        }
        status
    })
}
