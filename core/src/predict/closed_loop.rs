//! Closed-loop multilevel cubic interpolation (SZ3's scheme): each value is predicted from
//! the *reconstructed* values of the points decoded before it, and the prediction error is
//! quantized, so the only noise in a prediction is the anchors' reconstruction error. (The
//! open-loop [`super::InterpolationPredictor`] predicts quantized codes from quantized codes,
//! which adds the target's own quantization noise: 15-22% less ratio at rel 1e-2 on the
//! SPERR fields, core/benches/README.md.)
//!
//! Quantization and prediction are therefore one step here, for the linear quantizer only
//! (ABS, REL, PSNR, target ratio). Points are visited in the passes of
//! [`super::interp`] (coarsest stride first, one pass per axis); within a block, point `i`:
//!
//! ```text
//! pred  = the stencil's f64 prediction from rec[] (the origin: the quantizer's offset)
//! u     = (x - pred) * inv_step;  code = round_half_away(u)   when |u| <= Q_MAX
//! rec   = pred + code * step      (f64; the decoded value is rec rounded to the element type)
//! ```
//!
//! A value is an outlier (code 0, stored losslessly) when `u` is out of range or not finite,
//! or when the rounded reconstruction misses the bound; its anchor `rec` is then the value
//! itself when finite, else the quantizer's offset. The decoder repeats exactly these f64
//! operations, so both sides hold the same `rec` (FORMAT.md, predictor 4).

use super::interp::{pad4, passes, visit_pass, Stencil};
use crate::bound::within_abs;
use crate::exact_math::round_half_away;
use crate::field::Element;
use crate::quantize::{LinearQuantizer, Q_MAX};

/// The anchor value of an outlier `x`.
#[inline(always)]
fn outlier_anchor(x: f64, offset: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        offset
    }
}

/// Quantizes and predicts one block: `values` (block-local C order, `dims`) -> `codes`
/// (the residual codes) and `outliers` (block-local index, value) in increasing index
/// order. `rec` is scratch (resized to the block).
pub fn encode<T: Element>(
    q: &LinearQuantizer,
    values: &[T],
    dims: &[usize],
    codes: &mut [i32],
    outliers: &mut Vec<(u32, T)>,
    rec: &mut Vec<f64>,
) {
    debug_assert_eq!(values.len(), codes.len());
    let (step, offset, eb) = (q.step(), q.offset(), q.abs_bound());
    let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
    rec.clear();
    rec.resize(values.len(), 0.0);
    let first_outlier = outliers.len();
    let visit = |rec: &mut [f64], i: usize, pred: f64| {
        let x = values[i].to_f64();
        let u = (x - pred) * inv_step;
        let in_range = u.abs() <= Q_MAX as f64; // false for NaN
        let code = if in_range { round_half_away(u) as i32 } else { 0 };
        let r = pred + code as f64 * step;
        if in_range && within_abs(x, T::from_f64(r).to_f64(), eb) {
            codes[i] = code;
            rec[i] = r;
        } else {
            codes[i] = 0;
            rec[i] = outlier_anchor(x, offset);
            outliers.push((i as u32, values[i]));
        }
    };
    walk(dims, rec, offset, visit);
    outliers[first_outlier..].sort_unstable_by_key(|o| o.0);
}

/// Visits every point of a block in the predictor's order (FORMAT.md) with its prediction
/// from the reconstructions before it: the first point is predicted as `first`; `visit`
/// sets `rec[i]`.
fn walk(dims: &[usize], rec: &mut [f64], first: f64, mut visit: impl FnMut(&mut [f64], usize, f64)) {
    if rec.is_empty() {
        return;
    }
    visit(rec, 0, first);
    let d4 = pad4(dims);
    for (s, k) in passes(&d4) {
        visit_pass(&d4, s, k, true, |i, stencil: Stencil, d| {
            let pred = stencil.predict_f64(rec, i, d);
            visit(rec, i, pred);
        });
    }
}

