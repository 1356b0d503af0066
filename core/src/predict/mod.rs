//! Stage 2: prediction over integer codes. Predicting the *codes* (not the values) makes
//! prediction lossless and exactly invertible: the error comes from quantization alone.

pub mod closed_loop;
mod interp;
pub(crate) mod lorenzo;

pub use interp::{InterpOrder, InterpolationPredictor};
pub use lorenzo::LorenzoPredictor;

/// An exactly invertible integer predictor over one block of codes (C order, `dims`
/// slowest first). Both directions work in place.
pub trait Predictor: Sync + Send {
    /// Codes -> residuals.
    fn forward(&self, codes: &mut [i32], dims: &[usize]);
    /// Residuals -> codes. Never panics, whatever the residuals (arithmetic wraps).
    fn inverse(&self, residuals: &mut [i32], dims: &[usize]);
}

/// The predictor a block was coded with (FORMAT.md, block payload `predictor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PredictorKind {
    /// [`LorenzoPredictor`]
    Lorenzo = 1,
    /// [`InterpolationPredictor`], linear
    InterpLinear = 2,
    /// [`InterpolationPredictor`], cubic
    InterpCubic = 3,
    /// [`closed_loop`] cubic interpolation on reconstructed values (linear quantizer only).
    /// It quantizes as it predicts, so [`PredictorKind::forward`] and
    /// [`PredictorKind::inverse`] leave its codes alone: the engine calls
    /// [`closed_loop::encode`] and [`closed_loop::decode`] instead.
    ClosedLoopCubic = 4,
}

impl PredictorKind {
    /// From the stream code.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(PredictorKind::Lorenzo),
            2 => Some(PredictorKind::InterpLinear),
            3 => Some(PredictorKind::InterpCubic),
            4 => Some(PredictorKind::ClosedLoopCubic),
            _ => None,
        }
    }
    /// Whether this predictor works on values rather than codes ([`closed_loop`]).
    pub fn is_closed_loop(self) -> bool {
        self == PredictorKind::ClosedLoopCubic
    }
    /// Residuals -> codes with this predictor.
    pub fn inverse(self, residuals: &mut [i32], dims: &[usize]) {
        match self {
            PredictorKind::Lorenzo => LorenzoPredictor.inverse(residuals, dims),
            PredictorKind::InterpLinear => {
                InterpolationPredictor { order: InterpOrder::Linear }.inverse(residuals, dims)
            }
            PredictorKind::InterpCubic => {
                InterpolationPredictor { order: InterpOrder::Cubic }.inverse(residuals, dims)
            }
            PredictorKind::ClosedLoopCubic => {}
        }
    }
    /// Codes -> residuals with this predictor.
    pub fn forward(self, codes: &mut [i32], dims: &[usize]) {
        match self {
            PredictorKind::Lorenzo => LorenzoPredictor.forward(codes, dims),
            PredictorKind::InterpLinear => {
                InterpolationPredictor { order: InterpOrder::Linear }.forward(codes, dims)
            }
            PredictorKind::InterpCubic => {
                InterpolationPredictor { order: InterpOrder::Cubic }.forward(codes, dims)
            }
            PredictorKind::ClosedLoopCubic => {}
        }
    }
}

/// An estimate of the coded size of residuals in bits (bit length of each zigzagged
/// residual plus one): cheap, and ranks predictors like the entropy coder does.
pub fn estimated_bits(residuals: &[i32]) -> u64 {
    residuals.iter().map(|&r| (33 - crate::encode::zigzag(r).leading_zeros()) as u64).sum()
}
