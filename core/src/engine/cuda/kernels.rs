//! The CUDA C sources of the engine (`kernels/`), one translation unit per stage, and the
//! NVRTC options that make them reproduce the CPU's arithmetic.
//!
//! | unit | kernels | CPU counterpart |
//! |---|---|---|
//! | `quantize.cu` | `plume_quantize_{linear,log}_{f32,f64}` | `quantize/{linear,log}.rs` |
//! | `lorenzo.cu` | `plume_chunk_widths`, `plume_lorenzo_inverse_{axis,last}` | `predict/lorenzo.rs`, widths of `encode/bitpack.rs` |
//! | `scan.cu` | `plume_block_scan`, `plume_offsets_scan` | payload layout of `format/block.rs`, block offsets |
//! | `bitpack.cu` | `plume_pack_{f32,f64}`, `plume_gather_widths`, `plume_unpack` | `encode/bitpack.rs`, `format/block.rs` |
//! | `dequantize.cu` | `plume_dequantize_{linear,log}_{f32,f64}`, `plume_scatter_outliers_{f32,f64}` | `Quantizer::reconstruct`, outliers |
//! | `metrics.cu` | `plume_error_stats_{f32,f64}` | max error, sum of squared errors |
//!
//! Shared headers: `plume_exact_math.cuh` (a line-for-line port of `exact_math.rs`),
//! `plume_quantize.cuh`, `plume_block.cuh` (geometry, workspace layout), `plume_lorenzo.cuh`.

use super::nvrtc::{Compiled, Nvrtc, Output};
use crate::error::Result;

/// In-memory headers, as `#include "name"` finds them.
pub const HEADERS: &[(&str, &str)] = &[
    ("plume_exact_math.cuh", include_str!("kernels/plume_exact_math.cuh")),
    ("plume_quantize.cuh", include_str!("kernels/plume_quantize.cuh")),
    ("plume_block.cuh", include_str!("kernels/plume_block.cuh")),
    ("plume_lorenzo.cuh", include_str!("kernels/plume_lorenzo.cuh")),
];

/// One translation unit: its file name, its source and the kernels it defines.
#[derive(Debug, Clone, Copy)]
pub struct Unit {
    /// File name under `kernels/`.
    pub name: &'static str,
    /// CUDA C source.
    pub source: &'static str,
    /// `extern "C"` kernel names it defines.
    pub kernels: &'static [&'static str],
}

/// Every translation unit of the engine.
pub const UNITS: &[Unit] = &[
    Unit {
        name: "quantize.cu",
        source: include_str!("kernels/quantize.cu"),
        kernels: &[
            "plume_quantize_linear_f32",
            "plume_quantize_linear_f64",
            "plume_quantize_log_f32",
            "plume_quantize_log_f64",
        ],
    },
    Unit {
        name: "lorenzo.cu",
        source: include_str!("kernels/lorenzo.cu"),
        kernels: &["plume_chunk_widths", "plume_lorenzo_inverse_axis", "plume_lorenzo_inverse_last"],
    },
    Unit {
        name: "scan.cu",
        source: include_str!("kernels/scan.cu"),
        kernels: &["plume_block_scan", "plume_offsets_scan"],
    },
    Unit {
        name: "bitpack.cu",
        source: include_str!("kernels/bitpack.cu"),
        kernels: &["plume_pack_f32", "plume_pack_f64", "plume_gather_widths", "plume_unpack"],
    },
    Unit {
        name: "dequantize.cu",
        source: include_str!("kernels/dequantize.cu"),
        kernels: &[
            "plume_dequantize_linear_f32",
            "plume_dequantize_linear_f64",
            "plume_dequantize_log_f32",
            "plume_dequantize_log_f64",
            "plume_scatter_outliers_f32",
            "plume_scatter_outliers_f64",
        ],
    },
    Unit {
        name: "metrics.cu",
        source: include_str!("kernels/metrics.cu"),
        kernels: &["plume_error_stats_f32", "plume_error_stats_f64"],
    },
];

