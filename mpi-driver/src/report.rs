//! `plume-train report`: the main job's report from its in-situ runs and trainings.
//!
//! Input: a manifest (TOML, unknown keys rejected) naming the lossless reference run, one
//! case per bound (its in-situ run directory and, optionally, the `output.dir` of a
//! training on it), the exact configuration text, the Plume version and git revision.
//! Output in the report folder: `report.md`, `report.html`, `report.json` (every number),
//! and PNG figures: `ratio.png` (compression ratio per field per bound), `label_error.png`
//! (error of labels recomputed from the decompressed fields, per class per bound),
//! `class_accuracy.png` (per-class test accuracy per bound), `loss_curves.png` and
//! `panel_<case>.png` (prediction | truth | Y_H2O input of a test window).
//!
//! Every ratio is recomputed as bytes / bytes and checked against the HDF5 dataset's stored
//! size and the catalog; the lossless run must have zero error and zero label error;
//! accuracies must lie in [0, 1]; a PW_REL run's point-wise error must be within its bound.
//! A failed check is listed in the report and makes the command fail.
//!
//! ```toml
//! title = "Plume main job"
//! git = "3c50705"
//! configuration = "...verbatim..."
//! clean = "runs/lossless"
//! [[case]]
//! name = "pw_rel 1e-1"
//! run = "runs/pw_rel-1e-1"
//! train = "train/pw_rel-1e-1"
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use plume_core::label::{
    label_error, label_field, Class, LabelGrid, LabelParams, SpeciesFields, ZInput, N_CLASSES,
};
use plume_core::{Error, ErrorKind, Order, Result, Shape};

use crate::data::insitu::{read_dataset, register_filter, RunCatalog};
use crate::figures;
use crate::metrics::Scores;
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
    /// The lossless reference run (clean fields and labels).
    pub clean: PathBuf,
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
    /// The in-situ run directory.
    pub run: PathBuf,
    /// The training's output directory (metrics.json, eval.json, panel_0.png), if any.
    pub train: Option<PathBuf>,
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
    /// Steps in the run.
    pub steps: Vec<i64>,
    /// Per field.
    pub fields: Vec<FieldSummary>,
    /// Whole snapshot files: original bytes of every field over stored file bytes.
    pub file_ratio: f64,
    /// Label error.
    pub labels: LabelSummary,
    /// Training, when one ran.
    pub training: Option<TrainSummary>,
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
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {e}", path.display()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::invalid(format!("{}: {e}", path.display())))
}

impl Manifest {
    /// Reads a manifest; paths are relative to its folder.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
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
            if let Some(t) = &mut c.train {
                fix(t);
            }
        }
        if m.case.is_empty() {
            return Err(Error::invalid(format!("{}: no [[case]]", path.display())));
        }
        Ok(m)
    }
}

