//! Segmentation metrics from a confusion matrix (REFERENCE.md section 2): per-class
//! accuracy = recall, their mean over the classes present, overall accuracy, per-class
//! precision and F1.

use serde::{Deserialize, Serialize};

/// Counts `[truth][predicted]` over `k` classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    /// Row-major `k x k` counts, row = true class, column = predicted class.
    pub counts: Vec<u64>,
    /// Number of classes.
    pub k: usize,
}

/// Everything reported per evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Correct cells / all cells (`None` with no cells).
    pub overall_accuracy: Option<f64>,
    /// Recall per class (`None` where the class never occurs).
    pub class_accuracy: Vec<Option<f64>>,
    /// Mean of the defined per-class accuracies.
    pub mean_class_accuracy: Option<f64>,
    /// F1 per class (`None` where undefined).
    pub f1: Vec<Option<f64>>,
    /// The confusion matrix, rows = truth.
    pub confusion: Vec<Vec<u64>>,
}

impl Confusion {
    /// All zeros.
    pub fn new(k: usize) -> Self {
        Confusion { counts: vec![0; k * k], k }
    }

    /// Adds one cell per pair.
    pub fn add(&mut self, truth: &[u8], pred: &[u8]) {
        for (&t, &p) in truth.iter().zip(pred) {
            self.counts[t as usize * self.k + p as usize] += 1;
        }
    }

    /// The scores.
    pub fn scores(&self) -> Scores {
        let k = self.k;
        let c = |t: usize, p: usize| self.counts[t * k + p] as f64;
        let total: f64 = self.counts.iter().map(|&x| x as f64).sum();
        let correct: f64 = (0..k).map(|i| c(i, i)).sum();
        let mut recall = Vec::new();
        let mut f1 = Vec::new();
        for i in 0..k {
            let row: f64 = (0..k).map(|p| c(i, p)).sum();
            let col: f64 = (0..k).map(|t| c(t, i)).sum();
            recall.push((row > 0.0).then(|| c(i, i) / row));
            f1.push((row + col > 0.0).then(|| 2.0 * c(i, i) / (row + col)));
        }
        let defined: Vec<f64> = recall.iter().flatten().copied().collect();
        Scores {
            overall_accuracy: (total > 0.0).then(|| correct / total),
            mean_class_accuracy: (!defined.is_empty())
                .then(|| defined.iter().sum::<f64>() / defined.len() as f64),
            class_accuracy: recall,
            f1,
            confusion: (0..k).map(|t| self.counts[t * k..(t + 1) * k].to_vec()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_a_known_matrix() {
        let mut m = Confusion::new(3);
        m.add(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0]);
        let s = m.scores();
        assert!((s.overall_accuracy.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(s.class_accuracy, vec![Some(0.5), Some(1.0), Some(0.0)]);
        assert!((s.mean_class_accuracy.unwrap() - 0.5).abs() < 1e-12);
        assert!((s.f1[1].unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(s.confusion[0], vec![1, 1, 0]);
    }
}
