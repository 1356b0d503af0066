//! The training loop: data-parallel over the ranks of a [`Collective`], staged learning
//! rate, early stopping on the validation loss, checkpoints and per-epoch metrics.
//!
//! # One step
//! Every rank decodes its `global_batch / ranks` windows of the step (background threads),
//! runs forward and backward, flattens all gradients plus its loss into ONE buffer,
//! allreduces it (sum, then divides by the rank count: the mean gradient of the global
//! batch, as the loss is a per-cell mean over equal-sized local batches), and takes the same
//! Adam step on the same flat parameter vector, which is then written back into the module.
//! Rank 0 broadcasts the initial weights, so every rank holds identical weights after every
//! step.
//!
//! # Schedule
//! Stage `k` runs at `lr_k * sqrt(global_batch / 10)` for at most `epochs_k` epochs; it
//! ends early when the validation loss has not improved by more than `min_delta` for
//! `patience` epochs (Keras' EarlyStopping, one per stage as the study ran one `fit` per
//! stage), and Adam restarts at each new stage when configured.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use plume_core::{Error, ErrorKind, Result};

use crate::checkpoint::{Checkpoint, CheckpointMeta};
use crate::comm::Collective;
use crate::config::TrainConfig;
use crate::data::{build_batch, BatchPlan, ChannelNorm, Dataset, Features, Labels, Loader, Window};
use crate::figures;
use crate::loss::host_loss_and_argmax;
use crate::metrics::{Confusion, Scores};
use crate::model::NetConfig;
use crate::optim::Adam;
use crate::params;
use crate::rng::SplitMix64;
use crate::step::{batch_tensor, Stepper};

/// One epoch's metrics (rank 0 writes them to `metrics.csv` and `metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number over the whole run (0-based).
    pub epoch: u64,
    /// Learning-rate stage.
    pub stage: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Validation loss (clean features, clean labels).
    pub val_loss: f64,
    /// Validation scores.
    pub val: Scores,
    /// Training throughput over all ranks.
    pub train_samples_per_s: f64,
    /// Training time per sample (the SciML benchmark's metric), seconds.
    pub train_s_per_sample: f64,
    /// Inference time per sample on validation, seconds.
    pub infer_s_per_sample: f64,
}

/// Where a run stands; stored in checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RunState {
    /// Epochs completed.
    pub epoch: u64,
    /// Current stage.
    pub stage: usize,
    /// Epochs completed in the current stage.
    pub epoch_in_stage: usize,
    /// Steps completed in the current epoch.
    pub step_in_epoch: u64,
    /// Steps completed over the run.
    pub global_step: u64,
    /// Best validation loss of the current stage.
    pub best_val_loss: Option<f64>,
    /// Epochs since it improved.
    pub bad_epochs: usize,
    /// The current epoch's data order (indices into the training split).
    pub order: Vec<u32>,
    /// Sum of the step losses of the current epoch so far.
    pub epoch_loss_sum: f64,
    /// Every step's global-batch loss.
    pub step_losses: Vec<f32>,
    /// Completed epochs' metrics.
    pub history: Vec<EpochRecord>,
    /// True once every stage has ended.
    pub finished: bool,
}

/// How [`Trainer::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every stage ran to its end or stopped early.
    Finished,
    /// `max_steps` was reached (a simulated kill: resume from the last checkpoint).
    StepLimit,
}

/// The data-parallel trainer of one rank.
pub struct Trainer<'a> {
    /// The deck.
    pub config: TrainConfig,
    /// The network's sizes.
    pub net_config: NetConfig,
    comm: &'a dyn Collective,
    /// Network, parameters, optimiser.
    pub stepper: Stepper<'a>,
    /// Run state.
    pub state: RunState,
    /// The data.
    pub dataset: Arc<Dataset>,
    /// Normalisation fitted on the training split.
    pub norm: ChannelNorm,
}

impl std::fmt::Debug for Trainer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("net", &self.net_config)
            .field("state.epoch", &self.state.epoch)
            .finish()
    }
}

/// The checkpoint file of a run.
pub fn checkpoint_path(config: &TrainConfig) -> PathBuf {
    config.output.dir.join("checkpoint.ckpt")
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {e}", path.display()))
}

