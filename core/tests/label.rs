//! Integration tests of the flame-regime labeler: physical validation on a freely
//! propagating premixed H2/air flame and a counterflow H2-N2 vs air diffusion flame
//! (analytic profiles with the right gradient directions), one test per rule and
//! threshold, subdomains with ghost layers against the whole field, dtype and order
//! independence, label error, the lossless label stream, and the jet-flame generator.

use plume_core::label::*;
use plume_core::synth::jet_flame;
use plume_core::{ErrorKind, Order, Shape};

/// `2 W_H2 / W_O2`: kilograms of H2 burnt with one of O2.
const S: f64 = 2.0 * 2.016 / 31.998;
const Y_H2_FUEL: f64 = 0.11789;
const Y_O2_AIR: f64 = 0.233;

/// Species of the frozen mixture at `z` burnt to the extent `c * lambda(z)` (oxygen mass),
/// `lambda` the complete-combustion extent softened by `leak` (reactant leakage).
fn burn(z: f64, c: f64, leak: f64) -> (f64, f64, f64) {
    let (a_o, a_f) = ((1.0 - z) * Y_O2_AIR, z * Y_H2_FUEL / S);
    let lambda = (0.5 * (a_o + a_f - ((a_o - a_f).powi(2) + leak * leak).sqrt())).max(0.0);
    let burnt = c * lambda;
    (z * Y_H2_FUEL - S * burnt, a_o - burnt, (1.0 + S) * burnt)
}

fn label_1d(
    x: &[f64],
    fields: &[(f64, f64, f64, f64)], // (Y_H2, Y_O2, Y_H2O, Z)
    params: &LabelParams,
) -> Vec<u8> {
    let shape = Shape::new(&[x.len()], Order::C).expect("shape");
    let h2: Vec<f64> = fields.iter().map(|f| f.0).collect();
    let o2: Vec<f64> = fields.iter().map(|f| f.1).collect();
    let h2o: Vec<f64> = fields.iter().map(|f| f.2).collect();
    let z: Vec<f64> = fields.iter().map(|f| f.3).collect();
    let sp = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
    let grid = LabelGrid::new(&shape).with_coords(0, x);
    label_field(&sp, &ZInput::Supplied(&z), &grid, params).expect("label").values
}

#[test]
fn premixed_flame_is_premixed_in_its_reaction_zone() {
    // A freely propagating lean-to-rich set of H2/air flames (equivalence ratios 0.5 to 2,
    // i.e. Z from 0.11 to 0.33) on a stretched grid in metres: 0.4 mm thick, reactants on
    // the left, products on the right. Fuel and oxidizer both fall toward the products.
    for z_u in [0.11, 0.199, 0.33] {
        let n = 241;
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let u = i as f64 / (n - 1) as f64 - 0.5;
                4e-3 * (u + 0.3 * u * u * u) // clustered at the flame
            })
            .collect();
        let delta = 0.2e-3;
        let c: Vec<f64> = x.iter().map(|&x| 0.5 * (1.0 + (x / delta).tanh())).collect();
        let fields: Vec<_> = c
            .iter()
            .map(|&c| {
                let (h2, o2, h2o) = burn(z_u, c, 0.0);
                (h2, o2, h2o, z_u)
            })
            .collect();
        let labels = label_1d(&x, &fields, &LabelParams::default());
        // Reaction zone: heat release ~ dc/dx above a tenth of its peak, i.e. |x| < 1.8 delta.
        let mut n_zone = 0;
        for (i, &xi) in x.iter().enumerate() {
            if xi.abs() < 1.8 * delta && fields[i].2 >= 0.1 * 0.21 {
                n_zone += 1;
                assert_eq!(labels[i], Class::PremixedFlame.id(), "Z_u {z_u}: x = {xi} labeled {}", labels[i]);
            }
            if c[i] < 1e-3 {
                assert_eq!(labels[i], Class::UnburnedMixture.id(), "Z_u {z_u}: reactants at x = {xi}");
            }
        }
        assert!(n_zone > 20, "Z_u {z_u}: {n_zone} reaction-zone cells");
    }
}

