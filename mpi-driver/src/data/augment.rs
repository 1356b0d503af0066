//! Exact augmentation in the W x W plane: a rotation by `k` quarter turns followed by an
//! optional flip, applied by index permutation to every channel and depth slice of the
//! input and to the labels alike (REFERENCE.md section 1).

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// One of the 8 symmetries of the square.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Augment {
    /// Quarter turns, 0..4 (numpy's `rot90` direction).
    pub quarter_turns: u8,
    /// Mirror the second plane axis after rotating.
    pub flip: bool,
}

impl Augment {
    /// A uniformly random symmetry.
    pub fn random(rng: &mut SplitMix64) -> Self {
        Augment { quarter_turns: rng.below(4) as u8, flip: rng.below(2) == 1 }
    }

    /// The source index `(i, j)` of output `(i, j)` in a `w x w` plane.
    #[inline]
    fn source(self, mut i: usize, mut j: usize, w: usize) -> (usize, usize) {
        if self.flip {
            j = w - 1 - j;
        }
        for _ in 0..self.quarter_turns {
            // out[i][j] = in[j][w-1-i] (rot90 counter-clockwise)
            let (a, b) = (j, w - 1 - i);
            i = a;
            j = b;
        }
        (i, j)
    }

    /// Applies the symmetry to every `w x w` plane of `data` (length a multiple of `w*w`).
    pub fn apply<T: Copy>(self, data: &mut [T], w: usize) {
        if self.quarter_turns == 0 && !self.flip {
            return;
        }
        let plane = w * w;
        let map: Vec<usize> = (0..plane)
            .map(|o| {
                let (si, sj) = self.source(o / w, o % w, w);
                si * w + sj
            })
            .collect();
        let mut tmp = Vec::with_capacity(plane);
        for chunk in data.chunks_exact_mut(plane) {
            tmp.clear();
            tmp.extend(map.iter().map(|&s| chunk[s]));
            chunk.copy_from_slice(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rot90_matches_numpy_and_four_turns_are_identity() {
        // numpy.rot90([[0,1],[2,3]]) == [[1,3],[0,2]]
        let mut a = [0, 1, 2, 3];
        Augment { quarter_turns: 1, flip: false }.apply(&mut a, 2);
        assert_eq!(a, [1, 3, 0, 2]);
        let orig: Vec<u32> = (0..18).collect();
        let mut b = orig.clone();
        for _ in 0..4 {
            Augment { quarter_turns: 1, flip: false }.apply(&mut b, 3);
        }
        assert_eq!(b, orig);
        let mut c = orig.clone();
        Augment { quarter_turns: 0, flip: true }.apply(&mut c, 3);
        Augment { quarter_turns: 0, flip: true }.apply(&mut c, 3);
        assert_eq!(c, orig);
    }

    #[test]
    fn inputs_and_labels_move_together() {
        // A label equal to a function of the input stays equal after augmentation.
        let w = 4;
        let x: Vec<f32> = (0..w * w).map(|i| i as f32).collect();
        let y: Vec<u8> = (0..w * w).map(|i| (i % 5) as u8).collect();
        let aug = Augment { quarter_turns: 3, flip: true };
        let (mut x2, mut y2) = (x.clone(), y.clone());
        aug.apply(&mut x2, w);
        aug.apply(&mut y2, w);
        for (a, b) in x2.iter().zip(&y2) {
            assert_eq!((*a as usize % 5) as u8, *b);
        }
    }
}
