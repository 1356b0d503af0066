//! Labeler throughput on a synthetic lifted jet flame (`plume_core::synth::jet_flame`):
//! cells per second and bytes of input per second (the four f32 fields the labeler reads,
//! 16 bytes a cell), with the supplied Z and with Bilger's Z from the species, on all
//! cores and on one thread; plus the lossless label stream.
//!
//! ```text
//! cargo bench -p plume-core --bench label -j1
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use plume_core::label::{
    compress_labels, label_field, Bilger, LabelGrid, LabelParams, SpeciesFields, ZInput,
};
use plume_core::synth::jet_flame;
use plume_core::{Order, Shape};

const DIMS: [usize; 3] = [256, 192, 64];

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
    let labels = label_field(&fields, &ZInput::Supplied(&f.z), &grid, &params).expect("label");
    g.throughput(Throughput::Bytes(n_cells));
    g.bench_function("label_stream", |b| {
        b.iter(|| compress_labels(black_box(&labels.values), &labels.shape).expect("stream"))
    });
    g.finish();
    println!("cells per iteration: {n_cells}; cells/s = (input bytes/s) / 16 for the labeler rows");
}

criterion_group!(benches, bench_label);
criterion_main!(benches);
