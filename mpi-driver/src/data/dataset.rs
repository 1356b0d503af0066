//! Windows of `W x W x D` cells cut from the selected snapshots, split
//! train/validation/test by window with a fixed seed. Two sources: a TOML catalog of Plume
//! streams held in memory and decoded per window (sub-box decompression: only the blocks a
//! window overlaps), or the in-situ session's HDF5 snapshots ([`super::insitu`]), decoded
//! through the filter once at open and held in memory. Nothing decompressed is ever
//! written to disk.
//!
//! A sample is channels-first `[4, D, W, W]` (`[C, z, x, y]`) and its labels `[D, W, W]`:
//! the field's `(x, y, z)` window, transposed so depth (z) comes first as in the study's
//! `(3, 256, 256, 4)` input.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use plume_core::codec::{decompress_region, inspect};
use plume_core::label::{decompress_labels, label_field, SpeciesFields, ZInput, N_CLASSES};
use plume_core::{Error, ErrorKind, Order, Result, Shape};

use super::augment::Augment;
use super::catalog::{Catalog, Labeler};
use super::insitu::{read_labeler, read_step, RunCatalog};
use crate::config::{DataSection, InsituSection, Normalisation, Scenario};
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

/// Where a snapshot's values live.
enum Source {
    /// Plume streams in memory (TOML catalog), decoded per window by sub-box decompression;
    /// the class ids decoded.
    Streams { lossy: [Arc<Vec<u8>>; 4], clean: [Arc<Vec<u8>>; 4], labels: Arc<Vec<u8>> },
    /// Decoded arrays (in-situ HDF5 snapshots, read through the filter at open).
    Arrays { lossy: [Arc<Vec<f32>>; 4], clean: [Arc<Vec<f32>>; 4], labels: Arc<Vec<u8>> },
}

struct Snapshot {
    name: String,
    /// C order; windows are `W x W` in axes 0 and 1 and `D` along axis 2.
    dims: [usize; 3],
    source: Source,
    /// How the stored labels were computed: recomputed labels use the same.
    labeler: Labeler,
}

/// The `extent` box at `origin` of a C-order `dims` array.
fn sub_box<T: Copy>(v: &[T], dims: [usize; 3], origin: &[usize; 3], extent: &[usize; 3]) -> Result<Vec<T>> {
    if (0..3).any(|a| origin[a] + extent[a] > dims[a]) {
        return Err(Error::invalid(format!("box {origin:?} + {extent:?} outside {dims:?}")));
    }
    let mut out = Vec::with_capacity(extent.iter().product());
    for a in 0..extent[0] {
        for b in 0..extent[1] {
            let row = ((origin[0] + a) * dims[1] + origin[1] + b) * dims[2] + origin[2];
            out.extend_from_slice(&v[row..row + extent[2]]);
        }
    }
    Ok(out)
}

impl Snapshot {
    /// Channel `c` of `features` over a box.
    fn region(
        &self,
        features: Features,
        c: usize,
        origin: &[usize; 3],
        extent: &[usize; 3],
    ) -> Result<Vec<f32>> {
        match (&self.source, features) {
            (Source::Streams { lossy, .. }, Features::Lossy) => {
                decompress_region::<f32>(&lossy[c], origin, extent)
            }
            (Source::Streams { clean, .. }, Features::Clean) => {
                decompress_region::<f32>(&clean[c], origin, extent)
            }
            (Source::Arrays { lossy, .. }, Features::Lossy) => sub_box(&lossy[c], self.dims, origin, extent),
            (Source::Arrays { clean, .. }, Features::Clean) => sub_box(&clean[c], self.dims, origin, extent),
        }
    }

    /// The stored (clean) class ids over a box, checked.
    fn label_region(&self, origin: &[usize; 3], extent: &[usize; 3]) -> Result<Vec<u8>> {
        let ids = match &self.source {
            Source::Arrays { labels, .. } | Source::Streams { labels, .. } => {
                sub_box(labels, self.dims, origin, extent)?
            }
        };
        if let Some((i, &id)) = ids.iter().enumerate().find(|(_, &id)| id as usize >= N_CLASSES) {
            return Err(Error::new(
                ErrorKind::CorruptStream,
                format!("snapshot '{}': label {id} at window index {i} is not a class id", self.name),
            ));
        }
        Ok(ids)
    }
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
        let (snapshots, mut windows) = match (&data.catalog, &data.insitu) {
            (Some(path), _) => Self::open_catalog(data, path, window, depth)?,
            (None, Some(insitu)) => Self::open_insitu(data, insitu, window, depth)?,
            (None, None) => return Err(Error::invalid("[data]: no source (catalog or [data.insitu])")),
        };
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

