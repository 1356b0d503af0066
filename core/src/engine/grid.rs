//! Block geometry: a field (in storage order) cut into boxes of `block_dims`, the last
//! ones partial. Everything is padded to 4-D with leading axes of length 1.

use crate::field::MAX_DIMS;

/// A box: start and extent per axis (4-D padded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Box4 {
    /// First index on each axis.
    pub start: [usize; MAX_DIMS],
    /// Length on each axis.
    pub extent: [usize; MAX_DIMS],
}

impl Box4 {
    /// Number of values in the box.
    pub fn volume(&self) -> usize {
        self.extent.iter().product()
    }
    /// The intersection with `other`, if not empty.
    pub fn intersect(&self, other: &Box4) -> Option<Box4> {
        let mut out = *self;
        for a in 0..MAX_DIMS {
            let lo = self.start[a].max(other.start[a]);
            let hi = (self.start[a] + self.extent[a]).min(other.start[a] + other.extent[a]);
            if hi <= lo {
                return None;
            }
            out.start[a] = lo;
            out.extent[a] = hi - lo;
        }
        Some(out)
    }
}

/// Pads `v` to 4 entries with leading `fill`.
pub fn pad4(v: &[usize], fill: usize) -> [usize; MAX_DIMS] {
    let mut out = [fill; MAX_DIMS];
    out[MAX_DIMS - v.len()..].copy_from_slice(v);
    out
}

/// C-order strides of 4-D dims.
fn strides(dims: &[usize; MAX_DIMS]) -> [usize; MAX_DIMS] {
    [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1]
}

/// Calls `f(offset_in_a, offset_in_b, len)` for every row (run along the last axis) of
/// `region`, where `region` is given in the coordinates of both arrays through their
/// origins: array A of dims `a_dims` holds `region` at `region.start - a_origin`.
pub fn for_each_row(
    region: &Box4,
    a_dims: &[usize; MAX_DIMS],
    a_origin: &[usize; MAX_DIMS],
    b_dims: &[usize; MAX_DIMS],
    b_origin: &[usize; MAX_DIMS],
    mut f: impl FnMut(usize, usize, usize),
) {
    let (sa, sb) = (strides(a_dims), strides(b_dims));
    let e = region.extent;
    for i0 in 0..e[0] {
        for i1 in 0..e[1] {
            for i2 in 0..e[2] {
                let idx = [i0, i1, i2, 0];
                let (mut oa, mut ob) = (0, 0);
                for ax in 0..MAX_DIMS {
                    let p = region.start[ax] + idx[ax];
                    oa += (p - a_origin[ax]) * sa[ax];
                    ob += (p - b_origin[ax]) * sb[ax];
                }
                f(oa, ob, e[3]);
            }
        }
    }
}

/// Appends the values of `region` of a C-order array of `dims` to `out`, in C order of
/// the region (a block's values, a sample sub-box).
pub fn gather<T: Copy>(values: &[T], dims: &[usize; MAX_DIMS], region: &Box4, out: &mut Vec<T>) {
    out.reserve(region.volume());
    for_each_row(region, dims, &[0; MAX_DIMS], &region.extent, &region.start, |from, _, len| {
        out.extend_from_slice(&values[from..from + len]);
    });
}

/// A field cut into blocks.
#[derive(Debug, Clone)]
pub struct BlockGrid {
    ndims: usize,
    dims: [usize; MAX_DIMS],
    block: [usize; MAX_DIMS],
    grid: [usize; MAX_DIMS],
}

impl BlockGrid {
    /// The grid for `storage_dims` and `block_dims` (same length, block dims >= 1).
    pub fn new(storage_dims: &[usize], block_dims: &[usize]) -> Self {
        let dims = pad4(storage_dims, 1);
        let block = pad4(block_dims, 1);
        let empty = storage_dims.contains(&0);
        let mut grid = [0; MAX_DIMS];
        for a in 0..MAX_DIMS {
            grid[a] = if empty { 0 } else { dims[a].div_ceil(block[a]) };
        }
        BlockGrid { ndims: storage_dims.len(), dims, block, grid }
    }
    /// The field's dims, 4-D padded.
    pub fn dims(&self) -> &[usize; MAX_DIMS] {
        &self.dims
    }
    /// Number of blocks.
    pub fn n_blocks(&self) -> usize {
        self.grid.iter().product()
    }
    /// The box of block `b` (C order over the grid).
    pub fn block(&self, b: usize) -> Box4 {
        let mut rest = b;
        let mut start = [0; MAX_DIMS];
        let mut extent = [0; MAX_DIMS];
        for a in (0..MAX_DIMS).rev() {
            let g = rest % self.grid[a];
            rest /= self.grid[a];
            start[a] = g * self.block[a];
            extent[a] = self.block[a].min(self.dims[a] - start[a]);
        }
        Box4 { start, extent }
    }
    /// The block's dims with the field's dimensionality (for the predictor).
    pub fn block_dims_of(&self, bx: &Box4) -> Vec<usize> {
        bx.extent[MAX_DIMS - self.ndims..].to_vec()
    }
    /// Indices of the blocks that overlap `region`, in block order.
    pub fn blocks_overlapping(&self, region: &Box4) -> Vec<usize> {
        if region.volume() == 0 || self.n_blocks() == 0 {
            return Vec::new();
        }
        let mut lo = [0; MAX_DIMS];
        let mut hi = [0; MAX_DIMS];
        for a in 0..MAX_DIMS {
            lo[a] = region.start[a] / self.block[a];
            hi[a] = (region.start[a] + region.extent[a] - 1) / self.block[a];
        }
        let mut out = Vec::new();
        for g0 in lo[0]..=hi[0] {
            for g1 in lo[1]..=hi[1] {
                for g2 in lo[2]..=hi[2] {
                    for g3 in lo[3]..=hi[3] {
                        out.push(((g0 * self.grid[1] + g1) * self.grid[2] + g2) * self.grid[3] + g3);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_partition_the_field() {
        let grid = BlockGrid::new(&[5, 7, 3], &[2, 4, 3]);
        assert_eq!(grid.n_blocks(), 3 * 2);
        let mut seen = [0u8; 105];
        for b in 0..grid.n_blocks() {
            let bx = grid.block(b);
            for_each_row(&bx, grid.dims(), &[0; 4], &bx.extent, &bx.start, |oa, _, len| {
                for s in &mut seen[oa..oa + len] {
                    *s += 1;
                }
            });
        }
        assert!(seen.iter().all(|&s| s == 1));
        let region = Box4 { start: [0, 1, 3, 0], extent: [1, 2, 2, 3] };
        assert_eq!(grid.blocks_overlapping(&region), vec![0, 1, 2, 3]);
    }
}
