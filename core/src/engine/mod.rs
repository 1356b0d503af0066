//! Engines run the pipeline stages over independent blocks. The [`CpuEngine`] (rayon) is
//! the reference; a GPU engine implements the same trait and must emit the same bytes
//! for the `fast` encoding (ARCHITECTURE.md, "the CPU/GPU invariant").

mod cpu;
pub mod grid;

pub use cpu::CpuEngine;

use crate::error::Result;
use crate::field::{AnyField, AnyValuesMut};
use crate::format::{Encoding, QuantizerParams, StreamLayout};
use grid::Box4;

/// What to compress with, fully resolved (no data-dependent choice left to the engine).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Quantizer and its exact constants.
    pub quantizer: QuantizerParams,
    /// Residual encoding.
    pub encoding: Encoding,
    /// Block dims in storage order.
    pub block_dims: Vec<usize>,
    /// zstd level for the `ratio` encoding.
    pub zstd_level: i32,
}

/// An engine's output: the stored blocks in order, the codebook, and what it measured.
#[derive(Debug, Clone, Default)]
pub struct Compressed {
    /// Stored bytes of each block.
    pub blocks: Vec<Vec<u8>>,
    /// Serialized codebook (empty for `fast`).
    pub codebook: Vec<u8>,
    /// Values stored losslessly.
    pub n_outliers: u64,
}

/// A compression engine.
pub trait Engine: Send + Sync {
    /// Short name for logs (`"cpu"`, `"cuda"`).
    fn name(&self) -> &'static str;
    /// Compresses a field under `plan`.
    fn compress(&self, field: AnyField<'_>, plan: &Plan) -> Result<Compressed>;
    /// Decodes the part of the stream inside `region` (storage coordinates) into `out`,
    /// a C-order array of the region's extent. Only the blocks overlapping the region are
    /// read. `out`'s type must match the stream's. On `Ok`, every element of `out` has
    /// been written (it may be uninitialised before); on `Err`, any part may be.
    fn decompress_region(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        out: AnyValuesMut<'_>,
    ) -> Result<()>;
}
