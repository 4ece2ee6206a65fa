//! `ladder runs`: the run store from the shell (list, show one record, export).

use clap::Subcommand;
use ladder_stdlib::runs::export::{to_csv, to_jsonl};
use ladder_stdlib::runs::view::{one, Runs};
use ladder_stdlib::runs::{RunFilter, RunStore};
use std::io::Write;
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
    #[command(group(clap::ArgGroup::new("format").required(true).args(["csv", "jsonl"])))]
    Export {
        #[arg(long)]
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

/// Run `command` on the store at `db` (the default store when `None`); without a command, list
/// the runs `filter` selects.
pub fn run(
    command: Option<RunsCommand>,
    filter: FilterArgs,
    db: Option<PathBuf>,
) -> Result<i32, String> {
    let path = db.unwrap_or_else(RunStore::default_path);
    if !path.exists() {
        return Err(format!(
            "no run store at {} (experiment calls create it; LADDER_RUNS or --db moves it)",
            path.display()
        ));
    }
    let store = RunStore::open(&path).map_err(|e| e.to_string())?;
    let list = |f: FilterArgs| store.list(&f.filter()).map_err(|e| e.to_string());
    let command = command.unwrap_or(RunsCommand::List { filter });
    let text = match command {
        RunsCommand::List { filter } => {
            let runs = Runs {
                records: list(filter)?,
            };
            format!("{}\n", runs.table().to_text())
        }
        RunsCommand::Show { id } => match store.get(&id).map_err(|e| e.to_string())? {
            Some(record) => format!("{}\n", one(&record).to_text()),
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
            text.map_err(|e| e.to_string())?
        }
    };
    emit(&text)?;
    Ok(0)
}

/// Writes `text` to stdout. A reader that stopped reading (`ladder runs | head`) is not an
/// error: what it wanted it has.
fn emit(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("writing to stdout: {e}"))
        }
        _ => Ok(()),
    }
}
