//! Windows of `W x W x D` cells cut from the catalog's snapshots, decoded on demand from
//! the compressed streams held in memory (sub-box decompression: only the blocks a window
//! overlaps; nothing decompressed is ever written to disk), split train/validation/test by
//! window with a fixed seed.
//!
//! A sample is channels-first `[4, D, W, W]` (`[C, z, x, y]`) and its labels `[D, W, W]`:
//! the field's `(x, y, z)` window, transposed so depth (z) comes first as in the study's
//! `(3, 256, 256, 4)` input.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use plume_core::codec::{decompress_region, inspect};
use plume_core::label::{label_field, LabelGrid, LabelParams, SpeciesFields, ZInput, N_CLASSES};
use plume_core::{Error, ErrorKind, Order, Result, Shape};

use super::augment::Augment;
use super::catalog::Catalog;
use crate::config::{DataSection, Normalisation, Scenario};
use crate::rng::SplitMix64;

/// One window: snapshot index and origin `(x0, y0, z0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Index into the catalog's snapshots.
    pub snapshot: usize,
    /// Origin in cells.
    pub origin: [usize; 3],
}

/// Which features a sample is decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Features {
    /// The (lossy) training streams.
    Lossy,
    /// The clean reference streams (validation, test).
    Clean,
}

/// Which labels a sample carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// The clean labels stored in situ.
    Stored,
    /// Recomputed from the decoded features (ghost layer of one cell where the domain has one).
    Recomputed,
}

/// The three splits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training windows.
    pub train: Vec<Window>,
    /// Validation windows.
    pub val: Vec<Window>,
    /// Test windows.
    pub test: Vec<Window>,
}

/// Per-channel affine scaling `x' = (x - offset) * scale`, fitted on the training split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelNorm {
    /// Subtracted first.
    pub offset: Vec<f32>,
    /// Then multiplied.
    pub scale: Vec<f32>,
}

impl ChannelNorm {
    /// From per-channel minima and maxima.
    pub fn fit(kind: Normalisation, min: &[f64], max: &[f64]) -> Self {
        let inv = |r: f64| if r > 0.0 && r.is_finite() { (1.0 / r) as f32 } else { 1.0 };
        match kind {
            Normalisation::Max => ChannelNorm {
                offset: vec![0.0; max.len()],
                scale: min.iter().zip(max).map(|(a, b)| inv(a.abs().max(b.abs()))).collect(),
            },
            Normalisation::MinMax => ChannelNorm {
                offset: min.iter().map(|&a| a as f32).collect(),
                scale: min.iter().zip(max).map(|(a, b)| inv(b - a)).collect(),
            },
        }
    }

    /// Scales a `[C, ...]` sample in place.
    pub fn apply(&self, x: &mut [f32]) {
        let per = x.len() / self.scale.len();
        for (c, chunk) in x.chunks_exact_mut(per).enumerate() {
            let (o, s) = (self.offset[c], self.scale[c]);
            chunk.iter_mut().for_each(|v| *v = (*v - o) * s);
        }
    }
}

struct Snapshot {
    name: String,
    dims: [usize; 3],
    lossy: [Arc<Vec<u8>>; 4],
    clean: [Arc<Vec<u8>>; 4],
    labels: Arc<Vec<u8>>,
    label_params: LabelParams,
}

/// The opened catalog: streams in memory, window geometry, the split.
pub struct Dataset {
    snapshots: Vec<Snapshot>,
    /// Window edge W.
    pub window: usize,
    /// Window depth D.
    pub depth: usize,
    /// The split (identical on every rank: it depends on the seed only).
    pub split: Split,
    /// Training scenario.
    pub scenario: Scenario,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("snapshots", &self.snapshots.iter().map(|s| &s.name).collect::<Vec<_>>())
            .field("window", &self.window)
            .field("train", &self.split.train.len())
            .field("val", &self.split.val.len())
            .field("test", &self.split.test.len())
            .finish()
    }
}

fn read_stream(path: &Path, what: &str, snapshot: &str, dims: [usize; 3]) -> Result<Arc<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("snapshot '{snapshot}': cannot read {what} stream {}: {e}", path.display()),
        )
    })?;
    let layout = inspect(&bytes).map_err(|e| {
        Error::new(
            e.kind(),
            format!("snapshot '{snapshot}': {what} stream {}: {}", path.display(), e.message()),
        )
    })?;
    if layout.header.shape.dims() != dims || layout.header.shape.order() != Order::C {
        return Err(Error::invalid(format!(
            "snapshot '{snapshot}': {what} stream {} has dims {:?} ({:?} order); the catalog says {dims:?} (C)",
            path.display(),
            layout.header.shape.dims(),
            layout.header.shape.order()
        )));
    }
    Ok(Arc::new(bytes))
}

