//! Saving and loading a network: weights as safetensors plus a small JSON description of
//! the architecture, so `load_model` rebuilds it. Both files are written to a temporary
//! name (`<file>.tmp-<pid>`) and renamed, so a crash never leaves a half-written model;
//! the temporaries a killed save left behind are removed by the next save to that path.

use super::network::{Network, NetworkSpec};
use crate::error::{Error, Result};
use candle_core::{Device, Tensor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `model` → (`model.safetensors`, `model.json`); a path ending in either is accepted too.
pub fn paths(path: &str) -> (PathBuf, PathBuf) {
    let p = Path::new(path);
    let base = match p.extension().and_then(|e| e.to_str()) {
        Some("safetensors") | Some("json") => p.with_extension(""),
        _ => p.to_path_buf(),
    };
    let with = |ext: &str| {
        let mut s = base.clone().into_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".safetensors"), with(".json"))
}

/// The format `save` writes and `load` reads.
const FORMAT: &str = "ladder-model/1";

/// Refuse a path with no file name to put the extensions on: "" or ".json" would write the
/// hidden files `.json` and `.safetensors`, "dir/" hidden files inside `dir`.
fn check_path(path: &str, what: &str) -> Result<()> {
    if path.is_empty() {
        return Err(Error::options(format!("{what}: empty path")));
    }
    let name = path
        .rsplit(['/', std::path::MAIN_SEPARATOR])
        .next()
        .unwrap_or("");
    let stem = name
        .strip_suffix(".safetensors")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    if stem.is_empty() {
        return Err(Error::options(format!(
            "{what}: \"{path}\" has no file name (give one, such as \"model\" or \"runs/model\")"
        )));
    }
    Ok(())
}

/// `<target>.tmp-<pid>`: the name a save by process `pid` writes before renaming.
fn temporary(target: &Path, pid: u32) -> PathBuf {
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(format!(".tmp-{pid}"));
    PathBuf::from(tmp)
}

/// Remove the temporaries of `target` left by saves whose process is gone (killed during
/// the write); a live process's temporary may be a save in progress and is left alone.
fn remove_stale_temporaries(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let pid = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid.filter(|pid| !process_alive(*pid)) {
            let _ = std::fs::remove_file(temporary(target, pid));
        }
    }
}

/// Whether a process with this id exists (signal 0 checks without sending anything; EPERM
/// means it exists but belongs to someone else).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks whether the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Without a way to ask, every temporary is taken to be in use.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// Write `bytes` to `target` through a temporary of this process, created like any new file
/// (so the weights and the architecture get the same mode).
fn atomic_write(target: &Path, bytes: &[u8]) -> Result<()> {
    remove_stale_temporaries(target);
    let tmp = temporary(target, std::process::id());
    let result = std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, target))
        .map_err(Error::from);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| {
        Error::io(
            target.display().to_string(),
            format!("save_model: cannot write {}: {e}", target.display()),
        )
    })
}

pub fn save(net: &Network, path: &str) -> Result<(PathBuf, PathBuf)> {
    check_path(path, "save_model")?;
    let (weights, spec) = paths(path);
    let tensors: HashMap<String, Tensor> = net
        .named_vars()
        .into_iter()
        .map(|(n, v)| Ok((n, v.as_tensor().to_device(&Device::Cpu)?)))
        .collect::<Result<_>>()?;
    let json =
        serde_json::to_string_pretty(&serde_json::json!({ "format": FORMAT, "network": net.spec }))
            .map_err(|e| Error::new(e.to_string()))?;
    // Serialised here rather than by candle's `save`, which writes through a randomly named
    // temporary of its own (mode 0600) that a killed save would leave behind for good.
    let bytes = safetensors::serialize(&tensors, None).map_err(|e| Error::new(e.to_string()))?;
    atomic_write(&weights, &bytes)?;
    atomic_write(&spec, json.as_bytes())?;
    Ok((weights, spec))
}

