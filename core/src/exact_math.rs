//! Deterministic elementary functions for the codec.
//!
//! Streams must be byte-identical whichever engine (CPU or GPU) writes them, and any
//! decoder must reconstruct exactly the values the encoder checked. Platform `log2`/`exp2`
//! differ in their last bits between libm and CUDA, so the codec uses these instead: they
//! use only IEEE-754 `+ - * /`, comparisons and bit manipulation, in a fixed order, with no
//! fused multiply-add (Rust never contracts; NVRTC gets `--fmad=false`). The GPU kernels
//! carry a line-for-line copy of this file. Accuracy is about 1e-15 relative, which is
//! plenty: the encoder verifies every reconstructed value against its bound.

/// Rounds half away from zero (C's `round`), exactly, for |x| < 2^52; returns an i64.
/// Uses truncation and an exact remainder instead of `x + 0.5` (which misrounds
/// 0.49999999999999994) and instead of libm's `round` (a call on baseline x86-64).
/// Callers range-check `x` first; out-of-range input gives an unspecified value.
#[inline(always)]
pub fn round_half_away(x: f64) -> i64 {
    let t = x as i64; // truncation toward zero
    let frac = x - t as f64; // exact for |x| < 2^52
    t + (frac >= 0.5) as i64 - (frac <= -0.5) as i64
}

const SQRT_2: f64 = std::f64::consts::SQRT_2;
/// 2 / ln(2)
const TWO_OVER_LN2: f64 = 2.8853900817779268;
/// 2^64, to lift subnormals into the normal range.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// log2 of a positive finite `x` (normal or subnormal). Returns NaN for anything else.
pub fn log2(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return f64::NAN;
    }
    let (mut m, mut e) = (x, 0i32);
    if m < f64::MIN_POSITIVE {
        m *= TWO_POW_64;
        e = -64;
    }
    let bits = m.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1023;
    // mantissa in [1, 2), then in [sqrt(1/2), sqrt(2)] (branch-free)
    let mant = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = mant > SQRT_2;
    let mant = if big { mant * 0.5 } else { mant };
    e += big as i32;
    // log2(mant) = 2/ln2 * atanh(s), s = (mant-1)/(mant+1), |s| <= 0.1716;
    // atanh(s)/s = sum_{k=0..=12} z^k/(2k+1), z = s^2, by Estrin's scheme (this exact
    // grouping; it keeps the dependency chain short so values pipeline)
    let s = (mant - 1.0) / (mant + 1.0);
    let z = s * s;
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let q0 = 1.0 + z * (1.0 / 3.0);
    let q1 = 1.0 / 5.0 + z * (1.0 / 7.0);
    let q2 = 1.0 / 9.0 + z * (1.0 / 11.0);
    let q3 = 1.0 / 13.0 + z * (1.0 / 15.0);
    let q4 = 1.0 / 17.0 + z * (1.0 / 19.0);
    let q5 = 1.0 / 21.0 + z * (1.0 / 23.0);
    let r0 = q0 + z2 * q1;
    let r1 = q2 + z2 * q3;
    let r2 = q4 + z2 * q5;
    let poly = (r0 + z4 * r1) + z8 * (r2 + z4 * (1.0 / 25.0));
    e as f64 + TWO_OVER_LN2 * s * poly
}

/// ln(2)^n / n! for n = 0..=16, as decimal literals (parsed identically everywhere).
const EXP2_COEFFS: [f64; 17] = [
    1.0,
    std::f64::consts::LN_2,
    0.24022650695910072,
    0.05550410866482158,
    0.009618129107628477,
    0.0013333558146428443,
    0.0001540353039338161,
    1.5252733804059841e-05,
    1.321548679014431e-06,
    1.01780860092397e-07,
    7.054911620801123e-09,
    4.4455382718708116e-10,
    2.5678435993488206e-11,
    1.3691488853904128e-12,
    6.778726354822545e-14,
    3.1324367070884287e-15,
    1.3570247948755148e-16,
];

