//! Bound 0 is lossless (format 4, quantizer 3): f32 and f64 fields come back bit for bit,
//! NaN payloads, -0.0, subnormals and infinities included, whole and by sub-box, in both
//! encodings; and the streams are smaller than the raw values on smooth data.

#![allow(clippy::unwrap_used)]

use plume_core::codec::{compress, decompress, decompress_region, inspect, CompressOptions};
use plume_core::format::QuantizerParams;
use plume_core::{Encoding, ErrorBound, FieldView, Order, Shape};

/// A smooth 3-D field with hostile values sprinkled in, as f64.
fn field(dims: [usize; 3]) -> Vec<f64> {
    let mut v: Vec<f64> = (0..dims.iter().product::<usize>())
        .map(|i| {
            let (x, y, z) = (i / (dims[1] * dims[2]), i / dims[2] % dims[1], i % dims[2]);
            (0.11 * x as f64).sin() * (0.07 * y as f64).cos() * 300.0 + 0.01 * z as f64 - 20.0
        })
        .collect();
    let hostile = [
        f64::NAN,
        -0.0,
        0.0,
        4e-320,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(0x7FF0_0000_0000_0077),
    ];
    let n = v.len();
    for (k, h) in hostile.iter().enumerate() {
        v[(k * 977 + 13) % n] = *h;
    }
    v
}

#[test]
fn f32_and_f64_round_trip_bit_for_bit() {
    let dims = [20, 33, 41];
    let shape = Shape::new(&dims, Order::Fortran).unwrap();
    let v64 = field(dims);
    let mut v32: Vec<f32> = v64.iter().map(|&x| x as f32).collect();
    v32[5] = f32::from_bits(0x7F80_0042); // a signalling NaN with a payload
    for encoding in [Encoding::Ratio, Encoding::Fast] {
        let opts = CompressOptions {
            block_dims: Some(vec![8, 16, 16]),
            ..CompressOptions::new(ErrorBound::Abs(0.0), encoding)
        };
        let s64 = compress(FieldView::new(&v64, &shape).unwrap(), &opts).unwrap();
        let s32 = compress(FieldView::new(&v32, &shape).unwrap(), &opts).unwrap();
        for s in [&s64, &s32] {
            let layout = inspect(s).unwrap();
            assert_eq!(layout.header.quantizer, QuantizerParams::Bits);
            assert!(layout.header.version >= 4, "quantizer 3 exists from version 4 on");
        }
        let (b64, _) = decompress::<f64>(&s64).unwrap();
        let (b32, _) = decompress::<f32>(&s32).unwrap();
        assert!(b64.iter().zip(&v64).all(|(a, b)| a.to_bits() == b.to_bits()), "{encoding:?} f64");
        assert!(b32.iter().zip(&v32).all(|(a, b)| a.to_bits() == b.to_bits()), "{encoding:?} f32");
        // smaller than the raw values (the field is smooth)
        assert!(s64.len() < 8 * v64.len() * 9 / 10, "{encoding:?} f64: {} bytes", s64.len());
        assert!(s32.len() < 4 * v32.len() * 9 / 10, "{encoding:?} f32: {} bytes", s32.len());
        // a sub-box is exact too: given in dims order (Fortran), returned in memory order
        let w = decompress_region::<f64>(&s64, &[3, 5, 7], &[9, 20, 30]).unwrap();
        let (start, extent, sd) = ([7usize, 5, 3], [30usize, 20, 9], [41usize, 33, 20]);
        let mut k = 0;
        for a in 0..extent[0] {
            for b in 0..extent[1] {
                for c in 0..extent[2] {
                    let i = ((start[0] + a) * sd[1] + start[1] + b) * sd[2] + start[2] + c;
                    assert_eq!(w[k].to_bits(), v64[i].to_bits(), "region value {k}");
                    k += 1;
                }
            }
        }
    }
}

#[test]
fn damaged_lossless_f64_streams_are_errors() {
    let dims = [6, 7, 8];
    let shape = Shape::new(&dims, Order::C).unwrap();
    let v = field(dims);
    let s = compress(
        FieldView::new(&v, &shape).unwrap(),
        &CompressOptions::new(ErrorBound::Abs(0.0), Encoding::Ratio),
    )
    .unwrap();
    for cut in (0..s.len()).step_by(7) {
        assert!(decompress::<f64>(&s[..cut]).is_err(), "cut {cut}");
    }
    for at in (128..s.len()).step_by(5) {
        let mut bad = s.clone();
        bad[at] ^= 0x10;
        // the block checksums catch it; never a panic
        assert!(decompress::<f64>(&bad).is_err(), "flip at {at}");
    }
}
