//! Labels stored losslessly in an ordinary Plume stream, with no format change: the class
//! ids become f32 values compressed under `ABS 0.25` with the `ratio` encoding. The linear
//! quantizer's bins are 0.5 wide and centred on the midrange of the ids, a multiple of
//! 0.5, so every integer id is a bin centre and decodes exactly; Lorenzo residuals of a
//! piecewise-constant map are mostly zero, which Huffman + zstd store in a few bits.

use crate::codec::{self, CompressOptions, Encoding};
use crate::error::{Error, Result};
use crate::field::{FieldView, Shape};
use crate::ErrorBound;

use super::{class_counts, N_CLASSES};

/// The absolute bound label streams are written with.
pub const LABEL_ABS_BOUND: f64 = 0.25;

/// Compresses class ids (each 0..=4) of `shape` into a Plume stream. Fails when a value
/// is not a class id or the shape does not match the length.
pub fn compress_labels(labels: &[u8], shape: &Shape) -> Result<Vec<u8>> {
    class_counts(labels)?;
    let values: Vec<f32> = labels.iter().map(|&l| f32::from(l)).collect();
    let field = FieldView::new(&values, shape)?;
    codec::compress(field, &CompressOptions::new(ErrorBound::Abs(LABEL_ABS_BOUND), Encoding::Ratio))
}

/// Decompresses a label stream written by [`compress_labels`]. Fails like
/// [`codec::decompress`] on a corrupt stream, and with `CorruptStream` when a decoded value
/// is not exactly a class id (a stream of some other field).
pub fn decompress_labels(stream: &[u8]) -> Result<(Vec<u8>, Shape)> {
    let (values, shape) = codec::decompress::<f32>(stream)?;
    let mut labels = Vec::with_capacity(values.len());
    for (i, &v) in values.iter().enumerate() {
        let id = v as u8;
        if f32::from(id) != v || id as usize >= N_CLASSES {
            return Err(Error::new(
                crate::ErrorKind::CorruptStream,
                format!("label stream: value {v} at index {i} is not a class id 0..={}", N_CLASSES - 1),
            ));
        }
        labels.push(id);
    }
    Ok((labels, shape))
}
