//! `plume import blastnet DIR`: a BLASTNet dataset (raw little-endian float32 files, one per
//! variable per snapshot, C order (Nx, Ny, Nz), an `info.json` naming them) into Plume
//! streams the trainer reads: per snapshot the four features Y_H2, Y_O2, Y_H2O and
//! Bilger's Z (from every species file of the snapshot), the flame-regime labels computed
//! on the clean fields with the dataset's (stretched) grid, a lossless reference set and
//! one PW_REL set per bound, and per set a trainer catalog (`mpi-driver/src/data/catalog.rs`).
//!
//! ```text
//! OUT/lossless/id000/{y_h2,y_o2,y_h2o,z,labels}.plm   ABS 0 (bit-exact) and the labels
//! OUT/pw_rel-0.01/id000/{y_h2,y_o2,y_h2o,z}.plm       one folder per bound
//! OUT/catalog-lossless.toml, OUT/catalog-pw_rel-0.01.toml, ...
//! OUT/grid-{x,y,z}.f64                                the label grid (with global.grid)
//! OUT/import.json                                     ratios and errors per field
//! ```
//!
//! The catalogs name the grid files (`coords`) and the `--set` thresholds (`label_set`), so
//! that labels recomputed from the lossy features (the trainer's scenario (ii), the report's
//! label error) use the labeler the clean labels were computed with.
//!
//! Only the four features and a running Z live in memory (5 x 4 bytes a cell plus 8 for Z's
//! f64 sum): minor species are read one at a time and folded into Z.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use plume_core::codec::{compress_report, CompressReport};
use plume_core::field::AnyValues;
use plume_core::label::{
    class_counts, compress_labels, label_field, LabelGrid, Species, SpeciesFields, ZInput,
};
use plume_core::metrics::{compare, Metrics};
use plume_core::{CompressOptions, DType, Encoding, ErrorBound, FieldView, Order, Shape};
use serde::Serialize;
use serde_json::Value;

use crate::error::{CliError, CliResult};
use crate::exec::{Exec, ThreadArgs};
use crate::io::{FieldSpec, Location};
use crate::label::labeler_setup;
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub format: ImportFormat,
}

/// The formats `plume import` reads.
#[derive(Subcommand, Debug)]
pub enum ImportFormat {
    /// A BLASTNet dataset directory (info.json, data/, grid/).
    Blastnet(BlastnetArgs),
}

/// Arguments of `plume import blastnet`.
#[derive(Args, Debug)]
pub struct BlastnetArgs {
    /// The dataset directory: `info.json` with `global.Nxyz`, `global.grid` (optional) and
    /// per snapshot in `local` an `id` and `"<VARIABLE> filename"` entries; species files
    /// are the variables named `Y<formula>` (YH2, YO2, YH2O, YOH, YN2, ...).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Output directory (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// PW_REL bounds of the lossy sets; the lossless reference is always written.
    #[arg(long, value_name = "P,P,..", value_delimiter = ',', default_values_t = [0.01, 0.05, 0.1, 0.2, 0.4])]
    pub bounds: Vec<f64>,
    /// Only these snapshot ids (default: every snapshot in info.json).
    #[arg(long, value_name = "ID,ID,..", value_delimiter = ',')]
    pub ids: Vec<i64>,
    /// Fuel stream for Bilger's Z, `NAME=Y,NAME=Y` [default: H2=0.11789,N2=0.88211].
    #[arg(long, value_name = "NAME=Y,..")]
    pub fuel: Option<String>,
    /// Oxidizer stream [default: O2=0.233,N2=0.767].
    #[arg(long, value_name = "NAME=Y,..")]
    pub oxidizer: Option<String>,
    /// Override a labeler threshold, `NAME=VALUE` (as `plume label --set`); repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Print one JSON object on stdout (also written to OUT/import.json) instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The four feature channels in the trainer's order, with their BLASTNet variable names.
const FEATURES: [(&str, &str); 4] = [("y_h2", "YH2"), ("y_o2", "YO2"), ("y_h2o", "YH2O"), ("z", "")];

/// One compressed field in the report.
#[derive(Debug, Serialize)]
struct FieldReport {
    name: &'static str,
    bytes: u64,
    ratio: f64,
    max_abs_error: f64,
    max_pw_rel_error: f64,
    psnr_db: f64,
}

/// One set (lossless or one bound) of one snapshot.
#[derive(Debug, Serialize)]
struct SetReport {
    set: String,
    pw_rel: f64,
    fields: Vec<FieldReport>,
    total_ratio: f64,
}

/// One snapshot.
#[derive(Debug, Serialize)]
struct SnapshotReport {
    id: i64,
    species: Vec<String>,
    class_fractions: [f64; 5],
    label_bytes: u64,
    sets: Vec<SetReport>,
}

/// The whole import (`--json`, OUT/import.json).
#[derive(Debug, Serialize)]
struct ImportReport {
    source: String,
    dims: [usize; 3],
    grid: &'static str,
    z_stoich: f64,
    snapshots: Vec<SnapshotReport>,
    catalogs: Vec<String>,
}

/// A usage error about `info.json` (exit status 2).
fn bad_info(dir: &Path, what: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("{}: {what}", dir.join("info.json").display()))
}

