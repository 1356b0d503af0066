//! End-to-end tests of the `plume` command-line tool: the built binary runs in a temporary
//! directory on a small synthetic field. Round trips in every mode and encoding (bound
//! checked through `plume eval --json`), `inspect --json`, `extract` against a slice of the
//! full decompression, HDF5 datasets as input and output, and the error paths (message and
//! exit status).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The test field's dims, slowest first.
const DIMS: [usize; 3] = [24, 20, 16];
/// `--dims` for [`DIMS`].
const DIMS_ARG: &str = "24,20,16";
/// Bytes of the f32 test field.
const FIELD_BYTES: usize = 24 * 20 * 16 * 4;

/// A scratch directory under the system temp dir, unique per test and process, removed on
/// drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("plume-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch dir");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// `name` inside the scratch dir, as a string argument.
    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Runs `plume args...` inside the scratch dir.
    fn plume(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_plume"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("run the plume binary")
    }

    /// Runs `plume`, asserts success and returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.plume(args);
        assert!(
            out.status.success(),
            "plume {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// Runs `plume ... --json`, asserts success and parses stdout as exactly one object.
    fn json(&self, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("plume {all:?}: not one JSON value ({e}): {text}"));
        assert!(v.is_object(), "plume {all:?}: not a JSON object: {text}");
        v
    }

    /// Runs `plume`, asserts it fails with `status`, and returns stderr.
    fn fails(&self, args: &[&str], status: i32) -> String {
        let out = self.plume(args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(status), "plume {args:?}: stderr {stderr}");
        assert!(stderr.starts_with("plume: error: "), "plume {args:?}: stderr {stderr}");
        assert!(!stderr.contains("panicked"), "plume {args:?} panicked: {stderr}");
        stderr
    }

    /// Writes the synthetic test field as `z.f32` and returns its name.
    fn synth(&self) -> &'static str {
        self.ok(&["synth", "z.f32", "--dims", DIMS_ARG, "--seed", "7"]);
        assert_eq!(std::fs::metadata(self.path("z.f32")).expect("z.f32 written").len(), FIELD_BYTES as u64);
        "z.f32"
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("'{key}' is not a number in {v}"))
}

fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).expect("read a raw file");
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[test]
fn round_trip_every_mode_and_encoding() {
    let s = Scratch::new("modes");
    let z = s.synth();
    for encoding in ["fast", "ratio"] {
        for (mode, bound) in [("abs", "1e-3"), ("rel", "1e-3"), ("pw_rel", "1e-2"), ("psnr", "60")] {
            let what = format!("{encoding} {mode} {bound}");
            let c = s.json(&[
                "compress",
                z,
                "z.plm",
                "--dims",
                DIMS_ARG,
                "--mode",
                mode,
                "--bound",
                bound,
                "--encoding",
                encoding,
            ]);
            assert_eq!(c["mode"], mode, "{what}");
            assert_eq!(c["encoding"], encoding, "{what}");
            assert_eq!(c["dims"], serde_json::json!(DIMS), "{what}");
            assert_eq!(c["original_bytes"], FIELD_BYTES, "{what}");
            let stream_len = std::fs::metadata(s.path("z.plm")).expect("stream written").len();
            assert_eq!(c["compressed_bytes"], stream_len, "{what}");
            assert!(num(&c, "ratio") > 1.0, "{what}: {c}");

            let d = s.json(&["decompress", "z.plm", "z.out", "--threads", "1"]);
            assert_eq!(d["dims"], serde_json::json!(DIMS), "{what}");
            assert_eq!(d["dtype"], "f32", "{what}");
            assert_eq!(d["threads"], 1, "{what}");

            let e = s.json(&["eval", z, "z.out", "--dims", DIMS_ARG, "--compressed", "z.plm"]);
            assert_eq!(e["n_values"], 24 * 20 * 16, "{what}");
            assert_eq!(e["compressed_bytes"], stream_len, "{what}");
            let max_abs = num(&e, "max_abs_error");
            match mode {
                "pw_rel" => assert!(num(&e, "max_pw_rel_error") <= 1e-2, "{what}: {e}"),
                _ => {
                    let abs_bound = num(&c, "abs_bound");
                    assert!(max_abs <= abs_bound, "{what}: max error {max_abs} over the bound {abs_bound}");
                    let e2 = s.json(&[
                        "eval",
                        z,
                        "z.out",
                        "--dims",
                        DIMS_ARG,
                        "--bound-abs",
                        &abs_bound.to_string(),
                    ]);
                    assert!(num(&e2, "max_error_over_bound") <= 1.0, "{what}: {e2}");
                }
            }
            if mode == "abs" {
                assert!(max_abs <= 1e-3, "{what}: {max_abs}");
            }
            if mode == "psnr" {
                assert!(num(&e, "psnr_db") >= 60.0, "{what}: {e}");
            }
        }
    }
}

