//! Fixed-length bit-packing (`fast` encoding). Layout of one block of `n` residuals:
//! `ceil(n/32)` width bytes (0..=32), then for each chunk of 32 zigzagged residuals
//! (the last one zero-padded) `width` little-endian u32 words holding value `j` at bits
//! `[j*width, (j+1)*width)` of the chunk. A chunk of zeros costs one byte.

use super::bits::BitWriter;
use super::{unzigzag, zigzag, ResidualEncoder};
use crate::error::Result;
use crate::format::ByteReader;

/// Values per chunk (one bit width each).
pub const CHUNK: usize = 32;

/// The `fast` residual encoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct BitPackEncoder;

impl ResidualEncoder for BitPackEncoder {
    fn encode(&self, residuals: &[i32], out: &mut Vec<u8>) {
        let n_chunks = residuals.len().div_ceil(CHUNK);
        let widths_at = out.len();
        out.resize(widths_at + n_chunks, 0);
        for (c, chunk) in residuals.chunks(CHUNK).enumerate() {
            let mut z = [0u32; CHUNK];
            let mut any = 0u32;
            for (zi, &r) in z.iter_mut().zip(chunk) {
                *zi = zigzag(r);
                any |= *zi;
            }
            let width = 32 - any.leading_zeros();
            out[widths_at + c] = width as u8;
            if width == 0 {
                continue;
            }
            // 32 values of `width` bits fill whole u32 words: `finish` adds no padding
            let mut bits = BitWriter::new(out);
            for &v in &z {
                bits.put(v, width);
            }
            bits.finish();
        }
    }

    fn decode(&self, input: &mut ByteReader<'_>, residuals: &mut [i32]) -> Result<()> {
        let n_chunks = residuals.len().div_ceil(CHUNK);
        let widths_at = input.offset();
        let widths = input.bytes(n_chunks)?;
        if let Some(i) = widths.iter().position(|&w| w > 32) {
            return Err(crate::error::Error::corrupt(
                "fast residuals",
                widths_at + i,
                format_args!("bit width {} > 32", widths[i]),
            ));
        }
        for (chunk, &w) in residuals.chunks_mut(CHUNK).zip(widths) {
            let width = w as u32;
            if width == 0 {
                chunk.fill(0);
                continue;
            }
            let words = input.bytes(4 * width as usize)?;
            let mask = if width == 32 { u32::MAX as u64 } else { (1u64 << width) - 1 };
            let mut words = words.chunks_exact(4);
            let mut acc = 0u64;
            let mut n_bits = 0u32;
            for r in chunk.iter_mut() {
                if n_bits < width {
                    let word = words.next().map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                    acc |= (word as u64) << n_bits;
                    n_bits += 32;
                }
                *r = unzigzag((acc & mask) as u32);
                acc >>= width;
                n_bits -= width;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(res: &[i32]) -> Vec<u8> {
        let mut out = vec![];
        BitPackEncoder.encode(res, &mut out);
        let mut back = vec![7; res.len()];
        BitPackEncoder.decode(&mut ByteReader::new(&out, 0, "test"), &mut back).unwrap();
        assert_eq!(back, res);
        out
    }

    #[test]
    fn roundtrips_every_width() {
        for w in 0..=32u32 {
            let res: Vec<i32> = (0..75)
                .map(|i| {
                    unzigzag(if w == 0 {
                        0
                    } else {
                        (u32::MAX >> (32 - w)).wrapping_sub(i % 3) & (u32::MAX >> (32 - w))
                    })
                })
                .collect();
            roundtrip(&res);
        }
        roundtrip(&[]);
        roundtrip(&[i32::MIN, i32::MAX, 0, -1]);
    }

    #[test]
    fn zero_chunks_cost_one_byte() {
        assert_eq!(roundtrip(&[0; 64]).len(), 2);
        // one chunk of +-1 needs width 2: 1 byte + 2 words
        assert_eq!(roundtrip(&[1, -1, 0, 1]).len(), 1 + 8);
    }

    #[test]
    fn truncation_and_bad_width_are_errors() {
        let mut out = vec![];
        BitPackEncoder.encode(&[5; 40], &mut out);
        let mut back = vec![0; 40];
        for cut in 0..out.len() {
            assert!(BitPackEncoder.decode(&mut ByteReader::new(&out[..cut], 0, "t"), &mut back).is_err());
        }
        out[0] = 40;
        let e = BitPackEncoder.decode(&mut ByteReader::new(&out, 100, "t"), &mut back).unwrap_err();
        assert!(e.message().contains("byte offset 100"), "{e}");
    }
}
