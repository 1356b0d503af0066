//! The snapshot catalog: until the in-situ snapshot format exists, a TOML file listing per
//! snapshot the four feature streams, the clean label stream, the dims and the bound.
//! Paths are relative to the catalog's folder. Every key is checked (unknown ones rejected).
//!
//! ```toml
//! [[snapshot]]
//! name = "jet-0"
//! dims = [64, 64, 6]          # (nx, ny, nz), C order; windows are W x W x 3 in (x, y, z)
//! bound = 0.1                 # PW_REL bound of `fields` (0 = lossless)
//! fields = { y_h2 = "y_h2.plm", y_o2 = "y_o2.plm", y_h2o = "y_h2o.plm", z = "z.plm" }
//! clean_fields = { y_h2 = "clean/y_h2.plm", ... }  # optional: the reference for val/test
//! labels = "labels.plm"       # clean labels stored in situ (a label stream)
//! # optional, for labels recomputed from the features (scenario (ii), the report): the
//! # grid and thresholds the clean labels were computed with (`plume import` writes both)
//! coords = { x = "grid-x.f64", y = "grid-y.f64", z = "grid-z.f64" }  # raw f64, one value
//! #                             # per cell of the axis (cell centres); unit spacing when absent
//! label_set = ["eps_z=0.02"]  # labeler thresholds by name, as `plume label --set`
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use plume_core::label::{LabelGrid, LabelParams};
use plume_core::Shape;
use plume_core::{Error, ErrorKind, Result};

/// The four feature streams of a snapshot, in channel order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldStreams {
    /// Y_H2.
    pub y_h2: PathBuf,
    /// Y_O2.
    pub y_o2: PathBuf,
    /// Y_H2O.
    pub y_h2o: PathBuf,
    /// Bilger mixture fraction Z.
    pub z: PathBuf,
}

impl FieldStreams {
    /// The paths in channel order [Y_H2, Y_O2, Y_H2O, Z].
    pub fn paths(&self) -> [&Path; 4] {
        [&self.y_h2, &self.y_o2, &self.y_h2o, &self.z]
    }

    fn resolve(&mut self, base: &Path) {
        for p in [&mut self.y_h2, &mut self.y_o2, &mut self.y_h2o, &mut self.z] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
}

/// One snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotEntry {
    /// A name for messages.
    pub name: String,
    /// `(nx, ny, nz)`.
    pub dims: [usize; 3],
    /// PW_REL bound of `fields` (0: lossless).
    #[serde(default)]
    pub bound: f64,
    /// Feature streams (lossy when `bound > 0`).
    pub fields: FieldStreams,
    /// Clean (lossless) feature streams for validation and test; when absent, `fields`
    /// must be lossless (`bound = 0`).
    pub clean_fields: Option<FieldStreams>,
    /// The clean label stream.
    pub labels: PathBuf,
    /// Reference Y_H2O of the labeler's reaction indicator for recomputed labels (default:
    /// the labeler's default).
    pub h2o_ref: Option<f64>,
    /// The grid's cell-centre coordinates per axis, for recomputed labels (unit spacing when
    /// absent).
    pub coords: Option<CoordFiles>,
    /// Labeler thresholds for recomputed labels, `NAME=VALUE` as `plume label --set`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_set: Vec<String>,
}

/// One raw little-endian f64 file per axis, `dims[axis]` values each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordFiles {
    /// Axis 0.
    pub x: PathBuf,
    /// Axis 1.
    pub y: PathBuf,
    /// Axis 2.
    pub z: PathBuf,
}

/// How the clean labels of a snapshot were computed: what recomputing them needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Labeler {
    /// Thresholds.
    pub params: LabelParams,
    /// Cell-centre coordinates per axis (unit spacing when `None`).
    pub coords: Option<Vec<Vec<f64>>>,
}

impl Labeler {
    /// The labeler's grid for `shape`, a box of the snapshot's storage dims whose corner is
    /// cell `start` (zeros for the whole field): the recorded coordinates cut to the box,
    /// unit spacing without them.
    pub fn grid<'a>(&'a self, shape: &'a Shape, start: &[usize]) -> LabelGrid<'a> {
        let mut grid = LabelGrid::new(shape);
        for (a, c) in self.coords.iter().flatten().enumerate() {
            grid = grid.with_coords(a, &c[start[a]..start[a] + shape.dims()[a]]);
        }
        grid
    }
}

impl SnapshotEntry {
    /// The labeler of this snapshot: `h2o_ref` and `label_set` applied to the defaults, the
    /// coordinate files read and checked against `dims`. Errors name the snapshot and key.
    pub fn labeler(&self) -> Result<Labeler> {
        let mut params = LabelParams::default();
        if let Some(h) = self.h2o_ref {
            params.h2o_ref = Some(h);
        }
        for item in &self.label_set {
            params.set_item(item).map_err(|e| {
                Error::invalid(format!("snapshot '{}': label_set '{item}': {}", self.name, e.message()))
            })?;
        }
        params
            .validate()
            .map_err(|e| Error::invalid(format!("snapshot '{}': {}", self.name, e.message())))?;
        let coords = match &self.coords {
            None => None,
            Some(c) => {
                let read = |axis: usize, key: &str, path: &Path| -> Result<Vec<f64>> {
                    let bytes = std::fs::read(path).map_err(|e| {
                        Error::new(
                            ErrorKind::Io,
                            format!("snapshot '{}': coords.{key} {}: {e}", self.name, path.display()),
                        )
                    })?;
                    if bytes.len() != 8 * self.dims[axis] {
                        return Err(Error::invalid(format!(
                            "snapshot '{}': coords.{key} {} holds {} bytes, not {} f64 values (dims[{axis}])",
                            self.name,
                            path.display(),
                            bytes.len(),
                            self.dims[axis]
                        )));
                    }
                    Ok(bytes
                        .chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                        .collect())
                };
                Some(vec![read(0, "x", &c.x)?, read(1, "y", &c.y)?, read(2, "z", &c.z)?])
            }
        };
        Ok(Labeler { params, coords })
    }
}

/// The catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The snapshots.
    pub snapshot: Vec<SnapshotEntry>,
}

impl Catalog {
    /// Reads a catalog, resolving its paths against its folder.
    pub fn load(path: &Path) -> Result<Catalog> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read catalog {}: {e}", path.display())))?;
        let mut c: Catalog = toml::from_str(&text).map_err(|e| {
            Error::invalid(format!("catalog {}: {}", path.display(), e.to_string().trim_end()))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for s in &mut c.snapshot {
            s.fields.resolve(base);
            if let Some(f) = &mut s.clean_fields {
                f.resolve(base);
            }
            if s.labels.is_relative() {
                s.labels = base.join(&s.labels);
            }
            if let Some(c) = &mut s.coords {
                for p in [&mut c.x, &mut c.y, &mut c.z] {
                    if p.is_relative() {
                        *p = base.join(&*p);
                    }
                }
            }
        }
        if c.snapshot.is_empty() {
            return Err(Error::invalid(format!("catalog {}: no [[snapshot]]", path.display())));
        }
        Ok(c)
    }

    /// Writes the catalog as TOML.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| Error::invalid(format!("catalog: {e}")))?;
        std::fs::write(path, text)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write {}: {e}", path.display())))
    }
}
