//! Canonical Huffman coding of residuals (`ratio` encoding).
//!
//! Residuals in `[-RADIUS, RADIUS]` are symbols `r + RADIUS + 1`; anything else is the
//! escape symbol 0 followed, in a separate list, by its raw value. One code, built from
//! the histogram of the whole stream, is stored once in the stream header (FORMAT.md,
//! "codebook") and shared by all blocks, so blocks stay independent and small.
//!
//! Code lengths come from the textbook construction (merge the two least weights, ties
//! broken by node id; built with two queues), so the code is deterministic; lengths are
//! limited to [`MAX_CODE_LEN`] by halving the frequencies until they fit. Codes are
//! canonical (sorted by length, then symbol) and written least-significant bit first,
//! bit-reversed, as DEFLATE does.
//!
//! Block layout: `u64 n_bits`, `ceil(n_bits/8)` bytes of codes, `u32 n_escapes`,
//! `n_escapes` i32 LE raw residuals.

use super::bits::BitWriter;
use super::ResidualEncoder;
use crate::error::{Error, Result};
use crate::format::ByteReader;

/// Residuals of magnitude up to this are coded directly.
pub const RADIUS: i32 = 32767;
/// Alphabet size: the escape symbol plus `2 * RADIUS + 1` residuals.
pub const N_SYMBOLS: usize = 65536;
/// Longest code.
pub const MAX_CODE_LEN: u8 = 24;
/// Bits the decoder's lookup table resolves at once (longer codes take the bit-by-bit path):
/// 12 decodes rel 1e-4 streams of the SPERR fields 9-10% faster than 11; 13 was 3-6% slower
/// on sperr_999x999 at rel 1e-3 and nyx32_velocity_x at rel 1e-4 (core/benches/README.md).
const LUT_BITS: u32 = 12;

/// The symbol of residual `r` (0 = escape).
#[inline(always)]
pub fn symbol_of(r: i32) -> usize {
    if (-RADIUS..=RADIUS).contains(&r) {
        (r + RADIUS + 1) as usize
    } else {
        0
    }
}

/// Symbol counts over the range of symbols that occur (small when residuals are).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histogram {
    first_symbol: usize,
    counts: Vec<u64>,
}

impl Histogram {
    /// The histogram of the symbols of `residuals`.
    pub fn of(residuals: &[i32]) -> Self {
        let (mut lo, mut hi) = (usize::MAX, 0usize);
        for &r in residuals {
            let s = symbol_of(r);
            lo = lo.min(s);
            hi = hi.max(s);
        }
        if residuals.is_empty() {
            return Histogram::default();
        }
        let mut counts = vec![0u64; hi - lo + 1];
        for &r in residuals {
            counts[symbol_of(r) - lo] += 1;
        }
        Histogram { first_symbol: lo, counts }
    }

    /// The zero-order entropy in bits per residual (0 when empty).
    pub fn entropy_bits(&self) -> f64 {
        let n: u64 = self.counts.iter().sum();
        if n == 0 {
            return 0.0;
        }
        let n = n as f64;
        self.counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / n * (n / c as f64).log2()).sum()
    }

    /// The sum of two histograms.
    pub fn merge(self, other: Histogram) -> Histogram {
        if self.counts.is_empty() {
            return other;
        }
        if other.counts.is_empty() {
            return self;
        }
        let lo = self.first_symbol.min(other.first_symbol);
        let hi = (self.first_symbol + self.counts.len()).max(other.first_symbol + other.counts.len());
        let mut counts = vec![0u64; hi - lo];
        for h in [&self, &other] {
            for (c, &n) in counts[h.first_symbol - lo..].iter_mut().zip(&h.counts) {
                *c += n;
            }
        }
        Histogram { first_symbol: lo, counts }
    }
}

/// A canonical Huffman code over the residual alphabet, with its decoding tables.
/// The per-symbol tables cover only the symbols from `first_symbol` to the last coded.
#[derive(Debug, Clone)]
pub struct HuffmanEncoder {
    first_symbol: usize,
    lengths: Vec<u8>,
    codes: Vec<u32>,
    lut: Vec<u32>,
    count: [u32; MAX_CODE_LEN as usize + 1],
    first_code: [u32; MAX_CODE_LEN as usize + 1],
    first_index: [u32; MAX_CODE_LEN as usize + 1],
    sorted: Vec<u16>,
    max_len: u8,
}

