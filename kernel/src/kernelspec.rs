//! `ladder install`: write the `ladder` kernelspec where Jupyter looks for kernels.

use serde_json::json;
use std::path::{Path, PathBuf};

/// Where `ladder install` writes the kernelspec.
#[derive(Clone, Debug)]
pub enum InstallTarget {
    /// The user's Jupyter data directory (`$JUPYTER_DATA_DIR`, else the platform's).
    User,
    /// The running Python environment (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, or `python3`'s
    /// `sys.prefix`).
    SysPrefix,
    /// `DIR/share/jupyter/kernels`.
    Prefix(PathBuf),
}

const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");

/// Install the `ladder` kernelspec; returns the folder written.
pub fn install(target: InstallTarget) -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| format!("cannot find the running ladder binary: {e}"))?;
    let dir = kernels_dir(&target)?.join("ladder");
    write_spec(&dir, &exe)?;
    Ok(dir)
}

/// Write kernel.json and the logos into `dir`, starting `exe` as the kernel.
pub fn write_spec(dir: &Path, exe: &Path) -> Result<(), String> {
    let spec = json!({
        "argv": [exe.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "Rhai (Ladder)",
        "language": "rhai",
        "interrupt_mode": "message",
        "metadata": {"debugger": true},
    });
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(&spec).expect("the kernelspec serializes");
    write("kernel.json", text.as_bytes())?;
    write("logo-32x32.png", LOGO_32)?;
    write("logo-64x64.png", LOGO_64)
}

fn kernels_dir(target: &InstallTarget) -> Result<PathBuf, String> {
    let share = |prefix: &Path| prefix.join("share").join("jupyter").join("kernels");
    match target {
        InstallTarget::Prefix(dir) => Ok(share(dir)),
        InstallTarget::SysPrefix => Ok(share(&python_prefix()?)),
        InstallTarget::User => Ok(user_data_dir()?.join("kernels")),
    }
}

/// Jupyter's user data directory, as jupyter_core computes it.
fn user_data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let home = dirs::home_dir().ok_or("cannot find the home directory")?;
    Ok(if cfg!(target_os = "macos") {
        home.join("Library").join("Jupyter")
    } else if cfg!(windows) {
        dirs::data_dir()
            .ok_or("cannot find %APPDATA%")?
            .join("jupyter")
    } else {
        dirs::data_dir()
            .unwrap_or_else(|| home.join(".local").join("share"))
            .join("jupyter")
    })
}

fn python_prefix() -> Result<PathBuf, String> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .map_err(|e| format!("--sys-prefix needs an active Python environment or python3: {e}"))?;
    let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || prefix.is_empty() {
        return Err("--sys-prefix: python3 did not report sys.prefix".into());
    }
    Ok(PathBuf::from(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_names_the_binary_and_asks_for_message_interrupts() {
        let dir = std::env::temp_dir().join(format!("ladder-spec-{}", uuid::Uuid::new_v4()));
        write_spec(&dir, Path::new("/opt/ladder")).unwrap();
        let text = std::fs::read_to_string(dir.join("kernel.json")).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["argv"][0], "/opt/ladder");
        assert_eq!(spec["argv"][3], "{connection_file}");
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["language"], "rhai");
        assert!(std::fs::read(dir.join("logo-64x64.png"))
            .unwrap()
            .starts_with(b"\x89PNG"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
