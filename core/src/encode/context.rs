//! Context-modelled residual coding for the `ratio` encoding (format version 3, FORMAT.md
//! "Context-coded residuals"): each residual of a block, in C order, is binarised and its
//! bits are coded with the adaptive binary range coder of [`super::range`], in contexts
//! taken from what the decoder already knows:
//!
//! - *activity* `a` (0..=7): the sum of `min(|r|, 3)` over the residuals one step back on
//!   each of the block's three fastest axes (those inside the block), capped at 7;
//! - *level* `l` (0..=3): for interpolation predictors, the smallest number of trailing
//!   zero bits of the point's coordinates on the axes longer than 1 (coarse points have
//!   large residuals), capped at 3; 0 for Lorenzo.
//!
//! Context `c = 4 a + l`. Binarisation of a residual `r`: a zero flag (context `c`); if
//! non-zero, a sign bit (context `c`), then `m = |r| - 1` as its bit length `n` in unary
//! (`n` ones then a zero unless `n` = 31; position `j` of the unary code has its own
//! probability in context `c`), then the bit below the leading one of `m` (one probability
//! per `n`) and the `n - 2` lower bits at probability one half, most significant first.
//!
//! From format version 7 a block's residuals are coded in one or more *segments*: runs of
//! planes along the block's slowest axis longer than 1 ([`segment_planes`]), each walked
//! as if it were a block of its own (neighbours only inside it, levels from the block's
//! coordinates) with its own range coder and probabilities, so they decode in parallel.
//! The encoder uses two in a stream of one block (`engine::cpu`), one otherwise.
//!
//! Every probability starts at one half in each segment, so blocks decode independently. It
//! adapts with the range coder's [`Fast`] schedule in format versions 3 and 4 and in small
//! blocks, with the [`Counted`] one from version 5 on in blocks of [`COUNTED_MIN_VALUES`]
//! or more (1-4% smaller streams at rel 1e-2 and PW_REL 1-40%).
//! Compared with Huffman + zstd this removes the one-bit floor per residual and follows
//! local activity: 9-33% more ratio at rel 1e-2 on ../shared/data, for half the decoding
//! speed (measured: core/benches/README.md, "What each format-3 step buys and costs").

use std::ops::{Index, Range};

use rayon::prelude::*;

use super::range::{Counted, Fast, Prob, RangeDecoder, RangeEncoder, Schedule};
use super::ResidualEncoder;
use crate::error::{Error, ErrorKind, Result};
use crate::format::ByteReader;

/// Activity classes of the linear activity and of the log-scale one (format 6: block
/// coder 3, and the tabled coder).
const ACTIVITIES: usize = 8;
pub(crate) const LOG_ACTIVITIES: usize = 16;
pub(crate) const LEVELS: usize = 4;
/// Contexts, for the larger of the two activities.
const CONTEXTS: usize = LOG_ACTIVITIES * LEVELS;
/// Each neighbour's contribution to the log-scale activity's sum is capped here (no
/// overflow).
pub(crate) const LOG_NEIGHBOUR_CAP: u32 = 1 << 20;

/// Log-scale activity class of a neighbour sum below 256 (larger sums are class 15).
const LOG_ACTIVITY: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut s = 0;
    while s < 256 {
        t[s] = if s < 4 {
            s as u8
        } else {
            let n = 32 - (s as u32).leading_zeros();
            let a = 4 + 2 * (n - 3) + ((s as u32 >> (n - 2)) & 1);
            if a > 15 {
                15
            } else {
                a as u8
            }
        };
        s += 1;
    }
    t
};

