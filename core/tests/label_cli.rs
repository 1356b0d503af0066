//! End-to-end tests of `plume synth --case jet-flame`, `plume label` and
//! `plume eval --labels`: the built binary runs in a temporary directory.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const DIMS: [usize; 3] = [64, 40, 12];
const DIMS_ARG: &str = "64,40,12";
const N: usize = 64 * 40 * 12;

/// A scratch directory with a jet-flame case in it (`jf_YH2.f32` ...), removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("plume-label-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch dir");
        let s = Scratch(dir);
        s.ok(&["synth", "jf", "--case", "jet-flame", "--dims", DIMS_ARG, "--seed", "4"]);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn plume(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_plume"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("run the plume binary")
    }

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

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("plume {all:?}: not JSON ({e}): {text}"))
    }

    fn fails(&self, args: &[&str], status: i32) -> String {
        let out = self.plume(args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(status), "plume {args:?}: stderr {stderr}");
        assert!(stderr.starts_with("plume: error: "), "plume {args:?}: stderr {stderr}");
        assert!(!stderr.contains("panicked"), "plume {args:?} panicked: {stderr}");
        stderr
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read")
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).expect("write");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The species flags of the jet-flame case.
const SPECIES: [&str; 6] = ["--yh2", "jf_YH2.f32", "--yo2", "jf_YO2.f32", "--yh2o", "jf_YH2O.f32"];

fn label_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["label", out, "--dims", DIMS_ARG];
    a.extend_from_slice(&SPECIES);
    a.extend_from_slice(extra);
    a
}

#[test]
fn synth_label_eval_round_trip() {
    let s = Scratch::new("round-trip");
    for f in ["jf_YH2.f32", "jf_YO2.f32", "jf_YH2O.f32", "jf_Z.f32"] {
        assert_eq!(s.read(f).len(), 4 * N, "{f}");
    }
    let report = s.json(&label_args("z.u8", &["--z", "jf_Z.f32", "--stream", "z.plume"]));
    assert_eq!(report["n_cells"], N);
    assert_eq!(report["z_source"], "supplied");
    let classes = report["classes"].as_array().expect("classes");
    assert_eq!(classes.len(), 5);
    for (id, c) in classes.iter().enumerate() {
        assert_eq!(c["id"], id);
        let f = c["fraction"].as_f64().expect("fraction");
        assert!(f > 0.01, "class {}: {f}", c["class"]);
    }
    assert_eq!(classes[0]["class"], "premixed_flame");
    assert_eq!(report["params"]["eps_z"], 0.01);
    assert!(report["cells_per_s"].as_f64().expect("rate") > 0.0);
    let bits = report["stream"]["bits_per_cell"].as_f64().expect("stream");
    assert!(bits < 2.0, "{bits} bits per cell");
    let labels = s.read("z.u8");
    assert_eq!(labels.len(), N);
    assert!(labels.iter().all(|&l| l < 5));

    // Bilger's Z from the species gives the same labels; so does the label stream.
    s.ok(&label_args("bilger.u8", &["--bilger", "--species", "OH=jf_Z.f32", "--species", "N2=jf_Z.f32"]));
    let e = s.json(&["eval", "--labels", "z.u8", "bilger.u8", "--dims", DIMS_ARG]);
    // OH read from a non-zero file changes Z, so some cells must move...
    assert!(e["n_changed"].as_u64().expect("n") > 0);
    s.ok(&label_args("bilger.u8", &["--bilger"]));
    let e = s.json(&["eval", "--labels", "z.u8", "bilger.u8", "--dims", DIMS_ARG]);
    assert!(e["error_fraction"].as_f64().expect("f") < 1e-3, "{e}");
    let e = s.json(&["eval", "--labels", "z.plume", "z.u8"]);
    assert_eq!(e["n_changed"], 0);
    assert_eq!(e["dims"], serde_json::json!(DIMS));

    // One changed cell: premixed -> pure air shows in the counts and the confusion matrix.
    let mut changed = labels.clone();
    let at = changed.iter().position(|&l| l == 0).expect("a premixed cell");
    changed[at] = 3;
    s.write("changed.u8", &changed);
    let e = s.json(&["eval", "--labels", "z.u8", "changed.u8", "--dims", DIMS_ARG]);
    assert_eq!(e["n_changed"], 1);
    assert_eq!(e["per_class"][0]["n_changed"], 1);
    assert_eq!(e["confusion"][0][3], 1);
    let table = s.ok(&["eval", "--labels", "z.u8", "changed.u8", "--dims", DIMS_ARG]);
    assert!(table.contains("label error") && table.contains("confusion"), "{table}");
}