impl HuffmanEncoder {
    /// The code for a histogram. Symbols with count 0 get no code.
    pub fn from_histogram(hist: &Histogram) -> Self {
        let mut freq: Vec<(u64, u16)> = hist
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(s, &c)| (c, (s + hist.first_symbol) as u16))
            .collect();
        let mut lengths = vec![0u8; hist.counts.len()];
        let lo = hist.first_symbol;
        if freq.len() == 1 {
            lengths[freq[0].1 as usize - lo] = 1;
        } else if freq.len() > 1 {
            loop {
                let depths = tree_depths(&freq);
                if depths.iter().all(|&d| d <= MAX_CODE_LEN as u32) {
                    for (&(_, s), &d) in freq.iter().zip(&depths) {
                        lengths[s as usize - lo] = d as u8;
                    }
                    break;
                }
                for f in &mut freq {
                    f.0 = (f.0 >> 1).max(1);
                }
            }
        }
        Self::from_lengths(lo, lengths).expect("a Huffman tree satisfies Kraft's inequality")
    }

    /// The canonical code for `lengths[i]` = length of symbol `first_symbol + i`.
    fn from_lengths(first_symbol: usize, lengths: Vec<u8>) -> std::result::Result<Self, String> {
        let mut count = [0u32; MAX_CODE_LEN as usize + 1];
        for &l in &lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let kraft: u64 =
            (1..=MAX_CODE_LEN as usize).map(|l| (count[l] as u64) << (MAX_CODE_LEN as usize - l)).sum();
        if kraft > 1u64 << MAX_CODE_LEN {
            return Err("code lengths violate Kraft's inequality".into());
        }
        let max_len = (0..=MAX_CODE_LEN).rev().find(|&l| count[l as usize] > 0).unwrap_or(0);
        let mut first_code = [0u32; MAX_CODE_LEN as usize + 1];
        let mut first_index = [0u32; MAX_CODE_LEN as usize + 1];
        let (mut code, mut index) = (0u32, 0u32);
        for l in 1..=MAX_CODE_LEN as usize {
            code = (code + count[l - 1]) << 1;
            first_code[l] = code;
            first_index[l] = index;
            index += count[l];
        }
        let len_of = |s: u16| lengths[s as usize - first_symbol];
        let mut sorted: Vec<u16> =
            (0..lengths.len()).filter(|&i| lengths[i] > 0).map(|i| (i + first_symbol) as u16).collect();
        sorted.sort_by_key(|&s| (len_of(s), s));
        let mut codes = vec![0u32; lengths.len()];
        let mut next = first_code;
        for &s in &sorted {
            let l = len_of(s) as usize;
            codes[s as usize - first_symbol] = next[l].reverse_bits() >> (32 - l);
            next[l] += 1;
        }
        let mut lut = vec![0u32; 1 << LUT_BITS];
        for &s in &sorted {
            let l = len_of(s) as u32;
            if l <= LUT_BITS {
                for fill in 0..(1u32 << (LUT_BITS - l)) {
                    lut[(codes[s as usize - first_symbol] | (fill << l)) as usize] = ((s as u32) << 8) | l;
                }
            }
        }
        Ok(HuffmanEncoder {
            first_symbol,
            lengths,
            codes,
            lut,
            count,
            first_code,
            first_index,
            sorted,
            max_len,
        })
    }

    /// The bits the residuals counted in `hist` take in this code (escaped residuals at 32
    /// bits more), its codebook included.
    pub fn coded_bits(&self, hist: &Histogram) -> u64 {
        let payload: u64 = hist
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let s = i + hist.first_symbol;
                let len =
                    s.checked_sub(self.first_symbol).and_then(|k| self.lengths.get(k)).copied().unwrap_or(0);
                c * (u64::from(len) + if s == 0 { 32 } else { 0 })
            })
            .sum();
        payload + 8 * (4 + 3 * self.sorted.len() as u64)
    }

    /// Number of symbols with a code.
    pub fn n_codes(&self) -> usize {
        self.sorted.len()
    }

    /// Serialises the code (FORMAT.md "codebook"): `u32 n`, then `n` x (`u16 symbol`,
    /// `u8 length`) in increasing symbol order.
    pub fn write_codebook(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.sorted.len() as u32).to_le_bytes());
        for (i, &l) in self.lengths.iter().enumerate().filter(|(_, &l)| l > 0) {
            out.extend_from_slice(&((i + self.first_symbol) as u16).to_le_bytes());
            out.push(l);
        }
    }

    /// Reads a code written by [`write_codebook`](Self::write_codebook), validating it.
    pub fn read_codebook(input: &mut ByteReader<'_>) -> Result<Self> {
        let at = input.offset();
        let n = input.u32()? as usize;
        if n > N_SYMBOLS || n * 3 > input.remaining() {
            return Err(Error::corrupt("codebook", at, format_args!("{n} codes do not fit")));
        }
        let mut pairs = Vec::with_capacity(n);
        let mut prev: Option<u16> = None;
        for _ in 0..n {
            let at = input.offset();
            let s = input.u16()?;
            let l = input.u8()?;
            if prev.is_some_and(|p| s <= p) || l == 0 || l > MAX_CODE_LEN {
                return Err(Error::corrupt(
                    "codebook",
                    at,
                    format_args!(
                        "symbol {s} length {l}: symbols must increase, lengths be 1..={MAX_CODE_LEN}"
                    ),
                ));
            }
            pairs.push((s, l));
            prev = Some(s);
        }
        let first_symbol = pairs.first().map_or(0, |p| p.0 as usize);
        let last = pairs.last().map_or(0, |p| p.0 as usize);
        let mut lengths = vec![0u8; if pairs.is_empty() { 0 } else { last - first_symbol + 1 }];
        for (s, l) in pairs {
            lengths[s as usize - first_symbol] = l;
        }
        Self::from_lengths(first_symbol, lengths).map_err(|e| Error::corrupt("codebook", at, e))
    }

    /// Slow path for codes longer than the lookup table: canonical decoding bit by bit.
    fn decode_long(&self, bits: u64) -> Option<(u32, u32)> {
        let mut code = 0u32;
        for l in 1..=self.max_len as usize {
            code = (code << 1) | ((bits >> (l - 1)) & 1) as u32;
            let delta = code.wrapping_sub(self.first_code[l]);
            if code >= self.first_code[l] && delta < self.count[l] {
                let s = self.sorted[(self.first_index[l] + delta) as usize];
                return Some((s as u32, l as u32));
            }
        }
        None
    }
}

