//! The in-situ session under `mpirun -n 1, 2, 3` (3 is an uneven split) and with a
//! zero-cell rank: every run writes snapshots through parallel HDF5 with collective writes;
//! the snapshots are then read by h5py through the dynamically loaded filter plugin
//! (`libh5plume.so` via HDF5_PLUGIN_PATH) and checked against the fields the ranks put
//! (within bound) and against each other (labels identical to the single-rank run's).
//! Also: a bad deck fails on every rank with rank 0's message, and a writer killed
//! mid-run leaves every completed step readable and no partial file under a final name.
//!
//! MPI initialises once per process, so the tests launch the `insitu_jet` example.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn target_dir() -> PathBuf {
    // <target>/debug/deps/insitu_mpi-<hash>
    let exe = std::env::current_exe().expect("test exe");
    exe.parent().and_then(Path::parent).expect("target/debug").to_path_buf()
}

fn example() -> PathBuf {
    target_dir().join("examples").join("insitu_jet")
}

/// The plugin's directory, after building the cdylib (`cargo test` builds only its rlib, so
/// without this a plugin left from an older build would read the new streams).
fn plugin_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_plugin).clone()
}

fn build_plugin() -> PathBuf {
    let dir = target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile = if dir.ends_with("release") { vec!["--release"] } else { vec![] };
    let st = Command::new(cargo)
        .args(["build", "-p", "plume-h5plugin"])
        .args(profile)
        .status()
        .expect("cargo build -p plume-h5plugin");
    assert!(st.success());
    // A directory holding the plugin alone: HDF5 loads the first library in the path that
    // offers filter 32801, and libplume.so beside it (plume-ffi's cdylib, which links the
    // same code) may be stale.
    let only = dir.join("h5plugin-only");
    std::fs::create_dir_all(&only).expect("plugin dir");
    std::fs::copy(dir.join("libh5plume.so"), only.join("libh5plume.so")).expect("copy libh5plume.so");
    only
}

