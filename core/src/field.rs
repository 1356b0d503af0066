//! A field: an f32 or f64 array of 1 to 4 dimensions in C or Fortran order.
//!
//! Dims are always given as numpy prints them for C order: slowest axis first. A Fortran
//! (column-major) array of shape `(n0, n1, n2)` lies in memory exactly like a C array of
//! shape `(n2, n1, n0)`; Plume compresses it as it lies, through its *storage dims*
//! (the reversed shape), and never transposes it through a copy.

use crate::error::{Error, Result};

/// Largest number of dimensions a field may have.
pub const MAX_DIMS: usize = 4;

/// Element type of a field (f32, f64) or of a stream (also u8: a label stream's class ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// Flame-regime class ids 0..=4 (label streams only, `crate::label`); never a field.
    U8,
}

impl DType {
    /// Bytes per value.
    pub fn size_bytes(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F64 => 8,
            DType::U8 => 1,
        }
    }
    /// `"f32"`, `"f64"` or `"u8"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::U8 => "u8",
        }
    }
    /// Parses `"f32"`/`"float32"`/`"f64"`/`"float64"` (the field types; never u8).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "float32" | "float" => Ok(DType::F32),
            "f64" | "float64" | "double" => Ok(DType::F64),
            other => Err(Error::invalid(format!("dtype '{other}': expected f32 or f64"))),
        }
    }
}

/// Memory order of a multi-dimensional array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major: the last axis varies fastest.
    C,
    /// Column-major: the first axis varies fastest.
    Fortran,
}

impl Order {
    /// `"c"` or `"f"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::C => "c",
            Order::Fortran => "f",
        }
    }
    /// Parses `"c"` or `"f"`/`"fortran"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "c" => Ok(Order::C),
            "f" | "fortran" => Ok(Order::Fortran),
            other => Err(Error::invalid(format!("order '{other}': expected c or f"))),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type Plume compresses: `f32` or `f64` (sealed: the codec
/// relies on `DTYPE` naming the type exactly).
pub trait Element: sealed::Sealed + Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    /// The matching [`DType`].
    const DTYPE: DType;
    /// Widens to f64 (exact).
    fn to_f64(self) -> f64;
    /// Rounds an f64 to this type (round to nearest even, as `as` does).
    fn from_f64(v: f64) -> Self;
    /// The raw IEEE bits, zero-extended.
    fn to_bits_u64(self) -> u64;
    /// From raw IEEE bits (the low `size_of::<Self>()` bytes are used).
    fn from_bits_u64(bits: u64) -> Self;
}

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn to_bits_u64(self) -> u64 {
        self.to_bits() as u64
    }
    #[inline]
    fn from_bits_u64(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
}

impl Element for f64 {
    const DTYPE: DType = DType::F64;
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn to_bits_u64(self) -> u64 {
        self.to_bits()
    }
    #[inline]
    fn from_bits_u64(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

/// The shape of a field: dims (slowest first, as numpy prints a C array) and order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: Vec<usize>,
    order: Order,
}

impl Shape {
    /// A shape of 1 to 4 dims. A dim of 0 makes an empty field. Fails when there are no
    /// dims, more than [`MAX_DIMS`], or the value count overflows `usize`.
    pub fn new(dims: &[usize], order: Order) -> Result<Self> {
        if dims.is_empty() || dims.len() > MAX_DIMS {
            return Err(Error::invalid(format!(
                "dims {dims:?}: a field has 1 to {MAX_DIMS} dimensions, got {}",
                dims.len()
            )));
        }
        let mut n: usize = 1;
        for (axis, &d) in dims.iter().enumerate() {
            n = n.checked_mul(d).ok_or_else(|| {
                Error::invalid(format!("dims {dims:?}: value count overflows at axis {axis}"))
            })?;
        }
        Ok(Shape { dims: dims.to_vec(), order })
    }
    /// The dims, slowest first for C order.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }
    /// The memory order.
    pub fn order(&self) -> Order {
        self.order
    }
    /// Number of values.
    pub fn n_values(&self) -> usize {
        self.dims.iter().product()
    }
    /// The dims as the data lies in memory, slowest first (reversed for Fortran order).
    pub fn storage_dims(&self) -> Vec<usize> {
        match self.order {
            Order::C => self.dims.clone(),
            Order::Fortran => self.dims.iter().rev().copied().collect(),
        }
    }
}

/// A borrowed field: values and their shape. The slice length must equal the value count.
#[derive(Debug, Clone, Copy)]
pub struct FieldView<'a, T: Element> {
    values: &'a [T],
    shape: &'a Shape,
}

impl<'a, T: Element> FieldView<'a, T> {
    /// A view; fails when `values.len()` differs from the shape's value count.
    pub fn new(values: &'a [T], shape: &'a Shape) -> Result<Self> {
        if values.len() != shape.n_values() {
            return Err(Error::invalid(format!(
                "field of dims {:?} needs {} values, the slice holds {}",
                shape.dims(),
                shape.n_values(),
                values.len()
            )));
        }
        Ok(FieldView { values, shape })
    }
    /// The values in memory order.
    pub fn values(&self) -> &'a [T] {
        self.values
    }
    /// The shape.
    pub fn shape(&self) -> &'a Shape {
        self.shape
    }
}

/// The values and shape of an ndarray view, without copying: standard layout is C order,
/// Fortran layout is Fortran order; any other stride pattern is refused (copy it first).
pub fn from_ndarray<'a, T: Element + 'a, D: ndarray::Dimension>(
    view: ndarray::ArrayView<'a, T, D>,
) -> Result<(&'a [T], Shape)> {
    let dims = view.shape().to_vec();
    let strides = view.strides().to_vec();
    if view.is_standard_layout() {
        if let Some(values) = view.to_slice() {
            return Ok((values, Shape::new(&dims, Order::C)?));
        }
    } else if view.t().is_standard_layout() {
        if let Some(values) = view.reversed_axes().to_slice() {
            return Ok((values, Shape::new(&dims, Order::Fortran)?));
        }
    }
    Err(Error::invalid(format!(
        "ndarray view of shape {dims:?} with strides {strides:?} is neither C nor Fortran contiguous"
    )))
}

/// A borrowed field of either element type (for runtime dispatch at the edges).
#[derive(Debug, Clone, Copy)]
pub enum AnyField<'a> {
    /// f32 values.
    F32(FieldView<'a, f32>),
    /// f64 values.
    F64(FieldView<'a, f64>),
}

impl AnyField<'_> {
    /// The shape.
    pub fn shape(&self) -> &Shape {
        match self {
            AnyField::F32(f) => f.shape(),
            AnyField::F64(f) => f.shape(),
        }
    }
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            AnyField::F32(_) => DType::F32,
            AnyField::F64(_) => DType::F64,
        }
    }
}

/// An output buffer of either element type, possibly uninitialised: a decoder writes
/// every element of it before reporting success.
#[derive(Debug)]
pub enum AnyValuesMut<'a> {
    /// f32 values.
    F32(&'a mut [std::mem::MaybeUninit<f32>]),
    /// f64 values.
    F64(&'a mut [std::mem::MaybeUninit<f64>]),
}

/// Owned values of either element type.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyValues {
    /// f32 values.
    F32(Vec<f32>),
    /// f64 values.
    F64(Vec<f64>),
}

impl AnyValues {
    /// The values as little-endian bytes (the raw file layout).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            AnyValues::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            AnyValues::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            AnyValues::F32(v) => v.len(),
            AnyValues::F64(v) => v.len(),
        }
    }
    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
