//! Property tests (proptest):
//!
//! - random f32/f64 fields (special values included) of random dims (1-4-D, up to ~5000
//!   values, zeros allowed), random order, bound, encoding and block dims round-trip within
//!   the bound (independent checker of `common`) and keep their shape; PSNR mode has its
//!   own property so that a PSNR failure does not hide the others;
//! - random byte strings, and random mutations of valid streams (with and without the
//!   CRCs recomputed), never panic in `inspect` or any decoder.
//!
//! Case counts are moderate so the file runs in seconds, and the seed is fixed so that CI
//! is reproducible; explore further locally with e.g. `PROPTEST_CASES=5000` and
//! `PROPTEST_RNG_SEED=<any u64>` (a failure prints the shrunk input; add it as a plain
//! regression test rather than relying on a regressions file).

mod common;

use plume_core::{codec, CompressOptions, Element, Encoding, ErrorBound, FieldView, Order, Shape};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError};

/// `cases` cases (unless `PROPTEST_CASES` is set), a fixed seed (unless
/// `PROPTEST_RNG_SEED` is set), no regressions file written into the source tree.
fn config(cases: u32) -> Config {
    let mut c = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    if c.rng_seed == RngSeed::Random {
        c.rng_seed = RngSeed::Fixed(0x504C_554D);
    }
    c.failure_persistence = None;
    c
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

/// 1-4 dims, each small enough that the product stays at or below ~5000; a dim may be 0.
fn dims() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        prop::collection::vec(0usize..=5000, 1),
        prop::collection::vec(0usize..=70, 2),
        prop::collection::vec(0usize..=17, 3),
        prop::collection::vec(0usize..=8, 4),
    ]
}

fn special_f64() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![
        0.0,
        -0.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        -5e-324,
        2.2e-308,
        f64::MAX,
        -f64::MAX,
        -1.4e-15,
        1e-300,
    ])
}

fn special_f32() -> impl Strategy<Value = f32> {
    prop::sample::select(vec![
        0.0f32,
        -0.0,
        f32::NAN,
        f32::from_bits(0xffc0_1234),
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-45,
        -1e-45,
        1.1e-38,
        f32::MAX,
        -f32::MAX,
        -1.4e-15,
    ])
}

/// Values of `n`: i.i.d. (ordinary, any bit pattern, specials) or a smooth signal with
/// sprinkled specials.
fn values_f64(n: usize) -> BoxedStrategy<Vec<f64>> {
    let iid = prop::collection::vec(
        prop_oneof![6 => -1e3f64..1e3, 1 => prop::num::f64::ANY, 1 => special_f64()],
        n,
    );
    let smooth =
        (any::<u64>(), 1e-6f64..1e6, 0.0f64..0.2, prop::collection::vec((0..n.max(1), special_f64()), 0..4))
            .prop_map(move |(seed, amp, noise, specials)| {
                let mut rng = common::Rng::new(seed);
                let mut v: Vec<f64> =
                    (0..n).map(|i| amp * ((i as f64 * 0.05).sin() + noise * rng.range(-1.0, 1.0))).collect();
                for (i, s) in specials {
                    if i < n {
                        v[i] = s;
                    }
                }
                v
            });
    prop_oneof![iid, smooth].boxed()
}

fn values_f32(n: usize) -> BoxedStrategy<Vec<f32>> {
    let iid = prop::collection::vec(
        prop_oneof![6 => -1e3f32..1e3, 1 => prop::num::f32::ANY, 1 => special_f32()],
        n,
    );
    let smooth =
        (any::<u64>(), 1e-6f64..1e6, 0.0f64..0.2, prop::collection::vec((0..n.max(1), special_f32()), 0..4))
            .prop_map(move |(seed, amp, noise, specials)| {
                let mut rng = common::Rng::new(seed);
                let mut v: Vec<f32> = (0..n)
                    .map(|i| (amp * ((i as f64 * 0.05).sin() + noise * rng.range(-1.0, 1.0))) as f32)
                    .collect();
                for (i, s) in specials {
                    if i < n {
                        v[i] = s;
                    }
                }
                v
            });
    prop_oneof![iid, smooth].boxed()
}

