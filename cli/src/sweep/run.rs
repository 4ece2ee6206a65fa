//! Runs a sweep's points on this machine: each point is `ladder run` in its own process (a
//! point cannot disturb another's session, and a crash loses one point), `jobs` at a time, the
//! cores split between them.

use super::grid::Point;
use super::layout::{Layout, PointState};
use super::spec::Sweep;
use std::collections::VecDeque;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

/// How the points ended.
#[derive(Debug, Default, PartialEq)]
pub struct Tally {
    pub skipped: usize,
    pub ok: usize,
    pub failed: usize,
}

/// Run every point not already done (a killed sweep resumes where it stopped; a failed point
/// runs again). A failing point does not stop the others.
pub fn run_points(sweep: &Sweep, dir: &Path, jobs: usize, ladder: &Path) -> Result<Tally, String> {
    let layout = sweep.layout(dir);
    layout.create_folders()?;
    let mut tally = Tally::default();
    let mut queue = VecDeque::new();
    for point in sweep.points() {
        if layout.state(&point) == PointState::Done {
            tally.skipped += 1;
        } else {
            queue.push_back(point);
        }
    }
    if tally.skipped > 0 {
        eprintln!(
            "resuming: {} of {} points already done",
            tally.skipped, layout.count
        );
    }
    let jobs = jobs.clamp(1, queue.len().max(1));
    let threads = threads_per_job(jobs);
    let queue = Mutex::new(queue);
    let tally = Mutex::new(tally);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let Some(point) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let started = Instant::now();
                let outcome = run_point(sweep, &layout, &point, ladder, threads);
                let mut t = tally.lock().unwrap();
                let n = t.ok + t.failed + t.skipped + 1;
                let secs = started.elapsed().as_secs_f64();
                match outcome {
                    Ok(0) => {
                        t.ok += 1;
                        eprintln!("[{n}/{}] {}: ok ({secs:.1} s)", layout.count, point.label());
                    }
                    Ok(code) => {
                        t.failed += 1;
                        eprintln!(
                            "[{n}/{}] {}: failed, exit {code} ({secs:.1} s; see {})",
                            layout.count,
                            point.label(),
                            layout.log(&point).display()
                        );
                    }
                    Err(e) => {
                        t.failed += 1;
                        eprintln!("[{n}/{}] {}: {e}", layout.count, point.label());
                    }
                }
            });
        }
    });
    Ok(tally.into_inner().unwrap())
}

/// Each of `jobs` processes gets an equal share of the cores, so they do not fight over them;
/// a `RAYON_NUM_THREADS` the user set wins.
fn threads_per_job(jobs: usize) -> Option<usize> {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Some((cores / jobs).max(1))
}

/// `ladder run` on one point, its output into the point's log; returns its exit code.
fn run_point(
    sweep: &Sweep,
    layout: &Layout,
    point: &Point,
    ladder: &Path,
    threads: Option<usize>,
) -> Result<i32, String> {
    layout.clear_point(point);
    let log_path = layout.log(point);
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(ladder);
    cmd.arg("run")
        .arg(&sweep.notebook)
        .arg("--quiet")
        .arg("-o")
        .arg(layout.notebook(point))
        .arg("--html")
        .arg(layout.report(point));
    for (name, value) in &point.values {
        cmd.arg("-p").arg(format!("{name}={value}"));
    }
    cmd.env("LADDER_RUNS", layout.records(point))
        .env(
            "LADDER_RUN_TAGS",
            point.tags(&sweep.name, layout.count).to_string(),
        )
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n.to_string());
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {}: {e}", ladder.display()))?;
    let code = exit_code(status);
    let exit = layout.exit_file(point);
    std::fs::write(&exit, format!("{code}\n"))
        .map_err(|e| format!("cannot write {}: {e}", exit.display()))?;
    Ok(code)
}

/// The exit code, or 128 + the signal that ended the process (as shells report it).
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
