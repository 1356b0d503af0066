//! A demonstration catalog from plume-core alone: jet-flame snapshots
//! (`plume_core::synth::jet_flame`), their lossy (PW_REL) and lossless feature streams, and
//! clean labels computed by `plume_core::label` and stored as a label stream — what
//! `plume synth --case jet-flame` + `plume compress` + `plume label` produce, in one call.

use std::path::{Path, PathBuf};

use plume_core::codec::{compress, CompressOptions, Encoding};
use plume_core::label::{compress_labels, label_field, LabelGrid, LabelParams, SpeciesFields, ZInput};
use plume_core::synth::jet_flame;
use plume_core::{Error, ErrorBound, ErrorKind, FieldView, Order, Result, Shape};

use super::catalog::{Catalog, FieldStreams, Labeler, SnapshotEntry};

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write {}: {e}", path.display())))
}

/// Writes `n_snapshots` jet-flame snapshots of `dims` into `dir` (created), feature streams
/// at PW_REL `bound` (plus lossless references when `bound > 0`), labels, and
/// `dir/catalog.toml`; returns the catalog's path.
pub fn write_jet_catalog(
    dir: &Path,
    dims: [usize; 3],
    n_snapshots: usize,
    bound: f64,
    seed: u64,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot create {}: {e}", dir.display())))?;
    let shape = Shape::new(&dims, Order::C)?;
    let mut entries = Vec::new();
    for s in 0..n_snapshots {
        let f = jet_flame(&dims, seed.wrapping_add(s as u64))?;
        let name = format!("jet-{s:03}");
        let fields = [("y_h2", &f.y_h2), ("y_o2", &f.y_o2), ("y_h2o", &f.y_h2o), ("z", &f.z)];
        let streams = |tag: &str, b: ErrorBound| -> Result<FieldStreams> {
            let mut p = Vec::new();
            for (n, v) in fields {
                let file = format!("{name}.{n}{tag}.plm");
                write(
                    &dir.join(&file),
                    &compress(FieldView::new(v, &shape)?, &CompressOptions::new(b, Encoding::Ratio))?,
                )?;
                p.push(PathBuf::from(file));
            }
            Ok(FieldStreams { y_h2: p[0].clone(), y_o2: p[1].clone(), y_h2o: p[2].clone(), z: p[3].clone() })
        };
        let lossy = streams("", if bound > 0.0 { ErrorBound::PwRel(bound) } else { ErrorBound::Abs(0.0) })?;
        let clean = if bound > 0.0 { Some(streams(".clean", ErrorBound::Abs(0.0))?) } else { None };
        let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
        let labels =
            label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&shape), &LabelParams::default())?;
        let lfile = format!("{name}.labels.plm");
        write(&dir.join(&lfile), &compress_labels(&labels.values, &shape)?)?;
        entries.push(SnapshotEntry {
            name,
            dims,
            bound,
            fields: lossy,
            clean_fields: clean,
            labels: PathBuf::from(lfile),
            h2o_ref: None,
            coords: None,
            label_set: Vec::new(),
        });
    }
    let path = dir.join("catalog.toml");
    Catalog { snapshot: entries }.save(&path)?;
    Ok(path)
}

