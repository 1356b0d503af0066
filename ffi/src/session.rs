//! `plume_session`: the in-situ session (Rust API: [`crate::insitu::Session`]).
//!
//! C callers include `plume_mpi.h`, whose header-inline `plume_session_new` turns the
//! solver's `MPI_Comm` into a `MPI_Fint` (`MPI_Comm_c2f`) and calls
//! [`plume_session_new_f`]; Fortran passes its integer communicator to the same entry.
//! The library duplicates the communicator, so the solver's is never touched.

use std::ffi::{c_char, c_int, c_void};
use std::path::Path;

use mpi::raw::FromRaw;
use mpi::topology::SimpleCommunicator;
use plume_core::field::Element;

use crate::handle::{
    arg_slice, arg_str, check_out, free_handle, into_handle, write_out, Fail, FfiResult, LastError,
};
use crate::insitu::profile::RegionCallbacks;
use crate::insitu::Session;
use crate::panic::boundary;
use crate::status::plume_status::{self, PLUME_ERR_MPI, PLUME_ERR_PANIC};
use crate::types::{dims_arg, order_from_u32};

/// An in-situ session on a duplicate of the solver's communicator. Opaque; create with
/// `plume_session_new` (C, `plume_mpi.h`) or `plume_session_new_f` (Fortran communicator),
/// free with `plume_session_free` (collective: it flushes an open step and prints the
/// profile on rank 0). Not thread-safe: one thread per session, as MPI calls go.
#[allow(non_camel_case_types)]
pub struct plume_session {
    session: Session,
    last_error: LastError,
}

impl std::fmt::Debug for plume_session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.session.fmt(f)
    }
}

thread_local! {
    static NEW_ERROR: LastError = LastError::default();
}

/// Starts a session on the Fortran communicator `comm` (`MPI_Fint`; from C use the
/// `plume_session_new` of `plume_mpi.h`). Collective over `comm`. `deck`: a deck file
/// (key = value, TOML or `&plume` namelist) read and checked on rank 0, or NULL; the
/// `PLUME_*` environment applies over it. On failure every rank gets the same status and
/// `plume_session_new_error()` holds rank 0's message; `*out` is written only on success.
/// MPI must be initialised. Thread-safe with respect to other sessions.
#[no_mangle]
pub unsafe extern "C" fn plume_session_new_f(
    comm: c_int,
    deck: *const c_char,
    out: *mut *mut plume_session,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| {
            let body = || -> FfiResult<()> {
                check_out(out, "out")?;
                let deck = if deck.is_null() { None } else { Some(unsafe { arg_str(deck, "deck") }?) };
                // SAFETY: MPI is initialised (the caller's contract); the duplicate is ours.
                let comm = unsafe {
                    let raw = mpi::ffi::RSMPI_Comm_f2c(comm);
                    let mut dup = std::mem::zeroed();
                    if mpi::ffi::MPI_Comm_dup(raw, &mut dup) != 0 {
                        return Err(Fail::new(PLUME_ERR_MPI, "MPI_Comm_dup failed"));
                    }
                    SimpleCommunicator::from_raw(dup)
                };
                let session = Session::with_comm(comm, deck.map(Path::new))?;
                let handle = plume_session { session, last_error: LastError::default() };
                // SAFETY: checked non-NULL.
                unsafe { write_out(out, into_handle(handle)) };
                Ok(())
            };
            NEW_ERROR.with(|e| e.record(body))
        }),
    )
}

/// The message of this thread's most recent failed `plume_session_new*`, or `""`. Never
/// NULL; valid until the next failing call on this thread. Thread-safe (per-thread message).
#[no_mangle]
pub extern "C" fn plume_session_new_error() -> *const c_char {
    boundary(c"internal panic".as_ptr(), || NEW_ERROR.with(|e| e.as_ptr()))
}