pub fn load(path: &str) -> Result<Network> {
    check_path(path, "load_model")?;
    let (weights, spec_path) = paths(path);
    let text = std::fs::read_to_string(&spec_path).map_err(|e| {
        // The user named a path, perhaps the weights' file: say what is missing there.
        let message = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "load_model: no saved model at {path}: {} is missing (save_model writes {} and {})",
                spec_path.display(),
                spec_path.display(),
                weights.display()
            )
        } else {
            format!("load_model: cannot read {}: {e}", spec_path.display())
        };
        Error::io(spec_path.display().to_string(), message)
    })?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::data(format!(
            "load_model: {} is not valid JSON: {e}",
            spec_path.display()
        ))
    })?;
    // Another version's layout may read without error here and mean something else.
    if doc["format"] != FORMAT {
        return Err(Error::data(format!(
            "load_model: {} has format {}; this version of Ladder reads \"{FORMAT}\"",
            spec_path.display(),
            match &doc["format"] {
                serde_json::Value::Null => "(none)".to_string(),
                other => other.to_string(),
            }
        )));
    }
    let spec: NetworkSpec = serde_json::from_value(doc["network"].clone()).map_err(|e| {
        Error::data(format!(
            "load_model: {} does not describe a network: {e}",
            spec_path.display()
        ))
    })?;
    // A spec whose layers do not fit together (or ask for too much memory) names the file.
    let net = Network::new(spec, &Device::Cpu)
        .map_err(|e| e.context(&format!("load_model: {}", spec_path.display())))?;
    let tensors = candle_core::safetensors::load(&weights, &Device::Cpu).map_err(|e| {
        Error::io(
            weights.display().to_string(),
            format!(
                "load_model: cannot read {}: {}",
                weights.display(),
                Error::from(e)
            ),
        )
    })?;
    for (name, var) in net.named_vars() {
        let t = tensors.get(&name).ok_or_else(|| {
            Error::data(format!(
                "load_model: {} has no tensor \"{name}\"",
                weights.display()
            ))
        })?;
        if t.dims() != var.dims() {
            return Err(Error::shape(format!(
                "load_model: tensor \"{name}\" in {} has shape {:?} but the architecture in {} needs {:?}",
                weights.display(),
                t.dims(),
                spec_path.display(),
                var.dims()
            )));
        }
        var.set(&t.to_dtype(var.dtype())?)?;
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::Activation;

    /// A process id that is surely not running: a child that has exited and been reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn a_save_removes_temporaries_left_by_dead_processes_and_keeps_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m").to_str().unwrap().to_string();
        let (weights, spec) = paths(&path);
        let dead = temporary(&weights, dead_pid());
        let dead_spec = temporary(&spec, dead_pid());
        // pid 1 (init) is always alive: its temporary may be a save in progress.
        let live = temporary(&weights, 1);
        let other_model = temporary(&dir.path().join("other.safetensors"), dead_pid());
        for file in [&dead, &dead_spec, &live, &other_model] {
            std::fs::write(file, b"partial").unwrap();
        }
        let net = Network::mlp(&[2, 2], Activation::Tanh, 0.1, true, 1).unwrap();
        save(&net, &path).unwrap();
        assert!(!dead.exists() && !dead_spec.exists());
        assert!(live.exists() && other_model.exists());
    }

    #[cfg(unix)]
    #[test]
    fn weights_and_architecture_get_the_same_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m").to_str().unwrap().to_string();
        let net = Network::mlp(&[2, 2], Activation::Tanh, 0.1, true, 1).unwrap();
        let (w, j) = save(&net, &path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&w), mode(&j));
    }

    #[test]
    fn a_missing_model_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent").to_str().unwrap().to_string();
        let e = load(&path).unwrap_err();
        let want = format!("{path}.json");
        assert!(
            matches!(&e, Error::Io { path: p, .. } if *p == want),
            "{e:?}"
        );
    }

    #[test]
    fn a_saved_model_loads_with_the_same_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m").to_str().unwrap().to_string();
        // A mixed-precision model: its precision travels in the spec.
        let net = Network::mlp(&[3, 5, 2], Activation::Tanh, 0.1, true, 4)
            .unwrap()
            .with_precision(crate::nn::network::Precision::Bf16)
            .unwrap();
        let (w, j) = save(&net, &path).unwrap();
        assert!(w.exists() && j.exists());
        let back = load(&format!("{path}.safetensors")).unwrap();
        assert_eq!(back.spec, net.spec);
        let x = Tensor::new(&[[0.1f32, 0.2, 0.3], [1.0, -1.0, 0.5]], &Device::Cpu).unwrap();
        let a = net
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let b = back
            .forward(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, b);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        let e = load(dir.path().join("missing").to_str().unwrap()).unwrap_err();
        assert!(
            e.message().starts_with("load_model: no saved model at"),
            "{e}"
        );
    }
}
