//! Synthetic turbulent scalar fields for demos, tests and benchmarks
//! (`plume synth OUTPUT --dims 256,256,256 --seed N`).
//!
//! [`turbulent_scalar`] returns a field that looks like a passive scalar (a mixture fraction)
//! in a turbulent jet: values in `[0, 1]`, large nearly uniform regions of pure fuel (near 1)
//! and pure air (near 0), thin sharp mixing layers between them, and fine-scale structure that
//! lives in those layers only.
//!
//! # Method
//!
//! 1. **Spectrum.** Two independent real Gaussian random fields are synthesised at once in
//!    Fourier space: `r1`, the large-to-small-scale carrier, with the shell energy spectrum
//!    `E(k) ~ (k/k0)^4 / (1 + (k/k0)^2)^((4 - s)/2) * f_eta(k eta)`, i.e. `k^4` below the
//!    integral wavenumber `k0 = 2 pi / L`, `k^s` above it (`s` =
//!    [`SynthParams::spectral_slope`], -5/3 by default: the Obukhov-Corrsin inertial-convective
//!    range of a passive scalar), and Pope's exponential dissipation-range cut-off `f_eta`
//!    near `k = 1/eta`; and `r2`, the same spectrum high-passed at `4 k0` (the fine scales).
//!    Each mode gets the amplitude `sqrt(E(k) / k^(D-1))` (`D`: the number of axes longer than
//!    one) and a uniformly random phase. The spectrum is `R1 + i R2` with `R1`, `R2` Hermitian,
//!    so that one complex inverse FFT yields `r1` as its real part and `r2` as its imaginary
//!    part. Wavenumbers are in radians per cell on every axis, so the field is isotropic in
//!    cells and periodic on the box, whatever the dims.
//! 2. **Inverse FFT** with `rustfft` (its portable scalar planner), as successive 1-D
//!    transforms along each axis, lines in parallel with rayon.
//! 3. **Scalar map.** With `r1`, `r2` normalised to zero mean and unit variance,
//!    `g = r1 + i_m * exp(-r1^2) * r2` (small-scale intermittency: the fine scales are
//!    switched on where `r1` is near zero, i.e. in the mixing layers, and off in the uniform
//!    cores; `i_m` = [`SynthParams::intermittency`]), then
//!    `Z = 0.5 * (1 + tanh(a g))` (`a` = [`SynthParams::front_sharpness`]), computed as the
//!    logistic `1 / (1 + exp(-2 a g))` so that values near 0 keep their relative precision.
//!
//! # Determinism
//!
//! The random phase of every Fourier mode comes from a self-contained counter-based
//! SplitMix64 generator keyed by `(seed, mode index)`, so it does not depend on the order in
//! which threads visit the modes; every FFT line runs the same plan on the same data, and the
//! normalising statistics are reduced over fixed-size chunks in a fixed order. The output is
//! therefore bit-identical for a given `(dims, seed, params)` whatever the number of rayon
//! threads. The FFT uses rustfft's scalar (non-SIMD) algorithms and Rust never fuses
//! multiply-adds, so results also agree across platforms, up to the last-ulp behaviour of the
//! platform's `exp`/`powf`/`sin`/`cos` (which practically never reaches an f32 result).
//!
//! # Memory
//!
//! Peak memory is about 12 bytes per value, i.e. 3x the f32 output: the spectrum / field
//! buffer in `Complex<f32>` (8 bytes per value, freed before returning) plus the output
//! (4 bytes per value), plus a few MiB of per-thread line buffers. For 256^3 that is 134 MiB
//! of scratch next to the 67 MiB output.

use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlannerScalar};

use crate::error::{Error, Result};

pub mod jet_flame;
pub use jet_flame::{jet_flame, jet_flame_with, JetFlame, JetFlameParams};

