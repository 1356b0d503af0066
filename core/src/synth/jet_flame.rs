//! A synthetic 3-D lifted H2 jet-flame-like state (`plume synth --case jet-flame`): the four
//! fields of the study's training data, Y_H2, Y_O2, Y_H2O and Z, on a `(nx, ny, nz)` grid in
//! C order (x streamwise, y across the jet, z spanwise; unit cell spacing).
//!
//! # Model
//!
//! 1. **Mixing.** A planar fuel jet of half-width `b` centred in y:
//!    `Z = (tanh((y' + b) / d) - tanh((y' - b) / d)) / 2` with a mixing-layer thickness
//!    `d(x)` growing linearly downstream (so the pure-fuel core closes), and the transverse
//!    coordinate wrinkled by turbulence, `y' = y - y_c + A(x) w1`, where `w1` in (-1, 1) is a
//!    smooth [`turbulent_scalar`](super::turbulent_scalar) field and `A` grows with `d`.
//! 2. **Lifted, partially premixed front.** A progress variable
//!    `c = (1 + tanh((x - x_f) / delta_f)) / 2` with a front at
//!    `x_f = x_L + A_f w2 + k nx D^2`, where `x_L` is the lift-off height, `w2` a second
//!    turbulent field, and `D` the normalised distance of Z from stoichiometry (`(Z_st - Z)
//!    / Z_st` lean, `(Z - Z_st) / (1 - Z_st)` rich): a triple-flame-like leading edge at Z_st
//!    whose premixed wings trail downstream across lean and rich mixture, behind which the
//!    burnt gas forms a diffusion-flame tail along Z_st.
//! 3. **Species (Burke-Schumann with leakage).** The frozen mixture `Y_H2 = Z Y_H2,F`,
//!    `Y_O2 = (1 - Z) Y_O2,O` is burnt to the extent `c lambda(Z)` of oxygen mass consumed,
//!    `lambda = softmin((1 - Z) Y_O2,O, Z Y_H2,F / s)` (`s = 2 W_H2 / W_O2`, the softmin
//!    letting both reactants leak through the diffusion flame, as finite-rate chemistry
//!    does): `Y_O2 -= c lambda`, `Y_H2 -= s c lambda`, `Y_H2O = (1 + s) c lambda`. Elements
//!    are conserved, so Bilger's Z of the species equals the Z field.
//!
//! Deterministic for `(dims, seed)` and independent of the thread count.

use rayon::prelude::*;

use super::{turbulent_scalar_with, SynthParams};
use crate::error::{Error, Result};
use crate::label::Bilger;

/// Parameters of [`jet_flame`] (lengths are fractions of the axis named, unless said).
#[derive(Debug, Clone, PartialEq)]
pub struct JetFlameParams {
    /// Jet half-width `b` as a fraction of ny. Default 0.12.
    pub jet_half_width: f64,
    /// Mixing-layer thickness at the nozzle, fraction of ny. Default 0.015.
    pub mixing_thickness_inlet: f64,
    /// Mixing-layer thickness at the outlet, fraction of ny. Default 0.09.
    pub mixing_thickness_outlet: f64,
    /// Wrinkling amplitude `A` relative to the local mixing-layer thickness. Default 1.5.
    pub wrinkle: f64,
    /// Lift-off height `x_L`, fraction of nx. Default 0.3.
    pub lift_off: f64,
    /// Front wrinkling amplitude `A_f`, fraction of nx. Default 0.08.
    pub front_wrinkle: f64,
    /// Wing trailing coefficient `k`. Default 1.2.
    pub wing: f64,
    /// Premixed front thickness `delta_f` in cells. Default 2.5.
    pub front_thickness_cells: f64,
    /// Reactant leakage through the diffusion flame (the softmin width, oxygen mass
    /// fraction units). Default 0.02.
    pub leakage: f64,
}

impl Default for JetFlameParams {
    fn default() -> Self {
        JetFlameParams {
            jet_half_width: 0.12,
            mixing_thickness_inlet: 0.015,
            mixing_thickness_outlet: 0.09,
            wrinkle: 1.5,
            lift_off: 0.3,
            front_wrinkle: 0.08,
            wing: 1.2,
            front_thickness_cells: 2.5,
            leakage: 0.02,
        }
    }
}