/// Summarises one run's compression, checking each field's stored size in the file.
fn field_summaries(
    run: &RunCatalog,
    checks: &mut Vec<(String, bool)>,
    case: &str,
) -> Result<(Vec<FieldSummary>, f64)> {
    let mut out: Vec<FieldSummary> = Vec::new();
    let (mut all_orig, mut all_file) = (0u64, 0u64);
    let mut ratio_ok = true;
    let mut size_ok = true;
    for s in &run.steps {
        all_file += s.file_bytes;
        let file = hdf5::File::open(&s.path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", s.path.display())))?;
        for f in &s.fields {
            all_orig += f.original_bytes;
            let stored = file.dataset(&f.name).map(|d| d.storage_size()).unwrap_or(0);
            size_ok &= stored == f.stored_bytes;
            let r = f.original_bytes as f64 / f.stored_bytes.max(1) as f64;
            ratio_ok &= (r - f.ratio).abs() <= 1e-9 * r;
            let e = match out.iter_mut().find(|o| o.name == f.name) {
                Some(e) => e,
                None => {
                    out.push(FieldSummary {
                        name: f.name.clone(),
                        mode: f.mode.clone(),
                        bound: f.bound,
                        original_bytes: 0,
                        stored_bytes: 0,
                        ratio: 0.0,
                        max_abs_error: 0.0,
                        max_pw_rel_error: 0.0,
                        min_psnr_db: None,
                    });
                    out.last_mut().ok_or_else(|| Error::invalid("empty"))?
                }
            };
            e.original_bytes += f.original_bytes;
            e.stored_bytes += stored;
            e.max_abs_error = e.max_abs_error.max(f.max_abs_error);
            e.max_pw_rel_error = e.max_pw_rel_error.max(f.max_pw_rel_error);
            if let Some(p) = f.psnr_db {
                e.min_psnr_db = Some(e.min_psnr_db.map_or(p, |m: f64| m.min(p)));
            }
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
    checks.push((
        format!("{case}: catalog ratio = original_bytes / stored_bytes for every field and step"),
        ratio_ok,
    ));
    checks.push((format!("{case}: catalog stored_bytes = the HDF5 dataset's storage size"), size_ok));
    Ok((out, all_orig as f64 / all_file.max(1) as f64))
}

/// The whole-field labels (plume_core's labeler, default parameters, one-sided differences
/// at the domain boundary) of a snapshot's stored fields, read as stored (f64).
fn relabel(path: &Path, fields: &[String; 4]) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut v: Vec<Vec<f64>> = Vec::new();
    let mut dims = Vec::new();
    for f in fields {
        let (d, x) = read_dataset::<f64>(path, f)?;
        dims = d;
        v.push(x);
    }
    let shape = Shape::new(&dims, Order::C)?;
    let sp = SpeciesFields { y_h2: &v[0], y_o2: &v[1], y_h2o: &v[2] };
    let lab = label_field(&sp, &ZInput::Supplied(&v[3]), &LabelGrid::new(&shape), &LabelParams::default())?;
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

fn stored_vs_relabel(clean: &RunCatalog, fields: &[String; 4]) -> Result<StoredVsRelabel> {
    let mut r = StoredVsRelabel { n_cells: 0, n_changed: 0, n_changed_on_boundary: 0 };
    for s in &clean.steps {
        let (dims, lab) = relabel(&s.path, fields)?;
        let (_, stored) = read_dataset::<u8>(&s.path, "labels")?;
        r.n_cells += lab.len() as u64;
        for (i, (a, b)) in lab.iter().zip(&stored).enumerate() {
            if a != b {
                r.n_changed += 1;
                r.n_changed_on_boundary += u64::from(on_boundary(i, &dims));
            }
        }
    }
    Ok(r)
}

/// Labels recomputed from `run`'s fields vs those recomputed from `clean`'s, both by the
/// whole-field labeler: the label error the compression alone causes.
fn label_summary(run: &RunCatalog, clean: &RunCatalog, fields: &[String; 4]) -> Result<LabelSummary> {
    let mut n_cells = 0u64;
    let mut n_changed = 0u64;
    let mut class_cells = vec![0u64; N_CLASSES];
    let mut class_changed = vec![0u64; N_CLASSES];
    for s in &run.steps {
        let c = clean.step(s.step).ok_or_else(|| {
            Error::invalid(format!("step {} of {} is not in the clean run", s.step, run.dir.display()))
        })?;
        let (_, reference) = relabel(&c.path, fields)?;
        let (_, lab) = relabel(&s.path, fields)?;
        let e = label_error(&reference, &lab)?;
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

/// Builds the report's numbers and checks.
pub fn build(m: &Manifest) -> Result<Report> {
    register_filter()?;
    let clean = RunCatalog::load(&m.clean)?;
    let mut checks = Vec::new();
    let mut cases = Vec::new();
    for case in &m.case {
        let run = RunCatalog::load(&case.run)?;
        let (fields, file_ratio) = field_summaries(&run, &mut checks, &case.name)?;
        let lf = fields.iter().find(|f| f.name == m.label_fields[0]);
        let (mode, bound) = lf.map_or((String::new(), f64::NAN), |f| (f.mode.clone(), f.bound));
        let labels = label_summary(&run, &clean, &m.label_fields)?;
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
        let training = match &case.train {
            Some(t) => {
                let s = train_summary(t)?;
                let acc_ok = s
                    .test
                    .class_accuracy
                    .iter()
                    .chain([&s.test.overall_accuracy, &s.test.mean_class_accuracy])
                    .flatten()
                    .all(|a| (0.0..=1.0).contains(a));
                checks.push((format!("{}: test accuracies in [0, 1]", case.name), acc_ok));
                Some(s)
            }
            None => None,
        };
        cases.push(CaseReport {
            name: case.name.clone(),
            run: case.run.clone(),
            mode,
            bound,
            steps: run.steps.iter().map(|s| s.step).collect(),
            fields,
            file_ratio,
            labels,
            training,
        });
    }
    let stored_vs_relabel = stored_vs_relabel(&clean, &m.label_fields)?;
    Ok(Report { manifest: m.clone(), cases, stored_vs_relabel, checks })
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

/// Writes the figures, `report.md`, `report.html` and `report.json` into `out`.
pub fn write(r: &Report, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
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
    let ratio_groups: Vec<Vec<Option<f64>>> = r
        .cases
        .iter()
        .map(|c| {
            field_names.iter().map(|n| c.fields.iter().find(|f| &f.name == n).map(|f| f.ratio)).collect()
        })
        .collect();
    save(figures::grouped_bars(&ratio_groups, &FIELD_COLOURS, &labels, 1.0), "ratio.png")?;
    let le: Vec<Vec<Option<f64>>> = r
        .cases
        .iter()
        .map(|c| c.labels.class_error.iter().copied().chain([Some(c.labels.error_fraction)]).collect())
        .collect();
    let mut le_colours = class_colours();
    le_colours.push([0, 0, 0]);
    save(figures::grouped_bars(&le, &le_colours, &labels, 0.0), "label_error.png")?;
    let trained: Vec<&CaseReport> = r.cases.iter().filter(|c| c.training.is_some()).collect();
    let acc: Vec<Vec<Option<f64>>> = trained
        .iter()
        .filter_map(|c| c.training.as_ref())
        .map(|t| t.test.class_accuracy.iter().copied().chain([t.test.mean_class_accuracy]).collect())
        .collect();
    let acc_labels: Vec<String> = trained.iter().map(|c| bound_label(c)).collect();
    save(figures::grouped_bars(&acc, &le_colours, &acc_labels, 1.0), "class_accuracy.png")?;
    let series: Vec<(Vec<f64>, [u8; 3], bool)> = trained
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.training.as_ref().map(|t| (i, t)))
        .flat_map(|(i, t)| {
            let col = FIELD_COLOURS[i % FIELD_COLOURS.len()];
            [(t.train_loss.clone(), col, false), (t.val_loss.clone(), col, true)]
        })
        .collect();
    save(figures::line_chart(&series), "loss_curves.png")?;
    let mut panels = Vec::new();
    for c in &trained {
        let Some(dir) = r.manifest.case.iter().find(|m| m.name == c.name).and_then(|m| m.train.clone())
        else {
            continue;
        };
        let src = dir.join("panel_0.png");
        if src.exists() {
            let name = format!("panel_{}.png", slug(&c.name));
            std::fs::copy(&src, out.join(&name)).map_err(|e| io(&src, e))?;
            written.push(out.join(&name));
            panels.push((c.name.clone(), name));
        }
    }
    let json = serde_json::to_string_pretty(r).map_err(|e| Error::invalid(e.to_string()))?;
    let p = out.join("report.json");
    std::fs::write(&p, json).map_err(|e| io(&p, e))?;
    written.push(p);
    let (md, html) = render(r, &field_names, &panels);
    for (name, text) in [("report.md", md), ("report.html", html)] {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| io(&p, e))?;
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

    d.h(2, "Compression in situ");
    d.p("Per field over every snapshot of a run: ratio = original bytes / stored bytes (the HDF5 \
         datasets' storage sizes, filter 32801), the largest errors, the lowest PSNR. The file ratio \
         divides the fields' original bytes by the whole files' sizes (labels, metadata included).");
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
            format!("{} steps", c.steps.len()),
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
        ]
        .map(String::from),
        &rows,
    );
    let legend: Vec<String> =
        field_names.iter().enumerate().map(|(i, n)| format!("{n} {}", FIELD_COLOUR_NAMES[i % 6])).collect();
    d.fig(
        "ratio.png",
        &format!(
            "Compression ratio per field (bars: {}) for each bound (x, left to right as in the table).",
            legend.join(", ")
        ),
    );

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

    d.h(2, "Training on compressed snapshots, test on clean data");
    d.p("Scenario (i): features decoded from the lossy run, the clean labels stored in situ; validation \
         and test on the lossless run's features and labels (plume-train, data.insitu). Accuracy per \
         class is its recall on the test windows.");
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
    let rows: Vec<Vec<String>> = r
        .cases
        .iter()
        .filter_map(|c| c.training.as_ref().map(|t| (c, t)))
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
        "class_accuracy.png",
        "Test accuracy per class (class colours as above; black: mean class accuracy) for each training bound.",
    );
    let trained: Vec<String> = r
        .cases
        .iter()
        .filter(|c| c.training.is_some())
        .enumerate()
        .map(|(i, c)| format!("{} {}", c.name, FIELD_COLOUR_NAMES[i % 6]))
        .collect();
    d.fig(
        "loss_curves.png",
        &format!("Loss per epoch (x: epoch): training solid, validation dashed; {}.", trained.join(", ")),
    );
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
