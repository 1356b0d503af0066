//! Background decoding: worker threads decode and augment the batches of an epoch ahead of
//! the compute, through a bounded channel, and the consumer gets them back in order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use plume_core::Result;

use super::augment::Augment;
use super::dataset::{ChannelNorm, Dataset, Features, Labels, Window};

/// A batch ready for the network: `n` samples `[4, D, W, W]` and labels `[D, W, W]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Samples in the batch.
    pub n: usize,
    /// Normalised features, `n * 4 * D * W * W` values.
    pub x: Vec<f32>,
    /// Class ids, `n * D * W * W`.
    pub y: Vec<u8>,
}

/// What one batch holds: windows and their augmentations.
pub type BatchPlan = Vec<(Window, Augment)>;

/// Decodes one batch on the calling thread.
pub fn build_batch(
    ds: &Dataset,
    plan: &BatchPlan,
    features: Features,
    labels: Labels,
    norm: &ChannelNorm,
) -> Result<Batch> {
    let (nx, ny) = ds.sample_sizes();
    let mut x = Vec::with_capacity(plan.len() * nx);
    let mut y = Vec::with_capacity(plan.len() * ny);
    for &(win, aug) in plan {
        let (mut sx, mut sy) = ds.load(win, features, labels)?;
        norm.apply(&mut sx);
        aug.apply(&mut sx, ds.window);
        aug.apply(&mut sy, ds.window);
        x.extend_from_slice(&sx);
        y.extend_from_slice(&sy);
    }
    Ok(Batch { n: plan.len(), x, y })
}

/// The batches of one pass, decoded by background threads.
pub struct Loader {
    rx: Option<Receiver<(usize, Result<Batch>)>>,
    pending: BTreeMap<usize, Result<Batch>>,
    next: usize,
    total: usize,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader").field("next", &self.next).field("total", &self.total).finish()
    }
}

impl Loader {
    /// Starts `threads` workers decoding `plans` in order, at most about `prefetch`
    /// batches ahead of the consumer.
    pub fn spawn(
        ds: Arc<Dataset>,
        plans: Vec<BatchPlan>,
        sources: (Features, Labels),
        norm: ChannelNorm,
        threads: usize,
        prefetch: usize,
    ) -> Loader {
        let total = plans.len();
        let (tx, rx) = sync_channel(prefetch.max(1));
        let counter = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let plans = Arc::new(plans);
        let norm = Arc::new(norm);
        let handles = (0..threads.max(1).min(total.max(1)))
            .map(|_| {
                let (tx, counter, stop, plans, ds, norm) =
                    (tx.clone(), counter.clone(), stop.clone(), plans.clone(), ds.clone(), norm.clone());
                std::thread::spawn(move || loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    if i >= plans.len() {
                        return;
                    }
                    let b = build_batch(&ds, &plans[i], sources.0, sources.1, &norm);
                    if tx.send((i, b)).is_err() {
                        return;
                    }
                })
            })
            .collect();
        Loader { rx: Some(rx), pending: BTreeMap::new(), next: 0, total, stop, handles }
    }

    /// The next batch in order, or `None` after the last.
    pub fn next_batch(&mut self) -> Option<Result<Batch>> {
        if self.next >= self.total {
            return None;
        }
        loop {
            if let Some(b) = self.pending.remove(&self.next) {
                self.next += 1;
                return Some(b);
            }
            let rx = self.rx.as_ref()?;
            match rx.recv() {
                Ok((i, b)) => {
                    self.pending.insert(i, b);
                }
                Err(_) => return None,
            }
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.rx = None;
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
