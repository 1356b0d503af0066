//! `plume synth`: a synthetic turbulent scalar field (f32), see `plume_core::synth`.

use clap::Args;
use plume_core::field::AnyValues;
use plume_core::synth::turbulent_scalar;
use plume_core::{Order, Shape};
use serde::Serialize;

use crate::args::{join, parse_dim_list, DimList};
use crate::error::{CliError, CliResult};
use crate::exec::{Exec, ThreadArgs};
use crate::io::{self, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Where the field goes: a raw little-endian f32 file in C order, or an HDF5 dataset
    /// `file.h5:/path/to/dset`.
    #[arg(value_name = "OUTPUT")]
    pub output: String,
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
    let (values, seconds) =
        exec.best_of(1, || turbulent_scalar(dims, args.seed)).map_err(|e| CliError::core("--dims", &e))?;
    progress.phase(format!("writing {output}"));
    let bytes = io::write_field(&output, &AnyValues::F32(values), &shape)?;
    progress.finish();
    if args.json {
        return output::print_json(&SynthJson {
            output: output.to_string(),
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
        .row("output", format!("{output} (f32, {}, order c)", join(dims, "x")))
        .row("seed", args.seed.to_string())
        .row("size", output::bytes(bytes))
        .row("seconds", output::seconds(seconds, 1, exec.threads()))
        .print();
    Ok(())
}
