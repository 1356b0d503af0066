//! The reference engine: blocks in parallel on the CPU with rayon.
//!
//! `fast`: per block, quantize -> Lorenzo -> bit-pack, one pass.
//! `ratio`: pass 1 quantizes and predicts every block and sums one histogram; the shared
//! Huffman code is built from it; pass 2 codes each block and runs zstd over it.
//! Scratch beyond the output: `fast` one block of codes per thread; `ratio` the residuals
//! of the whole field (4 bytes per value) until pass 2 has coded them. Decoding keeps one
//! block's buffers per thread between calls ([`DecodeScratch`]).

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::bits64;
use super::grid::{for_each_row, gather, pad4, BlockGrid, Box4};
use super::{Compressed, Engine, Plan};
use crate::encode::{
    segment_axis, segment_values, split_segments, BitPackEncoder, ContextCoder, ContextTables, Histogram,
    HuffmanEncoder, TabledCoder, TokenCounts, COUNTED_MIN_VALUES,
};
use crate::error::{Error, ErrorKind, Result};
use crate::field::{AnyField, AnyValuesMut, DType, Element};
use crate::format::{block, ByteReader, Codebook, Encoding, QuantizerParams, StreamLayout, FORMAT_VERSION};
use crate::huge_pages;
use crate::lossless::{LosslessCodec, ZstdLossless};
use crate::predict::{closed_loop, estimated_bits, PredictorKind};
use crate::quantize::{quantize_run, BitsQuantizer, LinearQuantizer, LogQuantizer, Quantizer};

/// The CPU engine. Uses the current rayon thread pool (install one to set the threads).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuEngine;

/// One block after quantization and prediction; its residuals lie in the caller's buffer.
struct Predicted<'a, T> {
    predictor: PredictorKind,
    residuals: &'a [i32],
    outliers: Vec<(u32, T)>,
}

/// Reusable per-task buffers of [`predict_block`].
struct Scratch<T> {
    trial: Vec<i32>,
    trial_outliers: Vec<(u32, T)>,
    /// The best candidate so far (swapped with `trial`), unless it was predicted in place.
    best: Vec<i32>,
    closed: ClosedLoopScratch<T>,
}

impl<T> Scratch<T> {
    fn new() -> Self {
        Scratch {
            trial: Vec::new(),
            trial_outliers: Vec::new(),
            best: Vec::new(),
            closed: ClosedLoopScratch { values: Vec::new(), rec: Vec::new() },
        }
    }
}

/// The buffers of [`closed_loop_candidate`]: the block's values and their reconstructions.
struct ClosedLoopScratch<T> {
    values: Vec<T>,
    rec: Vec<f64>,
}

/// Predicts block `bx` with closed-loop interpolation from its values: its residuals
/// replace `out`'s contents, its outliers `outliers`'.
fn closed_loop_candidate<T: Element>(
    linear: &LinearQuantizer,
    values: &[T],
    grid: &BlockGrid,
    bx: &Box4,
    scratch: &mut ClosedLoopScratch<T>,
    out: &mut Vec<i32>,
    outliers: &mut Vec<(u32, T)>,
) {
    scratch.values.clear();
    gather(values, grid.dims(), bx, &mut scratch.values);
    out.clear();
    out.resize(scratch.values.len(), 0);
    outliers.clear();
    closed_loop::encode(linear, &scratch.values, &grid.block_dims_of(bx), out, outliers, &mut scratch.rec);
}

/// Estimated coded size of a candidate: its residuals plus its outliers stored raw.
fn candidate_bits<T>(residuals: &[i32], outliers: &[(u32, T)]) -> u64 {
    estimated_bits(residuals) + (outliers.len() * (32 + 8 * std::mem::size_of::<T>())) as u64
}

