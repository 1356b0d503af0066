//! Per-stage benchmarks on one 64^3 synthetic field (one block with the default 3-D
//! block dims, so every stage runs single-threaded, as it does per block in the engine).
//!
//! ```text
//! cargo bench -p plume-core --bench stages -j1              # all stages
//! cargo bench -p plume-core --bench stages -j1 -- huffman   # one group
//! ```
//!
//! Throughput is reported in bytes of the *original* f32 field (4 bytes per value) for
//! every stage, so the per-stage MB/s figures add up like the pipeline: 1/total =
//! sum(1/stage). Bound: ABS 1e-3 on a field in [0, 1] (REL 1e-3).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use plume_core::codec::{self, CompressOptions, Encoding};
use plume_core::encode::{BitPackEncoder, Histogram, HuffmanEncoder, ResidualEncoder};
use plume_core::format::{block, ByteReader};
use plume_core::lossless::{LosslessCodec, ZstdLossless};
use plume_core::predict::{
    estimated_bits, InterpOrder, InterpolationPredictor, LorenzoPredictor, Predictor, PredictorKind,
};
use plume_core::quantize::{quantize_run, LinearQuantizer, Quantizer};
use plume_core::{ErrorBound, FieldView, Order, Shape};

const DIMS: [usize; 3] = [64, 64, 64];
const EB: f64 = 1e-3;

/// Everything the stage benches start from, computed once.
struct Fixture {
    values: Vec<f32>,
    quantizer: LinearQuantizer,
    codes: Vec<i32>,
    residuals: Vec<i32>,
    outliers: Vec<(u32, f32)>,
    code: HuffmanEncoder,
    packed: Vec<u8>,
    huffman: Vec<u8>,
    payload: Vec<u8>,
    zstd_frame: Vec<u8>,
}

fn fixture() -> Fixture {
    let values = plume_core::synth::turbulent_scalar(&DIMS, 42).expect("synthetic field");
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v as f64), hi.max(v as f64)));
    let quantizer = LinearQuantizer::new(EB, min / 2.0 + max / 2.0);
    let mut codes = vec![0i32; values.len()];
    let mut outliers = Vec::new();
    quantize_run(&quantizer, &values, &mut codes, 0, &mut outliers);
    let mut residuals = codes.clone();
    LorenzoPredictor.forward(&mut residuals, &DIMS);

    let code = HuffmanEncoder::from_histogram(&Histogram::of(&residuals));

    let mut packed = Vec::new();
    BitPackEncoder.encode(&residuals, &mut packed);
    let mut huffman = Vec::new();
    code.encode(&residuals, &mut huffman);
    let mut payload = Vec::new();
    block::write_payload(PredictorKind::Lorenzo, &outliers, &code, &residuals, &mut payload);
    let mut zstd_frame = Vec::new();
    ZstdLossless::default().compress(&payload, &mut zstd_frame).expect("zstd");

    // the stage chain must reproduce the values within the bound, or the benches are moot
    let mut back = residuals.clone();
    LorenzoPredictor.inverse(&mut back, &DIMS);
    assert_eq!(back, codes, "Lorenzo round trip");
    let max_err = values
        .iter()
        .zip(&codes)
        .enumerate()
        .filter(|(i, _)| outliers.binary_search_by_key(&(*i as u32), |o| o.0).is_err())
        .map(|(_, (&x, &c))| (x as f64 - quantizer.reconstruct::<f32>(c) as f64).abs())
        .fold(0.0f64, f64::max);
    assert!(max_err <= EB, "quantizer max error {max_err} > {EB}");

    Fixture { values, quantizer, codes, residuals, outliers, code, packed, huffman, payload, zstd_frame }
}

fn bytes(fx: &Fixture) -> Throughput {
    Throughput::Bytes((fx.values.len() * std::mem::size_of::<f32>()) as u64)
}

fn bench_quantize(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("quantize");
    g.throughput(bytes(fx));
    let mut codes = vec![0i32; fx.values.len()];
    let mut outliers = Vec::new();
    g.bench_function("linear_quantize_run", |b| {
        b.iter(|| {
            outliers.clear();
            quantize_run(&fx.quantizer, black_box(&fx.values), &mut codes, 0, &mut outliers);
            black_box((&codes, &outliers));
        })
    });
    let mut out = vec![0f32; fx.codes.len()];
    g.bench_function("linear_reconstruct", |b| {
        b.iter(|| {
            for (o, &q) in out.iter_mut().zip(black_box(&fx.codes)) {
                *o = fx.quantizer.reconstruct::<f32>(q);
            }
            black_box(&out);
        })
    });
    g.finish();
}

