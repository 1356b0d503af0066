//! The `labels` encoding (format version 3, FORMAT.md "Label payload"): one block of class
//! ids (0..=4) coded losslessly with the adaptive binary range coder of [`super::range`].
//!
//! Cells are visited in C order over the block's extent (padded to 4-D). Each cell is
//! predicted from causal neighbours inside the block and coded as
//! 1. a "same as the prediction" bit, in a context made of the ids of five neighbours
//!    (6^5 combinations with "outside the block"); then, only when it differs,
//! 2. which of the four other classes, 2 bits through a binary tree whose context is the
//!    predicted class and the first neighbour that disagrees with it (the likely class).
//!
//! Label maps are piecewise constant, so almost every cell is "same" in a context that has
//! learnt it (a few thousandths of a bit each); the cost sits on the region boundaries.
//! Every block starts from fresh probabilities: blocks decode independently.

use super::range::{Prob, RangeDecoder, RangeEncoder};

/// Number of classes (`crate::label::N_CLASSES`).
const N_CLASSES: u8 = 5;
/// Neighbour states: a class id, or 5 for a neighbour outside the block.
const N_STATES: usize = 6;
/// Contexts of the "same" bit: the states of A, B, C, D, F (6^5), twice (whether the
/// prediction comes from G).
const N_SAME: usize = 2 * 7776;
/// Hint values: the rank of the first disagreeing neighbour among the other classes, or 4.
const N_HINTS: usize = 5;

/// The adaptive probabilities of one block, all starting at one half.
#[derive(Debug, Clone)]
struct Model {
    /// "Same as the prediction" bit, by context (see [`walk`]); on the heap (62 KB).
    same: Vec<Prob>,
    /// The other class's rank (2 bits, tree nodes 1..=3), by context `predicted * 5 + hint`.
    other: [[Prob; 4]; N_CLASSES as usize * N_HINTS],
}

impl Model {
    fn new() -> Self {
        Model {
            same: vec![Prob::default(); N_SAME],
            other: [[Prob::default(); 4]; N_CLASSES as usize * N_HINTS],
        }
    }
}

/// Codes one bit: the encoder codes `bit` and returns it, the decoder ignores `bit` and
/// returns the decoded one. The block walk is written once, for both.
trait BitCoder {
    fn bit(&mut self, prob: &mut Prob, bit: bool) -> bool;
    fn tree2(&mut self, probs: &mut [Prob; 4], value: u32) -> u32;
}

impl BitCoder for RangeEncoder<'_> {
    #[inline(always)]
    fn bit(&mut self, prob: &mut Prob, bit: bool) -> bool {
        self.encode(prob, bit);
        bit
    }
    #[inline(always)]
    fn tree2(&mut self, probs: &mut [Prob; 4], value: u32) -> u32 {
        self.encode_tree(probs, 2, value);
        value
    }
}

impl BitCoder for RangeDecoder<'_> {
    #[inline(always)]
    fn bit(&mut self, prob: &mut Prob, _bit: bool) -> bool {
        self.decode(prob)
    }
    #[inline(always)]
    fn tree2(&mut self, probs: &mut [Prob; 4], _value: u32) -> u32 {
        self.decode_tree(probs, 2)
    }
}

/// Rank of class `c` among the classes other than `p` (increasing ids): 0..=3.
#[inline(always)]
fn rank(c: u8, p: u8) -> u32 {
    u32::from(c - u8::from(c > p))
}

/// The class of rank `r` among the classes other than `p`.
#[inline(always)]
fn unrank(r: u32, p: u8) -> u8 {
    let r = r as u8;
    r + u8::from(r >= p)
}

/// State of an optional neighbour: its id, or 5 outside the block.
#[inline(always)]
fn state(n: Option<u8>) -> usize {
    n.map_or(N_STATES - 1, usize::from)
}