/// Quantizes block `b` and predicts it with the first of `candidates`, or, given several,
/// with the one whose residuals and outliers have the smallest estimated size; the chosen
/// residuals go to `residuals` (the block's volume). A closed-loop candidate is skipped
/// unless the quantizer is linear.
///
/// The codes are quantized straight into `residuals`; the last candidate, when it predicts
/// from the codes, predicts them there in place, so a single candidate (`fast`) copies
/// nothing. Earlier candidates work on a copy in `scratch`.
///
/// A stream of one block (`alone`) has no other block to give the threads work: its rows
/// are quantized in parallel and two candidates are tried at once ([`predict_alone`]).
/// Same residuals either way.
fn predict_block<'a, T: Element, Q: Quantizer>(
    values: &[T],
    grid: &BlockGrid,
    b: usize,
    quantizer: &Q,
    candidates: &[PredictorKind],
    residuals: &'a mut [i32],
    scratch: &mut Scratch<T>,
) -> Predicted<'a, T> {
    let bx = grid.block(b);
    let dims = grid.block_dims_of(&bx);
    let alone = grid.n_blocks() == 1;
    let mut outliers = quantize_block(values, grid, &bx, quantizer, residuals, alone);
    if alone && candidates.len() == 2 && !candidates[0].is_closed_loop() {
        return predict_alone(values, grid, &bx, quantizer, candidates, residuals, outliers, scratch);
    }
    let mut best_predictor = candidates[0];
    let mut best_outliers = Vec::new();
    let mut best_bits = u64::MAX;
    let mut best_in_place = false;
    for (n, &p) in candidates.iter().enumerate() {
        let last = n + 1 == candidates.len();
        let trial = &mut scratch.trial;
        let trial_outliers = &mut scratch.trial_outliers;
        trial.clear();
        trial_outliers.clear();
        if p.is_closed_loop() {
            let Some(linear) = quantizer.as_linear() else { continue };
            closed_loop_candidate(linear, values, grid, &bx, &mut scratch.closed, trial, trial_outliers);
        } else if last {
            p.forward(residuals, &dims);
            let bits = if candidates.len() > 1 { candidate_bits(residuals, &outliers) } else { 0 };
            if bits < best_bits {
                best_predictor = p;
                best_outliers = std::mem::take(&mut outliers);
                best_in_place = true;
            }
            continue;
        } else {
            trial.extend_from_slice(residuals);
            trial_outliers.extend_from_slice(&outliers);
            p.forward(trial, &dims);
        }
        let bits = if candidates.len() > 1 { candidate_bits(trial, trial_outliers) } else { 0 };
        if bits < best_bits {
            best_bits = bits;
            best_predictor = p;
            std::mem::swap(&mut scratch.best, trial);
            std::mem::swap(&mut best_outliers, trial_outliers);
        }
    }
    if !best_in_place {
        residuals.copy_from_slice(&scratch.best);
    }
    Predicted { predictor: best_predictor, residuals, outliers: best_outliers }
}

/// Quantizes block `bx` into `residuals` and returns its outliers (increasing index
/// order); `parallel`: one run of planes a thread, split as the context coder's segments.
fn quantize_block<T: Element, Q: Quantizer>(
    values: &[T],
    grid: &BlockGrid,
    bx: &Box4,
    quantizer: &Q,
    residuals: &mut [i32],
    parallel: bool,
) -> Vec<(u32, T)> {
    let quantize = |part: &Box4, residuals: &mut [i32], first: usize| {
        let mut outliers = Vec::new();
        for_each_row(part, grid.dims(), &[0; 4], &bx.extent, &bx.start, |field_at, block_at, len| {
            quantize_run(
                quantizer,
                &values[field_at..field_at + len],
                &mut residuals[block_at - first..block_at - first + len],
                block_at as u32,
                &mut outliers,
            );
        });
        outliers
    };
    let axis = segment_axis(bx.extent);
    let parts = if parallel { rayon::current_num_threads().min(bx.extent[axis]) } else { 1 };
    if parts <= 1 {
        return quantize(bx, residuals, 0);
    }
    let outliers: Vec<Vec<(u32, T)>> = split_segments(bx.extent, parts, residuals)
        .into_par_iter()
        .map(|(planes, mine)| {
            let mut part = *bx;
            (part.start[axis], part.extent[axis]) = (bx.start[axis] + planes.start, planes.len());
            quantize(&part, mine, segment_values(bx.extent, &planes).start)
        })
        .collect();
    outliers.concat()
}

/// [`predict_block`] of a block that is the whole stream, with two candidates, the first
/// not closed-loop: both at once (the first on a copy of the codes, the second in place
/// or, closed-loop, from the values); the first wins a tie, as in the sequential order.
#[allow(clippy::too_many_arguments)]
fn predict_alone<'a, T: Element, Q: Quantizer>(
    values: &[T],
    grid: &BlockGrid,
    bx: &Box4,
    quantizer: &Q,
    candidates: &[PredictorKind],
    residuals: &'a mut [i32],
    outliers: Vec<(u32, T)>,
    scratch: &mut Scratch<T>,
) -> Predicted<'a, T> {
    let dims = grid.block_dims_of(bx);
    let (first, second) = (candidates[0], candidates[1]);
    let Scratch { trial, trial_outliers, best, closed } = scratch;
    trial.clear();
    trial.extend_from_slice(residuals);
    *trial_outliers = outliers.clone();
    let mut second_outliers = outliers;
    let run_first = || {
        first.forward(trial, &dims);
        candidate_bits(trial, trial_outliers)
    };
    let run_second = || {
        if second.is_closed_loop() {
            closed_loop_candidate(
                quantizer.as_linear()?,
                values,
                grid,
                bx,
                closed,
                best,
                &mut second_outliers,
            );
            Some(candidate_bits(best, &second_outliers))
        } else {
            second.forward(residuals, &dims);
            Some(candidate_bits(residuals, &second_outliers))
        }
    };
    let (first_bits, second_bits) = rayon::join(run_first, run_second);
    if second_bits.is_some_and(|bits| bits < first_bits) {
        if second.is_closed_loop() {
            residuals.copy_from_slice(best);
        }
        Predicted { predictor: second, residuals, outliers: second_outliers }
    } else {
        residuals.copy_from_slice(trial);
        Predicted { predictor: first, residuals, outliers: std::mem::take(trial_outliers) }
    }
}

