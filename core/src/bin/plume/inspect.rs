//! `plume inspect`: a stream's header and block table (the payloads are not decoded).

use std::path::PathBuf;

use clap::Args;
use plume_core::codec::inspect;
use plume_core::format::{Codebook, QuantizerParams, StreamLayout};
use plume_core::Order;
use serde::Serialize;

use crate::args::join;
use crate::error::{CliError, CliResult};
use crate::io;
use crate::output::{self, Table};

/// Arguments of `plume inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The stream file.
    #[arg(value_name = "STREAM")]
    pub stream: PathBuf,
    /// Also list every block: stream byte offset, stored length, CRC-32.
    #[arg(long)]
    pub blocks: bool,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// One block-table entry in the `--json --blocks` report.
#[derive(Debug, Serialize)]
struct BlockJson {
    /// Byte offset of the block from the start of the stream (`data_start` + the table's
    /// offset): the offset corruption errors name.
    offset: u64,
    /// Stored bytes.
    len: u64,
    /// CRC-32 (IEEE) of the stored bytes.
    crc32: u32,
}

/// The `--json` report of `plume inspect`.
#[derive(Debug, Serialize)]
struct InspectJson<'a> {
    version: u16,
    dtype: &'static str,
    dims: &'a [usize],
    order: &'static str,
    encoding: &'static str,
    mode: &'static str,
    bound: f64,
    quantizer: &'static str,
    abs_bound: Option<f64>,
    pw_rel_bound: Option<f64>,
    step: f64,
    offset: Option<f64>,
    lmin: Option<f64>,
    block_dims: Vec<usize>,
    n_blocks: usize,
    codebook_bytes: usize,
    /// "huffman" or "tables" (`ratio` streams with a codebook), else null.
    codebook_kind: Option<&'static str>,
    data_start: usize,
    stream_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocks: Option<Vec<BlockJson>>,
}

/// The quantizer's name and constants: (name, abs_bound, pw_rel_bound, step, offset, lmin).
type QuantizerRow = (&'static str, Option<f64>, Option<f64>, f64, Option<f64>, Option<f64>);

fn quantizer_row(q: &QuantizerParams) -> QuantizerRow {
    match *q {
        QuantizerParams::Linear { abs_bound, step, offset } => {
            ("linear", Some(abs_bound), None, step, Some(offset), None)
        }
        QuantizerParams::Log { rel_bound, step, lmin } => {
            ("log", None, Some(rel_bound), step, None, Some(lmin))
        }
        QuantizerParams::Bits => ("bits (lossless f32)", Some(0.0), None, 0.0, None, None),
    }
}

/// Block dims in the field's dims convention (the header stores them in storage order).
fn block_dims(layout: &StreamLayout) -> Vec<usize> {
    let stored = &layout.header.block_dims;
    match layout.header.shape.order() {
        Order::C => stored.clone(),
        Order::Fortran => stored.iter().rev().copied().collect(),
    }
}

/// Runs `plume inspect`.
pub fn run(args: &InspectArgs) -> CliResult<()> {
    let name = args.stream.display().to_string();
    let stream = io::read_bytes(&args.stream)?;
    let layout = inspect(&stream).map_err(|e| CliError::core(&name, &e))?;
    let h = &layout.header;
    let (quantizer, abs_bound, pw_rel_bound, step, offset, lmin) = quantizer_row(&h.quantizer);
    let blocks: Vec<BlockJson> = layout
        .blocks
        .iter()
        .map(|b| BlockJson { offset: layout.data_start as u64 + b.offset, len: b.len, crc32: b.crc32 })
        .collect();
    if args.json {
        return output::print_json(&InspectJson {
            version: h.version,
            dtype: h.dtype.as_str(),
            dims: h.shape.dims(),
            order: h.shape.order().as_str(),
            encoding: h.encoding.as_str(),
            mode: h.requested.mode().as_str(),
            bound: h.requested.value(),
            quantizer,
            abs_bound,
            pw_rel_bound,
            step,
            offset,
            lmin,
            block_dims: block_dims(&layout),
            n_blocks: layout.blocks.len(),
            codebook_bytes: layout.codebook_bytes,
            codebook_kind: codebook_kind(&layout),
            data_start: layout.data_start,
            stream_bytes: stream.len(),
            blocks: args.blocks.then_some(blocks),
        });
    }
    let mut t = Table::new();
    t.row("stream", name)
        .row("format version", h.version.to_string())
        .row("dtype", h.dtype.as_str())
        .row("dims", format!("{} (order {})", join(h.shape.dims(), "x"), h.shape.order().as_str()))
        .row("encoding", h.encoding.as_str())
        .row("bound", format!("{} {}", h.requested.mode().as_str(), h.requested.value()))
        .row("quantizer", quantizer);
    if let Some(eb) = abs_bound {
        t.row("  abs_bound", output::num(eb));
    }
    if let Some(p) = pw_rel_bound {
        t.row("  pw_rel_bound", output::num(p));
    }
    t.row("  step", output::num(step));
    if let Some(o) = offset {
        t.row("  offset", output::num(o));
    }
    if let Some(l) = lmin {
        t.row("  lmin", output::num(l));
    }
    t.row("block dims", join(&block_dims(&layout), "x"))
        .row("blocks", layout.blocks.len().to_string())
        .row(
            "codebook",
            match codebook_kind(&layout) {
                Some(kind) => format!("{} ({kind})", output::bytes(layout.codebook_bytes as u64)),
                None => output::bytes(layout.codebook_bytes as u64),
            },
        )
        .row("header", output::bytes(layout.data_start as u64))
        .row("stream", output::bytes(stream.len() as u64));
    t.print();
    if args.blocks {
        let mut text = format!("\n{:>8}  {:>14}  {:>12}  {:>8}\n", "block", "offset", "len", "crc32");
        for (i, b) in blocks.iter().enumerate() {
            text.push_str(&format!("{i:>8}  {:>14}  {:>12}  {:08x}\n", b.offset, b.len, b.crc32));
        }
        output::emit(&text);
    }
    Ok(())
}

/// What a `ratio` stream's codebook holds (none: every block context-coded, or another
/// encoding).
fn codebook_kind(layout: &StreamLayout) -> Option<&'static str> {
    layout.codebook.as_ref().map(|c| match c {
        Codebook::Huffman(_) => "huffman",
        Codebook::Tables(_) => "tables",
    })
}