/// Reconstructs one block from its residual `codes` and `outliers` (increasing index
/// order, as stored) into `rec` (resized to the block): the decoded value of point `i` is
/// `T::from_f64(rec[i])`, and the outliers' own values. `is_outlier` is scratch.
pub fn decode<T: Element>(
    q: &LinearQuantizer,
    codes: &[i32],
    outliers: &[(u32, T)],
    dims: &[usize],
    rec: &mut Vec<f64>,
    is_outlier: &mut Vec<bool>,
) {
    let (step, offset) = (q.step(), q.offset());
    rec.clear();
    rec.resize(codes.len(), 0.0);
    is_outlier.clear();
    is_outlier.resize(codes.len(), false);
    for &(i, _) in outliers {
        // indices were checked against the block volume when the payload was read
        is_outlier[i as usize] = true;
    }
    let visit = |rec: &mut [f64], i: usize, pred: f64| {
        rec[i] = if is_outlier[i] {
            // outliers come in index order but are visited in pass order: look it up
            let x = match outliers.binary_search_by_key(&(i as u32), |o| o.0) {
                Ok(j) => outliers[j].1.to_f64(),
                Err(_) => unreachable!("marked outlier {i} is in the list"),
            };
            outlier_anchor(x, offset)
        } else {
            pred + codes[i] as f64 * step
        };
    };
    walk(dims, rec, offset, visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(dims: &[usize]) -> Vec<f32> {
        let n: usize = dims.iter().product();
        (0..n)
            .map(|i| {
                let t = i as f32;
                (0.013 * t).sin() * 40.0 + (0.0007 * t * t).cos() + if i % 97 == 5 { 1e30 } else { 0.0 }
            })
            .collect()
    }

    #[test]
    fn decode_inverts_encode_within_the_bound() {
        for dims in [vec![1usize], vec![2], vec![17], vec![5, 9], vec![12, 8, 8], vec![3, 1, 7, 5]] {
            let mut values = field(&dims);
            values[dims.iter().product::<usize>() / 2] = f32::NAN;
            let q = LinearQuantizer::new(0.01, 0.5);
            let n = values.len();
            let (mut codes, mut outliers, mut rec) = (vec![0; n], Vec::new(), Vec::new());
            encode(&q, &values, &dims, &mut codes, &mut outliers, &mut rec);
            let enc_rec = rec.clone();
            assert!(outliers.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
            let mut mask = Vec::new();
            decode(&q, &codes, &outliers, &dims, &mut rec, &mut mask);
            assert_eq!(
                rec.iter().map(|r| r.to_bits()).collect::<Vec<_>>(),
                enc_rec.iter().map(|r| r.to_bits()).collect::<Vec<_>>(),
                "{dims:?}"
            );
            let out: std::collections::HashMap<u32, f32> = outliers.iter().copied().collect();
            for (i, &x) in values.iter().enumerate() {
                let y = out.get(&(i as u32)).copied().unwrap_or(rec[i] as f32);
                if x.is_nan() {
                    assert!(y.is_nan());
                } else {
                    assert!((f64::from(x) - f64::from(y)).abs() <= 0.01, "{dims:?} at {i}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn closed_loop_residuals_are_smaller_than_open_loop_on_smooth_data() {
        let dims = [40usize, 48];
        let values: Vec<f64> =
            (0..40 * 48).map(|i| ((i / 48) as f64 * 0.11).sin() * ((i % 48) as f64 * 0.07).cos()).collect();
        let q = LinearQuantizer::new(1e-3, 0.0);
        let (mut codes, mut outliers, mut rec) = (vec![0; values.len()], Vec::new(), Vec::new());
        encode(&q, &values, &dims, &mut codes, &mut outliers, &mut rec);
        let mut open: Vec<i32> = values.iter().map(|&x| (x / 2e-3).round() as i32).collect();
        super::super::PredictorKind::InterpCubic.forward(&mut open, &dims);
        let (closed, open) = (super::super::estimated_bits(&codes), super::super::estimated_bits(&open));
        assert!(outliers.is_empty());
        assert!(closed < open, "closed loop {closed} bits, open loop {open} bits");
    }
}