/// Parameters of [`turbulent_scalar_with`]. [`SynthParams::default`] gives the documented
/// defaults, which [`turbulent_scalar`] uses.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthParams {
    /// Slope `s` of the energy spectrum `E(k) ~ k^s` beyond the integral wavenumber.
    /// Default `-5/3` (Kolmogorov / Obukhov-Corrsin). Must be finite and below 4.
    pub spectral_slope: f64,
    /// Integral (energy-containing) length scale `L` in cells; the spectrum peaks near
    /// `k0 = 2 pi / L` and rolls off as `k^4` below it. `0.0`, the default, means the largest
    /// dim / 4. Must be finite and non-negative.
    pub integral_scale_cells: f64,
    /// Dissipation (Kolmogorov-like) length scale `eta` in cells: the spectrum decays
    /// exponentially beyond `k ~ 1/eta`, so the field is smooth at grid scale as in a
    /// resolved DNS (lag-1 autocorrelation about 0.95 at 64^3, 0.98 at 256^3 with the other
    /// defaults). Default `1.5`; `0.0` disables the cut-off. Must be finite, non-negative.
    pub dissipation_scale_cells: f64,
    /// Front sharpness `a` in `Z = 0.5 (1 + tanh(a g))` for a unit-variance Gaussian `g`:
    /// larger values give thinner mixing layers and larger uniform regions. Default `2.0`.
    /// Must be finite and positive.
    pub front_sharpness: f64,
    /// Amplitude of the fine-scale field switched on in the mixing layers (small-scale
    /// intermittency), relative to the unit-variance carrier. Default `0.25`; `0.0` gives a
    /// plain mapped Gaussian field. Must be finite and non-negative.
    pub intermittency: f64,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            spectral_slope: -5.0 / 3.0,
            integral_scale_cells: 0.0,
            dissipation_scale_cells: 1.5,
            front_sharpness: 2.0,
            intermittency: 0.25,
        }
    }
}

/// A synthetic turbulent scalar (mixture-fraction-like, values in `[0, 1]`) of shape `dims`
/// (1 to 4 entries, C order: slowest axis first, any positive sizes) with the default
/// [`SynthParams`], deterministic for a given `(dims, seed)`. See the [module docs](self).
///
/// # Errors
/// `InvalidArgument` naming the dims if they are empty, have more than 4 entries, contain a
/// zero, or their value count overflows.
///
/// ```
/// let z = plume_core::synth::turbulent_scalar(&[8, 16, 12], 7).unwrap();
/// assert_eq!(z.len(), 8 * 16 * 12);
/// assert!(z.iter().all(|v| (0.0..=1.0).contains(v)));
/// ```
pub fn turbulent_scalar(dims: &[usize], seed: u64) -> Result<Vec<f32>> {
    turbulent_scalar_with(dims, seed, &SynthParams::default())
}

/// Like [`turbulent_scalar`], with explicit parameters.
///
/// # Errors
/// `InvalidArgument` naming the dims if they are empty, have more than 4 entries, contain a
/// zero, or their value count overflows; `InvalidArgument` naming the parameter if one of
/// `params` is out of its documented range.
pub fn turbulent_scalar_with(dims: &[usize], seed: u64, params: &SynthParams) -> Result<Vec<f32>> {
    let n = check_dims(dims)?;
    check_params(params)?;

    let shape = Spectrum::new(dims, params);
    let mut field = vec![Complex::new(0.0f32, 0.0); n];
    fill_spectrum(&mut field, dims, seed, &shape);
    inverse_fft_nd(&mut field, dims);

    let (m1, s1, m2, s2) = moments(&field);
    let scale = |s: f64| if s > 0.0 { 1.0 / s } else { 0.0 };
    let (k1, k2) = (scale(s1), scale(s2));
    let im = params.intermittency;
    let two_a = 2.0 * params.front_sharpness;
    let out = field
        .par_iter()
        .map(|c| {
            let r1 = (f64::from(c.re) - m1) * k1;
            let r2 = (f64::from(c.im) - m2) * k2;
            let g = r1 + im * (-r1 * r1).exp() * r2;
            // 0.5 (1 + tanh(a g)) as a logistic, so tiny values on the air side stay accurate.
            let z = 1.0 / (1.0 + (-two_a * g).exp());
            (z as f32).clamp(0.0, 1.0)
        })
        .collect();
    Ok(out)
}

