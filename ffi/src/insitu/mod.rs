//! The in-situ session: what a solver calls every output step on every MPI rank.
//!
//! ```text
//! Session::new(comm, deck)        dup the communicator; rank 0 reads + checks the deck,
//!                                 broadcasts its text (or its error) to every rank
//! begin_step(step, time)
//!   put(name, array, ...)         copy stage: the interior (and, for the labeler's four
//!                                 fields, the ghosted block) is copied; the solver's
//!                                 pointer is never kept past `put`
//! end_step()                      collective: label -> compress -> write -> catalog
//! drop / finish()                 flush, reduce the profile over ranks, print on rank 0
//! ```
//!
//! Submodules, one per stage: [`block`] (a rank's piece of a global field), [`writer`]
//! (the parallel-HDF5 snapshot), [`catalog`] (the per-directory JSON-lines index),
//! [`profile`] (per-stage counters reduced over ranks).

pub mod block;
pub mod catalog;
pub mod profile;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;
use plume_core::codec::{self, CompressOptions};
use plume_core::config::{Config, Settings};
use plume_core::field::{AnyField, DType, Element, FieldView, Order, Shape};
use plume_core::label::{label_field, LabelGrid, LabelParams, SpeciesFields, ZInput};
use plume_core::{Error, ErrorBound, ErrorKind, Result};

pub use block::Block;
use profile::{Profile, Stage};

/// The solver's cell-centre coordinates of one axis of its dims (`set_coords`); `None`:
/// unit spacing.
pub(crate) type AxisCoords = Option<Arc<Vec<f64>>>;

/// The fields the labeler reads, by name: fuel, oxidizer, product, mixture fraction
/// (`Z` optional: Bilger's Z from the species when absent).
pub const LABEL_FIELDS: [&str; 4] = ["Y_H2", "Y_O2", "Y_H2O", "Z"];

/// One field as `put` it: the rank's block and a copy of its values.
#[derive(Debug)]
pub(crate) struct PutField {
    pub name: String,
    pub dtype: DType,
    pub block: Block,
    /// The interior, contiguous, storage order, native-endian bytes.
    pub interior: Arc<Vec<u8>>,
    /// For the labeler's fields: the ghosted block as f64 (storage order).
    pub ghosted: Option<Vec<f64>>,
}

/// Quality and size of one field over all ranks (what the snapshot's attributes and the
/// catalog record).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldReport {
    /// Field name.
    pub name: String,
    /// Bound mode asked (`abs`, `rel`, `pw_rel`, `psnr`, `target_ratio`).
    pub mode: String,
    /// The value asked for that mode.
    pub bound: f64,
    /// The bound every rank compressed with (REL is made absolute with the global range).
    pub effective_mode: String,
    /// Its value.
    pub effective_bound: f64,
    /// Values over all ranks.
    pub n_values: u64,
    /// `n_values * dtype size`.
    pub original_bytes: u64,
    /// Bytes of the dataset in the file.
    pub stored_bytes: u64,
    /// `original_bytes / stored_bytes`.
    pub ratio: f64,
    /// Largest `|x' - x|`.
    pub max_abs_error: f64,
    /// Largest `|x' - x| / |x|` (x != 0).
    pub max_pw_rel_error: f64,
    /// PSNR over the global field (dB; +inf when lossless).
    pub psnr_db: f64,
    /// Global minimum and maximum.
    pub value_min: f64,
    /// Global maximum.
    pub value_max: f64,
}

/// What one `end_step` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// Solver step number.
    pub step: i64,
    /// Simulation time.
    pub time: f64,
    /// The snapshot's path.
    pub path: String,
    /// Per field.
    pub fields: Vec<FieldReport>,
    /// Whether a `labels` dataset was written.
    pub labels: bool,
    /// Stored bytes of the `labels` dataset (label streams; 0 without labels).
    pub label_bytes: u64,
    /// Snapshot file size in bytes.
    pub file_bytes: u64,
}

struct StepState {
    step: i64,
    time: f64,
    fields: Vec<PutField>,
}

