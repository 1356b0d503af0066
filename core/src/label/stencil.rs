//! First derivatives along one axis on non-uniform coordinates, second-order accurate:
//! three-point central differences inside, three-point one-sided differences at the two
//! ends of the array (the true domain boundaries when no ghost layer is given there).
//!
//! With `h1 = x[i] - x[i-1]`, `h2 = x[i+1] - x[i]`, the central weights on
//! `(f[i-1], f[i], f[i+1])` are `(-h2 / (h1 (h1 + h2)), (h2 - h1) / (h1 h2), h1 / (h2 (h1 + h2)))`
//! (`(-1/2h, 0, 1/2h)` on a uniform grid). At `i = 0`, with `h1 = x1 - x0`, `h2 = x2 - x1`, on
//! `(f0, f1, f2)`: `(-(2 h1 + h2) / (h1 (h1 + h2)), (h1 + h2) / (h1 h2), -h1 / (h2 (h1 + h2)))`,
//! and the mirror image at the last index. An axis of two points gets the first-order
//! difference, an axis of one point a zero derivative.
//!
//! The weights at index `i` depend only on the coordinates of the cells the stencil touches,
//! so a subdomain given the matching slice of coordinates (with a ghost layer) computes
//! bit-identical derivatives.

use crate::error::{Error, Result};

/// The derivative stencil of every index of one axis: `f'(i) = sum_t w[i][t] f[i + off[i][t]]`.
#[derive(Debug, Clone)]
pub struct AxisStencil {
    offsets: Vec<[isize; 3]>,
    weights: Vec<[f64; 3]>,
}

/// Checks an axis's cell-centre coordinates: finite and strictly increasing. The error names
/// the first bad index.
pub fn check_coords(c: &[f64]) -> Result<()> {
    if let Some(i) = c.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!("coordinates: value {} at index {i} is not finite", c[i])));
    }
    if let Some(i) = c.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::invalid(format!(
            "coordinates: not strictly increasing at index {} ({} then {})",
            i + 1,
            c[i],
            c[i + 1]
        )));
    }
    Ok(())
}

impl AxisStencil {
    /// The stencil of an axis of `n` points with coordinates `coords` (strictly increasing and
    /// finite, `n` of them), or unit spacing when `None`.
    pub fn new(n: usize, coords: Option<&[f64]>) -> Result<AxisStencil> {
        let unit: Vec<f64>;
        let x = match coords {
            Some(c) => {
                if c.len() != n {
                    return Err(Error::invalid(format!(
                        "coordinates: {} values for an axis of {n} cells",
                        c.len()
                    )));
                }
                check_coords(c)?;
                c
            }
            None => {
                unit = (0..n).map(|i| i as f64).collect();
                &unit
            }
        };
        let mut offsets = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        for i in 0..n {
            let (off, w) = match n {
                1 => ([0, 0, 0], [0.0; 3]),
                2 => {
                    let h = x[1] - x[0];
                    let base = -(i as isize);
                    ([base, base + 1, base], [-1.0 / h, 1.0 / h, 0.0])
                }
                _ if i == 0 => {
                    let (h1, h2) = (x[1] - x[0], x[2] - x[1]);
                    (
                        [0, 1, 2],
                        [-(2.0 * h1 + h2) / (h1 * (h1 + h2)), (h1 + h2) / (h1 * h2), -h1 / (h2 * (h1 + h2))],
                    )
                }
                _ if i == n - 1 => {
                    let (h1, h2) = (x[n - 2] - x[n - 3], x[n - 1] - x[n - 2]);
                    (
                        [-2, -1, 0],
                        [h2 / (h1 * (h1 + h2)), -(h1 + h2) / (h1 * h2), (h1 + 2.0 * h2) / (h2 * (h1 + h2))],
                    )
                }
                _ => {
                    let (h1, h2) = (x[i] - x[i - 1], x[i + 1] - x[i]);
                    ([-1, 0, 1], [-h2 / (h1 * (h1 + h2)), (h2 - h1) / (h1 * h2), h1 / (h2 * (h1 + h2))])
                }
            };
            offsets.push(off);
            weights.push(w);
        }
        Ok(AxisStencil { offsets, weights })
    }

    /// Number of points on the axis.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True for an axis of no points.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Offsets (in points along the axis) and weights of index `i`.
    #[inline]
    pub fn at(&self, i: usize) -> (&[isize; 3], &[f64; 3]) {
        (&self.offsets[i], &self.weights[i])
    }

    /// The derivative at every index of the line `f` (one value per point).
    pub fn derivative(&self, f: &[f64]) -> Vec<f64> {
        (0..self.len())
            .map(|i| {
                let (off, w) = self.at(i);
                (0..3).map(|t| w[t] * f[(i as isize + off[t]) as usize]).sum()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stretched grid: tanh clustering around the middle, like the DNS's y grid.
    fn stretched(n: usize) -> Vec<f64> {
        (0..n).map(|i| (2.0 * (i as f64 / (n - 1) as f64 - 0.5) * 1.5).sinh()).collect()
    }

    #[test]
    fn exact_for_quadratics_on_stretched_grids() {
        for n in [3usize, 4, 7, 40] {
            let x = stretched(n);
            let s = AxisStencil::new(n, Some(&x)).expect("stencil");
            let f: Vec<f64> = x.iter().map(|&v| 3.0 * v * v - 2.0 * v + 0.5).collect();
            for (i, d) in s.derivative(&f).iter().enumerate() {
                let exact = 6.0 * x[i] - 2.0;
                assert!((d - exact).abs() < 1e-9 * (1.0 + exact.abs()), "n {n} i {i}: {d} vs {exact}");
            }
        }
    }

    #[test]
    fn second_order_convergence_on_stretched_grid() {
        // Smooth profile: the max error must drop ~4x when the grid is refined 2x, both in
        // the interior and at the one-sided boundaries.
        let err = |n: usize| {
            let x = stretched(n);
            let s = AxisStencil::new(n, Some(&x)).expect("stencil");
            let f: Vec<f64> = x.iter().map(|&v| (2.0 * v).sin() + (v * 3.0).tanh()).collect();
            s.derivative(&f)
                .iter()
                .zip(&x)
                .map(|(d, &v)| (d - (2.0 * (2.0 * v).cos() + 3.0 / (3.0 * v).cosh().powi(2))).abs())
                .fold(0.0f64, f64::max)
        };
        let (e1, e2, e3) = (err(41), err(81), err(161));
        assert!(e1 / e2 > 3.2 && e2 / e3 > 3.2, "errors {e1} {e2} {e3}");
    }

    #[test]
    fn short_axes_and_unit_spacing() {
        let s = AxisStencil::new(1, None).expect("stencil");
        assert_eq!(s.derivative(&[5.0]), vec![0.0]);
        let s = AxisStencil::new(2, Some(&[0.0, 0.5])).expect("stencil");
        assert_eq!(s.derivative(&[1.0, 2.0]), vec![2.0, 2.0]);
        let s = AxisStencil::new(5, None).expect("stencil");
        let d = s.derivative(&[0.0, 1.0, 4.0, 9.0, 16.0]);
        assert_eq!(d, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn bad_coordinates() {
        assert!(AxisStencil::new(3, Some(&[0.0, 1.0])).is_err());
        assert!(AxisStencil::new(3, Some(&[0.0, 1.0, 1.0])).is_err());
        assert!(AxisStencil::new(3, Some(&[0.0, f64::NAN, 1.0])).is_err());
        assert!(AxisStencil::new(3, Some(&[2.0, 1.0, 0.0])).is_err());
    }
}
