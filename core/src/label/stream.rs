//! Label streams (FORMAT.md, "Labels"): class ids stored losslessly in a Plume container.
//!
//! Version 3 writes them natively: `dtype` u8, `encoding` labels, the usual block grid and
//! block table, each block coded by the context model of [`crate::encode::labels`] (a few
//! hundredths of a bit per cell on flame label maps). Blocks are coded and decoded in
//! parallel and independently, so a sub-box decode reads only the blocks it overlaps.
//!
//! Version 2 label streams are ordinary f32 streams of the ids under `ABS 0.25` with the
//! `ratio` encoding; [`decompress_labels`] still reads them.

use rayon::prelude::*;

use crate::codec::{self, Encoding};
use crate::encode::labels::{decode_block, encode_block};
use crate::engine::grid::{for_each_row, pad4, BlockGrid, Box4};
use crate::engine::Compressed;
use crate::error::{Error, ErrorKind, Result};
use crate::field::{DType, Shape};
use crate::format::{Header, QuantizerParams, StreamLayout, FORMAT_VERSION};
use crate::ErrorBound;

use super::{class_counts, N_CLASSES};

/// The absolute bound version-2 label streams (f32 ids) were written with.
pub const LABEL_ABS_BOUND: f64 = 0.25;

/// Compresses class ids (each 0..=4) of `shape` into a label stream with the default block
/// dims. Fails when a value is not a class id or the shape does not match the length.
pub fn compress_labels(labels: &[u8], shape: &Shape) -> Result<Vec<u8>> {
    compress_labels_with_blocks(labels, shape, None)
}

/// [`compress_labels`] with block dims given like [`codec::CompressOptions::block_dims`]
/// (the field's dims convention; `None`: the defaults of [`codec::default_block_dims`]).
pub fn compress_labels_with_blocks(
    labels: &[u8],
    shape: &Shape,
    block_dims: Option<&[usize]>,
) -> Result<Vec<u8>> {
    if labels.len() != shape.n_values() {
        return Err(Error::invalid(format!(
            "{} labels for a shape of {} values {:?}",
            labels.len(),
            shape.n_values(),
            shape.dims()
        )));
    }
    class_counts(labels)?;
    let block_dims = codec::resolve_block_dims(shape, block_dims)?;
    let storage = shape.storage_dims();
    let grid = BlockGrid::new(&storage, &block_dims);
    let blocks: Vec<Vec<u8>> = (0..grid.n_blocks())
        .into_par_iter()
        .map_init(Vec::new, |cells, b| {
            let bx = grid.block(b);
            cells.clear();
            for_each_row(&bx, grid.dims(), &[0; 4], &bx.extent, &bx.start, |from, _, len| {
                cells.extend_from_slice(&labels[from..from + len]);
            });
            let mut out = Vec::with_capacity(64 + cells.len() / 64);
            encode_block(cells, &grid.block_dims_of(&bx), &mut out);
            out
        })
        .collect();
    let header = Header {
        version: FORMAT_VERSION,
        dtype: DType::U8,
        shape: shape.clone(),
        encoding: Encoding::Labels,
        requested: ErrorBound::Abs(0.0),
        quantizer: QuantizerParams::Linear { abs_bound: 0.0, step: 0.0, offset: 0.0 },
        block_dims,
    };
    Ok(codec::assemble(&header, &Compressed { blocks, codebook: Vec::new(), n_outliers: 0 }))
}

/// Decompresses a label stream: version 3 (u8, labels encoding) or version 2 (f32 ids).
/// Fails with `CorruptStream` (naming the section and byte offset) on any damage, and for
/// a stream of some other field (a decoded value that is not exactly a class id).
pub fn decompress_labels(stream: &[u8]) -> Result<(Vec<u8>, Shape)> {
    let layout = codec::inspect(stream)?;
    let region = Box4 { start: [0; 4], extent: pad4(&layout.header.shape.storage_dims(), 1) };
    let labels = decode_region(stream, &layout, &region)?;
    Ok((labels, layout.header.shape))
}

