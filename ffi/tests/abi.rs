//! The C ABI as a C caller sees it: the committed header agrees with the library, and the
//! functions keep their promises for every input.

use std::ffi::CStr;
use std::path::Path;

use plume::{
    plume_status, plume_status_str, plume_version, plume_version_major, plume_version_minor,
    plume_version_patch,
};

/// The committed header, `include/plume.h` at the workspace root.
fn header() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/plume.h");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run .ci/gen-headers)", path.display()))
}

/// The value of `#define NAME value` in the header.
fn define<'a>(header: &'a str, name: &str) -> &'a str {
    header
        .lines()
        .filter_map(|line| line.trim().strip_prefix("#define "))
        .filter_map(|rest| rest.split_once(char::is_whitespace))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .unwrap_or_else(|| panic!("include/plume.h has no #define {name} (run .ci/gen-headers)"))
}

#[test]
fn header_version_macros_match_cargo_version() {
    let h = header();
    let numbers = [
        ("PLUME_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("PLUME_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PLUME_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ];
    for (name, want) in numbers {
        assert_eq!(define(&h, name), want, "{name}: run .ci/gen-headers");
    }
    let string = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(define(&h, "PLUME_VERSION_STRING"), string, "run .ci/gen-headers");
}

#[test]
fn header_has_its_include_guard() {
    let h = header();
    assert!(h.contains("#ifndef PLUME_H"));
    assert!(h.contains("#define PLUME_H"));
}

#[test]
fn runtime_version_matches_cargo_version() {
    assert_eq!(plume_core::VERSION, env!("CARGO_PKG_VERSION"));
    let ptr = plume_version();
    assert!(!ptr.is_null());
    // SAFETY: plume_version returns a static NUL-terminated string (checked non-NULL above).
    let s = unsafe { CStr::from_ptr(ptr) };
    assert_eq!(s.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    let numbers = [
        (plume_version_major(), env!("CARGO_PKG_VERSION_MAJOR")),
        (plume_version_minor(), env!("CARGO_PKG_VERSION_MINOR")),
        (plume_version_patch(), env!("CARGO_PKG_VERSION_PATCH")),
    ];
    for (got, want) in numbers {
        assert_eq!(got.to_string(), want);
    }
}

/// `plume_status_str(code)` as a Rust string; asserts it is never NULL and is valid UTF-8.
fn status_str(code: u32) -> &'static str {
    let ptr = plume_status_str(code);
    assert!(!ptr.is_null(), "plume_status_str({code}) returned NULL");
    // SAFETY: plume_status_str returns a static NUL-terminated string (non-NULL, see above).
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().unwrap_or_else(|e| panic!("plume_status_str({code}) is not UTF-8: {e}"))
}

#[test]
fn status_str_is_never_null() {
    let low = 0..=4096_u32;
    let powers = (0..32).flat_map(|k| {
        let p = 1_u32 << k;
        [p - 1, p, p.wrapping_add(1)]
    });
    let high = u32::MAX - 4096..=u32::MAX;
    for code in low.chain(powers).chain(high) {
        assert!(!status_str(code).is_empty(), "plume_status_str({code}) is empty");
    }
}

#[test]
fn status_str_describes_every_defined_status() {
    use plume_status::*;
    let all = [
        PLUME_OK,
        PLUME_ERR_INVALID_ARGUMENT,
        PLUME_ERR_UNSUPPORTED,
        PLUME_ERR_CORRUPT_STREAM,
        PLUME_ERR_IO,
        PLUME_ERR_MPI,
        PLUME_ERR_DEVICE,
        PLUME_ERR_BOUND_VIOLATED,
        PLUME_ERR_PANIC,
        PLUME_ERR_NULL_POINTER,
        PLUME_ERR_BUFFER_TOO_SMALL,
    ];
    let unknown = status_str(u32::MAX);
    let mut seen = std::collections::HashSet::new();
    for status in all {
        let s = status_str(status as u32);
        assert_ne!(s, unknown, "{status:?} has no description");
        assert!(seen.insert(s), "{status:?} shares its description");
    }
    assert_eq!(status_str(0), "ok");
}

/// Every function declared in the header, with the doc comment just above it.
fn documented_functions(h: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = h;
    while let Some(start) = rest.find("/**") {
        let Some(end) = rest[start..].find("*/") else { break };
        let doc = &rest[start..start + end];
        let after = &rest[start + end + 2..];
        // A function declaration: `<return type> plume_<name>(` on the first line.
        let first = after.trim_start().lines().next().unwrap_or("");
        if let Some((head, _)) = first.split_once('(') {
            let name = head.split_whitespace().last().unwrap_or("").trim_start_matches('*');
            let is_function =
                name.starts_with("plume_") && !head.contains('=') && !head.starts_with("typedef");
            if is_function {
                out.push((name.to_string(), doc.to_string()));
            }
        }
        rest = after;
    }
    out
}

#[test]
fn every_function_documents_its_thread_safety() {
    let h = header();
    let functions = documented_functions(&h);
    assert!(functions.len() >= 40, "found only {} documented functions", functions.len());
    for (name, doc) in functions {
        assert!(doc.to_lowercase().contains("thread"), "{name}: its doc says nothing about threads");
    }
}
