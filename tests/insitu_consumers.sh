#!/usr/bin/env bash
# The in-situ mini solvers, built with CMake against the installed package (the prefix
# tests/consumers.sh installs) and run under mpirun -n 1, 2 and 3 (an uneven split):
#   - examples/jetflame-fortran (Fortran 2008 + MPI, &plume namelist): a lifted flame whose
#     labels must hold all five regimes and be identical whatever the rank count;
#   - examples/cpp-mpi (C++17 + MPI, plume::Session, key = value deck).
# Their snapshots are read with h5py through the filter plugin (HDF5_PLUGIN_PATH).
#
#   tests/insitu_consumers.sh [WORK_DIR]   (default: <repo>/target/consumers)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$repo/target/consumers}"
prefix="$work/install"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
target="${CARGO_TARGET_DIR:-$repo/target}"

[[ -f "$prefix/lib/cmake/Plume/PlumeConfig.cmake" ]] \
  || { echo "no installed Plume under $prefix: run tests/consumers.sh first" >&2; exit 1; }
cargo build --release -p plume-h5plugin >/dev/null
export HDF5_PLUGIN_PATH="$target/release"
test -f "$HDF5_PLUGIN_PATH/libh5plume.so"

run_solver() {  # NAME EXE DECK ARGS...
  local name="$1" exe="$2" deck="$3"
  shift 3
  local runs=()
  for n in 1 2 3; do
    local dir="$work/insitu-$name-n$n"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && cp "$deck" . && PLUME_OUTPUT="$dir/out" \
      mpirun -n "$n" --oversubscribe --bind-to none "$exe" "$(basename "$deck")" "$@")
    runs+=("$dir/out")
  done
  if [[ -x "$target/release/plume" ]]; then "$target/release/plume" ls "${runs[0]}"; fi
  python3 "$repo/tests/check_runs.py" ${FIVE:-} "${runs[@]}"
}

echo "---- jetflame-fortran (find_package(Plume), Plume::plume_fortran) ----"
cmake -S "$repo/examples/jetflame-fortran" -B "$work/jetflame" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/jetflame" >/dev/null
FIVE=--five-classes run_solver jetflame "$work/jetflame/jetflame" "$repo/examples/jetflame-fortran/jetflame.nml"

echo "---- cpp-mpi (find_package(Plume), Plume::plume_cxx) ----"
cmake -S "$repo/examples/cpp-mpi" -B "$work/cpp-mpi" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cpp-mpi" >/dev/null
run_solver cpp-mpi "$work/cpp-mpi/plume_example_cpp_mpi" "$repo/examples/cpp-mpi/advect.cfg" 32 40 20
echo "in-situ consumers OK"
