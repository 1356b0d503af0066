#!/usr/bin/env python3
"""Plume PW_REL against SZ2 PW_REL (PyPI hdf5plugin's SZ filter, id 32017), same run, same bytes.

For every field and point-wise relative bound p in 1%, 5%, 10%, 20%, 40%: compress and
decompress with both (best of --repeat timings, single thread), verify |x - x'| <= p |x| on
every value in float64 BEFORE reporting (zeros must stay zero, signs kept), and write
core/benches/results/pw_rel_vs_sz2.{csv,md}: ratio, max point-wise error / p, compress and
decompress MB/s, and Plume / SZ2 ratios of each figure (geometric means at the end). Plume
is also timed on --threads threads (default 2; 0: not), against the same single-threaded
SZ2 (the SZ filter has no threads): the in-situ library runs on all of a rank's cores.

Fields: the positive and species-like real fields of ../shared/data and the species of a
`plume synth --case jet-flame` state (Y_H2, Y_O2, Y_H2O: exact zeros and tiny values).

    python3 core/benches/pw_rel_vs_sz2.py [--plume target/release/plume] [--data ../shared/data]
"""

import argparse
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import hdf5plugin
import numpy as np

REPO = Path(__file__).resolve().parents[2]
BOUNDS = [0.01, 0.05, 0.1, 0.2, 0.4]
REAL_FIELDS = [
    ("sperr_wmag91.f32", (91, 91, 91)),
    ("sperr_999x999.f32", (999, 999)),
    ("nyx32_baryon_density.f32", (32, 32, 32)),
    ("nyx32_dark_matter_density.f32", (32, 32, 32)),
    ("nyx32_temperature.f32", (32, 32, 32)),
    ("sz2_testfloat_8_8_128.f32", (8, 8, 128)),
]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def check_pw_rel(x, y, p):
    """Max |x - y| / (p |x|) over nonzero x (float64), and whether zeros and signs held."""
    x = x.astype(np.float64).ravel()
    y = y.astype(np.float64).ravel()
    zero = x == 0
    zeros_ok = bool(np.all(y[zero] == 0))
    nz = ~zero
    signs_ok = bool(np.all(np.sign(x[nz]) == np.sign(y[nz])))
    worst = float(np.max(np.abs(x[nz] - y[nz]) / (p * np.abs(x[nz])))) if nz.any() else 0.0
    return worst, zeros_ok, signs_ok


def plume_run(plume, path, shape, p, repeat, tmp, threads=1):
    dims = ",".join(map(str, shape))
    stream = os.path.join(tmp, "p.plm")
    back = os.path.join(tmp, "p.out")
    c = run_json([plume, "compress", path, stream, "--dims", dims, "--mode", "pw_rel", "--bound", str(p),
                  "--encoding", "ratio", "--threads", str(threads), "--repeat", str(repeat), "--no-verify",
                  "--json"])
    d = run_json([plume, "decompress", stream, back, "--threads", str(threads), "--repeat", str(repeat), "--json"])
    y = np.fromfile(back, dtype="<f4").reshape(shape)
    return c["compressed_bytes"], c["mb_per_s"], d["mb_per_s"], y


def sz2_run(a, p, repeat):
    best_c = best_d = math.inf
    size, y = None, None
    for _ in range(repeat):
        bio = io.BytesIO()
        with h5py.File(bio, "w") as f:
            t = time.perf_counter()
            dset = f.create_dataset("x", data=a, chunks=a.shape, **hdf5plugin.SZ(pointwise_relative=p))
            f.flush()
            best_c = min(best_c, time.perf_counter() - t)
            size = dset.id.get_storage_size()
        with h5py.File(bio, "r") as f:
            t = time.perf_counter()
            y = f["x"][...]
            best_d = min(best_d, time.perf_counter() - t)
    return size, a.nbytes / 1e6 / best_c, a.nbytes / 1e6 / best_d, y


