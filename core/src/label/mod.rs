//! Flame-regime labels: every cell of a reacting H2/air flow gets one of five classes from
//! the species mass fractions Y_H2, Y_O2, Y_H2O, the Bilger mixture fraction Z and their
//! gradients (the supervised task of the lifted-flame study; `FORMAT.md`, "Labels").
//!
//! The rules, in order, each threshold a named field of [`LabelParams`]:
//! 1. **pure fuel** where `Z >= 1 - eps_z`;
//! 2. **pure air** where `Z <= eps_z`;
//! 3. **flame zone** where the reaction indicator holds ([`FlameRule`]: `Y_H2O >= h2o_frac *
//!    h2o_ref` and/or `|grad Y_H2O| >= grad_h2o_min`); inside it **premixed** where the
//!    normalised Takeno flame index `FI = grad Y_H2 . grad Y_O2 / (|grad Y_H2| |grad Y_O2|)`
//!    exceeds `fi_threshold`, **non-premixed** otherwise, and non-premixed as well where
//!    either gradient is shorter than `fi_grad_min` (the guard: FI is undefined there);
//! 4. **unburned mixture** everywhere else.
//!
//! Module map: [`mixture`] (species formulas, stream compositions, Bilger's Z), [`stencil`]
//! (second-order first derivatives on non-uniform coordinates), [`params`] (the thresholds),
//! [`kernel`] (the one-pass parallel labeler with ghost layers), [`compare`] (label error
//! and confusion matrix), [`stream`] (labels stored losslessly in a Plume stream: format
//! version 3's `labels` encoding).
//!
//! ```
//! use plume_core::label::{label_field, LabelGrid, LabelParams, SpeciesFields, ZInput};
//! use plume_core::{Order, Shape};
//! let shape = Shape::new(&[4, 5], Order::C).unwrap();
//! let z = vec![0.5f32; 20];
//! let (h2, o2, h2o) = (vec![0.05f32; 20], vec![0.1f32; 20], vec![0.0f32; 20]);
//! let fields = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
//! let labels =
//!     label_field(&fields, &ZInput::Supplied(&z), &LabelGrid::new(&shape), &LabelParams::default())
//!         .unwrap();
//! assert!(labels.values.iter().all(|&c| c == 4)); // no water: unburned mixture
//! ```

pub mod compare;
pub mod kernel;
pub mod mixture;
pub mod params;
pub mod stencil;
pub mod stream;

pub use compare::{label_error, ClassError, LabelError};
pub use kernel::{field_max, label_field, label_into, LabelGrid, Labels, SpeciesFields, ZInput};
pub use mixture::{Bilger, Composition, Species};
pub use params::{FlameRule, LabelParams};
pub use stream::{
    compress_labels, compress_labels_with_blocks, decompress_labels, decompress_labels_region,
    LABEL_ABS_BOUND,
};

use crate::error::{Error, Result};

/// Number of classes.
pub const N_CLASSES: usize = 5;

/// A flame-regime class. The numeric ids are fixed by `FORMAT.md` and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Class {
    /// Premixed flame: reaction zone with fuel and oxidizer gradients aligned (FI > 0).
    PremixedFlame = 0,
    /// Non-premixed flame: reaction zone with opposed (or vanishing) gradients.
    NonPremixedFlame = 1,
    /// Pure fuel stream: `Z >= 1 - eps_z`.
    PureFuel = 2,
    /// Pure air (oxidizer) stream: `Z <= eps_z`.
    PureAir = 3,
    /// Unburned fuel-air mixture: everything else.
    UnburnedMixture = 4,
}

impl Class {
    /// All classes in id order.
    pub const ALL: [Class; N_CLASSES] = [
        Class::PremixedFlame,
        Class::NonPremixedFlame,
        Class::PureFuel,
        Class::PureAir,
        Class::UnburnedMixture,
    ];

    /// The id stored in a label array.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The class of an id; fails for ids above 4.
    pub fn from_id(id: u8) -> Result<Class> {
        Class::ALL
            .get(id as usize)
            .copied()
            .ok_or_else(|| Error::invalid(format!("label id {id}: class ids are 0..={}", N_CLASSES - 1)))
    }

    /// A snake_case name, e.g. `"premixed_flame"`.
    pub fn name(self) -> &'static str {
        match self {
            Class::PremixedFlame => "premixed_flame",
            Class::NonPremixedFlame => "non_premixed_flame",
            Class::PureFuel => "pure_fuel",
            Class::PureAir => "pure_air",
            Class::UnburnedMixture => "unburned_mixture",
        }
    }

    /// The class's colour in label images (sRGB), the legend of `FORMAT.md`.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Class::PremixedFlame => [214, 39, 40],
            Class::NonPremixedFlame => [255, 127, 14],
            Class::PureFuel => [31, 119, 180],
            Class::PureAir => [199, 199, 199],
            Class::UnburnedMixture => [44, 160, 44],
        }
    }
}

/// Cells per class, indexed by class id.
pub fn class_counts(labels: &[u8]) -> Result<[u64; N_CLASSES]> {
    use rayon::prelude::*;
    let counts = labels
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut c = [0u64; N_CLASSES + 1];
            for &l in chunk {
                c[(l as usize).min(N_CLASSES)] += 1;
            }
            c
        })
        .reduce(
            || [0u64; N_CLASSES + 1],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    if counts[N_CLASSES] > 0 {
        let (at, bad) = labels.iter().enumerate().find(|(_, &l)| l as usize >= N_CLASSES).unwrap_or((0, &0));
        return Err(Error::invalid(format!(
            "label array: value {bad} at index {at} is not a class id 0..={} ({} such cells)",
            N_CLASSES - 1,
            counts[N_CLASSES]
        )));
    }
    let mut out = [0u64; N_CLASSES];
    out.copy_from_slice(&counts[..N_CLASSES]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fixed() {
        for (i, c) in Class::ALL.iter().enumerate() {
            assert_eq!(c.id() as usize, i);
            assert_eq!(Class::from_id(i as u8).expect("id"), *c);
        }
        assert_eq!(Class::from_id(5).expect_err("bad").kind(), crate::ErrorKind::InvalidArgument);
        assert_eq!(Class::PremixedFlame as u8, 0);
        assert_eq!(Class::UnburnedMixture as u8, 4);
    }

    #[test]
    fn counts() {
        assert_eq!(class_counts(&[0, 1, 1, 4, 4, 4]).expect("ok"), [1, 2, 0, 0, 3]);
        let e = class_counts(&[0, 7]).expect_err("bad id");
        assert!(e.message().contains("index 1"), "{e}");
    }
}
