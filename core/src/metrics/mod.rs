//! Quality metrics of a decompressed field against its original: the numbers the source
//! study reports (compression ratio, PSNR, SSIM, maximum point-wise error) and the ones
//! SZ, ZFP and QCAT users expect next to them.
//!
//! [`compare`] computes everything in one parallel pass over the data (plus one for
//! [`ssim`]), accumulating in f64. Values are scanned in fixed-size chunks whose partial
//! results are merged in chunk order, so a [`Metrics`] is bit-identical whatever the number
//! of rayon threads.
//!
//! # Non-finite values
//! A position is *valid* when its original value is finite; only valid positions enter the
//! numeric statistics. NaN and infinite originals are counted in
//! [`Metrics::n_nonfinite`], and those whose decompressed bits differ in
//! [`Metrics::nonfinite_mismatches`]. A valid position decompressed to NaN or infinity is a
//! broken reconstruction: the error metrics (`max_abs_error`, `max_pw_rel_error`, `rmse`,
//! `nrmse`, `npme`) are then +inf, `psnr_db` is -inf, and `pearson`,
//! `error_autocorr_lag1` and `ssim` are NaN.
//!
//! # Undefined values
//! With no valid position (an empty field, or only NaN/Inf), every f64 statistic is NaN.
//! Ratios follow IEEE arithmetic otherwise: on a constant original (`value_range == 0`)
//! `nrmse` and `npme` are NaN when the data is reproduced exactly and +inf otherwise.
//! NaN and infinities serialize as `null` with `serde_json`.

mod moments;
mod ssim;
mod summary;

pub use ssim::{ssim, DEFAULT_SSIM_WINDOW};

use crate::error::{Error, Result};
use crate::field::{Element, FieldView};

/// Quality of a decompressed field against its original. See the module docs for how
/// non-finite values and undefined statistics are reported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Metrics {
    /// Number of values in the field, non-finite ones included.
    pub n_values: u64,
    /// Size of the original values: `n_values * size_of::<T>()`.
    pub original_bytes: u64,
    /// Size of the compressed stream, when the caller gave it.
    pub compressed_bytes: Option<u64>,
    /// `original_bytes / compressed_bytes`; `None` without compressed bytes or when they
    /// are 0.
    pub compression_ratio: Option<f64>,
    /// `8 * compressed_bytes / n_values`; `None` without compressed bytes or values.
    pub bits_per_value: Option<f64>,
    /// Smallest finite original value.
    pub value_min: f64,
    /// Largest finite original value.
    pub value_max: f64,
    /// `value_max - value_min`.
    pub value_range: f64,
    /// `max |x' - x|` over valid positions.
    pub max_abs_error: f64,
    /// `max |x' - x| / |x|` over valid positions with `x != 0`; +inf when some `x == 0` is
    /// not reproduced as a zero (of either sign).
    pub max_pw_rel_error: f64,
    /// Root mean squared error over valid positions.
    pub rmse: f64,
    /// `rmse / value_range`.
    pub nrmse: f64,
    /// PSNR in dB, SZ's definition: `20 log10(value_range) - 10 log10(mse)`; +inf when
    /// `mse == 0`.
    pub psnr_db: f64,
    /// Normalised maximum pointwise error: `max_abs_error / value_range`.
    pub npme: f64,
    /// Mean windowed SSIM with [`DEFAULT_SSIM_WINDOW`] (see [`ssim`]).
    pub ssim: f64,
    /// Pearson correlation of original and decompressed values; NaN when either is
    /// constant.
    pub pearson: f64,
    /// Lag-1 autocorrelation of the error `e = x' - x` along memory order (Z-checker's
    /// estimator): `[sum (e[i]-m)(e[i+1]-m) / n_pairs] / [sum (e[i]-m)^2 / n]` with `m` the
    /// mean error, over pairs of memory-adjacent valid positions. NaN when the error is
    /// constant (identical data included) or there is no such pair.
    pub error_autocorr_lag1: f64,
    /// Number of NaN or infinite values in the original.
    pub n_nonfinite: u64,
    /// Number of positions whose original is NaN or infinite and whose decompressed value
    /// has different bits.
    pub nonfinite_mismatches: u64,
}

