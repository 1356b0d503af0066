//! `plume-train experiment --config experiment.toml` (also `plume experiment`): the study's
//! experiment as one command. One deck names the data (solver runs or a BLASTNet dataset),
//! the bounds, the scenarios, the network and its training; the command imports the data
//! when needed, trains one network per bound and scenario under `mpirun`, and writes the
//! report (the study's Figures 3 to 8, [`crate::report`]).
//!
//! ```toml
//! title = "Lifted H2 jet: CNN accuracy vs compression"
//! out = "experiment"            # results folder (relative to this file)
//! ranks = 2                     # MPI ranks of each training
//! scenarios = ["clean_labels", "recomputed_labels"]   # (i) and (ii); the default
//! slice_axis = 2                # the figures' slices (default: 0 for runs, 2 for BLASTNet)
//!
//! [source.blastnet]             # either a BLASTNet dataset, imported by `plume import blastnet`
//! dir = "jet-dataset"
//! bounds = [0.01, 0.05, 0.1, 0.2, 0.4]   # PW_REL; the lossless reference is always made
//! ids = [0, 1]                  # optional: only these snapshots
//! import_args = ["--fuel", "H2=0.11789,N2=0.88211"]   # optional: more `plume import` flags
//!
//! # [[source.run]]             # or the in-situ output directories of solver runs, one per
//! # bound = 0.0                # bound; a bound 0 (lossless) run is required
//! # dir = "runs/lossless/snapshots"
//!
//! [training]                    # a plume-train deck (`plume-train --help`) without its data
//! seed = 7                      # source, `data.scenario` and `output.dir`: the experiment
//! [training.model]              # sets those per bound and scenario
//! preset = "small"
//! window = 16
//! [training.train]
//! global_batch = 8
//! stages = [{ lr = 2e-3, epochs = 12 }]
//! ```
//!
//! Output under `out`: `import/` (BLASTNet only), `train/<case>/` (each training's deck,
//! log and `run/`), `manifest.toml` and `report/`. The bound-0 network is trained once, on
//! clean features and labels; it is the first point of both scenarios.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

use plume_core::{Error, ErrorKind, Result};

use crate::config::{Scenario, TrainConfig};
use crate::data::Catalog;
use crate::report::{self, Case, Manifest, Timing};

/// The experiment deck.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// The report's title.
    #[serde(default = "default_title")]
    pub title: String,
    /// Results folder.
    #[serde(default = "default_out")]
    pub out: PathBuf,
    /// MPI ranks of each training (1: no mpirun).
    #[serde(default = "one")]
    pub ranks: usize,
    /// The launcher and its flags; `-n RANKS` and the command are appended.
    #[serde(default = "default_mpirun")]
    pub mpirun: Vec<String>,
    /// `clean_labels` (scenario (i)) and/or `recomputed_labels` (scenario (ii)).
    #[serde(default = "default_scenarios")]
    pub scenarios: Vec<Scenario>,
    /// The storage axis across which the report's slices are cut.
    pub slice_axis: Option<usize>,
    /// The data.
    pub source: Source,
    /// The training deck template.
    pub training: toml::Table,
}

/// `[source]`: exactly one of `blastnet` and `run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A BLASTNet dataset.
    pub blastnet: Option<BlastnetSource>,
    /// Solver runs, one per bound.
    #[serde(default)]
    pub run: Vec<RunSource>,
}

/// `[source.blastnet]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlastnetSource {
    /// The dataset directory (info.json, data/, grid/).
    pub dir: PathBuf,
    /// PW_REL bounds of the lossy sets (the study's by default).
    #[serde(default = "default_bounds")]
    pub bounds: Vec<f64>,
    /// Only these snapshot ids.
    pub ids: Option<Vec<i64>>,
    /// More `plume import blastnet` flags.
    #[serde(default)]
    pub import_args: Vec<String>,
    /// The `plume` executable (default: beside this one, else on PATH).
    pub plume: Option<PathBuf>,
}

/// `[[source.run]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSource {
    /// The bound the run was written with (0: the lossless reference).
    pub bound: f64,
    /// Its in-situ output directory.
    pub dir: PathBuf,
}

