//! Golden streams: the format's memory.
//!
//! A few small deterministic fields (generated with `+ - * /` and `floor` only, no libm,
//! so they are bit-identical on every platform) are compressed and compared with the
//! streams committed under `core/tests/golden/v<FORMAT_VERSION>/`:
//!
//! (a) compressing again yields exactly the committed bytes (the encoder is deterministic
//!     and its output has not drifted), and
//! (b) the committed stream decodes, to values whose FNV-1a 64 and CRC-32 (of their
//!     little-endian bytes) equal those recorded in the sidecar `<name>.sum` at bless time,
//!     and that meet the bound against the regenerated field.
//!
//! Streams of OLDER format versions (other `golden/v<N>/` directories) are kept forever and
//! checked with (b) only: a new library must still read what an old one wrote, for as long
//! as `READABLE_VERSIONS` lists that version.
//!
//! # Blessing
//!
//! A missing golden file fails the test. To create the files of the current format version:
//!
//! ```text
//! PLUME_BLESS=1 cargo test -p plume-core --no-default-features --test golden
//! ```
//!
//! which writes the missing `golden/v<FORMAT_VERSION>/<name>.plume` and `<name>.sum` (it
//! never overwrites an existing file), then commit them.
//!
//! RE-BLESSING IS ONLY ALLOWED WITH A FORMAT VERSION BUMP. If (a) or (b) fails, the stream
//! format or the encoder's output changed: either that is a bug to fix, or it is a
//! deliberate format change, which must bump `FORMAT_VERSION` (FORMAT.md, "Compatibility
//! policy"); the test then looks for `golden/v<new>/`, which is blessed as above, while
//! `golden/v<old>/` stays untouched as a backward-compatibility check. Never delete or
//! regenerate the files of a released version.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{fnv1a64, le_bytes};
use plume_core::format::{FORMAT_VERSION, READABLE_VERSIONS};
use plume_core::{codec, label, CompressOptions, Element, Encoding, ErrorBound, FieldView, Order, Shape};

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

/// sin(x) with IEEE `+ - * /` and `floor` only: the same bits on every platform.
fn dsin(x: f64) -> f64 {
    let k = (x / std::f64::consts::TAU + 0.5).floor();
    let r = x - k * std::f64::consts::TAU;
    let r2 = r * r;
    let (mut term, mut sum) = (r, r);
    for n in 1..=12 {
        let n = n as f64;
        term *= -r2 / ((2.0 * n) * (2.0 * n + 1.0));
        sum += term;
    }
    sum
}

/// One golden case: a deterministic field and how it is compressed.
struct Golden {
    name: &'static str,
    dims: &'static [usize],
    order: Order,
    bound: ErrorBound,
    encoding: Encoding,
    block_dims: Option<&'static [usize]>,
    values: Values,
}

enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    /// Class ids: a label stream (format version 3 on; `bound` and `encoding` unused).
    Labels(Vec<u8>),
}

/// Class ids 0..=4 of nested ellipsoids cut by a plane, 9x21x34 with 4x8x16 blocks
/// (partial blocks on every axis): runs, boundaries in every direction, all five classes.
fn label_map_3d() -> Vec<u8> {
    let (a, b, c) = (9usize, 21usize, 34usize);
    let mut v = Vec::with_capacity(a * b * c);
    for i in 0..a {
        for j in 0..b {
            for k in 0..c {
                let (x, y, z) = (i as f64 - 4.0, j as f64 - 10.0, k as f64 - 15.0);
                let r2 = x * x / 4.0 + y * y / 9.0 + z * z / 25.0;
                let id = if r2 < 1.0 {
                    2
                } else if r2 < 2.0 {
                    if x + y > 0.0 {
                        0
                    } else {
                        1
                    }
                } else if r2 < 4.0 {
                    4
                } else {
                    3
                };
                v.push(id);
            }
        }
    }
    v
}

/// 3-D ramp + sine, 10x12x14, with a few exact zeros and negatives.
fn ramp_sine_3d() -> Vec<f32> {
    let (a, b, c) = (10, 12, 14);
    let mut v = Vec::with_capacity(a * b * c);
    for i in 0..a {
        for j in 0..b {
            for k in 0..c {
                let (x, y, z) = (i as f64, j as f64, k as f64);
                let mut val = 0.05 * (x + 2.0 * y + 3.0 * z) - 1.0
                    + 2.0 * dsin(0.3 * x) * dsin(0.2 * y)
                    + 0.5 * dsin(0.7 * z);
                if (i * b * c + j * c + k) % 37 == 0 {
                    val = 0.0;
                }
                v.push(val as f32);
            }
        }
    }
    v
}

