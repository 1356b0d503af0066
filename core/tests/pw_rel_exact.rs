//! The PW_REL quantizer's fast paths (reconstruction table, fast code) against a copy of
//! the exact definition it must reproduce bit for bit (the one the CUDA kernels carry):
//! codes, verdicts and reconstructions over random values of every magnitude, values at
//! and next to bin boundaries, and special values, for several bounds and lmin.

use plume_core::bound::within_pw_rel;
use plume_core::exact_math::{exp2, log2, round_half_away};
use plume_core::field::Element;
use plume_core::quantize::{LogQuantizer, Quantizer, Q_MAX};

/// The exact definition (the quantizer before its fast paths), verbatim.
struct Reference {
    rel_bound: f64,
    step: f64,
    lmin: f64,
    inv_step: f64,
}

impl Reference {
    fn new(rel_bound: f64, step: f64, lmin: f64) -> Self {
        let inv_step = if step > 0.0 && step.is_finite() { 1.0 / step } else { 0.0 };
        Reference { rel_bound, step, lmin, inv_step }
    }
    fn quantize<T: Element>(&self, x: T) -> (i32, bool) {
        let xf = x.to_f64();
        if xf == 0.0 {
            return (0, !xf.is_sign_negative());
        }
        let u = (log2(xf.abs()) - self.lmin) * self.inv_step;
        if !(u >= -0.5 && u < (Q_MAX - 1) as f64) {
            return (0, false);
        }
        let m = round_half_away(u) as i32 + 1;
        let code = if xf < 0.0 { -m } else { m };
        let rec = self.reconstruct::<T>(code).to_f64();
        if within_pw_rel(xf, rec, self.rel_bound) {
            (code, true)
        } else {
            (0, false)
        }
    }
    fn reconstruct<T: Element>(&self, code: i32) -> T {
        if code == 0 {
            return T::from_f64(0.0);
        }
        let m = code.unsigned_abs() as f64;
        let a = exp2(self.lmin + (m - 1.0) * self.step);
        T::from_f64(if code < 0 { -a } else { a })
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// f64 test values for one quantizer: random bit patterns (every magnitude, subnormals,
/// NaN, Inf), log-uniform values over and around the code range, bin boundaries
/// `exp2(lmin + (m - 0.5) step)` with their neighbours, and special values.
fn values(rng: &mut Rng, step: f64, lmin: f64, n: usize) -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        -f64::MAX,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        -f64::from_bits(1),
        f32::MAX as f64,
        -(f32::MAX as f64),
        f32::MIN_POSITIVE as f64,
        f32::from_bits(1) as f64,
        1.0,
        -1.0,
    ];
    let span = if step > 0.0 { ((Q_MAX as f64) * step).min(2200.0) } else { 10.0 };
    for _ in 0..n {
        let sign = if rng.next() & 1 == 0 { 1.0 } else { -1.0 };
        v.push(f64::from_bits(rng.next()));
        v.push(f32::from_bits(rng.next() as u32) as f64);
        // log-uniform from a little below lmin over the whole code range
        let l = lmin - 3.0 * step + rng.unit() * span;
        v.push(sign * exp2(l));
        // near lmin, where most real codes are small
        v.push(sign * exp2(lmin + rng.unit() * 4000.0 * step));
        // bin boundaries at small and large codes, and their neighbours
        let m =
            if rng.next() & 1 == 0 { 1 + rng.next() % 5000 } else { 1 + rng.next() % (Q_MAX as u64) } as f64;
        let b = exp2(lmin + (m - 0.5) * step);
        let bf = b as f32;
        v.extend([b, b.next_up(), b.next_down(), sign * b]);
        v.extend([bf, bf.next_up(), bf.next_down()].map(|f| sign * f as f64));
    }
    v
}

fn check(p: f64, step: f64, lmin: f64, rng: &mut Rng, n: usize) {
    let fast = LogQuantizer::from_stream(p, step, lmin);
    let exact = Reference::new(p, step, lmin);
    let vals = values(rng, step, lmin, n);
    // twice: the first pass mostly before the table's pages are built, the second after
    for pass in 0..2 {
        for &x in &vals {
            let (a, b) = (fast.quantize(x), exact.quantize(x));
            assert_eq!(a, b, "f64 {x:e} ({:#x}) p {p} step {step} lmin {lmin} pass {pass}", x.to_bits());
            let xf = x as f32;
            let (a, b) = (fast.quantize(xf), exact.quantize(xf));
            assert_eq!(a, b, "f32 {xf:e} ({:#x}) p {p} step {step} lmin {lmin} pass {pass}", xf.to_bits());
            let c = b.0;
            assert_eq!(
                fast.reconstruct::<f64>(c).to_bits(),
                exact.reconstruct::<f64>(c).to_bits(),
                "code {c}"
            );
            assert_eq!(
                fast.reconstruct::<f32>(c).to_bits(),
                exact.reconstruct::<f32>(c).to_bits(),
                "code {c}"
            );
        }
        // dense small codes (built pages), the table's edge, and codes no encoder emits
        let t = LogQuantizer::TABLE_CODES as i32;
        let edge = (1..3000).chain(t - 600..t + 600).chain([Q_MAX - 1, Q_MAX, Q_MAX + 1, i32::MAX, i32::MIN]);
        for c in edge.flat_map(|c| [c, c.wrapping_neg()]) {
            assert_eq!(
                fast.reconstruct::<f64>(c).to_bits(),
                exact.reconstruct::<f64>(c).to_bits(),
                "code {c}"
            );
            assert_eq!(
                fast.reconstruct::<f32>(c).to_bits(),
                exact.reconstruct::<f32>(c).to_bits(),
                "code {c}"
            );
        }
    }
}

#[test]
fn fast_paths_match_the_exact_definition() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for p in [1e-6, 1e-4, 1e-2, 0.1, 0.4, 0.9] {
        // lmin as the encoder computes it, from field minima of every magnitude
        for min_abs in [
            f64::from_bits(1),
            1e-300,
            f32::from_bits(1) as f64,
            1e-30,
            1.4e-15,
            1e-7,
            0.05,
            1.0,
            300.0,
            1e30,
        ] {
            let q = LogQuantizer::new(p, min_abs);
            check(p, q.step(), q.lmin(), &mut rng, 20000);
        }
    }
}

#[test]
fn odd_stream_parameters_match_the_exact_definition() {
    let mut rng = Rng(42);
    let step = 2.0 * log2(1.01);
    for lmin in [0.0, -1074.0, 1023.5, -3000.0, 5000.0, 1e300, f64::NAN, f64::INFINITY] {
        check(0.01, step, lmin, &mut rng, 300);
    }
    for (p, step) in [
        (0.01, 0.0),
        (0.01, -1.0),
        (0.01, f64::NAN),
        (0.01, 1e-12),
        (1e-9, 2.0 * log2(1.0 + 1e-9)),
        (0.99, 50.0),
    ] {
        check(p, step, -20.0, &mut rng, 300);
    }
}
