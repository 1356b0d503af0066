//! `plume extract`: decode only a sub-box of a stream (the blocks it overlaps).

use std::path::PathBuf;

use clap::Args;
use plume_core::codec::{decompress_region, inspect};
use plume_core::field::AnyValues;
use plume_core::{DType, Shape};
use serde::Serialize;

use crate::args::{join, parse_dim_list, DimList};
use crate::error::{CliError, CliResult};
use crate::exec::{mb_per_s, Exec, ThreadArgs};
use crate::io::{self, Location};
use crate::output::{self, Table};
use crate::progress::Progress;

/// Arguments of `plume extract`.
#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The stream file.
    #[arg(value_name = "STREAM")]
    pub stream: PathBuf,
    /// Where the sub-box goes: a raw little-endian file (dims = --extent, the stream's dtype
    /// and order) or an HDF5 dataset `file.h5:/path/to/dset`.
    #[arg(value_name = "OUTPUT")]
    pub output: String,
    /// First index of the box on each axis, in the stream's dims convention (slowest first
    /// for C order), e.g. 0,0,0.
    #[arg(long, value_name = "I,I,..", value_parser = parse_dim_list)]
    pub start: DimList,
    /// Size of the box on each axis, e.g. 3,256,256; start + extent must fit in the dims.
    #[arg(long, value_name = "N,N,..", value_parser = parse_dim_list)]
    pub extent: DimList,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report of `plume extract`.
#[derive(Debug, Serialize)]
struct ExtractJson<'a> {
    input: String,
    output: String,
    dtype: &'static str,
    order: &'static str,
    field_dims: &'a [usize],
    start: &'a [usize],
    extent: &'a [usize],
    n_values: usize,
    region_bytes: u64,
    compressed_bytes: u64,
    seconds: f64,
    mb_per_s: f64,
    threads: usize,
}

/// Runs `plume extract`.
pub fn run(args: &ExtractArgs) -> CliResult<()> {
    let name = args.stream.display().to_string();
    let output = Location::parse(&args.output);
    let mut progress = Progress::start(!args.json);
    progress.phase(format!("reading {name}"));
    let stream = io::read_bytes(&args.stream)?;
    let header = inspect(&stream).map_err(|e| CliError::core(&name, &e))?.header;
    let (start, extent) = (&args.start.0, &args.extent.0);
    if header.dtype == DType::U8 {
        return Err(CliError::usage(format!(
            "{name} is a label stream (u8 class ids): extract reads float fields (label::decompress_labels_region decodes a box of labels)"
        )));
    }
    let ndims = header.shape.dims().len();
    if start.len() != ndims || extent.len() != ndims {
        return Err(CliError::usage(format!(
            "--start {} --extent {}: the stream's field has {ndims} dims ({})",
            args.start,
            args.extent,
            join(header.shape.dims(), ",")
        )));
    }
    let region = Shape::new(extent, header.shape.order()).map_err(|e| CliError::core("--extent", &e))?;
    let exec = Exec::new(&args.threads)?;
    progress.phase(format!("extracting from {name}"));
    let context = format!("{name} --start {} --extent {}", args.start, args.extent);
    let (values, seconds) = exec
        .best_of(1, || match header.dtype {
            DType::F32 => decompress_region::<f32>(&stream, start, extent).map(AnyValues::F32),
            DType::F64 => decompress_region::<f64>(&stream, start, extent).map(AnyValues::F64),
            DType::U8 => Err(plume_core::Error::invalid("a label stream holds no float values")),
        })
        .map_err(|e| CliError::core(&context, &e))?;
    progress.phase(format!("writing {output}"));
    let region_bytes = io::write_field(&output, &values, &region)?;
    progress.finish();
    let throughput = mb_per_s(region_bytes, seconds);
    if args.json {
        return output::print_json(&ExtractJson {
            input: name,
            output: output.to_string(),
            dtype: header.dtype.as_str(),
            order: header.shape.order().as_str(),
            field_dims: header.shape.dims(),
            start,
            extent,
            n_values: values.len(),
            region_bytes,
            compressed_bytes: stream.len() as u64,
            seconds,
            mb_per_s: throughput,
            threads: exec.threads(),
        });
    }
    Table::new()
        .row(
            "input",
            format!(
                "{name} ({}, {}, order {})",
                header.dtype.as_str(),
                join(header.shape.dims(), "x"),
                header.shape.order().as_str()
            ),
        )
        .row("box", format!("start {} extent {}", join(start, ","), join(extent, ",")))
        .row("output", output.to_string())
        .row("region", output::bytes(region_bytes))
        .row("seconds", output::seconds(seconds, 1, exec.threads()))
        .row("throughput", format!("{} MB/s", output::num(throughput)))
        .print();
    Ok(())
}
