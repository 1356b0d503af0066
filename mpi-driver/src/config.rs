//! The training deck: a TOML file (`plume-train --config train.toml`). Every table rejects
//! unknown keys, naming the key and its line. Paths are relative to the deck's folder.
//!
//! ```toml
//! seed = 42
//! [model]
//! preset = "small"            # paper | small | tiny; any NetConfig field overrides it
//! [data]
//! catalog = "catalog.toml"
//! scenario = "clean_labels"   # or "recomputed_labels"
//! [train]
//! global_batch = 24
//! stages = [{ lr = 1e-4, epochs = 100 }, { lr = 1e-5, epochs = 300 }, { lr = 1e-6, epochs = 300 }]
//! patience = 10
//! [output]
//! dir = "run"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use plume_core::{Error, ErrorKind, Result};

use crate::model::NetConfig;
use crate::optim::AdamConfig;

/// The whole deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of every random choice (init, split, order, augmentation).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The network.
    #[serde(default)]
    pub model: ModelSection,
    /// The data.
    pub data: DataSection,
    /// The optimisation.
    #[serde(default)]
    pub train: TrainSection,
    /// Adam's hyper-parameters.
    #[serde(default)]
    pub adam: AdamConfig,
    /// Where results go.
    #[serde(default)]
    pub output: OutputSection,
}

fn default_seed() -> u64 {
    42
}

/// `[model]`: a preset plus optional overrides of any [`NetConfig`] field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// `paper`, `small` or `tiny`.
    pub preset: String,
    /// Overrides.
    pub trunk_channels: Option<usize>,
    /// Overrides.
    pub res_blocks: Option<usize>,
    /// Overrides.
    pub stage_channels: Option<Vec<usize>>,
    /// Overrides.
    pub latent_channels: Option<usize>,
    /// Overrides.
    pub leaky_slope: Option<f64>,
    /// Overrides.
    pub window: Option<usize>,
}

impl Default for ModelSection {
    fn default() -> Self {
        ModelSection {
            preset: "small".into(),
            trunk_channels: None,
            res_blocks: None,
            stage_channels: None,
            latent_channels: None,
            leaky_slope: None,
            window: None,
        }
    }
}

impl ModelSection {
    /// The preset with the overrides applied, validated.
    pub fn net_config(&self) -> Result<NetConfig> {
        let mut c = NetConfig::preset(&self.preset)?;
        if let Some(v) = self.trunk_channels {
            c.trunk_channels = v;
        }
        if let Some(v) = self.res_blocks {
            c.res_blocks = v;
        }
        if let Some(v) = &self.stage_channels {
            c.stage_channels = v.clone();
        }
        if let Some(v) = self.latent_channels {
            c.latent_channels = v;
        }
        if let Some(v) = self.leaky_slope {
            c.leaky_slope = v;
        }
        if let Some(v) = self.window {
            c.window = v;
        }
        c.validate()?;
        Ok(c)
    }
}

/// Where training labels come from: the study's two scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// (i) lossy features, the clean labels stored in situ.
    CleanLabels,
    /// (ii) lossy features, labels recomputed from the decompressed fields.
    RecomputedLabels,
}

/// Per-channel normalisation, fitted on the training split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Divide by the channel's maximum |value| (the study's code).
    Max,
    /// `(x - min) / (max - min)`.
    MinMax,
}

/// `[data]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// The snapshot catalog of Plume streams (see [`crate::data::Catalog`]); exactly one
    /// of `catalog` and `[data.insitu]` is given.
    pub catalog: Option<PathBuf>,
    /// The in-situ session's output directories (see [`crate::data::insitu`]).
    pub insitu: Option<InsituSection>,
    /// Training labels (validation and test always use clean features and clean labels).
    #[serde(default = "default_scenario")]
    pub scenario: Scenario,
    /// Train / validation / test fractions of the windows.
    #[serde(default = "default_split")]
    pub split: [f64; 3],
    /// Step between window origins in the W x W plane (default: W, no overlap).
    pub window_stride: Option<usize>,
    /// Random rot90 + flip of training windows.
    #[serde(default = "yes")]
    pub augment: bool,
    /// Channel scaling.
    #[serde(default = "default_norm")]
    pub normalisation: Normalisation,
    /// Background decode threads per rank.
    #[serde(default = "default_decode_threads")]
    pub decode_threads: usize,
    /// Batches decoded ahead of the compute.
    #[serde(default = "default_prefetch")]
    pub prefetch: usize,
    /// Catalog query: only these snapshot names (all when absent).
    pub snapshots: Option<Vec<String>>,
    /// Catalog query: only snapshots whose bound is at most this.
    pub max_bound: Option<f64>,
    /// Catalog query: at most the first N selected snapshots.
    pub max_snapshots: Option<usize>,
}

