//! What every C object shares: the per-handle last-error message, the failure type of the
//! function bodies, and checked conversions of raw C arguments.

use std::ffi::{c_char, CStr, CString};
use std::sync::Mutex;

use crate::status::plume_status;

/// Why a call failed: the status it returns and the detail kept as the handle's last error.
#[derive(Debug)]
pub(crate) struct Fail {
    pub status: plume_status,
    pub message: String,
}

impl Fail {
    pub fn new(status: plume_status, message: impl Into<String>) -> Self {
        Fail { status, message: message.into() }
    }
    /// `PLUME_ERR_NULL_POINTER` naming the argument.
    pub fn null(arg: &str) -> Self {
        Fail::new(plume_status::PLUME_ERR_NULL_POINTER, format!("argument '{arg}' is NULL"))
    }
    /// `PLUME_ERR_INVALID_ARGUMENT` with a message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Fail::new(plume_status::PLUME_ERR_INVALID_ARGUMENT, message)
    }
}

impl From<plume_core::Error> for Fail {
    fn from(e: plume_core::Error) -> Self {
        Fail::new(plume_status::from(&e), e.message())
    }
}

pub(crate) type FfiResult<T> = Result<T, Fail>;

/// A handle's last-error message (empty until a call on the handle fails).
#[derive(Debug)]
pub(crate) struct LastError(Mutex<CString>);

impl Default for LastError {
    fn default() -> Self {
        LastError(Mutex::new(CString::default()))
    }
}

impl LastError {
    /// Stores `message` (interior NULs become spaces).
    pub fn set(&self, message: &str) {
        let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *guard = c;
    }

    /// The message's address; valid until the next failure recorded here or the handle's
    /// end (the CString's buffer does not move while the handle lives and no one replaces it).
    pub fn as_ptr(&self) -> *const c_char {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ptr()
    }

    /// Runs `body`; on failure records the message and returns the status.
    pub fn record(&self, body: impl FnOnce() -> FfiResult<()>) -> plume_status {
        match body() {
            Ok(()) => plume_status::PLUME_OK,
            Err(f) => {
                self.set(&f.message);
                f.status
            }
        }
    }
}

/// `ptr` as a shared reference, or a NULL-pointer failure naming `arg`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(ptr: *const T, arg: &str) -> FfiResult<&'a T> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Fail::null(arg))
}

/// A NUL-terminated UTF-8 C string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string live for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, arg: &str) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Err(Fail::null(arg));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| Fail::invalid(format!("argument '{arg}' is not valid UTF-8")))
}

/// A C array argument of `len` elements as a slice. NULL is allowed only when `len == 0`.
/// Fails when the pointer is misaligned for `T`.
///
/// # Safety
/// `ptr` is NULL or points to `len` initialised `T`s live for `'a`, not written meanwhile.
pub(crate) unsafe fn arg_slice<'a, T>(ptr: *const T, len: usize, arg: &str) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Fail::null(arg));
    }
    if !ptr.is_aligned() {
        return Err(Fail::invalid(format!(
            "argument '{arg}' is not aligned to {} bytes",
            std::mem::align_of::<T>()
        )));
    }
    // SAFETY: non-NULL, aligned, and `len` elements by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A writable C array argument of `len` elements as a slice (NULL only when `len == 0`).
///
/// # Safety
/// `ptr` is NULL or points to `len` writable `T`s live for `'a`, accessed by no one else.
pub(crate) unsafe fn arg_slice_mut<'a, T>(ptr: *mut T, len: usize, arg: &str) -> FfiResult<&'a mut [T]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Fail::null(arg));
    }
    if !ptr.is_aligned() {
        return Err(Fail::invalid(format!(
            "argument '{arg}' is not aligned to {} bytes",
            std::mem::align_of::<T>()
        )));
    }
    // SAFETY: as above, writable and exclusive by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Checks an out-parameter is non-NULL (before any work, so nothing is done in vain).
pub(crate) fn check_out<T>(ptr: *mut T, arg: &str) -> FfiResult<()> {
    if ptr.is_null() {
        Err(Fail::null(arg))
    } else {
        Ok(())
    }
}

/// Writes an out-parameter checked by [`check_out`].
///
/// # Safety
/// `ptr` is non-NULL, aligned and writable.
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T) {
    // SAFETY: the caller's contract.
    unsafe { ptr.write(value) }
}

/// Boxes `value` and returns the pointer a C caller owns (freed by the object's `_free`).
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`into_handle`]; NULL does nothing.
///
/// # Safety
/// `ptr` is NULL or came from [`into_handle`] for this `T` and is not used afterwards.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: the caller's contract: it came from Box::into_raw and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Copies `text` NUL-terminated into a caller buffer; see `plume_config_get` for the
/// protocol (NULL `buf`: only `*len` is written).
///
/// # Safety
/// `buf` is NULL or `capacity` writable bytes; `len` is non-NULL and writable.
pub(crate) unsafe fn copy_string_out(
    text: &str,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> FfiResult<()> {
    check_out(len, "len")?;
    let needed = text.len() + 1;
    if !buf.is_null() {
        if capacity < needed {
            return Err(Fail::new(
                plume_status::PLUME_ERR_BUFFER_TOO_SMALL,
                format!("buffer holds {capacity} bytes, the text needs {needed} (with its NUL)"),
            ));
        }
        // SAFETY: buf has capacity >= needed writable bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
            buf.add(text.len()).write(0);
        }
    }
    // SAFETY: checked non-NULL above.
    unsafe { write_out(len, needed) };
    Ok(())
}