/// The log-scale activity (format 6): `s` for a neighbour sum `s < 4`, else
/// `4 + 2 (bitlen(s) - 3) + (the bit of s below its leading one)`, capped at 15. Where
/// residuals are large (PW_REL 1-5%) the linear activity saturates; this one keeps telling
/// smooth from rough.
#[inline(always)]
pub(crate) fn log_activity(sum: u32) -> usize {
    LOG_ACTIVITY[sum.min(255) as usize] as usize
}
/// Largest bit length of `|r| - 1` (|r| <= 2^31).
const MAX_LEN: usize = 31;
/// Smallest block (values) whose probabilities adapt with the slow [`Counted`] schedule
/// (version 5). Smaller blocks see too few bits per context for it: on the 8x8x128
/// sz2_testfloat field (blocks of 4,096) it made PW_REL streams 7-10% larger, where blocks
/// of 32^3 and more gained 1-4%.
pub const COUNTED_MIN_VALUES: usize = 1 << 15;

/// The coder of one block: its extent, whether its predictor has levels, and the stream's
/// format version (which fixes the probabilities' adaptation schedule).
#[derive(Debug, Clone, Copy)]
pub struct ContextCoder {
    /// The block's extent, padded to 4 axes with leading 1s.
    pub extent: [usize; 4],
    /// Whether the level context applies (interpolation predictors).
    pub levels: bool,
    /// Format version of the stream: [`Counted`] adaptation from version 5 on, [`Fast`]
    /// before.
    pub version: u16,
    /// Whether contexts use [`log_activity`] instead of the linear activity (format 6,
    /// block coder 3).
    pub log_activity: bool,
    /// How many segments the encoder codes the block in (format 7 on; must be 1 before,
    /// and at most 255 and the block's extent along [`segment_axis`]). The decoder reads
    /// the count from the stream.
    pub segments: usize,
}

impl ContextCoder {
    /// The coder of a block of `extent` whose payload's predictor byte is `predictor`
    /// (FORMAT.md: the level context applies unless the predictor is Lorenzo, code 1), in a
    /// stream of format `version`, with the linear or the log activity.
    pub fn for_block(extent: [usize; 4], predictor: u8, version: u16, log_activity: bool) -> Self {
        let levels = predictor != crate::predict::PredictorKind::Lorenzo as u8;
        ContextCoder { extent, levels, version, log_activity, segments: 1 }
    }

    /// Whether the probabilities adapt with [`Counted`]: from format version 5 on, in blocks
    /// of at least [`COUNTED_MIN_VALUES`] values.
    fn counted(&self) -> bool {
        self.version >= 5 && self.extent.iter().product::<usize>() >= COUNTED_MIN_VALUES
    }
}

/// The adaptive probabilities of one block.
struct Model {
    zero: [Prob; CONTEXTS],
    sign: [Prob; CONTEXTS],
    unary: [[Prob; MAX_LEN]; CONTEXTS],
    first_bit: [Prob; MAX_LEN + 1],
}

impl Model {
    fn new() -> Box<Self> {
        Box::new(Model {
            zero: [Prob::default(); CONTEXTS],
            sign: [Prob::default(); CONTEXTS],
            unary: [[Prob::default(); MAX_LEN]; CONTEXTS],
            first_bit: [Prob::default(); MAX_LEN + 1],
        })
    }
}

/// First format version whose context-coded residuals are in segments.
pub const SEGMENTS_VERSION: u16 = 7;

/// The axis a block's segments divide: its slowest axis longer than 1 (the fastest when
/// none is).
pub(crate) fn segment_axis(extent: [usize; 4]) -> usize {
    (0..4).find(|&a| extent[a] > 1).unwrap_or(3)
}

/// The planes along [`segment_axis`] of segment `j` of `k`: `[j E / k, (j + 1) E / k)`
/// for the block's extent `E` on that axis (`0..E` for the whole block: `k = 1`).
pub(crate) fn segment_planes(extent: [usize; 4], k: usize, j: usize) -> Range<usize> {
    let e = extent[segment_axis(extent)];
    j * e / k..(j + 1) * e / k
}