fn cases() -> Vec<Golden> {
    let field_2d: Vec<f64> = (0..33 * 47)
        .map(|n| {
            let (i, j) = ((n / 47) as f64, (n % 47) as f64);
            1e3 * dsin(0.1 * i) * dsin(0.07 * j) + 1e-3 * i * j
        })
        .collect();
    let field_1d: Vec<f32> = (0..257usize)
        .map(|i| match i {
            _ if i % 31 == 5 => f32::NAN,
            _ if i % 47 == 11 => f32::INFINITY,
            _ if i % 53 == 7 => f32::NEG_INFINITY,
            _ if i % 41 == 3 => -0.0,
            _ => (100.0 * dsin(0.05 * i as f64)) as f32,
        })
        .collect();
    // Fortran order: (i, j, k, l) at i + 5 (j + 6 (k + 7 l))
    let field_4d: Vec<f64> = (0..5 * 6 * 7 * 3)
        .map(|n| {
            let (i, j, k, l) =
                ((n % 5) as f64, ((n / 5) % 6) as f64, ((n / 30) % 7) as f64, (n / 210) as f64);
            dsin(0.4 * i + 0.3 * j) * 10.0 + 0.25 * k * l - 0.5 * i
        })
        .collect();
    // One block of 32^3 values, context-coded: version 5's counted adaptation.
    let field_32: Vec<f32> = (0..32 * 32 * 32usize)
        .map(|n| {
            let (i, j, k) = ((n / 1024) as f64, ((n / 32) % 32) as f64, (n % 32) as f64);
            (10.0 * dsin(0.2 * i) * dsin(0.15 * j) + dsin(0.1 * k + 0.05 * i * j)) as f32
        })
        .collect();
    vec![
        Golden {
            // large residuals at PW_REL 1e-4: tabled (format 6), two blocks sharing the tables
            name: "pwrel_ratio_f32_32x32x32_tabled",
            dims: &[32, 32, 32],
            order: Order::C,
            bound: ErrorBound::PwRel(1e-4),
            encoding: Encoding::Ratio,
            block_dims: Some(&[32, 32, 16]),
            values: Values::F32(field_32.clone()),
        },
        Golden {
            // residuals of about 3 bits at PW_REL 1%: context-coded with the log activity
            // (format 6, block coder 3)
            name: "pwrel_ratio_f32_32x32x32_context_log",
            dims: &[32, 32, 32],
            order: Order::C,
            bound: ErrorBound::PwRel(1e-2),
            encoding: Encoding::Ratio,
            block_dims: None,
            values: Values::F32(field_32.clone()),
        },
        Golden {
            name: "rel_ratio_f32_32x32x32_context",
            dims: &[32, 32, 32],
            order: Order::C,
            bound: ErrorBound::Rel(1e-2),
            encoding: Encoding::Ratio,
            block_dims: None,
            values: Values::F32(field_32),
        },
        Golden {
            name: "abs_fast_f32_10x12x14",
            dims: &[10, 12, 14],
            order: Order::C,
            bound: ErrorBound::Abs(1e-3),
            encoding: Encoding::Fast,
            block_dims: None,
            values: Values::F32(ramp_sine_3d()),
        },
        Golden {
            name: "pwrel_ratio_f32_10x12x14",
            dims: &[10, 12, 14],
            order: Order::C,
            bound: ErrorBound::PwRel(0.01),
            encoding: Encoding::Ratio,
            block_dims: None,
            values: Values::F32(ramp_sine_3d()),
        },
        Golden {
            name: "lossless_ratio_f32_10x12x14",
            dims: &[10, 12, 14],
            order: Order::C,
            bound: ErrorBound::Abs(0.0),
            encoding: Encoding::Ratio,
            block_dims: None,
            values: Values::F32(ramp_sine_3d()),
        },
        Golden {
            name: "lossless_fast_f32_257_nonfinite",
            dims: &[257],
            order: Order::C,
            bound: ErrorBound::Abs(0.0),
            encoding: Encoding::Fast,
            block_dims: None,
            values: Values::F32(field_1d.clone()),
        },
        Golden {
            name: "lossless_ratio_f64_33x47",
            dims: &[33, 47],
            order: Order::C,
            bound: ErrorBound::Abs(0.0),
            encoding: Encoding::Ratio,
            block_dims: Some(&[16, 32]),
            values: Values::F64(field_2d.clone()),
        },
        Golden {
            name: "rel_ratio_f64_33x47",
            dims: &[33, 47],
            order: Order::C,
            bound: ErrorBound::Rel(1e-4),
            encoding: Encoding::Ratio,
            block_dims: None,
            values: Values::F64(field_2d),
        },
        Golden {
            name: "abs_fast_f32_257_nonfinite",
            dims: &[257],
            order: Order::C,
            bound: ErrorBound::Abs(1e-2),
            encoding: Encoding::Fast,
            block_dims: None,
            values: Values::F32(field_1d),
        },
        Golden {
            name: "rel_fast_f64_5x6x7x3_fortran_blocks",
            dims: &[5, 6, 7, 3],
            order: Order::Fortran,
            bound: ErrorBound::Rel(1e-3),
            encoding: Encoding::Fast,
            block_dims: Some(&[2, 3, 4, 2]),
            values: Values::F64(field_4d),
        },
        Golden {
            name: "labels_u8_9x21x34_blocks",
            dims: &[9, 21, 34],
            order: Order::C,
            bound: ErrorBound::Abs(0.0),
            encoding: Encoding::Labels,
            block_dims: Some(&[4, 8, 16]),
            values: Values::Labels(label_map_3d()),
        },
    ]
}

