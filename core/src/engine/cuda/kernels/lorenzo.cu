// Stage 2: the integer Lorenzo predictor (predict/lorenzo.rs) on the codes of one block.
//
// Forward: the first difference along each axis with zeros outside the block equals the
// inclusion-exclusion sum  r(p) = sum over axis subsets S of (-1)^|S| code(p - e_S)
// (two's-complement wrapping, like the CPU's wrapping_sub passes), so each value's residual
// is computed independently from at most 16 codes. The zigzagged residuals give each
// chunk of 32 its bit width (encode/bitpack.rs): width = 32 - clz(OR of the chunk).
// Inverse: a prefix sum along each axis in turn, one thread per line.
#include "plume_lorenzo.cuh"

// One thread per workspace entry; lane 0 of each warp writes its chunk's bit width.
extern "C" __global__ void plume_chunk_widths(PlumeGeom g, const u64* __restrict__ blist, const i32* __restrict__ codes,
                                              u8* __restrict__ widths) {
    plume_for_each_entry(g, blist, [&](u64 s, u32 i, const PlumeBox& bx) {
        u32 z = 0;
        if (i < bx.volume) {
            z = plume_zigzag(plume_lorenzo_residual(codes + s * g.slot_values, bx, i));
        }
        const u32 any = __reduce_or_sync(0xffffffffu, z);
        if ((threadIdx.x & 31) == 0) {
            widths[(s * g.slot_values + i) / 32] = (u8)(32 - __clz(any));
        }
    });
}

// Inverse Lorenzo along `axis` (0..3) of every slot: one thread per line of the axis,
// a sequential wrapping prefix sum. Lines per slot: block volume / extent[axis].
extern "C" __global__ void plume_lorenzo_inverse_axis(PlumeGeom g, const u64* __restrict__ blist, i32* __restrict__ codes,
                                                      u32 axis) {
    u32 full_lines = 1;
    for (int a = 0; a < 4; ++a) {
        if ((u32)a != axis) {
            full_lines *= g.block[a];
        }
    }
    const u64 total = g.n_sel * full_lines;
    const u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += stride) {
        const u64 s = t / full_lines;
        const u32 line = (u32)(t - s * full_lines);
        const PlumeBox bx = plume_block_box(g, blist[s]);
        const u32 n = bx.ext[axis];
        if (n < 2 || line >= bx.volume / n) {
            continue;
        }
        u32 inner = 1;
        for (u32 a = axis + 1; a < 4; ++a) {
            inner *= bx.ext[a];
        }
        const u32 outer_i = line / inner;
        const u32 inner_i = line - outer_i * inner;
        u32* c = (u32*)(codes + s * g.slot_values) + (u64)outer_i * n * inner + inner_i;
        u32 acc = c[0];
        for (u32 j = 1; j < n; ++j) {
            acc += c[(u64)j * inner];
            c[(u64)j * inner] = acc;
        }
    }
}

// Inverse Lorenzo along the last (contiguous) axis: one warp per line, 32 values at a
// time by a shuffle scan with a carry, so that loads and stores are coalesced. Wrapping
// u32 addition is associative, so the sums equal the sequential ones bit for bit.
extern "C" __global__ void plume_lorenzo_inverse_last(PlumeGeom g, const u64* __restrict__ blist, i32* __restrict__ codes) {
    const u32 full_lines = g.block[0] * g.block[1] * g.block[2];
    const u32 lane = threadIdx.x & 31;
    const u64 total = g.n_sel * full_lines;
    const u64 n_warps = ((u64)gridDim.x * blockDim.x) / 32;
    for (u64 w = ((u64)blockIdx.x * blockDim.x + threadIdx.x) / 32; w < total; w += n_warps) {
        const u64 s = w / full_lines;
        const u32 line = (u32)(w - s * full_lines);
        const PlumeBox bx = plume_block_box(g, blist[s]);
        const u32 n = bx.ext[3];
        if (n < 2 || line >= bx.volume / n) {
            continue;  // uniform across the warp
        }
        u32* c = (u32*)(codes + s * g.slot_values) + (u64)line * n;
        u32 carry = 0;
        for (u32 j0 = 0; j0 < n; j0 += 32) {
            const u32 j = j0 + lane;
            u32 v = j < n ? c[j] : 0;
            for (u32 o = 1; o < 32; o <<= 1) {
                const u32 y = __shfl_up_sync(0xffffffffu, v, o);
                if (lane >= o) {
                    v += y;
                }
            }
            v += carry;
            if (j < n) {
                c[j] = v;
            }
            carry = __shfl_sync(0xffffffffu, v, 31);
        }
    }
}
