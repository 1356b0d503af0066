//! Always-on per-rank counters: seconds per stage, bytes in and out, steps, and the solver's
//! own time between `end_step` and the next `begin_step` (so overhead = Plume's time / the
//! solver's). [`Profile::reduce`] gives rank 0 a min / mean / max table over ranks with the
//! load balance (mean / max); with `profile = on` every rank's row lands in one CSV and
//! every stage of every step in one Chrome/Perfetto trace (both gathered to rank 0).
//!
//! Each stage is a [`Region`]: a `tracing` span (`plume.copy`, `plume.label`, ...; free
//! without a subscriber), the solver's region callbacks if it set some (to forward regions
//! to Caliper or NVTX), and a trace event. Trace times are microseconds since the session
//! started, taken on every rank right after a barrier, so ranks line up to within the
//! barrier's exit skew.

use std::ffi::{c_char, c_void, CStr};
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
/// The region names the callbacks and the trace get (NUL-terminated for C).
const REGION_NAMES: [&CStr; 5] =
    [c"plume.copy", c"plume.label", c"plume.compress", c"plume.wait", c"plume.write"];
/// Columns: the stages, then total, solver, bytes_in, bytes_out, steps, background (the
/// seconds of async mode's background thread, part of total but not of the overhead).
const N: usize = 11;
/// Trace event fields: stage (5 = the solver), step, start and duration in microseconds,
/// thread (0: the solver's, 1: async mode's background labels and compression).
const EVENT: usize = 5;

/// A solver's region callback: `(name, user_data)`, `name` a NUL-terminated static string.
pub type RegionFn = unsafe extern "C" fn(name: *const c_char, user_data: *mut c_void);

/// Region callbacks the solver set (C ABI `plume_session_set_regions`).
#[derive(Debug, Clone, Copy)]
pub struct RegionCallbacks {
    /// Called when a stage begins.
    pub begin: Option<RegionFn>,
    /// Called when it ends.
    pub end: Option<RegionFn>,
    /// Passed back to both.
    pub user_data: *mut c_void,
}

/// An open stage: see the module docs. End it with [`Profile::end`]; dropped without (an
/// error on the way), it still calls the end callback, so the solver's regions stay nested.
#[must_use = "end the region with Profile::end"]
#[derive(Debug)]
pub struct Region {
    stage: Stage,
    start: Instant,
    regions: Option<RegionCallbacks>,
    _span: tracing::span::EnteredSpan,
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Some(RegionCallbacks { end: Some(f), user_data, .. }) = self.regions {
            // SAFETY: the solver registered `f` for exactly this call (a static name and its pointer).
            unsafe { f(REGION_NAMES[self.stage as usize].as_ptr(), user_data) };
        }
    }
}

/// One rank's counters.
#[derive(Debug)]
pub struct Profile {
    rank: i32,
    secs: [f64; 5],
    background_secs: f64,
    solver_secs: f64,
    bytes_in: u64,
    bytes_out: u64,
    steps: u64,
    last_end: Option<Instant>,
    step: i64,
    /// The trace's time origin.
    origin: Instant,
    /// Flat [`EVENT`]-tuples.
    events: Vec<f64>,
    regions: Option<RegionCallbacks>,
}

impl Profile {
    /// Zeroed counters of `rank`; trace times count from `origin`.
    pub fn new(rank: i32, origin: Instant) -> Self {
        Profile {
            rank,
            secs: [0.0; 5],
            background_secs: 0.0,
            solver_secs: 0.0,
            bytes_in: 0,
            bytes_out: 0,
            steps: 0,
            last_end: None,
            step: -1,
            origin,
            events: Vec::new(),
            regions: None,
        }
    }

    /// Sets (or with `None`, clears) the solver's region callbacks.
    pub fn set_regions(&mut self, regions: Option<RegionCallbacks>) {
        self.regions = regions;
    }

    fn event(&mut self, stage: usize, step: i64, start: Instant, secs: f64, tid: u8) {
        let at = start.saturating_duration_since(self.origin).as_secs_f64();
        self.events.extend_from_slice(&[stage as f64, step as f64, at * 1e6, secs * 1e6, f64::from(tid)]);
    }

    /// Async mode: `stage` of step `step` ran on the background thread from `start` for
    /// `secs` (counted to the stage; trace thread 1; no region callbacks: it was not the
    /// solver's thread).
    pub fn record_background(&mut self, stage: Stage, step: i64, start: Instant, secs: f64) {
        self.secs[stage as usize] += secs;
        self.background_secs += secs;
        self.event(stage as usize, step, start, secs, 1);
    }

    /// Opens `stage`: enters its span and calls the solver's begin callback.
    pub fn begin(&self, stage: Stage) -> Region {
        let span = tracing::info_span!("plume", stage = STAGES[stage as usize], step = self.step).entered();
        if let Some(RegionCallbacks { begin: Some(f), user_data, .. }) = self.regions {
            // SAFETY: the solver registered `f` for exactly this call (a static name and its pointer).
            unsafe { f(REGION_NAMES[stage as usize].as_ptr(), user_data) };
        }
        Region { stage, start: Instant::now(), regions: self.regions, _span: span }
    }

