//! `plume import blastnet`: a small BLASTNet-layout directory written here (info.json, one
//! raw float32 file per variable, a full 3-D x grid, a 1-D stretched y grid), imported, and
//! every output checked: the lossless set bit for bit, the lossy sets within their PW_REL
//! bound, Z equal to Bilger's formula over all species, the labels equal to the labeler's
//! on the clean fields with the stretched grid, the catalogs naming the streams; then the
//! errors for a missing species, a wrong file size, a missing file and bad dims.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::path::{Path, PathBuf};
use std::process::Output;

use plume_core::codec::decompress;
use plume_core::label::{
    decompress_labels, label_field, Bilger, Composition, LabelGrid, LabelParams, Species, SpeciesFields,
    ZInput,
};
use plume_core::synth::jet_flame;
use plume_core::{Order, Shape};
use serde_json::Value;

const DIMS: [usize; 3] = [32, 24, 6];
const N: usize = 32 * 24 * 6;

struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("plume-import-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("grid")).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// The species of snapshot `id` (jet-flame fields plus OH and N2) and the y coordinates.
struct Case {
    species: Vec<(&'static str, Vec<f32>)>,
    y: Vec<f64>,
}

/// Writes a two-snapshot BLASTNet directory and returns the first snapshot's data.
fn write_dataset(dir: &Path) -> Case {
    let mut first = None;
    let mut local = Vec::new();
    for id in [0i64, 5] {
        let f = jet_flame(&DIMS, 10 + id as u64).unwrap();
        let oh: Vec<f32> = f.y_h2o.iter().map(|&w| 0.02 * w).collect();
        let n2: Vec<f32> = (0..N).map(|i| 1.0 - f.y_h2[i] - f.y_o2[i] - f.y_h2o[i] - oh[i]).collect();
        let species = vec![("H2", f.y_h2), ("O2", f.y_o2), ("H2O", f.y_h2o), ("OH", oh), ("N2", n2)];
        let mut entry = format!("{{\"id\": {id}, \"time [s]\": {}", id as f64 * 1e-5);
        for (name, v) in &species {
            let file = format!("./data/Y{name}_id{id:03}.dat");
            write_f32(&dir.join(&file), v);
            entry += &format!(", \"Y{name} filename\": \"{file}\"");
        }
        // A variable that is not a species is ignored.
        write_f32(&dir.join(format!("data/T_K_id{id:03}.dat")), &vec![300.0; N]);
        entry += &format!(", \"T_K filename\": \"./data/T_K_id{id:03}.dat\"}}");
        local.push(entry);
        first.get_or_insert(species);
    }
    // x: the full (Nx, Ny, Nz) array, uniform; y: 1-D and stretched; z: full, uniform.
    let full = |axis: usize| -> Vec<f32> {
        let mut v = Vec::with_capacity(N);
        for i in 0..DIMS[0] {
            for j in 0..DIMS[1] {
                for k in 0..DIMS[2] {
                    v.push([i, j, k][axis] as f32 * 1.5e-5);
                }
            }
        }
        v
    };
    let y: Vec<f32> = (0..DIMS[1]).map(|j| 1.5e-5 * (j as f32 + 0.02 * (j * j) as f32)).collect();
    write_f32(&dir.join("grid/X_m.dat"), &full(0));
    write_f32(&dir.join("grid/Y_m.dat"), &y);
    write_f32(&dir.join("grid/Z_m.dat"), &full(2));
    let info = format!(
        "{{\"global\": {{\"dataset_id\": \"test/lifted-h2\", \"Nxyz\": [{}, {}, {}], \"snapshots\": 2,\n\
         \"variables\": [\"T_K\", \"YH2\", \"YO2\", \"YH2O\", \"YOH\", \"YN2\"],\n\
         \"grid\": {{\"x\": \"./grid/X_m.dat\", \"y\": \"./grid/Y_m.dat\", \"z\": \"./grid/Z_m.dat\"}}}},\n\
         \"local\": [{}]}}",
        DIMS[0],
        DIMS[1],
        DIMS[2],
        local.join(",\n")
    );
    std::fs::write(dir.join("info.json"), info).unwrap();
    Case { species: first.unwrap(), y: y.iter().map(|&v| f64::from(v)).collect() }
}

fn plume(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_plume")).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn imports_features_z_labels_and_catalogs() {
    let s = Scratch::new("ok");
    let case = write_dataset(&s.0);
    let out_dir = s.0.join("out");
    let out = plume(&[
        "import",
        "blastnet",
        s.0.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--bounds",
        "0.01,0.1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(report["grid"], "info.json global.grid");

    // Z: Bilger over every species file (OH included, N2 inert), as f32.
    let bilger = Bilger::new(Composition::h2_n2_fuel(), Composition::air()).unwrap();
    let parsed: Vec<(Species, &Vec<f32>)> =
        case.species.iter().map(|(n, v)| (Species::parse(n).unwrap(), v)).collect();
    let z_want: Vec<f32> = (0..N)
        .map(|i| {
            let state: Vec<(Species, f64)> =
                parsed.iter().map(|(s, v)| (s.clone(), f64::from(v[i]))).collect();
            bilger.mixture_fraction(&state) as f32
        })
        .collect();

    let read = |rel: &str| -> Vec<f32> {
        let (v, shape) = decompress::<f32>(&std::fs::read(out_dir.join(rel)).unwrap()).unwrap();
        assert_eq!(shape.dims(), DIMS, "{rel}");
        v
    };
    // The lossless set: the species bit for bit, Z within f32 rounding of the formula.
    for (name, k) in [("y_h2", 0), ("y_o2", 1), ("y_h2o", 2)] {
        let got = read(&format!("lossless/id000/{name}.plm"));
        assert!(got.iter().zip(&case.species[k].1).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}");
    }
    let z = read("lossless/id000/z.plm");
    for (a, b) in z.iter().zip(&z_want) {
        assert!((a - b).abs() <= 2e-7 * b.abs().max(1.0), "Z {a} vs {b}");
    }
    assert!(z.iter().any(|&v| v > 0.9) && z.iter().any(|&v| v < 0.05), "jet core and air");

    // Lossy sets within their point-wise bound.
    for (p, set) in [(0.01f32, "pw_rel-0.01"), (0.1, "pw_rel-0.1")] {
        for (name, k) in [("y_h2", 0), ("y_o2", 1), ("y_h2o", 2)] {
            let got = read(&format!("{set}/id005/{name}.plm"));
            let want = jet_flame(&DIMS, 15).unwrap();
            let orig = [&want.y_h2, &want.y_o2, &want.y_h2o][k];
            for (a, b) in got.iter().zip(orig) {
                assert!((a - b).abs() <= p * b.abs() * 1.000_001, "{set} {name}: {a} vs {b}");
            }
        }
    }

    // Labels: the labeler on the clean fields with the stretched y grid.
    let shape = Shape::new(&DIMS, Order::C).unwrap();
    let x: Vec<f64> = (0..DIMS[0]).map(|i| f64::from(i as f32 * 1.5e-5)).collect();
    let zc: Vec<f64> = (0..DIMS[2]).map(|k| f64::from(k as f32 * 1.5e-5)).collect();
    let grid = LabelGrid::new(&shape).with_coords(0, &x).with_coords(1, &case.y).with_coords(2, &zc);
    let fields =
        SpeciesFields { y_h2: &case.species[0].1, y_o2: &case.species[1].1, y_h2o: &case.species[2].1 };
    let want = label_field(&fields, &ZInput::Supplied(&z), &grid, &LabelParams::default()).unwrap();
    let (labels, lshape) =
        decompress_labels(&std::fs::read(out_dir.join("lossless/id000/labels.plm")).unwrap()).unwrap();
    assert_eq!(lshape.dims(), DIMS);
    assert_eq!(labels, want.values);
    // The grid matters: unit spacing gives other labels somewhere.
    let unit = label_field(&fields, &ZInput::Supplied(&z), &LabelGrid::new(&shape), &LabelParams::default())
        .unwrap();
    assert_ne!(unit.values, want.values, "the test grid should change some labels");
    // The label grid is written beside the catalogs, exactly, for readers that relabel.
    for (file, axis) in [("grid-x.f64", &x), ("grid-y.f64", &case.y), ("grid-z.f64", &zc)] {
        let bytes = std::fs::read(out_dir.join(file)).unwrap();
        let back: Vec<f64> =
            bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
        assert_eq!(&back, axis, "{file}");
    }
    let fractions: f64 = report["snapshots"][0]["class_fractions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((fractions - 1.0).abs() < 1e-9);

    // Catalogs: one per set, lossy ones pointing at the lossless reference.
    for (set, bound) in [("lossless", "0.0"), ("pw_rel-0.01", "0.01"), ("pw_rel-0.1", "0.1")] {
        let text = std::fs::read_to_string(out_dir.join(format!("catalog-{set}.toml"))).unwrap();
        assert_eq!(text.matches("[[snapshot]]").count(), 2, "{set}");
        assert_eq!(text.matches(&format!("\nbound = {bound}\n")).count(), 2, "a float bound: {text}");
        assert!(text.contains(&format!("y_h2 = \"{set}/id005/y_h2.plm\"")), "{text}");
        assert!(text.contains("labels = \"lossless/id000/labels.plm\""), "{text}");
        assert_eq!(
            text.matches("coords = { x = \"grid-x.f64\", y = \"grid-y.f64\", z = \"grid-z.f64\" }").count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.contains("clean_fields = { y_h2 = \"lossless/id000/y_h2.plm\""),
            set != "lossless",
            "{text}"
        );
    }
    for s in report["snapshots"].as_array().unwrap() {
        for set in s["sets"].as_array().unwrap() {
            // (The lossless reference is ABS 0: every value an outlier, ratio about 0.5.)
            let ratio = set["total_ratio"].as_f64().unwrap();
            assert!(ratio > 1.0 || set["pw_rel"] == 0.0, "{set}");
            for f in set["fields"].as_array().unwrap() {
                let pw = f["max_pw_rel_error"].as_f64().unwrap();
                assert!(pw <= set["pw_rel"].as_f64().unwrap() * 1.000_001, "{f}");
            }
        }
    }
    assert!(out_dir.join("import.json").is_file());
}

#[test]
fn errors_name_the_entry_the_file_or_the_key() {
    let s = Scratch::new("errors");
    write_dataset(&s.0);
    let dir = s.0.to_str().unwrap();
    let out_dir = s.0.join("out");
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "blastnet", dir, "--out", out_dir.to_str().unwrap(), "--bounds", "0.1"];
        args.extend_from_slice(extra);
        plume(&args)
    };
    let info = std::fs::read_to_string(s.0.join("info.json")).unwrap();

    // A wrong file size names the file and both sizes.
    write_f32(&s.0.join("data/YO2_id005.dat"), &vec![0.1; N - 6]);
    let out = import(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(e.contains("YO2_id005.dat") && e.contains(&format!("{} bytes", 4 * (N - 6))), "{e}");
    assert!(e.contains(&format!("{} bytes", 4 * N)), "{e}");

    // --ids skips the bad snapshot; an unknown id is named.
    let out = import(&["--ids", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = import(&["--ids", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no snapshot with id 7"), "{}", stderr(&out));

    // A missing species entry, a missing file, bad dims, a bad bound.
    std::fs::write(s.0.join("info.json"), info.replace("\"YO2 filename\"", "\"YO3 filename\"")).unwrap();
    let e = stderr(&import(&["--ids", "0"]));
    assert!(e.contains("id 0: 'YO2 filename' is missing"), "{e}");
    std::fs::write(s.0.join("info.json"), info.replace("YH2O_id000.dat", "gone.dat")).unwrap();
    let out = import(&["--ids", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("gone.dat"), "{}", stderr(&out));
    std::fs::write(s.0.join("info.json"), info.replace("\"Nxyz\": [32, 24, 6]", "\"Nxyz\": [32, 24]"))
        .unwrap();
    let e = stderr(&import(&[]));
    assert!(e.contains("info.json") && e.contains("Nxyz"), "{e}");
    std::fs::write(s.0.join("info.json"), &info).unwrap();
    let e = stderr(&import(&["--bounds", "1.5"]));
    assert!(e.contains("--bounds: 1.5"), "{e}");
}
