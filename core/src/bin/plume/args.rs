//! Argument types shared by the subcommands: dim lists, dtype, order, bound mode,
//! encoding, and the `--dims/--dtype/--order` group that describes a field.

use clap::{Args, ValueEnum};
use plume_core::{DType, Encoding, Order};

use crate::io::FieldSpec;

/// A comma-separated list of sizes or indices, e.g. `91,91,91` (slowest axis first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimList(pub Vec<usize>);

impl std::fmt::Display for DimList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&join(&self.0, ","))
    }
}

/// Parses `a,b,c` (1 to 4 non-negative integers; `x` also separates) into a [`DimList`].
pub fn parse_dim_list(s: &str) -> Result<DimList, String> {
    let parts: Vec<&str> = s.split([',', 'x']).map(str::trim).collect();
    if parts.is_empty() || parts.len() > plume_core::field::MAX_DIMS {
        return Err(format!("expected 1 to {} comma-separated integers", plume_core::field::MAX_DIMS));
    }
    parts
        .iter()
        .map(|p| p.parse::<usize>().map_err(|_| format!("'{p}' is not a non-negative integer")))
        .collect::<Result<Vec<_>, _>>()
        .map(DimList)
}

/// Joins numbers with `sep` (`[24, 20, 16]` -> `24x20x16` with `"x"`).
pub fn join(values: &[usize], sep: &str) -> String {
    values.iter().map(usize::to_string).collect::<Vec<_>>().join(sep)
}

/// `--dtype`: element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DTypeArg {
    /// 32-bit IEEE float (4 bytes a value).
    F32,
    /// 64-bit IEEE float (8 bytes a value).
    F64,
}

impl From<DTypeArg> for DType {
    fn from(d: DTypeArg) -> DType {
        match d {
            DTypeArg::F32 => DType::F32,
            DTypeArg::F64 => DType::F64,
        }
    }
}

/// `--order`: memory order of the values for the given dims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    /// Row-major (C, numpy default): the last dim varies fastest.
    C,
    /// Column-major (Fortran): the first dim varies fastest.
    F,
}

impl From<OrderArg> for Order {
    fn from(o: OrderArg) -> Order {
        match o {
            OrderArg::C => Order::C,
            OrderArg::F => Order::Fortran,
        }
    }
}

/// `--mode`: what `--bound` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Absolute: |x - x'| <= bound for every value.
    Abs,
    /// Relative to the value range: |x - x'| <= bound * (max - min).
    Rel,
    /// Point-wise relative: |x - x'| <= bound * |x| (bound < 1); zeros and signs kept.
    #[value(name = "pw_rel", alias = "pw-rel")]
    PwRel,
    /// Target PSNR in dB (value-range based); the achieved PSNR is at least the bound.
    Psnr,
    /// Target compression ratio (> 1): the encoder finds the absolute bound that reaches
    /// it on a sample of the field, guarantees that bound and reports it.
    #[value(name = "target_ratio", alias = "target-ratio")]
    TargetRatio,
}

impl ModeArg {
    /// The mode's name as the library and the JSON output spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModeArg::Abs => "abs",
            ModeArg::Rel => "rel",
            ModeArg::PwRel => "pw_rel",
            ModeArg::Psnr => "psnr",
            ModeArg::TargetRatio => "target_ratio",
        }
    }
}

/// `--encoding`: how residuals are entropy-coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// Fixed-length bit-packing: fastest, GPU-identical.
    Fast,
    /// Canonical Huffman then zstd: best ratio.
    Ratio,
}

impl From<EncodingArg> for Encoding {
    fn from(e: EncodingArg) -> Encoding {
        match e {
            EncodingArg::Fast => Encoding::Fast,
            EncodingArg::Ratio => Encoding::Ratio,
        }
    }
}

/// `--dims/--dtype/--order`: how to read a field's values.
#[derive(Args, Debug, Clone)]
pub struct FieldArgs {
    /// Dims, slowest first as numpy prints a C array (e.g. 91,91,91; 1 to 4 entries).
    /// Required for a raw file; optional for an HDF5 dataset, whose dims it must then match.
    #[arg(long, value_name = "N,N,..", value_parser = parse_dim_list)]
    pub dims: Option<DimList>,
    /// Element type of a raw file [default: f32]; if given for an HDF5 dataset it must
    /// match the dataset's type.
    #[arg(long, value_enum)]
    pub dtype: Option<DTypeArg>,
    /// Memory order: c (row-major) or f (column-major, same dims). An HDF5 dataset (stored
    /// row-major) read with f is the Fortran array whose dims are the dataset's reversed.
    #[arg(long, value_enum, default_value_t = OrderArg::C)]
    pub order: OrderArg,
}

impl FieldArgs {
    /// What these flags say about the field.
    pub fn spec(&self) -> FieldSpec {
        FieldSpec {
            dims: self.dims.as_ref().map(|d| d.0.clone()),
            dtype: self.dtype.map(DType::from),
            order: self.order.into(),
        }
    }
}
