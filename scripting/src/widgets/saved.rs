//! A notebook's widget state, as JupyterLab saves it (`application/vnd.jupyter.widget-state+json`
//! in the notebook's metadata): front ends that run no kernel (a viewer, nbconvert) draw
//! the widgets from it with their last values. Built from the comm messages a run sent.

use super::{STATE_MIME, TARGET};
use crate::comms::CommMessage;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Every open widget's model and latest state, by model id.
#[derive(Debug, Default)]
pub struct SavedState {
    models: BTreeMap<String, Value>,
}

impl SavedState {
    /// Follow one message the session sent to its front end.
    pub fn record(&mut self, message: &CommMessage) {
        match message {
            CommMessage::Open {
                comm_id,
                target_name,
                data,
                ..
            } if target_name == TARGET => {
                let state = data.get("state").cloned().unwrap_or(json!({}));
                let model = json!({
                    "model_name": state["_model_name"],
                    "model_module": state["_model_module"],
                    "model_module_version": state["_model_module_version"],
                    "state": state,
                });
                self.models.insert(comm_id.clone(), model);
            }
            CommMessage::Msg { comm_id, data, .. } => {
                let (Some(model), Some(Value::Object(changed))) =
                    (self.models.get_mut(comm_id), data.get("state"))
                else {
                    return;
                };
                if let Some(state) = model["state"].as_object_mut() {
                    state.extend(changed.clone());
                }
            }
            CommMessage::Close { comm_id, .. } => {
                self.models.remove(comm_id);
            }
            CommMessage::Open { .. } => {}
        }
    }

    /// The notebook metadata's `widgets` entry; `None` when no widget is open.
    pub fn metadata(&self) -> Option<Value> {
        if self.models.is_empty() {
            return None;
        }
        let state: Map<String, Value> = self
            .models
            .iter()
            .map(|(id, model)| (id.clone(), model.clone()))
            .collect();
        Some(json!({STATE_MIME: {"version_major": 2, "version_minor": 0, "state": state}}))
    }
}
