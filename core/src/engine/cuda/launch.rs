//! The kernels' by-value parameters (`#[repr(C)]` mirrors of the structs in
//! `kernels/plume_block.cuh`, `plume_quantize.cuh` and `dequantize.cu`) and launch shapes.

use cudarc::driver::{DeviceRepr, LaunchConfig};

use crate::engine::grid::{pad4, Box4};
use crate::field::MAX_DIMS;
use crate::format::QuantizerParams;

/// `PlumeGeom`: the block grid and the workspace layout of one launch.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Geometry {
    /// Storage dims, padded with leading 1s.
    pub dims: [u64; MAX_DIMS],
    /// C-order strides of the field.
    pub strides: [u64; MAX_DIMS],
    /// Number of selected blocks (slots).
    pub n_sel: u64,
    /// Block dims, padded.
    pub block: [u32; MAX_DIMS],
    /// Blocks per axis.
    pub grid: [u32; MAX_DIMS],
    /// Workspace entries per slot: 32 x `slot_chunks`.
    pub slot_values: u32,
    /// Chunks of 32 per full block.
    pub slot_chunks: u32,
}

// SAFETY: plain old data with the C layout of `PlumeGeom`.
unsafe impl DeviceRepr for Geometry {}

impl Geometry {
    /// The geometry of `storage_dims` cut into `block_dims` (same length, each >= 1, block
    /// volume <= 2^24 as the codec guarantees), with `n_sel` selected blocks.
    pub fn new(storage_dims: &[usize], block_dims: &[usize], n_sel: usize) -> Geometry {
        let dims = pad4(storage_dims, 1);
        let block = pad4(block_dims, 1);
        let mut g = Geometry { n_sel: n_sel as u64, ..Geometry::default() };
        let mut stride = 1u64;
        for a in (0..MAX_DIMS).rev() {
            g.dims[a] = dims[a] as u64;
            g.strides[a] = stride;
            stride *= dims[a] as u64;
            g.block[a] = block[a] as u32;
            g.grid[a] = dims[a].div_ceil(block[a]) as u32;
        }
        let volume: usize = block.iter().product();
        g.slot_chunks = volume.div_ceil(32) as u32;
        g.slot_values = 32 * g.slot_chunks;
        g
    }

    /// Workspace entries of the launch (codes).
    pub fn n_values(&self) -> usize {
        self.n_sel as usize * self.slot_values as usize
    }

    /// Chunks of the launch (masks, widths, offsets).
    pub fn n_chunks(&self) -> usize {
        self.n_sel as usize * self.slot_chunks as usize
    }
}

/// `PlumeQuant`: a stream's quantizer constants, with `1/step` computed exactly as
/// `LinearQuantizer::from_stream` / `LogQuantizer::from_stream` do.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quant {
    /// Linear: the absolute bound; log: p.
    pub bound: f64,
    /// Bin width.
    pub step: f64,
    /// Linear: the offset (value of code 0); log: lmin.
    pub base: f64,
    /// `1/step` when step is positive and finite, else 0.
    pub inv_step: f64,
}

// SAFETY: plain old data with the C layout of `PlumeQuant`.
unsafe impl DeviceRepr for Quant {}

impl Quant {
    /// The constants of `q`, and whether it is the log quantizer. The kernels have no
    /// lossless (bits) quantizer: `Unsupported`, so that callers use the CPU engine.
    pub fn of(q: &QuantizerParams) -> crate::error::Result<(Quant, bool)> {
        let (bound, step, base, log) = match *q {
            QuantizerParams::Linear { abs_bound, step, offset } => (abs_bound, step, offset, false),
            QuantizerParams::Log { rel_bound, step, lmin } => (rel_bound, step, lmin, true),
            QuantizerParams::Bits => {
                return Err(crate::error::Error::new(
                    crate::error::ErrorKind::Unsupported,
                    "the CUDA engine has no lossless (bits) quantizer (bound 0): use the CPU engine",
                ))
            }
        };
        let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
        Ok((Quant { bound, step, base, inv_step }, log))
    }
}

