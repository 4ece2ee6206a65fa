//! How a widget reads where it cannot be drawn (the REPL, `ladder run`): its kind and
//! current value.

use super::model::Widget;
use super::VIEW_MIME;
use crate::mime::MimeBundle;
use serde_json::{json, Value};

pub fn text_form(widget: &Widget) -> String {
    let kind = widget.model_name().trim_end_matches("Model").to_string();
    let mut fields = Vec::new();
    if let Some(Value::String(d)) = widget.get("description") {
        if !d.is_empty() {
            fields.push(format!("description={d:?}"));
        }
    }
    if let Some(value) = widget.value_of("value") {
        fields.push(format!("value={}", crate::mime::plain_text(&value)));
    }
    if let Some(Value::Array(outputs)) = widget.get("outputs") {
        let texts: Vec<String> = outputs.iter().map(output_text).collect();
        fields.push(format!("outputs=[{}]", texts.join(", ")));
    }
    if let Some(Value::Array(children)) = widget.get("children") {
        let parts = widget.parts();
        let shown: Vec<String> = children
            .iter()
            .filter_map(|r| parts.iter().find(|p| &p.reference() == r))
            .map(text_form)
            .collect();
        fields.push(format!("children=[{}]", shown.join(", ")));
    }
    format!("{kind}({})", fields.join(", "))
}

/// An output area's output as one quoted line of text (what a terminal can show of it).
fn output_text(output: &Value) -> String {
    let text = match output["output_type"].as_str() {
        Some("stream") => output["text"].as_str().unwrap_or("").trim_end().to_string(),
        Some("error") => format!(
            "{}: {}",
            output["ename"].as_str().unwrap_or(""),
            output["evalue"].as_str().unwrap_or("")
        ),
        _ => output["data"]["text/plain"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    };
    format!("{text:?}")
}

pub fn bundle(widget: &Widget) -> MimeBundle {
    let view = json!({"model_id": widget.id(), "version_major": 2, "version_minor": 0});
    MimeBundle::text(text_form(widget)).with(VIEW_MIME, view)
}
