//! FORMAT.md section 5: one block's payload (before the `ratio` encoding's zstd pass).
//!
//! (version >= 2) `u8 predictor`; `u32 n_outliers`, `n_outliers` x `u32` block-local
//! indices (strictly increasing), `n_outliers` raw values (4 or 8 bytes, LE IEEE bits),
//! then the encoded residuals. Version 1 has no predictor byte (always Lorenzo).

use super::ByteReader;
use crate::encode::ResidualEncoder;
use crate::error::{Error, Result};
use crate::field::Element;
use crate::predict::PredictorKind;

/// Appends a block payload (current version): predictor, outliers, then `residuals`
/// through `encoder`.
pub fn write_payload<T: Element, E: ResidualEncoder>(
    predictor: PredictorKind,
    outliers: &[(u32, T)],
    encoder: &E,
    residuals: &[i32],
    out: &mut Vec<u8>,
) {
    out.push(predictor as u8);
    out.extend_from_slice(&(outliers.len() as u32).to_le_bytes());
    for &(i, _) in outliers {
        out.extend_from_slice(&i.to_le_bytes());
    }
    for &(_, v) in outliers {
        out.extend_from_slice(&v.to_bits_u64().to_le_bytes()[..std::mem::size_of::<T>()]);
    }
    encoder.encode(residuals, out);
}

/// Reads a block payload of stream format `version` with `residuals.len()` values;
/// outliers are appended to `outliers`; returns the block's predictor. Every index is
/// checked, and the payload must be consumed exactly.
pub fn read_payload<T: Element, E: ResidualEncoder>(
    r: &mut ByteReader<'_>,
    version: u16,
    encoder: &E,
    residuals: &mut [i32],
    outliers: &mut Vec<(u32, T)>,
) -> Result<PredictorKind> {
    let predictor = if version >= 2 {
        let at = r.offset();
        let code = r.u8()?;
        let predictor = PredictorKind::from_code(code).ok_or_else(|| {
            Error::corrupt("block predictor", at, format_args!("predictor code {code} is not defined"))
        })?;
        if predictor.is_closed_loop() && version < 3 {
            return Err(Error::corrupt(
                "block predictor",
                at,
                format_args!("predictor code {code} is not defined in format version {version}"),
            ));
        }
        predictor
    } else {
        PredictorKind::Lorenzo
    };
    let volume = residuals.len();
    let n_at = r.offset();
    let n = r.u32()? as usize;
    let size = std::mem::size_of::<T>();
    if n > volume || n * (4 + size) > r.remaining() {
        return Err(Error::corrupt(
            "block outliers",
            n_at,
            format_args!("{n} outliers in a block of {volume} values"),
        ));
    }
    let idx_at = r.offset();
    let indices = r.bytes(4 * n)?;
    let values = r.bytes(size * n)?;
    let mut prev: Option<u32> = None;
    for (k, (ib, vb)) in indices.chunks_exact(4).zip(values.chunks_exact(size)).enumerate() {
        let i = u32::from_le_bytes([ib[0], ib[1], ib[2], ib[3]]);
        if i as usize >= volume || prev.is_some_and(|p| i <= p) {
            return Err(Error::corrupt(
                "block outliers",
                idx_at + 4 * k,
                format_args!("index {i}: must increase and be below {volume}"),
            ));
        }
        prev = Some(i);
        let mut raw = [0u8; 8];
        raw[..size].copy_from_slice(vb);
        outliers.push((i, T::from_bits_u64(u64::from_le_bytes(raw))));
    }
    r.set_section("block residuals");
    encoder.decode(r, residuals)?;
    if r.remaining() != 0 {
        return Err(r.error(format_args!("{} trailing bytes after the residuals", r.remaining())));
    }
    Ok(predictor)
}