/// Validates `dims` and returns the value count.
fn check_dims(dims: &[usize]) -> Result<usize> {
    if dims.is_empty() || dims.len() > 4 {
        return Err(Error::invalid(format!("synth: dims {dims:?} must have 1 to 4 entries")));
    }
    if dims.contains(&0) {
        return Err(Error::invalid(format!("synth: dims {dims:?} must all be positive")));
    }
    let max = isize::MAX as usize / std::mem::size_of::<Complex<f32>>();
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).filter(|&n| n <= max).ok_or_else(|| {
        Error::invalid(format!("synth: dims {dims:?}: the value count overflows the address space"))
    })
}

/// Validates `params` against their documented ranges.
fn check_params(p: &SynthParams) -> Result<()> {
    let bad = |name: &str, v: f64, want: &str| {
        Err(Error::invalid(format!("synth: parameter {name} = {v} must be {want}")))
    };
    if !(p.spectral_slope.is_finite() && p.spectral_slope < 4.0) {
        return bad("spectral_slope", p.spectral_slope, "finite and below 4");
    }
    if !(p.integral_scale_cells.is_finite() && p.integral_scale_cells >= 0.0) {
        return bad(
            "integral_scale_cells",
            p.integral_scale_cells,
            "finite and non-negative (0 = largest dim / 4)",
        );
    }
    if !(p.dissipation_scale_cells.is_finite() && p.dissipation_scale_cells >= 0.0) {
        return bad("dissipation_scale_cells", p.dissipation_scale_cells, "finite and non-negative");
    }
    if !(p.front_sharpness.is_finite() && p.front_sharpness > 0.0) {
        return bad("front_sharpness", p.front_sharpness, "finite and positive");
    }
    if !(p.intermittency.is_finite() && p.intermittency >= 0.0) {
        return bad("intermittency", p.intermittency, "finite and non-negative");
    }
    Ok(())
}

/// Pope's dissipation-range constants (Turbulent Flows, eq. 6.248).
const POPE_BETA: f64 = 5.2;
const POPE_C_ETA: f64 = 0.4;

/// The mode amplitudes as a function of the squared wavenumber (radians per cell).
#[derive(Debug, Clone, Copy)]
struct Spectrum {
    /// 1 / k0^2.
    inv_k0_sq: f64,
    /// (4 - s) / 4: `sqrt((1 + q^2)^(-(4 - s)/2))` = `(1 + q^2)^-roll`.
    roll: f64,
    /// (D - 1) / 4: `sqrt(k^-(D-1))` = `(k^2)^-shell`.
    shell: f64,
    /// eta^2 in cells^2.
    eta_sq: f64,
    /// 1 / (4 k0)^2, the high-pass corner of the fine-scale field.
    inv_ks_sq: f64,
}

impl Spectrum {
    fn new(dims: &[usize], p: &SynthParams) -> Self {
        let largest = dims.iter().copied().max().unwrap_or(1) as f64;
        let integral = if p.integral_scale_cells > 0.0 { p.integral_scale_cells } else { largest / 4.0 };
        let k0 = std::f64::consts::TAU / integral;
        let d_eff = dims.iter().filter(|&&d| d > 1).count().max(1);
        Spectrum {
            inv_k0_sq: 1.0 / (k0 * k0),
            roll: (4.0 - p.spectral_slope) / 4.0,
            shell: (d_eff as f64 - 1.0) / 4.0,
            eta_sq: p.dissipation_scale_cells * p.dissipation_scale_cells,
            inv_ks_sq: 1.0 / (16.0 * k0 * k0),
        }
    }

