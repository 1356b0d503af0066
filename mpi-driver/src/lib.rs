//! # plume-mpi-driver
//!
//! Plume's distributed trainer, `plume-train`: it reads compressed snapshots on every MPI
//! rank (sub-box decompression of W x W x 3 windows, in background threads), takes
//! flame-regime labels from the stored label streams or recomputes them from the decoded
//! fields, and trains the study's 3-D segmentation CNN (REFERENCE.md section 2) with burn
//! on the CPU `flex` backend, data-parallel over MPI ranks (issue 7).
//!
//! Module map: [`model`] (the network, one parameterised definition), [`params`] (the flat
//! parameter vector: init, gradients, write-back, checksum), [`optim`] (Adam), [`loss`],
//! [`metrics`], [`comm`] (serial and MPI collectives), [`data`] (catalog, windows, split,
//! augmentation, background loader), [`config`] (the TOML deck), [`train`] (the loop),
//! [`checkpoint`], [`report`] (the main job's report), [`bench`] and [`selftest`] (synthetic-data runs for the benchmark and
//! the MPI tests), [`rng`].
//!
//! This crate depends on `plume-core` only, never on `plume-ffi`: a program links at most one
//! Rust static library, and the driver is a Rust program in its own right.

pub mod bench;
pub mod checkpoint;
pub mod comm;
pub mod config;
pub mod data;
pub mod experiment;
pub mod figures;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod params;
pub mod report;
pub mod rng;
pub mod runs;
pub mod selftest;
pub mod step;
pub mod train;

/// Exit code of `plume-train` for a usage error or invalid input.
pub const EXIT_USAGE: u8 = 2;

/// The tracking issue for the trainer.
pub const TRACKING_ISSUE: u32 = 7;