/// The message of the session's most recent failed call, or `""`. Never NULL; owned by the
/// session, valid until its next failing call or `plume_session_free`. Not thread-safe: the
/// session's own thread.
#[no_mangle]
pub unsafe extern "C" fn plume_session_last_error(session: *const plume_session) -> *const c_char {
    boundary(
        c"internal panic".as_ptr(),
        std::panic::AssertUnwindSafe(|| match unsafe { session.as_ref() } {
            Some(s) => s.last_error.as_ptr(),
            None => c"session is NULL".as_ptr(),
        }),
    )
}

fn with_session(
    session: *mut plume_session,
    body: impl FnOnce(&mut Session) -> FfiResult<()>,
) -> plume_status {
    // SAFETY: NULL or a live handle used by one thread (the caller's contract).
    let Some(s) = (unsafe { session.as_mut() }) else {
        return Fail::null("session").status;
    };
    let plume_session { session, last_error } = s;
    last_error.record(|| body(session))
}

/// Opens output step `step` at simulation time `time`. Local. Fails with
/// `PLUME_ERR_INVALID_ARGUMENT` when a step is open. Not thread-safe: one thread per session.
#[no_mangle]
pub unsafe extern "C" fn plume_session_begin_step(
    session: *mut plume_session,
    step: i64,
    time: f64,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| with_session(session, |s| Ok(s.begin_step(step, time)?))),
    )
}

#[allow(clippy::too_many_arguments)]
unsafe fn put<T: Element>(
    session: *mut plume_session,
    name: *const c_char,
    values: *const T,
    ndims: usize,
    local_dims: *const usize,
    global_offset: *const usize,
    global_dims: *const usize,
    order: u32,
    ghost: usize,
) -> plume_status {
    with_session(session, |s| {
        let name = unsafe { arg_str(name, "name") }?;
        let local = unsafe { dims_arg(ndims, local_dims, "local_dims") }?;
        let offset = unsafe { dims_arg(ndims, global_offset, "global_offset") }?;
        let global = unsafe { dims_arg(ndims, global_dims, "global_dims") }?;
        let order = order_from_u32(order)?;
        let n = local
            .iter()
            .try_fold(1usize, |acc, &d| d.checked_add(2 * ghost).and_then(|d| acc.checked_mul(d)))
            .ok_or_else(|| Fail::invalid("local dims with ghosts overflow"))?;
        let values = unsafe { arg_slice(values, n, "values") }?;
        Ok(s.put(name, values, local, offset, global, order, ghost)?)
    })
}

/// Hands this rank's block of field `name` to the open step; copies it (the pointer is not
/// kept). `values`: `prod(local_dims[a] + 2 ghost)` values in `order` (`PLUME_ORDER_C` or
/// `PLUME_ORDER_FORTRAN`), the interior surrounded by `ghost` layers on every side;
/// `local_dims`, `global_offset` (0-based), `global_dims`: `ndims` (1..4) entries each in
/// the caller's axis order. Zero-cell blocks are allowed (`values` may then be NULL when
/// `ghost` is 0). Local. Not thread-safe: one thread per session.
#[no_mangle]
pub unsafe extern "C" fn plume_session_put_f32(
    session: *mut plume_session,
    name: *const c_char,
    values: *const f32,
    ndims: usize,
    local_dims: *const usize,
    global_offset: *const usize,
    global_dims: *const usize,
    order: u32,
    ghost: usize,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| unsafe {
            put(session, name, values, ndims, local_dims, global_offset, global_dims, order, ghost)
        }),
    )
}

/// As `plume_session_put_f32` for `double` values. Not thread-safe: one thread per session.
#[no_mangle]
pub unsafe extern "C" fn plume_session_put_f64(
    session: *mut plume_session,
    name: *const c_char,
    values: *const f64,
    ndims: usize,
    local_dims: *const usize,
    global_offset: *const usize,
    global_dims: *const usize,
    order: u32,
    ghost: usize,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| unsafe {
            put(session, name, values, ndims, local_dims, global_offset, global_dims, order, ghost)
        }),
    )
}

