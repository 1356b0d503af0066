#!/usr/bin/env python3
"""How small can a lossless label stream get? Empirical conditional entropies of a label map.

For a jet-flame state (`plume synth --case jet-flame`) this prints, in bits per cell:
- the entropy of each label given the neighbours format 6's label coder conditions on
  (A, B, C, D, F of FORMAT.md section 6: the floor of any coder with that context, learning
  cost left out), and given ten causal neighbours (those five, the diagonals (y-1, z+1) and
  (x-1, z+1), and the cells two back on each axis: what a wider context could reach);
- the entropy of each label given the label recomputed from the decompressed features (at
  PW_REL --bound) and the neighbours: what a coder that decodes the features first, runs the
  labeler on them and codes only the difference could reach.
Each figure is also given as the label stream's share of the four features' compressed
bytes. The map is the one `cargo bench --bench label` codes (y stretched as there), so its
first figure compares with that bench's bits per cell. Static entropies over the whole map;
a real adaptive coder pays a little more.

    python3 core/benches/label_entropy.py [--plume target/release/plume] [--dims 256,192,64]
"""

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
FIELDS = ("YH2", "YO2", "YH2O", "Z")


def shifted(a, offsets):
    """The neighbour at `index - offsets` of every cell (5 where it falls outside)."""
    out = np.full_like(a, 5)
    dst, src = [], []
    for k in offsets:
        if k > 0:
            dst.append(slice(k, None))
            src.append(slice(0, -k))
        elif k < 0:
            dst.append(slice(0, k))
            src.append(slice(-k, None))
        else:
            dst.append(slice(None))
            src.append(slice(None))
    out[tuple(dst)] = a[tuple(src)]
    return out


def conditional_entropy(labels, context):
    """H(label | context) in bits per cell, from the joint and context counts."""
    _, joint = np.unique(context * 6 + labels, return_counts=True)
    _, ctx = np.unique(context, return_counts=True)
    return float((ctx * np.log2(ctx)).sum() - (joint * np.log2(joint)).sum()) / labels.size


def combine(*parts):
    key = np.zeros_like(parts[0])
    for p in parts:
        key = key * 6 + p
    return key


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plume", default=str(REPO / "target/release/plume"))
    ap.add_argument("--dims", default="256,192,64")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--bound", default="0.01", help="PW_REL bound of the features")
    args = ap.parse_args()
    shape = tuple(int(d) for d in args.dims.split(","))

    def plume(*cmd):
        subprocess.run([args.plume, *cmd], check=True, capture_output=True)

    with tempfile.TemporaryDirectory() as tmp:
        t = lambda name: os.path.join(tmp, name)  # noqa: E731
        plume("synth", t("jet"), "--case", "jet-flame", "--dims", args.dims, "--seed", args.seed)
        feature_bytes = 0
        for f in FIELDS:
            plume("compress", t(f"jet_{f}.f32"), t(f"{f}.plm"), "--dims", args.dims, "--mode", "pw_rel",
                  "--bound", args.bound, "--encoding", "ratio")
            plume("decompress", t(f"{f}.plm"), t(f"lossy_{f}.f32"))
            feature_bytes += os.path.getsize(t(f"{f}.plm"))
        # the y grid of benches/label.rs: stretched, sinh(3 (j / (ny - 1) - 1/2))
        ny = shape[1]
        np.sinh(3.0 * (np.arange(ny) / (ny - 1) - 0.5)).astype("<f8").tofile(t("y.f64"))
        for prefix, out in (("jet_", "clean.u8"), ("lossy_", "lossy.u8")):
            plume("label", t(out), "--dims", args.dims, "--yh2", t(f"{prefix}YH2.f32"), "--yo2",
                  t(f"{prefix}YO2.f32"), "--yh2o", t(f"{prefix}YH2O.f32"), "--z", t(f"{prefix}Z.f32"),
                  "--coord", f"1={t('y.f64')}")
        clean = np.fromfile(t("clean.u8"), dtype=np.uint8).reshape(shape).astype(np.int64)
        lossy = np.fromfile(t("lossy.u8"), dtype=np.uint8).reshape(shape).astype(np.int64)

    n = clean.size
    a = shifted(clean, (0, 0, 1))
    b = shifted(clean, (0, 1, 0))
    c = shifted(clean, (1, 0, 0))
    d = shifted(clean, (0, 1, -1))
    f = shifted(clean, (1, 0, -1))
    wide = combine(a, b, c, d, f, shifted(clean, (0, 1, 1)), shifted(clean, (1, 0, 1)),
                   shifted(clean, (0, 0, 2)), shifted(clean, (0, 2, 0)), shifted(clean, (2, 0, 0)))
    rows = [
        ("neighbours A B C D F (format 6's context)", conditional_entropy(clean, combine(a, b, c, d, f))),
        ("ten causal neighbours", conditional_entropy(clean, wide)),
        (f"label from PW_REL {args.bound} features", conditional_entropy(clean, lossy)),
        (f"label from PW_REL {args.bound} features, A B C", conditional_entropy(clean, combine(lossy, a, b, c))),
        (f"label from PW_REL {args.bound} features, A B C D F",
         conditional_entropy(clean, combine(lossy, a, b, c, d, f))),
    ]
    print(f"jet flame {args.dims} seed {args.seed}: {n} cells; features at PW_REL {args.bound}: "
          f"{feature_bytes} bytes; labels differing from the lossy features' labels: "
          f"{100 * float((clean != lossy).mean()):.2f}%")
    print(f"{'conditioned on':58s} {'bits/cell':>9s} {'share of features':>18s}")
    for name, h in rows:
        print(f"{name:58s} {h:9.4f} {100 * h * n / 8 / feature_bytes:17.2f}%")


if __name__ == "__main__":
    main()
