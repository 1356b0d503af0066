//! The CUDA C sources of the engine (`kernels/`), one translation unit per stage, and the
//! NVRTC options that make them reproduce the CPU's arithmetic.
//!
//! | unit | kernels | CPU counterpart |
//! |---|---|---|
//! | `quantize.cu` | `plume_quantize_{linear,log}_{f32,f64}` | `quantize/{linear,log}.rs` |
//! | `lorenzo.cu` | `plume_chunk_widths`, `plume_lorenzo_inverse_axis` | `predict/lorenzo.rs`, widths of `encode/bitpack.rs` |
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
        kernels: &["plume_chunk_widths", "plume_lorenzo_inverse_axis"],
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
}
