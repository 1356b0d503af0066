// Stage 1 of `fast` compression: pre-quantization (quantize/{linear,log}.rs).
// One thread per workspace entry t = s * slot_values + i: code i of slot s, and one
// 32-bit outlier mask per chunk (a warp ballot: bit j = value 32c + j is an outlier,
// stored losslessly and coded 0, exactly as quantize_run does).
#include "plume_quantize.cuh"
#include "plume_block.cuh"

template <int MODE, typename T>
__device__ void plume_quantize_blocks(const T* __restrict__ field, PlumeGeom g, const u64* __restrict__ blist,
                                      PlumeQuant q, i32* __restrict__ codes, u32* __restrict__ masks) {
    plume_for_each_entry(g, blist, [&](u64 s, u32 i, const PlumeBox& bx) {
        const u64 t = s * g.slot_values + i;
        i32 code = 0;
        bool ok = true;
        if (i < bx.volume) {
            u32 c[4];
            plume_local_coords(bx, i, c);
            code = plume_quantize<MODE, T>(q, field[plume_field_index(g, bx, c)], &ok);
        }
        const u32 outliers = __ballot_sync(0xffffffffu, !ok);
        codes[t] = code;
        if ((threadIdx.x & 31) == 0) {
            masks[t / 32] = outliers;
        }
    });
}

extern "C" __global__ void plume_quantize_linear_f32(const float* field, PlumeGeom g, const u64* blist, PlumeQuant q,
                                                     i32* codes, u32* masks) {
    plume_quantize_blocks<PLUME_LINEAR, float>(field, g, blist, q, codes, masks);
}
extern "C" __global__ void plume_quantize_linear_f64(const double* field, PlumeGeom g, const u64* blist, PlumeQuant q,
                                                     i32* codes, u32* masks) {
    plume_quantize_blocks<PLUME_LINEAR, double>(field, g, blist, q, codes, masks);
}
extern "C" __global__ void plume_quantize_log_f32(const float* field, PlumeGeom g, const u64* blist, PlumeQuant q,
                                                  i32* codes, u32* masks) {
    plume_quantize_blocks<PLUME_LOG, float>(field, g, blist, q, codes, masks);
}
extern "C" __global__ void plume_quantize_log_f64(const double* field, PlumeGeom g, const u64* blist, PlumeQuant q,
                                                  i32* codes, u32* masks) {
    plume_quantize_blocks<PLUME_LOG, double>(field, g, blist, q, codes, masks);
}
