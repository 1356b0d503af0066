//! The public entry points: compress a field under a bound, decompress a stream (all of
//! it or a sub-box), inspect a stream. Glue only: the math lives in the stage modules.

use rayon::prelude::*;

use crate::bound::ErrorBound;
use crate::engine::grid::{pad4, Box4};
use crate::engine::{CpuEngine, Engine, EngineChoice, Plan};
use crate::error::{Error, Result};
use crate::field::{AnyField, AnyValues, AnyValuesMut, DType, Element, FieldView, Order, Shape};
pub use crate::format::Encoding;
use crate::format::{BlockEntry, Header, QuantizerParams, StreamLayout, FORMAT_VERSION, MAX_BLOCK_VALUES};
use crate::huge_pages;

/// What the caller asks of a compression.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressOptions {
    /// The error bound every value must meet.
    pub bound: ErrorBound,
    /// `fast` (bit-packing) or `ratio` (Huffman + zstd).
    pub encoding: Encoding,
    /// Block dims in the same convention as the field's dims (`None`: a default for the
    /// dimensionality, see [`default_block_dims`]). Blocks compress and decompress
    /// independently; a sub-box decode touches only the blocks it overlaps.
    pub block_dims: Option<Vec<usize>>,
    /// zstd level of the `ratio` encoding (default 1).
    pub zstd_level: i32,
    /// Which engine compresses (default [`EngineChoice::Cpu`]); every engine writes the
    /// same bytes.
    pub engine: EngineChoice,
}

impl CompressOptions {
    /// Options with default block dims and zstd level.
    pub fn new(bound: ErrorBound, encoding: Encoding) -> Self {
        CompressOptions { bound, encoding, block_dims: None, zstd_level: 1, engine: EngineChoice::Cpu }
    }
}

/// What a compression achieved, measured by the encoder itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompressReport {
    /// The absolute bound every value meets (linear modes), after resolving REL/PSNR.
    pub abs_bound: Option<f64>,
    /// The point-wise relative bound (PW_REL).
    pub pw_rel_bound: Option<f64>,
    /// PSNR (dB) of the reconstruction, value-range based, measured by decoding
    /// (PSNR mode only; use [`crate::metrics::compare`] for the others).
    pub psnr_db: Option<f64>,
    /// Values stored losslessly (NaN/Inf, and values the quantizer could not bound).
    pub n_outliers: u64,
    /// Input bytes.
    pub original_bytes: u64,
    /// Stream bytes.
    pub compressed_bytes: u64,
}

/// Default block dims (storage order) for a field of `ndims` dimensions.
pub fn default_block_dims(ndims: usize) -> Vec<usize> {
    match ndims {
        1 => vec![1 << 16],
        2 => vec![256, 256],
        3 => vec![64, 64, 64],
        _ => vec![8, 16, 16, 32],
    }
}

/// Range statistics over the finite values of a field.
#[derive(Debug, Clone, Copy)]
struct FieldStats {
    min: f64,
    max: f64,
    min_abs_nonzero: f64,
}

fn field_stats<T: Element>(values: &[T]) -> Option<FieldStats> {
    const LANES: usize = 8;
    let identity =
        || FieldStats { min: f64::INFINITY, max: f64::NEG_INFINITY, min_abs_nonzero: f64::INFINITY };
    let merge = |a: FieldStats, b: FieldStats| FieldStats {
        min: a.min.min(b.min),
        max: a.max.max(b.max),
        min_abs_nonzero: a.min_abs_nonzero.min(b.min_abs_nonzero),
    };
    // Branch-free per lane (plain compares and selects), so the loop vectorises.
    let chunk_stats = |chunk: &[T]| {
        let (mut lo, mut hi, mut amin) =
            ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES], [f64::INFINITY; LANES]);
        let mut fold = |lane: usize, v: T| {
            let x = v.to_f64();
            let a = x.abs();
            let finite = a < f64::INFINITY; // false for NaN
            let xl = if finite { x } else { f64::INFINITY };
            let xh = if finite { x } else { f64::NEG_INFINITY };
            let an = if finite && a != 0.0 { a } else { f64::INFINITY };
            lo[lane] = if xl < lo[lane] { xl } else { lo[lane] };
            hi[lane] = if xh > hi[lane] { xh } else { hi[lane] };
            amin[lane] = if an < amin[lane] { an } else { amin[lane] };
        };
        let mut groups = chunk.chunks_exact(LANES);
        for g in &mut groups {
            for (lane, &v) in g.iter().enumerate() {
                fold(lane, v);
            }
        }
        for (lane, &v) in groups.remainder().iter().enumerate() {
            fold(lane, v);
        }
        (0..LANES)
            .map(|l| FieldStats { min: lo[l], max: hi[l], min_abs_nonzero: amin[l] })
            .fold(identity(), merge)
    };
    let s = values.par_chunks(1 << 16).map(chunk_stats).reduce(identity, merge);
    (s.min <= s.max).then_some(s)
}

