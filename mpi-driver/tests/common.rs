//! Helpers shared by the integration tests: run the built `plume-train`, directly or under
//! `mpirun`, with the environment Open MPI needs as root.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Held while a test writes HDF5 files in this process and while a child is spawned: HDF5
/// opens files without close-on-exec, so a child forked meanwhile would inherit the file's
/// lock and a reopen in the writing test would fail ("unable to lock file").
pub fn hdf5_fork_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Spawns `cmd` under [`hdf5_fork_lock`] and waits for it outside the lock. Each run gets
/// its own Open MPI session directory base: concurrent runs sharing /tmp/ompi.<host>.<uid>
/// race when one removes it as another starts ("mkdir ... File exists", orte_init fails).
fn output(cmd: &mut Command, what: &str) -> Output {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let session = std::env::temp_dir().join(format!(
        "plume-ompi-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&session).expect("Open MPI session base");
    cmd.env("OMPI_MCA_orte_tmpdir_base", &session);
    let child = {
        let _lock = hdf5_fork_lock();
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()
    };
    let out = child.and_then(|c| c.wait_with_output()).unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let _ = std::fs::remove_dir_all(&session);
    out
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_plume-train")
}

fn mpi_env(cmd: &mut Command) -> &mut Command {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
}

/// `plume-train ARGS` as one process (MPI singleton).
pub fn run(args: &[&str]) -> Output {
    output(mpi_env(&mut Command::new(bin())).args(args), "plume-train")
}

/// `mpirun -n RANKS --oversubscribe plume-train ARGS`.
pub fn mpirun(ranks: usize, args: &[&str]) -> Output {
    output(
        mpi_env(&mut Command::new("mpirun"))
            .args(["-n", &ranks.to_string(), "--oversubscribe", "--bind-to", "none", bin()])
            .args(args),
        "mpirun (is Open MPI installed? .ci/setup)",
    )
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh scratch folder under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A lossy (PW_REL 0.1) two-snapshot jet-flame catalog of 32 x 32 x 6 cells.
pub fn catalog(dir: &Path, bound: f64) -> PathBuf {
    let out = dir.join("data");
    let stdout = ok(&run(&[
        "synth-catalog",
        "--out",
        out.to_str().expect("utf-8 path"),
        "--dims",
        "32,32,6",
        "--snapshots",
        "2",
        "--bound",
        &bound.to_string(),
    ]));
    PathBuf::from(stdout.trim())
}

/// A tiny-model deck over `catalog`, output in `dir/run`.
pub fn deck(dir: &Path, catalog: &Path, extra_train: &str, extra_data: &str) -> PathBuf {
    let text = format!(
        "seed = 3\n[model]\npreset = \"tiny\"\n[data]\ncatalog = \"{}\"\ndecode_threads = 2\n{extra_data}\n\
         [train]\nglobal_batch = 4\nthreads = 1\npatience = 0\nstages = [{{ lr = 2e-3, epochs = 2 }}]\n{extra_train}\n\
         [output]\ndir = \"run\"\nprogress = false\ncheckpoint_every = 3\n",
        catalog.display()
    );
    let p = dir.join("train.toml");
    std::fs::write(&p, text).expect("write deck");
    p
}