#[test]
fn f64_fortran_order_round_trip() {
    let s = Scratch::new("f64");
    let z = read_f32(&s.path(s.synth()));
    let bytes: Vec<u8> = z.iter().flat_map(|&v| (v as f64 * 3.0 - 1.0).to_le_bytes()).collect();
    std::fs::write(s.path("z.f64"), bytes).expect("write z.f64");
    let field = ["--dims", DIMS_ARG, "--dtype", "f64", "--order", "f"];
    let mut args = vec!["compress", "z.f64", "z.plm", "--mode", "abs", "--bound", "1e-4", "--block", "8,8,8"];
    args.extend(field);
    let c = s.json(&args);
    assert_eq!(c["dtype"], "f64");
    assert_eq!(c["order"], "f");
    let d = s.json(&["decompress", "z.plm", "z.out"]);
    assert_eq!(d["order"], "f");
    assert_eq!(d["original_bytes"], 2 * FIELD_BYTES);
    let mut args = vec!["eval", "z.f64", "z.out"];
    args.extend(field);
    let e = s.json(&args);
    assert!(num(&e, "max_abs_error") <= 1e-4, "{e}");
    let i = s.json(&["inspect", "z.plm"]);
    assert_eq!(i["block_dims"], serde_json::json!([8, 8, 8]));
    assert_eq!(i["order"], "f");
}

#[test]
fn inspect_reports_header_and_blocks() {
    let s = Scratch::new("inspect");
    let z = s.synth();
    s.ok(&[
        "compress",
        z,
        "z.plm",
        "--dims",
        DIMS_ARG,
        "--mode",
        "rel",
        "--bound",
        "1e-3",
        "--block",
        "8,8,8",
        "--encoding",
        "ratio",
    ]);
    let stream_len = std::fs::metadata(s.path("z.plm")).expect("stream").len();
    let i = s.json(&["inspect", "z.plm", "--blocks"]);
    assert_eq!(i["version"], plume_core::format::FORMAT_VERSION);
    assert_eq!(i["dtype"], "f32");
    assert_eq!(i["dims"], serde_json::json!(DIMS));
    assert_eq!(i["order"], "c");
    assert_eq!(i["encoding"], "ratio");
    assert_eq!(i["mode"], "rel");
    assert_eq!(num(&i, "bound"), 1e-3);
    assert_eq!(i["quantizer"], "linear");
    assert!(num(&i, "abs_bound") > 0.0 && num(&i, "step") > 0.0, "{i}");
    assert_eq!(i["block_dims"], serde_json::json!([8, 8, 8]));
    assert_eq!(i["n_blocks"], 3 * 3 * 2);
    assert!(i["codebook_bytes"].as_u64().is_some_and(|b| b > 0), "{i}");
    assert_eq!(i["stream_bytes"], stream_len);
    let blocks = i["blocks"].as_array().expect("a blocks array");
    assert_eq!(blocks.len(), 18);
    let mut end = i["data_start"].as_u64().expect("data_start");
    for b in blocks {
        assert_eq!(b["offset"].as_u64(), Some(end), "{b}");
        assert!(b["crc32"].is_u64(), "{b}");
        end += b["len"].as_u64().expect("len");
    }
    assert_eq!(end, stream_len);
    // Without --blocks there is no table; the human output names the quantizer.
    assert!(s.json(&["inspect", "z.plm"]).get("blocks").is_none());
    assert!(s.ok(&["inspect", "z.plm", "--blocks"]).contains("linear"));

    s.ok(&[
        "compress",
        z,
        "p.plm",
        "--dims",
        DIMS_ARG,
        "--mode",
        "pw_rel",
        "--bound",
        "0.05",
        "--encoding",
        "fast",
    ]);
    let p = s.json(&["inspect", "p.plm"]);
    assert_eq!(p["quantizer"], "log");
    assert_eq!(p["encoding"], "fast");
    assert_eq!(p["codebook_bytes"], 0);
    assert_eq!(num(&p, "pw_rel_bound"), 0.05);
    assert!(p["abs_bound"].is_null());
}