/// An in-situ session over a communicator. See the module docs.
pub struct Session {
    comm: SimpleCommunicator,
    settings: Settings,
    out_dir: PathBuf,
    step: Option<StepState>,
    profile: Profile,
    /// Async mode: the step being labelled and compressed in the background.
    pending: Option<std::thread::JoinHandle<LocalDone>>,
    /// Cell-centre coordinates per axis of the solver's global dims, for the labeler.
    coords: Vec<AxisCoords>,
    finished: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("rank", &self.comm.rank()).field("out_dir", &self.out_dir).finish()
    }
}

fn mpi_err(what: &str) -> Error {
    Error::new(ErrorKind::Mpi, what.to_string())
}

/// Broadcasts a string from rank 0 (the text on other ranks is replaced).
fn broadcast_string(comm: &SimpleCommunicator, text: &mut String) {
    let root = comm.process_at_rank(0);
    let mut len = text.len() as u64;
    root.broadcast_into(&mut len);
    let mut bytes = if comm.rank() == 0 { text.clone().into_bytes() } else { vec![0u8; len as usize] };
    if len > 0 {
        root.broadcast_into(&mut bytes[..]);
    }
    *text = String::from_utf8_lossy(&bytes).into_owned();
}

/// True on every rank when `ok` is true on every rank.
fn all_ok(comm: &SimpleCommunicator, ok: bool) -> bool {
    let mine = ok as i32;
    let mut all = 0i32;
    comm.all_reduce_into(&mine, &mut all, SystemOperation::min());
    all == 1
}

/// Makes a local failure collective: every rank returns an error when any rank failed
/// (the failing rank's own error, the others an MPI-kind error naming the situation).
fn agree<T>(comm: &SimpleCommunicator, r: Result<T>, stage: &str) -> Result<T> {
    let ok = all_ok(comm, r.is_ok());
    match (r, ok) {
        (Ok(v), true) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), false) => Err(mpi_err(&format!("{stage}: another rank failed (see its message)"))),
    }
}

impl Session {
    /// Starts a session on (a duplicate of) `comm`. Collective.
    ///
    /// `deck`: a key = value, TOML or `&plume` namelist file (read and checked on rank 0,
    /// its text broadcast) or `None`; the environment (`PLUME_*`) is applied over it on
    /// every rank. Fails on every rank with rank 0's message when the deck is unreadable
    /// or invalid; creates the output directory (rank 0).
    pub fn new<C: Communicator>(comm: &C, deck: Option<&Path>) -> Result<Session> {
        Self::with_comm(comm.duplicate(), deck)
    }

    /// As [`Session::new`] on a communicator the session takes over (it is freed with the
    /// session): what the C ABI passes after duplicating the solver's.
    pub fn with_comm(comm: SimpleCommunicator, deck: Option<&Path>) -> Result<Session> {
        // Rank 0: read and check; then broadcast "ok\n<text>" or "err\n<message>".
        let mut msg = String::new();
        if comm.rank() == 0 {
            msg = match deck {
                None => "ok\n".to_string(),
                Some(p) => match std::fs::read_to_string(p) {
                    Err(e) => format!("err\n{}", Error::io(p, e)),
                    Ok(text) => {
                        let mut c = Config::new();
                        match c.load_deck_str(&text, p).and_then(|_| c.resolve()) {
                            Ok(_) => format!("ok\n{text}"),
                            Err(e) => format!("err\n{e}"),
                        }
                    }
                },
            };
        }
        broadcast_string(&comm, &mut msg);
        let (status, text) = msg.split_once('\n').unwrap_or(("err", "malformed broadcast"));
        if status != "ok" {
            return Err(Error::invalid(format!("deck: {text}")));
        }
        let mut config = Config::new();
        if let Some(p) = deck {
            config.load_deck_str(text, p)?;
        }
        let settings =
            agree(&comm, config.apply_env(std::env::vars()).and_then(|_| config.resolve()), "settings")?;
        let out_dir = PathBuf::from(&settings.output);
        let made = if comm.rank() == 0 && !settings.disable {
            std::fs::create_dir_all(&out_dir).map_err(|e| Error::io(&out_dir, e))
        } else {
            Ok(())
        };
        agree(&comm, made, "output directory")?;
        // Trace times count from here on every rank (FORMAT.md: clocks aligned at a barrier).
        comm.barrier();
        let profile = Profile::new(comm.rank(), Instant::now());
        if settings.asynchronous && comm.rank() == 0 && !settings.disable {
            eprintln!(
                "plume: asynchronous mode: put copies every field; a step is labelled and compressed in the \
                 background and written by the next end_step (or session_free)"
            );
        }
        Ok(Session {
            comm,
            settings,
            out_dir,
            step: None,
            profile,
            pending: None,
            coords: Vec::new(),
            finished: false,
        })
    }

