//! The labeler: one parallel pass over the interior cells, no per-cell allocation.
//!
//! Work runs in storage order (the array as it lies in memory, padded to 4-D with leading
//! axes of length 1): rayon tasks take whole lines along the fastest axis. A line is labeled
//! in two passes over a per-task buffer (no per-cell allocation): the first, branch-light,
//! reads Z (the supplied field, or Bilger's linear combination of species) and `Y_H2O` and
//! settles pure fuel, pure air and unburned mixture; the second visits only flame-zone cells
//! and computes the gradients of `Y_H2`, `Y_O2` (and `Y_H2O` for a gradient rule) through
//! the per-axis [`AxisStencil`]s. Arithmetic is in f64 whatever the input type.

use rayon::prelude::*;

use super::mixture::{Bilger, Species};
use super::params::{FlameRule, LabelParams};
use super::stencil::AxisStencil;
use super::Class;
use crate::error::{Error, Result};
use crate::field::{Element, Order, Shape};

/// The three species mass-fraction fields, each with the grid's full shape (ghosts included).
#[derive(Debug, Clone, Copy)]
pub struct SpeciesFields<'a, T: Element> {
    /// Fuel mass fraction Y_H2.
    pub y_h2: &'a [T],
    /// Oxidizer mass fraction Y_O2.
    pub y_o2: &'a [T],
    /// Product mass fraction Y_H2O.
    pub y_h2o: &'a [T],
}

/// Where the mixture fraction comes from.
#[derive(Debug, Clone, Copy)]
pub enum ZInput<'a, T: Element> {
    /// Z computed by the solver (the grid's full shape).
    Supplied(&'a [T]),
    /// Bilger's Z from H2, O2, H2O of [`SpeciesFields`] plus any further species
    /// (radicals: H, O, OH, HO2, H2O2; inerts contribute nothing and may be left out).
    Bilger {
        /// The stream compositions.
        bilger: &'a Bilger,
        /// Further species and their fields (the grid's full shape).
        minor: &'a [(Species, &'a [T])],
    },
}

/// The grid: the full shape of the input arrays (ghost cells included), optional
/// coordinates per axis, and the ghost-layer width on each side of each axis.
/// Axes are numbered as in the shape's dims (slowest first for C order).
#[derive(Debug, Clone)]
pub struct LabelGrid<'a> {
    shape: &'a Shape,
    coords: Vec<Option<&'a [f64]>>,
    ghost_lo: Vec<usize>,
    ghost_hi: Vec<usize>,
}

impl<'a> LabelGrid<'a> {
    /// A grid with unit spacing and no ghost layer: every cell is labeled, and the array
    /// ends are true domain boundaries (one-sided differences).
    pub fn new(shape: &'a Shape) -> Self {
        let n = shape.dims().len();
        LabelGrid { shape, coords: vec![None; n], ghost_lo: vec![0; n], ghost_hi: vec![0; n] }
    }

    /// Coordinates of `axis`: strictly increasing, one per cell of the full axis (ghosts
    /// included). Checked when labeling.
    pub fn with_coords(mut self, axis: usize, coords: &'a [f64]) -> Self {
        if axis >= self.coords.len() {
            // An axis beyond the dims: remembered for `label_into` to report.
            self.coords.resize(axis + 1, None);
        }
        self.coords[axis] = Some(coords);
        self
    }

    /// Ghost-layer widths below (`lo`) and above (`hi`) the interior on every axis. A side of
    /// width 0 is a true domain boundary; on a side of width >= 1 the interior edge cells
    /// use central differences through the ghost cells. Only interior cells are labeled.
    pub fn with_ghost(mut self, lo: &[usize], hi: &[usize]) -> Self {
        self.ghost_lo = lo.to_vec();
        self.ghost_hi = hi.to_vec();
        self
    }

    /// The full shape (ghosts included).
    pub fn shape(&self) -> &Shape {
        self.shape
    }

