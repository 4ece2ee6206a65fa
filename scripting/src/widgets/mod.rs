//! Interactive widgets (ipywidgets 8 models, widget protocol 2.1) built on comms: sliders,
//! dropdowns, buttons, text, progress bars, output areas and boxes, their state kept in
//! sync with the front end, observers run on the session thread, and `interact`.
//! Front ends without comms show a widget's text form.

mod bindings;
mod control;
mod interact;
mod model;
mod output;
mod saved;
mod schema;
mod text;

pub use bindings::register;
pub use model::{Widget, PROTOCOL_VERSION, TARGET};
pub use saved::SavedState;

/// The MIME type front ends render a widget's view from.
pub const VIEW_MIME: &str = "application/vnd.jupyter.widget-view+json";
/// The MIME type of a notebook's saved widget state (in its metadata).
pub const STATE_MIME: &str = "application/vnd.jupyter.widget-state+json";

#[cfg(test)]
mod tests;