/// Reads a raw little-endian float32 file of `dims` (C order) with the CLI's raw reader,
/// after checking its size here (the reader's own message names the `--dims` flag).
fn read_f32(path: &Path, dims: &[usize]) -> CliResult<Vec<f32>> {
    let len = std::fs::metadata(path).map_err(|e| CliError::io(path, &e))?.len();
    let n: usize = dims.iter().product();
    if len != 4 * n as u64 {
        let dims: Vec<String> = dims.iter().map(usize::to_string).collect();
        return Err(CliError::usage(format!(
            "{}: {len} bytes, but {} float32 values need {} bytes",
            path.display(),
            dims.join("x"),
            4 * n
        )));
    }
    let spec = FieldSpec { dims: Some(dims.to_vec()), dtype: Some(DType::F32), order: Order::C };
    match crate::io::read_field(&Location::Raw(path.to_path_buf()), &spec)?.values {
        AnyValues::F32(v) => Ok(v),
        AnyValues::F64(_) => unreachable!("read as f32"),
    }
}

/// The 1-D coordinates of `axis` from a grid file: either one value per cell of that axis
/// or the full (Nx, Ny, Nz) array (the line through the origin along `axis` is taken).
fn read_grid_axis(path: &Path, dims: [usize; 3], axis: usize) -> CliResult<Vec<f64>> {
    let len = std::fs::metadata(path).map_err(|e| CliError::io(path, &e))?.len();
    if len == 4 * dims[axis] as u64 {
        return Ok(read_f32(path, &[dims[axis]])?.into_iter().map(f64::from).collect());
    }
    let values = read_f32(path, &dims)?;
    let stride = [dims[1] * dims[2], dims[2], 1][axis];
    Ok((0..dims[axis]).map(|i| f64::from(values[i * stride])).collect())
}

/// The coordinate files written beside the catalogs (axes 0, 1, 2).
const GRID_FILES: [&str; 3] = ["grid-x.f64", "grid-y.f64", "grid-z.f64"];

/// A string as a TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Relative path `set/idNNN/name.plm`.
fn stream_path(set: &str, id: i64, name: &str) -> String {
    format!("{set}/id{id:03}/{name}.plm")
}

/// Writes `bytes` to `out/rel`, creating folders.
fn write_stream(out: &Path, rel: &str, bytes: &[u8]) -> CliResult<()> {
    let path = out.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, &e))?;
    }
    crate::io::write_bytes(&path, bytes)
}

/// The folder name of a set: `lossless` or `pw_rel-<p>`.
fn set_name(p: f64) -> String {
    if p == 0.0 {
        "lossless".into()
    } else {
        format!("pw_rel-{p}")
    }
}

/// One snapshot of `info.json`'s `local` list: its id and the files of its variables.
struct Snapshot {
    id: i64,
    files: Vec<(String, PathBuf)>,
}

impl Snapshot {
    fn file(&self, var: &str) -> Option<&Path> {
        self.files.iter().find(|(v, _)| v == var).map(|(_, p)| p.as_path())
    }
}

