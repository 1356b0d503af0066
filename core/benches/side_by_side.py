#!/usr/bin/env python3
"""Plume vs SZ3 vs ZFP, side by side, in one run, on the same bytes, at the same bound.

For every field and every value-range-relative bound `rel`, one absolute bound
`eb = rel * (max - min)` (computed here in float64 from the field's finite values) is
given to every compressor:

- Plume `fast` and `ratio`: the `plume` CLI, `--mode abs --bound eb --threads 1 --repeat N`
  (best-of-N in-process timing, no I/O), then `plume decompress --repeat N`. For every
  compressor alike, N is --repeat raised until the N timings cover 8 MiB (at most 200).
- SZ3: `hdf5plugin.SZ3(absolute=eb)` through h5py, into an in-memory HDF5 file with the
  chunk cache disabled; one chunked dataset whose chunk is the whole field. Timed: the
  H5Dwrite (`write_direct`) and H5Dread (`read_direct`), best of N (a fresh dataset per
  write). Size: `dset.id.get_storage_size()`.
- ZFP: `zfpy.compress_numpy(arr, tolerance=eb)` / `zfpy.decompress_numpy`, best of N.

Every round trip is checked (max |x - x'| <= eb, in float64, with numpy on the decoded
values) before its figures are recorded; a violation is printed loudly, marked in the
CSV/Markdown, and (for Plume) makes the script exit with status 1.

All compressors single-threaded; Plume `ratio` also on 2 threads on every summary field
(issue 3's target), and both encodings on 2 threads and with all cores on
the synthetic field (the thread-scaling target).

Outputs (under --out, default core/benches/results/):
  side_by_side_<tag>.csv, side_by_side.md, rate_distortion.png
(`--quick` writes side_by_side_quick_<tag>.csv, side_by_side_quick.md,
rate_distortion_quick.png instead, so smoke runs never overwrite real results.)

Usage (from the repository root):
  cargo build --release -p plume-core --bin plume -j1
  python3 core/benches/side_by_side.py                 # full run
  python3 core/benches/side_by_side.py --quick         # smoke run, a few seconds
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import fnmatch
import json
import math
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field as dc_field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# Shapes from ../shared/data/README.md (slowest axis first, C order).
KNOWN_SHAPES = [
    ("sperr_wmag91.f32", (91, 91, 91), "f32"),
    ("sperr_vorticity_128_128_41.f32", (41, 128, 128), "f32"),
    ("sperr_vorticity_512_512.f32", (512, 512), "f32"),
    ("sperr_999x999.f32", (999, 999), "f32"),
    ("nyx32_*.f32", (32, 32, 32), "f32"),
    ("sz2_testfloat_8_8_128.f32", (8, 8, 128), "f32"),
    ("sz2_testdouble_8_8_128.f64", (8, 8, 128), "f64"),
    ("sz2_testdouble_8_8_8_128.f64", (8, 8, 8, 128), "f64"),
]

# The reference table's convention (data/README.md): fields of 128 KB or more.
SUMMARY_MIN_BYTES = 128 * 1024
# A second view: fields of 1 MB or more, where per-call overheads (SZ3's are ~5 ms on a
# 32^3 field) no longer dominate the throughput figures.
LARGE_MIN_BYTES = 1_000_000

# data/README.md's reference (SZ3 3.3 default / ZFP 1.0, single thread, geo-mean over the
# real f32 fields >= 128 KB): rel -> {compressor: (ratio, compress MB/s, decompress MB/s)}.
README_REFERENCE = {
    1e-2: {"sz3": (42.5, 217, 843), "zfp": (6.7, 360, 587)},
    1e-3: {"sz3": (12.4, 174, 416), "zfp": (3.9, 305, 417)},
    1e-4: {"sz3": (5.1, 146, 223), "zfp": (2.8, 269, 320)},
}

COMPRESSORS = ["plume-fast", "plume-ratio", "sz3", "zfp"]

TARGETS = {
    # (encoding, metric): minimum geo-mean of Plume / SZ3
    ("ratio", "compress"): 2.0,
    ("ratio", "decompress"): 2.0,
    ("ratio", "ratio"): 0.75,
    ("fast", "compress"): 5.0,
    ("fast", "decompress"): 5.0,
}
SPEEDUP_TARGET = 1.8  # 2 threads vs 1 thread on the synthetic field
# Issue 3's targets for the `ratio` encoding (geo-mean of Plume / SZ3 over the same fields
# and bounds): (metric, Plume's threads) -> minimum; SZ3 always runs on one thread.
RATIO_TARGETS = {
    ("ratio", 1): 1.10,
    ("compress", 1): 1.0,
    ("decompress", 1): 1.0,
    ("compress", 2): 1.8,
    ("decompress", 2): 1.8,
}
# CPUs busier than this (other processes, just before a measurement group) make a
# thread-scaling figure meaningless: on a 2-core machine there is no second core to use.
BUSY_LIMIT = 0.25


# ---------------------------------------------------------------------------------------
# fields


@dataclass
class Field:
    name: str
    path: Path
    dims: tuple
    dtype: str  # "f32" | "f64"
    synthetic: bool = False
    data: np.ndarray | None = dc_field(default=None, repr=False)

    @property
    def np_dtype(self):
        return np.dtype("<f4") if self.dtype == "f32" else np.dtype("<f8")

    @property
    def n_bytes(self) -> int:
        return int(np.prod(self.dims)) * self.np_dtype.itemsize

    def load(self) -> np.ndarray:
        if self.data is None:
            a = np.fromfile(self.path, dtype=self.np_dtype)
            if a.size != int(np.prod(self.dims)):
                raise SystemExit(f"{self.path}: {a.size} values, expected {self.dims}")
            self.data = np.ascontiguousarray(a.reshape(self.dims))
        return self.data


def shape_of(name: str):
    for pattern, dims, dtype in KNOWN_SHAPES:
        if fnmatch.fnmatch(name, pattern):
            return dims, dtype
    return None


def discover_fields(data_dir: Path, include_f64: bool, only: list[str] | None) -> list[Field]:
    fields = []
    for p in sorted(data_dir.iterdir()):
        if p.suffix not in (".f32", ".f64"):
            continue
        known = shape_of(p.name)
        if known is None:
            print(f"warning: {p.name}: shape unknown (not in data/README.md), skipped", file=sys.stderr)
            continue
        dims, dtype = known
        if dtype == "f64" and not include_f64:
            continue
        if only and not any(fnmatch.fnmatch(p.name, o) or o in p.name for o in only):
            continue
        fields.append(Field(p.stem, p, dims, dtype))
    return fields


# ---------------------------------------------------------------------------------------
# measurements


def value_range(a: np.ndarray) -> tuple[float, float]:
    f = a[np.isfinite(a)]
    return float(f.min()), float(f.max())


def check(orig: np.ndarray, back: np.ndarray, eb: float, rng: float) -> dict:
    """max error, max error / eb, PSNR (value-range based), all in float64."""
    back = np.asarray(back).reshape(orig.shape)
    x = orig.astype(np.float64)
    y = back.astype(np.float64)
    finite = np.isfinite(x)
    d = np.abs(x - y)
    nonfinite_ok = bool(np.array_equal(orig[~finite].view(np.uint8), back[~finite].view(np.uint8))) if (~finite).any() else True
    max_err = float(d[finite].max()) if finite.any() else 0.0
    mse = float(np.mean(np.square(d[finite]))) if finite.any() else 0.0
    psnr = math.inf if mse == 0.0 else 20 * math.log10(rng) - 10 * math.log10(mse) if rng > 0 else math.nan
    return {
        "max_err": max_err,
        "max_err_over_eb": max_err / eb if eb > 0 else (0.0 if max_err == 0 else math.inf),
        "bound_ok": (max_err <= eb) and nonfinite_ok and not np.isnan(d[finite]).any(),
        "psnr_db": psnr,
    }


def best_of(n: int, fn):
    best, out = math.inf, None
    for _ in range(max(1, n)):
        out = None
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def run_json(cmd: list[str]) -> dict:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {shlex.join(cmd)}\n{p.stderr.strip()}")
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"no JSON from {shlex.join(cmd)}: {e}\nstdout: {p.stdout[:500]}") from e


# Every timing of a field covers at least this much data (best of more repeats on small
# fields, for every compressor alike): a 128 KB Nyx field decodes in 0.2-1 ms, where the
# best of 3 timings still varied 1.5x between runs (2026-11-22).
TIMED_BYTES_MIN = 8 << 20
TIMED_REPEAT_MAX = 200


def repeats_for(n_bytes: int, repeat: int, quick: bool) -> int:
    """Timings of a field: `repeat`, raised until they cover TIMED_BYTES_MIN (at most
    TIMED_REPEAT_MAX); `repeat` as given with --quick."""
    if quick:
        return repeat
    return max(repeat, min(TIMED_REPEAT_MAX, -(-TIMED_BYTES_MIN // max(n_bytes, 1))))


def plume_roundtrip(plume: Path, f: Field, eb: float, encoding: str, threads: int, repeat: int, tmp: Path):
    stream = tmp / f"{f.name}.{encoding}.t{threads}.plume"
    back = tmp / f"{f.name}.{encoding}.t{threads}.out"
    c = run_json([
        str(plume), "compress", str(f.path), str(stream),
        "--dims", ",".join(map(str, f.dims)), "--dtype", f.dtype,
        "--mode", "abs", "--bound", repr(float(eb)), "--encoding", encoding,
        "--threads", str(threads), "--repeat", str(repeat), "--json",
    ])
    d = run_json([
        str(plume), "decompress", str(stream), str(back),
        "--threads", str(threads), "--repeat", str(repeat), "--json",
    ])
    decoded = np.fromfile(back, dtype=f.np_dtype)
    n_bytes = f.n_bytes
    if c.get("abs_bound") is not None and c["abs_bound"] != float(eb):
        print(f"warning: plume reports abs_bound {c['abs_bound']!r}, asked {eb!r}", file=sys.stderr)
    out = {
        "compressed_bytes": int(c["compressed_bytes"]),
        "compress_s": float(c["seconds"]),
        "decompress_s": float(d["seconds"]),
        "n_outliers": c.get("n_outliers"),
        "decoded": decoded,
    }
    stream.unlink(missing_ok=True)
    back.unlink(missing_ok=True)
    assert int(c["original_bytes"]) == n_bytes, (c["original_bytes"], n_bytes)
    return out


def sz3_roundtrip(a: np.ndarray, eb: float, repeat: int):
    import h5py
    import hdf5plugin

    # In-memory file, chunk cache off: every write runs the filter, every read decodes.
    with tempfile.NamedTemporaryFile(suffix=".h5") as tf:
        with h5py.File(tf.name, "w", driver="core", backing_store=False, rdcc_nbytes=0) as h:
            filt = hdf5plugin.SZ3(absolute=float(eb))
            best_w, size, dset = math.inf, None, None
            for i in range(max(1, repeat)):
                dset = h.create_dataset(f"d{i}", shape=a.shape, dtype=a.dtype, chunks=a.shape, **filt)
                t0 = time.perf_counter()
                dset.write_direct(a)
                best_w = min(best_w, time.perf_counter() - t0)
                s = dset.id.get_storage_size()
                if size is not None and s != size:
                    print(f"warning: SZ3 storage size differs between repeats ({size} vs {s})", file=sys.stderr)
                size = s
            out = np.empty_like(a)
            _, best_r = best_of(repeat, lambda: dset.read_direct(out))
    return {"compressed_bytes": int(size), "compress_s": best_w, "decompress_s": best_r, "n_outliers": None, "decoded": out}


def zfp_roundtrip(a: np.ndarray, eb: float, repeat: int):
    import zfpy

    comp, tc = best_of(repeat, lambda: zfpy.compress_numpy(a, tolerance=float(eb)))
    back, td = best_of(repeat, lambda: zfpy.decompress_numpy(comp))
    return {"compressed_bytes": len(comp), "compress_s": tc, "decompress_s": td, "n_outliers": None, "decoded": back}


# ---------------------------------------------------------------------------------------
# reporting helpers


def geomean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x) and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.{digits}g}"
    if ax >= 100:
        return f"{x:.1f}"
    return f"{x:.{digits}g}"


def machine_info(plume: Path) -> dict:
    info = {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpu": "?",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import h5py
        import hdf5plugin
        import zfpy

        info["h5py"] = h5py.__version__
        info["hdf5"] = h5py.version.hdf5_version
        info["hdf5plugin"] = hdf5plugin.version
        info["zfpy"] = getattr(zfpy, "__version__", "?")
    except Exception as e:  # noqa: BLE001
        info["libs"] = f"unavailable: {e}"
    info["numpy"] = np.__version__
    try:
        info["plume"] = subprocess.run([str(plume), "--version"], capture_output=True, text=True).stdout.strip()
        built = _dt.datetime.fromtimestamp(plume.stat().st_mtime).isoformat(timespec="seconds")
        info["plume"] += f" ({plume}, built {built})"
    except OSError:
        info["plume"] = "?"
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        info["git"] = rev + ("+dirty" if dirty else "") + " (the tree now; the binary may be older, see plume)"
    except OSError:
        info["git"] = "?"
    return info


def cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of all CPUs busy (any process) over `seconds`, from /proc/stat; NaN if unknown.
    (The load average is useless here: this VM's idle baseline is about 1.)"""
    def snap():
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)
    try:
        t0, i0 = snap()
        time.sleep(seconds)
        t1, i1 = snap()
    except OSError:
        return math.nan
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_quiet(max_wait: float, threshold: float = 0.1):
    """Waits (up to max_wait s) until the CPUs are idle (busy < threshold over 10 s)."""
    t0 = time.time()
    while True:
        busy = cpu_busy(10.0)
        if busy < threshold or time.time() - t0 >= max_wait:
            return busy
        print(f"CPUs {100 * busy:.0f}% busy: waiting for a quiet machine...", file=sys.stderr)


