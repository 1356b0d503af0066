//! `plume render`: PNG images of a 2-D slice of a field (viridis, linear or log scale, with a
//! colour bar) or of a label map (the fixed five-colour legend of FORMAT.md "Labels"); with
//! a second operand, side-by-side panels original | decompressed | difference (for labels:
//! original | recomputed | mismatch, changed cells in black).

pub(crate) mod canvas;
mod colormap;
pub(crate) mod font;

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use plume_core::field::AnyValues;
use plume_core::label::Class;
use plume_core::{Order, Shape};
use serde::Serialize;

use crate::args::{join, FieldArgs};
use crate::error::{CliError, CliResult};
use crate::eval_labels::read_labels;
use crate::io::{self, FieldSpec, Location};
use crate::output;

use canvas::Canvas;
use colormap::{ColourMap, INVALID};

/// `--scale`: how values map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// Linear between the range ends.
    Linear,
    /// Linear in log10 (values <= 0 drawn magenta).
    Log,
}

/// Arguments of `plume render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The PNG file to write.
    #[arg(value_name = "OUTPUT.png")]
    pub output: PathBuf,
    /// The field (raw file or `file.h5:/dset`), or with --labels the labels (raw .u8 or a
    /// label stream).
    #[arg(value_name = "INPUT")]
    pub input: String,
    /// Decompressed fields (or recomputed labels) of the same dims. One: three panels,
    /// original | decompressed | difference (labels: original | recomputed | mismatch).
    /// Several (e.g. one per error bound): original | each of them, in the order given.
    #[arg(value_name = "COMPARE")]
    pub compare: Vec<String>,
    #[command(flatten)]
    pub field: FieldArgs,
    /// The operands are label arrays (one class id per cell), drawn with the fixed legend:
    /// 0 premixed red, 1 non-premixed orange, 2 pure fuel blue, 3 pure air grey,
    /// 4 unburned mixture green.
    #[arg(long, conflicts_with_all = ["scale", "range"])]
    pub labels: bool,
    /// Fix an axis at an index, `AXIS=INDEX` (repeatable). The image shows the two lowest
    /// axes left free: the first horizontally, the second vertically, index 0 at the
    /// bottom. Axes not fixed beyond two are fixed at their middle, last axis first.
    #[arg(long, value_name = "AXIS=INDEX")]
    pub slice: Vec<String>,
    /// Colour scale of a field.
    #[arg(long, value_enum)]
    pub scale: Option<ScaleArg>,
    /// Colour range `MIN,MAX` of a field [default: the slice's finite (log: positive) range
    /// of INPUT]; the decompressed panel uses the same range.
    #[arg(long, value_name = "MIN,MAX", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Pixels per cell [default: about 512 pixels along the longer side, at most 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub zoom: Option<u32>,
    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report of `plume render`.
#[derive(Debug, Serialize)]
struct RenderJson {
    output: String,
    width: usize,
    height: usize,
    panels: usize,
    axes: [usize; 2],
    fixed: Vec<[usize; 2]>,
    zoom: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<[f64; 2]>,
}

/// A 2-D slice: the two free axes and the flat index of each pixel.
#[derive(Debug)]
struct Plane {
    axes: [usize; 2],
    fixed: Vec<[usize; 2]>,
    nh: usize,
    nv: usize,
    base: usize,
    stride_h: usize,
    stride_v: usize,
}

