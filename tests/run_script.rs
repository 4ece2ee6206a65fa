//! `ladder run script.rhai`: output, results, errors with line and caret, exit codes, input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-run-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `ladder run` on a script with `stdin` piped in.
fn run(dir: &Path, script: &str, stdin: &str) -> Output {
    let path = dir.join("script.rhai");
    std::fs::write(&path, script).unwrap();
    run_file(dir, &path, stdin)
}

fn run_file(dir: &Path, path: &Path, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .arg(path)
        .env("LADDER_IMAGE_DIR", dir.join("images"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ladder run");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn prints_output_and_the_final_value() {
    let dir = temp_dir("ok");
    let out = run(
        &dir,
        "fn double(x) { x * 2 }\nprint(`double: ${double(21)}`);\neprint(\"to stderr\");\n#{ a: 1 }\n",
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "double: 42\n#{\"a\": 1}\n");
    assert_eq!(text(&out.stderr), "to stderr\n");
}

#[test]
fn a_runtime_error_shows_file_line_and_caret_and_fails() {
    let dir = temp_dir("runtime");
    let out = run(
        &dir,
        "let a = 1;\nprint(\"before\");\nlet b = a + nowhere;\nprint(\"after\");\n",
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "before\n");
    let err = text(&out.stderr);
    let path = dir.join("script.rhai");
    assert!(
        err.contains(&format!("--> {}:3:13", path.display())),
        "{err}"
    );
    assert!(err.contains("3 | let b = a + nowhere;"), "{err}");
    assert!(err.contains("  |             ^"), "{err}");
    assert!(err.contains("VariableNotFound"), "{err}");
    // Not a terminal: no colour codes.
    assert!(!err.contains('\x1b'), "{err}");
}

#[test]
fn an_error_inside_a_function_names_the_call_chain() {
    let dir = temp_dir("chain");
    let out = run(
        &dir,
        "fn inner(x) {\n    x / 0\n}\nfn outer(x) { inner(x) }\nouter(5)\n",
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("in call to 'outer'"), "{err}");
    assert!(err.contains("in call to 'inner'"), "{err}");
    assert!(err.contains("2 |     x / 0"), "{err}");
    assert!(err.contains("ArithmeticError"), "{err}");
}

#[test]
fn a_syntax_error_fails_before_running_anything() {
    let dir = temp_dir("syntax");
    let out = run(&dir, "print(\"never\");\nlet x = (1 + ;\n", "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(err.contains(":2:"), "{err}");
}

#[test]
fn input_reads_standard_input() {
    let dir = temp_dir("input");
    let out = run(
        &dir,
        "let name = input(\"name? \");\nlet n = input().parse_int();\nprint(`${name} ${n + 1}`);\n",
        "Ada\n41\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "name? Ada 42\n");
}

#[test]
fn input_past_the_end_of_stdin_is_an_error() {
    let dir = temp_dir("eof");
    let out = run(&dir, "input(\"? \")\n", "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("end of input"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn updated_displays_end_in_their_final_state_in_a_log() {
    let dir = temp_dir("update");
    let out = run(
        &dir,
        "display(\"step 0\", \"bar\");\nfor i in 1..=50 { update_display(`step ${i}`, \"bar\"); }\n",
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("\"step 0\"\n"), "{stdout}");
    assert!(stdout.ends_with("\"step 50\"\n"), "{stdout}");
    // Not every step: updates to a log are thinned out.
    assert!(stdout.lines().count() < 10, "{stdout}");
}

#[test]
fn a_missing_file_is_reported() {
    let dir = temp_dir("missing");
    let out = run_file(&dir, &dir.join("nope.rhai"), "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read") && err.contains("nope.rhai"),
        "{err}"
    );
}

#[test]
fn the_tour_runs() {
    let dir = temp_dir("tour");
    let tour = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/tour.rhai");
    let out = run_file(&dir, &tour, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("PGR = 0.75"), "{stdout}");
    assert!(stdout.contains("training: step 5/5"), "{stdout}");
    assert!(
        stdout.contains("[image/png 640x480 written to "),
        "{stdout}"
    );
    assert!(dir.join("images/image-1.png").exists(), "{stdout}");
    assert!(stdout.trim_end().ends_with("0.75"), "{stdout}");
}

#[test]
fn quiet_notebook_runs_record_outputs_without_echoing_them() {
    let dir = temp_dir("quiet");
    let nb = dir.join("nb.ipynb");
    let cell = |src: &str| {
        format!(
            r#"{{"cell_type": "code", "execution_count": null, "metadata": {{}}, "outputs": [], "source": [{src:?}]}}"#
        )
    };
    std::fs::write(
        &nb,
        format!(
            r#"{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [{}, {}]}}"#,
            cell("print(\"hello from the notebook\");"),
            cell("let x = [1, 2];\nx[5]")
        ),
    )
    .unwrap();
    let executed = dir.join("out.ipynb");
    let out = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .arg(&nb)
        .arg("--quiet")
        .arg("-o")
        .arg(&executed)
        .output()
        .expect("start ladder run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("hello from the notebook"),
        "quiet run echoed: {}",
        text(&out.stdout)
    );
    // The error is still reported, and every output is in the executed notebook.
    assert!(
        text(&out.stderr).contains("out of bounds"),
        "{}",
        text(&out.stderr)
    );
    let saved = std::fs::read_to_string(&executed).unwrap();
    assert!(saved.contains("hello from the notebook"), "{saved}");
}

#[test]
fn a_help_query_prints_the_help_as_the_kernel_pages_it() {
    let dir = temp_dir("help");
    let out = run(&dir, "?print", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let help = text(&out.stdout);
    assert!(help.contains("print("), "{help}");
    let out = run(&dir, "no_such_function?", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "No help found for `no_such_function`.\n");
}

/// `-p` sets a variable before the script: a script that binds the name itself is warned
/// about, and the `is_def_var` form takes the value given.
#[test]
fn a_parameter_the_script_sets_itself_is_warned_about() {
    let dir = temp_dir("params");
    let script = dir.join("p.rhai");
    std::fs::write(
        &script,
        "let lr = 0.1;\nlet epochs = if is_def_var(\"epochs\") { epochs } else { 3 };\nprint(`${lr} ${epochs}`);\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args([
            "run",
            script.to_str().unwrap(),
            "-p",
            "lr=0.5",
            "-p",
            "epochs=7",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0.1 7"), "{stdout}");
    assert!(
        stderr.contains("sets `lr` itself") && !stderr.contains("`epochs`"),
        "{stderr}"
    );
}
