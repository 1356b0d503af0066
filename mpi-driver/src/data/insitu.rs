//! The in-situ session's output as a training source: a directory with one HDF5 file per
//! output step and `catalog.jsonl` (FORMAT.md, "HDF5 filter and snapshots").
//!
//! - The catalog is read line by line (unknown keys ignored, as FORMAT.md asks of readers)
//!   and queried by step range, bound and field names.
//! - Fields are read with hdf5-metno through Plume's HDF5 filter (id 32801), which this
//!   module registers in-process from the `plume-h5plugin` crate (its filter function and
//!   `H5Z_class2_t`; the driver never links plume-ffi). Any dtype is read as f32 (HDF5
//!   converts f64), the `labels` dataset as u8 (decoded by the filter when it is filtered).
//! - A snapshot's four channels are decoded once when the dataset is opened and held in
//!   memory (nothing decompressed is written to disk), permuted so that the window depth
//!   runs along the fastest axis: the layout [`super::Dataset`] cuts windows from.
//!
//! A lossless reference run is the same case written with `mode = 'abs'` and
//! `error_bound = 0` (also `pw_rel 0` or `rel 0`): every value is then stored exactly (the
//! catalog's `max_abs_error` is 0 for every field, which [`RunCatalog::check_lossless`]
//! verifies).

use std::path::{Path, PathBuf};
use std::sync::Once;

use serde::{Deserialize, Serialize};

use plume_core::label::LabelParams;
use plume_core::{Error, ErrorKind, Result};

use super::catalog::Labeler;

/// The catalog's file name in a run directory.
pub const CATALOG_FILE: &str = "catalog.jsonl";

/// One field of a catalog line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEntry {
    /// Dataset name.
    pub name: String,
    /// Bound mode asked for.
    pub mode: String,
    /// Bound value asked for.
    pub bound: f64,
    /// Mode every rank compressed with.
    #[serde(default)]
    pub effective_mode: String,
    /// Bound every rank compressed with.
    #[serde(default)]
    pub effective_bound: f64,
    /// Values in the global field.
    #[serde(default)]
    pub n_values: u64,
    /// Bytes before compression.
    #[serde(default)]
    pub original_bytes: u64,
    /// Bytes stored in the file.
    #[serde(default)]
    pub stored_bytes: u64,
    /// `original_bytes / stored_bytes`.
    #[serde(default)]
    pub ratio: f64,
    /// Largest absolute error over the field.
    #[serde(default)]
    pub max_abs_error: f64,
    /// Largest point-wise relative error.
    #[serde(default)]
    pub max_pw_rel_error: f64,
    /// PSNR in dB (`None` when infinite: lossless).
    #[serde(default)]
    pub psnr_db: Option<f64>,
    /// Global minimum.
    #[serde(default)]
    pub value_min: f64,
    /// Global maximum.
    #[serde(default)]
    pub value_max: f64,
}

/// One catalog line: a complete snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepEntry {
    /// Solver step.
    pub step: i64,
    /// Solver time.
    #[serde(default)]
    pub time: f64,
    /// The snapshot file: the recorded path's file name in the run directory.
    pub path: PathBuf,
    /// Whether a `labels` dataset was written.
    #[serde(default)]
    pub labels: bool,
    /// File size.
    #[serde(default)]
    pub file_bytes: u64,
    /// The fields.
    pub fields: Vec<FieldEntry>,
}

impl StepEntry {
    /// The field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldEntry> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A name for messages and `data.snapshots`: the file's stem (`step_00000040`).
    pub fn name(&self) -> String {
        self.path.file_stem().map_or_else(|| format!("step_{:08}", self.step), |s| s.to_string_lossy().into())
    }
}

/// A run directory's catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCatalog {
    /// The run directory.
    pub dir: PathBuf,
    /// Its snapshots in catalog order, paths in `dir`.
    pub steps: Vec<StepEntry>,
}

