//! # plume-h5plugin: Plume's HDF5 filter
//!
//! Filter id [`PLUME_H5Z_FILTER`] = 32801, in HDF5's unregistered range 32768-65535
//! (FORMAT.md, "HDF5 snapshots"). A chunk filtered by it holds exactly one Plume stream
//! (FORMAT.md sections 1-5) of the chunk's values in storage (C) order, so decoding needs no
//! client data: the stream is self-describing.
//!
//! Two ways in, one filter function ([`plume_h5z_filter`]):
//! - **in-process**: `plume-ffi`'s snapshot writer registers [`PLUME_H5Z_CLASS`] with
//!   `H5Zregister` (it links the parallel HDF5);
//! - **plugin**: this crate's cdylib `libh5plume.so` exports `H5PLget_plugin_type` and
//!   `H5PLget_plugin_info`; put its directory in `HDF5_PLUGIN_PATH` and `h5dump`, `h5ls`,
//!   h5py (with its own bundled HDF5) read Plume datasets transparently.
//!
//! The crate never links libhdf5: the few HDF5 types it needs are declared here with
//! HDF5's C layout (`H5Z_class2_t`, version 1), and buffers are `malloc`/`free`d as HDF5's
//! own filters do.
//!
//! Client data (`cd_values`, needed to *compress* only), all `unsigned int`:
//! `[0] = 1` (layout version), `[1]` dtype (1 f32, 2 f64, 3 u8 class ids), `[2]` ndims,
//! `[3..7]` the chunk's storage dims (slowest first, unused slots 0), `[7]` bound mode
//! (FORMAT.md's ids 1-5), `[8], [9]` the bound's f64 bits (high word, low word), `[10]`
//! encoding (1 fast, 2 ratio, 3 labels), `[11]` zstd level. Decompression ignores them.
//!
//! A u8 dataset of flame-regime class ids (dtype 3, [`label_cd_values`]) is stored as label
//! streams (FORMAT.md, "Labels": lossless, the `labels` encoding); its bound, encoding and
//! zstd slots are ignored. A chunk holding a byte that is not a class id fails to compress.

#![allow(clippy::missing_safety_doc)]

use std::cell::RefCell;
use std::ffi::{c_int, c_uint, c_void};
use std::sync::Arc;

use plume_core::bound::BoundMode;
use plume_core::codec::{self, CompressOptions, Encoding};
use plume_core::field::{AnyField, FieldView, Order, Shape};
use plume_core::{label, DType, ErrorBound, Result};

/// Plume's HDF5 filter id (unregistered range 32768-65535; see FORMAT.md).
pub const PLUME_H5Z_FILTER: c_int = 32801;
/// Number of `cd_values` the writer sets.
pub const CD_NELMTS: usize = 12;

const H5Z_FLAG_REVERSE: c_uint = 0x0100;
const H5PL_TYPE_FILTER: c_int = 0;

type FilterFn =
    unsafe extern "C" fn(c_uint, usize, *const c_uint, usize, *mut usize, *mut *mut c_void) -> usize;

/// HDF5's `H5Z_class2_t` (layout of `H5Zpublic.h`, HDF5 >= 1.8).
#[repr(C)]
#[derive(Debug)]
pub struct H5ZClass2 {
    /// `H5Z_CLASS_T_VERS` = 1.
    pub version: c_int,
    /// The filter id.
    pub id: c_int,
    /// Whether the encoder is available (1).
    pub encoder_present: c_uint,
    /// Whether the decoder is available (1).
    pub decoder_present: c_uint,
    /// NUL-terminated name.
    pub name: *const std::ffi::c_char,
    /// Unused (NULL).
    pub can_apply: Option<unsafe extern "C" fn() -> c_int>,
    /// Unused (NULL).
    pub set_local: Option<unsafe extern "C" fn() -> c_int>,
    /// The filter function.
    pub filter: Option<FilterFn>,
}

