//! A static-model rANS coder (FORMAT.md section 5, "Tabled residuals"), the token half of
//! the tabled residual coder ([`super::tabled`]; its raw bits go through [`super::bits`]).
//!
//! rANS (range asymmetric numeral systems, Duda 2013) with a 31-bit state renormalised in
//! 16-bit words: the state `x` lies in `[L, 2^16 L)` with `L = 2^15`; a symbol of frequency
//! `freq` and cumulative frequency `start` (out of `2^SCALE_BITS`) is coded by
//! `x -> (x / freq) 2^SCALE_BITS + x mod freq + start`, after shifting out the low word
//! when `x >= (L >> SCALE_BITS) 2^16 freq` (once at most). The encoder runs over the
//! symbols in reverse and the decoder forward: the stored bytes start with the final state
//! (4 bytes, little-endian), then the shifted-out words (little-endian) in the order the
//! decoder reads them. Decoding all symbols must end in the initial state `L` with every
//! byte consumed. The encoder divides by multiplying with a reciprocal ([`RansSymbol`],
//! exact for states below 2^31: Giesen's `rans_byte.h`).
//!
//! Decoders never panic and never read past their input: a missing byte reads as 0 and is
//! reported by `finish` with the byte offset.

/// Frequencies are in units of `2^-SCALE_BITS`; a context's frequencies sum to this scale.
pub const SCALE_BITS: u32 = 11;
/// The frequency total `2^SCALE_BITS`.
pub const SCALE: u32 = 1 << SCALE_BITS;
/// The lower end of the state interval.
const L: u32 = 1 << 15;

/// A symbol prepared for the encoder: the division by its frequency as a multiplication.
#[derive(Debug, Clone, Copy, Default)]
pub struct RansSymbol {
    x_max: u32,
    rcp_freq: u32,
    rcp_shift: u32,
    bias: u32,
    cmpl_freq: u32,
}

impl RansSymbol {
    /// The symbol `[start, start + freq)` (`freq >= 1`, `start + freq <= SCALE`).
    pub fn new(start: u32, freq: u32) -> Self {
        debug_assert!(freq >= 1 && start + freq <= SCALE);
        let x_max = ((L >> SCALE_BITS) << 16) * freq;
        let cmpl_freq = SCALE - freq;
        if freq < 2 {
            // x / 1 = x: q = x (rcp 2^32 - 1 gives x - 1 for x >= 1, the bias makes up)
            RansSymbol { x_max, rcp_freq: u32::MAX, rcp_shift: 0, bias: start + SCALE - 1, cmpl_freq }
        } else {
            let shift = 32 - (freq - 1).leading_zeros();
            let rcp_freq = (1u64 << (shift + 31)).div_ceil(u64::from(freq)) as u32;
            RansSymbol { x_max, rcp_freq, rcp_shift: shift - 1, bias: start, cmpl_freq }
        }
    }
}

/// Encodes symbols, given in reverse order, into bytes.
#[derive(Debug)]
pub struct RansEncoder {
    state: u32,
    /// The shifted-out bytes in the order they were produced (reversed by `finish`).
    bytes: Vec<u8>,
}

impl RansEncoder {
    /// An encoder in the initial state, with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        RansEncoder { state: L, bytes: Vec::with_capacity(capacity) }
    }

    /// Codes one symbol. Symbols must be given last first.
    #[inline(always)]
    pub fn put(&mut self, sym: &RansSymbol) {
        let mut x = self.state;
        if x >= sym.x_max {
            // reversed with the rest by `finish`: high byte first here
            self.bytes.extend_from_slice(&[(x >> 8) as u8, x as u8]);
            x >>= 16;
        }
        // x / freq for x < 2^31, then x + start + (x / freq) (SCALE - freq)
        let q = ((u64::from(x) * u64::from(sym.rcp_freq)) >> 32) as u32 >> sym.rcp_shift;
        self.state = x + sym.bias + q * sym.cmpl_freq;
    }

    /// Appends the coded bytes (final state first) to `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        // pushed most significant first, so that the reversal leaves them little-endian
        self.bytes.extend_from_slice(&self.state.to_be_bytes());
        self.bytes.reverse();
        out.extend_from_slice(&self.bytes);
    }
}

/// Decodes symbols from bytes written by [`RansEncoder`].
#[derive(Debug)]
pub struct RansDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    state: u32,
    overrun: bool,
}

impl<'a> RansDecoder<'a> {
    /// A decoder over `data`, reading the final state from its first 4 bytes.
    pub fn new(data: &'a [u8]) -> Self {
        match data.first_chunk::<4>() {
            Some(&b) => RansDecoder { data, pos: 4, state: u32::from_le_bytes(b), overrun: false },
            None => RansDecoder { data, pos: data.len(), state: L, overrun: true },
        }
    }

    /// The slot `x mod SCALE` of the next symbol: the caller finds the symbol whose
    /// `[start, start + freq)` holds it and calls [`advance`](Self::advance).
    #[inline(always)]
    pub fn slot(&self) -> u32 {
        self.state & (SCALE - 1)
    }