/// `[data.insitu]`: training straight from the in-situ session's snapshots (one HDF5 file
/// per step, `catalog.jsonl`; FORMAT.md "HDF5 filter and snapshots").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsituSection {
    /// The run whose (lossy) fields are the training features; scenario (i) also takes its
    /// stored labels (computed in situ from the clean fields).
    pub dir: PathBuf,
    /// A lossless run of the same case (`mode = 'abs'`, `error_bound = 0`): validation and
    /// test features and labels. May be omitted only when `dir` itself is lossless.
    pub clean_dir: Option<PathBuf>,
    /// Catalog query: steps `[first, last]` (inclusive).
    pub steps: Option<[i64; 2]>,
    /// Catalog query: only steps whose four feature fields were written with this bound
    /// (the `error_bound` asked for; relative tolerance 1e-9).
    pub bound: Option<f64>,
    /// The datasets of the four channels, in the order Y_H2, Y_O2, Y_H2O, Z.
    #[serde(default = "default_insitu_fields")]
    pub fields: [String; 4],
    /// The storage axis (0 = slowest) the window depth runs along; the window's W x W plane
    /// spans the other two. Default 0: `z` of a Fortran `(x, y, z)` field.
    #[serde(default)]
    pub depth_axis: usize,
}

fn default_insitu_fields() -> [String; 4] {
    ["Y_H2", "Y_O2", "Y_H2O", "Z"].map(String::from)
}

fn default_scenario() -> Scenario {
    Scenario::CleanLabels
}
fn default_split() -> [f64; 3] {
    [0.6, 0.2, 0.2]
}
fn yes() -> bool {
    true
}
fn default_norm() -> Normalisation {
    Normalisation::Max
}
fn default_decode_threads() -> usize {
    2
}
fn default_prefetch() -> usize {
    4
}

/// One learning-rate stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The raw learning rate (scaled by `sqrt(global_batch / 10)`).
    pub lr: f64,
    /// Maximum epochs of the stage.
    pub epochs: usize,
}

/// `[train]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    /// Samples per optimiser step over all ranks (divisible by the rank count).
    #[serde(default = "default_batch")]
    pub global_batch: usize,
    /// The staged schedule (the study: 1e-4 x 100, 1e-5 x 300, 1e-6 x 300).
    #[serde(default = "default_stages")]
    pub stages: Vec<Stage>,
    /// Multiply each raw rate by `sqrt(global_batch / 10)` (the study's rule).
    #[serde(default = "yes")]
    pub sqrt_batch_scaling: bool,
    /// Epochs without a validation-loss improvement of more than `min_delta` that end a
    /// stage early (0: never).
    #[serde(default = "default_patience")]
    pub patience: usize,
    /// Minimum improvement of the validation loss.
    #[serde(default)]
    pub min_delta: f64,
    /// Forget Adam's moments at each new stage (the study did).
    #[serde(default = "yes")]
    pub restart_adam_between_stages: bool,
    /// Loss weight per class (5 values; all 1 when absent).
    pub class_weights: Option<Vec<f32>>,
    /// Compute threads per rank (default: cores / ranks on the node).
    pub threads: Option<usize>,
}

fn default_batch() -> usize {
    24
}
fn default_stages() -> Vec<Stage> {
    vec![Stage { lr: 1e-4, epochs: 100 }, Stage { lr: 1e-5, epochs: 300 }, Stage { lr: 1e-6, epochs: 300 }]
}
fn default_patience() -> usize {
    10
}

impl Default for TrainSection {
    fn default() -> Self {
        TrainSection {
            global_batch: default_batch(),
            stages: default_stages(),
            sqrt_batch_scaling: true,
            patience: default_patience(),
            min_delta: 0.0,
            restart_adam_between_stages: true,
            class_weights: None,
            threads: None,
        }
    }
}