#[test]
fn thresholds_coordinates_dtype_and_order() {
    let s = Scratch::new("options");
    let base = s.json(&label_args("a.u8", &["--z", "jf_Z.f32"]));
    // A wider pure-stream margin: more pure air and fuel.
    let wide =
        s.json(&label_args("b.u8", &["--z", "jf_Z.f32", "--set", "eps_z=0.1", "--set", "h2o_ref=field_max"]));
    assert_eq!(wide["params"]["eps_z"], 0.1);
    assert!(wide["params"]["h2o_ref"].is_null());
    let frac = |v: &Value, c: usize| v["classes"][c]["fraction"].as_f64().expect("fraction");
    assert!(frac(&wide, 3) > frac(&base, 3) && frac(&wide, 2) > frac(&base, 2));

    // A stretched y grid (f64, strictly increasing).
    let y: Vec<u8> =
        (0..DIMS[1]).flat_map(|j| (3.0 * (j as f64 / 39.0 - 0.5)).sinh().to_le_bytes()).collect();
    s.write("y.f64", &y);
    s.ok(&label_args("c.u8", &["--z", "jf_Z.f32", "--coord", "1=y.f64"]));
    let err = s.fails(&label_args("c.u8", &["--z", "jf_Z.f32", "--coord", "0=y.f64"]), 2);
    assert!(err.contains("--coord"), "{err}");
    let mut flat = y.clone();
    flat[8..16].copy_from_slice(&y[0..8]);
    s.write("bad.f64", &flat);
    let err = s.fails(&label_args("c.u8", &["--z", "jf_Z.f32", "--coord", "1=bad.f64"]), 2);
    assert!(err.contains("--coord") && err.contains("increasing"), "{err}");
    let err = s.fails(&label_args("c.u8", &["--z", "jf_Z.f32", "--coord", "3=y.f64"]), 2);
    assert!(err.contains("--coord"), "{err}");

    // f64 copies and the same memory read as a Fortran array of reversed dims.
    for f in ["jf_YH2", "jf_YO2", "jf_YH2O", "jf_Z"] {
        let wide: Vec<u8> = s
            .read(&format!("{f}.f32"))
            .chunks_exact(4)
            .flat_map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])).to_le_bytes())
            .collect();
        s.write(&format!("{f}.f64"), &wide);
    }
    s.ok(&[
        "label",
        "d.u8",
        "--dims",
        DIMS_ARG,
        "--dtype",
        "f64",
        "--yh2",
        "jf_YH2.f64",
        "--yo2",
        "jf_YO2.f64",
        "--yh2o",
        "jf_YH2O.f64",
        "--z",
        "jf_Z.f64",
    ]);
    assert_eq!(s.read("d.u8"), s.read("a.u8"));
    s.ok(&[
        "label",
        "f.u8",
        "--dims",
        "12,40,64",
        "--order",
        "f",
        "--yh2",
        "jf_YH2.f32",
        "--yo2",
        "jf_YO2.f32",
        "--yh2o",
        "jf_YH2O.f32",
        "--z",
        "jf_Z.f32",
    ]);
    assert_eq!(s.read("f.u8"), s.read("a.u8"));
}