/// Moves a `[x][y][z]` region (extent `[W, W, D]`) into `[z][x][y]` at `out`.
fn xyz_to_zxy<T: Copy>(region: &[T], w: usize, d: usize, out: &mut [T]) {
    for x in 0..w {
        for y in 0..w {
            for z in 0..d {
                out[(z * w + x) * w + y] = region[(x * w + y) * d + z];
            }
        }
    }
}

impl Dataset {
    /// Opens the catalog, reads every stream into memory (checking dims), tiles each
    /// snapshot with windows and splits them with `seed`.
    pub fn open(data: &DataSection, window: usize, depth: usize, seed: u64) -> Result<Dataset> {
        let catalog = Catalog::load(&data.catalog)?;
        if let Some(names) = &data.snapshots {
            for n in names {
                if !catalog.snapshot.iter().any(|s| &s.name == n) {
                    return Err(Error::invalid(format!(
                        "data.snapshots: no snapshot '{n}' in catalog {}",
                        data.catalog.display()
                    )));
                }
            }
        }
        let selected: Vec<_> = catalog
            .snapshot
            .iter()
            .filter(|s| data.snapshots.as_ref().is_none_or(|names| names.contains(&s.name)))
            .filter(|s| data.max_bound.is_none_or(|b| s.bound <= b))
            .take(data.max_snapshots.unwrap_or(usize::MAX))
            .collect();
        if selected.is_empty() {
            return Err(Error::invalid(format!(
                "the catalog query (snapshots, max_bound, max_snapshots) selects no snapshot of {}",
                data.catalog.display()
            )));
        }
        let mut snapshots = Vec::new();
        let mut windows = Vec::new();
        let stride = data.window_stride.unwrap_or(window);
        if stride == 0 {
            return Err(Error::invalid("data.window_stride must be positive"));
        }
        for (si, e) in selected.into_iter().enumerate() {
            let [nx, ny, nz] = e.dims;
            if window > nx || window > ny || depth > nz {
                return Err(Error::invalid(format!(
                    "snapshot '{}': window {window} x {window} x {depth} is larger than the domain {nx} x {ny} x {nz}",
                    e.name
                )));
            }
            let names = ["y_h2", "y_o2", "y_h2o", "z"];
            let load4 = |f: &super::catalog::FieldStreams, tag: &str| -> Result<[Arc<Vec<u8>>; 4]> {
                let p = f.paths();
                Ok([
                    read_stream(p[0], &format!("{tag}{}", names[0]), &e.name, e.dims)?,
                    read_stream(p[1], &format!("{tag}{}", names[1]), &e.name, e.dims)?,
                    read_stream(p[2], &format!("{tag}{}", names[2]), &e.name, e.dims)?,
                    read_stream(p[3], &format!("{tag}{}", names[3]), &e.name, e.dims)?,
                ])
            };
            let lossy = load4(&e.fields, "")?;
            let clean = match &e.clean_fields {
                Some(f) => load4(f, "clean ")?,
                None if e.bound == 0.0 => lossy.clone(),
                None => {
                    return Err(Error::invalid(format!(
                        "snapshot '{}': bound {} is lossy but no clean_fields are given for validation/test",
                        e.name, e.bound
                    )))
                }
            };
            let labels = read_stream(&e.labels, "labels", &e.name, e.dims)?;
            let mut label_params = LabelParams::default();
            if let Some(h) = e.h2o_ref {
                label_params.h2o_ref = Some(h);
                label_params.validate()?;
            }
            for x0 in (0..=nx - window).step_by(stride) {
                for y0 in (0..=ny - window).step_by(stride) {
                    for z0 in (0..=nz - depth).step_by(depth) {
                        windows.push(Window { snapshot: si, origin: [x0, y0, z0] });
                    }
                }
            }
            snapshots.push(Snapshot {
                name: e.name.clone(),
                dims: e.dims,
                lossy,
                clean,
                labels,
                label_params,
            });
        }
        let mut rng = SplitMix64::derive(seed, b"split", 0);
        rng.shuffle(&mut windows);
        let n = windows.len();
        let n_train = (data.split[0] * n as f64).round() as usize;
        let n_val = ((data.split[1] * n as f64).round() as usize).min(n - n_train);
        let test = windows.split_off(n_train + n_val);
        let val = windows.split_off(n_train);
        Ok(Dataset {
            snapshots,
            window,
            depth,
            split: Split { train: windows, val, test },
            scenario: data.scenario,
        })
    }

    /// Values per sample (`4 * D * W * W`) and labels per sample (`D * W * W`).
    pub fn sample_sizes(&self) -> (usize, usize) {
        let cells = self.depth * self.window * self.window;
        (4 * cells, cells)
    }

