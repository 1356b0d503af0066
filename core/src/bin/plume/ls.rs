//! `plume ls`: the snapshots of an in-situ output directory, from its catalog
//! (`catalog.jsonl`, one JSON object per step, written by the session; FORMAT.md
//! "HDF5 snapshots"), one row per step and field.

use std::path::PathBuf;

use clap::Args;
use serde_json::Value;

use crate::error::{CliError, CliResult};
use crate::output::{self, bytes, num};

/// Arguments of `plume ls`.
#[derive(Args, Debug)]
pub struct LsArgs {
    /// The output directory (holds catalog.jsonl and step_*.h5).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Only this field.
    #[arg(long)]
    pub field: Option<String>,
    /// Print the catalog's entries as one JSON array instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Reads every catalog entry (a line that is not JSON is an error naming the line).
fn read_catalog(dir: &std::path::Path) -> CliResult<Vec<Value>> {
    let path = dir.join("catalog.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&path, &e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| CliError::failure(format!("{}: line {}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// Runs `plume ls`.
pub fn run(a: &LsArgs) -> CliResult<()> {
    let entries = read_catalog(&a.dir)?;
    if a.json {
        return output::print_json(&entries);
    }
    let f = |v: &Value| v.as_f64().map_or_else(|| "-".to_string(), num);
    println!(
        "{:>8} {:>12} {:<12} {:>10} {:>12} {:>10} {:>8} {:>9} {:>11}  file",
        "step", "time", "field", "mode", "bound", "stored_B", "ratio", "psnr_db", "max_err"
    );
    let (mut n_steps, mut total) = (0, 0u64);
    for e in &entries {
        n_steps += 1;
        let path = e["path"].as_str().unwrap_or("?");
        let missing = if std::path::Path::new(path).exists() { "" } else { " (missing)" };
        total += e["file_bytes"].as_u64().unwrap_or(0);
        for fr in e["fields"].as_array().into_iter().flatten() {
            let name = fr["name"].as_str().unwrap_or("?");
            if a.field.as_deref().is_some_and(|want| want != name) {
                continue;
            }
            println!(
                "{:>8} {:>12} {:<12} {:>10} {:>12} {:>10} {:>8} {:>9} {:>11}  {}{}",
                e["step"].as_i64().unwrap_or(-1),
                f(&e["time"]),
                name,
                fr["mode"].as_str().unwrap_or("?"),
                f(&fr["bound"]),
                fr["stored_bytes"].as_u64().unwrap_or(0),
                f(&fr["ratio"]),
                f(&fr["psnr_db"]),
                f(&fr["max_abs_error"]),
                std::path::Path::new(path).file_name().map_or(path.into(), |s| s.to_string_lossy()),
                missing
            );
        }
    }
    println!("{n_steps} snapshots, {} on disk", bytes(total));
    Ok(())
}
