//! The decoder's contract on damaged and hostile input: it returns an error, never panics,
//! never allocates what the stream cannot justify.
//!
//! - every truncation of a stream is an error naming a byte offset (or the version);
//! - single-bit flips never panic and the CRCs catch (nearly) all of them;
//! - "deep" mutations with the CRCs recomputed (so that the block decoders themselves see
//!   the damage) never panic;
//! - hand-crafted hostile headers (huge dims, inconsistent block count, unknown version,
//!   wrong magic) give the right `ErrorKind`, quickly and without huge allocations.
//!
//! This test binary installs a global allocator that refuses any single allocation above
//! [`ALLOC_CAP`] (so a hostile stream cannot exhaust the machine's memory) and records the
//! largest request made on each thread.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Rng;
use plume_core::{codec, CompressOptions, Element, Encoding, ErrorBound, ErrorKind, FieldView, Order, Shape};

// ---------------------------------------------------------------------------------------
// A capped, instrumented allocator
// ---------------------------------------------------------------------------------------

/// Largest single allocation this test binary grants (none of its legitimate work needs
/// more than a few MiB).
const ALLOC_CAP: usize = 256 << 20;

static REFUSED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static LARGEST_ON_THREAD: Cell<usize> = const { Cell::new(0) };
}

fn note_request(size: usize) -> bool {
    let _ = LARGEST_ON_THREAD.try_with(|c| {
        if size > c.get() {
            c.set(size)
        }
    });
    if size > ALLOC_CAP {
        REFUSED.fetch_add(1, Ordering::Relaxed);
        false
    } else {
        true
    }
}

struct CappedAlloc;

// SAFETY: forwards to the system allocator; refusing (returning null) is allowed.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if note_request(layout.size()) {
            // SAFETY: same contract as ours.
            unsafe { System.alloc(layout) }
        } else {
            std::ptr::null_mut()
        }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if note_request(layout.size()) {
            // SAFETY: same contract as ours.
            unsafe { System.alloc_zeroed(layout) }
        } else {
            std::ptr::null_mut()
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from System through us.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if note_request(new_size) {
            // SAFETY: `ptr` came from System through us.
            unsafe { System.realloc(ptr, layout, new_size) }
        } else {
            std::ptr::null_mut()
        }
    }
}

#[global_allocator]
static GLOBAL: CappedAlloc = CappedAlloc;

/// Runs `f` and returns its result with the largest allocation it requested on this
/// thread (the decoder allocates its output on the calling thread).
fn with_largest_request<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST_ON_THREAD.with(|c| c.set(0));
    let r = f();
    (r, LARGEST_ON_THREAD.with(|c| c.get()))
}

// ---------------------------------------------------------------------------------------
// Streams under test
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    F32,
    F64,
    /// A label stream (u8 class ids, the labels encoding).
    Labels,
}

/// A label stream of nested shells and some speckle, `block_dims` blocks.
fn make_label_stream(dims: &[usize], block_dims: &[usize], seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let n: usize = dims.iter().product();
    let ids: Vec<u8> = (0..n)
        .map(|i| if rng.chance(0.05) { rng.below(5) as u8 } else { ((i / 7 + i / 31) % 5) as u8 })
        .collect();
    let shape = Shape::new(dims, Order::C).expect("valid shape");
    plume_core::label::compress_labels_with_blocks(&ids, &shape, Some(block_dims)).expect("compresses")
}

struct Case {
    name: String,
    ty: Ty,
    stream: Vec<u8>,
}