/// `mpirun -n RANKS example ARGS`, with its own Open MPI session directory base: concurrent
/// runs sharing /tmp/ompi.<host>.<uid> race when one removes it as another starts.
fn mpirun(ranks: usize, args: &[&str]) -> Output {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let session = std::env::temp_dir().join(format!("plume-ompi-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&session).expect("Open MPI session base");
    let out = Command::new("mpirun")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_orte_tmpdir_base", &session)
        .args(["-n", &ranks.to_string(), "--oversubscribe", "--bind-to", "none"])
        .arg(example())
        .args(args)
        .output()
        .expect("mpirun (Open MPI; .ci/setup)");
    let _ = std::fs::remove_dir_all(&session);
    out
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let d = target_dir().join("insitu-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn deck(dir: &Path) -> PathBuf {
    let p = dir.join("plume.cfg");
    std::fs::write(
        &p,
        "plume.mode = pw_rel\nplume.error_bound = 1e-2\nplume.label = on\n\
         plume.field.T.mode = abs\nplume.field.T.error_bound = 0.5\n\
         plume.field.T_fortran.mode = abs\nplume.field.T_fortran.error_bound = 0.5\n",
    )
    .expect("deck");
    p
}

/// Runs python3 with `args` (a script file or `-c` and its text, then its arguments), the
/// plugin on `HDF5_PLUGIN_PATH`; returns stdout (fails the test on failure).
fn python3<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let out =
        Command::new("python3").args(args).env("HDF5_PLUGIN_PATH", plugin_dir()).output().expect("python3");
    ok(&out)
}

/// `python3 -c script files...`.
fn python(script: &str, files: &[&Path]) -> String {
    let mut args = vec![std::ffi::OsStr::new("-c"), std::ffi::OsStr::new(script)];
    args.extend(files.iter().map(|f| f.as_os_str()));
    python3(&args)
}

fn h5py_check(args: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_snapshot.py");
    let mut all = vec![script.as_os_str()];
    all.extend(args.iter().map(|a| a.as_os_str()));
    let text = python3(&all);
    assert!(text.contains("snapshots OK"), "{text}");
}

#[test]
fn one_two_three_ranks_write_the_same_snapshots() {
    let root = scratch("ranks");
    let deck = deck(&root);
    let mut runs = Vec::new();
    for n in [1usize, 2, 3] {
        let out = root.join(format!("n{n}"));
        let mut args = vec![out.to_str().unwrap(), "24", "20", "4", "2", "1", deck.to_str().unwrap()];
        if n == 1 {
            args.push("--ref");
        }
        let text = ok(&mpirun(n, &args));
        assert!(text.contains(&format!("world {n}")), "{text}");
        assert!(out.join("step_00000010.h5").exists());
        runs.push(out);
    }
    let refs = runs[0].clone();
    let mut args: Vec<&Path> = vec![&refs];
    args.extend(runs.iter().map(|p| p.as_path()));
    h5py_check(&args);
}

#[test]
fn a_zero_cell_rank_takes_part() {
    let root = scratch("zero");
    let deck = deck(&root);
    let one = root.join("n1");
    ok(&mpirun(1, &[one.to_str().unwrap(), "2", "8", "3", "1", "1", deck.to_str().unwrap(), "--ref"]));
    let three = root.join("n3");
    let text = ok(&mpirun(3, &[three.to_str().unwrap(), "2", "8", "3", "1", "1", deck.to_str().unwrap()]));
    assert!(text.contains("world 3"));
    h5py_check(&[&one, &one, &three]);
}

/// 25 cells on axis 0 over 3 ranks: blocks of 8, 8, 9, chunks of 9, so chunks straddle
/// ranks and the last one is partial (the labels' filter sees its fill value, 0, past the
/// edge).
#[test]
fn chunks_straddling_ranks_and_partial_edge_chunks() {
    let root = scratch("uneven");
    let deck = deck(&root);
    let one = root.join("n1");
    ok(&mpirun(1, &[one.to_str().unwrap(), "25", "20", "4", "2", "1", deck.to_str().unwrap(), "--ref"]));
    let three = root.join("n3");
    let text = ok(&mpirun(3, &[three.to_str().unwrap(), "25", "20", "4", "2", "1", deck.to_str().unwrap()]));
    assert!(text.contains("world 3"));
    h5py_check(&[&one, &one, &three]);
}

#[test]
fn a_bad_deck_fails_on_every_rank() {
    let root = scratch("bad");
    let deck = root.join("bad.cfg");
    std::fs::write(&deck, "plume.mode = abs\nplume.no_such_key = 3\n").unwrap();
    let out = mpirun(2, &[root.join("o").to_str().unwrap(), "4", "4", "4", "1", "1", deck.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.matches("no_such_key").count() >= 2, "every rank reports rank 0's message:\n{err}");
}

#[test]
fn a_killed_writer_leaves_every_completed_step_readable() {
    let root = scratch("kill");
    let deck = deck(&root);
    let out = root.join("o");
    let mut child = Command::new("mpirun")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .args(["-n", "2", "--oversubscribe", "--bind-to", "none"])
        .arg(example())
        .args([out.to_str().unwrap(), "40", "32", "16", "400", "1", deck.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mpirun");
    // Kill the job (mpirun forwards SIGTERM to the ranks) once two steps are in the catalog:
    // it then dies in the middle of some later step.
    let catalog = out.join("catalog.jsonl");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&catalog).map_or(0, |t| t.lines().count()) < 2 {
        assert!(start.elapsed().as_secs() < 120, "no snapshot after 120 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    std::thread::sleep(std::time::Duration::from_millis(500));

    let check = r#"
import glob, json, os, sys
import h5py
out = sys.argv[1]
files = sorted(glob.glob(os.path.join(out, "step_*.h5")))
assert len(files) >= 2, files
for path in files:
    with h5py.File(path, "r") as h:
        for name in h:
            h[name][...]
entries = [json.loads(l) for l in open(os.path.join(out, "catalog.jsonl")) if l.strip()]
assert all(os.path.exists(e["path"]) for e in entries)
print(f"{len(files)} complete steps, {len(glob.glob(os.path.join(out, '.step_*.tmp')))} partial")
"#;
    let text = python(check, &[&out]);
    let n_final = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with("step_")))
        .count();
    assert!(n_final < 400, "the job was not killed mid-run: {text}");
}

#[test]
fn profile_csv_trace_and_region_callbacks() {
    let root = scratch("profile");
    let deck = root.join("plume.cfg");
    std::fs::write(
        &deck,
        "plume.mode = pw_rel\nplume.error_bound = 1e-2\nplume.label = on\nplume.profile = on\n",
    )
    .expect("deck");
    let out = root.join("o");
    let steps = 2usize;
    let text = ok(&mpirun(
        2,
        &[out.to_str().unwrap(), "16", "12", "4", "2", "1", deck.to_str().unwrap(), "--regions"],
    ));
    // 6 fields put (copy) + label, compress, wait, write, per step, on every rank; nested.
    let per_rank = steps * (6 + 4);
    for rank in 0..2 {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("regions {rank} ")))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            line.contains(&format!("begins {per_rank} ends {per_rank} max_depth 1 mismatched 0 ")),
            "{line}"
        );
        assert!(
            line.ends_with("names plume.compress,plume.copy,plume.label,plume.wait,plume.write"),
            "{line}"
        );
    }

    let csv = std::fs::read_to_string(out.join("profile.csv")).expect("profile.csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with("rank,copy_s,label_s,compress_s,wait_s,write_s,total_s"), "{csv}");
    for (r, row) in rows[1..].iter().enumerate() {
        let v: Vec<f64> = row.split(',').map(|x| x.parse().expect("number")).collect();
        assert_eq!(v[0] as usize, r);
        assert_eq!(v[10] as usize, steps, "{row}");
        assert_eq!(v[11], 0.0, "no background work in synchronous mode: {row}");
        assert!((v[13] - v[6] / v[7]).abs() < 1e-9 * v[13].max(1.0), "overhead = total / solver: {row}");
        assert!(
            v[1..6].iter().all(|&s| s >= 0.0) && (v[6] - v[1..6].iter().sum::<f64>()).abs() < 1e-9,
            "{row}"
        );
    }

    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("trace.json")).expect("trace.json"))
            .expect("JSON");
    let events = trace["traceEvents"].as_array().expect("traceEvents");
    for rank in 0..2u64 {
        let mut mine: Vec<&serde_json::Value> =
            events.iter().filter(|e| e["ph"] == "X" && e["pid"].as_u64() == Some(rank)).collect();
        let stages = mine.iter().filter(|e| e["name"] != "solver").count();
        assert_eq!(stages, per_rank, "rank {rank}");
        assert_eq!(mine.iter().filter(|e| e["name"] == "solver").count(), steps - 1, "rank {rank}");
        assert!(events.iter().any(|e| e["ph"] == "M"
            && e["pid"].as_u64() == Some(rank)
            && e["args"]["name"] == format!("rank {rank}")));
        // One thread of non-overlapping events (to the microsecond rounding).
        mine.sort_by(|a, b| a["ts"].as_f64().unwrap().total_cmp(&b["ts"].as_f64().unwrap()));
        for w in mine.windows(2) {
            let end = w[0]["ts"].as_f64().unwrap() + w[0]["dur"].as_f64().unwrap();
            assert!(w[1]["ts"].as_f64().unwrap() >= end - 1.0, "overlap: {} then {}", w[0], w[1]);
        }
        assert!(mine[0]["ts"].as_f64().unwrap() >= 0.0);
        let last_step = mine.iter().filter_map(|e| e["args"]["step"].as_i64()).max();
        assert_eq!(last_step, Some(10 * (steps as i64 - 1)));
    }
}