#[test]
fn usage_errors_name_the_flag() {
    let s = Scratch::new("errors");
    let err = s.fails(&label_args("x.u8", &[]), 2);
    assert!(err.contains("--z") || err.contains("--bilger"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--z", "jf_Z.f32", "--bilger"]), 2);
    assert!(err.contains("--bilger") || err.contains("--z"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--z", "jf_Z.f32", "--set", "nope=1"]), 2);
    assert!(err.contains("--set") && err.contains("nope"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--z", "jf_Z.f32", "--set", "eps_z"]), 2);
    assert!(err.contains("--set"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--z", "jf_Z.f32", "--set", "fi_threshold=2"]), 2);
    assert!(err.contains("fi_threshold"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--bilger", "--species", "Xx=jf_Z.f32"]), 2);
    assert!(err.contains("--species"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--bilger", "--species", "H2O=jf_Z.f32"]), 2);
    assert!(err.contains("--yh2"), "{err}");
    s.write("short.f32", &[0u8; 40]);
    let mut a = label_args("x.u8", &["--z", "jf_Z.f32"]);
    a[7] = "short.f32"; // --yo2
    let err = s.fails(&a, 2);
    assert!(err.contains("--yo2") && err.contains("short.f32"), "{err}");
    let err = s.fails(&label_args("x.u8", &["--z", "missing.f32"]), 1);
    assert!(err.contains("--z") && err.contains("missing.f32"), "{err}");

    // eval --labels.
    s.ok(&label_args("a.u8", &["--z", "jf_Z.f32"]));
    let err = s.fails(&["eval", "--labels", "a.u8", "a.u8"], 2);
    assert!(err.contains("--dims"), "{err}");
    let err = s.fails(&["eval", "--labels", "a.u8", "a.u8", "--dims", "64,40"], 2);
    assert!(err.contains("a.u8"), "{err}");
    let err = s.fails(&["eval", "--labels", "a.u8", "a.u8", "--dims", DIMS_ARG, "--dtype", "f32"], 2);
    assert!(err.contains("--dtype"), "{err}");
    let mut bad = s.read("a.u8");
    bad[5] = 7;
    s.write("bad.u8", &bad);
    let err = s.fails(&["eval", "--labels", "a.u8", "bad.u8", "--dims", DIMS_ARG], 2);
    assert!(err.contains("index 5"), "{err}");
    // A field stream is not a label stream.
    s.ok(&["compress", "jf_Z.f32", "z.plume", "--dims", DIMS_ARG, "--mode", "abs", "--bound", "0.01"]);
    let err = s.fails(&["eval", "--labels", "z.plume", "a.u8", "--dims", DIMS_ARG], 1);
    assert!(err.contains("z.plume") && err.contains("class id"), "{err}");
    // synth --case jet-flame needs 3 dims.
    let err = s.fails(&["synth", "x", "--case", "jet-flame", "--dims", "16,16"], 2);
    assert!(err.contains("--dims"), "{err}");
}

/// Decodes an RGB PNG: (width, height, pixels).
fn read_png(path: &std::path::Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("open png")));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0u8; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

#[test]
fn render_fields_labels_and_panels() {
    let s = Scratch::new("render");
    let one = s.json(&["render", "z.png", "jf_Z.f32", "--dims", DIMS_ARG]);
    assert_eq!(one["panels"], 1);
    assert_eq!(one["axes"], serde_json::json!([0, 1]));
    assert_eq!(one["fixed"], serde_json::json!([[2, 6]]));
    let (w, h, _) = read_png(&s.path("z.png"));
    assert_eq!(
        (w, h),
        (one["width"].as_u64().expect("w") as usize, one["height"].as_u64().expect("h") as usize)
    );
    s.ok(&["render", "w.png", "jf_YH2O.f32", "--dims", DIMS_ARG, "--scale", "log", "--range", "1e-4,0.25"]);
    s.ok(&["render", "x.png", "jf_Z.f32", "--dims", DIMS_ARG, "--slice", "0=10"]);
    // original | decompressed | difference.
    s.ok(&["compress", "jf_Z.f32", "z.plume", "--dims", DIMS_ARG, "--mode", "pw_rel", "--bound", "0.1"]);
    s.ok(&["decompress", "z.plume", "z_dec.f32"]);
    let three = s.json(&["render", "cmp.png", "jf_Z.f32", "z_dec.f32", "--dims", DIMS_ARG]);
    assert_eq!(three["panels"], 3);
    assert!(three["width"].as_u64().expect("w") > 3 * one["width"].as_u64().expect("w") / 2);

    // A label map: every cell has the legend's colour, index 0 at the bottom.
    let dims = [5usize, 4];
    let ids: Vec<u8> = (0..20u8).map(|i| (i * 3) % 5).collect();
    s.write("l.u8", &ids);
    s.ok(&["render", "l.png", "l.u8", "--labels", "--dims", "5,4", "--zoom", "1"]);
    let (w, _, px) = read_png(&s.path("l.png"));
    let colours = [[214u8, 39, 40], [255, 127, 14], [31, 119, 180], [199, 199, 199], [44, 160, 44]];
    for hh in 0..dims[0] {
        for v in 0..dims[1] {
            let (x, y) = (12 + hh, 12 + dims[1] - 1 - v);
            let k = (y * w + x) * 3;
            assert_eq!(px[k..k + 3], colours[ids[hh * dims[1] + v] as usize], "cell ({hh}, {v})");
        }
    }
    s.ok(&label_args("a.u8", &["--z", "jf_Z.f32", "--stream", "a.plume"]));
    let lab = s.json(&["render", "lab.png", "a.plume", "a.u8", "--labels"]);
    assert_eq!(lab["panels"], 3);
    // Several bounds side by side: original | each.
    let many =
        s.json(&["render", "many.png", "a.u8", "a.plume", "a.u8", "a.u8", "--labels", "--dims", DIMS_ARG]);
    assert_eq!(many["panels"], 4);
    let many = s.json(&["render", "manyz.png", "jf_Z.f32", "z_dec.f32", "jf_Z.f32", "--dims", DIMS_ARG]);
    assert_eq!(many["panels"], 3);

    // Errors name the flag.
    let err = s.fails(&["render", "e.png", "jf_Z.f32", "--dims", DIMS_ARG, "--slice", "2=99"], 2);
    assert!(err.contains("--slice"), "{err}");
    let err =
        s.fails(&["render", "e.png", "jf_Z.f32", "--dims", DIMS_ARG, "--slice", "0=1", "--slice", "1=1"], 2);
    assert!(err.contains("--slice"), "{err}");
    let err = s.fails(&["render", "e.png", "jf_Z.f32", "--dims", DIMS_ARG, "--range", "1,0"], 2);
    assert!(err.contains("--range"), "{err}");
    let err =
        s.fails(&["render", "e.png", "jf_Z.f32", "--dims", DIMS_ARG, "--scale", "log", "--range", "0,1"], 2);
    assert!(err.contains("--range"), "{err}");
    let err = s.fails(&["render", "e.png", "jf_Z.f32", "--dims", "7680"], 2);
    assert!(err.contains("--dims"), "{err}");
}
