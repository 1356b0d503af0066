//! Error-bound modes: what the caller asks for ([`ErrorBound`]) and the exact arithmetic
//! that turns it into a bound every value is checked against.

use crate::error::{Error, Result};

/// The error bound a caller asks for. Every mode holds for every finite value; NaN and
/// +-Inf always come back bit for bit. New modes may be added (non-exhaustive).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorBound {
    /// `|x - x'| <= eb` for every value.
    Abs(f64),
    /// `|x - x'| <= rel * (max - min)`, the range taken over the finite values of the field.
    Rel(f64),
    /// Point-wise relative: `|x - x'| <= p * |x|`; exact zeros stay exactly zero and the
    /// sign of every nonzero value is kept.
    PwRel(f64),
    /// The achieved PSNR (value-range based, in dB) is at least this target.
    Psnr(f64),
    /// "Give me this compression ratio": the encoder finds, by bisection on a sample of
    /// the field, the absolute bound that reaches it, and guarantees that bound (reported,
    /// and stored in the stream). The final ratio is close to the target, not exact.
    TargetRatio(f64),
}

/// The stream code of a bound mode (FORMAT.md, header field `bound_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BoundMode {
    /// [`ErrorBound::Abs`]
    Abs = 1,
    /// [`ErrorBound::Rel`]
    Rel = 2,
    /// [`ErrorBound::PwRel`]
    PwRel = 3,
    /// [`ErrorBound::Psnr`]
    Psnr = 4,
    /// [`ErrorBound::TargetRatio`]
    TargetRatio = 5,
}

impl BoundMode {
    /// From the stream code.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(BoundMode::Abs),
            2 => Some(BoundMode::Rel),
            3 => Some(BoundMode::PwRel),
            4 => Some(BoundMode::Psnr),
            5 => Some(BoundMode::TargetRatio),
            _ => None,
        }
    }
    /// `"abs"`, `"rel"`, `"pw_rel"`, `"psnr"` or `"target_ratio"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BoundMode::Abs => "abs",
            BoundMode::Rel => "rel",
            BoundMode::PwRel => "pw_rel",
            BoundMode::Psnr => "psnr",
            BoundMode::TargetRatio => "target_ratio",
        }
    }
}

impl ErrorBound {
    /// Builds a bound from a mode name (`abs`, `rel`, `pw_rel`, `psnr`) and its value;
    /// the value must be finite and >= 0 (PSNR: finite, > 0).
    pub fn parse(mode: &str, value: f64) -> Result<Self> {
        let bound = match mode.to_ascii_lowercase().as_str() {
            "abs" => ErrorBound::Abs(value),
            "rel" | "vr_rel" => ErrorBound::Rel(value),
            "pw_rel" | "pwrel" | "pw-rel" => ErrorBound::PwRel(value),
            "psnr" => ErrorBound::Psnr(value),
            "target_ratio" | "target-ratio" => ErrorBound::TargetRatio(value),
            other => {
                return Err(Error::invalid(format!(
                    "bound mode '{other}': expected abs, rel, pw_rel, psnr or target_ratio"
                )))
            }
        };
        bound.validate()?;
        Ok(bound)
    }

    /// Checks the value: finite and >= 0; PW_REL below 1; PSNR above 0.
    pub fn validate(&self) -> Result<()> {
        let (mode, v) = (self.mode().as_str(), self.value());
        if !v.is_finite() || v < 0.0 {
            return Err(Error::invalid(format!("{mode} bound {v}: must be a finite number >= 0")));
        }
        match self {
            ErrorBound::PwRel(p) if *p >= 1.0 => Err(Error::invalid(format!(
                "pw_rel bound {p}: must be below 1 (a point-wise relative error of 100% or more loses the value)"
            ))),
            ErrorBound::Psnr(t) if *t <= 0.0 => {
                Err(Error::invalid(format!("psnr target {t} dB: must be > 0")))
            }
            ErrorBound::TargetRatio(r) if *r <= 1.0 => {
                Err(Error::invalid(format!("target ratio {r}: must be > 1")))
            }
            _ => Ok(()),
        }
    }