#[test]
fn async_mode_writes_the_same_snapshots_while_the_solver_runs_on() {
    let root = scratch("async");
    let sync_deck = deck(&root);
    let async_deck = root.join("async.cfg");
    let text = std::fs::read_to_string(&sync_deck).expect("deck") + "plume.async = on\nplume.profile = on\n";
    std::fs::write(&async_deck, text).expect("deck");
    let (sync, asy) = (root.join("sync"), root.join("async"));
    ok(&mpirun(
        1,
        &[sync.to_str().unwrap(), "24", "20", "4", "3", "1", sync_deck.to_str().unwrap(), "--ref"],
    ));
    let out = mpirun(2, &[asy.to_str().unwrap(), "24", "20", "4", "3", "1", async_deck.to_str().unwrap()]);
    let stdout = ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("asynchronous mode"), "the session says so");
    // end_step returns the previous step's report: steps 0 and 10 are reported, step 20 is
    // written by finish.
    assert!(stdout.contains("step 0 Y_H2:") && stdout.contains("step 10 Y_H2:"), "{stdout}");
    assert!(!stdout.contains("step 20 "), "{stdout}");
    // The same steps, fields and sizes as the synchronous run (compression is per rank
    // block, so sizes are compared between runs of equal rank counts below).
    let catalog = |d: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(d.join("catalog.jsonl"))
            .expect("catalog")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let (a, s) = (catalog(&asy), catalog(&sync));
    assert_eq!(a.len(), 3);
    for (x, y) in a.iter().zip(&s) {
        assert_eq!(x["step"], y["step"]);
        assert_eq!(x["labels"], true);
        let names = |v: &serde_json::Value| -> Vec<String> {
            v["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names(x), names(y));
    }
    // Values within bound and labels equal to the synchronous single-rank run (h5py).
    h5py_check(&[&sync, &sync, &asy]);
    // The trace shows labels and compression on the background thread (tid 1).
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(asy.join("trace.json")).expect("trace")).expect("JSON");
    let bg: Vec<&serde_json::Value> =
        trace["traceEvents"].as_array().unwrap().iter().filter(|e| e["tid"] == 1).collect();
    for name in ["label", "compress"] {
        assert_eq!(
            bg.iter().filter(|e| e["name"] == name).count(),
            2 * 3,
            "{name} events on tid 1 (2 ranks x 3 steps)"
        );
    }
    // The overhead counts Plume's time on the solver's thread only.
    let csv = std::fs::read_to_string(asy.join("profile.csv")).expect("profile.csv");
    for row in csv.lines().skip(1) {
        let v: Vec<f64> = row.split(',').map(|x| x.parse().expect("number")).collect();
        assert!(v[11] > 0.0 && v[11] <= v[2] + v[3] + 1e-9, "background = label + compress: {row}");
        assert!((v[13] - (v[6] - v[11]) / v[7]).abs() < 1e-9 * v[13].max(1.0), "{row}");
    }
}

