//! Checkpoints: everything needed to continue a run exactly: the flat parameters, Adam's
//! moments and step, and the run state (epoch, stage, step within the epoch, early-stopping
//! counters, the epoch's data order, the fitted normalisation, the metrics history). The
//! RNG needs no state of its own: every random draw is a pure function of the seed and its
//! (epoch, sample) position (see [`crate::rng`]).
//!
//! File layout (little-endian): `PLMCKPT1` (8 bytes), `u64` length of the JSON header, the
//! JSON header ([`CheckpointMeta`]), then `n_params` f32 parameters, `n_params` f32 first
//! moments, `n_params` f32 second moments. Written to `<name>.tmp`, synced, then renamed:
//! a reader sees the old file or the new one, never a torn one.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use plume_core::{Error, ErrorKind, Result};

use crate::config::TrainConfig;
use crate::data::ChannelNorm;
use crate::model::NetConfig;
use crate::train::RunState;

const MAGIC: &[u8; 8] = b"PLMCKPT1";

/// The JSON part of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// The network's sizes.
    pub net: NetConfig,
    /// The deck of the run.
    pub config: TrainConfig,
    /// Where the run stands.
    pub state: RunState,
    /// The per-channel normalisation fitted on the training split.
    pub norm: ChannelNorm,
    /// Adam's step counter.
    pub adam_t: u64,
    /// Number of parameters.
    pub n_params: usize,
}

/// A checkpoint in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Header.
    pub meta: CheckpointMeta,
    /// Parameters.
    pub params: Vec<f32>,
    /// Adam first moments.
    pub m: Vec<f32>,
    /// Adam second moments.
    pub v: Vec<f32>,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("checkpoint {}: {e}", path.display()))
}

impl Checkpoint {
    /// Writes atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json =
            serde_json::to_vec(&self.meta).map_err(|e| Error::invalid(format!("checkpoint header: {e}")))?;
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let mut buf = Vec::with_capacity(16 + json.len() + 12 * self.params.len());
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&(json.len() as u64).to_le_bytes());
        buf.extend_from_slice(&json);
        for arr in [&self.params, &self.m, &self.v] {
            for x in arr.iter() {
                buf.extend_from_slice(&x.to_le_bytes());
            }
        }
        f.write_all(&buf).map_err(|e| io(&tmp, e))?;
        f.sync_all().map_err(|e| io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| io(path, e))
    }

    /// Reads and checks a checkpoint.
    pub fn load(path: &Path) -> Result<Checkpoint> {
        let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
        let corrupt = |what: &str| {
            Error::new(ErrorKind::CorruptStream, format!("checkpoint {}: {what}", path.display()))
        };
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(corrupt("not a plume-train checkpoint (bad magic)"));
        }
        let jl = u64::from_le_bytes(bytes[8..16].try_into().map_err(|_| corrupt("header"))?) as usize;
        let json = bytes.get(16..16usize.saturating_add(jl)).ok_or_else(|| corrupt("truncated header"))?;
        let meta: CheckpointMeta =
            serde_json::from_slice(json).map_err(|e| corrupt(&format!("header: {e}")))?;
        let n = meta.n_params;
        let body = &bytes[16 + jl..];
        if body.len() != 12 * n {
            return Err(corrupt(&format!("{} bytes of arrays, expected {}", body.len(), 12 * n)));
        }
        let read = |k: usize| -> Vec<f32> {
            body[4 * n * k..4 * n * (k + 1)]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        Ok(Checkpoint { params: read(0), m: read(1), v: read(2), meta })
    }
}
