//! `plume eval`: quality metrics of a decompressed field against its original, or with
//! `--labels` the label error of two label arrays (see [`crate::eval_labels`]).

use std::path::PathBuf;

use clap::Args;
use plume_core::field::AnyValues;
use plume_core::metrics::{compare, max_error_over_bound, Metrics};
use plume_core::{Element, FieldView, Shape};
use serde::Serialize;

use crate::args::{join, FieldArgs};
use crate::error::{CliError, CliResult};
use crate::exec::{Exec, ThreadArgs};
use crate::io::{self, Field, FieldSpec, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The original field: a raw little-endian file or an HDF5 dataset `file.h5:/dset`
    /// (with --labels: the original labels, a raw .u8 file or a label stream).
    #[arg(value_name = "ORIGINAL")]
    pub original: String,
    /// The decompressed field, same dtype and dims (raw or HDF5). A raw operand next to an
    /// HDF5 one takes the dataset's dims and dtype when --dims/--dtype are not given.
    #[arg(value_name = "DECOMPRESSED")]
    pub decompressed: String,
    #[command(flatten)]
    pub field: FieldArgs,
    /// Compare two label arrays (one u8 class id per cell, or Plume label streams)
    /// instead of two fields: label error overall and per class, and the confusion matrix.
    #[arg(long, conflicts_with_all = ["compressed", "bound_abs"])]
    pub labels: bool,
    /// The compressed stream, for the compression ratio and bits per value (only its size
    /// is used).
    #[arg(long, value_name = "STREAM")]
    pub compressed: Option<PathBuf>,
    /// The absolute error bound to check against: adds max_error_over_bound
    /// (max_abs_error / X; at most 1 when every value met the bound).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub bound_abs: Option<f64>,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report of `plume eval`: every field of [`Metrics`], plus
/// `max_error_over_bound` with `--bound-abs`.
#[derive(Debug, Serialize)]
struct EvalJson<'a> {
    #[serde(flatten)]
    metrics: &'a Metrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_error_over_bound: Option<f64>,
}

/// Reads both operands. An HDF5 operand is read first so that a raw one can take its
/// dims and dtype when the user gave none.
fn read_pair(original: &Location, decompressed: &Location, spec: &FieldSpec) -> CliResult<(Field, Field)> {
    let fill = |known: &Field| FieldSpec {
        dims: spec.dims.clone().or_else(|| Some(known.shape.dims().to_vec())),
        dtype: spec.dtype.or(Some(known.dtype())),
        order: spec.order,
    };
    if decompressed.is_hdf5() && !original.is_hdf5() {
        let b = io::read_field(decompressed, spec)?;
        let a = io::read_field(original, &fill(&b))?;
        Ok((a, b))
    } else {
        let a = io::read_field(original, spec)?;
        let b = io::read_field(decompressed, &if original.is_hdf5() { fill(&a) } else { spec.clone() })?;
        Ok((a, b))
    }
}

/// Compares two fields of one element type.
fn compare_typed<T: Element>(
    a: &[T],
    shape: &Shape,
    b: &[T],
    compressed: Option<u64>,
) -> plume_core::Result<Metrics> {
    compare(FieldView::new(a, shape)?, b, compressed)
}

