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
        let text: String = self.rows.iter().map(|(key, value)| format!("{key:<width$}  {value}\n")).collect();
        emit(&text);
    }
}

/// Prints `value` as exactly one JSON object on one line of stdout. Non-finite floats
/// print as `null`.
pub fn print_json<T: Serialize>(value: &T) -> CliResult<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::failure(format!("cannot serialise the JSON report: {e}")))?;
    emit(&format!("{text}\n"));
    Ok(())
}

/// Writes `text` to stdout. A closed pipe (`plume inspect --blocks | head`) is not an
/// error worth a panic: write failures are ignored.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
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

/// A float with 6 significant digits (trailing zeros dropped; scientific notation below
/// 1e-3 and from 1e9), `-` when undefined (NaN), `inf`/`-inf`.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "-".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v != 0.0 && (v.abs() >= 1e9 || v.abs() < 1e-3) {
        let text = format!("{v:.5e}");
        return match text.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => text,
        };
    }
    let magnitude = if v == 0.0 { 0 } else { v.abs().log10().floor() as i64 };
    let decimals = (5 - magnitude).clamp(0, 20) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

/// Drops trailing zeros after a decimal point, and the point if nothing follows it.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
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
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(0.9999684989), "0.999968");
        assert_eq!(num(64.840726), "64.8407");
        assert_eq!(num(1e-3), "0.001");
        assert_eq!(num(1e-5), "1e-5");
        assert_eq!(num(1.23456789e-7), "1.23457e-7");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::INFINITY), "inf");
    }
}
