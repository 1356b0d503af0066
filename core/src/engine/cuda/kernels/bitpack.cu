// Stage 3: the `fast` block payload (format/block.rs + encode/bitpack.rs), byte for byte:
//   u8 predictor (1 = Lorenzo) | u32 n_outliers | n_outliers x u32 block-local index
//   | n_outliers raw values (LE bits) | ceil(V/32) width bytes | per chunk `width` u32 words,
// value j of a chunk at bits [j*w, (j+1)*w) of the chunk's words read as one LE bit string.
// Every offset comes from the prefix sums of scan.cu; each byte has exactly one writer.
// Launch with 256 threads per block (the pack kernel stages one chunk per warp in shared
// memory).
#include "plume_lorenzo.cuh"

#define PLUME_PACK_THREADS 256

template <typename Bits>
__device__ void plume_pack_blocks(const Bits* __restrict__ field_bits, PlumeGeom g, const u64* __restrict__ blist,
                                  const i32* __restrict__ codes, const u32* __restrict__ masks,
                                  const u8* __restrict__ widths, const u32* __restrict__ word_off,
                                  const u32* __restrict__ out_off, const u32* __restrict__ block_outliers,
                                  const u64* __restrict__ block_off, u8* __restrict__ out) {
    __shared__ u32 zbuf[PLUME_PACK_THREADS];
    const u32 value_bytes = (u32)sizeof(Bits);
    const u32 lane = threadIdx.x & 31;
    const u32 warp_base = threadIdx.x & ~31u;
    plume_for_each_entry(g, blist, [&](u64 s, u32 i, const PlumeBox& bx) {
        const u64 t = s * g.slot_values + i;
        u32 z = 0;
        if (i < bx.volume) {
            z = plume_zigzag(plume_lorenzo_residual(codes + s * g.slot_values, bx, i));
        }
        __syncwarp();
        zbuf[threadIdx.x] = z;
        __syncwarp();
        const u32 chunk = i / 32;
        const u32 n_chunks = plume_n_chunks(bx.volume);
        if (chunk < n_chunks) {
            const u64 c = t / 32;
            const u32 w = widths[c];
            const u32 n_out = block_outliers[s];
            const u64 base = block_off[s];
            const u64 indices_at = base + 5;
            const u64 values_at = indices_at + 4 * (u64)n_out;
            const u64 widths_at = values_at + (u64)value_bytes * n_out;
            const u64 words_at = widths_at + n_chunks + 4 * (u64)word_off[c];
            if (lane == 0) {
                out[widths_at + chunk] = (u8)w;
                if (chunk == 0) {
                    out[base] = 1;  // predictor: Lorenzo
                    plume_store_u32(out, base + 1, n_out);
                }
            }
            if (lane < w) {
                // word `lane` of the chunk: the bits [32*lane, 32*lane + 32) of the string
                const u32 lo = 32 * lane;
                const u32 j0 = lo / w;
                u32 j1 = (lo + 31) / w;
                j1 = j1 > 31 ? 31 : j1;
                u32 word = 0;
                for (u32 j = j0; j <= j1; ++j) {
                    const u32 bit = j * w;
                    const u32 v = zbuf[warp_base + j];
                    word |= bit >= lo ? v << (bit - lo) : v >> (lo - bit);
                }
                plume_store_u32(out, words_at + 4 * (u64)lane, word);
            }
            const u32 m = masks[c];
            if ((m >> lane) & 1u) {
                const u32 rank = out_off[c] + __popc(m & ((1u << lane) - 1u));
                u32 lc[4];
                plume_local_coords(bx, i, lc);
                const Bits raw = field_bits[plume_field_index(g, bx, lc)];
                plume_store_u32(out, indices_at + 4 * (u64)rank, i);
                if (value_bytes == 4) {
                    plume_store_u32(out, values_at + 4 * (u64)rank, (u32)raw);
                } else {
                    plume_store_u64(out, values_at + 8 * (u64)rank, (u64)raw);
                }
            }
        }
    });
}

extern "C" __global__ void plume_pack_f32(const u32* field_bits, PlumeGeom g, const u64* blist, const i32* codes,
                                          const u32* masks, const u8* widths, const u32* word_off, const u32* out_off,
                                          const u32* block_outliers, const u64* block_off, u8* out) {
    plume_pack_blocks<u32>(field_bits, g, blist, codes, masks, widths, word_off, out_off, block_outliers, block_off,
                           out);
}

extern "C" __global__ void plume_pack_f64(const u64* field_bits, PlumeGeom g, const u64* blist, const i32* codes,
                                          const u32* masks, const u8* widths, const u32* word_off, const u32* out_off,
                                          const u32* block_outliers, const u64* block_off, u8* out) {
    plume_pack_blocks<u64>(field_bits, g, blist, codes, masks, widths, word_off, out_off, block_outliers, block_off,
                           out);
}

// Decoding: the width bytes of each selected block, from the stored blocks (host-checked:
// the payload sizes are consistent and every width is <= 32) into the workspace layout.
extern "C" __global__ void plume_gather_widths(PlumeGeom g, const u64* __restrict__ blist, const u8* __restrict__ stored,
                                               const u64* __restrict__ payload_at,
                                               const u32* __restrict__ block_outliers, u32 value_bytes, u32 version,
                                               u8* __restrict__ widths) {
    const u64 total = g.n_sel * g.slot_chunks;
    const u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += stride) {
        const u64 s = t / g.slot_chunks;
        const u32 c = (u32)(t - s * g.slot_chunks);
        const PlumeBox bx = plume_block_box(g, blist[s]);
        const u32 n_chunks = plume_n_chunks(bx.volume);
        const u64 widths_at = payload_at[s] + plume_payload_head(version) + (u64)block_outliers[s] * (4 + value_bytes);
        widths[t] = c < n_chunks ? stored[widths_at + c] : 0;
    }
}

// Decoding: residual of every value (unzigzagged) into the code workspace.
extern "C" __global__ void plume_unpack(PlumeGeom g, const u64* __restrict__ blist, const u8* __restrict__ stored,
                                        const u64* __restrict__ payload_at, const u32* __restrict__ block_outliers,
                                        u32 value_bytes, u32 version, const u8* __restrict__ widths,
                                        const u32* __restrict__ word_off, i32* __restrict__ codes) {
    plume_for_each_entry(g, blist, [&](u64 s, u32 i, const PlumeBox& bx) {
        if (i >= bx.volume) {
            return;
        }
        const u64 t = s * g.slot_values + i;
        const u64 c = t / 32;
        const u32 w = widths[c];
        u32 v = 0;
        if (w != 0) {
            const u32 n_chunks = plume_n_chunks(bx.volume);
            const u64 words_at = payload_at[s] + plume_payload_head(version) +
                                 (u64)block_outliers[s] * (4 + value_bytes) + n_chunks + 4 * (u64)word_off[c];
            const u32 bit = (i & 31) * w;
            const u32 k = bit >> 5;
            const u32 sh = bit & 31;
            u64 acc = plume_load_u32(stored, words_at + 4 * (u64)k);
            if (sh + w > 32) {
                acc |= (u64)plume_load_u32(stored, words_at + 4 * (u64)(k + 1)) << 32;
            }
            const u64 mask = w == 32 ? 0xffffffffull : ((1ull << w) - 1);
            v = (u32)((acc >> sh) & mask);
        }
        codes[t] = plume_unzigzag(v);
    });
}