fn compress_case(g: &Golden) -> Vec<u8> {
    let shape = Shape::new(g.dims, g.order).expect("valid shape");
    let opts = CompressOptions {
        block_dims: g.block_dims.map(<[usize]>::to_vec),
        ..CompressOptions::new(g.bound, g.encoding)
    };
    match &g.values {
        Values::F32(v) => codec::compress(FieldView::new(v, &shape).expect("valid"), &opts),
        Values::F64(v) => codec::compress(FieldView::new(v, &shape).expect("valid"), &opts),
        Values::Labels(v) => label::compress_labels_with_blocks(v, &shape, g.block_dims),
    }
    .unwrap_or_else(|e| panic!("{}: compress failed: {e}", g.name))
}

/// Decodes `stream` as the case's type, checks the shape and the bound against the
/// regenerated field, and returns the decoded values' little-endian bytes.
fn decode_and_check(g: &Golden, stream: &[u8], what: &str) -> Vec<u8> {
    fn typed<T: Element>(g: &Golden, orig: &[T], stream: &[u8], what: &str) -> Vec<u8> {
        let (dec, shape) =
            codec::decompress::<T>(stream).unwrap_or_else(|e| panic!("{what}: does not decode: {e}"));
        assert_eq!(shape.dims(), g.dims, "{what}: dims");
        assert_eq!(shape.order(), g.order, "{what}: order");
        common::assert_within_bound(orig, &dec, g.bound, what);
        le_bytes(&dec)
    }
    match &g.values {
        Values::F32(v) => typed(g, v, stream, what),
        Values::F64(v) => typed(g, v, stream, what),
        Values::Labels(v) => {
            let (dec, shape) =
                label::decompress_labels(stream).unwrap_or_else(|e| panic!("{what}: does not decode: {e}"));
            assert_eq!(shape.dims(), g.dims, "{what}: dims");
            assert_eq!(shape.order(), g.order, "{what}: order");
            assert!(dec == *v, "{what}: the labels differ (label streams are lossless)");
            dec
        }
    }
}

/// The sidecar text: `key value` lines, `#` comments.
fn input_bytes(g: &Golden) -> Vec<u8> {
    match &g.values {
        Values::F32(v) => le_bytes(v),
        Values::F64(v) => le_bytes(v),
        Values::Labels(v) => v.clone(),
    }
}