/// One run directory in the in-situ session's layout (FORMAT.md "Snapshot files",
/// "Catalog"), written serially with hdf5-metno: for each of `steps` a jet-flame state of
/// storage dims `dims` (f64, seed `seed + step`), the fields `Y_H2`, `Y_O2`, `Y_H2O`, `Z`
/// chunked in two blocks along axis 0 (two "ranks") through Plume's filter 32801 at PW_REL
/// `bound` (0: ABS 0, lossless), the u8 `labels` of the clean state on a stretched grid with
/// the labeler's record (`label_params`, `label_coords_<s>`), the root attributes, and
/// `catalog.jsonl`. Test data for [`super::insitu`]; the real writer is the session.
pub fn write_jet_insitu_run(
    dir: &Path,
    dims: [usize; 3],
    steps: &[i64],
    bound: f64,
    seed: u64,
) -> Result<()> {
    use super::insitu::{register_filter, FieldEntry, StepEntry, CATALOG_FILE};
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot create {}: {e}", dir.display())))?;
    register_filter()?;
    let h5 = |e: hdf5::Error| Error::new(ErrorKind::Io, format!("HDF5: {e}"));
    let shape = Shape::new(&dims, Order::C)?;
    let (mode, eb) =
        if bound > 0.0 { ("pw_rel", ErrorBound::PwRel(bound)) } else { ("abs", ErrorBound::Abs(0.0)) };
    let opts = CompressOptions::new(eb, Encoding::Ratio);
    let chunk = [dims[0].div_ceil(2), dims[1], dims[2]];
    let mut catalog = String::new();
    // Labeled on a stretched grid (x_i = i + 0.04 i^2 on every axis), recorded like the
    // session records `set_coords` (FORMAT.md "Snapshot files").
    let coords = dims.iter().map(|&n| (0..n).map(|i| i as f64 + 0.04 * (i * i) as f64).collect()).collect();
    let labeler = Labeler { params: LabelParams::default(), coords: Some(coords) };
    let grid = labeler.grid(&shape, &[0, 0, 0]);
    for &step in steps {
        let f = jet_flame(&dims, seed.wrapping_add(step as u64))?;
        let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
        let labels = label_field(&sp, &ZInput::Supplied(&f.z), &grid, &labeler.params)?;
        let name = format!("step_{step:08}.h5");
        let file = hdf5::File::create(dir.join(&name)).map_err(h5)?;
        file.new_attr::<i64>().create("step").and_then(|a| a.write_scalar(&step)).map_err(h5)?;
        file.new_attr::<f64>()
            .create("time")
            .and_then(|a| a.write_scalar(&(step as f64 * 0.01)))
            .map_err(h5)?;
        file.new_attr::<i64>().create("n_ranks").and_then(|a| a.write_scalar(&2i64)).map_err(h5)?;
        let mut fields = Vec::new();
        let mut originals = Vec::new();
        for (n, v) in [("Y_H2", &f.y_h2), ("Y_O2", &f.y_o2), ("Y_H2O", &f.y_h2o), ("Z", &f.z)] {
            let v64: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
            let cd = h5plume::cd_values(true, &chunk, &opts);
            let ds = file
                .new_dataset::<f64>()
                .shape(dims)
                .chunk(chunk)
                .add_filter(h5plume::PLUME_H5Z_FILTER, &cd)
                .create(n)
                .map_err(h5)?;
            ds.write_raw(&v64).map_err(h5)?;
            originals.push(v64);
        }
        let ds = file.new_dataset::<u8>().shape(dims).create("labels").map_err(h5)?;
        ds.write_raw(&labels.values).map_err(h5)?;
        let text =
            hdf5::types::FixedAscii::<1024>::from_ascii(labeler.params.settings().join("\n").as_bytes())
                .map_err(|e| Error::invalid(format!("label_params: {e}")))?;
        ds.new_attr::<hdf5::types::FixedAscii<1024>>()
            .create("label_params")
            .and_then(|a| a.write_scalar(&text))
            .map_err(h5)?;
        for (s, c) in labeler.coords.iter().flatten().enumerate() {
            let cds = file.new_dataset::<f64>().shape([c.len()]).create(format!("label_coords_{s}").as_str());
            cds.and_then(|d| d.write_raw(c)).map_err(h5)?;
        }
        drop(ds);
        drop(file);
        // Errors from the file as stored (reopened: the chunk cache held the raw values).
        let file = hdf5::File::open(dir.join(&name)).map_err(h5)?;
        for (n, v64) in ["Y_H2", "Y_O2", "Y_H2O", "Z"].into_iter().zip(&originals) {
            let ds = file.dataset(n).map_err(h5)?;
            let back = ds.read_raw::<f64>().map_err(h5)?;
            let max_abs = v64.iter().zip(&back).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            let max_pw = v64
                .iter()
                .zip(&back)
                .map(|(a, b)| if *a == 0.0 { (b - a).abs() } else { ((a - b) / a).abs() })
                .fold(0.0, f64::max);
            let (lo, hi) =
                v64.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
            let stored = ds.storage_size();
            let original = (v64.len() * 8) as u64;
            fields.push(FieldEntry {
                name: n.into(),
                mode: mode.into(),
                bound,
                effective_mode: mode.into(),
                effective_bound: bound,
                n_values: v64.len() as u64,
                original_bytes: original,
                stored_bytes: stored,
                ratio: original as f64 / stored.max(1) as f64,
                max_abs_error: max_abs,
                max_pw_rel_error: max_pw,
                psnr_db: None,
                value_min: lo,
                value_max: hi,
            });
        }
        drop(file);
        let file_bytes = std::fs::metadata(dir.join(&name)).map(|m| m.len()).unwrap_or(0);
        let entry = StepEntry {
            step,
            time: step as f64 * 0.01,
            path: PathBuf::from(name),
            labels: true,
            file_bytes,
            fields,
        };
        catalog += &serde_json::to_string(&entry).map_err(|e| Error::invalid(e.to_string()))?;
        catalog += "\n";
    }
    write(&dir.join(CATALOG_FILE), catalog.as_bytes())
}
