#!/usr/bin/env bash
# Builds and installs the Plume package with CMake, then builds every consumer against the
# INSTALLED package, as a solver would, and runs it:
#   tests/            ctest: the C ABI test (static, shared, valgrind), Fortran order from
#                     Fortran decompressed from C (and under valgrind)
#   examples/{c,cpp,fortran}   each its own CMake project using find_package(Plume)
#   pkg-config        the C example compiled with `pkg-config --static` and with the shared library
#
#   tests/consumers.sh [WORK_DIR]     (default: target/consumers; PLUME_TEST_DATA: sample fields)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$repo/target/consumers}"
data="${PLUME_TEST_DATA:-$repo/../shared/data}"
prefix="$work/install"
field="$data/sperr_wmag91.f32"

banner() { printf '\n---- %s ----\n' "$*"; }
timed() {
  local start=$SECONDS
  "$@"
  echo "(${*:1:3}... took $((SECONDS - start)) s)"
}

banner "package: cmake -S cmake, build (cargo release), install to $prefix"
rm -rf "$prefix"
timed cmake -S "$repo/cmake" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
timed cmake --build "$work/build"
cmake --install "$work/build" >/dev/null
test -f "$prefix/lib/libplume.a" && test -L "$prefix/lib/libplume.so.0"
soname="$(objdump -p "$prefix/lib/libplume.so.0" | awk '/SONAME/ {print $2}')"
[[ "$soname" == "libplume.so.0" ]] || { echo "soname is '$soname', expected libplume.so.0" >&2; exit 1; }
echo "installed: $(cd "$prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"

banner "consumer tests (ctest against the installed package)"
cmake -S "$repo/tests" -B "$work/tests" -DCMAKE_PREFIX_PATH="$prefix" -DPLUME_TEST_DATA="$data" >/dev/null
cmake --build "$work/tests" >/dev/null
timed ctest --test-dir "$work/tests" --output-on-failure

for lang in c cpp fortran; do
  [[ -f "$repo/examples/$lang/CMakeLists.txt" ]] || continue
  banner "example: $lang (find_package(Plume))"
  cmake -S "$repo/examples/$lang" -B "$work/example-$lang" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/example-$lang" >/dev/null
  exe="$work/example-$lang/plume_example_$lang"
  if command -v valgrind >/dev/null 2>&1; then
    timed valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
      --suppressions="$repo/tests/c/valgrind.supp" --quiet "$exe" "$field"
  else
    timed "$exe" "$field"
  fi
done

banner "pkg-config: static and shared"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion plume
# shellcheck disable=SC2046 # word splitting of the flags is intended
cc -std=c11 -o "$work/pc-static" "$repo/examples/c/main.c" $(pkg-config --cflags plume) \
  -Wl,-Bstatic $(pkg-config --static --libs-only-L plume) -lplume -Wl,-Bdynamic \
  $(pkg-config --static --libs-only-l plume | sed 's/-lplume//') -lm
# shellcheck disable=SC2046
cc -std=c11 -o "$work/pc-shared" "$repo/examples/c/main.c" $(pkg-config --cflags --libs plume) -lm \
  -Wl,-rpath,"$prefix/lib"
"$work/pc-static" "$field" >/dev/null
"$work/pc-shared" "$field" >/dev/null
# Capture first: under pipefail `ldd | grep -q` fails when grep exits before ldd finishes (SIGPIPE).
needed=$(ldd "$work/pc-shared")
[[ $needed == *'libplume.so.0 =>'* ]] || { echo "pc-shared does not load libplume.so.0:" >&2; echo "$needed" >&2; exit 1; }
echo "pkg-config builds run (static; shared via libplume.so.0)"
