//! # plume-mpi-driver
//!
//! Plume's distributed trainer, `plume-train`: it will read compressed snapshots on every
//! MPI rank, derive flame-regime labels and train the study's 3-D CNN (see issue 7).
//!
//! This crate depends on `plume-core` only, never on `plume-ffi`: a program links at most one
//! Rust static library, and the driver is a Rust program in its own right.
//!
//! Nothing is implemented yet; the binary prints its usage and refuses every other request
//! with exit code [`EXIT_NOT_IMPLEMENTED`], so scripts can tell "not yet" from a failure.

/// Exit code of `plume-train` for a request it cannot serve yet (or a usage error).
pub const EXIT_NOT_IMPLEMENTED: u8 = 2;

/// The tracking issue for the trainer.
pub const TRACKING_ISSUE: u32 = 7;

/// The `--help` text of `plume-train`.
pub fn usage() -> String {
    format!(
        "plume-train {version}: distributed training of the flame-regime classifier on \
         Plume-compressed data\n\
         \n\
         Usage: mpirun -n RANKS plume-train [OPTIONS]\n\
         \n\
         Options:\n  \
           -h, --help       print this help and exit\n  \
           -V, --version    print the version and exit\n\
         \n\
         Status: not implemented yet: see issue {issue}.\n",
        version = plume_core::VERSION,
        issue = TRACKING_ISSUE,
    )
}
