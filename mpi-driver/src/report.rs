//! `plume-train report`: the report of the main job and of `plume-train experiment`, from
//! their runs and trainings: the study's Figures 3 to 8 for that data.
//!
//! Input: a manifest (TOML, unknown keys rejected) naming the lossless reference run, one
//! case per bound (its run, [`crate::runs::Run`]: an in-situ output directory or a stream
//! catalog, and optionally the `output.dir` of a training on it per scenario), the exact
//! configuration text, the Plume version and git revision. Output in the report folder:
//! `report.md`, `report.html`, `report.json` (every number), and PNG figures: `ratio.png`
//! (compression ratio per field per bound, Figure 3), `psnr.png` and `ssim.png` (per field
//! per bound) with `fields.png` (a slice of the first field per bound, Figure 4),
//! `label_maps.png` and `label_error.png` (labels recomputed from the decompressed fields,
//! per class per bound, Figure 5), `class_accuracy.png` and, for scenario (ii),
//! `class_accuracy_recomputed.png` (per-class test accuracy per bound, Figure 6),
//! `panel_<case>.png` (prediction | truth | Y_H2O input of a test window, Figure 7),
//! `loss_curves.png` (and `loss_curves_recomputed.png`, Figure 8).
//!
//! Errors, PSNR and SSIM are computed here from the decoded fields against the clean run's.
//! Every ratio is recomputed as bytes / bytes (in-situ runs: also checked against the HDF5
//! dataset's stored size and the catalog); the lossless run must have zero error and zero
//! label error; accuracies must lie in [0, 1]; a PW_REL run's point-wise error must be
//! within its bound. A failed check is listed in the report and makes the command fail.
//!
//! ```toml
//! title = "Plume main job"
//! git = "3c50705"
//! configuration = "...verbatim..."
//! clean = "runs/lossless"        # or a stream catalog: "import/catalog-lossless.toml"
//! slice_axis = 0                 # figures' slices: the middle index along this axis
//! [[case]]
//! name = "pw_rel 1e-1"
//! run = "runs/pw_rel-1e-1"
//! train = "train/pw_rel-1e-1"                        # scenario (i), optional
//! train_recomputed = "train/pw_rel-1e-1-recomputed"  # scenario (ii), optional
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use plume_core::label::{label_error, label_field, Class, SpeciesFields, ZInput, N_CLASSES};
use plume_core::metrics::compare;
use plume_core::{Error, ErrorKind, FieldView, Order, Result, Shape};

use crate::figures::{self, Slice};
use crate::metrics::Scores;
use crate::runs::Run;
use crate::train::EpochRecord;

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The report's title.
    pub title: String,
    /// Plume's version (default: this build's).
    pub plume_version: Option<String>,
    /// The git revision of the tree that ran.
    pub git: String,
    /// The exact configuration, shown verbatim.
    pub configuration: String,
    /// The lossless reference run (clean fields and labels): an in-situ output directory or
    /// a stream catalog.
    pub clean: PathBuf,
    /// The figures' field and label slices: the middle index along this storage axis
    /// (0 = slowest).
    #[serde(default)]
    pub slice_axis: usize,
    /// The label fields (Y_H2, Y_O2, Y_H2O, Z).
    #[serde(default = "label_fields")]
    pub label_fields: [String; 4],
    /// Wall-clock seconds of the job's stages, in order.
    #[serde(default)]
    pub timings: Vec<Timing>,
    /// One per bound.
    pub case: Vec<Case>,
}

fn label_fields() -> [String; 4] {
    ["Y_H2", "Y_O2", "Y_H2O", "Z"].map(String::from)
}

/// A stage's wall time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// What ran.
    pub stage: String,
    /// Seconds.
    pub seconds: f64,
}

/// One bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A short name (`pw_rel 1e-1`).
    pub name: String,
    /// The run: an in-situ output directory or a stream catalog.
    pub run: PathBuf,
    /// Scenario (i), clean labels: the training's output directory (metrics.json,
    /// eval.json, panel_0.png), if any.
    pub train: Option<PathBuf>,
    /// Scenario (ii), labels recomputed from the decompressed fields: the same, if any.
    #[serde(default)]
    pub train_recomputed: Option<PathBuf>,
}

/// One field over all steps of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSummary {
    /// Dataset.
    pub name: String,
    /// Bound mode asked for.
    pub mode: String,
    /// Bound asked for.
    pub bound: f64,
    /// Bytes before compression, summed over steps.
    pub original_bytes: u64,
    /// Bytes stored (the HDF5 datasets' storage sizes), summed over steps.
    pub stored_bytes: u64,
    /// `original_bytes / stored_bytes`.
    pub ratio: f64,
    /// Largest absolute error over the steps.
    pub max_abs_error: f64,
    /// Largest point-wise relative error over the steps.
    pub max_pw_rel_error: f64,
    /// Lowest PSNR over the steps (`None`: lossless everywhere).
    pub min_psnr_db: Option<f64>,
    /// Lowest SSIM over the steps (windowed, 3-D).
    pub min_ssim: f64,
}

