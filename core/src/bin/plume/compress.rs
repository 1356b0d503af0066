//! `plume compress`: a field (raw file or HDF5 dataset) to a Plume stream.

use std::path::PathBuf;

use clap::Args;
use plume_core::codec::{compress_any, decompress, CompressOptions, CompressReport};
use plume_core::field::AnyField;
use plume_core::metrics::{compare, Metrics};
use plume_core::{Encoding, ErrorBound};
use serde::Serialize;

use crate::args::{join, parse_dim_list, DimList, EncodingArg, FieldArgs, ModeArg};
use crate::error::{CliError, CliResult};
use crate::exec::{mb_per_s, Exec, ThreadArgs};
use crate::io::{self, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume compress`.
#[derive(Args, Debug)]
pub struct CompressArgs {
    /// The field: a raw little-endian file, or an HDF5 dataset as `file.h5:/path/to/dset`.
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// The stream file to write (created or truncated).
    #[arg(value_name = "OUTPUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub field: FieldArgs,
    /// Error-bound mode: what --bound means.
    #[arg(long, value_enum)]
    pub mode: ModeArg,
    /// The bound: an absolute error (abs), a fraction of the value range (rel), a
    /// point-wise relative error below 1 (pw_rel), or a PSNR in dB (psnr).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub bound: f64,
    /// Residual encoding: fast (bit-packing) or ratio (Huffman + zstd).
    #[arg(long, value_enum, default_value_t = EncodingArg::Ratio)]
    pub encoding: EncodingArg,
    /// Block dims, slowest first like --dims (default: 64,64,64 in 3-D; 256,256 in 2-D;
    /// 65536 in 1-D; 8,16,16,32 in 4-D). Blocks are coded independently and in parallel;
    /// `plume extract` reads only the blocks a sub-box overlaps.
    #[arg(long, value_name = "N,N,..", value_parser = parse_dim_list)]
    pub block: Option<DimList>,
    /// zstd level of the ratio encoding (ignored by fast).
    #[arg(long, value_name = "N", default_value_t = 1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i32).range(-131072..=22))]
    pub zstd_level: i32,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Compress N times in-process and report the best time (benchmarks); I/O is never timed.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Skip the check after compressing (decode the stream, measure every metric and
    /// confirm the bound); the check is never timed.
    #[arg(long)]
    pub no_verify: bool,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Decodes `stream` and compares it with the field (the untimed check of `compress`).
fn verify(view: AnyField<'_>, stream: &[u8]) -> plume_core::Result<Metrics> {
    let n_bytes = Some(stream.len() as u64);
    match view {
        AnyField::F32(f) => compare(f, &decompress::<f32>(stream)?.0, n_bytes),
        AnyField::F64(f) => compare(f, &decompress::<f64>(stream)?.0, n_bytes),
    }
}

/// The `--json` report of `plume compress`.
#[derive(Debug, Serialize)]
struct CompressJson<'a> {
    input: String,
    output: String,
    dtype: &'static str,
    dims: &'a [usize],
    order: &'static str,
    mode: &'static str,
    bound: f64,
    encoding: &'static str,
    threads: usize,
    original_bytes: u64,
    compressed_bytes: u64,
    ratio: f64,
    bits_per_value: f64,
    seconds: f64,
    mb_per_s: f64,
    abs_bound: Option<f64>,
    pw_rel_bound: Option<f64>,
    psnr_db: Option<f64>,
    n_outliers: u64,
    max_abs_error: Option<f64>,
    max_pw_rel_error: Option<f64>,
    ssim: Option<f64>,
}

/// Runs `plume compress`.
pub fn run(args: &CompressArgs) -> CliResult<()> {
    let bound =
        ErrorBound::parse(args.mode.as_str(), args.bound).map_err(|e| CliError::core("--bound", &e))?;
    let input = Location::parse(&args.input);
    let mut progress = Progress::start(!args.json);

    progress.phase(format!("reading {input}"));
    let field = io::read_field(&input, &args.field.spec())?;
    let ndims = field.shape.dims().len();
    if let Some(block) = &args.block {
        if block.0.len() != ndims || block.0.contains(&0) {
            return Err(CliError::usage(format!(
                "--block {block}: the field has {ndims} dims ({}); give {ndims} sizes, each >= 1",
                join(field.shape.dims(), ",")
            )));
        }
    }
    let encoding = Encoding::from(args.encoding);
    let mut opts = CompressOptions::new(bound, encoding);
    opts.block_dims = args.block.as_ref().map(|b| b.0.clone());
    opts.zstd_level = args.zstd_level;

    let exec = Exec::new(&args.threads)?;
    progress.phase(format!("compressing {input}"));
    let view = field.view()?;
    let ((stream, report), seconds) =
        exec.best_of(args.repeat, || compress_any(view, &opts)).map_err(|e| CliError::core(&input, &e))?;

    progress.phase(format!("writing {}", args.output.display()));
    io::write_bytes(&args.output, &stream)?;
    let metrics = if args.no_verify {
        None
    } else {
        progress.phase(format!("verifying {}", args.output.display()));
        Some(verify(view, &stream).map_err(|e| CliError::core(args.output.display().to_string(), &e))?)
    };
    progress.finish();
    let psnr_db = metrics.as_ref().map(|m| m.psnr_db).or(report.psnr_db);

    let original_bytes = field.n_bytes();
    let compressed_bytes = stream.len() as u64;
    let ratio = original_bytes as f64 / compressed_bytes as f64;
    let n_values = field.shape.n_values();
    let bits_per_value =
        if n_values == 0 { f64::NAN } else { 8.0 * compressed_bytes as f64 / n_values as f64 };
    let throughput = mb_per_s(original_bytes, seconds);
    if args.json {
        let CompressReport { abs_bound, pw_rel_bound, n_outliers, .. } = report;
        return output::print_json(&CompressJson {
            input: input.to_string(),
            output: args.output.display().to_string(),
            dtype: field.dtype().as_str(),
            dims: field.shape.dims(),
            order: field.shape.order().as_str(),
            mode: args.mode.as_str(),
            bound: args.bound,
            encoding: encoding.as_str(),
            threads: exec.threads(),
            original_bytes,
            compressed_bytes,
            ratio,
            bits_per_value,
            seconds,
            mb_per_s: throughput,
            abs_bound,
            pw_rel_bound,
            psnr_db,
            n_outliers,
            max_abs_error: metrics.as_ref().map(|m| m.max_abs_error),
            max_pw_rel_error: metrics.as_ref().map(|m| m.max_pw_rel_error),
            ssim: metrics.as_ref().map(|m| m.ssim),
        });
    }
    let mut t = Table::new();
    t.row(
        "input",
        format!(
            "{input} ({}, {}, order {})",
            field.dtype().as_str(),
            join(field.shape.dims(), "x"),
            field.shape.order().as_str()
        ),
    )
    .row("output", args.output.display().to_string())
    .row("bound", format!("{} {} ({} encoding)", args.mode.as_str(), args.bound, encoding.as_str()))
    .row("original", output::bytes(original_bytes))
    .row("compressed", output::bytes(compressed_bytes))
    .row("ratio", output::num(ratio))
    .row("bits/value", output::num(bits_per_value))
    .row("seconds", output::seconds(seconds, args.repeat, exec.threads()))
    .row("throughput", format!("{} MB/s", output::num(throughput)));
    if let Some(eb) = report.abs_bound {
        t.row("abs bound", output::num(eb));
    }
    if let Some(p) = report.pw_rel_bound {
        t.row("pw_rel bound", output::num(p));
    }
    if let Some(db) = psnr_db {
        t.row("PSNR", format!("{} dB", output::num(db)));
    }
    if let Some(m) = &metrics {
        t.row("max abs error", output::num(m.max_abs_error))
            .row("max pw-rel error", output::num(m.max_pw_rel_error))
            .row("SSIM", output::num(m.ssim));
    }
    t.row("outliers", report.n_outliers.to_string());
    t.print();
    Ok(())
}
