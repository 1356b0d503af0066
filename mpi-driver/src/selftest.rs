//! Synthetic-data training used by the MPI tests and the benchmark: sample `i` of the run
//! is a pure function of `(seed, i)`, so a global batch holds the same samples whatever the
//! rank count, and 1-rank and N-rank runs of the same global batch must agree.

use serde::Serialize;

use plume_core::Result;

use crate::comm::Collective;
use crate::model::NetConfig;
use crate::optim::AdamConfig;
use crate::params::checksum;
use crate::rng::SplitMix64;
use crate::step::Stepper;

/// Sample `i`: features `[C, D, W, W]` uniform in [0, 1) and labels `[D, W, W]` learnable
/// from them (the class is the first channel's value in fifths).
pub fn synthetic_sample(net: &NetConfig, seed: u64, i: u64) -> (Vec<f32>, Vec<u8>) {
    let cells = net.depth * net.window * net.window;
    let mut rng = SplitMix64::derive(seed, b"synthetic", i);
    let x: Vec<f32> = (0..net.in_channels * cells).map(|_| rng.next_f64() as f32).collect();
    let k = net.n_classes as f32;
    let y = x[..cells].iter().map(|&v| ((v * k) as usize).min(net.n_classes - 1) as u8).collect();
    (x, y)
}

/// This rank's share of global batch `step`.
pub fn synthetic_batch(
    net: &NetConfig,
    seed: u64,
    step: u64,
    global_batch: usize,
    comm: &dyn Collective,
) -> (Vec<f32>, Vec<u8>, usize) {
    let local = global_batch / comm.size();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for j in 0..local {
        let i = step * global_batch as u64 + (comm.rank() * local + j) as u64;
        let (sx, sy) = synthetic_sample(net, seed, i);
        x.extend(sx);
        y.extend(sy);
    }
    (x, y, local)
}

/// What [`sync_check`] reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncReport {
    /// Ranks.
    pub world_size: usize,
    /// Checksum of the final weights on rank 0.
    pub checksum: String,
    /// True when every rank's final weights have the same checksum.
    pub identical: bool,
    /// The global-batch loss of every step.
    pub losses: Vec<f32>,
}

/// Trains `steps` steps of `global_batch` synthetic samples and compares the weights of
/// every rank.
pub fn sync_check(
    net: NetConfig,
    global_batch: usize,
    steps: u64,
    lr: f64,
    seed: u64,
    comm: &dyn Collective,
) -> Result<SyncReport> {
    if !global_batch.is_multiple_of(comm.size()) {
        return Err(plume_core::Error::invalid(format!(
            "global batch {global_batch} is not divisible by {} ranks",
            comm.size()
        )));
    }
    let weights = vec![1.0; net.n_classes];
    let mut st = Stepper::fresh(net.clone(), AdamConfig::default(), weights, seed, comm)?;
    let mut losses = Vec::new();
    for s in 0..steps {
        let (x, y, n) = synthetic_batch(&net, seed, s, global_batch, comm);
        losses.push(st.train_step(x, &y, n, lr));
    }
    let c = checksum(&st.params);
    let (hi, lo) = ((c >> 32) as f64, (c & 0xffff_ffff) as f64);
    let mut red = [hi, lo, -hi, -lo];
    comm.allreduce_max_f64(&mut red);
    let identical = red[0] == hi && red[1] == lo && -red[2] == hi && -red[3] == lo;
    Ok(SyncReport { world_size: comm.size(), checksum: format!("{c:016x}"), identical, losses })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comm::SerialComm;

    #[test]
    fn serial_run_is_reproducible_and_learns() {
        let a = sync_check(NetConfig::tiny(), 4, 6, 3e-3, 5, &SerialComm).unwrap();
        let b = sync_check(NetConfig::tiny(), 4, 6, 3e-3, 5, &SerialComm).unwrap();
        assert_eq!(a, b);
        assert!(a.identical);
        assert!(a.losses.iter().all(|l| l.is_finite()));
    }
}
