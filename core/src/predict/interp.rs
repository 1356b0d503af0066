//! Multilevel interpolation over integer codes (the predictor that makes SZ3 strong),
//! made exact by working on the quantization codes.
//!
//! Levels go from the coarsest stride `s = 2^(L-1)` (L = ceil(log2(largest dim))) down to
//! 1; within a level, one pass per axis `k` in order predicts the points whose coordinate
//! on `k` is an odd multiple of `s`, whose coordinates on earlier axes are multiples of
//! `s` and on later axes multiples of `2s`, from their neighbours on axis `k` at `+-s`
//! (linear) and `+-3s` (cubic). Those neighbours were all decoded by earlier passes, so
//! decoding replays the passes in order; encoding runs them in reverse order in place,
//! so every prediction still reads codes, never residuals. The origin is predicted as 0.
//!
//! Integer predictions (floor division by shifts, in i64):
//! cubic `(-a3 + 9 a1 + 9 b1 - b3 + 8) >> 4`; near an edge quadratic
//! `(3 a1 + 6 b1 - b3 + 4) >> 3` or `(-a3 + 6 a1 + 3 b1 + 4) >> 3`; linear
//! `(a1 + b1) >> 1`; with no right neighbour, cubic extrapolates `(3 a1 - a3) >> 1`, else `a1`.

use super::Predictor;

/// Interpolation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpOrder {
    /// Average of the two neighbours.
    Linear,
    /// Four-point cubic (quadratic near edges).
    Cubic,
}

/// Multilevel interpolation predictor on integer codes.
#[derive(Debug, Clone, Copy)]
pub struct InterpolationPredictor {
    /// Linear or cubic.
    pub order: InterpOrder,
}

/// The passes (stride, axis) in decoding order for 4-D padded dims.
pub(super) fn passes(dims: &[usize; 4]) -> Vec<(usize, usize)> {
    let max = dims.iter().copied().max().unwrap_or(1);
    let mut levels = 0u32;
    while (1usize << levels) < max {
        levels += 1;
    }
    let mut out = Vec::new();
    for l in (0..levels).rev() {
        for (axis, &d) in dims.iter().enumerate() {
            if d > 1 << l {
                out.push((1usize << l, axis));
            }
        }
    }
    out
}

pub(super) fn pad4(dims: &[usize]) -> [usize; 4] {
    let mut out = [1; 4];
    out[4 - dims.len()..].copy_from_slice(dims);
    out
}

/// Which neighbours on the pass axis a point has, hence which formula predicts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stencil {
    Cubic,
    QuadRight,
    QuadLeft,
    Linear,
    Extrapolate,
    Copy,
}

impl Stencil {
    /// The stencil of a point at coordinate `x` (an odd multiple of `s`) on an axis of `n`.
    #[inline(always)]
    fn of(x: usize, n: usize, s: usize, cubic: bool) -> Stencil {
        let (has_b1, has_a3, has_b3) = (x + s < n, x >= 3 * s, x + 3 * s < n);
        match (cubic, has_b1, has_a3, has_b3) {
            (false, true, _, _) => Stencil::Linear,
            (false, false, _, _) => Stencil::Copy,
            (true, true, true, true) => Stencil::Cubic,
            (true, true, false, true) => Stencil::QuadRight,
            (true, true, true, false) => Stencil::QuadLeft,
            (true, true, false, false) => Stencil::Linear,
            (true, false, true, _) => Stencil::Extrapolate,
            (true, false, false, _) => Stencil::Copy,
        }
    }

    /// The prediction of the point at `i`, its neighbours `d` apart on the pass axis.
    #[inline(always)]
    fn predict(self, v: &[i32], i: usize, d: usize) -> i32 {
        let at = |j: usize| v[j] as i64;
        let p = match self {
            Stencil::Cubic => (-at(i - 3 * d) + 9 * at(i - d) + 9 * at(i + d) - at(i + 3 * d) + 8) >> 4,
            Stencil::QuadRight => (3 * at(i - d) + 6 * at(i + d) - at(i + 3 * d) + 4) >> 3,
            Stencil::QuadLeft => (-at(i - 3 * d) + 6 * at(i - d) + 3 * at(i + d) + 4) >> 3,
            Stencil::Linear => (at(i - d) + at(i + d)) >> 1,
            Stencil::Extrapolate => (3 * at(i - d) - at(i - 3 * d)) >> 1,
            Stencil::Copy => at(i - d),
        };
        p as i32 // wraps only for hostile residuals
    }