// SAFETY: the class is immutable and its name points to a static string.
unsafe impl Sync for H5ZClass2 {}

/// The filter class to pass to `H5Zregister` (or return from `H5PLget_plugin_info`).
pub static PLUME_H5Z_CLASS: H5ZClass2 = H5ZClass2 {
    version: 1,
    id: PLUME_H5Z_FILTER,
    encoder_present: 1,
    decoder_present: 1,
    name: c"plume: error-bounded lossy compression (FORMAT.md, filter 32801)".as_ptr(),
    can_apply: None,
    set_local: None,
    filter: Some(plume_h5z_filter),
};

/// HDF5 plugin entry: this library is a filter plugin.
#[no_mangle]
pub extern "C" fn H5PLget_plugin_type() -> c_int {
    H5PL_TYPE_FILTER
}

/// HDF5 plugin entry: the filter class.
#[no_mangle]
pub extern "C" fn H5PLget_plugin_info() -> *const c_void {
    &PLUME_H5Z_CLASS as *const H5ZClass2 as *const c_void
}

/// A chunk's raw bytes and the stream the caller made of them.
type Precompressed = (Arc<Vec<u8>>, Arc<Vec<u8>>);

thread_local! {
    /// A chunk the caller already compressed: (its raw bytes, its stream). See [`with_precompressed`].
    static PRECOMPRESSED: RefCell<Option<Precompressed>> = const { RefCell::new(None) };
}

/// Runs `f` (an `H5Dwrite` on this thread) with a chunk already compressed by the caller:
/// when the filter is asked to compress bytes equal to `raw` it returns `stream` instead of
/// compressing again (the snapshot writer compresses each rank's block once, for its
/// metrics, and the chunk is that block). Any other chunk is compressed as usual.
pub fn with_precompressed<R>(raw: Arc<Vec<u8>>, stream: Arc<Vec<u8>>, f: impl FnOnce() -> R) -> R {
    PRECOMPRESSED.with(|p| *p.borrow_mut() = Some((raw, stream)));
    let r = f();
    PRECOMPRESSED.with(|p| *p.borrow_mut() = None);
    r
}

/// The options a writer stores in `cd_values` (see the crate docs).
pub fn cd_values(dtype_f64: bool, chunk_storage_dims: &[usize], opts: &CompressOptions) -> Vec<c_uint> {
    let (mode, value) = bound_mode_value(&opts.bound);
    let bits = value.to_bits();
    let mut cd = vec![0 as c_uint; CD_NELMTS];
    cd[0] = 1;
    cd[1] = if dtype_f64 { 2 } else { 1 };
    cd[2] = chunk_storage_dims.len() as c_uint;
    for (i, d) in chunk_storage_dims.iter().enumerate().take(4) {
        cd[3 + i] = *d as c_uint;
    }
    cd[7] = mode;
    cd[8] = (bits >> 32) as c_uint;
    cd[9] = bits as c_uint;
    cd[10] = match opts.encoding {
        Encoding::Fast => 1,
        _ => 2,
    };
    cd[11] = opts.zstd_level.max(1) as c_uint;
    cd
}

/// The `cd_values` of a u8 dataset of class ids (dtype 3): each chunk becomes a label
/// stream (lossless; no bound, encoding or zstd level to choose).
pub fn label_cd_values(chunk_storage_dims: &[usize]) -> Vec<c_uint> {
    let mut cd = vec![0 as c_uint; CD_NELMTS];
    cd[0] = 1;
    cd[1] = 3;
    cd[2] = chunk_storage_dims.len() as c_uint;
    for (i, d) in chunk_storage_dims.iter().enumerate().take(4) {
        cd[3 + i] = *d as c_uint;
    }
    cd[7] = BoundMode::Abs as u8 as c_uint;
    cd[10] = Encoding::Labels.code() as c_uint;
    cd
}

