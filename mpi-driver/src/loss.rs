//! Categorical cross-entropy on logits (one softmax, inside `log_softmax`: the published
//! code's double softmax is not repeated), with optional class weights.
//!
//! `loss = (1 / n_cells) sum_cells w[y] (-log softmax(logits)[y])`: Keras' sample-weight
//! semantics (divide by the cell count, not by the sum of weights), which makes the mean of
//! equal-sized per-rank losses exactly the global batch's loss.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};

/// A weighted one-hot target `[N, K, D, H, W]` from class ids laid out `[N, D, H, W]`
/// (C order): `w[c]` where the id is `c`, else 0. `weights` has one entry per class.
pub fn weighted_one_hot(
    labels: &[u8],
    n: usize,
    cells: [usize; 3],
    weights: &[f32],
    device: &Device,
) -> Tensor<5> {
    let k = weights.len();
    let per = cells[0] * cells[1] * cells[2];
    assert_eq!(labels.len(), n * per, "labels length");
    let mut t = vec![0.0f32; n * k * per];
    for s in 0..n {
        for (i, &c) in labels[s * per..(s + 1) * per].iter().enumerate() {
            t[(s * k + c as usize) * per + i] = weights[c as usize];
        }
    }
    Tensor::from_data(TensorData::new(t, [n, k, cells[0], cells[1], cells[2]]), device)
}

/// The mean weighted cross-entropy of `logits` `[N, K, D, H, W]` against a
/// [`weighted_one_hot`] target of the same shape; a one-element tensor.
pub fn cross_entropy(logits: Tensor<5>, target: Tensor<5>) -> Tensor<1> {
    let [n, _, d, h, w] = logits.dims();
    let cells = (n * d * h * w) as f64;
    (log_softmax(logits, 1) * target).sum().neg().div_scalar(cells)
}

/// Host-side twin of [`cross_entropy`] for evaluation: returns the SUM over cells of the
/// weighted loss (divide by the cell count for the mean) and the predicted class of every
/// cell (`[N, D, H, W]`), from logits read back as `[N, K, cells]` values of `n` samples.
pub fn host_loss_and_argmax(
    logits: &[f32],
    labels: &[u8],
    n: usize,
    k: usize,
    weights: &[f32],
) -> (f64, Vec<u8>) {
    let cells = labels.len();
    assert_eq!(logits.len(), k * cells, "logits length");
    let per = cells.checked_div(n).unwrap_or(0);
    let mut sum = 0.0f64;
    let mut pred = vec![0u8; cells];
    for s in 0..n {
        for i in 0..per {
            let at = |c: usize| f64::from(logits[(s * k + c) * per + i]);
            let (mut best, mut arg) = (f64::NEG_INFINITY, 0usize);
            for c in 0..k {
                if at(c) > best {
                    best = at(c);
                    arg = c;
                }
            }
            let lse = best + (0..k).map(|c| (at(c) - best).exp()).sum::<f64>().ln();
            let y = labels[s * per + i] as usize;
            sum += f64::from(weights[y]) * (lse - at(y));
            pred[s * per + i] = arg as u8;
        }
    }
    (sum, pred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_and_host_losses_agree() {
        let device = Device::flex();
        let logits: Vec<f32> = (0..2 * 5 * 3 * 2 * 2).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.3).collect();
        let labels: Vec<u8> = (0..2 * 3 * 2 * 2).map(|i| (i % 5) as u8).collect();
        let w = [1.0f32, 2.0, 0.5, 1.0, 3.0];
        let t = weighted_one_hot(&labels, 2, [3, 2, 2], &w, &device);
        let lt = Tensor::<5>::from_data(TensorData::new(logits.clone(), [2, 5, 3, 2, 2]), &device);
        let loss: f32 = cross_entropy(lt, t).into_scalar();
        let (sum, pred) = host_loss_and_argmax(&logits, &labels, 2, 5, &w);
        assert!((f64::from(loss) - sum / 24.0).abs() < 1e-5, "{loss} vs {}", sum / 24.0);
        assert_eq!(pred.len(), 24);
    }
}
