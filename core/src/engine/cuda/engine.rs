//! [`CudaEngine`]: the `fast` encoding on the GPU, byte-identical to the CPU engine.
//!
//! Compression of a host field, per call (one explicit stream, no other sync):
//! upload -> `quantize` (codes + outlier masks) -> `chunk_widths` -> `block_scan` (chunk
//! word offsets, outlier ranks, payload sizes) -> `offsets_scan` (64-bit block offsets)
//! -> read back the offsets (the one synchronisation before the output size is known)
//! -> `pack` (the whole payload, each byte written once) -> read back the payloads.
//! The host then cuts the payloads into blocks; the codec adds header, table and CRCs.
//!
//! Decompression: the host checks every selected block's structure exactly as
//! `format::block::read_payload` does (CRC, predictor, outlier indices, widths, exact
//! length); any stream the GPU path does not take (a `ratio` stream, an interpolation
//! predictor, any damage) goes to the CPU engine, so errors are the CPU's, word for word.
//! Then: upload the selected blocks -> `gather_widths` -> `block_scan` -> `unpack` ->
//! `lorenzo_inverse_axis` per axis -> `dequantize` -> `scatter_outliers` -> read back.
//!
//! Workspace: device buffers owned by the engine, grown only when a call needs more than
//! any call before it (size them once with [`CudaEngine::reserve`]).

use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex};

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtr, DeviceRepr, DriverError, LaunchConfig,
    PushKernelArg,
};

use super::kernels::{self, SCAN_THREADS, THREADS, UNITS};
use super::launch::{grid_stride, per_entry, per_slot, Geometry, Quant, Region};
use super::nvrtc::Nvrtc;
use crate::engine::grid::{pad4, BlockGrid, Box4};
use crate::engine::{Compressed, CpuEngine, Engine, Plan};
use crate::error::{Error, ErrorKind, Result};
use crate::field::{AnyField, AnyValuesMut, DType, Element, MAX_DIMS};
use crate::format::{Encoding, StreamLayout};

fn device_err(what: &str, e: DriverError) -> Error {
    Error::new(ErrorKind::Device, format!("CUDA {what}: {e}"))
}

/// Launches kernel `$f` on stream `$s` with the arguments in order.
macro_rules! launch {
    ($s:expr, $f:expr, $cfg:expr, $what:expr, [$($arg:expr),* $(,)?]) => {{
        let mut b = $s.launch_builder($f);
        $( b.arg($arg); )*
        // SAFETY: each call site passes the kernel's exact parameter list (the types and
        // order of its extern "C" signature), with buffers sized for the geometry.
        unsafe { b.launch($cfg) }.map(|_| ()).map_err(|e| device_err($what, e))
    }};
}

/// A device buffer that grows on demand and is otherwise reused.
struct Buf<T> {
    slice: Option<CudaSlice<T>>,
}

impl<T: DeviceRepr> Buf<T> {
    fn new() -> Self {
        Buf { slice: None }
    }
    /// The buffer, with room for at least `n` elements (contents unspecified).
    fn ensure(&mut self, stream: &Arc<CudaStream>, n: usize) -> Result<&mut CudaSlice<T>> {
        let n = n.max(1);
        if self.slice.as_ref().is_none_or(|s| s.len() < n) {
            self.slice = None; // free first: the old buffer may be most of the memory
                               // SAFETY: the kernels write every element they later read.
            let s = unsafe { stream.alloc::<T>(n) }.map_err(|e| device_err("allocate workspace", e))?;
            self.slice = Some(s);
        }
        self.slice.as_mut().ok_or_else(|| Error::new(ErrorKind::Device, "workspace missing"))
    }
    fn get(&self) -> Result<&CudaSlice<T>> {
        self.slice.as_ref().ok_or_else(|| Error::new(ErrorKind::Device, "workspace not allocated"))
    }
}

/// Device buffers reused across calls.
struct Workspace {
    input: Buf<u8>,
    blist: Buf<u64>,
    codes: Buf<i32>,
    masks: Buf<u32>,
    widths: Buf<u8>,
    word_off: Buf<u32>,
    out_off: Buf<u32>,
    block_outliers: Buf<u32>,
    block_bytes: Buf<u64>,
    block_off: Buf<u64>,
    payload: Buf<u8>,
    payload_at: Buf<u64>,
    output: Buf<u8>,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            input: Buf::new(),
            blist: Buf::new(),
            codes: Buf::new(),
            masks: Buf::new(),
            widths: Buf::new(),
            word_off: Buf::new(),
            out_off: Buf::new(),
            block_outliers: Buf::new(),
            block_bytes: Buf::new(),
            block_off: Buf::new(),
            payload: Buf::new(),
            payload_at: Buf::new(),
            output: Buf::new(),
        }
    }
}

