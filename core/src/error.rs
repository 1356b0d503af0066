//! The one error type of Plume: an [`ErrorKind`] to branch on and a message that names
//! what was wrong (a key, a dimension, a section and byte offset of a stream).

use std::fmt;

/// What went wrong, coarsely. Branch on this, never on the message text.
/// The numeric values are stable: the C ABI maps them to `plume_status`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorKind {
    /// A caller-supplied argument is out of range or inconsistent (dims, bound, key).
    InvalidArgument = 1,
    /// The request is valid but this build or this stream version cannot serve it.
    Unsupported = 2,
    /// A compressed stream is truncated, corrupted or hostile.
    CorruptStream = 3,
    /// Reading or writing a file failed.
    Io = 4,
    /// An MPI call failed.
    Mpi = 5,
    /// A GPU device or driver call failed, or no device exists.
    Device = 6,
    /// The error bound could not be met (never returned for a finished stream: the
    /// encoder stores any value that misses its bound losslessly).
    BoundViolated = 7,
}

impl ErrorKind {
    /// A short lower-case name, e.g. `"corrupt stream"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::CorruptStream => "corrupt stream",
            ErrorKind::Io => "I/O error",
            ErrorKind::Mpi => "MPI error",
            ErrorKind::Device => "device error",
            ErrorKind::BoundViolated => "bound violated",
        }
    }
}

/// Plume's error: a kind and a message with the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// A new error of `kind` with a message naming what was wrong.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }
    /// `InvalidArgument` with a message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    /// `Unsupported` with a message.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    /// `CorruptStream` naming the stream section and the byte offset where it went wrong.
    pub fn corrupt(section: &str, offset: usize, what: impl fmt::Display) -> Self {
        Self::new(ErrorKind::CorruptStream, format!("{section} at byte offset {offset}: {what}"))
    }
    /// `Io` naming the path.
    pub fn io(path: &std::path::Path, err: std::io::Error) -> Self {
        Self::new(ErrorKind::Io, format!("{}: {err}", path.display()))
    }
    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The detail message (without the kind).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

/// Plume's result type.
pub type Result<T> = std::result::Result<T, Error>;
