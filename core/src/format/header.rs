//! FORMAT.md sections 1-4: fixed header, codebook, block table, header checksum.

use super::{ByteReader, FORMAT_VERSION, MAGIC, MAX_BLOCK_VALUES, READABLE_VERSIONS};
use crate::bound::{BoundMode, ErrorBound};
use crate::encode::{ContextTables, HuffmanEncoder};
use crate::error::{Error, Result};
use crate::field::{DType, Order, Shape, MAX_DIMS};

/// Size of the fixed header in bytes.
pub const FIXED_HEADER_BYTES: usize = 128;
/// Size of one block-table entry in bytes.
pub const BLOCK_ENTRY_BYTES: usize = 20;

/// How residuals are entropy-coded, chosen per stream by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Fixed-length bit-packing per 32 residuals: fastest, GPU-identical.
    Fast,
    /// Canonical Huffman then zstd: best ratio.
    Ratio,
    /// Class ids (dtype u8, 0..=4) coded losslessly by a context-modelled binary range
    /// coder (format version 3). Only label streams use it
    /// ([`crate::label::compress_labels`]); a float field cannot be compressed with it.
    Labels,
}

impl Encoding {
    /// Stream code (FORMAT.md).
    pub fn code(self) -> u8 {
        match self {
            Encoding::Fast => 1,
            Encoding::Ratio => 2,
            Encoding::Labels => 3,
        }
    }
    /// `"fast"`, `"ratio"` or `"labels"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Fast => "fast",
            Encoding::Ratio => "ratio",
            Encoding::Labels => "labels",
        }
    }
    /// Parses `"fast"` or `"ratio"` (the encodings a field can ask for).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(Encoding::Fast),
            "ratio" => Ok(Encoding::Ratio),
            other => Err(Error::invalid(format!("encoding '{other}': expected fast or ratio"))),
        }
    }
}

/// The quantizer a stream was written with, with its exact constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuantizerParams {
    /// `x' = offset + code * step`, checked against `abs_bound`.
    Linear {
        /// The absolute bound every value meets.
        abs_bound: f64,
        /// Bin width (2 x abs_bound).
        step: f64,
        /// Value of code 0.
        offset: f64,
    },
    /// `x' = sign(code) 2^(lmin + (|code| - 1) step)`, code 0 = 0, checked against `rel_bound`.
    Log {
        /// The point-wise relative bound p.
        rel_bound: f64,
        /// Bin width in log2 units (2 log2(1 + p)).
        step: f64,
        /// log2 of the smallest magnitude.
        lmin: f64,
    },
    /// Lossless (version >= 4): f32 codes are the values' bit patterns in value order
    /// ([`crate::quantize::BitsQuantizer`]); f64 blocks have a layout of their own
    /// (`engine/bits64.rs`). `x' = x` bit for bit.
    Bits,
}

/// The decoded fixed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Format version of the stream.
    pub version: u16,
    /// Element type.
    pub dtype: DType,
    /// Shape as the caller gave it (dims and order).
    pub shape: Shape,
    /// Residual encoding.
    pub encoding: Encoding,
    /// The bound the caller asked for.
    pub requested: ErrorBound,
    /// The quantizer and its constants.
    pub quantizer: QuantizerParams,
    /// Block dims in storage order (slowest first as the data lies).
    pub block_dims: Vec<usize>,
}

/// One block-table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEntry {
    /// Offset of the block from the start of the data section.
    pub offset: u64,
    /// Stored bytes of the block.
    pub len: u64,
    /// CRC-32 (IEEE) of the stored bytes.
    pub crc32: u32,
}

/// A parsed stream: header, shared codebook, block table, and where the data starts.
#[derive(Debug, Clone)]
pub struct StreamLayout {
    /// The fixed header.
    pub header: Header,
    /// The residual code shared by the blocks (`ratio` encoding only).
    pub codebook: Option<Codebook>,
    /// Codebook size in bytes.
    pub codebook_bytes: usize,
    /// The block table, in block order.
    pub blocks: Vec<BlockEntry>,
    /// Stream offset of the data section.
    pub data_start: usize,
}

/// A `ratio` stream's codebook section (FORMAT.md section 2): from version 6 a kind byte,
/// then the Huffman code (kind 0, the only kind before version 6) or the tabled coder's
/// frequency tables (kind 1).
// one per stream: the variants' sizes do not matter
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Codebook {
    /// The canonical Huffman code of Huffman + zstd blocks.
    Huffman(HuffmanEncoder),
    /// The frequency tables of tabled blocks.
    Tables(ContextTables),
}

