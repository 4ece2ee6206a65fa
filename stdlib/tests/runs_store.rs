//! The run store under several processes: concurrent writers lose nothing, and a writer killed
//! mid-loop leaves a readable store. The writers are this test binary run again as a child
//! (`writer` below does nothing unless the parent names a store in RUNS_WRITER_STORE).

use ladder_stdlib::runs::{RunFilter, RunRecord, RunStore};
use std::path::Path;
use std::process::{Child, Command};

const WRITER_STORE: &str = "RUNS_WRITER_STORE";
const WRITER_COUNT: &str = "RUNS_WRITER_COUNT";

/// The child: write RUNS_WRITER_COUNT records (forever when 0), each its own transaction.
#[test]
fn writer() {
    let Some(path) = std::env::var_os(WRITER_STORE) else {
        return;
    };
    let count: usize = std::env::var(WRITER_COUNT).unwrap().parse().unwrap();
    let store = RunStore::open(Path::new(&path)).unwrap();
    let pid = std::process::id() as i64;
    for i in 0.. {
        if count > 0 && i >= count {
            break;
        }
        let mut r = RunRecord::start("writer");
        r.seed = Some(pid);
        r.metrics.insert("i".into(), i.into());
        store.insert(&r).unwrap();
    }
}

fn spawn_writer(store: &Path, count: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer", "--test-threads=1"])
        .env(WRITER_STORE, store)
        .env(WRITER_COUNT, count.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn four_processes_writing_at_once_lose_no_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    let writers: Vec<Child> = (0..4).map(|_| spawn_writer(&path, 200)).collect();
    let mut pids = Vec::new();
    for w in writers {
        pids.push(w.id() as i64);
        let out = w.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a writer failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let store = RunStore::open(&path).unwrap();
    assert_eq!(store.count().unwrap(), 800);
    for pid in pids {
        let filter = RunFilter {
            seed: Some(pid),
            ..Default::default()
        };
        let mut seen: Vec<i64> = store
            .list(&filter)
            .unwrap()
            .iter()
            .map(|r| r.metrics["i"].as_i64().unwrap())
            .collect();
        seen.sort();
        assert_eq!(seen, (0..200).collect::<Vec<_>>(), "writer {pid}");
    }
}

#[test]
fn a_writer_killed_mid_loop_leaves_a_readable_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    let mut writer = spawn_writer(&path, 0);
    // Wait until it has written some records, then kill it without warning (SIGKILL).
    loop {
        if let Ok(store) = RunStore::open(&path) {
            if store.count().unwrap_or(0) >= 100 {
                break;
            }
        }
        assert!(writer.try_wait().unwrap().is_none(), "the writer stopped");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    writer.kill().unwrap();
    writer.wait().unwrap();

    let store = RunStore::open(&path).unwrap();
    let records = store.list(&RunFilter::default()).unwrap();
    assert!(records.len() >= 100);
    assert_eq!(records.len(), store.count().unwrap());
    let db = rusqlite::Connection::open(&path).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // And it still takes writes.
    store.insert(&RunRecord::start("after")).unwrap();
}
