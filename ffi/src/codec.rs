//! `plume_codec`: compress and decompress buffer to buffer under the options of a
//! `plume_config`, query the worst-case stream size, inspect a stream, compare fields.

use std::ffi::c_char;

use plume_core::codec::{self, default_block_dims, CompressOptions, Encoding};
use plume_core::field::{AnyField, Element, FieldView};
use plume_core::{DType, Order, Shape};

use crate::config::plume_config;
use crate::handle::{
    arg_ref, arg_slice, arg_slice_mut, arg_str, check_out, free_handle, into_handle, write_out, Fail,
    FfiResult, LastError,
};
use crate::metrics::plume_metrics;
use crate::panic::boundary;
use crate::status::plume_status::{
    self, PLUME_ERR_BUFFER_TOO_SMALL, PLUME_ERR_NULL_POINTER, PLUME_ERR_PANIC,
};
use crate::stream_info::plume_stream_info;
use crate::types::{dims_arg, dtype_from_u32, shape_arg};

/// A compressor/decompressor with fixed options. Opaque; create with `plume_codec_new`,
/// free with `plume_codec_free`.
///
/// Thread safety: every `plume_codec_*` function except `plume_codec_free` may be called
/// concurrently on one codec from any number of threads (the options are immutable; the
/// codec itself runs on Rust's rayon thread pool). With concurrent failures the last-error
/// message is one of them: use one codec per thread to read messages reliably.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct plume_codec {
    pub(crate) opts: CompressOptions,
    last_error: LastError,
}

/// Creates a codec with the effective options of `cfg` (NULL: the defaults, relative
/// bound 1e-3, `ratio` encoding). With `field` non-NULL the `field.<field>.*` overrides of
/// `cfg` apply; with NULL, the global options.
///
/// On success writes the new handle to `*out` (owned by the caller, freed with
/// `plume_codec_free`). Returns `PLUME_ERR_INVALID_ARGUMENT` when the options do not
/// combine (e.g. `pw_rel` with a bound >= 1), with the message in
/// `plume_config_last_error(cfg)`; `PLUME_ERR_NULL_POINTER` when `out` is NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_codec_new(
    cfg: *const plume_config,
    field: *const c_char,
    out: *mut *mut plume_codec,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let cfg = unsafe { cfg.as_ref() };
        let body = || -> FfiResult<()> {
            check_out(out, "out")?;
            let field = if field.is_null() {
                None
            } else {
                // SAFETY: non-NULL and NUL-terminated (the caller's contract).
                Some(unsafe { arg_str(field, "field") }?)
            };
            let opts = match cfg {
                Some(c) => c.resolve()?.compress_options(field),
                None => plume_core::config::Config::new().resolve()?.compress_options(field),
            };
            let codec = plume_codec { opts, last_error: LastError::default() };
            // SAFETY: out checked non-NULL.
            unsafe { write_out(out, into_handle(codec)) };
            Ok(())
        };
        match cfg {
            Some(c) => c.last_error.record(body),
            None => body().map_or_else(|f| f.status, |()| plume_status::PLUME_OK),
        }
    })
}

/// Frees a codec. NULL does nothing. The caller must ensure no other thread uses `codec`
/// during or after this call.
#[no_mangle]
pub unsafe extern "C" fn plume_codec_free(codec: *mut plume_codec) {
    // SAFETY: NULL or a handle from plume_codec_new, freed once (the caller's contract).
    boundary((), std::panic::AssertUnwindSafe(|| unsafe { free_handle(codec) }))
}

/// The message of the most recent failed call on `codec` (which argument, which
/// dimension, which stream section and byte offset), or `""`. Never NULL; owned by the
/// codec and valid until its next failing call or `plume_codec_free`. Thread-safe (see
/// `plume_codec` for concurrent failures).
#[no_mangle]
pub unsafe extern "C" fn plume_codec_last_error(codec: *const plume_codec) -> *const c_char {
    boundary(c"internal panic".as_ptr(), || {
        // SAFETY: NULL or a live handle (the caller's contract).
        match unsafe { codec.as_ref() } {
            Some(c) => c.last_error.as_ptr(),
            None => c"codec is NULL".as_ptr(),
        }
    })
}

