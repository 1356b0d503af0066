//! Linear quantization for the ABS, REL and PSNR modes: bins of width `2 * abs_bound`
//! centred on `offset + k * step`.

use super::{Quantizer, Q_MAX};
use crate::bound::within_abs;
use crate::exact_math::round_half_away;
use crate::field::Element;

/// `code = round((x - offset) / step)`, `x' = offset + code * step`, `step = 2 * abs_bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearQuantizer {
    abs_bound: f64,
    step: f64,
    offset: f64,
    inv_step: f64,
}

impl LinearQuantizer {
    /// A quantizer for `|x - x'| <= abs_bound` around `offset` (the midpoint of the range
    /// keeps codes small). A zero bound makes every value that is not exactly `offset` an
    /// outlier (lossless).
    pub fn new(abs_bound: f64, offset: f64) -> Self {
        Self::from_stream(abs_bound, 2.0 * abs_bound, offset)
    }
    /// The quantizer a stream describes (its step is taken as stored, never recomputed).
    pub fn from_stream(abs_bound: f64, step: f64, offset: f64) -> Self {
        let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
        LinearQuantizer { abs_bound, step, offset, inv_step }
    }
    /// The absolute bound.
    pub fn abs_bound(&self) -> f64 {
        self.abs_bound
    }
    /// The bin width.
    pub fn step(&self) -> f64 {
        self.step
    }
    /// The value of code 0.
    pub fn offset(&self) -> f64 {
        self.offset
    }
}

impl Quantizer for LinearQuantizer {
    #[inline(always)]
    fn quantize<T: Element>(&self, x: T) -> (i32, bool) {
        let xf = x.to_f64();
        let u = (xf - self.offset) * self.inv_step;
        let in_range = u.abs() <= Q_MAX as f64; // false for NaN
        let u = if in_range { u } else { 0.0 };
        let code = round_half_away(u) as i32; // |u| <= Q_MAX: exact
        let rec = self.reconstruct::<T>(code).to_f64();
        let ok = in_range & within_abs(xf, rec, self.abs_bound);
        (if ok { code } else { 0 }, ok)
    }

    #[inline(always)]
    fn reconstruct<T: Element>(&self, code: i32) -> T {
        T::from_f64(self.offset + code as f64 * self.step)
    }

    fn as_linear(&self) -> Option<&LinearQuantizer> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_outliers() {
        let q = LinearQuantizer::new(0.5, 0.0);
        assert_eq!(q.quantize(0.0f64), (0, true));
        assert_eq!(q.quantize(1.0f64), (1, true));
        assert_eq!(q.quantize(-2.4f32), (-2, true));
        assert_eq!(q.reconstruct::<f64>(-3), -3.0);
        assert_eq!(q.quantize(f64::NAN), (0, false));
        assert_eq!(q.quantize(f32::INFINITY), (0, false));
        assert_eq!(q.quantize(1e30f64), (0, false), "beyond Q_MAX");
    }

    #[test]
    fn zero_bound_is_lossless_around_offset() {
        let q = LinearQuantizer::new(0.0, 7.0);
        assert_eq!(q.quantize(7.0f32), (0, true));
        assert!(!q.quantize(7.000001f32).1);
    }
}
