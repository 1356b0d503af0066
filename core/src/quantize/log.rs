//! Logarithmic quantization for the point-wise relative (PW_REL) mode.
//!
//! A nonzero `x` maps to `l = log2|x|`, quantized in bins of width `step = 2 log2(1 + p)`
//! above `lmin` (the smallest `log2|x|` of the field): `m = round((l - lmin) / step) + 1`,
//! `code = sign(x) * m`. Code 0 is an exact zero, so zeros stay zeros and signs are kept
//! with no separate sign or zero plane; tiny values and subnormals are just small `l`.
//! `x' = sign * 2^(lmin + (m - 1) step)` has relative error at most `2^(step/2) - 1 = p`.
//! `-0.0` becomes an outlier so that its sign bit survives.
//!
//! # The definition, and the fast paths that give exactly the same result
//!
//! Streams are defined by the *exact* computation (the CUDA kernels carry a copy of it):
//! `u = (exact_math::log2(|x|) - lmin) * inv_step`, an outlier unless
//! `-0.5 <= u < Q_MAX - 1`, else `m = round_half_away(u) + 1`, reconstruction
//! `exact_math::exp2(lmin + (m - 1) * step)`, kept when [`within_pw_rel`] holds. Two fast
//! paths compute the very same codes and reconstructions, only cheaper:
//!
//! * **Reconstruction table.** `|x'|` depends on `m` only, so `rec(m)` is computed once,
//!   by the same `exact_math::exp2` on the same argument (hence bit-identical), and looked up
//!   by both the encoder's check and the decoder. Neither knows the largest code in advance,
//!   so the table is built lazily in pages of 256 codes, up to [`LogQuantizer::TABLE_CODES`]
//!   codes (2 MiB at most); a page is built once it has been asked for 64 times
//!   (until then, and above the table, `exp2` is called directly), so a sparse field (tiny
//!   `p`, few values) never makes more than 5 times the `exp2` calls it made without it.
//! * **Fast code.** For a normal `|x|`, `fast_log2` (a 128-entry table and a degree-5
//!   polynomial, no division) gives `u_f` with `|u_f - u| <= tol`, a rigorous bound derived
//!   in [`LogQuantizer::from_stream`] from both functions' error bounds. When `u_f` is
//!   farther than `tol` from every rounding boundary (the half-integers) and from the range
//!   limits `-0.5` and `Q_MAX - 1`, then `u` lies in the same open interval between two
//!   half-integers, so `round_half_away(u) == round_half_away(u_f)` and the range test
//!   agrees: the code is the exact one. Otherwise (a fraction of about `2 tol` of the values,
//!   under 1e-4 even at p = 1e-6) the exact path runs. Subnormal (f64), zero, Inf and NaN
//!   inputs always take the exact path.
//! * **No check where it cannot fail.** The reconstruction is within a factor
//!   `2^(|u - m + 1| step)` of `|x|` up to rounding; when `u_f` is far enough inside its bin
//!   (`|u_f - r| < skip`, `skip` a bit under 0.5, derived with every rounding in
//!   [`LogQuantizer::from_stream`]) and `|x|` is well inside T's normal range, `within_pw_rel`
//!   provably holds, so the encoder returns `(code, true)` without computing `x'`.
//!
//! `tests/pw_rel_exact.rs` checks codes, verdicts and reconstructions against a copy of the
//! exact definition over random values, bin boundaries and special values.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, OnceLock};

use super::{Quantizer, Q_MAX};
use crate::bound::within_pw_rel;
use crate::exact_math::{exp2, log2, round_half_away};
use crate::field::{DType, Element};

/// Codes per page of the reconstruction table.
const PAGE: usize = 256;
/// Requests for a page's codes after which the page is built (each builds `PAGE` values).
const BUILD_AFTER: u32 = 64;

/// One page of the reconstruction table: `|rec(m)|` for `PAGE` consecutive codes.
#[derive(Default)]
struct Page {
    hits: AtomicU32,
    values: OnceLock<Box<[f64]>>,
}

/// Point-wise relative quantizer; see the module docs.
pub struct LogQuantizer {
    rel_bound: f64,
    step: f64,
    lmin: f64,
    inv_step: f64,
    /// The fast code's window: it is used when `lo <= u_f < hi` and `u_f` is within
    /// `half_minus_tol` of an integer; `fast` is false when no rigorous `tol` exists.
    fast: bool,
    lo: f64,
    hi: f64,
    half_minus_tol: f64,
    /// Fast-code values with `|u_f - round(u_f)| < skip_f32` (f32) or `skip_f64` (f64) meet
    /// the bound without computing their reconstruction (see `from_stream`); 0: never.
    skip_f32: f64,
    skip_f64: f64,
    pages: Box<[Page]>,
}