/// What `info.json` says: dims, the grid files (x, y, z) if any, the snapshots.
struct Dataset {
    dims: [usize; 3],
    grid: Option<[PathBuf; 3]>,
    snapshots: Vec<Snapshot>,
}

/// Parses `info.json`.
fn parse_info(dir: &Path) -> CliResult<Dataset> {
    let path = dir.join("info.json");
    let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&path, &e))?;
    let info: Value = serde_json::from_str(&text).map_err(|e| bad_info(dir, format!("not JSON: {e}")))?;
    let global = info.get("global").ok_or_else(|| bad_info(dir, "no 'global' object"))?;
    let dims: Vec<usize> = global
        .get("Nxyz")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).map(|v| v as usize).collect())
        .unwrap_or_default();
    let dims: [usize; 3] = dims
        .try_into()
        .ok()
        .filter(|d: &[usize; 3]| d.iter().all(|&n| n > 0))
        .ok_or_else(|| bad_info(dir, "global.Nxyz must be three positive integers [Nx, Ny, Nz]"))?;
    let grid = match global.get("grid") {
        None | Some(Value::Null) => None,
        Some(g) => {
            let axis = |k: &str| {
                g.get(k)
                    .and_then(Value::as_str)
                    .map(|p| dir.join(p))
                    .ok_or_else(|| bad_info(dir, format!("global.grid.{k}: missing or not a path")))
            };
            Some([axis("x")?, axis("y")?, axis("z")?])
        }
    };
    let local = info
        .get("local")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_info(dir, "no 'local' list of snapshots"))?;
    let mut snapshots = Vec::new();
    for (i, entry) in local.iter().enumerate() {
        let id = entry
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad_info(dir, format!("local[{i}]: no integer 'id'")))?;
        let files = entry
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.strip_suffix(" filename")?.to_string(), dir.join(v.as_str()?))))
            .collect();
        snapshots.push(Snapshot { id, files });
    }
    Ok(Dataset { dims, grid, snapshots })
}

/// Runs `plume import`.
pub fn run(args: &ImportArgs) -> CliResult<()> {
    match &args.format {
        ImportFormat::Blastnet(a) => blastnet(a),
    }
}

