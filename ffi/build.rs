//! Build script of plume-ffi:
//! - compiles the C++ side of the cxx bridge (`src/bridge.rs`) into the library, so the one
//!   `libplume` serves C, C++ and Fortran; its generated header lands in
//!   `<target>/cxxbridge/plume-ffi/src/bridge.rs.h` (the CMake package installs it as
//!   `include/plume/bridge.rs.h`, next to `include/rust/cxx.h`);
//! - gives the shared library its soname with the major version (`libplume.so.0`), so a
//!   solver linked against 0.x keeps loading any later 0.y and a 1.0 installs beside it.

fn main() {
    cxx_build::bridge("src/bridge.rs").std("c++17").compile("plume_cxxbridge");
    println!("cargo:rerun-if-changed=src/bridge.rs");

    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libplume.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