/// Depths of the leaves of a Huffman tree over `freq` (at least 2 entries).
///
/// Each step merges the two nodes of least `(weight, index)` (leaves first by their index
/// in `freq`, then internal nodes in creation order). With the leaves sorted once, that is
/// the smaller head of two queues: merged weights never decrease, so the internal nodes
/// come out sorted too (the two-queue method; the same tree as a min-heap, whose pops took
/// 8% of compressing nyx32_dark_matter_density at PW_REL 1%: that is 5.7% faster now).
fn tree_depths(freq: &[(u64, u16)]) -> Vec<u32> {
    let m = freq.len();
    let mut parent = vec![0usize; 2 * m - 1];
    let mut leaves: Vec<(u64, usize)> = freq.iter().enumerate().map(|(i, &(f, _))| (f, i)).collect();
    leaves.sort_unstable();
    let mut internal: Vec<(u64, usize)> = Vec::with_capacity(m - 1);
    let (mut next_leaf, mut next_internal) = (0usize, 0usize);
    for next in m..2 * m - 1 {
        let mut least = || {
            if next_leaf < m
                && (next_internal == internal.len() || leaves[next_leaf] < internal[next_internal])
            {
                next_leaf += 1;
                leaves[next_leaf - 1]
            } else {
                next_internal += 1;
                internal[next_internal - 1]
            }
        };
        let (fa, a) = least();
        let (fb, b) = least();
        parent[a] = next;
        parent[b] = next;
        internal.push((fa + fb, next));
    }
    // internal nodes are created in increasing order, the root last: walk down from it
    let mut depth = vec![0u32; 2 * m - 1];
    for node in (0..2 * m - 2).rev() {
        depth[node] = depth[parent[node]] + 1;
    }
    depth.truncate(m);
    depth
}

