//! Windowed structural similarity (SSIM) of a decompressed field against its original.
//!
//! The field is read as it lies in memory, through its storage dims (slowest first):
//! a 1-D field uses windows of `w` values, a 2-D field `w x w`, a 3-D field `w x w x w`,
//! and a 4-D field is a stack of 3-D volumes over its slowest axis, windowed volume by
//! volume. Along an axis shorter than `w` the window shrinks to the axis length.
//!
//! Windows do not overlap: along an axis of length `d` with window extent `k` they start at
//! `0, k, 2k, ...` (like QCAT's and SZ's `ssim` with shift = window), plus, when `k` does not
//! divide `d`, one last window flush with the end (`d - k`) so that every value lies in
//! at least one window.
//!
//! Per window, with means `mu`, population variances `var` (divided by the window's value
//! count) and covariance `cov`:
//! `ssim = (2 mu_x mu_y + C1)(2 cov + C2) / ((mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2))`,
//! `C1 = (0.01 L)^2`, `C2 = (0.03 L)^2`, `L` the range (max - min) of the finite original
//! values. The result is the mean over windows, in f64.

use std::ops::Range;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::field::{Element, FieldView};

/// The window width [`super::compare`] uses, as in SZ and QCAT.
pub const DEFAULT_SSIM_WINDOW: usize = 7;

/// SSIM's luminance constant factor: `C1 = (K1 L)^2`.
const K1: f64 = 0.01;
/// SSIM's contrast constant factor: `C2 = (K2 L)^2`.
const K2: f64 = 0.03;
/// Windows per parallel task (fixed, so the sum order does not depend on threads).
const WINDOWS_PER_TASK: usize = 512;
/// Values per task of the range scan.
const SCAN_CHUNK_VALUES: usize = 1 << 15;

/// Mean windowed SSIM of `decompressed` against `original`, with windows `window` values
/// wide along each axis (see the module docs for the window layout and the constants).
///
/// Takes the original field (its shape gives the storage dims), the decompressed values
/// in the same memory order, and the window width (use [`DEFAULT_SSIM_WINDOW`] for SZ's
/// and QCAT's 7).
///
/// Returns a value in `[-1, 1]`, exactly 1 for identical data. Non-finite values:
/// windows holding a NaN or infinite *original* value are skipped; if any finite original
/// value was decompressed to NaN or infinity the result is NaN. It is NaN too when no
/// window remains (empty field, or every window skipped). When the original is constant
/// (`L = 0`, so `C1 = C2 = 0`), a window whose formula is 0/0 scores 1 when its
/// decompressed values equal the original values exactly and 0 otherwise. The result
/// does not depend on the number of rayon threads.
///
/// Fails with `InvalidArgument` when `decompressed` and the field hold different numbers
/// of values, or when `window` is 0.
pub fn ssim<T: Element>(original: FieldView<'_, T>, decompressed: &[T], window: usize) -> Result<f64> {
    let x = original.values();
    super::check_same_len(x.len(), decompressed.len())?;
    if window == 0 {
        return Err(Error::invalid("SSIM window width is 0: it must be at least 1"));
    }
    let scan = scan_range(x, decompressed);
    if scan.n_broken > 0 || scan.min > scan.max {
        return Ok(f64::NAN);
    }
    let dims = original.shape().storage_dims();
    Ok(windowed_ssim(x, decompressed, &dims, window, scan.max - scan.min))
}

/// Extremes of the finite original values and the count of finite originals decompressed
/// to a non-finite value.
#[derive(Debug, Clone, Copy)]
struct RangeScan {
    min: f64,
    max: f64,
    n_broken: u64,
}

impl RangeScan {
    const EMPTY: RangeScan = RangeScan { min: f64::INFINITY, max: f64::NEG_INFINITY, n_broken: 0 };

    fn merge(self, other: RangeScan) -> RangeScan {
        RangeScan {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            n_broken: self.n_broken + other.n_broken,
        }
    }
}

fn scan_range<T: Element>(original: &[T], decompressed: &[T]) -> RangeScan {
    original
        .par_chunks(SCAN_CHUNK_VALUES)
        .zip(decompressed.par_chunks(SCAN_CHUNK_VALUES))
        .map(|(xs, ys)| {
            let mut s = RangeScan::EMPTY;
            for (&x, &y) in xs.iter().zip(ys) {
                let (x, y) = (x.to_f64(), y.to_f64());
                if x.is_finite() {
                    s.min = s.min.min(x);
                    s.max = s.max.max(x);
                    if !y.is_finite() {
                        s.n_broken += 1;
                    }
                }
            }
            s
        })
        // min, max and integer sums are exact in any order
        .reduce(|| RangeScan::EMPTY, RangeScan::merge)
}

