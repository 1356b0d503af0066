//! Tabled residuals (format version 6, FORMAT.md section 5, "Tabled residuals"): the
//! residuals of a `ratio` block coded with static per-context frequency tables on rANS
//! ([`super::rans`]), the tables shared by the whole stream (its codebook).
//!
//! Each residual `r` is split into a *token* and raw bits ([`super::bits`]):
//!
//! - token 0: `r = 0`;
//! - tokens 1-4: `|r| = 1..4`, no magnitude bits;
//! - tokens 5-62: `m = |r| - 1 >= 4` of bit length `n` (3..=31), token `5 + 2 (n - 3) + b`
//!   with `b` the bit below the leading one; the `n - 2` bits below `b` are raw.
//!
//! A nonzero residual's raw bits are `(magnitude bits << 1) | sign` (sign 1: negative).
//! Tokens are rANS-coded with the table of their context: as in the adaptive coder
//! ([`super::context::walk`]) a level (0-3, interpolation predictors only) and the log
//! activity of the three causal neighbours ([`super::context::log_activity`]).
//!
//! Against the adaptive coder it gives up adaptation inside a block and pays for its
//! tables once per stream, for a decoder that does one table lookup per residual instead
//! of one binary decision per bit: core/benches/README.md ("Format 6") measures both.

use super::bits::{BitReader, BitWriter};
use super::context::{
    log_activity, segment_planes, walk, ReadOnly, LEVELS, LOG_ACTIVITIES, LOG_NEIGHBOUR_CAP,
};
use super::rans::{RansDecoder, RansEncoder, RansSymbol, SCALE, SCALE_BITS};
use super::ResidualEncoder;
use crate::error::{Error, ErrorKind, Result};
use crate::format::ByteReader;

/// Contexts: activity x level.
pub const CONTEXTS: usize = LOG_ACTIVITIES * LEVELS;
/// Tokens 0..=62.
pub const TOKENS: usize = 63;
/// The decoder's marker for a slot of a context the stream has no table for.
const NO_TOKEN: u8 = TOKENS as u8;
/// Per token (and [`NO_TOKEN`]): `|r|` of its smallest residual (0 for token 0 and the
/// marker), and how many raw bits follow (sign and magnitude bits; 0 for token 0 and the
/// marker).
const TOKEN_MAGNITUDE: [u32; TOKENS + 1] = {
    let mut t = [0u32; TOKENS + 1];
    let mut k = 1;
    while k < TOKENS {
        t[k] = 1 + if k <= 4 { k as u32 - 1 } else { (2 + ((k as u32 - 5) & 1)) << (1 + (k as u32 - 5) / 2) };
        k += 1;
    }
    t
};
const TOKEN_RAW_BITS: [u8; TOKENS + 1] = {
    let mut t = [0u8; TOKENS + 1];
    let mut k = 1;
    while k < TOKENS {
        t[k] = if k <= 4 { 1 } else { 2 + (k as u8 - 5) / 2 };
        k += 1;
    }
    t
};

/// The token of `r` and, for a nonzero `r`, its raw bits and their count.
#[inline(always)]
fn token(r: i32) -> (usize, u32, u32) {
    if r == 0 {
        return (0, 0, 0);
    }
    let sign = u32::from(r < 0);
    let m = r.unsigned_abs() - 1;
    if m < 4 {
        return (1 + m as usize, sign, 1);
    }
    let n = 32 - m.leading_zeros();
    let t = 5 + 2 * (n as usize - 3) + ((m >> (n - 2)) & 1) as usize;
    let extra = m & ((1 << (n - 2)) - 1);
    (t, (extra << 1) | sign, n - 1)
}

/// Token counts per context, of a block or (merged) of a stream.
#[derive(Clone, Debug)]
pub struct TokenCounts(Box<[[u64; TOKENS]; CONTEXTS]>);

impl Default for TokenCounts {
    fn default() -> Self {
        TokenCounts(Box::new([[0; TOKENS]; CONTEXTS]))
    }
}

