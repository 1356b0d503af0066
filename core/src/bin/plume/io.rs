//! Field and stream I/O: where an operand lives ([`Location`]: a raw little-endian file or
//! an HDF5 dataset `file.h5:/path/to/dset`), reading a field under the user's
//! [`FieldSpec`], and writing one. Raw files are read and written in bounded chunks.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use plume_core::field::{AnyField, AnyValues};
use plume_core::{DType, Element, FieldView, Order, Shape};

use crate::args::join;
use crate::error::{CliError, CliResult};
use crate::hdf5_io;

/// Bytes moved per read or write call on raw files.
const CHUNK_BYTES: usize = 1 << 20;

/// Where a field lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A raw little-endian file with no header.
    Raw(PathBuf),
    /// A dataset in an HDF5 file.
    Hdf5 {
        /// The HDF5 file.
        file: PathBuf,
        /// The dataset's path inside the file, e.g. `/fields/Y_H2`.
        dataset: String,
    },
}

impl Location {
    /// Reads an operand: `file.h5:/path/to/dset` names an HDF5 dataset (split at the first
    /// `:/`), unless the whole argument names an existing file; anything else is a raw file.
    pub fn parse(arg: &str) -> Self {
        if !Path::new(arg).is_file() {
            if let Some(at) = arg.find(":/").filter(|&at| at > 0) {
                return Location::Hdf5 {
                    file: PathBuf::from(&arg[..at]),
                    dataset: arg[at + 1..].to_string(),
                };
            }
        }
        Location::Raw(PathBuf::from(arg))
    }

    /// True for an HDF5 dataset.
    pub fn is_hdf5(&self) -> bool {
        matches!(self, Location::Hdf5 { .. })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Raw(path) => write!(f, "{}", path.display()),
            Location::Hdf5 { file, dataset } => write!(f, "{}:{dataset}", file.display()),
        }
    }
}

/// What the user said about a field (`--dims`, `--dtype`, `--order`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Dims, slowest first; required for a raw file.
    pub dims: Option<Vec<usize>>,
    /// Element type; a raw file defaults to f32.
    pub dtype: Option<DType>,
    /// Memory order.
    pub order: Order,
}

/// A field read into memory: its values and shape.
#[derive(Debug, Clone)]
pub struct Field {
    /// The values in memory order.
    pub values: AnyValues,
    /// Dims and order.
    pub shape: Shape,
}

impl Field {
    /// Wraps values and a shape; fails (usage) when the counts differ.
    pub fn new(values: AnyValues, shape: Shape) -> CliResult<Self> {
        if values.len() != shape.n_values() {
            return Err(CliError::usage(format!(
                "{} values do not fill dims {}",
                values.len(),
                join(shape.dims(), "x")
            )));
        }
        Ok(Field { values, shape })
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self.values {
            AnyValues::F32(_) => DType::F32,
            AnyValues::F64(_) => DType::F64,
        }
    }

    /// Size of the values in bytes.
    pub fn n_bytes(&self) -> u64 {
        self.values.len() as u64 * self.dtype().size_bytes() as u64
    }

    /// A borrowed view for the codec.
    pub fn view(&self) -> CliResult<AnyField<'_>> {
        let wrap = |e: plume_core::Error| CliError::core("field", &e);
        Ok(match &self.values {
            AnyValues::F32(v) => AnyField::F32(FieldView::new(v, &self.shape).map_err(wrap)?),
            AnyValues::F64(v) => AnyField::F64(FieldView::new(v, &self.shape).map_err(wrap)?),
        })
    }
}

/// Reads the field at `loc`. A raw file needs `--dims` and must hold exactly
/// prod(dims) x dtype size bytes; an HDF5 dataset gives its own dims and dtype, which
/// must match any the user gave.
pub fn read_field(loc: &Location, spec: &FieldSpec) -> CliResult<Field> {
    match loc {
        Location::Raw(path) => read_raw(path, spec),
        Location::Hdf5 { file, dataset } => hdf5_io::read(file, dataset, spec),
    }
}

/// Writes `values` of `shape` to `loc` (a raw file is created or truncated; an HDF5
/// dataset is created or replaced, the file created if missing). Returns the bytes of
/// values written.
pub fn write_field(loc: &Location, values: &AnyValues, shape: &Shape) -> CliResult<u64> {
    match loc {
        Location::Raw(path) => write_raw(path, values),
        Location::Hdf5 { file, dataset } => hdf5_io::write(file, dataset, values, shape),
    }
}

