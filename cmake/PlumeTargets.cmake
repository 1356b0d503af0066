# The imported targets of an installed Plume; included by PlumeConfig.cmake, which sets
# Plume_INCLUDE_DIR, Plume_LIBRARY_DIR, Plume_FORTRAN_MOD_SUBDIR, Plume_USE_SHARED and
# PLUME_NATIVE_STATIC_LIBS. Written by hand (the libraries are built by cargo, not by
# CMake targets that install(EXPORT) could describe); it names only installed files.
if(TARGET Plume::plume)
  return()
endif()

add_library(Plume::plume_static STATIC IMPORTED)
set(_plume_native_libs "")
foreach(_lib IN LISTS PLUME_NATIVE_STATIC_LIBS)
  if(_lib STREQUAL "pthread")
    # Threads::Threads gives the right flag for the compiler in use.
    find_package(Threads REQUIRED)
    list(APPEND _plume_native_libs Threads::Threads)
  else()
    list(APPEND _plume_native_libs "${_lib}")
  endif()
endforeach()
set_target_properties(Plume::plume_static PROPERTIES
  IMPORTED_LOCATION "${Plume_LIBRARY_DIR}/libplume.a"
  IMPORTED_LINK_INTERFACE_LANGUAGES "C"
  INTERFACE_INCLUDE_DIRECTORIES "${Plume_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${_plume_native_libs}")

add_library(Plume::plume_shared SHARED IMPORTED)
set_target_properties(Plume::plume_shared PROPERTIES
  IMPORTED_LOCATION "${Plume_LIBRARY_DIR}/libplume.so.${Plume_VERSION}"
  IMPORTED_SONAME "libplume.so.${Plume_VERSION_MAJOR}"
  INTERFACE_INCLUDE_DIRECTORIES "${Plume_INCLUDE_DIR}")

add_library(Plume::plume INTERFACE IMPORTED)
if(Plume_USE_SHARED)
  set_target_properties(Plume::plume PROPERTIES INTERFACE_LINK_LIBRARIES Plume::plume_shared)
else()
  set_target_properties(Plume::plume PROPERTIES INTERFACE_LINK_LIBRARIES Plume::plume_static)
endif()

if(EXISTS "${Plume_INCLUDE_DIR}/plume.hpp")
  add_library(Plume::plume_cxx INTERFACE IMPORTED)
  set_target_properties(Plume::plume_cxx PROPERTIES
    INTERFACE_LINK_LIBRARIES Plume::plume_static
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()

set(Plume_FORTRAN_FOUND FALSE)
if(Plume_FORTRAN_MOD_SUBDIR AND EXISTS "${Plume_LIBRARY_DIR}/libplume_fortran.a")
  set(Plume_FORTRAN_FOUND TRUE)
  add_library(Plume::plume_fortran STATIC IMPORTED)
  set_target_properties(Plume::plume_fortran PROPERTIES
    IMPORTED_LOCATION "${Plume_LIBRARY_DIR}/libplume_fortran.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "Fortran"
    INTERFACE_INCLUDE_DIRECTORIES "${Plume_INCLUDE_DIR}/${Plume_FORTRAN_MOD_SUBDIR}"
    INTERFACE_LINK_LIBRARIES Plume::plume)
  # A .mod file is compiler-specific: warn when the consumer's compiler differs.
  get_property(_plume_langs GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("Fortran" IN_LIST _plume_langs)
    set(_plume_here "${CMAKE_Fortran_COMPILER_ID}-${CMAKE_Fortran_COMPILER_VERSION}")
    if(NOT Plume_FORTRAN_MOD_SUBDIR MATCHES "/${_plume_here}$")
      message(WARNING "Plume's Fortran module was built by ${Plume_FORTRAN_MOD_SUBDIR}, this "
        "project uses ${_plume_here}: compile ${Plume_INCLUDE_DIR}/plume.f90 yourself if `use plume` fails.")
    endif()
  endif()
endif()
