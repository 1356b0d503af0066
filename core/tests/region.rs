//! `codec::decompress_region` returns exactly the sub-box of the full decompression, in
//! the field's order, for random boxes (C and Fortran order, 1-D to 4-D, small block dims
//! so that boxes cross block boundaries and partial blocks), and refuses boxes that do not
//! fit with an error (never a panic) naming the axis.

mod common;

use common::{slice_box, Rng};
use plume_core::{codec, CompressOptions, Element, Encoding, ErrorBound, ErrorKind, FieldView, Order, Shape};

fn field_values<T: Element>(n: usize, rng: &mut Rng) -> Vec<T> {
    (0..n)
        .map(|i| {
            if rng.chance(0.02) {
                T::from_f64(f64::NAN)
            } else {
                T::from_f64((i as f64 * 0.13).sin() * 50.0 + rng.range(-1.0, 1.0))
            }
        })
        .collect()
}

fn random_box(dims: &[usize], rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let mut start = Vec::new();
    let mut extent = Vec::new();
    for &d in dims {
        let s = rng.below(d + 1);
        let e = if rng.chance(0.05) { 0 } else { rng.below(d - s + 1) };
        start.push(s);
        extent.push(e);
    }
    (start, extent)
}

fn bits<T: Element>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits_u64()).collect()
}

fn check_regions<T: Element>(
    dims: &[usize],
    order: Order,
    block_dims: &[usize],
    encoding: Encoding,
    seed: u64,
    n_boxes: usize,
) {
    let mut rng = Rng::new(seed);
    let n: usize = dims.iter().product();
    let values = field_values::<T>(n, &mut rng);
    let shape = Shape::new(dims, order).expect("valid shape");
    let field = FieldView::new(&values, &shape).expect("valid field");
    let opts = CompressOptions {
        block_dims: Some(block_dims.to_vec()),
        ..CompressOptions::new(ErrorBound::Abs(1e-2), encoding)
    };
    let stream = codec::compress(field, &opts).expect("compresses");
    let (full, _) = codec::decompress::<T>(&stream).expect("decodes");
    common::assert_within_bound(&values, &full, ErrorBound::Abs(1e-2), "full decode");
    let ctx = format!("{} dims {dims:?} {order:?} blocks {block_dims:?} {encoding:?}", T::DTYPE.as_str());

    // the whole field, single values at the corners, then random boxes
    let mut boxes = vec![(vec![0; dims.len()], dims.to_vec())];
    boxes.push((vec![0; dims.len()], vec![1; dims.len()]));
    boxes.push((dims.iter().map(|d| d - 1).collect(), vec![1; dims.len()]));
    // a box straddling the first block boundary on every axis
    boxes.push((
        block_dims.iter().zip(dims).map(|(&b, &d)| b.min(d) - 1).collect(),
        block_dims.iter().zip(dims).map(|(&b, &d)| if b < d { 2 } else { 1 }).collect(),
    ));
    for _ in 0..n_boxes {
        boxes.push(random_box(dims, &mut rng));
    }
    for (start, extent) in boxes {
        let got = codec::decompress_region::<T>(&stream, &start, &extent)
            .unwrap_or_else(|e| panic!("{ctx}: region start {start:?} extent {extent:?} failed: {e}"));
        let want = slice_box(&full, dims, order, &start, &extent);
        assert_eq!(got.len(), extent.iter().product::<usize>(), "{ctx}: start {start:?} extent {extent:?}");
        assert!(
            bits(&got) == bits(&want),
            "{ctx}: region start {start:?} extent {extent:?} differs from the slice of the full decode \
             (first difference at {:?})",
            bits(&got).iter().zip(bits(&want)).position(|(a, b)| *a != b)
        );
    }
}

#[test]
fn regions_2d() {
    for (k, order) in [Order::C, Order::Fortran].into_iter().enumerate() {
        for encoding in [Encoding::Fast, Encoding::Ratio] {
            check_regions::<f32>(&[37, 23], order, &[8, 5], encoding, 100 + k as u64, 60);
            check_regions::<f64>(&[16, 41], order, &[16, 7], encoding, 110 + k as u64, 60);
            check_regions::<f32>(&[1, 50], order, &[1, 9], encoding, 120 + k as u64, 20);
        }
    }
}

#[test]
fn regions_3d() {
    for (k, order) in [Order::C, Order::Fortran].into_iter().enumerate() {
        for encoding in [Encoding::Fast, Encoding::Ratio] {
            check_regions::<f32>(&[13, 17, 11], order, &[4, 6, 3], encoding, 200 + k as u64, 60);
            check_regions::<f64>(&[9, 10, 21], order, &[9, 3, 8], encoding, 210 + k as u64, 60);
        }
    }
}

