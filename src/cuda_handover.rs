//! A CPU `ladder` hands the process over to the CUDA build, `ladder-cuda`, installed beside it.
//!
//! Why two binaries: candle links the NVIDIA driver and the CUDA libraries at link time, so
//! the dynamic loader refuses to start a CUDA build at all on a machine without them. The
//! CPU build starts everywhere; where `ladder-cuda` can start too, it takes over (same
//! arguments, same process), and where it cannot, the CPU build runs and `device("cuda")`
//! reports the loader's reason.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Set to `1` to keep the CPU build even where the CUDA build could run.
const CPU_ONLY: &str = "LADDER_CPU_ONLY";

/// Replace this process with `ladder-cuda` when it is installed beside this binary and starts
/// here; otherwise return (recording why not) and run on the CPU.
pub fn hand_over() {
    if std::env::var_os(CPU_ONLY).is_some_and(|v| v == "1") {
        return;
    }
    // The kernelspec names the binary that installs it: keep that this one, so every kernel
    // start goes through this check.
    if std::env::args_os().nth(1).is_some_and(|a| a == "install") {
        return;
    }
    let Some(cuda) = cuda_build() else { return };
    match probe(&cuda) {
        Ok(()) => {
            let error = Command::new(&cuda)
                .args(std::env::args_os().skip(1).collect::<Vec<OsString>>())
                .exec();
            ladder_stdlib::tensor::device::set_cuda_build_unusable(format!(
                "{} could not be run: {error}",
                cuda.display()
            ));
        }
        Err(reason) => ladder_stdlib::tensor::device::set_cuda_build_unusable(reason),
    }
}

/// `ladder-cuda` in this binary's folder, if there is one.
fn cuda_build() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let cuda = exe.with_file_name("ladder-cuda");
    cuda.is_file().then_some(cuda)
}

/// Start `ladder-cuda --version`: the dynamic loader checks every library it links (the
/// driver, cuBLAS, cuRAND, NVRTC) before `main`, and its message says which one is missing.
fn probe(cuda: &Path) -> Result<(), String> {
    let output = Command::new(cuda)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{} could not be run: {e}", cuda.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    // The loader starts its message with the binary's path, which the reason already names.
    let message = line
        .strip_prefix(&format!("{}: ", cuda.display()))
        .unwrap_or(line);
    let hint = if message.contains("error while loading shared libraries") {
        " (the NVIDIA driver, cuBLAS, cuRAND and NVRTC must be where the loader looks: \
         LD_LIBRARY_PATH, e.g. a PyTorch venv's nvidia/*/lib folders)"
    } else {
        ""
    };
    Err(format!(
        "{} did not start ({}): {message}{hint}",
        cuda.display(),
        output.status
    ))
}