/// Runs `body` on a non-NULL codec, recording its failure.
fn on_codec(codec: *const plume_codec, body: impl FnOnce(&plume_codec) -> FfiResult<()>) -> plume_status {
    // SAFETY: NULL or a live handle (the callers' contract, forwarded).
    let Ok(c) = (unsafe { arg_ref(codec, "codec") }) else { return PLUME_ERR_NULL_POINTER };
    c.last_error.record(|| body(c))
}

/// Zstd's worst-case frame size for `n` input bytes (ZSTD_COMPRESSBOUND) plus frame slack.
fn zstd_bound(n: usize) -> usize {
    let small = if n < (128 << 10) { ((128 << 10) - n) >> 11 } else { 0 };
    n + (n >> 8) + small + 64
}

/// An upper bound on the stream size for a field of `shape` and `dtype` under `opts`,
/// whatever the values: every value an outlier and every residual at its widest code.
/// Derived from FORMAT.md (header 128 + table 20/block + checksum 4; codebook at most
/// 4 + 3 x 65536; per block: a predictor byte, outliers 4 + V (4 + value bytes), `fast`
/// residuals ceil(V/32) (1 + 128), `ratio` residuals 8 + 3 V + 4 + 4 V inside one zstd
/// frame), with slack; it belongs next to the format, and moves to plume-core's codec when
/// that grows a size query.
/// A test compresses incompressible data against it.
pub(crate) fn worst_case_stream_bytes(
    shape: &Shape,
    dtype: DType,
    opts: &CompressOptions,
) -> FfiResult<usize> {
    let storage = shape.storage_dims();
    let block = match &opts.block_dims {
        None => default_block_dims(storage.len()),
        Some(b) if b.len() == storage.len() && !b.contains(&0) => match shape.order() {
            Order::C => b.clone(),
            Order::Fortran => b.iter().rev().copied().collect(),
        },
        Some(b) => {
            return Err(Fail::invalid(format!("block_dims {b:?} do not fit a {}-D field", storage.len())))
        }
    };
    let n_blocks = storage.iter().zip(&block).map(|(&d, &b)| d.div_ceil(b.min(d.max(1)))).product::<usize>();
    let n = shape.n_values();
    let vb = dtype.size_bytes();
    let overflow =
        || Fail::invalid(format!("dims {:?}: the worst-case stream size overflows size_t", shape.dims()));
    let per_value = match opts.encoding {
        Encoding::Fast => 4 + vb + 5,  // outlier + 129/32 bytes of residual space
        Encoding::Ratio => 4 + vb + 8, // outlier + 3 + 4 escape + zstd's 1/256
        Encoding::Labels => return Err(Fail::invalid("the labels encoding is for label streams only")),
    };
    let per_block = match opts.encoding {
        Encoding::Fast => 1 + 4 + 129 + 16,
        Encoding::Ratio => zstd_bound(0) + 1 + 48,
        Encoding::Labels => 0,
    };
    let codebook = match opts.encoding {
        Encoding::Fast => 0,
        Encoding::Ratio => 4 + 3 * 65536,
        Encoding::Labels => 0,
    };
    n.checked_mul(per_value)
        .and_then(|v| v.checked_add(n_blocks.checked_mul(per_block + 20)?))
        .and_then(|v| v.checked_add(128 + 4 + codebook + 1024))
        .ok_or_else(overflow)
}