fn make_stream<T: Element>(
    dims: &[usize],
    bound: ErrorBound,
    encoding: Encoding,
    block_dims: &[usize],
    seed: u64,
) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let n: usize = dims.iter().product();
    let values: Vec<T> = (0..n)
        .map(|i| match i % 97 {
            13 => T::from_f64(f64::NAN),
            29 => T::from_f64(0.0),
            _ => T::from_f64((i as f64 * 0.21).sin() * 30.0 + 40.0 + rng.range(-0.5, 0.5)),
        })
        .collect();
    let shape = Shape::new(dims, Order::C).expect("valid shape");
    let opts =
        CompressOptions { block_dims: Some(block_dims.to_vec()), ..CompressOptions::new(bound, encoding) };
    codec::compress(FieldView::new(&values, &shape).expect("valid"), &opts).expect("compresses")
}

/// Small streams: both encodings, f32 and f64, PW_REL and ABS, several blocks each; plus
/// two larger ones (> 2 KB) for the sampled bit flips.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for encoding in [Encoding::Fast, Encoding::Ratio] {
        for bound in [ErrorBound::PwRel(0.01), ErrorBound::Abs(1e-2)] {
            let name = format!("{encoding:?} {bound:?}");
            out.push(Case {
                name: format!("f32 6x7x5 {name}"),
                ty: Ty::F32,
                stream: make_stream::<f32>(&[6, 7, 5], bound, encoding, &[3, 4, 5], 1),
            });
            out.push(Case {
                name: format!("f64 6x7x5 {name}"),
                ty: Ty::F64,
                stream: make_stream::<f64>(&[6, 7, 5], bound, encoding, &[3, 4, 5], 2),
            });
        }
        out.push(Case {
            name: format!("f64 24x20x16 {encoding:?} Abs(1e-4)"),
            ty: Ty::F64,
            stream: make_stream::<f64>(&[24, 20, 16], ErrorBound::Abs(1e-4), encoding, &[8, 8, 8], 3),
        });
    }
    // large residuals in 32768 values at PW_REL: tabled (format 6), two blocks sharing
    // the tables
    out.push(Case {
        name: "f32 32x32x32 Ratio PwRel(1e-4) tabled".into(),
        ty: Ty::F32,
        stream: make_stream::<f32>(&[32, 32, 32], ErrorBound::PwRel(1e-4), Encoding::Ratio, &[32, 32, 16], 6),
    });
    out.push(Case {
        name: "labels 6x7x5".into(),
        ty: Ty::Labels,
        stream: make_label_stream(&[6, 7, 5], &[3, 4, 5], 4),
    });
    out.push(Case {
        name: "labels 40x30x20".into(),
        ty: Ty::Labels,
        stream: make_label_stream(&[40, 30, 20], &[16, 16, 16], 5),
    });
    out
}

/// Decodes a label stream whole and by a sub-box (the labels' entry points).
fn decode_labels(stream: &[u8]) -> Result<usize, plume_core::Error> {
    let (labels, shape) = plume_core::label::decompress_labels(stream)?;
    let dims = shape.dims();
    let start: Vec<usize> = dims.iter().map(|d| d / 3).collect();
    let extent: Vec<usize> = dims.iter().zip(&start).map(|(d, s)| (d - s).min(5)).collect();
    plume_core::label::decompress_labels_region(stream, &start, &extent)?;
    assert!(labels.iter().all(|&l| l < 5), "a decoded label is not a class id");
    Ok(labels.len())
}

/// Every decoding entry point on `stream`; Ok(()) when all of them succeed, else the
/// first error. Panics propagate.
fn decode_all(ty: Ty, stream: &[u8]) -> Result<(), plume_core::Error> {
    codec::inspect(stream)?;
    match ty {
        Ty::F32 => {
            codec::decompress::<f32>(stream)?;
        }
        Ty::F64 => {
            codec::decompress::<f64>(stream)?;
        }
        Ty::Labels => {
            decode_labels(stream)?;
            return Ok(());
        }
    }
    codec::decompress_any(stream)?;
    Ok(())
}

/// Like [`decode_all`] but never panics: a panic is returned as `Err(Some(message))`.
fn decode_caught(ty: Ty, stream: &[u8]) -> Result<Result<(), plume_core::Error>, String> {
    catch_unwind(AssertUnwindSafe(|| decode_all(ty, stream))).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".into())
    })
}

