//! `plume_dtype` and `plume_order`: the element type and memory order of a field, and the
//! checked conversion of a C shape (`ndims`, `dims`, `order`) to a `plume_core::Shape`.

use plume_core::{DType, Order, Shape};

use crate::handle::{arg_slice, Fail, FfiResult};

/// Element type of a field. Functions take it as a `uint32_t` holding one of these values
/// (any other value is rejected with `PLUME_ERR_INVALID_ARGUMENT`). The numbers are part
/// of the ABI and equal the stream format's `dtype` codes.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum plume_dtype {
    /// IEEE 754 binary32 (`float`, `real(real32)`).
    PLUME_DTYPE_F32 = 1,
    /// IEEE 754 binary64 (`double`, `real(real64)`).
    PLUME_DTYPE_F64 = 2,
    /// Flame-regime class ids 0..=4 (`uint8_t`): what a label stream holds
    /// (`plume_stream_info_dtype` only; fields are f32 or f64).
    PLUME_DTYPE_U8 = 3,
}

/// Memory order of a multi-dimensional array, passed as a `uint32_t` holding one of these
/// values. The numbers equal the stream format's `order` codes.
///
/// `dims` are always given slowest-varying first for C order and as the array's shape for
/// Fortran order (first index fastest): a Fortran `real(4) :: a(nx, ny, nz)` is passed
/// with `dims = {nx, ny, nz}` and `PLUME_ORDER_FORTRAN`, exactly as it lies, no copy.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum plume_order {
    /// Row-major: the last index varies fastest.
    PLUME_ORDER_C = 0,
    /// Column-major: the first index varies fastest.
    PLUME_ORDER_FORTRAN = 1,
}

pub(crate) fn dtype_from_u32(code: u32) -> FfiResult<DType> {
    match code {
        1 => Ok(DType::F32),
        2 => Ok(DType::F64),
        _ => Err(Fail::invalid(format!("dtype {code}: expected PLUME_DTYPE_F32 (1) or PLUME_DTYPE_F64 (2)"))),
    }
}

pub(crate) fn dtype_to_u32(dtype: DType) -> u32 {
    match dtype {
        DType::F32 => plume_dtype::PLUME_DTYPE_F32 as u32,
        DType::F64 => plume_dtype::PLUME_DTYPE_F64 as u32,
        DType::U8 => plume_dtype::PLUME_DTYPE_U8 as u32,
    }
}

pub(crate) fn order_from_u32(code: u32) -> FfiResult<Order> {
    match code {
        0 => Ok(Order::C),
        1 => Ok(Order::Fortran),
        _ => {
            Err(Fail::invalid(format!("order {code}: expected PLUME_ORDER_C (0) or PLUME_ORDER_FORTRAN (1)")))
        }
    }
}

pub(crate) fn order_to_u32(order: Order) -> u32 {
    match order {
        Order::C => plume_order::PLUME_ORDER_C as u32,
        Order::Fortran => plume_order::PLUME_ORDER_FORTRAN as u32,
    }
}

/// Reads `ndims` entries of `dims` (checking `ndims` first, so a bad count never reads).
///
/// # Safety
/// `dims` is NULL or points to at least `ndims` readable `size_t`s when `1 <= ndims <= 4`.
pub(crate) unsafe fn dims_arg<'a>(ndims: usize, dims: *const usize, arg: &str) -> FfiResult<&'a [usize]> {
    if !(1..=plume_core::field::MAX_DIMS).contains(&ndims) {
        return Err(Fail::invalid(format!("ndims {ndims}: a field has 1 to 4 dimensions")));
    }
    if dims.is_null() {
        return Err(Fail::null(arg));
    }
    // SAFETY: non-NULL, 1..=4 entries by the caller's contract.
    unsafe { arg_slice(dims, ndims, arg) }
}

/// The shape of `ndims`, `dims`, `order`, with messages that name the argument.
///
/// # Safety
/// As [`dims_arg`].
pub(crate) unsafe fn shape_arg(ndims: usize, dims: *const usize, order: u32) -> FfiResult<Shape> {
    // SAFETY: forwarded contract.
    let dims = unsafe { dims_arg(ndims, dims, "dims") }?;
    let order = order_from_u32(order)?;
    Ok(Shape::new(dims, order)?)
}
