// The last decoding stages (FORMAT.md section 5, "Reconstruction"): dequantize every code
// of the selected blocks that falls inside the requested region, then overwrite the
// outliers' positions with their raw values (a second launch on the same stream, so the
// order is the CPU's). Output: a C-order array of the region's extent.
#include "plume_quantize.cuh"
#include "plume_block.cuh"

// Mirrors `Region` in core/src/engine/cuda/launch.rs (#[repr(C)]).
struct PlumeRegion {
    u64 start[4];
    u64 ext[4];
    u64 strides[4];  // C-order strides of the extent
};

// Output index of block-local coordinates, or ~0 when outside the region.
__device__ __forceinline__ u64 plume_region_index(const PlumeRegion& r, const PlumeBox& bx, const u32 c[4]) {
    u64 at = 0;
    for (int a = 0; a < 4; ++a) {
        const u64 p = bx.start[a] + c[a];
        if (p < r.start[a] || p >= r.start[a] + r.ext[a]) {
            return ~0ull;
        }
        at += (p - r.start[a]) * r.strides[a];
    }
    return at;
}

template <int MODE, typename T>
__device__ void plume_dequantize_blocks(PlumeGeom g, const u64* __restrict__ blist, PlumeQuant q, PlumeRegion r,
                                        const i32* __restrict__ codes, T* __restrict__ out) {
    plume_for_each_entry(g, blist, [&](u64 s, u32 i, const PlumeBox& bx) {
        if (i >= bx.volume) {
            return;
        }
        u32 c[4];
        plume_local_coords(bx, i, c);
        const u64 at = plume_region_index(r, bx, c);
        if (at != ~0ull) {
            out[at] = (T)plume_reconstruct<MODE, T>(q, codes[s * g.slot_values + i]);  // already rounded to T
        }
    });
}

extern "C" __global__ void plume_dequantize_linear_f32(PlumeGeom g, const u64* blist, PlumeQuant q, PlumeRegion r,
                                                       const i32* codes, float* out) {
    plume_dequantize_blocks<PLUME_LINEAR, float>(g, blist, q, r, codes, out);
}
extern "C" __global__ void plume_dequantize_linear_f64(PlumeGeom g, const u64* blist, PlumeQuant q, PlumeRegion r,
                                                       const i32* codes, double* out) {
    plume_dequantize_blocks<PLUME_LINEAR, double>(g, blist, q, r, codes, out);
}
extern "C" __global__ void plume_dequantize_log_f32(PlumeGeom g, const u64* blist, PlumeQuant q, PlumeRegion r,
                                                    const i32* codes, float* out) {
    plume_dequantize_blocks<PLUME_LOG, float>(g, blist, q, r, codes, out);
}
extern "C" __global__ void plume_dequantize_log_f64(PlumeGeom g, const u64* blist, PlumeQuant q, PlumeRegion r,
                                                    const i32* codes, double* out) {
    plume_dequantize_blocks<PLUME_LOG, double>(g, blist, q, r, codes, out);
}

// Outliers of every selected block (host-checked: indices increasing and in the block):
// one thread block per slot, raw bits copied to the output.
template <typename Bits>
__device__ void plume_scatter_outliers_blocks(PlumeGeom g, const u64* __restrict__ blist, PlumeRegion r,
                                              const u8* __restrict__ stored, const u64* __restrict__ payload_at,
                                              const u32* __restrict__ block_outliers, u32 version,
                                              Bits* __restrict__ out) {
    const u32 value_bytes = (u32)sizeof(Bits);
    for (u64 s = blockIdx.x; s < g.n_sel; s += gridDim.x) {
        const PlumeBox bx = plume_block_box(g, blist[s]);
        const u32 n_out = block_outliers[s];
        const u64 indices_at = payload_at[s] + plume_payload_head(version);
        const u64 values_at = indices_at + 4 * (u64)n_out;
        for (u32 k = threadIdx.x; k < n_out; k += blockDim.x) {
            const u32 i = plume_load_u32(stored, indices_at + 4 * (u64)k);
            u32 c[4];
            plume_local_coords(bx, i, c);
            const u64 at = plume_region_index(r, bx, c);
            if (at != ~0ull) {
                out[at] = value_bytes == 4 ? (Bits)plume_load_u32(stored, values_at + 4 * (u64)k)
                                           : (Bits)plume_load_u64(stored, values_at + 8 * (u64)k);
            }
        }
    }
}

extern "C" __global__ void plume_scatter_outliers_f32(PlumeGeom g, const u64* blist, PlumeRegion r, const u8* stored,
                                                      const u64* payload_at, const u32* block_outliers, u32 version,
                                                      u32* out_bits) {
    plume_scatter_outliers_blocks<u32>(g, blist, r, stored, payload_at, block_outliers, version, out_bits);
}
extern "C" __global__ void plume_scatter_outliers_f64(PlumeGeom g, const u64* blist, PlumeRegion r, const u8* stored,
                                                      const u64* payload_at, const u32* block_outliers, u32 version,
                                                      u64* out_bits) {
    plume_scatter_outliers_blocks<u64>(g, blist, r, stored, payload_at, block_outliers, version, out_bits);
}
