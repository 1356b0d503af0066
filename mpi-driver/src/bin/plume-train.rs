//! `plume-train`: data-parallel training of the flame-regime segmentation network on
//! Plume-compressed snapshots. Run it under `mpirun -n RANKS`; without mpirun it is one rank.
//!
//! Exit status: 0 on success, 2 for a usage error or invalid input (deck, catalog, sizes),
//! 1 for I/O failures and corrupt data. Under MPI a failing rank aborts the job.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use plume_core::{Error, ErrorKind};
use plume_mpi_driver::bench::{throughput, BenchResult};
use plume_mpi_driver::comm::{Collective, MpiComm};
use plume_mpi_driver::config::TrainConfig;
use plume_mpi_driver::data::synth::{write_jet_catalog, write_jet_insitu_run};
use plume_mpi_driver::experiment;
use plume_mpi_driver::model::NetConfig;
use plume_mpi_driver::report::{self, Manifest};
use plume_mpi_driver::selftest::sync_check;
use plume_mpi_driver::train::{checkpoint_path, Outcome, Trainer};
use plume_mpi_driver::EXIT_USAGE;

/// Data-parallel training of the study's 3-D flame-regime CNN on Plume-compressed
/// snapshots (burn, CPU flex backend; MPI data parallelism). `plume-train --config
/// train.toml` trains; see the subcommands for evaluation, benchmarks and test data.
#[derive(Parser, Debug)]
#[command(name = "plume-train", version = plume_core::VERSION, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Args, Debug, Clone)]
struct TrainArgs {
    /// The training deck (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Continue from the run's checkpoint (`<output.dir>/checkpoint.ckpt`).
    #[arg(long)]
    resume: bool,
    /// Stop after this many optimiser steps in all (simulates a killed job; resume later).
    #[arg(long)]
    max_steps: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train (the default when no subcommand is given).
    Train(TrainArgs),
    /// Evaluate a checkpoint on the test split (clean features and labels); writes eval.json.
    Eval {
        /// The training deck.
        #[arg(long)]
        config: PathBuf,
        /// The checkpoint (default: the run's).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Training throughput on synthetic batches (samples/s over all ranks); appends CSV.
    Bench {
        /// Network preset.
        #[arg(long, default_value = "small")]
        preset: String,
        /// Samples per step over all ranks.
        #[arg(long, default_value_t = 4)]
        global_batch: usize,
        /// Timed steps.
        #[arg(long, default_value_t = 5)]
        steps: u64,
        /// Append the result to this CSV file (rank 0).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Compute threads per rank (default: cores / ranks on the node).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Train a few steps on synthetic data and check every rank holds the same weights;
    /// prints one JSON line on rank 0 (the MPI tests run this).
    SyncCheck {
        /// Network preset.
        #[arg(long, default_value = "tiny")]
        preset: String,
        /// Samples per step over all ranks.
        #[arg(long, default_value_t = 6)]
        global_batch: usize,
        /// Steps.
        #[arg(long, default_value_t = 4)]
        steps: u64,
        /// Learning rate.
        #[arg(long, default_value_t = 1e-3)]
        lr: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a demonstration catalog of jet-flame snapshots (streams + labels).
    SynthCatalog {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Field dims nx,ny,nz.
        #[arg(long, value_delimiter = ',', default_value = "64,64,6")]
        dims: Vec<usize>,
        /// Snapshots.
        #[arg(long, default_value_t = 2)]
        snapshots: usize,
        /// PW_REL bound of the feature streams (0: lossless).
        #[arg(long, default_value_t = 0.1)]
        bound: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write the main job's report (report.md, report.html, report.json, PNG figures) from
    /// a manifest of in-situ runs and trainings; fails when a consistency check fails.
    Report {
        /// The manifest (TOML): title, git, configuration, clean run, [[case]] run/train.
        #[arg(long)]
        manifest: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// The study's experiment from one deck: import (BLASTNet) or solver runs, one training
    /// per bound and scenario under mpirun, the report (Figures 3-8). See the deck's format
    /// in mpi-driver/README.md.
    Experiment {
        /// The experiment deck (TOML).
        #[arg(long)]
        config: PathBuf,
    },
    /// Write an in-situ-layout run directory (HDF5 snapshots through filter 32801 and
    /// catalog.jsonl) of synthetic jet-flame states (test data; the real writer is the session).
    SynthInsitu {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Storage dims (C order).
        #[arg(long, value_delimiter = ',', default_value = "6,32,32")]
        dims: Vec<usize>,
        /// Steps.
        #[arg(long, value_delimiter = ',', default_value = "10,20")]
        steps: Vec<i64>,
        /// PW_REL bound (0: lossless, ABS 0).
        #[arg(long, default_value_t = 0.1)]
        bound: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print a preset's layers, output shapes (channels-last, as in the study) and parameter count.
    Summary {
        /// Network preset.
        #[arg(long, default_value = "paper")]
        preset: String,
    },
}

type CliResult<T> = std::result::Result<T, Error>;

/// Compute threads per rank: explicit, or the cores shared among the node's ranks.
fn set_threads(explicit: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let local = std::env::var("OMPI_COMM_WORLD_LOCAL_SIZE")
        .ok()
        .or_else(|| std::env::var("MPI_LOCALNRANKS").ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let n = explicit.unwrap_or((cores / local).max(1));
    // Fails only when the pool already exists, in which case it is kept.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    n
}

fn train(args: &TrainArgs, comm: &dyn Collective) -> CliResult<()> {
    let path = args.config.as_ref().ok_or_else(|| Error::invalid("--config is required (try --help)"))?;
    let config = TrainConfig::load(path)?;
    let resume = if args.resume {
        let p = checkpoint_path(&config);
        if !p.exists() {
            return Err(Error::new(ErrorKind::Io, format!("--resume: no checkpoint at {}", p.display())));
        }
        Some(p)
    } else {
        None
    };
    let mut t = Trainer::new(config, comm, resume.as_deref())?;
    if comm.rank() == 0 {
        let ds = &t.dataset;
        eprintln!(
            "plume-train: {} ranks, {} parameters, windows train/val/test {}/{}/{}, {} steps/epoch, resume {}",
            comm.size(),
            t.stepper.params.len(),
            ds.split.train.len(),
            ds.split.val.len(),
            ds.split.test.len(),
            t.steps_per_epoch(),
            resume.is_some()
        );
    }
    match t.run(args.max_steps)? {
        Outcome::Finished => {
            let v = t.eval_test()?;
            if comm.rank() == 0 {
                println!("{v}");
            }
        }
        Outcome::StepLimit => {
            if comm.rank() == 0 {
                eprintln!("\nplume-train: stopped at step {} (--max-steps)", t.state.global_step);
            }
        }
    }
    Ok(())
}

fn run(cli: &Cli) -> CliResult<()> {
    if let Some(Command::SynthCatalog { out, dims, snapshots, bound, seed }) = &cli.command {
        let d: [usize; 3] =
            dims.as_slice().try_into().map_err(|_| Error::invalid("--dims needs nx,ny,nz"))?;
        let p = write_jet_catalog(out, d, *snapshots, *bound, *seed)?;
        println!("{}", p.display());
        return Ok(());
    }
    if let Some(Command::Summary { preset }) = &cli.command {
        return summary(preset);
    }
    if let Some(Command::SynthInsitu { out, dims, steps, bound, seed }) = &cli.command {
        let d: [usize; 3] =
            dims.as_slice().try_into().map_err(|_| Error::invalid("--dims needs three sizes"))?;
        write_jet_insitu_run(out, d, steps, *bound, *seed)?;
        println!("{}", out.display());
        return Ok(());
    }
    if let Some(Command::Report { manifest, out }) = &cli.command {
        println!("{}", report::run(&Manifest::load(manifest)?, out)?.display());
        return Ok(());
    }
    if let Some(Command::Experiment { config }) = &cli.command {
        let html = experiment::run(config)?;
        println!("experiment: report {}", html.display());
        return Ok(());
    }
    let threads = set_threads(
        match &cli.command {
            Some(Command::Train(a)) => a.config.as_ref(),
            None => cli.train.config.as_ref(),
            Some(Command::Eval { config, .. }) => Some(config),
            _ => None,
        }
        .and_then(|p| TrainConfig::load(p).ok())
        .and_then(|c| c.train.threads)
        .or(match &cli.command {
            Some(Command::Bench { threads, .. }) => *threads,
            _ => None,
        }),
    );
    let universe =
        mpi::initialize().ok_or_else(|| Error::new(ErrorKind::Mpi, "MPI initialisation failed"))?;
    let world = universe.world();
    let comm = MpiComm::new(world);
    let result = match &cli.command {
        None => train(&cli.train, &comm),
        Some(Command::Train(a)) => train(a, &comm),
        Some(Command::Eval { config, checkpoint }) => (|| {
            let config = TrainConfig::load(config)?;
            let ck = checkpoint.clone().unwrap_or_else(|| checkpoint_path(&config));
            let t = Trainer::new(config, &comm, Some(&ck))?;
            let v = t.eval_test()?;
            if comm.rank() == 0 {
                println!("{v}");
            }
            Ok(())
        })(),
        Some(Command::Bench { preset, global_batch, steps, csv, .. }) => (|| {
            let net = NetConfig::preset(preset)?;
            let r: BenchResult = throughput(preset, net, *global_batch, *steps, threads, &comm)?;
            if comm.rank() == 0 {
                println!("{}\n{}", BenchResult::CSV_HEADER, r.csv_row());
                if let Some(p) = csv {
                    let new = !p.exists();
                    let mut text = String::new();
                    if new {
                        text += BenchResult::CSV_HEADER;
                        text += "\n";
                    }
                    text += &r.csv_row();
                    text += "\n";
                    use std::io::Write;
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .and_then(|mut f| f.write_all(text.as_bytes()))
                        .map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", p.display())))?;
                }
            }
            Ok(())
        })(),
        Some(Command::SyncCheck { preset, global_batch, steps, lr, seed }) => (|| {
            let net = NetConfig::preset(preset)?;
            let r = sync_check(net, *global_batch, *steps, *lr, *seed, &comm)?;
            if comm.rank() == 0 {
                println!("{}", serde_json::to_string(&r).unwrap_or_default());
            }
            Ok(())
        })(),
        Some(
            Command::SynthCatalog { .. }
            | Command::Summary { .. }
            | Command::Report { .. }
            | Command::Experiment { .. }
            | Command::SynthInsitu { .. },
        ) => Ok(()),
    };
    if let Err(e) = &result {
        if comm.size() > 1 {
            eprintln!("plume-train: rank {}: error: {e}", comm.rank());
            let code = if e.kind() == ErrorKind::InvalidArgument { 2 } else { 1 };
            comm.abort(code);
        }
    }
    result
}

fn summary(preset: &str) -> CliResult<()> {
    use burn::tensor::{Device, Tensor};
    let net = NetConfig::preset(preset)?;
    let device = Device::flex();
    let model = net.init(&device)?;
    let x = Tensor::<5>::zeros([1, net.in_channels, net.depth, net.window, net.window], &device);
    let mut trace = Some(Vec::new());
    model.forward_traced(x, &mut trace);
    println!(
        "{preset}: input (N, {}, {}, {}, {}) channels-last",
        net.depth, net.window, net.window, net.in_channels
    );
    for (name, [_, c, d, h, w]) in trace.unwrap_or_default() {
        println!("{name:24} (N, {d}, {h}, {w}, {c})");
    }
    println!("parameters: {}", net.n_params());
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    if cli.command.is_none() && cli.train.config.is_none() {
        eprintln!("plume-train: error: --config is required (run `plume-train --help` for usage)");
        return ExitCode::from(EXIT_USAGE);
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plume-train: error: {e}");
            ExitCode::from(if e.kind() == ErrorKind::InvalidArgument { EXIT_USAGE } else { 1 })
        }
    }
}
