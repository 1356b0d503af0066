//! The single pass over the data behind [`super::compare`]: every statistic except SSIM.
//!
//! The values are cut into chunks of [`CHUNK_VALUES`] (a constant, not a function of the
//! thread count); rayon scans the chunks in parallel and the per-chunk [`Summary`]s are then
//! merged left to right in chunk order. The result is therefore bit-identical whatever the
//! number of threads.

use rayon::prelude::*;

use super::moments::{Comoments, Moments};
use crate::field::Element;

/// Values per chunk of the parallel scan.
pub(crate) const CHUNK_VALUES: usize = 1 << 15;

/// Sums, extrema and moments of one range of positions (or of the whole field).
///
/// A position is *valid* when its original value is finite. A valid position whose
/// decompressed value is not finite is *broken*: it is counted in `n_broken` and left out
/// of every other statistic (the caller reports infinite errors for it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    /// Positions whose original value is NaN or infinite.
    pub n_nonfinite: u64,
    /// Of those, positions where the decompressed bits differ from the original bits.
    pub nonfinite_mismatches: u64,
    /// Valid positions whose decompressed value is NaN or infinite.
    pub n_broken: u64,
    /// Smallest finite original value (+inf when none).
    pub value_min: f64,
    /// Largest finite original value (-inf when none).
    pub value_max: f64,
    /// Largest `|x' - x|` over valid, unbroken positions (0 when none).
    pub max_abs_error: f64,
    /// Largest `|x' - x| / |x|` over valid, unbroken positions, with `x == 0` giving 0
    /// when `x' == 0` and +inf otherwise (0 when none).
    pub max_pw_rel_error: f64,
    /// Sum of `(x' - x)^2` over valid, unbroken positions.
    pub sum_sq_error: f64,
    /// Moments of `(x, x')` over valid, unbroken positions.
    pub values: Comoments,
    /// Moments of the error `e = x' - x` over valid, unbroken positions.
    pub error: Moments,
    /// Moments of the pairs `(e[i], e[i+1])` of memory-adjacent valid, unbroken positions.
    pub error_lag1: Comoments,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            n_nonfinite: 0,
            nonfinite_mismatches: 0,
            n_broken: 0,
            value_min: f64::INFINITY,
            value_max: f64::NEG_INFINITY,
            max_abs_error: 0.0,
            max_pw_rel_error: 0.0,
            sum_sq_error: 0.0,
            values: Comoments::default(),
            error: Moments::default(),
            error_lag1: Comoments::default(),
        }
    }
}

impl Summary {
    /// Combines the summaries of two disjoint ranges (`self` before `other`).
    pub fn merge(&self, other: &Summary) -> Summary {
        Summary {
            n_nonfinite: self.n_nonfinite + other.n_nonfinite,
            nonfinite_mismatches: self.nonfinite_mismatches + other.nonfinite_mismatches,
            n_broken: self.n_broken + other.n_broken,
            value_min: self.value_min.min(other.value_min),
            value_max: self.value_max.max(other.value_max),
            max_abs_error: self.max_abs_error.max(other.max_abs_error),
            max_pw_rel_error: self.max_pw_rel_error.max(other.max_pw_rel_error),
            sum_sq_error: self.sum_sq_error + other.sum_sq_error,
            values: self.values.merge(&other.values),
            error: self.error.merge(&other.error),
            error_lag1: self.error_lag1.merge(&other.error_lag1),
        }
    }

    /// Number of valid positions (finite original value).
    pub fn n_valid(&self) -> u64 {
        self.values.n + self.n_broken
    }
}

/// The error `x' - x` at a valid, unbroken position, or `None` otherwise.
#[inline]
fn usable_error<T: Element>(x: T, y: T) -> Option<f64> {
    let (x, y) = (x.to_f64(), y.to_f64());
    (x.is_finite() && y.is_finite()).then_some(y - x)
}