impl TokenCounts {
    /// The counts of one block's residuals (`extent` and `levels` as for its coder); each
    /// residual's context and token, `context << 8 | token`, replace `symbols` (for
    /// [`TabledCoder::symbols`]).
    pub fn of_block(extent: [usize; 4], levels: bool, residuals: &[i32], symbols: &mut Vec<u16>) -> Self {
        let mut counts = TokenCounts::default();
        // written by index, not pushed: a push keeps the length in memory (the counts' stores
        // might alias it), one more store-to-load chain per value
        symbols.clear();
        symbols.resize(residuals.len(), 0);
        walk(
            extent,
            segment_planes(extent, 1, 0),
            levels,
            LOG_NEIGHBOUR_CAP,
            log_activity,
            &mut ReadOnly(residuals),
            |v, i, ctx| {
                let t = token(v[i]).0;
                counts.0[ctx][t] += 1;
                symbols[i] = (ctx << 8 | t) as u16;
                v[i]
            },
        );
        counts
    }

    /// The sum of two counts.
    pub fn merge(mut self, other: &TokenCounts) -> TokenCounts {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self
    }
}

/// The stream's frequency tables: per context, each token's frequency (summing to
/// `2^SCALE_BITS` where the context occurs, all 0 where it does not), and the decoder's
/// slot-to-token lookup.
#[derive(Clone)]
pub struct ContextTables {
    freq: Box<[[u16; TOKENS]; CONTEXTS]>,
    /// Per context and token (and [`NO_TOKEN`]): `start | freq << 16`.
    entry: Box<[[u32; TOKENS + 1]; CONTEXTS]>,
    /// Per context: the token of each slot.
    lookup: Box<[[u8; SCALE as usize]; CONTEXTS]>,
    /// Per context and token: the encoder's form (default where the frequency is 0).
    symbol: Box<[[RansSymbol; TOKENS]; CONTEXTS]>,
}

impl std::fmt::Debug for ContextTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.freq.iter().filter(|c| c.iter().any(|&x| x > 0)).count();
        write!(f, "ContextTables({used} of {CONTEXTS} contexts)")
    }
}

/// Frequencies summing to [`SCALE`] from counts (all 0 if the counts are): every counted
/// token gets at least 1, the rest in proportion, rounded; the rounding difference goes to
/// (or comes from) the largest frequencies, first token first on ties. Integer-only, so
/// every machine computes the same tables.
fn normalise(counts: &[u64; TOKENS]) -> [u16; TOKENS] {
    let total: u64 = counts.iter().sum();
    let mut f = [0u16; TOKENS];
    if total == 0 {
        return f;
    }
    for (f, &c) in f.iter_mut().zip(counts) {
        if c > 0 {
            let scaled = (u128::from(c) * u128::from(SCALE) + u128::from(total) / 2) / u128::from(total);
            *f = scaled.clamp(1, u128::from(SCALE)) as u16;
        }
    }
    let mut diff = i64::from(SCALE) - f.iter().map(|&x| i64::from(x)).sum::<i64>();
    while diff != 0 {
        let largest = (0..TOKENS).max_by_key(|&k| (f[k], std::cmp::Reverse(k))).expect("tokens");
        if diff > 0 {
            f[largest] += diff as u16;
            diff = 0;
        } else {
            let take = (-diff).min(i64::from(f[largest]) - 1);
            f[largest] -= take as u16;
            diff += take;
        }
    }
    f
}

impl ContextTables {
    /// The tables of a stream from its merged token counts.
    pub fn from_counts(counts: &TokenCounts) -> Self {
        let mut freq = Box::new([[0u16; TOKENS]; CONTEXTS]);
        for (f, c) in freq.iter_mut().zip(counts.0.iter()) {
            *f = normalise(c);
        }
        Self::from_freq(freq)
    }

    fn from_freq(freq: Box<[[u16; TOKENS]; CONTEXTS]>) -> Self {
        let mut entry = Box::new([[0u32; TOKENS + 1]; CONTEXTS]);
        let mut lookup = Box::new([[NO_TOKEN; SCALE as usize]; CONTEXTS]);
        let mut symbol = Box::new([[RansSymbol::default(); TOKENS]; CONTEXTS]);
        for ctx in 0..CONTEXTS {
            let mut start = 0u32;
            for t in 0..TOKENS {
                let f = u32::from(freq[ctx][t]);
                entry[ctx][t] = start | f << 16;
                lookup[ctx][start as usize..(start + f) as usize].fill(t as u8);
                if f > 0 {
                    symbol[ctx][t] = RansSymbol::new(start, f);
                }
                start += f;
            }
            // a context without a table: every slot is the marker, which changes nothing
            entry[ctx][TOKENS] = SCALE << 16;
        }
        ContextTables { freq, entry, lookup, symbol }
    }

