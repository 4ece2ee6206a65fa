//! Reading and writing `.ipynb` files (nbformat 4.5) and papermill-style parameters.
//!
//! The notebook is kept as JSON so that fields this module does not know survive a run.

use super::kernel::{other_kernel, OtherKernel};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// A notebook as JSON, checked to be nbformat 4 with a list of cells.
pub struct Notebook {
    pub json: Value,
    /// The kernel the file names when that is not Ladder (read before the metadata is
    /// rewritten to say Ladder ran it).
    pub other_kernel: Option<OtherKernel>,
}

impl Notebook {
    /// Parse a notebook; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Self, String> {
        let json: Value = serde_json::from_str(text)
            .map_err(|e| format!("{name} is not valid notebook JSON: {e}"))?;
        let major = json.get("nbformat").and_then(Value::as_u64);
        if major != Some(4) {
            return Err(format!(
                "{name}: nbformat {} is not supported (only version 4)",
                major.map_or("(missing)".to_string(), |m| m.to_string())
            ));
        }
        if !json.get("cells").is_some_and(Value::is_array) {
            return Err(format!("{name}: no \"cells\" list"));
        }
        let other_kernel = other_kernel(&json["metadata"]);
        let mut notebook = Self { json, other_kernel };
        notebook.upgrade();
        Ok(notebook)
    }

    pub fn cells(&self) -> &Vec<Value> {
        self.json["cells"].as_array().expect("checked in parse")
    }

    pub fn cells_mut(&mut self) -> &mut Vec<Value> {
        self.json["cells"].as_array_mut().expect("checked in parse")
    }

    /// Bring a 4.x notebook to 4.5: every cell gets a unique `id`; say which kernel and
    /// language ran it.
    fn upgrade(&mut self) {
        let minor = self.json["nbformat_minor"].as_u64().unwrap_or(0);
        self.json["nbformat_minor"] = json!(minor.max(5));
        let mut seen = HashSet::new();
        let mut counter = 0u64;
        for cell in self.cells_mut() {
            let id = cell.get("id").and_then(Value::as_str).map(str::to_string);
            let valid = id.as_deref().is_some_and(|id| {
                (1..=64).contains(&id.len())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
            if !valid || !seen.insert(id.clone().unwrap_or_default()) {
                let fresh = loop {
                    counter += 1;
                    let candidate = cell_id(counter);
                    if seen.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                cell["id"] = json!(fresh);
            }
        }
        let metadata = self.json["metadata"].as_object_mut();
        let metadata = match metadata {
            Some(m) => m,
            None => {
                self.json["metadata"] = json!({});
                self.json["metadata"].as_object_mut().expect("just set")
            }
        };
        metadata.insert(
            "kernelspec".into(),
            json!({ "name": "ladder", "display_name": "Rhai (Ladder)", "language": "rhai" }),
        );
        metadata.insert(
            "language_info".into(),
            json!({
                "name": "rhai",
                "mimetype": "text/x-rhai",
                "file_extension": ".rhai",
                "codemirror_mode": "rust",
                "pygments_lexer": "rust",
                "nbconvert_exporter": "script",
            }),
        );
    }

    /// Insert a cell setting the given parameters after the cell tagged `parameters`
    /// (papermill's convention; at the top when there is none), replacing a cell injected
    /// by an earlier run.
    pub fn inject_parameters(&mut self, parameters: &[(String, String)]) -> Result<(), String> {
        if parameters.is_empty() {
            return Ok(());
        }
        let mut source = String::from("// Parameters injected by `ladder run -p`\n");
        for (name, value) in parameters {
            if !is_identifier(name) {
                return Err(format!(
                    "parameter name '{name}' is not a Rhai variable name (letters, digits, _)"
                ));
            }
            source.push_str(&format!("let {name} = {};\n", rhai_literal(value)));
        }
        let used: HashSet<String> = self
            .cells()
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect();
        let id = (1..)
            .map(|n| format!("injected-parameters-{n}"))
            .find(|id| !used.contains(id))
            .expect("an unused id");
        let cell = json!({
            "cell_type": "code",
            "id": id,
            "metadata": { "tags": ["injected-parameters"] },
            "source": source,
            "outputs": [],
            "execution_count": null,
        });
        let cells = self.cells_mut();
        if let Some(old) = cells.iter().position(|c| has_tag(c, "injected-parameters")) {
            cells[old] = cell;
        } else {
            let at = cells
                .iter()
                .position(|c| has_tag(c, "parameters"))
                .map_or(0, |i| i + 1);
            cells.insert(at, cell);
        }
        Ok(())
    }

    pub fn to_pretty_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.json).expect("JSON values serialize");
        text.push('\n');
        text
    }
}