impl ResidualEncoder for HuffmanEncoder {
    fn encode(&self, residuals: &[i32], out: &mut Vec<u8>) {
        let n_bits_at = out.len();
        out.extend_from_slice(&[0u8; 8]);
        let mut escapes = Vec::new();
        let mut total_bits = 0u64;
        let mut bits = BitWriter::new(out);
        for &r in residuals {
            let s = symbol_of(r);
            if s == 0 {
                escapes.push(r);
            }
            // every residual was counted in the histogram the code was built from
            let i = s - self.first_symbol;
            let l = self.lengths[i] as u32;
            debug_assert!(l > 0, "symbol {s} has no code");
            bits.put(self.codes[i], l);
            total_bits += l as u64;
        }
        bits.finish();
        out[n_bits_at..n_bits_at + 8].copy_from_slice(&total_bits.to_le_bytes());
        out.extend_from_slice(&(escapes.len() as u32).to_le_bytes());
        for e in escapes {
            out.extend_from_slice(&e.to_le_bytes());
        }
    }

    fn decode(&self, input: &mut ByteReader<'_>, residuals: &mut [i32]) -> Result<()> {
        let n_bits = input.count("Huffman bit count", input.remaining().saturating_mul(8))?;
        let bits_at = input.offset();
        let bits = input.bytes(n_bits.div_ceil(8))?;
        let esc_at = input.offset();
        let n_esc = input.u32()? as usize;
        if n_esc > residuals.len() {
            return Err(input.error(format_args!("{n_esc} escapes for {} residuals", residuals.len())));
        }
        let escapes = input.bytes(4 * n_esc)?;
        let mut escapes = escapes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let mask = (1u64 << LUT_BITS) - 1;
        // A 64-bit buffer refilled 8 bytes at a time (bits past the end read as zeros);
        // bits above `avail` are either zero or the stream's next bits, so OR-ing the same
        // bytes in again is harmless.
        let (mut buf, mut avail, mut next_byte, mut pos) = (0u64, 0u32, 0usize, 0usize);
        for r in residuals.iter_mut() {
            if avail < 32 {
                if let Some(b) = bits.get(next_byte..next_byte + 8) {
                    let w = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                    buf |= w << avail;
                    let take = (63 - avail) >> 3;
                    next_byte += take as usize;
                    avail += take * 8;
                } else {
                    while avail <= 56 {
                        buf |= (bits.get(next_byte).copied().unwrap_or(0) as u64) << avail;
                        next_byte += 1;
                        avail += 8;
                    }
                }
            }
            let e = self.lut[(buf & mask) as usize];
            let (sym, len) = if e & 0xff != 0 {
                (e >> 8, e & 0xff)
            } else {
                self.decode_long(buf)
                    .ok_or_else(|| Error::corrupt("Huffman codes", bits_at + pos / 8, "no code matches"))?
            };
            buf >>= len;
            avail -= len;
            pos += len as usize;
            *r = if sym == 0 {
                escapes.next().ok_or_else(|| Error::corrupt("Huffman escapes", esc_at, "too few escapes"))?
            } else {
                sym as i32 - RADIUS - 1
            };
        }
        if pos > n_bits {
            return Err(Error::corrupt("Huffman codes", bits_at + n_bits / 8, "codes end early"));
        }
        if pos != n_bits || escapes.next().is_some() {
            return Err(Error::corrupt(
                "Huffman codes",
                bits_at,
                "bit count or escape count does not match the block",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_for(res: &[i32]) -> HuffmanEncoder {
        HuffmanEncoder::from_histogram(&Histogram::of(res))
    }

    fn roundtrip(res: &[i32]) -> usize {
        let code = code_for(res);
        let mut book = vec![];
        code.write_codebook(&mut book);
        let code2 = HuffmanEncoder::read_codebook(&mut ByteReader::new(&book, 0, "t")).unwrap();
        let mut out = vec![];
        code.encode(res, &mut out);
        let mut back = vec![0; res.len()];
        code2.decode(&mut ByteReader::new(&out, 0, "t"), &mut back).unwrap();
        assert_eq!(back, res);
        out.len()
    }

    /// The two-queue construction merges exactly as a min-heap over `(weight, index)` does
    /// (the construction of formats 1-6's encoders): the same depths, ties included.
    #[test]
    fn two_queue_depths_equal_the_heap_construction() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        fn heap_depths(freq: &[(u64, u16)]) -> Vec<u32> {
            let m = freq.len();
            let mut parent = vec![0usize; 2 * m - 1];
            let mut heap: BinaryHeap<Reverse<(u64, usize)>> =
                freq.iter().enumerate().map(|(i, &(f, _))| Reverse((f, i))).collect();
            let mut next = m;
            while let (Some(Reverse((fa, a))), Some(Reverse((fb, b)))) = (heap.pop(), heap.pop()) {
                parent[a] = next;
                parent[b] = next;
                heap.push(Reverse((fa + fb, next)));
                next += 1;
            }
            let mut depth = vec![0u32; 2 * m - 1];
            for node in (0..2 * m - 2).rev() {
                depth[node] = depth[parent[node]] + 1;
            }
            depth.truncate(m);
            depth
        }
        let mut next = crate::encode::test_rng(5);
        for case in 0..300 {
            let m = 2 + (next() % 3000) as usize;
            // few distinct weights (many ties), or a wide geometric spread (below 2^40: counts)
            let freq: Vec<(u64, u16)> = (0..m)
                .map(|s| {
                    (
                        if case % 2 == 0 { 1 + next() % 4 } else { 1 + (next() >> (24 + next() % 40)) },
                        s as u16,
                    )
                })
                .collect();
            assert_eq!(tree_depths(&freq), heap_depths(&freq), "case {case}, {m} symbols");
        }
    }

    #[test]
    fn roundtrips_skewed_flat_single_and_escapes() {
        let skewed: Vec<i32> = (0..10_000).map(|i| if i % 10 == 0 { (i % 7) - 3 } else { 0 }).collect();
        assert!(roundtrip(&skewed) < 10_000 / 8 * 2);
        let flat: Vec<i32> = (0..5000).map(|i| (i * 7919) % 3000 - 1500).collect();
        roundtrip(&flat);
        roundtrip(&[42; 100]);
        roundtrip(&[i32::MIN, 40000, -40000, i32::MAX, 0, 1]);
        roundtrip(&[]);
    }

    #[test]
    fn lengths_are_limited_and_deterministic() {
        // Fibonacci frequencies force a deep tree.
        let mut counts = vec![0u64; 60];
        let (mut a, mut b) = (1u64, 1u64);
        for c in counts.iter_mut().skip(1) {
            *c = a;
            (a, b) = (b, a + b);
        }
        let hist = Histogram { first_symbol: 0, counts };
        let code = HuffmanEncoder::from_histogram(&hist);
        assert!(code.max_len <= MAX_CODE_LEN);
        let again = HuffmanEncoder::from_histogram(&hist);
        assert_eq!(code.codes, again.codes);
        let res: Vec<i32> = (1..60).map(|s| s - RADIUS - 1).collect();
        let mut out = vec![];
        code.encode(&res, &mut out);
        let mut back = vec![0; res.len()];
        code.decode(&mut ByteReader::new(&out, 0, "t"), &mut back).unwrap();
        assert_eq!(back, res);
    }

    #[test]
    fn hostile_codebooks_and_blocks_are_errors() {
        let mut book = vec![];
        book.extend_from_slice(&3u32.to_le_bytes());
        for s in [5u16, 6, 7] {
            book.extend_from_slice(&s.to_le_bytes());
            book.push(1); // three codes of length 1: Kraft violated
        }
        assert!(HuffmanEncoder::read_codebook(&mut ByteReader::new(&book, 0, "t")).is_err());
        let code = code_for(&[1, 2, 3, 1, 1]);
        let mut out = vec![];
        code.encode(&[1, 2, 3, 1, 1], &mut out);
        let mut back = vec![0; 5];
        for cut in 0..out.len() {
            assert!(code.decode(&mut ByteReader::new(&out[..cut], 0, "t"), &mut back).is_err());
        }
        let mut more = vec![0; 6];
        assert!(code.decode(&mut ByteReader::new(&out, 0, "t"), &mut more).is_err());
    }
}