fn default_title() -> String {
    "Plume experiment".into()
}
fn default_out() -> PathBuf {
    PathBuf::from("experiment")
}
fn one() -> usize {
    1
}
fn default_mpirun() -> Vec<String> {
    ["mpirun", "--oversubscribe", "--bind-to", "none"].map(String::from).to_vec()
}
fn default_scenarios() -> Vec<Scenario> {
    vec![Scenario::CleanLabels, Scenario::RecomputedLabels]
}
fn default_bounds() -> Vec<f64> {
    vec![0.01, 0.05, 0.1, 0.2, 0.4]
}

/// The training-deck keys the experiment sets itself.
const OWNED_KEYS: [&[&str]; 5] = [
    &["data", "catalog"],
    &["data", "insitu", "dir"],
    &["data", "insitu", "clean_dir"],
    &["data", "scenario"],
    &["output", "dir"],
];

fn invalid(origin: &Path, what: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{}: {what}", origin.display()))
}

impl ExperimentConfig {
    /// Reads and checks a deck; relative paths are resolved against its folder.
    pub fn load(path: &Path) -> Result<ExperimentConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut c: ExperimentConfig =
            toml::from_str(&text).map_err(|e| invalid(path, e.to_string().trim_end()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut c.out);
        if let Some(b) = &mut c.source.blastnet {
            fix(&mut b.dir);
        }
        for r in &mut c.source.run {
            fix(&mut r.dir);
        }
        match (&c.source.blastnet, c.source.run.is_empty()) {
            (Some(_), false) => {
                return Err(invalid(path, "[source]: give either blastnet or [[source.run]], not both"))
            }
            (None, true) => {
                return Err(invalid(path, "[source]: missing: give [source.blastnet] or [[source.run]]"))
            }
            (Some(b), true) => {
                if let Some(p) = b.bounds.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
                    return Err(invalid(
                        path,
                        format!("source.blastnet.bounds: {p} is not a PW_REL bound in (0, 1)"),
                    ));
                }
            }
            (None, false) => {
                let mut bounds: Vec<f64> = c.source.run.iter().map(|r| r.bound).collect();
                if let Some(b) = bounds.iter().find(|b| !(b.is_finite() && **b >= 0.0)) {
                    return Err(invalid(path, format!("[[source.run]]: bound {b} is not a bound >= 0")));
                }
                bounds.sort_by(f64::total_cmp);
                if bounds[0] != 0.0 {
                    return Err(invalid(
                        path,
                        "[[source.run]]: no run with bound = 0 (the lossless reference)",
                    ));
                }
                if let Some(w) = bounds.windows(2).find(|w| w[0] == w[1]) {
                    return Err(invalid(path, format!("[[source.run]]: two runs with bound {}", w[0])));
                }
            }
        }
        if c.ranks == 0 {
            return Err(invalid(path, "ranks: must be at least 1"));
        }
        if c.scenarios.is_empty() {
            return Err(invalid(path, "scenarios: empty"));
        }
        for key in OWNED_KEYS {
            let mut t = Some(&c.training);
            for k in &key[..key.len() - 1] {
                t = t.and_then(|t| t.get(*k)).and_then(|v| v.as_table());
            }
            if t.is_some_and(|t| t.contains_key(key[key.len() - 1])) {
                return Err(invalid(
                    path,
                    format!(
                        "training.{}: set by the experiment per bound and scenario; remove it",
                        key.join(".")
                    ),
                ));
            }
        }
        Ok(c)
    }
}

/// One run of the experiment: a bound and where its compressed snapshots lie.
struct RunAt {
    bound: f64,
    /// An in-situ output directory or a stream catalog.
    path: PathBuf,
}

/// The deck spelling of `s` (`clean_labels`, `recomputed_labels`): its serde form.
fn scenario_name(s: Scenario) -> String {
    toml::Value::try_from(s).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn case_name(bound: f64) -> String {
    if bound == 0.0 {
        "lossless".into()
    } else {
        format!("pw_rel-{bound}")
    }
}

/// The executable `name` beside this one, else `name` (found on PATH).
fn sibling(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join(name)))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Runs `cmd` with its output in `log`; an error names `what`, the command and the log.
fn run_logged(mut cmd: Command, what: &str, log: &Path) -> Result<()> {
    let file = std::fs::File::create(log).map_err(|e| Error::io(log, e))?;
    let err = file.try_clone().map_err(|e| Error::io(log, e))?;
    let shown = format!("{cmd:?}");
    let status = cmd
        .stdout(file)
        .stderr(err)
        .status()
        .map_err(|e| Error::new(ErrorKind::Io, format!("{what}: cannot start {shown}: {e}")))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(Error::new(
            ErrorKind::Io,
            format!("{what} failed ({status}); log {}:\n{}", log.display(), tail.join("\n")),
        ));
    }
    Ok(())
}

