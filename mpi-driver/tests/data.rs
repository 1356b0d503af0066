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

#[test]
fn recomputed_labels_use_the_catalogs_grid_and_thresholds() {
    use plume_core::codec::decompress;
    use plume_core::label::{compress_labels, label_field, LabelGrid, SpeciesFields, ZInput};
    use plume_core::{Order, Shape};
    use plume_mpi_driver::data::catalog::CoordFiles;
    use plume_mpi_driver::data::Catalog;

    let dir = scratch("data-labels-grid");
    let dims = [24, 20, 9];
    let cat = write_jet_catalog(&dir, dims, 1, 0.0, 11).unwrap();
    // A stretched y grid and a non-default threshold, as `plume import` records them.
    let axes: [Vec<f64>; 3] = [0usize, 1, 2].map(|a| {
        (0..dims[a])
            .map(|i| i as f64)
            .map(|i| if a == 1 { 0.5 * i + 0.05 * i * i } else { 0.7 * i })
            .collect()
    });
    let files = ["grid-x.f64", "grid-y.f64", "grid-z.f64"].map(|f| dir.join(f));
    for (f, axis) in files.iter().zip(&axes) {
        std::fs::write(f, axis.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    }
    let mut c = Catalog::load(&cat).unwrap();
    let e = &mut c.snapshot[0];
    let [x, y, z] = files.clone();
    e.coords = Some(CoordFiles { x, y, z });
    e.label_set = vec!["h2o_frac=0.15".to_string()];
    let labeler = e.labeler().unwrap();
    assert_eq!(labeler.coords.as_ref().unwrap(), &axes.to_vec());
    // The stored labels: that labeler on the (lossless) fields.
    let f: Vec<Vec<f32>> =
        e.fields.paths().iter().map(|p| decompress::<f32>(&std::fs::read(p).unwrap()).unwrap().0).collect();
    let shape = Shape::new(&dims, Order::C).unwrap();
    let sp = SpeciesFields { y_h2: &f[0], y_o2: &f[1], y_h2o: &f[2] };
    let grid =
        LabelGrid::new(&shape).with_coords(0, &axes[0]).with_coords(1, &axes[1]).with_coords(2, &axes[2]);
    let labels = label_field(&sp, &ZInput::Supplied(&f[3]), &grid, &labeler.params).unwrap().values;
    let unit =
        label_field(&sp, &ZInput::Supplied(&f[3]), &LabelGrid::new(&shape), &Default::default()).unwrap();
    assert_ne!(unit.values, labels, "the grid and threshold should change some labels");
    std::fs::write(&e.labels, compress_labels(&labels, &shape).unwrap()).unwrap();
    c.save(&cat).unwrap();

    let ds = open(&cat, 4, 1);
    let all: Vec<_> = ds.split.train.iter().chain(&ds.split.val).chain(&ds.split.test).copied().collect();
    for w in all {
        let (_, ys) = ds.load(w, Features::Lossy, Labels::Stored).unwrap();
        let (_, yr) = ds.load(w, Features::Lossy, Labels::Recomputed).unwrap();
        assert_eq!(ys, yr, "{w:?}");
    }

    // Bad entries name the snapshot and the key.
    let mut bad = Catalog::load(&cat).unwrap();
    bad.snapshot[0].label_set = vec!["h2o_frac".to_string()];
    let err = bad.snapshot[0].labeler().unwrap_err().to_string();
    assert!(err.contains("label_set") && err.contains("NAME=VALUE"), "{err}");
    std::fs::write(&files[1], [0u8; 16]).unwrap();
    let err = Catalog::load(&cat).unwrap().snapshot[0].labeler().unwrap_err().to_string();
    assert!(err.contains("coords.y") && err.contains("dims[1]"), "{err}");
}
