// The forward Lorenzo residual of one value (predict/lorenzo.rs), shared by the width
// pass (lorenzo.cu) and the packing pass (bitpack.cu), which recomputes it rather than
// storing a second workspace of residuals.
#pragma once
#include "plume_block.cuh"

// The Lorenzo residual of block-local index i of slot s (whose codes start at `codes`).
__device__ __forceinline__ i32 plume_lorenzo_residual(const i32* __restrict__ codes, const PlumeBox& bx, u32 i) {
    u32 c[4];
    plume_local_coords(bx, i, c);
    const u32 lstride[4] = {bx.ext[1] * bx.ext[2] * bx.ext[3], bx.ext[2] * bx.ext[3], bx.ext[3], 1};
    u32 acc = 0;
    for (u32 subset = 0; subset < 16; ++subset) {
        u32 at = i;
        bool inside = true;
        u32 parity = 0;
        for (int a = 0; a < 4; ++a) {
            if (subset & (1u << a)) {
                inside &= c[a] > 0;
                at -= lstride[a];
                parity ^= 1;
            }
        }
        if (inside) {
            const u32 v = (u32)codes[at];
            acc = parity ? acc - v : acc + v;
        }
    }
    return (i32)acc;
}