/// Labels recomputed from a run's decompressed fields against the clean labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSummary {
    /// Cells compared.
    pub n_cells: u64,
    /// Cells whose class changed.
    pub n_changed: u64,
    /// `n_changed / n_cells`.
    pub error_fraction: f64,
    /// Per clean class: cells of it.
    pub class_cells: Vec<u64>,
    /// Per clean class: the fraction relabelled (`None`: absent).
    pub class_error: Vec<Option<f64>>,
}

/// A training on a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Epochs run.
    pub epochs: usize,
    /// Training loss per epoch.
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch (clean features and labels).
    pub val_loss: Vec<f64>,
    /// Training seconds per sample (last epoch).
    pub train_s_per_sample: f64,
    /// Test windows.
    pub test_windows: u64,
    /// Test loss.
    pub test_loss: f64,
    /// Test scores (clean features, clean labels).
    pub test: Scores,
}

/// One case's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Name.
    pub name: String,
    /// Run directory.
    pub run: PathBuf,
    /// Bound mode of the label fields.
    pub mode: String,
    /// Bound of the label fields.
    pub bound: f64,
    /// The run's snapshots (in-situ: steps; stream catalogs: names).
    pub snapshots: Vec<String>,
    /// Per field.
    pub fields: Vec<FieldSummary>,
    /// Whole snapshot files: original bytes of every field over stored file bytes.
    pub file_ratio: f64,
    /// Label error.
    pub labels: LabelSummary,
    /// Scenario (i) training, when one ran.
    pub training: Option<TrainSummary>,
    /// Scenario (ii) training, when one ran.
    pub training_recomputed: Option<TrainSummary>,
}

/// The report's data (`report.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The manifest as given.
    pub manifest: Manifest,
    /// Per case.
    pub cases: Vec<CaseReport>,
    /// The in-situ labels of the lossless run vs its whole-field relabel.
    pub stored_vs_relabel: StoredVsRelabel,
    /// `(check, passed)`.
    pub checks: Vec<(String, bool)>,
    /// The figures' slices (not in `report.json`).
    #[serde(skip)]
    pub slices: Slices,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::invalid(format!("{}: {e}", path.display())))
}

impl Manifest {
    /// Reads a manifest; paths are relative to its folder.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut m: Manifest = toml::from_str(&text)
            .map_err(|e| Error::invalid(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut m.clean);
        for c in &mut m.case {
            fix(&mut c.run);
            for t in [&mut c.train, &mut c.train_recomputed].into_iter().flatten() {
                fix(t);
            }
        }
        if m.case.is_empty() {
            return Err(Error::invalid(format!("{}: no [[case]]", path.display())));
        }
        Ok(m)
    }
}

/// Summarises one run's compression against the clean run (in-situ runs: also checks each
/// field's catalog ratio and stored size against the file).
fn field_summaries(
    run: &Run,
    clean: &Run,
    checks: &mut Vec<(String, bool)>,
    case: &str,
) -> Result<(Vec<FieldSummary>, f64)> {
    let mut out: Vec<FieldSummary> = Vec::new();
    let (mut all_orig, mut all_file) = (0u64, 0u64);
    let mut ratio_ok = true;
    let mut size_ok = true;
    for (i, key) in run.keys().iter().enumerate() {
        let j = clean.index(key)?;
        all_file += run.file_bytes(i)?;
        if let Run::Insitu(c) = run {
            for f in &c.steps[i].fields {
                let r = f.original_bytes as f64 / f.stored_bytes.max(1) as f64;
                ratio_ok &= (r - f.ratio).abs() <= 1e-9 * r;
            }
        }
        for name in run.fields(i) {
            let lossy = run.read(i, &name)?;
            let reference = clean.read(j, &name)?;
            if lossy.dims != reference.dims {
                return Err(Error::invalid(format!(
                    "{case}: snapshot {key} field {name} has dims {:?}, the clean run's {:?}",
                    lossy.dims, reference.dims
                )));
            }
            if let Run::Insitu(c) = run {
                size_ok &= c.steps[i].field(&name).is_some_and(|f| f.stored_bytes == lossy.stored_bytes);
            }
            let shape = Shape::new(&reference.dims, Order::C)?;
            let m = compare(FieldView::new(&reference.values, &shape)?, &lossy.values, None)?;
            all_orig += lossy.original_bytes;
            let (mode, bound) = run.bound(i, &name)?;
            let e = match out.iter().position(|o| o.name == name) {
                Some(k) => &mut out[k],
                None => {
                    out.push(FieldSummary {
                        name: name.clone(),
                        mode,
                        bound,
                        original_bytes: 0,
                        stored_bytes: 0,
                        ratio: 0.0,
                        max_abs_error: 0.0,
                        max_pw_rel_error: 0.0,
                        min_psnr_db: None,
                        min_ssim: 1.0,
                    });
                    let last = out.len() - 1;
                    &mut out[last]
                }
            };
            e.original_bytes += lossy.original_bytes;
            e.stored_bytes += lossy.stored_bytes;
            e.max_abs_error = e.max_abs_error.max(m.max_abs_error);
            e.max_pw_rel_error = e.max_pw_rel_error.max(m.max_pw_rel_error);
            if m.psnr_db.is_finite() {
                e.min_psnr_db = Some(e.min_psnr_db.map_or(m.psnr_db, |p: f64| p.min(m.psnr_db)));
            }
            e.min_ssim = e.min_ssim.min(m.ssim);
        }
    }
    for e in &mut out {
        e.ratio = e.original_bytes as f64 / e.stored_bytes.max(1) as f64;
        if e.mode == "pw_rel" && e.bound > 0.0 {
            checks.push((
                format!(
                    "{case}: {} point-wise error {:.3e} <= bound {}",
                    e.name, e.max_pw_rel_error, e.bound
                ),
                e.max_pw_rel_error <= e.bound * (1.0 + 1e-12),
            ));
        }
    }
    if let Run::Insitu(_) = run {
        checks.push((
            format!("{case}: catalog ratio = original_bytes / stored_bytes for every field and step"),
            ratio_ok,
        ));
        checks.push((format!("{case}: catalog stored_bytes = the HDF5 dataset's storage size"), size_ok));
    }
    Ok((out, all_orig as f64 / all_file.max(1) as f64))
}