/// Where the values of `planes` lie in the block's (C order): every axis before the
/// segment axis has extent 1, so a run of planes is contiguous.
pub(crate) fn segment_values(extent: [usize; 4], planes: &Range<usize>) -> Range<usize> {
    let plane: usize = extent[segment_axis(extent) + 1..].iter().product();
    planes.start * plane..planes.end * plane
}

/// The `k` segments of a block of `extent`: each one's planes and its run of `values`
/// (the block's, C order). The engine quantizes a lone block in the same runs.
pub(crate) fn split_segments<T>(
    extent: [usize; 4],
    k: usize,
    values: &mut [T],
) -> Vec<(Range<usize>, &mut [T])> {
    let mut rest = values;
    (0..k)
        .map(|j| {
            let planes = segment_planes(extent, k, j);
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(segment_values(extent, &planes).len());
            rest = tail;
            (planes, mine)
        })
        .collect()
}

/// The residuals [`walk`] goes over: a decoder's `[i32]` as it fills them, or an
/// encoder's [`ReadOnly`] input (no copy needed).
pub(crate) trait Residuals: Index<usize, Output = i32> {
    /// Residuals `start..start + len`.
    fn run(&self, start: usize, len: usize) -> &[i32];
}

impl Residuals for [i32] {
    #[inline(always)]
    fn run(&self, start: usize, len: usize) -> &[i32] {
        &self[start..start + len]
    }
}

/// An encoder's residuals for [`walk`], which only reads them.
pub(crate) struct ReadOnly<'a>(pub &'a [i32]);

impl Index<usize> for ReadOnly<'_> {
    type Output = i32;
    #[inline(always)]
    fn index(&self, i: usize) -> &i32 {
        &self.0[i]
    }
}

impl Residuals for ReadOnly<'_> {
    #[inline(always)]
    fn run(&self, start: usize, len: usize) -> &[i32] {
        &self.0[start..start + len]
    }
}

/// Walks the residuals of a block's segment `planes` ([`segment_planes`]; `residuals`
/// holds that segment's only) in C order and calls `f(residuals, index, context)` with the
/// context of each point, from the segment's residuals before it only (what a decoder
/// already has); `f` returns the residual at `index` (a decoder: the one it decoded).
/// `context = activity(sum) * LEVELS + level`, where `sum` adds `min(|r|, cap)` over the
/// residuals one step back on each of the block's three fastest axes and `level` is the
/// fewest trailing zero bits of the point's coordinates on the axes longer than 1, capped
/// at `LEVELS - 1` (0 without `levels`). Shared by the adaptive coder and the tabled one
/// ([`super::tabled`]), which differ in `cap` and `activity`.
///
/// Per row (a line along the fastest axis), the part of every point's context that the
/// rows before it fix (the row and plane behind, the level) is computed first, in a loop
/// without dependencies; the point-by-point loop, whose next context waits on the value
/// just coded, only adds the value one step back.
#[inline(always)]
pub(crate) fn walk<R: Residuals + ?Sized>(
    extent: [usize; 4],
    planes: Range<usize>,
    levels: bool,
    cap: u32,
    activity: impl Fn(u32) -> usize,
    residuals: &mut R,
    mut f: impl FnMut(&mut R, usize, usize) -> i32,
) {
    // the segment's extent, and the block coordinates of its first point
    let (axis, mut e, mut origin) = (segment_axis(extent), extent, [0usize; 4]);
    (e[axis], origin[axis]) = (planes.len(), planes.start);
    // a row's length, which is also the stride to the row behind; the plane's stride
    let (n, plane) = (e[3], e[2] * e[3]);
    // the level, from block coordinates on the block's axes longer than 1, folded in axis
    // by axis outside the inner loop (0 has every trailing zero)
    let top = LEVELS as u32 - 1;
    let tz = |c: usize, axis: usize| {
        if extent[axis] > 1 {
            (c + origin[axis]).trailing_zeros().min(top)
        } else {
            top
        }
    };
    // per column of the current row: the sum over the row and plane behind, and the level
    let mut behind = vec![0u32; n];
    let mut level = vec![0usize; n];
    let mut i = 0usize;
    for c0 in 0..e[0] {
        let l0 = tz(c0, 0);
        for c1 in 0..e[1] {
            let l1 = l0.min(tz(c1, 1));
            for c2 in 0..e[2] {
                let l2 = l1.min(tz(c2, 2));
                behind.fill(0);
                for (has, stride) in [(c2 > 0, n), (c1 > 0, plane)] {
                    if has {
                        for (b, &r) in behind.iter_mut().zip(residuals.run(i - stride, n)) {
                            *b += r.unsigned_abs().min(cap);
                        }
                    }
                }
                if levels {
                    for (x, l) in level.iter_mut().enumerate() {
                        *l = l2.min(tz(x, 3)) as usize;
                    }
                }
                let mut back = 0u32;
                for (&b, &l) in behind.iter().zip(&level) {
                    let r = f(residuals, i, activity(b + back) * LEVELS + l);
                    back = r.unsigned_abs().min(cap);
                    i += 1;
                }
            }
        }
    }
}

