//! Engine parity: the CUDA engine must write byte-identical `fast` streams and decode
//! every stream to the same bits as the CPU engine (ARCHITECTURE.md, "the CPU/GPU
//! invariant"), on the real fields of `shared/data` and on adversarial inputs (NaN, Inf,
//! -0.0, subnormals, values beyond the code range, zero bounds, partial blocks, 1-D to
//! 4-D, C and Fortran order, f32 and f64, linear and log quantizers).
//!
//! Built in every configuration. Without a device (or without the `cuda` feature) each
//! test prints "no CUDA device: parity not measured" with the reason, and still asserts
//! what holds everywhere: selecting the CUDA engine fails with a clean `Device` or
//! `Unsupported` error (never a panic), `auto` falls back to the CPU engine, and
//! compressing through `auto` gives the CPU's bytes.
//!
//! On a GPU machine (no Rust there): build here with
//! `cargo test -p plume-core --features cuda --test cuda_parity --no-run`, carry the
//! binary it prints and `shared/data`, and run it with `PLUME_TEST_DATA` set.

mod common;

use std::io::Write;
use std::mem::MaybeUninit;

use plume_core::engine::grid::Box4;
use plume_core::engine::{select_engine, Engine, EngineChoice};
use plume_core::field::AnyValuesMut;
use plume_core::{codec, CompressOptions, Element, Encoding, ErrorBound, ErrorKind, FieldView, Order, Shape};

use common::Rng;

/// The CUDA engine, or `None` after saying loudly why parity is not measured (and
/// checking that the reason is a clean error of the right kind).
fn cuda_or_report(test: &str) -> Option<Box<dyn Engine>> {
    match select_engine(EngineChoice::Cuda) {
        Ok(e) => {
            assert_eq!(e.name(), "cuda");
            Some(e)
        }
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Device | ErrorKind::Unsupported),
                "selecting the CUDA engine must fail with Device or Unsupported, got {e}"
            );
            // straight to the handle: libtest captures the output of passing tests
            let _ = writeln!(std::io::stderr(), "{test}: no CUDA device: parity not measured ({e})");
            None
        }
    }
}

#[test]
fn engine_selection_is_clean_on_any_machine() {
    let cuda = select_engine(EngineChoice::Cuda);
    let auto = select_engine(EngineChoice::Auto).expect("auto never fails");
    assert_eq!(select_engine(EngineChoice::Cpu).expect("cpu").name(), "cpu");
    match &cuda {
        Ok(e) => assert_eq!((e.name(), auto.name()), ("cuda", "cuda")),
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::Device | ErrorKind::Unsupported), "{e}");
            if !cfg!(feature = "cuda") {
                assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            }
            assert_eq!(auto.name(), "cpu", "auto falls back to the CPU engine");
            let _ = writeln!(std::io::stderr(), "no CUDA device: parity not measured ({e})");
        }
    }
    // the codec: `cuda` gives the same error, `auto` the CPU's bytes
    let values: Vec<f32> = (0..4096).map(|i| (i as f32 * 0.01).sin()).collect();
    let shape = Shape::new(&[64, 64], Order::C).expect("shape");
    let field = FieldView::new(&values, &shape).expect("field");
    let cpu_opts = CompressOptions::new(ErrorBound::Abs(1e-3), Encoding::Fast);
    let cpu_stream = codec::compress(field, &cpu_opts).expect("cpu");
    let auto_stream =
        codec::compress(field, &CompressOptions { engine: EngineChoice::Auto, ..cpu_opts.clone() })
            .expect("auto");
    assert_eq!(cpu_stream, auto_stream);
    let via_cuda = codec::compress(field, &CompressOptions { engine: EngineChoice::Cuda, ..cpu_opts });
    match (&cuda, via_cuda) {
        (Ok(_), Ok(s)) => assert_eq!(s, cpu_stream),
        (Err(e), Err(e2)) => assert_eq!(e.kind(), e2.kind()),
        (a, b) => panic!("engine selection and codec disagree: {:?} vs {b:?}", a.as_ref().map(|e| e.name())),
    }
    assert_eq!(EngineChoice::parse("AUTO").expect("parse"), EngineChoice::Auto);
    assert!(EngineChoice::parse("tpu").is_err());
    assert_eq!(EngineChoice::default(), EngineChoice::Cpu);
}

