//! `plume_version*`: the library's version, from Cargo.toml (via `plume_core::VERSION`).
//!
//! The header carries the same version as `PLUME_VERSION_MAJOR`, `_MINOR`, `_PATCH` and
//! `_STRING`: compare those (what a program was compiled against) with these functions
//! (what it runs with) to detect a mismatched shared library.

use std::ffi::{c_char, CStr};

use crate::panic::boundary;

/// Length of the version string with its NUL terminator.
const VERSION_NUL_LEN: usize = plume_core::VERSION.len() + 1;

/// `plume_core::VERSION` followed by a NUL, built at compile time.
static VERSION_NUL_BYTES: [u8; VERSION_NUL_LEN] = {
    let src = plume_core::VERSION.as_bytes();
    let mut out = [0_u8; VERSION_NUL_LEN];
    let mut i = 0;
    while i < src.len() {
        out[i] = src[i];
        i += 1;
    }
    out
};

/// The version as a C string; a NUL inside the version fails the build.
static VERSION_CSTR: &CStr = match CStr::from_bytes_with_nul(&VERSION_NUL_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("plume_core::VERSION contains a NUL byte"),
};

/// The `index`-th dot-separated number of a `MAJOR.MINOR.PATCH[-pre][+build]` version
/// (digits up to the first non-digit); a malformed version fails the build.
const fn version_part(version: &str, index: usize) -> u32 {
    let bytes = version.as_bytes();
    let mut i = 0;
    let mut part = 0;
    while part < index {
        while i < bytes.len() && bytes[i] != b'.' {
            i += 1;
        }
        assert!(i < bytes.len(), "version has fewer than three parts");
        i += 1;
        part += 1;
    }
    let mut value: u32 = 0;
    let start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    assert!(i > start, "version part is not a number");
    value
}

const MAJOR: u32 = version_part(plume_core::VERSION, 0);
const MINOR: u32 = version_part(plume_core::VERSION, 1);
const PATCH: u32 = version_part(plume_core::VERSION, 2);

/// The library's version as `"MAJOR.MINOR.PATCH"` (possibly with a `-pre` suffix).
///
/// Returns a static NUL-terminated string owned by the library: never NULL, never to be
/// freed, valid for the life of the process. Thread-safe.
#[no_mangle]
pub extern "C" fn plume_version() -> *const c_char {
    boundary(c"unknown".as_ptr(), || VERSION_CSTR.as_ptr())
}

/// The library's major version number. Thread-safe.
#[no_mangle]
pub extern "C" fn plume_version_major() -> u32 {
    boundary(0, || MAJOR)
}

/// The library's minor version number. Thread-safe.
#[no_mangle]
pub extern "C" fn plume_version_minor() -> u32 {
    boundary(0, || MINOR)
}

/// The library's patch version number. Thread-safe.
#[no_mangle]
pub extern "C" fn plume_version_patch() -> u32 {
    boundary(0, || PATCH)
}

/// The features compiled into this library, as a static, space-separated, NUL-terminated
/// list: `"cpu"` (the CPU engine, always), `"decks"` (`plume_config_load`), `"cxx"` (the
/// C++ bridge behind `plume.hpp`), `"label"` (`plume_labeler`); later builds may add
/// `"cuda"`, `"mpi"`, `"hdf5"`. Test for a word, not the whole string. Never NULL, never to be freed.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn plume_features() -> *const c_char {
    boundary(c"".as_ptr(), || FEATURES.as_ptr())
}

/// The list `plume_features` returns.
const FEATURES: &CStr = c"cpu decks cxx label";

#[cfg(test)]
mod tests {
    use super::version_part;

    #[test]
    fn parses_release_and_prerelease_versions() {
        assert_eq!(version_part("12.3.45", 0), 12);
        assert_eq!(version_part("12.3.45", 1), 3);
        assert_eq!(version_part("12.3.45", 2), 45);
        assert_eq!(version_part("1.2.3-rc.1", 2), 3);
        assert_eq!(version_part("1.2.3+build.7", 2), 3);
    }
}
