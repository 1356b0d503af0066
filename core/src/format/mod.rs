//! The stream container, one file per FORMAT.md section: [`header`] (fixed header,
//! codebook, block table, checksum) and [`block`] (one block's payload). [`ByteReader`]
//! gives every decoding error a section name and a byte offset.

pub mod block;
pub mod header;
mod reader;

pub use header::{BlockEntry, Codebook, Encoding, Header, QuantizerParams, StreamLayout};
pub use reader::ByteReader;

/// The first four bytes of every stream.
pub const MAGIC: [u8; 4] = *b"PLUM";
/// The format version this library writes.
pub const FORMAT_VERSION: u16 = 7;
/// Versions this library reads (see FORMAT.md, "Compatibility policy").
pub const READABLE_VERSIONS: &[u16] = &[1, 2, 3, 4, 5, 6, 7];
/// Largest number of values in one block (block-local indices are u32).
pub const MAX_BLOCK_VALUES: usize = 1 << 24;
