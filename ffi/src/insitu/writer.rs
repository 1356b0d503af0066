//! The snapshot: one HDF5 file per output step, written by every rank through the parallel
//! HDF5 (MPI-IO driver, **collective** `H5Dwrite`: filtered datasets refuse independent
//! writes). Layout (FORMAT.md, "HDF5 snapshots"):
//!
//! ```text
//! /                    attrs: step, time, plume_version, config, n_ranks
//! /<field>             global shape (storage order), chunked by the rank block (the largest
//!                      block on each axis), Plume filter 32801; attrs: mode, error_bound,
//!                      effective_mode, effective_bound, ratio, psnr_db, max_abs_error,
//!                      max_pw_rel_error, value_min, value_max, order
//! /labels              u8, global shape, chunked like the fields, Plume filter 32801 with
//!                      dtype 3: each chunk a lossless label stream (when labeling is on)
//!                      attr label_params: the labeler's thresholds, NAME=VALUE lines
//! /label_coords_<s>    f64 [global dim s]: the solver's coordinates of storage axis s
//!                      (`set_coords`), for the axes it gave, when labeling is on
//! /decomposition       i64 [n_ranks, 2 * ndims]: each rank's offset then dims (storage order)
//! ```
//! hdf5-metno has no collective-write API, so this module calls hdf5-metno-sys directly.
//! Every handle is closed by a guard, so an early error leaks nothing.

use std::ffi::CString;
use std::path::Path;
use std::sync::{Arc, Once};

use hdf5_sys::h5::{hsize_t, H5open};
use hdf5_sys::h5a::{H5Aclose, H5Acreate2, H5Awrite};
use hdf5_sys::h5d::{H5Dclose, H5Dcreate2, H5Dget_space, H5Dget_storage_size, H5Dwrite};
use hdf5_sys::h5f::{H5Fclose, H5Fcreate, H5F_ACC_TRUNC};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::{
    H5FD_mpio_xfer_t, H5Pclose, H5Pcreate, H5Pset_all_coll_metadata_ops, H5Pset_chunk,
    H5Pset_coll_metadata_write, H5Pset_dxpl_mpio, H5Pset_fapl_mpio, H5Pset_fill_time, H5Pset_filter,
    H5P_CLS_DATASET_CREATE, H5P_CLS_DATASET_XFER, H5P_CLS_FILE_ACCESS, H5P_DEFAULT,
};
use hdf5_sys::h5s::{
    H5S_class_t, H5S_seloper_t, H5Sclose, H5Screate, H5Screate_simple, H5Sselect_hyperslab, H5Sselect_none,
};
use hdf5_sys::h5t::{
    H5Tclose, H5Tcopy, H5Tset_size, H5T_C_S1, H5T_NATIVE_DOUBLE, H5T_NATIVE_FLOAT, H5T_NATIVE_INT64,
    H5T_NATIVE_UINT8,
};
use hdf5_sys::h5z::{H5Zregister, H5Z_FLAG_MANDATORY};
use mpi::raw::AsRaw;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;
use plume_core::codec::CompressOptions;
use plume_core::label::LabelParams;
use plume_core::{DType, Error, ErrorKind, Result};

use super::{AxisCoords, FieldReport, PutField};

/// Registers Plume's filter with the linked HDF5 (once per process).
pub fn register_filter() -> Result<()> {
    static ONCE: Once = Once::new();
    static mut STATUS: i32 = 0;
    ONCE.call_once(|| unsafe {
        H5open();
        STATUS = H5Zregister(&h5plume::PLUME_H5Z_CLASS as *const _ as *const _);
    });
    // SAFETY: written once inside call_once, read after it.
    if unsafe { STATUS } < 0 {
        return Err(h5err("H5Zregister(plume filter)"));
    }
    Ok(())
}

fn h5err(what: &str) -> Error {
    Error::new(ErrorKind::Io, format!("HDF5: {what} failed"))
}

/// An HDF5 handle closed on drop.
struct H(hid_t, unsafe extern "C" fn(hid_t) -> hdf5_sys::h5::herr_t);
impl Drop for H {
    fn drop(&mut self) {
        if self.0 >= 0 {
            // SAFETY: a valid id of the kind its closer expects.
            unsafe { (self.1)(self.0) };
        }
    }
}