def geo(xs):
    xs = [x for x in xs if x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plume", default=str(REPO / "target/release/plume"))
    ap.add_argument("--data", default=str(REPO.parent / "shared/data"))
    ap.add_argument("--out", default=str(REPO / "core/benches/results"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jet-dims", default="64,96,128")
    ap.add_argument("--threads", type=int, default=2, help="also time Plume on this many threads (0: not)")
    args = ap.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fields = [(name, os.path.join(args.data, name), shape) for name, shape in REAL_FIELDS]
        jet_shape = tuple(int(v) for v in args.jet_dims.split(","))
        subprocess.run([args.plume, "synth", os.path.join(tmp, "jet"), "--dims", args.jet_dims,
                        "--case", "jet-flame"], check=True, capture_output=True)
        for sp in ("YH2", "YO2", "YH2O"):
            fields.append((f"jet_{sp}", os.path.join(tmp, f"jet_{sp}.f32"), jet_shape))
        for name, path, shape in fields:
            a = np.fromfile(path, dtype="<f4").reshape(shape)
            for p in BOUNDS:
                pb, pc, pd, py = plume_run(args.plume, path, shape, p, args.repeat, tmp)
                tc, td = math.nan, math.nan
                if args.threads > 0:
                    tb, tc, td, ty = plume_run(args.plume, path, shape, p, args.repeat, tmp, args.threads)
                    assert tb == pb and np.array_equal(ty, py), f"{name} p={p}: threads changed the stream"
                sb, sc, sd, sy = sz2_run(a, p, args.repeat)
                pw, pz, ps = check_pw_rel(a, py, p)
                sw, sz, ss = check_pw_rel(a, sy, p)
                ok_p = pw <= 1.0 and pz and ps
                ok_s = sw <= 1.0 and sz and ss
                if not ok_p:
                    print(f"!!! PLUME BOUND VIOLATION {name} p={p}: max err/bound {pw}, zeros {pz}, signs {ps}",
                          file=sys.stderr)
                rows.append(dict(field=name, p=p, plume_ratio=a.nbytes / pb, sz2_ratio=a.nbytes / sb,
                                 plume_err_over_p=pw, sz2_err_over_p=sw, plume_ok=ok_p, sz2_ok=ok_s,
                                 plume_comp_mbs=pc, sz2_comp_mbs=sc, plume_decomp_mbs=pd, sz2_decomp_mbs=sd,
                                 plume_comp_mbs_threads=tc, plume_decomp_mbs_threads=td))
                r = rows[-1]
                print(f"{name:32s} p={p:<5} ratio plume {r['plume_ratio']:7.2f} sz2 {r['sz2_ratio']:7.2f}  "
                      f"comp {pc:7.0f}/{sc:7.0f}  decomp {pd:7.0f}/{sd:7.0f} MB/s  ok {ok_p}/{ok_s}")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "pw_rel_vs_sz2.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = ["# Plume PW_REL vs SZ2 PW_REL", "",
             f"Generated by `core/benches/pw_rel_vs_sz2.py` on {time.strftime('%Y-%m-%dT%H:%M:%S')}, "
             f"single thread, best of {args.repeat}, same bytes; every round trip checked "
             "(|x - x'| <= p|x| in float64, zeros exact, signs kept).", "",
             "| field | p | Plume ratio | SZ2 ratio | ratio x | Plume err/p | SZ2 err/p | comp x | decomp x |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    def x(v):  # Plume / SZ2, in bold where Plume is behind
        return f"**{v:.2f}**" if v < 1.0 else f"{v:.2f}"

    for r in rows:
        lines.append(f"| {r['field']} | {r['p']} | {r['plume_ratio']:.2f} | {r['sz2_ratio']:.2f} | "
                     f"{x(r['plume_ratio'] / r['sz2_ratio'])} | {r['plume_err_over_p']:.3f} | "
                     f"{r['sz2_err_over_p']:.3f}{'' if r['sz2_ok'] else ' (violated)'} | "
                     f"{x(r['plume_comp_mbs'] / r['sz2_comp_mbs'])} | {x(r['plume_decomp_mbs'] / r['sz2_decomp_mbs'])} |")
    lines += ["", "Bold: Plume behind SZ2 on that field and bound; core/benches/README.md (\"Where Plume loses\") "
              "says why."]
    lines += ["", "Geometric means of Plume / SZ2 per bound (targets: ratio >= 1.2x at every p, speed >= 2x); "
              f"the last two columns time Plume on {args.threads} threads against the same single-threaded SZ2:",
              "", f"| p | ratio | compress | decompress | compress, {args.threads} threads | "
              f"decompress, {args.threads} threads |", "|---:|---:|---:|---:|---:|---:|"]
    for p in BOUNDS:
        rs = [r for r in rows if r["p"] == p]
        lines.append(f"| {p} | {geo([r['plume_ratio'] / r['sz2_ratio'] for r in rs]):.2f} | "
                     f"{geo([r['plume_comp_mbs'] / r['sz2_comp_mbs'] for r in rs]):.2f} | "
                     f"{geo([r['plume_decomp_mbs'] / r['sz2_decomp_mbs'] for r in rs]):.2f} | "
                     f"{geo([r['plume_comp_mbs_threads'] / r['sz2_comp_mbs'] for r in rs]):.2f} | "
                     f"{geo([r['plume_decomp_mbs_threads'] / r['sz2_decomp_mbs'] for r in rs]):.2f} |")
    n_bad = sum(not r["plume_ok"] for r in rows)
    lines += ["", f"Plume bound violations: {n_bad}. SZ2 bound violations: {sum(not r['sz2_ok'] for r in rows)}."]
    with open(os.path.join(args.out, "pw_rel_vs_sz2.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[-12:]))
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
