//! Input history, kept across kernel restarts in an SQLite file in the user's data directory
//! (`$XDG_DATA_HOME/ladder/history.sqlite`), as IPython keeps it: a `sessions` table whose
//! numbers SQLite hands out (so kernels started together, or after a cell of any length,
//! never share one) and a `history` table of stored cells. A `history.jsonl` from earlier
//! versions is imported once, when the database is created.

use crate::messages::HistoryRequest;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub session: i64,
    pub line: u64,
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
}

pub struct History {
    db: Connection,
    /// This kernel's session number.
    session: i64,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS sessions (
        session INTEGER PRIMARY KEY AUTOINCREMENT,
        start TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE IF NOT EXISTS history (
        session INTEGER NOT NULL,
        line INTEGER NOT NULL,
        source TEXT NOT NULL,
        output TEXT,
        PRIMARY KEY (session, line)
    );";

impl History {
    /// The history database in the user's data directory; in memory only when there is none.
    pub fn open_default() -> Self {
        match dirs::data_dir() {
            Some(dir) => Self::open(&dir.join("ladder").join("history.sqlite")),
            None => Self::in_memory(),
        }
    }

    pub fn in_memory() -> Self {
        let start = Connection::open_in_memory().and_then(|db| {
            db.execute_batch(SCHEMA)?;
            Self::start(db)
        });
        start.expect("SQLite opens an in-memory history")
    }

    pub fn open(path: &Path) -> Self {
        let opened = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                let is_new = !path.exists();
                let db = Connection::open(path).map_err(|e| e.to_string())?;
                // Several kernels write at once: WAL lets readers and one writer proceed, and
                // a writer waits for a lock instead of failing.
                db.busy_timeout(Duration::from_secs(5))
                    .and_then(|()| db.pragma_update(None, "journal_mode", "WAL"))
                    .map_err(|e| e.to_string())?;
                db.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
                if is_new {
                    import_jsonl(&db, &path.with_file_name("history.jsonl"));
                }
                Self::start(db).map_err(|e| e.to_string())
            });
        match opened {
            Ok(history) => history,
            Err(e) => {
                eprintln!(
                    "ladder kernel: history kept in memory only ({}: {e})",
                    path.display()
                );
                Self::in_memory()
            }
        }
    }

    /// Take a new session number.
    fn start(db: Connection) -> rusqlite::Result<Self> {
        db.execute("INSERT INTO sessions DEFAULT VALUES", [])?;
        let session = db.last_insert_rowid();
        Ok(Self { db, session })
    }

    pub fn session(&self) -> i64 {
        self.session
    }

    /// Store one executed cell (and the text of its result, if any).
    pub fn record(&mut self, line: u64, input: &str, output: Option<String>) {
        let stored = self.db.execute(
            "INSERT OR REPLACE INTO history VALUES (?1, ?2, ?3, ?4)",
            params![self.session, line as i64, input, output],
        );
        if let Err(e) = stored {
            eprintln!("ladder kernel: could not save history: {e}");
        }
    }

    /// Answer a `history_request`: `[session, line, input]` triples (input and output pairs
    /// when `output` is asked for), oldest first.
    pub fn reply(&mut self, request: &HistoryRequest) -> Vec<Value> {
        let entries = match request.hist_access_type.as_str() {
            "tail" => self.tail(request.n.unwrap_or(10)),
            "range" => self.range(
                request.session.unwrap_or(0),
                request.start.unwrap_or(0),
                request.stop,
            ),
            "search" => self.search(
                request.pattern.as_deref().unwrap_or("*"),
                request.n,
                request.unique,
            ),
            _ => Vec::new(),
        };
        entries
            .into_iter()
            .map(|e| match request.output {
                true => json!([e.session, e.line, [e.input, e.output]]),
                false => json!([e.session, e.line, e.input]),
            })
            .collect()
    }

    /// The last `n` cells across all sessions.
    pub fn tail(&mut self, n: usize) -> Vec<Entry> {
        let mut latest = self.query(
            "SELECT * FROM history ORDER BY session DESC, line DESC LIMIT ?1",
            params![n as i64],
        );
        latest.reverse();
        latest
    }

    /// Cells `start..stop` (stop excluded, `None` = to the end) of a session: a positive
    /// number, or 0 for this one and negative numbers counting back from it.
    pub fn range(&mut self, session: i64, start: i64, stop: Option<i64>) -> Vec<Entry> {
        let session = if session > 0 {
            session
        } else {
            self.session + session
        };
        self.query(
            "SELECT * FROM history WHERE session = ?1 AND line >= ?2 AND line < ?3 ORDER BY line",
            params![session, start, stop.unwrap_or(i64::MAX)],
        )
    }

