//! `ladder run` stopped by SIGINT in the middle of any long-running library call (fit, samme,
//! samme_cv, weak_to_strong, distill, distill_chain, bootstrap_chain, dawid_skene, embed,
//! apply_lfs): the run reports an interrupt (as for a plain Rhai loop) and exits with 130.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const MARKER: &str = "started";

fn script(name: &str, setup: &str, call: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-interrupt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("script.rhai");
    std::fs::write(&path, format!("{setup}\nprint(\"{MARKER}\");\n{call}\n")).unwrap();
    path
}

/// The exit code and stderr of `ladder run` on a script that runs `setup`, prints the marker
/// and then runs `call`, sent SIGINT shortly after the marker.
fn interrupted_run(name: &str, setup: &str, call: &str) -> (Option<i32>, String) {
    let path = script(name, setup, call);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ladder run");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "{name}: ladder run ended before printing the marker");
        if line.trim_end() == MARKER {
            break;
        }
    }
    // Let the call get going inside the library before interrupting it.
    thread::sleep(Duration::from_millis(300));
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let code = wait(&mut child, name);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (code, stderr)
}

fn wait(child: &mut Child, name: &str) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name}: ladder run did not stop within 60 s of SIGINT");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn assert_interrupted(name: &str, setup: &str, call: &str) {
    let (code, stderr) = interrupted_run(name, setup, call);
    assert_eq!(code, Some(130), "{name}: stderr was\n{stderr}");
    // The same report as an interrupted plain Rhai loop, not an exception from the call.
    let (_, plain) = interrupted_run(
        &format!("{name}-loop"),
        "",
        "let s = 0; for i in 0..1000000000 { s += i; }",
    );
    assert_eq!(
        stderr.trim_end().lines().last(),
        plain.trim_end().lines().last(),
        "{name}: stderr was\n{stderr}"
    );
    assert!(
        stderr.contains("Interrupted"),
        "{name}: stderr was\n{stderr}"
    );
}

#[test]
fn samme_is_interrupted() {
    assert_interrupted(
        "samme",
        "",
        "let m = samme(dataset(\"digits\"), #{rounds: 100000});",
    );
}

#[test]
fn fit_is_interrupted() {
    assert_interrupted(
        "fit",
        "let m = mlp([64, 32, 10]);",
        "fit(m, dataset(\"digits\"), #{epochs: 100000, progress: false});",
    );
}

#[test]
fn apply_lfs_is_interrupted() {
    assert_interrupted(
        "apply_lfs",
        "let rows = []; for i in 0..300000 { rows.push(i); }",
        "let L = apply_lfs(rows, [|r| { let s = 0; for k in 0..20 { s += k; } if r % 2 == 0 { 1 } else { -1 } }]);",
    );
}

#[test]
fn dawid_skene_is_interrupted() {
    assert_interrupted(
        "dawid_skene",
        "",
        "let m = dawid_skene(label_matrix([[0, 1, 0], [1, 1, -1], [0, 0, 1], [1, -1, 1]]), #{max_iter: 1000000000, tol: 0.0});",
    );
}

#[test]
fn weak_to_strong_is_interrupted() {
    assert_interrupted(
        "weak_to_strong",
        "",
        "let r = weak_to_strong(dataset(\"digits\"), #{weak: #{kind: \"logistic\", epochs: 100000}, strong: #{hidden: [32], epochs: 100000}});",
    );
}

#[test]
fn samme_cv_is_interrupted() {
    assert_interrupted(
        "samme_cv",
        "",
        "let t = samme_cv(dataset(\"digits\"), #{rounds: 100000});",
    );
}

#[test]
fn distill_is_interrupted() {
    assert_interrupted(
        "distill",
        "let d = dataset(\"digits\"); let t = mlp([64, 10]);",
        "let r = distill(t, #{hidden: [16], epochs: 100000}, d, #{test: d});",
    );
}

#[test]
fn distill_chain_is_interrupted() {
    assert_interrupted(
        "distill_chain",
        "let d = dataset(\"digits\"); let t = mlp([64, 10]);",
        "let r = distill_chain(t, [#{hidden: [32], epochs: 100000}, #{hidden: [16], epochs: 100000}], d, #{test: d});",
    );
}

#[test]
fn bootstrap_chain_is_interrupted() {
    assert_interrupted(
        "bootstrap_chain",
        "",
        "let t = bootstrap_chain(dataset(\"digits\"), #{models: [#{kind: \"logistic\", epochs: 100000}, #{hidden: [16], epochs: 100000}]});",
    );
}

/// Whether `ladder run` can open the installed encoder (the embed case needs it).
fn encoder_installed() -> bool {
    let path = script("encoder-probe", "", "encoder();");
    Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .arg(&path)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn embed_is_interrupted() {
    if !encoder_installed() {
        eprintln!("SKIPPED: all-MiniLM-L6-v2 is not installed (./install.sh --with-minilm)");
        return;
    }
    assert_interrupted(
        "embed",
        "let e = encoder(); let texts = []; for i in 0..20000 { texts.push(`A man is eating a piece of bread, number ${i}`); }",
        "let v = embed(e, texts);",
    );
}