/// `PlumeRegion`: the decoded box (storage coordinates) and its C-order strides.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Region {
    /// First index per axis.
    pub start: [u64; MAX_DIMS],
    /// Extent per axis.
    pub ext: [u64; MAX_DIMS],
    /// C-order strides of the extent.
    pub strides: [u64; MAX_DIMS],
}

// SAFETY: plain old data with the C layout of `PlumeRegion`.
unsafe impl DeviceRepr for Region {}

impl Region {
    /// The kernel's view of `region`.
    pub fn of(region: &Box4) -> Region {
        let mut r = Region::default();
        let mut stride = 1u64;
        for a in (0..MAX_DIMS).rev() {
            r.start[a] = region.start[a] as u64;
            r.ext[a] = region.extent[a] as u64;
            r.strides[a] = stride;
            stride *= region.extent[a] as u64;
        }
        r
    }
}

/// Most thread blocks of a grid-stride launch (the kernels loop over the rest).
const MAX_GRID: u64 = 1 << 20;

/// A grid-stride launch over `n` items with `threads` per block (at least one block).
pub fn grid_stride(n: u64, threads: u32) -> LaunchConfig {
    let blocks = n.div_ceil(threads as u64).clamp(1, MAX_GRID) as u32;
    LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (threads, 1, 1), shared_mem_bytes: 0 }
}

/// The launch of a kernel built on `plume_for_each_entry` (plume_block.cuh): one thread
/// block per tile of `threads` entries of one slot (up to [`MAX_GRID`], looping over
/// the rest).
pub fn per_entry(g: &Geometry, threads: u32) -> LaunchConfig {
    let tiles = (g.slot_values as u64).div_ceil(threads as u64);
    let blocks = (g.n_sel * tiles).clamp(1, MAX_GRID) as u32;
    LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (threads, 1, 1), shared_mem_bytes: 0 }
}

/// One thread block per slot (up to 65535 blocks, looping over the rest).
pub fn per_slot(n_sel: u64, threads: u32) -> LaunchConfig {
    let blocks = n_sel.clamp(1, 65535) as u32;
    LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (threads, 1, 1), shared_mem_bytes: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_the_cuda_structs() {
        // PlumeGeom: 9 x u64 + 10 x u32 = 112 bytes; PlumeQuant 32; PlumeRegion 96.
        assert_eq!(std::mem::size_of::<Geometry>(), 112);
        assert_eq!(std::mem::align_of::<Geometry>(), 8);
        assert_eq!(std::mem::size_of::<Quant>(), 32);
        assert_eq!(std::mem::size_of::<Region>(), 96);
    }

    #[test]
    fn geometry_of_a_partial_grid() {
        let g = Geometry::new(&[5, 7, 3], &[2, 4, 3], 6);
        assert_eq!(g.dims, [1, 5, 7, 3]);
        assert_eq!(g.strides, [105, 21, 3, 1]);
        assert_eq!(g.grid, [1, 3, 2, 1]);
        assert_eq!(g.slot_chunks, 1);
        assert_eq!(g.slot_values, 32);
        assert_eq!(g.n_values(), 192);
    }

    #[test]
    fn inverse_step_is_the_cpu_quantizers() {
        let (q, log) =
            Quant::of(&QuantizerParams::Linear { abs_bound: 0.0, step: 0.0, offset: 1.0 }).unwrap();
        assert!(!log);
        assert_eq!(q.inv_step, 0.0);
        let (q, log) = Quant::of(&QuantizerParams::Log { rel_bound: 0.01, step: 0.3, lmin: -3.0 }).unwrap();
        assert!(Quant::of(&QuantizerParams::Bits).is_err());
        assert!(log);
        assert_eq!(q.inv_step, 1.0 / 0.3);
    }
}