impl fmt::Debug for LogQuantizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogQuantizer")
            .field("rel_bound", &self.rel_bound)
            .field("step", &self.step)
            .field("lmin", &self.lmin)
            .field("fast", &self.fast)
            .finish_non_exhaustive()
    }
}

/// Bound on `|fast_log2(x) - exact_math::log2(x)|` for every positive normal f64 `x`.
///
/// Both are within a few 1e-15 of `log2 x` plus their final additions' rounding: for
/// `fast_log2`, the truncated series `|r|^6 / (6 ln 2) <= 8.5e-16` (`|r| <= 2^-8`), the
/// table's `log2 c` (exact_math accuracy, ~1e-15), `r`'s rounding (`<= 3.2e-16`) and two
/// additions (`<= 2^-52 (|log2 x| + 1)`); `exact_math::log2`, about 1e-15 and one addition
/// (`<= 2^-53 |log2 x|`). With `|log2 x| <= 1024` that totals under 1e-14 + 4e-13 < 2^-41;
/// this bound takes 2^-36 (32 times that; the tests measure the actual difference and
/// require it under 2^-42).
const LOG2_DIFF_BOUND: f64 = 1.0 / (1u64 << 36) as f64;

/// 1.5 * 2^52: adding and subtracting it rounds an f64 below 2^51 in size to an integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// 2^-900: the smallest f64 magnitude whose check may be skipped (so that `p |x|` stays a
/// normal f64 whenever a skip is possible, p > 2^-42).
const TWO_POW_M900: f64 = f64::from_bits(123 << 52);

/// `(1 / c_i, log2 c_i)` for `c_i = 1 + (i + 0.5) / 128`, the centre of the i-th of 128
/// equal slices of [1, 2).
static LOG2_TABLE: LazyLock<[[f64; 2]; 128]> = LazyLock::new(|| {
    std::array::from_fn(|i| {
        let c = 1.0 + (i as f64 + 0.5) / 128.0;
        [1.0 / c, log2(c)]
    })
});

/// log2 of a positive normal finite `x`, within [`LOG2_DIFF_BOUND`] of `exact_math::log2`
/// (garbage for other inputs; callers check). `x = 2^e * mant`, `mant` in [1, 2) in slice
/// `i`: `log2 x = e + log2 c_i + log2(1 + r)`, `r = mant / c_i - 1`, `|r| <= 2^-8`, and
/// `log2(1 + r)` by its series to `r^5`.
#[inline(always)]
fn fast_log2(x: f64) -> f64 {
    const C1: f64 = std::f64::consts::LOG2_E;
    const C2: f64 = -std::f64::consts::LOG2_E / 2.0;
    const C3: f64 = std::f64::consts::LOG2_E / 3.0;
    const C4: f64 = -std::f64::consts::LOG2_E / 4.0;
    const C5: f64 = std::f64::consts::LOG2_E / 5.0;
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let [inv_c, log2_c] = LOG2_TABLE[((bits >> 45) & 0x7f) as usize];
    let mant = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let r = mant * inv_c - 1.0;
    let r2 = r * r;
    let poly = r * ((C1 + r * C2) + r2 * ((C3 + r * C4) + r2 * C5)); // Estrin: short chain
    (e as f64 + log2_c) + poly
}

impl LogQuantizer {
    /// Codes the reconstruction table covers (`|code|` in `1..=TABLE_CODES`); larger codes
    /// call `exp2` directly.
    pub const TABLE_CODES: usize = 1 << 18;