/// Writes to `*out_bytes` a stream size that compressing any field of this dtype, shape
/// and order with `codec` never exceeds (allocate the output buffer of
/// `plume_codec_compress_*` with it). `dtype` is a `plume_dtype`, `order` a
/// `plume_order`; `dims` points to `ndims` (1 to 4) sizes.
///
/// Returns `PLUME_ERR_INVALID_ARGUMENT` on a bad dtype, order, ndims, or dims whose
/// product overflows; `PLUME_ERR_NULL_POINTER` on NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_codec_compress_bound(
    codec: *const plume_codec,
    dtype: u32,
    ndims: usize,
    dims: *const usize,
    order: u32,
    out_bytes: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |c| {
            let dtype = dtype_from_u32(dtype)?;
            // SAFETY: dims has ndims entries (the caller's contract).
            let shape = unsafe { shape_arg(ndims, dims, order) }?;
            check_out(out_bytes, "out_bytes")?;
            let bound = worst_case_stream_bytes(&shape, dtype, &c.opts)?;
            // SAFETY: checked non-NULL.
            unsafe { write_out(out_bytes, bound) };
            Ok(())
        })
    })
}

/// Wraps a typed field for the codec.
fn any_field<'a, T: Element>(values: &'a [T], shape: &'a Shape) -> FfiResult<AnyField<'a>> {
    let view = FieldView::new(values, shape)?;
    // Element is f32 or f64 only; the casts are identities checked by DTYPE.
    Ok(match T::DTYPE {
        DType::F32 => {
            // SAFETY: T is f32.
            let v = unsafe { std::slice::from_raw_parts(view.values().as_ptr().cast::<f32>(), values.len()) };
            AnyField::F32(FieldView::new(v, shape)?)
        }
        DType::F64 => {
            // SAFETY: T is f64.
            let v = unsafe { std::slice::from_raw_parts(view.values().as_ptr().cast::<f64>(), values.len()) };
            AnyField::F64(FieldView::new(v, shape)?)
        }
        DType::U8 => unreachable!("Element is sealed to f32 and f64"),
    })
}

/// Compresses `values` of `shape` under `opts` into a new stream.
pub(crate) fn compress_values<T: Element>(
    opts: &CompressOptions,
    values: &[T],
    shape: &Shape,
) -> FfiResult<Vec<u8>> {
    Ok(codec::compress_any(any_field(values, shape)?, opts)?.0)
}

/// The body of `plume_codec_compress_f32/_f64`.
///
/// # Safety
/// The pointer contracts of `plume_codec_compress_f32`.
#[allow(clippy::too_many_arguments)]
unsafe fn compress<T: Element>(
    c: &plume_codec,
    values: *const T,
    ndims: usize,
    dims: *const usize,
    order: u32,
    out: *mut u8,
    out_capacity: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    // SAFETY: forwarded contracts.
    let shape = unsafe { shape_arg(ndims, dims, order) }?;
    check_out(out_len, "out_len")?;
    // SAFETY: values holds the field's n_values elements.
    let values = unsafe { arg_slice(values, shape.n_values(), "values") }?;
    if out.is_null() {
        return Err(Fail::null("out"));
    }
    let stream = compress_values(&c.opts, values, &shape)?;
    if stream.len() > out_capacity {
        return Err(Fail::new(
            PLUME_ERR_BUFFER_TOO_SMALL,
            format!(
                "out_capacity {out_capacity} bytes: the stream needs {} (plume_codec_compress_bound gives a size that always suffices)",
                stream.len()
            ),
        ));
    }
    // SAFETY: out has out_capacity >= stream.len() writable bytes; out_len non-NULL.
    unsafe {
        std::ptr::copy_nonoverlapping(stream.as_ptr(), out, stream.len());
        write_out(out_len, stream.len());
    }
    Ok(())
}