/// Closes the open step: labels (when `label = on` and Y_H2, Y_O2, Y_H2O [, Z] were put),
/// compresses every field and writes `<output>/step_<8 digits>.h5` with parallel HDF5, then
/// appends to `<output>/catalog.jsonl`. Collective; any rank's failure fails it on every
/// rank (the file is then not created). With `async = on` it returns once the fields are
/// checked: labels and compression run on a background thread while the solver goes on,
/// and the step is written by the next `plume_session_end_step` or `plume_session_free`,
/// which also report its errors. Not thread-safe: one thread per session (MPI).
#[no_mangle]
pub unsafe extern "C" fn plume_session_end_step(session: *mut plume_session) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| {
            with_session(session, |s| s.end_step().map(|_| ()).map_err(Fail::from))
        }),
    )
}

/// Gives the labeler the cell-centre coordinates of global axis `axis` (numbered as the
/// global dims given to `put`: slowest first for C order, fastest first for Fortran order;
/// 0-based): `n` values, one per global cell, strictly increasing and finite. Without them
/// the labeler's gradients assume unit spacing. Each snapshot records them beside its
/// labels (`/label_coords_<s>`), so readers can recompute the labels alike. Local: every
/// rank passes the same global array (the library copies it); checked against the dims at
/// `plume_session_end_step`.
/// Fails with `PLUME_ERR_INVALID_ARGUMENT` naming the axis and the index of a bad value.
/// Not thread-safe: one thread per session.
#[no_mangle]
pub unsafe extern "C" fn plume_session_set_coords(
    session: *mut plume_session,
    axis: usize,
    coords: *const f64,
    n: usize,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| {
            with_session(session, |s| {
                // SAFETY: `n` readable f64 at `coords` (the caller's contract), checked non-NULL.
                let c = unsafe { arg_slice(coords, n, "coords") }?;
                s.set_coords(axis, c).map_err(Fail::from)
            })
        }),
    )
}

/// A solver's region callback (`plume_session_set_regions`): `name` is a static
/// NUL-terminated region name (`plume.copy`, `plume.label`, `plume.compress`, `plume.wait`,
/// `plume.write`), `user_data` what the solver registered.
#[allow(non_camel_case_types)]
pub type plume_region_fn = Option<unsafe extern "C" fn(name: *const c_char, user_data: *mut c_void)>;

/// Sets the solver's region callbacks: every stage of `put` and `plume_session_end_step`
/// calls `begin(name, user_data)` when it starts and `end(name, user_data)` when it ends
/// (also when it fails), properly nested, on the calling rank, so a solver can forward
/// Plume's regions to Caliper (`cali_begin_region`) or NVTX (`nvtxRangePushA`). Either may
/// be NULL; both NULL removes them. The callbacks must not call back into this session.
/// Local. Not thread-safe: one thread per session.
#[no_mangle]
pub unsafe extern "C" fn plume_session_set_regions(
    session: *mut plume_session,
    begin: plume_region_fn,
    end: plume_region_fn,
    user_data: *mut c_void,
) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| {
            with_session(session, |s| {
                let set = begin.is_some() || end.is_some();
                s.set_regions(set.then_some(RegionCallbacks { begin, end, user_data }));
                Ok(())
            })
        }),
    )
}

/// Flushes (ends an open step), prints the per-rank profile table on rank 0 (stderr), and
/// frees the session. Collective. NULL does nothing. Returns the flush's status. No other
/// thread may use the session during or after.
#[no_mangle]
pub unsafe extern "C" fn plume_session_free(session: *mut plume_session) -> plume_status {
    boundary(
        PLUME_ERR_PANIC,
        std::panic::AssertUnwindSafe(|| {
            if session.is_null() {
                return plume_status::PLUME_OK;
            }
            // SAFETY: a live handle, freed once.
            let st = with_session(session, |s| Ok(s.finish()?));
            unsafe { free_handle(session) };
            st
        }),
    )
}