fn sum_text(g: &Golden, stream: &[u8], decoded: &[u8]) -> String {
    let dims: Vec<String> = g.dims.iter().map(|d| d.to_string()).collect();
    let dtype = match g.values {
        Values::F32(_) => "f32",
        Values::F64(_) => "f64",
        Values::Labels(_) => "u8",
    };
    format!(
        "# Plume golden stream {name}.plume: checksums of the values it decodes to\n\
         # (their little-endian bytes), written at bless time. See core/tests/golden.rs;\n\
         # re-blessing is only allowed with a format version bump.\n\
         format_version {FORMAT_VERSION}\n\
         dtype {dtype}\n\
         dims {dims}\n\
         order {order}\n\
         bound {bound:?}\n\
         encoding {encoding}\n\
         input_fnv1a64 {ifnv:016x}\n\
         stream_bytes {len}\n\
         stream_crc32 {scrc:08x}\n\
         decoded_bytes {dlen}\n\
         decoded_fnv1a64 {fnv:016x}\n\
         decoded_crc32 {dcrc:08x}\n",
        name = g.name,
        dims = dims.join(","),
        order = g.order.as_str(),
        bound = g.bound,
        encoding = g.encoding.as_str(),
        ifnv = fnv1a64(&input_bytes(g)),
        len = stream.len(),
        scrc = crc32fast::hash(stream),
        dlen = decoded.len(),
        fnv = fnv1a64(decoded),
        dcrc = crc32fast::hash(decoded),
    )
}

fn parse_sum(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(k, v)| (k.to_string(), v.trim().to_string())))
        .collect()
}

fn version_dir(v: u16) -> PathBuf {
    Path::new(GOLDEN_DIR).join(format!("v{v}"))
}

/// Check (b): `stream` decodes to the values whose checksums the sidecar records.
fn check_against_sum(g: &Golden, stream: &[u8], sum_path: &Path, what: &str) {
    let decoded = decode_and_check(g, stream, what);
    let text = std::fs::read_to_string(sum_path)
        .unwrap_or_else(|e| panic!("{what}: cannot read {}: {e}", sum_path.display()));
    let recorded = parse_sum(&text);
    let get = |k: &str| {
        recorded.get(k).map(String::as_str).unwrap_or_else(|| panic!("{}: no `{k}` line", sum_path.display()))
    };
    assert_eq!(
        get("input_fnv1a64"),
        format!("{:016x}", fnv1a64(&input_bytes(g))),
        "{what}: the regenerated input field differs from the one blessed (generator not deterministic?)"
    );
    assert_eq!(get("decoded_bytes"), decoded.len().to_string(), "{what}: decoded byte count");
    assert_eq!(
        get("decoded_fnv1a64"),
        format!("{:016x}", fnv1a64(&decoded)),
        "{what}: FNV-1a of the decoded values"
    );
    assert_eq!(
        get("decoded_crc32"),
        format!("{:08x}", crc32fast::hash(&decoded)),
        "{what}: CRC-32 of the decoded values"
    );
    assert_eq!(
        get("stream_crc32"),
        format!("{:08x}", crc32fast::hash(stream)),
        "{what}: the committed stream itself changed"
    );
    let layout = codec::inspect(stream).expect("parses");
    assert_eq!(get("format_version"), layout.header.version.to_string(), "{what}: version");
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!("first difference at byte {i} ({:#04x} committed, {:#04x} now)", a[i], b[i]),
        None => format!("lengths differ: {} committed, {} now", a.len(), b.len()),
    }
}

#[test]
fn golden_streams_of_the_current_version() {
    let bless = std::env::var("PLUME_BLESS").as_deref() == Ok("1");
    let dir = version_dir(FORMAT_VERSION);
    let mut missing = Vec::new();
    for g in cases() {
        let stream = compress_case(&g);
        let path = dir.join(format!("{}.plume", g.name));
        let sum_path = dir.join(format!("{}.sum", g.name));
        if !path.exists() || !sum_path.exists() {
            if bless {
                std::fs::create_dir_all(&dir).expect("create the golden dir");
                let decoded = decode_and_check(&g, &stream, g.name);
                if !path.exists() {
                    std::fs::write(&path, &stream).expect("write the golden stream");
                }
                let committed = std::fs::read(&path).expect("read back");
                std::fs::write(&sum_path, sum_text(&g, &committed, &decoded)).expect("write the sidecar");
                eprintln!("blessed {} ({} bytes) and its .sum", path.display(), stream.len());
            } else {
                missing.push(path.display().to_string());
                continue;
            }
        }
        let committed = std::fs::read(&path).expect("read the golden stream");
        let what = format!("golden v{FORMAT_VERSION} {}", g.name);
        // (a) the encoder reproduces the committed bytes
        assert!(
            committed == stream,
            "{what}: compressing again gives different bytes ({}). The encoder's output or the \
             format changed: fix it, or bump FORMAT_VERSION and bless golden/v<new>/ (see the top \
             of core/tests/golden.rs). Never re-bless v{FORMAT_VERSION}.",
            first_difference(&committed, &stream)
        );
        // (b) the committed bytes decode to the recorded values
        check_against_sum(&g, &committed, &sum_path, &what);
        assert_eq!(codec::inspect(&committed).expect("parses").header.version, FORMAT_VERSION);
    }
    assert!(
        missing.is_empty(),
        "golden files missing: {missing:?}. Create them with PLUME_BLESS=1 (see the top of core/tests/golden.rs)"
    );
}

