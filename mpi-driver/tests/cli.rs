//! `plume-train`'s command line: usage, the model summary, and clear errors.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

mod common;
use common::*;

#[test]
fn help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
    }
}

#[test]
fn missing_config_and_unknown_flags_are_usage_errors() {
    for args in [&[][..], &["--bogus"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn paper_summary_has_the_published_count_and_latent() {
    let out = ok(&run(&["summary", "--preset", "paper"]));
    assert!(out.contains("parameters: 1111221"), "{out}");
    let line = |name: &str| {
        out.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or_default().to_string()
    };
    assert!(line("latent").ends_with("(N, 3, 32, 32, 32)"), "{out}");
    assert!(line("logits").ends_with("(N, 3, 256, 256, 5)"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("res_")).count(), 24);
}

#[test]
fn unknown_deck_key_names_the_key_and_line() {
    let dir = scratch("cli-deck");
    let p = dir.join("bad.toml");
    std::fs::write(&p, "[data]\ncatalog = \"c.toml\"\n[train]\nlearning_rate = 1\n").unwrap();
    let out = run(&["--config", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("learning_rate") && err.contains("line 4"), "{err}");
}

#[test]
fn missing_snapshot_and_oversized_window_are_clear_errors() {
    let dir = scratch("cli-errors");
    let cat = catalog(&dir, 0.1);
    // Window larger than the domain (32 x 32 x 6).
    let d = deck(&dir, &cat, "", "");
    let text =
        std::fs::read_to_string(&d).unwrap().replace("preset = \"tiny\"", "preset = \"tiny\"\nwindow = 64");
    std::fs::write(&d, text).unwrap();
    let out = run(&["--config", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("larger than the domain"), "{err}");
    // A stream file that is gone.
    let deck2 = deck(&dir, &cat, "", "");
    std::fs::remove_file(dir.join("data/jet-001.z.plm")).unwrap();
    let out = run(&["--config", deck2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jet-001") && err.contains("z stream"), "{err}");
}