    /// Closes a region: its time counts to its stage and becomes a trace event; then the end
    /// callback runs (when `region` drops).
    pub fn end(&mut self, region: Region) {
        let secs = region.start.elapsed().as_secs_f64();
        self.secs[region.stage as usize] += secs;
        self.event(region.stage as usize, self.step, region.start, secs, 0);
    }

    /// Step `step` begins: the time since the last `end_step` was the solver's.
    pub fn begin_step(&mut self, step: i64) {
        if let Some(t) = self.last_end {
            let secs = t.elapsed().as_secs_f64();
            self.solver_secs += secs;
            self.event(5, self.step, t, secs, 0);
        }
        self.step = step;
    }

    /// A step was written (or, disabled, skipped): its bytes count.
    pub fn add_step(&mut self, bytes_in: u64, bytes_out: u64) {
        self.bytes_in += bytes_in;
        self.bytes_out += bytes_out;
        self.steps += 1;
    }

    /// `end_step` returns to the solver: its own time starts (until the next `begin_step`).
    pub fn returned(&mut self) {
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
            self.background_secs,
        ]
    }

    /// Plume's time on the solver's thread over the solver's own time, for a row.
    fn overhead(row: &[f64; N]) -> f64 {
        if row[6] > 0.0 {
            (row[5] - row[10]) / row[6]
        } else {
            0.0
        }
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
        let (_, bg_mean, _) = col(10);
        let _ = writeln!(
            s,
            "  bytes in {:.3} MB, out {:.3} MB, ratio {:.2}, aggregate {:.3} GB/s, overhead {:.1}% of the solver's time{}",
            bytes_in / 1e6,
            bytes_out / 1e6,
            if bytes_out > 0.0 { bytes_in / bytes_out } else { 0.0 },
            if tmax > 0.0 { bytes_in / tmax / 1e9 } else { 0.0 },
            if smean > 0.0 { 100.0 * (col(5).1 - bg_mean) / smean } else { 0.0 },
            if bg_mean > 0.0 { format!(" (async: {bg_mean:.4} s a rank in the background, not counted)") } else { String::new() },
        );
        s
    }

    /// Writes every rank's events to `path` as a Chrome trace (JSON; open it in Perfetto or
    /// chrome://tracing): one process per rank (pid = rank), one complete event (`ph: X`)
    /// per stage per step, the solver's time between steps as `solver`. Rank 0 writes;
    /// collective.
    pub fn write_trace(&self, comm: &SimpleCommunicator, path: &Path) -> Result<()> {
        let counts: Vec<i32> = {
            let mut c = vec![0i32; comm.size() as usize];
            comm.all_gather_into(&(self.events.len() as i32), &mut c[..]);
            c
        };
        let displs: Vec<i32> =
            counts.iter().scan(0, |acc, &c| Some(std::mem::replace(acc, *acc + c))).collect();
        let mut all = vec![0f64; counts.iter().map(|&c| c as usize).sum()];
        {
            let mut part = mpi::datatype::PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            comm.all_gather_varcount_into(&self.events[..], &mut part);
        }
        if self.rank != 0 {
            return Ok(());
        }
        let mut s = String::from("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
        for r in 0..counts.len() {
            let _ = writeln!(
                s,
                "{{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": {r}, \"args\": {{\"name\": \"rank {r}\"}}}},"
            );
        }
        for (r, (&c, &d)) in counts.iter().zip(&displs).enumerate() {
            for e in all[d as usize..(d + c) as usize].chunks_exact(EVENT) {
                let name = STAGES.get(e[0] as usize).copied().unwrap_or("solver");
                let _ = writeln!(
                    s,
                    "{{\"name\": \"{name}\", \"cat\": \"plume\", \"ph\": \"X\", \"pid\": {r}, \"tid\": {}, \
                     \"ts\": {:.3}, \"dur\": {:.3}, \"args\": {{\"step\": {}}}}},",
                    e[4] as u8, e[2], e[3], e[1] as i64
                );
            }
        }
        // JSON allows no trailing comma: close with a last metadata record.
        s.push_str("{\"name\": \"plume\", \"ph\": \"M\", \"pid\": 0, \"args\": {}}\n]}\n");
        std::fs::write(path, s).map_err(|e| Error::io(path, e))
    }

    /// Writes every rank's row to `path` (rank 0 writes; collective).
    pub fn write_csv(&self, comm: &SimpleCommunicator, path: &Path) -> Result<()> {
        let rows = self.gather(comm);
        if self.rank != 0 {
            return Ok(());
        }
        let mut s = String::from(
            "rank,copy_s,label_s,compress_s,wait_s,write_s,total_s,solver_s,bytes_in,bytes_out,steps,background_s,gb_per_s,overhead\n",
        );
        for (r, row) in rows.iter().enumerate() {
            let gbs = if row[5] > 0.0 { row[7] / row[5] / 1e9 } else { 0.0 };
            let ovh = Self::overhead(row);
            let _ = write!(s, "{r}");
            for v in row {
                let _ = write!(s, ",{v}");
            }
            let _ = writeln!(s, ",{gbs},{ovh}");
        }
        std::fs::write(path, s).map_err(|e| Error::io(path, e))
    }
}