/// How a `ratio` block of format version 3 codes its residuals: its first stored byte.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockCoder {
    /// A zstd frame of the payload, residuals in the stream's Huffman code.
    HuffmanZstd = 0,
    /// The payload itself, residuals context-coded ([`ContextCoder`]).
    Context = 1,
    /// The payload itself, residuals coded with the stream's tables ([`TabledCoder`]).
    Tabled = 2,
    /// The payload itself, residuals context-coded with the log activity (format 6).
    ContextLog = 3,
}

/// Zero-order entropy (bits per value) from which context-coded blocks of
/// [`COUNTED_MIN_VALUES`] or more of point-wise relative streams take the log activity
/// (block coder 3). Below it residuals are mostly 0 and +-1, where the linear activity's
/// finer classes code 0.14-0.24% smaller (SPERR fields at rel 1e-2, 1.5-1.7 bits). Above it
/// the linear activity saturates, and the log one gave 0.5-3% smaller PW_REL streams (jet
/// species and Nyx at PW_REL 1-5%, 2.8-4 bits) for up to 12% slower decoding
/// (core/benches/README.md, "Format 6"). ABS and REL streams keep the linear activity: on
/// Nyx velocity_x at rel 1e-3 it gained 1.6%, it left the geo-mean ratio against SZ3 at
/// 1.12x, and that run decoded at 1.06x SZ3's speed against format 5's 1.12x.
const LOG_ACTIVITY_MIN_BITS: f64 = 2.5;

/// The residual code a `ratio` stream's blocks share (one per stream: the variants' sizes
/// do not matter).
#[allow(clippy::large_enum_variant)]
enum StreamCode {
    /// Every block context-coded, nothing shared; blocks of [`COUNTED_MIN_VALUES`] or more
    /// with the log activity if set.
    Context { log_activity: bool },
    /// Every block tabled with these tables.
    Tabled(ContextTables),
    /// Every block Huffman-coded with this code, then zstd.
    Huffman(HuffmanEncoder),
}

/// Point-wise relative (log quantizer) streams of at least this many values may take the
/// tabled coder; its tables (1.1-1.5 KiB on the fields measured) would cost too much in
/// smaller ones. Where it is chosen over Huffman + zstd (core/benches/README.md, "Format
/// 6") it gave 5-9% smaller streams at PW_REL 1% and decoded at 50-60% of Huffman + zstd's
/// speed. Tried on ABS and REL streams it gave 5-13% smaller streams at rel 1e-3 and 1e-4
/// but decoded at 0.83x SZ3's speed, so they keep Huffman + zstd.
const TABLED_MIN_VALUES: usize = 1 << 15;

/// A `ratio` stream's residuals are coded (format 6):
/// - with Huffman + zstd when outliers are many (see below);
/// - else with the adaptive context coder when their zero-order entropy is below this
///   (bits per value): it gains most over Huffman + zstd where that cannot go below one bit
///   per residual (9-33% more ratio at rel 1e-2), for about half the decoding speed
///   (core/benches/README.md); but a point-wise relative stream of [`TABLED_MIN_VALUES`] or
///   more and [`LOG_ACTIVITY_MIN_BITS`] or more is tabled when the tabled coder is no larger
///   on its block of most tabled bits (the adaptive coder is run on that block): as small
///   on stationary fields (SPERR's), and decoded 1.5-1.8x faster;
/// - else, in point-wise relative streams of [`TABLED_MIN_VALUES`] or more, with the tabled
///   coder if its size estimate is below Huffman's (tables and codebook included);
/// - else with Huffman + zstd.
const CONTEXT_CODER_MAX_BITS: f64 = 4.0;
/// ... and below this share of outliers: a context-coded block stores its outlier indices
/// and values raw (no zstd pass), 8-12 bytes each. ABS 0 (lossless) makes every value an
/// outlier; Huffman + zstd then packs the consecutive indices to almost nothing.
const CONTEXT_CODER_MAX_OUTLIER_SHARE: f64 = 1.0 / 64.0;

/// Predictors tried per block: `fast` keeps Lorenzo (one pass; the GPU engine's
/// byte-identical path); `ratio` takes the best of Lorenzo, closed-loop cubic
/// interpolation (linear quantizer) and open-loop cubic interpolation (log quantizer).
const FAST_PREDICTORS: &[PredictorKind] = &[PredictorKind::Lorenzo];
fn ratio_predictors<Q: Quantizer>(quantizer: &Q) -> &'static [PredictorKind] {
    if quantizer.as_linear().is_some() {
        &[PredictorKind::Lorenzo, PredictorKind::ClosedLoopCubic]
    } else {
        &[PredictorKind::Lorenzo, PredictorKind::InterpCubic]
    }
}