/// The whole-field labels (plume_core's labeler with the snapshot's thresholds and grid,
/// [`Run::labeler`]; one-sided differences at the domain boundary) of snapshot `i`'s stored
/// fields, read as stored (f64).
fn relabel(run: &Run, i: usize, fields: &[String; 4]) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut v: Vec<Vec<f64>> = Vec::new();
    let mut dims = Vec::new();
    for f in fields {
        let d = run.read(i, f)?;
        dims = d.dims;
        v.push(d.values);
    }
    let shape = Shape::new(&dims, Order::C)?;
    let sp = SpeciesFields { y_h2: &v[0], y_o2: &v[1], y_h2o: &v[2] };
    let labeler = run.labeler(i)?;
    let grid = labeler.grid(&shape, &vec![0; dims.len()]);
    let lab = label_field(&sp, &ZInput::Supplied(&v[3]), &grid, &labeler.params)?;
    Ok((dims, lab.values))
}

/// Whether C-order index `i` of `dims` lies on the domain's boundary.
fn on_boundary(i: usize, dims: &[usize]) -> bool {
    let mut rest = i;
    let mut edge = false;
    for a in (0..dims.len()).rev() {
        let k = rest % dims[a];
        rest /= dims[a];
        edge |= k == 0 || k + 1 == dims[a];
    }
    edge
}

/// The labels stored in situ vs the whole-field labels of the same (clean) fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredVsRelabel {
    /// Cells compared.
    pub n_cells: u64,
    /// Cells that differ.
    pub n_changed: u64,
    /// Of those, cells on the domain boundary.
    pub n_changed_on_boundary: u64,
}

/// `clean_labels`: [`relabel`] of every clean snapshot, in order.
fn stored_vs_relabel(clean: &Run, clean_labels: &[(Vec<usize>, Vec<u8>)]) -> Result<StoredVsRelabel> {
    let mut r = StoredVsRelabel { n_cells: 0, n_changed: 0, n_changed_on_boundary: 0 };
    for (i, (dims, lab)) in clean_labels.iter().enumerate() {
        let stored = clean.stored_labels(i)?;
        r.n_cells += lab.len() as u64;
        for (i, (a, b)) in lab.iter().zip(&stored).enumerate() {
            if a != b {
                r.n_changed += 1;
                r.n_changed_on_boundary += u64::from(on_boundary(i, dims));
            }
        }
    }
    Ok(r)
}

/// Labels recomputed from `run`'s fields vs those recomputed from `clean`'s, both by the
/// whole-field labeler: the label error the compression alone causes. `clean_labels` as in
/// [`stored_vs_relabel`].
fn label_summary(
    run: &Run,
    clean: &Run,
    clean_labels: &[(Vec<usize>, Vec<u8>)],
    fields: &[String; 4],
) -> Result<LabelSummary> {
    let mut n_cells = 0u64;
    let mut n_changed = 0u64;
    let mut class_cells = vec![0u64; N_CLASSES];
    let mut class_changed = vec![0u64; N_CLASSES];
    for (i, key) in run.keys().iter().enumerate() {
        let reference = &clean_labels[clean.index(key)?].1;
        let (_, lab) = relabel(run, i, fields)?;
        let e = label_error(reference, &lab)?;
        n_cells += e.n_cells;
        n_changed += e.n_changed;
        for ce in &e.per_class {
            class_cells[ce.class.id() as usize] += ce.n_cells;
            class_changed[ce.class.id() as usize] += ce.n_changed;
        }
    }
    Ok(LabelSummary {
        n_cells,
        n_changed,
        error_fraction: n_changed as f64 / n_cells.max(1) as f64,
        class_error: class_cells
            .iter()
            .zip(&class_changed)
            .map(|(&n, &k)| (n > 0).then(|| k as f64 / n as f64))
            .collect(),
        class_cells,
    })
}