/// The loaded kernels.
struct Kernels {
    quantize: [CudaFunction; 4], // linear f32, linear f64, log f32, log f64
    chunk_widths: CudaFunction,
    lorenzo_inverse_axis: CudaFunction,
    lorenzo_inverse_last: CudaFunction,
    block_scan: CudaFunction,
    offsets_scan: CudaFunction,
    pack: [CudaFunction; 2], // f32, f64
    gather_widths: CudaFunction,
    unpack: CudaFunction,
    dequantize: [CudaFunction; 4],
    scatter_outliers: [CudaFunction; 2],
    error_stats: [CudaFunction; 2],
}

/// Index of a (quantizer, dtype) kernel variant.
fn variant(log: bool, dtype: DType) -> usize {
    2 * log as usize + (dtype == DType::F64) as usize
}

struct State {
    ws: Workspace,
}

struct Inner {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    k: Kernels,
    device_name: String,
    arch: String,
    state: Mutex<State>,
}

/// The CUDA engine: `fast` compression and decompression on one device, one stream.
/// Cheap to clone (the clones share the context, kernels and workspace; calls are
/// serialised on the workspace). `ratio` requests go to the CPU engine (see the module
/// docs of [`super`]).
#[derive(Clone)]
pub struct CudaEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CudaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaEngine")
            .field("device", &self.inner.device_name)
            .field("arch", &self.inner.arch)
            .finish()
    }
}

/// Compiles every unit for the device (CUBIN for `sm_XY`, PTX for `compute_XY` when
/// NVRTC does not know the real architecture) and loads it.
fn load_kernels(ctx: &Arc<CudaContext>, nvrtc: &Nvrtc, cc: (i32, i32)) -> Result<(Kernels, String)> {
    let sm = format!("sm_{}{}", cc.0, cc.1);
    let compute = format!("compute_{}{}", cc.0, cc.1);
    let mut arch = sm.clone();
    let mut functions = std::collections::HashMap::new();
    for unit in UNITS {
        let module = match kernels::compile(nvrtc, unit, &arch) {
            Ok(c) if arch.starts_with("sm_") => cudarc::nvrtc::Ptx::from_binary(c.image),
            Ok(c) => cudarc::nvrtc::Ptx::from_src(String::from_utf8_lossy(&c.image).into_owned()),
            Err(_) if arch == sm => {
                arch = compute.clone();
                let c = kernels::compile(nvrtc, unit, &arch)?;
                cudarc::nvrtc::Ptx::from_src(String::from_utf8_lossy(&c.image).into_owned())
            }
            Err(e) => return Err(e),
        };
        let module = ctx.load_module(module).map_err(|e| device_err(&format!("load {}", unit.name), e))?;
        for name in unit.kernels {
            let f = module.load_function(name).map_err(|e| device_err(&format!("load kernel {name}"), e))?;
            functions.insert(*name, f);
        }
    }
    let mut take = |name: &str| {
        functions
            .remove(name)
            .ok_or_else(|| Error::new(ErrorKind::Device, format!("kernel {name} not loaded")))
    };
    let k = Kernels {
        quantize: [
            take("plume_quantize_linear_f32")?,
            take("plume_quantize_linear_f64")?,
            take("plume_quantize_log_f32")?,
            take("plume_quantize_log_f64")?,
        ],
        chunk_widths: take("plume_chunk_widths")?,
        lorenzo_inverse_axis: take("plume_lorenzo_inverse_axis")?,
        lorenzo_inverse_last: take("plume_lorenzo_inverse_last")?,
        block_scan: take("plume_block_scan")?,
        offsets_scan: take("plume_offsets_scan")?,
        pack: [take("plume_pack_f32")?, take("plume_pack_f64")?],
        gather_widths: take("plume_gather_widths")?,
        unpack: take("plume_unpack")?,
        dequantize: [
            take("plume_dequantize_linear_f32")?,
            take("plume_dequantize_linear_f64")?,
            take("plume_dequantize_log_f32")?,
            take("plume_dequantize_log_f64")?,
        ],
        scatter_outliers: [take("plume_scatter_outliers_f32")?, take("plume_scatter_outliers_f64")?],
        error_stats: [take("plume_error_stats_f32")?, take("plume_error_stats_f64")?],
    };
    Ok((k, arch))
}

