//! PNG figures of `plume-train eval` (the study's Figures 6-8, without text): loss curves,
//! per-class accuracy bars in the class colours of FORMAT.md, and prediction | ground truth
//! | input panels of a few test windows.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use plume_core::label::Class;
use plume_core::{Error, ErrorKind, Result};

use crate::train::EpochRecord;

/// An RGB image.
#[derive(Debug, Clone)]
pub struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(width: usize, height: usize) -> Self {
        Canvas { width, height, rgb: vec![255; width * height * 3] }
    }

    /// Sets a pixel (ignored outside).
    pub fn set(&mut self, x: usize, y: usize, c: [u8; 3]) {
        if x < self.width && y < self.height {
            let i = (y * self.width + x) * 3;
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Fills a rectangle.
    pub fn rect(&mut self, x0: usize, y0: usize, w: usize, h: usize, c: [u8; 3]) {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                self.set(x, y, c);
            }
        }
    }

    /// A line (DDA).
    pub fn line(&mut self, a: (f64, f64), b: (f64, f64), c: [u8; 3]) {
        let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
        for i in 0..=n {
            let t = i as f64 / n as f64;
            let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            if x >= 0.0 && y >= 0.0 {
                self.set(x.round() as usize, y.round() as usize, c);
            }
        }
    }

    /// Writes the PNG.
    pub fn save(&self, path: &Path) -> Result<()> {
        let fail = |e: String| Error::new(ErrorKind::Io, format!("{}: {e}", path.display()));
        let file = File::create(path).map_err(|e| fail(e.to_string()))?;
        let mut enc = png::Encoder::new(BufWriter::new(file), self.width as u32, self.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| fail(e.to_string()))?;
        w.write_image_data(&self.rgb).map_err(|e| fail(e.to_string()))
    }
}

fn class_colour(id: u8) -> [u8; 3] {
    Class::from_id(id).map_or([0, 0, 0], Class::colour)
}

/// Prediction | ground truth | input (grey, min to max) of one `w x w` slice, each panel
/// scaled up to about 256 pixels.
pub fn panels(pred: &[u8], truth: &[u8], input: &[f32], w: usize) -> Canvas {
    let s = (256 / w.max(1)).max(1);
    let gap = 4;
    let mut c = Canvas::new(3 * w * s + 2 * gap, w * s);
    let (lo, hi) = input
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    for i in 0..w {
        for j in 0..w {
            let k = i * w + j;
            let g = (((input[k] - lo) / span).clamp(0.0, 1.0) * 255.0) as u8;
            for (p, col) in [(0, class_colour(pred[k])), (1, class_colour(truth[k])), (2, [g, g, g])] {
                c.rect(p * (w * s + gap) + j * s, i * s, s, s, col);
            }
        }
    }
    c
}

/// Training (blue) and validation (orange) loss per epoch, log-free, scaled to the range.
pub fn loss_curves(history: &[EpochRecord]) -> Canvas {
    let (wd, ht, m) = (480usize, 320usize, 20.0f64);
    let mut c = Canvas::new(wd, ht);
    c.line((m, m), (m, ht as f64 - m), [0, 0, 0]);
    c.line((m, ht as f64 - m), (wd as f64 - m, ht as f64 - m), [0, 0, 0]);
    let vals: Vec<f64> =
        history.iter().flat_map(|r| [r.train_loss, r.val_loss]).filter(|v| v.is_finite()).collect();
    let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = history.len().max(2) - 1;
    let pt = |i: usize, v: f64| {
        (
            m + i as f64 / n as f64 * (wd as f64 - 2.0 * m),
            ht as f64 - m - (v - lo) / span * (ht as f64 - 2.0 * m),
        )
    };
    for (k, col) in [(0, [31u8, 119, 180]), (1, [255, 127, 14])] {
        for i in 1..history.len() {
            let get = |r: &EpochRecord| if k == 0 { r.train_loss } else { r.val_loss };
            c.line(pt(i - 1, get(&history[i - 1])), pt(i, get(&history[i])), col);
        }
    }
    c
}

/// One bar per class, its height the class accuracy (recall), in the class colour; a grey
/// stub where the class is absent.
pub fn class_bars(class_accuracy: &[Option<f64>]) -> Canvas {
    let (wd, ht, m) = (60 * class_accuracy.len() + 40, 260usize, 20usize);
    let mut c = Canvas::new(wd, ht);
    c.rect(m, ht - m, wd - 2 * m, 1, [0, 0, 0]);
    for (i, a) in class_accuracy.iter().enumerate() {
        let x = m + 10 + 60 * i;
        match a {
            Some(v) => {
                let h = (v.clamp(0.0, 1.0) * (ht - 2 * m) as f64) as usize;
                c.rect(x, ht - m - h, 40, h, class_colour(i as u8));
            }
            None => c.rect(x, ht - m - 2, 40, 2, [128, 128, 128]),
        }
    }
    c
}