    /// The shape of the labels: the interior, same order. Fails when the ghost widths do
    /// not fit the dims.
    pub fn interior_shape(&self) -> Result<Shape> {
        let dims = self.shape.dims();
        let nd = dims.len();
        if self.ghost_lo.len() != nd || self.ghost_hi.len() != nd {
            return Err(Error::invalid(format!(
                "ghost widths {:?} / {:?}: need one per axis of dims {dims:?}",
                self.ghost_lo, self.ghost_hi
            )));
        }
        let inner = (0..nd)
            .map(|a| {
                dims[a].checked_sub(self.ghost_lo[a].saturating_add(self.ghost_hi[a])).ok_or_else(|| {
                    Error::invalid(format!(
                        "ghost widths {} + {} exceed dim {} of axis {a}",
                        self.ghost_lo[a], self.ghost_hi[a], dims[a]
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Shape::new(&inner, self.shape.order())
    }
}

/// Labels of the interior cells: one class id per cell, in the order of `shape`.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// Class ids (see [`Class`]).
    pub values: Vec<u8>,
    /// The interior shape.
    pub shape: Shape,
}

/// The largest finite value of a field (0 when there is none); the `h2o_ref` of the
/// study's "fraction of its maximum" (`LabelParams::h2o_ref = None`).
pub fn field_max<T: Element>(values: &[T]) -> f64 {
    values
        .par_chunks(1 << 16)
        .map(|c| c.iter().map(|v| v.to_f64()).filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max))
        .reduce(|| f64::NEG_INFINITY, f64::max)
        .max(0.0)
}

/// Labels the interior of the grid; see [`label_into`].
pub fn label_field<T: Element>(
    fields: &SpeciesFields<'_, T>,
    z: &ZInput<'_, T>,
    grid: &LabelGrid<'_>,
    params: &LabelParams,
) -> Result<Labels> {
    let shape = grid.interior_shape()?;
    let mut values = Vec::new();
    values
        .try_reserve_exact(shape.n_values())
        .map_err(|_| Error::invalid(format!("cannot allocate {} labels", shape.n_values())))?;
    values.resize(shape.n_values(), 0u8);
    label_into(fields, z, grid, params, &mut values)?;
    Ok(Labels { values, shape })
}

/// Mixture fraction at a cell: a supplied field or `offset + sum a_k Y_k`.
enum ZEval<'a, T: Element> {
    Field(&'a [T]),
    Linear { offset: f64, terms: Vec<(f64, &'a [T])> },
}

impl<T: Element> ZEval<'_, T> {
    /// Z of the `out.len()` cells from flat index `start` on (in the order
    /// `offset + a_1 Y_1 + a_2 Y_2 + ...`, whatever the row length).
    #[inline]
    fn fill(&self, start: usize, out: &mut [f64]) {
        let end = start + out.len();
        match self {
            ZEval::Field(z) => out.iter_mut().zip(&z[start..end]).for_each(|(o, v)| *o = v.to_f64()),
            ZEval::Linear { offset, terms } => {
                out.fill(*offset);
                for (a, f) in terms {
                    out.iter_mut().zip(&f[start..end]).for_each(|(o, v)| *o += a * v.to_f64());
                }
            }
        }
    }
}

/// The storage-order, 4-D-padded geometry of one labeling run.
struct Geometry {
    strides: [usize; 4],
    lo: [usize; 4],
    inner: [usize; 4],
    stencils: Vec<AxisStencil>,
    /// Storage axes of length >= 2 (the others have zero derivative).
    active: Vec<usize>,
}

impl Geometry {
    fn new(grid: &LabelGrid<'_>) -> Result<Geometry> {
        let dims = grid.shape.dims();
        let nd = dims.len();
        if grid.coords.len() > nd {
            return Err(Error::invalid(format!(
                "coordinates given for axis {} of a {nd}-D field",
                grid.coords.len() - 1
            )));
        }
        grid.interior_shape()?;
        // Caller axis of storage axis s.
        let caller = |s: usize| match grid.shape.order() {
            Order::C => s,
            Order::Fortran => nd - 1 - s,
        };
        let pad = 4 - nd;
        let mut full = [1usize; 4];
        let mut lo = [0usize; 4];
        let mut inner = [1usize; 4];
        let mut stencils = vec![AxisStencil::new(1, None)?; pad];
        for s in 0..nd {
            let a = caller(s);
            full[pad + s] = dims[a];
            lo[pad + s] = grid.ghost_lo[a];
            inner[pad + s] = dims[a] - grid.ghost_lo[a] - grid.ghost_hi[a];
            let st = AxisStencil::new(dims[a], grid.coords[a])
                .map_err(|e| Error::invalid(format!("axis {a}: {}", e.message())))?;
            stencils.push(st);
        }
        let strides = [full[1] * full[2] * full[3], full[2] * full[3], full[3], 1];
        let active = (0..4).filter(|&s| full[s] >= 2).collect();
        Ok(Geometry { strides, lo, inner, stencils, active })
    }

    /// The stencils of the line through `pos` along the fastest axis.
    fn line(&self, pos: &[usize; 4]) -> Line<'_> {
        let mut slow = [([0isize; 3], [0.0f64; 3]); 3];
        let mut active = [false; 3];
        for &s in self.active.iter().filter(|&&s| s < 3) {
            let (off, w) = self.stencils[s].at(pos[s]);
            let stride = self.strides[s] as isize;
            slow[s] = ([off[0] * stride, off[1] * stride, off[2] * stride], *w);
            active[s] = true;
        }
        Line { slow, active, fast: self.active.contains(&3).then_some(&self.stencils[3]) }
    }
}

/// The derivative stencils of one line: fixed for the three slow axes (offsets already
/// multiplied by the strides), looked up per cell along the fastest axis.
struct Line<'g> {
    slow: [([isize; 3], [f64; 3]); 3],
    active: [bool; 3],
    fast: Option<&'g AxisStencil>,
}

impl Line<'_> {
    /// The gradients of `fields` at flat index `idx`, fastest-axis position `p3`; each
    /// component is `w0 f0 + w1 f1 + w2 f2` summed in that order, on the storage axes.
    #[inline]
    fn gradients<T: Element, const N: usize>(
        &self,
        fields: [&[T]; N],
        idx: usize,
        p3: usize,
    ) -> [[f64; 4]; N] {
        let mut g = [[0.0f64; 4]; N];
        let at = |f: &[T], off: isize| f[(idx as isize + off) as usize].to_f64();
        for s in 0..3 {
            if self.active[s] {
                let (off, w) = &self.slow[s];
                for (gk, f) in g.iter_mut().zip(fields) {
                    let mut acc = 0.0;
                    for t in 0..3 {
                        acc += w[t] * at(f, off[t]);
                    }
                    gk[s] = acc;
                }
            }
        }
        if let Some(st) = self.fast {
            let (off, w) = st.at(p3);
            for (gk, f) in g.iter_mut().zip(fields) {
                let mut acc = 0.0;
                for t in 0..3 {
                    acc += w[t] * at(f, off[t]);
                }
                gk[3] = acc;
            }
        }
        g
    }
}

/// Labels the interior cells of `grid` into `out` (interior value count, interior order).
///
/// Fails (`InvalidArgument`) when a field's length differs from the grid's value count,
/// `out` from the interior's, coordinates are not strictly increasing or of the wrong
/// length, the ghost widths do not fit, or a parameter is out of range. Cells with a NaN
/// Z and no water are unburned mixture. Deterministic and independent of the thread
/// count; labels of subdomains with ghost layers (width >= 1 on every inner side) equal
/// the whole field's when `h2o_ref` is fixed.
pub fn label_into<T: Element>(
    fields: &SpeciesFields<'_, T>,
    z: &ZInput<'_, T>,
    grid: &LabelGrid<'_>,
    params: &LabelParams,
    out: &mut [u8],
) -> Result<()> {
    params.validate()?;
    let n = grid.shape.n_values();
    let check = |name: &str, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "field {name}: {len} values, the grid of dims {:?} needs {n}",
                grid.shape.dims()
            )))
        }
    };
    check("Y_H2", fields.y_h2.len())?;
    check("Y_O2", fields.y_o2.len())?;
    check("Y_H2O", fields.y_h2o.len())?;
    let zeval = match *z {
        ZInput::Supplied(f) => {
            check("Z", f.len())?;
            ZEval::Field(f)
        }
        ZInput::Bilger { bilger, minor } => {
            let sp = |name: &str| Species::parse(name).expect("built-in species");
            let mut terms = vec![
                (bilger.z_coefficient(&sp("H2")), fields.y_h2),
                (bilger.z_coefficient(&sp("O2")), fields.y_o2),
                (bilger.z_coefficient(&sp("H2O")), fields.y_h2o),
            ];
            for (species, f) in minor {
                check(&species.name, f.len())?;
                let a = bilger.z_coefficient(species);
                if a != 0.0 {
                    terms.push((a, f));
                }
            }
            ZEval::Linear { offset: bilger.z_offset(), terms }
        }
    };
    let geo = Geometry::new(grid)?;
    let n_inner: usize = geo.inner.iter().product();
    if out.len() != n_inner {
        return Err(Error::invalid(format!(
            "label output: {} bytes, the interior needs {n_inner}",
            out.len()
        )));
    }
    if n_inner == 0 {
        return Ok(());
    }
    let h2o_ref = params.h2o_ref.unwrap_or_else(|| field_max(fields.y_h2o));
    let h2o_min = if h2o_ref > 0.0 { params.h2o_frac * h2o_ref } else { f64::INFINITY };
    let rule = Rule {
        fuel_min: 1.0 - params.eps_z,
        air_max: params.eps_z,
        h2o_min,
        grad_min_sq: params.grad_h2o_min * params.grad_h2o_min,
        flame_rule: params.flame_rule,
        fi_threshold: params.fi_threshold,
        guard: params.fi_grad_min,
    };

    let row_len = geo.inner[3];
    let rows_per_task = (TASK_CELLS / row_len).max(1);
    out.par_chunks_mut(rows_per_task * row_len).enumerate().for_each_init(
        || vec![0.0f64; row_len],
        |z_row, (task, chunk)| {
            for (k, row) in chunk.chunks_mut(row_len).enumerate() {
                let r = task * rows_per_task + k;
                let i2 = r % geo.inner[2];
                let i1 = (r / geo.inner[2]) % geo.inner[1];
                let i0 = r / (geo.inner[2] * geo.inner[1]);
                let pos = [geo.lo[0] + i0, geo.lo[1] + i1, geo.lo[2] + i2, geo.lo[3]];
                let start =
                    pos[0] * geo.strides[0] + pos[1] * geo.strides[1] + pos[2] * geo.strides[2] + pos[3];
                // Pass 1 over the line (branch-light): Z and water decide most cells.
                zeval.fill(start, z_row);
                let water = &fields.y_h2o[start..start + row_len];
                for ((cell, &z), w) in row.iter_mut().zip(z_row.iter()).zip(water) {
                    *cell = rule.screen(z, w.to_f64());
                }
                // Pass 2: gradients only where the flame zone (or its gradient test) needs them.
                if row.iter().any(|&c| c >= FLAME) {
                    let line = geo.line(&pos);
                    for (j, cell) in row.iter_mut().enumerate() {
                        if *cell >= FLAME {
                            let (idx, p3) = (start + j, geo.lo[3] + j);
                            let flame = *cell == FLAME || rule.steep_enough(fields.y_h2o, &line, idx, p3);
                            *cell = if flame {
                                rule.flame_class(fields, &line, idx, p3)
                            } else {
                                Class::UnburnedMixture
                            }
                            .id();
                        }
                    }
                }
            }
        },
    );
    Ok(())
}