#[test]
fn counterflow_diffusion_flame_is_non_premixed() {
    // H2-N2 from the left (Z = 1), air from the right (Z = 0), burning near Z_st with
    // finite-rate leakage: Y_H2 falls and Y_O2 rises across the flame, FI = -1.
    let n = 401;
    let x: Vec<f64> = (0..n).map(|i| -10e-3 + 20e-3 * i as f64 / (n - 1) as f64).collect();
    let width = 1.5e-3;
    let fields: Vec<_> = x
        .iter()
        .map(|&x| {
            let z = 0.5 * (1.0 - (x / width).tanh());
            let (h2, o2, h2o) = burn(z, 1.0, 0.02);
            (h2, o2, h2o, z)
        })
        .collect();
    // A guard far above round-off: FI must be defined (both gradients present) and negative.
    let params = LabelParams { fi_grad_min: 1e-3, ..LabelParams::default() }; // per metre
    let labels = label_1d(&x, &fields, &params);
    let z_st = Bilger::default().z_stoich();
    let mut n_flame = 0;
    for (i, l) in labels.iter().enumerate() {
        assert_ne!(*l, Class::PremixedFlame.id(), "x = {}: premixed in a diffusion flame", x[i]);
        let (h2, o2, h2o, z) = fields[i];
        if (z - z_st).abs() < 0.05 {
            assert!(h2 > 1e-4 && o2 > 1e-4, "leakage at Z_st");
            assert_eq!(*l, Class::NonPremixedFlame.id(), "x = {}: Z {z} labeled {l}", x[i]);
        }
        if h2o >= 0.021 {
            n_flame += 1;
        }
    }
    assert!(n_flame > 20);
    assert_eq!(labels[0], Class::PureFuel.id());
    assert_eq!(labels[n - 1], Class::PureAir.id());
}

/// A 2-D field of `f(i, j)` values (dims `[n, n]`, C order).
fn plane(n: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    (0..n * n).map(|k| f((k / n) as f64, (k % n) as f64)).collect()
}

/// Labels of the centre cell of a 5x5 patch with the given linear fields.
fn centre_label(h2: &[f64], o2: &[f64], h2o: &[f64], z: f64, params: &LabelParams) -> u8 {
    let shape = Shape::new(&[5, 5], Order::C).expect("shape");
    let z = vec![z; 25];
    let sp = SpeciesFields { y_h2: h2, y_o2: o2, y_h2o: h2o };
    label_field(&sp, &ZInput::Supplied(&z), &LabelGrid::new(&shape), params).expect("label").values[12]
}

#[test]
fn rule_pure_streams_by_eps_z() {
    let p = LabelParams { eps_z: 0.05, ..LabelParams::default() };
    let water = vec![0.2; 25];
    let h2 = plane(5, |i, _| 0.01 * i);
    let o2 = plane(5, |i, _| 0.01 * i);
    // Z decides first, whatever the water.
    assert_eq!(centre_label(&h2, &o2, &water, 0.95, &p), Class::PureFuel.id());
    assert_eq!(centre_label(&h2, &o2, &water, 0.9499, &p), Class::PremixedFlame.id());
    assert_eq!(centre_label(&h2, &o2, &water, 0.05, &p), Class::PureAir.id());
    assert_eq!(centre_label(&h2, &o2, &water, 0.0501, &p), Class::PremixedFlame.id());
    let p0 = LabelParams { eps_z: 0.0, ..p };
    assert_eq!(centre_label(&h2, &o2, &water, 1.0, &p0), Class::PureFuel.id());
    assert_eq!(centre_label(&h2, &o2, &water, 0.0, &p0), Class::PureAir.id());
}

#[test]
fn rule_product_threshold() {
    let p = LabelParams { h2o_frac: 0.2, h2o_ref: Some(0.15), ..LabelParams::default() };
    let h2 = plane(5, |i, _| 0.01 * i);
    let o2 = plane(5, |i, _| 0.01 * i);
    assert_eq!(centre_label(&h2, &o2, &[0.2 * 0.15; 25], 0.3, &p), Class::PremixedFlame.id());
    assert_eq!(centre_label(&h2, &o2, &[0.0299; 25], 0.3, &p), Class::UnburnedMixture.id());
    // h2o_ref = None: the field's own maximum.
    let p = LabelParams { h2o_frac: 0.5, h2o_ref: None, ..LabelParams::default() };
    let h2o = plane(5, |i, _| 0.01 * i); // max 0.04, centre 0.02 = 0.5 * max
    assert_eq!(centre_label(&h2, &o2, &h2o, 0.3, &p), Class::PremixedFlame.id());
    let h2o = plane(5, |i, _| 0.01 * i + if i == 4.0 { 0.001 } else { 0.0 });
    assert_eq!(centre_label(&h2, &o2, &h2o, 0.3, &p), Class::UnburnedMixture.id());
    // No water anywhere with h2o_ref = None: no flame (not "every cell reaches 0").
    assert_eq!(centre_label(&h2, &o2, &[0.0; 25], 0.3, &p), Class::UnburnedMixture.id());
}