impl Plane {
    fn new(shape: &Shape, slices: &[String]) -> CliResult<Plane> {
        let dims = shape.dims();
        let nd = dims.len();
        if nd < 2 {
            return Err(CliError::usage(format!(
                "--dims {}: render needs a field of 2 to 4 dims",
                join(dims, ",")
            )));
        }
        let mut fixed: Vec<[usize; 2]> = Vec::new();
        for s in slices {
            let parsed =
                s.split_once('=').and_then(|(a, i)| Some((a.trim().parse().ok()?, i.trim().parse().ok()?)));
            let (axis, index): (usize, usize) =
                parsed.ok_or_else(|| CliError::usage(format!("--slice '{s}': expected AXIS=INDEX")))?;
            if axis >= nd || index >= dims[axis] || fixed.iter().any(|f| f[0] == axis) {
                return Err(CliError::usage(format!(
                    "--slice {s}: axis must be 0..{nd}, once, and the index below its dim (dims {})",
                    join(dims, ",")
                )));
            }
            fixed.push([axis, index]);
        }
        if fixed.len() > nd - 2 {
            return Err(CliError::usage(format!(
                "--slice: fix at most {} of the {nd} axes; two must stay free",
                nd - 2
            )));
        }
        for axis in (0..nd).rev() {
            if fixed.len() == nd - 2 {
                break;
            }
            if !fixed.iter().any(|f| f[0] == axis) {
                fixed.push([axis, dims[axis] / 2]);
            }
        }
        let free: Vec<usize> = (0..nd).filter(|a| !fixed.iter().any(|f| f[0] == *a)).collect();
        let stride = |a: usize| -> usize {
            match shape.order() {
                Order::C => dims[a + 1..].iter().product(),
                Order::Fortran => dims[..a].iter().product(),
            }
        };
        let base = fixed.iter().map(|f| f[1] * stride(f[0])).sum();
        fixed.sort_unstable();
        Ok(Plane {
            axes: [free[0], free[1]],
            fixed,
            nh: dims[free[0]],
            nv: dims[free[1]],
            base,
            stride_h: stride(free[0]),
            stride_v: stride(free[1]),
        })
    }

    /// Flat index of pixel (h, v).
    fn index(&self, h: usize, v: usize) -> usize {
        self.base + h * self.stride_h + v * self.stride_v
    }

    /// The slice of `values`, row v = 0 first.
    fn extract<T: Copy>(&self, values: &[T]) -> Vec<T> {
        let mut out = Vec::with_capacity(self.nh * self.nv);
        for v in 0..self.nv {
            for h in 0..self.nh {
                out.push(values[self.index(h, v)]);
            }
        }
        out
    }
}

/// Gap between an image and its colour bar or legend, and the bar's width.
const GAP: usize = 6;
const BAR: usize = 14;
/// Margin around and between panels.
const MARGIN: usize = 12;
const FRAME: [u8; 3] = [96, 96, 96];

/// Something drawn in one panel.
enum Panel {
    /// Values mapped through a colour map between `lo` and `hi`, with a colour bar.
    Field { values: Vec<f64>, map: ColourMap, lo: f64, hi: f64, log: bool },
    /// Class ids with the legend.
    Labels(Vec<u8>),
    /// Changed (true) cells in black.
    Mismatch(Vec<bool>),
}

impl Panel {
    /// Width of the panel in pixels for an image `w` wide.
    fn width(&self, w: usize) -> usize {
        match self {
            Panel::Field { lo, hi, .. } => {
                let text = [font::number(*lo), font::number(*hi), font::number(0.5 * (lo + hi))]
                    .iter()
                    .map(|t| font::width(t))
                    .max()
                    .unwrap_or(0);
                w + GAP + BAR + 4 + text
            }
            Panel::Labels(_) => w + GAP + BAR + 4 + font::ADVANCE,
            Panel::Mismatch(_) => w,
        }
    }

    /// Draws the panel with its top-left corner at (x0, y0).
    fn draw(&self, c: &mut Canvas, plane: &Plane, zoom: usize, x0: usize, y0: usize) {
        let (w, h) = (plane.nh * zoom, plane.nv * zoom);
        let colour_at = |k: usize| -> [u8; 3] {
            match self {
                Panel::Field { values, map, lo, hi, log } => map.at(scale_t(values[k], *lo, *hi, *log)),
                Panel::Labels(ids) => Class::from_id(ids[k]).map_or(INVALID, Class::colour),
                Panel::Mismatch(diff) => {
                    if diff[k] {
                        [0, 0, 0]
                    } else {
                        [255, 255, 255]
                    }
                }
            }
        };
        for v in 0..plane.nv {
            for hh in 0..plane.nh {
                let col = colour_at(v * plane.nh + hh);
                c.fill(x0 + hh * zoom, y0 + (plane.nv - 1 - v) * zoom, zoom, zoom, col);
            }
        }
        c.frame(x0.saturating_sub(1), y0.saturating_sub(1), w + 2, h + 2, FRAME);
        let bx = x0 + w + GAP;
        match self {
            Panel::Field { map, lo, hi, log, .. } => {
                for y in 0..h {
                    let t = 1.0 - y as f64 / (h.max(2) - 1) as f64;
                    c.fill(bx, y0 + y, BAR, 1, map.at(t));
                }
                c.frame(bx, y0, BAR, h, FRAME);
                let mid =
                    if *log { 10f64.powf(lo.log10() / 2.0 + hi.log10() / 2.0) } else { 0.5 * (lo + hi) };
                c.text(bx + BAR + 4, y0, &font::number(*hi));
                if h >= 3 * font::HEIGHT + 4 {
                    c.text(bx + BAR + 4, y0 + h / 2 - font::HEIGHT / 2, &font::number(mid));
                }
                c.text(bx + BAR + 4, y0 + h.saturating_sub(font::HEIGHT), &font::number(*lo));
            }
            Panel::Labels(_) => {
                for class in Class::ALL {
                    let y = y0 + class.id() as usize * (BAR + 4);
                    c.fill(bx, y, BAR, BAR, class.colour());
                    c.frame(bx, y, BAR, BAR, FRAME);
                    c.text(bx + BAR + 4, y + (BAR - font::HEIGHT) / 2, &class.id().to_string());
                }
            }
            Panel::Mismatch(_) => {}
        }
    }