    /// The same prediction on reconstructed values (closed-loop interpolation), in f64 with
    /// the operation order FORMAT.md fixes.
    #[inline(always)]
    pub(super) fn predict_f64(self, v: &[f64], i: usize, d: usize) -> f64 {
        match self {
            Stencil::Cubic => (9.0 * (v[i - d] + v[i + d]) - (v[i - 3 * d] + v[i + 3 * d])) * 0.0625,
            Stencil::QuadRight => (3.0 * v[i - d] + 6.0 * v[i + d] - v[i + 3 * d]) * 0.125,
            Stencil::QuadLeft => (6.0 * v[i - d] + 3.0 * v[i + d] - v[i - 3 * d]) * 0.125,
            Stencil::Linear => (v[i - d] + v[i + d]) * 0.5,
            Stencil::Extrapolate => (3.0 * v[i - d] - v[i - 3 * d]) * 0.5,
            Stencil::Copy => v[i - d],
        }
    }
}

/// Visits the points of pass `(s, k)` over 4-D padded `dims` in their fixed order, calling
/// `f(index, stencil, d)` with the distance `d` between neighbours on the pass axis.
#[inline(always)]
pub(super) fn visit_pass<F: FnMut(usize, Stencil, usize)>(
    dims: &[usize; 4],
    s: usize,
    k: usize,
    cubic: bool,
    mut f: F,
) {
    let strides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
    let n = dims[k];
    let d = strides[k] * s;
    // axes before k step by s, axes after k by 2s; axis k visits s, 3s, 5s, ...
    let step = |j: usize| if j < k { s } else { 2 * s };
    // On axis 3, the interior (cubic: x - 3s >= 0 and x + 3s < n; linear: x + s < n) has one
    // stencil, passed as a constant so that the predictor's match folds away; the few points
    // near the ends pick theirs one by one.
    let interior = if cubic { 3 * s..n.saturating_sub(3 * s) } else { s..n.saturating_sub(s) };
    let mut c = [if k == 0 { s } else { 0 }, 0, 0];
    while c[0] < dims[0] {
        c[1] = if k == 1 { s } else { 0 };
        while c[1] < dims[1] {
            c[2] = if k == 2 { s } else { 0 };
            while c[2] < dims[2] {
                let base = c[0] * strides[0] + c[1] * strides[1] + c[2] * strides[2];
                if k == 3 {
                    let mut x = s;
                    while x < n && x < interior.start {
                        f(base + x, Stencil::of(x, n, s, cubic), d);
                        x += 2 * s;
                    }
                    let mut middle = |stencil: Stencil, f: &mut F| {
                        while x < interior.end {
                            f(base + x, stencil, d);
                            x += 2 * s;
                        }
                    };
                    if cubic {
                        middle(Stencil::Cubic, &mut f);
                    } else {
                        middle(Stencil::Linear, &mut f);
                    }
                    while x < n {
                        f(base + x, Stencil::of(x, n, s, cubic), d);
                        x += 2 * s;
                    }
                } else {
                    // One stencil per row: the common ones get a loop of their own.
                    let row = |stencil: Stencil, f: &mut F| {
                        for c3 in (0..dims[3]).step_by(2 * s) {
                            f(base + c3, stencil, d);
                        }
                    };
                    match Stencil::of(c[k], n, s, cubic) {
                        Stencil::Cubic => row(Stencil::Cubic, &mut f),
                        Stencil::Linear => row(Stencil::Linear, &mut f),
                        other => row(other, &mut f),
                    }
                }
                c[2] += step(2);
            }
            c[1] += step(1);
        }
        c[0] += step(0);
    }
}

