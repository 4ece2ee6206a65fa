//! Devices: `cpu` always; `cuda` in builds with the `cuda` feature on a machine with a GPU.

use crate::error::Result;
use candle_core::Device;

/// Resolve a device name: `cpu`, `cuda` or `cuda:N`.
pub fn device(name: &str) -> Result<Device> {
    let name = name.trim().to_ascii_lowercase();
    if name == "cpu" {
        return Ok(Device::Cpu);
    }
    let ordinal = match name.strip_prefix("cuda") {
        Some("") => 0,
        Some(rest) => match rest.strip_prefix(':').and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => {
                crate::bail!("unknown device \"{name}\" (expected \"cpu\", \"cuda\" or \"cuda:N\")")
            }
        },
        None => {
            crate::bail!("unknown device \"{name}\" (expected \"cpu\", \"cuda\" or \"cuda:N\")")
        }
    };
    cuda(ordinal)
}

#[cfg(feature = "cuda")]
fn cuda(ordinal: usize) -> Result<Device> {
    // Candle links libcuda dynamically, so a process without the NVIDIA driver never gets
    // here (the loader stops it first, and `ladder` stays on its CPU build); what reaches
    // this point is a driver without a usable GPU at this ordinal, or a driver too old for
    // the toolkit the build used.
    Device::new_cuda(ordinal).map_err(|e| {
        // Through the library's error first: it drops the backtrace candle appends.
        let e = crate::error::Error::from(e);
        crate::error::Error::new(format!(
            "device(\"cuda:{ordinal}\"): this build has CUDA support, but no usable NVIDIA GPU \
             was found at index {ordinal} (no GPU, or the driver is too old for this build): {}",
            e.message()
        ))
    })
}

/// Why this CPU build is running although Ladder's CUDA build is installed beside it: `ladder`
/// hands the process over to `ladder-cuda` at start-up when that can start here, and records
/// the reason when it cannot (set once, before any session).
static CUDA_BUILD_UNUSABLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Record why the installed CUDA build could not take over (e.g. the loader's message for a
/// missing `libcuda.so.1`), for `device("cuda")` to report.
pub fn set_cuda_build_unusable(reason: String) {
    let _ = CUDA_BUILD_UNUSABLE.set(reason);
}

#[cfg(not(feature = "cuda"))]
fn cuda(ordinal: usize) -> Result<Device> {
    match CUDA_BUILD_UNUSABLE.get() {
        Some(reason) => crate::bail!(
            "device(\"cuda:{ordinal}\"): Ladder's CUDA build is installed but cannot start on this \
             machine, so this session runs on the CPU: {reason}"
        ),
        None => crate::bail!(
            "device(\"cuda:{ordinal}\"): this build of Ladder has no CUDA support (on a machine \
             with an NVIDIA GPU, `./install.sh --cuda` installs the CUDA build beside it)"
        ),
    }
}

/// The user-facing name of a device.
pub fn device_name(device: &Device) -> String {
    match device {
        Device::Cpu => "cpu".to_string(),
        Device::Cuda(_) => match device.location() {
            candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
            _ => "cuda".to_string(),
        },
        Device::Metal(_) => "metal".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_works_and_bad_names_are_named() {
        assert!(device("cpu").unwrap().is_cpu());
        let e = device("tpu").unwrap_err();
        assert!(e.message().contains("unknown device \"tpu\""), "{e}");
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_so() {
        let e = device("cuda").unwrap_err();
        assert!(e.message().contains("no CUDA support"), "{e}");
    }
}