/// Compresses a field of `float`s into `out` (a self-describing stream, FORMAT.md).
///
/// - `values`: the field as it lies in memory, `dims[0] * ... * dims[ndims-1]` values
///   (may be NULL only for an empty field); not modified. No copy is made of it.
/// - `ndims` 1 to 4; `dims`: the shape (slowest first for C order, the array's shape for
///   Fortran order); `order`: a `plume_order`.
/// - `out`: `out_capacity` writable bytes; on success the stream is in
///   `out[0 .. *out_len)`. Size it with `plume_codec_compress_bound`.
///
/// Every finite value meets the codec's bound; NaN and infinities come back bit for bit.
/// Returns `PLUME_ERR_INVALID_ARGUMENT` (bad ndims, order, dims overflow, bad block dims,
/// misaligned `values`), `PLUME_ERR_BUFFER_TOO_SMALL` (the message has the size needed),
/// `PLUME_ERR_NULL_POINTER`. On failure neither `out` nor `*out_len` is written.
/// Thread-safe (the caller must not modify `values` during the call).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_compress_f32(
    codec: *const plume_codec,
    values: *const f32,
    ndims: usize,
    dims: *const usize,
    order: u32,
    out: *mut u8,
    out_capacity: usize,
    out_len: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: forwarded contracts.
        on_codec(codec, |c| unsafe { compress(c, values, ndims, dims, order, out, out_capacity, out_len) })
    })
}

/// As `plume_codec_compress_f32`, for a field of `double`s. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_compress_f64(
    codec: *const plume_codec,
    values: *const f64,
    ndims: usize,
    dims: *const usize,
    order: u32,
    out: *mut u8,
    out_capacity: usize,
    out_len: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: forwarded contracts.
        on_codec(codec, |c| unsafe { compress(c, values, ndims, dims, order, out, out_capacity, out_len) })
    })
}

/// The body of `plume_codec_decompress_f32/_f64`.
///
/// # Safety
/// The pointer contracts of `plume_codec_decompress_f32`.
unsafe fn decompress<T: Element>(
    stream: *const u8,
    stream_len: usize,
    out: *mut T,
    out_count: usize,
) -> FfiResult<()> {
    // SAFETY: forwarded contracts.
    let stream = unsafe { arg_slice(stream, stream_len, "stream") }?;
    // SAFETY: out has out_count writable values.
    let out = unsafe { arg_slice_mut(out, out_count, "out") }?;
    decompress_values(stream, out)
}

/// Decompresses a whole stream into `out`, which must hold exactly its value count.
pub(crate) fn decompress_values<T: Element>(stream: &[u8], out: &mut [T]) -> FfiResult<()> {
    let layout = codec::inspect(stream)?;
    check_dtype::<T>(layout.header.dtype)?;
    let n = layout.header.shape.n_values();
    if out.len() != n {
        return Err(Fail::new(
            size_status(out.len() < n),
            format!(
                "out_count {}: the stream holds {n} values of dims {:?}",
                out.len(),
                layout.header.shape.dims()
            ),
        ));
    }
    // Every block's CRC first, so that a damaged stream fails before `out` is touched
    // (the decoder checks them again as it goes; a CRC pass costs little next to decoding).
    for b in 0..layout.blocks.len() {
        layout.block_bytes(stream, b)?;
    }
    codec::decompress_into(stream, out)?;
    Ok(())
}

/// `PLUME_ERR_BUFFER_TOO_SMALL` for a short output, `PLUME_ERR_INVALID_ARGUMENT` for a long one.
fn size_status(too_small: bool) -> plume_status {
    if too_small {
        PLUME_ERR_BUFFER_TOO_SMALL
    } else {
        plume_status::PLUME_ERR_INVALID_ARGUMENT
    }
}

fn check_dtype<T: Element>(stream: DType) -> FfiResult<()> {
    if stream != T::DTYPE {
        return Err(Fail::invalid(format!(
            "the stream holds {} values, the output is {}: call the _{} function",
            stream.as_str(),
            T::DTYPE.as_str(),
            stream.as_str()
        )));
    }
    Ok(())
}

