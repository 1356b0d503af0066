# Build-time step of cmake/CMakeLists.txt (cmake -P): runs
#   cargo rustc --release -p plume-ffi --lib -- --print native-static-libs
# (both libplume.a and libplume.so) and turns rustc's
# `note: native-static-libs: -lgcc_s -lutil ...` line into
#   OUT_DIR/PlumeNativeLibs.cmake   set(PLUME_NATIVE_STATIC_LIBS gcc_s;util;...)
#   OUT_DIR/plume.pc                the pkg-config module (Libs.private = those libraries)
# and copies the C++ bridge headers cxx-build generated into OUT_DIR/include.
# Inputs: CARGO, CARGO_FLAGS, CARGO_TARGET_DIR, SOURCE_DIR, OUT_DIR, VERSION, DESCRIPTION,
# TEMPLATE_DIR, PC_INCLUDE_REL, PC_PREFIX_REL.
separate_arguments(_extra UNIX_COMMAND "${CARGO_FLAGS}")
set(ENV{CARGO_TARGET_DIR} "${CARGO_TARGET_DIR}")
execute_process(
  COMMAND ${CARGO} rustc --release -p plume-ffi --lib ${_extra} -- --print native-static-libs
  WORKING_DIRECTORY "${SOURCE_DIR}"
  RESULT_VARIABLE _rc
  ERROR_VARIABLE _text)
message("${_text}")
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "cargo failed (exit ${_rc})")
endif()
set(CXXBRIDGE_DIR "${CARGO_TARGET_DIR}/cxxbridge")
string(REGEX MATCH "native-static-libs: ([^\n]*)" _line "${_text}")
if(NOT _line)
  message(FATAL_ERROR "rustc printed no native-static-libs line")
endif()
string(STRIP "${CMAKE_MATCH_1}" _flags)
separate_arguments(_flags UNIX_COMMAND "${_flags}")
set(_libs "")
foreach(_flag IN LISTS _flags)
  string(REGEX REPLACE "^-l" "" _lib "${_flag}")
  # libc is linked by every C, C++ and Fortran driver; listing it only reorders it.
  if(NOT _lib STREQUAL "c")
    list(APPEND _libs "${_lib}")
  endif()
endforeach()
list(REMOVE_DUPLICATES _libs)
# rustc lists libraries by name only; one that lives outside the linker's default path (the
# MPI-parallel HDF5 the in-situ session links, in HDF5_DIR/lib: from the environment or
# .cargo/config.toml, as cargo saw it) is recorded by its full path instead.
set(_hdf5_dir "$ENV{HDF5_DIR}")
if(NOT _hdf5_dir AND EXISTS "${SOURCE_DIR}/.cargo/config.toml")
  file(STRINGS "${SOURCE_DIR}/.cargo/config.toml" _cfg REGEX "^HDF5_DIR *= *\"")
  if(_cfg)
    string(REGEX REPLACE "^HDF5_DIR *= *\"([^\"]*)\".*" "\\1" _hdf5_dir "${_cfg}")
  endif()
endif()
set(_resolved "")
foreach(_lib IN LISTS _libs)
  if(_hdf5_dir AND EXISTS "${_hdf5_dir}/lib/lib${_lib}.so")
    list(APPEND _resolved "${_hdf5_dir}/lib/lib${_lib}.so")
  else()
    list(APPEND _resolved "${_lib}")
  endif()
endforeach()
set(_libs "${_resolved}")
set(_pc_libs "")
foreach(_lib IN LISTS _libs)
  if(IS_ABSOLUTE "${_lib}")
    # pkg-config users split -L from -l (--libs-only-L / --libs-only-l): give both.
    get_filename_component(_dir "${_lib}" DIRECTORY)
    get_filename_component(_name "${_lib}" NAME_WE)
    string(REGEX REPLACE "^lib" "" _name "${_name}")
    string(APPEND _pc_libs " -L${_dir} -l${_name}")
  else()
    string(APPEND _pc_libs " -l${_lib}")
  endif()
endforeach()

file(MAKE_DIRECTORY "${OUT_DIR}")
file(WRITE "${OUT_DIR}/PlumeNativeLibs.cmake.tmp"
  "# Generated at build time from `rustc --print native-static-libs`: the system libraries\n"
  "# a program linking the static libplume.a needs.\n"
  "set(PLUME_NATIVE_STATIC_LIBS \"${_libs}\")\n")
file(COPY_FILE "${OUT_DIR}/PlumeNativeLibs.cmake.tmp" "${OUT_DIR}/PlumeNativeLibs.cmake" ONLY_IF_DIFFERENT)

set(PLUME_VERSION "${VERSION}")
set(PLUME_DESCRIPTION "${DESCRIPTION}")
set(PLUME_PC_LIBS_PRIVATE "${_pc_libs}")
configure_file("${TEMPLATE_DIR}/plume.pc.in" "${OUT_DIR}/plume.pc" @ONLY)

# cxx-build leaves its headers (as symlinks) under <target>/cxxbridge; install real copies.
if(EXISTS "${CXXBRIDGE_DIR}/rust/cxx.h")
  file(MAKE_DIRECTORY "${OUT_DIR}/include/rust" "${OUT_DIR}/include/plume")
  file(READ "${CXXBRIDGE_DIR}/rust/cxx.h" _h)
  file(WRITE "${OUT_DIR}/include/rust/cxx.h" "${_h}")
  file(READ "${CXXBRIDGE_DIR}/plume-ffi/src/bridge.rs.h" _h)
  file(WRITE "${OUT_DIR}/include/plume/bridge.rs.h" "${_h}")
endif()
