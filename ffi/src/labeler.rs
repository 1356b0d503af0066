//! `plume_labeler`: flame-regime labels of four fields (Y_H2, Y_O2, Y_H2O and the mixture
//! fraction Z, or Bilger's Z computed from the species) and the label error between two
//! label arrays. Thresholds come from a `plume_config`'s `label.<param>` keys.

use std::ffi::c_char;

use plume_core::field::Element;
use plume_core::label::{
    label_error, label_into, Bilger, LabelGrid, LabelParams, SpeciesFields, ZInput, N_CLASSES,
};

use crate::config::plume_config;
use crate::handle::{
    arg_ref, arg_slice, arg_slice_mut, check_out, free_handle, into_handle, write_out, Fail, FfiResult,
    LastError,
};
use crate::panic::boundary;
use crate::status::plume_status::{
    self, PLUME_ERR_BUFFER_TOO_SMALL, PLUME_ERR_NULL_POINTER, PLUME_ERR_PANIC,
};
use crate::types::shape_arg;

/// The number of flame-regime classes; label ids are 0..PLUME_N_CLASSES-1: 0 premixed
/// flame, 1 non-premixed flame, 2 pure fuel, 3 pure air, 4 unburned mixture (FORMAT.md).
pub const PLUME_N_CLASSES: usize = 5;
const _: () = assert!(PLUME_N_CLASSES == N_CLASSES, "FORMAT.md's class count changed");

/// A flame-regime labeler with fixed thresholds. Opaque; create with `plume_labeler_new`,
/// free with `plume_labeler_free`. Immutable: every function but `_free` may be called
/// concurrently on one labeler (the last-error message is then one of the failures).
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct plume_labeler {
    pub(crate) params: LabelParams,
    pub(crate) bilger: Bilger,
    last_error: LastError,
}

/// Creates a labeler with the `label.<param>` settings of `cfg` (NULL: the defaults):
/// `label.eps_z`, `label.h2o_frac`, `label.h2o_ref` (a number or `field_max`),
/// `label.grad_h2o_min`, `label.flame_rule`, `label.fi_threshold`, `label.fi_grad_min`.
/// Errors as `plume_codec_new` (message in `plume_config_last_error(cfg)`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_labeler_new(
    cfg: *const plume_config,
    out: *mut *mut plume_labeler,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle (the caller's contract).
        let cfg = unsafe { cfg.as_ref() };
        let body = || -> FfiResult<()> {
            check_out(out, "out")?;
            let params = match cfg {
                Some(c) => c.resolve()?.label_params,
                None => LabelParams::default(),
            };
            let labeler =
                plume_labeler { params, bilger: Bilger::default(), last_error: LastError::default() };
            // SAFETY: checked non-NULL.
            unsafe { write_out(out, into_handle(labeler)) };
            Ok(())
        };
        match cfg {
            Some(c) => c.last_error.record(body),
            None => body().map_or_else(|f| f.status, |()| plume_status::PLUME_OK),
        }
    })
}

/// Frees a labeler. NULL does nothing. No other thread may use it during or after.
#[no_mangle]
pub unsafe extern "C" fn plume_labeler_free(labeler: *mut plume_labeler) {
    // SAFETY: NULL or from plume_labeler_new, freed once.
    boundary((), std::panic::AssertUnwindSafe(|| unsafe { free_handle(labeler) }))
}

/// The message of the labeler's most recent failed call, or `""`. Never NULL; owned by
/// the labeler, valid until its next failing call or `plume_labeler_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_labeler_last_error(labeler: *const plume_labeler) -> *const c_char {
    boundary(c"internal panic".as_ptr(), || {
        // SAFETY: NULL or a live handle.
        match unsafe { labeler.as_ref() } {
            Some(l) => l.last_error.as_ptr(),
            None => c"labeler is NULL".as_ptr(),
        }
    })
}

/// The body of `plume_labeler_label_f32/_f64`.
///
/// # Safety
/// The pointer contracts of `plume_labeler_label_f32`.
#[allow(clippy::too_many_arguments)]
unsafe fn label<T: Element>(
    l: &plume_labeler,
    y_h2: *const T,
    y_o2: *const T,
    y_h2o: *const T,
    z: *const T,
    ndims: usize,
    dims: *const usize,
    order: u32,
    labels: *mut u8,
    labels_count: usize,
) -> FfiResult<()> {
    // SAFETY: forwarded contracts.
    let shape = unsafe { shape_arg(ndims, dims, order) }?;
    let n = shape.n_values();
    // SAFETY: each field holds n values; z is NULL or n values.
    let (y_h2, y_o2, y_h2o) =
        unsafe { (arg_slice(y_h2, n, "y_h2")?, arg_slice(y_o2, n, "y_o2")?, arg_slice(y_h2o, n, "y_h2o")?) };
    let z_values = if z.is_null() { None } else { Some(unsafe { arg_slice(z, n, "z") }?) };
    // SAFETY: labels has labels_count writable bytes.
    let out = unsafe { arg_slice_mut(labels, labels_count, "labels") }?;
    label_values(&l.params, &l.bilger, [y_h2, y_o2, y_h2o], z_values, &shape, out)
}