/// Compresses `field` under `opts`; see [`compress_any`].
pub fn compress<T: Element>(field: FieldView<'_, T>, opts: &CompressOptions) -> Result<Vec<u8>> {
    Ok(compress_report(field, opts)?.0)
}

/// Compresses `field` and reports what the encoder measured; see [`compress_any`].
pub fn compress_report<T: Element>(
    field: FieldView<'_, T>,
    opts: &CompressOptions,
) -> Result<(Vec<u8>, CompressReport)> {
    compress_any(to_any(field), opts)
}

fn to_any<T: Element>(field: FieldView<'_, T>) -> AnyField<'_> {
    // Element is implemented for f32 and f64 only; the casts below are identities.
    let (values, shape) = (field.values(), field.shape());
    match T::DTYPE {
        DType::F32 => {
            // SAFETY: T is f32 (DTYPE is F32 only for f32).
            let v = unsafe { std::slice::from_raw_parts(values.as_ptr() as *const f32, values.len()) };
            AnyField::F32(FieldView::new(v, shape).expect("same length"))
        }
        DType::F64 => {
            // SAFETY: T is f64 (DTYPE is F64 only for f64).
            let v = unsafe { std::slice::from_raw_parts(values.as_ptr() as *const f64, values.len()) };
            AnyField::F64(FieldView::new(v, shape).expect("same length"))
        }
        DType::U8 => unreachable!("Element is sealed to f32 and f64"),
    }
}

/// Compresses a field of either type into a self-describing stream (FORMAT.md).
///
/// Every finite value meets the bound (the encoder reconstructs each value exactly as
/// the decoder will and stores any value that misses losslessly); NaN and +-Inf come
/// back bit for bit. For [`ErrorBound::Psnr`] the encoder decodes its own stream and
/// tightens the bound until the PSNR it measures reaches the target (a zero bound,
/// lossless, ends the search). Fails on an invalid bound or block dims.
pub fn compress_any(field: AnyField<'_>, opts: &CompressOptions) -> Result<(Vec<u8>, CompressReport)> {
    if opts.encoding == Encoding::Labels {
        return Err(Error::invalid("the labels encoding codes class ids: use label::compress_labels"));
    }
    opts.bound.validate()?;
    let shape = field.shape().clone();
    let block_dims = resolve_block_dims(&shape, opts.block_dims.as_deref())?;
    let stats = match field {
        AnyField::F32(f) => field_stats(f.values()),
        AnyField::F64(f) => field_stats(f.values()),
    };
    let (min, max) = stats.map_or((0.0, 0.0), |s| (s.min, s.max));
    let range = max - min;
    let offset = min / 2.0 + max / 2.0;
    let quantizer = match opts.bound {
        ErrorBound::PwRel(p) => {
            let lq = crate::quantize::LogQuantizer::new(p, stats.map_or(1.0, |s| s.min_abs_nonzero));
            QuantizerParams::Log { rel_bound: p, step: lq.step(), lmin: lq.lmin() }
        }
        ErrorBound::TargetRatio(target) => {
            let eb = abs_bound_for_ratio(field, target, range, offset, &block_dims, opts)?;
            QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset }
        }
        bound => {
            let eb = bound.abs_bound(range).filter(|e| e.is_finite()).unwrap_or(0.0);
            if eb == 0.0 {
                QuantizerParams::Bits // lossless: bit patterns predicted and context-coded
            } else {
                QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset }
            }
        }
    };
    let mut header = Header {
        version: FORMAT_VERSION,
        dtype: field.dtype(),
        shape: shape.clone(),
        encoding: opts.encoding,
        requested: opts.bound,
        quantizer,
        block_dims: block_dims.clone(),
    };
    let mut plan = Plan { quantizer, encoding: opts.encoding, block_dims, zstd_level: opts.zstd_level };
    let engine = crate::engine::select_engine(opts.engine)?;
    let mut compressed = engine.compress(field, &plan)?;
    let mut stream = assemble(&header, &compressed);
    let mut psnr_reached = None;
    if let ErrorBound::Psnr(target) = opts.bound {
        for attempt in 0.. {
            let achieved = achieved_psnr(field, &stream, range)?;
            psnr_reached = Some(achieved);
            let QuantizerParams::Linear { abs_bound, .. } = plan.quantizer else { break };
            if achieved >= target || abs_bound == 0.0 {
                break;
            }
            let eb = if attempt < 8 {
                abs_bound * 0.95 * 10f64.powf(((achieved - target) / 20.0).max(-1.0))
            } else {
                0.0
            };
            plan.quantizer = QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset };
            header.quantizer = plan.quantizer;
            compressed = engine.compress(field, &plan)?;
            stream = assemble(&header, &compressed);
        }
    }
    if let ErrorBound::TargetRatio(target) = opts.bound {
        // The sample's bound lands near the target; refine on the whole field (at most 6
        // more passes) in log-log space: regula falsi once the target is bracketed,
        // ratio ~ bound^(2/3) before, until within 2% of the target.
        let original_bytes = (shape.n_values() * field.dtype().size_bytes()) as f64;
        let goal = target.ln();
        // (ln bound, ln ratio) of the last pass below and above the target
        let mut below: Option<(f64, f64)> = None;
        let mut above: Option<(f64, f64)> = None;
        for _ in 0..6 {
            let QuantizerParams::Linear { abs_bound, .. } = plan.quantizer else { break };
            let achieved = original_bytes / stream.len() as f64;
            if (achieved / target - 1.0).abs() <= 0.02 || abs_bound == 0.0 || range <= 0.0 {
                break;
            }
            let here = (abs_bound.ln(), achieved.ln());
            if here.1 < goal {
                below = Some(here);
            } else {
                above = Some(here);
            }
            let next = match (below, above) {
                (Some(b), Some(a)) if (a.1 - b.1).abs() > 1e-12 => {
                    let x = b.0 + (goal - b.1) * (a.0 - b.0) / (a.1 - b.1);
                    let (lo, hi) = (b.0.min(a.0), b.0.max(a.0));
                    let margin = 0.05 * (hi - lo);
                    if x > lo + margin && x < hi - margin {
                        x
                    } else {
                        0.5 * (lo + hi)
                    }
                }
                _ => here.0 + (goal - here.1) * 1.5,
            };
            let eb = next.exp().min(range);
            plan.quantizer = QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset };
            header.quantizer = plan.quantizer;
            compressed = engine.compress(field, &plan)?;
            stream = assemble(&header, &compressed);
        }
    }
    let report = CompressReport {
        abs_bound: match plan.quantizer {
            QuantizerParams::Linear { abs_bound, .. } => Some(abs_bound),
            QuantizerParams::Bits => Some(0.0),
            QuantizerParams::Log { .. } => None,
        },
        pw_rel_bound: match plan.quantizer {
            QuantizerParams::Log { rel_bound, .. } => Some(rel_bound),
            QuantizerParams::Linear { .. } | QuantizerParams::Bits => None,
        },
        psnr_db: psnr_reached,
        n_outliers: compressed.n_outliers,
        original_bytes: (shape.n_values() * field.dtype().size_bytes()) as u64,
        compressed_bytes: stream.len() as u64,
    };
    Ok((stream, report))
}