/// Threads per block of the element-wise kernels (a multiple of 32; `bitpack.cu`'s
/// shared staging buffer and `metrics.cu`'s reduction assume exactly this).
pub const THREADS: u32 = 256;
/// Threads per block of the scans (`scan.cu`).
pub const SCAN_THREADS: u32 = 1024;

/// NVRTC options for `arch` (`compute_80`, `sm_90`, ...): no FMA contraction, no
/// flush-to-zero, IEEE division and square root, so every f64 operation is the single
/// correctly rounded operation the CPU performs.
pub fn options(arch: &str) -> Vec<String> {
    [
        format!("--gpu-architecture={arch}"),
        "--fmad=false".into(),
        "--ftz=false".into(),
        "--prec-div=true".into(),
        "--prec-sqrt=true".into(),
        "--std=c++17".into(),
    ]
    .into()
}

/// Compiles `unit` for `arch` (PTX for `compute_XY`, CUBIN for `sm_XY`).
pub fn compile(nvrtc: &Nvrtc, unit: &Unit, arch: &str) -> Result<Compiled> {
    let output = if arch.starts_with("sm_") { Output::Cubin } else { Output::Ptx };
    nvrtc.compile(unit.name, unit.source, HEADERS, &options(arch), output)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `#define name <f64 literal>` in a header.
    fn define(src: &str, name: &str) -> f64 {
        let line = src
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("{name} not defined"));
        let lit = line.split_whitespace().nth(2).unwrap_or_else(|| panic!("{name}: no value"));
        lit.parse().unwrap_or_else(|e| panic!("{name} = {lit}: {e}"))
    }

    #[test]
    fn exact_math_constants_match_the_rust_source() {
        let cuh = HEADERS[0].1;
        let rust = include_str!("../../exact_math.rs");
        let start = rust.find("const EXP2_COEFFS: [f64; 17] = [").expect("EXP2_COEFFS in exact_math.rs");
        let body = &rust[start..];
        let body = &body[body.find('[').expect("[") + 1..];
        let body = &body[body.find('[').expect("[") + 1..body.find("];").expect("];")];
        let coeffs: Vec<f64> = body
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| if s == "std::f64::consts::LN_2" { std::f64::consts::LN_2 } else { s.parse().expect(s) })
            .collect();
        assert_eq!(coeffs.len(), 17);
        for (n, c) in coeffs.iter().enumerate() {
            assert_eq!(define(cuh, &format!("PLUME_EXP2_C{n}")).to_bits(), c.to_bits(), "coefficient {n}");
        }
        assert_eq!(define(cuh, "PLUME_SQRT_2"), std::f64::consts::SQRT_2);
        assert_eq!(define(cuh, "PLUME_TWO_OVER_LN2"), 2.8853900817779268);
        assert_eq!(define(cuh, "PLUME_TWO_POW_64"), 18_446_744_073_709_551_616.0);
        assert_eq!(define(cuh, "PLUME_F64_MIN_POSITIVE"), f64::MIN_POSITIVE);
        assert_eq!(define(HEADERS[1].1, "PLUME_Q_MAX") as i32, crate::quantize::Q_MAX);
    }

    #[test]
    fn every_include_is_a_known_header() {
        for (name, src) in UNITS.iter().map(|u| (u.name, u.source)).chain(HEADERS.iter().copied()) {
            for line in src.lines().filter(|l| l.starts_with("#include")) {
                let inc = line.split('"').nth(1).unwrap_or_else(|| panic!("{name}: {line}"));
                assert!(HEADERS.iter().any(|h| h.0 == inc), "{name} includes unknown {inc}");
            }
        }
    }

    // Host models of the index arithmetic the kernels use (not of CUDA semantics), checked
    // against the CPU stages: they pin the formulas a device run would otherwise be the
    // first to exercise.

    /// `plume_lorenzo_residual` (plume_lorenzo.cuh): inclusion-exclusion over axis subsets.
    fn lorenzo_residual(codes: &[i32], ext: [usize; 4], i: usize) -> i32 {
        let ls = [ext[1] * ext[2] * ext[3], ext[2] * ext[3], ext[3], 1];
        let c = [i / ls[0], (i / ls[1]) % ext[1], (i / ls[2]) % ext[2], i % ext[3]];
        let mut acc = 0u32;
        for subset in 0..16u32 {
            let (mut at, mut inside, mut parity) = (i, true, false);
            for a in 0..4 {
                if subset & (1 << a) != 0 {
                    inside &= c[a] > 0;
                    at = at.wrapping_sub(ls[a]);
                    parity ^= true;
                }
            }
            if inside {
                let v = codes[at] as u32;
                acc = if parity { acc.wrapping_sub(v) } else { acc.wrapping_add(v) };
            }
        }
        acc as i32
    }

    /// Word `lane` of a chunk in `plume_pack_blocks` (bitpack.cu).
    fn pack_word(z: &[u32; 32], w: u32, lane: u32) -> u32 {
        let lo = 32 * lane;
        let j0 = lo / w;
        let j1 = ((lo + 31) / w).min(31);
        let mut word = 0u32;
        for j in j0..=j1 {
            let bit = j * w;
            let v = z[j as usize];
            word |= if bit >= lo { v << (bit - lo) } else { v >> (lo - bit) };
        }
        word
    }

    /// Value `lane` of a chunk in `plume_unpack` (bitpack.cu).
    fn unpack_value(words: &[u32], w: u32, lane: u32) -> u32 {
        let bit = lane * w;
        let (k, sh) = ((bit >> 5) as usize, bit & 31);
        let mut acc = words[k] as u64;
        if sh + w > 32 {
            acc |= (words[k + 1] as u64) << 32;
        }
        let mask = if w == 32 { 0xffff_ffffu64 } else { (1u64 << w) - 1 };
        ((acc >> sh) & mask) as u32
    }

    #[test]
    fn residual_model_matches_the_lorenzo_predictor() {
        use crate::predict::{LorenzoPredictor, Predictor};
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for ext in [[1, 1, 1, 37], [1, 1, 5, 7], [1, 3, 4, 5], [2, 3, 1, 4], [3, 2, 4, 2]] {
            let n: usize = ext.iter().product();
            let codes: Vec<i32> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as i32
                })
                .collect();
            let mut cpu = codes.clone();
            LorenzoPredictor.forward(&mut cpu, &ext);
            for (i, &r) in cpu.iter().enumerate() {
                assert_eq!(lorenzo_residual(&codes, ext, i), r, "{ext:?} at {i}");
            }
        }
    }

    #[test]
    fn pack_and_unpack_models_match_the_bitpack_encoder() {
        use crate::encode::{zigzag, BitPackEncoder, ResidualEncoder};
        for w in 1..=32u32 {
            let max = if w == 32 { u32::MAX } else { (1u32 << w) - 1 };
            let mut z = [0u32; 32];
            for (j, v) in z.iter_mut().enumerate() {
                *v = max.wrapping_sub((j as u32).wrapping_mul(0x9e37_79b9)) & max;
            }
            z[5] = max; // the width is exactly w
            let residuals: Vec<i32> = z.iter().map(|&v| crate::encode::unzigzag(v)).collect();
            assert!(residuals.iter().all(|&r| zigzag(r) <= max));
            let mut cpu = Vec::new();
            BitPackEncoder.encode(&residuals, &mut cpu);
            assert_eq!(cpu[0] as u32, w);
            let words: Vec<u32> = (0..w).map(|lane| pack_word(&z, w, lane)).collect();
            let bytes: Vec<u8> = words.iter().flat_map(|v| v.to_le_bytes()).collect();
            assert_eq!(&cpu[1..], &bytes[..], "width {w}");
            for lane in 0..32 {
                assert_eq!(unpack_value(&words, w, lane), z[lane as usize], "width {w} lane {lane}");
            }
        }
    }
}
