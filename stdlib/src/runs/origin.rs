//! Where a recorded call came from: the notebook or script, the cell, the git commit.

use std::path::{Path, PathBuf};

/// Set by `ladder run` to the script's or notebook's path.
pub const SOURCE_ENV: &str = "LADDER_SOURCE";
/// Set by Jupyter's server for the kernels it starts: the notebook's path.
const JUPYTER_SESSION_ENV: &str = "JPY_SESSION_NAME";

/// The notebook or script this process runs, when it is known.
pub fn source() -> Option<String> {
    [SOURCE_ENV, JUPYTER_SESSION_ENV]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// The running cell's number.
pub fn cell() -> Option<String> {
    ladder_scripting::context::current().map(|c| c.cell.to_string())
}

/// The commit checked out in the git repository holding `source`'s folder (or the current
/// folder), read from the repository's files so that no process is started per call.
pub fn git_commit(source: Option<&str>) -> Option<String> {
    let start = match source.map(Path::new).and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::env::current_dir().ok()?,
    };
    let git_dir = find_git_dir(&start)?;
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else {
        return Some(head.to_string());
    };
    // A linked worktree keeps its refs in the main repository's folder.
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|| git_dir.clone());
    for dir in [&git_dir, &common] {
        if let Ok(id) = std::fs::read_to_string(dir.join(reference)) {
            return Some(id.trim().to_string());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (id, name) = line.split_once(' ')?;
        (name == reference).then(|| id.to_string())
    })
}

/// `.git` of the repository holding `dir`: a folder, or a file naming it (worktrees).
fn find_git_dir(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    for folder in dir.ancestors() {
        let dot_git = folder.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        if let Ok(text) = std::fs::read_to_string(&dot_git) {
            let target = text.trim().strip_prefix("gitdir: ")?;
            return Some(folder.join(target));
        }
    }
    None
}