/// FORMAT.md's bound-mode id and the requested value.
pub fn bound_mode_value(b: &ErrorBound) -> (c_uint, f64) {
    (b.mode() as u8 as c_uint, b.value())
}

/// What a chunk is compressed as: floats under options, or class ids.
enum ChunkKind {
    Float { f64s: bool, opts: CompressOptions },
    Labels,
}

fn options_from_cd(cd: &[c_uint]) -> Option<(ChunkKind, Vec<usize>)> {
    if cd.len() < CD_NELMTS || cd[0] != 1 || !(1..=4).contains(&cd[2]) {
        return None;
    }
    let dims: Vec<usize> = cd[3..3 + cd[2] as usize].iter().map(|&d| d as usize).collect();
    if cd[1] == 3 {
        return Some((ChunkKind::Labels, dims));
    }
    let value = f64::from_bits(((cd[8] as u64) << 32) | cd[9] as u64);
    let mode = BoundMode::from_code(u8::try_from(cd[7]).ok()?)?;
    let bound = ErrorBound::parse(mode.as_str(), value).ok()?;
    let encoding = if cd[10] == 1 { Encoding::Fast } else { Encoding::Ratio };
    let mut opts = CompressOptions::new(bound, encoding);
    opts.zstd_level = cd[11] as i32;
    Some((ChunkKind::Float { f64s: cd[1] == 2, opts }, dims))
}

fn compress_chunk(raw: &[u8], kind: &ChunkKind, dims: &[usize]) -> Result<Vec<u8>> {
    let shape = Shape::new(dims, Order::C)?;
    let (f64s, opts) = match kind {
        ChunkKind::Labels => return label::compress_labels(raw, &shape),
        ChunkKind::Float { f64s, opts } => (*f64s, opts),
    };
    if f64s {
        let v: Vec<f64> =
            raw.chunks_exact(8).map(|b| f64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))).collect();
        Ok(codec::compress_any(AnyField::F64(FieldView::new(&v, &shape)?), opts)?.0)
    } else {
        let v: Vec<f32> =
            raw.chunks_exact(4).map(|b| f32::from_ne_bytes(b.try_into().unwrap_or([0; 4]))).collect();
        Ok(codec::compress_any(AnyField::F32(FieldView::new(&v, &shape)?), opts)?.0)
    }
}

fn apply(flags: c_uint, cd: &[c_uint], input: &[u8]) -> Option<Vec<u8>> {
    if flags & H5Z_FLAG_REVERSE != 0 {
        if codec::inspect(input).ok()?.header.dtype == DType::U8 {
            return label::decompress_labels(input).ok().map(|(ids, _)| ids);
        }
        let (values, _shape) = codec::decompress_any(input).ok()?;
        // Native byte order: the dataset's memory type is the file type (little-endian here).
        return Some(values.to_le_bytes());
    }
    let hit = PRECOMPRESSED.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|(raw, stream)| (raw.as_slice() == input).then(|| stream.as_ref().clone()))
    });
    if hit.is_some() {
        return hit;
    }
    let (kind, dims) = options_from_cd(cd)?;
    compress_chunk(input, &kind, &dims).ok()
}

