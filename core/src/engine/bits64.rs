//! Lossless f64 blocks (format version 4: quantizer 3 "bits" on an f64 stream, either
//! encoding; FORMAT.md "Lossless f64 blocks"). An f64 has 64 bits and codes are i32, so
//! these blocks skip quantization and the predictor byte and go their own way:
//!
//! 1. every value's bits `b` become a key in value order, centred so that `+0.0` is 0:
//!    `key = (b < 2^63 ? b | 2^63 : !b) - 2^63` (wrapping);
//! 2. the keys are Lorenzo-predicted in wrapping u64 arithmetic ([`lorenzo::forward`]);
//! 3. each residual `r` is split into `hi = (i64)r >> 32` (i32) and `lo = r mod 2^32`:
//!    on smooth data the high words are small and context-coded ([`ContextCoder`], no level
//!    contexts); the low words (mostly mantissa noise) are stored byte-plane by byte-plane
//!    (all first bytes, then all second bytes, ...) through one zstd frame.
//!
//! Payload: a coder byte, then for coder 0 (predicted) the context-coded high words
//! (`u32 n_bytes` + range coder bytes) and `u32 n_bytes` + a zstd frame of the `4 x
//! volume` shuffled low bytes; for coder 1 (raw) `u32 n_bytes` + a zstd frame of the
//! values' `8 x volume` bytes shuffled the same way (byte 0 of every value, then byte 1,
//! ...). The encoder keeps the smaller: data with exact repeats (zstd finds them) or values
//! that are not smooth do better raw.

use crate::encode::{ContextCoder, ResidualEncoder};
use crate::error::{Error, Result};
use crate::field::Element;
use crate::format::{ByteReader, FORMAT_VERSION};
use crate::lossless::{LosslessCodec, ZstdLossless};
use crate::predict::lorenzo;

const SIGN: u64 = 1 << 63;

/// The centred order key of f64 bits `b`.
#[inline(always)]
pub fn key_of_bits(b: u64) -> u64 {
    let key = if b & SIGN != 0 { !b } else { b | SIGN };
    key.wrapping_sub(SIGN)
}

/// The f64 bits of `key` (the inverse of [`key_of_bits`] for every u64).
#[inline(always)]
pub fn bits_of_key(key: u64) -> u64 {
    let k = key.wrapping_add(SIGN);
    if k & SIGN != 0 {
        k & !SIGN
    } else {
        !k
    }
}

/// Byte planes of little-endian words: byte `p` of word `i` at `p * n + i`.
fn shuffle<const W: usize>(words: impl ExactSizeIterator<Item = [u8; W]>) -> Vec<u8> {
    let n = words.len();
    let mut planes = vec![0u8; W * n];
    for (i, bytes) in words.enumerate() {
        for (p, byte) in bytes.into_iter().enumerate() {
            planes[p * n + i] = byte;
        }
    }
    planes
}

/// Word `i` of [`shuffle`]d planes holding `n` words.
#[inline(always)]
fn unshuffled<const W: usize>(planes: &[u8], n: usize, i: usize) -> [u8; W] {
    std::array::from_fn(|p| planes[p * n + i])
}

/// Appends `u32 n_bytes` + a zstd frame of `bytes`.
fn put_frame(bytes: &[u8], zstd_level: i32, out: &mut Vec<u8>) -> Result<()> {
    let mut frame = Vec::with_capacity(bytes.len() / 2);
    ZstdLossless { level: zstd_level }.compress(bytes, &mut frame)?;
    out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    out.extend_from_slice(&frame);
    Ok(())
}