/// The permutation of `n` training windows for `epoch`.
pub fn epoch_order(seed: u64, epoch: u64, n: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    SplitMix64::derive(seed, b"order", epoch).shuffle(&mut order);
    order
}

impl<'a> Trainer<'a> {
    /// Opens the data, builds the network, and either starts fresh (Glorot init from the
    /// seed on rank 0, broadcast; normalisation fitted on the training split over all
    /// ranks) or restores `resume`.
    pub fn new(config: TrainConfig, comm: &'a dyn Collective, resume: Option<&Path>) -> Result<Trainer<'a>> {
        let net_config = config.model.net_config()?;
        let ranks = comm.size();
        let b = config.train.global_batch;
        if !b.is_multiple_of(ranks) {
            return Err(Error::invalid(format!(
                "train.global_batch {b} is not divisible by the {ranks} ranks (each rank takes an equal share)"
            )));
        }
        let dataset =
            Arc::new(Dataset::open(&config.data, net_config.window, net_config.depth, config.seed)?);
        let n_train = dataset.split.train.len();
        if n_train < b {
            return Err(Error::invalid(format!(
                "{n_train} training windows cannot fill one global batch of {b} ({} windows in all; \
                 use more snapshots, a smaller window or stride, or a smaller batch)",
                n_train + dataset.split.val.len() + dataset.split.test.len()
            )));
        }
        if ranks > n_train {
            return Err(Error::invalid(format!("{ranks} ranks exceed the {n_train} training windows")));
        }
        let weights = config.class_weights();
        let mut stepper = Stepper::fresh(net_config.clone(), config.adam, weights, config.seed, comm)?;
        let n = stepper.params.len();
        let (state, norm) = match resume {
            Some(path) => {
                let ck = Checkpoint::load(path)?;
                if ck.meta.net != net_config || ck.meta.n_params != n {
                    return Err(Error::invalid(format!(
                        "checkpoint {} is of another network ({:?}) than the deck's ({net_config:?})",
                        path.display(),
                        ck.meta.net
                    )));
                }
                let mut adam = Adam::new(config.adam, n);
                adam.m = ck.m;
                adam.v = ck.v;
                adam.t = ck.meta.adam_t;
                stepper.restore(ck.params, adam);
                (ck.meta.state, ck.meta.norm)
            }
            None => {
                let mine: Vec<Window> =
                    dataset.split.train.iter().copied().skip(comm.rank()).step_by(ranks).collect();
                let (min, max) = dataset.channel_range(&mine, dataset.train_sources().0)?;
                let mut lo: Vec<f64> = min.iter().map(|x| -x).collect();
                let mut hi = max;
                comm.allreduce_max_f64(&mut lo);
                comm.allreduce_max_f64(&mut hi);
                let min: Vec<f64> = lo.iter().map(|x| -x).collect();
                (RunState::default(), ChannelNorm::fit(config.data.normalisation, &min, &hi))
            }
        };
        Ok(Trainer { config, net_config, comm, stepper, state, dataset, norm })
    }

    /// Optimiser steps per epoch (the last incomplete global batch is dropped).
    pub fn steps_per_epoch(&self) -> u64 {
        (self.dataset.split.train.len() / self.config.train.global_batch) as u64
    }

    /// Loss, scores and inference seconds per sample of `windows` (split over the ranks,
    /// reduced over all of them).
    pub fn evaluate(
        &self,
        windows: &[Window],
        features: Features,
        labels: Labels,
    ) -> Result<(f64, Scores, f64)> {
        let nc = &self.net_config;
        let k = nc.n_classes;
        let plain = Device::flex();
        let net = params::load(self.stepper.net().valid(), &self.stepper.params, &plain);
        let mine: Vec<Window> =
            windows.iter().copied().skip(self.comm.rank()).step_by(self.comm.size()).collect();
        let local_b = (self.config.train.global_batch / self.comm.size()).max(1);
        let plans: Vec<BatchPlan> =
            mine.chunks(local_b).map(|c| c.iter().map(|&w| (w, Default::default())).collect()).collect();
        let mut loader = Loader::spawn(
            self.dataset.clone(),
            plans,
            (features, labels),
            self.norm.clone(),
            self.config.data.decode_threads,
            self.config.data.prefetch,
        );
        let mut conf = Confusion::new(k);
        let mut loss_sum = 0.0f64;
        let mut infer_s = 0.0f64;
        while let Some(batch) = loader.next_batch() {
            let batch = batch?;
            let t0 = Instant::now();
            let xt = batch_tensor(batch.x, batch.n, nc.in_channels, nc.depth, nc.window, &plain);
            let logits = net.forward(xt).into_data().convert::<f32>();
            infer_s += t0.elapsed().as_secs_f64();
            let logits = logits.as_slice::<f32>().map_err(|e| Error::invalid(format!("logits: {e:?}")))?;
            let (s, pred) = host_loss_and_argmax(logits, &batch.y, batch.n, k, &self.stepper.weights);
            loss_sum += s;
            conf.add(&batch.y, &pred);
        }
        let cells_per = (nc.depth * nc.window * nc.window) as f64;
        let mut red: Vec<f64> = vec![loss_sum, mine.len() as f64, infer_s];
        red.extend(conf.counts.iter().map(|&c| c as f64));
        self.comm.allreduce_sum_f64(&mut red);
        let n_windows = red[1];
        for (i, c) in conf.counts.iter_mut().enumerate() {
            *c = red[3 + i] as u64;
        }
        let loss = if n_windows > 0.0 { red[0] / (n_windows * cells_per) } else { f64::NAN };
        let per_sample = if n_windows > 0.0 { red[2] / n_windows } else { f64::NAN };
        Ok((loss, conf.scores(), per_sample))
    }

    /// Saves a checkpoint (rank 0 writes; every rank waits).
    pub fn save_checkpoint(&self) -> Result<()> {
        if self.comm.rank() == 0 {
            std::fs::create_dir_all(&self.config.output.dir)
                .map_err(|e| io_err(&self.config.output.dir, e))?;
            let ck = Checkpoint {
                meta: CheckpointMeta {
                    net: self.net_config.clone(),
                    config: self.config.clone(),
                    state: self.state.clone(),
                    norm: self.norm.clone(),
                    adam_t: self.stepper.adam.t,
                    n_params: self.stepper.params.len(),
                },
                params: self.stepper.params.clone(),
                m: self.stepper.adam.m.clone(),
                v: self.stepper.adam.v.clone(),
            };
            ck.save(&checkpoint_path(&self.config))?;
        }
        self.comm.barrier();
        Ok(())
    }

    /// Writes `metrics.csv`, `metrics.json` and `losses.csv` from the history (rank 0).
    pub fn write_metrics(&self) -> Result<()> {
        if self.comm.rank() != 0 {
            return Ok(());
        }
        let dir = &self.config.output.dir;
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let k = self.net_config.n_classes;
        let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
        let mut csv = String::from("epoch,stage,lr,train_loss,val_loss,overall_accuracy,mean_class_accuracy");
        for c in 0..k {
            csv += &format!(",recall_{c}");
        }
        for c in 0..k {
            csv += &format!(",f1_{c}");
        }
        csv += ",train_samples_per_s,train_s_per_sample,infer_s_per_sample\n";
        for r in &self.state.history {
            csv += &format!(
                "{},{},{:e},{:.6},{:.6},{},{}",
                r.epoch,
                r.stage,
                r.lr,
                r.train_loss,
                r.val_loss,
                opt(r.val.overall_accuracy),
                opt(r.val.mean_class_accuracy)
            );
            for v in r.val.class_accuracy.iter().chain(&r.val.f1) {
                csv += &format!(",{}", opt(*v));
            }
            csv += &format!(
                ",{:.3},{:.6},{:.6}\n",
                r.train_samples_per_s, r.train_s_per_sample, r.infer_s_per_sample
            );
        }
        let p = dir.join("metrics.csv");
        std::fs::write(&p, csv).map_err(|e| io_err(&p, e))?;
        let json =
            serde_json::to_string_pretty(&self.state.history).map_err(|e| Error::invalid(e.to_string()))?;
        let p = dir.join("metrics.json");
        std::fs::write(&p, json).map_err(|e| io_err(&p, e))?;
        let mut losses = String::from("step,loss\n");
        for (i, l) in self.state.step_losses.iter().enumerate() {
            losses += &format!("{i},{l:e}\n");
        }
        let p = dir.join("losses.csv");
        std::fs::write(&p, losses).map_err(|e| io_err(&p, e))
    }

    /// Trains until every stage has ended, or until `max_steps` global steps (then returns
    /// [`Outcome::StepLimit`] without a final checkpoint, like a killed job).
    pub fn run(&mut self, max_steps: Option<u64>) -> Result<Outcome> {
        let ranks = self.comm.size();
        let rank = self.comm.rank();
        let b = self.config.train.global_batch;
        let local_b = b / ranks;
        let steps = self.steps_per_epoch();
        let n_train = self.dataset.split.train.len();
        let seed = self.config.seed;
        let progress = self.config.output.progress && rank == 0;
        while !self.state.finished {
            let st = self.state.stage;
            if st >= self.config.train.stages.len() {
                self.state.finished = true;
                break;
            }
            if self.state.epoch_in_stage >= self.config.train.stages[st].epochs {
                self.next_stage();
                continue;
            }
            let lr = self.config.train.lr(st);
            if self.state.step_in_epoch == 0 {
                self.state.order = epoch_order(seed, self.state.epoch, n_train);
                self.state.epoch_loss_sum = 0.0;
            }
            let epoch = self.state.epoch;
            let plans: Vec<BatchPlan> = (self.state.step_in_epoch..steps)
                .map(|s| {
                    let base = s as usize * b + rank * local_b;
                    (base..base + local_b)
                        .map(|i| {
                            let win = self.dataset.split.train[self.state.order[i] as usize];
                            let aug = if self.config.data.augment {
                                Dataset::augmentation(seed, epoch, i as u64)
                            } else {
                                Default::default()
                            };
                            (win, aug)
                        })
                        .collect()
                })
                .collect();
            let mut loader = Loader::spawn(
                self.dataset.clone(),
                plans,
                self.dataset.train_sources(),
                self.norm.clone(),
                self.config.data.decode_threads,
                self.config.data.prefetch,
            );
            let t_epoch = Instant::now();
            let first_step = self.state.step_in_epoch;
            while self.state.step_in_epoch < steps {
                if max_steps.is_some_and(|m| self.state.global_step >= m) {
                    return Ok(Outcome::StepLimit);
                }
                let batch =
                    loader.next_batch().ok_or_else(|| Error::invalid("data loader ended early"))??;
                let loss = self.stepper.train_step(batch.x, &batch.y, batch.n, lr);
                self.state.step_in_epoch += 1;
                self.state.global_step += 1;
                self.state.step_losses.push(loss);
                self.state.epoch_loss_sum += f64::from(loss);
                if progress {
                    let done = self.state.step_in_epoch - first_step;
                    let sps = (done as usize * b) as f64 / t_epoch.elapsed().as_secs_f64();
                    eprint!(
                        "\repoch {} stage {} step {}/{} loss {:.5} {:.2} samples/s   ",
                        epoch, st, self.state.step_in_epoch, steps, loss, sps
                    );
                }
                let every = self.config.output.checkpoint_every;
                if every > 0
                    && self.state.global_step.is_multiple_of(every)
                    && self.state.step_in_epoch < steps
                {
                    self.save_checkpoint()?;
                }
            }
            drop(loader);
            let train_s = t_epoch.elapsed().as_secs_f64();
            let trained = ((steps - first_step) as usize * b) as f64;
            let (val_loss, val, infer) =
                self.evaluate(&self.dataset.split.val.clone(), Features::Clean, Labels::Stored)?;
            let rec = EpochRecord {
                epoch,
                stage: st,
                lr,
                train_loss: self.state.epoch_loss_sum / steps.max(1) as f64,
                val_loss,
                val,
                train_samples_per_s: trained / train_s,
                train_s_per_sample: train_s / trained.max(1.0),
                infer_s_per_sample: infer,
            };
            if progress {
                eprintln!(
                    "\repoch {epoch} stage {st} train_loss {:.5} val_loss {:.5} val_mean_class_acc {} {:.2} samples/s",
                    rec.train_loss,
                    rec.val_loss,
                    rec.val.mean_class_accuracy.map_or("-".into(), |v| format!("{v:.4}")),
                    rec.train_samples_per_s
                );
            }
            self.state.history.push(rec);
            self.state.epoch += 1;
            self.state.epoch_in_stage += 1;
            self.state.step_in_epoch = 0;
            let improved =
                self.state.best_val_loss.is_none_or(|b| val_loss < b - self.config.train.min_delta);
            if improved {
                self.state.best_val_loss = Some(val_loss);
                self.state.bad_epochs = 0;
            } else {
                self.state.bad_epochs += 1;
                let p = self.config.train.patience;
                if p > 0 && self.state.bad_epochs >= p {
                    if progress {
                        eprintln!("early stop: no improvement for {p} epochs; stage {st} ends");
                    }
                    self.next_stage();
                }
            }
            if self.state.stage >= self.config.train.stages.len() {
                self.state.finished = true;
            }
            self.write_metrics()?;
            self.save_checkpoint()?;
        }
        self.write_metrics()?;
        Ok(Outcome::Finished)
    }

    fn next_stage(&mut self) {
        self.state.stage += 1;
        self.state.epoch_in_stage = 0;
        self.state.bad_epochs = 0;
        self.state.best_val_loss = None;
        if self.config.train.restart_adam_between_stages {
            self.stepper.adam.reset();
        }
    }

    /// Evaluates the test split (clean features, clean labels) and writes `eval.json`.
    pub fn eval_test(&self) -> Result<serde_json::Value> {
        let (loss, scores, infer) =
            self.evaluate(&self.dataset.split.test.clone(), Features::Clean, Labels::Stored)?;
        if self.comm.rank() == 0 {
            self.write_figures(&scores)?;
        }
        let v = serde_json::json!({
            "split": "test",
            "windows": self.dataset.split.test.len(),
            "loss": loss,
            "scores": scores,
            "infer_s_per_sample": infer,
            "ranks": self.comm.size(),
        });
        if self.comm.rank() == 0 {
            let dir = &self.config.output.dir;
            let p = dir.join("eval.json");
            let mut f = std::fs::File::create(&p).map_err(|e| io_err(&p, e))?;
            f.write_all(serde_json::to_string_pretty(&v).unwrap_or_default().as_bytes())
                .map_err(|e| io_err(&p, e))?;
        }
        Ok(v)
    }

    /// `loss_curves.png`, `class_accuracy.png` and `panel_<i>.png` (prediction | truth |
    /// Y_H2O input, middle depth slice) of the first three test windows.
    fn write_figures(&self, scores: &Scores) -> Result<()> {
        let dir = &self.config.output.dir;
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        if !self.state.history.is_empty() {
            figures::loss_curves(&self.state.history).save(&dir.join("loss_curves.png"))?;
        }
        figures::class_bars(&scores.class_accuracy).save(&dir.join("class_accuracy.png"))?;
        let nc = &self.net_config;
        let (w, d) = (nc.window, nc.depth);
        let plane = w * w;
        let mid = d / 2;
        let plain = Device::flex();
        let net = params::load(self.stepper.net().valid(), &self.stepper.params, &plain);
        for (i, &win) in self.dataset.split.test.iter().take(3).enumerate() {
            let plan = vec![(win, Default::default())];
            let b = build_batch(&self.dataset, &plan, Features::Clean, Labels::Stored, &self.norm)?;
            let logits = net
                .forward(batch_tensor(b.x.clone(), 1, nc.in_channels, d, w, &plain))
                .into_data()
                .convert::<f32>();
            let logits = logits.as_slice::<f32>().map_err(|e| Error::invalid(format!("logits: {e:?}")))?;
            let (_, pred) = host_loss_and_argmax(logits, &b.y, 1, nc.n_classes, &self.stepper.weights);
            let input = &b.x[(2 * d + mid) * plane..(2 * d + mid + 1) * plane];
            let slice = mid * plane..(mid + 1) * plane;
            figures::panels(&pred[slice.clone()], &b.y[slice], input, w)
                .save(&dir.join(format!("panel_{i}.png")))?;
        }
        Ok(())
    }
}
