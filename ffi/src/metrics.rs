//! `plume_metrics`: the quality of a decompressed field against its original, read by
//! name (`"psnr_db"`, `"max_abs_error"`, ...) so that adding a metric never changes the ABI.

use std::ffi::c_char;

use plume_core::metrics::Metrics;

use crate::handle::{arg_ref, arg_str, check_out, free_handle, write_out, Fail, FfiResult, LastError};
use crate::panic::boundary;
use crate::status::plume_status::{self, PLUME_ERR_NULL_POINTER, PLUME_ERR_PANIC};

/// Names of the metrics, in `plume_metrics_name` order (each NUL-terminated).
const NAMES: &[&std::ffi::CStr] = &[
    c"n_values",
    c"original_bytes",
    c"compressed_bytes",
    c"compression_ratio",
    c"bits_per_value",
    c"value_min",
    c"value_max",
    c"value_range",
    c"max_abs_error",
    c"max_pw_rel_error",
    c"rmse",
    c"nrmse",
    c"psnr_db",
    c"npme",
    c"ssim",
    c"pearson",
    c"error_autocorr_lag1",
    c"n_nonfinite",
    c"nonfinite_mismatches",
];

/// Quality metrics of one comparison, made by `plume_codec_compare_f32/_f64`, freed with
/// `plume_metrics_free`. Immutable: the getters are thread-safe.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct plume_metrics {
    values: Vec<f64>,
    last_error: LastError,
}

/// Every metric with its name, in `NAMES` order (undefined ones NaN).
pub(crate) fn named_values(m: Metrics) -> Vec<(&'static str, f64)> {
    let values = plume_metrics::values_of(m);
    NAMES.iter().map(|n| n.to_str().unwrap_or("")).zip(values).collect()
}

impl plume_metrics {
    pub(crate) fn new(m: Metrics) -> Self {
        plume_metrics { values: Self::values_of(m), last_error: LastError::default() }
    }

    fn values_of(m: Metrics) -> Vec<f64> {
        let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
        let values = vec![
            m.n_values as f64,
            m.original_bytes as f64,
            opt(m.compressed_bytes.map(|b| b as f64)),
            opt(m.compression_ratio),
            opt(m.bits_per_value),
            m.value_min,
            m.value_max,
            m.value_range,
            m.max_abs_error,
            m.max_pw_rel_error,
            m.rmse,
            m.nrmse,
            m.psnr_db,
            m.npme,
            m.ssim,
            m.pearson,
            m.error_autocorr_lag1,
            m.n_nonfinite as f64,
            m.nonfinite_mismatches as f64,
        ];
        debug_assert_eq!(values.len(), NAMES.len());
        values
    }
}

/// Frees a metrics object. NULL does nothing. Not thread-safe with other uses of the same
/// handle: no other thread may use it during or after this call.
#[no_mangle]
pub unsafe extern "C" fn plume_metrics_free(metrics: *mut plume_metrics) {
    // SAFETY: NULL or from plume_codec_compare_*, freed once (the caller's contract).
    boundary((), std::panic::AssertUnwindSafe(|| unsafe { free_handle(metrics) }))
}

/// Writes the metric called `name` to `*out`. Names: `n_values`, `original_bytes`,
/// `compressed_bytes`, `compression_ratio`, `bits_per_value`, `value_min`, `value_max`,
/// `value_range`, `max_abs_error`, `max_pw_rel_error`, `rmse`, `nrmse`, `psnr_db`,
/// `npme`, `ssim`, `pearson`, `error_autocorr_lag1`, `n_nonfinite`,
/// `nonfinite_mismatches` (list them with `plume_metrics_count`/`plume_metrics_name`).
/// Counts are exact up to 2^53. An undefined metric is NaN (the ratio without a
/// compressed size, statistics of a field with no finite value; see plume-core's
/// `metrics` docs). Unknown `name`: `PLUME_ERR_INVALID_ARGUMENT` (message in
/// `plume_metrics_last_error`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_metrics_get(
    metrics: *const plume_metrics,
    name: *const c_char,
    out: *mut f64,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle (the caller's contract).
        let Ok(m) = (unsafe { arg_ref(metrics, "metrics") }) else { return PLUME_ERR_NULL_POINTER };
        m.last_error.record(|| {
            // SAFETY: NULL or a NUL-terminated string.
            let name = unsafe { arg_str(name, "name") }?;
            check_out(out, "out")?;
            let i = NAMES.iter().position(|n| n.to_bytes() == name.as_bytes()).ok_or_else(|| {
                Fail::invalid(format!("unknown metric '{name}' (plume_metrics_name lists them)"))
            })?;
            // SAFETY: checked non-NULL.
            unsafe { write_out(out, m.values[i]) };
            Ok(())
        })
    })
}

/// Writes the number of metrics to `*out`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_metrics_count(metrics: *const plume_metrics, out: *mut usize) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        let body = || -> FfiResult<()> {
            // SAFETY: NULL or a live handle.
            unsafe { arg_ref(metrics, "metrics") }?;
            check_out(out, "out")?;
            // SAFETY: checked non-NULL.
            unsafe { write_out(out, NAMES.len()) };
            Ok(())
        };
        body().map_or_else(|f| f.status, |()| plume_status::PLUME_OK)
    })
}

/// Writes the name of metric `index` (0-based, below `plume_metrics_count`) to `*out`: a
/// static string, never to be freed. `PLUME_ERR_INVALID_ARGUMENT` for an index out of
/// range. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_metrics_name(
    metrics: *const plume_metrics,
    index: usize,
    out: *mut *const c_char,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle (the caller's contract).
        let Ok(m) = (unsafe { arg_ref(metrics, "metrics") }) else { return PLUME_ERR_NULL_POINTER };
        m.last_error.record(|| {
            check_out(out, "out")?;
            let name = NAMES
                .get(index)
                .ok_or_else(|| Fail::invalid(format!("metric index {index}: there are {}", NAMES.len())))?;
            // SAFETY: checked non-NULL.
            unsafe { write_out(out, name.as_ptr()) };
            Ok(())
        })
    })
}

/// The message of the most recent failed call on `metrics`, or `""`. Never NULL; owned
/// by the handle, valid until its next failing call or `plume_metrics_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_metrics_last_error(metrics: *const plume_metrics) -> *const c_char {
    boundary(c"internal panic".as_ptr(), || {
        // SAFETY: NULL or a live handle (the caller's contract).
        match unsafe { metrics.as_ref() } {
            Some(m) => m.last_error.as_ptr(),
            None => c"metrics is NULL".as_ptr(),
        }
    })
}
