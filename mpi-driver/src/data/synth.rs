//! A demonstration catalog from plume-core alone: jet-flame snapshots
//! (`plume_core::synth::jet_flame`), their lossy (PW_REL) and lossless feature streams, and
//! clean labels computed by `plume_core::label` and stored as a label stream — what
//! `plume synth --case jet-flame` + `plume compress` + `plume label` produce, in one call.

use std::path::{Path, PathBuf};

use plume_core::codec::{compress, CompressOptions, Encoding};
use plume_core::label::{compress_labels, label_field, LabelGrid, LabelParams, SpeciesFields, ZInput};
use plume_core::synth::jet_flame;
use plume_core::{Error, ErrorBound, ErrorKind, FieldView, Order, Result, Shape};

use super::catalog::{Catalog, FieldStreams, SnapshotEntry};

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
        });
    }
    let path = dir.join("catalog.toml");
    Catalog { snapshot: entries }.save(&path)?;
    Ok(path)
}
