//! Stage 1: quantization. A quantizer maps a value to an integer code whose
//! reconstruction is within the error bound, or refuses it (an *outlier*, stored
//! losslessly by the caller). The encoder reconstructs each value exactly as the decoder
//! will and checks the bound on that reconstruction, so the bound holds for every value.

mod bits;
mod linear;
mod log;

pub use bits::BitsQuantizer;
pub use linear::LinearQuantizer;
pub use log::LogQuantizer;

use crate::field::Element;

/// Largest |code| a quantizer emits; a larger one makes the value an outlier. With at
/// most 4 Lorenzo difference passes, residuals stay below 2^30 and fit an i32 exactly.
pub const Q_MAX: i32 = 1 << 26;

/// A value's quantization: an integer code and its exact reconstruction.
pub trait Quantizer: Sync + Send {
    /// The code of `x` and whether it may be used: `false` (code 0) when `x` must be
    /// stored losslessly: NaN/Inf, a code beyond [`Q_MAX`], or a reconstruction that
    /// misses the bound. Branch-free where possible, so that runs vectorise.
    fn quantize<T: Element>(&self, x: T) -> (i32, bool);
    /// The value the decoder reconstructs from `code`.
    fn reconstruct<T: Element>(&self, code: i32) -> T;
    /// This quantizer as a linear one, for the closed-loop predictor (`None` for others).
    fn as_linear(&self) -> Option<&LinearQuantizer> {
        None
    }
    /// Whether `ratio` always codes this quantizer's residuals with the context coder:
    /// [`BitsQuantizer`]'s are bit-pattern differences, wide and many-valued, which its
    /// bit-length binarisation codes well and Huffman (with escapes) would not.
    fn context_coded(&self) -> bool {
        false
    }
}

/// Quantizes one contiguous run of values (`first_index` is the block-local index of
/// `values[0]`). Outliers get code 0 and are pushed as (block-local index, value), in
/// increasing index order.
#[inline]
pub fn quantize_run<T: Element, Q: Quantizer>(
    quantizer: &Q,
    values: &[T],
    codes: &mut [i32],
    first_index: u32,
    outliers: &mut Vec<(u32, T)>,
) {
    let mut all_ok = true;
    for (&x, code) in values.iter().zip(codes.iter_mut()) {
        let (q, ok) = quantizer.quantize(x);
        *code = q;
        all_ok &= ok;
    }
    if !all_ok {
        for (i, &x) in values.iter().enumerate() {
            if !quantizer.quantize(x).1 {
                outliers.push((first_index + i as u32, x));
            }
        }
    }
}