/// Reads a whole file (a compressed stream).
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| CliError::io(path, &e))
}

/// Writes a whole file (a compressed stream), creating or truncating it.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> CliResult<()> {
    std::fs::write(path, bytes).map_err(|e| CliError::io(path, &e))
}

/// The shape a raw file is read with: `--dims` (required) and `--order`.
fn raw_shape(path: &Path, spec: &FieldSpec) -> CliResult<Shape> {
    let dims = spec
        .dims
        .as_ref()
        .ok_or_else(|| CliError::usage(format!("{}: --dims is required for a raw file", path.display())))?;
    Shape::new(dims, spec.order).map_err(|e| CliError::core("--dims", &e))
}

/// Reads a raw file under `spec`, checking its size against the dims and dtype first.
fn read_raw(path: &Path, spec: &FieldSpec) -> CliResult<Field> {
    let shape = raw_shape(path, spec)?;
    let dtype = spec.dtype.unwrap_or(DType::F32);
    let n = shape.n_values();
    let expected = (n as u64).checked_mul(dtype.size_bytes() as u64).ok_or_else(|| {
        CliError::usage(format!("--dims {}: the byte count overflows", join(shape.dims(), ",")))
    })?;
    let mut file = File::open(path).map_err(|e| CliError::io(path, &e))?;
    let actual = file.metadata().map_err(|e| CliError::io(path, &e))?.len();
    if actual != expected {
        return Err(CliError::usage(format!(
            "{}: the file holds {actual} bytes, but --dims {} --dtype {} needs {expected} bytes ({n} values x {} bytes)",
            path.display(),
            join(shape.dims(), ","),
            dtype.as_str(),
            dtype.size_bytes()
        )));
    }
    let values = match dtype {
        DType::F32 => AnyValues::F32(read_values(&mut file, path, n)?),
        DType::F64 => AnyValues::F64(read_values(&mut file, path, n)?),
        DType::U8 => {
            return Err(CliError::usage(format!("{}: fields are f32 or f64, not u8", path.display())))
        }
    };
    Field::new(values, shape)
}

/// Reads `n` little-endian values of `T`, a chunk at a time.
fn read_values<T: Element>(file: &mut File, path: &Path, n: usize) -> CliResult<Vec<T>> {
    let size = T::DTYPE.size_bytes();
    let mut values: Vec<T> = Vec::new();
    values.try_reserve_exact(n).map_err(|_| {
        CliError::failure(format!("{}: cannot allocate {n} values of {}", path.display(), T::DTYPE.as_str()))
    })?;
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut left = n;
    while left > 0 {
        let take = left.min(CHUNK_BYTES / size);
        let bytes = &mut buf[..take * size];
        file.read_exact(bytes).map_err(|e| CliError::io(path, &e))?;
        values.extend(bytes.chunks_exact(size).map(|c| {
            let mut word = [0u8; 8];
            word[..size].copy_from_slice(c);
            T::from_bits_u64(u64::from_le_bytes(word))
        }));
        left -= take;
    }
    Ok(values)
}

/// Writes values to a raw file (created or truncated); returns the byte count.
fn write_raw(path: &Path, values: &AnyValues) -> CliResult<u64> {
    let mut file = File::create(path).map_err(|e| CliError::io(path, &e))?;
    let n_bytes = match values {
        AnyValues::F32(v) => write_values(&mut file, path, v)?,
        AnyValues::F64(v) => write_values(&mut file, path, v)?,
    };
    file.flush().map_err(|e| CliError::io(path, &e))?;
    Ok(n_bytes)
}

/// Writes values as little-endian bytes, a chunk at a time; returns the byte count.
fn write_values<T: Element>(file: &mut File, path: &Path, values: &[T]) -> CliResult<u64> {
    let size = T::DTYPE.size_bytes();
    let mut buf = Vec::with_capacity(CHUNK_BYTES);
    for chunk in values.chunks(CHUNK_BYTES / size) {
        buf.clear();
        for v in chunk {
            buf.extend_from_slice(&v.to_bits_u64().to_le_bytes()[..size]);
        }
        file.write_all(&buf).map_err(|e| CliError::io(path, &e))?;
    }
    Ok(values.len() as u64 * size as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(Location::parse("a.raw"), Location::Raw("a.raw".into()));
        assert_eq!(
            Location::parse("out.h5:/g/x"),
            Location::Hdf5 { file: "out.h5".into(), dataset: "/g/x".into() }
        );
        assert_eq!(Location::parse(":/x"), Location::Raw(":/x".into()));
    }
}