#[test]
fn extract_equals_the_slice_of_the_full_decompression() {
    let s = Scratch::new("extract");
    let z = s.synth();
    s.ok(&[
        "compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "1e-3", "--block", "8,8,8",
    ]);
    s.ok(&["decompress", "z.plm", "full.f32"]);
    let full = read_f32(&s.path("full.f32"));
    let (start, extent) = ([5usize, 3, 2], [7usize, 9, 10]);
    let x = s.json(&["extract", "z.plm", "box.f32", "--start", "5,3,2", "--extent", "7,9,10"]);
    assert_eq!(x["extent"], serde_json::json!(extent));
    assert_eq!(x["region_bytes"], 7 * 9 * 10 * 4);
    let got = read_f32(&s.path("box.f32"));
    let mut want = Vec::new();
    for i in start[0]..start[0] + extent[0] {
        for j in start[1]..start[1] + extent[1] {
            for k in start[2]..start[2] + extent[2] {
                want.push(full[(i * DIMS[1] + j) * DIMS[2] + k]);
            }
        }
    }
    assert_eq!(got.len(), want.len());
    assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "extract differs from the slice");
    // A box past the end is invalid input.
    let err = s.fails(&["extract", "z.plm", "bad.f32", "--start", "20,0,0", "--extent", "5,1,1"], 2);
    assert!(err.contains("axis 0"), "{err}");
}

