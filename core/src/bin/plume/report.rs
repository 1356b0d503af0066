//! `plume report DIR`: the per-rank profile of an in-situ run, from what the session writes
//! with `profile = on` (ffi/src/insitu/profile.rs): `DIR/profile.csv` (one row per rank)
//! and `DIR/trace.json` (a Chrome trace, pid = rank). Prints a table per rank and writes
//! `DIR/profile.png` (per rank a bar of seconds per stage, its GB/s at the right) and, when
//! the trace exists, `DIR/timeline.png` (per rank a row of the stages over time, seconds on
//! the axis). Stage colours: copy grey, label green, compress blue, wait orange, write red,
//! the solver's time between steps light grey.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::error::{CliError, CliResult};
use crate::output;
use crate::render::canvas::Canvas;
use crate::render::font;

/// Arguments of `plume report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The in-situ output directory (the session's `output`, run with `profile = on`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print one JSON object (the per-rank rows and the figures written) instead of the table.
    #[arg(long)]
    pub json: bool,
}

const STAGES: [&str; 5] = ["copy", "label", "compress", "wait", "write"];
const COLOURS: [[u8; 3]; 6] =
    [[127, 127, 127], [44, 160, 44], [31, 119, 180], [255, 127, 14], [214, 39, 40], [215, 215, 215]];

/// One rank's row of profile.csv.
#[derive(Debug, Clone, Serialize)]
struct RankRow {
    rank: usize,
    stage_s: [f64; 5],
    total_s: f64,
    solver_s: f64,
    bytes_in: f64,
    bytes_out: f64,
    steps: f64,
    /// Async mode: seconds of label and compress on the background thread (in total_s).
    background_s: f64,
    gb_per_s: f64,
    overhead: f64,
}

/// Reads profile.csv; a bad header or value names the line and the column.
fn read_profile(path: &Path) -> CliResult<Vec<RankRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::failure(format!("{}: {e} (run the session with `profile = on`)", path.display()))
    })?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let want = [
        "rank",
        "copy_s",
        "label_s",
        "compress_s",
        "wait_s",
        "write_s",
        "total_s",
        "solver_s",
        "bytes_in",
        "bytes_out",
        "steps",
        "background_s",
        "gb_per_s",
        "overhead",
    ];
    if header != want {
        return Err(CliError::failure(format!(
            "{}: line 1: header {:?} is not the session's ({})",
            path.display(),
            header,
            want.join(",")
        )));
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Vec<f64> = line
            .split(',')
            .zip(want)
            .map(|(x, col)| {
                x.trim().parse::<f64>().map_err(|_| {
                    CliError::failure(format!(
                        "{}: line {}: column {col}: '{x}' is not a number",
                        path.display(),
                        i + 2
                    ))
                })
            })
            .collect::<CliResult<_>>()?;
        if v.len() != want.len() {
            return Err(CliError::failure(format!(
                "{}: line {}: {} values, the header has {}",
                path.display(),
                i + 2,
                v.len(),
                want.len()
            )));
        }
        rows.push(RankRow {
            rank: v[0] as usize,
            stage_s: [v[1], v[2], v[3], v[4], v[5]],
            total_s: v[6],
            solver_s: v[7],
            bytes_in: v[8],
            bytes_out: v[9],
            steps: v[10],
            background_s: v[11],
            gb_per_s: v[12],
            overhead: v[13],
        });
    }
    if rows.is_empty() {
        return Err(CliError::failure(format!("{}: no rank rows", path.display())));
    }
    Ok(rows)
}

/// Per rank a bar of stage seconds (common scale), the rank at the left, GB/s at the right.
fn profile_png(rows: &[RankRow]) -> Canvas {
    let (left, bar_w, row_h, right) = (40usize, 600usize, 22usize, 90usize);
    let max = rows.iter().map(|r| r.total_s).fold(0.0, f64::max).max(1e-12);
    let mut c = Canvas::new(left + bar_w + right, 10 + rows.len() * row_h + 30);
    for (k, r) in rows.iter().enumerate() {
        let y = 10 + k * row_h;
        c.text(4, y + 4, &r.rank.to_string());
        let mut x = left as f64;
        for (s, secs) in r.stage_s.iter().enumerate() {
            let w = secs / max * bar_w as f64;
            c.fill(
                x.round() as usize,
                y,
                (x + w).round() as usize - x.round() as usize,
                row_h - 6,
                COLOURS[s],
            );
            x += w;
        }
        c.text(left + bar_w + 8, y + 4, &font::number(r.gb_per_s));
    }
    axis(&mut c, left, bar_w, 10 + rows.len() * row_h, max);
    c
}