/// Where two streams first differ: byte offset, and the block and offset within its
/// payload (from the CPU stream's block table), to point a GPU debugging session at the
/// stage that went wrong (predictor/count, outliers, widths or words).
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return format!("lengths differ: cpu {} bytes, cuda {}", a.len(), b.len());
    };
    let mut at = format!("first difference at byte {i} (cpu {:02x}, cuda {:02x})", a[i], b[i]);
    if let Ok(layout) = codec::inspect(a) {
        if i < layout.data_start {
            at += " in the header or block table";
        } else if let Some((k, e)) = layout
            .blocks
            .iter()
            .enumerate()
            .find(|(_, e)| (i - layout.data_start) < (e.offset + e.len) as usize)
        {
            at += &format!(", block {k} payload byte {}", i - layout.data_start - e.offset as usize);
        }
    }
    at
}

/// Decodes `region` of `stream` with `engine` into bit patterns.
fn decode_bits<T: Element>(engine: &dyn Engine, stream: &[u8], region: &Box4) -> Result<Vec<u64>, String> {
    let layout = codec::inspect(stream).map_err(|e| e.to_string())?;
    let mut out: Vec<MaybeUninit<T>> = (0..region.volume()).map(|_| MaybeUninit::uninit()).collect();
    let (ptr, len) = (out.as_mut_ptr(), out.len());
    let any = match T::DTYPE {
        // SAFETY: T is f32 here (DTYPE names the type exactly).
        plume_core::DType::F32 => {
            AnyValuesMut::F32(unsafe { std::slice::from_raw_parts_mut(ptr.cast(), len) })
        }
        // SAFETY: T is f64 here.
        plume_core::DType::F64 => {
            AnyValuesMut::F64(unsafe { std::slice::from_raw_parts_mut(ptr.cast(), len) })
        }
        plume_core::DType::U8 => unreachable!("Element is f32 or f64"),
    };
    engine.decompress_region(stream, &layout, region, any).map_err(|e| e.to_string())?;
    // SAFETY: on Ok the engine wrote every element.
    Ok(out.iter().map(|v| unsafe { v.assume_init() }.to_bits_u64()).collect())
}

/// Compresses with both engines, asserts identical bytes, then decodes the stream (whole
/// field and a sub-box) with both engines and asserts identical bits. Returns the stream.
fn assert_parity<T: Element>(
    gpu: &dyn Engine,
    values: &[T],
    dims: &[usize],
    order: Order,
    opts: &CompressOptions,
    ctx: &str,
) {
    let shape = Shape::new(dims, order).expect("shape");
    let field = FieldView::new(values, &shape).expect("field");
    let cpu_stream = codec::compress(field, &CompressOptions { engine: EngineChoice::Cpu, ..opts.clone() })
        .unwrap_or_else(|e| panic!("{ctx}: cpu: {e}"));
    let gpu_stream = codec::compress(field, &CompressOptions { engine: EngineChoice::Cuda, ..opts.clone() })
        .unwrap_or_else(|e| panic!("{ctx}: cuda: {e}"));
    assert!(
        cpu_stream == gpu_stream,
        "{ctx}: streams differ: {}",
        first_difference(&cpu_stream, &gpu_stream)
    );
    let storage = shape.storage_dims();
    let mut extent = [1usize; 4];
    extent[4 - storage.len()..].copy_from_slice(&storage);
    let whole = Box4 { start: [0; 4], extent };
    let mut sub = whole;
    for (a, &e) in extent.iter().enumerate() {
        sub.start[a] = e / 3;
        sub.extent[a] = (e - sub.start[a]).div_ceil(2).max(1).min(e - sub.start[a]);
    }
    for region in [whole, sub] {
        if region.volume() == 0 {
            continue;
        }
        let cpu = decode_bits::<T>(&plume_core::engine::CpuEngine, &cpu_stream, &region)
            .unwrap_or_else(|e| panic!("{ctx}: cpu decode: {e}"));
        let gpu_bits =
            decode_bits::<T>(gpu, &cpu_stream, &region).unwrap_or_else(|e| panic!("{ctx}: cuda decode: {e}"));
        if let Some(i) = cpu.iter().zip(&gpu_bits).position(|(a, b)| a != b) {
            panic!(
                "{ctx}: decoded values differ at {i} of region {region:?}: cpu {:x} cuda {:x}",
                cpu[i], gpu_bits[i]
            );
        }
    }
}

const BOUNDS: &[ErrorBound] = &[
    ErrorBound::Rel(1e-2),
    ErrorBound::Rel(1e-4),
    ErrorBound::Abs(0.0),
    ErrorBound::PwRel(0.01),
    ErrorBound::PwRel(0.1),
];

