//! A rank's block of a global field, and the per-block arithmetic the session needs
//! (interior copy, value range, error statistics). Internally everything is in storage
//! order: the dims as the array lies in memory, slowest first (a Fortran block's dims
//! reversed), which is also the HDF5 dataset's axis order.

use plume_core::field::{Element, Order, MAX_DIMS};
use plume_core::{Error, Result};

use super::PutField;

/// One rank's block: interior dims, its offset in the global field, the global dims (all
/// in storage order), the caller's order and the ghost width on every side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    local: Vec<usize>,
    offset: Vec<usize>,
    global: Vec<usize>,
    order: Order,
    ghost: usize,
}

impl Block {
    /// Checks and stores a block given in the caller's axis order. Fails when the ranks of
    /// the three dim lists differ, are not 1..=4, or the block exceeds the global field.
    pub fn new(
        local: &[usize],
        offset: &[usize],
        global: &[usize],
        order: Order,
        ghost: usize,
    ) -> Result<Block> {
        let nd = local.len();
        if !(1..=MAX_DIMS).contains(&nd) || offset.len() != nd || global.len() != nd {
            return Err(Error::invalid(format!(
                "block: local dims {local:?}, offset {offset:?}, global dims {global:?} must have the same 1..={MAX_DIMS} axes"
            )));
        }
        for a in 0..nd {
            if offset[a].checked_add(local[a]).is_none_or(|end| end > global[a]) {
                return Err(Error::invalid(format!(
                    "block: axis {a}: offset {} + local {} exceeds global {}",
                    offset[a], local[a], global[a]
                )));
            }
        }
        let st = |v: &[usize]| -> Vec<usize> {
            match order {
                Order::C => v.to_vec(),
                Order::Fortran => v.iter().rev().copied().collect(),
            }
        };
        Ok(Block { local: st(local), offset: st(offset), global: st(global), order, ghost })
    }

    /// Interior dims, storage order.
    pub fn local_storage(&self) -> Vec<usize> {
        self.local.clone()
    }
    /// Offset, storage order.
    pub fn offset_storage(&self) -> Vec<usize> {
        self.offset.clone()
    }
    /// Global dims, storage order.
    pub fn global_storage(&self) -> Vec<usize> {
        self.global.clone()
    }
    /// Ghosted dims, storage order.
    pub fn ghosted_storage(&self) -> Vec<usize> {
        self.local.iter().map(|d| d + 2 * self.ghost).collect()
    }
    /// The caller's order.
    pub fn order(&self) -> Order {
        self.order
    }
    /// The caller's axis (as given to `new`) of storage axis `s`.
    pub fn caller_axis(&self, s: usize) -> usize {
        match self.order {
            Order::C => s,
            Order::Fortran => self.local.len() - 1 - s,
        }
    }
    /// Ghost width.
    pub fn ghost(&self) -> usize {
        self.ghost
    }
    /// Interior cell count.
    pub fn n_interior(&self) -> usize {
        self.local.iter().product()
    }
    /// Values the caller's array must hold (ghosts included).
    pub fn ghosted_len(&self) -> usize {
        self.ghosted_storage().iter().product()
    }

    /// The interior of a ghosted array, contiguous, as native-endian bytes.
    pub fn copy_interior<T: Element>(&self, values: &[T]) -> Vec<u8> {
        let n = self.n_interior();
        let mut out = Vec::with_capacity(n * std::mem::size_of::<T>());
        if n == 0 {
            return out;
        }
        // Pad to 4-D with leading axes of length 1 (no ghost on padded axes).
        let pad = MAX_DIMS - self.local.len();
        let mut dims = [1usize; MAX_DIMS];
        let mut full = [1usize; MAX_DIMS];
        let mut g = [0usize; MAX_DIMS];
        for a in 0..self.local.len() {
            dims[pad + a] = self.local[a];
            full[pad + a] = self.local[a] + 2 * self.ghost;
            g[pad + a] = self.ghost;
        }
        let row = dims[3];
        for i0 in 0..dims[0] {
            for i1 in 0..dims[1] {
                for i2 in 0..dims[2] {
                    let start = (((i0 + g[0]) * full[1] + i1 + g[1]) * full[2] + i2 + g[2]) * full[3] + g[3];
                    for v in &values[start..start + row] {
                        out.extend_from_slice(bytes_of(v));
                    }
                }
            }
        }
        out
    }
}

fn bytes_of<T: Element>(v: &T) -> &[u8] {
    // SAFETY: T is f32 or f64 (sealed): plain bytes, no padding.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

/// Native-endian bytes as f32 values.
pub fn values_f32(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Native-endian bytes as f64 values.
pub fn values_f64(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect()
}

/// Finite minimum and maximum of a field's interior (+inf, -inf when none).
pub(crate) fn min_max(f: &PutField) -> (f64, f64) {
    let fold = |it: &mut dyn Iterator<Item = f64>| {
        it.filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    match f.dtype {
        plume_core::DType::F32 => fold(&mut values_f32(&f.interior).into_iter().map(f64::from)),
        plume_core::DType::F64 => fold(&mut values_f64(&f.interior).into_iter()),
        plume_core::DType::U8 => (f64::INFINITY, f64::NEG_INFINITY), // never a field's type
    }
}

/// A block's error statistics, summed/maxed over ranks by the session.
#[derive(Debug, Clone)]
pub struct LocalStats {
    /// Values.
    pub n: u64,
    /// Sum of squared errors (finite values).
    pub sum_sq_err: f64,
    /// Largest absolute error.
    pub max_abs_err: f64,
    /// Largest point-wise relative error (x != 0).
    pub max_rel_err: f64,
    /// Finite minimum (+inf when none).
    pub min: f64,
    /// Finite maximum (-inf when none).
    pub max: f64,
    /// This rank's stream size.
    pub stream_bytes: u64,
}

impl LocalStats {
    /// An empty block.
    pub fn empty() -> Self {
        LocalStats {
            n: 0,
            sum_sq_err: 0.0,
            max_abs_err: 0.0,
            max_rel_err: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            stream_bytes: 0,
        }
    }

    /// Compares a block with its reconstruction.
    pub fn compare<T: Element>(orig: &[T], back: &[T], stream_bytes: usize) -> Self {
        let mut s = LocalStats::empty();
        s.n = orig.len() as u64;
        s.stream_bytes = stream_bytes as u64;
        for (a, b) in orig.iter().zip(back) {
            let (a, b) = (a.to_f64(), b.to_f64());
            if !a.is_finite() {
                continue;
            }
            let e = (a - b).abs();
            s.sum_sq_err += e * e;
            s.max_abs_err = s.max_abs_err.max(e);
            if a != 0.0 {
                s.max_rel_err = s.max_rel_err.max(e / a.abs());
            }
            s.min = s.min.min(a);
            s.max = s.max.max(a);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_axes_map_back_to_the_callers() {
        let c = Block::new(&[2, 3, 4], &[0, 0, 0], &[2, 3, 4], Order::C, 1).expect("valid");
        let f = Block::new(&[2, 3, 4], &[0, 0, 0], &[2, 3, 4], Order::Fortran, 1).expect("valid");
        assert_eq!((0..3).map(|s| c.caller_axis(s)).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!((0..3).map(|s| f.caller_axis(s)).collect::<Vec<_>>(), [2, 1, 0]);
        // storage axis s of a Fortran block has the caller's dim of axis caller_axis(s)
        assert!((0..3).all(|s| f.global_storage()[s] == [2, 3, 4][f.caller_axis(s)]));
    }
}