fn train_summary(dir: &Path) -> Result<TrainSummary> {
    let hist: Vec<EpochRecord> = read_json(&dir.join("metrics.json"))?;
    let eval: serde_json::Value = read_json(&dir.join("eval.json"))?;
    let test: Scores = serde_json::from_value(eval["scores"].clone())
        .map_err(|e| Error::invalid(format!("{}: scores: {e}", dir.join("eval.json").display())))?;
    Ok(TrainSummary {
        epochs: hist.len(),
        train_loss: hist.iter().map(|r| r.train_loss).collect(),
        val_loss: hist.iter().map(|r| r.val_loss).collect(),
        train_s_per_sample: hist.last().map_or(f64::NAN, |r| r.train_s_per_sample),
        test_windows: eval["windows"].as_u64().unwrap_or(0),
        test_loss: eval["loss"].as_f64().unwrap_or(f64::NAN),
        test,
    })
}

/// A training's summary, with the check that its accuracies lie in [0, 1].
fn checked_training(dir: &Path, what: &str, checks: &mut Vec<(String, bool)>) -> Result<TrainSummary> {
    let s = train_summary(dir)?;
    let acc_ok = s
        .test
        .class_accuracy
        .iter()
        .chain([&s.test.overall_accuracy, &s.test.mean_class_accuracy])
        .flatten()
        .all(|a| (0.0..=1.0).contains(a));
    checks.push((format!("{what}: test accuracies in [0, 1]"), acc_ok));
    Ok(s)
}

/// The middle slice across `axis` of a 3-D C-order array: `(rows, cols, values)`.
fn mid_slice<T: Copy>(v: &[T], dims: &[usize], axis: usize) -> Option<(usize, usize, Vec<T>)> {
    if dims.len() != 3 || axis > 2 {
        return None;
    }
    let strides = [dims[1] * dims[2], dims[2], 1];
    let fixed = dims[axis] / 2;
    let (ra, ca) = match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    };
    let mut out = Vec::with_capacity(dims[ra] * dims[ca]);
    for r in 0..dims[ra] {
        for c in 0..dims[ca] {
            out.push(v[fixed * strides[axis] + r * strides[ra] + c * strides[ca]]);
        }
    }
    Some((dims[ra], dims[ca], out))
}

/// Figures 4 and 5: per case, the middle slice of the first label field and of the labels
/// recomputed from the stored fields, at the clean run's last snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slices {
    /// The snapshot shown.
    pub key: String,
    /// Slice rows and columns.
    pub rows: usize,
    /// Slice columns.
    pub cols: usize,
    /// Per case, the field slice.
    pub field: Vec<Slice>,
    /// Per case, the label slice.
    pub labels: Vec<Slice>,
}

fn slices(m: &Manifest, runs: &[Run], clean: &Run) -> Result<Slices> {
    let mut out = Slices::default();
    let Some(key) = clean.keys().into_iter().rev().find(|k| runs.iter().all(|r| r.index(k).is_ok())) else {
        return Ok(out);
    };
    for run in runs {
        let i = run.index(&key)?;
        let f = run.read(i, &m.label_fields[0])?;
        let (dims, lab) = relabel(run, i, &m.label_fields)?;
        let (Some((rows, cols, fs)), Some((_, _, ls))) =
            (mid_slice(&f.values, &f.dims, m.slice_axis), mid_slice(&lab, &dims, m.slice_axis))
        else {
            return Ok(Slices::default());
        };
        (out.rows, out.cols) = (rows, cols);
        out.field.push(Slice::Scalar(fs));
        out.labels.push(Slice::Labels(ls));
    }
    out.key = key;
    Ok(out)
}