fn create_dir(p: &Path) -> Result<()> {
    std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))
}

/// Imports the BLASTNet dataset; returns one run per bound (the lossless one first).
fn import(b: &BlastnetSource, out: &Path) -> Result<Vec<RunAt>> {
    let dest = out.join("import");
    let mut cmd = Command::new(b.plume.clone().unwrap_or_else(|| sibling("plume")));
    cmd.args(["import", "blastnet"]).arg(&b.dir).arg("--out").arg(&dest);
    let bounds: Vec<String> = b.bounds.iter().map(|p| p.to_string()).collect();
    cmd.arg("--bounds").arg(bounds.join(","));
    if let Some(ids) = &b.ids {
        cmd.arg("--ids").arg(ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","));
    }
    cmd.args(&b.import_args);
    println!("experiment: importing {} ({cmd:?})", b.dir.display());
    run_logged(cmd, "plume import blastnet", &out.join("import.log"))?;
    // This import's catalogs, as its report lists them.
    let report_path = dest.join("import.json");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).map_err(|e| Error::io(&report_path, e))?)
            .map_err(|e| Error::invalid(format!("{}: {e}", report_path.display())))?;
    let mut runs = Vec::new();
    for name in report["catalogs"].as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
        let path = dest.join(name);
        let bound = Catalog::load(&path)?.snapshot[0].bound;
        runs.push(RunAt { bound, path });
    }
    runs.sort_by(|a, b| a.bound.total_cmp(&b.bound));
    if runs.first().is_none_or(|r| r.bound != 0.0) || runs.len() != b.bounds.len() + 1 {
        return Err(Error::invalid(format!(
            "{}: expected a lossless catalog and one per bound {:?}",
            dest.display(),
            b.bounds
        )));
    }
    Ok(runs)
}

/// The training deck of `run` under `scenario`, from the template.
fn deck(c: &ExperimentConfig, run: &RunAt, clean: &RunAt, scenario: &str, dir: &Path) -> Result<String> {
    let mut t = c.training.clone();
    let table = |t: &mut toml::Table, k: &str| -> Result<toml::Table> {
        match t.remove(k) {
            None => Ok(toml::Table::new()),
            Some(toml::Value::Table(x)) => Ok(x),
            Some(_) => Err(Error::invalid(format!("training.{k}: must be a table"))),
        }
    };
    let path = |p: &Path| toml::Value::String(p.display().to_string());
    let mut data = table(&mut t, "data")?;
    if run.path.is_dir() {
        let mut insitu = table(&mut data, "insitu")?;
        insitu.insert("dir".into(), path(&run.path));
        insitu.insert("clean_dir".into(), path(&clean.path));
        data.insert("insitu".into(), toml::Value::Table(insitu));
    } else {
        data.insert("catalog".into(), path(&run.path));
    }
    data.insert("scenario".into(), toml::Value::String(scenario.into()));
    t.insert("data".into(), toml::Value::Table(data));
    let mut output = table(&mut t, "output")?;
    output.insert("dir".into(), path(&dir.join("run")));
    output.entry("progress").or_insert(toml::Value::Boolean(false));
    t.insert("output".into(), toml::Value::Table(output));
    let text = format!(
        "# written by plume-train experiment: {} under {scenario}\n{}",
        case_name(run.bound),
        toml::to_string(&t).map_err(|e| Error::invalid(format!("training: {e}")))?
    );
    TrainConfig::parse(&text, &format!("training deck for {} ({scenario})", case_name(run.bound)), dir)?;
    Ok(text)
}