    /// Removes the symbol `(start, freq)` found from [`slot`](Self::slot).
    #[inline(always)]
    pub fn advance(&mut self, start: u32, freq: u32) {
        let x = freq * (self.state >> SCALE_BITS) + self.slot() - start;
        // x >= L >> SCALE_BITS now, so one word brings it back to [L, 2^16 L). Branch-free
        // (the branch is a coin flip at high entropy): the word is always peeked.
        let take = x < L;
        let word = match self.data.get(self.pos..self.pos + 2) {
            Some(w) => u32::from(u16::from_le_bytes([w[0], w[1]])),
            None => 0,
        };
        self.state = if take { (x << 16) | word } else { x };
        self.pos += 2 * usize::from(take);
    }

    /// Checks the end: every byte there and consumed, and the initial state reached.
    /// Errors give the offset (from the start of the data) and what went wrong.
    pub fn finish(self) -> Result<(), (usize, String)> {
        if self.overrun || self.pos > self.data.len() {
            return Err((
                self.data.len(),
                format!("rANS: truncated ({} bytes, more needed)", self.data.len()),
            ));
        }
        if self.pos != self.data.len() {
            return Err((self.pos, format!("rANS: {} trailing bytes", self.data.len() - self.pos)));
        }
        if self.state != L {
            return Err((self.pos, format!("rANS: final state {:#x}, must be {L:#x}", self.state)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::encode::test_rng as rng;

    /// Symbols of a skewed 4-symbol alphabet round-trip and cost about their entropy.
    #[test]
    fn rans_round_trip_costs_the_entropy() {
        // 3000, 800, 200 and 96 out of 4096, at the coder's scale
        let freqs = [3000 * SCALE / 4096, 800 * SCALE / 4096, 200 * SCALE / 4096, 96 * SCALE / 4096];
        let starts = [0, freqs[0], freqs[0] + freqs[1], freqs[0] + freqs[1] + freqs[2]];
        assert_eq!(starts[3] + freqs[3], SCALE);
        let mut next = rng(7);
        let symbols: Vec<usize> = (0..100_000)
            .map(|_| {
                let s = (next() % u64::from(SCALE)) as u32;
                starts.iter().rposition(|&st| st <= s).unwrap()
            })
            .collect();
        let mut enc = RansEncoder::with_capacity(0);
        for &s in symbols.iter().rev() {
            enc.put(&RansSymbol::new(starts[s], freqs[s]));
        }
        let mut out = Vec::new();
        enc.finish(&mut out);
        let entropy: f64 =
            freqs.iter().map(|&f| f as f64 / SCALE as f64 * (SCALE as f64 / f as f64).log2()).sum();
        let bits = out.len() as f64 * 8.0 / symbols.len() as f64;
        assert!((bits - entropy).abs() < 0.02, "{bits} bits/symbol, entropy {entropy}");
        let mut dec = RansDecoder::new(&out);
        for &s in &symbols {
            let slot = dec.slot();
            let d = starts.iter().rposition(|&st| st <= slot).unwrap();
            assert_eq!(d, s);
            dec.advance(starts[d], freqs[d]);
        }
        dec.finish().expect("clean end");
    }

    /// The reciprocal gives the encoder the exact quotient for every frequency and state.
    #[test]
    fn reciprocal_division_is_exact() {
        let mut next = rng(11);
        for freq in 1..=SCALE {
            let sym = RansSymbol::new(0, freq);
            let states = [L, 2 * L - 1, sym.x_max - 1, (next() as u32) % sym.x_max.max(L + 1)];
            for x in states.into_iter().filter(|&x| x >= L && x < sym.x_max) {
                let q = ((u64::from(x) * u64::from(sym.rcp_freq)) >> 32) as u32 >> sym.rcp_shift;
                let coded = x + sym.bias + q * sym.cmpl_freq;
                assert_eq!(coded, ((x / freq) << SCALE_BITS) + x % freq, "freq {freq}, x {x}");
            }
        }
    }

    #[test]
    fn rans_truncation_and_trailing_bytes_are_reported() {
        let mut enc = RansEncoder::with_capacity(0);
        for i in 0..1000u32 {
            enc.put(&RansSymbol::new((i % 2) * SCALE / 2, SCALE / 2));
        }
        let mut out = Vec::new();
        enc.finish(&mut out);
        let decode = |data: &[u8]| {
            let mut dec = RansDecoder::new(data);
            for _ in 0..1000 {
                let start = dec.slot() / (SCALE / 2) * (SCALE / 2);
                dec.advance(start, SCALE / 2);
            }
            dec.finish()
        };
        assert!(decode(&out).is_ok());
        let err = decode(&out[..out.len() - 3]).unwrap_err();
        assert!(err.1.contains("truncated"), "{err:?}");
        let mut longer = out.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().1.contains("trailing"));
    }
}
