//! Bilger's mixture fraction from species mass fractions (no carbon in H2/air, but carbon is
//! handled): `beta = 2 Z_C / W_C + Z_H / (2 W_H) - Z_O / W_O` over the element mass fractions
//! `Z_e = sum_k n_ek W_e / W_k Y_k`, and `Z = (beta - beta_ox) / (beta_fuel - beta_ox)`.
//!
//! `beta` is linear in the species mass fractions, so `Z = z_offset + sum_k a_k Y_k` with one
//! coefficient `a_k` per species ([`Bilger::z_coefficient`]): the labeler evaluates Z cell by
//! cell with a handful of multiply-adds and no allocation.

use serde::Serialize;

use crate::error::{Error, Result};

/// Atomic weights (g/mol) of the elements a species formula may use.
const ELEMENTS: [(&str, f64); 6] =
    [("AR", 39.948), ("HE", 4.0026), ("C", 12.011), ("H", 1.008), ("O", 15.999), ("N", 14.007)];

/// A chemical species parsed from its formula (`H2`, `O2`, `H2O`, `OH`, `HO2`, `H2O2`, `N2`,
/// `AR`, `CH4`, ...; element symbols case-insensitive, two-letter symbols `Ar`, `He` first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Species {
    /// The name as given.
    pub name: String,
    /// Carbon atoms per molecule.
    pub n_c: u32,
    /// Hydrogen atoms per molecule.
    pub n_h: u32,
    /// Oxygen atoms per molecule.
    pub n_o: u32,
    /// Molar mass in g/mol.
    pub molar_mass: f64,
}

impl Species {
    /// Parses a formula; fails on an empty name, an unknown element or a count of 0.
    pub fn parse(name: &str) -> Result<Species> {
        let upper = name.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        let bad = |what: &str| Error::invalid(format!("species '{name}': {what}"));
        if bytes.is_empty() {
            return Err(bad("empty formula"));
        }
        let (mut n_c, mut n_h, mut n_o, mut w) = (0u32, 0u32, 0u32, 0.0f64);
        let mut i = 0;
        while i < bytes.len() {
            let rest = &upper[i..];
            let (symbol, weight) = ELEMENTS
                .iter()
                .find(|(s, _)| rest.starts_with(s))
                .ok_or_else(|| bad(&format!("unknown element at '{rest}' (known: Ar He C H O N)")))?;
            i += symbol.len();
            let digits = upper[i..].bytes().take_while(u8::is_ascii_digit).count();
            let count = if digits == 0 {
                1
            } else {
                upper[i..i + digits].parse::<u32>().map_err(|_| bad("atom count out of range"))?
            };
            if count == 0 {
                return Err(bad("atom count 0"));
            }
            i += digits;
            match *symbol {
                "C" => n_c += count,
                "H" => n_h += count,
                "O" => n_o += count,
                _ => {}
            }
            w += weight * count as f64;
        }
        Ok(Species { name: name.trim().to_string(), n_c, n_h, n_o, molar_mass: w })
    }

    /// This species' contribution to Bilger's `beta` per unit mass fraction:
    /// `(2 n_C + n_H / 2 - n_O) / W_k` (mol/g). The element weights cancel:
    /// `Z_e / W_e = n_e Y_k / W_k`.
    pub fn beta_per_mass_fraction(&self) -> f64 {
        (2.0 * self.n_c as f64 + 0.5 * self.n_h as f64 - self.n_o as f64) / self.molar_mass
    }
}

/// The composition of a stream: species and their mass fractions (which must be finite,
/// non-negative, and sum to 1 within 1e-3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Composition {
    /// Species and mass fractions.
    pub species: Vec<(Species, f64)>,
}

