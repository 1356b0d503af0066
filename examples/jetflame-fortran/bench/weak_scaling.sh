#!/usr/bin/env bash
# Weak scaling of the in-situ session inside the jetflame mini solver: the per-rank block is
# fixed (NX x NY x NZ_PER_RANK), the rank count grows 1, 2, 4, 8 (oversubscribed where the
# machine has fewer cores). For each run it keeps Plume's profile table (per-stage seconds
# min/mean/max over ranks, bytes, ratio, aggregate GB/s, overhead vs the solver's time) and
# appends one CSV row per rank count to results/weak_scaling_<host>.csv.
#
#   examples/jetflame-fortran/bench/weak_scaling.sh JETFLAME_EXE [NX NY NZ_PER_RANK STEPS EVERY]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exe="$1"
nx="${2:-64}" ny="${3:-32}" nzr="${4:-16}" steps="${5:-120}" every="${6:-40}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$here/results"
mkdir -p "$out"
csv="$out/weak_scaling_$(hostname).csv"
echo "ranks,cells_per_rank,steps,snapshots,copy_mean_s,label_mean_s,compress_mean_s,wait_mean_s,write_mean_s,total_max_s,solver_mean_s,ratio,overhead_pct" > "$csv"
for n in 1 2 4 8; do
  dir="$(mktemp -d)"
  cat > "$dir/run.nml" <<NML
&solver
  nx = $nx, ny = $ny, nz = $((nzr * n))
  nsteps = $steps, output_every = $every
/
&plume
  mode = 'pw_rel'
  error_bound = 1e-2
  label = .true.
  output = '$dir/out'
/
NML
  (cd "$dir" && mpirun -n "$n" --oversubscribe --bind-to none "$exe" run.nml) > "$dir/log" 2>&1
  sed -n '/plume profile/,/overhead/p' "$dir/log" | tee "$out/weak_scaling_n$n.txt"
  python3 - "$dir/log" "$n" "$((nx * ny * nzr))" "$steps" "$((steps / every))" >> "$csv" <<'PY'
import re, sys
log, n, cells, steps, snaps = open(sys.argv[1]).read(), *sys.argv[2:]
def row(name):
    m = re.search(rf"^\s+{name}\s+(\S+)\s+(\S+)\s+(\S+)", log, re.M)
    return [float(x) for x in m.groups()]
ratio = re.search(r"ratio (\S+),", log).group(1)
ovh = re.search(r"overhead (\S+)%", log).group(1)
mean = [row(s)[1] for s in ("copy", "label", "compress", "wait", "write")]
print(",".join(map(str, [n, cells, steps, snaps, *mean, row("total")[2], row("solver")[1], ratio, ovh])))
PY
  rm -rf "$dir"
done
echo "wrote $csv"