/// Builds the report's numbers and checks.
pub fn build(m: &Manifest) -> Result<Report> {
    let clean = Run::load(&m.clean)?;
    // labelled once, compared with every case
    let clean_labels =
        (0..clean.keys().len()).map(|i| relabel(&clean, i, &m.label_fields)).collect::<Result<Vec<_>>>()?;
    let mut checks = Vec::new();
    // The label errors below mean something only if the report labels like the producer did
    // (same grid and thresholds): on the clean run it must reproduce the stored labels, off
    // the domain boundary (where an in-situ session used the solver's ghost layers).
    let stored_vs_relabel = stored_vs_relabel(&clean, &clean_labels)?;
    checks.push((
        format!(
            "clean run: whole-field labels of its stored fields = its stored labels off the domain boundary \
             ({} snapshots, {} cells differ off it)",
            clean_labels.len(),
            stored_vs_relabel.n_changed - stored_vs_relabel.n_changed_on_boundary
        ),
        stored_vs_relabel.n_changed == stored_vs_relabel.n_changed_on_boundary,
    ));
    let mut cases = Vec::new();
    let mut runs = Vec::new();
    for case in &m.case {
        let run = Run::load(&case.run)?;
        let (fields, file_ratio) = field_summaries(&run, &clean, &mut checks, &case.name)?;
        let lf = fields.iter().find(|f| f.name == m.label_fields[0]);
        let (mode, bound) = lf.map_or((String::new(), f64::NAN), |f| (f.mode.clone(), f.bound));
        let labels = label_summary(&run, &clean, &clean_labels, &m.label_fields)?;
        let lossless = fields.iter().all(|f| f.max_abs_error == 0.0);
        if bound == 0.0 || lossless {
            checks.push((format!("{}: lossless (every field's max abs error is 0)", case.name), lossless));
            checks.push((
                format!(
                    "{}: label error 0 (whole-field labels of the stored fields = those of the clean fields)",
                    case.name
                ),
                labels.n_changed == 0,
            ));
        }
        let training =
            case.train.as_deref().map(|t| checked_training(t, &case.name, &mut checks)).transpose()?;
        let training_recomputed = case
            .train_recomputed
            .as_deref()
            .map(|t| checked_training(t, &format!("{} scenario (ii)", case.name), &mut checks))
            .transpose()?;
        cases.push(CaseReport {
            name: case.name.clone(),
            run: case.run.clone(),
            mode,
            bound,
            snapshots: run.keys(),
            fields,
            file_ratio,
            labels,
            training,
            training_recomputed,
        });
        runs.push(run);
    }
    let slices = slices(m, &runs, &clean)?;
    Ok(Report { manifest: m.clone(), cases, stored_vs_relabel, checks, slices })
}

/// Field colours (matplotlib's tab10), by position in the first case's field list.
const FIELD_COLOURS: [[u8; 3]; 6] =
    [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75]];
const FIELD_COLOUR_NAMES: [&str; 6] = ["blue", "orange", "green", "red", "purple", "brown"];

fn class_colours() -> Vec<[u8; 3]> {
    (0..N_CLASSES as u8).map(|i| Class::from_id(i).map_or([0, 0, 0], Class::colour)).collect()
}

fn class_names() -> Vec<&'static str> {
    (0..N_CLASSES as u8).map(|i| Class::from_id(i).map_or("?", Class::name)).collect()
}

fn bound_label(c: &CaseReport) -> String {
    figures::tick_label(c.bound)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.digits$}"))
}

/// The study's two training scenarios, as the report shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// (i) lossy features, clean labels.
    Clean,
    /// (ii) lossy features, labels recomputed from them.
    Recomputed,
}

impl Scenario {
    fn of(self, c: &CaseReport) -> Option<&TrainSummary> {
        match self {
            Scenario::Clean => c.training.as_ref(),
            Scenario::Recomputed => c.training_recomputed.as_ref(),
        }
    }
}

/// Builds and writes the report of `m` into `out`; returns `report.html`, or an error listing
/// the consistency checks that failed (the report is written either way).
pub fn run(m: &Manifest, out: &Path) -> Result<PathBuf> {
    let r = build(m)?;
    write(&r, out)?;
    let failed: Vec<&str> = r.checks.iter().filter(|c| !c.1).map(|c| c.0.as_str()).collect();
    if !failed.is_empty() {
        return Err(Error::new(
            ErrorKind::CorruptStream,
            format!("report: {} consistency check(s) failed: {}", failed.len(), failed.join("; ")),
        ));
    }
    Ok(out.join("report.html"))
}