    /// Sets (or with `None`, clears) the solver's region callbacks: each stage (copy, label,
    /// compress, wait, write) calls `begin` and `end` with its name (`plume.copy`, ...).
    pub fn set_regions(&mut self, regions: Option<profile::RegionCallbacks>) {
        self.profile.set_regions(regions);
    }

    /// Gives the labeler the cell-centre coordinates of global axis `axis` (numbered as the
    /// global dims given to `put`, slowest first for C order, fastest first for Fortran): one
    /// per global cell, strictly increasing and finite (a stretched grid's gradients then
    /// use the real spacing; without coordinates the spacing is 1). Local: every rank
    /// gives the same global array. Checked here, and against the dims at `end_step`.
    pub fn set_coords(&mut self, axis: usize, coords: &[f64]) -> Result<()> {
        if axis >= plume_core::field::MAX_DIMS {
            return Err(Error::invalid(format!("set_coords: axis {axis}: fields have at most 4 axes")));
        }
        plume_core::label::stencil::check_coords(coords)
            .map_err(|e| Error::invalid(format!("set_coords: axis {axis}: {}", e.message())))?;
        if self.coords.len() <= axis {
            self.coords.resize(axis + 1, None);
        }
        self.coords[axis] = Some(Arc::new(coords.to_vec()));
        Ok(())
    }

    /// The effective settings (identical on every rank).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// This rank in the session's communicator.
    pub fn rank(&self) -> i32 {
        self.comm.rank()
    }

    /// Opens output step `step` at simulation time `time`. Local. Fails when a step is
    /// already open.
    pub fn begin_step(&mut self, step: i64, time: f64) -> Result<()> {
        if self.step.is_some() {
            return Err(Error::invalid(format!("begin_step({step}): step {} is still open", self.step_no())));
        }
        self.profile.begin_step(step);
        self.step = Some(StepState { step, time, fields: Vec::new() });
        Ok(())
    }

    fn step_no(&self) -> i64 {
        self.step.as_ref().map_or(-1, |s| s.step)
    }

    /// Hands this rank's block of field `name` to the open step. Local; copies.
    ///
    /// `values` holds the block *with* `ghost` layers on every side of every axis:
    /// `local_dims[a] + 2 ghost` per axis, in `order` (dims in the caller's axis order, as
    /// the solver declares the array: Fortran's first index first). `global_offset` is the
    /// interior's first cell in the global field of `global_dims`. Zero-cell blocks are
    /// fine. Fails when no step is open, the name repeats, or the dims are inconsistent.
    #[allow(clippy::too_many_arguments)]
    pub fn put<T: Element>(
        &mut self,
        name: &str,
        values: &[T],
        local_dims: &[usize],
        global_offset: &[usize],
        global_dims: &[usize],
        order: Order,
        ghost: usize,
    ) -> Result<()> {
        let Some(state) = self.step.as_mut() else {
            return Err(Error::invalid(format!("put('{name}'): no step is open (call begin_step)")));
        };
        if state.fields.iter().any(|f| f.name == name) {
            return Err(Error::invalid(format!("put('{name}'): the field was already put this step")));
        }
        if self.settings.disable
            || (!self.settings.fields.is_empty()
                && !self.settings.fields.iter().any(|f| f == name)
                && !LABEL_FIELDS.contains(&name))
        {
            return Ok(());
        }
        let block = Block::new(local_dims, global_offset, global_dims, order, ghost)?;
        let expected = block.ghosted_len();
        if values.len() != expected {
            return Err(Error::invalid(format!(
                "put('{name}'): {} values given, the block with {ghost} ghost layers has {expected}",
                values.len()
            )));
        }
        let region = self.profile.begin(Stage::Copy);
        let interior = block.copy_interior(values);
        let ghosted = (self.settings.label && LABEL_FIELDS.contains(&name))
            .then(|| values.iter().map(|v| v.to_f64()).collect::<Vec<f64>>());
        state.fields.push(PutField {
            name: name.to_string(),
            dtype: T::DTYPE,
            block,
            interior: Arc::new(interior),
            ghosted,
        });
        self.profile.end(region);
        Ok(())
    }