#[test]
fn rule_gradient_criteria() {
    let h2 = plane(5, |i, _| 0.01 * i);
    let o2 = plane(5, |i, _| 0.01 * i);
    let steep_low = plane(5, |_, j| 0.002 + 0.02 * j * 0.01); // tiny water, slope 2e-4
    let steep = plane(5, |_, j| 0.001 * (1.0 + j)); // slope 1e-3 per cell, low values
    let p = |rule, g| LabelParams { flame_rule: rule, grad_h2o_min: g, ..LabelParams::default() };
    let pm = Class::PremixedFlame.id();
    let un = Class::UnburnedMixture.id();
    assert_eq!(centre_label(&h2, &o2, &steep, 0.3, &p(FlameRule::Product, 1e-3)), un);
    assert_eq!(centre_label(&h2, &o2, &steep, 0.3, &p(FlameRule::Gradient, 1e-3)), pm);
    assert_eq!(centre_label(&h2, &o2, &steep, 0.3, &p(FlameRule::Gradient, 1.01e-3)), un);
    assert_eq!(centre_label(&h2, &o2, &steep_low, 0.3, &p(FlameRule::Gradient, 1e-3)), un);
    assert_eq!(centre_label(&h2, &o2, &steep, 0.3, &p(FlameRule::Either, 1e-3)), pm);
    assert_eq!(centre_label(&h2, &o2, &steep, 0.3, &p(FlameRule::Both, 1e-3)), un);
    let wet_steep = plane(5, |_, j| 0.1 + 0.001 * j);
    assert_eq!(centre_label(&h2, &o2, &wet_steep, 0.3, &p(FlameRule::Both, 1e-3)), pm);
    let wet_flat = vec![0.1; 25];
    assert_eq!(centre_label(&h2, &o2, &wet_flat, 0.3, &p(FlameRule::Both, 1e-3)), un);
    assert_eq!(centre_label(&h2, &o2, &wet_flat, 0.3, &p(FlameRule::Either, 1e-3)), pm);
}

#[test]
fn rule_flame_index_sign_threshold_and_guard() {
    let water = vec![0.1; 25];
    let d = LabelParams::default();
    let pm = Class::PremixedFlame.id();
    let np = Class::NonPremixedFlame.id();
    let h2 = plane(5, |i, j| 0.01 * i + 0.002 * j);
    // Aligned, opposed, orthogonal.
    assert_eq!(centre_label(&h2, &plane(5, |i, j| 0.03 * i + 0.006 * j), &water, 0.3, &d), pm);
    assert_eq!(centre_label(&h2, &plane(5, |i, j| 0.3 - 0.03 * i - 0.006 * j), &water, 0.3, &d), np);
    let ortho = plane(5, |i, j| 0.002 * i - 0.01 * j); // dot = 0.01*0.002 - 0.002*0.01 = 0
    assert_eq!(centre_label(&h2, &ortho, &water, 0.3, &d), np);
    let lenient = LabelParams { fi_threshold: -0.5, ..d.clone() };
    assert_eq!(centre_label(&h2, &ortho, &water, 0.3, &lenient), pm);
    // FI = cos(60 deg) = 0.5: premixed above a 0.4 threshold, not above 0.6.
    let at60 = plane(5, |i, j| {
        let (c, s) = (60f64.to_radians().cos(), 60f64.to_radians().sin());
        0.01 * (i * c + j * s)
    });
    let h2x = plane(5, |i, _| 0.01 * i);
    assert_eq!(centre_label(&h2x, &at60, &water, 0.3, &LabelParams { fi_threshold: 0.4, ..d.clone() }), pm);
    assert_eq!(centre_label(&h2x, &at60, &water, 0.3, &LabelParams { fi_threshold: 0.6, ..d.clone() }), np);
    // Guard: a vanishing oxidizer gradient makes FI undefined: non-premixed.
    assert_eq!(centre_label(&h2, &[0.05; 25], &water, 0.3, &d), np);
    let weak = plane(5, |i, _| 0.05 + 1e-6 * i);
    assert_eq!(centre_label(&h2, &weak, &water, 0.3, &d), pm);
    assert_eq!(centre_label(&h2, &weak, &water, 0.3, &LabelParams { fi_grad_min: 1.1e-6, ..d.clone() }), np);
}

/// Copies the box `[lo, lo + ext)` of a C-order 3-D array of `dims`.
fn sub_box<T: Copy>(v: &[T], dims: &[usize; 3], lo: [usize; 3], ext: [usize; 3]) -> Vec<T> {
    let mut out = Vec::with_capacity(ext.iter().product());
    for i in lo[0]..lo[0] + ext[0] {
        for j in lo[1]..lo[1] + ext[1] {
            let start = (i * dims[1] + j) * dims[2] + lo[2];
            out.extend_from_slice(&v[start..start + ext[2]]);
        }
    }
    out
}