#[test]
fn streams_under_test_decode() {
    for c in cases() {
        decode_all(c.ty, &c.stream).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        if c.name.ends_with("tabled") {
            let layout = codec::inspect(&c.stream).expect("parses");
            assert!(matches!(layout.codebook, Some(plume_core::format::Codebook::Tables(_))), "{}", c.name);
        }
        eprintln!("{}: {} bytes", c.name, c.stream.len());
    }
}

// ---------------------------------------------------------------------------------------
// Truncation and bit flips
// ---------------------------------------------------------------------------------------

#[test]
fn every_truncation_is_an_error_naming_the_offset() {
    for c in cases().into_iter().filter(|c| c.stream.len() < 4096) {
        for len in 0..c.stream.len() {
            let prefix = &c.stream[..len];
            let r = decode_caught(c.ty, prefix)
                .unwrap_or_else(|p| panic!("{}: prefix of {len} bytes panicked: {p}", c.name));
            let e = r
                .err()
                .unwrap_or_else(|| panic!("{}: prefix of {len} of {} bytes decoded", c.name, c.stream.len()));
            assert!(
                e.message().contains("byte offset") || e.message().contains("version"),
                "{}: prefix of {len} bytes: the message must name the byte offset: {e}",
                c.name
            );
            assert_eq!(e.kind(), ErrorKind::CorruptStream, "{}: prefix of {len} bytes: {e}", c.name);
        }
        // trailing garbage is refused too
        let mut longer = c.stream.clone();
        longer.push(0);
        let e = decode_all(c.ty, &longer).expect_err("trailing byte");
        assert_eq!(e.kind(), ErrorKind::CorruptStream, "{}: {e}", c.name);
    }
}

#[test]
fn single_bit_flips_never_panic_and_are_caught() {
    let mut rng = Rng::new(0xF11B);
    for c in cases() {
        let n_bits = c.stream.len() * 8;
        let positions: Vec<usize> = if c.stream.len() < 2048 {
            (0..n_bits).collect()
        } else {
            (0..2000).map(|_| rng.below(n_bits)).collect()
        };
        let (mut n_err, mut n_ok) = (0usize, 0usize);
        let mut panics = Vec::new();
        let mut buf = c.stream.clone();
        for &bit in &positions {
            buf[bit / 8] ^= 1 << (bit % 8);
            match decode_caught(c.ty, &buf) {
                Ok(Ok(())) => n_ok += 1,
                Ok(Err(_)) => n_err += 1,
                Err(p) => panics.push(format!("bit {bit} (byte {}): {p}", bit / 8)),
            }
            buf[bit / 8] ^= 1 << (bit % 8);
        }
        eprintln!(
            "{}: {} flips, {n_err} errors, {n_ok} decoded, {} panics",
            c.name,
            positions.len(),
            panics.len()
        );
        assert!(
            panics.is_empty(),
            "{}: {} bit flips panicked, e.g. {:?}",
            c.name,
            panics.len(),
            &panics[..panics.len().min(5)]
        );
        assert!(
            n_err as f64 >= 0.99 * positions.len() as f64,
            "{}: only {n_err} of {} bit flips were detected",
            c.name,
            positions.len()
        );
    }
}

