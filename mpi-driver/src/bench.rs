//! Training throughput on synthetic batches (no decoding: the network, the gradient
//! allreduce and the optimiser): samples per second over all ranks.

use std::time::Instant;

use serde::Serialize;

use plume_core::Result;

use crate::comm::Collective;
use crate::model::NetConfig;
use crate::optim::AdamConfig;
use crate::selftest::synthetic_batch;
use crate::step::Stepper;

/// One benchmark result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchResult {
    /// Preset or description of the network.
    pub preset: String,
    /// Ranks.
    pub ranks: usize,
    /// Compute threads per rank.
    pub threads_per_rank: usize,
    /// Samples per step over all ranks.
    pub global_batch: usize,
    /// Timed steps (after one warm-up step).
    pub steps: u64,
    /// Seconds of the timed steps (slowest rank).
    pub seconds: f64,
    /// Samples per second over all ranks.
    pub samples_per_s: f64,
}

impl BenchResult {
    /// The CSV header.
    pub const CSV_HEADER: &'static str =
        "preset,ranks,threads_per_rank,global_batch,steps,seconds,samples_per_s";

    /// One CSV row.
    pub fn csv_row(&self) -> String {
        format!(
            "{},{},{},{},{},{:.4},{:.4}",
            self.preset,
            self.ranks,
            self.threads_per_rank,
            self.global_batch,
            self.steps,
            self.seconds,
            self.samples_per_s
        )
    }
}

/// Times `steps` training steps of `global_batch` synthetic samples.
pub fn throughput(
    preset: &str,
    net: NetConfig,
    global_batch: usize,
    steps: u64,
    threads: usize,
    comm: &dyn Collective,
) -> Result<BenchResult> {
    if !global_batch.is_multiple_of(comm.size()) {
        return Err(plume_core::Error::invalid(format!(
            "global batch {global_batch} is not divisible by {} ranks",
            comm.size()
        )));
    }
    let mut st = Stepper::fresh(net.clone(), AdamConfig::default(), vec![1.0; net.n_classes], 1, comm)?;
    let (x, y, n) = synthetic_batch(&net, 1, 0, global_batch, comm);
    st.train_step(x, &y, n, 1e-4);
    // Batches are generated before the clock starts: this times compute + allreduce + Adam.
    let batches: Vec<_> = (1..=steps).map(|s| synthetic_batch(&net, 1, s, global_batch, comm)).collect();
    comm.barrier();
    let t0 = Instant::now();
    for (x, y, n) in batches {
        st.train_step(x, &y, n, 1e-4);
    }
    let mut secs = [t0.elapsed().as_secs_f64()];
    comm.allreduce_max_f64(&mut secs);
    Ok(BenchResult {
        preset: preset.to_string(),
        ranks: comm.size(),
        threads_per_rank: threads,
        global_batch,
        steps,
        seconds: secs[0],
        samples_per_s: (steps as usize * global_batch) as f64 / secs[0],
    })
}