    /// Closes the open step: labels, compresses and writes it. Collective: every rank calls
    /// it, with the same fields (by name, in any order). On success returns what was written
    /// (identical on every rank); any rank's failure fails the call on every rank and the
    /// step's file is not created. Async mode (`async = on`): the checks run here, labels
    /// and compression on a background thread (no MPI there), and this call writes the
    /// *previous* step and returns its report (`None` for the first step); `finish` writes
    /// the last one.
    pub fn end_step(&mut self) -> Result<Option<StepReport>> {
        let Some(mut state) = self.step.take() else {
            return Err(Error::invalid("end_step: no step is open".to_string()));
        };
        if self.settings.disable {
            self.profile.add_step(0, 0);
            self.profile.returned();
            return Ok(None);
        }
        state.fields.sort_by(|a, b| a.name.cmp(&b.name));
        let names = state.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("\n");
        let mut root_names = names.clone();
        broadcast_string(&self.comm, &mut root_names);
        agree(
            &self.comm,
            if root_names == names {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "end_step: this rank put fields [{}], rank 0 put [{}]",
                    names.replace('\n', ", "),
                    root_names.replace('\n', ", ")
                )))
            },
            "end_step",
        )?;
        for f in &state.fields {
            self.check_global(f)?;
        }

        let opts = state.fields.iter().map(|f| self.effective_options(f)).collect::<Result<Vec<_>>>()?;
        let work = LocalWork {
            state,
            opts,
            label: self.settings.label.then(|| self.settings.label_params.clone()),
            coords: self.coords.clone(),
        };
        let report = if self.settings.asynchronous {
            let previous = self.complete_pending()?;
            self.pending = Some(std::thread::spawn(move || work.run(None)));
            previous
        } else {
            let done = work.run(Some(&mut self.profile));
            Some(self.write_step(done)?)
        };
        self.profile.returned();
        Ok(report)
    }

    /// Async mode: waits for the step the background thread labels and compresses, then
    /// writes it (collective). `None` when no step is pending.
    fn complete_pending(&mut self) -> Result<Option<StepReport>> {
        let Some(handle) = self.pending.take() else { return Ok(None) };
        let region = self.profile.begin(Stage::Wait);
        // A panic there is a bug: it goes on as one from this thread (the C ABI's boundary
        // turns it into PLUME_ERR_PANIC), as it would have in synchronous mode.
        let done = handle.join().unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        self.profile.end(region);
        for (stage, (start, secs)) in [(Stage::Label, done.label_span), (Stage::Compress, done.compress_span)]
        {
            self.profile.record_background(stage, done.state.step, start, secs);
        }
        self.write_step(done).map(Some)
    }

    /// The collective half of a step: agree on every rank's labels and streams, reduce the
    /// reports, write the snapshot (tmp + rename) and the catalog line.
    fn write_step(&mut self, done: LocalDone) -> Result<StepReport> {
        let LocalDone { state, opts, label, coords, labels, streams, .. } = done;
        let labels = agree(&self.comm, labels, "label")?;
        let labels = all_ok(&self.comm, labels.is_some()).then_some(labels).flatten();
        let mut compressed = Vec::new();
        let mut local_stats = Vec::new();
        for ((f, r), opts) in state.fields.iter().zip(streams).zip(opts) {
            let (stream, stats) = agree(&self.comm, r, &format!("compress '{}'", f.name))?;
            compressed.push((opts, Arc::new(stream)));
            local_stats.push(stats);
        }
        let streams = compressed;

        // Write the snapshot.
        let final_path = self.out_dir.join(format!("step_{:08}.h5", state.step));
        let tmp_path = self.out_dir.join(format!(".step_{:08}.h5.tmp", state.step));
        let region = self.profile.begin(Stage::Wait);
        self.comm.barrier();
        self.profile.end(region);
        let region = self.profile.begin(Stage::Write);
        let mut reports = Vec::new();
        for ((f, (opts, _)), st) in state.fields.iter().zip(&streams).zip(&local_stats) {
            reports.push(self.reduce_report(f, opts, st));
        }
        let snap = writer::Snapshot {
            comm: &self.comm,
            path: &tmp_path,
            step: state.step,
            time: state.time,
            config: self.settings.to_deck(),
            fields: &state.fields,
            streams: &streams,
            reports: &mut reports,
            labels: labels.as_deref(),
            labeler: label.as_ref().map(|p| (p, &coords[..])),
        };
        let label_bytes = agree(&self.comm, snap.write(), "write")?;
        let mut file_bytes = 0;
        let renamed = if self.comm.rank() == 0 {
            std::fs::rename(&tmp_path, &final_path).map_err(|e| Error::io(&final_path, e)).map(|_| {
                file_bytes = std::fs::metadata(&final_path).map(|m| m.len()).unwrap_or(0);
            })
        } else {
            Ok(())
        };
        agree(&self.comm, renamed, "rename")?;
        let report = StepReport {
            step: state.step,
            time: state.time,
            path: final_path.display().to_string(),
            fields: reports,
            labels: labels.is_some(),
            label_bytes,
            file_bytes,
        };
        if self.comm.rank() == 0 {
            catalog::append(&self.out_dir, &report)?;
        }
        self.profile.end(region);
        let bytes_in: u64 = state.fields.iter().map(|f| f.interior.len() as u64).sum();
        let bytes_out: u64 = streams.iter().map(|(_, s)| s.len() as u64).sum();
        self.profile.add_step(bytes_in, bytes_out);
        Ok(report)
    }

    /// Every rank agrees on the field's global dims, order and dtype.
    fn check_global(&self, f: &PutField) -> Result<()> {
        let mut mine = [0u64; 6];
        for (i, d) in f.block.global_storage().iter().enumerate() {
            mine[i] = *d as u64;
        }
        mine[4] = f.block.order() as u64;
        mine[5] = f.dtype.size_bytes() as u64;
        let (mut lo, mut hi) = ([0u64; 6], [0u64; 6]);
        self.comm.all_reduce_into(&mine[..], &mut lo[..], SystemOperation::min());
        self.comm.all_reduce_into(&mine[..], &mut hi[..], SystemOperation::max());
        agree(
            &self.comm,
            if lo == hi {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "field '{}': ranks disagree on global dims, order or dtype",
                    f.name
                )))
            },
            "end_step",
        )
    }

    /// The options a field is compressed with: REL made absolute with the global range so
    /// every rank (and every chunk) meets the same bound.
    fn effective_options(&self, f: &PutField) -> Result<CompressOptions> {
        let mut opts = self.settings.compress_options(Some(&f.name));
        if let ErrorBound::Rel(r) = opts.bound {
            let (lo, hi) = block::min_max(f);
            let (mut glo, mut ghi) = (0f64, 0f64);
            self.comm.all_reduce_into(&lo, &mut glo, SystemOperation::min());
            self.comm.all_reduce_into(&hi, &mut ghi, SystemOperation::max());
            let range = if ghi >= glo { ghi - glo } else { 0.0 };
            opts.bound = ErrorBound::Abs(r * range);
        }
        Ok(opts)
    }

    fn reduce_report(&self, f: &PutField, opts: &CompressOptions, st: &block::LocalStats) -> FieldReport {
        let c = &self.comm;
        let mut sums = [0f64; 3];
        c.all_reduce_into(
            &[st.n as f64, st.sum_sq_err, st.stream_bytes as f64][..],
            &mut sums[..],
            SystemOperation::sum(),
        );
        let mut maxs = [0f64; 3];
        c.all_reduce_into(
            &[st.max_abs_err, st.max_rel_err, st.max][..],
            &mut maxs[..],
            SystemOperation::max(),
        );
        let mut vmin = 0f64;
        c.all_reduce_into(&st.min, &mut vmin, SystemOperation::min());
        let requested = self.settings.compress_options(Some(&f.name)).bound;
        let (m, v) = h5plume::bound_mode_value(&requested);
        let (em, ev) = h5plume::bound_mode_value(&opts.bound);
        let n = sums[0] as u64;
        let range = maxs[2] - vmin;
        let mse = if n > 0 { sums[1] / n as f64 } else { 0.0 };
        let psnr = if mse == 0.0 { f64::INFINITY } else { 20.0 * range.log10() - 10.0 * mse.log10() };
        let original = n * f.dtype.size_bytes() as u64;
        FieldReport {
            name: f.name.clone(),
            mode: mode_name(m).into(),
            bound: v,
            effective_mode: mode_name(em).into(),
            effective_bound: ev,
            n_values: n,
            original_bytes: original,
            stored_bytes: sums[2] as u64,
            ratio: if sums[2] > 0.0 { original as f64 / sums[2] } else { 0.0 },
            max_abs_error: maxs[0],
            max_pw_rel_error: maxs[1],
            psnr_db: psnr,
            value_min: vmin,
            value_max: maxs[2],
        }
    }

    /// Flushes (closes an open step with `end_step`) and prints the profile on rank 0.
    /// Collective. Called by `Drop` when not called explicitly (errors then go to stderr).
    pub fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let r = if self.step.is_some() { self.end_step().map(|_| ()) } else { Ok(()) };
        // Async mode: the last step is written now (whatever the end_step above did).
        let r = r.and(self.complete_pending().map(|_| ()));
        let table = self.profile.reduce(&self.comm);
        if self.comm.rank() == 0 && !self.settings.disable {
            eprint!("{table}");
        }
        if self.settings.profile && !self.settings.disable {
            self.profile.write_csv(&self.comm, &self.out_dir.join("profile.csv"))?;
            self.profile.write_trace(&self.comm, &self.out_dir.join("trace.json"))?;
        }
        r
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            eprintln!("plume session (rank {}): {e}", self.comm.rank());
        }
    }
}