/// Cells per rayon task (whole lines).
const TASK_CELLS: usize = 1 << 14;

/// The resolved thresholds.
struct Rule {
    fuel_min: f64,
    air_max: f64,
    h2o_min: f64,
    grad_min_sq: f64,
    flame_rule: FlameRule,
    fi_threshold: f64,
    guard: f64,
}

/// Pass-1 marks (above every class id): in the flame zone; needs the gradient test.
const FLAME: u8 = 254;
const CHECK: u8 = 255;

impl Rule {
    /// The class from Z and water alone, or [`FLAME`] / [`CHECK`] when gradients decide.
    #[inline]
    fn screen(&self, z: f64, water: f64) -> u8 {
        let product = water >= self.h2o_min;
        if z >= self.fuel_min {
            Class::PureFuel.id()
        } else if z <= self.air_max {
            Class::PureAir.id()
        } else {
            match (self.flame_rule, product) {
                (FlameRule::Product | FlameRule::Either, true) => FLAME,
                (FlameRule::Product | FlameRule::Both, false) => Class::UnburnedMixture.id(),
                _ => CHECK,
            }
        }
    }

    /// The gradient criterion `|grad Y_H2O| >= grad_h2o_min`.
    #[inline]
    fn steep_enough<T: Element>(&self, water: &[T], line: &Line<'_>, idx: usize, p3: usize) -> bool {
        let [g] = line.gradients([water], idx, p3);
        norm_sq(&g) >= self.grad_min_sq
    }

    /// Premixed or non-premixed by the flame index, for a cell in the flame zone.
    #[inline]
    fn flame_class<T: Element>(
        &self,
        f: &SpeciesFields<'_, T>,
        line: &Line<'_>,
        idx: usize,
        p3: usize,
    ) -> Class {
        let [gf, go] = line.gradients([f.y_h2, f.y_o2], idx, p3);
        let (nf, no) = (norm_sq(&gf).sqrt(), norm_sq(&go).sqrt());
        if !(nf >= self.guard && no >= self.guard) || nf == 0.0 || no == 0.0 {
            return Class::NonPremixedFlame;
        }
        let dot: f64 = gf.iter().zip(&go).map(|(a, b)| a * b).sum();
        if dot / (nf * no) > self.fi_threshold {
            Class::PremixedFlame
        } else {
            Class::NonPremixedFlame
        }
    }
}

#[inline]
fn norm_sq(g: &[f64; 4]) -> f64 {
    g.iter().map(|v| v * v).sum()
}