/// A stretched transverse grid (the DNS's y axis).
fn stretched_y(n: usize) -> Vec<f64> {
    (0..n).map(|j| (3.0 * (j as f64 / (n - 1) as f64 - 0.5)).sinh() * 10.0).collect()
}

#[test]
fn subdomains_with_ghost_layers_equal_the_whole_field() {
    let dims = [48usize, 40, 12];
    let f = jet_flame(&dims, 3).expect("synth");
    let y = stretched_y(dims[1]);
    let x: Vec<f64> = (0..dims[0]).map(|i| 0.7 * i as f64).collect();
    let params = LabelParams { fi_grad_min: 1e-6, ..LabelParams::default() };
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
    let grid = LabelGrid::new(&shape).with_coords(0, &x).with_coords(1, &y);
    let whole = label_field(&sp, &ZInput::Supplied(&f.z), &grid, &params).expect("whole");
    let counts = class_counts(&whole.values).expect("ids");
    assert!(counts.iter().all(|&c| c > 0), "every class present: {counts:?}");

    for (splits, ghost) in [([2usize, 3, 2], 1usize), ([3, 2, 1], 2), ([4, 4, 3], 1)] {
        let mut assembled = vec![255u8; whole.values.len()];
        let mut n_sub = 0;
        for si in 0..splits[0] {
            for sj in 0..splits[1] {
                for sk in 0..splits[2] {
                    let s = [si, sj, sk];
                    let (mut lo, mut ext, mut g_lo, mut g_hi) = ([0; 3], [0; 3], [0; 3], [0; 3]);
                    let mut i_lo = [0; 3];
                    let mut i_ext = [0; 3];
                    for a in 0..3 {
                        let a0 = dims[a] * s[a] / splits[a];
                        let a1 = dims[a] * (s[a] + 1) / splits[a];
                        g_lo[a] = ghost.min(a0);
                        g_hi[a] = ghost.min(dims[a] - a1);
                        lo[a] = a0 - g_lo[a];
                        ext[a] = a1 + g_hi[a] - lo[a];
                        i_lo[a] = a0;
                        i_ext[a] = a1 - a0;
                    }
                    let sub = |v: &[f32]| sub_box(v, &dims, lo, ext);
                    let (h2, o2, h2o, z) = (sub(&f.y_h2), sub(&f.y_o2), sub(&f.y_h2o), sub(&f.z));
                    let sub_shape = Shape::new(&ext, Order::C).expect("shape");
                    let grid = LabelGrid::new(&sub_shape)
                        .with_coords(0, &x[lo[0]..lo[0] + ext[0]])
                        .with_coords(1, &y[lo[1]..lo[1] + ext[1]])
                        .with_ghost(&g_lo, &g_hi);
                    let sp = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
                    let labels = label_field(&sp, &ZInput::Supplied(&z), &grid, &params).expect("sub");
                    assert_eq!(labels.shape.dims(), &i_ext);
                    let mut k = 0;
                    for i in i_lo[0]..i_lo[0] + i_ext[0] {
                        for j in i_lo[1]..i_lo[1] + i_ext[1] {
                            for l in i_lo[2]..i_lo[2] + i_ext[2] {
                                assembled[(i * dims[1] + j) * dims[2] + l] = labels.values[k];
                                k += 1;
                            }
                        }
                    }
                    n_sub += 1;
                }
            }
        }
        assert_eq!(n_sub, splits.iter().product::<usize>());
        assert!(assembled == whole.values, "splits {splits:?} ghost {ghost}: subdomain labels differ");
    }
}

#[test]
fn without_ghosts_subdomain_edges_differ() {
    // The ghost layer matters: cut the field without one and edge cells change.
    let dims = [48usize, 40, 12];
    let f = jet_flame(&dims, 3).expect("synth");
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let params = LabelParams::default();
    let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
    let whole = label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&shape), &params).expect("whole");
    // The upper half along x, cut through the burning region, without a ghost layer.
    let half = [24usize, 40, 12];
    let sub = |v: &[f32]| sub_box(v, &dims, [24, 0, 0], half);
    let (h2, o2, h2o, z) = (sub(&f.y_h2), sub(&f.y_o2), sub(&f.y_h2o), sub(&f.z));
    let sub_shape = Shape::new(&half, Order::C).expect("shape");
    let sp = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
    let labels = label_field(&sp, &ZInput::Supplied(&z), &LabelGrid::new(&sub_shape), &params).expect("sub");
    let reference = sub_box(&whole.values, &dims, [24, 0, 0], half);
    let e = label_error(&reference, &labels.values).expect("error");
    assert!(e.n_changed > 0, "no edge effect at all: the test field is too smooth");
    // Only the cut plane (one-sided instead of central differences) may change.
    let plane = half[1] * half[2];
    assert!(labels.values[plane..] == reference[plane..], "cells away from the cut changed");
}

