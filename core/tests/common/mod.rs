//! Helpers shared by the integration tests of plume-core.
//!
//! - [`check_bound`] / [`assert_within_bound`]: an error-bound checker written from the
//!   documented contract of each mode, *independent* of `plume_core::bound` (it never
//!   calls the library's own checks, margins or bound arithmetic).
//! - [`Rng`]: a tiny seeded PRNG (splitmix64) so every test input is reproducible.
//! - [`data_dir`] and loaders: the real fields of `shared/data`. A missing data directory
//!   is never skipped silently: it prints a loud warning and fails the test unless
//!   `PLUME_ALLOW_MISSING_DATA=1`.
//! - small n-D index helpers used to slice arrays in C or Fortran order.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use plume_core::{Element, ErrorBound, Order};

// ---------------------------------------------------------------------------------------
// Independent bound checker
// ---------------------------------------------------------------------------------------

/// Min and max (as f64) over the finite values, `None` when there is none.
pub fn finite_range<T: Element>(values: &[T]) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values {
        let x = v.to_f64();
        if x.is_finite() {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// PSNR in dB over the finite values: `20 log10(max - min) - 10 log10(mse)`, the mean
/// taken over the finite values only (non-finite ones must come back bit for bit and are
/// not part of the signal: counting them would inflate the PSNR of a field with a NaN
/// mask). Evaluated as `-10 log10(mean((e / range)^2))` on halved operands so that nothing
/// overflows, even for values near `f64::MAX`. `+inf` when the error is zero or there is
/// no finite value; `-inf` when the range is 0 and some error is not.
pub fn psnr_db<T: Element>(orig: &[T], dec: &[T]) -> f64 {
    let Some((lo, hi)) = finite_range(orig) else { return f64::INFINITY };
    let half_range = hi / 2.0 - lo / 2.0;
    let mut sum = 0.0f64;
    let mut n = 0usize;
    let mut any_error = false;
    for (a, b) in orig.iter().zip(dec) {
        let (x, y) = (a.to_f64(), b.to_f64());
        if x.is_finite() {
            n += 1;
            if x != y {
                any_error = true;
                let r = (x / 2.0 - y / 2.0) / half_range;
                sum += r * r;
            }
        }
    }
    if !any_error {
        return f64::INFINITY;
    }
    if half_range == 0.0 {
        return f64::NEG_INFINITY;
    }
    -10.0 * (sum / n as f64).log10()
}

/// `|diff| <= limit`; false when either is NaN (so a NaN never passes).
fn within(diff: f64, limit: f64) -> bool {
    diff.abs() <= limit
}

/// `value >= target`; false when either is NaN.
fn at_least(value: f64, target: f64) -> bool {
    value >= target
}

/// Checks `dec` against `orig` under `bound`, evaluated in f64:
///
/// - NaN/+-Inf in `orig`: the decoded bits equal the original bits;
/// - ABS `eb`: `|x - x'| <= eb`;
/// - REL `r`: `|x - x'| <= r * (max - min)`, range over the finite values;
/// - PW_REL `p`: `|x - x'| <= p |x|`; `x == 0` gives `x' == 0` with the same bits (the
///   library promises that `-0.0` keeps its sign bit); `sign(x') == sign(x)` otherwise;
/// - PSNR `t`: the PSNR of [`psnr_db`] is `>= t`.
///
/// Returns a message naming the first violating index and its values.
pub fn check_bound<T: Element>(orig: &[T], dec: &[T], bound: ErrorBound) -> Result<(), String> {
    if orig.len() != dec.len() {
        return Err(format!("length: {} values in, {} decoded", orig.len(), dec.len()));
    }
    let range = finite_range(orig).map_or(0.0, |(lo, hi)| hi - lo);
    let abs_eb = match bound {
        ErrorBound::Abs(eb) => Some(eb),
        ErrorBound::Rel(r) => Some(r * range),
        ErrorBound::PwRel(_) | ErrorBound::Psnr(_) => None,
        // a target ratio guarantees the absolute bound the encoder reports: check that
        // with `ErrorBound::Abs(report.abs_bound)`
        _ => return Err(format!("{bound:?}: check the absolute bound the encoder reported")),
    };
    for (i, (a, b)) in orig.iter().zip(dec).enumerate() {
        let (x, y) = (a.to_f64(), b.to_f64());
        let fail = |why: &str| {
            Err(format!(
                "index {i}: original {x:e} (bits {:#x}), decoded {y:e} (bits {:#x}), |diff| {:e}: {why} [{bound:?}, finite range {range:e}]",
                a.to_bits_u64(),
                b.to_bits_u64(),
                (x - y).abs()
            ))
        };
        if !x.is_finite() {
            if a.to_bits_u64() != b.to_bits_u64() {
                return fail("a NaN/Inf must come back bit for bit");
            }
            continue;
        }
        match bound {
            ErrorBound::Abs(_) | ErrorBound::Rel(_) => {
                let eb = abs_eb.unwrap_or(0.0);
                if !within(x - y, eb) {
                    return fail(&format!("exceeds the absolute bound {eb:e}"));
                }
            }
            ErrorBound::PwRel(p) => {
                if x == 0.0 {
                    if a.to_bits_u64() != b.to_bits_u64() {
                        return fail("an exact zero must stay exactly zero (same sign bit)");
                    }
                    continue;
                }
                if !within(x - y, p * x.abs()) {
                    return fail(&format!("exceeds the point-wise bound {p} * |x| = {:e}", p * x.abs()));
                }
                if y == 0.0 || (x < 0.0) != (y < 0.0) {
                    return fail("the sign of a nonzero value changed");
                }
            }
            _ => {
                if !y.is_finite() {
                    return fail("a finite value decoded to NaN/Inf");
                }
            }
        }
    }
    if let ErrorBound::Psnr(target) = bound {
        let achieved = psnr_db(orig, dec);
        if !at_least(achieved, target) {
            let (worst, wi) = orig
                .iter()
                .zip(dec)
                .enumerate()
                .filter(|(_, (a, _))| a.to_f64().is_finite())
                .map(|(i, (a, b))| ((a.to_f64() - b.to_f64()).abs(), i))
                .fold((0.0, 0), |m, e| if e.0 > m.0 { e } else { m });
            return Err(format!(
                "PSNR {achieved} dB < target {target} dB (finite range {range:e}; largest error {worst:e} at index {wi}: {:e} -> {:e})",
                orig[wi].to_f64(),
                dec[wi].to_f64()
            ));
        }
    }
    Ok(())
}

/// Panics with `context` and the first violation when `dec` misses `bound`.
#[track_caller]
pub fn assert_within_bound<T: Element>(orig: &[T], dec: &[T], bound: ErrorBound, context: &str) {
    if let Err(e) = check_bound(orig, dec, bound) {
        panic!("bound violated ({context}): {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------------------

/// splitmix64: tiny, seeded, good enough for test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Uniform in 0..n (n >= 1).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
}

// ---------------------------------------------------------------------------------------
// n-D indexing
// ---------------------------------------------------------------------------------------

/// Linear memory index of `idx` (field dims convention, slowest first for C order) in an
/// array of `dims` laid out in `order`.
pub fn linear_index(idx: &[usize], dims: &[usize], order: Order) -> usize {
    let mut lin = 0usize;
    match order {
        Order::C => {
            for (i, d) in idx.iter().zip(dims) {
                lin = lin * d + i;
            }
        }
        Order::Fortran => {
            for (i, d) in idx.iter().zip(dims).rev() {
                lin = lin * d + i;
            }
        }
    }
    lin
}

/// Every index tuple of a box of `extent`, in C order of the tuple (first axis slowest).
pub fn box_indices(extent: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = extent.iter().product();
    let mut out = Vec::with_capacity(n);
    for mut k in 0..n {
        let mut idx = vec![0; extent.len()];
        for a in (0..extent.len()).rev() {
            idx[a] = k % extent[a];
            k /= extent[a];
        }
        out.push(idx);
    }
    out
}

/// The sub-box `start`/`extent` of `values` (dims `dims`, order `order`), returned as an
/// array of that extent in the same order.
pub fn slice_box<T: Copy>(
    values: &[T],
    dims: &[usize],
    order: Order,
    start: &[usize],
    extent: &[usize],
) -> Vec<T> {
    let n: usize = extent.iter().product();
    let mut out: Vec<Option<T>> = vec![None; n];
    for idx in box_indices(extent) {
        let src: Vec<usize> = idx.iter().zip(start).map(|(i, s)| i + s).collect();
        out[linear_index(&idx, extent, order)] = Some(values[linear_index(&src, dims, order)]);
    }
    out.into_iter().map(|v| v.expect("every position of the box is filled")).collect()
}

// ---------------------------------------------------------------------------------------
// Stream surgery
// ---------------------------------------------------------------------------------------

/// Rewrites every block CRC of the block table and then the header CRC, so that a damaged
/// stream passes both checksums and its damage reaches the decoders behind them.
/// `data_start` and `blocks` (offset, len) come from the undamaged stream's layout
/// (`codec::inspect`); the table sits just before the 4-byte header CRC, 20 bytes an entry
/// (u64 offset, u64 len, u32 crc32), and the header CRC covers every byte before it.
pub fn fix_crcs(stream: &mut [u8], data_start: usize, blocks: &[(u64, u64)]) {
    if data_start > stream.len() || data_start < 4 + 20 * blocks.len() {
        return;
    }
    let table_at = data_start - 4 - 20 * blocks.len();
    for (i, &(off, len)) in blocks.iter().enumerate() {
        let from = (data_start as u64).saturating_add(off).min(stream.len() as u64) as usize;
        let to = (from as u64).saturating_add(len).min(stream.len() as u64) as usize;
        let crc = crc32fast::hash(&stream[from..to]);
        stream[table_at + 20 * i + 16..table_at + 20 * i + 20].copy_from_slice(&crc.to_le_bytes());
    }
    let crc = crc32fast::hash(&stream[..data_start - 4]);
    stream[data_start - 4..data_start].copy_from_slice(&crc.to_le_bytes());
}

// ---------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------

/// FNV-1a, 64 bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The values as little-endian bytes.
pub fn le_bytes<T: Element>(values: &[T]) -> Vec<u8> {
    let size = std::mem::size_of::<T>();
    values.iter().flat_map(|v| v.to_bits_u64().to_le_bytes()[..size].to_vec()).collect()
}

// ---------------------------------------------------------------------------------------
// Real test data
// ---------------------------------------------------------------------------------------

/// Default location of the real fields: `<repo>/../shared/data`.
pub const DEFAULT_DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data");

/// What to do about the data directory.
#[derive(Debug, Clone, PartialEq)]
pub enum DataDir {
    /// It exists: use it.
    Present(PathBuf),
    /// It is missing and `PLUME_ALLOW_MISSING_DATA=1`: skip, after a loud warning.
    MissingAllowed(String),
    /// It is missing: fail.
    Missing(String),
}

/// The policy, given the two environment variables' values; pure (no environment access,
/// no output) so that it can be tested.
pub fn resolve_data_dir(env_dir: Option<&str>, allow_missing: Option<&str>) -> DataDir {
    let dir = PathBuf::from(env_dir.filter(|s| !s.is_empty()).unwrap_or(DEFAULT_DATA_DIR));
    if dir.is_dir() {
        return DataDir::Present(dir);
    }
    let msg = format!(
        "test data directory {} does not exist (set PLUME_TEST_DATA to the directory of the real \
         fields, see shared/data/README.md)",
        dir.display()
    );
    if allow_missing == Some("1") {
        DataDir::MissingAllowed(msg)
    } else {
        DataDir::Missing(msg)
    }
}

/// The data directory from `PLUME_TEST_DATA` (default [`DEFAULT_DATA_DIR`]). When it is
/// missing: a loud warning on stderr, then a panic, or `None` (the caller skips) when
/// `PLUME_ALLOW_MISSING_DATA=1`.
pub fn data_dir() -> Option<PathBuf> {
    let env_dir = std::env::var("PLUME_TEST_DATA").ok();
    let allow = std::env::var("PLUME_ALLOW_MISSING_DATA").ok();
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a
    // skip must never be silent.
    let bar = "!".repeat(78);
    match resolve_data_dir(env_dir.as_deref(), allow.as_deref()) {
        DataDir::Present(dir) => Some(dir),
        DataDir::MissingAllowed(msg) => {
            let _ = writeln!(
                std::io::stderr(),
                "\n{bar}\n!!! WARNING: {msg}\n!!! PLUME_ALLOW_MISSING_DATA=1: the real-data tests are SKIPPED\n{bar}\n"
            );
            None
        }
        DataDir::Missing(msg) => {
            let _ = writeln!(
                std::io::stderr(),
                "\n{bar}\n!!! ERROR: {msg}\n!!! Set PLUME_ALLOW_MISSING_DATA=1 to skip the real-data tests on purpose.\n{bar}\n"
            );
            panic!("{msg}");
        }
    }
}

/// Reads a raw little-endian file of `T` values.
pub fn load_raw<T: Element>(path: &Path) -> Vec<T> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let size = std::mem::size_of::<T>();
    assert_eq!(
        bytes.len() % size,
        0,
        "{}: {} bytes is not a whole number of {size}-byte values",
        path.display(),
        bytes.len()
    );
    bytes
        .chunks_exact(size)
        .map(|c| {
            let mut raw = [0u8; 8];
            raw[..size].copy_from_slice(c);
            T::from_bits_u64(u64::from_le_bytes(raw))
        })
        .collect()
}
