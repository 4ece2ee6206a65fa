//! `ladder`: the Rhai REPL, script runner and Jupyter kernel for weak-to-strong research.

#[cfg(not(feature = "cuda"))]
mod cuda_handover;
mod runs_command;
mod sweep_command;
mod sweep_store;

use clap::{Parser, Subcommand};
use ladder_scripting::{Frontend, Library, Session, SessionFactory};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;

// Counts the bytes the process holds, so a runaway cell stops at `max_memory` with an
// error instead of being killed for running out of memory.
#[global_allocator]
static ALLOC: ladder_scripting::memory::CountingAllocator =
    ladder_scripting::memory::CountingAllocator;

#[derive(Parser)]
#[command(name = "ladder", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Interactive REPL (the default).
    Repl,
    /// Run a Rhai script, or execute a notebook without Jupyter.
    Run {
        /// The `.rhai` script or `.ipynb` notebook to run.
        file: PathBuf,
        /// Notebooks: write the executed notebook here.
        #[arg(short = 'o', long = "output", value_name = "OUT.ipynb")]
        output: Option<PathBuf>,
        /// Notebooks: write a self-contained HTML report here.
        #[arg(long, value_name = "REPORT.html")]
        html: Option<PathBuf>,
        /// Set a variable before the run (papermill style: after the cell tagged `parameters`).
        #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
        parameters: Vec<String>,
        /// Notebooks: do not echo cell outputs to the terminal (errors are still reported).
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Notebooks: run the cells as Rhai even when the notebook names another kernel.
        #[arg(long = "any-kernel")]
        any_kernel: bool,
    },
    /// Run a notebook once per point of a parameter grid, here or as a Slurm array job.
    Sweep(sweep_command::SweepArgs),
    /// The run records experiment calls leave: list them, show one, export them.
    #[command(args_conflicts_with_subcommands = true)]
    Runs {
        #[command(subcommand)]
        command: Option<runs_command::RunsCommand>,
        /// Without a command, the table of the runs these select (as `list` takes them).
        #[command(flatten)]
        filter: runs_command::FilterArgs,
        /// The store to read (default: $LADDER_RUNS, else ~/.local/share/ladder/runs.sqlite).
        #[arg(long, global = true, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Serve a Jupyter kernel (started by Jupyter with a connection file).
    Kernel {
        #[arg(long = "connection-file", short = 'f')]
        connection_file: PathBuf,
    },
    /// Install the `ladder` Jupyter kernelspec.
    Install {
        /// Into the user's Jupyter data directory (the default).
        #[arg(long, conflicts_with_all = ["sys_prefix", "prefix"])]
        user: bool,
        /// Into the running Python environment's prefix (a virtualenv).
        #[arg(long = "sys-prefix", conflicts_with = "prefix")]
        sys_prefix: bool,
        /// Into `DIR/share/jupyter/kernels`.
        #[arg(long, value_name = "DIR")]
        prefix: Option<PathBuf>,
    },
}

/// Every front end gets sessions with the standard library installed.
fn session_factory() -> SessionFactory {
    Arc::new(|frontend: Rc<dyn Frontend>| Session::with_libraries(frontend, libraries()))
}

/// What every session gets: the standard library, and `%%rust` cells in a build with them.
fn libraries() -> Vec<Rc<dyn Library>> {
    let libraries = vec![ladder_stdlib::library()];
    #[cfg(feature = "rust-cells")]
    let libraries = {
        let mut libraries = libraries;
        libraries.push(ladder_rustcells::library());
        libraries
    };
    libraries
}

fn main() -> ExitCode {
    // A Rust cell's child process (and evcxr's rustc wrapper) is this binary: it takes over
    // here and never returns.
    #[cfg(feature = "rust-cells")]
    ladder_rustcells::runtime_hook();
    // Where the CUDA build is installed and can start, it runs instead of this CPU build.
    #[cfg(not(feature = "cuda"))]
    cuda_handover::hand_over();
    // Before any thread starts: candle's element-wise pool size (see ladder_stdlib::threads).
    ladder_stdlib::threads::init_process();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Repl) {
        Command::Repl => ladder_cli::repl::run(session_factory()).map(|()| 0),
        Command::Run {
            file,
            output,
            html,
            parameters,
            quiet,
            any_kernel,
        } => {
            let options = ladder_cli::runner::RunOptions {
                output,
                html,
                parameters,
                quiet,
                any_kernel,
            };
            ladder_cli::runner::run_file(&file, options, session_factory())
        }
        Command::Sweep(args) => sweep_command::run(args),
        Command::Runs {
            command,
            filter,
            db,
        } => runs_command::run(command, filter, db),
        Command::Kernel { connection_file } => {
            ladder_kernel::run(&connection_file, session_factory()).map(|()| 0)
        }
        Command::Install {
            user: _,
            sys_prefix,
            prefix,
        } => {
            let target = match (sys_prefix, prefix) {
                (true, _) => ladder_kernel::InstallTarget::SysPrefix,
                (_, Some(dir)) => ladder_kernel::InstallTarget::Prefix(dir),
                _ => ladder_kernel::InstallTarget::User,
            };
            ladder_kernel::install(target).map(|dir| {
                println!("Installed the ladder kernelspec in {}", dir.display());
                0
            })
        }
    };
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(message) => {
            eprintln!("ladder: {message}");
            ExitCode::FAILURE
        }
    }
}