/// Runs `plume eval`.
pub fn run(args: &EvalArgs) -> CliResult<()> {
    if args.labels {
        return crate::eval_labels::run(args);
    }
    if let Some(x) = args.bound_abs.filter(|x| !x.is_finite() || *x < 0.0) {
        return Err(CliError::usage(format!("--bound-abs {x}: must be a finite number >= 0")));
    }
    let original = Location::parse(&args.original);
    let decompressed = Location::parse(&args.decompressed);
    let compressed_bytes = match &args.compressed {
        Some(path) => Some(std::fs::metadata(path).map_err(|e| CliError::io(path, &e))?.len()),
        None => None,
    };
    let mut progress = Progress::start(!args.json);
    progress.phase("reading the fields");
    let (a, b) = read_pair(&original, &decompressed, &args.field.spec())?;
    if a.dtype() != b.dtype() || a.shape.storage_dims() != b.shape.storage_dims() {
        return Err(CliError::usage(format!(
            "{original} ({}, dims {}) and {decompressed} ({}, dims {}) differ in dtype or dims",
            a.dtype().as_str(),
            join(a.shape.dims(), ","),
            b.dtype().as_str(),
            join(b.shape.dims(), ",")
        )));
    }

    let exec = Exec::new(&args.threads)?;
    progress.phase("computing metrics");
    let metrics = exec
        .install(|| match (&a.values, &b.values) {
            (AnyValues::F32(x), AnyValues::F32(y)) => compare_typed(x, &a.shape, y, compressed_bytes),
            (AnyValues::F64(x), AnyValues::F64(y)) => compare_typed(x, &a.shape, y, compressed_bytes),
            _ => Err(plume_core::Error::invalid("the two fields differ in dtype")),
        })
        .map_err(|e| CliError::core(format!("{original} vs {decompressed}"), &e))?;
    let over = args.bound_abs.map(|x| max_error_over_bound(&metrics, x));
    progress.finish();

    if args.json {
        return output::print_json(&EvalJson { metrics: &metrics, max_error_over_bound: over });
    }
    print_table(&metrics, over, &a);
    Ok(())
}

/// Prints every metric, then any field of [`Metrics`] this table does not know yet.
fn print_table(m: &Metrics, over: Option<f64>, field: &Field) {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), output::num);
    let mut t = Table::new();
    t.row(
        "field",
        format!(
            "{}, {}, order {}",
            field.dtype().as_str(),
            join(field.shape.dims(), "x"),
            field.shape.order().as_str()
        ),
    )
    .row("n_values", m.n_values.to_string())
    .row("original_bytes", output::bytes(m.original_bytes))
    .row("compressed_bytes", m.compressed_bytes.map_or_else(|| "-".to_string(), output::bytes))
    .row("compression_ratio", opt(m.compression_ratio))
    .row("bits_per_value", opt(m.bits_per_value))
    .row("value_min", output::num(m.value_min))
    .row("value_max", output::num(m.value_max))
    .row("value_range", output::num(m.value_range))
    .row("max_abs_error", output::num(m.max_abs_error))
    .row("max_pw_rel_error", output::num(m.max_pw_rel_error))
    .row("rmse", output::num(m.rmse))
    .row("nrmse", output::num(m.nrmse))
    .row("psnr_db", format!("{} dB", output::num(m.psnr_db)))
    .row("npme", output::num(m.npme))
    .row("ssim", output::num(m.ssim))
    .row("pearson", output::num(m.pearson))
    .row("error_autocorr_lag1", output::num(m.error_autocorr_lag1))
    .row("n_nonfinite", m.n_nonfinite.to_string())
    .row("nonfinite_mismatches", m.nonfinite_mismatches.to_string());
    const SHOWN: [&str; 19] = [
        "n_values",
        "original_bytes",
        "compressed_bytes",
        "compression_ratio",
        "bits_per_value",
        "value_min",
        "value_max",
        "value_range",
        "max_abs_error",
        "max_pw_rel_error",
        "rmse",
        "nrmse",
        "psnr_db",
        "npme",
        "ssim",
        "pearson",
        "error_autocorr_lag1",
        "n_nonfinite",
        "nonfinite_mismatches",
    ];
    if let Ok(serde_json::Value::Object(all)) = serde_json::to_value(m) {
        for (key, value) in all.iter().filter(|(k, _)| !SHOWN.contains(&k.as_str())) {
            t.row(key.clone(), value.to_string());
        }
    }
    if let Some(x) = over {
        t.row("max_error_over_bound", output::num(x));
    }
    t.print();
}