/// Decompresses the sub-box at `start` with extent `extent` of a label stream (both in
/// the field's dims convention, as [`codec::decompress_region`]); reads only the blocks
/// the box overlaps.
pub fn decompress_labels_region(stream: &[u8], start: &[usize], extent: &[usize]) -> Result<Vec<u8>> {
    let layout = codec::inspect(stream)?;
    let region = codec::region_box(&layout, start, extent)?;
    decode_region(stream, &layout, &region)
}

fn decode_region(stream: &[u8], layout: &StreamLayout, region: &Box4) -> Result<Vec<u8>> {
    let h = &layout.header;
    match (h.dtype, h.encoding) {
        (DType::U8, Encoding::Labels) => decode_native(stream, layout, region),
        (DType::F32, _) => decode_f32(stream, layout, region),
        (dtype, _) => Err(Error::new(
            ErrorKind::CorruptStream,
            format!("label stream: a {} stream holds no class ids", dtype.as_str()),
        )),
    }
}

/// A version-2 label stream: f32 ids, each checked to be exactly a class id.
fn decode_f32(stream: &[u8], layout: &StreamLayout, region: &Box4) -> Result<Vec<u8>> {
    let storage = layout.header.shape.storage_dims();
    let nd = storage.len();
    let start = &region.start[4 - nd..];
    let extent = &region.extent[4 - nd..];
    // decompress_region takes the field's convention: reverse back for Fortran order
    let (start, extent): (Vec<usize>, Vec<usize>) = match layout.header.shape.order() {
        crate::Order::C => (start.to_vec(), extent.to_vec()),
        crate::Order::Fortran => {
            (start.iter().rev().copied().collect(), extent.iter().rev().copied().collect())
        }
    };
    let values = codec::decompress_region::<f32>(stream, &start, &extent)?;
    let mut labels = Vec::with_capacity(values.len());
    for (i, &v) in values.iter().enumerate() {
        let id = v as u8;
        if f32::from(id) != v || id as usize >= N_CLASSES {
            return Err(Error::new(
                ErrorKind::CorruptStream,
                format!("label stream: value {v} at index {i} is not a class id 0..={}", N_CLASSES - 1),
            ));
        }
        labels.push(id);
    }
    Ok(labels)
}

/// A version-3 label stream: blocks decoded in parallel, then copied row by row into the
/// region (the blocks' intersections with it).
fn decode_native(stream: &[u8], layout: &StreamLayout, region: &Box4) -> Result<Vec<u8>> {
    let storage = layout.header.shape.storage_dims();
    let grid = BlockGrid::new(&storage, &layout.header.block_dims);
    let n = region.volume();
    let mut out: Vec<u8> = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| Error::invalid(format!("cannot allocate {n} bytes for the labels")))?;
    out.resize(n, 0);
    let wanted = grid.blocks_overlapping(region);
    let decoded: Vec<(usize, Vec<u8>)> = wanted
        .par_iter()
        .map(|&b| {
            let bx = grid.block(b);
            let (stored, at) = layout.block_bytes(stream, b)?;
            let mut cells = Vec::new();
            cells.try_reserve_exact(bx.volume()).map_err(|_| {
                Error::invalid(format!("cannot allocate {} bytes for a label block", bx.volume()))
            })?;
            cells.resize(bx.volume(), 0);
            decode_block(stored, &grid.block_dims_of(&bx), &mut cells).map_err(|(off, what)| {
                Error::corrupt("block labels", at + off, format_args!("block {b}: {what}"))
            })?;
            Ok((b, cells))
        })
        .collect::<Result<_>>()?;
    for (b, cells) in decoded {
        let bx = grid.block(b);
        if let Some(part) = bx.intersect(region) {
            for_each_row(&part, &bx.extent, &bx.start, &region.extent, &region.start, |from, to, len| {
                out[to..to + len].copy_from_slice(&cells[from..from + len]);
            });
        }
    }
    Ok(out)
}