#[test]
fn dtype_order_and_bilger_independence() {
    let dims = [40usize, 32, 6];
    let f = jet_flame(&dims, 11).expect("synth");
    let y = stretched_y(dims[1]);
    let params = LabelParams::default();
    let c_shape = Shape::new(&dims, Order::C).expect("shape");
    let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
    let reference =
        label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&c_shape).with_coords(1, &y), &params)
            .expect("label");

    // f64 copies: the labeler works in f64, widening is exact.
    let w = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    let (h2, o2, h2o, z) = (w(&f.y_h2), w(&f.y_o2), w(&f.y_h2o), w(&f.z));
    let sp64 = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
    let l64 =
        label_field(&sp64, &ZInput::Supplied(&z), &LabelGrid::new(&c_shape).with_coords(1, &y), &params)
            .expect("label");
    assert_eq!(l64.values, reference.values);

    // The same memory read as a Fortran array of the reversed dims: same bytes out.
    let f_dims = [dims[2], dims[1], dims[0]];
    let f_shape = Shape::new(&f_dims, Order::Fortran).expect("shape");
    let lf = label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&f_shape).with_coords(1, &y), &params)
        .expect("label");
    assert_eq!(lf.shape.dims(), &f_dims);
    assert_eq!(lf.shape.order(), Order::Fortran);
    assert_eq!(lf.values, reference.values);
    // Coordinates follow the caller's axes: x (C axis 0) is Fortran axis 2.
    let x: Vec<f64> = (0..dims[0]).map(|i| (i as f64 * 0.05).exp()).collect();
    let c_grid = LabelGrid::new(&c_shape).with_coords(0, &x).with_coords(1, &y);
    let lc = label_field(&sp, &ZInput::Supplied(&f.z), &c_grid, &params).expect("label");
    let f_grid = LabelGrid::new(&f_shape).with_coords(2, &x).with_coords(1, &y);
    let lf = label_field(&sp, &ZInput::Supplied(&f.z), &f_grid, &params).expect("label");
    assert_eq!(lf.values, lc.values);
    assert!(lc.values != reference.values, "stretching x must change some labels");

    // Bilger's Z from the species equals the generator's Z (elements are conserved);
    // minor species with a zero field change nothing.
    let bilger = Bilger::default();
    let zero = vec![0.0f32; f.z.len()];
    let minor =
        [(Species::parse("OH").expect("OH"), &zero[..]), (Species::parse("N2").expect("N2"), &zero[..])];
    let lb = label_field(
        &sp,
        &ZInput::Bilger { bilger: &bilger, minor: &minor },
        &LabelGrid::new(&c_shape).with_coords(1, &y),
        &params,
    )
    .expect("label");
    let e = label_error(&reference.values, &lb.values).expect("error");
    assert!(e.error_fraction < 1e-3, "Bilger vs supplied Z: {} cells differ", e.n_changed);

    // Thread count does not matter.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool").install(|| {
        label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&c_shape).with_coords(1, &y), &params)
            .expect("label")
    });
    assert_eq!(one.values, reference.values);
}

#[test]
fn invalid_inputs_are_errors() {
    let shape = Shape::new(&[4, 5], Order::C).expect("shape");
    let v = vec![0.1f32; 20];
    let short = vec![0.1f32; 19];
    let p = LabelParams::default();
    let sp = SpeciesFields { y_h2: &v, y_o2: &v, y_h2o: &v };
    let bad = SpeciesFields { y_h2: &v, y_o2: &short, y_h2o: &v };
    let g = LabelGrid::new(&shape);
    let kind = |r: plume_core::Result<Labels>| r.expect_err("must fail").kind();
    assert_eq!(kind(label_field(&bad, &ZInput::Supplied(&v), &g, &p)), ErrorKind::InvalidArgument);
    assert_eq!(kind(label_field(&sp, &ZInput::Supplied(&short), &g, &p)), ErrorKind::InvalidArgument);
    let coords = [0.0, 1.0, 1.0, 2.0];
    let e = label_field(&sp, &ZInput::Supplied(&v), &LabelGrid::new(&shape).with_coords(0, &coords), &p)
        .expect_err("coords");
    assert!(e.message().contains("axis 0"), "{e}");
    let e = label_field(&sp, &ZInput::Supplied(&v), &LabelGrid::new(&shape).with_coords(2, &coords), &p)
        .expect_err("axis");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = label_field(&sp, &ZInput::Supplied(&v), &LabelGrid::new(&shape).with_ghost(&[2, 0], &[3, 0]), &p)
        .expect_err("ghost");
    assert!(e.message().contains("ghost"), "{e}");
    assert!(
        label_field(&sp, &ZInput::Supplied(&v), &LabelGrid::new(&shape).with_ghost(&[1], &[1]), &p).is_err()
    );
    let bad_p = LabelParams { eps_z: f64::NAN, ..LabelParams::default() };
    assert!(label_field(&sp, &ZInput::Supplied(&v), &g, &bad_p).is_err());
    let mut out = vec![0u8; 3];
    assert!(label_into(&sp, &ZInput::Supplied(&v), &g, &p, &mut out).is_err());
    // An empty interior is fine.
    let l = label_field(&sp, &ZInput::Supplied(&v), &LabelGrid::new(&shape).with_ghost(&[2, 0], &[2, 0]), &p)
        .expect("empty");
    assert!(l.values.is_empty());
}