/// The filter function (`H5Z_func_t`): compresses a chunk (forward) or decodes one
/// (`H5Z_FLAG_REVERSE`). Returns the new size, or 0 (HDF5's failure) on any error; a panic
/// is caught and reported as a failure. On success `*buf` is replaced by a `malloc`ed
/// buffer and the old one `free`d.
pub unsafe extern "C" fn plume_h5z_filter(
    flags: c_uint,
    cd_nelmts: usize,
    cd_values: *const c_uint,
    nbytes: usize,
    buf_size: *mut usize,
    buf: *mut *mut c_void,
) -> usize {
    if buf.is_null() || buf_size.is_null() {
        return 0;
    }
    let result = std::panic::catch_unwind(|| {
        // SAFETY: HDF5 passes cd_nelmts values and a buffer holding nbytes valid bytes.
        let cd = if cd_values.is_null() {
            &[][..]
        } else {
            unsafe { std::slice::from_raw_parts(cd_values, cd_nelmts) }
        };
        let input = unsafe {
            if nbytes == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(*buf as *const u8, nbytes)
            }
        };
        apply(flags, cd, input)
    });
    let Ok(Some(out)) = result else { return 0 };
    // SAFETY: malloc'ed here, handed to HDF5, which frees it with free().
    unsafe {
        let p = libc::malloc(out.len().max(1)) as *mut u8;
        if p.is_null() {
            return 0;
        }
        std::ptr::copy_nonoverlapping(out.as_ptr(), p, out.len());
        libc::free(*buf);
        *buf = p as *mut c_void;
        *buf_size = out.len().max(1);
    }
    out.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_the_filter_function() {
        let vals: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin()).collect();
        let raw: Vec<u8> = vals.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let opts = CompressOptions::new(ErrorBound::Abs(1e-3), Encoding::Ratio);
        let cd = cd_values(false, &[10, 100], &opts);
        unsafe {
            let mut size = raw.len();
            let mut p = libc::malloc(size);
            std::ptr::copy_nonoverlapping(raw.as_ptr(), p as *mut u8, size);
            let n = plume_h5z_filter(0, cd.len(), cd.as_ptr(), size, &mut size, &mut p);
            assert!(n > 0 && n < raw.len());
            let m = plume_h5z_filter(H5Z_FLAG_REVERSE, 0, std::ptr::null(), n, &mut size, &mut p);
            assert_eq!(m, raw.len());
            let back = std::slice::from_raw_parts(p as *const f32, vals.len());
            assert!(vals.iter().zip(back).all(|(a, b)| (a - b).abs() <= 1e-3));
            libc::free(p);
        }
    }

    /// Runs the filter forward then backward over `raw`; returns the stored size and the
    /// bytes that came back (None when a direction failed).
    unsafe fn through_filter(raw: &[u8], cd: &[c_uint]) -> Option<(usize, Vec<u8>)> {
        unsafe {
            let mut size = raw.len();
            let mut p = libc::malloc(size.max(1));
            std::ptr::copy_nonoverlapping(raw.as_ptr(), p as *mut u8, size);
            let n = plume_h5z_filter(0, cd.len(), cd.as_ptr(), size, &mut size, &mut p);
            if n == 0 {
                libc::free(p);
                return None;
            }
            let m = plume_h5z_filter(H5Z_FLAG_REVERSE, 0, std::ptr::null(), n, &mut size, &mut p);
            let back = (m > 0).then(|| std::slice::from_raw_parts(p as *const u8, m).to_vec());
            libc::free(p);
            back.map(|b| (n, b))
        }
    }

    #[test]
    fn label_chunks_are_label_streams() {
        let ids: Vec<u8> = (0..24 * 30).map(|i| ((i / 50 + i % 7 / 6) % 5) as u8).collect();
        let cd = label_cd_values(&[24, 30]);
        assert_eq!(cd[1], 3);
        let (n, back) = unsafe { through_filter(&ids, &cd) }.expect("filtered both ways");
        assert_eq!(back, ids);
        assert!(n < ids.len() / 2, "{n} bytes");
        // a byte that is not a class id fails to compress (HDF5 reports the write failing)
        let mut bad = ids.clone();
        bad[17] = 9;
        assert!(unsafe { through_filter(&bad, &cd) }.is_none());
    }

    #[test]
    fn garbage_fails_cleanly() {
        unsafe {
            let mut size = 16;
            let p0 = libc::malloc(size);
            std::ptr::write_bytes(p0 as *mut u8, 7, size);
            let mut p = p0;
            assert_eq!(plume_h5z_filter(H5Z_FLAG_REVERSE, 0, std::ptr::null(), 16, &mut size, &mut p), 0);
            assert_eq!(p, p0);
            libc::free(p);
        }
    }
}
