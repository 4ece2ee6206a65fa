//! `ladder sweep --slurm`: one `sbatch --array` job for the grid. Each array task reads its
//! point from DIR/points.tsv by its index and runs `ladder run` on it, writing only its own
//! files, so the sweep folder may sit on a shared (NFS) file system: no two tasks write one file.

use super::layout::{Layout, PointState};
use super::spec::Sweep;
use std::path::Path;
use std::process::Command;

/// The resources each array task asks for (passed to sbatch as given).
#[derive(Clone, Debug, Default)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    pub gres: Option<String>,
    pub time: Option<String>,
    pub cpus_per_task: Option<u32>,
    pub mem: Option<String>,
}

/// Write the points file and the batch script for the points not done yet, submit it, and
/// return the job id (`None` when every point is already done).
pub fn submit(
    sweep: &mut Sweep,
    dir: &Path,
    ladder: &Path,
    options: &SlurmOptions,
) -> Result<Option<String>, String> {
    let layout = sweep.layout(dir);
    layout.create_folders()?;
    let pending: Vec<usize> = sweep
        .points()
        .iter()
        .filter(|p| layout.state(p) != PointState::Done)
        .map(|p| p.index)
        .collect();
    if pending.is_empty() {
        return Ok(None);
    }
    write(&layout.points_file(), &points_file(sweep, &layout))?;
    let script = layout.slurm_script();
    write(
        &script,
        &batch_script(sweep, &layout, ladder, options, &pending),
    )?;
    let sbatch = find_on_path("sbatch").ok_or_else(|| {
        format!(
            "sbatch is not on PATH, so {} was written but not submitted: --slurm submits with \
             Slurm's sbatch (Debian's slurm-client); run it on a cluster's login node",
            script.display()
        )
    })?;
    let done = Command::new(sbatch)
        .arg("--parsable")
        .arg(&script)
        .output()
        .map_err(|e| format!("cannot start sbatch: {e}"))?;
    if !done.status.success() {
        return Err(format!(
            "sbatch refused the job ({}): {}",
            done.status,
            String::from_utf8_lossy(&done.stderr).trim()
        ));
    }
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let out = String::from_utf8_lossy(&done.stdout);
    let id = out.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        return Err(format!("sbatch printed no job id: {out:?}"));
    }
    sweep.slurm_jobs.push(id.clone());
    sweep.save(dir)?;
    Ok(Some(id))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn find_on_path(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// One line per point, in index order: its file name, its tags (JSON) and its `NAME=VALUE`s,
/// separated by tabs (values never hold one).
fn points_file(sweep: &Sweep, layout: &Layout) -> String {
    let mut out = String::new();
    for point in sweep.points() {
        let mut fields = vec![
            point.file_name(layout.count),
            point.tags(&sweep.name, layout.count).to_string(),
        ];
        fields.extend(point.values.iter().map(|(n, v)| format!("{n}={v}")));
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

/// `0-3,5,7-8`: the indices as sbatch's `--array` takes them.
pub fn array_spec(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        while i + 1 < indices.len() && indices[i + 1] == indices[i] + 1 {
            i += 1;
        }
        parts.push(if indices[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", indices[i])
        });
        i += 1;
    }
    parts.join(",")
}

/// A shell word that stays one word, whatever it holds.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn batch_script(
    sweep: &Sweep,
    layout: &Layout,
    ladder: &Path,
    options: &SlurmOptions,
    pending: &[usize],
) -> String {
    let dir = std::path::absolute(&layout.dir).unwrap_or_else(|_| layout.dir.clone());
    let logs = dir.join("logs").join("slurm-%A_%a.out");
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!(
        "#SBATCH --job-name=ladder-sweep\n#SBATCH --array={}\n",
        array_spec(pending)
    ));
    s.push_str(&format!("#SBATCH --output={}\n", logs.display()));
    let resources = [
        ("partition", options.partition.clone()),
        ("gres", options.gres.clone()),
        ("time", options.time.clone()),
        (
            "cpus-per-task",
            options.cpus_per_task.map(|c| c.to_string()),
        ),
        ("mem", options.mem.clone()),
    ];
    for (name, value) in resources {
        if let Some(v) = value {
            s.push_str(&format!("#SBATCH --{name}={v}\n"));
        }
    }
    s.push_str(&format!(
        r#"# Written by `ladder sweep --slurm` for {notebook}.
# Runs point INDEX of the grid with `ladder run`: INDEX is the first argument, else Slurm's
# array task id, else a Kubernetes indexed Job's completion index. Each point writes only its
# own files (one record store per point), so DIR may be on a shared file system.
set -u
index="${{1:-${{SLURM_ARRAY_TASK_ID:-${{JOB_COMPLETION_INDEX:?no point index}}}}}}"
dir={dir}
built={ladder}
ladder="${{LADDER_BIN:-$built}}"
line="$(sed -n "$((index + 1))p" "$dir/points.tsv")"
IFS=$'\t' read -r -a fields <<< "$line"
name="${{fields[0]}}"
params=()
for p in "${{fields[@]:2}}"; do params+=(-p "$p"); done
export LADDER_RUNS="$dir/records/$name.sqlite"
export LADDER_RUN_TAGS="${{fields[1]}}"
export RAYON_NUM_THREADS="${{SLURM_CPUS_PER_TASK:-1}}"
rm -f "$dir/status/$name.exit" "$LADDER_RUNS" "$LADDER_RUNS-wal" "$LADDER_RUNS-shm"
"$ladder" run {notebook} --quiet -o "$dir/notebooks/$name.ipynb" \
    --html "$dir/reports/$name.html" "${{params[@]}}" > "$dir/logs/$name.log" 2>&1
code=$?
echo "$code" > "$dir/status/$name.exit"
exit "$code"
"#,
        notebook = quote(&sweep.notebook.display().to_string()),
        dir = quote(&dir.display().to_string()),
        ladder = quote(&ladder.display().to_string()),
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_specs_compress_runs_of_indices() {
        assert_eq!(array_spec(&[0, 1, 2, 3]), "0-3");
        assert_eq!(array_spec(&[0, 2, 3, 4, 7]), "0,2-4,7");
        assert_eq!(array_spec(&[5]), "5");
    }

    #[test]
    fn quoted_words_survive_quotes() {
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
