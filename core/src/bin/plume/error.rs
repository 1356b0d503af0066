//! The CLI's error: a message for `plume: error: ...` and the process exit status.

use std::fmt;
use std::path::Path;

use plume_core::{Error, ErrorKind};

/// Exit status for a usage error or invalid input (bad flag, wrong file size, bad bound).
pub const EXIT_USAGE: u8 = 2;
/// Exit status for an I/O failure or a corrupt or unreadable stream.
pub const EXIT_FAILURE: u8 = 1;

/// An error the CLI reports: the message names the flag, file or byte offset at fault.
#[derive(Debug)]
pub struct CliError {
    /// Process exit status: [`EXIT_USAGE`] or [`EXIT_FAILURE`].
    pub status: u8,
    /// What went wrong, without the `plume: error: ` prefix.
    pub message: String,
}

/// The CLI's result type.
pub type CliResult<T> = std::result::Result<T, CliError>;

impl CliError {
    /// A usage error or invalid input (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { status: EXIT_USAGE, message: message.into() }
    }

    /// An I/O failure or unreadable stream (exit status 1).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError { status: EXIT_FAILURE, message: message.into() }
    }

    /// An I/O error on `path` (exit status 1), e.g. a missing file.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        Self::failure(format!("{}: {err}", path.display()))
    }

    /// A library error with `context` (a flag or file name) in front of it. The status
    /// follows the kind: invalid arguments are usage errors (2); corrupt or unsupported
    /// streams, I/O and everything else are failures (1).
    pub fn core(context: impl fmt::Display, err: &Error) -> Self {
        let status = match err.kind() {
            ErrorKind::InvalidArgument => EXIT_USAGE,
            _ => EXIT_FAILURE,
        };
        CliError { status, message: format!("{context}: {err}") }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}
