//! A *run*: the compressed snapshots of one bound, as the report reads them. Two kinds:
//!
//! - an in-situ output directory (`catalog.jsonl` and one HDF5 file per step, written by
//!   the session; fields read through filter 32801);
//! - a stream catalog (a `.toml` file, [`crate::data::Catalog`]; `plume import blastnet`
//!   writes one per bound): per snapshot four Plume streams and the clean label stream.
//!
//! Snapshots are matched across runs by [`Run::keys`]: the step number of an in-situ run,
//! the snapshot name of a catalog.

use std::path::{Path, PathBuf};

use plume_core::codec::decompress_any;
use plume_core::field::AnyValues;
use plume_core::label::decompress_labels;
use plume_core::{Error, Result};

use crate::data::insitu::{h5, read_dataset, read_labeler, register_filter, RunCatalog, CATALOG_FILE};
use crate::data::{Catalog, Labeler};

/// The feature names of a stream catalog, in its channel order.
pub const CATALOG_FIELDS: [&str; 4] = ["Y_H2", "Y_O2", "Y_H2O", "Z"];

/// One run.
#[derive(Debug, Clone)]
pub enum Run {
    /// An in-situ output directory.
    Insitu(RunCatalog),
    /// A stream catalog and its path.
    Streams(PathBuf, Catalog),
}

/// One field of one snapshot: its values as stored (widened to f64) and sizes.
#[derive(Debug, Clone)]
pub struct FieldData {
    /// C-order dims.
    pub dims: Vec<usize>,
    /// The decoded values.
    pub values: Vec<f64>,
    /// Bytes of the field before compression.
    pub original_bytes: u64,
    /// Bytes stored (the HDF5 dataset's storage size, or the stream file's size).
    pub stored_bytes: u64,
}

impl Run {
    /// Opens `path`: a directory holding `catalog.jsonl`, or a stream catalog `.toml` file.
    pub fn load(path: &Path) -> Result<Run> {
        if path.is_dir() {
            register_filter()?;
            return Ok(Run::Insitu(RunCatalog::load(path)?));
        }
        if path.extension().is_some_and(|e| e == "toml") {
            return Ok(Run::Streams(path.to_path_buf(), Catalog::load(path)?));
        }
        Err(Error::invalid(format!(
            "{}: a run is an in-situ output directory (with {CATALOG_FILE}) or a stream catalog (.toml)",
            path.display()
        )))
    }

    /// Where the run lies.
    pub fn path(&self) -> &Path {
        match self {
            Run::Insitu(c) => &c.dir,
            Run::Streams(p, _) => p,
        }
    }

    /// The snapshots' keys, in order.
    pub fn keys(&self) -> Vec<String> {
        match self {
            Run::Insitu(c) => c.steps.iter().map(|s| s.step.to_string()).collect(),
            Run::Streams(_, c) => c.snapshot.iter().map(|s| s.name.clone()).collect(),
        }
    }

    /// The snapshot of `key` (its index), or an error naming the run.
    pub fn index(&self, key: &str) -> Result<usize> {
        self.keys()
            .iter()
            .position(|k| k == key)
            .ok_or_else(|| Error::invalid(format!("snapshot {key} is not in {}", self.path().display())))
    }

    /// The field names of snapshot `i`.
    pub fn fields(&self, i: usize) -> Vec<String> {
        match self {
            Run::Insitu(c) => c.steps[i].fields.iter().map(|f| f.name.clone()).collect(),
            Run::Streams(..) => CATALOG_FIELDS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The bound mode and value that field `name` of snapshot `i` was written with.
    pub fn bound(&self, i: usize, name: &str) -> Result<(String, f64)> {
        match self {
            Run::Insitu(c) => {
                let f = c.steps[i].field(name).ok_or_else(|| self.no_field(i, name))?;
                Ok((f.mode.clone(), f.bound))
            }
            Run::Streams(_, c) => {
                let b = c.snapshot[i].bound;
                Ok((if b == 0.0 { "abs" } else { "pw_rel" }.to_string(), b))
            }
        }
    }

    fn no_field(&self, i: usize, name: &str) -> Error {
        Error::invalid(format!(
            "{}: snapshot {} has no field '{name}' (it has {:?})",
            self.path().display(),
            self.keys()[i],
            self.fields(i)
        ))
    }

    /// Field `name` of snapshot `i`, decoded.
    pub fn read(&self, i: usize, name: &str) -> Result<FieldData> {
        match self {
            Run::Insitu(c) => {
                let s = &c.steps[i];
                let entry = s.field(name).ok_or_else(|| self.no_field(i, name))?;
                let (dims, values) = read_dataset::<f64>(&s.path, name)?;
                let file = hdf5::File::open(&s.path).map_err(|e| h5(&s.path, "open", e))?;
                let stored_bytes = file.dataset(name).map(|d| d.storage_size()).unwrap_or(0);
                Ok(FieldData { dims, values, original_bytes: entry.original_bytes, stored_bytes })
            }
            Run::Streams(_, c) => {
                let k =
                    CATALOG_FIELDS.iter().position(|f| *f == name).ok_or_else(|| self.no_field(i, name))?;
                let path = c.snapshot[i].fields.paths()[k];
                let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                let (values, shape) = decompress_any(&bytes)
                    .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))?;
                let (values, original_bytes): (Vec<f64>, u64) = match values {
                    AnyValues::F32(v) => (v.iter().map(|&x| f64::from(x)).collect(), 4 * v.len() as u64),
                    AnyValues::F64(v) => {
                        let n = 8 * v.len() as u64;
                        (v, n)
                    }
                };
                Ok(FieldData {
                    dims: shape.storage_dims(),
                    values,
                    original_bytes,
                    stored_bytes: bytes.len() as u64,
                })
            }
        }
    }

    /// How snapshot `i`'s stored labels were computed, to recompute them alike: a catalog's
    /// `coords` and thresholds, or what an in-situ file records beside `/labels`.
    pub fn labeler(&self, i: usize) -> Result<Labeler> {
        match self {
            Run::Insitu(c) => read_labeler(&c.steps[i].path),
            Run::Streams(_, c) => c.snapshot[i].labeler(),
        }
    }

    /// The labels stored with snapshot `i` (computed from the clean fields when written).
    pub fn stored_labels(&self, i: usize) -> Result<Vec<u8>> {
        match self {
            Run::Insitu(c) => Ok(read_dataset::<u8>(&c.steps[i].path, "labels")?.1),
            Run::Streams(_, c) => {
                let path = &c.snapshot[i].labels;
                let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                decompress_labels(&bytes)
                    .map(|(v, _)| v)
                    .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
            }
        }
    }

    /// Bytes of snapshot `i`'s whole files (the HDF5 file, or every stream incl. labels).
    pub fn file_bytes(&self, i: usize) -> Result<u64> {
        match self {
            Run::Insitu(c) => Ok(c.steps[i].file_bytes),
            Run::Streams(_, c) => {
                let s = &c.snapshot[i];
                let mut n = 0;
                for p in s.fields.paths().into_iter().chain([s.labels.as_path()]) {
                    n += std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
                }
                Ok(n)
            }
        }
    }
}