/// Segments of a stream's context-coded blocks (format 7): two in a stream of one block of
/// [`COUNTED_MIN_VALUES`] or more, so that it decodes (and codes) on two threads; one
/// otherwise, where the blocks already give the threads work. Two segments made the
/// context-coded 32^3 Nyx streams 0.22-2.43% larger (the second segment's first plane has
/// no plane behind, its probabilities start afresh) and decoded them 1.3-2.2x faster on two
/// threads (core/benches/README.md, "Format 7").
fn context_segments(grid: &BlockGrid) -> usize {
    if grid.n_blocks() == 1 && grid.block(0).volume() >= COUNTED_MIN_VALUES {
        2
    } else {
        1
    }
}

/// A context-coded block: its coder byte, then its payload (the log activity only in blocks
/// of [`COUNTED_MIN_VALUES`] or more), its residuals in `segments` segments.
fn context_block<T: Element>(
    p: &Predicted<T>,
    extent: [usize; 4],
    log_activity: bool,
    segments: usize,
) -> Vec<u8> {
    let log_activity = log_activity && p.residuals.len() >= COUNTED_MIN_VALUES;
    let mut out = Vec::with_capacity(p.residuals.len() / 4);
    out.push(if log_activity { BlockCoder::ContextLog } else { BlockCoder::Context } as u8);
    let coder = ContextCoder {
        segments,
        ..ContextCoder::for_block(extent, p.predictor as u8, FORMAT_VERSION, log_activity)
    };
    block::write_payload(p.predictor, &p.outliers, &coder, p.residuals, &mut out);
    out
}

/// A stream's residual code and what choosing it already computed.
struct Choice {
    code: StreamCode,
    /// For [`StreamCode::Tabled`]: each block's contexts and tokens ([`TabledCoder::symbols`]).
    symbols: Vec<Vec<u16>>,
    /// A block already context-coded to decide (its index and stored bytes).
    trial: Option<(usize, Vec<u8>)>,
}

/// The residual code of a `ratio` stream ([`CONTEXT_CODER_MAX_BITS`] says which when), from
/// its histogram (`None`: the quantizer always takes the context coder); `pw_rel`: the
/// stream is point-wise relative (log quantizer).
fn choose_code<T: Element>(
    predicted: &[Predicted<T>],
    grid: &BlockGrid,
    hist: Option<Histogram>,
    few_outliers: bool,
    pw_rel: bool,
) -> Choice {
    let plain = |code| Choice { code, symbols: Vec::new(), trial: None };
    let h = match hist {
        None => return plain(StreamCode::Context { log_activity: false }),
        Some(h) if !few_outliers => return plain(StreamCode::Huffman(HuffmanEncoder::from_histogram(&h))),
        Some(h) => h,
    };
    let bits = h.entropy_bits();
    let n_values: usize = predicted.iter().map(|p| p.residuals.len()).sum();
    let may_table = pw_rel && n_values >= TABLED_MIN_VALUES;
    if bits < LOG_ACTIVITY_MIN_BITS || (bits < CONTEXT_CODER_MAX_BITS && !may_table) {
        return plain(StreamCode::Context { log_activity: pw_rel && bits >= LOG_ACTIVITY_MIN_BITS });
    }
    if bits >= CONTEXT_CODER_MAX_BITS && !may_table {
        return plain(StreamCode::Huffman(HuffmanEncoder::from_histogram(&h)));
    }
    // per-block counts (merged in block order: the same tables on any thread count)
    let (block_counts, symbols): (Vec<TokenCounts>, Vec<Vec<u16>>) = predicted
        .par_iter()
        .enumerate()
        .map(|(b, p)| {
            let mut symbols = Vec::new();
            let levels = p.predictor != PredictorKind::Lorenzo;
            (TokenCounts::of_block(grid.block(b).extent, levels, p.residuals, &mut symbols), symbols)
        })
        .unzip();
    let counts = block_counts.iter().fold(TokenCounts::default(), TokenCounts::merge);
    let tables = ContextTables::from_counts(&counts);
    if bits >= CONTEXT_CODER_MAX_BITS {
        // both estimates count their codebooks; zstd's gain on Huffman codes of residuals
        // this large is small and left out
        let huffman = HuffmanEncoder::from_histogram(&h);
        return if tables.coded_bits(&counts) < huffman.coded_bits(&h) {
            Choice { code: StreamCode::Tabled(tables), symbols, trial: None }
        } else {
            plain(StreamCode::Huffman(huffman))
        };
    }
    // 2.5-4 bits: the adaptive coder on the block the tables code largest, against the
    // tables' bits there plus that block's share of the tables
    let block_bits: Vec<f64> = block_counts.iter().map(|c| tables.token_bits(c)).collect();
    let Some(largest) = (0..block_bits.len()).max_by(|&a, &b| block_bits[a].total_cmp(&block_bits[b])) else {
        return plain(StreamCode::Context { log_activity: true });
    };
    let adaptive =
        context_block(&predicted[largest], grid.block(largest).extent, true, context_segments(grid));
    let share = block_bits[largest] / block_bits.iter().sum::<f64>().max(1.0);
    let tabled_bits = block_bits[largest] + share * 8.0 * tables.serialized_bytes() as f64;
    if tabled_bits <= 8.0 * adaptive.len() as f64 {
        Choice { code: StreamCode::Tabled(tables), symbols, trial: None }
    } else {
        Choice {
            code: StreamCode::Context { log_activity: true },
            symbols: Vec::new(),
            trial: Some((largest, adaptive)),
        }
    }
}