/// A time axis under the plot: a line and five ticks labelled in seconds.
fn axis(c: &mut Canvas, left: usize, width: usize, y: usize, max_s: f64) {
    c.fill(left, y, width, 1, [0, 0, 0]);
    for i in 0..=4 {
        let x = left + width * i / 4;
        c.fill(x, y, 1, 5, [0, 0, 0]);
        let t = font::number(max_s * i as f64 / 4.0);
        c.text(x.saturating_sub(font::width(&t) / 2), y + 8, &t);
    }
}

/// Per rank a row of its trace events over time (solver time light grey).
fn timeline_png(trace: &Value, ranks: usize) -> CliResult<Canvas> {
    let events: Vec<(usize, usize, f64, f64)> = trace["traceEvents"]
        .as_array()
        .ok_or_else(|| CliError::failure("trace.json: no traceEvents array"))?
        .iter()
        .filter(|e| e["ph"] == "X")
        .filter_map(|e| {
            let stage = STAGES.iter().position(|s| e["name"] == *s).unwrap_or(5);
            Some((e["pid"].as_u64()? as usize, stage, e["ts"].as_f64()? * 1e-6, e["dur"].as_f64()? * 1e-6))
        })
        .collect();
    let end = events.iter().map(|e| e.2 + e.3).fold(0.0, f64::max).max(1e-12);
    let (left, width, row_h) = (40usize, 900usize, 22usize);
    let n = ranks.max(events.iter().map(|e| e.0 + 1).max().unwrap_or(0));
    let mut c = Canvas::new(left + width + 20, 10 + n * row_h + 30);
    for r in 0..n {
        c.text(4, 10 + r * row_h + 4, &r.to_string());
    }
    // Solver time first, the stages over it.
    for pass in [true, false] {
        for &(pid, stage, ts, dur) in events.iter().filter(|e| (e.1 == 5) == pass) {
            let x0 = left + (ts / end * width as f64) as usize;
            let w = ((dur / end * width as f64).round() as usize).max(1);
            c.fill(x0, 10 + pid * row_h, w, row_h - 6, COLOURS[stage]);
        }
    }
    axis(&mut c, left, width, 10 + n * row_h, end);
    Ok(c)
}

#[derive(Serialize)]
struct ReportJson {
    dir: String,
    ranks: Vec<RankRow>,
    figures: Vec<String>,
}

pub fn run(a: &ReportArgs) -> CliResult<()> {
    let rows = read_profile(&a.dir.join("profile.csv"))?;
    let mut figures = Vec::new();
    let p = a.dir.join("profile.png");
    profile_png(&rows).write_png(&p)?;
    figures.push(p);
    let trace_path = a.dir.join("trace.json");
    if trace_path.exists() {
        let text = std::fs::read_to_string(&trace_path).map_err(|e| CliError::io(&trace_path, &e))?;
        let trace: Value = serde_json::from_str(&text)
            .map_err(|e| CliError::failure(format!("{}: {e}", trace_path.display())))?;
        let p = a.dir.join("timeline.png");
        timeline_png(&trace, rows.len())?.write_png(&p)?;
        figures.push(p);
    }
    let figures: Vec<String> = figures.iter().map(|p| p.display().to_string()).collect();
    if a.json {
        return output::print_json(&ReportJson { dir: a.dir.display().to_string(), ranks: rows, figures });
    }
    println!(
        "{:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "rank",
        "copy s",
        "label s",
        "compr. s",
        "wait s",
        "write s",
        "total s",
        "solver s",
        "GB/s",
        "overhead"
    );
    for r in &rows {
        let s = r.stage_s.map(output::num);
        println!(
            "{:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8.1}%",
            r.rank,
            s[0],
            s[1],
            s[2],
            s[3],
            s[4],
            output::num(r.total_s),
            output::num(r.solver_s),
            output::num(r.gb_per_s),
            100.0 * r.overhead
        );
    }
    let (mean, max) = (
        rows.iter().map(|r| r.total_s).sum::<f64>() / rows.len() as f64,
        rows.iter().map(|r| r.total_s).fold(0.0, f64::max),
    );
    let bytes: f64 = rows.iter().map(|r| r.bytes_in).sum();
    let out: f64 = rows.iter().map(|r| r.bytes_out).sum();
    println!(
        "{} ranks, {} steps: load balance {:.2} (mean/max total), ratio {:.2}",
        rows.len(),
        rows[0].steps,
        if max > 0.0 { mean / max } else { 1.0 },
        if out > 0.0 { bytes / out } else { 0.0 }
    );
    println!(
        "stage colours: copy grey, label green, compress blue, wait orange, write red, solver light grey"
    );
    for f in &figures {
        println!("wrote {f}");
    }
    Ok(())
}
