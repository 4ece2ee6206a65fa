//! A sweep's description, kept in DIR/sweep.json: the notebook, the grid and the Slurm jobs
//! submitted for it. A second `ladder sweep` into the same folder resumes it, and `--status`
//! and `--collect` read it.

use super::grid::{points, Axis, Point};
use super::layout::Layout;
use crate::notebook::format::Notebook;
use crate::notebook::parameters::parameter_names;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Tags every record of the sweep (`sweep` in LADDER_RUN_TAGS).
    pub name: String,
    /// Absolute, so a Slurm task started anywhere finds it.
    pub notebook: PathBuf,
    pub axes: Vec<Axis>,
    /// Slurm job ids, in the order they were submitted.
    pub slurm_jobs: Vec<String>,
}

impl Sweep {
    pub fn points(&self) -> Vec<Point> {
        points(&self.axes)
    }

    pub fn layout(&self, dir: &Path) -> Layout {
        Layout::new(dir, self.points().len())
    }

    /// A new sweep, or the one already in `dir` when it is the same notebook and grid.
    pub fn open_or_create(notebook: &Path, axes: Vec<Axis>, dir: &Path) -> Result<Sweep, String> {
        check_parameters(notebook, &axes)?;
        let notebook = std::path::absolute(notebook)
            .map_err(|e| format!("cannot resolve {}: {e}", notebook.display()))?;
        if Layout::metadata(dir).exists() {
            let old = Sweep::load(dir)?;
            if old.notebook != notebook || old.axes != axes {
                return Err(format!(
                    "{} holds another sweep ({} over {}); give another -o DIR, or remove it",
                    dir.display(),
                    old.notebook.display(),
                    describe(&old.axes)
                ));
            }
            return Ok(old);
        }
        let stem = dir
            .file_name()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Sweep {
            name: format!("{stem}-{secs}"),
            notebook,
            axes,
            slurm_jobs: Vec::new(),
        })
    }

    pub fn load(dir: &Path) -> Result<Sweep, String> {
        let path = Layout::metadata(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "{} is not a sweep folder ({}: {e})",
                dir.display(),
                path.display()
            )
        })?;
        let bad = || format!("{} is not a sweep description", path.display());
        let v: Value = serde_json::from_str(&text).map_err(|_| bad())?;
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let axes = v["axes"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|a| {
                Some(Axis {
                    name: a["name"].as_str()?.to_string(),
                    values: strings(&a["values"])?,
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        Ok(Sweep {
            name: v["name"].as_str().ok_or_else(bad)?.to_string(),
            notebook: PathBuf::from(v["notebook"].as_str().ok_or_else(bad)?),
            axes,
            slurm_jobs: strings(&v["slurm_jobs"]).unwrap_or_default(),
        })
    }

    pub fn save(&self, dir: &Path) -> Result<(), String> {
        let axes: Vec<Value> = self
            .axes
            .iter()
            .map(|a| json!({"name": a.name, "values": a.values}))
            .collect();
        let v = json!({
            "name": self.name,
            "notebook": self.notebook.display().to_string(),
            "axes": axes,
            "points": self.points().len(),
            "slurm_jobs": self.slurm_jobs,
        });
        let path = Layout::metadata(dir);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let text = serde_json::to_string_pretty(&v).expect("JSON");
        std::fs::write(&path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// Every swept name must be set by the notebook's `parameters` cell: a sweep over a name the
/// notebook never reads would run the same notebook n times.
fn check_parameters(notebook: &Path, axes: &[Axis]) -> Result<(), String> {
    let text = std::fs::read_to_string(notebook)
        .map_err(|e| format!("cannot read {}: {e}", notebook.display()))?;
    let parsed = Notebook::parse(&text, &notebook.display().to_string())?;
    let Some(names) = parameter_names(&parsed) else {
        return Err(format!(
            "{} has no cell tagged `parameters`: tag the cell that sets the swept variables \
             (in Jupyter: View > Cell Toolbar > Tags)",
            notebook.display()
        ));
    };
    let unknown: Vec<&str> = axes
        .iter()
        .map(|a| a.name.as_str())
        .filter(|n| !names.iter().any(|d| d == n))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let sets = if names.is_empty() {
        "sets no variable".to_string()
    } else {
        format!("sets {}", names.join(", "))
    };
    Err(format!(
        "unknown parameter {}: the parameters cell of {} {sets}",
        unknown.join(", "),
        notebook.display()
    ))
}

/// `seed (3 values) × loss (2 values)`.
pub fn describe(axes: &[Axis]) -> String {
    let parts: Vec<String> = axes
        .iter()
        .map(|a| format!("{} ({} values)", a.name, a.values.len()))
        .collect();
    parts.join(" × ")
}