/// FORMAT.md's bound mode name of an id.
pub fn mode_name(id: u32) -> &'static str {
    u8::try_from(id).ok().and_then(plume_core::bound::BoundMode::from_code).map_or("?", |m| m.as_str())
}

/// A step's local half: what `end_step` hands to [`LocalWork::run`], on the calling thread
/// or (async mode) a background one. No MPI here.
struct LocalWork {
    state: StepState,
    opts: Vec<CompressOptions>,
    /// The labeler's parameters when labels are on.
    label: Option<LabelParams>,
    /// The solver's coordinates per axis of its dims ([`Session::set_coords`]).
    coords: Vec<AxisCoords>,
}

/// Its result, every rank's outcome still to be agreed on.
struct LocalDone {
    state: StepState,
    opts: Vec<CompressOptions>,
    /// The labeler's parameters (labels on) and the coordinates, as in [`LocalWork`].
    label: Option<LabelParams>,
    coords: Vec<AxisCoords>,
    labels: Result<Option<Vec<u8>>>,
    /// Per field.
    streams: Vec<Result<(Vec<u8>, block::LocalStats)>>,
    /// When labelling and compressing started, and their seconds (async mode's profile).
    label_span: (Instant, f64),
    compress_span: (Instant, f64),
}

impl LocalWork {
    /// Labels and compresses; with a profile (synchronous mode) each stage is a region.
    fn run(self, mut profile: Option<&mut Profile>) -> LocalDone {
        let LocalWork { state, opts, label, coords } = self;
        let (labels, label_span) = timed(&mut profile, Stage::Label, || match &label {
            Some(params) => label_local(params, &state, &coords),
            None => Ok(None),
        });
        let (streams, compress_span) = timed(&mut profile, Stage::Compress, || {
            state.fields.iter().zip(&opts).map(|(f, o)| compress_block(f, o)).collect()
        });
        LocalDone { state, opts, label, coords, labels, streams, label_span, compress_span }
    }
}