/// Compares `decompressed` with `original`, value by value, in memory order.
///
/// Takes the original field, the decompressed values (same length and memory order) and,
/// optionally, the compressed stream's size in bytes (for the ratio and bits per value).
/// Returns the [`Metrics`]; SSIM uses windows of [`DEFAULT_SSIM_WINDOW`] over the storage
/// dims. Deterministic: the result does not depend on the number of rayon threads.
///
/// Fails with `InvalidArgument` when `decompressed.len()` differs from the field's value
/// count.
pub fn compare<T: Element>(
    original: FieldView<'_, T>,
    decompressed: &[T],
    compressed_bytes: Option<u64>,
) -> Result<Metrics> {
    let x = original.values();
    check_same_len(x.len(), decompressed.len())?;
    let s = summary::summarise(x, decompressed);

    let n_values = x.len() as u64;
    let original_bytes = n_values.saturating_mul(T::DTYPE.size_bytes() as u64);
    let compression_ratio = compressed_bytes.filter(|&c| c > 0).map(|c| original_bytes as f64 / c as f64);
    let bits_per_value = compressed_bytes.filter(|_| n_values > 0).map(|c| 8.0 * c as f64 / n_values as f64);

    let mut m = Metrics {
        n_values,
        original_bytes,
        compressed_bytes,
        compression_ratio,
        bits_per_value,
        value_min: f64::NAN,
        value_max: f64::NAN,
        value_range: f64::NAN,
        max_abs_error: f64::NAN,
        max_pw_rel_error: f64::NAN,
        rmse: f64::NAN,
        nrmse: f64::NAN,
        psnr_db: f64::NAN,
        npme: f64::NAN,
        ssim: f64::NAN,
        pearson: f64::NAN,
        error_autocorr_lag1: f64::NAN,
        n_nonfinite: s.n_nonfinite,
        nonfinite_mismatches: s.nonfinite_mismatches,
    };
    if s.n_valid() == 0 {
        return Ok(m);
    }
    let range = s.value_max - s.value_min;
    m.value_min = s.value_min;
    m.value_max = s.value_max;
    m.value_range = range;
    if s.n_broken > 0 {
        m.max_abs_error = f64::INFINITY;
        m.max_pw_rel_error = f64::INFINITY;
        m.rmse = f64::INFINITY;
        m.nrmse = f64::INFINITY;
        m.npme = f64::INFINITY;
        m.psnr_db = f64::NEG_INFINITY;
        return Ok(m);
    }
    let mse = s.sum_sq_error / s.values.n as f64;
    m.max_abs_error = s.max_abs_error;
    m.max_pw_rel_error = s.max_pw_rel_error;
    m.rmse = mse.sqrt();
    m.nrmse = m.rmse / range;
    m.npme = s.max_abs_error / range;
    m.psnr_db = psnr_db(range, mse);
    m.pearson = s.values.correlation();
    m.error_autocorr_lag1 = lag1_autocorrelation(&s);
    let dims = original.shape().storage_dims();
    m.ssim = ssim::windowed_ssim(x, decompressed, &dims, DEFAULT_SSIM_WINDOW, range);
    Ok(m)
}

/// How much of the absolute error bound the worst value used: `max_abs_error / abs_bound`.
///
/// Takes metrics from [`compare`] and the absolute bound the compressor was given. Returns
/// a value `<= 1` exactly when every valid value met the bound (0 for a lossless result,
/// also under a zero bound; +inf when a zero bound was missed); NaN when `abs_bound` is
/// negative or NaN, or when `max_abs_error` is NaN (no valid value). Never fails.
pub fn max_error_over_bound(m: &Metrics, abs_bound: f64) -> f64 {
    if abs_bound.is_nan() || abs_bound < 0.0 {
        return f64::NAN;
    }
    if m.max_abs_error == 0.0 {
        return 0.0;
    }
    m.max_abs_error / abs_bound
}

/// SZ's PSNR: `20 log10(range) - 10 log10(mse)`, +inf when `mse == 0`.
fn psnr_db(range: f64, mse: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        20.0 * range.log10() - 10.0 * mse.log10()
    }
}

/// Z-checker's lag-1 autocorrelation of the error from the pass's moments:
/// `[sum_pairs (a - m)(b - m) / n_pairs] / [sum (e - m)^2 / n]`, `m` the mean error over all
/// valid positions. The pairs' sum about `m` is rebuilt from their own centred moments:
/// `c_ab + n_pairs (mean_a - m)(mean_b - m)`.
fn lag1_autocorrelation(s: &summary::Summary) -> f64 {
    let pairs = &s.error_lag1;
    let e = &s.error;
    if pairs.n == 0 || e.n == 0 {
        return f64::NAN;
    }
    let n_pairs = pairs.n as f64;
    let covariance = (pairs.c_ab + n_pairs * (pairs.mean_a - e.mean) * (pairs.mean_b - e.mean)) / n_pairs;
    let variance = e.m2 / e.n as f64;
    covariance / variance
}