fn check(id: hid_t, close: unsafe extern "C" fn(hid_t) -> hdf5_sys::h5::herr_t, what: &str) -> Result<H> {
    if id < 0 {
        Err(h5err(what))
    } else {
        Ok(H(id, close))
    }
}

fn ok(rc: hdf5_sys::h5::herr_t, what: &str) -> Result<()> {
    if rc < 0 {
        Err(h5err(what))
    } else {
        Ok(())
    }
}

/// One step's snapshot, ready to write.
pub(crate) struct Snapshot<'a> {
    pub comm: &'a SimpleCommunicator,
    pub path: &'a Path,
    pub step: i64,
    pub time: f64,
    pub config: String,
    pub fields: &'a [PutField],
    pub streams: &'a [(CompressOptions, Arc<Vec<u8>>)],
    pub reports: &'a mut [FieldReport],
    pub labels: Option<&'a [u8]>,
    /// The labeler the labels were computed with: its thresholds and the solver's
    /// coordinates per axis of its dims (`set_coords`), recorded beside `/labels`.
    pub labeler: Option<(&'a LabelParams, &'a [AxisCoords])>,
}

impl Snapshot<'_> {
    /// Writes the file (collective). The reports' `stored_bytes` and `ratio` are updated
    /// from the datasets' storage sizes. Returns the stored bytes of the `labels` dataset
    /// (0 without labels).
    pub fn write(self) -> Result<u64> {
        let mut label_bytes = 0;
        register_filter()?;
        let cpath = CString::new(self.path.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::invalid("path has a NUL"))?;
        unsafe {
            let fapl = check(H5Pcreate(*H5P_CLS_FILE_ACCESS), H5Pclose, "H5Pcreate(fapl)")?;
            ok(H5Pset_fapl_mpio(fapl.0, self.comm.as_raw(), mpi::ffi::RSMPI_INFO_NULL), "H5Pset_fapl_mpio")?;
            // Metadata (object headers, attributes) written once, collectively, instead of
            // by every rank independently.
            ok(H5Pset_coll_metadata_write(fapl.0, 1), "H5Pset_coll_metadata_write")?;
            ok(H5Pset_all_coll_metadata_ops(fapl.0, 1), "H5Pset_all_coll_metadata_ops")?;
            let file =
                check(H5Fcreate(cpath.as_ptr(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.0), H5Fclose, "H5Fcreate")?;
            let dxpl = check(H5Pcreate(*H5P_CLS_DATASET_XFER), H5Pclose, "H5Pcreate(dxpl)")?;
            ok(H5Pset_dxpl_mpio(dxpl.0, H5FD_mpio_xfer_t::H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio")?;

            attr_i64(file.0, "step", &[self.step])?;
            attr_f64(file.0, "time", &[self.time])?;
            attr_str(file.0, "plume_version", plume_core::VERSION)?;
            attr_str(file.0, "config", &self.config)?;
            attr_i64(file.0, "n_ranks", &[self.comm.size() as i64])?;

            for ((f, (opts, stream)), rep) in
                self.fields.iter().zip(self.streams).zip(self.reports.iter_mut())
            {
                let chunk = chunk_dims(self.comm, f);
                let global: Vec<hsize_t> = f.block.global_storage().iter().map(|&d| d as hsize_t).collect();
                let space = check(
                    H5Screate_simple(global.len() as i32, global.as_ptr(), std::ptr::null()),
                    H5Sclose,
                    "H5Screate_simple",
                )?;
                let dcpl = check(H5Pcreate(*H5P_CLS_DATASET_CREATE), H5Pclose, "H5Pcreate(dcpl)")?;
                let cdims: Vec<hsize_t> = chunk.iter().map(|&d| d as hsize_t).collect();
                ok(H5Pset_chunk(dcpl.0, cdims.len() as i32, cdims.as_ptr()), "H5Pset_chunk")?;
                ok(
                    H5Pset_fill_time(dcpl.0, hdf5_sys::h5d::H5D_fill_time_t::H5D_FILL_TIME_NEVER),
                    "H5Pset_fill_time",
                )?;
                let cd = h5plume::cd_values(f.dtype == DType::F64, &chunk, opts);
                ok(
                    H5Pset_filter(
                        dcpl.0,
                        h5plume::PLUME_H5Z_FILTER,
                        H5Z_FLAG_MANDATORY,
                        cd.len(),
                        cd.as_ptr(),
                    ),
                    "H5Pset_filter(plume)",
                )?;
                let ty = if f.dtype == DType::F64 { *H5T_NATIVE_DOUBLE } else { *H5T_NATIVE_FLOAT };
                let name =
                    CString::new(f.name.as_str()).map_err(|_| Error::invalid("field name has a NUL"))?;
                let dset = check(
                    H5Dcreate2(file.0, name.as_ptr(), ty, space.0, H5P_DEFAULT, dcpl.0, H5P_DEFAULT),
                    H5Dclose,
                    "H5Dcreate2",
                )?;
                let (mem, fsp) = selection(dset.0, &f.block.offset_storage(), &f.block.local_storage())?;
                let data = f.interior.as_ptr() as *const std::ffi::c_void;
                let rc = h5plume::with_precompressed(f.interior.clone(), stream.clone(), || {
                    H5Dwrite(dset.0, ty, mem.0, fsp.0, dxpl.0, data)
                });
                ok(rc, "H5Dwrite (collective)")?;
                let stored = H5Dget_storage_size(dset.0);
                rep.stored_bytes = stored;
                rep.ratio = if stored > 0 { rep.original_bytes as f64 / stored as f64 } else { 0.0 };
                attr_str(dset.0, "mode", &rep.mode)?;
                attr_f64(dset.0, "error_bound", &[rep.bound])?;
                attr_str(dset.0, "effective_mode", &rep.effective_mode)?;
                attr_f64(dset.0, "effective_bound", &[rep.effective_bound])?;
                attr_f64(dset.0, "ratio", &[rep.ratio])?;
                attr_f64(dset.0, "psnr_db", &[rep.psnr_db])?;
                attr_f64(dset.0, "max_abs_error", &[rep.max_abs_error])?;
                attr_f64(dset.0, "max_pw_rel_error", &[rep.max_pw_rel_error])?;
                attr_f64(dset.0, "value_min", &[rep.value_min])?;
                attr_f64(dset.0, "value_max", &[rep.value_max])?;
                attr_str(dset.0, "order", f.block.order().as_str())?;
            }

            if let (Some(labels), Some(f0)) = (self.labels, self.fields.iter().find(|f| f.name == "Y_H2")) {
                // Chunked by the rank block like the fields and filtered as label streams
                // (lossless); the block's stream, made here, is reused for its chunk.
                let chunk = chunk_dims(self.comm, f0);
                let global: Vec<hsize_t> = f0.block.global_storage().iter().map(|&d| d as hsize_t).collect();
                let space = check(
                    H5Screate_simple(global.len() as i32, global.as_ptr(), std::ptr::null()),
                    H5Sclose,
                    "H5Screate_simple",
                )?;
                let dcpl = check(H5Pcreate(*H5P_CLS_DATASET_CREATE), H5Pclose, "H5Pcreate(dcpl)")?;
                let cdims: Vec<hsize_t> = chunk.iter().map(|&d| d as hsize_t).collect();
                ok(H5Pset_chunk(dcpl.0, cdims.len() as i32, cdims.as_ptr()), "H5Pset_chunk(labels)")?;
                // Fill value 0 (a class id): the parts of partial edge chunks outside the
                // dataset reach the filter as 0s, never as bytes a label stream refuses.
                let zero = 0u8;
                ok(
                    hdf5_sys::h5p::H5Pset_fill_value(
                        dcpl.0,
                        *H5T_NATIVE_UINT8,
                        &zero as *const u8 as *const _,
                    ),
                    "H5Pset_fill_value(labels)",
                )?;
                ok(
                    H5Pset_fill_time(dcpl.0, hdf5_sys::h5d::H5D_fill_time_t::H5D_FILL_TIME_IFSET),
                    "H5Pset_fill_time(labels)",
                )?;
                let cd = h5plume::label_cd_values(&chunk);
                ok(
                    H5Pset_filter(
                        dcpl.0,
                        h5plume::PLUME_H5Z_FILTER,
                        H5Z_FLAG_MANDATORY,
                        cd.len(),
                        cd.as_ptr(),
                    ),
                    "H5Pset_filter(plume, labels)",
                )?;
                let dset = check(
                    H5Dcreate2(
                        file.0,
                        c"labels".as_ptr(),
                        *H5T_NATIVE_UINT8,
                        space.0,
                        H5P_DEFAULT,
                        dcpl.0,
                        H5P_DEFAULT,
                    ),
                    H5Dclose,
                    "H5Dcreate2(labels)",
                )?;
                let local = f0.block.local_storage();
                let stream = if labels.is_empty() {
                    Vec::new()
                } else {
                    let shape = plume_core::Shape::new(&local, plume_core::Order::C)?;
                    plume_core::label::compress_labels(labels, &shape)?
                };
                let (mem, fsp) = selection(dset.0, &f0.block.offset_storage(), &local)?;
                let data = labels.as_ptr() as *const std::ffi::c_void;
                // Collective, as filtered writes must be (a rank without cells selects none).
                let rc = h5plume::with_precompressed(Arc::new(labels.to_vec()), Arc::new(stream), || {
                    H5Dwrite(dset.0, *H5T_NATIVE_UINT8, mem.0, fsp.0, dxpl.0, data)
                });
                ok(rc, "H5Dwrite(labels, collective)")?;
                label_bytes = H5Dget_storage_size(dset.0);
                attr_str(
                    dset.0,
                    "classes",
                    "0 premixed flame, 1 non-premixed flame, 2 pure fuel, 3 pure air, 4 unburned mixture",
                )?;
                if let Some((params, coords)) = self.labeler {
                    attr_str(dset.0, "label_params", &params.settings().join("\n"))?;
                    for s in 0..f0.block.global_storage().len() {
                        if let Some(c) = coords.get(f0.block.caller_axis(s)).and_then(|c| c.as_deref()) {
                            self.write_label_coords(file.0, s, c)?;
                        }
                    }
                }
            }

            if let Some(f0) = self.fields.first() {
                self.write_decomposition(file.0, f0)?;
            }
            drop(dxpl);
            let fid = file.0;
            std::mem::forget(file);
            ok(H5Fclose(fid), "H5Fclose")?;
        }
        Ok(label_bytes)
    }
}

/// The chunk: the largest block on each axis over all ranks (>= 1).
fn chunk_dims(comm: &SimpleCommunicator, f: &PutField) -> Vec<usize> {
    let local: Vec<u64> = f.block.local_storage().iter().map(|&d| d as u64).collect();
    let mut max = vec![0u64; local.len()];
    comm.all_reduce_into(&local[..], &mut max[..], mpi::collective::SystemOperation::max());
    max.iter().zip(f.block.global_storage()).map(|(&m, g)| (m as usize).clamp(1, g.max(1))).collect()
}

/// Memory and file dataspaces selecting this rank's block (none for an empty block).
unsafe fn selection(dset: hid_t, offset: &[usize], local: &[usize]) -> Result<(H, H)> {
    let fsp = check(unsafe { H5Dget_space(dset) }, H5Sclose, "H5Dget_space")?;
    let n: usize = local.iter().product();
    if n == 0 {
        let mem = check(unsafe { H5Screate(H5S_class_t::H5S_NULL) }, H5Sclose, "H5Screate")?;
        ok(unsafe { H5Sselect_none(fsp.0) }, "H5Sselect_none")?;
        return Ok((mem, fsp));
    }
    let start: Vec<hsize_t> = offset.iter().map(|&d| d as hsize_t).collect();
    let count: Vec<hsize_t> = local.iter().map(|&d| d as hsize_t).collect();
    let mem = check(
        unsafe { H5Screate_simple(count.len() as i32, count.as_ptr(), std::ptr::null()) },
        H5Sclose,
        "H5Screate_simple",
    )?;
    ok(
        unsafe {
            H5Sselect_hyperslab(
                fsp.0,
                H5S_seloper_t::H5S_SELECT_SET,
                start.as_ptr(),
                std::ptr::null(),
                count.as_ptr(),
                std::ptr::null(),
            )
        },
        "H5Sselect_hyperslab",
    )?;
    Ok((mem, fsp))
}

impl Snapshot<'_> {
    /// Creates the unfiltered dataset `name` of element type `ty` and `dims` (collective)
    /// and has rank 0 write `data`, all of it, in an independent transfer.
    ///
    /// # Safety
    /// `data` points to `dims`' product of values of `ty`.
    unsafe fn rank0_dataset(
        &self,
        file: hid_t,
        name: &str,
        ty: hid_t,
        dims: &[usize],
        data: *const std::ffi::c_void,
    ) -> Result<H> {
        let cname = CString::new(name).map_err(|_| Error::invalid("dataset name has a NUL"))?;
        let hdims: Vec<hsize_t> = dims.iter().map(|&d| d as hsize_t).collect();
        unsafe {
            let space = check(
                H5Screate_simple(hdims.len() as i32, hdims.as_ptr(), std::ptr::null()),
                H5Sclose,
                "H5Screate_simple",
            )?;
            let dset = check(
                H5Dcreate2(file, cname.as_ptr(), ty, space.0, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                H5Dclose,
                &format!("H5Dcreate2({name})"),
            )?;
            if self.comm.rank() == 0 {
                let (mem, fsp) = selection(dset.0, &vec![0; dims.len()], dims)?;
                ok(H5Dwrite(dset.0, ty, mem.0, fsp.0, H5P_DEFAULT, data), &format!("H5Dwrite({name})"))?;
            }
            Ok(dset)
        }
    }

    /// `/label_coords_<s>`: the cell-centre coordinates of storage axis `s` the labels were
    /// computed with.
    unsafe fn write_label_coords(&self, file: hid_t, s: usize, coords: &[f64]) -> Result<()> {
        unsafe {
            let name = format!("label_coords_{s}");
            let data = coords.as_ptr() as *const _;
            let dset = self.rank0_dataset(file, &name, *H5T_NATIVE_DOUBLE, &[coords.len()], data)?;
            attr_str(dset.0, "axis", &format!("cell-centre coordinates of storage axis {s} of /labels"))
        }
    }

    unsafe fn write_decomposition(&self, file: hid_t, f0: &PutField) -> Result<()> {
        let nd = f0.block.local_storage().len();
        let mut mine: Vec<i64> = f0.block.offset_storage().iter().map(|&d| d as i64).collect();
        mine.extend(f0.block.local_storage().iter().map(|&d| d as i64));
        let size = self.comm.size() as usize;
        let mut all = vec![0i64; size * 2 * nd];
        self.comm.all_gather_into(&mine[..], &mut all[..]);
        unsafe {
            let data = all.as_ptr() as *const _;
            let dset = self.rank0_dataset(file, "decomposition", *H5T_NATIVE_INT64, &[size, 2 * nd], data)?;
            attr_str(
                dset.0,
                "columns",
                "offset of each storage axis, then dims of each storage axis (slowest first)",
            )?;
        }
        Ok(())
    }
}

unsafe fn attr_raw(obj: hid_t, name: &str, ty: hid_t, n: usize, data: *const std::ffi::c_void) -> Result<()> {
    let cname = CString::new(name).map_err(|_| Error::invalid("attribute name has a NUL"))?;
    unsafe {
        let dims = [n as hsize_t];
        let space = if n == 1 {
            check(H5Screate(H5S_class_t::H5S_SCALAR), H5Sclose, "H5Screate")?
        } else {
            check(H5Screate_simple(1, dims.as_ptr(), std::ptr::null()), H5Sclose, "H5Screate_simple")?
        };
        let a = check(
            H5Acreate2(obj, cname.as_ptr(), ty, space.0, H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose,
            "H5Acreate2",
        )?;
        ok(H5Awrite(a.0, ty, data), "H5Awrite")
    }
}

unsafe fn attr_f64(obj: hid_t, name: &str, v: &[f64]) -> Result<()> {
    unsafe { attr_raw(obj, name, *H5T_NATIVE_DOUBLE, v.len(), v.as_ptr() as *const _) }
}

unsafe fn attr_i64(obj: hid_t, name: &str, v: &[i64]) -> Result<()> {
    unsafe { attr_raw(obj, name, *H5T_NATIVE_INT64, v.len(), v.as_ptr() as *const _) }
}

unsafe fn attr_str(obj: hid_t, name: &str, v: &str) -> Result<()> {
    unsafe {
        let ty = check(H5Tcopy(*H5T_C_S1), H5Tclose, "H5Tcopy")?;
        ok(H5Tset_size(ty.0, v.len().max(1)), "H5Tset_size")?;
        let bytes = if v.is_empty() { " " } else { v };
        attr_raw(obj, name, ty.0, 1, bytes.as_ptr() as *const _)
    }
}