impl ContextCoder {
    /// [`walk`] with this coder's activity: [`log_activity`] or the linear one, the sum of
    /// `min(|r|, 3)` capped at 7.
    ///
    /// `f` is walked from two call sites, so callers mark it `#[inline(always)]`: left to
    /// itself the compiler kept the coder's body out of line, its range coder state in
    /// memory (3.5-9.3% slower decoding: core/benches/README.md, "Format 6").
    #[inline(always)]
    fn for_each<R: Residuals + ?Sized>(
        &self,
        planes: Range<usize>,
        residuals: &mut R,
        f: impl FnMut(&mut R, usize, usize) -> i32,
    ) {
        let (e, l) = (self.extent, self.levels);
        if self.log_activity {
            walk(e, planes, l, LOG_NEIGHBOUR_CAP, log_activity, residuals, f)
        } else {
            walk(e, planes, l, 3, |sum| sum.min(ACTIVITIES as u32 - 1) as usize, residuals, f)
        }
    }

    /// Codes one segment's residuals: `u32 n_bytes`, then the range coder's bytes.
    fn encode_segment(&self, planes: Range<usize>, residuals: &[i32], out: &mut Vec<u8>) {
        if self.counted() {
            self.encode_with::<Counted>(planes, residuals, out)
        } else {
            self.encode_with::<Fast>(planes, residuals, out)
        }
    }

    /// Decodes one segment's range coder bytes `data` (at byte offset `at` of the stream).
    fn decode_segment(
        &self,
        planes: Range<usize>,
        data: &[u8],
        at: usize,
        residuals: &mut [i32],
    ) -> Result<()> {
        if self.counted() {
            self.decode_with::<Counted>(planes, data, at, residuals)
        } else {
            self.decode_with::<Fast>(planes, data, at, residuals)
        }
    }