    /// Amplitudes `(a1, a2)` of the carrier and of the fine-scale field at `|k|^2 = k2`.
    fn amplitudes(&self, k2: f64) -> (f64, f64) {
        if k2 <= 0.0 {
            return (0.0, 0.0);
        }
        let q2 = k2 * self.inv_k0_sq;
        let energy_shape = q2 * (1.0 + q2).powf(-self.roll);
        let shell = if self.shell == 0.0 { 1.0 } else { k2.powf(-self.shell) };
        let dissipation = if self.eta_sq == 0.0 {
            1.0
        } else {
            let ke2 = k2 * self.eta_sq;
            let c4 = POPE_C_ETA.powi(4);
            (-0.5 * POPE_BETA * ((ke2 * ke2 + c4).sqrt().sqrt() - POPE_C_ETA)).exp()
        };
        let a1 = energy_shape * shell * dissipation;
        let s2 = k2 * self.inv_ks_sq;
        let high_pass = s2 / (1.0 + s2 * s2).sqrt();
        (a1, a1 * high_pass)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, portable, well-mixed 64-bit generator.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// The generator for Fourier mode `index` of the field with `seed`.
    fn for_mode(seed: u64, index: u64) -> Self {
        SplitMix64(mix64(seed ^ mix64(index.wrapping_mul(Self::GAMMA) ^ 0xD1B5_4A32_D192_ED03)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(Self::GAMMA);
        mix64(self.0)
    }

    /// A uniformly distributed point on the unit circle, `(cos t, sin t)`, by rejection
    /// sampling in the square: only `sqrt` and division, which are exact-rounded everywhere.
    fn unit_phasor(&mut self) -> (f64, f64) {
        loop {
            let u = self.next_u64();
            let x = ((u >> 32) as f64 + 0.5) * (2.0 / 4_294_967_296.0) - 1.0;
            let y = ((u & 0xFFFF_FFFF) as f64 + 0.5) * (2.0 / 4_294_967_296.0) - 1.0;
            let r2 = x * x + y * y;
            if r2 <= 1.0 && r2 > 1e-12 {
                let inv = 1.0 / r2.sqrt();
                return (x * inv, y * inv);
            }
        }
    }
}

/// The SplitMix64 output function (a bijective 64-bit mixer).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Squared wavenumbers (radians per cell) of the FFT bins of an axis of length `n`.
fn axis_k2(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let m = if i <= n / 2 { i as f64 } else { i as f64 - n as f64 };
            let k = std::f64::consts::TAU * m / n as f64;
            k * k
        })
        .collect()
}

/// Fills `buf` with the spectrum `R1 + i R2` (both Hermitian, random phases).
fn fill_spectrum(buf: &mut [Complex<f32>], dims: &[usize], seed: u64, shape: &Spectrum) {
    let d = dims.len();
    let last = dims[d - 1];
    let k2_tables: Vec<Vec<f64>> = dims.iter().map(|&n| axis_k2(n)).collect();
    buf.par_chunks_mut(last).enumerate().for_each(|(row, out)| {
        // Leading multi-index of this row, its squared wavenumber and mirrored row.
        let mut rem = row;
        let mut lead = [0usize; 4];
        for a in (0..d - 1).rev() {
            lead[a] = rem % dims[a];
            rem /= dims[a];
        }
        let mut k2_lead = 0.0;
        let mut mirror_row = 0usize;
        for a in 0..d - 1 {
            k2_lead += k2_tables[a][lead[a]];
            mirror_row = mirror_row * dims[a] + (dims[a] - lead[a]) % dims[a];
        }
        let k2_last = &k2_tables[d - 1];
        for (j, c) in out.iter_mut().enumerate() {
            let index = row * last + j;
            let mirror = mirror_row * last + (last - j) % last;
            let (a1, a2) = shape.amplitudes(k2_lead + k2_last[j]);
            let mut rng = SplitMix64::for_mode(seed, index.min(mirror) as u64);
            let (c1, mut s1) = rng.unit_phasor();
            let (c2, mut s2) = rng.unit_phasor();
            if index == mirror {
                // Self-conjugate mode: both coefficients must be real.
                s1 = 0.0;
                s2 = 0.0;
            } else if index > mirror {
                s1 = -s1;
                s2 = -s2;
            }
            // (a1 (c1 + i s1)) + i (a2 (c2 + i s2))
            *c = Complex::new((a1 * c1 - a2 * s2) as f32, (a1 * s1 + a2 * c2) as f32);
        }
    });
}

/// Complex values per batch of contiguous lines handed to one FFT call.
const LINE_BATCH: usize = 1 << 14;
/// Columns gathered together for a strided axis (16 x 8 bytes = two cache lines per row).
const COLUMN_GROUP: usize = 16;
/// Complex values in one wave of gathered columns when a strided axis has few blocks.
const WAVE: usize = 1 << 18;
/// At least this many independent blocks along a strided axis: parallelise over blocks.
const MIN_PARALLEL_BLOCKS: usize = 16;

/// In-place unnormalised inverse FFT of the C-order array `buf` of shape `dims`.
fn inverse_fft_nd(buf: &mut [Complex<f32>], dims: &[usize]) {
    let mut planner = FftPlannerScalar::<f32>::new();
    for (a, &n) in dims.iter().enumerate() {
        if n == 1 {
            continue;
        }
        let fft = planner.plan_fft_inverse(n);
        let stride: usize = dims[a + 1..].iter().product();
        if stride == 1 {
            fft_contiguous(buf, n, &fft);
        } else {
            fft_strided(buf, n, stride, &fft);
        }
    }
}

fn scratch_for(fft: &Arc<dyn Fft<f32>>) -> Vec<Complex<f32>> {
    vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()]
}

