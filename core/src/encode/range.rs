//! An adaptive binary range coder in the style of LZMA's (FORMAT.md, "Label payload"):
//! a 32-bit range, a 33-bit `low` with carry propagation through a cached byte and a count
//! of pending `0xFF` bytes, byte-wise normalisation when the range drops below 2^24.
//!
//! Each binary decision is coded with a [`Prob`], the adaptive probability that the bit is
//! 0, in units of 2^-[`PROB_BITS`]. After coding, the probability moves a fraction 2^-s of
//! the way towards the bit just seen (integer shifts, exact), where the shift `s` follows a
//! [`Schedule`] of the probability's update count: [`Fast`] (1, 2, 3, then
//! [`ADAPT_SHIFT`] = 4: a context seen a few times is already close to its frequency, one
//! seen often still follows change) or [`Counted`] (up to 6, for nearly stationary
//! sources). LZMA uses 11-bit probabilities and a fixed shift of 5; Plume uses 16
//! bits: the most skewed probability an 11-bit model reaches costs 0.01-0.02 bits per
//! correct guess, which on label maps is a large part of the total (measured on the
//! synthetic jet flame: 0.101 bits/cell with 11 bits and shift 5, 0.086 with 16 bits and
//! shift 5, 0.075 with 16 bits and the 1-2-3-4 schedule, same contexts).
//!
//! The decoder never panics and never reads past its input: a missing byte reads as 0 and
//! sets a flag that [`RangeDecoder::finish`] reports with the byte offset.

/// Bits of a probability: `Prob` values are in units of 2^-16.
pub const PROB_BITS: u32 = 16;
/// Adaptation rate once settled: a probability moves 1/2^ADAPT_SHIFT of the way to the
/// bit seen (after its first three updates, with shifts 1, 2, 3).
pub const ADAPT_SHIFT: u32 = 4;
/// Normalisation threshold: the range is kept at or above 2^24.
const TOP: u32 = 1 << 24;
/// The initial probability, one half.
const HALF: u16 = 1 << (PROB_BITS - 1);

/// An adaptive probability that the next bit is 0, in units of 2^-16 (starts at one half),
/// and how many times it was updated (saturating at its [`Schedule`]'s last entry).
/// Adaptation keeps the probability in `[15, 65521]`, so neither bit ever has probability 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prob {
    p: u16,
    n: u8,
}

impl Default for Prob {
    fn default() -> Self {
        Prob { p: HALF, n: 0 }
    }
}

impl Prob {
    /// The current probability of a 0 bit, in units of 2^-16.
    pub fn p0(self) -> u16 {
        self.p
    }

    /// Moves the probability towards `bit` with the shift `s = S::SHIFTS[n]`:
    /// `p += (2^16 - p) >> s` after a 0, `p -= p >> s` after a 1; then `n` counts up to the
    /// schedule's last entry.
    #[inline(always)]
    fn update<S: Schedule>(&mut self, bit: bool) {
        let p = u32::from(self.p);
        let s = u32::from(S::SHIFTS[usize::from(self.n)]);
        // both moves, then a select by mask: a branch on the bit mispredicts as often as
        // the bit is surprising
        let (down, up) = (p - (p >> s), p + (((1 << PROB_BITS) - p) >> s));
        let mask = u32::from(bit).wrapping_neg();
        self.p = ((down & mask) | (up & !mask)) as u16;
        self.n = (self.n + 1).min(S::SHIFTS.len() as u8 - 1);
    }
}

/// Where the interval splits: the part of `range` that stands for a 0 bit of probability
/// `p0`. Never 0 and always below `range` (range >= 2^24, 15 <= p0 <= 65521).
#[inline(always)]
fn bound(range: u32, p0: u16) -> u32 {
    (range >> PROB_BITS) * u32::from(p0)
}

/// How fast a [`Prob`] adapts: the shift of its update after `n` earlier updates is
/// `SHIFTS[min(n, SHIFTS.len() - 1)]` (FORMAT.md section 6). Every shift is 1..=6, so `p`
/// stays in `[15, 65521]`.
pub trait Schedule {
    /// Shifts by update count.
    const SHIFTS: &'static [u8];
}

/// Shifts 1, 2, 3, then [`ADAPT_SHIFT`]: a context seen a few times is close to its
/// frequency, one seen often still follows change. Label payloads (all versions) and
/// context-coded residuals of format versions 3 and 4.
#[derive(Debug, Clone, Copy)]
pub struct Fast;