/// Walks the block (C order over `dims`, 4-D padded): `cells` holds the ids to code
/// (encoder) or receives them (decoder; its prior content is ignored).
fn walk<C: BitCoder>(coder: &mut C, cells: &mut [u8], dims: [usize; 4]) {
    let [e0, e1, e2, e3] = dims;
    let s2 = e3; // one row back (axis 2)
    let s1 = e2 * e3; // one plane back (axis 1)
    let s0 = e1 * e2 * e3; // one step back along axis 0
    let mut m = Model::new();
    let mut idx = 0usize;
    for i0 in 0..e0 {
        for i1 in 0..e1 {
            for i2 in 0..e2 {
                for i3 in 0..e3 {
                    // Neighbours, `None` outside the block (FORMAT.md names them A..G):
                    // A (x-1), B (y-1), C (z-1), D (x+1, y-1), F (x+1, z-1), G (w-1).
                    let a = (i3 > 0).then(|| cells[idx - 1]);
                    let b = (i2 > 0).then(|| cells[idx - s2]);
                    let c = (i1 > 0).then(|| cells[idx - s1]);
                    let ahead = i3 + 1 < e3;
                    let d = (i2 > 0 && ahead).then(|| cells[idx - s2 + 1]);
                    let f = (i1 > 0 && ahead).then(|| cells[idx - s1 + 1]);
                    let g = (i0 > 0).then(|| cells[idx - s0]);
                    // The prediction: the first of A, B, C, G inside the block (0 for none).
                    let (from_g, p) = match (a, b, c, g) {
                        (Some(v), ..) | (None, Some(v), ..) | (None, None, Some(v), _) => (false, v),
                        (None, None, None, Some(v)) => (true, v),
                        (None, None, None, None) => (false, 0),
                    };
                    let ctx = (((state(a) * N_STATES + state(b)) * N_STATES + state(c)) * N_STATES
                        + state(d))
                        * N_STATES
                        + state(f)
                        + 7776 * usize::from(from_g);
                    let actual = cells[idx];
                    let value = if coder.bit(&mut m.same[ctx], actual == p) {
                        p
                    } else {
                        let hint = [b, c, d, f]
                            .into_iter()
                            .flatten()
                            .find(|&v| v != p)
                            .map_or(N_HINTS as u32 - 1, |v| rank(v, p));
                        let other = &mut m.other[p as usize * N_HINTS + hint as usize];
                        // `actual != p` here for the encoder; the decoder's `actual` is unused.
                        let r = coder.tree2(other, if actual == p { 0 } else { rank(actual, p) });
                        unrank(r, p)
                    };
                    cells[idx] = value;
                    idx += 1;
                }
            }
        }
    }
}

/// Pads block dims to 4-D with leading 1s.
fn dims4(dims: &[usize]) -> [usize; 4] {
    let mut out = [1; 4];
    out[4 - dims.len()..].copy_from_slice(dims);
    out
}

/// Appends the payload of one block: `cells` are its class ids (each < 5, checked by the
/// caller) in C order over `dims` (1 to 4 dims, storage order). `cells` is left as it was.
pub fn encode_block(cells: &mut [u8], dims: &[usize], out: &mut Vec<u8>) {
    debug_assert_eq!(cells.len(), dims.iter().product::<usize>());
    debug_assert!(cells.iter().all(|&c| c < N_CLASSES));
    let mut enc = RangeEncoder::new(out);
    walk(&mut enc, cells, dims4(dims));
    enc.finish();
}

/// Decodes one block's payload into `cells` (C order over `dims`). Every decoded value is
/// a class id by construction. Fails with the offset (from the start of `payload`) and a
/// description when the payload is truncated, has trailing bytes or is inconsistent.
pub fn decode_block(payload: &[u8], dims: &[usize], cells: &mut [u8]) -> Result<(), (usize, String)> {
    if cells.len() != dims.iter().product::<usize>() {
        return Err((0, format!("block of {} cells, dims {dims:?}", cells.len())));
    }
    let mut dec = RangeDecoder::new(payload);
    walk(&mut dec, cells, dims4(dims));
    dec.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(cells: &[u8], dims: &[usize]) -> usize {
        let mut buf = cells.to_vec();
        let mut out = Vec::new();
        encode_block(&mut buf, dims, &mut out);
        assert_eq!(buf, cells);
        let mut back = vec![9u8; cells.len()];
        decode_block(&out, dims, &mut back).expect("decodes");
        assert_eq!(back, cells, "dims {dims:?}");
        out.len()
    }

    #[test]
    fn ranks() {
        for p in 0..5u8 {
            for c in (0..5u8).filter(|&c| c != p) {
                assert!(rank(c, p) < 4);
                assert_eq!(unrank(rank(c, p), p), c);
            }
        }
    }

    #[test]
    fn shapes_and_values() {
        let mut s = 1u64;
        let mut next = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as u8 % 5
        };
        for dims in [&[1usize][..], &[7], &[3, 5], &[1, 1], &[4, 3, 2], &[2, 3, 4, 5], &[1, 1, 1, 9]] {
            let n: usize = dims.iter().product();
            let random: Vec<u8> = (0..n).map(|_| next()).collect();
            roundtrip(&random, dims);
            for c in 0..5 {
                roundtrip(&vec![c; n], dims);
            }
        }
    }

    #[test]
    fn constant_blocks_cost_almost_nothing() {
        let n = 64 * 64 * 64;
        let bytes = roundtrip(&vec![3u8; n], &[64, 64, 64]);
        assert!(bytes * 8 < n / 100, "{bytes} bytes");
    }

    #[test]
    fn spheres_compress() {
        let (e0, e1, e2) = (40usize, 50usize, 60usize);
        let mut cells = Vec::new();
        for i in 0..e0 {
            for j in 0..e1 {
                for k in 0..e2 {
                    let r2 = (i * i + j * j + k * k) as f64;
                    cells.push(match r2.sqrt() as usize / 12 {
                        0 => 2,
                        1 => 0,
                        2 => 1,
                        3 => 4,
                        _ => 3,
                    });
                }
            }
        }
        let bytes = roundtrip(&cells, &[e0, e1, e2]);
        assert!(bytes * 8 < cells.len() / 5, "{bytes} bytes for {} cells", cells.len());
    }
}