#[test]
fn hdf5_datasets_in_and_out() {
    let s = Scratch::new("hdf5");
    let z = s.synth();
    s.ok(&["compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "1e-3"]);
    let h5 = format!("{}:/fields/z", s.arg("out.h5"));
    let d = s.json(&["decompress", "z.plm", &h5]);
    assert_eq!(d["output"], h5);
    // eval: raw original against the dataset (dims from --dims, checked against the dataset).
    let e = s.json(&["eval", z, &h5, "--dims", DIMS_ARG, "--bound-abs", "1e-3"]);
    assert!(num(&e, "max_abs_error") <= 1e-3, "{e}");
    assert!(num(&e, "max_error_over_bound") <= 1.0, "{e}");
    // Replacing the dataset works; a raw operand takes the dataset's dims without --dims.
    s.ok(&["decompress", "z.plm", &h5]);
    let e = s.json(&["eval", &h5, z]);
    assert!(num(&e, "max_abs_error") <= 1e-3, "{e}");
    // Compress straight from the dataset: dims and dtype come from it.
    let c = s.json(&["compress", &h5, "h.plm", "--mode", "abs", "--bound", "1e-2"]);
    assert_eq!(c["dims"], serde_json::json!(DIMS));
    assert_eq!(c["dtype"], "f32");
    // --dims or --dtype that contradict the dataset are invalid input.
    let err = s.fails(&["compress", &h5, "h.plm", "--dims", "1,2,3", "--mode", "abs", "--bound", "1"], 2);
    assert!(err.contains("--dims"), "{err}");
    let err = s.fails(&["compress", &h5, "h.plm", "--dtype", "f64", "--mode", "abs", "--bound", "1"], 2);
    assert!(err.contains("--dtype"), "{err}");
    // A missing dataset or file is an I/O failure.
    s.fails(
        &["compress", &format!("{}:/nope", s.arg("out.h5")), "h.plm", "--mode", "abs", "--bound", "1"],
        1,
    );
    s.fails(
        &["compress", &format!("{}:/x", s.arg("missing.h5")), "h.plm", "--mode", "abs", "--bound", "1"],
        1,
    );
}

#[test]
fn errors_name_the_culprit_and_set_the_status() {
    let s = Scratch::new("errors");
    let z = s.synth();
    // Wrong raw size: both byte counts and the file, exit 2.
    let err = s.fails(&["compress", z, "z.plm", "--dims", "24,20,15", "--mode", "abs", "--bound", "1e-3"], 2);
    assert!(
        err.contains("z.f32") && err.contains(&FIELD_BYTES.to_string()) && err.contains("28800"),
        "{err}"
    );
    // Bad flags: exit 2, the flag named.
    let err = s.fails(&["compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "l2", "--bound", "1e-3"], 2);
    assert!(err.contains("--mode"), "{err}");
    let err = s.fails(&["compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "-1"], 2);
    assert!(err.contains("--bound"), "{err}");
    let err = s.fails(&["compress", z, "z.plm", "--dims", "24,x", "--mode", "abs", "--bound", "1"], 2);
    assert!(err.contains("--dims"), "{err}");
    let err = s.fails(&["compress", z, "z.plm", "--mode", "abs", "--bound", "1"], 2);
    assert!(err.contains("--dims"), "{err}");
    let err = s.fails(
        &["compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "1", "--block", "8,8"],
        2,
    );
    assert!(err.contains("--block"), "{err}");
    // Missing input: exit 1, the file named.
    let err = s
        .fails(&["compress", "missing.f32", "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "1"], 1);
    assert!(err.contains("missing.f32"), "{err}");
    let err = s.fails(&["decompress", "missing.plm", "z.out"], 1);
    assert!(err.contains("missing.plm"), "{err}");

    // Corrupt streams: exit 1, the byte offset named; never a panic.
    s.ok(&["compress", z, "z.plm", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "1e-3"]);
    let good = std::fs::read(s.path("z.plm")).expect("stream");
    for at in [0, 5, 20, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        std::fs::write(s.path("bad.plm"), &bad).expect("write bad.plm");
        let err = s.fails(&["decompress", "bad.plm", "bad.out"], 1);
        assert!(err.contains("byte offset"), "flip at {at}: {err}");
        s.fails(&["extract", "bad.plm", "bad.out", "--start", "0,0,0", "--extent", "24,20,16"], 1);
    }
    std::fs::write(s.path("short.plm"), &good[..good.len() / 3]).expect("write short.plm");
    let err = s.fails(&["inspect", "short.plm"], 1);
    assert!(err.contains("byte offset"), "{err}");
    // Not a stream at all.
    let err = s.fails(&["inspect", z], 1);
    assert!(err.contains("byte offset 0"), "{err}");
    // eval of fields that differ in size.
    s.ok(&["synth", "small.f32", "--dims", "4,4"]);
    let err = s.fails(&["eval", z, "small.f32", "--dims", DIMS_ARG], 2);
    assert!(err.contains("small.f32"), "{err}");
}

#[test]
fn human_output_and_help() {
    let s = Scratch::new("human");
    let z = s.synth();
    let out = s.ok(&[
        "compress",
        z,
        "z.plm",
        "--dims",
        DIMS_ARG,
        "--mode",
        "abs",
        "--bound",
        "1e-3",
        "--repeat",
        "2",
        "--threads",
        "1",
    ]);
    for key in ["ratio", "bits/value", "seconds", "MB/s", "abs bound", "outliers", "best of 2"] {
        assert!(out.contains(key), "compress table lacks '{key}': {out}");
    }
    let out = s.ok(&["eval", z, z, "--dims", DIMS_ARG]);
    for key in ["max_abs_error", "psnr_db", "ssim", "pearson", "nrmse"] {
        assert!(out.contains(key), "eval table lacks '{key}': {out}");
    }
    for sub in ["compress", "decompress", "eval", "inspect", "synth", "extract"] {
        let help = s.ok(&[sub, "--help"]);
        assert!(help.contains("--json") || sub == "synth" || help.contains("Usage"), "{sub}: {help}");
    }
    let help = s.ok(&["compress", "--help"]);
    for flag in [
        "--dims",
        "--dtype",
        "--order",
        "--mode",
        "--bound",
        "--encoding",
        "--block",
        "--zstd-level",
        "--threads",
        "--repeat",
        "--json",
    ] {
        assert!(help.contains(flag), "compress --help lacks {flag}");
    }
}