    fn encode_with<S: Schedule>(&self, planes: Range<usize>, residuals: &[i32], out: &mut Vec<u8>) {
        debug_assert_eq!(residuals.len(), segment_values(self.extent, &planes).len());
        let mut bytes = Vec::with_capacity(residuals.len() / 4 + 16);
        let mut enc = RangeEncoder::new(&mut bytes);
        let mut model = Model::new();
        self.for_each(
            planes,
            &mut ReadOnly(residuals),
            #[inline(always)]
            |v, i, ctx| {
                let r = v[i];
                enc.encode_with::<S>(&mut model.zero[ctx], r != 0);
                if r == 0 {
                    return 0;
                }
                enc.encode_with::<S>(&mut model.sign[ctx], r < 0);
                let m = r.unsigned_abs() - 1;
                let n = (32 - m.leading_zeros()) as usize;
                for j in 0..n {
                    enc.encode_with::<S>(&mut model.unary[ctx][j], true);
                }
                if n < MAX_LEN {
                    enc.encode_with::<S>(&mut model.unary[ctx][n], false);
                }
                if n >= 2 {
                    enc.encode_with::<S>(&mut model.first_bit[n], (m >> (n - 2)) & 1 == 1);
                    for b in (0..n - 2).rev() {
                        enc.encode_half((m >> b) & 1 == 1);
                    }
                }
                r
            },
        );
        enc.finish();
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&bytes);
    }

    fn decode_with<S: Schedule>(
        &self,
        planes: Range<usize>,
        data: &[u8],
        at: usize,
        residuals: &mut [i32],
    ) -> Result<()> {
        let mut dec = RangeDecoder::new(data);
        let mut model = Model::new();
        self.for_each(
            planes,
            residuals,
            #[inline(always)]
            |v, i, ctx| {
                if !dec.decode_with::<S>(&mut model.zero[ctx]) {
                    v[i] = 0;
                    return 0;
                }
                let negative = dec.decode_with::<S>(&mut model.sign[ctx]);
                let mut n = 0usize;
                while n < MAX_LEN && dec.decode_with::<S>(&mut model.unary[ctx][n]) {
                    n += 1;
                }
                let mut m: u32 = u32::from(n > 0);
                if n >= 2 {
                    m = (m << 1) | u32::from(dec.decode_with::<S>(&mut model.first_bit[n]));
                    for _ in 0..n - 2 {
                        m = (m << 1) | u32::from(dec.decode_half());
                    }
                }
                // |r| = m + 1 <= 2^31: wraps to i32::MIN only for -2^31, as encoded
                let mag = m.wrapping_add(1);
                let r = if negative { (mag as i32).wrapping_neg() } else { mag as i32 };
                v[i] = r;
                r
            },
        );
        dec.finish().map_err(|(offset, what)| {
            Error::new(
                ErrorKind::CorruptStream,
                format!("context-coded residuals at byte offset {}: {what}", at + offset),
            )
        })
    }
}

impl ResidualEncoder for ContextCoder {
    /// Format 7 on: `u8 segments`, then per segment `u32 n_bytes` and the range coder's
    /// bytes (the segments coded in parallel). Before: one segment, no count.
    fn encode(&self, residuals: &[i32], out: &mut Vec<u8>) {
        debug_assert_eq!(residuals.len(), self.extent.iter().product::<usize>());
        let k = self.segments;
        if self.version < SEGMENTS_VERSION {
            debug_assert_eq!(k, 1);
            return self.encode_segment(segment_planes(self.extent, 1, 0), residuals, out);
        }
        debug_assert!((1..=255).contains(&k) && k <= self.extent[segment_axis(self.extent)].max(1));
        out.push(k as u8);
        let coded: Vec<Vec<u8>> = (0..k)
            .into_par_iter()
            .map(|j| {
                let planes = segment_planes(self.extent, k, j);
                let mut bytes = Vec::new();
                self.encode_segment(
                    planes.clone(),
                    &residuals[segment_values(self.extent, &planes)],
                    &mut bytes,
                );
                bytes
            })
            .collect();
        coded.iter().for_each(|bytes| out.extend_from_slice(bytes));
    }

