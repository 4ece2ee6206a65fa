//! `ladder sweep` on this machine: bad input is refused before anything runs, a sweep runs
//! every point into its folder, keeps going past a failing point, and a rerun resumes, also
//! after the sweep was killed mid-point.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn point_notebook() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweep/point.ipynb")
}

/// `ladder sweep ARGS`, the user's store in `dir`.
fn sweep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("sweep")
        .args(args)
        .env("LADDER_RUNS", dir.join("user-runs.sqlite"))
        .env("LADDER_IMAGE_DIR", dir.join("images"))
        .output()
        .expect("start ladder sweep")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The sweep fails with `message` in its error, and leaves no sweep folder.
fn refused(dir: &Path, args: &[&str], message: &str) {
    let out = sweep(dir, args);
    assert!(!out.status.success(), "{args:?} ran");
    assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    assert!(
        !dir.join("out/sweep.json").exists(),
        "{args:?} wrote a sweep"
    );
}

#[test]
fn bad_grids_and_notebooks_are_refused_before_anything_runs() {
    let dir = temp_dir("bad");
    let nb = point_notebook();
    let nb = nb.to_str().unwrap();
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    refused(&dir, &[nb, "-o", out], "empty grid");
    refused(&dir, &[nb, "-p", "seed=3..3", "-o", out], "empty grid");
    refused(
        &dir,
        &[nb, "-p", "sed=0..2", "-o", out],
        "unknown parameter sed: the parameters cell of",
    );
    refused(&dir, &[nb, "-p", "sed=0..2", "-o", out], "sets seed, loss");

    let untagged = std::fs::read_to_string(nb)
        .unwrap()
        .replace("\"parameters\"", "\"setup\"");
    let plain = dir.join("plain.ipynb");
    std::fs::write(&plain, untagged).unwrap();
    let plain = plain.to_str().unwrap();
    refused(
        &dir,
        &[plain, "-p", "seed=0..2", "-o", out],
        "no cell tagged `parameters`",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn slurm_without_sbatch_on_the_path_is_refused() {
    let dir = temp_dir("nosbatch");
    let empty = dir.join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args([
            "sweep",
            point_notebook().to_str().unwrap(),
            "-p",
            "seed=0..2",
        ])
        .arg("-o")
        .arg(dir.join("out"))
        .arg("--slurm")
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("sbatch is not on PATH"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn summary_rows(dir: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(dir.join("out/summary.csv")).unwrap();
    csv.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn a_sweep_runs_every_point_keeps_going_past_a_failure_and_resumes() {
    let dir = temp_dir("local");
    let args = [
        point_notebook().to_str().unwrap().to_string(),
        "-p".into(),
        "seed=0..=1".into(),
        "-p".into(),
        "loss=xent,boom".into(),
        "-j".into(),
        "2".into(),
        "-o".into(),
        dir.join("out").to_str().unwrap().into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sweep(&dir, &args);
    // seed=1 loss=boom fails on purpose: the sweep says so in its exit code, after every point.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let names = [
        "000_seed=0_loss=xent",
        "001_seed=0_loss=boom",
        "002_seed=1_loss=xent",
        "003_seed=1_loss=boom",
    ];
    for name in names {
        assert!(
            dir.join(format!("out/notebooks/{name}.ipynb")).exists(),
            "{name}"
        );
        assert!(
            dir.join(format!("out/reports/{name}.html")).exists(),
            "{name}"
        );
    }
    let rows = summary_rows(&dir);
    assert_eq!(rows.len(), 4, "{rows:?}");
    // The point's record, with its own score (seed * 10 + the loss's length).
    assert!(
        rows[2].starts_with("002_seed=1_loss=xent,1,xent,ok,point,ok,"),
        "{rows:?}"
    );
    assert!(rows[2].contains(",14,"), "{rows:?}");
    assert!(
        stderr(&out).contains("3 new records merged into"),
        "{}",
        stderr(&out)
    );
    assert!(
        rows[3].starts_with("003_seed=1_loss=boom,1,boom,exit 1,"),
        "{rows:?}"
    );
    let executed = std::fs::read_to_string(dir.join("out/notebooks/002_seed=1_loss=xent.ipynb"));
    assert!(executed.unwrap().contains("seed 1, loss xent, score 14"));
    assert!(std::fs::read_to_string(dir.join("out/summary.html"))
        .unwrap()
        .contains("<td>002_seed=1_loss=xent</td>"));

    // As a killed sweep leaves it: one point never finished.
    std::fs::remove_file(dir.join("out/status/000_seed=0_loss=xent.exit")).unwrap();
    let again = sweep(&dir, &args);
    assert_eq!(again.status.code(), Some(1));
    let log = stderr(&again);
    assert!(
        log.contains("resuming: 2 of 4 points already done"),
        "{log}"
    );
    assert!(log.contains("seed=0 loss=xent: ok"), "{log}");
    assert!(!log.contains("seed=1 loss=xent"), "{log}");
    // The rerun point's record is new; the others' were merged before.
    assert!(log.contains("1 new records merged into"), "{log}");
    assert_eq!(summary_rows(&dir).len(), 4);

    // Another grid in the same folder is refused rather than mixed in.
    let other = sweep(&dir, &[args[0], "-p", "seed=5", "-o", args[8]]);
    assert!(
        stderr(&other).contains("holds another sweep"),
        "{}",
        stderr(&other)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The point notebook, each point past `seed = 0` made to take a while (a busy wait: Rhai has
/// no sleep), so a kill lands while one runs.
fn slow_point_notebook(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(point_notebook()).unwrap().replace(
        "\"source\": \"if loss",
        "\"source\": \"let start = timestamp();\\nwhile seed > 0 && start.elapsed < 1.5 {}\\nif loss",
    );
    assert!(text.contains("start.elapsed"));
    let path = dir.join("slow.ipynb");
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits for `path` to exist; the deadline only keeps a broken sweep from hanging the test.
fn wait_for(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never came",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_killed_sweep_resumes_where_it_stopped() {
    use std::os::unix::process::CommandExt;
    let dir = temp_dir("killed");
    let nb = slow_point_notebook(&dir);
    let out = dir.join("out");
    let args = [
        nb.to_str().unwrap(),
        "-p",
        "seed=0..=2",
        "-j",
        "1",
        "-o",
        out.to_str().unwrap(),
    ];
    // Its own process group, so the kill takes its running `ladder run` with it.
    let mut first = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("sweep")
        .args(args)
        .env("LADDER_RUNS", dir.join("user-runs.sqlite"))
        .env("LADDER_IMAGE_DIR", dir.join("images"))
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    wait_for(&out.join("status/000_seed=0.exit"));
    wait_for(&out.join("logs/001_seed=1.log"));
    let pgid = first.id() as i32;
    assert_eq!(unsafe { libc::kill(-pgid, libc::SIGKILL) }, 0);
    first.wait().unwrap();
    let finished_notebook = std::fs::read(out.join("notebooks/000_seed=0.ipynb")).unwrap();
    let second_done_before_kill = out.join("status/001_seed=1.exit").exists();

    let again = sweep(&dir, &args);
    let log = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{log}");
    assert!(log.contains("resuming:"), "{log}");
    assert!(
        !log.contains("seed=0:"),
        "the finished point ran again: {log}"
    );
    if !second_done_before_kill {
        assert!(log.contains("seed=1: ok"), "{log}");
    }
    assert!(log.contains("seed=2: ok"), "{log}");
    assert_eq!(
        std::fs::read(out.join("notebooks/000_seed=0.ipynb")).unwrap(),
        finished_notebook
    );

    // Every point once, with its own record (score = seed * 10 + 4), in the summary and the store.
    let rows = summary_rows(&dir);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (seed, row) in rows.iter().enumerate() {
        assert!(
            row.starts_with(&format!("00{seed}_seed={seed},{seed},ok,point,ok,")),
            "{rows:?}"
        );
        assert!(row.contains(&format!(",{},", seed * 10 + 4)), "{rows:?}");
    }
    let export = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(["runs", "export", "--jsonl"])
        .env("LADDER_RUNS", dir.join("user-runs.sqlite"))
        .output()
        .unwrap();
    let mut scores: Vec<i64> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|r| r["metrics"]["score"].as_i64().unwrap())
        .collect();
    scores.sort();
    assert_eq!(scores, [4, 14, 24]);
    let _ = std::fs::remove_dir_all(&dir);
}
