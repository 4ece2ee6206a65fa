//! `ladder sweep`: its command line, handed to ladder_cli::sweep with the run store.

use crate::sweep_store::StdlibStore;
use clap::Args;
use ladder_cli::sweep::{self, SlurmOptions, SweepOptions};
use std::path::PathBuf;

#[derive(Args)]
pub struct SweepArgs {
    /// The notebook to run once per grid point (its `parameters` cell sets the swept names).
    #[arg(required_unless_present_any = ["status", "collect"])]
    notebook: Option<PathBuf>,
    /// One axis of the grid: NAME=a..b (a to b-1), NAME=a..=b, NAME=x,y,z or NAME=value.
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUES")]
    parameters: Vec<String>,
    /// Points run at once on this machine, each in its own process (the cores are split).
    #[arg(short = 'j', long, default_value_t = 1)]
    jobs: usize,
    /// The sweep's folder: executed notebooks, reports, records, summary (a rerun resumes).
    #[arg(short = 'o', long = "output", value_name = "DIR",
          required_unless_present_any = ["status", "collect"])]
    output: Option<PathBuf>,
    /// Submit the grid as one Slurm array job instead of running it here.
    #[arg(long)]
    slurm: bool,
    /// Slurm: the partition (e.g. gpu).
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Slurm: generic resources per task (e.g. gpu:1).
    #[arg(long, requires = "slurm")]
    gres: Option<String>,
    /// Slurm: the time limit per task (e.g. 1:00:00).
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// Slurm: CPUs per task (also the task's thread count).
    #[arg(long = "cpus-per-task", requires = "slurm")]
    cpus_per_task: Option<u32>,
    /// Slurm: memory per task (e.g. 16G).
    #[arg(long, requires = "slurm")]
    mem: Option<String>,
    /// Report how far the sweep in DIR is.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["notebook", "collect", "output"])]
    status: Option<PathBuf>,
    /// Merge the records of the sweep in DIR into the store and write its summary.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["notebook", "output"])]
    collect: Option<PathBuf>,
}

pub fn run(args: SweepArgs) -> Result<i32, String> {
    if let Some(dir) = args.status {
        return sweep::status(&dir);
    }
    if let Some(dir) = args.collect {
        return sweep::collect(&dir, &StdlibStore);
    }
    let (Some(notebook), Some(output)) = (args.notebook, args.output) else {
        return Err("a sweep needs a notebook and -o DIR".into());
    };
    let slurm = args.slurm.then_some(SlurmOptions {
        partition: args.partition,
        gres: args.gres,
        time: args.time,
        cpus_per_task: args.cpus_per_task,
        mem: args.mem,
    });
    let options = SweepOptions {
        notebook,
        parameters: args.parameters,
        jobs: args.jobs,
        output,
        slurm,
    };
    sweep::sweep(options, &StdlibStore)
}
