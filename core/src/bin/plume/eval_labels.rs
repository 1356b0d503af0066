//! `plume eval --labels`: label error of recomputed labels against reference labels
//! (per class and overall) and the 5x5 confusion matrix.

use std::path::Path;

use plume_core::label::{decompress_labels, label_error, Class, LabelError, N_CLASSES};
use plume_core::Shape;
use serde::Serialize;

use crate::args::join;
use crate::error::{CliError, CliResult};
use crate::eval::EvalArgs;
use crate::exec::Exec;
use crate::io;
use crate::output::{self, Table};

/// The `--json` report of `plume eval --labels`: every field of [`LabelError`] plus the
/// dims and the class names in id order.
#[derive(Debug, Serialize)]
struct LabelEvalJson<'a> {
    dims: &'a [usize],
    order: &'static str,
    classes: Vec<&'static str>,
    #[serde(flatten)]
    error: &'a LabelError,
}

/// Reads a label array: a Plume label stream (recognised by its magic; its own dims) or
/// a raw `.u8` file of one id per cell (needs `dims`).
pub fn read_labels(path: &Path, dims: Option<&Shape>) -> CliResult<(Vec<u8>, Option<Shape>)> {
    let bytes = io::read_bytes(path)?;
    if bytes.starts_with(b"PLUM") {
        let (labels, shape) =
            decompress_labels(&bytes).map_err(|e| CliError::core(path.display().to_string(), &e))?;
        return Ok((labels, Some(shape)));
    }
    let shape = dims.ok_or_else(|| {
        CliError::usage(format!("{}: --dims is required for a raw label file", path.display()))
    })?;
    if bytes.len() != shape.n_values() {
        return Err(CliError::usage(format!(
            "{}: the file holds {} bytes, but --dims {} needs {} (one u8 class id per cell)",
            path.display(),
            bytes.len(),
            join(shape.dims(), ","),
            shape.n_values()
        )));
    }
    Ok((bytes, None))
}

/// Runs `plume eval --labels ORIGINAL RECOMPUTED`.
pub fn run(args: &EvalArgs) -> CliResult<()> {
    if args.field.dtype.is_some() {
        return Err(CliError::usage("--dtype: label files are u8 class ids; drop --dtype with --labels"));
    }
    let given = match &args.field.dims {
        Some(d) => Some(Shape::new(&d.0, args.field.order.into()).map_err(|e| CliError::core("--dims", &e))?),
        None => None,
    };
    let (a_path, b_path) = (Path::new(&args.original), Path::new(&args.decompressed));
    let (a, a_shape) = read_labels(a_path, given.as_ref())?;
    let (b, b_shape) = read_labels(b_path, given.as_ref().or(a_shape.as_ref()))?;
    let shape = given
        .or(a_shape.clone())
        .or(b_shape.clone())
        .ok_or_else(|| CliError::usage("--dims is required for raw label files"))?;
    for (path, s) in [(a_path, &a_shape), (b_path, &b_shape)] {
        if let Some(s) = s.as_ref().filter(|s| s.storage_dims() != shape.storage_dims()) {
            return Err(CliError::usage(format!(
                "{}: label stream of dims {} does not match dims {}",
                path.display(),
                join(s.dims(), ","),
                join(shape.dims(), ",")
            )));
        }
    }
    let exec = Exec::new(&args.threads)?;
    let error = exec
        .install(|| label_error(&a, &b))
        .map_err(|e| CliError::core(format!("{} vs {}", a_path.display(), b_path.display()), &e))?;
    if args.json {
        return output::print_json(&LabelEvalJson {
            dims: shape.dims(),
            order: shape.order().as_str(),
            classes: Class::ALL.iter().map(|c| c.name()).collect(),
            error: &error,
        });
    }
    let pct = |f: f64| if f.is_nan() { "-".to_string() } else { format!("{}%", output::num(100.0 * f)) };
    let mut t = Table::new();
    t.row("labels", format!("{}, order {}", join(shape.dims(), "x"), shape.order().as_str()))
        .row("n_cells", error.n_cells.to_string())
        .row("changed", error.n_changed.to_string())
        .row("label error", pct(error.error_fraction));
    for c in &error.per_class {
        t.row(
            format!("{} {}", c.class.id(), c.class.name()),
            format!("{} ({} of {} changed)", pct(c.error_fraction), c.n_changed, c.n_cells),
        );
    }
    let header: String = (0..N_CLASSES).map(|c| format!("{c:>10}")).collect();
    t.row("confusion (row: original, col: recomputed)", header);
    for (r, row) in error.confusion.iter().enumerate() {
        t.row(
            format!("  {r} {}", Class::ALL[r].name()),
            row.iter().map(|v| format!("{v:>10}")).collect::<String>(),
        );
    }
    t.print();
    Ok(())
}
