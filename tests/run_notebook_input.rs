//! `ladder run` on a notebook it should not run as it is: one written for another kernel,
//! and `-p` names its parameters cell does not set.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-nb-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A notebook of code cells with the given metadata, written to `dir/in.ipynb`.
fn write_notebook(dir: &Path, metadata: serde_json::Value, cells: serde_json::Value) -> PathBuf {
    let path = dir.join("in.ipynb");
    let nb = json!({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells});
    std::fs::write(&path, nb.to_string()).unwrap();
    path
}

fn code(source: &str, tags: &[&str]) -> serde_json::Value {
    json!({"cell_type": "code", "metadata": {"tags": tags}, "source": source,
           "outputs": [], "execution_count": null})
}

fn ladder_run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .args(args)
        .env("LADDER_IMAGE_DIR", dir.join("images"))
        .output()
        .expect("start ladder run")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_python_notebook_is_refused_naming_its_kernel_unless_asked_to_run_anyway() {
    let dir = temp_dir("python");
    let python = json!({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}
    });
    // Valid Python and valid Rhai, so that --any-kernel can run it.
    let nb = write_notebook(&dir, python, json!([code("print(\"ran\")", &[])]));
    let out_nb = dir.join("out.ipynb");
    let args = [nb.to_str().unwrap(), "-o", out_nb.to_str().unwrap()];

    let refused = ladder_run(&dir, &args);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("python3") && message.contains("language python"),
        "{message}"
    );
    assert!(message.contains("nothing was run"), "{message}");
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("ran"));
    assert!(!out_nb.exists(), "a refused notebook is not written out");

    let forced = ladder_run(&dir, &[&args[..], &["--any-kernel"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(std::fs::read_to_string(&out_nb).unwrap().contains("ran"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ladder_and_unlabelled_notebooks_run() {
    let dir = temp_dir("ours");
    for metadata in [
        json!({}),
        json!({"kernelspec": {"name": "ladder", "display_name": "Rhai (Ladder)",
                              "language": "rhai"}}),
    ] {
        let nb = write_notebook(&dir, metadata, json!([code("print(\"ran\")", &[])]));
        let out = ladder_run(&dir, &[nb.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("ran"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_parameter_is_warned_about_naming_the_parameters_cell_names() {
    let dir = temp_dir("params");
    let nb = write_notebook(
        &dir,
        json!({}),
        json!([
            code("let seeds = 5;\nlet epochs = 30;", &["parameters"]),
            code("print(`${seeds} ${epochs}`)", &[])
        ]),
    );
    let out = ladder_run(
        &dir,
        &[nb.to_str().unwrap(), "-p", "nonexistent=1", "-p", "seeds=2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("unknown parameter: nonexistent") && message.contains("seeds, epochs"),
        "{message}"
    );
    assert!(!message.contains("unknown parameter: seeds"), "{message}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 30"));
    let _ = std::fs::remove_dir_all(&dir);
}
