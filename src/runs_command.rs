//! `ladder runs`: the run store from the shell (list, show one record, export).

use clap::Subcommand;
use ladder_stdlib::runs::export::{to_csv, to_jsonl};
use ladder_stdlib::runs::view::{one, Runs};
use ladder_stdlib::runs::{RunFilter, RunStore};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RunsCommand {
    /// The records as a table, oldest first (the default).
    List {
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// One record, every field.
    Show {
        /// The run's id, or a unique start of it.
        id: String,
    },
    /// Every record matching the filters, as CSV or JSON lines on stdout.
    Export {
        #[arg(long, conflicts_with = "jsonl", required_unless_present = "jsonl")]
        csv: bool,
        #[arg(long)]
        jsonl: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
}

#[derive(clap::Args, Default)]
pub struct FilterArgs {
    /// Only runs of this call (`fit`, `weak_to_strong`, a `record` name, `sweep`).
    #[arg(long)]
    name: Option<String>,
    /// Only runs that ended so: ok, failed or interrupted.
    #[arg(long)]
    status: Option<String>,
    /// Only the runs of this sweep id.
    #[arg(long)]
    sweep: Option<String>,
    /// Only the newest N runs.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

impl FilterArgs {
    fn filter(self) -> RunFilter {
        let mut filter = RunFilter {
            name: self.name,
            status: self.status,
            limit: self.limit,
            ..RunFilter::default()
        };
        if let Some(sweep) = self.sweep {
            filter.tags.insert("sweep".into(), sweep.into());
        }
        filter
    }
}

/// Run `command` on the store at `db` (the default store when `None`).
pub fn run(command: Option<RunsCommand>, db: Option<PathBuf>) -> Result<i32, String> {
    let path = db.unwrap_or_else(RunStore::default_path);
    if !path.exists() {
        return Err(format!(
            "no run store at {} (experiment calls create it; LADDER_RUNS or --db moves it)",
            path.display()
        ));
    }
    let store = RunStore::open(&path).map_err(|e| e.to_string())?;
    let list = |f: FilterArgs| store.list(&f.filter()).map_err(|e| e.to_string());
    let command = command.unwrap_or(RunsCommand::List {
        filter: FilterArgs::default(),
    });
    match command {
        RunsCommand::List { filter } => {
            println!(
                "{}",
                Runs {
                    records: list(filter)?
                }
                .table()
                .to_text()
            );
        }
        RunsCommand::Show { id } => match store.get(&id).map_err(|e| e.to_string())? {
            Some(record) => println!("{}", one(&record).to_text()),
            None => return Err(format!("no run with id `{id}` in {}", path.display())),
        },
        RunsCommand::Export {
            csv,
            jsonl: _,
            filter,
        } => {
            let records = list(filter)?;
            let text = if csv {
                to_csv(&records)
            } else {
                to_jsonl(&records)
            };
            print!("{}", text.map_err(|e| e.to_string())?);
        }
    }
    Ok(0)
}