    /// A quantizer for `|x - x'| <= rel_bound * |x|`; `min_abs` is the smallest nonzero
    /// finite `|x|` of the field (any positive value works; 1 when there is none).
    pub fn new(rel_bound: f64, min_abs: f64) -> Self {
        let lmin = if min_abs > 0.0 && min_abs.is_finite() { log2(min_abs) } else { 0.0 };
        Self::from_stream(rel_bound, 2.0 * log2(1.0 + rel_bound), lmin)
    }
    /// The quantizer a stream describes (step and lmin taken as stored).
    pub fn from_stream(rel_bound: f64, step: f64, lmin: f64) -> Self {
        let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
        // tol >= |u_f - u| for the fast code (module docs), where a = l - lmin, u = a * inv_step
        // (and, the same way, tol >= |u_f - u*| for the real u* = (log2|x| - lmin) / step):
        // |a_f - a| <= LOG2_DIFF_BOUND + 2^-53 (|l_f - lmin| + |l - lmin|)
        //           <= LOG2_DIFF_BOUND + 2^-52 (1075 + |lmin|)       (|l| <= 1075)
        // |u_f - u| <= inv_step |a_f - a| (1 + 2^-53) + 2^-53 (|u_f| + |u|)
        //           <= inv_step |a_f - a| (1 + 2^-53) + 2^-25      (|u_f|, |u| < Q_MAX = 2^26)
        // and the whole doubled for slack. Only when that is small and every term finite.
        let eps = 1.0 / (1u64 << 52) as f64;
        let tol = 2.0
            * (inv_step * (LOG2_DIFF_BOUND + eps * (1075.0 + lmin.abs())) * (1.0 + eps)
                + 1.0 / (1u64 << 25) as f64);
        let fast = step > 0.0 && step.is_finite() && lmin.is_finite() && lmin.abs() <= 2048.0 && tol < 0.25;
        let lo = -0.5 + tol;
        let hi = (Q_MAX - 1) as f64 - tol;
        // Skipping the check. On the fast path tol also bounds |u_f - u*| for the real
        // u* = (log2|x| - lmin) / step (the bound above covers each log2's distance to the
        // true one). With r = round(u_f), the encoder's reconstruction is
        // rec = fl_T(a), a = exp2(y), y = fl(lmin + fl(r step)), and
        //   t = log2(rec / |x|) = (r - u*) step + (y - (lmin + r step)) + log2(a / 2^y) + log2(rec / a)
        //   |t| <= (|u_f - r| + tol) step + e_y + 1.5 (2^-40 + d_T),
        // e_y = 2^-52 (|lmin| + 2200) (two roundings of values below |lmin| + 1100 in size),
        // 2^-40 bounding exp2's relative error (about 1e-15, see exact_math) and d_T the
        // rounding to T (2^-24 for f32, 0 for f64; |x| in [4 MIN_POSITIVE, MAX / 4] for f32,
        // [2^-900, MAX / 4] for f64, so rec is normal and finite in T as |t| < 1, and p |x|
        // is a normal f64 whenever skip > 0, which needs p > 2^-42). within_pw_rel computes
        // |x - rec| <= p |x| margin with three roundings, so it holds when
        // 2^|t| - 1 <= q = p margin (1 - 2^-51), i.e. |t| <= log2(1 + q), and
        // log2(1 + q) >= log2(e) 2q / (2 + q) for q >= 0. Hence the check is skipped when
        // |u_f - r| < skip = (log2(e) 2q / (2 + q) (1 - 2^-40) - e_y - 1.5 (2^-40 + d_T)) / step - tol
        // (a negative skip never passes; p >= 1 or odd parameters: 0).
        let q = rel_bound * crate::bound::CHECK_MARGIN * (1.0 - 2.0 * eps);
        let t_max = std::f64::consts::LOG2_E * (2.0 * q / (2.0 + q)) * (1.0 - 1.0 / (1u64 << 40) as f64)
            - eps * (lmin.abs() + 2200.0);
        let skip = |d_t: f64| {
            let w = (t_max - 1.5 * (1.0 / (1u64 << 40) as f64 + d_t)) * inv_step - tol;
            if fast && rel_bound > 0.0 && rel_bound < 1.0 && w.is_finite() {
                w.min(0.5)
            } else {
                0.0
            }
        };
        LogQuantizer {
            rel_bound,
            step,
            lmin,
            inv_step,
            fast,
            lo,
            hi,
            half_minus_tol: 0.5 - tol,
            skip_f32: skip(1.0 / (1u64 << 24) as f64),
            skip_f64: skip(0.0),
            pages: (0..Self::TABLE_CODES / PAGE).map(|_| Page::default()).collect(),
        }
    }
    /// The point-wise relative bound p.
    pub fn rel_bound(&self) -> f64 {
        self.rel_bound
    }
    /// The bin width in log2 units.
    pub fn step(&self) -> f64 {
        self.step
    }
    /// log2 of the smallest magnitude (the value of |code| = 1).
    pub fn lmin(&self) -> f64 {
        self.lmin
    }

    /// `|x'|` of code magnitude `m >= 1`, by definition.
    #[inline(always)]
    fn rec_exact(&self, m: u32) -> f64 {
        exp2(self.lmin + (m as f64 - 1.0) * self.step)
    }

    /// `|x'|` of code magnitude `m >= 1`: from the table where built, else [`Self::rec_exact`]
    /// (the table holds the very same values).
    #[inline(always)]
    fn rec_abs(&self, m: u32) -> f64 {
        let i = m as usize - 1;
        match self.pages.get(i / PAGE) {
            Some(page) => match page.values.get() {
                Some(values) => values[i % PAGE],
                None => self.rec_unbuilt(page, i),
            },
            None => self.rec_exact(m),
        }
    }

    /// [`Self::rec_abs`] on a page not built yet: counts the request, builds the page
    /// after [`BUILD_AFTER`] of them.
    #[cold]
    #[inline(never)]
    fn rec_unbuilt(&self, page: &Page, i: usize) -> f64 {
        if page.hits.fetch_add(1, Ordering::Relaxed) + 1 < BUILD_AFTER {
            return self.rec_exact(i as u32 + 1);
        }
        let first = i - i % PAGE;
        let values =
            page.values.get_or_init(|| (first..first + PAGE).map(|j| self.rec_exact(j as u32 + 1)).collect());
        values[i % PAGE]
    }

