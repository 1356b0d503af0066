//! Labeler throughput on a synthetic lifted jet flame (`plume_core::synth::jet_flame`):
//! cells per second and bytes of input per second (the four f32 fields the labeler reads,
//! 16 bytes a cell), with the supplied Z and with Bilger's Z from the species, on all
//! cores and on one thread; plus the lossless label stream (format v3 `labels` encoding):
//! encode and decode throughput, and before the timings a size report: label bits per
//! cell, and label bytes as a share of the four fields' (Y_H2, Y_O2, Y_H2O, Z) compressed
//! bytes at PW_REL 1e-2 and 1e-1 (`ratio`), next to the version-2 label stream (f32 ids at
//! ABS 0.25). The report is also written to `core/benches/results/label_share.csv` unless
//! `PLUME_BENCH_NO_CSV=1`; `PLUME_BENCH_REPORT_ONLY=1` stops after it.
//!
//! ```text
//! cargo bench -p plume-core --bench label -j1
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use plume_core::label::{
    compress_labels, decompress_labels, label_field, Bilger, LabelGrid, LabelParams, SpeciesFields, ZInput,
    LABEL_ABS_BOUND,
};
use plume_core::synth::{jet_flame, JetFlame};
use plume_core::{codec, CompressOptions, Encoding, ErrorBound, FieldView, Order, Shape};

const DIMS: [usize; 3] = [256, 192, 64];

/// Seconds of the fastest of `n` runs of `f`.
fn best_of(n: usize, mut f: impl FnMut()) -> f64 {
    (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Label bits per cell and the labels' share of the features' compressed bytes; printed,
/// and written as CSV under core/benches/results/.
fn size_report(f: &JetFlame, labels: &[u8], shape: &Shape) {
    let n = shape.n_values();
    let stream = compress_labels(labels, shape).expect("label stream");
    assert_eq!(decompress_labels(&stream).expect("decodes").0, labels, "lossless");
    let enc_s = best_of(3, || {
        black_box(compress_labels(labels, shape).expect("stream"));
    });
    let dec_s = best_of(3, || {
        black_box(decompress_labels(&stream).expect("decodes"));
    });
    let ids: Vec<f32> = labels.iter().map(|&l| f32::from(l)).collect();
    let v2 = codec::compress(
        FieldView::new(&ids, shape).expect("view"),
        &CompressOptions::new(ErrorBound::Abs(LABEL_ABS_BOUND), Encoding::Ratio),
    )
    .expect("f32 label stream")
    .len();
    let mut counts = [0usize; 5];
    labels.iter().for_each(|&l| counts[l as usize] += 1);
    let mut csv = String::from(
        "# cargo bench -p plume-core --bench label: synthetic jet flame seed 1, y stretched, default\n\
         # LabelParams. labels_bytes: the v3 label stream (labels encoding); labels_v2_bytes: the\n\
         # v2 one (f32 ids, ABS 0.25, ratio). feature_bytes: Y_H2 + Y_O2 + Y_H2O + Z, ratio encoding.\n\
         dims,cells,class_counts,bound,feature_bytes,labels_bytes,label_bits_per_cell,share_pct,labels_v2_bytes,v2_share_pct,encode_mcells_per_s,decode_mcells_per_s\n",
    );
    for p in [1e-2, 1e-1] {
        let opts = CompressOptions::new(ErrorBound::PwRel(p), Encoding::Ratio);
        let features: usize = [&f.y_h2, &f.y_o2, &f.y_h2o, &f.z]
            .iter()
            .map(|v| codec::compress(FieldView::new(v, shape).expect("view"), &opts).expect("field").len())
            .sum();
        let line = format!(
            "{},{n},{},pw_rel {p:e},{features},{},{:.5},{:.3},{v2},{:.2},{:.1},{:.1}",
            DIMS.map(|d| d.to_string()).join("x"),
            counts.map(|c| c.to_string()).join(" "),
            stream.len(),
            8.0 * stream.len() as f64 / n as f64,
            100.0 * stream.len() as f64 / features as f64,
            100.0 * v2 as f64 / features as f64,
            n as f64 / enc_s / 1e6,
            n as f64 / dec_s / 1e6,
        );
        println!("label share: {line}");
        csv.push_str(&line);
        csv.push('\n');
    }
    if std::env::var("PLUME_BENCH_NO_CSV").as_deref() != Ok("1") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/results/label_share.csv");
        std::fs::write(path, csv).expect("write the CSV");
        println!("wrote {path}");
    }
}

fn bench_label(c: &mut Criterion) {
    let f = jet_flame(&DIMS, 1).expect("synthetic jet flame");
    let shape = Shape::new(&DIMS, Order::C).expect("shape");
    let n_cells = shape.n_values() as u64;
    let y: Vec<f64> = (0..DIMS[1]).map(|j| (3.0 * (j as f64 / (DIMS[1] - 1) as f64 - 0.5)).sinh()).collect();
    let grid = LabelGrid::new(&shape).with_coords(1, &y);
    let params = LabelParams::default();
    let fields = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
    let bilger = Bilger::default();
    let pool1 = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let labels = label_field(&fields, &ZInput::Supplied(&f.z), &grid, &params).expect("label");
    size_report(&f, &labels.values, &labels.shape);
    if std::env::var("PLUME_BENCH_REPORT_ONLY").as_deref() == Ok("1") {
        return;
    }

    let mut g = c.benchmark_group("label");
    g.sample_size(20);
    // Throughput in bytes of input: 4 f32 fields (with Bilger: 3 species, reported alike).
    g.throughput(Throughput::Bytes(16 * n_cells));
    g.bench_function("supplied_z", |b| {
        b.iter(|| label_field(black_box(&fields), &ZInput::Supplied(&f.z), &grid, &params).expect("label"))
    });
    g.bench_function("bilger_z", |b| {
        b.iter(|| {
            label_field(black_box(&fields), &ZInput::Bilger { bilger: &bilger, minor: &[] }, &grid, &params)
                .expect("label")
        })
    });
    g.bench_function("supplied_z_1_thread", |b| {
        b.iter(|| {
            pool1.install(|| {
                label_field(black_box(&fields), &ZInput::Supplied(&f.z), &grid, &params).expect("label")
            })
        })
    });
    g.throughput(Throughput::Bytes(n_cells));
    g.bench_function("label_stream", |b| {
        b.iter(|| compress_labels(black_box(&labels.values), &labels.shape).expect("stream"))
    });
    let stream = compress_labels(&labels.values, &labels.shape).expect("stream");
    g.bench_function("label_stream_decode", |b| {
        b.iter(|| decompress_labels(black_box(&stream)).expect("decode"))
    });
    g.finish();
    println!("cells per iteration: {n_cells}; cells/s = (input bytes/s) / 16 for the labeler rows");
}

criterion_group!(benches, bench_label);
criterion_main!(benches);