    /// The bits the tokens counted in `counts` take with these tables (to within the
    /// rANS coder's few bytes), their raw bits included, the tables not.
    pub fn token_bits(&self, counts: &TokenCounts) -> f64 {
        let mut bits = 0.0f64;
        for (c, f) in counts.0.iter().zip(self.freq.iter()) {
            for t in 0..TOKENS {
                if c[t] > 0 {
                    let cost = f64::from(SCALE_BITS) - f64::from(f[t]).log2() + f64::from(TOKEN_RAW_BITS[t]);
                    bits += c[t] as f64 * cost;
                }
            }
        }
        bits
    }

    /// [`token_bits`](Self::token_bits) plus the serialised tables.
    pub fn coded_bits(&self, counts: &TokenCounts) -> u64 {
        self.token_bits(counts).ceil() as u64 + 8 * self.serialized_bytes() as u64
    }

    /// The size of the tables as [`write`](Self::write) writes them.
    pub fn serialized_bytes(&self) -> usize {
        let mut table = Vec::new();
        self.write(&mut table);
        table.len()
    }

    /// Serialises the tables (FORMAT.md section 5, "Tabled residuals"): per context,
    /// `u8 first`, `u8 count` (0: no table) and `count` frequencies of tokens
    /// `first..first + count` as LEB128.
    pub fn write(&self, out: &mut Vec<u8>) {
        for f in self.freq.iter() {
            let Some(first) = f.iter().position(|&x| x > 0) else {
                out.extend_from_slice(&[0, 0]);
                continue;
            };
            let last = f.iter().rposition(|&x| x > 0).expect("nonzero");
            out.extend_from_slice(&[first as u8, (last + 1 - first) as u8]);
            for &x in &f[first..=last] {
                let mut v = x;
                while v >= 0x80 {
                    out.push(v as u8 | 0x80);
                    v >>= 7;
                }
                out.push(v as u8);
            }
        }
    }

    /// Reads tables written by [`write`](Self::write), checking every count and sum.
    pub fn read(r: &mut ByteReader<'_>) -> Result<Self> {
        let mut freq = Box::new([[0u16; TOKENS]; CONTEXTS]);
        for (ctx, f) in freq.iter_mut().enumerate() {
            let at = r.offset();
            let (first, count) = (r.u8()? as usize, r.u8()? as usize);
            if first + count > TOKENS {
                return Err(r.error(format_args!(
                    "context {ctx} (byte offset {at}): tokens {first}..{} beyond the last token {}",
                    first + count,
                    TOKENS - 1
                )));
            }
            let mut sum = 0u32;
            for x in &mut f[first..first + count] {
                let at = r.offset();
                let mut v = 0u32;
                let mut shift = 0;
                loop {
                    let b = r.u8()?;
                    v |= u32::from(b & 0x7F) << shift;
                    if b < 0x80 {
                        break;
                    }
                    shift += 7;
                    if shift > 14 {
                        return Err(r.error(format_args!(
                            "context {ctx}: frequency at byte offset {at} is too long"
                        )));
                    }
                }
                if v > SCALE {
                    return Err(r.error(format_args!(
                        "context {ctx}: frequency {v} at byte offset {at} exceeds {SCALE}"
                    )));
                }
                *x = v as u16;
                sum += v;
            }
            if count > 0 && sum != SCALE {
                return Err(r.error(format_args!(
                    "context {ctx} (byte offset {at}): frequencies sum to {sum}, must be {SCALE}"
                )));
            }
        }
        Ok(Self::from_freq(freq))
    }
}

/// The coder of one block with the stream's tables.
#[derive(Debug, Clone, Copy)]
pub struct TabledCoder<'a> {
    /// The stream's tables.
    pub tables: &'a ContextTables,
    /// The block's extent, padded to 4 axes with leading 1s.
    pub extent: [usize; 4],
    /// Whether the level context applies (interpolation predictors).
    pub levels: bool,
    /// The block's contexts and tokens as [`TokenCounts::of_block`] gave them, if at hand
    /// (the encoder then skips the context walk).
    pub symbols: Option<&'a [u16]>,
}

impl<'a> TabledCoder<'a> {
    /// The coder of a block of `extent` whose payload's predictor byte is `predictor`
    /// (levels unless Lorenzo, as for [`super::ContextCoder::for_block`]).
    pub fn for_block(tables: &'a ContextTables, extent: [usize; 4], predictor: u8) -> Self {
        TabledCoder {
            tables,
            extent,
            levels: predictor != crate::predict::PredictorKind::Lorenzo as u8,
            symbols: None,
        }
    }
}