/// Writes the figures, `report.md`, `report.html` and `report.json` into `out`.
pub fn write(r: &Report, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    let labels: Vec<String> = r.cases.iter().map(bound_label).collect();
    let field_names: Vec<String> =
        r.cases.first().map_or(Vec::new(), |c| c.fields.iter().map(|f| f.name.clone()).collect());
    let mut save = |c: figures::Canvas, name: &str| -> Result<()> {
        let p = out.join(name);
        c.save(&p)?;
        written.push(p);
        Ok(())
    };
    // Figure 3: each field's ratio, then the whole files' (black).
    let ratio_groups: Vec<Vec<Option<f64>>> = r
        .cases
        .iter()
        .map(|c| {
            field_names
                .iter()
                .map(|n| c.fields.iter().find(|f| &f.name == n).map(|f| f.ratio))
                .chain([Some(c.file_ratio)])
                .collect()
        })
        .collect();
    let mut ratio_colours: Vec<[u8; 3]> =
        (0..field_names.len()).map(|i| FIELD_COLOURS[i % FIELD_COLOURS.len()]).collect();
    ratio_colours.push([0, 0, 0]);
    save(figures::grouped_bars(&ratio_groups, &ratio_colours, &labels, 1.0), "ratio.png")?;
    let per_field = |get: &dyn Fn(&FieldSummary) -> Option<f64>| -> Vec<Vec<Option<f64>>> {
        r.cases
            .iter()
            .map(|c| {
                field_names.iter().map(|n| c.fields.iter().find(|f| &f.name == n).and_then(get)).collect()
            })
            .collect()
    };
    save(figures::grouped_bars(&per_field(&|f| f.min_psnr_db), &FIELD_COLOURS, &labels, 0.0), "psnr.png")?;
    save(figures::grouped_bars(&per_field(&|f| Some(f.min_ssim)), &FIELD_COLOURS, &labels, 1.0), "ssim.png")?;
    let sl = &r.slices;
    if !sl.field.is_empty() {
        save(figures::strip(&sl.field, sl.rows, sl.cols, &labels), "fields.png")?;
        save(figures::strip(&sl.labels, sl.rows, sl.cols, &labels), "label_maps.png")?;
    }
    let le: Vec<Vec<Option<f64>>> = r
        .cases
        .iter()
        .map(|c| c.labels.class_error.iter().copied().chain([Some(c.labels.error_fraction)]).collect())
        .collect();
    let mut le_colours = class_colours();
    le_colours.push([0, 0, 0]);
    save(figures::grouped_bars(&le, &le_colours, &labels, 0.0), "label_error.png")?;
    for (scenario, suffix) in [(Scenario::Clean, ""), (Scenario::Recomputed, "_recomputed")] {
        let trained: Vec<(&CaseReport, &TrainSummary)> =
            r.cases.iter().filter_map(|c| scenario.of(c).map(|t| (c, t))).collect();
        if trained.is_empty() {
            continue;
        }
        let acc: Vec<Vec<Option<f64>>> = trained
            .iter()
            .map(|(_, t)| t.test.class_accuracy.iter().copied().chain([t.test.mean_class_accuracy]).collect())
            .collect();
        let acc_labels: Vec<String> = trained.iter().map(|(c, _)| bound_label(c)).collect();
        save(
            figures::grouped_bars(&acc, &le_colours, &acc_labels, 1.0),
            &format!("class_accuracy{suffix}.png"),
        )?;
        let series: Vec<(Vec<f64>, [u8; 3], bool)> = trained
            .iter()
            .enumerate()
            .flat_map(|(i, (_, t))| {
                let col = FIELD_COLOURS[i % FIELD_COLOURS.len()];
                [(t.train_loss.clone(), col, false), (t.val_loss.clone(), col, true)]
            })
            .collect();
        save(figures::line_chart(&series), &format!("loss_curves{suffix}.png"))?;
    }
    let trained: Vec<&CaseReport> = r.cases.iter().filter(|c| c.training.is_some()).collect();
    let mut panels = Vec::new();
    for c in &trained {
        let Some(dir) = r.manifest.case.iter().find(|m| m.name == c.name).and_then(|m| m.train.clone())
        else {
            continue;
        };
        let src = dir.join("panel_0.png");
        if src.exists() {
            let name = format!("panel_{}.png", slug(&c.name));
            std::fs::copy(&src, out.join(&name)).map_err(|e| Error::io(&src, e))?;
            written.push(out.join(&name));
            panels.push((c.name.clone(), name));
        }
    }
    let json = serde_json::to_string_pretty(r).map_err(|e| Error::invalid(e.to_string()))?;
    let p = out.join("report.json");
    std::fs::write(&p, json).map_err(|e| Error::io(&p, e))?;
    written.push(p);
    let (md, html) = render(r, &field_names, &panels);
    for (name, text) in [("report.md", md), ("report.html", html)] {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
        written.push(p);
    }
    Ok(written)
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// A document written twice: Markdown and HTML.
struct Doc {
    md: String,
    html: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Doc {
    fn h(&mut self, level: usize, t: &str) {
        let _ = writeln!(self.md, "\n{} {t}\n", "#".repeat(level));
        let _ = writeln!(self.html, "<h{level}>{}</h{level}>", esc(t));
    }
    fn p(&mut self, t: &str) {
        let _ = writeln!(self.md, "{t}\n");
        let _ = writeln!(self.html, "<p>{}</p>", esc(t));
    }
    fn pre(&mut self, t: &str) {
        let _ = writeln!(self.md, "```\n{}\n```\n", t.trim_end());
        let _ = writeln!(self.html, "<pre>{}</pre>", esc(t.trim_end()));
    }
    fn table(&mut self, head: &[String], rows: &[Vec<String>]) {
        let _ = writeln!(self.md, "| {} |", head.join(" | "));
        let _ = writeln!(self.md, "|{}", "---|".repeat(head.len()));
        for r in rows {
            let _ = writeln!(self.md, "| {} |", r.join(" | "));
        }
        self.md.push('\n');
        self.html.push_str("<table>\n<tr>");
        for h in head {
            let _ = write!(self.html, "<th>{}</th>", esc(h));
        }
        self.html.push_str("</tr>\n");
        for r in rows {
            self.html.push_str("<tr>");
            for c in r {
                let _ = write!(self.html, "<td>{}</td>", esc(c));
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table>\n");
    }
    fn fig(&mut self, file: &str, caption: &str) {
        let _ = writeln!(self.md, "![{caption}]({file})\n\n*{caption}*\n");
        let _ = writeln!(
            self.html,
            "<figure><img src=\"{file}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            esc(caption),
            esc(caption)
        );
    }
}

fn render(r: &Report, field_names: &[String], panels: &[(String, String)]) -> (String, String) {
    let m = &r.manifest;
    let version = m.plume_version.clone().unwrap_or_else(|| plume_core::VERSION.to_string());
    let mut d = Doc {
        md: String::new(),
        html: format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title><style>\
             body{{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}}\
             table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:2px 8px;text-align:right}}\
             pre{{background:#f4f4f4;padding:1em;overflow-x:auto}}figure{{display:inline-block;margin:1em}}\
             .fail{{color:#c00}}</style></head><body>\n",
            esc(&m.title)
        ),
    };
    let _ = writeln!(d.md, "# {}", m.title);
    let _ = writeln!(d.html, "<h1>{}</h1>", esc(&m.title));
    d.p(&format!("Plume {version}, git {}.", m.git));
    let failed: Vec<&(String, bool)> = r.checks.iter().filter(|c| !c.1).collect();
    d.p(&if failed.is_empty() {
        format!("All {} consistency checks passed (listed at the end).", r.checks.len())
    } else {
        format!("{} of {} consistency checks FAILED (listed at the end).", failed.len(), r.checks.len())
    });

    d.h(2, "Configuration");
    d.pre(&m.configuration);
    if !m.timings.is_empty() {
        d.table(
            &["stage".into(), "seconds".into()],
            &m.timings.iter().map(|t| vec![t.stage.clone(), format!("{:.1}", t.seconds)]).collect::<Vec<_>>(),
        );
    }

    d.h(2, "Compression");
    d.p("Per field over every snapshot of a run: ratio = original bytes / stored bytes (in-situ runs: the \
         HDF5 datasets' storage sizes, filter 32801; stream catalogs: the stream files' sizes), the largest \
         errors, the lowest PSNR and SSIM, all computed from the decoded fields against the clean run's. \
         The file ratio divides the fields' original bytes by the whole files' sizes (labels, metadata \
         included).");
    let mut rows = Vec::new();
    for c in &r.cases {
        for f in &c.fields {
            rows.push(vec![
                c.name.clone(),
                f.name.clone(),
                format!("{} {}", f.mode, figures::tick_label(f.bound)),
                f.original_bytes.to_string(),
                f.stored_bytes.to_string(),
                format!("{:.3}", f.ratio),
                format!("{:.3e}", f.max_abs_error),
                format!("{:.3e}", f.max_pw_rel_error),
                f.min_psnr_db.map_or("inf".into(), |p| format!("{p:.1}")),
                format!("{:.4}", f.min_ssim),
            ]);
        }
        rows.push(vec![
            c.name.clone(),
            "(files)".into(),
            String::new(),
            String::new(),
            String::new(),
            format!("{:.3}", c.file_ratio),
            String::new(),
            String::new(),
            format!("{} snapshots", c.snapshots.len()),
            String::new(),
        ]);
    }
    d.table(
        &[
            "case",
            "field",
            "bound",
            "original B",
            "stored B",
            "ratio",
            "max abs err",
            "max pw-rel err",
            "min PSNR dB",
            "min SSIM",
        ]
        .map(String::from),
        &rows,
    );
    let legend: Vec<String> =
        field_names.iter().enumerate().map(|(i, n)| format!("{n} {}", FIELD_COLOUR_NAMES[i % 6])).collect();
    d.fig(
        "ratio.png",
        &format!(
            "Compression ratio per field (bars: {}; black: the whole files) for each bound (x, left to right \
             as in the table).",
            legend.join(", ")
        ),
    );
    d.fig("psnr.png", "Lowest PSNR (dB) per field (bars as above) for each lossy bound; lossless: no bar.");
    d.fig("ssim.png", "Lowest SSIM per field (bars as above) for each bound.");
    if !r.slices.field.is_empty() {
        d.fig(
            "fields.png",
            &format!(
                "{} of snapshot {}, middle slice across axis {}, for each bound (left to right; shared colour range).",
                r.manifest.label_fields[0], r.slices.key, r.manifest.slice_axis
            ),
        );
    }

    d.h(2, "Labels from decompressed fields");
    d.p("The flame-regime labeler (plume_core, default parameters, whole field) run on each run's stored \
         (decompressed) fields, compared with the same labeler on the lossless run's fields: the fraction \
         of cells whose class changes, per clean class and overall. This is the label noise of scenario \
         (ii) that the compression causes; scenario (i) trains on the clean labels stored in situ.");
    let sv = &r.stored_vs_relabel;
    d.p(&format!(
        "The labels stored in situ and the whole-field labels of the same lossless fields differ in {} of {} \
         cells ({} of them on the domain boundary): in situ, the labeler takes the solver's ghost layers, \
         boundary-condition values included, where the offline labeler uses one-sided differences.",
        sv.n_changed, sv.n_cells, sv.n_changed_on_boundary
    ));
    let names = class_names();
    let mut head = vec!["case".to_string(), "cells".into(), "changed".into(), "error".into()];
    head.extend(names.iter().map(|n| n.to_string()));
    let rows: Vec<Vec<String>> = r
        .cases
        .iter()
        .map(|c| {
            let mut row = vec![
                c.name.clone(),
                c.labels.n_cells.to_string(),
                c.labels.n_changed.to_string(),
                format!("{:.5}", c.labels.error_fraction),
            ];
            row.extend(c.labels.class_error.iter().map(|e| opt(*e, 5)));
            row
        })
        .collect();
    d.table(&head, &rows);
    d.fig(
        "label_error.png",
        "Label error per clean class (bars in the FORMAT.md class colours: premixed red, non-premixed \
         orange, pure fuel blue, pure air grey, unburned green; overall black) for each bound.",
    );
    if !r.slices.labels.is_empty() {
        d.fig(
            "label_maps.png",
            &format!(
                "Labels recomputed from each bound's stored fields, snapshot {}, the slice of the field figure.",
                r.slices.key
            ),
        );
    }

    d.h(2, "Training on compressed snapshots, test on clean data");
    d.p("Scenario (i): features decoded from the lossy run, the clean labels stored with the snapshots \
         (computed from the clean fields). Scenario (ii): the same features, labels recomputed from them. \
         Validation and test always use the lossless run's features and labels. Accuracy per class is \
         its recall on the test windows.");
    let mut head = vec![
        "case".to_string(),
        "epochs".into(),
        "train loss".into(),
        "val loss".into(),
        "test loss".into(),
        "test windows".into(),
        "overall acc".into(),
        "mean class acc".into(),
    ];
    head.extend(names.iter().map(|n| n.to_string()));
    head.push("train s/sample".into());
    for (scenario, title, suffix) in
        [(Scenario::Clean, "Scenario (i)", ""), (Scenario::Recomputed, "Scenario (ii)", "_recomputed")]
    {
        let trained: Vec<(&CaseReport, &TrainSummary)> =
            r.cases.iter().filter_map(|c| scenario.of(c).map(|t| (c, t))).collect();
        if trained.is_empty() {
            continue;
        }
        d.h(3, title);
        let rows: Vec<Vec<String>> = trained
            .iter()
            .map(|(c, t)| {
                let mut row = vec![
                    c.name.clone(),
                    t.epochs.to_string(),
                    format!("{:.4}", t.train_loss.last().copied().unwrap_or(f64::NAN)),
                    format!("{:.4}", t.val_loss.last().copied().unwrap_or(f64::NAN)),
                    format!("{:.4}", t.test_loss),
                    t.test_windows.to_string(),
                    opt(t.test.overall_accuracy, 4),
                    opt(t.test.mean_class_accuracy, 4),
                ];
                row.extend(t.test.class_accuracy.iter().map(|a| opt(*a, 4)));
                row.push(format!("{:.4}", t.train_s_per_sample));
                row
            })
            .collect();
        d.table(&head, &rows);
        d.fig(
            &format!("class_accuracy{suffix}.png"),
            &format!(
                "{title}: test accuracy per class (class colours as above; black: mean class accuracy) for each \
                 training bound."
            ),
        );
        let legend: Vec<String> = trained
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{} {}", c.name, FIELD_COLOUR_NAMES[i % 6]))
            .collect();
        d.fig(
            &format!("loss_curves{suffix}.png"),
            &format!(
                "{title}: loss per epoch (x: epoch): training solid, validation dashed; {}.",
                legend.join(", ")
            ),
        );
    }
    for (name, file) in panels {
        d.fig(
            file,
            &format!("{name}: prediction | ground truth | Y_H2O input, middle depth slice of a test window."),
        );
    }

    d.h(2, "Consistency checks");
    let rows: Vec<Vec<String>> = r
        .checks
        .iter()
        .map(|(c, ok)| vec![c.clone(), if *ok { "ok".into() } else { "FAILED".into() }])
        .collect();
    d.table(&["check".into(), "result".into()], &rows);
    d.html.push_str("</body></html>\n");
    (d.md, d.html)
}
