//! The catalog: `catalog.jsonl` in the output directory, one JSON object per snapshot
//! (a [`StepReport`](super::StepReport)): step, time, path, per-field bound, sizes, ratio,
//! PSNR, max error, and whether labels were written. Appended by rank 0 after the
//! snapshot's rename, so every line names a complete file. `plume ls <dir>` prints it.

use std::io::Write;
use std::path::Path;

use plume_core::{Error, Result};

use super::StepReport;

/// The catalog's file name inside an output directory.
pub const CATALOG_FILE: &str = "catalog.jsonl";

/// Appends one line for `report` (and flushes it to disk).
pub fn append(dir: &Path, report: &StepReport) -> Result<()> {
    let path = dir.join(CATALOG_FILE);
    let mut line = serde_json::to_string(report).map_err(|e| Error::invalid(format!("catalog: {e}")))?;
    line.push('\n');
    let mut f =
        std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| Error::io(&path, e))?;
    f.write_all(line.as_bytes()).map_err(|e| Error::io(&path, e))?;
    f.sync_data().map_err(|e| Error::io(&path, e))
}
