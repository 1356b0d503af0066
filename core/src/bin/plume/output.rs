//! Result printing: an aligned two-column table for people, one JSON object for programs.

use serde::Serialize;

use crate::error::{CliError, CliResult};

/// A two-column table printed with the keys aligned.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<(String, String)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a row.
    pub fn row(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.rows.push((key.into(), value.into()));
        self
    }

    /// Prints the table on stdout.
    pub fn print(&self) {
        let width = self.rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, value) in &self.rows {
            println!("{key:<width$}  {value}");
        }
    }
}

/// Prints `value` as exactly one JSON object on one line of stdout. Non-finite floats
/// print as `null`.
pub fn print_json<T: Serialize>(value: &T) -> CliResult<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::failure(format!("cannot serialise the JSON report: {e}")))?;
    println!("{text}");
    Ok(())
}

/// A byte count with a binary-prefixed size: `30720 B (30.0 KiB)`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{n} B ({v:.1} {})", UNITS[unit])
}

/// A float with 4 significant digits, or `-` when it is undefined (NaN).
pub fn num(v: f64) -> String {
    if v.is_nan() {
        "-".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

/// Seconds with the repeat count and threads: `0.0123 s (best of 3, 8 threads)`.
pub fn seconds(s: f64, repeat: u32, threads: usize) -> String {
    let runs = if repeat > 1 { format!("best of {repeat}, ") } else { String::new() };
    format!("{} s ({runs}{threads} thread{})", num(s), if threads == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(10), "10 B");
        assert_eq!(bytes(30720), "30720 B (30.0 KiB)");
        assert_eq!(num(f64::NAN), "-");
        assert_eq!(num(1.5), "1.5000");
        assert_eq!(num(1e-5), "1.0000e-5");
    }
}
