//! Stage 4: a lossless pass over each encoded block (`ratio` encoding only).

mod zstd;

pub use self::zstd::ZstdLossless;

use crate::error::Result;

/// A general-purpose lossless byte codec.
pub trait LosslessCodec: Sync + Send {
    /// Appends the compressed form of `input` to `out`.
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) -> Result<()>;
    /// Decompresses `input`, refusing output longer than `max_len` bytes (what the block
    /// can justify). `at` is the stream offset of `input`, for errors.
    fn decompress(&self, input: &[u8], max_len: usize, at: usize) -> Result<Vec<u8>>;
}