/// ABS (including 0), REL and PW_REL, log-uniform values.
fn linear_or_pw_bound() -> impl Strategy<Value = ErrorBound> {
    prop_oneof![
        Just(ErrorBound::Abs(0.0)),
        (-8.0f64..2.0).prop_map(|e| ErrorBound::Abs(10f64.powf(e))),
        (-7.0f64..-0.3).prop_map(|e| ErrorBound::Rel(10f64.powf(e))),
        (-5.0f64..-0.05).prop_map(|e| ErrorBound::PwRel(10f64.powf(e))),
    ]
}

fn psnr_bound() -> impl Strategy<Value = ErrorBound> {
    (10.0f64..140.0).prop_map(ErrorBound::Psnr)
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![Just(Encoding::Fast), Just(Encoding::Ratio)]
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::C), Just(Order::Fortran)]
}

/// Default block dims or small random ones (multi-block, partial blocks).
fn block_dims(nd: usize) -> impl Strategy<Value = Option<Vec<usize>>> {
    prop::option::of(prop::collection::vec(1usize..=9, nd))
}

#[derive(Debug, Clone)]
struct Case<T> {
    dims: Vec<usize>,
    order: Order,
    values: Vec<T>,
    block_dims: Option<Vec<usize>>,
}

fn case_f64() -> impl Strategy<Value = Case<f64>> {
    dims().prop_flat_map(|dims| {
        let n = dims.iter().product();
        let nd = dims.len();
        (Just(dims), order(), values_f64(n), block_dims(nd))
            .prop_map(|(dims, order, values, block_dims)| Case { dims, order, values, block_dims })
    })
}

fn case_f32() -> impl Strategy<Value = Case<f32>> {
    dims().prop_flat_map(|dims| {
        let n = dims.iter().product();
        let nd = dims.len();
        (Just(dims), order(), values_f32(n), block_dims(nd))
            .prop_map(|(dims, order, values, block_dims)| Case { dims, order, values, block_dims })
    })
}

/// Compresses and decompresses `case`; a failure names the bound, encoding and layout.
fn check_roundtrip<T: Element>(
    case: &Case<T>,
    bound: ErrorBound,
    encoding: Encoding,
) -> Result<(), TestCaseError> {
    roundtrip_result(case, bound, encoding).map_err(|e| {
        TestCaseError::fail(format!(
            "{bound:?} {encoding:?} dims {:?} {:?} blocks {:?}: {e}",
            case.dims, case.order, case.block_dims
        ))
    })
}

fn roundtrip_result<T: Element>(case: &Case<T>, bound: ErrorBound, encoding: Encoding) -> Result<(), String> {
    let shape = Shape::new(&case.dims, case.order).map_err(|e| e.to_string())?;
    let field = FieldView::new(&case.values, &shape).map_err(|e| e.to_string())?;
    let opts =
        CompressOptions { block_dims: case.block_dims.clone(), ..CompressOptions::new(bound, encoding) };
    let stream = codec::compress(field, &opts).map_err(|e| format!("compress: {e}"))?;
    let (dec, dec_shape) = codec::decompress::<T>(&stream).map_err(|e| format!("decompress: {e}"))?;
    if dec_shape != shape {
        return Err(format!("shape {dec_shape:?} decoded, {shape:?} given"));
    }
    common::check_bound(&case.values, &dec, bound)
}

// ---------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn roundtrip_f64_within_bound(case in case_f64(), bound in linear_or_pw_bound(), enc in encoding()) {
        check_roundtrip(&case, bound, enc)?;
    }

    #[test]
    fn roundtrip_f32_within_bound(case in case_f32(), bound in linear_or_pw_bound(), enc in encoding()) {
        check_roundtrip(&case, bound, enc)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn roundtrip_psnr_f64(case in case_f64(), bound in psnr_bound(), enc in encoding()) {
        check_roundtrip(&case, bound, enc)?;
    }

    #[test]
    fn roundtrip_psnr_f32(case in case_f32(), bound in psnr_bound(), enc in encoding()) {
        check_roundtrip(&case, bound, enc)?;
    }
}

// ---------------------------------------------------------------------------------------
// Hostile bytes never panic
// ---------------------------------------------------------------------------------------