/// A cell's source, which nbformat allows as a string or a list of lines.
pub fn source_text(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

pub fn has_tag(cell: &Value, tag: &str) -> bool {
    cell["metadata"]["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag)))
}

/// A parameter value as Rhai source: integers, floats and booleans as themselves (as
/// papermill infers them), anything else as a string.
pub fn rhai_literal(value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.parse::<i64>().is_ok() {
        return trimmed.to_string();
    }
    if let Ok(x) = trimmed.parse::<f64>() {
        if x.is_finite() {
            let text = trimmed.to_string();
            // Rhai needs a digit before and after the point: `5.` and `.5` are not floats.
            return if text.contains('.') && !text.starts_with('.') && !text.ends_with('.') {
                text
            } else {
                format!("{x:?}")
            };
        }
    }
    match trimmed {
        "true" | "True" => return "true".into(),
        "false" | "False" => return "false".into(),
        _ => {}
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A deterministic cell id (so re-running a notebook does not churn its ids).
fn cell_id(n: u64) -> String {
    // A 64-bit mix (splitmix64) so ids look unrelated but are reproducible.
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{:08x}", z as u32)
}

/// An empty `outputs` list and a null count, as a code cell that has not run.
pub fn clear_cell(cell: &mut Value) {
    if let Some(object) = cell.as_object_mut() {
        object.insert("outputs".into(), Value::Array(Vec::new()));
        object.insert("execution_count".into(), Value::Null);
    }
}

/// A `Map` from a JSON object (empty for anything else).
pub fn object(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_typed_like_papermill() {
        assert_eq!(rhai_literal("5"), "5");
        assert_eq!(rhai_literal("-3"), "-3");
        assert_eq!(rhai_literal("0.25"), "0.25");
        assert_eq!(rhai_literal("1e-3"), "0.001");
        assert_eq!(rhai_literal("5."), "5.0");
        assert_eq!(rhai_literal("True"), "true");
        assert_eq!(rhai_literal("gpt2"), "\"gpt2\"");
        assert_eq!(rhai_literal("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
    }

    #[test]
    fn parameters_go_after_the_tagged_cell_and_replace_old_ones() {
        let text = r##"{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# T"},
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "let n = 1;",
             "outputs": [], "execution_count": null},
            {"cell_type": "code", "metadata": {}, "source": ["n", " * 2"], "outputs": [],
             "execution_count": null}]}"##;
        let mut nb = Notebook::parse(text, "t.ipynb").unwrap();
        assert_eq!(nb.json["nbformat_minor"], 5);
        let ids: HashSet<_> = nb.cells().iter().map(|c| c["id"].clone()).collect();
        assert_eq!(ids.len(), 3);
        nb.inject_parameters(&[("n".into(), "5".into())]).unwrap();
        assert!(has_tag(&nb.cells()[2], "injected-parameters"));
        assert!(source_text(&nb.cells()[2]).contains("let n = 5;"));
        nb.inject_parameters(&[("n".into(), "7".into())]).unwrap();
        assert_eq!(nb.cells().len(), 4);
        assert!(source_text(&nb.cells()[2]).contains("let n = 7;"));
        assert_eq!(source_text(&nb.cells()[3]), "n * 2");
        assert!(nb
            .inject_parameters(&[("no good".into(), "1".into())])
            .is_err());
    }

    #[test]
    fn other_versions_are_refused() {
        assert!(Notebook::parse(r#"{"nbformat": 3, "worksheets": []}"#, "old").is_err());
        assert!(Notebook::parse("not json", "x").is_err());
    }
}
