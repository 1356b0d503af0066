//! `plume-train experiment`: the study's experiment from one deck, end to end at a tiny size
//! on a BLASTNet-layout dataset this test writes (import by the `plume` CLI built beside
//! plume-train, trainings under `mpirun -n 2`, the report), and its deck errors.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

mod common;

use std::path::{Path, PathBuf};

use common::{ok, run, scratch};
use plume_core::synth::jet_flame;
use serde_json::Value;

const DIMS: [usize; 3] = [32, 24, 6];

fn write_f32(path: &Path, values: &[f32]) {
    std::fs::write(path, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
}

/// A two-snapshot BLASTNet directory (H2, O2, H2O, N2; 1-D grid files, y stretched).
fn write_blastnet(dir: &Path) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("grid")).unwrap();
    let mut local = Vec::new();
    for id in [0i64, 1] {
        let f = jet_flame(&DIMS, 3 + id as u64).unwrap();
        let n2: Vec<f32> = (0..f.y_h2.len()).map(|i| 1.0 - f.y_h2[i] - f.y_o2[i] - f.y_h2o[i]).collect();
        let mut entry = format!("{{\"id\": {id}");
        for (name, v) in [("H2", &f.y_h2), ("O2", &f.y_o2), ("H2O", &f.y_h2o), ("N2", &n2)] {
            let file = format!("./data/Y{name}_id{id:03}.dat");
            write_f32(&dir.join(&file), v);
            entry += &format!(", \"Y{name} filename\": \"{file}\"");
        }
        local.push(entry + "}");
    }
    // A stretched y grid, as in the study's DNS.
    for (axis, n) in ["X", "Y", "Z"].iter().zip(DIMS) {
        let stretch = if *axis == "Y" { 0.1 } else { 0.0 };
        write_f32(
            &dir.join(format!("grid/{axis}_m.dat")),
            &(0..n).map(|i| i as f32).map(|i| (i + stretch * i * i) * 1e-5).collect::<Vec<_>>(),
        );
    }
    let info = format!(
        "{{\"global\": {{\"Nxyz\": [{}, {}, {}], \"grid\": {{\"x\": \"./grid/X_m.dat\", \"y\": \"./grid/Y_m.dat\", \
         \"z\": \"./grid/Z_m.dat\"}}}}, \"local\": [{}]}}",
        DIMS[0],
        DIMS[1],
        DIMS[2],
        local.join(", ")
    );
    std::fs::write(dir.join("info.json"), info).unwrap();
}

fn plume_beside_plume_train() -> PathBuf {
    let p = Path::new(common::bin()).with_file_name("plume");
    assert!(p.is_file(), "{} is missing: build the workspace (`cargo test --workspace`)", p.display());
    p
}

const TRAINING: &str = r#"
[training]
seed = 3
[training.model]
preset = "tiny"
window = 8
[training.data]
split = [0.6, 0.2, 0.2]
decode_threads = 1
[training.train]
global_batch = 4
stages = [{ lr = 2e-3, epochs = 1 }]
sqrt_batch_scaling = false
patience = 0
threads = 1
"#;