/// Damage with the checksums recomputed: the block decoders (bit-unpacking, Huffman, zstd,
/// outlier lists) and the header validation see hostile bytes directly. Any result is
/// acceptable except a panic, a huge allocation, or a wrong-length output.
#[test]
fn mutations_with_valid_crcs_never_panic() {
    let mut rng = Rng::new(0xDEE9);
    for c in cases() {
        let layout = codec::inspect(&c.stream).expect("valid stream");
        let blocks: Vec<(u64, u64)> = layout.blocks.iter().map(|b| (b.offset, b.len)).collect();
        let (mut n_ok, mut n_err) = (0usize, 0usize);
        let mut panics = Vec::new();
        for trial in 0..600 {
            let mut buf = c.stream.clone();
            let n_changes = 1 + rng.below(4);
            for _ in 0..n_changes {
                // mostly in the block data, sometimes in the header/codebook/table
                let at = if trial % 4 == 0 || layout.data_start >= buf.len() {
                    rng.below(layout.data_start - 4)
                } else {
                    layout.data_start + rng.below(buf.len() - layout.data_start)
                };
                match rng.below(3) {
                    0 => buf[at] ^= 1 << rng.below(8),
                    1 => buf[at] = rng.next_u64() as u8,
                    _ => buf[at] = [0x00, 0xff, 0x20, 0x21, 0x80][rng.below(5)],
                }
            }
            common::fix_crcs(&mut buf, layout.data_start, &blocks);
            let (r, largest) = with_largest_request(|| {
                catch_unwind(AssertUnwindSafe(|| match c.ty {
                    Ty::F32 => codec::decompress::<f32>(&buf).map(|(v, _)| v.len()),
                    Ty::F64 => codec::decompress::<f64>(&buf).map(|(v, _)| v.len()),
                    Ty::Labels => decode_labels(&buf),
                }))
            });
            assert!(
                largest <= 64 << 20,
                "{}: trial {trial} requested {largest} bytes for a {}-byte stream",
                c.name,
                buf.len()
            );
            match r {
                Ok(Ok(len)) => {
                    n_ok += 1;
                    // the header may have been altered consistently; the output must
                    // still match what the stream claims
                    let claimed =
                        codec::inspect(&buf).expect("decoded, so it parses").header.shape.n_values();
                    assert_eq!(len, claimed, "{}: trial {trial}", c.name);
                }
                Ok(Err(_)) => n_err += 1,
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                    panics.push(format!("trial {trial}: {msg:?}"));
                }
            }
        }
        eprintln!(
            "{}: 600 CRC-fixed mutations, {n_err} errors, {n_ok} decoded, {} panics",
            c.name,
            panics.len()
        );
        assert!(
            panics.is_empty(),
            "{}: {} mutations panicked: {:?}",
            c.name,
            panics.len(),
            &panics[..panics.len().min(5)]
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hand-crafted hostile headers
// ---------------------------------------------------------------------------------------

/// Fixed-header offsets (FORMAT.md section 1).
mod off {
    pub const VERSION: usize = 4;
    pub const DIMS: usize = 16;
    pub const BLOCK_DIMS: usize = 48;
    pub const N_BLOCKS: usize = 112;
}

fn put_u64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Recomputes the header CRC (over everything before it).
fn fix_header_crc(buf: &mut [u8], crc_at: usize) {
    let crc = crc32fast::hash(&buf[..crc_at]);
    buf[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
}

/// A small valid 2-D f32 fast stream and the offset of its header CRC.
fn small_2d() -> (Vec<u8>, usize) {
    let stream = make_stream::<f32>(&[4, 4], ErrorBound::Abs(0.1), Encoding::Fast, &[4, 4], 9);
    let layout = codec::inspect(&stream).expect("valid");
    (stream, layout.data_start - 4)
}

/// Decodes a hostile stream, checks the kind and message, that it failed fast, and that
/// it asked for no large allocation.
#[track_caller]
fn expect_hostile(stream: &[u8], kind: ErrorKind, what: &str) -> plume_core::Error {
    let refused_before = REFUSED.load(Ordering::Relaxed);
    let t = Instant::now();
    let (r, largest) =
        with_largest_request(|| catch_unwind(AssertUnwindSafe(|| codec::decompress::<f32>(stream))));
    let elapsed = t.elapsed();
    let e = match r {
        Ok(Ok(_)) => panic!("{what}: decoded"),
        Ok(Err(e)) => e,
        Err(_) => panic!("{what}: panicked"),
    };
    assert!(
        largest <= 16 << 20,
        "{what}: the decoder requested {largest} bytes ({} refused by the test allocator) for a {}-byte stream, then: {e}",
        REFUSED.load(Ordering::Relaxed) - refused_before,
        stream.len()
    );
    assert_eq!(e.kind(), kind, "{what}: {e}");
    assert!(elapsed < Duration::from_secs(1), "{what}: took {elapsed:?}");
    e
}

/// [`expect_hostile`] for damage in the header: `inspect` must refuse it as well.
#[track_caller]
fn expect_hostile_header(stream: &[u8], kind: ErrorKind, what: &str) -> plume_core::Error {
    let e = expect_hostile(stream, kind, what);
    let ie = codec::inspect(stream).expect_err("inspect must refuse it too");
    assert_eq!(ie.kind(), kind, "{what} (inspect): {ie}");
    e
}

#[test]
fn huge_dims_fail_fast() {
    let (mut s, crc_at) = small_2d();
    put_u64(&mut s, off::DIMS, 1 << 40);
    put_u64(&mut s, off::DIMS + 8, 1 << 40);
    fix_header_crc(&mut s, crc_at);
    let e = expect_hostile_header(&s, ErrorKind::CorruptStream, "dims 2^40 x 2^40");
    assert!(e.message().contains("byte offset"), "{e}");

    // a value count that fits usize but a block count that the table does not hold
    let (mut s, crc_at) = small_2d();
    put_u64(&mut s, off::DIMS, 1 << 32);
    put_u64(&mut s, off::DIMS + 8, 1 << 20);
    fix_header_crc(&mut s, crc_at);
    expect_hostile_header(&s, ErrorKind::CorruptStream, "dims 2^32 x 2^20");

    // huge dims and block dims at the per-block maximum
    let (mut s, crc_at) = small_2d();
    put_u64(&mut s, off::DIMS, u64::MAX);
    put_u64(&mut s, off::BLOCK_DIMS, 1 << 12);
    put_u64(&mut s, off::BLOCK_DIMS + 8, 1 << 12);
    fix_header_crc(&mut s, crc_at);
    expect_hostile_header(&s, ErrorKind::CorruptStream, "dim 2^64-1");
}

#[test]
fn inconsistent_block_count_is_corrupt() {
    for n in [0u64, 2, 1 << 20, u64::MAX] {
        let (mut s, crc_at) = small_2d();
        put_u64(&mut s, off::N_BLOCKS, n);
        fix_header_crc(&mut s, crc_at);
        let e = expect_hostile_header(&s, ErrorKind::CorruptStream, &format!("n_blocks {n}"));
        assert!(e.message().contains("byte offset"), "{e}");
    }
}

#[test]
fn unknown_version_is_unsupported() {
    for v in [0u16, plume_core::format::FORMAT_VERSION + 1, 99, u16::MAX] {
        let (mut s, crc_at) = small_2d();
        s[off::VERSION..off::VERSION + 2].copy_from_slice(&v.to_le_bytes());
        fix_header_crc(&mut s, crc_at);
        let e = expect_hostile_header(&s, ErrorKind::Unsupported, &format!("version {v}"));
        assert!(e.message().contains("version"), "{e}");
        assert!(e.message().contains(&v.to_string()), "the message names the version: {e}");
    }
}

#[test]
fn wrong_magic_is_corrupt() {
    for magic in [*b"PLUN", *b"\x89HDF", [0; 4], *b"plum"] {
        let (mut s, crc_at) = small_2d();
        s[..4].copy_from_slice(&magic);
        fix_header_crc(&mut s, crc_at);
        let e = expect_hostile_header(&s, ErrorKind::CorruptStream, &format!("magic {magic:?}"));
        assert!(e.message().contains("byte offset 0"), "{e}");
    }
    for junk in [&b""[..], b"P", b"PLUM", b"PLUM\x01", b"PLUM\x01\x00"] {
        expect_hostile_header(junk, ErrorKind::CorruptStream, &format!("{junk:?}"));
    }
}

/// Writes a fixed header by hand (FORMAT.md section 1), `n_blocks` empty block entries,
/// and the header CRC: a self-consistent stream whose blocks hold no bytes at all.
fn craft_empty_blocks(dtype: u8, encoding: u8, dims: &[u64], block_dims: &[u64]) -> Vec<u8> {
    let grid: u64 = dims.iter().zip(block_dims).map(|(d, b)| d.div_ceil(*b)).product();
    let mut s = Vec::new();
    s.extend_from_slice(b"PLUM");
    s.extend_from_slice(&1u16.to_le_bytes());
    s.extend_from_slice(&[dtype, 0, dims.len() as u8, encoding, 1, 1]); // C order, ABS, linear
    s.extend_from_slice(&0u32.to_le_bytes());
    for a in 0..4 {
        s.extend_from_slice(&dims.get(a).copied().unwrap_or(0).to_le_bytes());
    }
    for a in 0..4 {
        s.extend_from_slice(&block_dims.get(a).copied().unwrap_or(0).to_le_bytes());
    }
    for v in [0.1f64, 0.1, 0.2, 0.0] {
        s.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    s.extend_from_slice(&grid.to_le_bytes());
    s.extend_from_slice(&0u64.to_le_bytes()); // no codebook
    assert_eq!(s.len(), 128);
    for _ in 0..grid {
        s.extend_from_slice(&[0u8; 20]); // offset 0, len 0, crc32 of nothing = 0
    }
    let crc_at = s.len();
    s.extend_from_slice(&[0; 4]);
    fix_header_crc(&mut s, crc_at);
    s
}

/// A 1.4 KB stream claims 2^30 f32 values (4 GiB) in 64 blocks of 2^24 values that hold
/// no bytes. A `fast` block of 2^24 values needs at least 4 + 2^24/32 bytes, so the stream
/// cannot be valid: the decoder must say CorruptStream without asking for 4 GiB first.
#[test]
fn empty_blocks_claiming_gigabytes_are_refused_without_allocating() {
    let s = craft_empty_blocks(1, 1, &[1 << 30], &[1 << 24]);
    assert!(s.len() < 2000);
    // the block table is checked against the values it must hold, before any allocation
    let e = codec::inspect(&s).expect_err("blocks too small for their values");
    assert_eq!(e.kind(), ErrorKind::CorruptStream, "{e}");
    assert!(e.message().contains("block table"), "{e}");
    expect_hostile(&s, ErrorKind::CorruptStream, "64 empty blocks of 2^24 f32 values");
}

/// The same with a small field: empty blocks are corrupt, whatever the encoding.
#[test]
fn empty_blocks_are_corrupt() {
    let s = craft_empty_blocks(1, 1, &[100], &[16]);
    let e = expect_hostile(&s, ErrorKind::CorruptStream, "7 empty fast blocks");
    assert!(e.message().contains("byte offset"), "{e}");
}

/// Label streams: a header that claims the labels dtype or encoding in a version before 3,
/// mixes them with the float ones, or gives a label stream a bound, is corrupt; so are
/// label blocks shorter than the range coder's 5 bytes.
#[test]
fn hostile_label_headers_are_corrupt() {
    use plume_core::label::decompress_labels;
    let stream = make_label_stream(&[6, 7, 5], &[3, 4, 5], 4);
    let crc_at = codec::inspect(&stream).expect("valid").data_start - 4;
    let patched = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut s = stream.clone();
        f(&mut s);
        fix_header_crc(&mut s, crc_at);
        s
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("version 2", patched(&|s| s[off::VERSION..off::VERSION + 2].copy_from_slice(&2u16.to_le_bytes()))),
        ("dtype f32 with the labels encoding", patched(&|s| s[6] = 1)),
        ("dtype u8 with the ratio encoding", patched(&|s| s[9] = 2)),
        ("encoding 4", patched(&|s| s[9] = 4)),
        ("bound mode REL", patched(&|s| s[10] = 2)),
        ("a nonzero bound", patched(&|s| put_u64(s, 80, 0.25f64.to_bits()))),
        ("a nonzero step", patched(&|s| put_u64(s, 96, 1.0f64.to_bits()))),
        ("-0.0 offset", patched(&|s| put_u64(s, 104, (-0.0f64).to_bits()))),
    ];
    for (what, s) in cases {
        let e = codec::inspect(&s).expect_err(what);
        assert_eq!(e.kind(), ErrorKind::CorruptStream, "{what}: {e}");
        assert!(e.message().contains("byte offset"), "{what}: {e}");
        assert_eq!(decompress_labels(&s).expect_err(what).kind(), ErrorKind::CorruptStream, "{what}");
    }
    // a float decode of a label stream is a type error, not a crash
    let e = codec::decompress::<f32>(&stream).expect_err("u8 stream");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(codec::decompress_any(&stream).expect_err("u8").kind(), ErrorKind::InvalidArgument);
    // empty label blocks: the block table is refused
    let mut s = craft_empty_blocks(3, 3, &[1 << 30], &[1 << 24]);
    s[off::VERSION..off::VERSION + 2].copy_from_slice(&3u16.to_le_bytes());
    for at in [80, 88, 96] {
        put_u64(&mut s, at, 0);
    }
    let crc_at = s.len() - 4;
    fix_header_crc(&mut s, crc_at);
    let e = codec::inspect(&s).expect_err("empty label blocks");
    assert!(e.message().contains("block table"), "{e}");
    let (r, largest) = with_largest_request(|| decompress_labels(&s));
    assert_eq!(r.expect_err("empty blocks").kind(), ErrorKind::CorruptStream);
    assert!(largest <= 16 << 20, "asked for {largest} bytes");
}

/// Predictor 4 (closed-loop interpolation) only exists for the linear quantizer and from
/// format version 3: a `fast` stream (raw payload, predictor byte first) patched to use it
/// with a log quantizer, or relabelled version 2, is a CorruptStream naming the predictor.
#[test]
fn closed_loop_predictor_outside_its_domain_is_corrupt() {
    let dims = [24usize, 40];
    let values: Vec<f32> = (0..24 * 40).map(|i| 1.0 + ((i as f32) * 0.05).sin().abs()).collect();
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let patched = |bound: ErrorBound, version: Option<u16>| {
        let mut s = codec::compress(
            FieldView::new(&values, &shape).expect("view"),
            &CompressOptions::new(bound, Encoding::Fast),
        )
        .expect("stream");
        let layout = codec::inspect(&s).expect("valid");
        let blocks: Vec<(u64, u64)> = layout.blocks.iter().map(|b| (b.offset, b.len)).collect();
        s[layout.data_start + blocks[0].0 as usize] = 4;
        if let Some(v) = version {
            s[4..6].copy_from_slice(&v.to_le_bytes());
        }
        common::fix_crcs(&mut s, layout.data_start, &blocks);
        s
    };
    let err = codec::decompress::<f32>(&patched(ErrorBound::PwRel(0.01), None)).expect_err("log quantizer");
    assert_eq!(err.kind(), ErrorKind::CorruptStream);
    assert!(err.message().contains("predictor 4"), "{err}");
    let err = codec::decompress::<f32>(&patched(ErrorBound::Abs(0.01), Some(2))).expect_err("version 2");
    assert_eq!(err.kind(), ErrorKind::CorruptStream);
    assert!(err.message().contains("predictor code 4"), "{err}");
    // the same patch in a version-3 linear stream decodes (the payload is then read as
    // closed-loop residuals: other values, no error)
    codec::decompress::<f32>(&patched(ErrorBound::Abs(0.01), None)).expect("valid in version 3");
}
