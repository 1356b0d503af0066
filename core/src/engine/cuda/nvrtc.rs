//! A minimal NVRTC loader: `dlopen`s `libnvrtc` from an explicit path or the usual names
//! and compiles CUDA C to PTX (or CUBIN). cudarc's own NVRTC binding loads the library
//! only by name through the default search path and panics when it is missing; this one
//! takes a path (the PyPI wheel `nvidia-cuda-nvrtc` installs it inside site-packages, on
//! no search path) and turns every failure into an [`ErrorKind::Device`] error.
//!
//! Where the library is looked for, in order:
//! 1. the environment variable `PLUME_NVRTC_LIB` (a path to `libnvrtc.so*`);
//! 2. `libnvrtc.so.13`, `libnvrtc.so.12`, `libnvrtc.so` on the loader's search path;
//! 3. `/usr/local/cuda/lib64/libnvrtc.so{,.13,.12}`.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::OnceLock;

use crate::error::{Error, ErrorKind, Result};

/// The environment variable naming the NVRTC library to load.
pub const NVRTC_LIB_ENV: &str = "PLUME_NVRTC_LIB";

type NvrtcResult = c_int;
type NvrtcProgram = *mut c_void;

/// The NVRTC entry points Plume uses.
#[derive(Debug)]
pub struct Nvrtc {
    path: String,
    version: (i32, i32),
    create: unsafe extern "C" fn(
        *mut NvrtcProgram,
        *const c_char,
        *const c_char,
        c_int,
        *const *const c_char,
        *const *const c_char,
    ) -> NvrtcResult,
    compile: unsafe extern "C" fn(NvrtcProgram, c_int, *const *const c_char) -> NvrtcResult,
    log_size: unsafe extern "C" fn(NvrtcProgram, *mut usize) -> NvrtcResult,
    log: unsafe extern "C" fn(NvrtcProgram, *mut c_char) -> NvrtcResult,
    ptx_size: unsafe extern "C" fn(NvrtcProgram, *mut usize) -> NvrtcResult,
    ptx: unsafe extern "C" fn(NvrtcProgram, *mut c_char) -> NvrtcResult,
    cubin_size: unsafe extern "C" fn(NvrtcProgram, *mut usize) -> NvrtcResult,
    cubin: unsafe extern "C" fn(NvrtcProgram, *mut c_char) -> NvrtcResult,
    destroy: unsafe extern "C" fn(*mut NvrtcProgram) -> NvrtcResult,
    error_string: unsafe extern "C" fn(NvrtcResult) -> *const c_char,
}

/// What a compilation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// PTX text for a virtual architecture (`compute_XY`), JIT-compiled by the driver.
    Ptx,
    /// A CUBIN for a real architecture (`sm_XY`).
    Cubin,
}

/// A compiled program: PTX text (without the trailing NUL) or CUBIN bytes, and the log.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// PTX text or CUBIN bytes.
    pub image: Vec<u8>,
    /// NVRTC's log (warnings), possibly empty.
    pub log: String,
}

fn device_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Device, msg)
}

/// `dlopen`s `name` (a path or a library name); the handle is never closed (NVRTC stays
/// loaded for the life of the process).
fn dlopen(name: &str) -> Option<*mut c_void> {
    let c = CString::new(name).ok()?;
    // SAFETY: a valid NUL-terminated string; dlopen has no other precondition.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    (!h.is_null()).then_some(h)
}

fn dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by libc.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown dlopen error".into()
    } else {
        // SAFETY: non-null, NUL-terminated (above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// Looks up `name` in `handle`.
///
/// # Safety
/// `F` must be the function pointer type of the symbol's C signature.
unsafe fn symbol<F: Copy>(handle: *mut c_void, name: &str, path: &str) -> Result<F> {
    let c = CString::new(name).map_err(|_| device_err("symbol name with NUL"))?;
    // SAFETY: a live handle from dlopen and a NUL-terminated name.
    let p = unsafe { libc::dlsym(handle, c.as_ptr()) };
    if p.is_null() {
        return Err(device_err(format!("{path}: NVRTC symbol {name} not found")));
    }
    debug_assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: p is the address of the C function `name`; F is its pointer type (caller).
    Ok(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&p) })
}

