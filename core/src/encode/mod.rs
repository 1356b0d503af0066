//! Stage 3: entropy coding of one block's prediction residuals.
//!
//! - [`BitPackEncoder`] (`fast` encoding): zigzag, one bit width per 32 residuals,
//!   fixed-length bit-packing laid out by prefix sums (GPU-friendly, byte-identical).
//! - [`HuffmanEncoder`] (`ratio` encoding): a canonical Huffman code shared by all blocks
//!   of a stream, with an escape for large residuals.
//! - [`ContextCoder`] (`ratio` encoding, version 3, low-entropy streams): residuals coded
//!   bit by bit with the range coder in contexts of neighbouring residuals and level.
//! - [`TabledCoder`] (`ratio` encoding, version 6, large PW_REL streams): per-context
//!   static frequency tables shared by the stream, tokens on rANS ([`rans`]) and raw bits
//!   ([`bits`], which the Huffman coder also writes its codes with).
//! - [`labels`] (`labels` encoding, label streams only): class ids coded by a context
//!   model over the adaptive binary range coder of [`range`].

mod bitpack;
pub mod bits;
mod context;
mod huffman;
pub mod labels;
pub mod range;
pub mod rans;
pub mod tabled;

pub use bitpack::BitPackEncoder;
pub(crate) use context::{segment_axis, segment_values, split_segments};
pub use context::{ContextCoder, COUNTED_MIN_VALUES};
pub use huffman::{Histogram, HuffmanEncoder};
pub use tabled::{ContextTables, TabledCoder, TokenCounts};

use crate::error::Result;
use crate::format::ByteReader;

/// Encodes and decodes the residuals of one block.
pub trait ResidualEncoder: Sync + Send {
    /// Appends the encoding of `residuals` to `out`.
    fn encode(&self, residuals: &[i32], out: &mut Vec<u8>);
    /// Decodes exactly `residuals.len()` values. Errors name the byte offset; never panics.
    fn decode(&self, input: &mut ByteReader<'_>, residuals: &mut [i32]) -> Result<()>;
}

/// Maps a signed residual to an unsigned one, small magnitudes to small numbers.
#[inline(always)]
pub fn zigzag(r: i32) -> u32 {
    ((r << 1) ^ (r >> 31)) as u32
}

/// Inverse of [`zigzag`].
#[inline(always)]
pub fn unzigzag(z: u32) -> i32 {
    ((z >> 1) as i32) ^ -((z & 1) as i32)
}

/// A small deterministic generator for tests (xorshift64*).
#[cfg(test)]
pub(crate) fn test_rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.max(1);
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Encodes `residuals` with `coder`, checks that they decode back from exactly those bytes,
/// and returns the bytes.
#[cfg(test)]
pub(crate) fn assert_round_trip(coder: &impl ResidualEncoder, residuals: &[i32]) -> Vec<u8> {
    let mut out = Vec::new();
    coder.encode(residuals, &mut out);
    let mut back = vec![7; residuals.len()];
    let mut r = ByteReader::new(&out, 0, "test");
    coder.decode(&mut r, &mut back).expect("decodes");
    assert_eq!(r.remaining(), 0, "bytes left over");
    assert_eq!(back, residuals);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn zigzag_roundtrip() {
        for r in [0, 1, -1, 2, -2, i32::MAX, i32::MIN, 12345, -98765] {
            assert_eq!(unzigzag(zigzag(r)), r);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }
}