/// Real fields: (file, shape, f64?), as shared/data/README.md lists them.
const FILES: &[(&str, &[usize], bool)] = &[
    ("sperr_wmag91.f32", &[91, 91, 91], false),
    ("sperr_vorticity_128_128_41.f32", &[41, 128, 128], false),
    ("sperr_vorticity_512_512.f32", &[512, 512], false),
    ("sperr_999x999.f32", &[999, 999], false),
    ("nyx32_baryon_density.f32", &[32, 32, 32], false),
    ("nyx32_temperature.f32", &[32, 32, 32], false),
    ("nyx32_velocity_x.f32", &[32, 32, 32], false),
    ("sz2_testfloat_8_8_128.f32", &[8, 8, 128], false),
    ("sz2_testdouble_8_8_128.f64", &[8, 8, 128], true),
    ("sz2_testdouble_8_8_8_128.f64", &[8, 8, 8, 128], true),
];

#[test]
fn parity_on_real_fields() {
    let Some(gpu) = cuda_or_report("parity_on_real_fields") else { return };
    let Some(dir) = common::data_dir() else { return };
    for &(file, dims, is_f64) in FILES {
        let path = dir.join(file);
        for &bound in BOUNDS {
            let opts = CompressOptions::new(bound, Encoding::Fast);
            let ctx = format!("{file} {bound:?}");
            if is_f64 {
                assert_parity(gpu.as_ref(), &common::load_raw::<f64>(&path), dims, Order::C, &opts, &ctx);
            } else {
                assert_parity(gpu.as_ref(), &common::load_raw::<f32>(&path), dims, Order::C, &opts, &ctx);
            }
        }
    }
}

/// Values that stress every branch of the quantizers and the packer.
fn adversarial<T: Element>(n: usize, rng: &mut Rng) -> Vec<T> {
    (0..n)
        .map(|i| {
            let x = match i % 23 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => f64::NEG_INFINITY,
                3 => -0.0,
                4 => 0.0,
                5 => 1e-310,   // f64 subnormal (0 in f32)
                6 => -1.4e-45, // f32 subnormal
                7 => 1e30,     // beyond the code range of small bounds
                8 => -3.0e38,
                9 => 1.0 + f64::EPSILON,
                10 => -1.4e-15,
                _ => (i as f64 * 0.013).sin() * 10.0 + rng.range(-1e-3, 1e-3),
            };
            T::from_f64(x)
        })
        .collect()
}

#[test]
fn parity_on_adversarial_inputs() {
    let Some(gpu) = cuda_or_report("parity_on_adversarial_inputs") else { return };
    let mut rng = Rng::new(0x9e37);
    let shapes: &[(&[usize], Option<&[usize]>)] = &[
        (&[1], None),
        (&[1000], Some(&[100])),
        (&[33, 17], Some(&[8, 8])),
        (&[5, 7, 3], Some(&[2, 4, 3])),
        (&[20, 21, 22], None),
        (&[3, 5, 7, 9], Some(&[2, 2, 4, 4])),
        (&[2, 3, 4, 70], None),
        (&[64, 64, 1], Some(&[64, 64, 1])),
    ];
    let bounds = [
        ErrorBound::Abs(1e-3),
        ErrorBound::Abs(0.0),
        ErrorBound::Rel(1e-6),
        ErrorBound::PwRel(1e-3),
        ErrorBound::PwRel(0.5),
    ];
    for &(dims, block) in shapes {
        let n: usize = dims.iter().product();
        let v32 = adversarial::<f32>(n, &mut rng);
        let v64 = adversarial::<f64>(n, &mut rng);
        for order in [Order::C, Order::Fortran] {
            for bound in bounds {
                let opts = CompressOptions {
                    block_dims: block.map(<[usize]>::to_vec),
                    ..CompressOptions::new(bound, Encoding::Fast)
                };
                let ctx = format!("{dims:?} {order:?} blocks {block:?} {bound:?}");
                assert_parity(gpu.as_ref(), &v32, dims, order, &opts, &format!("f32 {ctx}"));
                assert_parity(gpu.as_ref(), &v64, dims, order, &opts, &format!("f64 {ctx}"));
            }
        }
    }
    // wide residuals: every bit width 0..=32 appears (white noise over a huge range)
    let noise: Vec<f64> = (0..50_000).map(|_| rng.range(-1e9, 1e9)).collect();
    let opts = CompressOptions::new(ErrorBound::Abs(1e-2), Encoding::Fast);
    assert_parity(gpu.as_ref(), &noise, &[50, 1000], Order::C, &opts, "noise f64");
    // constant field: all widths 0
    let flat = vec![3.25f32; 70_000];
    assert_parity(gpu.as_ref(), &flat, &[70_000], Order::C, &opts, "constant f32");
}

#[test]
fn ratio_requests_fall_back_to_the_cpu_bytes() {
    let Some(gpu) = cuda_or_report("ratio_requests_fall_back_to_the_cpu_bytes") else { return };
    let values: Vec<f64> = (0..10_000).map(|i| (i as f64 * 0.002).cos()).collect();
    let opts = CompressOptions::new(ErrorBound::Rel(1e-3), Encoding::Ratio);
    assert_parity(gpu.as_ref(), &values, &[100, 100], Order::C, &opts, "ratio");
}