/// Appends a `u32` count of the bytes `write` appends, then those bytes (written in place:
/// the count is patched in after them).
fn write_len_prefixed(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let n = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&n.to_le_bytes());
}

impl ResidualEncoder for TabledCoder<'_> {
    /// `u32 n_rans`, the rANS bytes, `u32 n_bits`, the bit stream's bytes. Every token
    /// must have a nonzero frequency in its context (the tables come from these residuals).
    fn encode(&self, residuals: &[i32], out: &mut Vec<u8>) {
        let mut walked = Vec::new();
        let symbols = match self.symbols {
            Some(s) => s,
            None => {
                TokenCounts::of_block(self.extent, self.levels, residuals, &mut walked);
                &walked
            }
        };
        debug_assert_eq!(symbols.len(), residuals.len());
        let mut rans = RansEncoder::with_capacity(residuals.len() / 2);
        for &s in symbols.iter().rev() {
            rans.put(&self.tables.symbol[usize::from(s >> 8)][usize::from(s & 0xFF)]);
        }
        write_len_prefixed(out, |out| rans.finish(out));
        write_len_prefixed(out, |out| {
            let mut bits = BitWriter::new(out);
            for &r in residuals {
                let (_, raw, n_raw) = token(r);
                bits.put(raw, n_raw);
            }
            bits.finish();
        });
    }

    fn decode(&self, input: &mut ByteReader<'_>, residuals: &mut [i32]) -> Result<()> {
        let n_rans = input.u32()? as usize;
        let rans_at = input.offset();
        let mut rans = RansDecoder::new(input.bytes(n_rans)?);
        let n_bits = input.u32()? as usize;
        let bits_at = input.offset();
        let mut bits = BitReader::new(input.bytes(n_bits)?);
        let mut no_table = false;
        let tables = self.tables;
        walk(
            self.extent,
            segment_planes(self.extent, 1, 0),
            self.levels,
            LOG_NEIGHBOUR_CAP,
            log_activity,
            residuals,
            |v, i, ctx| {
                let t = tables.lookup[ctx][rans.slot() as usize] as usize;
                let e = tables.entry[ctx][t];
                rans.advance(e & 0xFFFF, e >> 16);
                no_table |= t == TOKENS;
                // branch-free: token 0 and the marker read no bits and give 0
                let raw = bits.get(u32::from(TOKEN_RAW_BITS[t]));
                let negative = raw & 1;
                // |r| <= 2^31: wraps to i32::MIN only for -2^31, as encoded
                let magnitude = TOKEN_MAGNITUDE[t].wrapping_add(raw >> 1);
                let r = (magnitude ^ negative.wrapping_neg()).wrapping_add(negative) as i32;
                v[i] = r;
                r
            },
        );
        let corrupt = |at: usize, what: String| {
            Error::new(ErrorKind::CorruptStream, format!("tabled residuals at byte offset {at}: {what}"))
        };
        if no_table {
            return Err(corrupt(
                rans_at,
                "a value falls in a context the stream has no table for".to_string(),
            ));
        }
        rans.finish().map_err(|(offset, what)| corrupt(rans_at + offset, what))?;
        bits.finish().map_err(|(offset, what)| corrupt(bits_at + offset, what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_every_residual_once() {
        for r in [0, 1, -1, 2, 4, -5, 5, 6, 7, 8, 9, 100, -1000, 1 << 20, i32::MAX, i32::MIN, i32::MIN + 1] {
            let (t, raw, n) = token(r);
            if r == 0 {
                assert_eq!((t, n), (0, 0));
                continue;
            }
            assert_eq!(n, u32::from(TOKEN_RAW_BITS[t]), "r {r}");
            assert_eq!(TOKEN_MAGNITUDE[t] + (raw >> 1), r.unsigned_abs(), "r {r}");
            assert_eq!(raw & 1 == 1, r < 0);
        }
        // the tokens' ranges tile 1..=2^31 without gaps
        for t in 1..TOKENS - 1 {
            assert_eq!(
                TOKEN_MAGNITUDE[t] + (1 << (TOKEN_RAW_BITS[t] - 1)),
                TOKEN_MAGNITUDE[t + 1],
                "token {t}"
            );
        }
        let last = TOKENS - 1;
        assert_eq!(u64::from(TOKEN_MAGNITUDE[last]) + (1 << (TOKEN_RAW_BITS[last] - 1)), (1 << 31) + 1);
        assert_eq!(
            (TOKEN_MAGNITUDE[0], TOKEN_RAW_BITS[0], TOKEN_MAGNITUDE[TOKENS], TOKEN_RAW_BITS[TOKENS]),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn activity_is_a_log_scale() {
        let a: Vec<usize> =
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 16, 24, 32, 48, 64, 96, 128, 191, 192, 1 << 30]
                .iter()
                .map(|&s| log_activity(s))
                .collect();
        assert_eq!(a, [0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15, 15]);
    }

    #[test]
    fn normalised_frequencies_sum_to_the_scale_and_keep_every_token() {
        let mut c = [0u64; TOKENS];
        c[0] = 10_000_000;
        c[3] = 1;
        c[62] = 2;
        c[7] = 5000;
        let f = normalise(&c);
        assert_eq!(f.iter().map(|&x| u32::from(x)).sum::<u32>(), SCALE);
        for k in 0..TOKENS {
            assert_eq!(f[k] > 0, c[k] > 0, "token {k}");
        }
        let mut one = [0u64; TOKENS];
        one[4] = 3;
        assert_eq!(normalise(&one)[4], SCALE as u16);
        assert_eq!(normalise(&[0; TOKENS]), [0; TOKENS]);
    }

    fn round_trip(residuals: &[i32], extent: [usize; 4], levels: bool) -> Vec<u8> {
        let tables =
            ContextTables::from_counts(&TokenCounts::of_block(extent, levels, residuals, &mut Vec::new()));
        let mut table_bytes = Vec::new();
        tables.write(&mut table_bytes);
        let tables =
            ContextTables::read(&mut ByteReader::new(&table_bytes, 0, "tables")).expect("tables read");
        super::super::assert_round_trip(
            &TabledCoder { tables: &tables, extent, levels, symbols: None },
            residuals,
        )
    }

    #[test]
    fn residuals_round_trip_at_every_magnitude() {
        let mut s = 1u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let extent = [1, 8, 16, 32];
        let n = 8 * 16 * 32;
        let mut v: Vec<i32> = (0..n).map(|_| (next() % 7) as i32 - 3).collect();
        round_trip(&v, extent, true);
        for (k, x) in v.iter_mut().enumerate().step_by(37) {
            *x = (next() as i32) >> (k % 31);
        }
        v[5] = i32::MIN;
        v[6] = i32::MAX;
        round_trip(&v, extent, false);
        round_trip(&vec![0; n], extent, true);
    }

    #[test]
    fn low_entropy_costs_little() {
        let extent = [1, 1, 64, 64];
        let v: Vec<i32> = (0..4096).map(|i| i32::from(i % 97 == 0)).collect();
        let out = round_trip(&v, extent, false);
        assert!(out.len() < 120, "{} bytes", out.len());
    }

    #[test]
    fn bad_tables_and_payloads_are_errors() {
        // frequencies that do not sum to the scale
        let mut bytes = vec![0u8; 2 * CONTEXTS];
        bytes[0] = 2;
        bytes[1] = 1;
        bytes.insert(2, 5);
        let err = ContextTables::read(&mut ByteReader::new(&bytes, 100, "codebook")).unwrap_err();
        assert!(err.message().contains("sum to 5"), "{}", err.message());
        // a token range past the last token
        let mut bytes = vec![0u8; 2 * CONTEXTS];
        bytes[0] = 60;
        bytes[1] = 4;
        let err = ContextTables::read(&mut ByteReader::new(&bytes, 0, "codebook")).unwrap_err();
        assert!(err.message().contains("beyond the last token"), "{}", err.message());
        // a payload decoded with tables that lack its context
        let extent = [1, 1, 1, 64];
        let v: Vec<i32> = (0..64).map(|i| i % 5).collect();
        let tables = ContextTables::from_counts(&TokenCounts::of_block(extent, false, &v, &mut Vec::new()));
        let mut out = Vec::new();
        TabledCoder { tables: &tables, extent, levels: false, symbols: None }.encode(&v, &mut out);
        let empty = ContextTables::from_counts(&TokenCounts::default());
        let mut back = vec![0; 64];
        let err = TabledCoder { tables: &empty, extent, levels: false, symbols: None }
            .decode(&mut ByteReader::new(&out, 0, "test"), &mut back)
            .unwrap_err();
        assert!(err.message().contains("no table"), "{}", err.message());
        // truncated
        let err = TabledCoder { tables: &tables, extent, levels: false, symbols: None }
            .decode(&mut ByteReader::new(&out[..out.len() - 1], 0, "test"), &mut back)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CorruptStream);
    }
}
