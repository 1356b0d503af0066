//! `plume-train`: the MPI trainer's command line. Only `--help` and `--version` work yet.

use std::process::ExitCode;

use plume_mpi_driver::{usage, EXIT_NOT_IMPLEMENTED, TRACKING_ISSUE};

fn main() -> ExitCode {
    let args: Vec<String> =
        std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["-h" | "--help"] => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        ["-V" | "--version"] => {
            println!("plume-train {}", plume_core::VERSION);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "plume-train: error: not implemented yet: see issue {TRACKING_ISSUE} \
                 (run `plume-train --help` for usage)"
            );
            ExitCode::from(EXIT_NOT_IMPLEMENTED)
        }
    }
}