    /// The window origins of snapshot `si` of `dims`.
    fn tile(si: usize, dims: [usize; 3], window: usize, depth: usize, stride: usize, out: &mut Vec<Window>) {
        let [nx, ny, nz] = dims;
        for x0 in (0..=nx - window).step_by(stride) {
            for y0 in (0..=ny - window).step_by(stride) {
                for z0 in (0..=nz - depth).step_by(depth) {
                    out.push(Window { snapshot: si, origin: [x0, y0, z0] });
                }
            }
        }
    }

    fn check_fits(name: &str, dims: [usize; 3], window: usize, depth: usize) -> Result<()> {
        let [nx, ny, nz] = dims;
        if window > nx || window > ny || depth > nz {
            return Err(Error::invalid(format!(
                "snapshot '{name}': window {window} x {window} x {depth} is larger than the domain {nx} x {ny} x {nz}"
            )));
        }
        Ok(())
    }

    /// The in-situ source: the query over `dir`'s catalog; features of `dir` (training) and
    /// `clean_dir` (validation, test), the clean labels of `clean_dir`.
    fn open_insitu(
        data: &DataSection,
        s: &InsituSection,
        window: usize,
        depth: usize,
    ) -> Result<(Vec<Snapshot>, Vec<Window>)> {
        let run = RunCatalog::load(&s.dir)?;
        let clean_run = match &s.clean_dir {
            Some(d) => Some(RunCatalog::load(d)?),
            None => None,
        };
        let mut selected = run.query(s.steps, s.bound, &s.fields)?;
        if let Some(names) = &data.snapshots {
            for n in names {
                if !selected.iter().any(|e| &e.name() == n) {
                    return Err(Error::invalid(format!(
                        "data.snapshots: no snapshot '{n}' among the selected steps of {}",
                        s.dir.display()
                    )));
                }
            }
            selected.retain(|e| names.contains(&e.name()));
        }
        if let Some(b) = data.max_bound {
            selected.retain(|e| s.fields.iter().all(|f| e.field(f).is_some_and(|f| f.bound <= b)));
        }
        selected.truncate(data.max_snapshots.unwrap_or(usize::MAX));
        if selected.is_empty() {
            return Err(Error::invalid(format!(
                "the catalog query (data.insitu steps, bound; snapshots, max_bound, max_snapshots) selects no snapshot of {}",
                s.dir.display()
            )));
        }
        let stride = data.window_stride.unwrap_or(window);
        if stride == 0 {
            return Err(Error::invalid("data.window_stride must be positive"));
        }
        let mut snapshots = Vec::new();
        let mut windows = Vec::new();
        for (si, e) in selected.into_iter().enumerate() {
            let name = e.name();
            let clean_entry = match &clean_run {
                Some(c) => {
                    let ce = c.step(e.step).ok_or_else(|| {
                        Error::invalid(format!(
                            "step {} of {} has no counterpart in the clean run {}",
                            e.step,
                            s.dir.display(),
                            c.dir.display()
                        ))
                    })?;
                    c.check_lossless(ce, &s.fields)?;
                    ce
                }
                None => {
                    run.check_lossless(e, &s.fields).map_err(|err| {
                        Error::invalid(format!("{} (or give data.insitu.clean_dir)", err.message()))
                    })?;
                    e
                }
            };
            if !clean_entry.labels {
                return Err(Error::invalid(format!(
                    "{}: step {} has no labels (run the session with label = .true.)",
                    clean_entry.path.display(),
                    e.step
                )));
            }
            let (dims, clean, labels) = read_step(clean_entry, &s.fields, true, s.depth_axis)?;
            let labels = labels.unwrap_or_default();
            let lossy = if clean_run.is_some() {
                let (ldims, lossy, stored) = read_step(e, &s.fields, e.labels, s.depth_axis)?;
                if ldims != dims {
                    return Err(Error::invalid(format!(
                        "step {}: dims {ldims:?} in {} but {dims:?} in the clean run",
                        e.step,
                        s.dir.display()
                    )));
                }
                if stored.is_some_and(|l| l != labels) {
                    return Err(Error::invalid(format!(
                        "step {}: the labels stored in {} differ from the clean run's: not the same case",
                        e.step,
                        s.dir.display()
                    )));
                }
                lossy
            } else {
                clean.clone()
            };
            Self::check_fits(&name, dims, window, depth)?;
            Self::tile(si, dims, window, depth, stride, &mut windows);
            // The labeler of the stored labels; its axes permuted like the fields.
            let mut labeler = read_labeler(&clean_entry.path)?;
            labeler.coords = labeler.coords.map(|c| {
                let mut order: Vec<usize> = (0..3).filter(|&a| a != s.depth_axis).collect();
                order.push(s.depth_axis);
                order.into_iter().map(|a| c[a].clone()).collect()
            });
            let arc4 = |v: [Vec<f32>; 4]| v.map(Arc::new);
            snapshots.push(Snapshot {
                name,
                dims,
                source: Source::Arrays { lossy: arc4(lossy), clean: arc4(clean), labels: Arc::new(labels) },
                labeler,
            });
        }
        Ok((snapshots, windows))
    }