/// Runs `f` as `stage` (a region of `profile` when there is one); also returns when it
/// started and its seconds.
fn timed<R>(profile: &mut Option<&mut Profile>, stage: Stage, f: impl FnOnce() -> R) -> (R, (Instant, f64)) {
    let t = Instant::now();
    let region = profile.as_deref().map(|p| p.begin(stage));
    let r = f();
    if let (Some(p), Some(region)) = (profile.as_deref_mut(), region) {
        p.end(region);
    }
    (r, (t, t.elapsed().as_secs_f64()))
}

/// The coordinate of global cell `i` (may lie outside `0..c.len()`: ghost cells beyond the
/// domain), extrapolated linearly from the nearest two cells there.
fn coord_at(c: &[f64], i: isize) -> f64 {
    let n = c.len() as isize;
    if n == 1 {
        return c[0] + i as f64;
    }
    if i < 0 {
        c[0] + (c[1] - c[0]) * i as f64
    } else if i >= n {
        c[(n - 1) as usize] + (c[(n - 1) as usize] - c[(n - 2) as usize]) * (i - n + 1) as f64
    } else {
        c[i as usize]
    }
}

/// Labels of this rank's interior (storage order), or `None` when the step lacks the
/// species.
fn label_local(params: &LabelParams, state: &StepState, coords: &[AxisCoords]) -> Result<Option<Vec<u8>>> {
    let get = |n: &str| state.fields.iter().find(|f| f.name == n);
    let (Some(h2), Some(o2), Some(h2o)) = (get("Y_H2"), get("Y_O2"), get("Y_H2O")) else {
        return Ok(None);
    };
    let z = get("Z");
    for f in [Some(h2), Some(o2), Some(h2o), z].into_iter().flatten() {
        if f.block != h2.block {
            return Err(Error::invalid(format!("labels: '{}' has a different block than 'Y_H2'", f.name)));
        }
    }
    let b = &h2.block;
    if b.n_interior() == 0 {
        return Ok(Some(Vec::new()));
    }
    let shape = Shape::new(&b.ghosted_storage(), Order::C)?;
    let nd = shape.dims().len();
    let g = vec![b.ghost(); nd];
    // The solver's coordinates (axes in its dims order) cut to this rank's ghosted block,
    // in storage order.
    let (offset, global, ghosted) = (b.offset_storage(), b.global_storage(), b.ghosted_storage());
    let mut local: Vec<(usize, Vec<f64>)> = Vec::new();
    for s in 0..nd {
        let d = b.caller_axis(s);
        let Some(c) = coords.get(d).and_then(|c| c.as_deref()) else { continue };
        if c.len() != global[s] {
            return Err(Error::invalid(format!(
                "labels: {} coordinates given for axis {d}, its global dim is {}",
                c.len(),
                global[s]
            )));
        }
        let first = offset[s] as isize - b.ghost() as isize;
        local.push((s, (0..ghosted[s]).map(|i| coord_at(c, first + i as isize)).collect()));
    }
    let mut grid = LabelGrid::new(&shape).with_ghost(&g, &g);
    for (s, c) in &local {
        grid = grid.with_coords(*s, c);
    }
    fn v(f: &PutField) -> &[f64] {
        f.ghosted.as_deref().unwrap_or(&[])
    }
    let species = SpeciesFields { y_h2: v(h2), y_o2: v(o2), y_h2o: v(h2o) };
    let bilger = plume_core::label::Bilger::default();
    let zin = match z {
        Some(z) => ZInput::Supplied(v(z)),
        None => ZInput::Bilger { bilger: &bilger, minor: &[] },
    };
    Ok(Some(label_field(&species, &zin, &grid, params)?.values))
}

fn compress_block(f: &PutField, opts: &CompressOptions) -> Result<(Vec<u8>, block::LocalStats)> {
    let dims = f.block.local_storage();
    if f.block.n_interior() == 0 {
        return Ok((Vec::new(), block::LocalStats::empty()));
    }
    let shape = Shape::new(&dims, Order::C)?;
    match f.dtype {
        DType::F32 => {
            let v = block::values_f32(&f.interior);
            let (stream, _) = codec::compress_any(AnyField::F32(FieldView::new(&v, &shape)?), opts)?;
            let (back, _) = codec::decompress::<f32>(&stream)?;
            Ok((stream.clone(), block::LocalStats::compare(&v, &back, stream.len())))
        }
        DType::F64 => {
            let v = block::values_f64(&f.interior);
            let (stream, _) = codec::compress_any(AnyField::F64(FieldView::new(&v, &shape)?), opts)?;
            let (back, _) = codec::decompress::<f64>(&stream)?;
            Ok((stream.clone(), block::LocalStats::compare(&v, &back, stream.len())))
        }
        DType::U8 => Err(Error::invalid("fields are f32 or f64")),
    }
}