    /// The exact definition's code (module docs), reconstructions from the table.
    #[cold]
    #[inline(never)]
    fn quantize_exact(&self, xf: f64) -> (i32, u32) {
        // log2 is NaN for +-Inf and NaN: the range test below refuses them.
        let u = (log2(xf.abs()) - self.lmin) * self.inv_step;
        if !(u >= -0.5 && u < (Q_MAX - 1) as f64) {
            return (0, 0);
        }
        let m = round_half_away(u) as i32 + 1; // u in range: exact
        (if xf < 0.0 { -m } else { m }, m as u32)
    }
}

impl Quantizer for LogQuantizer {
    #[inline(always)]
    fn quantize<T: Element>(&self, x: T) -> (i32, bool) {
        let xf = x.to_f64();
        let abs_bits = xf.to_bits() & !(1u64 << 63);
        let biased = abs_bits >> 52; // 0: zero or subnormal, 0x7ff: Inf or NaN
        let mut code = 0;
        let mut m = 0u32;
        let mut done = false;
        if self.fast && biased != 0 && biased != 0x7ff {
            let u = (fast_log2(f64::from_bits(abs_bits)) - self.lmin) * self.inv_step;
            if u >= self.lo && u < self.hi {
                // the integer nearest u (ties either way: they fail the test below), exactly:
                // u + 1.5 * 2^52 lies in [2^52, 2^53), where the spacing is 1; the low bits of
                // that sum are the integer (0 <= r < 2^26 here)
                let v = u + ROUND_MAGIC;
                let r = v - ROUND_MAGIC;
                let d = (u - r).abs();
                if d < self.half_minus_tol {
                    m = v.to_bits() as u32 + 1; // r + 1 (r >= 0 as u > -0.5)
                    code = if xf < 0.0 { -(m as i32) } else { m as i32 };
                    done = true;
                    // far enough inside its bin: the bound holds (from_stream), no check
                    let (skip, min, max) = match T::DTYPE {
                        DType::F32 => (self.skip_f32, 4.0 * f32::MIN_POSITIVE as f64, 0.25 * f32::MAX as f64),
                        _ => (self.skip_f64, TWO_POW_M900, 0.25 * f64::MAX),
                    };
                    let ax = f64::from_bits(abs_bits);
                    if d < skip && ax >= min && ax <= max {
                        return (code, true);
                    }
                }
            }
        }
        if !done {
            if xf == 0.0 {
                return (0, !xf.is_sign_negative());
            }
            (code, m) = self.quantize_exact(xf);
        }
        if m == 0 {
            // out of range, or u = -0.5 (code 0, which reconstructs to 0 != x): an outlier
            return (0, false);
        }
        let a = self.rec_abs(m);
        let rec = T::from_f64(if code < 0 { -a } else { a }).to_f64();
        if within_pw_rel(xf, rec, self.rel_bound) {
            (code, true)
        } else {
            (0, false)
        }
    }

    #[inline(always)]
    fn reconstruct<T: Element>(&self, code: i32) -> T {
        if code == 0 {
            return T::from_f64(0.0);
        }
        let a = self.rec_abs(code.unsigned_abs());
        T::from_f64(if code < 0 { -a } else { a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_signs_and_tiny_values() {
        let q = LogQuantizer::new(0.01, 1e-15);
        assert_eq!(q.quantize(0.0f64), (0, true));
        assert_eq!(q.quantize(-0.0f64), (0, false));
        assert_eq!(q.reconstruct::<f32>(0), 0.0);
        for &x in &[-1.4e-15f64, 1e-15, 0.233, -0.11789, 5.0] {
            let (c, ok) = q.quantize(x);
            assert!(ok);
            assert_eq!(c < 0, x < 0.0);
            let r = q.reconstruct::<f64>(c);
            assert!((r - x).abs() <= 0.01 * x.abs(), "{x} -> {r}");
        }
        assert_eq!(q.quantize(f64::NAN), (0, false));
        assert_eq!(q.quantize(f32::NEG_INFINITY), (0, false));
    }

    #[test]
    fn fast_log2_is_within_its_bound() {
        let mut worst = 0.0f64;
        let mut x = f64::MIN_POSITIVE;
        while x < f64::MAX / 1.0001 {
            for y in [x, x.next_up(), x.next_down().max(f64::MIN_POSITIVE), x * 1.7] {
                worst = worst.max((fast_log2(y) - log2(y)).abs());
            }
            x *= 1.000_7;
        }
        assert!(worst < LOG2_DIFF_BOUND / 64.0, "worst {worst:e}");
    }
}
