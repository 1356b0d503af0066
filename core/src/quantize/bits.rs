//! Lossless quantization of f32 values (ABS or REL bound 0, format version >= 4): the code
//! of `x` is its bit pattern in value order, so that prediction and the context coder see
//! small residuals where neighbours are close, and every value (subnormals, `-0.0`, +-Inf,
//! any NaN payload) comes back bit for bit with no outlier.
//!
//! With `b` the 32 bits of `x`: `key = !b` when the sign bit is set, else `b | 2^31` (an
//! unsigned order of the values: more negative, smaller key); `code = key - 2^31` as i32
//! (wrapping). So `+0.0` is code 0, positive values have their own bit pattern as code, and
//! `code(-x) = -code(x) - 1`. The inverse is exact for every i32.

use super::Quantizer;
use crate::field::{DType, Element};

/// The lossless f32 quantizer; see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BitsQuantizer;

/// The code of f32 bit pattern `b`.
#[inline(always)]
pub fn code_of_bits(b: u32) -> i32 {
    let key = if b & 0x8000_0000 != 0 { !b } else { b | 0x8000_0000 };
    key.wrapping_sub(0x8000_0000) as i32
}

/// The f32 bit pattern of `code` (the inverse of [`code_of_bits`], for every i32).
#[inline(always)]
pub fn bits_of_code(code: i32) -> u32 {
    let key = (code as u32).wrapping_add(0x8000_0000);
    if key & 0x8000_0000 != 0 {
        key & 0x7FFF_FFFF
    } else {
        !key
    }
}

impl Quantizer for BitsQuantizer {
    /// Every f32 value has a code; other element types are refused (the codec uses this
    /// quantizer for f32 fields only).
    #[inline(always)]
    fn quantize<T: Element>(&self, x: T) -> (i32, bool) {
        if T::DTYPE != DType::F32 {
            return (0, false);
        }
        (code_of_bits(x.to_bits_u64() as u32), true)
    }

    #[inline(always)]
    fn reconstruct<T: Element>(&self, code: i32) -> T {
        T::from_bits_u64(u64::from(bits_of_code(code)))
    }

    fn context_coded(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_ordered_and_invert_every_bit_pattern() {
        let values = [f32::NEG_INFINITY, -3.5, -1e-40, -0.0, 0.0, 1e-45, 1.0, 3.5, f32::MAX, f32::INFINITY];
        let codes: Vec<i32> = values.iter().map(|v| code_of_bits(v.to_bits())).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        assert_eq!((code_of_bits(0.0f32.to_bits()), code_of_bits((-0.0f32).to_bits())), (0, -1));
        for b in (0..=u32::MAX).step_by(65_521).chain([0x7FC0_0001, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF]) {
            assert_eq!(bits_of_code(code_of_bits(b)), b, "{b:#x}");
        }
        for c in [i32::MIN, -1, 0, 1, i32::MAX] {
            assert_eq!(code_of_bits(bits_of_code(c)), c);
        }
        let q = BitsQuantizer;
        let nan = f32::from_bits(0x7FA0_0123); // a signalling NaN with a payload
        let (c, ok) = q.quantize(nan);
        assert!(ok);
        assert_eq!(q.reconstruct::<f32>(c).to_bits(), 0x7FA0_0123);
        assert!(!q.quantize(1.0f64).1, "f64 is not this quantizer's");
    }
}