/// Values in the sample that the target-ratio search compresses.
const RATIO_SAMPLE_VALUES: usize = 1 << 18;

/// The smallest absolute bound (to about 1%) whose stream reaches `target` on a central
/// sub-box of the field of at most [`RATIO_SAMPLE_VALUES`] values: bisection in log space
/// between 1e-9 and 0.5 of the range (20 sample compressions).
fn abs_bound_for_ratio(
    field: AnyField<'_>,
    target: f64,
    range: f64,
    offset: f64,
    block_dims: &[usize],
    opts: &CompressOptions,
) -> Result<f64> {
    if !(range > 0.0 && range.is_finite()) {
        return Ok(0.0);
    }
    let storage = field.shape().storage_dims();
    let mut extent = storage.clone();
    while extent.iter().product::<usize>() > RATIO_SAMPLE_VALUES {
        let (axis, _) = extent.iter().enumerate().max_by_key(|&(_, &e)| e).unwrap_or((0, &1));
        extent[axis] = extent[axis].div_ceil(2);
    }
    let start: Vec<usize> = storage.iter().zip(&extent).map(|(d, e)| (d - e) / 2).collect();
    let region = Box4 { start: pad4(&start, 0), extent: pad4(&extent, 1) };
    let sample_shape = Shape::new(&extent, Order::C)?;
    fn copy_box<T: Element>(values: &[T], dims: &[usize], region: &Box4) -> Vec<T> {
        let mut out = Vec::new();
        crate::engine::grid::gather(values, &pad4(dims, 1), region, &mut out);
        out
    }
    let sample = match field {
        AnyField::F32(f) => AnyValues::F32(copy_box(f.values(), &storage, &region)),
        AnyField::F64(f) => AnyValues::F64(copy_box(f.values(), &storage, &region)),
    };
    let sample_field = match &sample {
        AnyValues::F32(v) => AnyField::F32(FieldView::new(v, &sample_shape)?),
        AnyValues::F64(v) => AnyField::F64(FieldView::new(v, &sample_shape)?),
    };
    let sample_bytes = (sample.len() * field.dtype().size_bytes()) as f64;
    let sample_blocks: Vec<usize> = block_dims.iter().zip(&extent).map(|(&b, &e)| b.min(e)).collect();
    let ratio_at = |eb: f64| -> Result<f64> {
        let plan = Plan {
            quantizer: QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset },
            encoding: opts.encoding,
            block_dims: sample_blocks.clone(),
            zstd_level: opts.zstd_level,
        };
        let c = CpuEngine.compress(sample_field, &plan)?;
        let bytes: usize =
            c.blocks.iter().map(Vec::len).sum::<usize>() + c.codebook.len() + 20 * c.blocks.len();
        Ok(sample_bytes / bytes.max(1) as f64)
    };
    let (mut lo, mut hi) = (range * 1e-9, range * 0.5);
    if ratio_at(hi)? < target {
        return Ok(hi);
    }
    for _ in 0..20 {
        let mid = (lo * hi).sqrt();
        if ratio_at(mid)? < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

/// Header, codebook, block table and blocks, in stream order. The block checksums and the
/// copies of the blocks into the stream run in parallel, into an output whose pages are
/// faulted in by the copying threads.
pub(crate) fn assemble(header: &Header, compressed: &crate::engine::Compressed) -> Vec<u8> {
    let blocks = &compressed.blocks;
    let crcs: Vec<u32> = blocks.par_iter().map(|b| crc32fast::hash(b)).collect();
    let mut entries = Vec::with_capacity(blocks.len());
    let mut offset = 0u64;
    for (b, crc32) in blocks.iter().zip(crcs) {
        entries.push(BlockEntry { offset, len: b.len() as u64, crc32 });
        offset += b.len() as u64;
    }
    let mut head = Vec::with_capacity(256 + compressed.codebook.len() + 20 * entries.len());
    header.write(&compressed.codebook, &entries, &mut head);
    // Zeroed by the allocator (fresh pages for a large stream), then written once.
    let mut out = vec![0u8; head.len() + offset as usize];
    huge_pages::advise(&mut out);
    let (head_part, mut rest) = out.split_at_mut(head.len());
    head_part.copy_from_slice(&head);
    let mut parts = Vec::with_capacity(blocks.len());
    for b in blocks {
        let (part, tail) = rest.split_at_mut(b.len());
        parts.push(part);
        rest = tail;
    }
    parts.into_par_iter().zip(blocks.par_iter()).for_each(|(part, b)| part.copy_from_slice(b));
    out
}

/// PSNR (dB, value-range based) of the stream's reconstruction over the finite values.
/// Errors are scaled by the range before squaring, so nothing overflows near f64::MAX;
/// sums are combined in chunk order, so the result is the same on any thread count.
fn achieved_psnr(field: AnyField<'_>, stream: &[u8], range: f64) -> Result<f64> {
    fn scaled_mse<T: Element>(original: &[T], stream: &[u8], range: f64) -> Result<f64> {
        let (back, _) = decompress::<T>(stream)?;
        let scale = if range > 0.0 { 1.0 / range } else { 1.0 };
        let chunks: Vec<(f64, usize)> = original
            .par_chunks(1 << 16)
            .zip(back.par_chunks(1 << 16))
            .map(|(a, b)| {
                let mut sum = 0.0;
                let mut n = 0usize;
                for (x, y) in a.iter().zip(b) {
                    let (x, y) = (x.to_f64(), y.to_f64());
                    if x.is_finite() {
                        let e = if y.is_finite() { x * scale - y * scale } else { f64::INFINITY };
                        sum += e * e;
                        n += 1;
                    }
                }
                (sum, n)
            })
            .collect();
        let (sum, n) = chunks.iter().fold((0.0, 0), |(s, m), &(a, b)| (s + a, m + b));
        Ok(if n == 0 { 0.0 } else { sum / n as f64 })
    }
    let nmse = match field {
        AnyField::F32(f) => scaled_mse(f.values(), stream, range)?,
        AnyField::F64(f) => scaled_mse(f.values(), stream, range)?,
    };
    // psnr = 20 log10(range) - 10 log10(mse) = -10 log10(mse / range^2)
    Ok(if nmse <= 0.0 {
        f64::INFINITY
    } else if range > 0.0 {
        -10.0 * nmse.log10()
    } else {
        f64::NEG_INFINITY
    })
}

/// Block dims in storage order, clipped to the field.
pub(crate) fn resolve_block_dims(shape: &Shape, requested: Option<&[usize]>) -> Result<Vec<usize>> {
    let storage = shape.storage_dims();
    let block = match requested {
        None => default_block_dims(storage.len()),
        Some(b) => {
            if b.len() != storage.len() || b.contains(&0) {
                return Err(Error::invalid(format!(
                    "block dims {b:?}: need {} entries, each >= 1",
                    storage.len()
                )));
            }
            match shape.order() {
                Order::C => b.to_vec(),
                Order::Fortran => b.iter().rev().copied().collect(),
            }
        }
    };
    let clipped: Vec<usize> = block.iter().zip(&storage).map(|(&b, &d)| b.min(d.max(1))).collect();
    if clipped.iter().try_fold(1usize, |a, &b| a.checked_mul(b)).is_none_or(|v| v > MAX_BLOCK_VALUES) {
        return Err(Error::invalid(format!(
            "block dims {block:?}: a block holds at most {MAX_BLOCK_VALUES} values"
        )));
    }
    Ok(clipped)
}

/// Parses and validates a stream's header and block table (not the block payloads).
pub fn inspect(stream: &[u8]) -> Result<StreamLayout> {
    StreamLayout::parse(stream)
}

/// Decodes `region` into a new vector, allocated without zeroing (the decoder writes
/// every element) and failing cleanly, never aborting, when memory is short.
fn decode_new<T: Element>(stream: &[u8], layout: &StreamLayout, region: &Box4) -> Result<Vec<T>> {
    let n = region.volume();
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        Error::invalid(format!("cannot allocate {n} values of {} for the output", T::DTYPE.as_str()))
    })?;
    huge_pages::advise(v.spare_capacity_mut());
    CpuEngine.decompress_region(stream, layout, region, any_uninit(&mut v.spare_capacity_mut()[..n]))?;
    // SAFETY: on success the engine wrote all n elements (its contract).
    unsafe { v.set_len(n) };
    Ok(v)
}