impl Codebook {
    /// Serialises the codebook of the current format version.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Codebook::Huffman(code) => {
                out.push(0);
                code.write_codebook(out);
            }
            Codebook::Tables(tables) => {
                out.push(1);
                tables.write(out);
            }
        }
    }

    /// Reads the codebook section of a stream of format `version`; it must be consumed
    /// exactly (version 6 on).
    pub fn read(r: &mut ByteReader<'_>, version: u16) -> Result<Self> {
        if version < 6 {
            return Ok(Codebook::Huffman(HuffmanEncoder::read_codebook(r)?));
        }
        let at = r.offset();
        let codebook = match r.u8()? {
            0 => Codebook::Huffman(HuffmanEncoder::read_codebook(r)?),
            1 => Codebook::Tables(ContextTables::read(r)?),
            k => {
                return Err(Error::corrupt("codebook", at, format_args!("codebook kind {k} is not defined")))
            }
        };
        if r.remaining() != 0 {
            return Err(r.error(format_args!("{} trailing bytes after the codebook", r.remaining())));
        }
        Ok(codebook)
    }
}

/// Block grid size per storage axis.
pub fn grid_dims(storage_dims: &[usize], block_dims: &[usize]) -> Vec<usize> {
    storage_dims.iter().zip(block_dims).map(|(&d, &b)| d.div_ceil(b)).collect()
}