impl Composition {
    /// A composition from `(formula, mass fraction)` pairs.
    pub fn new(mass_fractions: &[(&str, f64)]) -> Result<Composition> {
        let mut species = Vec::with_capacity(mass_fractions.len());
        for &(name, y) in mass_fractions {
            if !y.is_finite() || y < 0.0 {
                return Err(Error::invalid(format!(
                    "stream composition: mass fraction of {name} is {y}, must be finite and >= 0"
                )));
            }
            species.push((Species::parse(name)?, y));
        }
        let sum: f64 = species.iter().map(|(_, y)| y).sum();
        if (sum - 1.0).abs() > 1e-3 {
            return Err(Error::invalid(format!(
                "stream composition {mass_fractions:?}: mass fractions sum to {sum}, not 1"
            )));
        }
        Ok(Composition { species })
    }

    /// The study's fuel: H2:N2 = 65:35 by volume, `Y_H2 = 0.11789`, the rest N2.
    pub fn h2_n2_fuel() -> Composition {
        Composition::new(&[("H2", 0.11789), ("N2", 1.0 - 0.11789)]).expect("valid built-in composition")
    }

    /// Air: `Y_O2 = 0.233`, the rest N2.
    pub fn air() -> Composition {
        Composition::new(&[("O2", 0.233), ("N2", 1.0 - 0.233)]).expect("valid built-in composition")
    }

    /// Bilger's `beta` of the stream.
    pub fn beta(&self) -> f64 {
        self.species.iter().map(|(s, y)| s.beta_per_mass_fraction() * y).sum()
    }

    /// The mass fraction of the species named `name` (case-insensitive), 0 when absent.
    pub fn mass_fraction(&self, name: &str) -> f64 {
        self.species.iter().filter(|(s, _)| s.name.eq_ignore_ascii_case(name)).map(|(_, y)| y).sum()
    }
}

/// Bilger's mixture fraction for a fuel and an oxidizer stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bilger {
    /// The fuel stream (Z = 1).
    pub fuel: Composition,
    /// The oxidizer stream (Z = 0).
    pub oxidizer: Composition,
    beta_fuel: f64,
    beta_oxidizer: f64,
}

impl Default for Bilger {
    /// The study's streams: [`Composition::h2_n2_fuel`] and [`Composition::air`].
    fn default() -> Self {
        Bilger::new(Composition::h2_n2_fuel(), Composition::air()).expect("valid built-in streams")
    }
}

impl Bilger {
    /// Fails when the two streams have the same `beta` (Z would be undefined).
    pub fn new(fuel: Composition, oxidizer: Composition) -> Result<Bilger> {
        let (beta_fuel, beta_oxidizer) = (fuel.beta(), oxidizer.beta());
        if (beta_fuel - beta_oxidizer).abs() <= 1e-12 || beta_fuel.is_nan() || beta_oxidizer.is_nan() {
            return Err(Error::invalid(format!(
                "Bilger mixture fraction: fuel and oxidizer streams have equal beta ({beta_fuel})"
            )));
        }
        Ok(Bilger { fuel, oxidizer, beta_fuel, beta_oxidizer })
    }

    /// `dZ/dY_k` of a species: `Z = z_offset() + sum_k z_coefficient(k) Y_k`.
    pub fn z_coefficient(&self, species: &Species) -> f64 {
        species.beta_per_mass_fraction() / (self.beta_fuel - self.beta_oxidizer)
    }

    /// The constant term of `Z` (the value of Z at `beta = 0`, which is also Z_st).
    pub fn z_offset(&self) -> f64 {
        -self.beta_oxidizer / (self.beta_fuel - self.beta_oxidizer)
    }

    /// The stoichiometric mixture fraction (`beta = 0`): 0.1994 for the default streams.
    pub fn z_stoich(&self) -> f64 {
        self.z_offset()
    }

    /// Z of one state given as `(species, mass fraction)` pairs.
    pub fn mixture_fraction(&self, state: &[(Species, f64)]) -> f64 {
        self.z_offset() + state.iter().map(|(s, y)| self.z_coefficient(s) * y).sum::<f64>()
    }

