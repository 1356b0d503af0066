// Layout by prefix sums: deterministic by construction (integer sums, no atomics).
//  - plume_block_scan: per slot, the exclusive scans of the chunk bit widths (word offset
//    of each chunk) and of the outlier counts per chunk (rank of each chunk's first
//    outlier), and the payload size of the block (format/block.rs):
//      head (predictor byte + u32 count) + n_outliers * (4 + value bytes)
//      + n_chunks width bytes + 4 * total words.
//  - plume_offsets_scan: the exclusive scan of the payload sizes over the slots (64-bit
//    offsets), total at [n_sel].
// Launch both with 1024 threads per block.
#include "plume_block.cuh"

#define PLUME_SCAN_THREADS 1024

// Exclusive scan of v over the thread block; *total receives the sum. Every thread of
// the block must call it (it synchronises).
template <typename V>
__device__ V plume_block_exclusive_scan(V v, V* warp_sums, V* total) {
    const u32 lane = threadIdx.x & 31;
    const u32 warp = threadIdx.x >> 5;
    const u32 n_warps = (blockDim.x + 31) >> 5;
    V x = v;
    for (u32 o = 1; o < 32; o <<= 1) {
        V y = __shfl_up_sync(0xffffffffu, x, o);
        if (lane >= o) {
            x += y;
        }
    }
    if (lane == 31) {
        warp_sums[warp] = x;
    }
    __syncthreads();
    if (warp == 0) {
        V w = lane < n_warps ? warp_sums[lane] : (V)0;
        for (u32 o = 1; o < 32; o <<= 1) {
            V y = __shfl_up_sync(0xffffffffu, w, o);
            if (lane >= o) {
                w += y;
            }
        }
        warp_sums[lane] = w;
    }
    __syncthreads();
    const V before = warp > 0 ? warp_sums[warp - 1] : (V)0;
    *total = warp_sums[n_warps - 1];
    __syncthreads();
    return before + x - v;
}

// masks: the compressor's outlier masks (then block_outliers is written), or null when
// decoding (then block_outliers is read and out_off is not written).
extern "C" __global__ void plume_block_scan(PlumeGeom g, const u64* __restrict__ blist, const u8* __restrict__ widths,
                                            const u32* __restrict__ masks, u32 value_bytes, u32 version,
                                            u32* __restrict__ word_off, u32* __restrict__ out_off,
                                            u32* __restrict__ block_outliers, u64* __restrict__ block_bytes) {
    __shared__ u32 warp_sums[32];
    for (u64 s = blockIdx.x; s < g.n_sel; s += gridDim.x) {
        const PlumeBox bx = plume_block_box(g, blist[s]);
        const u32 n_chunks = plume_n_chunks(bx.volume);
        const u64 first = s * g.slot_chunks;
        u32 carry_words = 0;
        u32 carry_outliers = 0;
        for (u32 base = 0; base < n_chunks; base += blockDim.x) {
            const u32 c = base + threadIdx.x;
            const u32 w = c < n_chunks ? (u32)widths[first + c] : 0;
            const u32 o = (masks != 0 && c < n_chunks) ? (u32)__popc(masks[first + c]) : 0;
            u32 total_w, total_o;
            const u32 ew = plume_block_exclusive_scan<u32>(w, warp_sums, &total_w);
            const u32 eo = plume_block_exclusive_scan<u32>(o, warp_sums, &total_o);
            if (c < n_chunks) {
                word_off[first + c] = carry_words + ew;
                if (masks != 0) {
                    out_off[first + c] = carry_outliers + eo;
                }
            }
            carry_words += total_w;
            carry_outliers += total_o;
        }
        if (threadIdx.x == 0) {
            u32 n_out;
            if (masks != 0) {
                n_out = carry_outliers;
                block_outliers[s] = n_out;
            } else {
                n_out = block_outliers[s];
            }
            block_bytes[s] = plume_payload_head(version) + (u64)n_out * (4 + value_bytes) + n_chunks +
                             4 * (u64)carry_words;
        }
        __syncthreads();
    }
}

// One thread block: offsets[s] = sum of sizes[0..s), offsets[n] = the total.
extern "C" __global__ void plume_offsets_scan(const u64* __restrict__ sizes, u64 n, u64* __restrict__ offsets) {
    __shared__ u64 warp_sums[32];
    u64 carry = 0;
    for (u64 base = 0; base < n; base += blockDim.x) {
        const u64 s = base + threadIdx.x;
        const u64 v = s < n ? sizes[s] : 0;
        u64 total;
        const u64 e = plume_block_exclusive_scan<u64>(v, warp_sums, &total);
        if (s < n) {
            offsets[s] = carry + e;
        }
        carry += total;
    }
    if (threadIdx.x == 0) {
        offsets[n] = carry;
    }
}
