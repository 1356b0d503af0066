//! `plume_config`: options as string key/value pairs, from the API, the environment
//! (`PLUME_*`) and input decks, with the precedence API > environment > deck > defaults.
//! The keys and values are documented in `plume_core::config` and in `plume_config_set`.

use std::ffi::c_char;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Mutex;

use plume_core::config::{Config, Settings};

use crate::handle::{
    arg_ref, arg_str, check_out, copy_string_out, free_handle, into_handle, write_out, FfiResult, LastError,
};
use crate::panic::boundary;
use crate::status::plume_status::{self, PLUME_ERR_NULL_POINTER, PLUME_ERR_PANIC, PLUME_OK};

/// Options for codecs (and, later, in-situ sessions). Opaque; create with
/// `plume_config_new`, free with `plume_config_free`.
///
/// Thread safety: every `plume_config_*` function may be called from any thread, also
/// concurrently on one handle (an internal lock serialises them); the last-error message
/// is then the most recent failure of any of those threads.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct plume_config {
    inner: Mutex<Config>,
    pub(crate) last_error: LastError,
}

impl plume_config {
    fn with<R>(&self, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// The resolved settings (errors recorded by the caller).
    pub(crate) fn resolve(&self) -> FfiResult<Settings> {
        Ok(self.with(|c| c.resolve())?)
    }
}

/// Creates a configuration with every key at its default (the environment is read only by
/// `plume_config_apply_env`, decks only by `plume_config_load`).
///
/// On success writes a new handle to `*out`; the caller owns it and frees it with
/// `plume_config_free`. Returns `PLUME_ERR_NULL_POINTER` when `out` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_new(out: *mut *mut plume_config) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        if out.is_null() {
            return PLUME_ERR_NULL_POINTER;
        }
        // SAFETY: non-NULL; the caller passes a writable pointer.
        unsafe { write_out(out, into_handle(plume_config::default())) };
        PLUME_OK
    })
}

/// Frees a configuration. NULL does nothing. Codecs made from it stay valid (they copy
/// what they need). Not thread-safe with other calls on the same handle: the caller must
/// ensure no other thread uses `cfg` during or after this call.
#[no_mangle]
pub unsafe extern "C" fn plume_config_free(cfg: *mut plume_config) {
    // SAFETY: cfg is NULL or came from plume_config_new (the caller's contract).
    boundary((), AssertUnwindSafe(|| unsafe { free_handle(cfg) }))
}

/// Sets option `key` to `value` (both NUL-terminated UTF-8) at the API level, the highest
/// precedence. Keys (a `plume.` prefix is accepted):
/// - `mode`: `abs`, `rel` (default), `pw_rel` or `psnr`;
/// - `error_bound`: a number >= 0 (default `1e-3`; for `pw_rel` below 1; for `psnr` the
///   target in dB, > 0);
/// - `encoding`: `fast` or `ratio` (default);
/// - `block_dims`: `default` or 1 to 4 positive integers (`"64,64,64"` or `"64 64 64"`),
///   in the same convention as the field's dims;
/// - `zstd_level`: 1 to 22 (default 1; the `ratio` encoding);
/// - `fields`, `label`, `output`, `disable`: options of in-situ sessions;
/// - `field.<NAME>.mode`, `field.<NAME>.error_bound`, `field.<NAME>.encoding`: overrides
///   for one field (see `plume_codec_new`).
///
/// Returns `PLUME_ERR_INVALID_ARGUMENT` on an unknown key or a bad value, with the key
/// and value in `plume_config_last_error`; the configuration is then unchanged.
/// `PLUME_ERR_NULL_POINTER` when any argument is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_set(
    cfg: *mut plume_config,
    key: *const c_char,
    value: *const c_char,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            // SAFETY: NULL or NUL-terminated strings (the caller's contract).
            let (key, value) = unsafe { (arg_str(key, "key")?, arg_str(value, "value")?) };
            Ok(cfg.with(|c| c.set(key, value))?)
        })
    })
}

/// Removes the API-level value of `key`, so the environment, deck or default shows
/// through again. Same errors as `plume_config_set`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_unset(cfg: *mut plume_config, key: *const c_char) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            // SAFETY: NULL or a NUL-terminated string.
            let key = unsafe { arg_str(key, "key") }?;
            Ok(cfg.with(|c| c.unset(key))?)
        })
    })
}