impl Schedule for Fast {
    const SHIFTS: &'static [u8] = &[1, 2, 3, ADAPT_SHIFT as u8];
}

/// Shifts `min(1 + floor(log2(n + 1)), 6)`: about the running frequency (a rate near
/// `1 / (n + 1)`) until 32 updates, then an average over about the last 64 bits. Context-coded
/// residuals of large blocks from format version 5 on: their contexts see many bits of a
/// nearly stationary source, where the fast schedule's estimates are noisy (1-4% smaller
/// streams at rel 1e-2 and PW_REL 1-40%, core/benches/README.md).
#[derive(Debug, Clone, Copy)]
pub struct Counted;

impl Schedule for Counted {
    const SHIFTS: &'static [u8] = &{
        let mut t = [0u8; 32];
        let mut n = 0;
        while n < 32 {
            t[n] = 1 + (n as u32 + 1).ilog2() as u8;
            n += 1;
        }
        t
    };
}

/// Encodes bits into a byte vector.
#[derive(Debug)]
pub struct RangeEncoder<'a> {
    out: &'a mut Vec<u8>,
    /// Low end of the interval; bit 32 is a carry into the bytes not yet written.
    low: u64,
    range: u32,
    /// The last byte shifted out of `low`, held back until it is known whether a carry
    /// reaches it.
    cache: u8,
    /// `cache` plus the `0xFF` bytes after it that a carry would also change.
    pending: u64,
}

impl<'a> RangeEncoder<'a> {
    /// An encoder appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        RangeEncoder { out, low: 0, range: u32::MAX, cache: 0, pending: 1 }
    }

    /// Codes `bit` with probability `prob` and adapts `prob` ([`Fast`] schedule).
    #[inline(always)]
    pub fn encode(&mut self, prob: &mut Prob, bit: bool) {
        self.encode_with::<Fast>(prob, bit);
    }

    /// Codes `bit` with probability `prob` and adapts `prob` with schedule `S`.
    #[inline(always)]
    pub fn encode_with<S: Schedule>(&mut self, prob: &mut Prob, bit: bool) {
        self.encode_p0(prob.p, bit);
        prob.update::<S>(bit);
    }

    /// Codes `bit` at probability one half, adapting nothing (the same bytes as a fresh
    /// [`Prob`] would give).
    #[inline(always)]
    pub fn encode_half(&mut self, bit: bool) {
        self.encode_p0(HALF, bit);
    }

    /// Codes `bit` where a 0 has probability `p0` (units of 2^-16, in `[15, 65521]`).
    #[inline(always)]
    fn encode_p0(&mut self, p0: u16, bit: bool) {
        let bound = bound(self.range, p0);
        if bit {
            self.low += u64::from(bound);
            self.range -= bound;
        } else {
            self.range = bound;
        }
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    /// Codes the `n` low bits of `value`, most significant first, with a binary tree of
    /// probabilities: `probs[node]` for nodes 1..2^n (node 1 is the root, a node's children
    /// are `2 node` and `2 node + 1`); `probs` has at least 2^n entries.
    pub fn encode_tree(&mut self, probs: &mut [Prob], n: u32, value: u32) {
        let mut node = 1usize;
        for i in (0..n).rev() {
            let bit = (value >> i) & 1 == 1;
            self.encode(&mut probs[node], bit);
            node = 2 * node + bit as usize;
        }
    }

    /// Moves the top byte of `low` (bits 24..32) out: written, with any pending bytes,
    /// once no carry can reach it any more, i.e. when it is below 0xFF or a carry arrived.
    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low >= 1 << 32 {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            while self.pending > 0 {
                self.out.push(byte.wrapping_add(carry));
                byte = 0xFF;
                self.pending -= 1;
            }
            self.cache = (self.low >> 24) as u8;
        }
        self.pending += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    /// Flushes the interval: after it, the bytes written decode every bit coded.
    pub fn finish(mut self) {
        for _ in 0..5 {
            self.shift_low();
        }
    }
}

/// Decodes bits from a byte slice written by [`RangeEncoder`].
#[derive(Debug)]
pub struct RangeDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    range: u32,
    code: u32,
    /// Set when a byte past the end was needed.
    overrun: bool,
}

