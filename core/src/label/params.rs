//! The labeler's thresholds: every number a rule uses, named, documented and defaulted.
//! The study never published its thresholds; these defaults are physical choices.

use serde::Serialize;

use super::mixture::Bilger;
use crate::error::{Error, Result};

/// How the reaction indicator that marks the flame zone is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlameRule {
    /// `Y_H2O >= h2o_frac * h2o_ref` (product mass fraction; the default).
    Product,
    /// `|grad Y_H2O| >= grad_h2o_min` (product gradient magnitude).
    Gradient,
    /// Both criteria.
    Both,
    /// Either criterion.
    Either,
}

impl FlameRule {
    /// Parses `product`, `gradient`, `both` or `either`.
    pub fn parse(s: &str) -> Result<FlameRule> {
        match s.to_ascii_lowercase().as_str() {
            "product" => Ok(FlameRule::Product),
            "gradient" => Ok(FlameRule::Gradient),
            "both" => Ok(FlameRule::Both),
            "either" => Ok(FlameRule::Either),
            other => Err(Error::invalid(format!(
                "flame_rule '{other}': expected product, gradient, both or either"
            ))),
        }
    }

    /// The name [`FlameRule::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            FlameRule::Product => "product",
            FlameRule::Gradient => "gradient",
            FlameRule::Both => "both",
            FlameRule::Either => "either",
        }
    }

    /// True when the rule needs `|grad Y_H2O|`.
    pub fn needs_gradient(self) -> bool {
        self != FlameRule::Product
    }
}

/// The thresholds of the five-class rule set (see the module docs of [`crate::label`]).
/// Gradients are per unit of the coordinates (per cell with unit spacing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelParams {
    /// Pure-stream margin on the mixture fraction: pure fuel where `Z >= 1 - eps_z`, pure
    /// air where `Z <= eps_z`. Default 0.01; must lie in `[0, 0.5)`.
    pub eps_z: f64,
    /// Reaction indicator: fraction of `h2o_ref` that `Y_H2O` must reach in the flame
    /// zone. Default 0.1; must be finite and >= 0.
    pub h2o_frac: f64,
    /// Reference water mass fraction of the reaction indicator. `Some(v)`: a fixed value,
    /// the same on every subdomain (default: the Burke-Schumann peak of the default
    /// streams, 0.2100, see [`Bilger::burke_schumann_peak_h2o`]); `None`: the maximum of
    /// the Y_H2O array handed to the labeler (the study's choice; it differs between
    /// subdomains, so subdomain labels then differ from whole-field labels).
    pub h2o_ref: Option<f64>,
    /// Gradient criterion of the reaction indicator: `|grad Y_H2O| >= grad_h2o_min`.
    /// Used by [`FlameRule::Gradient`], `Both` and `Either`. Default 0.01 (per unit of the
    /// coordinates); must be finite and >= 0.
    pub grad_h2o_min: f64,
    /// How the two criteria combine. Default [`FlameRule::Product`].
    pub flame_rule: FlameRule,
    /// Premixed where the normalised flame index `FI > fi_threshold`, non-premixed
    /// otherwise. Default 0 (Takeno's sign criterion); must lie in `[-1, 1]`.
    pub fi_threshold: f64,
    /// The flame-index guard: where `|grad Y_H2|` or `|grad Y_O2|` is below this, FI is
    /// undefined and the cell is non-premixed. Default 1e-9 (per unit of the coordinates);
    /// scale it with the grid when coordinates are physical. Must be finite and >= 0.
    pub fi_grad_min: f64,
}

impl Default for LabelParams {
    fn default() -> Self {
        LabelParams {
            eps_z: 0.01,
            h2o_frac: 0.1,
            h2o_ref: Some(Bilger::default().burke_schumann_peak_h2o()),
            grad_h2o_min: 0.01,
            flame_rule: FlameRule::Product,
            fi_threshold: 0.0,
            fi_grad_min: 1e-9,
        }
    }
}

