#!/usr/bin/env python3
"""Compares the in-situ snapshots of one solver run under different rank counts.

usage: check_runs.py [--five-classes] RUN_1RANK RUN_N [RUN_N...]

Needs HDF5_PLUGIN_PATH naming the directory of libh5plume.so. The solvers compute the same
values whatever the decomposition, so for every step and field the snapshots of each run are
within twice the effective bound of the single-rank run's (each within the bound of the same
original), the labels are identical, and every attribute the catalog promises is there.
With --five-classes, the last snapshot's labels must contain all five flame regimes.
"""
import json
import os
import sys

import h5py
import numpy as np


def catalog(run):
    with open(os.path.join(run, "catalog.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    args = sys.argv[1:]
    five = "--five-classes" in args
    runs = [a for a in args if not a.startswith("--")]
    ref = {e["step"]: e for e in catalog(runs[0])}
    assert ref, f"{runs[0]}: no snapshots"
    for run in runs[1:]:
        got = {e["step"]: e for e in catalog(run)}
        assert got.keys() == ref.keys(), f"{run}: steps {sorted(got)} != {sorted(ref)}"
        for step, e in got.items():
            with h5py.File(ref[step]["path"], "r") as a, h5py.File(e["path"], "r") as b:
                for fr in e["fields"]:
                    name = fr["name"]
                    x, y = a[name][...].astype(np.float64), b[name][...].astype(np.float64)
                    err = np.abs(x - y)
                    if fr["effective_mode"] == "pw_rel":
                        tol = 2 * fr["effective_bound"] * np.maximum(np.abs(x), np.abs(y)) * (1 + 1e-9)
                    else:
                        tol = 2 * fr["effective_bound"] * (1 + 1e-9)
                    assert (err <= tol).all(), f"{run} step {step} {name}: differs beyond 2x bound"
                    for key in ("ratio", "psnr_db", "max_abs_error", "mode", "error_bound"):
                        assert key in b[name].attrs
                if "labels" in a:
                    assert np.array_equal(a["labels"][...], b["labels"][...]), f"{run} step {step}: labels differ"
            print(f"{run} step {step}: {len(e['fields'])} fields within bound of the 1-rank run, labels identical")
    last = max(ref)
    with h5py.File(ref[last]["path"], "r") as h:
        if "labels" in h:
            counts = np.bincount(h["labels"][...].ravel(), minlength=5)
            print(f"step {last}: class counts {counts.tolist()} "
                  "(premixed, non-premixed, fuel, air, unburned)")
            if five:
                assert (counts > 0).all(), "not every flame regime is present"
    print("runs OK")


if __name__ == "__main__":
    main()
