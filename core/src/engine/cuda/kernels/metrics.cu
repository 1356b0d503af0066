// Device metrics of a reconstruction against its original, without copying either back:
// per thread block the largest |x - x'| over the finite x (infinite when x' is not
// finite), the sum of squared errors and the count of finite x. Each thread visits a
// fixed set of indices and the block reduces by a fixed tree, so for a fixed launch
// shape the partials are deterministic; the host adds them in block order.
// Launch with 256 threads per block.
#include "plume_exact_math.cuh"

#define PLUME_METRIC_THREADS 256

template <typename T>
__device__ void plume_error_stats_impl(const T* __restrict__ a, const T* __restrict__ b, u64 n,
                                       double* __restrict__ part_max, double* __restrict__ part_sse,
                                       u64* __restrict__ part_count) {
    __shared__ double s_max[PLUME_METRIC_THREADS];
    __shared__ double s_sse[PLUME_METRIC_THREADS];
    __shared__ u64 s_cnt[PLUME_METRIC_THREADS];
    double mx = 0.0;
    double sse = 0.0;
    u64 cnt = 0;
    const u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 k = (u64)blockIdx.x * blockDim.x + threadIdx.x; k < n; k += stride) {
        const double x = (double)a[k];
        const double y = (double)b[k];
        if (plume_is_finite(x)) {
            const double e = plume_is_finite(y) ? fabs(x - y) : PLUME_INF;
            mx = e > mx ? e : mx;
            sse += e * e;
            cnt += 1;
        }
    }
    s_max[threadIdx.x] = mx;
    s_sse[threadIdx.x] = sse;
    s_cnt[threadIdx.x] = cnt;
    __syncthreads();
    for (u32 half = blockDim.x / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) {
            const double m2 = s_max[threadIdx.x + half];
            s_max[threadIdx.x] = m2 > s_max[threadIdx.x] ? m2 : s_max[threadIdx.x];
            s_sse[threadIdx.x] += s_sse[threadIdx.x + half];
            s_cnt[threadIdx.x] += s_cnt[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        part_max[blockIdx.x] = s_max[0];
        part_sse[blockIdx.x] = s_sse[0];
        part_count[blockIdx.x] = s_cnt[0];
    }
}

extern "C" __global__ void plume_error_stats_f32(const float* a, const float* b, u64 n, double* part_max,
                                                 double* part_sse, u64* part_count) {
    plume_error_stats_impl<float>(a, b, n, part_max, part_sse, part_count);
}
extern "C" __global__ void plume_error_stats_f64(const double* a, const double* b, u64 n, double* part_max,
                                                 double* part_sse, u64* part_count) {
    plume_error_stats_impl<double>(a, b, n, part_max, part_sse, part_count);
}