/// A 3 x 5 pixel glyph (rows top to bottom, 3 bits each, MSB left) of the characters tick
/// labels need; `None` for others (drawn as a space).
fn glyph(ch: char) -> Option<[u8; 5]> {
    Some(match ch {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        '+' => [0, 2, 7, 2, 0],
        'e' => [0, 6, 7, 4, 3],
        'x' => [0, 5, 2, 5, 0],
        '%' => [5, 1, 2, 4, 5],
        _ => return None,
    })
}

impl Canvas {
    /// Draws `text` (digits, `.-+ex%`) with its top-left corner at `(x, y)`, each font
    /// pixel `scale` x `scale`; returns the width drawn.
    pub fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, c: [u8; 3]) -> usize {
        let mut cx = x;
        for ch in text.chars() {
            if let Some(g) = glyph(ch) {
                for (r, bits) in g.iter().enumerate() {
                    for col in 0..3 {
                        if bits & (4 >> col) != 0 {
                            self.rect(cx + col * scale, y + r * scale, scale, scale, c);
                        }
                    }
                }
            }
            cx += 4 * scale;
        }
        cx - x
    }

    /// Width of `text` drawn at `scale`.
    pub fn text_width(text: &str, scale: usize) -> usize {
        text.chars().count() * 4 * scale
    }
}

/// A short tick label: `0`, `0.25`, `12`, `1.5e-3`.
pub fn tick_label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-2..1e4).contains(&a) {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("{v:.1e}").replace(".0e", "e")
    }
}

/// Plot geometry shared by the report's charts: margins for tick labels, grey grid lines at
/// five y ticks from `lo` to `hi` (labelled), axes in black.
struct Frame {
    wd: usize,
    ht: usize,
    left: usize,
    bottom: usize,
    top: usize,
    right: usize,
    lo: f64,
    hi: f64,
}

impl Frame {
    fn new(wd: usize, ht: usize, lo: f64, hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        // Round the range up so the four tick steps are 1, 2, 2.5 or 5 x 10^k.
        let raw = (hi - lo) / 4.0;
        let p = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * p)
            .find(|&s| s >= raw * (1.0 - 1e-9))
            .unwrap_or(raw);
        let hi = lo + 4.0 * step;
        Frame { wd, ht, left: 70, bottom: 30, top: 12, right: 12, lo, hi }
    }
    fn y(&self, v: f64) -> f64 {
        let h = (self.ht - self.top - self.bottom) as f64;
        (self.ht - self.bottom) as f64 - ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0) * h
    }
    fn plot_width(&self) -> usize {
        self.wd - self.left - self.right
    }
    fn draw(&self, c: &mut Canvas) {
        for i in 0..=4 {
            let v = self.lo + (self.hi - self.lo) * i as f64 / 4.0;
            let y = self.y(v).round() as usize;
            c.rect(self.left, y, self.plot_width(), 1, [225, 225, 225]);
            let t = tick_label(v);
            let w = Canvas::text_width(&t, 2);
            c.text(self.left.saturating_sub(w + 6), y.saturating_sub(5), &t, 2, [0, 0, 0]);
        }
        c.rect(self.left, self.top, 1, self.ht - self.top - self.bottom, [0, 0, 0]);
        c.rect(self.left, self.ht - self.bottom, self.plot_width(), 1, [0, 0, 0]);
    }
}

/// Grouped bars: one group per x label (drawn under it), one bar per series in `colours`
/// (`None`: a grey stub), y from 0 to `hi` (at least the largest value).
pub fn grouped_bars(groups: &[Vec<Option<f64>>], colours: &[[u8; 3]], labels: &[String], hi: f64) -> Canvas {
    let per = groups.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let bar = 16usize;
    let gw = per * bar + 24;
    let max = groups.iter().flatten().flatten().fold(hi, |m, &v| if v.is_finite() { m.max(v) } else { m });
    let f = Frame::new(70 + 12 + gw * groups.len().max(1) + 8, 300, 0.0, max);
    let mut c = Canvas::new(f.wd, f.ht);
    f.draw(&mut c);
    for (g, vals) in groups.iter().enumerate() {
        let x0 = f.left + 8 + g * gw;
        for (i, v) in vals.iter().enumerate() {
            let x = x0 + i * bar;
            let base = f.ht - f.bottom;
            match v {
                Some(v) if v.is_finite() => {
                    let top = f.y(*v).round() as usize;
                    c.rect(x, top, bar - 2, base - top, colours[i % colours.len()]);
                }
                _ => c.rect(x, base - 2, bar - 2, 2, [128, 128, 128]),
            }
        }
        if let Some(l) = labels.get(g) {
            let w = Canvas::text_width(l, 2);
            let mid = x0 + per * bar / 2;
            c.text(mid.saturating_sub(w / 2), f.ht - f.bottom + 8, l, 2, [0, 0, 0]);
        }
    }
    c
}