fn git_revision(dir: &Path) -> String {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(|| "unknown".into(), |o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Runs the experiment of deck `path`; returns the report's HTML file.
pub fn run(path: &Path) -> Result<PathBuf> {
    let c = ExperimentConfig::load(path)?;
    let deck_text = std::fs::read_to_string(path).unwrap_or_default();
    create_dir(&c.out)?;
    let c = ExperimentConfig { out: c.out.canonicalize().unwrap_or(c.out.clone()), ..c };
    let mut timings = Vec::new();
    let t0 = Instant::now();
    let runs = match &c.source.blastnet {
        Some(b) => {
            let r = import(b, &c.out)?;
            timings
                .push(Timing { stage: "plume import blastnet".into(), seconds: t0.elapsed().as_secs_f64() });
            r
        }
        None => {
            let mut r: Vec<RunAt> =
                c.source.run.iter().map(|r| RunAt { bound: r.bound, path: r.dir.clone() }).collect();
            r.sort_by(|a, b| a.bound.total_cmp(&b.bound));
            r
        }
    };
    let clean = &runs[0];
    // Every deck is written and checked before the first training starts.
    let mut jobs = Vec::new();
    for run in &runs {
        for &scenario in &c.scenarios {
            let s = scenario_name(scenario);
            let s = s.as_str();
            if run.bound == 0.0 && scenario != c.scenarios[0] {
                continue; // one lossless network serves both scenarios
            }
            let name = format!("{}-{}", case_name(run.bound), s.replace('_', "-"));
            let dir = c.out.join("train").join(&name);
            create_dir(&dir)?;
            let text = deck(&c, run, clean, s, &dir)?;
            let file = dir.join("train.toml");
            std::fs::write(&file, text).map_err(|e| Error::io(&file, e))?;
            jobs.push((run.bound, scenario, name, dir));
        }
    }
    let exe = std::env::current_exe().map_err(|e| Error::new(ErrorKind::Io, format!("current_exe: {e}")))?;
    for (_, _, name, dir) in &jobs {
        let mut cmd = if c.ranks > 1 {
            let (launcher, flags) = c.mpirun.split_first().ok_or_else(|| invalid(path, "mpirun: empty"))?;
            let mut m = Command::new(launcher);
            m.args(flags).arg("-n").arg(c.ranks.to_string()).arg(&exe);
            m
        } else {
            Command::new(&exe)
        };
        cmd.arg("--config").arg(dir.join("train.toml"));
        println!("experiment: training {name} on {} rank(s)", c.ranks);
        let t = Instant::now();
        run_logged(cmd, &format!("training {name}"), &dir.join("train.log"))?;
        timings.push(Timing { stage: format!("plume-train {name}"), seconds: t.elapsed().as_secs_f64() });
    }
    let lossless_dir = jobs.iter().find(|j| j.0 == 0.0).map(|j| j.3.join("run"));
    let cases = runs
        .iter()
        .map(|run| {
            let find = |s: Scenario| {
                if run.bound == 0.0 {
                    return c.scenarios.contains(&s).then(|| lossless_dir.clone()).flatten();
                }
                jobs.iter().find(|j| j.0 == run.bound && j.1 == s).map(|j| j.3.join("run"))
            };
            Case {
                name: if run.bound == 0.0 { "lossless".into() } else { format!("pw_rel {}", run.bound) },
                run: run.path.clone(),
                train: find(Scenario::CleanLabels),
                train_recomputed: find(Scenario::RecomputedLabels),
            }
        })
        .collect();
    let manifest = Manifest {
        title: c.title.clone(),
        plume_version: Some(plume_core::VERSION.to_string()),
        git: git_revision(path.parent().unwrap_or(Path::new("."))),
        configuration: format!("--- {} ---\n{deck_text}", path.display()),
        clean: clean.path.clone(),
        slice_axis: c.slice_axis.unwrap_or(if c.source.blastnet.is_some() { 2 } else { 0 }),
        label_fields: ["Y_H2", "Y_O2", "Y_H2O", "Z"].map(String::from),
        timings,
        case: cases,
    };
    let text = toml::to_string(&manifest).map_err(|e| Error::invalid(format!("manifest: {e}")))?;
    let mpath = c.out.join("manifest.toml");
    std::fs::write(&mpath, text).map_err(|e| Error::io(&mpath, e))?;
    report::run(&manifest, &c.out.join("report"))
}