#[test]
fn blastnet_experiment_runs_end_to_end() {
    let dir = scratch("experiment-blastnet");
    write_blastnet(&dir.join("dataset"));
    let deck = dir.join("experiment.toml");
    std::fs::write(
        &deck,
        format!(
            "title = \"test experiment\"\nranks = 2\nout = \"out\"\n\
             [source.blastnet]\ndir = \"dataset\"\nbounds = [0.1]\nplume = \"{}\"\n{TRAINING}",
            plume_beside_plume_train().display()
        ),
    )
    .unwrap();
    let stdout = ok(&run(&["experiment", "--config", deck.to_str().unwrap()]));
    let out = dir.join("out");
    assert!(stdout.contains(&out.join("report/report.html").display().to_string()), "{stdout}");
    // Three trainings: the lossless network serves both scenarios.
    for t in ["lossless-clean-labels", "pw_rel-0.1-clean-labels", "pw_rel-0.1-recomputed-labels"] {
        assert!(out.join("train").join(t).join("run/eval.json").is_file(), "training {t}");
    }
    assert!(!out.join("train/lossless-recomputed-labels").exists());

    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report/report.json")).unwrap()).unwrap();
    let checks = r["checks"].as_array().unwrap();
    assert!(checks.len() >= 6, "{checks:?}");
    assert!(checks.iter().all(|c| c[1] == true), "{checks:?}");
    // The report labels with the imported grid: it reproduces the stored clean labels.
    assert!(
        checks.iter().any(|c| c[0].as_str().unwrap().starts_with("clean run: whole-field labels")),
        "{checks:?}"
    );
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let (lossless, lossy) = (&cases[0], &cases[1]);
    assert_eq!(lossless["bound"], 0.0);
    assert_eq!(lossless["labels"]["n_changed"], 0);
    assert_eq!(lossy["mode"], "pw_rel");
    assert_eq!(lossy["bound"], 0.1);
    assert_eq!(lossy["snapshots"].as_array().unwrap().len(), 2);
    // Stored bytes are the stream files' sizes; the ratio is bytes over bytes.
    for f in lossy["fields"].as_array().unwrap() {
        let stem = match f["name"].as_str().unwrap() {
            "Y_H2" => "y_h2",
            "Y_O2" => "y_o2",
            "Y_H2O" => "y_h2o",
            _ => "z",
        };
        let on_disk: u64 = ["id000", "id001"]
            .iter()
            .map(|id| {
                std::fs::metadata(out.join(format!("import/pw_rel-0.1/{id}/{stem}.plm"))).unwrap().len()
            })
            .sum();
        assert_eq!(f["stored_bytes"].as_u64().unwrap(), on_disk, "{f}");
        assert_eq!(f["original_bytes"].as_u64().unwrap(), 2 * 4 * 32 * 24 * 6);
        let ratio = f["ratio"].as_f64().unwrap();
        assert!((ratio - (2.0 * 4.0 * 4608.0) / on_disk as f64).abs() < 1e-9 * ratio && ratio > 1.0);
        assert!(f["max_pw_rel_error"].as_f64().unwrap() <= 0.1 * (1.0 + 1e-12));
        let ssim = f["min_ssim"].as_f64().unwrap();
        assert!(ssim > 0.0 && ssim < 1.0, "{f}");
    }
    for c in [
        &lossy["training"],
        &lossy["training_recomputed"],
        &lossless["training"],
        &lossless["training_recomputed"],
    ] {
        let acc = c["test"]["overall_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{c}");
    }
    for png in [
        "ratio.png",
        "psnr.png",
        "ssim.png",
        "fields.png",
        "label_maps.png",
        "label_error.png",
        "class_accuracy.png",
        "class_accuracy_recomputed.png",
        "loss_curves.png",
        "loss_curves_recomputed.png",
    ] {
        let bytes = std::fs::read(out.join("report").join(png)).unwrap_or_else(|e| panic!("{png}: {e}"));
        assert_eq!(&bytes[1..4], b"PNG", "{png}");
    }
    let md = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(md.contains("Scenario (ii)") && md.contains("[source.blastnet]"), "{md}");
}

#[test]
fn deck_errors_name_the_key() {
    let dir = scratch("experiment-errors");
    let cases: [(&str, &str); 6] = [
        ("colour = 1\n[source.blastnet]\ndir = \"d\"\n", "colour"),
        ("[source.blastnet]\ndir = \"d\"\n[[source.run]]\nbound = 0.0\ndir = \"r\"\n", "not both"),
        ("[[source.run]]\nbound = 0.1\ndir = \"r\"\n", "bound = 0"),
        (
            "[[source.run]]\nbound = 0.0\ndir = \"a\"\n[[source.run]]\nbound = 0.0\ndir = \"b\"\n",
            "two runs with bound 0",
        ),
        ("[source.blastnet]\ndir = \"d\"\nbounds = [0.1, 2.0]\n", "source.blastnet.bounds: 2"),
        ("[source.blastnet]\ndir = \"d\"\n[training.data]\ncatalog = \"c.toml\"\n", "training.data.catalog"),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let deck = dir.join(format!("deck{i}.toml"));
        let body = if text.contains("[training") { text.to_string() } else { format!("{text}[training]\n") };
        std::fs::write(&deck, body).unwrap();
        let out = run(&["experiment", "--config", deck.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "deck {i}: {err}");
        assert!(err.contains(expect) && err.contains("deck"), "deck {i}: expected '{expect}' in: {err}");
    }
    // `plume experiment` runs the plume-train beside it: same message, same status.
    let deck = dir.join("deck0.toml");
    let out = std::process::Command::new(plume_beside_plume_train())
        .args(["experiment", "--config", deck.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("colour") && err.contains("plume: error: experiment"), "{err}");
}