/// Loads the input deck at `path` (NUL-terminated) at the deck level (below the
/// environment and the API, whatever the order of the calls). The syntax is detected: a
/// key = value deck (`plume.error_bound = 1e-2`, other prefixes ignored), a TOML file's
/// `[plume]` table, or a Fortran namelist file's `&plume ... /` group.
///
/// All or nothing: on an unknown key or a bad value (`PLUME_ERR_INVALID_ARGUMENT`, the
/// message names the file, line and key) or an unreadable file (`PLUME_ERR_IO`) nothing of
/// the deck is kept. `PLUME_ERR_NULL_POINTER` when an argument is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_load(cfg: *mut plume_config, path: *const c_char) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            // SAFETY: NULL or a NUL-terminated string.
            let path = unsafe { arg_str(path, "path") }?;
            Ok(cfg.with(|c| c.load_deck(Path::new(path)))?)
        })
    })
}

/// Applies the process environment at the environment level: `PLUME_MODE`,
/// `PLUME_ERROR_BOUND`, `PLUME_ENCODING`, `PLUME_BLOCK_DIMS`, `PLUME_ZSTD_LEVEL`,
/// `PLUME_FIELDS`, `PLUME_LABEL`, `PLUME_OUTPUT`, `PLUME_DISABLE`, and `PLUME_CONFIG=path`
/// (a deck, loaded at the deck level). Other `PLUME_*` variables are ignored.
///
/// All or nothing; `PLUME_ERR_INVALID_ARGUMENT` names the variable on a bad value.
/// Thread-safe with respect to other Plume calls (it reads the environment, which must not
/// be modified concurrently by the program).
#[no_mangle]
pub unsafe extern "C" fn plume_config_apply_env(cfg: *mut plume_config) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            let vars: Vec<(String, String)> = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect();
            Ok(cfg.with(|c| c.apply_env(vars))?)
        })
    })
}

/// Copies the effective value of `key` (after precedence) as NUL-terminated text into
/// `buf`. Protocol: `*len` receives the bytes needed including the NUL; with `buf` NULL
/// only `*len` is written (a size query); with `capacity` too small the call fails with
/// `PLUME_ERR_BUFFER_TOO_SMALL` and writes nothing. Unknown key: `PLUME_ERR_INVALID_ARGUMENT`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_get(
    cfg: *const plume_config,
    key: *const c_char,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            // SAFETY: NULL or a NUL-terminated string.
            let key = unsafe { arg_str(key, "key") }?;
            check_out(len, "len")?;
            let (value, _) = cfg.with(|c| c.get(key))?;
            // SAFETY: buf is NULL or `capacity` bytes; len checked non-NULL.
            unsafe { copy_string_out(&value, buf, capacity, len) }
        })
    })
}

/// Copies the whole effective configuration, one `plume.<key> = <value>  # <origin>` line
/// per key (itself a valid deck), into `buf` with the protocol of `plume_config_get`.
/// Fails like `plume_codec_new` when the combination is invalid (e.g. `pw_rel` with a
/// bound >= 1). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn plume_config_effective(
    cfg: *const plume_config,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> plume_status {
    boundary(PLUME_ERR_PANIC, || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        let Ok(cfg) = (unsafe { arg_ref(cfg, "cfg") }) else { return PLUME_ERR_NULL_POINTER };
        cfg.last_error.record(|| {
            check_out(len, "len")?;
            let text = cfg.resolve()?.to_deck();
            // SAFETY: buf is NULL or `capacity` bytes; len checked non-NULL.
            unsafe { copy_string_out(&text, buf, capacity, len) }
        })
    })
}

/// The message of the most recent failed call on `cfg` (which key, which value, which
/// file and line), or `""` if none failed. Never NULL: a NULL `cfg` gives a static
/// message. The string is owned by `cfg` and valid until the next failing call on it or
/// `plume_config_free`; copy it to keep it. Thread-safe, but with concurrent failing
/// calls the pointer may be invalidated: use one handle per thread to read messages.
#[no_mangle]
pub unsafe extern "C" fn plume_config_last_error(cfg: *const plume_config) -> *const c_char {
    boundary(c"internal panic".as_ptr(), || {
        // SAFETY: cfg is NULL or a live handle (the caller's contract).
        match unsafe { cfg.as_ref() } {
            Some(c) => c.last_error.as_ptr(),
            None => c"cfg is NULL".as_ptr(),
        }
    })
}
