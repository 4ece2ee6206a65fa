//! A self-contained HTML report of an executed notebook: markdown rendered (math as
//! MathML), code highlighted, its outputs, images inlined as data URIs, so the one file can
//! be mailed or attached and read offline. Cells tagged `remove-cell`, `remove-input` or
//! `remove-output` lose what nbconvert's TagRemovePreprocessor removes for those tags.

use super::format::{has_tag, source_text};
use super::highlight::{self, rhai_html};
use super::markdown;
use ladder_scripting::html::escape;
use serde_json::Value;

const STYLE: &str = r#"
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1f2328; }
.cell { margin: 1rem 0; }
.prompt { color: #57606a; font: 0.8rem monospace; }
pre { background: #f6f8fa; padding: 0.6rem 0.8rem; overflow-x: auto; border-radius: 6px;
      margin: 0.2rem 0; }
pre.source { border-left: 3px solid #0969da; }
pre.output { background: #fff; border-left: 3px solid #d0d7de; }
pre.stderr { background: #fff8f0; }
pre.error { background: #fff0f0; border-left: 3px solid #cf222e; }
.output img { max-width: 100%; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem; }
math[display="block"] { margin: 0.6rem 0; overflow-x: auto; }
.raw-html { white-space: pre-wrap; font-family: monospace; }
"#;

/// The report for a notebook (as JSON) titled `title`.
pub fn report(notebook: &Value, title: &str) -> String {
    let mut body = String::new();
    for cell in notebook["cells"].as_array().into_iter().flatten() {
        if has_tag(cell, "remove-cell") {
            continue;
        }
        body.push_str("<div class=\"cell\">\n");
        match cell["cell_type"].as_str() {
            Some("markdown") => body.push_str(&markdown::to_html(&source_text(cell))),
            Some("code") => code_cell(cell, &mut body),
            _ => body.push_str(&format!("<pre>{}</pre>\n", escape(&source_text(cell)))),
        }
        body.push_str("</div>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title),
        highlight::STYLE
    )
}

fn code_cell(cell: &Value, body: &mut String) {
    let count = cell["execution_count"]
        .as_u64()
        .map_or(" ".to_string(), |n| n.to_string());
    if !has_tag(cell, "remove-input") {
        body.push_str(&format!(
            "<div class=\"prompt\">In [{count}]:</div>\n<pre class=\"source\"><code>{}</code></pre>\n",
            rhai_html(&source_text(cell))
        ));
    }
    if has_tag(cell, "remove-output") {
        return;
    }
    for output in cell["outputs"].as_array().into_iter().flatten() {
        match output["output_type"].as_str() {
            Some("stream") => {
                let class = if output["name"] == "stderr" {
                    "output stderr"
                } else {
                    "output"
                };
                body.push_str(&format!(
                    "<pre class=\"{class}\">{}</pre>\n",
                    escape(&multiline(&output["text"]))
                ));
            }
            Some("display_data") | Some("execute_result") => {
                body.push_str("<div class=\"output\">");
                body.push_str(&rich(&output["data"]));
                body.push_str("</div>\n");
            }
            Some("error") => {
                let lines: Vec<String> = output["traceback"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(strip_ansi)
                    .collect();
                body.push_str(&format!(
                    "<pre class=\"error\">{}</pre>\n",
                    escape(&lines.join("\n"))
                ));
            }
            _ => {}
        }
    }
}

/// The richest form a browser shows: HTML, then images, then text.
fn rich(data: &Value) -> String {
    if let Some(html) = data.get("text/html") {
        return multiline(html);
    }
    if let Some(png) = data.get("image/png") {
        let encoded: String = multiline(png).split_whitespace().collect();
        return format!("<img src=\"data:image/png;base64,{encoded}\" alt=\"plot\">");
    }
    if let Some(svg) = data.get("image/svg+xml") {
        return multiline(svg);
    }
    match data.get("text/plain") {
        Some(text) => format!("<pre class=\"output\">{}</pre>", escape(&multiline(text))),
        None => String::new(),
    }
}

/// nbformat text fields may be a string or a list of lines.
fn multiline(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        other => other.to_string(),
    }
}

/// Tracebacks carry terminal colours; a page shows them plain.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte
            if chars.next() == Some('[') {
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_report_holds_markdown_code_outputs_and_inline_images() {
        let nb = json!({"cells": [
            {"cell_type": "markdown", "source": "# Results <b>"},
            {"cell_type": "code", "source": "1 < 2", "execution_count": 1, "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "a < b\n"},
                {"output_type": "display_data", "data": {"image/png": "iVBORw0K", "text/plain": "chart"}},
                {"output_type": "execute_result", "execution_count": 1, "data": {"text/plain": "true"}},
                {"output_type": "error", "ename": "E", "evalue": "v",
                 "traceback": ["\u{1b}[31mE\u{1b}[0m: v"]}
            ]}
        ]});
        let page = report(&nb, "t <1>");
        assert!(page.contains("<title>t &lt;1&gt;</title>"));
        assert!(page.contains("<h1>Results &lt;b&gt;</h1>"));
        assert!(page.contains("In [1]:"));
        assert!(page.contains("<span class=\"num\">1</span> &lt; <span class=\"num\">2</span>"));
        assert!(page.contains("a &lt; b"));
        assert!(page.contains("src=\"data:image/png;base64,iVBORw0K\""));
        assert!(page.contains(">true</pre>"));
        assert!(page.contains("<pre class=\"error\">E: v</pre>"));
    }

    fn cell(kind: &str, source: &str, tags: &[&str], output: &str) -> Value {
        json!({"cell_type": kind, "source": source, "metadata": {"tags": tags},
               "execution_count": 1,
               "outputs": [{"output_type": "stream", "name": "stdout", "text": output}]})
    }

    #[test]
    fn remove_tags_hide_the_cell_its_input_or_its_outputs() {
        let nb = json!({"cells": [
            cell("code", "let kept_source = 1;", &[], "kept output"),
            cell("code", "let hidden_source = 2;", &["remove-input"], "shown output"),
            cell("code", "let shown_source = 3;", &["remove-output"], "hidden output"),
            cell("code", "let gone_source = 4;", &["remove-cell"], "gone output"),
            cell("markdown", "gone markdown", &["remove-cell"], ""),
        ]});
        let page = report(&nb, "t");
        for shown in ["kept_source", "kept output", "shown output", "shown_source"] {
            assert!(page.contains(shown), "{shown} missing");
        }
        for hidden in [
            "hidden_source",
            "hidden output",
            "gone_source",
            "gone output",
            "gone markdown",
        ] {
            assert!(!page.contains(hidden), "{hidden} shown");
        }
        assert_eq!(page.matches("In [1]:").count(), 2);
    }

    #[test]
    fn markdown_math_is_mathml_and_code_is_highlighted() {
        let nb = json!({"cells": [
            {"cell_type": "markdown", "source": "$$\\mathrm{acc}_{w2s}$$ and $a_b$", "metadata": {}},
            {"cell_type": "code", "source": "let x = \"s\"; // c", "metadata": {},
             "execution_count": 1, "outputs": []},
        ]});
        let page = report(&nb, "t");
        assert!(
            page.contains("<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"block\">")
        );
        assert!(!page.contains("<em>"));
        assert!(page.contains("<span class=\"kw\">let</span> x = <span class=\"str\">&quot;s&quot;</span>; <span class=\"com\">// c</span>"));
        assert!(page.contains(".kw {"));
    }
}
