//! GPU throughput of the CUDA engine against the device's copy bandwidth, on a field of
//! at least 1 GiB resident on the device. Checks before it times: the GPU stream must be
//! byte-identical to the CPU engine's and decode to the same bits.
//!
//! ```text
//! cargo build --release -p plume-core --features cuda --example cuda_bench
//! # carry target/release/examples/cuda_bench to the GPU machine, then:
//! ./cuda_bench [n_per_axis=640] [csv path]
//! ```
//! Prints one CSV row per (operation, bound): device, driver, bytes, seconds, GB/s and
//! the share of the measured device-to-device copy bandwidth.
//!
//! What is timed: `compress` = `CudaEngine::compress_device` (field already on the
//! device; payloads copied back to the host); `decompress` = `decompress_device` of a host
//! stream (host-side block checks and the upload of the stream included). Both are
//! end-to-end calls, not kernel times.

use std::io::Write;
use std::time::Instant;

use plume_core::engine::cuda::{self, CudaEngine};
use plume_core::engine::grid::Box4;
use plume_core::engine::{EngineChoice, Plan};
use plume_core::format::{Encoding, QuantizerParams};
use plume_core::{codec, CompressOptions, DType, ErrorBound, FieldView, Order, Shape};

fn main() {
    if let Err(e) = run() {
        eprintln!("cuda_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(640);
    let csv_path = args.get(2).cloned();
    let engine: CudaEngine = cuda::shared()?;
    let s = engine.stream().clone();
    let dims = [n, n, n];
    let n_values = n * n * n;
    let bytes = (n_values * 4) as f64;
    eprintln!(
        "device {} ({}), field {n}^3 f32 = {:.2} GiB",
        engine.device_name(),
        engine.arch(),
        bytes / (1u64 << 30) as f64
    );

    // a smooth field with small-scale texture (like a flame front)
    let values: Vec<f32> = (0..n_values)
        .map(|i| {
            let (x, y, z) = ((i / (n * n)) as f32, ((i / n) % n) as f32, (i % n) as f32);
            (x * 0.031).sin() * (y * 0.017).cos()
                + 0.1 * (z * 0.11).sin()
                + 0.01 * ((i * 2654435761) % 1000) as f32 / 1000.0
        })
        .collect();
    let (lo, hi) = values.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let range = (hi - lo) as f64;
    let offset = lo as f64 / 2.0 + hi as f64 / 2.0;
    let shape = Shape::new(&dims, Order::C)?;
    let field = FieldView::new(&values, &shape)?;

    let on_device = s.clone_htod(&values)?;
    let mut copy = s.alloc_zeros::<f32>(n_values)?;
    let decoded = s.alloc_zeros::<f32>(n_values)?;
    s.synchronize()?;
    // device-to-device copy bandwidth (read + write counted once, as "bytes moved per s"
    // of the input, the same convention as the GB/s below)
    let reps = 5;
    let t = Instant::now();
    for _ in 0..reps {
        s.memcpy_dtod(&on_device, &mut copy)?;
    }
    s.synchronize()?;
    let copy_gbs = bytes * reps as f64 / t.elapsed().as_secs_f64() / 1e9;
    eprintln!("device-to-device copy: {copy_gbs:.0} GB/s");

    let mut rows = vec!["device,arch,op,rel_bound,bytes,seconds,gb_per_s,share_of_copy,ratio".to_string()];
    for rel in [1e-2, 1e-3, 1e-4] {
        let opts = CompressOptions::new(ErrorBound::Rel(rel), Encoding::Fast);
        // correctness first: the GPU stream is the CPU's, and decodes to the same bits
        let cpu_stream = codec::compress(field, &opts)?;
        let gpu_stream =
            codec::compress(field, &CompressOptions { engine: EngineChoice::Cuda, ..opts.clone() })?;
        if cpu_stream != gpu_stream {
            return Err(format!("rel {rel}: GPU stream differs from the CPU stream").into());
        }
        let eb = rel * range;
        let plan = Plan {
            quantizer: QuantizerParams::Linear { abs_bound: eb, step: 2.0 * eb, offset },
            encoding: Encoding::Fast,
            block_dims: vec![64, 64, 64],
            zstd_level: 1,
        };
        let layout = codec::inspect(&gpu_stream)?;
        let whole = Box4 { start: [0; 4], extent: [1, n, n, n] };
        let ptr = device_ptr(&on_device, &s);
        let out_ptr = device_ptr(&decoded, &s);
        // warm-up (sizes the workspace), then timed
        // SAFETY: ptr holds n_values f32 on this context, synchronised above.
        unsafe { engine.compress_device(ptr, DType::F32, &shape, &plan)? };
        let t = Instant::now();
        // SAFETY: as above.
        let c = unsafe { engine.compress_device(ptr, DType::F32, &shape, &plan)? };
        let secs = t.elapsed().as_secs_f64();
        let stored: usize = c.blocks.iter().map(Vec::len).sum();
        let ratio = bytes / stored as f64;
        rows.push(row(&engine, "compress", rel, bytes, secs, copy_gbs, ratio));
        // SAFETY: out_ptr has room for n_values f32 on this context.
        unsafe { engine.decompress_device(&gpu_stream, &layout, &whole, out_ptr, n_values)? };
        let t = Instant::now();
        // SAFETY: as above.
        unsafe { engine.decompress_device(&gpu_stream, &layout, &whole, out_ptr, n_values)? };
        let secs = t.elapsed().as_secs_f64();
        rows.push(row(&engine, "decompress", rel, bytes, secs, copy_gbs, ratio));
        let back = s.clone_dtoh(&decoded)?;
        s.synchronize()?;
        let (cpu_back, _) = codec::decompress::<f32>(&gpu_stream)?;
        if back.iter().zip(&cpu_back).any(|(a, b)| a.to_bits() != b.to_bits()) {
            return Err(format!("rel {rel}: GPU decode differs from the CPU decode").into());
        }
        let (max_err, sse, count) = engine.error_stats(&values, &back)?;
        eprintln!("rel {rel}: max error {max_err:e} (bound {eb:e}), rmse {:e}", (sse / count as f64).sqrt());
    }
    let text = rows.join("\n") + "\n";
    print!("{text}");
    if let Some(p) = csv_path {
        std::fs::File::create(&p)?.write_all(text.as_bytes())?;
    }
    Ok(())
}

fn row(engine: &CudaEngine, op: &str, rel: f64, bytes: f64, secs: f64, copy_gbs: f64, ratio: f64) -> String {
    let gbs = bytes / secs / 1e9;
    format!(
        "{},{},{op},{rel:e},{bytes},{secs:.6},{gbs:.1},{:.3},{ratio:.2}",
        engine.device_name().replace(',', " "),
        engine.arch(),
        gbs / copy_gbs
    )
}

/// The raw `CUdeviceptr` of a buffer (the engine disables cudarc's event tracking on
/// its context, so the guard is a no-op and may drop at once).
fn device_ptr(
    s: &cudarc::driver::CudaSlice<f32>,
    stream: &std::sync::Arc<cudarc::driver::CudaStream>,
) -> u64 {
    use cudarc::driver::DevicePtr;
    s.device_ptr(stream).0
}