/// The bytes of a slice of f32/f64 (no padding, every byte initialised).
fn as_bytes<T: Element>(v: &[T]) -> &[u8] {
    // SAFETY: T is f32 or f64 (Element is sealed): plain data, no padding.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

/// Where the field to compress lies.
enum Input<'a> {
    /// Host bytes (uploaded into the workspace).
    Host(&'a [u8]),
    /// A device pointer in the engine's context.
    Device(u64),
}

/// Where decoded values go.
enum Target<'a> {
    /// Host memory, as bytes of the values (aligned for the element type).
    Host(&'a mut [MaybeUninit<u8>]),
    /// A device pointer in the engine's context with room for `n_values` values.
    Device { ptr: u64, n_values: usize },
}

impl Target<'_> {
    fn n_values(&self, dtype: DType) -> usize {
        match self {
            Target::Host(b) => b.len() / dtype.size_bytes(),
            Target::Device { n_values, .. } => *n_values,
        }
    }
}

/// The bytes of an uninitialised f32/f64 output.
fn uninit_bytes<T: Element>(v: &mut [MaybeUninit<T>]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: same memory, viewed as bytes (MaybeUninit<u8> has no validity invariant).
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast(), std::mem::size_of_val(v)) }
}

/// A checked block: where its stored bytes are and how many outliers it has.
struct CheckedBlock<'a> {
    stored: &'a [u8],
    n_outliers: u32,
}

/// Checks block `b`'s payload exactly as `format::block::read_payload` +
/// `BitPackEncoder::decode` would accept it, Lorenzo predictor only. `None`: the GPU path
/// does not take it (the CPU engine then decodes it or reports the error).
fn check_block<'a>(
    stream: &'a [u8],
    layout: &StreamLayout,
    grid: &BlockGrid,
    b: usize,
    value_bytes: usize,
) -> Option<CheckedBlock<'a>> {
    let (stored, _) = layout.block_bytes(stream, b).ok()?;
    let volume = grid.block(b).volume();
    let mut at = 0usize;
    if layout.header.version >= 2 {
        if *stored.first()? != crate::predict::PredictorKind::Lorenzo as u8 {
            return None;
        }
        at = 1;
    }
    let n = u32::from_le_bytes(stored.get(at..at + 4)?.try_into().ok()?) as usize;
    at += 4;
    if n > volume {
        return None;
    }
    let indices = stored.get(at..at.checked_add(4 * n)?)?;
    let mut prev: Option<u32> = None;
    for ib in indices.chunks_exact(4) {
        let i = u32::from_le_bytes([ib[0], ib[1], ib[2], ib[3]]);
        if i as usize >= volume || prev.is_some_and(|p| i <= p) {
            return None;
        }
        prev = Some(i);
    }
    at += n * (4 + value_bytes);
    let n_chunks = volume.div_ceil(32);
    let widths = stored.get(at..at.checked_add(n_chunks)?)?;
    if widths.iter().any(|&w| w > 32) {
        return None;
    }
    let words: usize = widths.iter().map(|&w| w as usize).sum();
    (at + n_chunks + 4 * words == stored.len()).then_some(CheckedBlock { stored, n_outliers: n as u32 })
}

impl CudaEngine {
    /// Creates the engine on device `ordinal`: probes the driver library (see
    /// [`super::probe`]), creates the context and a stream, compiles the kernels with
    /// NVRTC for the device's architecture and loads them. Fails with
    /// [`ErrorKind::Device`] when the driver, a device or NVRTC is missing; never panics.
    pub fn new(ordinal: usize) -> Result<CudaEngine> {
        super::probe()?;
        let nvrtc = Nvrtc::get()?;
        let created = std::panic::catch_unwind(|| -> Result<_> {
            let ctx = CudaContext::new(ordinal).map_err(|e| device_err("create context", e))?;
            // One stream, used in order: no per-buffer event tracking needed.
            // SAFETY: every buffer of this engine is used on `stream` only.
            unsafe { ctx.disable_event_tracking() };
            let stream = ctx.new_stream().map_err(|e| device_err("create stream", e))?;
            let name = ctx.name().unwrap_or_else(|_| "unknown CUDA device".into());
            let cc = ctx.compute_capability().map_err(|e| device_err("compute capability", e))?;
            Ok((ctx, stream, name, cc))
        })
        .map_err(|_| Error::new(ErrorKind::Device, "the CUDA driver panicked while creating a context"))?;
        let (ctx, stream, device_name, cc) = created?;
        let (k, arch) = load_kernels(&ctx, nvrtc, cc)?;
        tracing::info!(device = %device_name, %arch, nvrtc = nvrtc.path(), "CUDA engine ready");
        Ok(CudaEngine {
            inner: Arc::new(Inner {
                ctx,
                stream,
                k,
                device_name,
                arch,
                state: Mutex::new(State { ws: Workspace::new() }),
            }),
        })
    }

    /// The device's name.
    pub fn device_name(&self) -> &str {
        &self.inner.device_name
    }

    /// The architecture the kernels were built for (`sm_90`, or `compute_XY` for PTX).
    pub fn arch(&self) -> &str {
        &self.inner.arch
    }

