// The quantizers of core/src/quantize/{linear,log}.rs and the bound checks of
// core/src/bound.rs, operation for operation. The constants come from the stream header
// (and 1/step from the host, computed exactly as LinearQuantizer/LogQuantizer::from_stream).
#pragma once
#include "plume_exact_math.cuh"

// quantize::Q_MAX
#define PLUME_Q_MAX 67108864
// bound::CHECK_MARGIN = 1 - 2^-44 (both operands exact, so the folded constant is exact)
#define PLUME_CHECK_MARGIN (1.0 - 1.0 / 17592186044416.0)

// A stream's quantizer: linear (bound = abs_bound, base = offset) or log (bound = p,
// base = lmin). inv_step = 1/step when step > 0 and finite, else 0 (from_stream).
struct PlumeQuant {
    double bound;
    double step;
    double base;
    double inv_step;
};

// Element::from_f64: round to the element type (nearest even), then widen back exactly.
__device__ __forceinline__ double plume_round_to(float, double v) {
    return (double)__double2float_rn(v);
}
__device__ __forceinline__ double plume_round_to(double, double v) {
    return v;
}

// LinearQuantizer::reconstruct, widened to f64.
template <typename T>
__device__ __forceinline__ double plume_linear_reconstruct(const PlumeQuant& q, i32 code) {
    return plume_round_to(T(0), q.base + (double)code * q.step);
}

// LinearQuantizer::quantize: the code, and *ok = false (code 0) for an outlier.
template <typename T>
__device__ __forceinline__ i32 plume_linear_quantize(const PlumeQuant& q, T x, bool* ok) {
    double xf = (double)x;
    double u = (xf - q.base) * q.inv_step;
    bool in_range = fabs(u) <= (double)PLUME_Q_MAX;  // false for NaN
    if (!in_range) {
        u = 0.0;
    }
    i32 code = (i32)plume_round_half_away(u);  // |u| <= Q_MAX: exact
    double rec = plume_linear_reconstruct<T>(q, code);
    // bound::within_abs
    bool good = in_range & (fabs(xf - rec) <= q.bound * PLUME_CHECK_MARGIN);
    *ok = good;
    return good ? code : 0;
}

// LogQuantizer::reconstruct, widened to f64.
template <typename T>
__device__ __forceinline__ double plume_log_reconstruct(const PlumeQuant& q, i32 code) {
    if (code == 0) {
        return plume_round_to(T(0), 0.0);
    }
    u32 mag = code < 0 ? 0u - (u32)code : (u32)code;  // unsigned_abs
    double m = (double)mag;
    double a = plume_exp2(q.base + (m - 1.0) * q.step);
    return plume_round_to(T(0), code < 0 ? -a : a);
}

// LogQuantizer::quantize.
template <typename T>
__device__ __forceinline__ i32 plume_log_quantize(const PlumeQuant& q, T x, bool* ok) {
    double xf = (double)x;
    if (xf == 0.0) {
        // +0 is code 0; -0 is an outlier so that its sign bit survives
        *ok = (__double_as_longlong(xf) >= 0);
        return 0;
    }
    // log2 is NaN for +-Inf and NaN: the range test below refuses them.
    double u = (plume_log2(fabs(xf)) - q.base) * q.inv_step;
    if (!(u >= -0.5 && u < (double)(PLUME_Q_MAX - 1))) {
        *ok = false;
        return 0;
    }
    i32 m = (i32)plume_round_half_away(u) + 1;  // u in range: exact
    i32 code = xf < 0.0 ? -m : m;
    double rec = plume_log_reconstruct<T>(q, code);
    // bound::within_pw_rel
    if (fabs(xf - rec) <= q.bound * fabs(xf) * PLUME_CHECK_MARGIN) {
        *ok = true;
        return code;
    }
    *ok = false;
    return 0;
}

// Quantizer kinds, as template arguments of the kernels.
#define PLUME_LINEAR 1
#define PLUME_LOG 2

template <int MODE, typename T>
__device__ __forceinline__ i32 plume_quantize(const PlumeQuant& q, T x, bool* ok) {
    return MODE == PLUME_LINEAR ? plume_linear_quantize<T>(q, x, ok) : plume_log_quantize<T>(q, x, ok);
}

template <int MODE, typename T>
__device__ __forceinline__ double plume_reconstruct(const PlumeQuant& q, i32 code) {
    return MODE == PLUME_LINEAR ? plume_linear_reconstruct<T>(q, code) : plume_log_reconstruct<T>(q, code);
}