#[test]
fn damaged_streams_give_the_cpu_errors() {
    let Some(gpu) = cuda_or_report("damaged_streams_give_the_cpu_errors") else { return };
    let values: Vec<f32> = (0..4096).map(|i| (i as f32 * 0.05).sin()).collect();
    let shape = Shape::new(&[64, 64], Order::C).expect("shape");
    let stream = codec::compress(
        FieldView::new(&values, &shape).expect("field"),
        &CompressOptions {
            block_dims: Some(vec![16, 16]),
            ..CompressOptions::new(ErrorBound::Abs(1e-3), Encoding::Fast)
        },
    )
    .expect("compress");
    let layout = codec::inspect(&stream).expect("inspect");
    let whole = Box4 { start: [0, 0, 0, 0], extent: [1, 1, 64, 64] };
    let mut bad = stream.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x55; // CRC mismatch in the last block
    let cpu = decode_bits::<f32>(&plume_core::engine::CpuEngine, &bad, &whole).expect_err("cpu rejects");
    let gpu_err = decode_bits::<f32>(gpu.as_ref(), &bad, &whole).expect_err("cuda rejects");
    assert_eq!(cpu, gpu_err);
    assert!(layout.blocks.len() == 16);
}

/// The device-pointer entry point: a field already on the device compresses to the CPU
/// engine's blocks, and decodes into device memory to the CPU's bits.
#[cfg(feature = "cuda")]
#[test]
fn device_pointer_entry_points_match_the_cpu() {
    use cudarc::driver::DevicePtr;
    use plume_core::engine::{CpuEngine, Plan};
    use plume_core::field::AnyField;
    use plume_core::format::QuantizerParams;
    if cuda_or_report("device_pointer_entry_points_match_the_cpu").is_none() {
        return;
    }
    let engine = plume_core::engine::cuda::shared().expect("engine");
    let dims = [37usize, 41, 29];
    let mut rng = Rng::new(7);
    let values: Vec<f64> = adversarial(dims.iter().product(), &mut rng);
    let shape = Shape::new(&dims, Order::C).expect("shape");
    for quantizer in [
        QuantizerParams::Linear { abs_bound: 1e-3, step: 2e-3, offset: 0.25 },
        QuantizerParams::Log {
            rel_bound: 0.01,
            step: 2.0 * 0.01f64.ln_1p() / std::f64::consts::LN_2,
            lmin: -60.0,
        },
    ] {
        let plan = Plan { quantizer, encoding: Encoding::Fast, block_dims: vec![16, 16, 16], zstd_level: 1 };
        let cpu = CpuEngine
            .compress(AnyField::F64(FieldView::new(&values, &shape).expect("field")), &plan)
            .expect("cpu");
        let s = engine.stream().clone();
        let on_device = s.clone_htod(&values).expect("upload");
        s.synchronize().expect("sync");
        let ptr = on_device.device_ptr(&s).0;
        // SAFETY: `on_device` holds the field's values on the engine's context, uploaded
        // and synchronised above, and lives until the call returns.
        let gpu =
            unsafe { engine.compress_device(ptr, plume_core::DType::F64, &shape, &plan) }.expect("cuda");
        assert_eq!(cpu.n_outliers, gpu.n_outliers, "{quantizer:?}");
        for (k, (a, b)) in cpu.blocks.iter().zip(&gpu.blocks).enumerate() {
            assert!(a == b, "{quantizer:?}: block {k} differs");
        }
        assert_eq!(cpu.blocks.len(), gpu.blocks.len());
    }
    // decode into device memory
    let field = FieldView::new(&values, &shape).expect("field");
    let stream =
        codec::compress(field, &CompressOptions::new(ErrorBound::PwRel(0.01), Encoding::Fast)).expect("cpu");
    let (cpu_back, _) = codec::decompress::<f64>(&stream).expect("cpu decode");
    let layout = codec::inspect(&stream).expect("inspect");
    let s = engine.stream().clone();
    let out = s.alloc_zeros::<f64>(values.len()).expect("alloc");
    s.synchronize().expect("sync");
    let whole = Box4 { start: [0; 4], extent: [1, dims[0], dims[1], dims[2]] };
    // SAFETY: `out` has room for every value, on the engine's context, used by nothing else.
    unsafe { engine.decompress_device(&stream, &layout, &whole, out.device_ptr(&s).0, values.len()) }
        .expect("cuda decode");
    let back = s.clone_dtoh(&out).expect("download");
    s.synchronize().expect("sync");
    assert!(cpu_back.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits()), "device decode differs");
}
