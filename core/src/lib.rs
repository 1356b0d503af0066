//! # plume-core
//!
//! Error-bounded lossy compression of f32/f64 fields (1-4-D, C or Fortran order) with a
//! documented, self-describing stream format (see `FORMAT.md`), and quality metrics.
//!
//! The pipeline, one stage per module:
//! [`quantize`] (error bound to integer codes, outliers stored losslessly) ->
//! [`predict`] (integer Lorenzo) -> [`encode`] (`fast` bit-packing or `ratio` Huffman) ->
//! [`lossless`] (zstd). [`format`] reads and writes the container, [`engine`] runs the
//! stages over independent blocks in parallel, and [`codec`] is the public entry point.
//!
//! Beside the codec: [`label`] (five-class flame-regime labels from Y_H2, Y_O2, Y_H2O and
//! the mixture fraction, label error, lossless label streams), [`metrics`] (quality
//! metrics) and [`synth`] (synthetic fields, including a lifted H2 jet flame).
//!
//! ```
//! use plume_core::{codec, CompressOptions, ErrorBound, Encoding, FieldView, Order, Shape};
//! let shape = Shape::new(&[16, 16], Order::C).unwrap();
//! let values: Vec<f32> = (0..256).map(|i| (i as f32 * 0.1).sin()).collect();
//! let field = FieldView::new(&values, &shape).unwrap();
//! let opts = CompressOptions::new(ErrorBound::Abs(1e-3), Encoding::Ratio);
//! let stream = codec::compress(field, &opts).unwrap();
//! let (back, _shape) = codec::decompress::<f32>(&stream).unwrap();
//! assert!(values.iter().zip(&back).all(|(a, b)| (a - b).abs() <= 1e-3));
//! ```

pub mod bound;
pub mod codec;
pub mod config;
pub mod encode;
pub mod engine;
pub mod error;
pub mod exact_math;
pub mod field;
pub mod format;
mod huge_pages;
pub mod label;
pub mod lossless;
pub mod metrics;
pub mod predict;
pub mod quantize;
pub mod synth;

pub use bound::ErrorBound;
pub use codec::{CompressOptions, Encoding};
pub use error::{Error, ErrorKind, Result};
pub use field::{DType, Element, FieldView, Order, Shape};

/// Plume's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