impl TrainSection {
    /// The learning rate of `stage`: raw x sqrt(global_batch / 10) (or raw).
    pub fn lr(&self, stage: usize) -> f64 {
        let raw = self.stages[stage].lr;
        if self.sqrt_batch_scaling {
            raw * (self.global_batch as f64 / 10.0).sqrt()
        } else {
            raw
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Results folder (metrics, checkpoints), created if missing.
    #[serde(default = "default_dir")]
    pub dir: PathBuf,
    /// Also checkpoint every N optimiser steps (0: only at the end of each epoch).
    #[serde(default)]
    pub checkpoint_every: u64,
    /// Progress line on rank 0.
    #[serde(default = "yes")]
    pub progress: bool,
}

fn default_dir() -> PathBuf {
    PathBuf::from("run")
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection { dir: default_dir(), checkpoint_every: 0, progress: true }
    }
}

impl TrainConfig {
    /// Parses a deck; relative paths are resolved against `base`. Unknown keys, missing
    /// keys and bad values fail with the key and its line.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<TrainConfig> {
        let mut c: TrainConfig = toml::from_str(text)
            .map_err(|e| Error::invalid(format!("{origin}: {}", e.to_string().trim_end())))?;
        if let Some(p) = &mut c.data.catalog {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(s) = &mut c.data.insitu {
            for p in std::iter::once(&mut s.dir).chain(s.clean_dir.as_mut()) {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
        if c.output.dir.is_relative() {
            c.output.dir = base.join(&c.output.dir);
        }
        c.validate()?;
        Ok(c)
    }

    /// Reads and parses a deck file.
    pub fn load(path: &Path) -> Result<TrainConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read deck {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &path.display().to_string(), base)
    }

    /// Range checks the parser cannot express.
    pub fn validate(&self) -> Result<()> {
        let net = self.model.net_config()?;
        let t = &self.train;
        if t.global_batch == 0 {
            return Err(Error::invalid("train.global_batch must be positive"));
        }
        if t.stages.is_empty() || t.stages.iter().any(|s| !(s.lr.is_finite() && s.lr > 0.0)) {
            return Err(Error::invalid("train.stages: need at least one stage with lr > 0"));
        }
        if let Some(w) = &t.class_weights {
            if w.len() != net.n_classes || w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(Error::invalid(format!(
                    "train.class_weights: need {} finite values >= 0",
                    net.n_classes
                )));
            }
        }
        match (&self.data.catalog, &self.data.insitu) {
            (Some(_), None) => {}
            (None, Some(s)) => {
                if s.depth_axis > 2 {
                    return Err(Error::invalid(format!(
                        "data.insitu.depth_axis {}: a storage axis of a 3-D field (0, 1 or 2)",
                        s.depth_axis
                    )));
                }
                if let Some([a, b]) = s.steps {
                    if a > b {
                        return Err(Error::invalid(format!("data.insitu.steps [{a}, {b}]: first > last")));
                    }
                }
            }
            _ => {
                return Err(Error::invalid(
                    "[data]: give exactly one source, `catalog = \"...\"` (Plume streams) or a \
                     [data.insitu] table (the in-situ session's output)",
                ))
            }
        }
        let s = self.data.split;
        if s.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || (s.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
            return Err(Error::invalid(format!("data.split {s:?}: three fractions >= 0 summing to 1")));
        }
        if self.data.decode_threads == 0 || self.data.prefetch == 0 {
            return Err(Error::invalid("data.decode_threads and data.prefetch must be positive"));
        }
        Ok(())
    }

    /// The class weights (all 1 when not given).
    pub fn class_weights(&self) -> Vec<f32> {
        self.train.class_weights.clone().unwrap_or_else(|| vec![1.0; plume_core::label::N_CLASSES])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let deck = "seed = 1\n[data]\ncatalog = \"c.toml\"\n[train]\nglobal_bach = 4\n";
        let e = TrainConfig::parse(deck, "deck.toml", Path::new("/x")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("global_bach") && msg.contains("line 5"), "{msg}");
    }

    #[test]
    fn insitu_source_parses_and_rejects_unknown_keys() {
        let deck =
            "[data.insitu]\ndir = \"lossy\"\nclean_dir = \"/abs/clean\"\nsteps = [40, 120]\nbound = 0.1\n";
        let c = TrainConfig::parse(deck, "d", Path::new("/x")).unwrap();
        let s = c.data.insitu.unwrap();
        assert_eq!(s.dir, Path::new("/x/lossy"));
        assert_eq!(s.clean_dir.as_deref(), Some(Path::new("/abs/clean")));
        assert_eq!(s.fields[3], "Z");
        assert_eq!((s.steps, s.bound, s.depth_axis), (Some([40, 120]), Some(0.1), 0));
        let bad = "[data.insitu]\ndir = \"a\"\ndepth = 1\n";
        let msg = TrainConfig::parse(bad, "deck.toml", Path::new("/x")).unwrap_err().to_string();
        assert!(msg.contains("depth") && msg.contains("line 3"), "{msg}");
        let both = "[data]\ncatalog = \"c.toml\"\n[data.insitu]\ndir = \"a\"\n";
        let msg = TrainConfig::parse(both, "d", Path::new("/x")).unwrap_err().to_string();
        assert!(msg.contains("exactly one source"), "{msg}");
        let none = "[data]\nsplit = [0.6, 0.2, 0.2]\n";
        assert!(TrainConfig::parse(none, "d", Path::new("/x")).is_err());
    }

    #[test]
    fn defaults_are_the_study_schedule() {
        let c = TrainConfig::parse("[data]\ncatalog = \"c.toml\"\n", "d", Path::new("/x")).unwrap();
        assert_eq!(c.train.global_batch, 24);
        assert_eq!(c.train.stages.len(), 3);
        assert!((c.train.lr(0) - 1e-4 * 2.4f64.sqrt()).abs() < 1e-15);
        assert_eq!(c.data.catalog.as_deref(), Some(Path::new("/x/c.toml")));
        assert_eq!(c.adam, AdamConfig::default());
    }
}