fn compress_with<T: Element, Q: Quantizer>(
    values: &[T],
    grid: &BlockGrid,
    quantizer: &Q,
    plan: &Plan,
) -> Result<Compressed> {
    let n_blocks = grid.n_blocks();
    match plan.encoding {
        Encoding::Fast => {
            let blocks: Vec<(Vec<u8>, usize)> = (0..n_blocks)
                .into_par_iter()
                .map_init(
                    || (Vec::new(), Scratch::new()),
                    |(residuals, scratch), b| {
                        residuals.resize(grid.block(b).volume(), 0);
                        let p =
                            predict_block(values, grid, b, quantizer, FAST_PREDICTORS, residuals, scratch);
                        let mut out = Vec::with_capacity(p.residuals.len() / 2);
                        block::write_payload(
                            p.predictor,
                            &p.outliers,
                            &BitPackEncoder,
                            p.residuals,
                            &mut out,
                        );
                        (out, p.outliers.len())
                    },
                )
                .collect();
            Ok(Compressed {
                n_outliers: blocks.iter().map(|b| b.1 as u64).sum(),
                blocks: blocks.into_iter().map(|b| b.0).collect(),
                codebook: Vec::new(),
            })
        }
        Encoding::Ratio => {
            let candidates = ratio_predictors(quantizer);
            // Every block's residuals, kept until the stream's coder is chosen: one buffer
            // of the field's size, cut into the blocks' parts.
            let mut all_residuals = vec![0i32; values.len()];
            huge_pages::advise(&mut all_residuals);
            let mut parts = Vec::with_capacity(n_blocks);
            let mut rest = &mut all_residuals[..];
            for b in 0..n_blocks {
                let (part, tail) = rest.split_at_mut(grid.block(b).volume());
                parts.push(part);
                rest = tail;
            }
            let predicted: Vec<Predicted<T>> = parts
                .into_par_iter()
                .enumerate()
                .map_init(Scratch::new, |scratch, (b, part)| {
                    predict_block(values, grid, b, quantizer, candidates, part, scratch)
                })
                .collect();
            let zstd = ZstdLossless { level: plan.zstd_level };
            let n_outliers: usize = predicted.iter().map(|p| p.outliers.len()).sum();
            let few_outliers = (n_outliers as f64) < CONTEXT_CODER_MAX_OUTLIER_SHARE * values.len() as f64;
            // The stream's histogram, unless the quantizer always takes the context coder:
            // per-block histograms merged in block order, deterministic on any thread count.
            let hist = (!quantizer.context_coded()).then(|| {
                predicted
                    .par_iter()
                    .map(|p| Histogram::of(p.residuals))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .fold(Histogram::default(), Histogram::merge)
            });
            let pw_rel = quantizer.as_linear().is_none();
            let Choice { code, symbols: block_symbols, trial } =
                choose_code(&predicted, grid, hist, few_outliers, pw_rel);
            let blocks = predicted.par_iter().enumerate().map(|(b, p)| {
                let extent = grid.block(b).extent;
                Ok(match &code {
                    &StreamCode::Context { log_activity } => match &trial {
                        Some((t, bytes)) if *t == b => bytes.clone(),
                        _ => context_block(p, extent, log_activity, context_segments(grid)),
                    },
                    StreamCode::Tabled(tables) => {
                        let mut out = vec![BlockCoder::Tabled as u8];
                        let mut coder = TabledCoder::for_block(tables, extent, p.predictor as u8);
                        coder.symbols = Some(&block_symbols[b]);
                        block::write_payload(p.predictor, &p.outliers, &coder, p.residuals, &mut out);
                        out
                    }
                    StreamCode::Huffman(huffman) => {
                        let mut payload = Vec::with_capacity(p.residuals.len() / 2);
                        block::write_payload(p.predictor, &p.outliers, huffman, p.residuals, &mut payload);
                        let mut out = Vec::with_capacity(payload.len() / 2);
                        out.push(BlockCoder::HuffmanZstd as u8);
                        zstd.compress(&payload, &mut out)?;
                        out
                    }
                })
            });
            let blocks = blocks.collect::<Result<_>>()?;
            let mut codebook = Vec::new();
            match code {
                StreamCode::Context { .. } => {}
                StreamCode::Tabled(tables) => Codebook::Tables(tables).write(&mut codebook),
                StreamCode::Huffman(huffman) => Codebook::Huffman(huffman).write(&mut codebook),
            }
            Ok(Compressed { n_outliers: n_outliers as u64, blocks, codebook })
        }
        Encoding::Labels => Err(Error::invalid("the labels encoding codes class ids, not a float field")),
    }
}