# ---------------------------------------------------------------------------------------
# main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plume", type=Path, default=REPO / "target" / "release" / "plume", help="plume CLI (default: target/release/plume)")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="real fields (default: ../shared/data from the repo root)")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="output folder (default: core/benches/results)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 fields, bound 1e-3, 64^3 synth, repeat 1")
    ap.add_argument("--synth-dims", default=None, help="synthetic field dims (default 256,256,256; 64,64,64 with --quick; 'none' to skip)")
    ap.add_argument("--seed", type=int, default=1, help="plume synth seed")
    ap.add_argument("--bounds", default=None, help="value-range-relative bounds (default 1e-2,1e-3,1e-4)")
    ap.add_argument("--repeat", type=int, default=None, help="best of N timings (default 3; 1 with --quick)")
    ap.add_argument("--threads", default=None, help="extra Plume thread counts on the synthetic field (default: 2 and all cores)")
    ap.add_argument("--fields", default=None, help="comma-separated substrings/globs of field names to keep")
    ap.add_argument("--include-f64", action="store_true", help="also run the f64 files (all compressors; excluded from the summary)")
    ap.add_argument("--passes", type=int, default=1, help="run the whole matrix N times, keep each row's best times (a shared machine's quiet moments)")
    ap.add_argument("--tag", default=None, help="machine tag in the CSV name (default: hostname)")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="S", help="wait up to S seconds for idle CPUs (< 10%% busy over 10 s) before starting")
    args = ap.parse_args()

    repeat = args.repeat or (1 if args.quick else 3)
    bounds = [float(b) for b in (args.bounds or ("1e-3" if args.quick else "1e-2,1e-3,1e-4")).split(",")]
    synth_dims = args.synth_dims or ("64,64,64" if args.quick else "256,256,256")
    only = args.fields.split(",") if args.fields else (["wmag91", "nyx32_baryon", "999x999"] if args.quick else None)
    ncores = os.cpu_count() or 1
    if args.threads:
        extra_threads = sorted({int(t) for t in args.threads.split(",") if int(t) > 1})
    else:
        extra_threads = sorted({t for t in (2, ncores) if t > 1})
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", args.tag or socket.gethostname())
    suffix = "_quick" if args.quick else ""

    if Path("sz3.config").exists():
        raise SystemExit("./sz3.config exists: hdf5plugin's SZ3 filter would read it instead of its defaults; run elsewhere")
    plume = args.plume.resolve()
    if not plume.is_file():
        raise SystemExit(f"plume CLI not found at {plume}: cargo build --release -p plume-core --bin plume -j1")
    if not args.data.is_dir():
        raise SystemExit(f"data folder not found: {args.data}")
    args.out.mkdir(parents=True, exist_ok=True)

    busy_start = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else cpu_busy(2.0)
    if busy_start > 0.2:
        print(f"WARNING: CPUs {100 * busy_start:.0f}% busy before the run: timings will be noisy", file=sys.stderr)

    info = machine_info(plume)
    info["command"] = shlex.join([sys.executable, *sys.argv])
    info["cpu_busy_before"] = f"{100 * busy_start:.0f}%"
    info["passes"] = args.passes
    info["nice"] = os.nice(0)

    tmp = Path(tempfile.mkdtemp(prefix="plume_sbs_", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    rows: list[dict] = []
    violations: list[str] = []
    plume_violations = 0
    try:
        fields = discover_fields(args.data, args.include_f64, only)
        if synth_dims.lower() != "none":
            dims = tuple(int(x) for x in synth_dims.split(","))
            p = tmp / ("synth_" + "x".join(map(str, dims)) + ".f32")
            print(f"generating the synthetic field {dims} ...", file=sys.stderr)
            run_json([str(plume), "synth", str(p), "--dims", ",".join(map(str, dims)), "--seed", str(args.seed), "--json"])
            fields.append(Field(p.stem, p, dims, "f32", synthetic=True))
        if not fields:
            raise SystemExit("no fields selected")

        t_start = time.time()
        best: dict = {}
        for pass_no in range(args.passes):
            if args.passes > 1:
                print(f"--- pass {pass_no + 1} of {args.passes}", file=sys.stderr)
            for f in fields:
                a = f.load()
                lo, hi = value_range(a)
                rng = hi - lo
                in_summary = f.dtype == "f32" and f.n_bytes >= SUMMARY_MIN_BYTES
                field_repeat = repeats_for(f.n_bytes, repeat, args.quick)
                for rel in bounds:
                    eb = rel * rng
                    busy = cpu_busy(0.5)  # other work on the machine just before this group
                    if busy > BUSY_LIMIT and args.wait_quiet > 0:
                        busy = wait_quiet(min(args.wait_quiet, 300.0))
                    runs = [("plume-fast", 1), ("plume-ratio", 1), ("sz3", 1), ("zfp", 1)]
                    if f.synthetic:
                        runs += [(c, t) for t in extra_threads for c in ("plume-fast", "plume-ratio")]
                    elif in_summary:
                        runs.append(("plume-ratio", 2))  # issue 3's 2-thread target, every field
                    for comp, threads in runs:
                        if comp.startswith("plume"):
                            r = plume_roundtrip(plume, f, eb, comp.split("-")[1], threads, field_repeat, tmp)
                        elif comp == "sz3":
                            r = sz3_roundtrip(a, eb, field_repeat)
                        else:
                            r = zfp_roundtrip(a, eb, field_repeat)
                        # verify before anything is reported
                        q = check(a, r.pop("decoded"), eb, rng)
                        if not q["bound_ok"]:
                            msg = (f"BOUND VIOLATION: {comp} (threads {threads}) on {f.name} at rel {rel:g}: "
                                   f"max |x - x'| = {q['max_err']!r} > eb = {eb!r} ({q['max_err_over_eb']:.6f} x eb)")
                            print("\n" + "!" * 100 + "\n!!! " + msg + "\n" + "!" * 100 + "\n", file=sys.stderr)
                            violations.append(msg)
                            if comp.startswith("plume"):
                                plume_violations += 1
                        row = {
                            "tag": tag,
                            "field": f.name,
                            "dims": "x".join(map(str, f.dims)),
                            "dtype": f.dtype,
                            "synthetic": f.synthetic,
                            "original_bytes": f.n_bytes,
                            "in_summary": in_summary,
                            "rel_bound": rel,
                            "abs_bound": eb,
                            "compressor": comp,
                            "threads": threads,
                            "compressed_bytes": r["compressed_bytes"],
                            "ratio": f.n_bytes / r["compressed_bytes"],
                            "bits_per_value": 8.0 * r["compressed_bytes"] / a.size,
                            "max_err": q["max_err"],
                            "max_err_over_eb": q["max_err_over_eb"],
                            "bound_ok": q["bound_ok"],
                            "psnr_db": q["psnr_db"],
                            "compress_mb_s": f.n_bytes / 1e6 / r["compress_s"],
                            "decompress_mb_s": f.n_bytes / 1e6 / r["decompress_s"],
                            "compress_s": r["compress_s"],
                            "decompress_s": r["decompress_s"],
                            "n_outliers": r["n_outliers"] if r["n_outliers"] is not None else "",
                            "busy_before": round(busy, 2),
                        }
                        key = (f.name, rel, comp, threads)
                        if key in best:  # a later pass: keep the best times (sizes and errors are the same)
                            old = best[key]
                            if (old["compressed_bytes"], old["max_err"]) != (row["compressed_bytes"], row["max_err"]):
                                print(f"warning: {key}: size or error differs between passes", file=sys.stderr)
                            for k in ("compress_s", "decompress_s"):
                                old[k] = min(old[k], row[k])
                            old["compress_mb_s"] = f.n_bytes / 1e6 / old["compress_s"]
                            old["decompress_mb_s"] = f.n_bytes / 1e6 / old["decompress_s"]
                            old["busy_before"] = min(old["busy_before"], row["busy_before"])
                            old["bound_ok"] = old["bound_ok"] and row["bound_ok"]
                        else:
                            best[key] = row
                            rows.append(row)
                        print(f"{f.name:34s} rel {rel:7.0e} {comp:11s} t{threads}  ratio {row['ratio']:8.2f}  "
                              f"err/eb {row['max_err_over_eb']:.4f}{'' if q['bound_ok'] else ' VIOLATION'}  "
                              f"PSNR {row['psnr_db']:6.2f}  C {row['compress_mb_s']:8.1f} MB/s  "
                              f"D {row['decompress_mb_s']:8.1f} MB/s", file=sys.stderr, flush=True)
                f.data = None
        info["seconds"] = round(time.time() - t_start, 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info["cpu_busy_after"] = f"{100 * cpu_busy(2.0):.0f}%"

    csv_path = args.out / f"side_by_side{suffix}_{tag}.csv"
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})

    summary = summarize(rows, bounds, extra_threads)
    md_path = args.out / f"side_by_side{suffix}.md"
    png_path = args.out / f"rate_distortion{suffix}.png"
    plot(rows, png_path)
    md_path.write_text(markdown(rows, summary, info, bounds, csv_path, png_path, violations, repeat))
    print(summary["text"], file=sys.stderr)
    print(f"wrote {csv_path}\nwrote {md_path}\nwrote {png_path}", file=sys.stderr)
    if violations:
        print(f"\n{len(violations)} BOUND VIOLATION(S):\n  " + "\n  ".join(violations), file=sys.stderr)
    if plume_violations:
        sys.exit(1)


# ---------------------------------------------------------------------------------------
# summary


def index(rows):
    return {(r["field"], r["rel_bound"], r["compressor"], r["threads"]): r for r in rows}


def summarize(rows, bounds, extra_threads):
    ix = index(rows)
    fields = sorted({r["field"] for r in rows if r["in_summary"]})
    real = [f for f in fields if not any(r["synthetic"] for r in rows if r["field"] == f)]
    large = [f for f in fields if any(r["original_bytes"] >= LARGE_MIN_BYTES for r in rows if r["field"] == f)]
    out = {"geo": {}, "per_bound": {}, "speedup": {}, "fields": fields, "real": real, "large": large}

    def ratios(enc, metric, flds, bnds, ref="sz3", threads=1):
        vals = []
        for fl in flds:
            for b in bnds:
                p, s = ix.get((fl, b, f"plume-{enc}", threads)), ix.get((fl, b, ref, 1))
                if p and s:
                    key = {"ratio": "ratio", "compress": "compress_mb_s", "decompress": "decompress_mb_s"}[metric]
                    vals.append(p[key] / s[key])
        return geomean(vals), len(vals)

    for enc in ("fast", "ratio"):
        for metric in ("ratio", "compress", "decompress"):
            out["geo"][(enc, metric)] = ratios(enc, metric, fields, bounds)[0]
            out["geo"][(enc, metric, "real")] = ratios(enc, metric, real, bounds)[0]
            out["geo"][(enc, metric, "large")] = ratios(enc, metric, large, bounds)[0]
            out["geo"][(enc, metric, "zfp")] = ratios(enc, metric, fields, bounds, ref="zfp")[0]
            for b in bounds:
                out["per_bound"][(enc, metric, b)] = ratios(enc, metric, fields, [b])[0]
    out["ratio_targets"] = []
    for (metric, threads), tgt in RATIO_TARGETS.items():
        v, n = ratios("ratio", metric, fields, bounds, threads=threads)
        vl, _ = ratios("ratio", metric, large, bounds, threads=threads)
        out["ratio_targets"].append((metric, threads, tgt, v, n, vl))
    # every (field, bound) where `ratio` on one thread is below SZ3 in ratio or speed
    out["losses"] = []
    for fl in fields:
        for b in bounds:
            p, s = ix.get((fl, b, "plume-ratio", 1)), ix.get((fl, b, "sz3", 1))
            if p and s:
                x = {k: p[k] / s[k] for k in ("ratio", "compress_mb_s", "decompress_mb_s")}
                if min(x.values()) < 1.0:
                    out["losses"].append((fl, b, x))
    synth = sorted({r["field"] for r in rows if r["synthetic"]})
    if synth:
        s = synth[0]
        for enc in ("fast", "ratio"):
            for t in extra_threads:
                for metric, key in (("compress", "compress_mb_s"), ("decompress", "decompress_mb_s")):
                    vals = []
                    for b in bounds:
                        one, many = ix.get((s, b, f"plume-{enc}", 1)), ix.get((s, b, f"plume-{enc}", t))
                        if one and many:
                            vals.append(many[key] / one[key])
                            out["speedup"][(enc, t, metric, b)] = many[key] / one[key]
                    out["speedup"][(enc, t, metric)] = geomean(vals)
        out["synth"] = s
    # absolute geo-means per compressor per bound (real fields in the summary set)
    out["abs"] = {}
    for comp in COMPRESSORS:
        for b in bounds:
            sel = [ix.get((fl, b, comp, 1)) for fl in real]
            sel = [r for r in sel if r]
            out["abs"][(comp, b)] = tuple(geomean([r[k] for r in sel]) for k in ("ratio", "compress_mb_s", "decompress_mb_s"))

    # Cross-check against data/README.md's SZ3 3.3 figures (another run, same definition:
    # geo-mean over the real f32 fields >= 128 KB). geo-mean(p / s) over one field set is
    # geo-mean(p) / geo-mean(s), so this is the same statistic with SZ3 3.3 as reference.
    out["vs_readme"] = {}
    for enc in ("fast", "ratio"):
        for i, metric in enumerate(("ratio", "compress", "decompress")):
            per = {}
            for b in bounds:
                ref = README_REFERENCE.get(b, {}).get("sz3")
                if ref:
                    per[b] = out["abs"][(f"plume-{enc}", b)][i] / ref[i]
            out["vs_readme"][(enc, metric)] = (geomean(per.values()), per)

    lines = ["", "TARGETS (geo-mean of Plume / SZ3 over fields >= 128 KB x bounds, single thread):"]
    out["verdicts"] = []
    for (enc, metric), tgt in TARGETS.items():
        v = out["geo"][(enc, metric)]
        vl = out["geo"][(enc, metric, "large")]
        out["verdicts"].append((f"{enc} {metric} vs SZ3", v, tgt, v >= tgt, vl, vl >= tgt))
    synth_busy = [r["busy_before"] for r in rows if r["synthetic"]]
    out["synth_busy"] = max(synth_busy) if synth_busy else math.nan
    scaling_valid = bool(synth_busy) and out["synth_busy"] <= BUSY_LIMIT
    for enc in ("fast", "ratio"):
        for metric in ("compress", "decompress"):
            v = out["speedup"].get((enc, 2, metric), math.nan)
            # None = not measurable: other processes kept the CPUs busy
            ok = (v >= SPEEDUP_TARGET) if scaling_valid else None
            out["verdicts"].append((f"{enc} {metric} 2 threads / 1 thread ({out.get('synth', 'synth')})", v, SPEEDUP_TARGET, ok, None, None))
    lines.append(f"  {'':52s} {'>= 128 KB':>10s}          {'>= 1 MB':>10s}")
    for name, v, tgt, ok, vl, okl in out["verdicts"]:
        large_txt = "" if vl is None else f"{fmt(vl):>9s}x {'PASS' if okl else 'FALL SHORT'}"
        word = "NOT MEASURABLE (CPUs busy)" if ok is None else ("PASS" if ok else "FALL SHORT")
        lines.append(f"  {name:52s} {fmt(v):>9s}x {word:10s} {large_txt:22s} (target >= {tgt}x)")
    lines.append(f"  (fast ratio vs SZ3, no target: {fmt(out['geo'][('fast', 'ratio')])}x)")
    lines.append("ISSUE 3 TARGETS (ratio encoding, Plume on N threads / SZ3 on one):")
    for metric, threads, tgt, v, n, vl in out["ratio_targets"]:
        lines.append(f"  {metric:10s} {threads} thread(s) {fmt(v):>9s}x {'PASS' if v >= tgt else 'FALL SHORT':10s} "
                     f"(>= 1 MB: {fmt(vl)}x; target >= {tgt}x; {n} pairs)")
    if any(not math.isnan(v[0]) for v in out["vs_readme"].values()):
        lines.append("CROSS-CHECK, Plume (this run) / data/README.md's SZ3 3.3 figures (another build and run; real fields >= 128 KB):")
        for (enc, metric), tgt in TARGETS.items():
            v, per = out["vs_readme"][(enc, metric)]
            lines.append(f"  {enc} {metric:10s} {fmt(v):>8s}x ({', '.join(f'{b:g}: {fmt(x)}' for b, x in per.items())})  "
                         f"target >= {tgt}x  {'PASS' if v >= tgt else 'FALL SHORT'}")
    out["text"] = "\n".join(lines)
    return out


def markdown(rows, summary, info, bounds, csv_path, png_path, violations, repeat):
    L = []
    L.append("# Plume vs SZ3 vs ZFP, side by side\n")
    L.append(f"Generated by `core/benches/side_by_side.py` on {info['date']}. Same bytes, same absolute bound "
             f"`eb = rel x (max - min)` for every compressor, single thread unless stated, best of {repeat} timings, "
             f"more on small fields (as many as cover {TIMED_BYTES_MIN >> 20} MiB, at most {TIMED_REPEAT_MAX}: 64 on a 128 KB field) "
             f"(x {info.get('passes', 1)} passes over the whole matrix, each row keeping its best). "
             f"Raw rows: `{csv_path.name}`; plot: `{png_path.name}`.\n")
    L.append("| | |\n|---|---|")
    for k in ("command", "host", "cpu", "cores", "plume", "git", "hdf5plugin", "hdf5", "h5py", "zfpy", "numpy", "python", "passes", "nice", "cpu_busy_before", "cpu_busy_after", "seconds"):
        if k in info:
            v = f"`{info[k]}`" if k == "command" else info[k]
            L.append(f"| {k} | {v} |")
    L.append("")
    if violations:
        L.append("## BOUND VIOLATIONS\n")
        for v in violations:
            L.append(f"- **{v}**")
        L.append("")
    else:
        L.append("Every round trip was checked (max |x - x'| <= eb in float64): **no bound violation**.\n")

    L.append("## Targets\n")
    L.append(f"Geometric mean over {len(summary['fields'])} fields of 128 KB or more "
             f"({', '.join(summary['fields'])}) and the bounds {', '.join(f'{b:g}' for b in bounds)}, "
             "of Plume's figure divided by SZ3's on the same field and bound. Single thread. "
             f"Second view: only the {len(summary['large'])} fields of 1 MB or more ({', '.join(summary['large'])}), "
             "where SZ3's per-call overhead (about 5 ms on a 32^3 field, so 20-60 MB/s there) does not dominate.\n")
    L.append("| target | required | fields >= 128 KB | verdict | fields >= 1 MB | verdict |\n|---|---:|---:|---|---:|---|")
    busy_pct = 100 * summary.get("synth_busy", math.nan)
    verdict = lambda ok: (f"not measurable: other processes kept the CPUs {busy_pct:.0f}% busy"  # noqa: E731
                          if ok is None else "PASS" if ok else "**FALL SHORT**")
    for name, v, tgt, ok, vl, okl in summary["verdicts"]:
        large_cells = "- | -" if vl is None else f"{fmt(vl)}x | {verdict(okl)}"
        L.append(f"| {name} | >= {tgt}x | {fmt(v)}x | {verdict(ok)} | {large_cells} |")
    L.append("")
    L.append("Issue 3's targets for the `ratio` encoding, same fields and bounds: Plume on 1 or 2 threads, SZ3 on one "
             "(a 2-thread figure is only meaningful when the run's `busy` column is low).\n")
    L.append("| metric | Plume threads | required | fields >= 128 KB | verdict | fields >= 1 MB | pairs |\n|---|---:|---:|---:|---|---:|---:|")
    for metric, threads, tgt, v, n, vl in summary["ratio_targets"]:
        ok = "PASS" if v >= tgt else "**FALL SHORT**"
        L.append(f"| {metric} | {threads} | >= {tgt}x | {fmt(v)}x | {ok} | {fmt(vl)}x | {n} |")
    L.append("")
    L.append("Where `ratio` (one thread) is below SZ3 on ratio, compress or decompress speed, per field and bound "
             "(Plume / SZ3; core/benches/README.md, \"Where Plume loses\", says why):\n")
    if summary["losses"]:
        L.append("| field | rel eb | ratio | compress | decompress |\n|---|---:|---:|---:|---:|")
        for fl, b, x in summary["losses"]:
            cells = " | ".join(("**" + fmt(v) + "**") if v < 1.0 else fmt(v) for v in x.values())
            L.append(f"| {fl} | {b:g} | {cells} |")
    else:
        L.append("None.")
    L.append("")
    L.append("All Plume / SZ3 geo-means (and the same over the real fields only, and Plume / ZFP):\n")
    hdr = "| encoding | metric | fields >= 128 KB | " + " | ".join(f"rel {b:g}" for b in bounds) + " | fields >= 1 MB | real fields only | vs ZFP |"
    L.append(hdr)
    L.append("|---|---|---:|" + "---:|" * len(bounds) + "---:|---:|---:|")
    for enc in ("fast", "ratio"):
        for metric in ("ratio", "compress", "decompress"):
            g = summary["geo"]
            per = " | ".join(fmt(summary["per_bound"][(enc, metric, b)]) for b in bounds)
            L.append(f"| {enc} | {metric} | {fmt(g[(enc, metric)])} | {per} | {fmt(g[(enc, metric, 'large')])} | {fmt(g[(enc, metric, 'real')])} | {fmt(g[(enc, metric, 'zfp')])} |")
    L.append("")
    if summary.get("synth"):
        L.append(f"Thread scaling of Plume on `{summary['synth']}` (MB/s with N threads / MB/s with 1):\n")
        ts = sorted({k[1] for k in summary["speedup"] if len(k) == 3})
        L.append("| encoding | threads | compress (geo-mean) | decompress (geo-mean) | " + " | ".join(f"C/D rel {b:g}" for b in bounds) + " |")
        L.append("|---|---:|---:|---:|" + "---|" * len(bounds))
        for enc in ("fast", "ratio"):
            for t in ts:
                sp = summary["speedup"]
                per = " | ".join(f"{fmt(sp.get((enc, t, 'compress', b)))} / {fmt(sp.get((enc, t, 'decompress', b)))}" for b in bounds)
                L.append(f"| {enc} | {t} | {fmt(sp[(enc, t, 'compress')])} | {fmt(sp[(enc, t, 'decompress')])} | {per} |")
        L.append("")
    if any(not math.isnan(v[0]) for v in summary["vs_readme"].values()):
        L.append("Cross-check against the SZ3 3.3 figures of data/README.md (same statistic: geo-mean over the real f32 "
                 "fields of 128 KB or more; but SZ3 3.3 was measured in another run and build, on a quiet machine, so this is "
                 "indicative only, and meaningless if this run's `busy` column is high):\n")
        L.append("| target | required | Plume (this run) / README SZ3 3.3 | " + " | ".join(f"rel {b:g}" for b in bounds) + " | verdict |")
        L.append("|---|---:|---:|" + "---:|" * len(bounds) + "---|")
        for (enc, metric), tgt in TARGETS.items():
            v, per = summary["vs_readme"][(enc, metric)]
            cells = " | ".join(fmt(per.get(b)) for b in bounds)
            L.append(f"| {enc} {metric} | >= {tgt}x | {fmt(v)}x | {cells} | {'PASS' if v >= tgt else '**FALL SHORT**'} |")
        L.append("")
    L.append("Absolute geo-means over the real f32 fields of 128 KB or more: ratio, compress / decompress MB/s. "
             "The last two columns are data/README.md's reference figures (SZ3 3.3 and ZFP 1.0, measured elsewhere, "
             "NOT this run): a large gap means this run's SZ3 build (hdf5plugin's) differs from the reference one.\n")
    L.append("| rel eb | " + " | ".join(COMPRESSORS) + " | README: SZ3 3.3 | README: ZFP |")
    L.append("|---|" + "---|" * (len(COMPRESSORS) + 2))
    for b in bounds:
        cells = []
        for c in COMPRESSORS:
            r, cm, dm = summary["abs"][(c, b)]
            cells.append(f"{fmt(r)}, {fmt(cm)} / {fmt(dm)}")
        ref = README_REFERENCE.get(b, {})
        for c in ("sz3", "zfp"):
            cells.append(f"{ref[c][0]}, {ref[c][1]} / {ref[c][2]}" if c in ref else "-")
        L.append(f"| {b:g} | " + " | ".join(cells) + " |")
    L.append("")

    L.append("## Every run\n")
    L.append("C, D: compress and decompress MB/s (original bytes / 10^6 / best time). err/eb: max |x - x'| / eb. "
             "`*`: below 128 KB or f64, not in the summary.\n")
    L.append("| field | rel eb | compressor | thr | ratio | bits/value | err/eb | PSNR dB | C MB/s | D MB/s | outliers | busy |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        bad = "" if r["bound_ok"] else " **VIOLATION**"
        name = r["field"] + ("" if r["in_summary"] else " `*`")
        L.append(f"| {name} ({r['dims']}) | {r['rel_bound']:g} | {r['compressor']} | {r['threads']} | {fmt(r['ratio'])} | "
                 f"{fmt(r['bits_per_value'])} | {r['max_err_over_eb']:.4f}{bad} | {fmt(r['psnr_db'])} | "
                 f"{fmt(r['compress_mb_s'])} | {fmt(r['decompress_mb_s'])} | {r['n_outliers']} | {100 * r['busy_before']:.0f}% |")
    L.append("")
    L.append("Notes: Plume is timed in-process by the CLI (`--repeat`, no file I/O); SZ3 is timed around h5py's "
             "`write_direct`/`read_direct` (H5Dwrite/H5Dread of one whole-field chunk in an in-memory file with the "
             "chunk cache off, so it includes a little HDF5 overhead); ZFP around `zfpy.compress_numpy`/`decompress_numpy`. "
             "hdf5plugin's SZ3/ZFP are built for baseline x86-64 (+SSE2), like Plume's default release build. "
             "hdf5plugin embeds an older SZ3 than the README's 3.3 (its symbols are in namespace `SZ`, pre-3.2), "
             "whose fixed per-call cost makes it slow on the 32^3 Nyx fields; see the >= 1 MB view. "
             "`busy`: share of all CPUs busy during the 0.5 s just before the row's (field, bound) group "
             "(the machine is shared: timings of rows with high figures are suspect).\n")
    return "\n".join(L)


def plot(rows, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    one = [r for r in rows if r["threads"] == 1]
    fields = []
    for r in one:
        if r["field"] not in fields:
            fields.append(r["field"])
    summ = [f for f in fields if any(r["in_summary"] for r in one if r["field"] == f)]
    panels = fields + (["fields >= 128 KB: geo-mean bits, mean PSNR"] if len(summ) > 1 else [])
    ncol = min(4, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    style = {"plume-fast": ("tab:orange", "o"), "plume-ratio": ("tab:red", "s"), "sz3": ("tab:blue", "^"), "zfp": ("tab:green", "v")}
    for ax, name in zip(axes.flat, panels):
        for comp in COMPRESSORS:
            if name in fields:
                pts = sorted(((r["bits_per_value"], r["psnr_db"]) for r in one if r["field"] == name and r["compressor"] == comp))
            else:
                bnds = sorted({r["rel_bound"] for r in one})
                pts = []
                for b in bnds:
                    sel = [r for r in one if r["field"] in summ and r["rel_bound"] == b and r["compressor"] == comp]
                    if sel:
                        pts.append((geomean([r["bits_per_value"] for r in sel]), float(np.mean([r["psnr_db"] for r in sel]))))
                pts.sort()
            pts = [(x, y) for x, y in pts if math.isfinite(y)]
            if pts:
                c, m = style[comp]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=c, marker=m, label=comp)
        dims = next((r["dims"] for r in one if r["field"] == name), "")
        ax.set_title(f"{name} {dims}".strip(), fontsize=9)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("bits per value")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    bnds = ", ".join(f"{b:g}" for b in sorted({r["rel_bound"] for r in one}, reverse=True))
    fig.suptitle(f"PSNR vs bits per value, same absolute bound eb = rel x range for all (rel = {bnds}), 1 thread", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
