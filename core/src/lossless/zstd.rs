//! zstd (one frame per block, content size recorded in the frame).

use super::LosslessCodec;
use crate::error::{Error, Result};

/// zstd at a fixed level.
#[derive(Debug, Clone, Copy)]
pub struct ZstdLossless {
    /// Compression level (1 is fast; 3 is zstd's default).
    pub level: i32,
}

impl Default for ZstdLossless {
    fn default() -> Self {
        ZstdLossless { level: 1 }
    }
}

impl LosslessCodec for ZstdLossless {
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let frame = zstd::bulk::compress(input, self.level)
            .map_err(|e| Error::new(crate::ErrorKind::Io, format!("zstd compression failed: {e}")))?;
        out.extend_from_slice(&frame);
        Ok(())
    }

    fn decompress(&self, input: &[u8], max_len: usize, at: usize) -> Result<Vec<u8>> {
        // Allocate what the frame declares, never more than the block can justify.
        let declared = match zstd::zstd_safe::get_frame_content_size(input) {
            Ok(Some(n)) if n <= max_len as u64 => n as usize,
            Ok(Some(n)) => {
                return Err(Error::corrupt(
                    "zstd block",
                    at,
                    format_args!("frame declares {n} bytes, the block allows {max_len}"),
                ))
            }
            _ => return Err(Error::corrupt("zstd block", at, "no valid zstd frame header")),
        };
        zstd::bulk::decompress(input, declared)
            .map_err(|e| Error::corrupt("zstd block", at, format_args!("{e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn roundtrip_and_limit() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 7) as u8).collect();
        let mut z = vec![];
        ZstdLossless::default().compress(&data, &mut z).unwrap();
        assert_eq!(ZstdLossless::default().decompress(&z, data.len(), 0).unwrap(), data);
        assert!(ZstdLossless::default().decompress(&z, 100, 0).is_err());
        assert!(ZstdLossless::default().decompress(&z[..z.len() / 2], data.len(), 0).is_err());
    }
}
