//! A stand-in solver for the in-situ session's MPI tests: every rank builds the same
//! synthetic lifted jet flame, owns a slab of the slowest axis (uneven splits and zero-cell
//! ranks allowed), and hands its ghosted block to a [`Session`] for a few output steps.
//!
//! ```sh
//! mpirun -n 3 --oversubscribe target/debug/examples/insitu_jet OUT NX NY NZ STEPS GHOST [DECK] [--ref] [--regions] [--coords | --bad-coords]
//! ```
//! `--ref` makes rank 0 write the global fields (`OUT/ref_<name>.f32` / `.f64`, C order)
//! for the readers' checks. `--regions` registers region callbacks that check nesting and
//! count, and prints `regions <rank> begins B ends E max_depth D names ...` per rank.
//! `--coords` gives the labeler stretched coordinates `x_i = i + 0.04 i^2` on every axis;
//! `--bad-coords` gives a decreasing array (an error).
//! Prints `world <size>` on rank 0.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_void, CStr};
use std::path::Path;
use std::sync::Mutex;

use mpi::traits::*;
use plume::insitu::Session;
use plume_core::field::Order;

fn clamp_block<T: Copy>(g: &[T], dims: [usize; 3], lo: [isize; 3], n: [usize; 3], ghost: usize) -> Vec<T> {
    let mut out = Vec::new();
    let gi = |i: isize, d: usize| i.clamp(0, d as isize - 1) as usize;
    for i in 0..n[0] + 2 * ghost {
        for j in 0..n[1] + 2 * ghost {
            for k in 0..n[2] + 2 * ghost {
                let x = gi(lo[0] + i as isize - ghost as isize, dims[0]);
                let y = gi(lo[1] + j as isize - ghost as isize, dims[1]);
                let z = gi(lo[2] + k as isize - ghost as isize, dims[2]);
                out.push(g[(x * dims[1] + y) * dims[2] + z]);
            }
        }
    }
    out
}

/// What the region callbacks saw: begins, ends, current and largest depth, names.
#[derive(Default)]
struct Regions {
    begins: usize,
    ends: usize,
    depth: usize,
    max_depth: usize,
    open: Option<String>,
    names: BTreeSet<String>,
    mismatched: usize,
}

unsafe extern "C" fn region_begin(name: *const c_char, user: *mut c_void) {
    // SAFETY: `user` is the &Mutex<Regions> main registered; `name` a NUL-terminated string.
    let (r, name) = unsafe { (&*(user as *const Mutex<Regions>), CStr::from_ptr(name)) };
    let mut r = r.lock().unwrap_or_else(|e| e.into_inner());
    r.begins += 1;
    r.depth += 1;
    r.max_depth = r.max_depth.max(r.depth);
    r.open = Some(name.to_string_lossy().into_owned());
    r.names.insert(name.to_string_lossy().into_owned());
}

unsafe extern "C" fn region_end(name: *const c_char, user: *mut c_void) {
    // SAFETY: as in region_begin.
    let (r, name) = unsafe { (&*(user as *const Mutex<Regions>), CStr::from_ptr(name)) };
    let mut r = r.lock().unwrap_or_else(|e| e.into_inner());
    r.ends += 1;
    r.depth = r.depth.saturating_sub(1);
    if r.open.take().as_deref() != Some(&*name.to_string_lossy()) {
        r.mismatched += 1;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let universe = mpi::initialize().ok_or("MPI already initialised")?;
    let world = universe.world();
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        return Err("usage: insitu_jet OUT NX NY NZ STEPS GHOST [DECK] [--ref]".into());
    }
    let out = &args[1];
    let dims = [args[2].parse()?, args[3].parse()?, args[4].parse()?];
    let steps: i64 = args[5].parse()?;
    let ghost: usize = args[6].parse()?;
    let deck = args.get(7).filter(|a| !a.starts_with("--")).map(Path::new);
    let write_ref = args.iter().any(|a| a == "--ref");
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    if rank == 0 {
        println!("world {size}");
    }

    let flame = plume_core::synth::jet_flame(&dims, 7)?;
    // A f64 field too (a temperature-like function of Z and Y_H2O).
    let temp: Vec<f64> = flame
        .z
        .iter()
        .zip(&flame.y_h2o)
        .map(|(&z, &w)| 300.0 + 2000.0 * w as f64 + 100.0 * z as f64)
        .collect();
    let lo0 = dims[0] * rank / size;
    let hi0 = dims[0] * (rank + 1) / size;
    let local = [hi0 - lo0, dims[1], dims[2]];
    let lo = [lo0 as isize, 0, 0];

    std::env::set_var("PLUME_OUTPUT", out);
    let mut session = Session::new(&world, deck)?;
    if args.iter().any(|a| a == "--coords") {
        for (axis, &n) in dims.iter().enumerate() {
            let c: Vec<f64> = (0..n).map(|i| i as f64 + 0.04 * (i * i) as f64).collect();
            session.set_coords(axis, &c)?;
        }
    }
    if args.iter().any(|a| a == "--bad-coords") {
        session.set_coords(1, &[0.0, 1.0, 0.5])?;
    }
    let regions = Mutex::new(Regions::default());
    if args.iter().any(|a| a == "--regions") {
        session.set_regions(Some(plume::insitu::profile::RegionCallbacks {
            begin: Some(region_begin),
            end: Some(region_end),
            user_data: &regions as *const Mutex<Regions> as *mut c_void,
        }));
    }
    for step in 0..steps {
        session.begin_step(step * 10, step as f64 * 1e-5)?;
        for (name, f) in
            [("Y_H2", &flame.y_h2), ("Y_O2", &flame.y_o2), ("Y_H2O", &flame.y_h2o), ("Z", &flame.z)]
        {
            let b = clamp_block(f, dims, lo, local, ghost);
            session.put(name, &b, &local, &[lo0, 0, 0], &dims, Order::C, ghost)?;
        }
        let t = clamp_block(&temp, dims, lo, local, ghost);
        session.put("T", &t, &local, &[lo0, 0, 0], &dims, Order::C, ghost)?;
        // The same temperature as a Fortran-order array of the reversed dims.
        let tf: Vec<f64> = t.clone();
        let rl = [local[2], local[1], local[0]];
        session.put(
            "T_fortran",
            &tf,
            &rl,
            &[0, 0, lo0],
            &[dims[2], dims[1], dims[0]],
            Order::Fortran,
            ghost,
        )?;
        if let Some(rep) = session.end_step()? {
            if rank == 0 {
                for f in &rep.fields {
                    println!(
                        "step {} {}: ratio {:.2} psnr {:.1} dB max err {:.3e} (bound {} {})",
                        rep.step, f.name, f.ratio, f.psnr_db, f.max_abs_error, f.mode, f.bound
                    );
                }
            }
        }
    }
    session.finish()?;
    if args.iter().any(|a| a == "--regions") {
        let r = regions.lock().unwrap_or_else(|e| e.into_inner());
        let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
        println!(
            "regions {rank} begins {} ends {} max_depth {} mismatched {} names {}",
            r.begins,
            r.ends,
            r.max_depth,
            r.mismatched,
            names.join(",")
        );
    }
    if write_ref && rank == 0 {
        for (name, f) in
            [("Y_H2", &flame.y_h2), ("Y_O2", &flame.y_o2), ("Y_H2O", &flame.y_h2o), ("Z", &flame.z)]
        {
            let bytes: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(Path::new(out).join(format!("ref_{name}.f32")), bytes)?;
        }
        let bytes: Vec<u8> = temp.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(Path::new(out).join("ref_T.f64"), bytes)?;
    }
    Ok(())
}