    /// The Burke-Schumann (complete, one-step `2 H2 + O2 -> 2 H2O`) peak water mass fraction,
    /// at Z_st: every kilogram of fuel-stream H2 and oxidizer-stream O2 turned into water,
    /// `Z_st Y_H2,fuel + (1 - Z_st) Y_O2,ox` (0.2100 for the default streams). The default
    /// reference of the labeler's reaction indicator.
    pub fn burke_schumann_peak_h2o(&self) -> f64 {
        let z = self.z_stoich();
        z * self.fuel.mass_fraction("H2") + (1.0 - z) * self.oxidizer.mass_fraction("O2")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas() {
        let h2o2 = Species::parse("H2O2").expect("parse");
        assert_eq!((h2o2.n_c, h2o2.n_h, h2o2.n_o), (0, 2, 2));
        assert!((h2o2.molar_mass - 34.014).abs() < 1e-9);
        let ho2 = Species::parse("HO2").expect("parse");
        assert_eq!((ho2.n_h, ho2.n_o), (1, 2));
        let ar = Species::parse("Ar").expect("parse");
        assert_eq!((ar.n_c, ar.n_h, ar.n_o), (0, 0, 0));
        assert!((ar.molar_mass - 39.948).abs() < 1e-12);
        let ch4 = Species::parse("ch4").expect("parse");
        assert_eq!((ch4.n_c, ch4.n_h), (1, 4));
        for bad in ["", "X2", "H0", "H2Q"] {
            assert!(Species::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_streams_give_the_study_z_st() {
        let b = Bilger::default();
        // 65:35 H2:N2 by volume is Y_H2 = 0.11789.
        let y_h2: f64 = 0.65 * 2.016 / (0.65 * 2.016 + 0.35 * 28.014);
        assert!((y_h2 - 0.11789).abs() < 1e-5, "{y_h2}");
        let z_st = b.z_stoich();
        assert!((z_st - 0.199).abs() < 1e-3, "Z_st = {z_st}");
        assert!((z_st - 0.19939).abs() < 1e-4, "Z_st = {z_st}");
        // The streams themselves.
        assert!((b.mixture_fraction(&b.fuel.species) - 1.0).abs() < 1e-12);
        assert!(b.mixture_fraction(&b.oxidizer.species).abs() < 1e-12);
        let peak = b.burke_schumann_peak_h2o();
        assert!((peak - 0.21005).abs() < 1e-4, "{peak}");
    }

    #[test]
    fn z_is_conserved_by_reaction() {
        // Mix at Z = 0.3, then burn: 2 H2 + O2 -> 2 H2O conserves elements, hence Z.
        let b = Bilger::default();
        let sp = |n: &str| Species::parse(n).expect("species");
        let z = 0.3;
        let (yh2, yo2) = (z * 0.11789, (1.0 - z) * 0.233);
        let burnt_o2 = 0.05;
        let burnt_h2 = burnt_o2 * 2.0 * 2.016 / 31.998;
        let state = [
            (sp("H2"), yh2 - burnt_h2),
            (sp("O2"), yo2 - burnt_o2),
            (sp("H2O"), burnt_o2 + burnt_h2),
            (sp("N2"), 1.0 - yh2 - yo2),
        ];
        assert!((b.mixture_fraction(&state) - z).abs() < 1e-12);
        // Radicals too: OH carries H and O.
        let state = [
            (sp("OH"), 0.01),
            (sp("H2"), yh2 - 0.01 * 1.008 / 17.007),
            (sp("O2"), yo2 - 0.01 * 15.999 / 17.007),
        ];
        assert!((b.mixture_fraction(&state) - z).abs() < 1e-12);
    }

    #[test]
    fn invalid_streams() {
        assert!(Composition::new(&[("H2", 0.5)]).is_err());
        assert!(Composition::new(&[("H2", -0.1), ("N2", 1.1)]).is_err());
        assert!(Bilger::new(Composition::air(), Composition::air()).is_err());
    }
}