    /// Cells whose input matches a glob (`*`, `?`, as SQLite's GLOB); the latest `n` when
    /// given; with `unique`, each distinct input once (its latest run).
    pub fn search(&mut self, pattern: &str, n: Option<usize>, unique: bool) -> Vec<Entry> {
        let mut found = self.query(
            "SELECT * FROM history WHERE source GLOB ?1 ORDER BY session, line",
            params![pattern],
        );
        if unique {
            let mut seen = std::collections::HashSet::new();
            found.reverse();
            found.retain(|e| seen.insert(e.input.clone()));
            found.reverse();
        }
        let keep = n.unwrap_or(found.len()).min(found.len());
        found.split_off(found.len() - keep)
    }

    fn query(&self, sql: &str, args: impl rusqlite::Params) -> Vec<Entry> {
        let rows = self.db.prepare_cached(sql).and_then(|mut statement| {
            statement
                .query_map(args, |row| {
                    Ok(Entry {
                        session: row.get(0)?,
                        line: row.get::<_, i64>(1)? as u64,
                        input: row.get(2)?,
                        output: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
        rows.unwrap_or_else(|e| {
            eprintln!("ladder kernel: could not read history: {e}");
            Vec::new()
        })
    }
}

/// Bring in the JSON-lines history earlier versions kept, under its own session numbers
/// (sessions taken afterwards come after them).
fn import_jsonl(db: &Connection, path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let entries: Vec<Entry> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let imported = (|| -> rusqlite::Result<()> {
        let tx = db.unchecked_transaction()?;
        for e in &entries {
            tx.execute(
                "INSERT OR IGNORE INTO sessions (session) VALUES (?1)",
                [e.session],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO history VALUES (?1, ?2, ?3, ?4)",
                params![e.session, e.line as i64, e.input, e.output],
            )?;
        }
        tx.commit()
    })();
    if let Err(e) = imported {
        eprintln!("ladder kernel: could not import {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_survives_a_restart_and_answers_tail_range_and_search() {
        let dir = std::env::temp_dir().join(format!("ladder-history-{}", uuid::Uuid::new_v4()));
        let path = dir.join("history.sqlite");
        let mut first = History::open(&path);
        assert_eq!(first.session(), 1);
        first.record(1, "let a = 1;", None);
        first.record(2, "a + 1", Some("2".into()));
        drop(first);

        let mut second = History::open(&path);
        assert_eq!(second.session(), 2);
        second.record(1, "a + 1", None);
        let tail = second.tail(2);
        assert_eq!((tail[0].session, tail[0].line), (1, 2));
        assert_eq!((tail[1].session, tail[1].line), (2, 1));
        assert_eq!(second.range(-1, 1, Some(2)).len(), 1);
        assert_eq!(second.range(1, 0, None).len(), 2);
        assert_eq!(second.search("a + *", None, false).len(), 2);
        assert_eq!(second.search("a + *", None, true).len(), 1);
        assert_eq!(second.search("*", Some(2), false).len(), 2);
        assert_eq!(second.search("1 + ?", None, false).len(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_long_cell_does_not_make_the_next_kernel_reuse_its_session() {
        let dir = std::env::temp_dir().join(format!("ladder-history-{}", uuid::Uuid::new_v4()));
        let path = dir.join("history.sqlite");
        let mut first = History::open(&path);
        first.record(1, "let a = 1;", None);
        first.record(2, &"x".repeat(100_000), None);
        drop(first);
        let (mut second, mut third) = (History::open(&path), History::open(&path));
        assert_eq!((second.session(), third.session()), (2, 3));
        second.record(1, "b", None);
        third.record(1, "c", None);
        assert_eq!(third.range(1, 0, None).len(), 2);
        assert_eq!(third.range(-1, 0, None)[0].input, "b");
        assert_eq!(third.tail(10).len(), 4);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_earlier_jsonl_history_is_imported_once() {
        let dir = std::env::temp_dir().join(format!("ladder-history-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = [
            r#"{"session":1,"line":1,"input":"let a = 1;","output":null}"#,
            r#"{"session":4,"line":1,"input":"a","output":"1"}"#,
        ];
        std::fs::write(dir.join("history.jsonl"), old.join("\n")).unwrap();
        let mut history = History::open(&dir.join("history.sqlite"));
        assert_eq!(history.session(), 5);
        assert_eq!(history.range(4, 0, None)[0].output.as_deref(), Some("1"));
        drop(history);
        let mut again = History::open(&dir.join("history.sqlite"));
        assert_eq!((again.session(), again.tail(10).len()), (6, 2));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