#[test]
fn label_stream_is_lossless_and_small() {
    let dims = [192usize, 128, 32];
    let f = jet_flame(&dims, 1).expect("synth");
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
    let labels = label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&shape), &LabelParams::default())
        .expect("label");
    let stream = compress_labels(&labels.values, &shape).expect("compress");
    let (back, back_shape) = decompress_labels(&stream).expect("decompress");
    assert_eq!(back, labels.values);
    assert_eq!(back_shape, shape);
    let feature_bytes = 4 * 4 * labels.values.len();
    let share = stream.len() as f64 / feature_bytes as f64;
    println!(
        "label stream: {} bytes for {} cells ({:.3} bits/cell), {:.3}% of the 4 f32 feature fields",
        stream.len(),
        labels.values.len(),
        stream.len() as f64 * 8.0 / labels.values.len() as f64,
        100.0 * share
    );
    assert!(share < 0.01, "labels cost {:.3}% of the raw feature bytes", 100.0 * share);

    // Fortran order and every id, including a constant map.
    let f_shape = Shape::new(&[3, 4, 5], Order::Fortran).expect("shape");
    let ids: Vec<u8> = (0..60u32).map(|i| ((i * 7) % 5) as u8).collect();
    let (b, s) = decompress_labels(&compress_labels(&ids, &f_shape).expect("c")).expect("d");
    assert_eq!((b, s), (ids, f_shape.clone()));
    let constant = vec![4u8; 60];
    assert_eq!(decompress_labels(&compress_labels(&constant, &f_shape).expect("c")).expect("d").0, constant);
    // Not ids: refused both ways.
    assert!(compress_labels(&[0, 5, 1], &Shape::new(&[3], Order::C).expect("s")).is_err());
    let other = plume_core::codec::compress(
        plume_core::FieldView::new(&[0.0f32, 1.5, 2.0], &Shape::new(&[3], Order::C).expect("s")).expect("v"),
        &plume_core::CompressOptions::new(plume_core::ErrorBound::Abs(0.01), plume_core::Encoding::Fast),
    )
    .expect("stream");
    assert_eq!(decompress_labels(&other).expect_err("not labels").kind(), ErrorKind::CorruptStream);
    assert!(decompress_labels(&stream[..stream.len() / 2]).is_err());
}

#[test]
fn jet_flame_has_all_five_classes_in_sensible_proportions() {
    for (dims, seed) in [([96usize, 64, 16], 1u64), ([160, 96, 24], 7)] {
        let f = jet_flame(&dims, seed).expect("synth");
        let shape = Shape::new(&dims, Order::C).expect("shape");
        let sp = SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o };
        let labels =
            label_field(&sp, &ZInput::Supplied(&f.z), &LabelGrid::new(&shape), &LabelParams::default())
                .expect("label");
        let counts = class_counts(&labels.values).expect("ids");
        let n = labels.values.len() as f64;
        let frac: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        println!("jet flame {dims:?} seed {seed}: class fractions {frac:.4?}");
        for (c, fr) in Class::ALL.iter().zip(&frac) {
            assert!(*fr > 0.01, "{dims:?}: {} only {fr}", c.name());
        }
        assert!(frac[Class::PureAir as usize] < 0.8);
        // Physical ranges and element conservation.
        for i in 0..f.z.len() {
            assert!((0.0..=1.0).contains(&f.z[i]));
            assert!(f.y_h2[i] >= 0.0 && f.y_h2[i] <= 0.11789 + 1e-6);
            assert!(f.y_o2[i] >= 0.0 && f.y_o2[i] <= 0.233 + 1e-6);
            assert!(f.y_h2o[i] >= 0.0 && f.y_h2o[i] < 0.22);
        }
        // Lifted: nothing burns near the nozzle.
        let plane = dims[1] * dims[2];
        assert!(f.y_h2o[..plane * dims[0] / 10].iter().all(|&w| w < 1e-3));
    }
    assert_eq!(jet_flame(&[8, 8], 0).expect_err("2-D").kind(), ErrorKind::InvalidArgument);
    assert_eq!(jet_flame(&[8, 8, 4], 5).expect("a"), jet_flame(&[8, 8, 4], 5).expect("b"));
}