#[test]
fn solver_coordinates_reach_the_labeler() {
    let root = scratch("coords");
    let deck = deck(&root);
    let (one, three, unit) = (root.join("one"), root.join("three"), root.join("unit"));
    let args = |out: &Path| -> Vec<String> {
        [out.to_str().unwrap(), "24", "20", "4", "1", "1", deck.to_str().unwrap()].map(String::from).to_vec()
    };
    let run = |n: usize, out: &Path, extra: &[&str]| {
        let mut a = args(out);
        a.extend(extra.iter().map(|s| s.to_string()));
        ok(&mpirun(n, &a.iter().map(String::as_str).collect::<Vec<_>>()))
    };
    run(1, &one, &["--ref", "--coords"]);
    run(3, &three, &["--coords"]);
    run(1, &unit, &[]);
    // The same labels on 1 and 3 ranks with the stretched grid (and fields within bound)...
    h5py_check(&[&one, &one, &three]);
    // ...and not those of unit spacing: the coordinates are used.
    let script = "import h5py, sys, numpy as np\n\
                  a = h5py.File(sys.argv[1])['labels'][...]\n\
                  b = h5py.File(sys.argv[2])['labels'][...]\n\
                  print('differ', int((a != b).sum()), 'of', a.size)";
    let text = python(script, &[&one.join("step_00000000.h5"), &unit.join("step_00000000.h5")]);
    let differ: usize = text.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("count");
    assert!(differ > 0, "stretched and unit grids gave the same labels: {text}");
    // The file records the labeler: thresholds, and the coordinates of each axis given.
    let script = "import h5py, sys, numpy as np\n\
                  for path, coords in ((sys.argv[1], True), (sys.argv[2], False)):\n\
                  \x20   h = h5py.File(path)\n\
                  \x20   p = h['labels'].attrs['label_params'].decode().split('\\n')\n\
                  \x20   assert p[0] == 'eps_z=0.01' and len(p) == 7, p\n\
                  \x20   for s, n in enumerate(h['labels'].shape):\n\
                  \x20       name = f'label_coords_{s}'\n\
                  \x20       assert (name in h) == coords, (path, name)\n\
                  \x20       if coords:\n\
                  \x20           i = np.arange(n, dtype=float)\n\
                  \x20           assert np.array_equal(h[name][...], i + 0.04 * i * i), name\n\
                  print('labeler recorded')";
    let text = python(script, &[&three.join("step_00000000.h5"), &unit.join("step_00000000.h5")]);
    assert!(text.contains("labeler recorded"), "{text}");
    // A bad array is refused on the spot, naming the axis and the index.
    let bad = mpirun(
        1,
        &args(&root.join("bad")).iter().map(String::as_str).chain(["--bad-coords"]).collect::<Vec<_>>(),
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("set_coords: axis 1") && err.contains("index 2"), "{err}");
}