/// Mean windowed SSIM over the storage dims `dims` with the value range `value_range`
/// already known. Lengths must match (the caller checks); NaN when `dims` does not
/// describe `original.len()` values in 1 to 4 dims, or when no window is usable.
pub(crate) fn windowed_ssim<T: Element>(
    original: &[T],
    decompressed: &[T],
    dims: &[usize],
    window: usize,
    value_range: f64,
) -> f64 {
    let grid = match WindowGrid::new(dims, window) {
        Some(g) if g.n_values() == original.len() && original.len() == decompressed.len() => g,
        _ => return f64::NAN,
    };
    let c1 = (K1 * value_range) * (K1 * value_range);
    let c2 = (K2 * value_range) * (K2 * value_range);
    let n_windows = grid.n_windows();
    let n_tasks = n_windows.div_ceil(WINDOWS_PER_TASK);
    let partials: Vec<(f64, u64)> = (0..n_tasks)
        .into_par_iter()
        .map(|task| {
            let first = task * WINDOWS_PER_TASK;
            let last = (first + WINDOWS_PER_TASK).min(n_windows);
            let mut sum = 0.0;
            let mut count = 0u64;
            for w in first..last {
                if let Some(s) = window_ssim(original, decompressed, &grid, w, c1, c2) {
                    sum += s;
                    count += 1;
                }
            }
            (sum, count)
        })
        .collect();
    // Fixed, sequential combination order: deterministic for any thread count.
    let (sum, count) = partials.iter().fold((0.0, 0u64), |(s, c), &(ps, pc)| (s + ps, c + pc));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// SSIM of window number `w`: `None` when the window holds a non-finite original value,
/// NaN when it holds a non-finite decompressed value at a finite original value.
fn window_ssim<T: Element>(
    original: &[T],
    decompressed: &[T],
    grid: &WindowGrid,
    w: usize,
    c1: f64,
    c2: f64,
) -> Option<f64> {
    let rows = grid.window_rows(w);
    let mut sum_x = 0.0;
    let mut sum_y = 0.0;
    let mut broken = false;
    for row in rows.clone() {
        for (&x, &y) in original[row.clone()].iter().zip(&decompressed[row]) {
            let (x, y) = (x.to_f64(), y.to_f64());
            if !x.is_finite() {
                return None;
            }
            broken |= !y.is_finite();
            sum_x += x;
            sum_y += y;
        }
    }
    if broken {
        return Some(f64::NAN);
    }
    let n = grid.window_len() as f64;
    let (mu_x, mu_y) = (sum_x / n, sum_y / n);
    let (mut var_x, mut var_y, mut cov) = (0.0, 0.0, 0.0);
    for row in rows.clone() {
        for (&x, &y) in original[row.clone()].iter().zip(&decompressed[row]) {
            let (dx, dy) = (x.to_f64() - mu_x, y.to_f64() - mu_y);
            var_x += dx * dx;
            var_y += dy * dy;
            cov += dx * dy;
        }
    }
    let (var_x, var_y, cov) = (var_x / n, var_y / n, cov / n);
    let numerator = (2.0 * mu_x * mu_y + c1) * (2.0 * cov + c2);
    let denominator = (mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2);
    if denominator != 0.0 {
        return Some(numerator / denominator);
    }
    // Only reachable with C1 = C2 = 0 (constant original): 0/0, decided by exact equality.
    let equal = rows.into_iter().all(|row| original[row.clone()] == decompressed[row]);
    Some(if equal { 1.0 } else { 0.0 })
}

/// The windows over a stack of 3-D volumes (1-, 2- and 3-D fields are one volume padded
/// with leading unit axes).
#[derive(Debug, Clone, Copy)]
struct WindowGrid {
    /// Number of volumes (the slowest axis of a 4-D field, else 1).
    n_volumes: usize,
    /// Volume extents, slowest first.
    dims: [usize; 3],
    /// Window extents, slowest first: `min(window, dim)`.
    size: [usize; 3],
    /// Windows per axis.
    counts: [usize; 3],
}

impl WindowGrid {
    /// The grid for 1 to 4 storage dims (slowest first); `None` for any other count.
    fn new(storage_dims: &[usize], window: usize) -> Option<WindowGrid> {
        if storage_dims.is_empty() || storage_dims.len() > 4 || window == 0 {
            return None;
        }
        let mut padded = [1usize; 4];
        padded[4 - storage_dims.len()..].copy_from_slice(storage_dims);
        let dims = [padded[1], padded[2], padded[3]];
        let size = dims.map(|d| window.min(d));
        let mut counts = [0usize; 3];
        for axis in 0..3 {
            counts[axis] = if size[axis] == 0 { 0 } else { dims[axis].div_ceil(size[axis]) };
        }
        Some(WindowGrid { n_volumes: padded[0], dims, size, counts })
    }

    /// Values the grid covers (saturating: a mismatch is then detected by the caller).
    fn n_values(&self) -> usize {
        self.dims.iter().fold(self.n_volumes, |acc, &d| acc.saturating_mul(d))
    }

    /// Number of windows over all volumes.
    fn n_windows(&self) -> usize {
        self.counts.iter().fold(self.n_volumes, |acc, &c| acc.saturating_mul(c))
    }

    /// Values in one window.
    fn window_len(&self) -> usize {
        self.size.iter().product()
    }

    /// Start of window `j` along `axis`: `j * size`, or flush with the end for the tail.
    fn start(&self, axis: usize, j: usize) -> usize {
        (j * self.size[axis]).min(self.dims[axis] - self.size[axis])
    }

    /// The memory ranges (one per innermost row) of window `w`, windows numbered in
    /// memory order of their origins (volume, then slowest axis to fastest).
    fn window_rows(&self, w: usize) -> WindowRows {
        let [cz, cy, cx] = self.counts;
        let jx = w % cx;
        let jy = (w / cx) % cy;
        let jz = (w / (cx * cy)) % cz;
        let volume = w / (cx * cy * cz);
        let [nz, ny, nx] = self.dims;
        WindowRows {
            base: volume * nz * ny * nx,
            origin: [self.start(0, jz), self.start(1, jy), self.start(2, jx)],
            size: self.size,
            row_len: [ny, nx],
            next: 0,
        }
    }
}

/// Iterator over the rows of one window, as index ranges into the field's values.
#[derive(Debug, Clone)]
struct WindowRows {
    base: usize,
    origin: [usize; 3],
    size: [usize; 3],
    /// Volume extents of the two fastest axes.
    row_len: [usize; 2],
    /// Next row number, `0..size[0] * size[1]`.
    next: usize,
}

impl Iterator for WindowRows {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.next >= self.size[0] * self.size[1] {
            return None;
        }
        let z = self.origin[0] + self.next / self.size[1];
        let y = self.origin[1] + self.next % self.size[1];
        self.next += 1;
        let [ny, nx] = self.row_len;
        let start = self.base + (z * ny + y) * nx + self.origin[2];
        Some(start..start + self.size[2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::field::{Order, Shape};

    fn smooth(dims: &[usize]) -> Vec<f32> {
        let n: usize = dims.iter().product();
        (0..n).map(|i| ((i as f32) * 0.05).sin() * 10.0 + (i as f32 * 0.013).cos()).collect()
    }

    /// A deterministic pseudo-random perturbation in [-amplitude, amplitude].
    fn noisy(values: &[f32], amplitude: f32) -> Vec<f32> {
        let mut state: u32 = 12345;
        values
            .iter()
            .map(|&v| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let unit = (state >> 8) as f32 / (1u32 << 24) as f32; // [0, 1)
                v + amplitude * (2.0 * unit - 1.0)
            })
            .collect()
    }

    #[test]
    fn identical_is_exactly_one_in_every_rank() -> Result<()> {
        for dims in [&[100][..], &[20, 30], &[9, 10, 11], &[3, 8, 9, 10]] {
            let shape = Shape::new(dims, Order::C)?;
            let x = smooth(dims);
            let field = FieldView::new(&x, &shape)?;
            assert_eq!(ssim(field, &x, DEFAULT_SSIM_WINDOW)?, 1.0, "dims {dims:?}");
        }
        Ok(())
    }

    #[test]
    fn noise_lowers_ssim_more_as_it_grows() -> Result<()> {
        let dims = [20, 21, 22];
        let shape = Shape::new(&dims, Order::C)?;
        let x = smooth(&dims);
        let field = FieldView::new(&x, &shape)?;
        let small = ssim(field, &noisy(&x, 0.01), 7)?;
        let large = ssim(field, &noisy(&x, 1.0), 7)?;
        assert!(small < 1.0 && large < small, "small {small}, large {large}");
        assert!(large > -1.0);
        Ok(())
    }

    #[test]
    fn window_layout_covers_the_tail_and_shrinks_to_short_axes() {
        let grid = WindowGrid::new(&[2, 16], 7);
        let Some(grid) = grid else {
            panic!("a 2-D grid must build");
        };
        assert_eq!(grid.size, [1, 2, 7]);
        assert_eq!(grid.counts, [1, 1, 3]);
        assert_eq!(grid.n_windows(), 3);
        let starts: Vec<usize> = (0..3).map(|j| grid.start(2, j)).collect();
        assert_eq!(starts, [0, 7, 9]);
        let rows: Vec<_> = grid.window_rows(2).collect();
        assert_eq!(rows, [9..16, 25..32]);
        assert!(WindowGrid::new(&[], 7).is_none());
        assert!(WindowGrid::new(&[1, 1, 1, 1, 1], 7).is_none());
    }

    #[test]
    fn four_d_is_a_stack_of_volumes() -> Result<()> {
        // Two identical volumes, the second perturbed: the 4-D SSIM is the mean of the two
        // 3-D SSIMs (same window counts per volume).
        let vol = [8, 9, 10];
        let x1 = smooth(&vol);
        let y1 = noisy(&x1, 0.5);
        let shape3 = Shape::new(&vol, Order::C)?;
        let mut x = x1.clone();
        x.extend_from_slice(&x1);
        let mut y = x1.clone();
        y.extend_from_slice(&y1);
        let shape4 = Shape::new(&[2, 8, 9, 10], Order::C)?;
        let s4 = ssim(FieldView::new(&x, &shape4)?, &y, 7)?;
        let s3 = ssim(FieldView::new(&x1, &shape3)?, &y1, 7)?;
        assert!((s4 - (1.0 + s3) / 2.0).abs() < 1e-12, "s4 {s4}, s3 {s3}");
        Ok(())
    }

    #[test]
    fn fortran_order_uses_the_storage_dims() -> Result<()> {
        let x = smooth(&[12, 20]);
        let y = noisy(&x, 0.3);
        let c = Shape::new(&[12, 20], Order::C)?;
        let f = Shape::new(&[20, 12], Order::Fortran)?;
        let sc = ssim(FieldView::new(&x, &c)?, &y, 7)?;
        let sf = ssim(FieldView::new(&x, &f)?, &y, 7)?;
        assert_eq!(sc.to_bits(), sf.to_bits());
        Ok(())
    }

    #[test]
    fn non_finite_values_and_edge_cases() -> Result<()> {
        let shape = Shape::new(&[14], Order::C)?;
        let mut x: Vec<f64> = (0..14).map(f64::from).collect();
        let mut y = x.clone();
        y[10] += 0.5;
        x[1] = f64::NAN;
        y[1] = f64::NAN;
        // first window skipped (NaN original), second one perturbed
        let s = ssim(FieldView::new(&x, &shape)?, &y, 7)?;
        assert!(s < 1.0 && s > 0.0);
        y[5] = f64::INFINITY; // finite original decompressed to infinity
        assert!(ssim(FieldView::new(&x, &shape)?, &y, 7)?.is_nan());

        let constant = vec![3.0f64; 14];
        let field = FieldView::new(&constant, &shape)?;
        assert_eq!(ssim(field, &constant, 7)?, 1.0);
        let mut off = constant.clone();
        off[0] = 3.5;
        assert_eq!(ssim(field, &off, 7)?, 0.5);

        let empty_shape = Shape::new(&[0, 5], Order::C)?;
        let empty: Vec<f64> = Vec::new();
        assert!(ssim(FieldView::new(&empty, &empty_shape)?, &empty, 7)?.is_nan());
        Ok(())
    }

    #[test]
    fn bad_arguments_fail() -> Result<()> {
        let shape = Shape::new(&[4], Order::C)?;
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let field = FieldView::new(&x, &shape)?;
        let e = ssim(field, &x[..3], 7).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::InvalidArgument));
        let e = ssim(field, &x, 0).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::InvalidArgument));
        Ok(())
    }
}