#[test]
fn label_error_of_lossy_features() {
    // Labels recomputed from features compressed at 10% PW_REL differ from the clean
    // labels in some cells; the comparison is symmetric in its counts.
    use plume_core::{codec, CompressOptions, Encoding, ErrorBound, FieldView};
    let dims = [64usize, 48, 16];
    let f = jet_flame(&dims, 2).expect("synth");
    let shape = Shape::new(&dims, Order::C).expect("shape");
    let lossy = |v: &[f32]| {
        let opts = CompressOptions::new(ErrorBound::PwRel(0.1), Encoding::Ratio);
        let s = codec::compress(FieldView::new(v, &shape).expect("view"), &opts).expect("compress");
        codec::decompress::<f32>(&s).expect("decompress").0
    };
    let (h2, o2, h2o, z) = (lossy(&f.y_h2), lossy(&f.y_o2), lossy(&f.y_h2o), lossy(&f.z));
    let p = LabelParams::default();
    let g = LabelGrid::new(&shape);
    let clean = label_field(
        &SpeciesFields { y_h2: &f.y_h2, y_o2: &f.y_o2, y_h2o: &f.y_h2o },
        &ZInput::Supplied(&f.z),
        &g,
        &p,
    )
    .expect("clean");
    let recomputed =
        label_field(&SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o }, &ZInput::Supplied(&z), &g, &p)
            .expect("lossy");
    let e = label_error(&clean.values, &recomputed.values).expect("error");
    println!("label error at 10% PW_REL: {:.4} ({} of {} cells)", e.error_fraction, e.n_changed, e.n_cells);
    assert!(e.error_fraction > 0.0 && e.error_fraction < 0.5);
    let total: u64 = e.confusion.iter().flatten().sum();
    assert_eq!(total, e.n_cells);
    let diag: u64 = (0..N_CLASSES).map(|c| e.confusion[c][c]).sum();
    assert_eq!(e.n_cells - diag, e.n_changed);
}

/// A flame profile made by `tests/data/make_flames.py` (Cantera): columns by name.
struct Profile {
    names: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Profile {
    fn load(name: &str) -> Profile {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines();
        let names = lines.next().expect("header").split(',').map(str::to_string).collect();
        let rows = lines
            .map(|l| l.split(',').map(|v| v.parse::<f64>().expect("number")).collect::<Vec<f64>>())
            .collect();
        Profile { names, rows }
    }

    fn col(&self, name: &str) -> Vec<f64> {
        let k = self.names.iter().position(|n| n == name).unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[k]).collect()
    }

    /// Labels with Bilger's Z from all nine species, on the profile's own non-uniform grid.
    fn labels(&self, params: &LabelParams) -> Vec<u8> {
        let x = self.col("x_m");
        let shape = Shape::new(&[x.len()], Order::C).expect("shape");
        let (h2, o2, h2o) = (self.col("Y_H2"), self.col("Y_O2"), self.col("Y_H2O"));
        let minor_names = ["H", "O", "OH", "HO2", "H2O2", "N2"];
        let minor_cols: Vec<Vec<f64>> = minor_names.iter().map(|n| self.col(&format!("Y_{n}"))).collect();
        let minor: Vec<(Species, &[f64])> = minor_names
            .iter()
            .zip(&minor_cols)
            .map(|(n, c)| (Species::parse(n).expect("species"), &c[..]))
            .collect();
        let bilger = Bilger::default();
        let sp = SpeciesFields { y_h2: &h2, y_o2: &o2, y_h2o: &h2o };
        let grid = LabelGrid::new(&shape).with_coords(0, &x);
        label_field(&sp, &ZInput::Bilger { bilger: &bilger, minor: &minor }, &grid, params)
            .expect("label")
            .values
    }
}

