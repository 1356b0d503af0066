//! Where and how the work runs: a local rayon thread pool of `--threads` threads, and
//! `--repeat` timing (best of N, I/O never timed).

use std::time::Instant;

use clap::Args;

use crate::error::{CliError, CliResult};

/// `--threads`: the size of the thread pool the work runs in.
#[derive(Args, Debug, Clone)]
pub struct ThreadArgs {
    /// Worker threads (default: all cores). The work runs in a local pool of this size.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

/// A local thread pool.
#[derive(Debug)]
pub struct Exec {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl Exec {
    /// A pool of `threads` threads, or one per core.
    pub fn new(args: &ThreadArgs) -> CliResult<Self> {
        let threads = match args.threads {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
            CliError::failure(format!("--threads {threads}: cannot start the thread pool: {e}"))
        })?;
        Ok(Exec { pool, threads })
    }

    /// Number of threads in the pool.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` inside the pool.
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }

    /// Runs `work` `repeat` times (at least once) inside the pool and returns the last
    /// result with the best wall time in seconds. Stops at the first error.
    pub fn best_of<R: Send, E: Send>(
        &self,
        repeat: u32,
        mut work: impl FnMut() -> Result<R, E> + Send,
    ) -> Result<(R, f64), E> {
        fn timed<R, E>(work: &mut impl FnMut() -> Result<R, E>) -> Result<(R, f64), E> {
            let t0 = Instant::now();
            let out = work()?;
            Ok((out, t0.elapsed().as_secs_f64()))
        }
        self.pool.install(|| {
            let (mut out, mut best) = timed(&mut work)?;
            for _ in 1..repeat {
                // Free the previous result first so repeats do not double the memory.
                drop(out);
                let (next, seconds) = timed(&mut work)?;
                out = next;
                best = best.min(seconds);
            }
            Ok((out, best))
        })
    }
}

/// Throughput in MB/s (10^6 bytes per second); +inf for a zero time.
pub fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / 1e6 / seconds
}
