//! Always-on per-rank counters: seconds per stage, bytes in and out, steps, and the solver's
//! own time between `end_step` and the next `begin_step` (so overhead = Plume's time / the
//! solver's). [`Profile::reduce`] gives rank 0 a min / mean / max table over ranks with the
//! load balance (mean / max); `PLUME_PROFILE_CSV=<path>` makes every rank's row land in one
//! CSV (gathered to rank 0).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;
use plume_core::{Error, Result};

/// A stage of `put`/`end_step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `put`: copying the solver's arrays.
    Copy = 0,
    /// Flame-regime labels.
    Label = 1,
    /// Compression (and the metrics' decode).
    Compress = 2,
    /// Waiting for the other ranks before the write.
    Wait = 3,
    /// The collective HDF5 write, rename and catalog.
    Write = 4,
}

const STAGES: [&str; 5] = ["copy", "label", "compress", "wait", "write"];
/// Columns: the stages, then total, solver, bytes_in, bytes_out, steps.
const N: usize = 10;

/// One rank's counters.
#[derive(Debug, Clone)]
pub struct Profile {
    rank: i32,
    secs: [f64; 5],
    solver_secs: f64,
    bytes_in: u64,
    bytes_out: u64,
    steps: u64,
    last_end: Option<Instant>,
}

impl Profile {
    /// Zeroed counters of `rank`.
    pub fn new(rank: i32) -> Self {
        Profile {
            rank,
            secs: [0.0; 5],
            solver_secs: 0.0,
            bytes_in: 0,
            bytes_out: 0,
            steps: 0,
            last_end: None,
        }
    }

    /// Adds `secs` to a stage.
    pub fn add(&mut self, stage: Stage, secs: f64) {
        self.secs[stage as usize] += secs;
    }

    /// A step begins: the time since the last `end_step` was the solver's.
    pub fn begin_step(&mut self) {
        if let Some(t) = self.last_end {
            self.solver_secs += t.elapsed().as_secs_f64();
        }
    }

    /// A step ended.
    pub fn end_step(&mut self, bytes_in: u64, bytes_out: u64) {
        self.bytes_in += bytes_in;
        self.bytes_out += bytes_out;
        self.steps += 1;
        self.last_end = Some(Instant::now());
    }

    fn row(&self) -> [f64; N] {
        let total: f64 = self.secs.iter().sum();
        [
            self.secs[0],
            self.secs[1],
            self.secs[2],
            self.secs[3],
            self.secs[4],
            total,
            self.solver_secs,
            self.bytes_in as f64,
            self.bytes_out as f64,
            self.steps as f64,
        ]
    }

    /// Gathers every rank's row on every rank.
    fn gather(&self, comm: &SimpleCommunicator) -> Vec<[f64; N]> {
        let mine = self.row();
        let mut all = vec![0f64; N * comm.size() as usize];
        comm.all_gather_into(&mine[..], &mut all[..]);
        all.chunks_exact(N).map(|c| c.try_into().unwrap_or([0.0; N])).collect()
    }

    /// The min / mean / max table over ranks (collective; the text is the same everywhere).
    pub fn reduce(&self, comm: &SimpleCommunicator) -> String {
        let rows = self.gather(comm);
        let n = rows.len() as f64;
        let col = |j: usize| {
            let v = rows.iter().map(|r| r[j]);
            let min = v.clone().fold(f64::INFINITY, f64::min);
            let max = v.clone().fold(f64::NEG_INFINITY, f64::max);
            (min, v.sum::<f64>() / n, max)
        };
        let mut s = String::new();
        let steps = rows.first().map_or(0.0, |r| r[9]);
        let _ =
            writeln!(s, "plume profile: {} ranks, {steps} steps (seconds per rank, all steps)", rows.len());
        let _ = writeln!(s, "  {:<10} {:>10} {:>10} {:>10} {:>8}", "stage", "min", "mean", "max", "balance");
        for (j, name) in STAGES.iter().chain(["total", "solver"].iter()).enumerate() {
            let (mn, mean, mx) = col(j);
            let bal = if mx > 0.0 { mean / mx } else { 1.0 };
            let _ = writeln!(s, "  {name:<10} {mn:>10.4} {mean:>10.4} {mx:>10.4} {bal:>8.2}");
        }
        let bytes_in: f64 = rows.iter().map(|r| r[7]).sum();
        let bytes_out: f64 = rows.iter().map(|r| r[8]).sum();
        let (_, _, tmax) = col(5);
        let (_, smean, _) = col(6);
        let _ = writeln!(
            s,
            "  bytes in {:.3} MB, out {:.3} MB, ratio {:.2}, aggregate {:.3} GB/s, overhead {:.1}% of the solver's time",
            bytes_in / 1e6,
            bytes_out / 1e6,
            if bytes_out > 0.0 { bytes_in / bytes_out } else { 0.0 },
            if tmax > 0.0 { bytes_in / tmax / 1e9 } else { 0.0 },
            if smean > 0.0 { 100.0 * col(5).1 / smean } else { 0.0 },
        );
        s
    }

    /// Writes every rank's row to `path` (rank 0 writes; collective).
    pub fn write_csv(&self, comm: &SimpleCommunicator, path: &Path) -> Result<()> {
        let rows = self.gather(comm);
        if self.rank != 0 {
            return Ok(());
        }
        let mut s = String::from("rank,copy_s,label_s,compress_s,wait_s,write_s,total_s,solver_s,bytes_in,bytes_out,steps,gb_per_s,overhead\n");
        for (r, row) in rows.iter().enumerate() {
            let gbs = if row[5] > 0.0 { row[7] / row[5] / 1e9 } else { 0.0 };
            let ovh = if row[6] > 0.0 { row[5] / row[6] } else { 0.0 };
            let _ = write!(s, "{r}");
            for v in row {
                let _ = write!(s, ",{v}");
            }
            let _ = writeln!(s, ",{gbs},{ovh}");
        }
        std::fs::write(path, s).map_err(|e| Error::io(path, e))
    }
}