    /// Height of the panel for an image `h` high.
    fn height(&self, h: usize) -> usize {
        match self {
            Panel::Labels(_) => h.max(5 * (BAR + 4)),
            _ => h.max(font::HEIGHT),
        }
    }
}

/// Where `v` falls in [lo, hi] (0..1), NaN for values a log scale cannot show.
fn scale_t(v: f64, lo: f64, hi: f64, log: bool) -> f64 {
    if !v.is_finite() || (log && v <= 0.0) {
        return f64::NAN;
    }
    let (v, lo, hi) = if log { (v.log10(), lo.log10(), hi.log10()) } else { (v, lo, hi) };
    if hi > lo {
        (v - lo) / (hi - lo)
    } else {
        0.5
    }
}

/// The slice of a field operand as f64.
fn field_slice(values: &AnyValues, plane: &Plane) -> Vec<f64> {
    match values {
        AnyValues::F32(v) => plane.extract(v).into_iter().map(f64::from).collect(),
        AnyValues::F64(v) => plane.extract(v),
    }
}

/// Parses `--range MIN,MAX`.
fn parse_range(text: &str, log: bool) -> CliResult<(f64, f64)> {
    let parsed =
        text.split_once(',').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some((lo, hi)) if f64::is_finite(lo) && f64::is_finite(hi) && lo < hi && (!log || lo > 0.0) => {
            Ok((lo, hi))
        }
        _ => Err(CliError::usage(format!(
            "--range '{text}': expected MIN,MAX, finite, MIN < MAX{}",
            if log { ", MIN > 0 with --scale log" } else { "" }
        ))),
    }
}

/// Runs `plume render`.
pub fn run(args: &RenderArgs) -> CliResult<()> {
    let (panels, plane, range) = if args.labels { label_panels(args)? } else { field_panels(args)? };
    let zoom = args.zoom.map_or_else(|| (512 / plane.nh.max(plane.nv)).clamp(1, 16), |z| z as usize);
    let (w, h) = (plane.nh * zoom, plane.nv * zoom);
    let width = 2 * MARGIN + panels.iter().map(|p| p.width(w)).sum::<usize>() + MARGIN * (panels.len() - 1);
    let height = 2 * MARGIN + panels.iter().map(|p| p.height(h)).max().unwrap_or(h);
    let mut canvas = Canvas::new(width, height);
    let mut x = MARGIN;
    for p in &panels {
        p.draw(&mut canvas, &plane, zoom, x, MARGIN);
        x += p.width(w) + MARGIN;
    }
    canvas.write_png(&args.output)?;
    if args.json {
        return output::print_json(&RenderJson {
            output: args.output.display().to_string(),
            width,
            height,
            panels: panels.len(),
            axes: plane.axes,
            fixed: plane.fixed.clone(),
            zoom,
            range: range.map(|(a, b)| [a, b]),
        });
    }
    let fixed: Vec<String> = plane.fixed.iter().map(|f| format!("{}={}", f[0], f[1])).collect();
    let mut t = output::Table::new();
    t.row(
        "output",
        format!("{} ({width}x{height} pixels, {} panel(s))", args.output.display(), panels.len()),
    )
    .row(
        "slice",
        format!(
            "axes {} (horizontal) and {} (vertical), fixed {}",
            plane.axes[0],
            plane.axes[1],
            if fixed.is_empty() { "-".to_string() } else { fixed.join(" ") }
        ),
    )
    .row("zoom", format!("{zoom} pixel(s) per cell"));
    if let Some((lo, hi)) = range {
        t.row("range", format!("{} .. {}", output::num(lo), output::num(hi)));
    }
    t.print();
    Ok(())
}

