//! Label error: how many cells change class when the labels are recomputed from
//! decompressed fields (the study's "label error": 9.3% of cells at 10% PW_REL).

use rayon::prelude::*;
use serde::Serialize;

use super::{Class, N_CLASSES};
use crate::error::{Error, Result};

/// The error of one class: cells of that class in the reference labels and how many of
/// them got another label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassError {
    /// The class.
    pub class: Class,
    /// Cells with this label in the reference.
    pub n_cells: u64,
    /// Of those, cells labeled differently in the other array.
    pub n_changed: u64,
    /// `n_changed / n_cells` (NaN, printed `null`, when the class is absent).
    pub error_fraction: f64,
}

/// Label error of recomputed labels against reference labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelError {
    /// Cells compared.
    pub n_cells: u64,
    /// Cells whose label differs.
    pub n_changed: u64,
    /// `n_changed / n_cells` (0 for no cells).
    pub error_fraction: f64,
    /// Per class of the reference labels, in id order.
    pub per_class: Vec<ClassError>,
    /// `confusion[r][c]`: cells of reference class `r` labeled `c` in the other array.
    pub confusion: [[u64; N_CLASSES]; N_CLASSES],
}

/// Compares `recomputed` against `reference`. Fails when the lengths differ or a value is
/// not a class id (the error names the array and index).
pub fn label_error(reference: &[u8], recomputed: &[u8]) -> Result<LabelError> {
    if reference.len() != recomputed.len() {
        return Err(Error::invalid(format!(
            "label arrays differ in length: {} and {}",
            reference.len(),
            recomputed.len()
        )));
    }
    const CHUNK: usize = 1 << 16;
    // Row N_CLASSES / column N_CLASSES collect out-of-range ids.
    type Matrix = [[u64; N_CLASSES + 1]; N_CLASSES + 1];
    let m: Matrix = reference
        .par_chunks(CHUNK)
        .zip(recomputed.par_chunks(CHUNK))
        .map(|(a, b)| {
            let mut m = [[0u64; N_CLASSES + 1]; N_CLASSES + 1];
            for (&x, &y) in a.iter().zip(b) {
                m[(x as usize).min(N_CLASSES)][(y as usize).min(N_CLASSES)] += 1;
            }
            m
        })
        .reduce(
            || [[0u64; N_CLASSES + 1]; N_CLASSES + 1],
            |mut x, y| {
                for (rx, ry) in x.iter_mut().zip(&y) {
                    rx.iter_mut().zip(ry).for_each(|(a, b)| *a += b);
                }
                x
            },
        );
    for (name, arr) in [("reference", reference), ("recomputed", recomputed)] {
        if let Some(i) = arr.iter().position(|&v| v as usize >= N_CLASSES) {
            return Err(Error::invalid(format!(
                "{name} labels: value {} at index {i} is not a class id 0..={}",
                arr[i],
                N_CLASSES - 1
            )));
        }
    }
    let mut confusion = [[0u64; N_CLASSES]; N_CLASSES];
    for r in 0..N_CLASSES {
        confusion[r].copy_from_slice(&m[r][..N_CLASSES]);
    }
    let per_class: Vec<ClassError> = Class::ALL
        .iter()
        .map(|&class| {
            let r = class.id() as usize;
            let n_cells: u64 = confusion[r].iter().sum();
            let n_changed = n_cells - confusion[r][r];
            let error_fraction = if n_cells == 0 { f64::NAN } else { n_changed as f64 / n_cells as f64 };
            ClassError { class, n_cells, n_changed, error_fraction }
        })
        .collect();
    let n_cells = reference.len() as u64;
    let n_changed: u64 = per_class.iter().map(|c| c.n_changed).sum();
    let error_fraction = if n_cells == 0 { 0.0 } else { n_changed as f64 / n_cells as f64 };
    Ok(LabelError { n_cells, n_changed, error_fraction, per_class, confusion })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_confusion() {
        let a = [0u8, 0, 1, 2, 3, 4, 4, 4];
        let b = [0u8, 1, 1, 2, 4, 4, 4, 0];
        let e = label_error(&a, &b).expect("ok");
        assert_eq!(e.n_cells, 8);
        assert_eq!(e.n_changed, 3);
        assert!((e.error_fraction - 3.0 / 8.0).abs() < 1e-15);
        assert_eq!(e.confusion[0], [1, 1, 0, 0, 0]);
        assert_eq!(e.confusion[3], [0, 0, 0, 0, 1]);
        assert_eq!(e.confusion[4], [1, 0, 0, 0, 2]);
        assert_eq!(e.per_class[4].n_cells, 3);
        assert_eq!(e.per_class[4].n_changed, 1);
        assert_eq!(e.per_class[2].error_fraction, 0.0);
        let json = serde_json::to_string(&e).expect("serialize");
        assert!(json.contains("\"class\":\"premixed_flame\""), "{json}");
    }

    #[test]
    fn identical_and_invalid() {
        let a: Vec<u8> = (0..1000u32).map(|i| (i % 5) as u8).collect();
        let e = label_error(&a, &a).expect("ok");
        assert_eq!(e.n_changed, 0);
        assert!(label_error(&a, &a[1..]).is_err());
        let mut b = a.clone();
        b[17] = 9;
        let err = label_error(&a, &b).expect_err("bad id");
        assert!(err.message().contains("recomputed") && err.message().contains("17"), "{err}");
        let e = label_error(&[], &[]).expect("empty");
        assert_eq!(e.error_fraction, 0.0);
        assert!(e.per_class[0].error_fraction.is_nan());
    }
}
