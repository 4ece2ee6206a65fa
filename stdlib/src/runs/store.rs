//! The run store: one SQLite file (bundled SQLite), safe for several processes at once.
//!
//! WAL mode lets readers go on while one process writes, and the busy timeout makes a writer
//! wait for another's transaction instead of failing; every insert is one transaction, so a
//! process killed mid-write leaves the last committed state. WAL needs shared memory between
//! the processes, so it is safe on one machine's disks but not across the nodes of a network
//! file system: there, each task writes its own file and [`RunStore::merge_from`] gathers them.

use super::filter::RunFilter;
use super::record::RunRecord;
use crate::error::{Error, Result};
use rusqlite::{params, params_from_iter, Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable that moves the store.
pub const STORE_ENV: &str = "LADDER_RUNS";

/// Bumped when the table changes; a store from a newer Ladder is refused, not misread.
const SCHEMA_VERSION: i64 = 1;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        started TEXT NOT NULL,
        dataset TEXT,
        seed INTEGER,
        record TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
    CREATE INDEX IF NOT EXISTS runs_name ON runs(name, started);
";

/// `f` again while it fails with "database is locked", for up to [`BUSY_TIMEOUT`]. Processes
/// opening a new store at once can each hold a read lock while asking for the write lock that
/// switching to WAL needs; SQLite then fails one at once instead of calling the busy handler.
fn when_not_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(e)
                if matches!(e.sqlite_error_code(), Some(DatabaseBusy | DatabaseLocked))
                    && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5))
            }
            result => return result,
        }
    }
}

pub struct RunStore {
    db: Connection,
    path: PathBuf,
}

impl RunStore {
    /// Open the store at `path`, creating the file (and its folder) when missing.
    pub fn open(path: &Path) -> Result<RunStore> {
        // SQLite opens "" as a private temporary database: records would vanish unseen.
        if path.as_os_str().is_empty() {
            return Err(Error::io(
                "",
                "run store: the path is empty; give a file, such as runs.sqlite",
            ));
        }
        if path.is_dir() {
            return Err(io_error(
                path,
                format!(
                    "is a folder; give a file in it, such as {}",
                    path.join("runs.sqlite").display()
                ),
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let fail = |e: rusqlite::Error| io_error(path, e);
        let db = Connection::open(path).map_err(fail)?;
        db.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // The mode is a property of the file: the first opener sets it, later ones read it.
        let mode: String =
            when_not_busy(|| db.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)))
                .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(io_error(path, format!("cannot use WAL mode (got {mode})")));
        }
        // In WAL mode NORMAL loses no committed transaction to a killed process, and keeps a
        // write well under a millisecond (FULL syncs on every commit).
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        let store = RunStore {
            db,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// `$LADDER_RUNS`, else `${XDG_DATA_HOME:-~/.local/share}/ladder/runs.sqlite`.
    pub fn default_path() -> PathBuf {
        default_path_in(|name| std::env::var_os(name))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&self) -> Result<()> {
        let fail = |e: rusqlite::Error| io_error(&self.path, e);
        let version: i64 = self
            .db
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(fail)?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > SCHEMA_VERSION {
            return Err(io_error(
                &self.path,
                format!(
                    "schema version {version} is newer than this Ladder's ({SCHEMA_VERSION}): \
                     use a newer Ladder or another store"
                ),
            ));
        }
        // IMMEDIATE takes the write lock first, so two processes creating one store at once
        // wait for each other instead of failing.
        when_not_busy(|| {
            self.db.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
        })
        .map_err(fail)
    }

    /// Write one record, in one transaction.
    pub fn insert(&self, record: &RunRecord) -> Result<()> {
        let json = serde_json::to_string(record).map_err(|e| Error::new(e.to_string()))?;
        insert_json(&self.db, record, &json, false)
            .map(|_| ())
            .map_err(|e| io_error(&self.path, e))
    }

    /// The records `filter` selects, oldest first (the newest `limit` when it has one).
    pub fn list(&self, filter: &RunFilter) -> Result<Vec<RunRecord>> {
        let (condition, mut args) = filter.to_sql();
        args.push(rusqlite::types::Value::Integer(
            filter.limit.map_or(-1, |l| l as i64),
        ));
        let sql = format!(
            "SELECT record FROM runs WHERE {condition} ORDER BY started DESC, rowid DESC LIMIT ?"
        );
        let mut records = self.query(&sql, params_from_iter(args))?;
        records.reverse();
        Ok(records)
    }

    /// The record with this id (or the only one whose id starts with it, as git takes short
    /// hashes); `None` when there is none.
    pub fn get(&self, id: &str) -> Result<Option<RunRecord>> {
        // A range on the primary key, not LIKE, so the lookup uses its index: ids are
        // lowercase hex and dashes, all sorting before `~`.
        let mut found = self.query(
            "SELECT record FROM runs WHERE id >= ?1 AND id < ?1 || '~' ORDER BY id LIMIT 3",
            [id],
        )?;
        if let Some(exact) = found.iter().position(|r| r.id == id) {
            return Ok(Some(found.swap_remove(exact)));
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(Error::data(format!(
                "run id `{id}` is ambiguous: give more of it"
            ))),
        }
    }

    /// How many records the store holds.
    pub fn count(&self) -> Result<usize> {
        self.db
            .query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| io_error(&self.path, e))
    }

    /// Import the records of the store at `other` that this one lacks (by id), in one
    /// transaction; returns how many were new.
    pub fn merge_from(&mut self, other: &Path) -> Result<usize> {
        if !other.exists() {
            return Err(Error::io(
                other.display().to_string(),
                format!("no run store at {}", other.display()),
            ));
        }
        let source = Connection::open_with_flags(other, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| io_error(other, e))?;
        source
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| io_error(other, e))?;
        let records =
            read_records(&source, "SELECT record FROM runs", []).map_err(|e| io_error(other, e))?;
        let fail = |e: rusqlite::Error| io_error(&self.path, e);
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut added = 0;
        for (record, json) in &records {
            added += insert_json(&tx, record, json, true).map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(added)
    }

    fn query(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<RunRecord>> {
        read_records(&self.db, sql, args)
            .map(|rows| rows.into_iter().map(|(r, _)| r).collect())
            .map_err(|e| io_error(&self.path, e))
    }
}

/// The default path with the environment read through `var`.
pub(super) fn default_path_in(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    match var(STORE_ENV).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => crate::user_dirs::ladder_data_dir_in(var).join("runs.sqlite"),
    }
}

/// `ignore_existing`: keep a record already stored under the same id (merging).
fn insert_json(
    db: &Connection,
    record: &RunRecord,
    json: &str,
    ignore_existing: bool,
) -> rusqlite::Result<usize> {
    let verb = if ignore_existing {
        "INSERT OR IGNORE"
    } else {
        "INSERT"
    };
    db.execute(
        &format!(
            "{verb} INTO runs (id, name, status, started, dataset, seed, record) \
             VALUES (?, ?, ?, ?, ?, ?, ?)"
        ),
        params![
            record.id,
            record.name,
            record.status,
            record
                .started
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            record.dataset,
            record.seed,
            json
        ],
    )
}

/// Each row's record, parsed, with its JSON text.
fn read_records(
    db: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(RunRecord, String)>> {
    let mut statement = db.prepare(sql)?;
    let rows = statement.query_map(args, |row| row.get::<_, String>(0))?;
    rows.map(|json| {
        let json = json?;
        let record = serde_json::from_str(&json).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok((record, json))
    })
    .collect()
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        path.display().to_string(),
        format!("run store {}: {e}", path.display()),
    )
}
