#!/usr/bin/env python3
"""Reads in-situ snapshots with h5py through Plume's dynamically loaded HDF5 filter
(HDF5_PLUGIN_PATH must name the directory of libh5plume.so) and checks them.

usage: check_snapshot.py REF_DIR RUN_DIR [RUN_DIR...]

REF_DIR holds ref_<name>.f32/.f64 (the global fields, C order) as `insitu_jet --ref`
writes them. For every run directory: every catalog line names an existing snapshot; every
field read back equals the reference within its effective bound; T_fortran equals T; the
attributes are present. Across run directories the labels are identical.
"""
import json
import os
import sys

import h5py
import numpy as np


def within(ref, got, mode, bound):
    ref = ref.astype(np.float64)
    got = got.astype(np.float64)
    err = np.abs(ref - got)
    if mode == "pw_rel":
        ok = err <= bound * np.abs(ref) * (1 + 1e-12)
    else:
        ok = err <= bound * (1 + 1e-12) + 1e-300
    return bool(ok.all()), float(err.max())


def main():
    ref_dir, runs = sys.argv[1], sys.argv[2:]
    labels = {}
    for run in runs:
        with open(os.path.join(run, "catalog.jsonl")) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        assert lines, f"{run}: empty catalog"
        for entry in lines:
            path = entry["path"]
            with h5py.File(path, "r") as h:
                for key in ("step", "time", "plume_version", "config", "n_ranks"):
                    assert key in h.attrs, f"{path}: no attribute {key}"
                assert h.attrs["step"] == entry["step"]
                for fr in entry["fields"]:
                    name = fr["name"]
                    ds = h[name]
                    refname = "T" if name.startswith("T") else name
                    ext = "f64" if refname == "T" else "f32"
                    ref = np.fromfile(os.path.join(ref_dir, f"ref_{refname}.{ext}"),
                                      dtype=np.float64 if ext == "f64" else np.float32)
                    got = ds[...]
                    ref = ref.reshape(got.shape)
                    mode, bound = fr["effective_mode"], fr["effective_bound"]
                    ok, maxerr = within(ref, got, mode, bound)
                    assert ok, f"{path}:{name}: max error {maxerr} over {mode} {bound}"
                    for a in ("mode", "error_bound", "ratio", "psnr_db", "max_abs_error"):
                        assert a in ds.attrs, f"{path}:{name}: no attribute {a}"
                    print(f"{path}:{name} shape {got.shape} ratio {ds.attrs['ratio']:.2f} "
                          f"max err {maxerr:.3e} <= {mode} {bound:.3e}")
                if "T" in h and "T_fortran" in h:
                    assert np.array_equal(h["T"][...], h["T_fortran"][...]), f"{path}: T_fortran != T"
                if "labels" in h:
                    lab = h["labels"][...]
                    assert lab.max() <= 4
                    labels.setdefault(entry["step"], []).append((run, lab))
                assert "decomposition" in h
    for step, runs_labels in labels.items():
        run0, lab0 = runs_labels[0]
        for run, lab in runs_labels[1:]:
            assert np.array_equal(lab0, lab), f"step {step}: labels of {run} differ from {run0}"
        counts = np.bincount(lab0.ravel(), minlength=5)
        print(f"step {step}: labels identical over {len(runs_labels)} runs; class counts {counts.tolist()}")
    print("snapshots OK")


if __name__ == "__main__":
    main()
