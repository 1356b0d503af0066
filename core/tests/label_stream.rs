//! Label streams (format version 3, `labels` encoding): lossless round trips of random and
//! structured maps in 1-4 dimensions, C and Fortran order, tiny and odd block dims; sub-box
//! decoding; version-2 label streams (f32 ids) still read; invalid ids refused; the same
//! bytes on any thread count; a proptest.

mod common;

use common::Rng;
use plume_core::label::{
    compress_labels, compress_labels_with_blocks, decompress_labels, decompress_labels_region,
    LABEL_ABS_BOUND,
};
use plume_core::{codec, CompressOptions, DType, Encoding, ErrorBound, ErrorKind, FieldView, Order, Shape};
use proptest::prelude::*;

/// Region-like ids: a few planes and spheres over the index space, plus `noise` speckle.
fn structured(dims: &[usize], noise: f64, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut rest = i;
        let mut r2 = 0.0;
        let mut plane = 0.0;
        for (a, &d) in dims.iter().enumerate().rev() {
            let x = (rest % d) as f64 - d as f64 / 2.0;
            rest /= d;
            r2 += x * x;
            plane += x * (a as f64 + 1.0);
        }
        let id = if rng.chance(noise) {
            rng.below(5) as u8
        } else if r2.sqrt() < 3.0 {
            0
        } else if r2.sqrt() < 5.0 {
            1
        } else if plane > 4.0 {
            2
        } else if plane < -6.0 {
            3
        } else {
            4
        };
        out.push(id);
    }
    out
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.below(5) as u8).collect()
}

#[track_caller]
fn roundtrip(ids: &[u8], dims: &[usize], order: Order, blocks: Option<&[usize]>) -> Vec<u8> {
    let shape = Shape::new(dims, order).expect("shape");
    let stream = compress_labels_with_blocks(ids, &shape, blocks).expect("compress");
    let (back, back_shape) = decompress_labels(&stream).expect("decompress");
    assert_eq!(back_shape, shape);
    assert!(back == ids, "dims {dims:?} {order:?} blocks {blocks:?}: labels differ");
    let layout = codec::inspect(&stream).expect("inspect");
    assert_eq!(layout.header.dtype, DType::U8);
    assert_eq!(layout.header.encoding, Encoding::Labels);
    assert_eq!(layout.header.version, plume_core::format::FORMAT_VERSION);
    stream
}

#[test]
fn round_trips_in_every_dimensionality_order_and_block_shape() {
    let cases: &[(&[usize], &[&[usize]])] = &[
        (&[1], &[&[1]]),
        (&[1000], &[&[1], &[7], &[1000], &[4096]]),
        (&[33, 47], &[&[1, 1], &[5, 9], &[33, 47], &[256, 256]]),
        (&[9, 11, 13], &[&[1, 1, 1], &[2, 3, 5], &[4, 8, 16], &[64, 64, 64]]),
        (&[5, 6, 7, 3], &[&[1, 2, 1, 3], &[2, 3, 4, 2], &[8, 16, 16, 32]]),
        (&[1, 1, 17], &[&[1, 1, 4]]),
    ];
    for (k, &(dims, block_list)) in cases.iter().enumerate() {
        let n: usize = dims.iter().product();
        for order in [Order::C, Order::Fortran] {
            for &blocks in block_list {
                roundtrip(&random(n, k as u64), dims, order, Some(blocks));
                roundtrip(&structured(dims, 0.01, k as u64), dims, order, Some(blocks));
                roundtrip(&vec![(k % 5) as u8; n], dims, order, Some(blocks));
            }
            roundtrip(&structured(dims, 0.0, 3), dims, order, None);
        }
    }
}

#[test]
fn empty_and_constant_maps() {
    let s = roundtrip(&[], &[0, 5], Order::C, None);
    assert_eq!(codec::inspect(&s).expect("parses").blocks.len(), 0);
    // A constant 64^3 map: a handful of bytes a block.
    let n = 64 * 64 * 64;
    let s = roundtrip(&vec![3u8; n], &[64, 64, 64], Order::C, None);
    assert!(s.len() < 300, "{} bytes", s.len());
}

#[test]
fn structured_maps_compress_far_below_a_bit_per_cell() {
    let dims = [48usize, 40, 36];
    let n: usize = dims.iter().product();
    let ids = structured(&dims, 0.0, 1);
    let s = roundtrip(&ids, &dims, Order::C, None);
    let bits = 8.0 * s.len() as f64 / n as f64;
    assert!(bits < 0.1, "{bits} bits/cell");
    // random ids cost log2(5) = 2.32 bits plus what the 15552 contexts take to learn
    let r = roundtrip(&random(n, 9), &dims, Order::C, None);
    let bits = 8.0 * r.len() as f64 / n as f64;
    assert!(bits < 2.6, "{bits} bits/cell for random ids");
}