/// The four fields of [`jet_flame`], each C order of the requested dims.
#[derive(Debug, Clone, PartialEq)]
pub struct JetFlame {
    /// Fuel mass fraction.
    pub y_h2: Vec<f32>,
    /// Oxidizer mass fraction.
    pub y_o2: Vec<f32>,
    /// Product mass fraction.
    pub y_h2o: Vec<f32>,
    /// Bilger mixture fraction (default streams of [`Bilger`]).
    pub z: Vec<f32>,
}

/// A lifted H2 jet-flame-like state of dims `(nx, ny, nz)` with default parameters.
///
/// # Errors
/// `InvalidArgument` when `dims` is not 3 positive sizes or the value count overflows.
pub fn jet_flame(dims: &[usize], seed: u64) -> Result<JetFlame> {
    jet_flame_with(dims, seed, &JetFlameParams::default())
}

/// [`jet_flame`] with explicit parameters.
pub fn jet_flame_with(dims: &[usize], seed: u64, p: &JetFlameParams) -> Result<JetFlame> {
    if dims.len() != 3 || dims.contains(&0) {
        return Err(Error::invalid(format!(
            "jet flame: dims {dims:?} must be 3 positive sizes (nx, ny, nz)"
        )));
    }
    let smooth = SynthParams { front_sharpness: 0.5, intermittency: 0.0, ..SynthParams::default() };
    let w1 = turbulent_scalar_with(dims, seed, &smooth)?;
    let w2 = turbulent_scalar_with(dims, seed ^ 0x9e37_79b9_7f4a_7c15, &smooth)?;
    let (nx, ny, nz) = (dims[0], dims[1], dims[2]);
    let n = nx * ny * nz;

    let bilger = Bilger::default();
    let z_st = bilger.z_stoich();
    let y_f = bilger.fuel.mass_fraction("H2");
    let y_ox = bilger.oxidizer.mass_fraction("O2");
    let s = 2.0 * 2.016 / 31.998;
    let nyf = ny as f64;
    let b = p.jet_half_width * nyf;
    let yc = (nyf - 1.0) / 2.0;
    let eps2 = p.leakage * p.leakage;

    let mut out = JetFlame { y_h2: vec![0.0; n], y_o2: vec![0.0; n], y_h2o: vec![0.0; n], z: vec![0.0; n] };
    let plane = ny * nz;
    out.y_h2
        .par_chunks_mut(plane)
        .zip(out.y_o2.par_chunks_mut(plane))
        .zip(out.y_h2o.par_chunks_mut(plane))
        .zip(out.z.par_chunks_mut(plane))
        .enumerate()
        .for_each(|(i, (((h2, o2), h2o), zz))| {
            let xi = if nx > 1 { i as f64 / (nx - 1) as f64 } else { 0.0 };
            let d = (p.mixing_thickness_inlet + (p.mixing_thickness_outlet - p.mixing_thickness_inlet) * xi)
                * nyf;
            let amp = p.wrinkle * d;
            for j in 0..ny {
                for k in 0..nz {
                    let l = j * nz + k;
                    let g = i * plane + l;
                    let wr1 = 2.0 * f64::from(w1[g]) - 1.0;
                    let wr2 = 2.0 * f64::from(w2[g]) - 1.0;
                    let y = j as f64 - yc + amp * wr1;
                    let z = (0.5 * (((y + b) / d).tanh() - ((y - b) / d).tanh())).clamp(0.0, 1.0);
                    let dist = if z < z_st { (z_st - z) / z_st } else { (z - z_st) / (1.0 - z_st) };
                    let x_f = (p.lift_off + p.front_wrinkle * wr2 + p.wing * dist * dist) * nx as f64;
                    let c = 0.5 * (1.0 + ((i as f64 - x_f) / p.front_thickness_cells).tanh());
                    let (a_o, a_f) = ((1.0 - z) * y_ox, z * y_f / s);
                    let lambda = (0.5 * (a_o + a_f - ((a_o - a_f).powi(2) + eps2).sqrt())).max(0.0);
                    let burnt = c * lambda;
                    h2[l] = (z * y_f - s * burnt).max(0.0) as f32;
                    o2[l] = (a_o - burnt).max(0.0) as f32;
                    h2o[l] = ((1.0 + s) * burnt) as f32;
                    zz[l] = z as f32;
                }
            }
        });
    Ok(out)
}