impl Header {
    /// Serialises the fixed header, the codebook and the block table, then the checksum.
    pub fn write(&self, codebook: &[u8], blocks: &[BlockEntry], out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.push(match self.dtype {
            DType::F32 => 1,
            DType::F64 => 2,
            DType::U8 => 3,
        });
        out.push(match self.shape.order() {
            Order::C => 0,
            Order::Fortran => 1,
        });
        out.push(self.shape.dims().len() as u8);
        out.push(self.encoding.code());
        out.push(self.requested.mode() as u8);
        let (qcode, a, b, c) = match self.quantizer {
            QuantizerParams::Linear { abs_bound, step, offset } => (1u8, abs_bound, step, offset),
            QuantizerParams::Log { rel_bound, step, lmin } => (2u8, rel_bound, step, lmin),
            QuantizerParams::Bits => (3u8, 0.0, 0.0, 0.0),
        };
        out.push(qcode);
        out.extend_from_slice(&0u32.to_le_bytes());
        for axis in 0..MAX_DIMS {
            let d = self.shape.dims().get(axis).copied().unwrap_or(0) as u64;
            out.extend_from_slice(&d.to_le_bytes());
        }
        for axis in 0..MAX_DIMS {
            let d = self.block_dims.get(axis).copied().unwrap_or(0) as u64;
            out.extend_from_slice(&d.to_le_bytes());
        }
        for v in [self.requested.value(), a, b, c] {
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        out.extend_from_slice(&(blocks.len() as u64).to_le_bytes());
        out.extend_from_slice(&(codebook.len() as u64).to_le_bytes());
        debug_assert_eq!(out.len() - start, FIXED_HEADER_BYTES);
        out.extend_from_slice(codebook);
        for b in blocks {
            out.extend_from_slice(&b.offset.to_le_bytes());
            out.extend_from_slice(&b.len.to_le_bytes());
            out.extend_from_slice(&b.crc32.to_le_bytes());
        }
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }
}

impl StreamLayout {
    /// Parses and validates everything but the block payloads: magic, version, every
    /// field's range, the codebook, the block table (contiguous, inside the stream) and
    /// the header checksum. Errors name the section and byte offset.
    pub fn parse(stream: &[u8]) -> Result<Self> {
        let mut r = ByteReader::new(stream, 0, "header");
        let magic = r.bytes(4)?;
        if magic != MAGIC {
            return Err(Error::corrupt(
                "header",
                0,
                format_args!("magic {magic:02x?} is not \"PLUM\": not a Plume stream"),
            ));
        }
        let version = r.u16()?;
        if !READABLE_VERSIONS.contains(&version) {
            return Err(Error::unsupported(format!(
                "stream format version {version} (byte offset 4): this library (format {FORMAT_VERSION}) reads versions {READABLE_VERSIONS:?}"
            )));
        }
        let field_err = |at: usize, what: &str, v: u8| {
            Error::corrupt("header", at, format_args!("{what} code {v} is not defined"))
        };
        // Codes 3 (u8 class ids, the labels encoding) exist from version 3 on.
        let labels_defined = version >= 3;
        let dtype = match r.u8()? {
            1 => DType::F32,
            2 => DType::F64,
            3 if labels_defined => DType::U8,
            v => return Err(field_err(6, "dtype", v)),
        };
        let order = match r.u8()? {
            0 => Order::C,
            1 => Order::Fortran,
            v => return Err(field_err(7, "order", v)),
        };
        let ndims = r.u8()? as usize;
        if !(1..=MAX_DIMS).contains(&ndims) {
            return Err(Error::corrupt(
                "header",
                8,
                format_args!("{ndims} dimensions (1..={MAX_DIMS} allowed)"),
            ));
        }
        let encoding = match r.u8()? {
            1 => Encoding::Fast,
            2 => Encoding::Ratio,
            3 if labels_defined => Encoding::Labels,
            v => return Err(field_err(9, "encoding", v)),
        };
        if (dtype == DType::U8) != (encoding == Encoding::Labels) {
            return Err(Error::corrupt(
                "header",
                9,
                format_args!(
                    "encoding {} with dtype {}: u8 class ids go with the labels encoding only",
                    encoding.as_str(),
                    dtype.as_str()
                ),
            ));
        }
        let mode_code = r.u8()?;
        let mode = BoundMode::from_code(mode_code).ok_or_else(|| field_err(10, "bound mode", mode_code))?;
        let qcode = r.u8()?;
        let _reserved = r.u32()?;
        let mut dims = vec![0usize; MAX_DIMS];
        for (axis, d) in dims.iter_mut().enumerate() {
            *d = r.count(&format!("dim {axis}"), usize::MAX)?;
        }
        let mut block_dims = vec![0usize; MAX_DIMS];
        for (axis, d) in block_dims.iter_mut().enumerate() {
            *d = r.count(&format!("block dim {axis}"), MAX_BLOCK_VALUES)?;
        }
        if dims[ndims..].iter().chain(&block_dims[ndims..]).any(|&d| d != 0) {
            return Err(Error::corrupt("header", 16, "unused dim slots must be 0"));
        }
        dims.truncate(ndims);
        block_dims.truncate(ndims);
        let shape = Shape::new(&dims, order).map_err(|e| Error::corrupt("header", 16, e.message()))?;
        let block_volume = block_dims
            .iter()
            .try_fold(1usize, |acc, &b| acc.checked_mul(b).filter(|&v| v <= MAX_BLOCK_VALUES));
        if block_dims.contains(&0) || block_volume.is_none() {
            return Err(Error::corrupt(
                "header",
                48,
                format_args!("block dims {block_dims:?}: each >= 1, at most {MAX_BLOCK_VALUES} values"),
            ));
        }
        let requested_value = r.f64()?;
        let requested = match mode {
            BoundMode::Abs => ErrorBound::Abs(requested_value),
            BoundMode::Rel => ErrorBound::Rel(requested_value),
            BoundMode::PwRel => ErrorBound::PwRel(requested_value),
            BoundMode::Psnr => ErrorBound::Psnr(requested_value),
            BoundMode::TargetRatio => ErrorBound::TargetRatio(requested_value),
        };
        let (a, b, c) = (r.f64()?, r.f64()?, r.f64()?);
        let quantizer = match (qcode, mode) {
            (1, BoundMode::Abs | BoundMode::Rel | BoundMode::Psnr | BoundMode::TargetRatio) => {
                QuantizerParams::Linear { abs_bound: a, step: b, offset: c }
            }
            (2, BoundMode::PwRel) => QuantizerParams::Log { rel_bound: a, step: b, lmin: c },
            (3, BoundMode::Abs | BoundMode::Rel | BoundMode::Psnr | BoundMode::TargetRatio)
                if version >= 4
                    && matches!(dtype, DType::F32 | DType::F64)
                    && [a, b, c].iter().all(|v| v.to_bits() == 0) =>
            {
                QuantizerParams::Bits
            }
            _ => {
                return Err(field_err(
                    11,
                    "quantizer (for this bound mode, dtype and version; 3 needs f32 or f64, version >= 4, constants +0.0)",
                    qcode,
                ))
            }
        };
        if encoding == Encoding::Labels
            && (mode != BoundMode::Abs
                || requested_value.to_bits() != 0
                || [a, b, c].iter().any(|v| v.to_bits() != 0))
        {
            return Err(Error::corrupt(
                "header",
                10,
                "a label stream is lossless: bound mode ABS, quantizer linear, bound and constants +0.0",
            ));
        }
        if !(a.is_finite() && b.is_finite() && c.is_finite() && a >= 0.0 && b >= 0.0) {
            return Err(Error::corrupt(
                "header",
                88,
                format_args!("quantizer constants {a}, {b}, {c} must be finite and bound, step >= 0"),
            ));
        }
        let storage = shape.storage_dims();
        let expected_blocks =
            if shape.n_values() == 0 { 0 } else { grid_dims(&storage, &block_dims).iter().product() };
        let n_blocks = r.count("block count", stream.len() / BLOCK_ENTRY_BYTES)?;
        if n_blocks != expected_blocks {
            return Err(Error::corrupt(
                "header",
                112,
                format_args!("{n_blocks} blocks, the dims and block dims make {expected_blocks}"),
            ));
        }
        let codebook_bytes = r.count("codebook size", r.remaining())?;
        // ratio: a codebook unless (version >= 3) every block is context-coded
        let codebook_ok = match encoding {
            Encoding::Ratio => codebook_bytes > 0 || version >= 3,
            _ => codebook_bytes == 0,
        };
        if !codebook_ok {
            return Err(Error::corrupt(
                "header",
                120,
                "a codebook is present exactly for the ratio encoding (optional from version 3)",
            ));
        }
        let header = Header { version, dtype, shape, encoding, requested, quantizer, block_dims };
        r.set_section("codebook");
        let codebook_at = r.offset();
        let codebook_raw = r.bytes(codebook_bytes)?;
        r.set_section("block table");
        let mut blocks = Vec::with_capacity(n_blocks);
        let mut expected_offset = 0u64;
        for i in 0..n_blocks {
            let at = r.offset();
            let entry = BlockEntry { offset: r.u64()?, len: r.u64()?, crc32: r.u32()? };
            if entry.offset != expected_offset {
                return Err(Error::corrupt(
                    "block table",
                    at,
                    format_args!(
                        "block {i} starts at {}, expected {expected_offset} (blocks are contiguous)",
                        entry.offset
                    ),
                ));
            }
            expected_offset = entry
                .offset
                .checked_add(entry.len)
                .ok_or_else(|| Error::corrupt("block table", at, "block length overflows"))?;
            blocks.push(entry);
        }
        // lossless f64 blocks (engine/bits64.rs) have a layout of their own, in any encoding
        let bits64 = header.dtype == DType::F64 && header.quantizer == QuantizerParams::Bits;
        if encoding != Encoding::Ratio && !bits64 && n_blocks > 0 {
            // A fast block of V values holds at least its outlier count and V/32 widths, a
            // labels block at least the range coder's 5 bytes: refuse a table that claims
            // more values than its blocks can hold.
            let grid = crate::engine::grid::BlockGrid::new(&storage, &header.block_dims);
            for (i, entry) in blocks.iter().enumerate() {
                let min_len = match encoding {
                    Encoding::Fast => (version >= 2) as u64 + 4 + grid.block(i).volume().div_ceil(32) as u64,
                    _ => 5,
                };
                if entry.len < min_len {
                    let at = codebook_at + codebook_bytes + i * BLOCK_ENTRY_BYTES + 8;
                    return Err(Error::corrupt(
                        "block table",
                        at,
                        format_args!(
                            "block {i} holds {} bytes, its values need at least {min_len}",
                            entry.len
                        ),
                    ));
                }
            }
        }
        r.set_section("header checksum");
        let crc_at = r.offset();
        let stored_crc = r.u32()?;
        let crc = crc32fast::hash(&stream[..crc_at]);
        if crc != stored_crc {
            return Err(Error::corrupt("header checksum", crc_at, format_args!("CRC-32 {stored_crc:08x} stored, {crc:08x} computed: the header, codebook or block table is corrupt")));
        }
        let data_start = r.offset();
        let data_len = (stream.len() - data_start) as u64;
        if expected_offset != data_len {
            return Err(Error::corrupt("data", data_start, format_args!("blocks hold {expected_offset} bytes, the stream has {data_len} after the header (truncated or trailing bytes)")));
        }
        let codebook = if encoding == Encoding::Ratio && codebook_bytes > 0 {
            Some(Codebook::read(&mut ByteReader::new(codebook_raw, codebook_at, "codebook"), version)?)
        } else {
            None
        };
        Ok(StreamLayout { header, codebook, codebook_bytes, blocks, data_start })
    }

    /// The stored bytes of block `i` and their stream offset, checked against the CRC.
    pub fn block_bytes<'a>(&self, stream: &'a [u8], i: usize) -> Result<(&'a [u8], usize)> {
        let entry = self.blocks[i];
        let start = self.data_start + entry.offset as usize;
        let bytes = stream.get(start..start + entry.len as usize).ok_or_else(|| {
            Error::corrupt("block", start, format_args!("block {i} lies past the end of the stream"))
        })?;
        let crc = crc32fast::hash(bytes);
        if crc != entry.crc32 {
            return Err(Error::corrupt(
                "block",
                start,
                format_args!("block {i}: CRC-32 {:08x} stored, {crc:08x} computed", entry.crc32),
            ));
        }
        Ok((bytes, start))
    }
}