#[test]
fn region_decode_matches_the_full_decode() {
    let mut rng = Rng::new(77);
    for (dims, blocks) in [
        (vec![37usize], vec![8usize]),
        (vec![21, 34], vec![8, 5]),
        (vec![9, 21, 34], vec![4, 8, 16]),
        (vec![5, 6, 7, 3], vec![2, 3, 4, 2]),
    ] {
        for order in [Order::C, Order::Fortran] {
            let n: usize = dims.iter().product();
            let ids = structured(&dims, 0.02, 5);
            let shape = Shape::new(&dims, order).expect("shape");
            let stream = compress_labels_with_blocks(&ids, &shape, Some(&blocks)).expect("compress");
            assert_eq!(ids.len(), n);
            for _ in 0..20 {
                let start: Vec<usize> = dims.iter().map(|&d| rng.below(d)).collect();
                let extent: Vec<usize> =
                    dims.iter().zip(&start).map(|(&d, &s)| 1 + rng.below(d - s)).collect();
                let got = decompress_labels_region(&stream, &start, &extent).expect("region");
                // the expected box, read from the full map in the caller's convention
                let mut want = Vec::new();
                let nd = dims.len();
                let count: usize = extent.iter().product();
                for k in 0..count {
                    // k walks the box in memory order (C: last axis fastest; F: first)
                    let mut rest = k;
                    let mut at = 0usize;
                    let axes: Vec<usize> = match order {
                        Order::C => (0..nd).rev().collect(),
                        Order::Fortran => (0..nd).collect(),
                    };
                    let mut stride = 1usize;
                    for &a in &axes {
                        let x = start[a] + rest % extent[a];
                        rest /= extent[a];
                        at += x * stride;
                        stride *= dims[a];
                    }
                    want.push(ids[at]);
                }
                assert!(got == want, "dims {dims:?} {order:?} start {start:?} extent {extent:?}");
            }
            let e = decompress_labels_region(
                &stream,
                &vec![0; dims.len()],
                &dims.iter().map(|d| d + 1).collect::<Vec<_>>(),
            )
            .expect_err("outside");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
    }
}

#[test]
fn ids_above_four_are_refused() {
    let shape = Shape::new(&[4], Order::C).expect("shape");
    for bad in [5u8, 7, 255] {
        let e = compress_labels(&[0, 1, bad, 2], &shape).expect_err("not an id");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("index 2"), "{e}");
    }
    assert!(compress_labels(&[0, 1, 2], &shape).is_err(), "length mismatch");
    // the labels encoding is not a float encoding
    let e = codec::compress(
        FieldView::new(&[1.0f32, 2.0], &Shape::new(&[2], Order::C).expect("s")).expect("v"),
        &CompressOptions::new(ErrorBound::Abs(0.1), Encoding::Labels),
    )
    .expect_err("labels encoding for a float field");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

/// Version-2 label streams (f32 ids under ABS 0.25) still decode: made here by writing the
/// float stream with the `fast` encoding (Lorenzo on codes, the same payload bytes in
/// versions 2 and 3; `ratio` may now pick predictor 4, which version 2 lacks) and setting
/// its version to 2, header CRC recomputed.
#[test]
fn version_2_label_streams_still_decode() {
    for order in [Order::C, Order::Fortran] {
        let dims = [9usize, 21, 34];
        let ids = structured(&dims, 0.01, 2);
        let shape = Shape::new(&dims, order).expect("shape");
        let values: Vec<f32> = ids.iter().map(|&l| f32::from(l)).collect();
        let mut s = codec::compress(
            FieldView::new(&values, &shape).expect("view"),
            &CompressOptions::new(ErrorBound::Abs(LABEL_ABS_BOUND), Encoding::Fast),
        )
        .expect("f32 stream");
        let crc_at = codec::inspect(&s).expect("parses").data_start - 4;
        s[4..6].copy_from_slice(&2u16.to_le_bytes());
        let crc = crc32fast::hash(&s[..crc_at]);
        s[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(codec::inspect(&s).expect("v2").header.version, 2);
        let (back, back_shape) = decompress_labels(&s).expect("v2 labels");
        assert_eq!(back_shape, shape);
        assert!(back == ids);
        let region = decompress_labels_region(&s, &[1, 2, 3], &[4, 5, 6]).expect("v2 region");
        let (v3_stream, want) = (compress_labels(&ids, &shape).expect("v3"), &ids);
        assert_eq!(region, decompress_labels_region(&v3_stream, &[1, 2, 3], &[4, 5, 6]).expect("v3 region"));
        assert!(decompress_labels(&v3_stream).expect("v3").0 == *want);
        assert!(v3_stream.len() * 2 < s.len(), "v3 {} bytes, v2 {} bytes", v3_stream.len(), s.len());
    }
}

#[test]
fn same_bytes_on_any_thread_count() {
    let dims = [40usize, 50, 60];
    let ids = structured(&dims, 0.01, 8);
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let streams: Vec<Vec<u8>> = [1usize, 2, 5]
        .iter()
        .map(|&t| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("pool");
            pool.install(|| compress_labels_with_blocks(&ids, &shape, Some(&[16, 16, 16])).expect("c"))
        })
        .collect();
    assert!(streams.iter().all(|s| *s == streams[0]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_map_round_trips(
        dims in prop::collection::vec(1usize..9, 1..=4),
        blocks_seed in any::<u64>(),
        noise in 0.0f64..1.0,
        fortran in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(blocks_seed);
        let blocks: Vec<usize> = dims.iter().map(|&d| 1 + rng.below(d + 2)).collect();
        let order = if fortran { Order::Fortran } else { Order::C };
        let ids = structured(&dims, noise, seed);
        let shape = Shape::new(&dims, order).expect("shape");
        let stream = compress_labels_with_blocks(&ids, &shape, Some(&blocks)).expect("compress");
        let (back, _) = decompress_labels(&stream).expect("decompress");
        prop_assert_eq!(back, ids);
    }
}