fn whole_field(layout: &StreamLayout) -> Box4 {
    Box4 { start: [0; 4], extent: pad4(&layout.header.shape.storage_dims(), 1) }
}

/// Decompresses a whole stream of element type `T`; returns the values (in the order
/// they were given) and the shape. Fails with `CorruptStream` (naming the section and
/// byte offset) on any damage, `InvalidArgument` if the stream holds the other type.
pub fn decompress<T: Element>(stream: &[u8]) -> Result<(Vec<T>, Shape)> {
    let layout = inspect(stream)?;
    let out = decode_new::<T>(stream, &layout, &whole_field(&layout))?;
    Ok((out, layout.header.shape))
}

/// Decompresses into a caller-provided buffer of exactly the field's value count.
pub fn decompress_into<T: Element>(stream: &[u8], out: &mut [T]) -> Result<Shape> {
    let layout = inspect(stream)?;
    let n = out.len();
    // SAFETY: viewing initialised values as MaybeUninit is sound; the engine writes only
    // valid values of T.
    let uninit = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), n) };
    CpuEngine.decompress_region(stream, &layout, &whole_field(&layout), any_uninit::<T>(uninit))?;
    Ok(layout.header.shape)
}

fn any_uninit<T: Element>(out: &mut [std::mem::MaybeUninit<T>]) -> AnyValuesMut<'_> {
    let (ptr, len) = (out.as_mut_ptr(), out.len());
    match T::DTYPE {
        // SAFETY: T is f32 exactly when DTYPE is F32 (Element is sealed to f32/f64).
        DType::F32 => AnyValuesMut::F32(unsafe { std::slice::from_raw_parts_mut(ptr.cast(), len) }),
        // SAFETY: likewise for f64.
        DType::F64 => AnyValuesMut::F64(unsafe { std::slice::from_raw_parts_mut(ptr.cast(), len) }),
        DType::U8 => unreachable!("Element is sealed to f32 and f64"),
    }
}