    fn open_catalog(
        data: &DataSection,
        catalog_path: &Path,
        window: usize,
        depth: usize,
    ) -> Result<(Vec<Snapshot>, Vec<Window>)> {
        let catalog = Catalog::load(catalog_path)?;
        if let Some(names) = &data.snapshots {
            for n in names {
                if !catalog.snapshot.iter().any(|s| &s.name == n) {
                    return Err(Error::invalid(format!(
                        "data.snapshots: no snapshot '{n}' in catalog {}",
                        catalog_path.display()
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
                catalog_path.display()
            )));
        }
        let mut snapshots = Vec::new();
        let mut windows = Vec::new();
        let stride = data.window_stride.unwrap_or(window);
        if stride == 0 {
            return Err(Error::invalid("data.window_stride must be positive"));
        }
        for (si, e) in selected.into_iter().enumerate() {
            Self::check_fits(&e.name, e.dims, window, depth)?;
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
            // Labels are small (one byte a cell): decoded once, whatever the label stream's
            // format version (plume_core::label::decompress_labels).
            let label_stream = read_stream(&e.labels, "labels", &e.name, e.dims)?;
            let (ids, _) = decompress_labels(&label_stream).map_err(|err| {
                Error::new(
                    err.kind(),
                    format!("snapshot '{}': labels stream {}: {}", e.name, e.labels.display(), err.message()),
                )
            })?;
            let labels = Arc::new(ids);
            Self::tile(si, e.dims, window, depth, stride, &mut windows);
            snapshots.push(Snapshot {
                name: e.name.clone(),
                dims: e.dims,
                source: Source::Streams { lossy, clean, labels },
                labeler: e.labeler()?,
            });
        }
        Ok((snapshots, windows))
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
        let mut x = vec![0.0f32; 4 * cells];
        let mut y = vec![0u8; cells];
        match labels {
            Labels::Stored => {
                for c in 0..4 {
                    let region = snap.region(features, c, &win.origin, &[w, w, d])?;
                    xyz_to_zxy(&region, w, d, &mut x[c * cells..(c + 1) * cells]);
                }
                let ids = snap.label_region(&win.origin, &[w, w, d])?;
                xyz_to_zxy(&ids, w, d, &mut y);
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
                for c in 0..4 {
                    full.push(snap.region(features, c, &start, &ext)?);
                }
                let shape = Shape::new(&ext, Order::C)?;
                let grid = snap.labeler.grid(&shape, &start).with_ghost(&lo, &hi);
                let fields = SpeciesFields { y_h2: &full[0], y_o2: &full[1], y_h2o: &full[2] };
                let lab = label_field(&fields, &ZInput::Supplied(&full[3]), &grid, &snap.labeler.params)?;
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
            for c in 0..4 {
                let region =
                    snap.region(features, c, &win.origin, &[self.window, self.window, self.depth])?;
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
