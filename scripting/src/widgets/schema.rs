//! Each widget model's attributes and defaults, read from ipywidgets' own schema
//! (schema/jupyterwidgetmodels.json), so a new widget's state is exactly what ipywidgets
//! would send.

use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

const MODELS: &str = include_str!("schema/jupyterwidgetmodels.json");

#[derive(Debug, Deserialize)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub default: Value,
    /// For a reference: the widget it points to (`Layout`, `SliderStyle`, ...).
    #[serde(default)]
    pub widget: Option<String>,
    #[serde(default)]
    pub allow_none: bool,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub attributes: Vec<Attribute>,
    model: Named,
}

impl Model {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

fn models() -> &'static HashMap<String, Model> {
    static MODELS_BY_NAME: OnceLock<HashMap<String, Model>> = OnceLock::new();
    MODELS_BY_NAME.get_or_init(|| {
        let models: Vec<Model> =
            serde_json::from_str(MODELS).expect("the pinned widget schema is valid JSON");
        models
            .into_iter()
            .map(|m| (m.model.name.clone(), m))
            .collect()
    })
}

/// The schema of a model (`IntSliderModel`, `LayoutModel`, ...).
pub fn model(name: &str) -> Option<&'static Model> {
    models().get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_points_to_a_pinned_model() {
        for m in models().values() {
            for a in m.attributes.iter().filter(|a| a.kind == "reference") {
                let target = format!("{}Model", a.widget.as_deref().unwrap_or_default());
                assert!(model(&target).is_some(), "{} -> {target}", m.model.name);
            }
        }
    }

    #[test]
    fn defaults_are_ipywidgets_own() {
        let slider = model("IntSliderModel").unwrap();
        assert_eq!(slider.attribute("max").unwrap().default, 100);
        assert_eq!(
            slider.attribute("_model_module_version").unwrap().default,
            "2.0.0"
        );
    }
}
