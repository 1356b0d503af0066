//! `plume-train`'s command line: usage works, everything else says "not implemented yet".

use std::process::{Command, Output};

fn plume_train(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plume-train"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run plume-train: {e}"))
}

#[test]
fn help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h"] {
        let out = plume_train(&[flag]);
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
    }
}

#[test]
fn anything_else_is_not_implemented_with_exit_code_2() {
    for args in [&[][..], &["train"], &["--help", "extra"], &["--bogus"]] {
        let out = plume_train(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not implemented yet: see issue 7"), "{args:?}: {stderr}");
    }
}
