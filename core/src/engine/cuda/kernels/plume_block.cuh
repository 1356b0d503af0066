// Block geometry (core/src/engine/grid.rs) and the workspace layout shared by the kernels.
//
// A launch works on `n_sel` selected blocks ("slots"); slot s is block blist[s] of the
// grid. Every slot owns `slot_values` = 32 * ceil(block volume / 32) entries of the code
// workspace, in block-local C order (the block's own extent, possibly partial), so that
// chunk c of the `fast` encoding (values 32c .. 32c+31) is exactly warp t/32 of a launch
// whose threads enumerate t = s * slot_values + i. Everything is 4-D, leading axes of 1.
#pragma once
#include "plume_exact_math.cuh"

// Mirrors `Geometry` in core/src/engine/cuda/launch.rs (#[repr(C)]).
struct PlumeGeom {
    u64 dims[4];      // storage dims, padded with leading 1s
    u64 strides[4];   // C-order strides of the field
    u64 n_sel;        // selected blocks (slots)
    u32 block[4];     // block dims
    u32 grid[4];      // blocks per axis
    u32 slot_values;  // 32 * chunks per full block
    u32 slot_chunks;  // chunks per full block
};

struct PlumeBox {
    u64 start[4];
    u32 ext[4];
    u32 volume;
};

__device__ __forceinline__ PlumeBox plume_block_box(const PlumeGeom& g, u64 b) {
    PlumeBox bx;
    u64 rest = b;
    u32 vol = 1;
    for (int a = 3; a >= 0; --a) {
        u64 gi = rest % g.grid[a];
        rest /= g.grid[a];
        bx.start[a] = gi * g.block[a];
        u64 left = g.dims[a] - bx.start[a];
        bx.ext[a] = left < (u64)g.block[a] ? (u32)left : g.block[a];
        vol *= bx.ext[a];
    }
    bx.volume = vol;
    return bx;
}

// Calls f(s, i, box) for every workspace entry i of every slot s of the launch, tile by
// tile: each iteration of a thread block takes blockDim.x consecutive entries of one slot
// (blockDim.x a multiple of 32, so a warp is always one chunk and always whole), and the
// slot's box is computed once per tile into shared memory (64-bit divisions per tile,
// not per value). Every thread of the block must call it.
template <typename F>
__device__ __forceinline__ void plume_for_each_entry(const PlumeGeom& g, const u64* __restrict__ blist, F f) {
    __shared__ PlumeBox box;
    const u32 tiles = (g.slot_values + blockDim.x - 1) / blockDim.x;
    const u64 n_tasks = g.n_sel * tiles;
    for (u64 task = blockIdx.x; task < n_tasks; task += gridDim.x) {
        const u64 s = task / tiles;
        const u32 i = (u32)(task - s * tiles) * blockDim.x + threadIdx.x;
        __syncthreads();  // the previous tile is done with `box`
        if (threadIdx.x == 0) {
            box = plume_block_box(g, blist[s]);
        }
        __syncthreads();
        if (i < g.slot_values) {  // uniform per warp: slot_values is a multiple of 32
            f(s, i, box);
        }
    }
}

// Thread blocks for plume_for_each_entry over n_sel slots (the host computes the same).
__host__ __device__ __forceinline__ u64 plume_entry_tasks(u64 n_sel, u32 slot_values, u32 threads) {
    return n_sel * ((slot_values + threads - 1) / threads);
}

// Block-local index -> block-local coordinates.
__device__ __forceinline__ void plume_local_coords(const PlumeBox& bx, u32 i, u32 c[4]) {
    u32 rest = i;
    for (int a = 3; a >= 0; --a) {
        c[a] = rest % bx.ext[a];
        rest /= bx.ext[a];
    }
}

// Field index of block-local coordinates.
__device__ __forceinline__ u64 plume_field_index(const PlumeGeom& g, const PlumeBox& bx, const u32 c[4]) {
    u64 at = 0;
    for (int a = 0; a < 4; ++a) {
        at += (bx.start[a] + c[a]) * g.strides[a];
    }
    return at;
}

__device__ __forceinline__ u32 plume_zigzag(i32 r) {
    return ((u32)r << 1) ^ (u32)(r >> 31);
}

__device__ __forceinline__ i32 plume_unzigzag(u32 z) {
    return (i32)(z >> 1) ^ -(i32)(z & 1);
}

// Number of chunks of 32 of a block volume.
__device__ __forceinline__ u32 plume_n_chunks(u32 volume) {
    return (volume + 31) / 32;
}

// Little-endian stores and loads at any byte offset (payloads are not word-aligned).
__device__ __forceinline__ void plume_store_u32(u8* out, u64 at, u32 v) {
    out[at] = (u8)v;
    out[at + 1] = (u8)(v >> 8);
    out[at + 2] = (u8)(v >> 16);
    out[at + 3] = (u8)(v >> 24);
}

__device__ __forceinline__ void plume_store_u64(u8* out, u64 at, u64 v) {
    plume_store_u32(out, at, (u32)v);
    plume_store_u32(out, at + 4, (u32)(v >> 32));
}

__device__ __forceinline__ u32 plume_load_u32(const u8* in, u64 at) {
    return (u32)in[at] | ((u32)in[at + 1] << 8) | ((u32)in[at + 2] << 16) | ((u32)in[at + 3] << 24);
}

__device__ __forceinline__ u64 plume_load_u64(const u8* in, u64 at) {
    return (u64)plume_load_u32(in, at) | ((u64)plume_load_u32(in, at + 4) << 32);
}

// Bytes of a block payload before the outlier indices: predictor byte (version >= 2)
// and the u32 outlier count.
__device__ __forceinline__ u64 plume_payload_head(u32 version) {
    return version >= 2 ? 5 : 4;
}