    /// Decodes the segments in parallel; an error names the first bad segment's offset.
    fn decode(&self, input: &mut ByteReader<'_>, residuals: &mut [i32]) -> Result<()> {
        let e = self.extent[segment_axis(self.extent)];
        let k = if self.version < SEGMENTS_VERSION {
            1
        } else {
            let at = input.offset();
            let k = usize::from(input.u8()?);
            if k == 0 || k > e.max(1) {
                return Err(Error::corrupt(
                    "block residuals",
                    at,
                    format_args!(
                        "{k} segments in a block of {e} planes along its axis {}",
                        segment_axis(self.extent)
                    ),
                ));
            }
            k
        };
        // every segment's planes, bytes (and where they start) and residuals
        let mut segments = Vec::with_capacity(k);
        for (planes, mine) in split_segments(self.extent, k, residuals) {
            let n_bytes = input.u32()? as usize;
            let at = input.offset();
            segments.push((planes, input.bytes(n_bytes)?, at, mine));
        }
        let decode = |(planes, data, at, mine): (Range<usize>, &[u8], usize, &mut [i32])| {
            self.decode_segment(planes, data, at, mine)
        };
        if k == 1 {
            return segments.into_iter().try_for_each(decode);
        }
        let results: Vec<Result<()>> = segments.into_par_iter().map(decode).collect();
        results.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A coder of the current format version with the linear activity.
    fn current(extent: [usize; 4], levels: bool, segments: usize) -> ContextCoder {
        ContextCoder { extent, levels, version: crate::format::FORMAT_VERSION, log_activity: false, segments }
    }

    fn round_trip(residuals: &[i32], extent: [usize; 4], levels: bool) -> usize {
        super::super::assert_round_trip(&current(extent, levels, 1), residuals).len()
    }

    #[test]
    fn extremes_and_mixtures_round_trip() {
        let mut v =
            vec![0i32, 1, -1, 2, -2, 3, 1000, -1000, i32::MAX, i32::MIN, i32::MIN + 1, 1 << 30, -(1 << 30)];
        let mut s = 0x9E37_79B9u32;
        for k in 0..5000 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let r = (s as i32) >> (k % 31);
            v.push(if k % 3 == 0 { 0 } else { r });
        }
        let n = v.len();
        round_trip(&v, [1, 1, 1, n], false);
        let v2: Vec<i32> = v[..5000].to_vec();
        round_trip(&v2, [1, 10, 20, 25], true);
        round_trip(&v2, [2, 5, 20, 25], false);
        round_trip(&[], [1, 1, 1, 0], false);
    }

    #[test]
    fn the_stream_version_fixes_the_adaptation_schedule() {
        // A stationary source: 1 in 8 residuals is +-1. Version 5's counted schedule codes
        // it smaller than versions 3-4's fast one; each decodes only with its own version.
        let mut rng = crate::encode::test_rng(0x2545_F491);
        let v: Vec<i32> = (0..32 * 32 * 32)
            .map(|_| {
                let s = rng();
                if s.is_multiple_of(8) {
                    if s & 8 == 0 {
                        1
                    } else {
                        -1
                    }
                } else {
                    0
                }
            })
            .collect();
        let extent = [1, 32, 32, 32];
        let coded = |version: u16| {
            let mut out = Vec::new();
            ContextCoder { extent, levels: false, version, log_activity: false, segments: 1 }
                .encode(&v, &mut out);
            out
        };
        let (v4, v5) = (coded(4), coded(5));
        assert!(v5.len() < v4.len(), "v5 {} bytes, v4 {} bytes", v5.len(), v4.len());
        for (version, bytes) in [(4, &v4), (5, &v5)] {
            let mut back = vec![0; v.len()];
            let coder = ContextCoder { extent, levels: false, version, log_activity: false, segments: 1 };
            coder.decode(&mut ByteReader::new(bytes, 0, "test"), &mut back).expect("decodes");
            assert_eq!(back, v, "version {version}");
            let other_version = if version == 4 { 5 } else { 4 };
            let other = ContextCoder {
                extent,
                levels: false,
                version: other_version,
                log_activity: false,
                segments: 1,
            };
            let mut wrong = vec![0; v.len()];
            let res = other.decode(&mut ByteReader::new(bytes, 0, "test"), &mut wrong);
            assert!(res.is_err() || wrong != v, "version {version} bytes under the other schedule");
        }
        // Small blocks keep the fast schedule in version 5.
        let small = [1, 1, 64, 64];
        let code = |version: u16| {
            let mut out = Vec::new();
            ContextCoder { extent: small, levels: false, version, log_activity: false, segments: 1 }
                .encode(&v[..4096], &mut out);
            out
        };
        assert_eq!(code(4), code(5));
    }