/// Decompresses a whole stream of `float`s into `out`, which holds exactly the stream's
/// value count (`plume_stream_info_n_values`), in the order and shape it was compressed
/// with.
///
/// Returns `PLUME_ERR_CORRUPT_STREAM` on a truncated or damaged stream (the message names
/// the section and byte offset), `PLUME_ERR_UNSUPPORTED` on a newer format version,
/// `PLUME_ERR_INVALID_ARGUMENT` when the stream holds doubles or `out_count` is larger
/// than the value count, `PLUME_ERR_BUFFER_TOO_SMALL` when it is smaller,
/// `PLUME_ERR_NULL_POINTER`. The header, the block table and every block's CRC-32 are
/// checked before anything is written, so a truncated or bit-flipped stream leaves `out`
/// untouched; only a forged stream with valid checksums but malformed payloads can fail
/// after `out` was partly written. Thread-safe (the caller must not access `out` during
/// the call).
#[no_mangle]
pub unsafe extern "C" fn plume_codec_decompress_f32(
    codec: *const plume_codec,
    stream: *const u8,
    stream_len: usize,
    out: *mut f32,
    out_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: forwarded contracts.
        on_codec(codec, |_| unsafe { decompress(stream, stream_len, out, out_count) })
    })
}

/// As `plume_codec_decompress_f32`, for a stream of `double`s. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_codec_decompress_f64(
    codec: *const plume_codec,
    stream: *const u8,
    stream_len: usize,
    out: *mut f64,
    out_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: forwarded contracts.
        on_codec(codec, |_| unsafe { decompress(stream, stream_len, out, out_count) })
    })
}

/// The body of `plume_codec_decompress_region_f32/_f64`.
///
/// # Safety
/// The pointer contracts of `plume_codec_decompress_region_f32`.
#[allow(clippy::too_many_arguments)]
unsafe fn decompress_region<T: Element>(
    stream: *const u8,
    stream_len: usize,
    ndims: usize,
    start: *const usize,
    extent: *const usize,
    out: *mut T,
    out_count: usize,
) -> FfiResult<()> {
    // SAFETY: forwarded contracts.
    let stream = unsafe { arg_slice(stream, stream_len, "stream") }?;
    // SAFETY: start and extent have ndims entries.
    let (start, extent) = unsafe { (dims_arg(ndims, start, "start")?, dims_arg(ndims, extent, "extent")?) };
    // SAFETY: out has out_count writable values.
    let out = unsafe { arg_slice_mut(out, out_count, "out") }?;
    decompress_region_values(stream, start, extent, out)
}

/// Decompresses the box `start`, `extent` into `out`, which must hold exactly its volume;
/// `out` is written only on success.
pub(crate) fn decompress_region_values<T: Element>(
    stream: &[u8],
    start: &[usize],
    extent: &[usize],
    out: &mut [T],
) -> FfiResult<()> {
    let layout = codec::inspect(stream)?;
    check_dtype::<T>(layout.header.dtype)?;
    let volume = extent.iter().try_fold(1usize, |a, &e| a.checked_mul(e));
    if volume != Some(out.len()) {
        return Err(Fail::new(
            size_status(volume.is_none_or(|v| out.len() < v)),
            format!("out_count {}: the region of extent {extent:?} holds {volume:?} values", out.len()),
        ));
    }
    let values: Vec<T> = codec::decompress_region(stream, start, extent)?;
    out.copy_from_slice(&values);
    Ok(())
}

/// Decompresses only the sub-box `start[a] .. start[a] + extent[a]` (each of `ndims`
/// axes, 0-based, in the field's dims convention) of a stream of `float`s into `out`, an
/// array of that extent in the field's order holding exactly `out_count` = the product of
/// `extent` values. Only the blocks the box overlaps are read.
///
/// Errors as `plume_codec_decompress_f32`, plus `PLUME_ERR_INVALID_ARGUMENT` when `ndims`
/// differs from the stream's or the box exceeds the field (the message names the axis).
/// On failure `out` is not written. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_decompress_region_f32(
    codec: *const plume_codec,
    stream: *const u8,
    stream_len: usize,
    ndims: usize,
    start: *const usize,
    extent: *const usize,
    out: *mut f32,
    out_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |_| {
            // SAFETY: forwarded contracts.
            unsafe { decompress_region(stream, stream_len, ndims, start, extent, out, out_count) }
        })
    })
}