    /// The engine's stream (for callers that order their own work against it).
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.inner.stream
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.inner.ctx.bind_to_thread().map_err(|e| device_err("bind context", e))?;
        self.inner.state.lock().map_err(|_| Error::new(ErrorKind::Device, "CUDA engine poisoned by a panic"))
    }

    /// Sizes the workspace for compressing fields of up to `n_values` values of `dtype`
    /// with `block_dims`-shaped blocks and `n_blocks` blocks, so that later calls of
    /// that size allocate nothing. Output payload room is the input size (grown on
    /// demand beyond that).
    pub fn reserve(
        &self,
        n_values: usize,
        dtype: DType,
        block_dims: &[usize],
        n_blocks: usize,
    ) -> Result<()> {
        let mut st = self.lock()?;
        let s = &self.inner.stream;
        let g = Geometry::new(block_dims, block_dims, n_blocks);
        let ws = &mut st.ws;
        ws.input.ensure(s, n_values * dtype.size_bytes())?;
        ws.blist.ensure(s, n_blocks)?;
        ws.codes.ensure(s, g.n_values())?;
        ws.masks.ensure(s, g.n_chunks())?;
        ws.widths.ensure(s, g.n_chunks())?;
        ws.word_off.ensure(s, g.n_chunks())?;
        ws.out_off.ensure(s, g.n_chunks())?;
        ws.block_outliers.ensure(s, n_blocks)?;
        ws.block_bytes.ensure(s, n_blocks)?;
        ws.block_off.ensure(s, n_blocks + 1)?;
        ws.payload.ensure(s, n_values * dtype.size_bytes())?;
        Ok(())
    }

    fn compress_impl(
        &self,
        input: Input<'_>,
        dtype: DType,
        storage: &[usize],
        plan: &Plan,
    ) -> Result<Compressed> {
        let grid = BlockGrid::new(storage, &plan.block_dims);
        let n_blocks = grid.n_blocks();
        if n_blocks == 0 {
            return Ok(Compressed::default());
        }
        let k = &self.inner.k;
        let s = &self.inner.stream;
        let mut st = self.lock()?;
        let ws = &mut st.ws;
        let g = Geometry::new(storage, &plan.block_dims, n_blocks);
        let (q, log) = Quant::of(&plan.quantizer)?;
        let v = variant(log, dtype);
        let value_bytes = dtype.size_bytes() as u32;
        let version = crate::format::FORMAT_VERSION as u32;
        let n_sel = n_blocks as u64;
        let blist: Vec<u64> = (0..n_sel).collect();

        let field_ptr: u64 = match input {
            Input::Host(bytes) => {
                let buf = ws.input.ensure(s, bytes.len())?;
                s.memcpy_htod(bytes, &mut buf.slice_mut(..bytes.len()))
                    .map_err(|e| device_err("upload field", e))?;
                buf.device_ptr(s).0
            }
            Input::Device(ptr) => ptr,
        };
        s.memcpy_htod(&blist, &mut ws.blist.ensure(s, n_blocks)?.slice_mut(..n_blocks))
            .map_err(|e| device_err("upload block list", e))?;
        ws.codes.ensure(s, g.n_values())?;
        for b in [&mut ws.masks, &mut ws.word_off, &mut ws.out_off] {
            b.ensure(s, g.n_chunks())?;
        }
        ws.widths.ensure(s, g.n_chunks())?;
        ws.block_outliers.ensure(s, n_blocks)?;
        ws.block_bytes.ensure(s, n_blocks)?;
        ws.block_off.ensure(s, n_blocks + 1)?;
        let (blist_d, codes) = (ws.blist.get()?, ws.codes.get()?);
        let (masks, widths, word_off, out_off) =
            (ws.masks.get()?, ws.widths.get()?, ws.word_off.get()?, ws.out_off.get()?);
        let (block_outliers, block_bytes, block_off) =
            (ws.block_outliers.get()?, ws.block_bytes.get()?, ws.block_off.get()?);

        launch!(
            s,
            &k.quantize[v],
            per_entry(&g, THREADS),
            "quantize",
            [&field_ptr, &g, blist_d, &q, codes, masks]
        )?;
        launch!(s, &k.chunk_widths, per_entry(&g, THREADS), "chunk widths", [&g, blist_d, codes, widths])?;
        launch!(
            s,
            &k.block_scan,
            per_slot(n_sel, SCAN_THREADS),
            "block scan",
            [
                &g,
                blist_d,
                widths,
                masks,
                &value_bytes,
                &version,
                word_off,
                out_off,
                block_outliers,
                block_bytes
            ]
        )?;
        let one = LaunchConfig { grid_dim: (1, 1, 1), block_dim: (SCAN_THREADS, 1, 1), shared_mem_bytes: 0 };
        launch!(s, &k.offsets_scan, one, "offsets scan", [block_bytes, &n_sel, block_off])?;
        let offsets = s
            .clone_dtoh(&block_off.slice(..n_blocks + 1))
            .map_err(|e| device_err("read block offsets", e))?;
        let outliers = s
            .clone_dtoh(&block_outliers.slice(..n_blocks))
            .map_err(|e| device_err("read outlier counts", e))?;
        s.synchronize().map_err(|e| device_err("synchronize", e))?;
        let total_bytes = offsets[n_blocks] as usize;

        ws.payload.ensure(s, total_bytes)?;
        let (blist_d, codes) = (ws.blist.get()?, ws.codes.get()?);
        let (masks, widths, word_off, out_off) =
            (ws.masks.get()?, ws.widths.get()?, ws.word_off.get()?, ws.out_off.get()?);
        let (block_outliers, block_off, payload) =
            (ws.block_outliers.get()?, ws.block_off.get()?, ws.payload.get()?);
        let p = (dtype == DType::F64) as usize;
        launch!(
            s,
            &k.pack[p],
            per_entry(&g, THREADS),
            "pack",
            [
                &field_ptr,
                &g,
                blist_d,
                codes,
                masks,
                widths,
                word_off,
                out_off,
                block_outliers,
                block_off,
                payload
            ]
        )?;
        let bytes =
            s.clone_dtoh(&payload.slice(..total_bytes.max(1))).map_err(|e| device_err("read payloads", e))?;
        s.synchronize().map_err(|e| device_err("synchronize", e))?;
        let blocks =
            (0..n_blocks).map(|b| bytes[offsets[b] as usize..offsets[b + 1] as usize].to_vec()).collect();
        Ok(Compressed { blocks, codebook: Vec::new(), n_outliers: outliers.iter().map(|&n| n as u64).sum() })
    }

    /// Decodes `region` into `target` (`n_values` values of `dtype`): on the device when
    /// every selected block passes the host check, else on the CPU (whose error, if any,
    /// is returned unchanged).
    fn decompress_impl(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        dtype: DType,
        target: Target<'_>,
    ) -> Result<()> {
        let h = &layout.header;
        let storage = h.shape.storage_dims();
        let dims = pad4(&storage, 1);
        if layout.codebook.is_some()
            || h.encoding != Encoding::Fast
            || h.dtype != dtype
            || target.n_values(dtype) != region.volume()
            || (0..MAX_DIMS).any(|a| region.start[a] + region.extent[a] > dims[a])
        {
            // `ratio` streams, and every argument error, are the CPU engine's
            return self.decode_on_cpu(stream, layout, region, dtype, target);
        }
        let grid = BlockGrid::new(&storage, &h.block_dims);
        let sel = grid.blocks_overlapping(region);
        if sel.is_empty() {
            return Ok(());
        }
        let value_bytes = dtype.size_bytes();
        let mut checked = Vec::with_capacity(sel.len());
        for &b in &sel {
            match check_block(stream, layout, &grid, b, value_bytes) {
                Some(c) => checked.push(c),
                None => return self.decode_on_cpu(stream, layout, region, dtype, target),
            }
        }
        let mut packed = Vec::with_capacity(checked.iter().map(|c| c.stored.len()).sum());
        let mut payload_at = Vec::with_capacity(sel.len());
        for c in &checked {
            payload_at.push(packed.len() as u64);
            packed.extend_from_slice(c.stored);
        }
        let n_outliers: Vec<u32> = checked.iter().map(|c| c.n_outliers).collect();
        let blist: Vec<u64> = sel.iter().map(|&b| b as u64).collect();

        let k = &self.inner.k;
        let s = &self.inner.stream;
        let mut st = self.lock()?;
        let ws = &mut st.ws;
        let n_sel = sel.len();
        let g = Geometry::new(&storage, &h.block_dims, n_sel);
        let (q, log) = Quant::of(&h.quantizer)?;
        let v = variant(log, dtype);
        let version = h.version as u32;
        let vb = value_bytes as u32;
        let r = Region::of(region);

        s.memcpy_htod(&packed, &mut ws.payload.ensure(s, packed.len())?.slice_mut(..packed.len()))
            .map_err(|e| device_err("upload blocks", e))?;
        s.memcpy_htod(&payload_at, &mut ws.payload_at.ensure(s, n_sel)?.slice_mut(..n_sel))
            .map_err(|e| device_err("upload block offsets", e))?;
        s.memcpy_htod(&n_outliers, &mut ws.block_outliers.ensure(s, n_sel)?.slice_mut(..n_sel))
            .map_err(|e| device_err("upload outlier counts", e))?;
        s.memcpy_htod(&blist, &mut ws.blist.ensure(s, n_sel)?.slice_mut(..n_sel))
            .map_err(|e| device_err("upload block list", e))?;
        ws.codes.ensure(s, g.n_values())?;
        ws.widths.ensure(s, g.n_chunks())?;
        ws.word_off.ensure(s, g.n_chunks())?;
        ws.block_bytes.ensure(s, n_sel)?;
        let out_ptr: u64 = match &target {
            Target::Host(bytes) => ws.output.ensure(s, bytes.len())?.device_ptr(s).0,
            Target::Device { ptr, .. } => *ptr,
        };
        let (stored, payload_at_d, outl, blist_d) =
            (ws.payload.get()?, ws.payload_at.get()?, ws.block_outliers.get()?, ws.blist.get()?);
        let (codes, widths, word_off, block_bytes) =
            (ws.codes.get()?, ws.widths.get()?, ws.word_off.get()?, ws.block_bytes.get()?);

        launch!(
            s,
            &k.gather_widths,
            grid_stride(g.n_chunks() as u64, THREADS),
            "gather widths",
            [&g, blist_d, stored, payload_at_d, outl, &vb, &version, widths]
        )?;
        let null = 0u64;
        launch!(
            s,
            &k.block_scan,
            per_slot(n_sel as u64, SCAN_THREADS),
            "block scan",
            [&g, blist_d, widths, &null, &vb, &version, word_off, &null, outl, block_bytes]
        )?;
        launch!(
            s,
            &k.unpack,
            per_entry(&g, THREADS),
            "unpack",
            [&g, blist_d, stored, payload_at_d, outl, &vb, &version, widths, word_off, codes]
        )?;
        for axis in 0..MAX_DIMS as u32 {
            if g.block[axis as usize] < 2 {
                continue;
            }
            let lines: u64 = (0..MAX_DIMS).filter(|&a| a as u32 != axis).map(|a| g.block[a] as u64).product();
            if axis as usize == MAX_DIMS - 1 {
                // contiguous lines: a warp per line
                launch!(
                    s,
                    &k.lorenzo_inverse_last,
                    grid_stride(g.n_sel * lines * 32, THREADS),
                    "inverse Lorenzo (last axis)",
                    [&g, blist_d, codes]
                )?;
            } else {
                launch!(
                    s,
                    &k.lorenzo_inverse_axis,
                    grid_stride(g.n_sel * lines, THREADS),
                    "inverse Lorenzo",
                    [&g, blist_d, codes, &axis]
                )?;
            }
        }
        launch!(
            s,
            &k.dequantize[v],
            per_entry(&g, THREADS),
            "dequantize",
            [&g, blist_d, &q, &r, codes, &out_ptr]
        )?;
        let p = (dtype == DType::F64) as usize;
        launch!(
            s,
            &k.scatter_outliers[p],
            per_slot(n_sel as u64, THREADS),
            "scatter outliers",
            [&g, blist_d, &r, stored, payload_at_d, outl, &version, &out_ptr]
        )?;
        if let Target::Host(bytes) = target {
            // SAFETY: `out_ptr` holds bytes.len() bytes written by the kernels above (every
            // region element lies in exactly one selected block); the copy completes before
            // the synchronisation below returns, and `bytes` outlives it.
            unsafe { cudarc::driver::result::memcpy_dtoh_async(bytes, out_ptr, s.cu_stream()) }
                .map_err(|e| device_err("read output", e))?;
        }
        s.synchronize().map_err(|e| device_err("synchronize", e))?;
        Ok(())
    }

    /// The CPU engine's decode of `region` into `target`.
    fn decode_on_cpu(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        dtype: DType,
        target: Target<'_>,
    ) -> Result<()> {
        fn typed(bytes: &mut [MaybeUninit<u8>], dtype: DType) -> AnyValuesMut<'_> {
            match dtype {
                // SAFETY: the bytes come from a slice of f32 (or of u64) values: aligned, and
                // any bit pattern is a valid f32.
                DType::F32 => AnyValuesMut::F32(unsafe {
                    std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast(), bytes.len() / 4)
                }),
                // SAFETY: likewise, from a slice of f64 (or u64) values.
                DType::F64 => AnyValuesMut::F64(unsafe {
                    std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast(), bytes.len() / 8)
                }),
                // A label stream has no float view: the CPU engine's dtype check rejects it.
                DType::U8 => AnyValuesMut::F32(&mut []),
            }
        }
        match target {
            Target::Host(bytes) => CpuEngine.decompress_region(stream, layout, region, typed(bytes, dtype)),
            Target::Device { ptr, n_values } => {
                let n_bytes = n_values * dtype.size_bytes();
                let mut host: Vec<MaybeUninit<u64>> = Vec::new();
                host.try_reserve_exact(n_bytes.div_ceil(8)).map_err(|_| {
                    Error::invalid(format!("cannot allocate {n_bytes} bytes for a CPU decode"))
                })?;
                // SAFETY: MaybeUninit needs no initialisation.
                unsafe { host.set_len(n_bytes.div_ceil(8)) };
                // SAFETY: u64 storage viewed as bytes (no padding, alignment 8).
                let bytes = unsafe {
                    std::slice::from_raw_parts_mut(host.as_mut_ptr().cast::<MaybeUninit<u8>>(), n_bytes)
                };
                CpuEngine.decompress_region(stream, layout, region, typed(bytes, dtype))?;
                // SAFETY: the CPU engine wrote every byte on Ok.
                let init = unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<u8>(), n_bytes) };
                let _st = self.lock()?;
                let s = &self.inner.stream;
                // SAFETY: `ptr` holds n_bytes of device memory (the caller's contract); `init`
                // lives until the synchronisation below.
                unsafe { cudarc::driver::result::memcpy_htod_async(ptr, init, s.cu_stream()) }
                    .map_err(|e| device_err("upload CPU decode", e))?;
                s.synchronize().map_err(|e| device_err("synchronize", e))
            }
        }
    }

    /// Makes the engine's next work wait for everything queued so far on `caller` (a
    /// `CUstream`, i.e. a `cudaStream_t`, such as the solver stream that produced a
    /// device field), without blocking the host. No dependency is needed the other way:
    /// every engine call returns only once its work is complete.
    ///
    /// # Safety
    /// `caller` must be a live stream of this engine's context, or null (the legacy
    /// default stream).
    pub unsafe fn wait_on_stream(&self, caller: cudarc::driver::sys::CUstream) -> Result<()> {
        use cudarc::driver::result::{event, stream};
        use cudarc::driver::sys::{CUevent_flags, CUevent_wait_flags};
        let _st = self.lock()?;
        let ev = event::create(CUevent_flags::CU_EVENT_DISABLE_TIMING)
            .map_err(|e| device_err("create event", e))?;
        // SAFETY: a fresh event; `caller` is valid (the caller's contract); the engine's
        // stream is live. The event is destroyed after the wait is queued (the driver
        // keeps what the wait needs).
        let queued = unsafe {
            event::record(ev, caller).and_then(|_| {
                stream::wait_event(
                    self.inner.stream.cu_stream(),
                    ev,
                    CUevent_wait_flags::CU_EVENT_WAIT_DEFAULT,
                )
            })
        };
        // SAFETY: created above, destroyed once.
        let destroyed = unsafe { event::destroy(ev) };
        queued.map_err(|e| device_err("wait on the caller's stream", e))?;
        destroyed.map_err(|e| device_err("destroy event", e))
    }

    /// Compresses a field that lies in device memory: like [`Engine::compress`] with
    /// the upload skipped. `field` is a `CUdeviceptr` (a `cudaMalloc` pointer of the
    /// runtime API on device 0 qualifies: the runtime uses the primary context, as this
    /// engine does) to `shape`'s values of `dtype`, in the order `shape` says. The work
    /// runs on [`CudaEngine::stream`]; the payloads come back to the host (the stream is
    /// assembled there, as for a host field). `ratio` is refused (`Unsupported`).
    ///
    /// # Safety
    /// `field` must point to `shape.n_values()` readable values of `dtype` in this
    /// engine's context, complete (the caller synchronised the stream that wrote them)
    /// and not written until this returns.
    pub unsafe fn compress_device(
        &self,
        field: u64,
        dtype: DType,
        shape: &crate::field::Shape,
        plan: &Plan,
    ) -> Result<Compressed> {
        let storage = shape.storage_dims();
        if plan.encoding != Encoding::Fast {
            return Err(Error::unsupported(
                "the CUDA engine compresses device arrays with the `fast` encoding only",
            ));
        }
        if plan.block_dims.len() != storage.len()
            || plan.block_dims.contains(&0)
            || plan.block_dims.iter().product::<usize>() > crate::format::MAX_BLOCK_VALUES
        {
            return Err(Error::invalid(format!(
                "block dims {:?} do not fit a {}-D field",
                plan.block_dims,
                storage.len()
            )));
        }
        self.compress_impl(Input::Device(field), dtype, &storage, plan)
    }

    /// Decodes `region` (storage coordinates, as [`Engine::decompress_region`]) of a host
    /// stream straight into device memory: `out` is a `CUdeviceptr` with room for
    /// `n_values` values of the stream's type (which must equal the region's volume).
    /// Streams the GPU path does not take (`ratio`, interpolation predictors) are decoded
    /// on the CPU and uploaded; damaged streams fail with the CPU engine's error.
    ///
    /// # Safety
    /// `out` must point to `n_values` writable values of the stream's type in this
    /// engine's context, not accessed by anything else until this returns.
    pub unsafe fn decompress_device(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        out: u64,
        n_values: usize,
    ) -> Result<()> {
        let dtype = layout.header.dtype;
        self.decompress_impl(stream, layout, region, dtype, Target::Device { ptr: out, n_values })
    }

    /// Device metrics of `reconstructed` against `original` (host arrays of one type,
    /// copied to the device): the largest |x - x'| over the finite x (infinite where x'
    /// is not finite), the sum of squared errors, and the number of finite x. Sums are
    /// combined in a fixed order: the result does not vary between runs.
    pub fn error_stats<T: Element>(&self, original: &[T], reconstructed: &[T]) -> Result<(f64, f64, u64)> {
        if original.len() != reconstructed.len() {
            return Err(Error::invalid(format!(
                "{} original values, {} reconstructed",
                original.len(),
                reconstructed.len()
            )));
        }
        let n = original.len();
        if n == 0 {
            return Ok((0.0, 0.0, 0));
        }
        let k = &self.inner.k;
        let s = &self.inner.stream;
        let mut st = self.lock()?;
        let ws = &mut st.ws;
        let nb = n * T::DTYPE.size_bytes();
        s.memcpy_htod(as_bytes(original), &mut ws.input.ensure(s, nb)?.slice_mut(..nb))
            .map_err(|e| device_err("upload original", e))?;
        s.memcpy_htod(as_bytes(reconstructed), &mut ws.output.ensure(s, nb)?.slice_mut(..nb))
            .map_err(|e| device_err("upload reconstruction", e))?;
        let cfg = grid_stride(n as u64, THREADS);
        let parts = cfg.grid_dim.0 as usize;
        let mut pmax = s.alloc_zeros::<f64>(parts).map_err(|e| device_err("allocate partials", e))?;
        let mut psse = s.alloc_zeros::<f64>(parts).map_err(|e| device_err("allocate partials", e))?;
        let mut pcnt = s.alloc_zeros::<u64>(parts).map_err(|e| device_err("allocate partials", e))?;
        let (a_d, b_d) = (ws.input.get()?, ws.output.get()?);
        let n64 = n as u64;
        let p = (T::DTYPE == DType::F64) as usize;
        launch!(s, &k.error_stats[p], cfg, "error stats", [a_d, b_d, &n64, &mut pmax, &mut psse, &mut pcnt])?;
        let mx = s.clone_dtoh(&pmax).map_err(|e| device_err("read partials", e))?;
        let sse = s.clone_dtoh(&psse).map_err(|e| device_err("read partials", e))?;
        let cnt = s.clone_dtoh(&pcnt).map_err(|e| device_err("read partials", e))?;
        s.synchronize().map_err(|e| device_err("synchronize", e))?;
        Ok((mx.iter().fold(0.0f64, |a, &b| if b > a { b } else { a }), sse.iter().sum(), cnt.iter().sum()))
    }
}