    /// The mode.
    pub fn mode(&self) -> BoundMode {
        match self {
            ErrorBound::Abs(_) => BoundMode::Abs,
            ErrorBound::Rel(_) => BoundMode::Rel,
            ErrorBound::PwRel(_) => BoundMode::PwRel,
            ErrorBound::Psnr(_) => BoundMode::Psnr,
            ErrorBound::TargetRatio(_) => BoundMode::TargetRatio,
        }
    }

    /// The value as given.
    pub fn value(&self) -> f64 {
        match *self {
            ErrorBound::Abs(v)
            | ErrorBound::Rel(v)
            | ErrorBound::PwRel(v)
            | ErrorBound::Psnr(v)
            | ErrorBound::TargetRatio(v) => v,
        }
    }

    /// The absolute bound of a linear mode for a field whose finite values span
    /// `value_range` (= max - min): ABS as is, REL times the range, PSNR from the target
    /// assuming a uniform error (the encoder then checks the PSNR it reached).
    /// Not defined for PW_REL and TargetRatio (returns `None`).
    pub fn abs_bound(&self, value_range: f64) -> Option<f64> {
        match *self {
            ErrorBound::Abs(eb) => Some(eb),
            ErrorBound::Rel(rel) => Some(rel * value_range),
            ErrorBound::Psnr(db) => Some(value_range * 10f64.powf(-db / 20.0) * 3f64.sqrt()),
            ErrorBound::PwRel(_) | ErrorBound::TargetRatio(_) => None,
        }
    }
}

/// Safety factor applied to every bound the encoder checks against, so that any
/// independent checker evaluating `|x - x'| <= eb` in f64 (with its own rounding) agrees.
pub const CHECK_MARGIN: f64 = 1.0 - 1.0 / (1u64 << 44) as f64;

/// True when `x'` is within `abs_bound` of `x`, evaluated in f64 with [`CHECK_MARGIN`].
/// NaN on either side is never within.
#[inline(always)]
pub fn within_abs(x: f64, x_rec: f64, abs_bound: f64) -> bool {
    (x - x_rec).abs() <= abs_bound * CHECK_MARGIN
}

/// True when `x'` is within `p * |x|` of `x` (point-wise relative), with [`CHECK_MARGIN`].
#[inline(always)]
pub fn within_pw_rel(x: f64, x_rec: f64, p: f64) -> bool {
    (x - x_rec).abs() <= p * x.abs() * CHECK_MARGIN
}

/// PSNR in dB from the value range and the mean squared error (SZ's definition);
/// `+inf` when the error is zero.
pub fn psnr_db(value_range: f64, mse: f64) -> f64 {
    if mse <= 0.0 {
        f64::INFINITY
    } else {
        20.0 * value_range.log10() - 10.0 * mse.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_bad_values_and_names_them() {
        let err = ErrorBound::parse("abs", -1.0).unwrap_err();
        assert!(err.message().contains("-1"), "{err}");
        assert!(ErrorBound::parse("pw_rel", 1.5).is_err());
        assert!(ErrorBound::parse("psnr", 0.0).is_err());
        assert!(ErrorBound::parse("abs", f64::NAN).is_err());
        let err = ErrorBound::parse("l2", 1.0).unwrap_err();
        assert!(err.message().contains("l2"));
        assert_eq!(ErrorBound::parse("REL", 1e-3).unwrap(), ErrorBound::Rel(1e-3));
    }

    #[test]
    fn abs_bound_of_each_mode() {
        assert_eq!(ErrorBound::Abs(0.5).abs_bound(10.0), Some(0.5));
        assert_eq!(ErrorBound::Rel(0.01).abs_bound(10.0), Some(0.1));
        assert_eq!(ErrorBound::PwRel(0.01).abs_bound(10.0), None);
        // A uniform error in [-eb, eb] has mse eb^2/3: that PSNR equals the target.
        let eb = ErrorBound::Psnr(60.0).abs_bound(2.0).unwrap();
        assert!((psnr_db(2.0, eb * eb / 3.0) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn margins_are_strict() {
        assert!(within_abs(1.0, 1.5, 0.5000001));
        assert!(!within_abs(1.0, 1.5, 0.5));
        assert!(!within_abs(f64::NAN, 1.0, 1.0));
        assert!(within_pw_rel(100.0, 101.0, 0.0100001));
        assert!(!within_pw_rel(0.0, 1e-300, 0.5));
    }
}