/// `InvalidArgument` naming both lengths unless they are equal.
pub(crate) fn check_same_len(original_len: usize, decompressed_len: usize) -> Result<()> {
    if original_len == decompressed_len {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "decompressed data holds {decompressed_len} values, the original field holds \
             {original_len}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::field::{Order, Shape};

    fn ramp(n: usize) -> Vec<f64> {
        // multiples of 1/4: every sum and difference below is exact
        (0..n).map(|i| i as f64 * 0.25).collect()
    }

    #[test]
    fn identical_data_is_perfect() -> Result<()> {
        let shape = Shape::new(&[10, 12, 14], Order::C)?;
        let x: Vec<f32> = (0..shape.n_values()).map(|i| (i as f32 * 0.02).sin() * 5.0 + 300.0).collect();
        let m = compare(FieldView::new(&x, &shape)?, &x, Some(420))?;
        assert_eq!(m.n_values, 1680);
        assert_eq!(m.original_bytes, 1680 * 4);
        assert_eq!(m.compression_ratio, Some(1680.0 * 4.0 / 420.0));
        assert_eq!(m.bits_per_value, Some(2.0));
        assert_eq!(m.max_abs_error, 0.0);
        assert_eq!(m.max_pw_rel_error, 0.0);
        assert_eq!(m.rmse, 0.0);
        assert_eq!(m.psnr_db, f64::INFINITY);
        assert_eq!(m.ssim, 1.0);
        assert_eq!(m.pearson, 1.0);
        assert!(m.error_autocorr_lag1.is_nan());
        assert_eq!(m.n_nonfinite, 0);
        assert_eq!(max_error_over_bound(&m, 1e-3), 0.0);
        Ok(())
    }

    #[test]
    fn known_perturbation_gives_exact_errors() -> Result<()> {
        let eb = 0.5;
        let n = 64;
        let shape = Shape::new(&[8, 8], Order::C)?;
        let x = ramp(n);
        let y: Vec<f64> = x.iter().enumerate().map(|(i, v)| if i % 2 == 0 { v + eb } else { *v }).collect();
        let m = compare(FieldView::new(&x, &shape)?, &y, None)?;
        let range = 63.0 * 0.25;
        let mse = eb * eb / 2.0;
        assert_eq!(m.value_min, 0.0);
        assert_eq!(m.value_max, range);
        assert_eq!(m.value_range, range);
        assert_eq!(m.max_abs_error, eb);
        assert_eq!(m.rmse, mse.sqrt());
        assert_eq!(m.nrmse, mse.sqrt() / range);
        assert_eq!(m.npme, eb / range);
        let psnr = 20.0 * range.log10() - 10.0 * mse.log10();
        assert!((m.psnr_db - psnr).abs() < 1e-12, "{} vs {psnr}", m.psnr_db);
        // x = 0 at position 0 is decompressed to 0.5: point-wise relative error is infinite
        assert_eq!(m.max_pw_rel_error, f64::INFINITY);
        // errors alternate eb, 0, eb, 0: perfectly anti-correlated at lag 1
        assert!((m.error_autocorr_lag1 + 1.0).abs() < 1e-12);
        assert!(m.pearson > 0.99 && m.pearson < 1.0);
        assert!(m.ssim < 1.0);
        assert_eq!(max_error_over_bound(&m, eb), 1.0);
        assert_eq!(max_error_over_bound(&m, 2.0 * eb), 0.5);
        assert!(max_error_over_bound(&m, -1.0).is_nan());
        assert_eq!(max_error_over_bound(&m, 0.0), f64::INFINITY);
        assert_eq!(m.compression_ratio, None);
        assert_eq!(m.bits_per_value, None);
        Ok(())
    }

    #[test]
    fn point_wise_relative_error_with_zeros() -> Result<()> {
        let shape = Shape::new(&[5], Order::C)?;
        let x = [0.0f64, 1.0, -2.0, -0.0, 4.0];
        let field = FieldView::new(&x, &shape)?;
        let y = [-0.0f64, 1.5, -2.5, 0.0, 4.0];
        let m = compare(field, &y, None)?;
        assert_eq!(m.max_pw_rel_error, 0.5);
        assert_eq!(m.max_abs_error, 0.5);
        let y = [1e-300f64, 1.0, -2.0, 0.0, 4.0];
        let m = compare(field, &y, None)?;
        assert_eq!(m.max_pw_rel_error, f64::INFINITY);
        assert_eq!(m.max_abs_error, 1e-300);
        Ok(())
    }

    #[test]
    fn non_finite_values_are_counted_and_excluded() -> Result<()> {
        let shape = Shape::new(&[6], Order::C)?;
        let x = [1.0f32, f32::NAN, 3.0, f32::INFINITY, 5.0, f32::NEG_INFINITY];
        let field = FieldView::new(&x, &shape)?;
        let y = [1.0f32, f32::NAN, 3.5, f32::NEG_INFINITY, 5.0, f32::NEG_INFINITY];
        let m = compare(field, &y, Some(6))?;
        assert_eq!(m.n_nonfinite, 3);
        assert_eq!(m.nonfinite_mismatches, 1);
        assert_eq!(m.value_min, 1.0);
        assert_eq!(m.value_max, 5.0);
        assert_eq!(m.max_abs_error, 0.5);
        assert_eq!(m.rmse, (0.25f64 / 3.0).sqrt());
        assert!(m.psnr_db.is_finite());

        // a different NaN payload is a mismatch
        let other_nan = f32::from_bits(f32::NAN.to_bits() ^ 1);
        let y2 = [1.0f32, other_nan, 3.0, f32::INFINITY, 5.0, f32::NEG_INFINITY];
        assert_eq!(compare(field, &y2, None)?.nonfinite_mismatches, 1);

        // a finite value decompressed to NaN breaks the error metrics
        let y3 = [f32::NAN, f32::NAN, 3.0, f32::INFINITY, 5.0, f32::NEG_INFINITY];
        let m = compare(field, &y3, None)?;
        assert_eq!(m.max_abs_error, f32::INFINITY as f64);
        assert_eq!(m.rmse, f64::INFINITY);
        assert_eq!(m.psnr_db, f64::NEG_INFINITY);
        assert!(m.pearson.is_nan() && m.ssim.is_nan());
        assert_eq!(m.value_range, 4.0);
        Ok(())
    }

    #[test]
    fn empty_and_all_nan_fields_are_undefined() -> Result<()> {
        let shape = Shape::new(&[0, 3], Order::C)?;
        let x: Vec<f64> = Vec::new();
        let m = compare(FieldView::new(&x, &shape)?, &x, Some(40))?;
        assert_eq!(m.n_values, 0);
        assert_eq!(m.original_bytes, 0);
        assert_eq!(m.compression_ratio, Some(0.0));
        assert_eq!(m.bits_per_value, None);
        assert!(m.max_abs_error.is_nan() && m.psnr_db.is_nan() && m.ssim.is_nan());
        assert!(m.value_range.is_nan());

        let shape = Shape::new(&[2], Order::C)?;
        let x = [f64::NAN, f64::NAN];
        let m = compare(FieldView::new(&x, &shape)?, &x, Some(0))?;
        assert_eq!(m.n_nonfinite, 2);
        assert_eq!(m.nonfinite_mismatches, 0);
        assert_eq!(m.compression_ratio, None);
        assert!(m.rmse.is_nan());
        Ok(())
    }

    #[test]
    fn length_mismatch_names_both_lengths() -> Result<()> {
        let shape = Shape::new(&[4], Order::C)?;
        let x = [1.0f64, 2.0, 3.0, 4.0];
        let Err(e) = compare(FieldView::new(&x, &shape)?, &x[..3], None) else {
            panic!("a length mismatch must fail");
        };
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains('3') && e.message().contains('4'), "{e}");
        Ok(())
    }

    #[test]
    fn serializes_to_json() -> Result<()> {
        let shape = Shape::new(&[3], Order::C)?;
        let x = [1.0f64, 2.0, 3.0];
        let m = compare(FieldView::new(&x, &shape)?, &x, Some(3))?;
        let json = serde_json::to_string(&m).map_err(|e| Error::invalid(e.to_string()))?;
        assert!(json.contains("\"max_abs_error\":0.0"), "{json}");
        assert!(json.contains("\"psnr_db\":null"), "{json}");
        Ok(())
    }

    #[test]
    fn same_result_for_one_and_two_threads() -> Result<()> {
        let shape = Shape::new(&[16, 90, 200], Order::Fortran)?;
        let x: Vec<f32> = (0..shape.n_values()).map(|i| (i as f32 * 0.001).sin() * 1500.0 + 800.0).collect();
        let y: Vec<f32> =
            x.iter().enumerate().map(|(i, v)| v + ((i * 7919) % 101) as f32 * 1e-3 - 0.05).collect();
        let field = FieldView::new(&x, &shape)?;
        let run = |threads: usize| -> Result<String> {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::invalid(e.to_string()))?;
            let m = pool.install(|| compare(field, &y, Some(1000)))?;
            Ok(format!("{m:?}"))
        };
        let one = run(1)?;
        assert_eq!(one, run(2)?);
        assert_eq!(one, run(3)?);
        Ok(())
    }
}
