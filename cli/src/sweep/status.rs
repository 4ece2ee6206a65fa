//! `ladder sweep --status DIR`: how far a sweep is, from the files its points have written
//! (the same on a cluster and here) and, for a Slurm sweep, what squeue still lists.

use super::layout::PointState;
use super::slurm::find_on_path;
use super::spec::Sweep;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The status report, one line per fact; failed points are listed with their logs.
pub fn report(dir: &Path) -> Result<String, String> {
    let sweep = Sweep::load(dir)?;
    let layout = sweep.layout(dir);
    let (mut done, mut not_run, mut failed) = (0, 0, Vec::new());
    for point in sweep.points() {
        match layout.state(&point) {
            PointState::Done => done += 1,
            PointState::NotRun => not_run += 1,
            PointState::Failed(code) => failed.push(format!(
                "  {}: exit {code} (log: {})",
                point.label(),
                layout.log(&point).display()
            )),
        }
    }
    let mut lines = vec![format!(
        "sweep {} of {}: {} points, {done} done, {} failed, {not_run} not finished",
        sweep.name,
        sweep.notebook.display(),
        layout.count,
        failed.len()
    )];
    lines.extend(failed);
    if let Some(job) = sweep.slurm_jobs.last() {
        lines.push(queue_line(job));
    }
    Ok(lines.join("\n"))
}

/// What squeue says of the job's array tasks (`RUNNING 2, PENDING 6`).
fn queue_line(job: &str) -> String {
    let Some(squeue) = find_on_path("squeue") else {
        return format!("slurm job {job}: squeue is not on PATH, so only the files were read");
    };
    let out = Command::new(squeue)
        .args(["--noheader", "--array", "--jobs", job, "--format=%T"])
        .output();
    let Ok(out) = out else {
        return format!("slurm job {job}: squeue could not be started");
    };
    // squeue fails for a job it no longer knows: it has left the queue.
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    if out.status.success() {
        for state in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            *states.entry(state.to_string()).or_default() += 1;
        }
    }
    if states.is_empty() {
        return format!("slurm job {job}: no task left in the queue");
    }
    let parts: Vec<String> = states.iter().map(|(s, n)| format!("{s} {n}")).collect();
    format!("slurm job {job}: {}", parts.join(", "))
}