    /// Decodes one window: features `[4, D, W, W]` (raw, not normalised) and labels
    /// `[D, W, W]`.
    pub fn load(&self, win: Window, features: Features, labels: Labels) -> Result<(Vec<f32>, Vec<u8>)> {
        let snap = self
            .snapshots
            .get(win.snapshot)
            .ok_or_else(|| Error::invalid("window of an unknown snapshot"))?;
        let (w, d) = (self.window, self.depth);
        let cells = w * w * d;
        let streams = match features {
            Features::Lossy => &snap.lossy,
            Features::Clean => &snap.clean,
        };
        let mut x = vec![0.0f32; 4 * cells];
        let mut y = vec![0u8; cells];
        match labels {
            Labels::Stored => {
                for (c, s) in streams.iter().enumerate() {
                    let region = decompress_region::<f32>(s, &win.origin, &[w, w, d])?;
                    xyz_to_zxy(&region, w, d, &mut x[c * cells..(c + 1) * cells]);
                }
                let ids = decompress_region::<f32>(&snap.labels, &win.origin, &[w, w, d])?;
                let mut ids_u8 = Vec::with_capacity(cells);
                for (i, &v) in ids.iter().enumerate() {
                    let id = v as u8;
                    if f32::from(id) != v || id as usize >= N_CLASSES {
                        return Err(Error::new(
                            ErrorKind::CorruptStream,
                            format!(
                                "snapshot '{}': label value {v} at window index {i} is not a class id",
                                snap.name
                            ),
                        ));
                    }
                    ids_u8.push(id);
                }
                xyz_to_zxy(&ids_u8, w, d, &mut y);
            }
            Labels::Recomputed => {
                // One ghost cell wherever the domain continues, so gradients match the
                // whole-field labeler's.
                let mut lo = [0usize; 3];
                let mut ext = [0usize; 3];
                let mut hi = [0usize; 3];
                for a in 0..3 {
                    let e = [w, w, d][a];
                    lo[a] = usize::from(win.origin[a] > 0);
                    hi[a] = usize::from(win.origin[a] + e < snap.dims[a]);
                    ext[a] = e + lo[a] + hi[a];
                }
                let start = [win.origin[0] - lo[0], win.origin[1] - lo[1], win.origin[2] - lo[2]];
                let mut full: Vec<Vec<f32>> = Vec::with_capacity(4);
                for s in streams.iter() {
                    full.push(decompress_region::<f32>(s, &start, &ext)?);
                }
                let shape = Shape::new(&ext, Order::C)?;
                let grid = LabelGrid::new(&shape).with_ghost(&lo, &hi);
                let fields = SpeciesFields { y_h2: &full[0], y_o2: &full[1], y_h2o: &full[2] };
                let lab = label_field(&fields, &ZInput::Supplied(&full[3]), &grid, &snap.label_params)?;
                xyz_to_zxy(&lab.values, w, d, &mut y);
                // The interior of each field is the sample.
                for (c, f) in full.iter().enumerate() {
                    let mut region = Vec::with_capacity(cells);
                    for xx in 0..w {
                        for yy in 0..w {
                            let row = ((xx + lo[0]) * ext[1] + (yy + lo[1])) * ext[2] + lo[2];
                            region.extend_from_slice(&f[row..row + d]);
                        }
                    }
                    xyz_to_zxy(&region, w, d, &mut x[c * cells..(c + 1) * cells]);
                }
            }
        }
        Ok((x, y))
    }

    /// Per-channel (min, max) over `windows` (training features).
    pub fn channel_range(&self, windows: &[Window], features: Features) -> Result<(Vec<f64>, Vec<f64>)> {
        let mut min = vec![f64::INFINITY; 4];
        let mut max = vec![f64::NEG_INFINITY; 4];
        let cells = self.depth * self.window * self.window;
        for &win in windows {
            let snap = &self.snapshots[win.snapshot];
            let streams = match features {
                Features::Lossy => &snap.lossy,
                Features::Clean => &snap.clean,
            };
            for (c, s) in streams.iter().enumerate() {
                let region =
                    decompress_region::<f32>(s, &win.origin, &[self.window, self.window, self.depth])?;
                debug_assert_eq!(region.len(), cells);
                for &v in &region {
                    if v.is_finite() {
                        min[c] = min[c].min(f64::from(v));
                        max[c] = max[c].max(f64::from(v));
                    }
                }
            }
        }
        Ok((min, max))
    }

    /// What a training sample carries under the configured scenario.
    pub fn train_sources(&self) -> (Features, Labels) {
        match self.scenario {
            Scenario::CleanLabels => (Features::Lossy, Labels::Stored),
            Scenario::RecomputedLabels => (Features::Lossy, Labels::Recomputed),
        }
    }

    /// The augmentation of training sample `index` of `epoch` (a pure function of the seed).
    pub fn augmentation(seed: u64, epoch: u64, index: u64) -> Augment {
        let mut rng = SplitMix64::derive(seed ^ epoch.rotate_left(32), b"augment", index);
        Augment::random(&mut rng)
    }
}