impl<'a> RangeDecoder<'a> {
    /// A decoder over `data`: reads its first 5 bytes (the first one is always 0).
    /// Whether the data sufficed is reported by [`finish`](Self::finish).
    pub fn new(data: &'a [u8]) -> Self {
        let mut d = RangeDecoder { data, pos: 0, range: u32::MAX, code: 0, overrun: false };
        let first = d.next_byte();
        for _ in 0..4 {
            d.code = (d.code << 8) | u32::from(d.next_byte());
        }
        // A first byte other than 0 cannot come from the encoder: flag it like an overrun.
        d.overrun |= first != 0;
        d
    }

    #[inline(always)]
    fn next_byte(&mut self) -> u8 {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => {
                self.overrun = true;
                0
            }
        }
    }

    /// Decodes one bit coded with `prob` and adapts `prob` exactly as the encoder did
    /// ([`Fast`] schedule).
    #[inline(always)]
    pub fn decode(&mut self, prob: &mut Prob) -> bool {
        self.decode_with::<Fast>(prob)
    }

    /// Decodes one bit coded by [`RangeEncoder::encode_with`] with the same schedule `S`.
    #[inline(always)]
    pub fn decode_with<S: Schedule>(&mut self, prob: &mut Prob) -> bool {
        let bit = self.decode_p0(prob.p);
        prob.update::<S>(bit);
        bit
    }

    /// Decodes one bit coded by [`RangeEncoder::encode_half`].
    #[inline(always)]
    pub fn decode_half(&mut self) -> bool {
        self.decode_p0(HALF)
    }

    /// Decodes one bit where a 0 has probability `p0`.
    #[inline(always)]
    fn decode_p0(&mut self, p0: u16) -> bool {
        let bound = bound(self.range, p0);
        let bit = self.code >= bound;
        if bit {
            self.code -= bound;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        while self.range < TOP {
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(self.next_byte());
        }
        bit
    }

    /// Decodes `n` bits coded by [`RangeEncoder::encode_tree`] with the same tree.
    pub fn decode_tree(&mut self, probs: &mut [Prob], n: u32) -> u32 {
        let mut node = 1usize;
        for _ in 0..n {
            let bit = self.decode(&mut probs[node]);
            node = 2 * node + bit as usize;
        }
        (node - (1 << n)) as u32
    }

    /// Checks the end of the input: `Ok(())` when every byte was there, the first byte was
    /// 0 and all of them were consumed; otherwise a description of what went wrong and the
    /// offset (from the start of the data) where.
    pub fn finish(self) -> Result<(), (usize, String)> {
        if self.data.first().is_some_and(|&b| b != 0) {
            return Err((0, format!("range coder: first byte {:#04x}, must be 0", self.data[0])));
        }
        if self.overrun {
            return Err((
                self.data.len(),
                format!("range coder: truncated ({} bytes, more needed)", self.data.len()),
            ));
        }
        if self.pos != self.data.len() {
            return Err((self.pos, format!("range coder: {} trailing bytes", self.data.len() - self.pos)));
        }
        if self.code >= self.range {
            return Err((self.pos, "range coder: the code lies outside the final interval".to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::encode::test_rng as rng;

    fn roundtrip(bits: &[(usize, bool)], n_ctx: usize) -> usize {
        let mut out = Vec::new();
        let mut probs = vec![Prob::default(); n_ctx];
        let mut enc = RangeEncoder::new(&mut out);
        for &(c, b) in bits {
            enc.encode(&mut probs[c], b);
        }
        enc.finish();
        assert_eq!(out.first(), Some(&0));
        let mut probs_d = vec![Prob::default(); n_ctx];
        let mut dec = RangeDecoder::new(&out);
        for (i, &(c, b)) in bits.iter().enumerate() {
            assert_eq!(dec.decode(&mut probs_d[c]), b, "bit {i}");
        }
        dec.finish().expect("clean end");
        assert_eq!(probs, probs_d);
        out.len()
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(roundtrip(&[], 1), 5);
        roundtrip(&[(0, true)], 1);
        roundtrip(&[(0, false)], 1);
    }

    #[test]
    fn random_bits_cost_about_one_bit() {
        let mut r = rng(7);
        let bits: Vec<(usize, bool)> = (0..100_000).map(|_| (0, r() & 1 == 1)).collect();
        let n = roundtrip(&bits, 1);
        assert!(n < 100_000 / 8 * 103 / 100, "{n} bytes");
    }

    #[test]
    fn skewed_bits_compress() {
        // P(1) = 1/1024 in context 0; context 1 alternates: cost close to the entropy.
        let mut r = rng(11);
        let bits: Vec<(usize, bool)> = (0..1_000_000).map(|i| (i & 1, r().is_multiple_of(1024))).collect();
        let n = roundtrip(&bits, 2);
        // entropy of p = 1/1024: 0.0112 bits a bit
        assert!(n * 8 < 1_000_000 / 50, "{n} bytes");
    }

    #[test]
    fn long_carry_chains() {
        // Runs of near-certain bits followed by the unlikely one produce 0xFF runs and
        // carries through them.
        let mut bits = Vec::new();
        let mut r = rng(3);
        for _ in 0..2000 {
            let run = (r() % 3000) as usize;
            bits.extend(std::iter::repeat_n((0, false), run));
            bits.push((0, true));
            bits.push((1, r() & 1 == 1));
        }
        roundtrip(&bits, 2);
    }

    #[test]
    fn trees() {
        let mut out = Vec::new();
        let mut probs = vec![Prob::default(); 8];
        let mut enc = RangeEncoder::new(&mut out);
        let values: Vec<u32> = (0..1000).map(|i| (i * 7 % 8) as u32).collect();
        for &v in &values {
            enc.encode_tree(&mut probs, 3, v);
        }
        enc.finish();
        let mut probs = vec![Prob::default(); 8];
        let mut dec = RangeDecoder::new(&out);
        for &v in &values {
            assert_eq!(dec.decode_tree(&mut probs, 3), v);
        }
        dec.finish().expect("clean end");
    }

    #[test]
    fn probabilities_stay_inside() {
        // Both schedules keep p in [15, 65521]; the fast one reaches its ends.
        fn ends<S: Schedule>() -> (u16, u16) {
            let mut p = Prob::default();
            (0..10_000).for_each(|_| p.update::<S>(false));
            let hi = p.p0();
            (0..10_000).for_each(|_| p.update::<S>(true));
            (hi, p.p0())
        }
        assert_eq!(ends::<Fast>(), (65521, 15));
        let (hi, lo) = ends::<Counted>();
        assert!(hi <= 65521 && lo >= 15 && hi > 65400 && lo < 100, "counted: {hi} {lo}");
        // the first updates move fast: shifts 1, 2, 3, then 4 (fast); 1, 2, 2, 3, 3 (counted)
        fn steps<S: Schedule>() -> Vec<u16> {
            let mut q = Prob::default();
            (0..5)
                .map(|_| {
                    q.update::<S>(false);
                    q.p0()
                })
                .collect()
        }
        assert_eq!(steps::<Fast>(), [49152, 53248, 54784, 55456, 56086]);
        assert_eq!(steps::<Counted>(), [49152, 53248, 56320, 57472, 58480]);
        assert_eq!(Counted::SHIFTS.len(), 32);
        assert_eq!((Counted::SHIFTS[0], Counted::SHIFTS[30], Counted::SHIFTS[31]), (1, 5, 6));
    }

    #[test]
    fn truncation_and_garbage_are_reported() {
        let mut out = Vec::new();
        let mut probs = [Prob::default(); 1];
        let mut enc = RangeEncoder::new(&mut out);
        let mut r = rng(5);
        let bits: Vec<bool> = (0..4000).map(|_| r() & 1 == 1).collect();
        for &b in &bits {
            enc.encode(&mut probs[0], b);
        }
        enc.finish();
        let decode_all = |data: &[u8]| {
            let mut p = [Prob::default(); 1];
            let mut dec = RangeDecoder::new(data);
            for _ in 0..bits.len() {
                dec.decode(&mut p[0]);
            }
            dec.finish()
        };
        assert!(decode_all(&out).is_ok());
        for cut in [0, 1, 4, out.len() / 2, out.len() - 1] {
            let e = decode_all(&out[..cut]).expect_err("truncated");
            assert!(e.1.contains("truncated"), "{cut}: {e:?}");
        }
        let mut longer = out.clone();
        longer.push(0);
        assert!(decode_all(&longer).expect_err("trailing").1.contains("trailing"));
        let mut bad = out.clone();
        bad[0] = 1;
        assert_eq!(decode_all(&bad).expect_err("first byte").0, 0);
    }
}
