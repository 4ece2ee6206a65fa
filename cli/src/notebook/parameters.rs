//! Papermill's check of `-p` names: a name the `parameters` cell does not set is most often
//! a typo, which would otherwise run the notebook with its default in silence.

use super::format::{has_tag, source_text, Notebook};
use super::rhai_tokens::defined_names;

/// One warning per parameter the notebook's `parameters` cell does not set, naming those it
/// does; one warning in all when no cell is tagged `parameters`.
pub fn unknown_parameter_warnings(
    notebook: &Notebook,
    parameters: &[(String, String)],
) -> Vec<String> {
    if parameters.is_empty() {
        return Vec::new();
    }
    let Some(defined) = parameter_names(notebook) else {
        return vec![
            "warning: no cell is tagged `parameters`; the -p values are set in a cell at the top"
                .to_string(),
        ];
    };
    let known = if defined.is_empty() {
        "the parameters cell sets no variable".to_string()
    } else {
        format!("the parameters cell sets {}", defined.join(", "))
    };
    parameters
        .iter()
        .filter(|(name, _)| !defined.contains(name))
        .map(|(name, _)| format!("warning: passed unknown parameter: {name} ({known})"))
        .collect()
}

/// The names the cell tagged `parameters` sets, in order; `None` when no cell is tagged so.
pub fn parameter_names(notebook: &Notebook) -> Option<Vec<String>> {
    let cell = notebook.cells().iter().find(|c| has_tag(c, "parameters"))?;
    Some(defined_names(&source_text(cell)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notebook(cells: serde_json::Value) -> Notebook {
        let text = json!({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells});
        Notebook::parse(&text.to_string(), "t.ipynb").unwrap()
    }

    fn params(names: &[&str]) -> Vec<(String, String)> {
        names.iter().map(|n| (n.to_string(), "1".into())).collect()
    }

    #[test]
    fn an_unknown_name_is_warned_about_with_the_names_the_cell_sets() {
        let nb = notebook(json!([
            {"cell_type": "code", "metadata": {"tags": ["parameters"]},
             "source": "let n_seeds = 5; // seeds\nlet epochs = 30;", "outputs": [],
             "execution_count": null}
        ]));
        assert_eq!(
            unknown_parameter_warnings(&nb, &params(&["epochs", "nonexistent"])),
            vec![
                "warning: passed unknown parameter: nonexistent \
                 (the parameters cell sets n_seeds, epochs)"
            ]
        );
        assert!(unknown_parameter_warnings(&nb, &params(&["n_seeds"])).is_empty());
    }

    #[test]
    fn a_notebook_without_a_parameters_cell_is_warned_about_once() {
        let nb = notebook(json!([]));
        let warnings = unknown_parameter_warnings(&nb, &params(&["a", "b"]));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("no cell is tagged `parameters`"));
        assert!(unknown_parameter_warnings(&nb, &[]).is_empty());
    }
}