fn blastnet(args: &BlastnetArgs) -> CliResult<()> {
    for &p in &args.bounds {
        if !(p > 0.0 && p < 1.0) {
            return Err(CliError::usage(format!("--bounds: {p} is not a PW_REL bound in (0, 1)")));
        }
    }
    let (params, bilger) = labeler_setup(&args.set, args.fuel.as_deref(), args.oxidizer.as_deref())?;

    let Dataset { dims, grid, mut snapshots } = parse_info(&args.dir)?;
    if !args.ids.is_empty() {
        if let Some(id) = args.ids.iter().find(|id| !snapshots.iter().any(|s| s.id == **id)) {
            return Err(CliError::usage(format!("--ids: no snapshot with id {id} in info.json")));
        }
        snapshots.retain(|s| args.ids.contains(&s.id));
    }
    if snapshots.is_empty() {
        return Err(bad_info(&args.dir, "no snapshots in 'local'"));
    }
    let n: usize = dims.iter().product();
    let shape = Shape::new(&dims, Order::C).map_err(|e| CliError::core("global.Nxyz", &e))?;
    let coords = match &grid {
        Some(files) => Some([
            read_grid_axis(&files[0], dims, 0)?,
            read_grid_axis(&files[1], dims, 1)?,
            read_grid_axis(&files[2], dims, 2)?,
        ]),
        None => None,
    };
    let mut sets = vec![0.0];
    for &p in &args.bounds {
        if !sets.contains(&p) {
            sets.push(p);
        }
    }
    let exec = Exec::new(&args.threads)?;
    std::fs::create_dir_all(&args.out).map_err(|e| CliError::io(&args.out, &e))?;

    let mut progress = Progress::start(!args.json);
    let mut reports = Vec::new();
    for snap in &snapshots {
        let name = |var: &str| format!("local entry id {}: '{var} filename'", snap.id);
        // The species files of this snapshot: variables "Y<formula>".
        let mut species = Vec::new();
        for (var, path) in &snap.files {
            if let Some(formula) = var.strip_prefix('Y').filter(|f| !f.is_empty()) {
                let s = Species::parse(formula).map_err(|e| CliError::core(name(var), &e))?;
                species.push((var.clone(), s, path.clone()));
            }
        }
        let mut features: Vec<Vec<f32>> = Vec::new();
        for (_, var) in &FEATURES[..3] {
            let path = snap.file(var).ok_or_else(|| {
                let found: Vec<&str> = species.iter().map(|(v, ..)| v.as_str()).collect();
                bad_info(&args.dir, format!("{} is missing (species files: {})", name(var), found.join(", ")))
            })?;
            progress.phase(format!("id {}: reading {var}", snap.id));
            features.push(read_f32(path, &dims)?);
        }
        // Bilger's Z = offset + sum_k c_k Y_k, summed in f64 one species file at a time.
        progress.phase(format!("id {}: mixture fraction from {} species", snap.id, species.len()));
        let mut z_sum = vec![bilger.z_offset(); n];
        for (var, s, path) in &species {
            let c = bilger.z_coefficient(s);
            if c == 0.0 {
                continue; // inerts (N2, AR)
            }
            let feature = FEATURES[..3].iter().position(|(_, v)| v == var);
            let owned;
            let y: &[f32] = match feature {
                Some(k) => &features[k],
                None => {
                    owned = read_f32(path, &dims)?;
                    &owned
                }
            };
            exec.install(|| {
                use rayon::prelude::*;
                z_sum.par_iter_mut().zip(y.par_iter()).for_each(|(z, &y)| *z += c * f64::from(y));
            });
        }
        features.push(z_sum.iter().map(|&z| z as f32).collect());
        drop(z_sum);

        progress.phase(format!("id {}: labels", snap.id));
        let labels = exec
            .install(|| {
                let fields = SpeciesFields { y_h2: &features[0], y_o2: &features[1], y_h2o: &features[2] };
                let mut g = LabelGrid::new(&shape);
                if let Some(c) = &coords {
                    g = g.with_coords(0, &c[0]).with_coords(1, &c[1]).with_coords(2, &c[2]);
                }
                label_field(&fields, &ZInput::Supplied(&features[3]), &g, &params)
            })
            .map_err(|e| CliError::core(format!("labels of id {}", snap.id), &e))?;
        let counts = class_counts(&labels.values).map_err(|e| CliError::core("labels", &e))?;
        let label_stream = compress_labels(&labels.values, &labels.shape)
            .map_err(|e| CliError::core(format!("label stream of id {}", snap.id), &e))?;
        write_stream(&args.out, &stream_path("lossless", snap.id, "labels"), &label_stream)?;

        let mut set_reports = Vec::new();
        for &p in &sets {
            let set = set_name(p);
            progress.phase(format!("id {}: {set}", snap.id));
            let bound = if p == 0.0 { ErrorBound::Abs(0.0) } else { ErrorBound::PwRel(p) };
            let opts = CompressOptions::new(bound, Encoding::Ratio);
            let mut fields = Vec::new();
            for ((fname, _), values) in FEATURES.iter().zip(&features) {
                let view = FieldView::new(values, &shape).map_err(|e| CliError::core(fname, &e))?;
                let (bytes, rep): (Vec<u8>, CompressReport) =
                    exec.install(|| compress_report(view, &opts))
                        .map_err(|e| CliError::core(format!("id {} {fname} ({set})", snap.id), &e))?;
                let (back, _) = plume_core::codec::decompress::<f32>(&bytes)
                    .map_err(|e| CliError::core(format!("id {} {fname} ({set}) read back", snap.id), &e))?;
                let m: Metrics =
                    exec.install(|| compare(view, &back, None)).map_err(|e| CliError::core(fname, &e))?;
                write_stream(&args.out, &stream_path(&set, snap.id, fname), &bytes)?;
                fields.push(FieldReport {
                    name: fname,
                    bytes: rep.compressed_bytes,
                    ratio: rep.original_bytes as f64 / rep.compressed_bytes.max(1) as f64,
                    max_abs_error: m.max_abs_error,
                    max_pw_rel_error: m.max_pw_rel_error,
                    psnr_db: m.psnr_db,
                });
            }
            let total: u64 = fields.iter().map(|f| f.bytes).sum();
            set_reports.push(SetReport {
                set,
                pw_rel: p,
                total_ratio: (4 * 4 * n) as f64 / total.max(1) as f64,
                fields,
            });
        }
        reports.push(SnapshotReport {
            id: snap.id,
            species: species.iter().map(|(v, ..)| v.clone()).collect(),
            class_fractions: counts.map(|c| c as f64 / n as f64),
            label_bytes: label_stream.len() as u64,
            sets: set_reports,
        });
    }

    // The grid the labels were computed on, for readers that recompute labels alike
    // (raw little-endian f64, one value per cell of each axis).
    if let Some(c) = &coords {
        for (file, axis) in GRID_FILES.iter().zip(c) {
            let bytes: Vec<u8> = axis.iter().flat_map(|v| v.to_le_bytes()).collect();
            crate::io::write_bytes(&args.out.join(file), &bytes)?;
        }
    }
    // One trainer catalog per set; lossy sets name the lossless one as the clean reference.
    progress.phase("catalogs");
    let mut catalogs = Vec::new();
    for &p in &sets {
        let set = set_name(p);
        let mut text = format!(
            "# Written by `plume import blastnet {}`: the {set} set (see mpi-driver/src/data/catalog.rs).\n",
            args.dir.display()
        );
        let group = |set: &str, id: i64| {
            let f: Vec<String> = FEATURES
                .iter()
                .map(|(k, _)| format!("{k} = {}", toml_str(&stream_path(set, id, k))))
                .collect();
            format!("{{ {} }}", f.join(", "))
        };
        for snap in &snapshots {
            text += &format!(
                "\n[[snapshot]]\nname = {}\ndims = [{}, {}, {}]\nbound = {p:?}\nfields = {}\n",
                toml_str(&format!("id{:03}", snap.id)),
                dims[0],
                dims[1],
                dims[2],
                group(&set, snap.id)
            );
            if p > 0.0 {
                text += &format!("clean_fields = {}\n", group("lossless", snap.id));
            }
            text += &format!("labels = {}\n", toml_str(&stream_path("lossless", snap.id, "labels")));
            if coords.is_some() {
                let [x, y, z] = GRID_FILES.map(toml_str);
                text += &format!("coords = {{ x = {x}, y = {y}, z = {z} }}\n");
            }
            if !args.set.is_empty() {
                let items: Vec<String> = args.set.iter().map(|s| toml_str(s)).collect();
                text += &format!("label_set = [{}]\n", items.join(", "));
            }
        }
        let file = format!("catalog-{set}.toml");
        crate::io::write_bytes(&args.out.join(&file), text.as_bytes())?;
        catalogs.push(file);
    }
    progress.finish();

    let report = ImportReport {
        source: args.dir.display().to_string(),
        dims,
        grid: if grid.is_some() { "info.json global.grid" } else { "unit spacing (no global.grid)" },
        z_stoich: bilger.z_stoich(),
        snapshots: reports,
        catalogs,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| CliError::failure(format!("JSON: {e}")))?;
    crate::io::write_bytes(&args.out.join("import.json"), json.as_bytes())?;
    if args.json {
        return output::print_json(&report);
    }
    let mut t = Table::new();
    t.row(
        "source",
        format!("{} ({}x{}x{}, grid: {})", report.source, dims[0], dims[1], dims[2], report.grid),
    );
    for s in &report.snapshots {
        let ratios: Vec<String> =
            s.sets.iter().map(|x| format!("{} {}x", x.set, output::num(x.total_ratio))).collect();
        t.row(format!("id {}", s.id), ratios.join(", "));
        t.row(
            format!("id {} labels", s.id),
            format!(
                "{} ({} bits/cell), classes {}",
                output::bytes(s.label_bytes),
                output::num(8.0 * s.label_bytes as f64 / n as f64),
                s.class_fractions.iter().map(|f| format!("{:.1}%", 100.0 * f)).collect::<Vec<_>>().join(" ")
            ),
        );
    }
    t.row("catalogs", format!("{} in {}", report.catalogs.join(", "), args.out.display()));
    t.print();
    Ok(())
}