/// Lines over a shared x index (epochs), each `(values, colour, dashed)`, y from the data's
/// range; x ticks at every point labelled by its index when there are few.
pub fn line_chart(series: &[(Vec<f64>, [u8; 3], bool)]) -> Canvas {
    let vals: Vec<f64> = series.iter().flat_map(|s| s.0.iter().copied()).filter(|v| v.is_finite()).collect();
    let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo.min(0.0), hi * 1.05) } else { (0.0, 1.0) };
    let f = Frame::new(560, 320, lo, hi);
    let mut c = Canvas::new(f.wd, f.ht);
    f.draw(&mut c);
    let n = series.iter().map(|s| s.0.len()).max().unwrap_or(0);
    let span = (n.max(2) - 1) as f64;
    let px = |i: usize| f.left as f64 + 10.0 + i as f64 / span * (f.plot_width() - 20) as f64;
    for i in 0..n {
        if n <= 12 || i % n.div_ceil(12) == 0 {
            let t = (i + 1).to_string();
            let x = px(i).round() as usize;
            c.rect(x, f.ht - f.bottom, 1, 4, [0, 0, 0]);
            c.text(x.saturating_sub(Canvas::text_width(&t, 2) / 2), f.ht - f.bottom + 8, &t, 2, [0, 0, 0]);
        }
    }
    for (v, col, dashed) in series {
        for i in 1..v.len() {
            if !(v[i - 1].is_finite() && v[i].is_finite()) {
                continue;
            }
            let (a, b) = ((px(i - 1), f.y(v[i - 1])), (px(i), f.y(v[i])));
            if *dashed {
                let steps = 8;
                for k in (0..steps).step_by(2) {
                    let t0 = k as f64 / steps as f64;
                    let t1 = (k + 1) as f64 / steps as f64;
                    let p = |t: f64| (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
                    c.line(p(t0), p(t1), *col);
                }
            } else {
                c.line(a, b, *col);
                c.line((a.0, a.1 + 1.0), (b.0, b.1 + 1.0), *col);
            }
        }
        for (i, &y) in v.iter().enumerate() {
            if y.is_finite() {
                c.rect((px(i) as usize).saturating_sub(2), (f.y(y) as usize).saturating_sub(2), 5, 5, *col);
            }
        }
    }
    c
}

/// One image of a [`strip`]: a scalar slice (coloured from the strip's shared range) or a
/// label slice (class colours).
#[derive(Debug, Clone, PartialEq)]
pub enum Slice {
    /// Values, row-major.
    Scalar(Vec<f64>),
    /// Class ids, row-major.
    Labels(Vec<u8>),
}

/// A perceptually ordered colour map (dark blue, teal, yellow), `t` in [0, 1].
fn colour_map(t: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let t = t.clamp(0.0, 1.0) * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    std::array::from_fn(|k| (STOPS[i][k] + f * (STOPS[i + 1][k] - STOPS[i][k])).round() as u8)
}

/// Slices of `rows x cols` side by side, each scaled up to about 256 pixels tall, with a
/// tick-style label under each; scalar slices share one colour range (their min to max).
pub fn strip(slices: &[Slice], rows: usize, cols: usize, labels: &[String]) -> Canvas {
    let s = (256 / rows.max(1)).max(1).min((512 / cols.max(1)).max(1));
    let (gap, text_h) = (6usize, 20usize);
    let (pw, ph) = (cols * s, rows * s);
    let mut c = Canvas::new((pw + gap) * slices.len().max(1), ph + text_h);
    let (lo, hi) = slices
        .iter()
        .filter_map(|sl| if let Slice::Scalar(v) = sl { Some(v) } else { None })
        .flatten()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    for (p, sl) in slices.iter().enumerate() {
        let x0 = p * (pw + gap);
        for i in 0..rows {
            for j in 0..cols {
                let k = i * cols + j;
                let col = match sl {
                    Slice::Scalar(v) => v.get(k).map_or([255, 255, 255], |x| colour_map((x - lo) / span)),
                    Slice::Labels(v) => v.get(k).map_or([255, 255, 255], |&id| class_colour(id)),
                };
                c.rect(x0 + j * s, i * s, s, s, col);
            }
        }
        if let Some(l) = labels.get(p) {
            let w = Canvas::text_width(l, 2);
            c.text((x0 + pw / 2).saturating_sub(w / 2), ph + 5, l, 2, [0, 0, 0]);
        }
    }
    c
}