fn bench_predict(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("predict");
    g.throughput(bytes(fx));
    let mut buf = fx.codes.clone();
    g.bench_function("lorenzo_forward", |b| {
        b.iter_batched_ref(
            || fx.codes.clone(),
            |codes| LorenzoPredictor.forward(black_box(codes), &DIMS),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("lorenzo_inverse", |b| {
        b.iter_batched_ref(
            || fx.residuals.clone(),
            |res| LorenzoPredictor.inverse(black_box(res), &DIMS),
            BatchSize::LargeInput,
        )
    });
    for (name, order) in [("interp_cubic", InterpOrder::Cubic), ("interp_linear", InterpOrder::Linear)] {
        let p = InterpolationPredictor { order };
        let mut res = fx.codes.clone();
        p.forward(&mut res, &DIMS);
        let mut back = res.clone();
        p.inverse(&mut back, &DIMS);
        assert_eq!(back, fx.codes, "{name} round trip");
        eprintln!(
            "predict/{name}: estimated bits {} (Lorenzo {})",
            estimated_bits(&res),
            estimated_bits(&fx.residuals)
        );
        g.bench_function(format!("{name}_forward"), |b| {
            b.iter_batched_ref(
                || fx.codes.clone(),
                |codes| p.forward(black_box(codes), &DIMS),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("{name}_inverse"), |b| {
            b.iter_batched_ref(|| res.clone(), |r| p.inverse(black_box(r), &DIMS), BatchSize::LargeInput)
        });
    }
    // the ratio encoding's per-block choice between predictors
    g.bench_function("estimated_bits", |b| b.iter(|| black_box(estimated_bits(black_box(&fx.residuals)))));
    // the copy alone (each forward/inverse figure above includes one), to subtract
    g.bench_function("copy_baseline", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&fx.codes));
            black_box(&buf);
        })
    });
    g.finish();
}

fn bench_bitpack(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("bitpack");
    g.throughput(bytes(fx));
    let mut out = Vec::with_capacity(fx.packed.len());
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            BitPackEncoder.encode(black_box(&fx.residuals), &mut out);
            black_box(&out);
        })
    });
    let mut res = vec![0i32; fx.residuals.len()];
    g.bench_function("decode", |b| {
        b.iter(|| {
            let mut r = ByteReader::new(black_box(&fx.packed), 0, "bench");
            BitPackEncoder.decode(&mut r, &mut res).expect("bit-pack decode");
            black_box(&res);
        })
    });
    g.finish();
}

fn bench_huffman(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("huffman");
    g.throughput(bytes(fx));
    g.bench_function("histogram", |b| b.iter(|| black_box(Histogram::of(black_box(&fx.residuals)))));
    let hist = Histogram::of(&fx.residuals);
    g.bench_function("build_code", |b| {
        b.iter(|| black_box(HuffmanEncoder::from_histogram(black_box(&hist))))
    });
    let mut out = Vec::with_capacity(fx.huffman.len());
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            fx.code.encode(black_box(&fx.residuals), &mut out);
            black_box(&out);
        })
    });
    let mut res = vec![0i32; fx.residuals.len()];
    g.bench_function("decode", |b| {
        b.iter(|| {
            let mut r = ByteReader::new(black_box(&fx.huffman), 0, "bench");
            fx.code.decode(&mut r, &mut res).expect("Huffman decode");
            black_box(&res);
        })
    });
    g.finish();
}

fn bench_zstd(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("zstd");
    g.throughput(bytes(fx));
    let z = ZstdLossless::default();
    let mut out = Vec::with_capacity(fx.zstd_frame.len());
    g.bench_function("compress_ratio_payload", |b| {
        b.iter(|| {
            out.clear();
            z.compress(black_box(&fx.payload), &mut out).expect("zstd compress");
            black_box(&out);
        })
    });
    g.bench_function("decompress_ratio_payload", |b| {
        b.iter(|| {
            black_box(z.decompress(black_box(&fx.zstd_frame), fx.payload.len(), 0).expect("zstd decompress"))
        })
    });
    let mut payload = Vec::with_capacity(fx.payload.len());
    g.bench_function("write_payload_huffman", |b| {
        b.iter(|| {
            payload.clear();
            block::write_payload(
                PredictorKind::Lorenzo,
                black_box(&fx.outliers),
                &fx.code,
                black_box(&fx.residuals),
                &mut payload,
            );
            black_box(&payload);
        })
    });
    g.finish();
}

fn bench_codec(c: &mut Criterion, fx: &Fixture) {
    let shape = Shape::new(&DIMS, Order::C).expect("shape");
    let field = FieldView::new(&fx.values, &shape).expect("field");
    let mut g = c.benchmark_group("codec");
    g.throughput(bytes(fx));
    for (name, encoding) in [("fast", Encoding::Fast), ("ratio", Encoding::Ratio)] {
        let opts = CompressOptions::new(ErrorBound::Abs(EB), encoding);
        let stream = codec::compress(field, &opts).expect("compress");
        let (back, _) = codec::decompress::<f32>(&stream).expect("decompress");
        let max_err = fx.values.iter().zip(&back).map(|(a, b)| (a - b).abs() as f64).fold(0.0, f64::max);
        assert!(max_err <= EB, "{name}: max error {max_err} > {EB}");
        eprintln!(
            "codec/{name}: ratio {:.2} ({} -> {} bytes), {} outliers in the stage fixture",
            (fx.values.len() * 4) as f64 / stream.len() as f64,
            fx.values.len() * 4,
            stream.len(),
            fx.outliers.len()
        );
        g.bench_function(format!("compress_{name}"), |b| {
            b.iter(|| black_box(codec::compress(black_box(field), &opts).expect("compress")))
        });
        let mut out = vec![0f32; fx.values.len()];
        g.bench_function(format!("decompress_{name}"), |b| {
            b.iter(|| {
                codec::decompress_into::<f32>(black_box(&stream), &mut out).expect("decompress");
                black_box(&out);
            })
        });
    }
    g.finish();
}

fn stages(c: &mut Criterion) {
    // One block per field: pin rayon to one thread so the figures are per core.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    let fx = fixture();
    bench_quantize(c, &fx);
    bench_predict(c, &fx);
    bench_bitpack(c, &fx);
    bench_huffman(c, &fx);
    bench_zstd(c, &fx);
    bench_codec(c, &fx);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = stages
}
criterion_main!(benches);