impl Engine for CudaEngine {
    fn name(&self) -> &'static str {
        "cuda"
    }

    /// `fast`: on the device. `ratio`: the CPU engine (Huffman coding with a shared
    /// codebook and zstd have no GPU implementation yet); the stream is the same either way.
    fn compress(&self, field: AnyField<'_>, plan: &Plan) -> Result<Compressed> {
        let storage = field.shape().storage_dims();
        if plan.encoding != Encoding::Fast
            || plan.block_dims.len() != storage.len()
            || plan.block_dims.contains(&0)
            || plan.block_dims.iter().product::<usize>() > crate::format::MAX_BLOCK_VALUES
        {
            // `ratio`, and the argument errors, are the CPU engine's
            return CpuEngine.compress(field, plan);
        }
        match field {
            AnyField::F32(f) => {
                self.compress_impl(Input::Host(as_bytes(f.values())), DType::F32, &storage, plan)
            }
            AnyField::F64(f) => {
                self.compress_impl(Input::Host(as_bytes(f.values())), DType::F64, &storage, plan)
            }
        }
    }

    fn decompress_region(
        &self,
        stream: &[u8],
        layout: &StreamLayout,
        region: &Box4,
        out: AnyValuesMut<'_>,
    ) -> Result<()> {
        let (dtype, bytes) = match out {
            AnyValuesMut::F32(o) => (DType::F32, uninit_bytes(o)),
            AnyValuesMut::F64(o) => (DType::F64, uninit_bytes(o)),
        };
        self.decompress_impl(stream, layout, region, dtype, Target::Host(bytes))
    }
}