/// Reads `u32 n_bytes` + a zstd frame that must decode to exactly `len` bytes.
fn get_frame(r: &mut ByteReader<'_>, len: usize) -> Result<Vec<u8>> {
    let frame_len = r.u32()? as usize;
    let at = r.offset();
    let bytes = ZstdLossless::default().decompress(r.bytes(frame_len)?, len, at)?;
    if bytes.len() != len {
        return Err(Error::corrupt(
            "lossless f64 block",
            at,
            format_args!("{} bytes in the frame, the block needs {len}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// Codes the block of `values` (C order, `extent` padded to 4 axes) into `out`: the
/// smaller of the predicted and the raw coding.
pub fn encode_block<T: Element>(
    values: &[T],
    extent: [usize; 4],
    zstd_level: i32,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut keys: Vec<u64> = values.iter().map(|v| key_of_bits(v.to_bits_u64())).collect();
    lorenzo::forward(&mut keys, &extent);
    let hi: Vec<i32> = keys.iter().map(|&r| ((r as i64) >> 32) as i32).collect();
    let mut predicted = vec![0u8];
    ContextCoder { extent, levels: false, version: FORMAT_VERSION, log_activity: false, segments: 1 }
        .encode(&hi, &mut predicted);
    put_frame(&shuffle(keys.iter().map(|&r| (r as u32).to_le_bytes())), zstd_level, &mut predicted)?;
    let mut raw = vec![1u8];
    put_frame(&shuffle(values.iter().map(|v| v.to_bits_u64().to_le_bytes())), zstd_level, &mut raw)?;
    out.extend_from_slice(if predicted.len() <= raw.len() { &predicted } else { &raw });
    Ok(())
}

/// Decodes a block payload of a stream of format `version` into its keys' bits (C order of
/// `extent`); errors name the byte offset (`at`: the payload's offset in the stream).
pub fn decode_block(
    stored: &[u8],
    at: usize,
    extent: [usize; 4],
    version: u16,
    bits: &mut Vec<u64>,
) -> Result<()> {
    let n: usize = extent.iter().product();
    let mut r = ByteReader::new(stored, at, "lossless f64 block");
    bits.clear();
    match r.u8()? {
        0 => {
            let mut hi = vec![0i32; n];
            ContextCoder { extent, levels: false, version, log_activity: false, segments: 1 }
                .decode(&mut r, &mut hi)?;
            let planes = get_frame(&mut r, 4 * n)?;
            bits.extend((0..n).map(|i| {
                let lo = u32::from_le_bytes(unshuffled(&planes, n, i));
                (((hi[i] as i64) << 32) as u64) | u64::from(lo)
            }));
            lorenzo::inverse(bits, &extent);
            for k in bits.iter_mut() {
                *k = bits_of_key(*k);
            }
        }
        1 => {
            let planes = get_frame(&mut r, 8 * n)?;
            bits.extend((0..n).map(|i| u64::from_le_bytes(unshuffled(&planes, n, i))));
        }
        c => return Err(Error::corrupt("lossless f64 block", at, format_args!("coder {c} is not defined"))),
    }
    if r.remaining() != 0 {
        return Err(Error::corrupt(
            "lossless f64 block",
            r.offset(),
            format_args!("{} bytes after the block's data", r.remaining()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ordered_and_invert() {
        let v = [f64::NEG_INFINITY, -2.5, -1e-310, -0.0, 0.0, 5e-324, 1.0, f64::MAX, f64::INFINITY];
        let k: Vec<u64> = v.iter().map(|x| key_of_bits(x.to_bits()).wrapping_add(SIGN)).collect();
        assert!(k.windows(2).all(|w| w[0] < w[1]), "{k:x?}");
        assert_eq!(key_of_bits(0.0f64.to_bits()), 0);
        for b in [0u64, 1, SIGN, u64::MAX, 0x7FF8_0000_0000_0001, 0x3FF0_0000_0000_0000] {
            assert_eq!(bits_of_key(key_of_bits(b)), b);
        }
    }

    #[test]
    fn blocks_round_trip_bit_for_bit_and_reject_damage() {
        let extent = [1, 3, 5, 7];
        let mut vals: Vec<f64> = (0..105).map(|i| (i as f64 * 0.37).sin() * 1e3 + 7.0).collect();
        vals[4] = f64::NAN;
        vals[5] = f64::from_bits(0x7FF0_0000_0000_0123); // a signalling NaN
        vals[6] = -0.0;
        vals[7] = 4e-320;
        vals[8] = f64::NEG_INFINITY;
        let mut out = Vec::new();
        encode_block(&vals, extent, 1, &mut out).expect("encodes");
        let mut bits = Vec::new();
        decode_block(&out, 0, extent, FORMAT_VERSION, &mut bits).expect("decodes");
        let want: Vec<u64> = vals.iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits, want);
        for cut in 0..out.len() {
            assert!(decode_block(&out[..cut], 0, extent, FORMAT_VERSION, &mut bits).is_err(), "cut {cut}");
        }
        let mut longer = out.clone();
        longer.push(0);
        assert!(decode_block(&longer, 0, extent, FORMAT_VERSION, &mut bits).is_err());
        // exact repeats: zstd on the raw bytes wins (coder 1); smooth data: prediction (0)
        let repeats: Vec<f64> = (0..105).map(|i| [0.1, 2.7, -3.3][i % 3]).collect();
        let smooth: Vec<f64> = (0..105).map(|i| 1.0 + 1e-3 * i as f64).collect();
        for (v, coder) in [(&repeats, 1u8), (&smooth, 0u8)] {
            let mut out = Vec::new();
            encode_block(v, extent, 1, &mut out).expect("encodes");
            assert_eq!(out[0], coder);
            decode_block(&out, 0, extent, FORMAT_VERSION, &mut bits).expect("decodes");
            assert!(bits.iter().zip(v.iter()).all(|(b, x)| *b == x.to_bits()));
        }
        let mut bad = out.clone();
        bad[0] = 2;
        assert!(decode_block(&bad, 0, extent, FORMAT_VERSION, &mut bits).is_err());
    }
}