/// Labels `species` = [Y_H2, Y_O2, Y_H2O] (and `z`, or Bilger's Z from the species) of
/// `shape` into `out`, which must hold exactly one byte per cell.
pub(crate) fn label_values<T: Element>(
    params: &LabelParams,
    bilger: &Bilger,
    species: [&[T]; 3],
    z: Option<&[T]>,
    shape: &plume_core::Shape,
    out: &mut [u8],
) -> FfiResult<()> {
    let n = shape.n_values();
    if out.len() != n {
        let status =
            if out.len() < n { PLUME_ERR_BUFFER_TOO_SMALL } else { plume_status::PLUME_ERR_INVALID_ARGUMENT };
        return Err(Fail::new(status, format!("labels_count {}: the field has {n} cells", out.len())));
    }
    for (name, f) in ["y_h2", "y_o2", "y_h2o", "z"].iter().zip(species.iter().copied().chain(z)) {
        if f.len() != n {
            return Err(Fail::invalid(format!("{name} holds {} values, the field has {n}", f.len())));
        }
    }
    let fields = SpeciesFields { y_h2: species[0], y_o2: species[1], y_h2o: species[2] };
    let zin = match z {
        Some(z) => ZInput::Supplied(z),
        None => ZInput::Bilger { bilger, minor: &[] },
    };
    label_into(&fields, &zin, &LabelGrid::new(shape), params, out)?;
    Ok(())
}

/// Labels every cell of a field of `float`s: `y_h2`, `y_o2`, `y_h2o` (mass fractions)
/// and `z` (the mixture fraction; NULL: Bilger's Z from the three species with the
/// study's H2/N2 fuel and air streams), each `product(dims)` values in the same shape and
/// `order` (a `plume_order`; unit grid spacing, domain boundaries at the array ends).
/// Writes one class id (0..PLUME_N_CLASSES-1) per cell into `labels`, which holds exactly
/// `labels_count` = product(dims) bytes, in the fields' memory order.
///
/// Returns `PLUME_ERR_INVALID_ARGUMENT` (bad shape), `PLUME_ERR_BUFFER_TOO_SMALL`,
/// `PLUME_ERR_NULL_POINTER` (a species field, `dims` or `labels`). Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_labeler_label_f32(
    labeler: *const plume_labeler,
    y_h2: *const f32,
    y_o2: *const f32,
    y_h2o: *const f32,
    z: *const f32,
    ndims: usize,
    dims: *const usize,
    order: u32,
    labels: *mut u8,
    labels_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle.
        let Ok(l) = (unsafe { arg_ref(labeler, "labeler") }) else { return PLUME_ERR_NULL_POINTER };
        l.last_error.record(|| {
            // SAFETY: forwarded contracts.
            unsafe { label(l, y_h2, y_o2, y_h2o, z, ndims, dims, order, labels, labels_count) }
        })
    })
}

/// As `plume_labeler_label_f32`, for fields of `double`s. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_labeler_label_f64(
    labeler: *const plume_labeler,
    y_h2: *const f64,
    y_o2: *const f64,
    y_h2o: *const f64,
    z: *const f64,
    ndims: usize,
    dims: *const usize,
    order: u32,
    labels: *mut u8,
    labels_count: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle.
        let Ok(l) = (unsafe { arg_ref(labeler, "labeler") }) else { return PLUME_ERR_NULL_POINTER };
        l.last_error.record(|| {
            // SAFETY: forwarded contracts.
            unsafe { label(l, y_h2, y_o2, y_h2o, z, ndims, dims, order, labels, labels_count) }
        })
    })
}

/// The label error of `recomputed` against `reference` (both `n` class ids, e.g. labels
/// of the original and of the decompressed fields): writes the fraction of cells whose
/// label differs to `*error_fraction`, and, when `per_class` is non-NULL, the fraction
/// per reference class (NaN for an absent class) to `per_class[0..PLUME_N_CLASSES)`,
/// which must then hold `per_class_capacity` >= PLUME_N_CLASSES entries.
///
/// Returns `PLUME_ERR_INVALID_ARGUMENT` on an id above 4, `PLUME_ERR_BUFFER_TOO_SMALL`
/// when `per_class_capacity` is too small, `PLUME_ERR_NULL_POINTER`. Outputs are written
/// only on success. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plume_labeler_label_error(
    labeler: *const plume_labeler,
    reference: *const u8,
    recomputed: *const u8,
    n: usize,
    error_fraction: *mut f64,
    per_class: *mut f64,
    per_class_capacity: usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: NULL or a live handle.
        let Ok(l) = (unsafe { arg_ref(labeler, "labeler") }) else { return PLUME_ERR_NULL_POINTER };
        l.last_error.record(|| {
            check_out(error_fraction, "error_fraction")?;
            if !per_class.is_null() && per_class_capacity < N_CLASSES {
                return Err(Fail::new(
                    PLUME_ERR_BUFFER_TOO_SMALL,
                    format!("per_class_capacity {per_class_capacity}: there are {N_CLASSES} classes"),
                ));
            }
            // SAFETY: both arrays hold n bytes.
            let (a, b) =
                unsafe { (arg_slice(reference, n, "reference")?, arg_slice(recomputed, n, "recomputed")?) };
            let e = label_error(a, b)?;
            // SAFETY: error_fraction checked non-NULL; per_class NULL or >= N_CLASSES entries.
            unsafe {
                write_out(error_fraction, e.error_fraction);
                if !per_class.is_null() {
                    for (i, c) in e.per_class.iter().take(N_CLASSES).enumerate() {
                        per_class.add(i).write(c.error_fraction);
                    }
                }
            }
            Ok(())
        })
    })
}
