//! `ladder` hands over to `ladder-cuda` installed beside it when that binary starts, and stays
//! on the CPU (saying why in `device("cuda")`) when the loader refuses it.
//!
//! The CUDA build itself is not built here (no CI machine has the toolkit), so `ladder-cuda`
//! is a small C program linked, like the CUDA build, against a driver library: one with a
//! soname that exists nowhere else, so the loader refuses it exactly as it refuses the CUDA
//! build on a machine without the NVIDIA driver, until its folder is on LD_LIBRARY_PATH.
#![cfg(not(feature = "cuda"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DRIVER: &str = "libladder-test-driver.so.1";

/// An install folder with this `ladder` and a `ladder-cuda` beside it, and the folder that
/// holds the driver library `ladder-cuda` needs.
struct Install {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    driver: PathBuf,
}

fn cc(args: &[&str], dir: &Path) {
    let status = Command::new("cc")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc {args:?} failed");
}

fn install() -> Install {
    let dir = tempfile::Builder::new()
        .prefix("cuda-handover")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let bin = dir.path().join("bin");
    let driver = dir.path().join("driver");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&driver).unwrap();
    // current_exe() resolves links, so `ladder` must be a file of its own in this folder.
    let ladder = bin.join("ladder");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_ladder"), &ladder).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_ladder"), &ladder).unwrap();
    }
    std::fs::write(
        driver.join("driver.c"),
        "int cuInit(unsigned flags) { (void)flags; return 100; }\n",
    )
    .unwrap();
    cc(
        &[
            "-shared",
            "-fPIC",
            &format!("-Wl,-soname,{DRIVER}"),
            "-o",
            "libladder-test-driver.so",
            "driver.c",
        ],
        &driver,
    );
    // The linker reads the unversioned name; the loader looks for the soname.
    std::os::unix::fs::symlink("libladder-test-driver.so", driver.join(DRIVER)).unwrap();
    std::fs::write(
        driver.join("main.c"),
        r#"#include <stdio.h>
#include <string.h>
int cuInit(unsigned flags);
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--version") == 0) { puts("ladder-cuda"); return 0; }
    printf("ladder-cuda ran (cuInit %d):", cuInit(0));
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    puts("");
    return 0;
}
"#,
    )
    .unwrap();
    let cuda = bin.join("ladder-cuda");
    cc(
        &[
            "main.c",
            "-o",
            cuda.to_str().unwrap(),
            "-L.",
            "-lladder-test-driver",
        ],
        &driver,
    );
    let script = bin.join("script.rhai");
    std::fs::write(&script, "print(1 + 1);\nlet d = device(\"cuda\");\n").unwrap();
    Install {
        _dir: dir,
        bin,
        driver,
    }
}

fn run(install: &Install, envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(install.bin.join("ladder"));
    command
        .arg("run")
        .arg(install.bin.join("script.rhai"))
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LADDER_CPU_ONLY");
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().expect("run ladder")
}

#[test]
fn a_cuda_build_that_cannot_start_leaves_the_cpu_build_running_and_says_why() {
    let install = install();
    let out = run(&install, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.lines().next(),
        Some("2"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!out.status.success());
    for part in [
        "cannot start on this machine",
        "runs on the CPU",
        DRIVER,
        "LD_LIBRARY_PATH",
    ] {
        assert!(stderr.contains(part), "missing {part:?} in: {stderr}");
    }
}

#[test]
fn a_cuda_build_that_starts_takes_over_with_the_same_arguments() {
    let install = install();
    let out = run(&install, &[("LD_LIBRARY_PATH", &install.driver)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let script = install.bin.join("script.rhai");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!("ladder-cuda ran (cuInit 100): run {}", script.display())
    );
}

#[test]
fn ladder_cpu_only_keeps_the_cpu_build() {
    let install = install();
    let out = run(
        &install,
        &[
            ("LD_LIBRARY_PATH", &install.driver),
            ("LADDER_CPU_ONLY", Path::new("1")),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.lines().next(), Some("2"), "stderr: {stderr}");
    assert!(stderr.contains("no CUDA support"), "{stderr}");
}
