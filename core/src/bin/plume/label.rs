//! `plume label`: flame-regime labels (one class id per cell) from Y_H2, Y_O2, Y_H2O and Z
//! (supplied, or Bilger's from the species), see `plume_core::label` and FORMAT.md "Labels".

use std::path::PathBuf;

use clap::Args;
use plume_core::field::AnyValues;
use plume_core::label::{
    class_counts, compress_labels, label_field, Bilger, Class, Composition, LabelGrid, LabelParams, Labels,
    Species, SpeciesFields, ZInput,
};
use plume_core::{DType, Element, Shape};
use serde::Serialize;

use crate::args::{join, FieldArgs};
use crate::error::{CliError, CliResult};
use crate::exec::{Exec, ThreadArgs};
use crate::io::{self, Field, FieldSpec, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume label`.
#[derive(Args, Debug)]
pub struct LabelArgs {
    /// The label file to write: one class id (u8) per cell, same dims and order as the
    /// fields (0 premixed flame, 1 non-premixed flame, 2 pure fuel, 3 pure air, 4 unburned
    /// mixture).
    #[arg(value_name = "OUTPUT.u8")]
    pub output: PathBuf,
    #[command(flatten)]
    pub field: FieldArgs,
    /// Fuel mass fraction Y_H2 (raw file or `file.h5:/dset`).
    #[arg(long, value_name = "F")]
    pub yh2: String,
    /// Oxidizer mass fraction Y_O2.
    #[arg(long, value_name = "F")]
    pub yo2: String,
    /// Product mass fraction Y_H2O.
    #[arg(long, value_name = "F")]
    pub yh2o: String,
    /// Mixture fraction Z computed by the solver.
    #[arg(long, value_name = "F", required_unless_present = "bilger", conflicts_with = "bilger")]
    pub z: Option<String>,
    /// Compute Bilger's Z from Y_H2, Y_O2, Y_H2O and any --species.
    #[arg(long)]
    pub bilger: bool,
    /// A further species for --bilger, `NAME=F` (e.g. `OH=oh.f32`, `H2O2=h2o2.f32`);
    /// repeatable. Inerts (N2, AR) carry no H or O and may be left out.
    #[arg(long, value_name = "NAME=F", requires = "bilger")]
    pub species: Vec<String>,
    /// Fuel stream for --bilger, `NAME=Y,NAME=Y` mass fractions [default: H2=0.11789,N2=0.88211].
    #[arg(long, value_name = "NAME=Y,..", requires = "bilger")]
    pub fuel: Option<String>,
    /// Oxidizer stream for --bilger [default: O2=0.233,N2=0.767].
    #[arg(long, value_name = "NAME=Y,..", requires = "bilger")]
    pub oxidizer: Option<String>,
    /// Coordinates of an axis, `AXIS=FILE`: raw little-endian f64, one strictly increasing
    /// value per cell of that axis (non-uniform grids); repeatable. Unit spacing otherwise.
    #[arg(long, value_name = "AXIS=FILE")]
    pub coord: Vec<String>,
    /// Override a labeler threshold, `NAME=VALUE`; repeatable. Names: eps_z, h2o_frac,
    /// h2o_ref (a number or field_max), grad_h2o_min, flame_rule (product, gradient, both,
    /// either), fi_threshold, fi_grad_min.
    #[arg(long, value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Also write the labels as a compressed, lossless Plume label stream.
    #[arg(long, value_name = "FILE")]
    pub stream: Option<PathBuf>,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Label N times in-process and report the best time (benchmarks); I/O is never timed.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// One class in the report.
#[derive(Debug, Serialize)]
struct ClassShare {
    id: u8,
    class: Class,
    n_cells: u64,
    fraction: f64,
}

/// The label stream in the report.
#[derive(Debug, Serialize)]
struct StreamShare {
    path: String,
    bytes: u64,
    bits_per_cell: f64,
}

/// The `--json` report of `plume label`.
#[derive(Debug, Serialize)]
struct LabelJson<'a> {
    output: String,
    dtype: &'static str,
    dims: &'a [usize],
    order: &'static str,
    n_cells: u64,
    z_source: &'static str,
    z_stoich: f64,
    classes: Vec<ClassShare>,
    params: &'a LabelParams,
    threads: usize,
    seconds: f64,
    cells_per_s: f64,
    input_bytes: u64,
    input_gb_per_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<StreamShare>,
}

/// Splits `NAME=VALUE` for `flag`.
fn split_pair<'a>(flag: &str, arg: &'a str) -> CliResult<(&'a str, &'a str)> {
    arg.split_once('=')
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| CliError::usage(format!("{flag} '{arg}': expected NAME=VALUE")))
}

/// Parses a stream composition `NAME=Y,NAME=Y`.
fn parse_composition(flag: &str, text: &str) -> CliResult<Composition> {
    let mut pairs = Vec::new();
    for part in text.split(',') {
        let (name, y) = split_pair(flag, part)?;
        let y: f64 = y.parse().map_err(|_| CliError::usage(format!("{flag}: '{y}' is not a number")))?;
        pairs.push((name, y));
    }
    Composition::new(&pairs).map_err(|e| CliError::core(flag, &e))
}

/// The labeler's thresholds from `--set NAME=VALUE` flags and Bilger's Z from `--fuel` and
/// `--oxidizer` compositions (defaults: H2:N2 65:35 by volume, air).
pub(crate) fn labeler_setup(
    set: &[String],
    fuel: Option<&str>,
    oxidizer: Option<&str>,
) -> CliResult<(LabelParams, Bilger)> {
    let mut params = LabelParams::default();
    for s in set {
        params.set_item(s).map_err(|e| CliError::core(format!("--set {s}"), &e))?;
    }
    let bilger = Bilger::new(
        match fuel {
            Some(t) => parse_composition("--fuel", t)?,
            None => Composition::h2_n2_fuel(),
        },
        match oxidizer {
            Some(t) => parse_composition("--oxidizer", t)?,
            None => Composition::air(),
        },
    )
    .map_err(|e| CliError::core("--fuel/--oxidizer", &e))?;
    Ok((params, bilger))
}

/// Element types the labeler runs on, viewed out of [`AnyValues`].
trait LabelElement: Element {
    fn slice(values: &AnyValues) -> Option<&[Self]>;
}

impl LabelElement for f32 {
    fn slice(values: &AnyValues) -> Option<&[f32]> {
        match values {
            AnyValues::F32(v) => Some(v),
            AnyValues::F64(_) => None,
        }
    }
}

impl LabelElement for f64 {
    fn slice(values: &AnyValues) -> Option<&[f64]> {
        match values {
            AnyValues::F64(v) => Some(v),
            AnyValues::F32(_) => None,
        }
    }
}

/// Everything read from disk for one labeling.
struct Inputs {
    h2: Field,
    o2: Field,
    h2o: Field,
    z: Option<Field>,
    minor: Vec<(Species, Field)>,
    coords: Vec<(usize, Vec<f64>)>,
}

/// Labels the fields as element type `T` (all inputs have that type).
fn label_typed<T: LabelElement>(
    inputs: &Inputs,
    bilger: &Bilger,
    shape: &Shape,
    params: &LabelParams,
) -> plume_core::Result<Labels> {
    fn get<U: LabelElement>(f: &Field) -> plume_core::Result<&[U]> {
        U::slice(&f.values).ok_or_else(|| plume_core::Error::invalid("the fields differ in dtype"))
    }
    let fields = SpeciesFields {
        y_h2: get::<T>(&inputs.h2)?,
        y_o2: get::<T>(&inputs.o2)?,
        y_h2o: get::<T>(&inputs.h2o)?,
    };
    let minor = inputs
        .minor
        .iter()
        .map(|(s, f)| Ok((s.clone(), get::<T>(f)?)))
        .collect::<plume_core::Result<Vec<_>>>()?;
    let z = match &inputs.z {
        Some(f) => ZInput::Supplied(get::<T>(f)?),
        None => ZInput::Bilger { bilger, minor: &minor },
    };
    let mut grid = LabelGrid::new(shape);
    for (axis, c) in &inputs.coords {
        grid = grid.with_coords(*axis, c);
    }
    label_field(&fields, &z, &grid, params)
}

/// Reads one field operand of `flag` under the common spec.
fn read(flag: &str, arg: &str, spec: &FieldSpec) -> CliResult<Field> {
    let loc = Location::parse(arg);
    io::read_field(&loc, spec)
        .map_err(|e| CliError { status: e.status, message: format!("{flag}: {}", e.message) })
}

/// Runs `plume label`.
pub fn run(args: &LabelArgs) -> CliResult<()> {
    let (params, bilger) = labeler_setup(&args.set, args.fuel.as_deref(), args.oxidizer.as_deref())?;

    let mut progress = Progress::start(!args.json);
    progress.phase("reading the fields");
    let spec = args.field.spec();
    let h2 = read("--yh2", &args.yh2, &spec)?;
    // The first field fixes dims and dtype for the others (an HDF5 dataset gives its own).
    let spec = FieldSpec { dims: Some(h2.shape.dims().to_vec()), dtype: Some(h2.dtype()), order: spec.order };
    let o2 = read("--yo2", &args.yo2, &spec)?;
    let h2o = read("--yh2o", &args.yh2o, &spec)?;
    let z = match &args.z {
        Some(arg) => Some(read("--z", arg, &spec)?),
        None => None,
    };
    let mut minor = Vec::new();
    for s in &args.species {
        let (name, file) = split_pair("--species", s)?;
        let species = Species::parse(name).map_err(|e| CliError::core(format!("--species {s}"), &e))?;
        if ["H2", "O2", "H2O"].iter().any(|m| m.eq_ignore_ascii_case(name)) {
            return Err(CliError::usage(format!("--species {s}: {name} is given by --yh2/--yo2/--yh2o")));
        }
        minor.push((species, read(&format!("--species {name}"), file, &spec)?));
    }
    let shape = h2.shape.clone();
    let ndims = shape.dims().len();
    for (flag, f) in [("--yo2", &o2), ("--yh2o", &h2o)]
        .into_iter()
        .chain(z.as_ref().map(|f| ("--z", f)))
        .chain(minor.iter().map(|(_, f)| ("--species", f)))
    {
        if f.dtype() != h2.dtype() || f.shape.dims() != shape.dims() {
            return Err(CliError::usage(format!(
                "{flag}: {} of dims {} differs from --yh2 ({}, dims {})",
                f.dtype().as_str(),
                join(f.shape.dims(), ","),
                h2.dtype().as_str(),
                join(shape.dims(), ",")
            )));
        }
    }
    let mut coords = Vec::new();
    for c in &args.coord {
        let (axis, file) = split_pair("--coord", c)?;
        let axis: usize = axis.parse().ok().filter(|&a| a < ndims).ok_or_else(|| {
            CliError::usage(format!(
                "--coord {c}: axis must be 0..{} for dims {}",
                ndims,
                join(shape.dims(), ",")
            ))
        })?;
        if coords.iter().any(|(a, _)| *a == axis) {
            return Err(CliError::usage(format!("--coord {c}: axis {axis} given twice")));
        }
        let cspec =
            FieldSpec { dims: Some(vec![shape.dims()[axis]]), dtype: Some(DType::F64), order: spec.order };
        let field = read(&format!("--coord {axis}"), file, &cspec)?;
        let AnyValues::F64(values) = field.values else {
            return Err(CliError::usage(format!("--coord {c}: coordinates must be f64")));
        };
        coords.push((axis, values));
    }
    let inputs = Inputs { h2, o2, h2o, z, minor, coords };

    let exec = Exec::new(&args.threads)?;
    progress.phase("labeling");
    let (labels, seconds) = exec
        .best_of(args.repeat, || match inputs.h2.dtype() {
            DType::F32 => label_typed::<f32>(&inputs, &bilger, &shape, &params),
            DType::F64 => label_typed::<f64>(&inputs, &bilger, &shape, &params),
            DType::U8 => Err(plume_core::Error::invalid("species fields are f32 or f64")),
        })
        .map_err(|e| {
            let flag = if e.message().contains("coordinates") { "--coord" } else { "labeling" };
            CliError::core(flag, &e)
        })?;
    progress.phase(format!("writing {}", args.output.display()));
    io::write_bytes(&args.output, &labels.values)?;
    let stream = match &args.stream {
        Some(path) => {
            let bytes = compress_labels(&labels.values, &labels.shape)
                .map_err(|e| CliError::core(format!("--stream {}", path.display()), &e))?;
            io::write_bytes(path, &bytes)?;
            Some(StreamShare {
                path: path.display().to_string(),
                bytes: bytes.len() as u64,
                bits_per_cell: 8.0 * bytes.len() as f64 / labels.values.len().max(1) as f64,
            })
        }
        None => None,
    };
    progress.finish();

    let counts = class_counts(&labels.values).map_err(|e| CliError::core("labels", &e))?;
    let n_cells = labels.values.len() as u64;
    let share = |c: u64| if n_cells == 0 { 0.0 } else { c as f64 / n_cells as f64 };
    let n_inputs = 3 + inputs.z.iter().count() + inputs.minor.len();
    let input_bytes = n_cells * inputs.h2.dtype().size_bytes() as u64 * n_inputs as u64;
    let cells_per_s = n_cells as f64 / seconds;
    let input_gb_per_s = input_bytes as f64 / 1e9 / seconds;
    let z_source = if inputs.z.is_some() { "supplied" } else { "bilger" };
    if args.json {
        return output::print_json(&LabelJson {
            output: args.output.display().to_string(),
            dtype: inputs.h2.dtype().as_str(),
            dims: shape.dims(),
            order: shape.order().as_str(),
            n_cells,
            z_source,
            z_stoich: bilger.z_stoich(),
            classes: Class::ALL
                .iter()
                .map(|&class| ClassShare {
                    id: class.id(),
                    class,
                    n_cells: counts[class.id() as usize],
                    fraction: share(counts[class.id() as usize]),
                })
                .collect(),
            params: &params,
            threads: exec.threads(),
            seconds,
            cells_per_s,
            input_bytes,
            input_gb_per_s,
            stream,
        });
    }
    let mut t = Table::new();
    t.row(
        "fields",
        format!(
            "{}, {}, order {}",
            inputs.h2.dtype().as_str(),
            join(shape.dims(), "x"),
            shape.order().as_str()
        ),
    )
    .row("output", args.output.display().to_string())
    .row("mixture fraction", format!("{z_source} (Z_st {})", output::num(bilger.z_stoich())));
    for class in Class::ALL {
        let c = counts[class.id() as usize];
        t.row(
            format!("{} {}", class.id(), class.name()),
            format!("{c} ({}%)", output::num(100.0 * share(c))),
        );
    }
    let h2o_ref = params.h2o_ref.map_or_else(|| "field_max".to_string(), output::num);
    t.row(
        "thresholds",
        format!(
            "eps_z {} h2o_frac {} h2o_ref {h2o_ref} flame_rule {} grad_h2o_min {} fi_threshold {} fi_grad_min {}",
            output::num(params.eps_z),
            output::num(params.h2o_frac),
            params.flame_rule.as_str(),
            output::num(params.grad_h2o_min),
            output::num(params.fi_threshold),
            output::num(params.fi_grad_min)
        ),
    )
    .row("seconds", output::seconds(seconds, args.repeat, exec.threads()))
    .row(
        "throughput",
        format!("{} Mcells/s, {} GB/s of input", output::num(cells_per_s / 1e6), output::num(input_gb_per_s)),
    );
    if let Some(s) = &stream {
        t.row(
            "label stream",
            format!("{} ({} bits/cell)", output::bytes(s.bytes), output::num(s.bits_per_cell)),
        );
    }
    t.print();
    Ok(())
}