impl LabelParams {
    /// The names [`LabelParams::set`] accepts.
    pub const NAMES: [&'static str; 7] =
        ["eps_z", "h2o_frac", "h2o_ref", "grad_h2o_min", "flame_rule", "fi_threshold", "fi_grad_min"];

    /// Sets the parameter `name` from text: a number, `field_max` for `h2o_ref` (its `None`),
    /// or a [`FlameRule`] name for `flame_rule`. Fails on an unknown name or a bad value;
    /// the result is validated.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let mut next = self.clone();
        next.set_unchecked(name, value)?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    fn set_unchecked(&mut self, name: &str, value: &str) -> Result<()> {
        let num = || {
            value.trim().parse::<f64>().map_err(|_| Error::invalid(format!("{name}={value}: not a number")))
        };
        match name {
            "eps_z" => self.eps_z = num()?,
            "h2o_frac" => self.h2o_frac = num()?,
            "h2o_ref" => {
                self.h2o_ref =
                    if value.trim().eq_ignore_ascii_case("field_max") { None } else { Some(num()?) }
            }
            "grad_h2o_min" => self.grad_h2o_min = num()?,
            "flame_rule" => self.flame_rule = FlameRule::parse(value.trim())?,
            "fi_threshold" => self.fi_threshold = num()?,
            "fi_grad_min" => self.fi_grad_min = num()?,
            other => {
                return Err(Error::invalid(format!(
                    "unknown labeler parameter '{other}' (known: {})",
                    Self::NAMES.join(", ")
                )))
            }
        }
        Ok(())
    }

    /// Sets one parameter from `NAME=VALUE` (as `plume label --set` and
    /// [`Self::settings`] write it; spaces around either part are ignored).
    pub fn set_item(&mut self, item: &str) -> Result<()> {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("labeler parameter '{item}': expected NAME=VALUE")))?;
        self.set(name.trim(), value.trim())
    }

    /// Every parameter as `NAME=VALUE`, in [`Self::NAMES`] order, such that [`Self::set_item`]
    /// with each restores these parameters exactly (floats in Rust's shortest round-trip
    /// form; `h2o_ref=field_max` for `None`).
    pub fn settings(&self) -> Vec<String> {
        let h2o_ref = self.h2o_ref.map_or("field_max".to_string(), |r| format!("{r:?}"));
        vec![
            format!("eps_z={:?}", self.eps_z),
            format!("h2o_frac={:?}", self.h2o_frac),
            format!("h2o_ref={h2o_ref}"),
            format!("grad_h2o_min={:?}", self.grad_h2o_min),
            format!("flame_rule={}", self.flame_rule.as_str()),
            format!("fi_threshold={:?}", self.fi_threshold),
            format!("fi_grad_min={:?}", self.fi_grad_min),
        ]
    }

    /// Checks every parameter's range; the error names the parameter.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &str, v: f64, ok: bool, range: &str| {
            if ok && !v.is_nan() {
                Ok(())
            } else {
                Err(Error::invalid(format!("labeler parameter {name} = {v}: must be {range}")))
            }
        };
        check("eps_z", self.eps_z, (0.0..0.5).contains(&self.eps_z), "in [0, 0.5)")?;
        check(
            "h2o_frac",
            self.h2o_frac,
            self.h2o_frac.is_finite() && self.h2o_frac >= 0.0,
            "finite and >= 0",
        )?;
        if let Some(r) = self.h2o_ref {
            check("h2o_ref", r, r.is_finite() && r > 0.0, "finite and > 0")?;
        }
        check(
            "grad_h2o_min",
            self.grad_h2o_min,
            self.grad_h2o_min.is_finite() && self.grad_h2o_min >= 0.0,
            "finite and >= 0",
        )?;
        check("fi_threshold", self.fi_threshold, (-1.0..=1.0).contains(&self.fi_threshold), "in [-1, 1]")?;
        check(
            "fi_grad_min",
            self.fi_grad_min,
            self.fi_grad_min.is_finite() && self.fi_grad_min >= 0.0,
            "finite and >= 0",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_set() {
        let mut p = LabelParams {
            eps_z: 0.1 / 3.0,
            h2o_ref: None,
            flame_rule: FlameRule::Either,
            ..Default::default()
        };
        p.fi_grad_min = 1.234_567_890_123e-7;
        let mut q = LabelParams::default();
        for s in p.settings() {
            q.set_item(&s).expect("valid");
        }
        assert!(q.set_item("eps_z").unwrap_err().to_string().contains("expected NAME=VALUE"));
        assert_eq!(p, q);
        assert_eq!(p.settings().len(), LabelParams::NAMES.len());
    }

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let p = LabelParams::default();
        p.validate().expect("valid");
        assert_eq!(p.eps_z, 0.01);
        assert!((p.h2o_ref.expect("fixed") - 0.21005).abs() < 1e-4);
    }

    #[test]
    fn set_by_name() {
        let mut p = LabelParams::default();
        p.set("eps_z", "0.02").expect("ok");
        assert_eq!(p.eps_z, 0.02);
        p.set("h2o_ref", "field_max").expect("ok");
        assert_eq!(p.h2o_ref, None);
        p.set("flame_rule", "either").expect("ok");
        assert_eq!(p.flame_rule, FlameRule::Either);
        for name in LabelParams::NAMES {
            let value = if name == "flame_rule" { "both" } else { "0.3" };
            p.set(name, value).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let e = p.set("nope", "1").expect_err("unknown");
        assert!(e.message().contains("nope"));
        let e = p.set("eps_z", "0.7").expect_err("range");
        assert!(e.message().contains("eps_z"));
        assert_eq!(p.eps_z, 0.3, "a failed set leaves the parameters unchanged");
        assert!(p.set("fi_threshold", "abc").is_err());
        assert!(p.set("h2o_ref", "0").is_err());
        assert!(p.set("fi_grad_min", "nan").is_err());
    }
}
