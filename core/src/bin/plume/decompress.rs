//! `plume decompress`: a Plume stream back to a raw file or an HDF5 dataset. The dtype,
//! dims and order come from the stream.

use std::path::PathBuf;

use clap::Args;
use plume_core::codec::{decompress_any, inspect};
use serde::Serialize;

use crate::args::join;
use crate::error::{CliError, CliResult};
use crate::exec::{mb_per_s, Exec, ThreadArgs};
use crate::io::{self, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume decompress`.
#[derive(Args, Debug)]
pub struct DecompressArgs {
    /// The stream file written by `plume compress`.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Where the values go: a raw little-endian file (created or truncated), or an HDF5
    /// dataset `file.h5:/path/to/dset` (created or replaced, with the stream's shape).
    #[arg(value_name = "OUTPUT")]
    pub output: String,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Decompress N times in-process and report the best time (benchmarks); I/O is never
    /// timed.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report of `plume decompress`.
#[derive(Debug, Serialize)]
struct DecompressJson<'a> {
    input: String,
    output: String,
    dtype: &'static str,
    dims: &'a [usize],
    order: &'static str,
    encoding: &'static str,
    original_bytes: u64,
    compressed_bytes: u64,
    ratio: f64,
    seconds: f64,
    mb_per_s: f64,
    threads: usize,
}

/// Runs `plume decompress`.
pub fn run(args: &DecompressArgs) -> CliResult<()> {
    let output = Location::parse(&args.output);
    let name = args.input.display().to_string();
    let mut progress = Progress::start(!args.json);

    progress.phase(format!("reading {name}"));
    let stream = io::read_bytes(&args.input)?;
    let header = inspect(&stream).map_err(|e| CliError::core(&name, &e))?.header;

    let exec = Exec::new(&args.threads)?;
    progress.phase(format!("decompressing {name}"));
    let ((values, shape), seconds) =
        exec.best_of(args.repeat, || decompress_any(&stream)).map_err(|e| CliError::core(&name, &e))?;

    progress.phase(format!("writing {output}"));
    let original_bytes = io::write_field(&output, &values, &shape)?;
    progress.finish();

    let compressed_bytes = stream.len() as u64;
    let ratio = original_bytes as f64 / compressed_bytes as f64;
    let throughput = mb_per_s(original_bytes, seconds);
    if args.json {
        return output::print_json(&DecompressJson {
            input: name,
            output: output.to_string(),
            dtype: header.dtype.as_str(),
            dims: shape.dims(),
            order: shape.order().as_str(),
            encoding: header.encoding.as_str(),
            original_bytes,
            compressed_bytes,
            ratio,
            seconds,
            mb_per_s: throughput,
            threads: exec.threads(),
        });
    }
    Table::new()
        .row("input", format!("{name} ({} encoding)", header.encoding.as_str()))
        .row(
            "output",
            format!(
                "{output} ({}, {}, order {})",
                header.dtype.as_str(),
                join(shape.dims(), "x"),
                shape.order().as_str()
            ),
        )
        .row("original", output::bytes(original_bytes))
        .row("compressed", output::bytes(compressed_bytes))
        .row("ratio", output::num(ratio))
        .row("seconds", output::seconds(seconds, args.repeat, exec.threads()))
        .row("throughput", format!("{} MB/s", output::num(throughput)))
        .print();
    Ok(())
}
