//! `ladder sweep NOTEBOOK -p NAME=VALUES ... -o DIR`: run a notebook once per point of a grid,
//! here (`--jobs N` at a time) or as a Slurm array job (`--slurm`), and gather the points' run
//! records into a summary and the user's store.

pub mod grid;
mod layout;
pub mod records;
mod run;
pub mod slurm;
mod spec;
mod status;
mod summary;

pub use records::{RecordRow, RecordStore};
pub use slurm::SlurmOptions;

use spec::Sweep;
use std::path::{Path, PathBuf};

pub struct SweepOptions {
    pub notebook: PathBuf,
    /// `NAME=VALUES` strings, one per axis.
    pub parameters: Vec<String>,
    pub jobs: usize,
    pub output: PathBuf,
    /// Submit to Slurm instead of running here.
    pub slurm: Option<SlurmOptions>,
}

/// Run (or submit) the sweep; the exit code is 1 when a point failed.
pub fn sweep(options: SweepOptions, store: &dyn RecordStore) -> Result<i32, String> {
    let axes = grid::parse_axes(&options.parameters)?;
    let mut sweep = Sweep::open_or_create(&options.notebook, axes, &options.output)?;
    let dir = &options.output;
    let ladder = std::env::current_exe().map_err(|e| format!("cannot find ladder itself: {e}"))?;
    let count = sweep.points().len();
    if let Some(slurm) = &options.slurm {
        sweep.save(dir)?;
        let job = slurm::submit(&mut sweep, dir, &ladder, slurm)?;
        sweep.save(dir)?;
        match job {
            None => eprintln!("every point of {} is done already", dir.display()),
            Some(id) => {
                println!("{id}");
                eprintln!(
                    "submitted Slurm job {id} ({count} points, {}); follow it with \
                     `ladder sweep --status {d}`, then `ladder sweep --collect {d}`",
                    spec::describe(&sweep.axes),
                    d = dir.display()
                );
            }
        }
        return Ok(0);
    }
    sweep.save(dir)?;
    eprintln!(
        "sweep {}: {count} points ({}) into {}",
        sweep.name,
        spec::describe(&sweep.axes),
        dir.display()
    );
    let tally = run::run_points(&sweep, dir, options.jobs, &ladder)?;
    gather(&sweep, dir, store)?;
    eprintln!(
        "{} ok, {} failed, {} done before",
        tally.ok, tally.failed, tally.skipped
    );
    Ok(if tally.failed > 0 { 1 } else { 0 })
}

/// `ladder sweep --status DIR`.
pub fn status(dir: &Path) -> Result<i32, String> {
    println!("{}", status::report(dir)?);
    Ok(0)
}

/// `ladder sweep --collect DIR`: merge the points' records into the store, write the summary.
pub fn collect(dir: &Path, store: &dyn RecordStore) -> Result<i32, String> {
    let sweep = Sweep::load(dir)?;
    gather(&sweep, dir, store)?;
    println!("{}", status::report(dir)?);
    Ok(0)
}

/// Merge every point's store into the user's, then write the summary.
fn gather(sweep: &Sweep, dir: &Path, store: &dyn RecordStore) -> Result<(), String> {
    let layout = sweep.layout(dir);
    let target = store.default_path()?;
    let mut merged = 0;
    for point in sweep.points() {
        let file = layout.records(&point);
        if file.exists() {
            merged += store.merge(&file, &target)?;
        }
    }
    let rows = summary::write(sweep, dir, store)?;
    eprintln!(
        "{merged} new records merged into {}; summary ({rows} rows): {} and {}",
        target.display(),
        layout.summary_html().display(),
        layout.summary_csv().display()
    );
    Ok(())
}