    #[test]
    fn mostly_zero_residuals_cost_far_less_than_a_bit() {
        let v: Vec<i32> = (0..64 * 64).map(|i| if i % 97 == 0 { 1 } else { 0 }).collect();
        let bytes = round_trip(&v, [1, 1, 64, 64], true);
        assert!(bytes * 8 < v.len() / 4, "{bytes} bytes for {} residuals", v.len());
    }

    #[test]
    fn segments_round_trip_on_every_axis_count() {
        let mut rng = crate::encode::test_rng(0x51ED_270B);
        for extent in [[1, 12, 10, 9], [1, 1, 40, 33], [1, 1, 1, 1000], [3, 4, 5, 6], [1, 1, 1, 1]] {
            let n: usize = extent.iter().product();
            let v: Vec<i32> = (0..n).map(|_| (rng() % 7) as i32 - 3).collect();
            let planes = extent[segment_axis(extent)];
            for k in [1, 2, 3, planes.min(255)] {
                if k > planes {
                    continue;
                }
                let coder = ContextCoder { log_activity: k % 2 == 0, ..current(extent, true, k) };
                let out = super::super::assert_round_trip(&coder, &v);
                assert_eq!(usize::from(out[0]), k, "{extent:?}: the count comes first");
            }
        }
    }

    #[test]
    fn a_segment_takes_its_levels_from_block_coordinates() {
        // 20 planes in two segments of 10: the second starts at plane 10, whose level (1
        // trailing zero) differs from a block's first plane (3, the cap)
        let extent = [1, 20, 6, 8];
        let n: usize = extent.iter().product();
        let levels_of = |planes: Range<usize>| {
            let mut seen = Vec::new();
            let mut r = vec![0i32; segment_values(extent, &planes).len()];
            walk(
                extent,
                planes,
                true,
                3,
                |s| s.min(7) as usize,
                &mut r[..],
                |_, _, ctx| {
                    seen.push(ctx % LEVELS);
                    0
                },
            );
            seen
        };
        let whole = levels_of(0..20);
        assert_eq!(whole.len(), n);
        let second = levels_of(segment_planes(extent, 2, 1));
        assert_eq!(second, whole[n / 2..], "levels of the second segment");
        assert_eq!(second[0], 1);
    }

    #[test]
    fn bad_segment_counts_are_errors_naming_the_offset() {
        let extent = [1, 4, 8, 8];
        let v: Vec<i32> = (0..256).map(|i| i % 3 - 1).collect();
        let coder = current(extent, true, 2);
        let mut out = Vec::new();
        coder.encode(&v, &mut out);
        for k in [0u8, 5, 255] {
            let mut bad = out.clone();
            bad[0] = k;
            let mut back = vec![0; v.len()];
            let err =
                coder.decode(&mut ByteReader::new(&bad, 100, "test"), &mut back).expect_err("bad count");
            assert_eq!(err.kind(), ErrorKind::CorruptStream);
            assert!(err.message().contains("byte offset 100"), "{err}");
            assert!(err.message().contains(&format!("{k} segments in a block of 4 planes")), "{err}");
        }
    }

    #[test]
    fn truncation_is_an_error_not_a_panic() {
        let v: Vec<i32> = (0..300).map(|i| (i % 7) - 3).collect();
        let coder = current([1, 1, 10, 30], false, 1);
        let mut out = Vec::new();
        coder.encode(&v, &mut out);
        for cut in 0..out.len() {
            let mut back = vec![0; v.len()];
            let mut r = ByteReader::new(&out[..cut], 0, "test");
            assert!(coder.decode(&mut r, &mut back).is_err(), "cut at {cut}");
        }
    }
}
