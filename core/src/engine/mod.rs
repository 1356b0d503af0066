//! Engines run the pipeline stages over independent blocks. The [`CpuEngine`] (rayon) is
//! the reference; a GPU engine implements the same trait and must emit the same bytes
//! for the `fast` encoding (ARCHITECTURE.md, "the CPU/GPU invariant").

mod bits64;
mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod grid;

pub use cpu::CpuEngine;

use crate::error::{Error, Result};
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

/// Which engine compresses: what the caller asked (`engine = auto | cpu | cuda`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EngineChoice {
    /// The CUDA engine when this build has it and a device answers, else the CPU engine
    /// (the fallback is logged once).
    Auto,
    /// The CPU reference engine (the default until GPU parity is measured on a device).
    #[default]
    Cpu,
    /// The CUDA engine, or an error: `Unsupported` in a build without the `cuda`
    /// feature, `Device` when no driver or device is found.
    Cuda,
}

impl EngineChoice {
    /// `"auto"`, `"cpu"` or `"cuda"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineChoice::Auto => "auto",
            EngineChoice::Cpu => "cpu",
            EngineChoice::Cuda => "cuda",
        }
    }
    /// Parses `"auto"`, `"cpu"` or `"cuda"` (any case).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(EngineChoice::Auto),
            "cpu" => Ok(EngineChoice::Cpu),
            "cuda" | "gpu" => Ok(EngineChoice::Cuda),
            other => Err(Error::invalid(format!("engine '{other}': expected auto, cpu or cuda"))),
        }
    }
}

/// The engine for `choice`. `Cuda` fails cleanly (see [`EngineChoice::Cuda`]); `Auto`
/// never fails: without a usable GPU it returns the CPU engine and logs why, once per
/// process. Creating the CUDA engine the first time compiles its kernels (about a
/// second); later calls share it.
pub fn select_engine(choice: EngineChoice) -> Result<Box<dyn Engine>> {
    match choice {
        EngineChoice::Cpu => Ok(Box::new(CpuEngine)),
        EngineChoice::Cuda => cuda_engine(),
        EngineChoice::Auto => cuda_engine().or_else(|e| {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| tracing::info!("engine auto: using the CPU engine ({e})"));
            Ok(Box::new(CpuEngine) as Box<dyn Engine>)
        }),
    }
}

#[cfg(feature = "cuda")]
fn cuda_engine() -> Result<Box<dyn Engine>> {
    Ok(Box::new(cuda::shared()?))
}

#[cfg(not(feature = "cuda"))]
fn cuda_engine() -> Result<Box<dyn Engine>> {
    Err(Error::unsupported("the CUDA engine is not in this build (plume-core feature `cuda`)"))
}