impl InterpolationPredictor {
    /// Applies pass `(s, k)`: every point of the pass gets `code - pred` (encode) or
    /// `residual + pred` (decode), its neighbours read from `v`.
    fn pass(&self, v: &mut [i32], dims: &[usize; 4], s: usize, k: usize, encode: bool) {
        let cubic = self.order == InterpOrder::Cubic;
        visit_pass(dims, s, k, cubic, |i, stencil, d| {
            let pred = stencil.predict(v, i, d);
            v[i] = if encode { v[i].wrapping_sub(pred) } else { v[i].wrapping_add(pred) };
        });
    }
}

impl Predictor for InterpolationPredictor {
    fn forward(&self, codes: &mut [i32], dims: &[usize]) {
        debug_assert_eq!(codes.len(), dims.iter().product::<usize>());
        let d = pad4(dims);
        for &(s, k) in passes(&d).iter().rev() {
            self.pass(codes, &d, s, k, true);
        }
    }

    fn inverse(&self, residuals: &mut [i32], dims: &[usize]) {
        debug_assert_eq!(residuals.len(), dims.iter().product::<usize>());
        let d = pad4(dims);
        for &(s, k) in &passes(&d) {
            self.pass(residuals, &d, s, k, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_predicted_once_and_inverts() {
        for dims in [
            vec![1usize],
            vec![2],
            vec![17],
            vec![5, 9],
            vec![8, 8, 8],
            vec![3, 1, 7, 5],
            vec![64, 3],
            vec![1, 1, 33],
        ] {
            let n: usize = dims.iter().product();
            let codes: Vec<i32> = (0..n as i64).map(|i| ((i * 7919) % 201 - 100) as i32).collect();
            for order in [InterpOrder::Linear, InterpOrder::Cubic] {
                let p = InterpolationPredictor { order };
                let mut r = codes.clone();
                p.forward(&mut r, &dims);
                p.inverse(&mut r, &dims);
                assert_eq!(r, codes, "{dims:?} {order:?}");
            }
            // the passes cover every point but the origin exactly once
            let d = pad4(&dims);
            let mut seen = vec![0u8; n];
            let strides = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
            for (s, k) in passes(&d) {
                let mut idx = vec![];
                for c0 in 0..d[0] {
                    for c1 in 0..d[1] {
                        for c2 in 0..d[2] {
                            for c3 in 0..d[3] {
                                let c = [c0, c1, c2, c3];
                                let ok = (0..4).all(|j| {
                                    if j == k {
                                        c[j] % (2 * s) == s
                                    } else if j < k {
                                        c[j] % s == 0
                                    } else {
                                        c[j] % (2 * s) == 0
                                    }
                                });
                                if ok {
                                    idx.push((0..4).map(|j| c[j] * strides[j]).sum::<usize>());
                                }
                            }
                        }
                    }
                }
                for i in idx {
                    seen[i] += 1;
                }
            }
            assert_eq!(seen[0], 0);
            assert!(seen[1..].iter().all(|&x| x == 1), "{dims:?}");
        }
    }

    #[test]
    fn beats_lorenzo_on_smooth_fields() {
        let dims = [48usize, 40];
        let codes: Vec<i32> = (0..48 * 40)
            .map(|i| {
                let (y, x) = ((i / 40) as f64, (i % 40) as f64);
                (1e4 * ((0.13 * y).sin() * (0.07 * x).cos())).round() as i32
            })
            .collect();
        let mut interp = codes.clone();
        InterpolationPredictor { order: InterpOrder::Cubic }.forward(&mut interp, &dims);
        let mut lorenzo = codes.clone();
        super::super::LorenzoPredictor.forward(&mut lorenzo, &dims);
        let (bi, bl) = (super::super::estimated_bits(&interp), super::super::estimated_bits(&lorenzo));
        assert!(bi < bl, "interpolation {bi} bits, Lorenzo {bl} bits");
    }

    #[test]
    fn hostile_residuals_do_not_panic() {
        let mut r = vec![i32::MAX, i32::MIN, i32::MAX, -1, 7, i32::MIN, 0, 1, 2];
        InterpolationPredictor { order: InterpOrder::Cubic }.inverse(&mut r, &[9]);
    }
}
