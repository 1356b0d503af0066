//! `plume_status`: the result of every fallible C function, and its description.

use std::ffi::{c_char, CStr};

use plume_core::ErrorKind;

use crate::panic::boundary;

/// The result of a Plume C function. `PLUME_OK` (0) is the only success value.
///
/// The numbers are part of the ABI: they never change and are never reused. Codes 1-7 equal
/// the numeric values of `plume_core::ErrorKind`; 100 and up are raised by the C boundary
/// itself. In C the type is a `uint32_t`, so a caller may hold values this version does not
/// know; `plume_status_str` accepts any value.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum plume_status {
    /// Success.
    PLUME_OK = 0,
    /// An argument is out of range or inconsistent (dims, bound, option key or value).
    PLUME_ERR_INVALID_ARGUMENT = 1,
    /// The request is valid but this build or this stream version cannot serve it.
    PLUME_ERR_UNSUPPORTED = 2,
    /// A compressed stream is truncated, corrupted or hostile.
    PLUME_ERR_CORRUPT_STREAM = 3,
    /// Reading or writing a file failed.
    PLUME_ERR_IO = 4,
    /// An MPI call failed.
    PLUME_ERR_MPI = 5,
    /// A GPU device or driver call failed, or no device exists.
    PLUME_ERR_DEVICE = 6,
    /// The error bound could not be met.
    PLUME_ERR_BOUND_VIOLATED = 7,
    /// Plume panicked (a bug in Plume: please report it). The panic was caught at the C
    /// boundary; its message went to stderr. Objects passed to the failing call should be
    /// freed and not used again.
    PLUME_ERR_PANIC = 100,
    /// A required pointer argument was NULL.
    PLUME_ERR_NULL_POINTER = 101,
    /// A caller-provided output buffer is too small; the last-error message says how many
    /// bytes or values were needed (`plume_codec_compress_bound` gives a size that always
    /// suffices for compression).
    PLUME_ERR_BUFFER_TOO_SMALL = 102,
}

impl plume_status {
    /// The status with numeric value `code`, or `None` if this version defines none.
    pub fn from_u32(code: u32) -> Option<Self> {
        use plume_status::*;
        Some(match code {
            0 => PLUME_OK,
            1 => PLUME_ERR_INVALID_ARGUMENT,
            2 => PLUME_ERR_UNSUPPORTED,
            3 => PLUME_ERR_CORRUPT_STREAM,
            4 => PLUME_ERR_IO,
            5 => PLUME_ERR_MPI,
            6 => PLUME_ERR_DEVICE,
            7 => PLUME_ERR_BOUND_VIOLATED,
            100 => PLUME_ERR_PANIC,
            101 => PLUME_ERR_NULL_POINTER,
            102 => PLUME_ERR_BUFFER_TOO_SMALL,
            _ => return None,
        })
    }

    /// A short, static, lower-case description, e.g. `"corrupt stream"`.
    pub fn description(self) -> &'static CStr {
        use plume_status::*;
        match self {
            PLUME_OK => c"ok",
            PLUME_ERR_INVALID_ARGUMENT => c"invalid argument",
            PLUME_ERR_UNSUPPORTED => c"unsupported",
            PLUME_ERR_CORRUPT_STREAM => c"corrupt stream",
            PLUME_ERR_IO => c"I/O error",
            PLUME_ERR_MPI => c"MPI error",
            PLUME_ERR_DEVICE => c"device error",
            PLUME_ERR_BOUND_VIOLATED => c"bound violated",
            PLUME_ERR_PANIC => c"internal panic (a bug in Plume)",
            PLUME_ERR_NULL_POINTER => c"NULL pointer argument",
            PLUME_ERR_BUFFER_TOO_SMALL => c"output buffer too small",
        }
    }
}

impl From<ErrorKind> for plume_status {
    fn from(kind: ErrorKind) -> Self {
        use plume_status::*;
        match kind {
            ErrorKind::InvalidArgument => PLUME_ERR_INVALID_ARGUMENT,
            ErrorKind::Unsupported => PLUME_ERR_UNSUPPORTED,
            ErrorKind::CorruptStream => PLUME_ERR_CORRUPT_STREAM,
            ErrorKind::Io => PLUME_ERR_IO,
            ErrorKind::Mpi => PLUME_ERR_MPI,
            ErrorKind::Device => PLUME_ERR_DEVICE,
            ErrorKind::BoundViolated => PLUME_ERR_BOUND_VIOLATED,
            // `ErrorKind` is non-exhaustive: a kind added in plume-core before it gets its
            // own code here is reported as the closest general failure.
            _ => PLUME_ERR_UNSUPPORTED,
        }
    }
}

impl From<&plume_core::Error> for plume_status {
    fn from(err: &plume_core::Error) -> Self {
        err.kind().into()
    }
}

/// Description of a status code, for messages.
///
/// `status` may be any value, including codes this version does not define (those give
/// `"unknown status"`). Returns a static NUL-terminated string owned by the library: never
/// NULL, never to be freed, valid for the life of the process. Thread-safe.
#[no_mangle]
pub extern "C" fn plume_status_str(status: u32) -> *const c_char {
    boundary(c"unknown status".as_ptr(), || {
        plume_status::from_u32(status).map_or(c"unknown status", plume_status::description).as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_u32_round_trips_every_status() {
        let mut known = 0;
        for code in 0..=1024_u32 {
            if let Some(status) = plume_status::from_u32(code) {
                assert_eq!(status as u32, code);
                known += 1;
            }
        }
        assert_eq!(known, 11);
    }

    #[test]
    fn error_kinds_keep_their_numeric_values() {
        let kinds = [
            (ErrorKind::InvalidArgument, 1),
            (ErrorKind::Unsupported, 2),
            (ErrorKind::CorruptStream, 3),
            (ErrorKind::Io, 4),
            (ErrorKind::Mpi, 5),
            (ErrorKind::Device, 6),
            (ErrorKind::BoundViolated, 7),
        ];
        for (kind, code) in kinds {
            assert_eq!(plume_status::from(kind) as u32, code, "{kind:?}");
        }
    }
}
