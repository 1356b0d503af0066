//! Build script of plume-ffi: gives the shared library its soname with the major version
//! (`libplume.so.0`), so a solver linked against 0.x keeps loading any later 0.y and a
//! future 1.0 installs beside it.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libplume.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