/// Every decoding entry point; results are ignored, only panics matter (proptest reports
/// a panic as a failure with the shrunk input).
fn decode_everything(bytes: &[u8]) {
    let _ = codec::inspect(bytes);
    let _ = codec::decompress::<f32>(bytes);
    let _ = codec::decompress::<f64>(bytes);
    let _ = codec::decompress_any(bytes);
    if let Ok(layout) = codec::inspect(bytes) {
        let dims = layout.header.shape.dims().to_vec();
        // a small box at the origin and one at the far corner
        let one: Vec<usize> = dims.iter().map(|&d| d.min(1)).collect();
        let far: Vec<usize> = dims.iter().map(|&d| d.saturating_sub(1)).collect();
        let _ = codec::decompress_region::<f32>(bytes, &vec![0; dims.len()], &one);
        let _ = codec::decompress_region::<f64>(bytes, &far, &one);
    }
}

/// A small valid stream from a seed.
fn valid_stream() -> impl Strategy<Value = (Vec<u8>, bool)> {
    (any::<u64>(), encoding(), prop::bool::ANY, 0usize..4, 1usize..300).prop_map(
        |(seed, enc, is_f64, mode, n)| {
            let bound = [
                ErrorBound::Abs(1e-3),
                ErrorBound::Rel(1e-2),
                ErrorBound::PwRel(0.05),
                ErrorBound::Psnr(50.0),
            ][mode];
            let mut rng = common::Rng::new(seed);
            let dims = [n];
            let shape = Shape::new(&dims, Order::C).expect("valid");
            let opts = CompressOptions {
                block_dims: Some(vec![1 + rng.below(64)]),
                ..CompressOptions::new(bound, enc)
            };
            let raw: Vec<f64> = (0..n)
                .map(|i| {
                    if rng.chance(0.03) {
                        f64::NAN
                    } else {
                        (i as f64 * 0.1).sin() * 10.0 + rng.range(-0.1, 0.1)
                    }
                })
                .collect();
            let stream = if is_f64 {
                codec::compress(FieldView::new(&raw, &shape).expect("valid"), &opts)
            } else {
                let v: Vec<f32> = raw.iter().map(|&x| x as f32).collect();
                codec::compress(FieldView::new(&v, &shape).expect("valid"), &opts)
            };
            (stream.expect("compresses"), is_f64)
        },
    )
}

#[derive(Debug, Clone)]
enum Mutation {
    Xor { at: usize, mask: u8 },
    Set { at: usize, value: u8 },
    Truncate { at: usize },
    Insert { at: usize, value: u8 },
    Remove { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Xor { at, mask }),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Set { at, value }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Insert { at, value }),
        1 => any::<usize>().prop_map(|at| Mutation::Remove { at }),
    ]
}

fn apply(stream: &mut Vec<u8>, m: &Mutation) {
    if stream.is_empty() {
        return;
    }
    let len = stream.len();
    match *m {
        Mutation::Xor { at, mask } => stream[at % len] ^= mask,
        Mutation::Set { at, value } => stream[at % len] = value,
        Mutation::Truncate { at } => stream.truncate(at % len),
        Mutation::Insert { at, value } => stream.insert(at % (len + 1), value),
        Mutation::Remove { at } => {
            stream.remove(at % len);
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        decode_everything(&bytes);
    }

    /// Random bytes behind a valid magic and version, so the header fields are parsed.
    #[test]
    fn random_bytes_after_magic_never_panic(tail in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"PLUM\x01\x00".to_vec();
        bytes.extend_from_slice(&tail);
        decode_everything(&bytes);
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn mutated_streams_never_panic(
        (stream, _is_f64) in valid_stream(),
        mutations in prop::collection::vec(mutation(), 1..6),
        fix in prop::bool::ANY,
    ) {
        let layout = codec::inspect(&stream).expect("valid stream");
        let blocks: Vec<(u64, u64)> = layout.blocks.iter().map(|b| (b.offset, b.len)).collect();
        let mut s = stream.clone();
        for m in &mutations {
            apply(&mut s, m);
        }
        if fix {
            // recompute the checksums so the damage reaches the decoders
            common::fix_crcs(&mut s, layout.data_start, &blocks);
        }
        decode_everything(&s);
    }
}
