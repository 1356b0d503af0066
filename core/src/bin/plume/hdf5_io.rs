//! HDF5 dataset I/O (`file.h5:/path/to/dset`) with the `hdf5-metno` crate.
//!
//! An HDF5 dataset is stored row-major. Read with `--order c` its dims are the dataset's;
//! read with `--order f` it is the Fortran array whose dims are the dataset's reversed
//! (as HDF5's Fortran API presents it). A field is written with its storage dims (the
//! dims for C order, reversed for Fortran order), so its bytes land in the dataset as
//! they lie in memory and reading it back with the same `--order` gives the same field.

use std::path::Path;

use hdf5::types::{FloatSize, TypeDescriptor};
use plume_core::field::AnyValues;
use plume_core::{DType, Order, Shape};

use crate::args::join;
use crate::error::{CliError, CliResult};
use crate::io::{Field, FieldSpec};

/// An HDF5 library failure on `file:dataset` (exit status 1).
fn h5_err(file: &Path, dataset: &str, what: &str, err: hdf5::Error) -> CliError {
    CliError::failure(format!("{}:{dataset}: {what}: {err}", file.display()))
}

/// Reads the dataset `dataset` of `file` as a field; its dims and type must match `spec`
/// where the user gave them.
pub fn read(file: &Path, dataset: &str, spec: &FieldSpec) -> CliResult<Field> {
    let name = format!("{}:{dataset}", file.display());
    std::fs::metadata(file).map_err(|e| CliError::io(file, &e))?;
    let h5 = hdf5::File::open(file).map_err(|e| h5_err(file, dataset, "cannot open the HDF5 file", e))?;
    let ds = h5.dataset(dataset).map_err(|e| h5_err(file, dataset, "cannot open the dataset", e))?;
    let descriptor = ds
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(|e| h5_err(file, dataset, "cannot read the datatype", e))?;
    let dtype = match descriptor {
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        other => {
            return Err(CliError::usage(format!(
                "{name}: the dataset holds {other}; plume reads float32 or float64"
            )))
        }
    };
    if let Some(want) = spec.dtype.filter(|&d| d != dtype) {
        return Err(CliError::usage(format!(
            "--dtype {}: the dataset {name} holds {}",
            want.as_str(),
            dtype.as_str()
        )));
    }
    let stored = ds.shape();
    if stored.is_empty() {
        return Err(CliError::usage(format!("{name}: a scalar dataset is not a field")));
    }
    let dims: Vec<usize> = match spec.order {
        Order::C => stored.clone(),
        Order::Fortran => stored.iter().rev().copied().collect(),
    };
    if let Some(want) = spec.dims.as_ref().filter(|&d| *d != dims) {
        let reversed: Vec<usize> = want.iter().rev().copied().collect();
        let hint = match spec.order {
            Order::Fortran => " (its stored dims reversed, for --order f)",
            Order::C if reversed == stored => " (stored dims; for a column-major field give --order f)",
            Order::C => "",
        };
        return Err(CliError::usage(format!(
            "--dims {}: the dataset {name} has dims {}{hint}",
            join(want, ","),
            join(&dims, ",")
        )));
    }
    let shape = Shape::new(&dims, spec.order).map_err(|e| CliError::core(&name, &e))?;
    let values = match dtype {
        DType::F32 => {
            AnyValues::F32(ds.read_raw::<f32>().map_err(|e| h5_err(file, dataset, "cannot read", e))?)
        }
        DType::F64 => {
            AnyValues::F64(ds.read_raw::<f64>().map_err(|e| h5_err(file, dataset, "cannot read", e))?)
        }
        DType::U8 => return Err(CliError::usage(format!("{name}: fields are f32 or f64, not u8"))),
    };
    Field::new(values, shape)
}

/// Writes `values` of `shape` as the dataset `dataset` of `file` (created if missing),
/// replacing any object of that name; intermediate groups are created. Returns the bytes
/// of values written.
pub fn write(file: &Path, dataset: &str, values: &AnyValues, shape: &Shape) -> CliResult<u64> {
    let h5 = hdf5::File::append(file)
        .map_err(|e| h5_err(file, dataset, "cannot open or create the HDF5 file", e))?;
    if h5.link_exists(dataset) {
        h5.unlink(dataset).map_err(|e| h5_err(file, dataset, "cannot replace the existing dataset", e))?;
    }
    let dims = shape.storage_dims();
    let created = match values {
        AnyValues::F32(v) => h5
            .new_dataset::<f32>()
            .shape(dims.as_slice())
            .create(dataset)
            .and_then(|ds| ds.write_raw(v.as_slice())),
        AnyValues::F64(v) => h5
            .new_dataset::<f64>()
            .shape(dims.as_slice())
            .create(dataset)
            .and_then(|ds| ds.write_raw(v.as_slice())),
    };
    created.map_err(|e| h5_err(file, dataset, "cannot write the dataset", e))?;
    h5.flush().map_err(|e| h5_err(file, dataset, "cannot flush the file", e))?;
    let size = match values {
        AnyValues::F32(_) => 4u64,
        AnyValues::F64(_) => 8u64,
    };
    Ok(values.len() as u64 * size)
}
