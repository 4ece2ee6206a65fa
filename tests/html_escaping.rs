//! A string with `<`, `>`, `&`, `"` and `'` as a data set's class name, a chart title and a
//! table cell shows as that text, never as markup: in the executed notebook's HTML and SVG
//! outputs (what JupyterLab renders) and in `ladder run --html`'s report.

use serde_json::{json, Value};
use std::process::Command;

const HOSTILE_SOURCE: &str = r#"let hostile = "<b>\"x\" & 'y'</b>";"#;
const RAW: &str = r#"<b>"x" & 'y'</b>"#;

fn joined(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

#[test]
fn markup_in_names_titles_and_cells_is_escaped_in_outputs_and_the_report() {
    let dir = std::env::temp_dir().join(format!("ladder-escaping-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cells = [
        HOSTILE_SOURCE,
        r#"let d = text_dataset(["good", "bad", "fine"], [hostile, "plain", "plain"]);"#,
        "classification_report(d, d)",
        "let c = line_chart(#{title: hostile, svg: true}); c.add_series(\"s\", [1, 2], [3, 4]); c",
    ];
    let notebook = json!({
        "cells": cells.iter().enumerate().map(|(i, c)| json!({
            "cell_type": "code", "id": format!("c{i}"), "metadata": {},
            "source": c, "outputs": [], "execution_count": null
        })).collect::<Vec<_>>(),
        "metadata": {"kernelspec": {"name": "ladder", "display_name": "Ladder", "language": "rhai"}},
        "nbformat": 4, "nbformat_minor": 5
    });
    let (input, output, report) = (
        dir.join("in.ipynb"),
        dir.join("out.ipynb"),
        dir.join("report.html"),
    );
    std::fs::write(&input, notebook.to_string()).unwrap();
    let done = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .arg("run")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("--html")
        .arg(&report)
        .env("LADDER_IMAGE_DIR", dir.join("images"))
        .output()
        .expect("start ladder run");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    let executed: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let outputs = |cell: usize, mime: &str| -> String {
        executed["cells"][cell]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| joined(&o["data"][mime]))
            .collect()
    };
    let table = outputs(2, "text/html");
    assert!(
        table.contains("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"),
        "{table}"
    );
    let svg = outputs(3, "image/svg+xml");
    assert!(svg.contains("&lt;b&gt;") && svg.contains("&amp;"), "{svg}");
    for markup in [table, svg] {
        assert!(
            !markup.contains("<b>"),
            "unescaped markup in an output: {markup}"
        );
    }

    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"));
    assert!(
        !html.contains(RAW) && !html.contains("<b>"),
        "unescaped markup in the report"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
