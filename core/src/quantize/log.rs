//! Logarithmic quantization for the point-wise relative (PW_REL) mode.
//!
//! A nonzero `x` maps to `l = log2|x|`, quantized in bins of width `step = 2 log2(1 + p)`
//! above `lmin` (the smallest `log2|x|` of the field): `m = round((l - lmin) / step) + 1`,
//! `code = sign(x) * m`. Code 0 is an exact zero, so zeros stay zeros and signs are kept
//! with no separate sign or zero plane; tiny values and subnormals are just small `l`.
//! `x' = sign * 2^(lmin + (m - 1) step)` has relative error at most `2^(step/2) - 1 = p`.
//! `-0.0` becomes an outlier so that its sign bit survives.

use super::{Quantizer, Q_MAX};
use crate::bound::within_pw_rel;
use crate::exact_math::{exp2, log2, round_half_away};
use crate::field::Element;

/// Point-wise relative quantizer; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogQuantizer {
    rel_bound: f64,
    step: f64,
    lmin: f64,
    inv_step: f64,
}

impl LogQuantizer {
    /// A quantizer for `|x - x'| <= rel_bound * |x|`; `min_abs` is the smallest nonzero
    /// finite `|x|` of the field (any positive value works; 1 when there is none).
    pub fn new(rel_bound: f64, min_abs: f64) -> Self {
        let lmin = if min_abs > 0.0 && min_abs.is_finite() { log2(min_abs) } else { 0.0 };
        Self::from_stream(rel_bound, 2.0 * log2(1.0 + rel_bound), lmin)
    }
    /// The quantizer a stream describes (step and lmin taken as stored).
    pub fn from_stream(rel_bound: f64, step: f64, lmin: f64) -> Self {
        let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
        LogQuantizer { rel_bound, step, lmin, inv_step }
    }
    /// The point-wise relative bound p.
    pub fn rel_bound(&self) -> f64 {
        self.rel_bound
    }
    /// The bin width in log2 units.
    pub fn step(&self) -> f64 {
        self.step
    }
    /// log2 of the smallest magnitude (the value of |code| = 1).
    pub fn lmin(&self) -> f64 {
        self.lmin
    }
}

impl Quantizer for LogQuantizer {
    #[inline(always)]
    fn quantize<T: Element>(&self, x: T) -> (i32, bool) {
        let xf = x.to_f64();
        if xf == 0.0 {
            return (0, !xf.is_sign_negative());
        }
        // log2 is NaN for +-Inf and NaN: the range test below refuses them.
        let u = (log2(xf.abs()) - self.lmin) * self.inv_step;
        if !(u >= -0.5 && u < (Q_MAX - 1) as f64) {
            return (0, false);
        }
        let m = round_half_away(u) as i32 + 1; // u in range: exact
        let code = if xf < 0.0 { -m } else { m };
        let rec = self.reconstruct::<T>(code).to_f64();
        if within_pw_rel(xf, rec, self.rel_bound) {
            (code, true)
        } else {
            (0, false)
        }
    }

    #[inline(always)]
    fn reconstruct<T: Element>(&self, code: i32) -> T {
        if code == 0 {
            return T::from_f64(0.0);
        }
        let m = code.unsigned_abs() as f64;
        let a = exp2(self.lmin + (m - 1.0) * self.step);
        T::from_f64(if code < 0 { -a } else { a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_signs_and_tiny_values() {
        let q = LogQuantizer::new(0.01, 1e-15);
        assert_eq!(q.quantize(0.0f64), (0, true));
        assert_eq!(q.quantize(-0.0f64), (0, false));
        assert_eq!(q.reconstruct::<f32>(0), 0.0);
        for &x in &[-1.4e-15f64, 1e-15, 0.233, -0.11789, 5.0] {
            let (c, ok) = q.quantize(x);
            assert!(ok);
            assert_eq!(c < 0, x < 0.0);
            let r = q.reconstruct::<f64>(c);
            assert!((r - x).abs() <= 0.01 * x.abs(), "{x} -> {r}");
        }
        assert_eq!(q.quantize(f64::NAN), (0, false));
        assert_eq!(q.quantize(f32::NEG_INFINITY), (0, false));
    }
}