/// FFT along the last (contiguous) axis of length `n`.
fn fft_contiguous(buf: &mut [Complex<f32>], n: usize, fft: &Arc<dyn Fft<f32>>) {
    let lines = (LINE_BATCH / n).max(1);
    buf.par_chunks_mut(lines * n)
        .for_each_init(|| scratch_for(fft), |scratch, chunk| fft.process_with_scratch(chunk, scratch));
}

/// FFT along an axis of length `n` whose elements are `stride` apart.
fn fft_strided(buf: &mut [Complex<f32>], n: usize, stride: usize, fft: &Arc<dyn Fft<f32>>) {
    let block = n * stride;
    let blocks = buf.len() / block;
    if blocks >= MIN_PARALLEL_BLOCKS {
        buf.par_chunks_mut(block).for_each_init(
            || (vec![Complex::new(0.0, 0.0); n * COLUMN_GROUP], scratch_for(fft)),
            |(cols, scratch), blk| {
                for c0 in (0..stride).step_by(COLUMN_GROUP) {
                    let g = COLUMN_GROUP.min(stride - c0);
                    let cols = &mut cols[..g * n];
                    gather(blk, stride, c0, n, cols);
                    fft.process_with_scratch(cols, scratch);
                    for r in 0..n {
                        let row = &mut blk[r * stride + c0..r * stride + c0 + g];
                        for (j, v) in row.iter_mut().enumerate() {
                            *v = cols[j * n + r];
                        }
                    }
                }
            },
        );
        return;
    }
    // Few blocks: parallelise over column groups, a bounded wave of columns at a time.
    let wave_cols = ((WAVE / n) / COLUMN_GROUP * COLUMN_GROUP).max(COLUMN_GROUP).min(stride);
    let mut wave = vec![Complex::new(0.0, 0.0); n * wave_cols];
    for blk in buf.chunks_mut(block) {
        for c0 in (0..stride).step_by(wave_cols) {
            let w = wave_cols.min(stride - c0);
            let wave = &mut wave[..w * n];
            let src: &[Complex<f32>] = blk;
            wave.par_chunks_mut(COLUMN_GROUP * n).enumerate().for_each_init(
                || scratch_for(fft),
                |scratch, (gi, cols)| {
                    gather(src, stride, c0 + gi * COLUMN_GROUP, n, cols);
                    fft.process_with_scratch(cols, scratch);
                },
            );
            const ROWS: usize = 8;
            let wave: &[Complex<f32>] = wave;
            blk.par_chunks_mut(ROWS * stride).enumerate().for_each(|(ri, rows)| {
                let r0 = ri * ROWS;
                let nr = rows.len() / stride;
                for j in 0..w {
                    let col = &wave[j * n + r0..j * n + r0 + nr];
                    for (rr, &v) in col.iter().enumerate() {
                        rows[rr * stride + c0 + j] = v;
                    }
                }
            });
        }
    }
}