type Panels = (Vec<Panel>, Plane, Option<(f64, f64)>);

/// The panels of a field (and its decompressed versions).
fn field_panels(args: &RenderArgs) -> CliResult<Panels> {
    let log = args.scale == Some(ScaleArg::Log);
    let a_loc = Location::parse(&args.input);
    let a = io::read_field(&a_loc, &args.field.spec())?;
    let plane = Plane::new(&a.shape, &args.slice)?;
    let a_vals = field_slice(&a.values, &plane);
    let (lo, hi) = match &args.range {
        Some(r) => parse_range(r, log)?,
        None => {
            let shown = a_vals.iter().copied().filter(|v| v.is_finite() && (!log || *v > 0.0));
            let (lo, hi) = shown.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
            if lo > hi {
                return Err(CliError::usage(format!(
                    "{a_loc}: no {} value in the slice to set the colour range",
                    if log { "positive finite" } else { "finite" }
                )));
            }
            (lo, hi)
        }
    };
    let mut panels = vec![Panel::Field { values: a_vals.clone(), map: ColourMap::Viridis, lo, hi, log }];
    for b_arg in &args.compare {
        let b_loc = Location::parse(b_arg);
        let spec =
            FieldSpec { dims: Some(a.shape.dims().to_vec()), dtype: Some(a.dtype()), order: a.shape.order() };
        let b = io::read_field(&b_loc, &spec)?;
        if b.shape.dims() != a.shape.dims() || b.dtype() != a.dtype() {
            return Err(CliError::usage(format!("{b_loc}: dims or dtype differ from {a_loc}")));
        }
        let b_vals = field_slice(&b.values, &plane);
        if args.compare.len() == 1 {
            let diff: Vec<f64> = a_vals.iter().zip(&b_vals).map(|(x, y)| y - x).collect();
            let m = diff.iter().filter(|d| d.is_finite()).fold(0.0f64, |m, d| m.max(d.abs()));
            panels.push(Panel::Field { values: b_vals, map: ColourMap::Viridis, lo, hi, log });
            panels.push(Panel::Field { values: diff, map: ColourMap::Diverging, lo: -m, hi: m, log: false });
        } else {
            panels.push(Panel::Field { values: b_vals, map: ColourMap::Viridis, lo, hi, log });
        }
    }
    Ok((panels, plane, Some((lo, hi))))
}

/// The panels of a label map (and its recomputed versions).
fn label_panels(args: &RenderArgs) -> CliResult<Panels> {
    if args.field.dtype.is_some() {
        return Err(CliError::usage("--dtype: label files are u8 class ids; drop --dtype with --labels"));
    }
    let given = match &args.field.dims {
        Some(d) => Some(Shape::new(&d.0, args.field.order.into()).map_err(|e| CliError::core("--dims", &e))?),
        None => None,
    };
    let (a, a_shape) = read_labels(Path::new(&args.input), given.as_ref())?;
    let shape = given.or(a_shape).ok_or_else(|| CliError::usage("--dims is required for raw label files"))?;
    let plane = Plane::new(&shape, &args.slice)?;
    let a_ids = plane.extract(&a);
    let mut panels = vec![Panel::Labels(a_ids.clone())];
    for b_arg in &args.compare {
        let (b, b_shape) = read_labels(Path::new(b_arg), Some(&shape))?;
        if b.len() != a.len() || b_shape.is_some_and(|s| s.storage_dims() != shape.storage_dims()) {
            return Err(CliError::usage(format!("{b_arg}: dims differ from {}", args.input)));
        }
        let b_ids = plane.extract(&b);
        if args.compare.len() == 1 {
            let diff = a_ids.iter().zip(&b_ids).map(|(x, y)| x != y).collect();
            panels.push(Panel::Labels(b_ids));
            panels.push(Panel::Mismatch(diff));
        } else {
            panels.push(Panel::Labels(b_ids));
        }
    }
    Ok((panels, plane, None))
}
