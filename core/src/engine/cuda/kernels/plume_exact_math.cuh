// Line-for-line port of core/src/exact_math.rs: deterministic round/log2/exp2 with only
// IEEE-754 + - * /, comparisons and bit manipulation, in the Rust order. Compiled with
// --fmad=false so that no a*b+c is contracted into an FMA (the CPU never fuses).
#pragma once

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#define PLUME_NAN __longlong_as_double(0x7ff8000000000000LL)
#define PLUME_INF __longlong_as_double(0x7ff0000000000000LL)
// std::f64::consts::SQRT_2
#define PLUME_SQRT_2 1.4142135623730951
// 2 / ln(2)
#define PLUME_TWO_OVER_LN2 2.8853900817779268
// 2^64, to lift subnormals into the normal range
#define PLUME_TWO_POW_64 18446744073709551616.0
// f64::MIN_POSITIVE
#define PLUME_F64_MIN_POSITIVE 2.2250738585072014e-308

// round_half_away: truncation and an exact remainder (exact for |x| < 2^52).
__device__ __forceinline__ i64 plume_round_half_away(double x) {
    i64 t = (i64)x;  // truncation toward zero (cvt.rzi)
    double frac = x - (double)t;
    return t + (i64)(frac >= 0.5) - (i64)(frac <= -0.5);
}

__device__ __forceinline__ bool plume_is_finite(double x) {
    return (__double_as_longlong(x) & 0x7ff0000000000000LL) != 0x7ff0000000000000LL;
}

__device__ __forceinline__ bool plume_is_nan(double x) {
    return x != x;
}

// log2 of a positive finite x (normal or subnormal); NaN for anything else.
__device__ double plume_log2(double x) {
    if (!(x > 0.0 && plume_is_finite(x))) {
        return PLUME_NAN;
    }
    double m = x;
    i32 e = 0;
    if (m < PLUME_F64_MIN_POSITIVE) {
        m *= PLUME_TWO_POW_64;
        e = -64;
    }
    u64 bits = (u64)__double_as_longlong(m);
    e += (i32)((bits >> 52) & 0x7ff) - 1023;
    // mantissa in [1, 2)
    double mant = __longlong_as_double((i64)((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL));
    // then in [sqrt(1/2), sqrt(2)] (branch-free)
    bool big = mant > PLUME_SQRT_2;
    mant = big ? mant * 0.5 : mant;
    e += (i32)big;
    // log2(mant) = 2/ln2 * atanh(s), s = (mant-1)/(mant+1), |s| <= 0.1716;
    // atanh(s)/s = sum_{k=0..=12} z^k/(2k+1), z = s^2, by Estrin's scheme (same grouping)
    double s = (mant - 1.0) / (mant + 1.0);
    double z = s * s;
    double z2 = z * z;
    double z4 = z2 * z2;
    double z8 = z4 * z4;
    double q0 = 1.0 + z * (1.0 / 3.0);
    double q1 = 1.0 / 5.0 + z * (1.0 / 7.0);
    double q2 = 1.0 / 9.0 + z * (1.0 / 11.0);
    double q3 = 1.0 / 13.0 + z * (1.0 / 15.0);
    double q4 = 1.0 / 17.0 + z * (1.0 / 19.0);
    double q5 = 1.0 / 21.0 + z * (1.0 / 23.0);
    double r0 = q0 + z2 * q1;
    double r1 = q2 + z2 * q3;
    double r2 = q4 + z2 * q5;
    double poly = (r0 + z4 * r1) + z8 * (r2 + z4 * (1.0 / 25.0));
    return (double)e + PLUME_TWO_OVER_LN2 * s * poly;
}

// 2^k as f64 for -1022 <= k <= 1023, exactly.
__device__ __forceinline__ double plume_pow2i(i32 k) {
    return __longlong_as_double((i64)(((u64)(k + 1023)) << 52));
}

// ln(2)^n / n! for n = 0..=16 (EXP2_COEFFS of exact_math.rs, same decimal literals).
#define PLUME_EXP2_C0 1.0
#define PLUME_EXP2_C1 0.6931471805599453
#define PLUME_EXP2_C2 0.24022650695910072
#define PLUME_EXP2_C3 0.05550410866482158
#define PLUME_EXP2_C4 0.009618129107628477
#define PLUME_EXP2_C5 0.0013333558146428443
#define PLUME_EXP2_C6 0.0001540353039338161
#define PLUME_EXP2_C7 1.5252733804059841e-05
#define PLUME_EXP2_C8 1.321548679014431e-06
#define PLUME_EXP2_C9 1.01780860092397e-07
#define PLUME_EXP2_C10 7.054911620801123e-09
#define PLUME_EXP2_C11 4.4455382718708116e-10
#define PLUME_EXP2_C12 2.5678435993488206e-11
#define PLUME_EXP2_C13 1.3691488853904128e-12
#define PLUME_EXP2_C14 6.778726354822545e-14
#define PLUME_EXP2_C15 3.1324367070884287e-15
#define PLUME_EXP2_C16 1.3570247948755148e-16

// 2^y for finite y; 0 below the subnormal range, +inf above f64's range, NaN for NaN.
__device__ double plume_exp2(double y) {
    if (plume_is_nan(y)) {
        return PLUME_NAN;
    }
    if (y >= 1024.0) {
        return PLUME_INF;
    }
    if (y < -1080.0) {
        return 0.0;
    }
    double k = (double)plume_round_half_away(y);
    double f = y - k;  // exact, |f| <= 0.5
    // sum_{n=0..=16} c_n f^n by Estrin's scheme (same grouping as exact_math.rs)
    double f2 = f * f;
    double f4 = f2 * f2;
    double f8 = f4 * f4;
    double f16 = f8 * f8;
    double q0 = PLUME_EXP2_C0 + PLUME_EXP2_C1 * f;
    double q1 = PLUME_EXP2_C2 + PLUME_EXP2_C3 * f;
    double q2 = PLUME_EXP2_C4 + PLUME_EXP2_C5 * f;
    double q3 = PLUME_EXP2_C6 + PLUME_EXP2_C7 * f;
    double q4 = PLUME_EXP2_C8 + PLUME_EXP2_C9 * f;
    double q5 = PLUME_EXP2_C10 + PLUME_EXP2_C11 * f;
    double q6 = PLUME_EXP2_C12 + PLUME_EXP2_C13 * f;
    double q7 = PLUME_EXP2_C14 + PLUME_EXP2_C15 * f;
    double r0 = q0 + f2 * q1;
    double r1 = q2 + f2 * q3;
    double r2 = q4 + f2 * q5;
    double r3 = q6 + f2 * q7;
    double t0 = r0 + f4 * r1;
    double t1 = r2 + f4 * r3;
    double p = (t0 + f8 * t1) + f16 * PLUME_EXP2_C16;
    i32 ki = (i32)k;
    if (ki >= -1022) {
        if (ki > 1023) {
            // p < 2 and k = 1024 only when y rounds up to 1024 from below 1024
            return p * 2.0 * plume_pow2i(ki - 1);
        }
        return p * plume_pow2i(ki);
    }
    // two steps so that a subnormal result is rounded once
    return (p * plume_pow2i(ki + 64)) / PLUME_TWO_POW_64;
}
