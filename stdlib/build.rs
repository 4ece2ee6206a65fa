//! Links OpenBLAS statically when this machine has it (Debian's and Ubuntu's
//! `libopenblas-pthread-dev`, which `./install.sh` installs; `LADDER_OPENBLAS_DIR` names another
//! folder holding `libopenblas.a`). The threaded build, told to use one thread a call: Debian's
//! one-thread (serial) build gave wrong products when two threads called it at once with few
//! rows (1 to 5), which the library's pieces do. Its sgemm kernels beat gemm's on AVX2 CPUs
//! (`src/kernels/blas.rs` says where). Statically, so that an installed kernel does not depend
//! on which of Debian's OpenBLAS builds the system links by default. Without it every product
//! runs on gemm, and the build says so once.

use std::path::PathBuf;

const DEBIAN_DIR: &str = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ladder_openblas)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=LADDER_OPENBLAS_DIR");
    let x86_linux = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64")
        && std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if !x86_linux {
        return;
    }
    let dir = std::env::var_os("LADDER_OPENBLAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEBIAN_DIR));
    let lib = dir.join("libopenblas.a");
    // Without the library the build is rerun only when this script or the variable changes
    // (a missing path to watch would rerun it, and rebuild the library, on every build):
    // `./install.sh` installs OpenBLAS before it builds.
    if lib.is_file() {
        println!("cargo::rerun-if-changed={}", lib.display());
        println!("cargo::rustc-link-search=native={}", dir.display());
        println!("cargo::rustc-link-lib=static=openblas");
        println!("cargo::rustc-cfg=ladder_openblas");
    } else {
        println!(
            "cargo::warning=OpenBLAS not found ({}): products run on gemm; ./install.sh installs it and rebuilds",
            lib.display()
        );
    }
}
