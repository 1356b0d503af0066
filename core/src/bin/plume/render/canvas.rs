//! An RGB canvas (white background) written as an 8-bit PNG with the `png` crate.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::error::{CliError, CliResult};

use super::font;

/// An RGB image, row-major, top row first.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(width: usize, height: usize) -> Self {
        Canvas { width, height, pixels: vec![255; width * height * 3] }
    }

    /// Sets one pixel (ignored outside the canvas).
    pub fn set(&mut self, x: usize, y: usize, c: [u8; 3]) {
        if x < self.width && y < self.height {
            let i = (y * self.width + x) * 3;
            self.pixels[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Fills a rectangle.
    pub fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, c: [u8; 3]) {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                self.set(x, y, c);
            }
        }
    }

    /// A one-pixel rectangle outline.
    pub fn frame(&mut self, x0: usize, y0: usize, w: usize, h: usize, c: [u8; 3]) {
        if w == 0 || h == 0 {
            return;
        }
        self.fill(x0, y0, w, 1, c);
        self.fill(x0, y0 + h - 1, w, 1, c);
        self.fill(x0, y0, 1, h, c);
        self.fill(x0 + w - 1, y0, 1, h, c);
    }

    /// Draws `text` (the font's characters) in black with its top-left corner at (x, y).
    pub fn text(&mut self, x: usize, y: usize, text: &str) {
        font::draw(text, |dx, dy| self.set(x + dx, y + dy, [0, 0, 0]));
    }

    /// Writes the canvas as an 8-bit RGB PNG.
    pub fn write_png(&self, path: &Path) -> CliResult<()> {
        let file = File::create(path).map_err(|e| CliError::io(path, &e))?;
        let fail = |e: png::EncodingError| {
            CliError::failure(format!("{}: PNG encoding failed: {e}", path.display()))
        };
        let mut encoder = png::Encoder::new(BufWriter::new(file), self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(&self.pixels).map_err(fail)?;
        writer.finish().map_err(fail)
    }
}
