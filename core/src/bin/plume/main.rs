//! `plume`: the command-line front end of plume-core. Compress and decompress fields
//! (raw little-endian files or HDF5 datasets), measure quality, inspect streams,
//! synthesise test fields and decode sub-boxes.
//!
//! One file per subcommand; [`io`] and [`hdf5_io`] hold the file formats, [`exec`] the
//! thread pool and timing, [`output`] the table and JSON printing. Every error prints as
//! `plume: error: ...` on stderr; the exit status is 2 for usage errors and invalid input,
//! 1 for I/O failures and corrupt streams.

mod args;
mod compress;
mod decompress;
mod error;
mod eval;
mod eval_labels;
mod exec;
mod experiment;
mod extract;
mod hdf5_io;
mod import;
mod inspect;
mod io;
mod label;
mod ls;
mod output;
mod progress;
mod render;
mod report;
mod synth;

use std::process::ExitCode;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{Parser, Subcommand};

use crate::error::{CliResult, EXIT_USAGE};

/// Error-bounded lossy compression of f32/f64 fields for in-situ HPC data reduction.
///
/// Fields are raw little-endian files (no header; give --dims, --dtype, --order) or HDF5
/// datasets written `file.h5:/path/to/dset` (dims and dtype come from the dataset).
/// Dims are slowest first, as numpy prints a C array; --order f means the same dims
/// stored column-major.
///
/// Exit status: 0 on success, 2 for a usage error or invalid input, 1 for an I/O failure
/// or a corrupt stream.
#[derive(Parser, Debug)]
#[command(name = "plume", version = plume_core::VERSION, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Compress a field into a Plume stream under an error bound.
    Compress(compress::CompressArgs),
    /// Decompress a stream into a raw file or an HDF5 dataset (dtype, dims and order come
    /// from the stream).
    Decompress(decompress::DecompressArgs),
    /// Quality metrics of a decompressed field against its original (or, with --labels,
    /// the label error of recomputed flame-regime labels).
    Eval(eval::EvalArgs),
    /// Flame-regime labels (one class id per cell) from Y_H2, Y_O2, Y_H2O and Z.
    Label(label::LabelArgs),
    /// Show a stream's header and block table.
    Inspect(inspect::InspectArgs),
    /// PNG image of a 2-D slice of a field or a label map, or side-by-side panels
    /// original | decompressed | difference.
    Render(render::RenderArgs),
    /// Write a synthetic turbulent scalar field (f32, values in [0, 1]), or with
    /// --case jet-flame the four fields of a lifted H2 jet flame.
    Synth(synth::SynthArgs),
    /// Decode only a sub-box of a stream.
    Extract(extract::ExtractArgs),
    /// List the snapshots of an in-situ output directory (its catalog.jsonl).
    Ls(ls::LsArgs),
    /// Convert a dataset into Plume streams and trainer catalogs (`import blastnet DIR`:
    /// Bilger's Z from the species, labels on the clean fields, PW_REL sets).
    Import(import::ImportArgs),
    /// The per-rank profile of an in-situ run (`profile = on`): a table, profile.png and
    /// timeline.png from DIR/profile.csv and DIR/trace.json.
    Report(report::ReportArgs),
    /// The study's experiment from one deck: import or solver runs, one training per bound
    /// and scenario under mpirun, the report (runs `plume-train experiment`).
    Experiment(experiment::ExperimentArgs),
}

/// Runs the chosen subcommand.
fn run(cli: &Cli) -> CliResult<()> {
    match &cli.command {
        Command::Compress(a) => compress::run(a),
        Command::Decompress(a) => decompress::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Label(a) => label::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Render(a) => render::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Extract(a) => extract::run(a),
        Command::Ls(a) => ls::run(a),
        Command::Import(a) => import::run(a),
        Command::Experiment(a) => experiment::run(a),
        Command::Report(a) => report::run(a),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                return ExitCode::from(EXIT_USAGE);
            }
            _ => {
                let text = e.render().to_string();
                let text = text.trim_end();
                eprintln!(
                    "plume: {}",
                    if text.starts_with("error:") { text.to_string() } else { format!("error: {text}") }
                );
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plume: error: {e}");
            ExitCode::from(e.status)
        }
    }
}