impl RunCatalog {
    /// Reads `dir/catalog.jsonl` (blank lines skipped; a bad line fails with its number).
    pub fn load(dir: &Path) -> Result<RunCatalog> {
        let path = dir.join(CATALOG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "cannot read {} (is {} an in-situ output directory?): {e}",
                    path.display(),
                    dir.display()
                ),
            )
        })?;
        let mut steps = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut s: StepEntry = serde_json::from_str(line)
                .map_err(|e| Error::invalid(format!("{} line {}: {e}", path.display(), i + 1)))?;
            // The snapshot lies beside the catalog (FORMAT.md: `<output>/step_<step>.h5`);
            // the session records the path as the solver saw it (relative to its working
            // directory), so only the file name is used and the directory may move.
            let file = s.path.file_name().map(PathBuf::from).ok_or_else(|| {
                Error::invalid(format!("{} line {}: path {:?} names no file", path.display(), i + 1, s.path))
            })?;
            s.path = dir.join(file);
            steps.push(s);
        }
        if steps.is_empty() {
            return Err(Error::invalid(format!("{}: no snapshot", path.display())));
        }
        Ok(RunCatalog { dir: dir.to_path_buf(), steps })
    }

    /// The step `step`.
    pub fn step(&self, step: i64) -> Option<&StepEntry> {
        self.steps.iter().find(|s| s.step == step)
    }

    /// Steps in `range` (inclusive) whose `fields` all exist and, when `bound` is given,
    /// were all written with it. A field missing from a selected step is an error naming it.
    pub fn query(
        &self,
        range: Option<[i64; 2]>,
        bound: Option<f64>,
        fields: &[String],
    ) -> Result<Vec<&StepEntry>> {
        let mut out = Vec::new();
        for s in &self.steps {
            if range.is_some_and(|[a, b]| s.step < a || s.step > b) {
                continue;
            }
            let mut all = true;
            for f in fields {
                let Some(e) = s.field(f) else {
                    return Err(Error::invalid(format!(
                        "{}: step {} has no field '{f}' (it has: {})",
                        self.dir.display(),
                        s.step,
                        s.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                };
                if bound.is_some_and(|b| (e.bound - b).abs() > 1e-9 * b.abs().max(f64::MIN_POSITIVE)) {
                    all = false;
                }
            }
            if all {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Fails unless every `fields` of `step` was stored exactly (max_abs_error 0).
    pub fn check_lossless(&self, step: &StepEntry, fields: &[String]) -> Result<()> {
        for f in fields {
            let e = step.field(f).ok_or_else(|| {
                Error::invalid(format!("{}: step {} has no field '{f}'", self.dir.display(), step.step))
            })?;
            if e.max_abs_error != 0.0 {
                return Err(Error::invalid(format!(
                    "{}: step {} field '{f}' is lossy ({} {}, max abs error {:e}); the clean reference \
                     must be a lossless run (mode = 'abs', error_bound = 0)",
                    self.dir.display(),
                    step.step,
                    e.mode,
                    e.bound,
                    e.max_abs_error
                )));
            }
        }
        Ok(())
    }
}

/// Registers Plume's HDF5 filter (id 32801) with the linked HDF5, once per process.
pub fn register_filter() -> Result<()> {
    static ONCE: Once = Once::new();
    static mut STATUS: i32 = 0;
    ONCE.call_once(|| {
        hdf5::sync::sync(|| {
            // SAFETY: H5open initialises the library; the class is a static with HDF5's layout.
            unsafe {
                hdf5_sys::h5::H5open();
                STATUS = hdf5_sys::h5z::H5Zregister(
                    &h5plume::PLUME_H5Z_CLASS as *const h5plume::H5ZClass2 as *const _,
                );
            }
        })
    });
    // SAFETY: written once inside call_once, only read after it.
    if unsafe { STATUS } < 0 {
        return Err(Error::new(ErrorKind::Io, "HDF5: H5Zregister(plume filter 32801) failed"));
    }
    Ok(())
}

/// An HDF5 failure on `path` as an `Io` error naming what was being done.
pub(crate) fn h5(path: &Path, what: &str, e: hdf5::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {what}: {e}", path.display()))
}

/// Reads dataset `name` of snapshot `path` as `T` (HDF5 converts between number types;
/// filtered datasets are decoded by the filter) with its dims.
pub fn read_dataset<T: hdf5::H5Type>(path: &Path, name: &str) -> Result<(Vec<usize>, Vec<T>)> {
    register_filter()?;
    let file = hdf5::File::open(path).map_err(|e| h5(path, "open", e))?;
    let ds = file.dataset(name).map_err(|e| h5(path, &format!("dataset '{name}'"), e))?;
    let dims = ds.shape();
    let v = ds.read_raw::<T>().map_err(|e| h5(path, &format!("read '{name}'"), e))?;
    Ok((dims, v))
}

/// Reads dataset `name` of snapshot `path` as f32 (any number type) with its dims.
pub fn read_f32(path: &Path, name: &str) -> Result<(Vec<usize>, Vec<f32>)> {
    read_dataset::<f32>(path, name)
}

/// Reads the u8 `labels` dataset of snapshot `path` with its dims.
pub fn read_labels(path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    read_dataset::<u8>(path, "labels")
}

/// How the labels of snapshot `path` were computed: the thresholds in `/labels`' attribute
/// `label_params` and the coordinates `/label_coords_<s>` of its storage axes (unit spacing
/// on the axes without them; FORMAT.md "Snapshot files"). Files that record neither (or have
/// no labels) give the labeler's defaults and unit spacing.
pub fn read_labeler(path: &Path) -> Result<Labeler> {
    register_filter()?;
    let file = hdf5::File::open(path).map_err(|e| h5(path, "open", e))?;
    let mut params = LabelParams::default();
    let Ok(labels) = file.dataset("labels") else { return Ok(Labeler { params, coords: None }) };
    let dims = labels.shape();
    if let Ok(attr) = labels.attr("label_params") {
        let text = attr
            .read_scalar::<hdf5::types::FixedAscii<4096>>()
            .map_err(|e| h5(path, "read /labels attribute label_params", e))?;
        for item in text.as_str().lines().filter(|l| !l.trim().is_empty()) {
            params.set_item(item).map_err(|e| {
                Error::invalid(format!(
                    "{}: /labels attribute label_params '{item}': {}",
                    path.display(),
                    e.message()
                ))
            })?;
        }
    }
    let mut recorded = false;
    let mut coords = Vec::with_capacity(dims.len());
    for (s, &n) in dims.iter().enumerate() {
        let name = format!("label_coords_{s}");
        let axis = match file.dataset(&name) {
            Ok(ds) => {
                recorded = true;
                let v = ds.read_raw::<f64>().map_err(|e| h5(path, &format!("read '{name}'"), e))?;
                if v.len() != n {
                    return Err(Error::invalid(format!(
                        "{}: '{name}' has {} values, storage axis {s} of /labels has {n} cells",
                        path.display(),
                        v.len()
                    )));
                }
                v
            }
            Err(_) => (0..n).map(|i| i as f64).collect(),
        };
        coords.push(axis);
    }
    Ok(Labeler { params, coords: recorded.then_some(coords) })
}

/// The dims after [`depth_last`]: the two other axes in storage order, then `axis`.
pub fn depth_last_dims(dims: [usize; 3], axis: usize) -> [usize; 3] {
    let mut o = [0usize; 3];
    let mut k = 0;
    for (a, &d) in dims.iter().enumerate() {
        if a != axis {
            o[k] = d;
            k += 1;
        }
    }
    o[2] = dims[axis];
    o
}

/// Permutes a C-order 3-D array so storage axis `axis` becomes the fastest (the others keep
/// their order).
pub fn depth_last<T: Copy>(v: &[T], dims: [usize; 3], axis: usize) -> Vec<T> {
    if axis == 2 {
        return v.to_vec();
    }
    let od = depth_last_dims(dims, axis);
    let strides = [dims[1] * dims[2], dims[2], 1];
    let others: Vec<usize> = (0..3).filter(|&a| a != axis).collect();
    let (sa, sb, sd) = (strides[others[0]], strides[others[1]], strides[axis]);
    let mut out = Vec::with_capacity(v.len());
    for a in 0..od[0] {
        for b in 0..od[1] {
            let base = a * sa + b * sb;
            out.extend((0..od[2]).map(|d| v[base + d * sd]));
        }
    }
    out
}

/// The four channels (and optionally the labels) of one snapshot, decoded and permuted
/// depth-last: `(dims, channels, labels)`.
pub type Decoded = ([usize; 3], [Vec<f32>; 4], Option<Vec<u8>>);

/// Reads `fields` (and the labels when `labels`) of `step`, checks they share 3-D dims, and
/// permutes them depth-last along `depth_axis`.
pub fn read_step(step: &StepEntry, fields: &[String; 4], labels: bool, depth_axis: usize) -> Result<Decoded> {
    let path = &step.path;
    let mut dims: Option<Vec<usize>> = None;
    let mut chans: Vec<Vec<f32>> = Vec::with_capacity(4);
    let mut check = |d: Vec<usize>, what: &str| -> Result<()> {
        if d.len() != 3 {
            return Err(Error::invalid(format!(
                "{}: '{what}' has {} dims {d:?}; the trainer reads 3-D fields",
                path.display(),
                d.len()
            )));
        }
        match &dims {
            Some(d0) if *d0 != d => Err(Error::invalid(format!(
                "{}: '{what}' has dims {d:?}, '{}' has {d0:?}",
                path.display(),
                fields[0]
            ))),
            Some(_) => Ok(()),
            None => {
                dims = Some(d);
                Ok(())
            }
        }
    };
    for f in fields {
        let (d, v) = read_f32(path, f)?;
        check(d, f)?;
        chans.push(v);
    }
    let lab = if labels {
        let (d, v) = read_labels(path)?;
        check(d, "labels")?;
        Some(v)
    } else {
        None
    };
    let d = dims.unwrap_or_default();
    let d3 = [d[0], d[1], d[2]];
    let perm = |v: &[f32]| depth_last(v, d3, depth_axis);
    let channels = [perm(&chans[0]), perm(&chans[1]), perm(&chans[2]), perm(&chans[3])];
    Ok((depth_last_dims(d3, depth_axis), channels, lab.map(|l| depth_last(&l, d3, depth_axis))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labeler_recorded_in_a_snapshot_is_read_back() {
        use hdf5::types::FixedAscii;
        let path = std::env::temp_dir().join(format!("plume-labeler-{}.h5", std::process::id()));
        let write = |params: &str, coords_len: usize| {
            let file = hdf5::File::create(&path).unwrap();
            let ds = file.new_dataset::<u8>().shape([4, 5, 6]).create("labels").unwrap();
            ds.write_raw(&[3u8; 120]).unwrap();
            let text = FixedAscii::<256>::from_ascii(params.as_bytes()).unwrap();
            ds.new_attr::<FixedAscii<256>>().create("label_params").unwrap().write_scalar(&text).unwrap();
            let y: Vec<f64> = (0..coords_len).map(|i| (i * i) as f64).collect();
            file.new_dataset::<f64>()
                .shape([coords_len])
                .create("label_coords_1")
                .unwrap()
                .write_raw(&y)
                .unwrap();
        };
        write("eps_z=0.02\nflame_rule=either\nh2o_ref=field_max", 5);
        let l = read_labeler(&path).unwrap();
        let want = LabelParams {
            eps_z: 0.02,
            flame_rule: plume_core::label::FlameRule::Either,
            h2o_ref: None,
            ..LabelParams::default()
        };
        assert_eq!(l.params, want);
        let c = l.coords.unwrap();
        assert_eq!(c[0], vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(c[1], vec![0.0, 1.0, 4.0, 9.0, 16.0]);
        assert_eq!(c[2], (0..6).map(|i| i as f64).collect::<Vec<_>>());
        // Bad records name the file, the object and what is wrong.
        write("eps_z=0.02\nbogus=1", 5);
        let e = read_labeler(&path).unwrap_err().to_string();
        assert!(e.contains("label_params 'bogus=1'") && e.contains("unknown labeler parameter"), "{e}");
        write("eps_z=0.02", 7);
        let e = read_labeler(&path).unwrap_err().to_string();
        assert!(e.contains("'label_coords_1' has 7 values") && e.contains("5 cells"), "{e}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn depth_last_moves_one_axis_and_keeps_the_others() {
        let dims = [2, 3, 4];
        let v: Vec<usize> = (0..24).collect();
        for axis in 0..3 {
            let p = depth_last(&v, dims, axis);
            let od = depth_last_dims(dims, axis);
            assert_eq!(od[2], dims[axis]);
            for a in 0..od[0] {
                for b in 0..od[1] {
                    for d in 0..od[2] {
                        let mut idx = [0usize; 3];
                        let others: Vec<usize> = (0..3).filter(|&x| x != axis).collect();
                        idx[others[0]] = a;
                        idx[others[1]] = b;
                        idx[axis] = d;
                        let src = (idx[0] * 3 + idx[1]) * 4 + idx[2];
                        assert_eq!(p[(a * od[1] + b) * od[2] + d], src);
                    }
                }
            }
        }
    }

    #[test]
    fn catalog_lines_parse_and_query() {
        let dir = std::env::temp_dir().join(format!("plume-insitu-cat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let line = |step: i64, bound: f64, err: f64| {
            format!(
                r#"{{"step":{step},"time":0.5,"path":"step_{step:08}.h5","labels":true,"file_bytes":10,"new_key":1,"fields":[{{"name":"Y_H2","mode":"pw_rel","bound":{bound},"max_abs_error":{err},"psnr_db":null}},{{"name":"Z","mode":"pw_rel","bound":{bound},"max_abs_error":{err}}}]}}"#
            )
        };
        let text = format!("{}\n{}\n\n{}\n", line(10, 0.1, 1e-3), line(20, 0.1, 1e-3), line(30, 0.0, 0.0));
        std::fs::write(dir.join(CATALOG_FILE), text).unwrap_or_default();
        let c = RunCatalog::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.steps.len(), 3);
        assert_eq!(c.steps[0].path, dir.join("step_00000010.h5"));
        assert_eq!(c.steps[0].name(), "step_00000010");
        let f = ["Y_H2".to_string(), "Z".to_string()];
        let q = |r, b| c.query(r, b, &f).unwrap_or_default().iter().map(|s| s.step).collect::<Vec<_>>();
        assert_eq!(q(None, None), [10, 20, 30]);
        assert_eq!(q(Some([15, 30]), None), [20, 30]);
        assert_eq!(q(None, Some(0.1)), [10, 20]);
        assert!(c.query(None, None, &["Y_O2".to_string()]).is_err());
        assert!(c.check_lossless(&c.steps[2], &f).is_ok());
        let e = c.check_lossless(&c.steps[0], &f).unwrap_err().to_string();
        assert!(e.contains("lossy") && e.contains("error_bound = 0"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
