//! The target-ratio mode: "give me N x, tell me the bound". The encoder searches the bound
//! on a sample, refines on the whole field, guarantees and reports the bound it used.

mod common;

use common::{assert_within_bound, data_dir, load_raw};
use plume_core::{codec, CompressOptions, Encoding, ErrorBound, FieldView, Order, Shape};

#[test]
fn reaches_the_target_within_a_few_percent_and_keeps_its_bound() {
    let Some(dir) = data_dir() else { return };
    let values: Vec<f32> = load_raw(&dir.join("sperr_wmag91.f32"));
    let shape = Shape::new(&[91, 91, 91], Order::C).unwrap();
    let field = FieldView::new(&values, &shape).unwrap();
    for encoding in [Encoding::Ratio, Encoding::Fast] {
        for target in [8.0, 20.0] {
            let opts = CompressOptions::new(ErrorBound::TargetRatio(target), encoding);
            let (stream, report) = codec::compress_report(field, &opts).unwrap();
            let ratio = (values.len() * 4) as f64 / stream.len() as f64;
            assert!((ratio / target - 1.0).abs() < 0.05, "{encoding:?} target {target}: got {ratio}");
            let eb = report.abs_bound.expect("a target ratio reports its absolute bound");
            let header = codec::inspect(&stream).unwrap().header;
            assert_eq!(header.requested, ErrorBound::TargetRatio(target));
            let (back, _) = codec::decompress::<f32>(&stream).unwrap();
            assert_within_bound(&values, &back, ErrorBound::Abs(eb), &format!("{encoding:?} x{target}"));
        }
    }
}

#[test]
fn constant_and_invalid_targets() {
    let values = vec![3.5f32; 1000];
    let shape = Shape::new(&[10, 100], Order::C).unwrap();
    let field = FieldView::new(&values, &shape).unwrap();
    let opts = CompressOptions::new(ErrorBound::TargetRatio(10.0), Encoding::Ratio);
    let stream = codec::compress(field, &opts).unwrap();
    assert_eq!(codec::decompress::<f32>(&stream).unwrap().0, values);
    for bad in [1.0, 0.5, f64::NAN, -3.0] {
        let err = ErrorBound::parse("target_ratio", bad).unwrap_err();
        assert_eq!(err.kind(), plume_core::ErrorKind::InvalidArgument, "{bad}");
    }
}
