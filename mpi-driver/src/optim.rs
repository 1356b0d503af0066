//! Adam on the flat parameter vector, with Keras' (TF2) arithmetic: the study's optimiser.
//!
//! `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
//! `lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)`, `p -= lr_t m / (sqrt(v) + eps)`
//! (eps is Kingma and Ba's "epsilon hat", Keras' `epsilon`, default here 1e-7).
//! Working on the flat vector keeps the optimiser identical on every backend and rank and
//! makes its whole state (`m`, `v`, `t`) a plain part of a checkpoint.

use serde::{Deserialize, Serialize};

/// Adam's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// First-moment decay (0.9).
    pub beta_1: f64,
    /// Second-moment decay (0.999).
    pub beta_2: f64,
    /// Added to `sqrt(v)` (1e-7, Keras' default).
    pub epsilon: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }
    }
}

/// Adam's state for one parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// Hyper-parameters.
    pub config: AdamConfig,
    /// First moments.
    pub m: Vec<f32>,
    /// Second moments.
    pub v: Vec<f32>,
    /// Steps taken since the last reset.
    pub t: u64,
}

impl Adam {
    /// Fresh state for `n` parameters.
    pub fn new(config: AdamConfig, n: usize) -> Self {
        Adam { config, m: vec![0.0; n], v: vec![0.0; n], t: 0 }
    }

    /// Forgets the moments (the study restarted Adam between learning-rate stages).
    pub fn reset(&mut self) {
        self.m.iter_mut().for_each(|x| *x = 0.0);
        self.v.iter_mut().for_each(|x| *x = 0.0);
        self.t = 0;
    }

    /// One update of `params` with `grads` at learning rate `lr`.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f64) {
        assert_eq!(params.len(), grads.len());
        assert_eq!(params.len(), self.m.len());
        self.t += 1;
        let c = self.config;
        let t = self.t as i32;
        let lr_t = (lr * (1.0 - c.beta_2.powi(t)).sqrt() / (1.0 - c.beta_1.powi(t))) as f32;
        let (b1, b2, eps) = (c.beta_1 as f32, c.beta_2 as f32, c.epsilon as f32);
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= lr_t * *m / (v.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_parameter_by_about_lr_against_the_gradient() {
        let mut adam = Adam::new(AdamConfig::default(), 3);
        let mut p = vec![1.0f32, 1.0, 1.0];
        adam.step(&mut p, &[0.5, -2.0, 0.0], 0.01);
        assert!((p[0] - 0.99).abs() < 1e-6, "{p:?}");
        assert!((p[1] - 1.01).abs() < 1e-6, "{p:?}");
        assert_eq!(p[2], 1.0);
        adam.reset();
        assert_eq!(adam.t, 0);
    }

    #[test]
    fn minimises_a_quadratic() {
        let mut adam = Adam::new(AdamConfig::default(), 1);
        let mut p = vec![3.0f32];
        for _ in 0..2000 {
            let g = [2.0 * p[0]];
            adam.step(&mut p, &g, 0.01);
        }
        assert!(p[0].abs() < 1e-2, "{p:?}");
    }
}