impl Nvrtc {
    /// Loads NVRTC from `path` (a file path or a library name for the loader's search).
    /// For a file path, the `libnvrtc-builtins.so*` beside it is loaded first: NVRTC
    /// opens its builtins by name, and the loader then finds the one already loaded (the
    /// PyPI wheel's directory is on no search path).
    pub fn load(path: &str) -> Result<Nvrtc> {
        let file = std::path::Path::new(path);
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut builtins: Vec<_> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("libnvrtc-builtins.so"))
                })
                .collect();
            builtins.sort();
            for b in builtins {
                // RTLD_GLOBAL is not needed: dlopen matches the SONAME of a loaded object.
                let _ = dlopen(&b.to_string_lossy());
            }
        }
        let handle = dlopen(path)
            .ok_or_else(|| device_err(format!("cannot load NVRTC from '{path}': {}", dlerror())))?;
        // SAFETY: each type below is the documented C signature of the symbol (nvrtc.h).
        let lib = unsafe {
            let version_fn: unsafe extern "C" fn(*mut c_int, *mut c_int) -> NvrtcResult =
                symbol(handle, "nvrtcVersion", path)?;
            let (mut major, mut minor) = (0, 0);
            version_fn(&mut major, &mut minor);
            Nvrtc {
                path: path.to_string(),
                version: (major, minor),
                create: symbol(handle, "nvrtcCreateProgram", path)?,
                compile: symbol(handle, "nvrtcCompileProgram", path)?,
                log_size: symbol(handle, "nvrtcGetProgramLogSize", path)?,
                log: symbol(handle, "nvrtcGetProgramLog", path)?,
                ptx_size: symbol(handle, "nvrtcGetPTXSize", path)?,
                ptx: symbol(handle, "nvrtcGetPTX", path)?,
                cubin_size: symbol(handle, "nvrtcGetCUBINSize", path)?,
                cubin: symbol(handle, "nvrtcGetCUBIN", path)?,
                destroy: symbol(handle, "nvrtcDestroyProgram", path)?,
                error_string: symbol(handle, "nvrtcGetErrorString", path)?,
            }
        };
        Ok(lib)
    }

    /// The library from `PLUME_NVRTC_LIB`, else the first of the usual names that loads
    /// (module docs); loaded once per process.
    pub fn get() -> Result<&'static Nvrtc> {
        static LIB: OnceLock<std::result::Result<Nvrtc, Error>> = OnceLock::new();
        LIB.get_or_init(|| {
            if let Some(path) = std::env::var_os(NVRTC_LIB_ENV) {
                return Nvrtc::load(&path.to_string_lossy());
            }
            let candidates = [
                "libnvrtc.so.13",
                "libnvrtc.so.12",
                "libnvrtc.so",
                "/usr/local/cuda/lib64/libnvrtc.so.13",
                "/usr/local/cuda/lib64/libnvrtc.so.12",
                "/usr/local/cuda/lib64/libnvrtc.so",
            ];
            candidates.iter().find_map(|c| Nvrtc::load(c).ok()).ok_or_else(|| {
                device_err(format!(
                    "NVRTC not found (set {NVRTC_LIB_ENV} to the path of libnvrtc.so; tried {candidates:?})"
                ))
            })
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// The path or name it was loaded from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// NVRTC's (major, minor) version.
    pub fn version(&self) -> (i32, i32) {
        self.version
    }

    fn check(&self, r: NvrtcResult, what: &str) -> Result<()> {
        if r == 0 {
            return Ok(());
        }
        // SAFETY: nvrtcGetErrorString returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr((self.error_string)(r)) }.to_string_lossy().into_owned();
        Err(device_err(format!("NVRTC {what}: {s} ({r})")))
    }

    /// Compiles `source` (named `name` in messages) with the in-memory `headers`
    /// (`(include name, text)`) and `options`. A compile error carries NVRTC's log.
    pub fn compile(
        &self,
        name: &str,
        source: &str,
        headers: &[(&str, &str)],
        options: &[String],
        output: Output,
    ) -> Result<Compiled> {
        let cstr = |s: &str| CString::new(s).map_err(|_| Error::invalid(format!("NUL byte in '{name}'")));
        let src = cstr(source)?;
        let cname = cstr(name)?;
        let header_texts: Vec<CString> = headers.iter().map(|h| cstr(h.1)).collect::<Result<_>>()?;
        let header_names: Vec<CString> = headers.iter().map(|h| cstr(h.0)).collect::<Result<_>>()?;
        let text_ptrs: Vec<*const c_char> = header_texts.iter().map(|c| c.as_ptr()).collect();
        let name_ptrs: Vec<*const c_char> = header_names.iter().map(|c| c.as_ptr()).collect();
        let opts: Vec<CString> = options.iter().map(|o| cstr(o)).collect::<Result<_>>()?;
        let opt_ptrs: Vec<*const c_char> = opts.iter().map(|c| c.as_ptr()).collect();
        let mut prog: NvrtcProgram = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; counts match the arrays.
        let r = unsafe {
            (self.create)(
                &mut prog,
                src.as_ptr(),
                cname.as_ptr(),
                headers.len() as c_int,
                text_ptrs.as_ptr(),
                name_ptrs.as_ptr(),
            )
        };
        self.check(r, &format!("create program '{name}'"))?;
        let out = self.compile_program(prog, name, &opt_ptrs, output);
        // SAFETY: prog was created above and is destroyed once.
        unsafe { (self.destroy)(&mut prog) };
        out
    }

    fn compile_program(
        &self,
        prog: NvrtcProgram,
        name: &str,
        opts: &[*const c_char],
        output: Output,
    ) -> Result<Compiled> {
        // SAFETY: a live program; the option pointers outlive the call.
        let r = unsafe { (self.compile)(prog, opts.len() as c_int, opts.as_ptr()) };
        let log = self.read(prog, self.log_size, self.log)?;
        let log = String::from_utf8_lossy(&log).trim_end_matches('\0').trim().to_string();
        if r != 0 {
            return Err(device_err(format!("NVRTC failed to compile '{name}':\n{log}")));
        }
        let mut image = match output {
            Output::Ptx => self.read(prog, self.ptx_size, self.ptx)?,
            Output::Cubin => self.read(prog, self.cubin_size, self.cubin)?,
        };
        if output == Output::Ptx {
            while image.last() == Some(&0) {
                image.pop();
            }
        }
        Ok(Compiled { image, log })
    }

    fn read(
        &self,
        prog: NvrtcProgram,
        size_fn: unsafe extern "C" fn(NvrtcProgram, *mut usize) -> NvrtcResult,
        get_fn: unsafe extern "C" fn(NvrtcProgram, *mut c_char) -> NvrtcResult,
    ) -> Result<Vec<u8>> {
        let mut n = 0usize;
        // SAFETY: a live program and a valid out-pointer.
        self.check(unsafe { size_fn(prog, &mut n) }, "get size")?;
        let mut buf = vec![0u8; n];
        if n > 0 {
            // SAFETY: buf holds the n bytes NVRTC said it writes.
            self.check(unsafe { get_fn(prog, buf.as_mut_ptr().cast()) }, "get output")?;
        }
        Ok(buf)
    }
}