/// Lossless f64 (quantizer 3 on f64): every block through [`bits64`], either encoding.
fn compress_bits64<T: Element>(values: &[T], grid: &BlockGrid, plan: &Plan) -> Result<Compressed> {
    let blocks = (0..grid.n_blocks())
        .into_par_iter()
        .map(|b| {
            let bx = grid.block(b);
            let mut block_values = Vec::new();
            gather(values, grid.dims(), &bx, &mut block_values);
            let mut out = Vec::with_capacity(bx.volume() * 6);
            bits64::encode_block(&block_values, bx.extent, plan.zstd_level, &mut out)?;
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(Compressed { n_outliers: 0, blocks, codebook: Vec::new() })
}

fn compress_typed<T: Element>(values: &[T], storage_dims: &[usize], plan: &Plan) -> Result<Compressed> {
    let grid = BlockGrid::new(storage_dims, &plan.block_dims);
    match plan.quantizer {
        QuantizerParams::Bits if T::DTYPE == DType::F64 => compress_bits64(values, &grid, plan),
        QuantizerParams::Linear { abs_bound, step, offset } => {
            compress_with(values, &grid, &LinearQuantizer::from_stream(abs_bound, step, offset), plan)
        }
        QuantizerParams::Log { rel_bound, step, lmin } => {
            compress_with(values, &grid, &LogQuantizer::from_stream(rel_bound, step, lmin), plan)
        }
        QuantizerParams::Bits => compress_with(values, &grid, &BitsQuantizer, plan),
    }
}

/// The output of one decode, shared by its block tasks: each writes only the rows of its
/// own block's intersection with the region.
struct SharedOut<T> {
    ptr: *mut MaybeUninit<T>,
    len: usize,
}
// SAFETY: the tasks write disjoint ranges (blocks partition the field, so their
// intersections with the region are disjoint), and `row` checks every range's bounds.
unsafe impl<T: Send> Sync for SharedOut<T> {}

impl<T> SharedOut<T> {
    /// Writes `conv(src[j])` for every point `j` of block `bx` inside `part` (its
    /// intersection with the output `region`) to that point's place in the output.
    fn write_part<S: Copy>(&self, part: &Box4, bx: &Box4, region: &Box4, src: &[S], conv: impl Fn(S) -> T) {
        for_each_row(part, &bx.extent, &bx.start, &region.extent, &region.start, |from, to, len| {
            // SAFETY: rows of distinct blocks' intersections with the region never overlap.
            let row = unsafe { self.row(to, len) };
            for (o, &s) in row.iter_mut().zip(&src[from..from + len]) {
                o.write(conv(s));
            }
        });
    }

    /// The elements `[at, at + len)`. Panics on out-of-range (a bug, not input).
    ///
    /// # Safety
    /// No other thread may access that range while the slice lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn row(&self, at: usize, len: usize) -> &mut [MaybeUninit<T>] {
        assert!(at.checked_add(len).is_some_and(|end| end <= self.len));
        // SAFETY: in bounds (checked above) and exclusive (the caller's contract).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(at), len) }
    }
}

/// Upper bound on a decompressed `ratio` block payload of `volume` values.
fn max_payload_bytes(volume: usize, value_bytes: usize) -> usize {
    // predictor byte; outliers: count + index + value; Huffman: bit count, <= 24 bits a value,
    // escape count and <= one escape a value.
    1 + 4 + volume * (4 + value_bytes) + 8 + volume * 3 + 8 + 4 + 4 * volume
}

/// Decodes block `b` into its codes (the block's extent, C order) and its outliers, and
/// returns its predictor (a closed-loop one leaves its residual codes in `codes`).
fn decode_codes<T: Element>(
    stream: &[u8],
    layout: &StreamLayout,
    grid: &BlockGrid,
    b: usize,
    codes: &mut Vec<i32>,
    outliers: &mut Vec<(u32, T)>,
) -> Result<PredictorKind> {
    let bx = grid.block(b);
    let volume = bx.volume();
    codes.clear();
    codes.resize(volume, 0);
    outliers.clear();
    let (mut stored, mut at) = layout.block_bytes(stream, b)?;
    let version = layout.header.version;
    let mut coder = BlockCoder::HuffmanZstd;
    if layout.header.encoding == Encoding::Ratio && version >= 3 {
        coder = match stored.first() {
            Some(0) => BlockCoder::HuffmanZstd,
            Some(1) => BlockCoder::Context,
            Some(2) if version >= 6 => BlockCoder::Tabled,
            Some(3) if version >= 6 => BlockCoder::ContextLog,
            Some(&c) => {
                return Err(Error::corrupt(
                    "block coder",
                    at,
                    format_args!("block {b}: coder {c} is not defined"),
                ))
            }
            None => return Err(Error::corrupt("block coder", at, format_args!("block {b} is empty"))),
        };
        (stored, at) = (&stored[1..], at + 1);
    }
    let predictor = match (&layout.codebook, layout.header.encoding, coder) {
        (_, Encoding::Ratio, BlockCoder::Context | BlockCoder::ContextLog) => {
            // the predictor byte (checked by read_payload) selects the coder's contexts
            let predictor = stored.first().copied().unwrap_or(0);
            let coder =
                ContextCoder::for_block(bx.extent, predictor, version, coder == BlockCoder::ContextLog);
            let mut r = ByteReader::new(stored, at, "block outliers");
            block::read_payload(&mut r, version, &coder, codes, outliers)?
        }
        (Some(Codebook::Tables(tables)), Encoding::Ratio, BlockCoder::Tabled) => {
            let coder = TabledCoder::for_block(tables, bx.extent, stored.first().copied().unwrap_or(0));
            let mut r = ByteReader::new(stored, at, "block outliers");
            block::read_payload(&mut r, version, &coder, codes, outliers)?
        }
        (Some(Codebook::Huffman(_)) | None, Encoding::Ratio, BlockCoder::Tabled) => {
            return Err(Error::corrupt(
                "block coder",
                at - 1,
                format_args!("block {b} is tabled but the stream's codebook holds no tables"),
            ))
        }
        (Some(Codebook::Tables(_)) | None, Encoding::Ratio, BlockCoder::HuffmanZstd) => {
            return Err(Error::corrupt(
                "block coder",
                at - 1,
                format_args!("block {b} is Huffman-coded but the stream's codebook holds no Huffman code"),
            ))
        }
        (None, _, _) => {
            let mut r = ByteReader::new(stored, at, "block outliers");
            block::read_payload(&mut r, version, &BitPackEncoder, codes, outliers)?
        }
        (Some(Codebook::Tables(_)), _, _) => {
            return Err(Error::corrupt("block coder", at, "a codebook of tables outside the ratio encoding"))
        }
        (Some(Codebook::Huffman(code)), _, _) => {
            let max = max_payload_bytes(volume, std::mem::size_of::<T>());
            let payload = ZstdLossless::default().decompress(stored, max, at)?;
            let mut r = ByteReader::new(&payload, 0, "block outliers");
            block::read_payload(&mut r, version, code, codes, outliers).map_err(|e| {
                Error::new(
                    e.kind(),
                    format!("block {b} (stored at byte offset {at}), decompressed payload: {}", e.message()),
                )
            })?
        }
    };
    predictor.inverse(codes, &grid.block_dims_of(&bx));
    Ok(predictor)
}

/// A worker thread's decode buffers, kept between blocks and between calls. A solver or
/// an HDF5 read decodes blocks of the same shapes again and again; fresh buffers for each
/// call cost page faults once glibc has handed their memory back to the kernel on free:
/// decoding nyx32_baryon_density at rel 1e-2 (one 32^3 block) spent 36% of its time in the
/// kernel and took 0.52 ms instead of 0.25 ms (core/benches/README.md).
#[derive(Default)]
struct DecodeScratch {
    codes: Vec<i32>,
    rec: Vec<f64>,
    is_outlier: Vec<bool>,
}

/// The largest block (in values) whose buffers a thread keeps: the default 64^3 block,
/// 3.25 MiB of scratch a thread. Larger blocks' buffers are freed after each block.
const KEPT_SCRATCH_VALUES: usize = 1 << 18;

thread_local! {
    static DECODE_SCRATCH: std::cell::Cell<DecodeScratch> = std::cell::Cell::default();
}

/// Runs `work` with this thread's decode buffers (taken out, so a nested call would just
/// start with empty ones) and keeps them afterwards if they are small enough.
fn with_decode_scratch<R>(work: impl FnOnce(&mut DecodeScratch) -> R) -> R {
    let mut scratch = DECODE_SCRATCH.take();
    let result = work(&mut scratch);
    if scratch.rec.capacity().max(scratch.codes.capacity()) <= KEPT_SCRATCH_VALUES {
        DECODE_SCRATCH.set(scratch);
    }
    result
}

/// C-order strides of a 4-D extent.
fn strides4(extent: &[usize; 4]) -> [usize; 4] {
    [extent[1] * extent[2] * extent[3], extent[2] * extent[3], extent[3], 1]
}

fn decompress_with<T: Element, Q: Quantizer>(
    stream: &[u8],
    layout: &StreamLayout,
    region: &Box4,
    quantizer: &Q,
    out: &mut [MaybeUninit<T>],
) -> Result<()> {
    let grid = BlockGrid::new(&layout.header.shape.storage_dims(), &layout.header.block_dims);
    let shared = SharedOut { ptr: out.as_mut_ptr(), len: out.len() };
    let shared = &shared;
    let region_strides = strides4(&region.extent);
    grid.blocks_overlapping(region).into_par_iter().try_for_each_init(Vec::new, |outliers, b| {
        with_decode_scratch(|DecodeScratch { codes, rec, is_outlier }| {
            let predictor = decode_codes::<T>(stream, layout, &grid, b, codes, outliers)?;
            let bx = grid.block(b);
            let Some(part) = bx.intersect(region) else { return Ok(()) };
            // reconstruct straight into the output, row by row
            if predictor.is_closed_loop() {
                let linear = quantizer.as_linear().ok_or_else(|| {
                    Error::new(
                        ErrorKind::CorruptStream,
                        format!(
                            "block {b}: predictor {} (closed-loop interpolation) needs a linear quantizer",
                            predictor as u8
                        ),
                    )
                })?;
                closed_loop::decode(linear, codes, outliers, &grid.block_dims_of(&bx), rec, is_outlier);
                shared.write_part(&part, &bx, region, rec, T::from_f64);
            } else {
                shared.write_part(&part, &bx, region, codes, |c| quantizer.reconstruct::<T>(c));
            }
            let block_strides = strides4(&bx.extent);
            for &(i, v) in outliers.iter() {
                let (mut rest, mut to, mut inside) = (i as usize, 0usize, true);
                for a in 0..4 {
                    let g = bx.start[a] + rest / block_strides[a];
                    rest %= block_strides[a];
                    inside &= g >= part.start[a] && g < part.start[a] + part.extent[a];
                    to = to.wrapping_add(g.wrapping_sub(region.start[a]).wrapping_mul(region_strides[a]));
                }
                if inside {
                    // SAFETY: inside this block's intersection, written by this task only.
                    let slot = unsafe { shared.row(to, 1) };
                    slot[0].write(v);
                }
            }
            Ok(())
        })
    })
}

/// Decodes the blocks of a lossless f64 stream that overlap `region` ([`bits64`]).
fn decompress_bits64<T: Element>(
    stream: &[u8],
    layout: &StreamLayout,
    region: &Box4,
    out: &mut [MaybeUninit<T>],
) -> Result<()> {
    let grid = BlockGrid::new(&layout.header.shape.storage_dims(), &layout.header.block_dims);
    let shared = SharedOut { ptr: out.as_mut_ptr(), len: out.len() };
    let shared = &shared;
    grid.blocks_overlapping(region).into_par_iter().try_for_each_init(Vec::new, |bits, b| {
        let (stored, at) = layout.block_bytes(stream, b)?;
        let bx = grid.block(b);
        bits64::decode_block(stored, at, bx.extent, layout.header.version, bits)?;
        if let Some(part) = bx.intersect(region) {
            shared.write_part(&part, &bx, region, bits, T::from_bits_u64);
        }
        Ok(())
    })
}

fn decompress_typed<T: Element>(
    stream: &[u8],
    layout: &StreamLayout,
    region: &Box4,
    out: &mut [MaybeUninit<T>],
) -> Result<()> {
    if layout.header.dtype != T::DTYPE {
        return Err(Error::invalid(format!(
            "the stream holds {} values, the output buffer is {}",
            layout.header.dtype.as_str(),
            T::DTYPE.as_str()
        )));
    }
    if out.len() != region.volume() {
        return Err(Error::invalid(format!(
            "output buffer holds {} values, the region has {}",
            out.len(),
            region.volume()
        )));
    }
    let dims = pad4(&layout.header.shape.storage_dims(), 1);
    if (0..4).any(|a| region.start[a] + region.extent[a] > dims[a]) {
        return Err(Error::invalid(format!(
            "region start {:?} extent {:?} exceeds the field's storage dims {:?}",
            region.start, region.extent, dims
        )));
    }
    match layout.header.quantizer {
        QuantizerParams::Bits if T::DTYPE == DType::F64 => decompress_bits64(stream, layout, region, out),
        QuantizerParams::Linear { abs_bound, step, offset } => decompress_with(
            stream,
            layout,
            region,
            &LinearQuantizer::from_stream(abs_bound, step, offset),
            out,
        ),
        QuantizerParams::Log { rel_bound, step, lmin } => {
            decompress_with(stream, layout, region, &LogQuantizer::from_stream(rel_bound, step, lmin), out)
        }
        QuantizerParams::Bits => decompress_with(stream, layout, region, &BitsQuantizer, out),
    }
}

impl Engine for CpuEngine {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn compress(&self, field: AnyField<'_>, plan: &Plan) -> Result<Compressed> {
        let storage = field.shape().storage_dims();
        if plan.block_dims.len() != storage.len() || plan.block_dims.contains(&0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("block dims {:?} do not fit a {}-D field", plan.block_dims, storage.len()),
            ));
        }
        match field {
            AnyField::F32(f) => compress_typed(f.values(), &storage, plan),
            AnyField::F64(f) => compress_typed(f.values(), &storage, plan),
        }
    }

    fn decompress_region(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        out: AnyValuesMut<'_>,
    ) -> Result<()> {
        match out {
            AnyValuesMut::F32(o) => decompress_typed(stream, layout, region, o),
            AnyValuesMut::F64(o) => decompress_typed(stream, layout, region, o),
        }
    }
}