#[test]
fn regions_4d() {
    for (k, order) in [Order::C, Order::Fortran].into_iter().enumerate() {
        for encoding in [Encoding::Fast, Encoding::Ratio] {
            check_regions::<f32>(&[5, 7, 6, 9], order, &[2, 3, 4, 4], encoding, 300 + k as u64, 60);
            check_regions::<f64>(&[3, 4, 11, 5], order, &[1, 4, 5, 2], encoding, 310 + k as u64, 60);
        }
    }
}

#[test]
fn regions_1d() {
    for encoding in [Encoding::Fast, Encoding::Ratio] {
        check_regions::<f32>(&[1001], Order::C, &[64], encoding, 400, 40);
        check_regions::<f64>(&[257], Order::Fortran, &[10], encoding, 401, 40);
    }
}

/// Boxes that do not fit are InvalidArgument errors naming the axis; wrong arity and the
/// wrong element type are errors too. Never a panic.
#[test]
fn out_of_range_boxes_are_errors_naming_the_axis() {
    let dims = [6usize, 7, 8];
    let values: Vec<f32> = (0..336).map(|i| i as f32).collect();
    for order in [Order::C, Order::Fortran] {
        let shape = Shape::new(&dims, order).expect("valid");
        let stream = codec::compress(
            FieldView::new(&values, &shape).expect("valid"),
            &CompressOptions {
                block_dims: Some(vec![4, 4, 4]),
                ..CompressOptions::new(ErrorBound::Abs(0.1), Encoding::Fast)
            },
        )
        .expect("compresses");
        for axis in 0..3 {
            let mut start = vec![0usize; 3];
            let mut extent = dims.to_vec();
            // one past the end on `axis`, via the extent and via the start
            extent[axis] = dims[axis] + 1;
            let e =
                codec::decompress_region::<f32>(&stream, &start, &extent).expect_err("extent past the end");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            assert!(
                e.message().contains(&format!("axis {axis}")),
                "{order:?}: message must name axis {axis}: {e}"
            );
            extent = vec![1; 3];
            start[axis] = dims[axis];
            let e =
                codec::decompress_region::<f32>(&stream, &start, &extent).expect_err("start past the end");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            assert!(
                e.message().contains(&format!("axis {axis}")),
                "{order:?}: message must name axis {axis}: {e}"
            );
            // overflowing start + extent
            start[axis] = usize::MAX;
            extent[axis] = 2;
            let e = codec::decompress_region::<f32>(&stream, &start, &extent)
                .expect_err("start + extent overflows");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            assert!(
                e.message().contains(&format!("axis {axis}")),
                "{order:?}: message must name axis {axis}: {e}"
            );
        }
        // an empty box at the very end is fine
        let got =
            codec::decompress_region::<f32>(&stream, &[6, 7, 8], &[0, 0, 0]).expect("empty box at the end");
        assert!(got.is_empty());
        for (start, extent) in
            [(vec![0, 0], vec![1, 1]), (vec![0; 4], vec![1; 4]), (vec![0, 0, 0], vec![1, 1])]
        {
            let e = codec::decompress_region::<f32>(&stream, &start, &extent).expect_err("wrong arity");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        }
        let e = codec::decompress_region::<f64>(&stream, &[0, 0, 0], &[1, 1, 1]).expect_err("wrong type");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
}

/// A region decode of a corrupted block fails; of an intact block elsewhere it succeeds
/// (only the blocks the box overlaps are read).
#[test]
fn region_reads_only_the_blocks_it_overlaps() {
    let dims = [16usize, 16];
    let values: Vec<f64> = (0..256).map(|i| (i as f64 * 0.1).cos()).collect();
    let shape = Shape::new(&dims, Order::C).expect("valid");
    let mut stream = codec::compress(
        FieldView::new(&values, &shape).expect("valid"),
        &CompressOptions {
            block_dims: Some(vec![8, 8]),
            ..CompressOptions::new(ErrorBound::Abs(1e-3), Encoding::Fast)
        },
    )
    .expect("compresses");
    let layout = codec::inspect(&stream).expect("parses");
    assert_eq!(layout.blocks.len(), 4);
    // damage the last block's bytes (block 3 covers rows 8..16, cols 8..16)
    let last = layout.blocks[3];
    let at = layout.data_start + last.offset as usize + last.len as usize / 2;
    stream[at] ^= 0x10;
    let top = codec::decompress_region::<f64>(&stream, &[0, 0], &[8, 16])
        .expect("rows 0..8 touch blocks 0 and 1 only");
    assert_eq!(top.len(), 128);
    let e =
        codec::decompress_region::<f64>(&stream, &[7, 7], &[2, 2]).expect_err("touches the damaged block");
    assert_eq!(e.kind(), ErrorKind::CorruptStream, "{e}");
    assert!(codec::decompress::<f64>(&stream).is_err());
}
