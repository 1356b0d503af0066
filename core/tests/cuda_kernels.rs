//! Proves that every CUDA kernel compiles, on any machine (no GPU needed): NVRTC compiles
//! each translation unit of `core/src/engine/cuda/kernels/` to PTX for `compute_80` and
//! `compute_90` with the engine's options (`--fmad=false`, ...).
//!
//! NVRTC comes from PyPI: `python3 -m pip install 'nvidia-cuda-nvrtc==13.0.*'` (what
//! `.ci/setup` does). The test finds it through `PLUME_NVRTC_LIB` (a path to
//! `libnvrtc.so*`) or else by asking `python3` where the `nvidia` package lives. It FAILS,
//! never skips, when NVRTC cannot be found: on CI a missing NVRTC is a setup bug.
//!
//! Run: `cargo test -p plume-core --features cuda --test cuda_kernels`.

use std::path::PathBuf;

use plume_core::engine::cuda::kernels::{self, UNITS};
use plume_core::engine::cuda::nvrtc::{Nvrtc, NVRTC_LIB_ENV};

/// `PLUME_NVRTC_LIB`, or the wheel's library under the `nvidia` Python package.
fn nvrtc_path() -> Result<String, String> {
    if let Some(p) = std::env::var_os(NVRTC_LIB_ENV) {
        return Ok(p.to_string_lossy().into_owned());
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import nvidia, sys; print('\\n'.join(nvidia.__path__))"])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let dirs = String::from_utf8_lossy(&out.stdout).into_owned();
    for dir in dirs.lines().filter(|l| !l.is_empty()) {
        // 13.x wheels: nvidia/cu13/lib/libnvrtc.so.13; 12.x: nvidia/cuda_nvrtc/lib/libnvrtc.so.12
        for rel in ["cu13/lib/libnvrtc.so.13", "cuda_nvrtc/lib/libnvrtc.so.12"] {
            let p = PathBuf::from(dir).join(rel);
            if p.is_file() {
                return Ok(p.to_string_lossy().into_owned());
            }
        }
    }
    Err(format!(
        "NVRTC not found: set {NVRTC_LIB_ENV} to libnvrtc.so, or install the wheel with \
         `python3 -m pip install 'nvidia-cuda-nvrtc==13.0.*'` (.ci/setup does); python3 said: {}{}",
        dirs.trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

fn load() -> &'static Nvrtc {
    static LIB: std::sync::OnceLock<Nvrtc> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        let path = nvrtc_path().unwrap_or_else(|e| panic!("{e}"));
        Nvrtc::load(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

#[test]
fn every_kernel_compiles_to_ptx_for_sm80_and_sm90() {
    let nvrtc = load();
    eprintln!("NVRTC {:?} from {}", nvrtc.version(), nvrtc.path());
    for arch in ["compute_80", "compute_90"] {
        for unit in UNITS {
            let out = kernels::compile(nvrtc, unit, arch)
                .unwrap_or_else(|e| panic!("{} for {arch}: {e}", unit.name));
            let ptx = String::from_utf8(out.image).expect("PTX is text");
            assert!(
                ptx.contains(&format!(".target sm_{}", &arch[8..])),
                "{} {arch}: no target line",
                unit.name
            );
            for k in unit.kernels {
                assert!(ptx.contains(&format!(".entry {k}(")), "{} {arch}: kernel {k} missing", unit.name);
            }
            assert!(out.log.is_empty(), "{} {arch}: NVRTC warnings:\n{}", unit.name, out.log);
            // no fused multiply-add anywhere: the CPU never fuses
            assert!(!ptx.contains("fma.rn.f64"), "{} {arch}: f64 FMA in PTX", unit.name);
        }
    }
}

#[test]
fn sm90_cubin_compiles() {
    let nvrtc = load();
    for unit in UNITS {
        let out =
            kernels::compile(nvrtc, unit, "sm_90").unwrap_or_else(|e| panic!("{} for sm_90: {e}", unit.name));
        assert!(out.image.starts_with(b"\x7fELF"), "{}: CUBIN is an ELF image", unit.name);
    }
}
