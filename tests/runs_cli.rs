//! `ladder runs` on the records a `ladder run` script leaves: list, show by a short id,
//! export as CSV and JSON lines, and a clear error for a missing store.

use std::path::Path;
use std::process::{Command, Output};

fn ladder(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(args)
        .env("LADDER_RUNS", store)
        .output()
        .unwrap()
}

fn stdout(out: Output) -> String {
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn runs_lists_shows_and_exports_what_a_script_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("runs.sqlite");
    let script = dir.path().join("probe.rhai");
    std::fs::write(
        &script,
        r#"for w in [1, 2] { record("probe", #{options: #{weak_size: w}, metrics: #{pgr: w * 0.25}}); }"#,
    )
    .unwrap();
    stdout(ladder(&store, &["run", script.to_str().unwrap()]));

    let list = stdout(ladder(&store, &["runs"]));
    assert!(
        list.starts_with("2 runs") && list.contains("weak_size"),
        "{list}"
    );

    let jsonl = stdout(ladder(&store, &["runs", "export", "--jsonl"]));
    let records: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["metrics"]["pgr"], 0.5);
    let source = records[0]["source"].as_str().unwrap();
    assert!(source.ends_with("probe.rhai"), "{source}");

    let id = records[0]["id"].as_str().unwrap();
    let shown = stdout(ladder(&store, &["runs", "show", &id[..8]]));
    assert!(
        shown.contains(id) && shown.contains("options.weak_size"),
        "{shown}"
    );

    let csv = stdout(ladder(
        &store,
        &["runs", "export", "--csv", "--name", "probe"],
    ));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"options.weak_size") && header.contains(&"metrics.pgr"));
    assert_eq!(lines.count(), 2);
}

#[test]
fn a_missing_store_or_id_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = ladder(&dir.path().join("none.sqlite"), &["runs"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run store"));
    let store = dir.path().join("runs.sqlite");
    ladder_stdlib_store(&store);
    let unknown = ladder(&store, &["runs", "show", "abc"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no run with id `abc`"));
}

/// An empty store, made by the binary itself.
fn ladder_stdlib_store(store: &Path) {
    let script = store.with_extension("rhai");
    std::fs::write(&script, r#"runs_db(); runs().len"#).unwrap();
    stdout(ladder(store, &["run", script.to_str().unwrap()]));
}

#[test]
fn a_store_that_cannot_be_written_warns_once_and_the_calls_go_on() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the store's folder should be: nothing can be created under it.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let script = dir.path().join("fits.rhai");
    std::fs::write(
        &script,
        r#"let d = moons(#{n: 50});
           for i in 0..3 { fit(mlp([2, 4, 2]), d, #{epochs: 1, progress: false}); }
           "done""#,
    )
    .unwrap();
    let out = ladder(
        &blocker.join("runs.sqlite"),
        &["run", script.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("done"));
    assert_eq!(
        stderr.matches("run records are not being saved").count(),
        1,
        "{stderr}"
    );
}

/// `ladder runs --name X` filters as `ladder runs list --name X` does (list is the default),
/// and a reader that stops early (`ladder runs | head -1`) ends it quietly, not with a panic.
#[test]
fn filters_work_without_list_and_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("runs.sqlite");
    let script = dir.path().join("two.rhai");
    std::fs::write(
        &script,
        r#"for i in 0..40 { record(if i == 0 { "first" } else { "other" }, #{metrics: #{i: i}}); }"#,
    )
    .unwrap();
    stdout(ladder(&store, &["run", script.to_str().unwrap()]));

    let listed = stdout(ladder(&store, &["runs", "--name", "first", "--limit", "5"]));
    assert!(listed.starts_with("1 run"), "{listed}");
    let export = stdout(ladder(
        &store,
        &["runs", "export", "--jsonl", "--name", "other"],
    ));
    assert_eq!(export.lines().count(), 39);

    for args in [&["runs"][..], &["runs", "export", "--csv"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ladder"))
            .args(args)
            .env("LADDER_RUNS", &store)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the table is written, as `head` does once it has its line.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !stderr.contains("panicked"),
            "{args:?}: {:?}\n{stderr}",
            out.status
        );
    }
}