/// 2^y for finite `y`; 0 below the subnormal range, +inf above f64's range, NaN for NaN.
pub fn exp2(y: f64) -> f64 {
    if y.is_nan() {
        return f64::NAN;
    }
    if y >= 1024.0 {
        return f64::INFINITY;
    }
    if y < -1080.0 {
        return 0.0;
    }
    let k = round_half_away(y) as f64;
    let f = y - k; // exact, |f| <= 0.5
                   // sum_{n=0..=16} c_n f^n by Estrin's scheme (this exact grouping)
    let c = &EXP2_COEFFS;
    let f2 = f * f;
    let f4 = f2 * f2;
    let f8 = f4 * f4;
    let f16 = f8 * f8;
    let q: [f64; 8] = std::array::from_fn(|i| c[2 * i] + c[2 * i + 1] * f);
    let r0 = q[0] + f2 * q[1];
    let r1 = q[2] + f2 * q[3];
    let r2 = q[4] + f2 * q[5];
    let r3 = q[6] + f2 * q[7];
    let t0 = r0 + f4 * r1;
    let t1 = r2 + f4 * r3;
    let p = (t0 + f8 * t1) + f16 * c[16];
    let k = k as i32;
    if k >= -1022 {
        if k > 1023 {
            // p < 2 and k = 1024 only when y rounds up to 1024 from below 1024
            return p * 2.0 * pow2i(k - 1);
        }
        p * pow2i(k)
    } else {
        // two steps so that a subnormal result is rounded once
        (p * pow2i(k + 64)) / TWO_POW_64
    }
}

/// 2^k as f64 for -1022 <= k <= 1023, exactly.
#[inline(always)]
fn pow2i(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        for (x, r) in [
            (0.5, 1),
            (-0.5, -1),
            (1.5, 2),
            (2.5, 3),
            (-2.5, -3),
            (0.49999999999999994, 0),
            (-0.49999999999999994, 0),
            (3.2, 3),
            (-3.7, -4),
            (0.0, 0),
            (-0.0, 0),
        ] {
            assert_eq!(round_half_away(x), r, "{x}");
            assert_eq!(round_half_away(x) as f64, x.round(), "{x}");
        }
    }

    #[test]
    fn log2_matches_std_closely() {
        let mut x = 1e-310f64;
        while x < 1e300 {
            let rel = (log2(x) - x.log2()).abs() / x.log2().abs().max(1.0);
            assert!(rel < 1e-14, "log2({x}) = {} vs {}", log2(x), x.log2());
            x *= 1.37;
        }
        assert_eq!(log2(1.0), 0.0);
        assert_eq!(log2(8.0), 3.0);
        assert!(log2(0.0).is_nan() && log2(-1.0).is_nan() && log2(f64::INFINITY).is_nan());
        assert!((log2(f64::from_bits(1)) + 1074.0).abs() < 1e-12);
    }

    #[test]
    fn exp2_matches_std_closely() {
        let mut y = -1074.0f64;
        while y < 1023.9 {
            let (a, b) = (exp2(y), y.exp2());
            assert!((a - b).abs() <= b * 1e-14 + 5e-324, "exp2({y}) = {a} vs {b}");
            y += 0.731;
        }
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(exp2(10.0), 1024.0);
        assert_eq!(exp2(-1074.0), f64::from_bits(1));
        assert_eq!(exp2(2000.0), f64::INFINITY);
        assert_eq!(exp2(-2000.0), 0.0);
    }

    #[test]
    fn exp2_inverts_log2() {
        for &x in &[1e-15, 0.11789, 0.233, 1.0, 3.5e38, 4.9e-324, 2.2e-308] {
            let r = exp2(log2(x));
            assert!((r - x).abs() <= x * 1e-13, "{x} -> {r}");
        }
    }
}
