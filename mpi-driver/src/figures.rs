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