/// As `plume_codec_decompress_region_f32`, for a stream of `double`s. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_decompress_region_f64(
    codec: *const plume_codec,
    stream: *const u8,
    stream_len: usize,
    ndims: usize,
    start: *const usize,
    extent: *const usize,
    out: *mut f64,
    out_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |_| {
            // SAFETY: forwarded contracts.
            unsafe { decompress_region(stream, stream_len, ndims, start, extent, out, out_count) }
        })
    })
}

/// Parses a stream's header and block table (checksums included, payloads not decoded)
/// and writes a new `plume_stream_info` to `*out` (owned by the caller, freed with
/// `plume_stream_info_free`). Returns `PLUME_ERR_CORRUPT_STREAM` /
/// `PLUME_ERR_UNSUPPORTED` as the decompress functions do. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_codec_inspect(
    codec: *const plume_codec,
    stream: *const u8,
    stream_len: usize,
    out: *mut *mut plume_stream_info,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |_| {
            check_out(out, "out")?;
            // SAFETY: stream has stream_len readable bytes.
            let bytes = unsafe { arg_slice(stream, stream_len, "stream") }?;
            let layout = codec::inspect(bytes)?;
            let info = plume_stream_info::new(&layout, stream_len);
            // SAFETY: checked non-NULL.
            unsafe { write_out(out, into_handle(info)) };
            Ok(())
        })
    })
}

/// The body of `plume_codec_compare_f32/_f64`.
///
/// # Safety
/// The pointer contracts of `plume_codec_compare_f32`.
#[allow(clippy::too_many_arguments)]
unsafe fn compare<T: Element>(
    original: *const T,
    decompressed: *const T,
    ndims: usize,
    dims: *const usize,
    order: u32,
    compressed_bytes: usize,
    out: *mut *mut plume_metrics,
) -> FfiResult<()> {
    check_out(out, "out")?;
    // SAFETY: forwarded contracts.
    let shape = unsafe { shape_arg(ndims, dims, order) }?;
    let n = shape.n_values();
    // SAFETY: both arrays hold n values.
    let (a, b) =
        unsafe { (arg_slice(original, n, "original")?, arg_slice(decompressed, n, "decompressed")?) };
    let m = compare_values(a, b, &shape, compressed_bytes)?;
    // SAFETY: checked non-NULL.
    unsafe { write_out(out, into_handle(plume_metrics::new(m))) };
    Ok(())
}

/// The metrics of `decompressed` against `original` (`compressed_bytes` 0: unknown).
pub(crate) fn compare_values<T: Element>(
    original: &[T],
    decompressed: &[T],
    shape: &Shape,
    compressed_bytes: usize,
) -> FfiResult<plume_core::metrics::Metrics> {
    Ok(plume_core::metrics::compare(
        FieldView::new(original, shape)?,
        decompressed,
        (compressed_bytes > 0).then_some(compressed_bytes as u64),
    )?)
}

/// Compares a decompressed field with its original (both `ndims`/`dims`/`order` as given
/// to `plume_codec_compress_f32`) and writes a new `plume_metrics` to `*out` (owned by the
/// caller, freed with `plume_metrics_free`). `compressed_bytes` is the stream's size for
/// the ratio (0: unknown, the ratio is then NaN). Metrics are computed in f64 and do not
/// depend on the thread count. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_compare_f32(
    codec: *const plume_codec,
    original: *const f32,
    decompressed: *const f32,
    ndims: usize,
    dims: *const usize,
    order: u32,
    compressed_bytes: usize,
    out: *mut *mut plume_metrics,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |_| {
            // SAFETY: forwarded contracts.
            unsafe { compare(original, decompressed, ndims, dims, order, compressed_bytes, out) }
        })
    })
}

/// As `plume_codec_compare_f32`, for `double`s. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_codec_compare_f64(
    codec: *const plume_codec,
    original: *const f64,
    decompressed: *const f64,
    ndims: usize,
    dims: *const usize,
    order: u32,
    compressed_bytes: usize,
    out: *mut *mut plume_metrics,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        on_codec(codec, |_| {
            // SAFETY: forwarded contracts.
            unsafe { compare(original, decompressed, ndims, dims, order, compressed_bytes, out) }
        })
    })
}
