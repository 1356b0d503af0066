//! The Lorenzo predictor, written as what it is: the n-D Lorenzo residual equals a first
//! difference along each axis in turn (with zeros outside the block), and the inverse is
//! a prefix sum along each axis. Each pass is a simple, vectorisable loop, the same for
//! 1-D to 4-D, and the order of the axes does not matter.

use super::Predictor;

/// First-order n-D Lorenzo predictor on integer codes.
#[derive(Debug, Clone, Copy, Default)]
pub struct LorenzoPredictor;

/// (outer count, axis length, inner stride) of `axis` in a C-order array of `dims`.
fn axis_layout(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = dims[..axis].iter().product();
    let inner = dims[axis + 1..].iter().product();
    (outer, dims[axis], inner)
}

/// Integers the Lorenzo passes run on: two's-complement wrapping arithmetic, so that both
/// directions are exact inverses whatever the values (i32 codes; u64 keys of lossless f64).
pub(crate) trait Wrapping: Copy {
    const ZERO: Self;
    fn wsub(self, other: Self) -> Self;
    fn wadd(self, other: Self) -> Self;
}

macro_rules! wrapping {
    ($($t:ty),*) => {$(
        impl Wrapping for $t {
            const ZERO: Self = 0;
            #[inline(always)]
            fn wsub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn wadd(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
        }
    )*};
}
wrapping!(i32, u64);

/// Values -> Lorenzo residuals, in place (C order, `dims` slowest first).
pub(crate) fn forward<W: Wrapping>(codes: &mut [W], dims: &[usize]) {
    debug_assert_eq!(codes.len(), dims.iter().product::<usize>());
    for axis in 0..dims.len() {
        let (outer, n, inner) = axis_layout(dims, axis);
        if n < 2 {
            continue;
        }
        for slab in codes.chunks_exact_mut(n * inner).take(outer) {
            if inner == 1 {
                let mut prev = W::ZERO;
                for v in slab.iter_mut() {
                    let cur = *v;
                    *v = cur.wsub(prev);
                    prev = cur;
                }
                continue;
            }
            // from the last line back, so each line subtracts its unmodified neighbour
            for j in (1..n).rev() {
                let (before, line) = slab.split_at_mut(j * inner);
                let prev = &before[(j - 1) * inner..];
                for (c, p) in line[..inner].iter_mut().zip(prev) {
                    *c = c.wsub(*p);
                }
            }
        }
    }
}

/// Lorenzo residuals -> values, in place: prefix sums along each axis.
pub(crate) fn inverse<W: Wrapping>(residuals: &mut [W], dims: &[usize]) {
    debug_assert_eq!(residuals.len(), dims.iter().product::<usize>());
    for axis in (0..dims.len()).rev() {
        let (outer, n, inner) = axis_layout(dims, axis);
        if n < 2 {
            continue;
        }
        for slab in residuals.chunks_exact_mut(n * inner).take(outer) {
            if inner == 1 {
                let mut acc = W::ZERO;
                for v in slab.iter_mut() {
                    acc = acc.wadd(*v);
                    *v = acc;
                }
                continue;
            }
            for j in 1..n {
                let (before, line) = slab.split_at_mut(j * inner);
                let prev = &before[(j - 1) * inner..];
                for (c, p) in line[..inner].iter_mut().zip(prev) {
                    *c = c.wadd(*p);
                }
            }
        }
    }
}

impl Predictor for LorenzoPredictor {
    fn forward(&self, codes: &mut [i32], dims: &[usize]) {
        forward(codes, dims);
    }

    fn inverse(&self, residuals: &mut [i32], dims: &[usize]) {
        inverse(residuals, dims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_textbook_3d_lorenzo() {
        let dims = [3usize, 4, 5];
        let codes: Vec<i32> = (0..60).map(|i| (i * i * 7 % 23) - 11).collect();
        let at = |i: isize, j: isize, k: isize| -> i32 {
            if i < 0 || j < 0 || k < 0 {
                0
            } else {
                codes[(i * 20 + j * 5 + k) as usize]
            }
        };
        let mut res = codes.clone();
        LorenzoPredictor.forward(&mut res, &dims);
        for i in 0..3isize {
            for j in 0..4isize {
                for k in 0..5isize {
                    let pred = at(i - 1, j, k) + at(i, j - 1, k) + at(i, j, k - 1)
                        - at(i - 1, j - 1, k)
                        - at(i - 1, j, k - 1)
                        - at(i, j - 1, k - 1)
                        + at(i - 1, j - 1, k - 1);
                    assert_eq!(res[(i * 20 + j * 5 + k) as usize], at(i, j, k) - pred);
                }
            }
        }
        LorenzoPredictor.inverse(&mut res, &dims);
        assert_eq!(res, codes);
    }

    #[test]
    fn inverts_in_every_dimensionality_and_wraps() {
        for dims in [vec![17usize], vec![5, 1, 7], vec![2, 3, 1, 4], vec![1], vec![6, 6]] {
            let n: usize = dims.iter().product();
            let codes: Vec<i32> = (0..n as i32).map(|i| i.wrapping_mul(0x9E37_79B9u32 as i32)).collect();
            let mut r = codes.clone();
            LorenzoPredictor.forward(&mut r, &dims);
            LorenzoPredictor.inverse(&mut r, &dims);
            assert_eq!(r, codes, "{dims:?}");
        }
    }

    #[test]
    fn constant_and_ramp_give_zero_residuals_inside() {
        let dims = [8usize, 8];
        let mut c: Vec<i32> = (0..64).map(|i| (i / 8) * 3 + (i % 8) * 2).collect();
        LorenzoPredictor.forward(&mut c, &dims);
        assert!(c.iter().enumerate().all(|(i, &r)| i / 8 == 0 || i % 8 == 0 || r == 0));
    }
}