/// Decompresses a stream of either element type.
pub fn decompress_any(stream: &[u8]) -> Result<(AnyValues, Shape)> {
    let layout = inspect(stream)?;
    match layout.header.dtype {
        DType::F32 => {
            let (v, s) = decompress::<f32>(stream)?;
            Ok((AnyValues::F32(v), s))
        }
        DType::F64 => {
            let (v, s) = decompress::<f64>(stream)?;
            Ok((AnyValues::F64(v), s))
        }
        DType::U8 => {
            Err(Error::invalid("a label stream (u8 class ids): decode it with label::decompress_labels"))
        }
    }
}

/// Decompresses the sub-box at `start` with extent `extent` (both in the field's dims
/// convention, slowest first for C order) and returns it as an array of that extent in
/// the field's order. Reads only the blocks the box overlaps.
pub fn decompress_region<T: Element>(stream: &[u8], start: &[usize], extent: &[usize]) -> Result<Vec<T>> {
    let layout = inspect(stream)?;
    let region = region_box(&layout, start, extent)?;
    decode_new(stream, &layout, &region)
}

/// The storage-order box of a region given in the field's dims convention, checked
/// against the stream's shape.
pub(crate) fn region_box(layout: &StreamLayout, start: &[usize], extent: &[usize]) -> Result<Box4> {
    let shape = &layout.header.shape;
    let nd = shape.dims().len();
    if start.len() != nd || extent.len() != nd {
        return Err(Error::invalid(format!(
            "region start {start:?} extent {extent:?}: the field has {nd} dims {:?}",
            shape.dims()
        )));
    }
    for a in 0..nd {
        if start[a].checked_add(extent[a]).is_none_or(|end| end > shape.dims()[a]) {
            return Err(Error::invalid(format!(
                "region on axis {a}: {}..{} exceeds the dim {}",
                start[a],
                start[a].saturating_add(extent[a]),
                shape.dims()[a]
            )));
        }
    }
    let to_storage = |v: &[usize]| -> Vec<usize> {
        match shape.order() {
            Order::C => v.to_vec(),
            Order::Fortran => v.iter().rev().copied().collect(),
        }
    };
    Ok(Box4 { start: pad4(&to_storage(start), 0), extent: pad4(&to_storage(extent), 1) })
}
