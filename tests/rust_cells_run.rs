//! `%%rust` cells in `ladder run` notebooks (README, "Rust cells"): Rust output, results and
//! rich displays saved in the executed notebook beside the Rhai cells', values both ways,
//! and a clear error when no Rust toolchain is on PATH. The kernel's side is in
//! tests/python/test_kernel_rust_cells.py.
#![cfg(feature = "rust-cells")]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ladder-rust-run-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn notebook(dir: &Path, cells: &[&str]) -> PathBuf {
    let cells: Vec<Value> = cells
        .iter()
        .map(|source| {
            json!({"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                   "execution_count": null})
        })
        .collect();
    let nb = json!({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells});
    let path = dir.join("in.ipynb");
    std::fs::write(&path, nb.to_string()).unwrap();
    path
}

fn ladder_run(dir: &Path, nb: &Path, path_var: Option<&str>) -> (Output, Option<Value>) {
    let out_nb = dir.join("out.ipynb");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ladder"));
    command
        .args(["run", nb.to_str().unwrap(), "-o", out_nb.to_str().unwrap()])
        .env("LADDER_IMAGE_DIR", dir.join("images"));
    if let Some(path) = path_var {
        // evcxr also looks under the home folder (~/.cargo/bin) for the tools.
        command.env("PATH", path).env("HOME", dir);
    }
    let out = command.output().expect("start ladder run");
    let executed = std::fs::read_to_string(&out_nb)
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap());
    (out, executed)
}

fn outputs(nb: &Value, cell: usize) -> &Vec<Value> {
    nb["cells"][cell]["outputs"].as_array().unwrap()
}

#[test]
fn rust_and_rhai_cells_share_values_and_their_outputs_are_saved() {
    let dir = temp_dir("share");
    let nb = notebook(
        &dir,
        &[
            "rust_set(\"scores\", [3, 4, 5]);",
            "%%rust\nprintln!(\"{} scores\", scores.len());\nlet total: i64 = scores.iter().sum();\nladder_bridge::set(\"total\", total);\ntotal",
            "%%rust\nladder_bridge::display(\"image/svg+xml\", \"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>\");",
            "rust_get(\"total\") * 2",
            "%%rust\ntotal * 10",
        ],
    );
    let (out, executed) = ladder_run(&dir, &nb, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let executed = executed.expect("the executed notebook");
    let rust = outputs(&executed, 1);
    assert!(
        rust.iter()
            .any(|o| o["name"] == "stdout" && o["text"].to_string().contains("3 scores")),
        "{rust:?}"
    );
    assert!(
        rust.iter()
            .any(|o| o["output_type"] == "execute_result" && o["data"]["text/plain"] == "12"),
        "{rust:?}"
    );
    let svg = outputs(&executed, 2);
    assert!(
        svg.iter().any(|o| o["output_type"] == "display_data"
            && o["data"]["image/svg+xml"].to_string().contains("<rect")),
        "{svg:?}"
    );
    let back = outputs(&executed, 3);
    assert!(
        back.iter().any(|o| o["data"]["text/plain"] == "24"),
        "{back:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_compile_error_is_recorded_with_the_cells_line() {
    let dir = temp_dir("compile-error");
    let nb = notebook(&dir, &["%%rust\nlet ok = 1;\nlet bad: u8 = \"text\";"]);
    let (out, executed) = ladder_run(&dir, &nb, None);
    assert!(!out.status.success());
    let executed = executed.expect("the notebook is written up to the error");
    let error = outputs(&executed, 0)
        .iter()
        .find(|o| o["output_type"] == "error")
        .expect("an error output")
        .clone();
    assert_eq!(error["ename"], "RustCompileError");
    let traceback = error["traceback"].to_string();
    assert!(
        traceback.contains("line 3") && traceback.contains("let bad"),
        "{traceback}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_rust_toolchain_the_first_rust_cell_says_what_is_missing() {
    let dir = temp_dir("no-toolchain");
    let nb = notebook(&dir, &["%%rust\n1 + 1"]);
    // No cargo or rustc on this PATH, nor under this home folder.
    let (out, _) = ladder_run(&dir, &nb, Some("/nonexistent"));
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("rustc and cargo") && message.contains("rustup"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