/// Streams written by older format versions still decode to what they decoded to then.
#[test]
fn golden_streams_of_older_versions_still_decode() {
    let Ok(entries) = std::fs::read_dir(GOLDEN_DIR) else { return };
    for entry in entries {
        let path = entry.expect("readable").path();
        let Some(v) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix('v'))
            .and_then(|n| n.parse::<u16>().ok())
        else {
            continue;
        };
        if v == FORMAT_VERSION {
            continue;
        }
        assert!(
            READABLE_VERSIONS.contains(&v),
            "golden/v{v}/ exists but this library no longer reads format {v}: dropping read support must be deliberate"
        );
        for g in cases() {
            let stream_path = path.join(format!("{}.plume", g.name));
            if let Ok(stream) = std::fs::read(&stream_path) {
                check_against_sum(
                    &g,
                    &stream,
                    &path.join(format!("{}.sum", g.name)),
                    &format!("golden v{v} {}", g.name),
                );
            }
        }
    }
}

/// The deterministic generator really is: a few fixed points of `dsin`.
#[test]
fn field_generator_is_deterministic() {
    assert_eq!(dsin(0.0), 0.0);
    assert!((dsin(std::f64::consts::FRAC_PI_2) - 1.0).abs() < 1e-15);
    assert!((dsin(10.0) - 10f64.sin()).abs() < 1e-13);
    let v = ramp_sine_3d();
    assert_eq!(v.len(), 1680);
    assert_eq!(fnv1a64(&le_bytes(&v)), fnv1a64(&le_bytes(&ramp_sine_3d())));
}

/// "Deterministic bytes": the same input and options give the same stream whatever the
/// number of threads (ARCHITECTURE.md), for every golden case and for a field in every
/// mode, PSNR included (its tightening loop sums errors per chunk), in blocks and as one
/// block (whose rows, predictor candidates and segments run in parallel).
#[test]
fn same_bytes_on_any_thread_count() {
    let pool = |n: usize| rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("thread pool");
    let pools = [pool(1), pool(2), pool(5)];
    let mut cases = cases();
    let big: Vec<f32> = (0..40 * 50 * 60)
        .map(|n| (dsin(n as f64 * 0.001) * 100.0 + dsin(n as f64 * 0.37) * 0.5) as f32)
        .collect();
    for (k, bound) in
        [ErrorBound::Abs(1e-2), ErrorBound::Rel(1e-4), ErrorBound::PwRel(0.01), ErrorBound::Psnr(70.0)]
            .into_iter()
            .enumerate()
    {
        let blocks: [(Encoding, Order, Option<&'static [usize]>); 3] = [
            (Encoding::Fast, Order::C, Some(&[16, 16, 16])),
            (Encoding::Ratio, Order::Fortran, Some(&[16, 16, 16])),
            (Encoding::Ratio, Order::C, None),
        ];
        for (encoding, order, block_dims) in blocks {
            cases.push(Golden {
                name: ["big abs", "big rel", "big pw_rel", "big psnr"][k],
                dims: &[40, 50, 60],
                order,
                bound,
                encoding,
                block_dims,
                values: Values::F32(big.clone()),
            });
        }
    }
    for g in &cases {
        let streams: Vec<Vec<u8>> = pools.iter().map(|p| p.install(|| compress_case(g))).collect();
        for (p, s) in pools.iter().zip(&streams).skip(1) {
            assert!(
                *s == streams[0],
                "{} {:?} {:?}: {} threads give different bytes than 1 thread ({})",
                g.name,
                g.bound,
                g.encoding,
                p.current_num_threads(),
                first_difference(&streams[0], s)
            );
        }
    }
}
