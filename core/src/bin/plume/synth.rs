//! `plume synth`: a synthetic turbulent scalar field (f32), or with `--case jet-flame` the
//! four fields of a lifted H2 jet-flame-like state; see `plume_core::synth`.

use clap::{Args, ValueEnum};
use plume_core::field::AnyValues;
use plume_core::synth::{jet_flame, turbulent_scalar};
use plume_core::{Order, Shape};
use serde::Serialize;

use crate::args::{join, parse_dim_list, DimList};
use crate::error::{CliError, CliResult};
use crate::exec::{Exec, ThreadArgs};
use crate::io::{self, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// `--case`: what to synthesise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaseArg {
    /// One turbulent scalar (mixture-fraction-like) field.
    Scalar,
    /// A 3-D lifted H2 jet flame (dims nx,ny,nz: x streamwise, y across the jet): four
    /// fields written as OUTPUT_YH2, OUTPUT_YO2, OUTPUT_YH2O, OUTPUT_Z (raw files get a
    /// `.f32` extension; HDF5 datasets get the suffix).
    JetFlame,
}

/// The jet-flame fields' suffixes, in the order Y_H2, Y_O2, Y_H2O, Z.
const JET_FLAME_SUFFIXES: [&str; 4] = ["_YH2", "_YO2", "_YH2O", "_Z"];

/// Where the jet-flame field with `suffix` goes.
fn with_suffix(output: &Location, suffix: &str) -> Location {
    match output {
        Location::Raw(path) => Location::Raw(format!("{}{suffix}.f32", path.display()).into()),
        Location::Hdf5 { file, dataset } => {
            Location::Hdf5 { file: file.clone(), dataset: format!("{dataset}{suffix}") }
        }
    }
}

/// Arguments of `plume synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Where the field goes: a raw little-endian f32 file in C order, or an HDF5 dataset
    /// `file.h5:/path/to/dset` (a prefix with --case jet-flame).
    #[arg(value_name = "OUTPUT")]
    pub output: String,
    /// What to synthesise.
    #[arg(long, value_enum, default_value_t = CaseArg::Scalar)]
    pub case: CaseArg,
    /// Dims, slowest first (1 to 4 entries, each >= 1), e.g. 256,256,256.
    #[arg(long, value_name = "N,N,..", value_parser = parse_dim_list)]
    pub dims: DimList,
    /// Random seed; a (dims, seed) pair always gives the same bytes.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report of `plume synth`.
#[derive(Debug, Serialize)]
struct SynthJson<'a> {
    output: String,
    case: &'static str,
    dtype: &'static str,
    dims: &'a [usize],
    order: &'static str,
    seed: u64,
    bytes: u64,
    seconds: f64,
    threads: usize,
}

/// Runs `plume synth`.
pub fn run(args: &SynthArgs) -> CliResult<()> {
    let output = Location::parse(&args.output);
    let dims = &args.dims.0;
    let shape = Shape::new(dims, Order::C).map_err(|e| CliError::core("--dims", &e))?;
    let mut progress = Progress::start(!args.json);
    let exec = Exec::new(&args.threads)?;
    progress.phase(format!("synthesising {}", join(dims, "x")));
    let (outputs, bytes, seconds) = match args.case {
        CaseArg::Scalar => {
            let (values, seconds) = exec
                .best_of(1, || turbulent_scalar(dims, args.seed))
                .map_err(|e| CliError::core("--dims", &e))?;
            progress.phase(format!("writing {output}"));
            let bytes = io::write_field(&output, &AnyValues::F32(values), &shape)?;
            (vec![output.to_string()], bytes, seconds)
        }
        CaseArg::JetFlame => {
            let (flame, seconds) = exec
                .best_of(1, || jet_flame(dims, args.seed))
                .map_err(|e| CliError::core("--dims (--case jet-flame)", &e))?;
            let mut names = Vec::new();
            let mut bytes = 0;
            for (suffix, values) in
                JET_FLAME_SUFFIXES.iter().zip([flame.y_h2, flame.y_o2, flame.y_h2o, flame.z])
            {
                let loc = with_suffix(&output, suffix);
                progress.phase(format!("writing {loc}"));
                bytes += io::write_field(&loc, &AnyValues::F32(values), &shape)?;
                names.push(loc.to_string());
            }
            (names, bytes, seconds)
        }
    };
    progress.finish();
    if args.json {
        return output::print_json(&SynthJson {
            output: outputs.join(","),
            case: match args.case {
                CaseArg::Scalar => "scalar",
                CaseArg::JetFlame => "jet-flame",
            },
            dtype: "f32",
            dims,
            order: "c",
            seed: args.seed,
            bytes,
            seconds,
            threads: exec.threads(),
        });
    }
    Table::new()
        .row("output", format!("{} (f32, {}, order c)", outputs.join(", "), join(dims, "x")))
        .row("seed", args.seed.to_string())
        .row("size", output::bytes(bytes))
        .row("seconds", output::seconds(seconds, 1, exec.threads()))
        .print();
    Ok(())
}