/// Copies columns `c0 ..` of the `n x stride` row-major block `src` into `cols`, one column
/// of `n` values after another (`cols.len() / n` columns).
fn gather(src: &[Complex<f32>], stride: usize, c0: usize, n: usize, cols: &mut [Complex<f32>]) {
    let g = cols.len() / n;
    for r in 0..n {
        let row = &src[r * stride + c0..r * stride + c0 + g];
        for (j, &v) in row.iter().enumerate() {
            cols[j * n + r] = v;
        }
    }
}

/// Mean and standard deviation of the real and of the imaginary parts, reduced over
/// fixed-size chunks in a fixed order (independent of the thread count).
fn moments(buf: &[Complex<f32>]) -> (f64, f64, f64, f64) {
    const CHUNK: usize = 1 << 16;
    let partial: Vec<[f64; 4]> = buf
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut s = [0.0f64; 4];
            for c in chunk {
                let (re, im) = (f64::from(c.re), f64::from(c.im));
                s[0] += re;
                s[1] += re * re;
                s[2] += im;
                s[3] += im * im;
            }
            s
        })
        .collect();
    let mut s = [0.0f64; 4];
    for p in &partial {
        for (acc, v) in s.iter_mut().zip(p) {
            *acc += v;
        }
    }
    let n = buf.len() as f64;
    let (m1, m2) = (s[0] / n, s[2] / n);
    let sd = |sq: f64, m: f64| (sq / n - m * m).max(0.0).sqrt();
    (m1, sd(s[1], m1), m2, sd(s[3], m2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lag1_autocorr(z: &[f32], dims: &[usize], axis: usize) -> f64 {
        let stride: usize = dims[axis + 1..].iter().product();
        let n = dims[axis];
        let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / z.len() as f64;
        let var = z.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / z.len() as f64;
        let (mut acc, mut count) = (0.0, 0usize);
        for (i, &v) in z.iter().enumerate() {
            if (i / stride) % n + 1 < n {
                acc += (f64::from(v) - mean) * (f64::from(z[i + stride]) - mean);
                count += 1;
            }
        }
        acc / count as f64 / var
    }

    fn std_dev(z: &[f32]) -> f64 {
        let n = z.len() as f64;
        let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        (z.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n).sqrt()
    }

    fn bytes(z: &[f32]) -> Vec<u8> {
        z.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn deterministic_per_seed() {
        let dims = [12, 20, 9];
        let a = turbulent_scalar(&dims, 42).expect("synth");
        let b = turbulent_scalar(&dims, 42).expect("synth");
        let c = turbulent_scalar(&dims, 43).expect("synth");
        assert_eq!(bytes(&a), bytes(&b));
        assert_ne!(bytes(&a), bytes(&c));
    }

    #[test]
    fn independent_of_thread_count() {
        let dims = [40, 33, 24];
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| turbulent_scalar(&dims, 9).expect("synth"))
        };
        let one = run(1);
        assert_eq!(bytes(&one), bytes(&run(3)));
        assert_eq!(bytes(&one), bytes(&run(4)));
    }

    #[test]
    fn values_finite_in_unit_interval() {
        for (dims, seed) in [(vec![64usize, 64], 1u64), (vec![16, 16, 16], 2), (vec![300], 3)] {
            let z = turbulent_scalar(&dims, seed).expect("synth");
            assert_eq!(z.len(), dims.iter().product::<usize>());
            assert!(z.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn correlated_yet_varied_3d() {
        let dims = [64, 64, 64];
        for seed in [1, 99] {
            let z = turbulent_scalar(&dims, seed).expect("synth");
            for axis in 0..3 {
                let r = lag1_autocorr(&z, &dims, axis);
                assert!(r > 0.9, "seed {seed} axis {axis}: lag-1 autocorrelation {r}");
            }
        }
        let z = turbulent_scalar(&dims, 2024).expect("synth");
        let sd = std_dev(&z);
        assert!(sd > 0.05, "std dev {sd}");
        // Mixture-fraction-like: sizeable nearly pure regions on both sides.
        let lo = z.iter().filter(|&&v| v < 0.05).count() as f64 / z.len() as f64;
        let hi = z.iter().filter(|&&v| v > 0.95).count() as f64 / z.len() as f64;
        assert!(lo > 0.05 && hi > 0.05, "near-pure fractions {lo} {hi}");
    }

    #[test]
    fn correlated_yet_varied_2d() {
        let dims = [96, 80];
        let z = turbulent_scalar(&dims, 5).expect("synth");
        for axis in 0..2 {
            let r = lag1_autocorr(&z, &dims, axis);
            assert!(r > 0.9, "axis {axis}: lag-1 autocorrelation {r}");
        }
        assert!(std_dev(&z) > 0.05);
    }

    #[test]
    fn odd_prime_and_unit_dims() {
        for dims in [
            vec![17usize, 1, 13],
            vec![1],
            vec![2],
            vec![7, 11],
            vec![3, 5, 7, 2],
            vec![1, 1, 1, 1],
            vec![31, 1],
        ] {
            let z = turbulent_scalar(&dims, 77).expect("synth");
            assert_eq!(z.len(), dims.iter().product::<usize>(), "{dims:?}");
            assert!(z.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        }
        let z = turbulent_scalar(&[17, 1, 13], 77).expect("synth");
        assert!(std_dev(&z) > 0.05);
    }

    #[test]
    fn strided_paths_agree_with_reference_dft() {
        // Both strided code paths (few blocks / many blocks) against a naive 3-D DFT.
        let dims = [5usize, 18, 3];
        let n: usize = dims.iter().product();
        let input: Vec<Complex<f32>> =
            (0..n).map(|i| Complex::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos())).collect();
        let mut fast = input.clone();
        inverse_fft_nd(&mut fast, &dims);
        for (x, got) in fast.iter().enumerate() {
            let xi = [x / 54, (x / 3) % 18, x % 3];
            let mut acc = Complex::new(0.0f64, 0.0);
            for (k, v) in input.iter().enumerate() {
                let ki = [k / 54, (k / 3) % 18, k % 3];
                let phase: f64 = (0..3).map(|a| (xi[a] * ki[a]) as f64 / dims[a] as f64).sum::<f64>()
                    * std::f64::consts::TAU;
                acc +=
                    Complex::new(f64::from(v.re), f64::from(v.im)) * Complex::new(phase.cos(), phase.sin());
            }
            assert!((f64::from(got.re) - acc.re).abs() < 1e-3, "{x}");
            assert!((f64::from(got.im) - acc.im).abs() < 1e-3, "{x}");
        }
        // The many-blocks path: 16+ blocks along axis 1.
        let dims = [20usize, 6, 4];
        let mut a: Vec<Complex<f32>> = (0..480).map(|i| Complex::new((i as f32 * 0.3).cos(), 0.0)).collect();
        let mut b = a.clone();
        inverse_fft_nd(&mut a, &dims);
        // Same transform, axis by axis, via the few-blocks path on each block.
        let mut planner = FftPlannerScalar::<f32>::new();
        fft_strided(&mut b, 20, 24, &planner.plan_fft_inverse(20));
        for blk in b.chunks_mut(24) {
            fft_strided(blk, 6, 4, &planner.plan_fft_inverse(6));
        }
        fft_contiguous(&mut b, 4, &planner.plan_fft_inverse(4));
        assert!(a == b, "strided paths disagree");
    }

    #[test]
    fn spectrum_is_two_hermitian_parts() {
        // F(k) = R1(k) + i R2(k) with R1, R2 Hermitian: R1(k) = (F(k) + conj F(-k)) / 2 must
        // have the carrier amplitude and R2(k) = (F(k) - conj F(-k)) / 2i the fine-scale one.
        let dims = [24usize, 9];
        let p = SynthParams::default();
        let shape = Spectrum::new(&dims, &p);
        let mut buf = vec![Complex::new(0.0f32, 0.0); 24 * 9];
        fill_spectrum(&mut buf, &dims, 3, &shape);
        let k2 = [axis_k2(24), axis_k2(9)];
        for i in 0..24 {
            for j in 0..9 {
                let f = buf[i * 9 + j];
                let g = buf[((24 - i) % 24) * 9 + (9 - j) % 9].conj();
                let r1 = (f + g) * 0.5;
                let r2 = (f - g) * Complex::new(0.0, -0.5);
                let (a1, a2) = shape.amplitudes(k2[0][i] + k2[1][j]);
                let self_conjugate = (24 - i) % 24 == i && (9 - j) % 9 == j;
                if self_conjugate {
                    assert!(r1.im == 0.0 && r2.im == 0.0);
                    assert!(f64::from(r1.re.abs()) <= a1 * 1.0001 + 1e-12);
                } else {
                    assert!((f64::from(r1.norm()) - a1).abs() <= 1e-5 * a1);
                    assert!((f64::from(r2.norm()) - a2).abs() <= 1e-5 * a1);
                }
            }
        }
    }

    #[test]
    fn params_change_the_field() {
        let dims = [32, 32];
        let base = turbulent_scalar(&dims, 1).expect("synth");
        let sharper = SynthParams { front_sharpness: 6.0, ..SynthParams::default() };
        let s = turbulent_scalar_with(&dims, 1, &sharper).expect("synth");
        assert_ne!(bytes(&base), bytes(&s));
        let fixed = SynthParams {
            integral_scale_cells: 8.0, // = 32 / 4, the default
            ..SynthParams::default()
        };
        let f = turbulent_scalar_with(&dims, 1, &fixed).expect("synth");
        assert_eq!(bytes(&base), bytes(&f));
    }

    #[test]
    fn invalid_dims_and_params() {
        let kind = crate::error::ErrorKind::InvalidArgument;
        for dims in [vec![], vec![2usize, 2, 2, 2, 2], vec![4, 0, 4], vec![usize::MAX, 2]] {
            let e = turbulent_scalar(&dims, 0).expect_err("must fail");
            assert_eq!(e.kind(), kind);
            assert!(e.message().contains(&format!("{dims:?}")), "{e}");
        }
        let e = turbulent_scalar(&[1 << 31, 1 << 31], 0).expect_err("must fail");
        assert_eq!(e.kind(), kind);
        for p in [
            SynthParams { spectral_slope: f64::NAN, ..SynthParams::default() },
            SynthParams { integral_scale_cells: -1.0, ..SynthParams::default() },
            SynthParams { dissipation_scale_cells: f64::INFINITY, ..SynthParams::default() },
            SynthParams { front_sharpness: 0.0, ..SynthParams::default() },
            SynthParams { intermittency: -0.5, ..SynthParams::default() },
        ] {
            let e = turbulent_scalar_with(&[4, 4], 0, &p).expect_err("must fail");
            assert_eq!(e.kind(), kind);
            assert!(e.message().contains("parameter"), "{e}");
        }
    }
}
