//! `plume experiment --config DECK`: the study's experiment (import or solver runs, one
//! training per bound and scenario under mpirun, the report). It lives in `plume-train`
//! (mpi-driver/src/experiment.rs), which holds the network and the report; this command
//! runs `plume-train experiment` with the same arguments, as `git foo` runs `git-foo`:
//! the `plume-train` beside this executable, else the one on PATH.

use std::path::PathBuf;
use std::process::Command;

use clap::Args;

use crate::error::{CliError, CliResult};

/// Arguments of `plume experiment`.
#[derive(Args, Debug)]
pub struct ExperimentArgs {
    /// The experiment deck (TOML; its format: mpi-driver/README.md, "The study's experiment").
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

pub fn run(args: &ExperimentArgs) -> CliResult<()> {
    let beside = std::env::current_exe().ok().and_then(|e| e.parent().map(|d| d.join("plume-train")));
    let exe = beside.filter(|p| p.is_file()).unwrap_or_else(|| PathBuf::from("plume-train"));
    let status =
        Command::new(&exe).arg("experiment").arg("--config").arg(&args.config).status().map_err(|e| {
            CliError::failure(format!(
                "cannot run {} (the trainer: `cargo build --release -p plume-mpi-driver` puts it beside \
                 plume; or put it on PATH): {e}",
                exe.display()
            ))
        })?;
    match status.code() {
        Some(0) => Ok(()),
        Some(2) => {
            Err(CliError::usage(format!("experiment {}: see the message above", args.config.display())))
        }
        _ => Err(CliError::failure(format!("experiment {}: {status}", args.config.display()))),
    }
}