#[test]
fn real_premixed_flames_are_premixed_where_heat_is_released() {
    // Cantera FreeFlames of the study's streams mixed lean, stoichiometric and rich. Heat
    // release starts where water is only ~1% of its peak: the default product threshold
    // (10% of the Burke-Schumann peak) leaves that leading edge unburned mixture, but never
    // calls a heat-releasing cell non-premixed; adding the gradient criterion (in physical
    // units, per metre) catches the leading edge too. The main reaction zone is where heat
    // release exceeds a quarter of its peak: behind it, in the rich flame, radical
    // recombination (H + H -> H2) makes Y_H2 rise again while Y_O2 still falls, so the
    // Takeno index turns negative where heat release is ~20% of the peak (a known property
    // of the index with H2 as the fuel species, not a labeler error).
    let either = LabelParams { flame_rule: FlameRule::Either, grad_h2o_min: 20.0, ..LabelParams::default() };
    for name in ["premixed_h2_z012.csv", "premixed_h2_z020.csv", "premixed_h2_z030.csv"] {
        let p = Profile::load(name);
        let hrr = p.col("hrr_W_m3");
        let peak = hrr.iter().copied().fold(0.0f64, f64::max);
        let total: f64 = hrr.iter().map(|q| q.max(0.0)).sum();
        for (rule, params) in [("product", LabelParams::default()), ("either", either.clone())] {
            let labels = p.labels(&params);
            let (mut n_zone, mut n_premixed, mut hrr_premixed) = (0, 0, 0.0);
            for (i, &q) in hrr.iter().enumerate() {
                if labels[i] == Class::PremixedFlame.id() {
                    hrr_premixed += q.max(0.0);
                }
                if q >= 0.25 * peak {
                    n_zone += 1;
                    n_premixed += usize::from(labels[i] == Class::PremixedFlame.id());
                    assert_ne!(labels[i], Class::NonPremixedFlame.id(), "{name} {rule}: row {i}");
                }
            }
            let share = hrr_premixed / total;
            println!("{name} {rule}: {n_premixed} of {n_zone} cells with heat release >= 25% of the peak premixed, {share:.3} of the heat release");
            assert!(n_zone >= 10, "{name}: {n_zone} cells");
            assert!(share > 0.8, "{name} {rule}: premixed share of the heat release {share}");
            if rule == "either" {
                assert_eq!(n_premixed, n_zone, "{name}: heat-releasing cells not premixed");
                assert!(share > 0.93, "{name} {rule}: premixed share of the heat release {share}");
            }
            assert_eq!(labels[0], Class::UnburnedMixture.id(), "{name}: fresh mixture");
        }
    }
}

#[test]
fn real_counterflow_flame_is_non_premixed_where_heat_is_released() {
    let p = Profile::load("counterflow_h2n2_air.csv");
    let labels = p.labels(&LabelParams::default());
    let hrr = p.col("hrr_W_m3");
    let peak = hrr.iter().copied().fold(0.0f64, f64::max);
    let mut n_zone = 0;
    for (i, &q) in hrr.iter().enumerate() {
        if q >= 0.1 * peak {
            n_zone += 1;
            assert_eq!(labels[i], Class::NonPremixedFlame.id(), "row {i}: label {}", labels[i]);
        }
    }
    assert!(n_zone >= 10, "{n_zone} cells");
    assert!(labels.iter().all(|&l| l != Class::PremixedFlame.id()), "premixed cells in a diffusion flame");
    assert_eq!(labels[0], Class::PureFuel.id());
    assert_eq!(*labels.last().expect("rows"), Class::PureAir.id());
    // Bilger's Z of the real profile runs from 1 (fuel inlet) to 0 (air inlet).
    let bilger = Bilger::default();
    let row = |i: usize| -> Vec<(Species, f64)> {
        ["H2", "O2", "H2O", "H", "O", "OH", "HO2", "H2O2", "N2"]
            .iter()
            .map(|n| (Species::parse(n).expect("species"), p.col(&format!("Y_{n}"))[i]))
            .collect()
    };
    assert!((bilger.mixture_fraction(&row(0)) - 1.0).abs() < 1e-6);
    assert!(bilger.mixture_fraction(&row(p.rows.len() - 1)).abs() < 1e-6);
}

#[test]
fn damaged_label_streams_are_errors_not_panics() {
    let shape = Shape::new(&[6, 7, 5], Order::C).expect("shape");
    let ids: Vec<u8> = (0..210u32).map(|i| ((i / 9) % 5) as u8).collect();
    let stream = compress_labels(&ids, &shape).expect("compress");
    for len in 0..stream.len() {
        assert!(decompress_labels(&stream[..len]).is_err(), "truncated to {len} bytes");
    }
    for byte in 0..stream.len() {
        for bit in [0u8, 3, 7] {
            let mut bad = stream.clone();
            bad[byte] ^= 1 << bit;
            // Either an error or (a flip the CRCs cannot see, e.g. in a reserved field) the
            // same exact ids; never a panic nor a non-id.
            if let Ok((labels, _)) = decompress_labels(&bad) {
                assert!(labels.iter().all(|&l| l < 5));
            }
        }
    }
}
