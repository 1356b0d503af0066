//! Training from the in-situ session's output layout (one HDF5 file per step through filter
//! 32801, `catalog.jsonl`): a lossy run for the features, a lossless run for validation and
//! test; the catalog query; recomputed labels equal the stored ones on lossless data (a
//! stretched grid recorded in the files, every depth axis); the
//! errors a wrong directory gives. (The real session writing these files under mpirun and
//! the trainer reading them on 2 ranks: tests/main_job.sh, `.ci/main-job`.)

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

mod common;
use std::path::Path;

use common::*;
use plume_mpi_driver::config::TrainConfig;
use plume_mpi_driver::data::synth::write_jet_insitu_run;
use plume_mpi_driver::data::{Dataset, Features, Labels};

const STEPS: [i64; 3] = [10, 20, 30];

/// `dir/lossy` (PW_REL 0.1) and `dir/clean` (ABS 0) runs of storage dims 6 x 16 x 16.
fn runs(dir: &Path) {
    let _lock = hdf5_fork_lock();
    write_jet_insitu_run(&dir.join("lossy"), [6, 16, 16], &STEPS, 0.1, 5).unwrap();
    write_jet_insitu_run(&dir.join("clean"), [6, 16, 16], &STEPS, 0.0, 5).unwrap();
}

fn deck(dir: &Path, insitu: &str, data: &str) -> std::path::PathBuf {
    let text = format!(
        "seed = 3\n[model]\npreset = \"tiny\"\n[data]\ndecode_threads = 1\n{data}\n[data.insitu]\n{insitu}\n\
         [train]\nglobal_batch = 4\nthreads = 1\npatience = 0\nstages = [{{ lr = 2e-3, epochs = 1 }}]\n\
         [output]\ndir = \"run\"\nprogress = false\n"
    );
    let p = dir.join("train.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn trains_from_a_lossy_run_and_evaluates_on_the_lossless_one() {
    let dir = scratch("insitu-train");
    runs(&dir);
    let d = deck(&dir, "dir = \"lossy\"\nclean_dir = \"clean\"\nsteps = [10, 30]\nbound = 0.1", "");
    let out = ok(&run(&["--config", d.to_str().unwrap()]));
    let eval: serde_json::Value = serde_json::from_str(out.trim()).expect("eval JSON");
    assert_eq!(eval["split"], "test");
    let acc = eval["scores"]["overall_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc), "{eval}");
    assert!(dir.join("run/metrics.json").exists() && dir.join("run/panel_0.png").exists());

    // The query: a step range, the bound, max_snapshots.
    let c = TrainConfig::load(&d).unwrap();
    let ds = Dataset::open(&c.data, 8, 3, 1).unwrap();
    let n = ds.split.train.len() + ds.split.val.len() + ds.split.test.len();
    assert_eq!(n, 3 * 2 * 2 * 2, "3 steps x (16/8)^2 x 6/3 windows");
    let d2 = deck(&dir, "dir = \"lossy\"\nclean_dir = \"clean\"\nsteps = [15, 30]", "max_snapshots = 1");
    let c = TrainConfig::load(&d2).unwrap();
    let ds = Dataset::open(&c.data, 8, 3, 1).unwrap();
    assert_eq!(ds.split.train.len() + ds.split.val.len() + ds.split.test.len(), 8);
}

#[test]
fn recomputed_labels_equal_the_stored_ones_on_lossless_data() {
    let dir = scratch("insitu-recompute");
    runs(&dir);
    for axis in 0..3 {
        let d =
            deck(&dir, &format!("dir = \"clean\"\ndepth_axis = {axis}"), "scenario = \"recomputed_labels\"");
        let c = TrainConfig::load(&d).unwrap();
        let ds = Dataset::open(&c.data, 4, 3, 1).unwrap();
        let mut classes = [0usize; 5];
        for w in ds.split.train.iter().chain(&ds.split.val).chain(&ds.split.test) {
            let (xa, ya) = ds.load(*w, Features::Clean, Labels::Stored).unwrap();
            let (xb, yb) = ds.load(*w, Features::Lossy, Labels::Recomputed).unwrap();
            assert_eq!(xa, xb, "lossless features");
            assert_eq!(ya, yb, "depth axis {axis}, window {w:?}");
            ya.iter().for_each(|&c| classes[c as usize] += 1);
        }
        assert!(classes.iter().filter(|&&n| n > 0).count() >= 3, "{classes:?}");
    }
    // The recorded grid matters: unit spacing labels some cells otherwise.
    let file = dir.join("clean/step_00000010.h5");
    let (dims, stored) = plume_mpi_driver::data::insitu::read_labels(&file).unwrap();
    let f: Vec<Vec<f64>> = ["Y_H2", "Y_O2", "Y_H2O", "Z"]
        .iter()
        .map(|n| plume_mpi_driver::data::insitu::read_dataset::<f64>(&file, n).unwrap().1)
        .collect();
    let shape = plume_core::Shape::new(&dims, plume_core::Order::C).unwrap();
    let sp = plume_core::label::SpeciesFields { y_h2: &f[0], y_o2: &f[1], y_h2o: &f[2] };
    let unit = plume_core::label::label_field(
        &sp,
        &plume_core::label::ZInput::Supplied(&f[3]),
        &plume_core::label::LabelGrid::new(&shape),
        &Default::default(),
    )
    .unwrap();
    assert_ne!(unit.values, stored, "the stretched grid should change some labels");
    // Scenario (ii) trains on the lossy run.
    let d = deck(&dir, "dir = \"lossy\"\nclean_dir = \"clean\"", "scenario = \"recomputed_labels\"");
    ok(&run(&["--config", d.to_str().unwrap()]));
}

#[test]
fn wrong_runs_and_queries_are_named() {
    let dir = scratch("insitu-errors");
    runs(&dir);
    let fail = |insitu: &str, want: &str| {
        let d = deck(&dir, insitu, "");
        let out = run(&["--config", d.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "wanted '{want}' in: {err}");
    };
    fail("dir = \"lossy\"", "is lossy");
    fail("dir = \"lossy\"\nclean_dir = \"lossy\"", "must be a lossless run");
    fail("dir = \"lossy\"\nclean_dir = \"clean\"\nbound = 0.01", "selects no snapshot");
    fail("dir = \"lossy\"\nclean_dir = \"clean\"\nsteps = [11, 19]", "selects no snapshot");
    fail("dir = \"clean\"\nfields = [\"Y_H2\", \"Y_O2\", \"Y_H2O\", \"T\"]", "no field 'T'");
    fail("dir = \"clean\"\ndepth_axis = 3", "depth_axis");
    fail("dir = \"clean\"\nwindow = 3", "unknown field `window`");
    let out = run(&["--config", deck(&dir, "dir = \"nowhere\"", "").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog.jsonl"));
}