/// Summarises positions `start..start + len`. `original` and `decompressed` are the whole
/// fields (same length, at least `start + len`), so that the lag-1 pair straddling the
/// chunk's first position is counted, by this chunk and no other.
fn summarise_chunk<T: Element>(original: &[T], decompressed: &[T], start: usize, len: usize) -> Summary {
    let mut s = Summary::default();
    let mut previous_error = match start.checked_sub(1) {
        Some(p) => usable_error(original[p], decompressed[p]),
        None => None,
    };
    let end = start + len;
    for (&xt, &yt) in original[start..end].iter().zip(&decompressed[start..end]) {
        let (x, y) = (xt.to_f64(), yt.to_f64());
        if !x.is_finite() {
            s.n_nonfinite += 1;
            if xt.to_bits_u64() != yt.to_bits_u64() {
                s.nonfinite_mismatches += 1;
            }
            previous_error = None;
            continue;
        }
        s.value_min = s.value_min.min(x);
        s.value_max = s.value_max.max(x);
        if !y.is_finite() {
            s.n_broken += 1;
            previous_error = None;
            continue;
        }
        let e = y - x;
        let abs_e = e.abs();
        s.max_abs_error = s.max_abs_error.max(abs_e);
        let pw_rel = if x != 0.0 {
            abs_e / x.abs()
        } else if y == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        s.max_pw_rel_error = s.max_pw_rel_error.max(pw_rel);
        s.sum_sq_error += e * e;
        s.values.push(x, y);
        s.error.push(e);
        if let Some(p) = previous_error {
            s.error_lag1.push(p, e);
        }
        previous_error = Some(e);
    }
    s
}

/// Summarises the whole field in one parallel pass. The caller checks that both slices
/// have the same length.
pub(crate) fn summarise<T: Element>(original: &[T], decompressed: &[T]) -> Summary {
    let n = original.len().min(decompressed.len());
    let n_chunks = n.div_ceil(CHUNK_VALUES);
    let partials: Vec<Summary> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let start = c * CHUNK_VALUES;
            let len = CHUNK_VALUES.min(n - start);
            summarise_chunk(original, decompressed, start, len)
        })
        .collect();
    partials.iter().fold(Summary::default(), |acc, part| acc.merge(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_pass_counts_every_lag_pair_once() {
        let n = 3 * CHUNK_VALUES + 17;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.01).sin()).collect();
        let y: Vec<f64> =
            x.iter().enumerate().map(|(i, v)| v + if i % 3 == 0 { 1e-3 } else { -1e-3 }).collect();
        let chunked = summarise(&x, &y);
        let whole = summarise_chunk(&x, &y, 0, n);
        assert_eq!(chunked.error_lag1.n, (n - 1) as u64);
        assert_eq!(whole.error_lag1.n, (n - 1) as u64);
        assert_eq!(chunked.values.n, n as u64);
        assert_eq!(chunked.max_abs_error, whole.max_abs_error);
        assert!((chunked.sum_sq_error - whole.sum_sq_error).abs() <= 1e-12 * whole.sum_sq_error);
    }

    #[test]
    fn non_finite_positions_break_lag_pairs() {
        let x = [1.0f32, f32::NAN, 2.0, 3.0, 4.0];
        let y = [1.5f32, f32::NAN, 2.5, f32::INFINITY, 4.5];
        let s = summarise(&x, &y);
        assert_eq!(s.n_nonfinite, 1);
        assert_eq!(s.nonfinite_mismatches, 0);
        assert_eq!(s.n_broken, 1);
        assert_eq!(s.n_valid(), 4);
        assert_eq!(s.values.n, 3);
        // pairs: (0,1) no, (1,2) no, (2,3) no, (3,4) no
        assert_eq!(s.error_lag1.n, 0);
        assert_eq!(s.value_min, 1.0);
        assert_eq!(s.value_max, 4.0);
    }
}
