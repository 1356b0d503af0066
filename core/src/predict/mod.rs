//! Stage 2: prediction over integer codes. Predicting the *codes* (not the values) makes
//! prediction lossless and exactly invertible: the error comes from quantization alone.

mod lorenzo;

pub use lorenzo::LorenzoPredictor;

/// An exactly invertible integer predictor over one block of codes (C order, `dims`
/// slowest first). Both directions work in place.
pub trait Predictor: Sync + Send {
    /// Codes -> residuals.
    fn forward(&self, codes: &mut [i32], dims: &[usize]);
    /// Residuals -> codes. Never panics, whatever the residuals (arithmetic wraps).
    fn inverse(&self, residuals: &mut [i32], dims: &[usize]);
}
