#!/usr/bin/env bash
# The main job's pipeline at a tiny size (.ci/main-job --tiny: a 32x16x12 jet flame, 40
# solver steps, 2 snapshots per run, the tiny network for one epoch, 2 MPI ranks), then a
# check of every artefact of the report and of its numbers against the runs' catalogs:
# each ratio = original bytes / stored bytes, accuracies in [0, 1], the lossless run's
# errors and label error 0, PW_REL errors within their bounds, lossy ratios above 1.
#
#   tests/main_job.sh [OUT_DIR]   (default: <target>/main-job-tiny)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
out="${1:-$target/main-job-tiny}"
start=$SECONDS
"$repo/.ci/main-job" --tiny --no-setup --out "$out"

python3 - "$out" <<'PY'
import json, os, sys

out = sys.argv[1]
rep = os.path.join(out, "report")
fail = []

def check(ok, what):
    if not ok:
        fail.append(what)

for f in ["report.md", "report.html", "report.json", "ratio.png", "psnr.png", "ssim.png", "fields.png",
          "label_maps.png", "label_error.png", "class_accuracy.png", "class_accuracy_recomputed.png",
          "loss_curves.png", "loss_curves_recomputed.png"]:
    p = os.path.join(rep, f)
    check(os.path.isfile(p) and os.path.getsize(p) > 0, f"missing or empty: {p}")
    if f.endswith(".png") and os.path.isfile(p):
        check(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"not a PNG: {p}")
panels = [f for f in os.listdir(rep) if f.startswith("panel_") and f.endswith(".png")]
check(len(panels) == 3, f"expected 3 panels, found {panels}")

r = json.load(open(os.path.join(rep, "report.json")))
check(r["checks"] and all(ok for _, ok in r["checks"]), f"report checks: {r['checks']}")
html = open(os.path.join(rep, "report.html")).read()
md = open(os.path.join(rep, "report.md")).read()
git = r["manifest"]["git"]
check(git.split()[0] in html and git.split()[0] in md, "git revision not in the report")
check(f"Plume {r['manifest']['plume_version']}" in md, "version not in report.md")
check("&plume" in md and "[[source.run]]" in md, "configuration (namelist, experiment deck) not in report.md")
check(len(r["cases"]) == 3, "three cases")

for case in r["cases"]:
    name = case["name"]
    # Recompute each field's totals from the run's catalog.jsonl.
    cat = os.path.join(case["run"], "catalog.jsonl")
    lines = [json.loads(l) for l in open(cat) if l.strip()]
    check(len(lines) == len(case["snapshots"]) == 2, f"{name}: 2 snapshots")
    for f in case["fields"]:
        orig = sum(fe["original_bytes"] for l in lines for fe in l["fields"] if fe["name"] == f["name"])
        stored = sum(fe["stored_bytes"] for l in lines for fe in l["fields"] if fe["name"] == f["name"])
        check(orig == f["original_bytes"] and stored == f["stored_bytes"], f"{name} {f['name']}: bytes")
        check(abs(f["ratio"] - orig / stored) <= 1e-12 * f["ratio"], f"{name} {f['name']}: ratio != bytes/bytes")
        if case["bound"] == 0:
            check(f["max_abs_error"] == 0 and f["min_psnr_db"] is None, f"{name} {f['name']}: not lossless")
        else:
            check(f["ratio"] > 1, f"{name} {f['name']}: ratio {f['ratio']} <= 1")
            check(f["max_pw_rel_error"] <= f["bound"] * (1 + 1e-12), f"{name} {f['name']}: bound violated")
    lab = case["labels"]
    check(0 <= lab["error_fraction"] <= 1, f"{name}: label error out of range")
    if case["bound"] == 0:
        check(lab["n_changed"] == 0, f"{name}: label error {lab['n_changed']} at bound 0")
    m = next(c for c in r["manifest"]["case"] if c["name"] == name)
    for scenario, t, train_dir in [("(i)", case["training"], m["train"]),
                                   ("(ii)", case["training_recomputed"], m["train_recomputed"])]:
      check(t is not None and t["epochs"] == 1, f"{name}: scenario {scenario} training")
      if t:
        s = t["test"]
        accs = [a for a in s["class_accuracy"] + [s["overall_accuracy"], s["mean_class_accuracy"]] if a is not None]
        check(all(0 <= a <= 1 for a in accs), f"{name}: accuracies {accs}")
        conf = s["confusion"]
        total = sum(map(sum, conf))
        check(total > 0 and abs(s["overall_accuracy"] - sum(conf[i][i] for i in range(5)) / total) < 1e-12,
              f"{name}: overall accuracy != trace / total of the confusion matrix")
        ev = json.load(open(os.path.join(train_dir, "eval.json")))
        check(ev["ranks"] == 2, f"{name}: scenario {scenario} trained on {ev['ranks']} ranks")
errs = [c for c in r["cases"] if c["bound"] > 0]
check(errs[0]["labels"]["n_changed"] <= errs[1]["labels"]["n_changed"], "label error grows with the bound")

if fail:
    print("main-job artefact checks FAILED:\n  " + "\n  ".join(fail), file=sys.stderr)
    sys.exit(1)
print(f"main-job artefacts OK: {len(r['checks'])} report checks, {len(r['cases'])} cases")
PY
echo "tests/main_job.sh: $((SECONDS - start)) s"
