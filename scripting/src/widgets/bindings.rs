//! The Rhai side of widgets. Each control takes an option map of its ipywidgets attributes
//! (`int_slider(#{min: 0, max: 10, value: 3, description: "n"})`); `w.value` reads and sets
//! the value (the front end follows), `w.observe(|change| ...)` runs on every change.

use super::interact::{interactive, selection_state};
use super::model::{Observer, Widget};
use super::output::capture;
use super::text::{bundle, text_form};
use crate::comms::Invoker;
use crate::context;
use crate::mime::Renderers;
use crate::RhaiResult;
use rhai::{Array, Dynamic, Engine, FnPtr, NativeCallContext};
use serde_json::{Map, Value};

/// Rhai name, ipywidgets model.
const CONTROLS: &[(&str, &str)] = &[
    ("int_slider", "IntSliderModel"),
    ("float_slider", "FloatSliderModel"),
    ("log_slider", "FloatLogSliderModel"),
    ("dropdown", "DropdownModel"),
    ("checkbox", "CheckboxModel"),
    ("toggle_buttons", "ToggleButtonsModel"),
    ("button", "ButtonModel"),
    ("text_input", "TextModel"),
    ("progress", "FloatProgressModel"),
    ("int_progress", "IntProgressModel"),
    ("output_area", "OutputModel"),
];

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine.register_type_with_name::<Widget>("Widget");
    super::control::register_target();
    renderers.register_fn(|value| value.read_lock::<Widget>().map(|w| bundle(&w)));
    engine.register_fn("to_string", |w: &mut Widget| text_form(w));
    engine.register_fn("to_debug", |w: &mut Widget| text_form(w));

    for &(name, model) in CONTROLS {
        engine.register_fn(name, move |opts: rhai::Map| make(model, opts));
        engine.register_fn(name, move || make(model, rhai::Map::new()));
    }
    engine.register_fn("hbox", |children: Array| boxed("HBoxModel", children));
    engine.register_fn("vbox", |children: Array| boxed("VBoxModel", children));

    engine.register_indexer_get(get);
    engine.register_indexer_set(set);
    engine.register_fn("observe", |w: Widget, f: FnPtr| {
        w.observe(None, Observer::Script(f))
    });
    engine.register_fn("observe", |w: Widget, name: &str, f: FnPtr| {
        w.observe(Some(name.to_string()), Observer::Script(f))
    });
    engine.register_fn("on_click", |w: Widget, f: FnPtr| w.on_click(f));
    engine.register_fn("close", |w: Widget| w.close());
    engine.register_fn(
        "capture",
        |ctx: NativeCallContext, w: Widget, f: FnPtr| -> RhaiResult<()> {
            if w.model_name() != "OutputModel" {
                return Err("capture: only an output_area captures output".into());
            }
            capture(&w, false, || f.call_within_context(&ctx, ()))
        },
    );
    engine.register_fn("clear", |w: Widget| {
        w.0.borrow_mut().display_ids.clear();
        w.set_quietly("outputs", Value::Array(Vec::new()));
    });
    engine.register_fn(
        "interact",
        |ctx: NativeCallContext, f: FnPtr, spec: rhai::Map| -> RhaiResult<()> {
            let vbox = interactive(&ctx, f, spec)?;
            if let Some(b) = context::render(&Dynamic::from(vbox)) {
                context::display(&b, None);
            }
            Ok(())
        },
    );
    engine.register_fn(
        "interactive",
        |ctx: NativeCallContext, f: FnPtr, spec: rhai::Map| interactive(&ctx, f, spec),
    );
}

/// A control from an option map; a selection's `options` (any Rhai values) and `value`
/// become its labels and index.
fn make(model: &str, opts: rhai::Map) -> RhaiResult<Widget> {
    let mut state = Map::new();
    let mut options: Option<Array> = None;
    let mut value: Option<Dynamic> = None;
    let selection = matches!(model, "DropdownModel" | "ToggleButtonsModel");
    for (key, v) in opts {
        match (key.as_str(), selection) {
            ("options", true) => {
                options = Some(
                    v.into_array()
                        .map_err(|t| format!("options must be an array, not {t}"))?,
                )
            }
            ("value", true) => value = Some(v),
            _ => {
                state.insert(key.to_string(), json_of(&v)?);
            }
        }
    }
    if selection {
        let options = options.unwrap_or_default();
        state = selection_state(state, &options, value.as_ref())?;
        let widget = Widget::create(model, state)?;
        widget.0.borrow_mut().options = Some(options);
        return Ok(widget);
    }
    Ok(Widget::create(model, state)?)
}

fn boxed(model: &str, children: Array) -> RhaiResult<Widget> {
    let parts = widgets_of(children)?;
    let mut state = Map::new();
    let refs = parts.iter().map(Widget::reference).collect();
    state.insert("children".into(), Value::Array(refs));
    let widget = Widget::create(model, state)?;
    for part in parts {
        widget.keep(part);
    }
    Ok(widget)
}

fn get(w: &mut Widget, key: &str) -> RhaiResult<Dynamic> {
    match key {
        "model_id" => Ok(Dynamic::from(w.id())),
        _ => w
            .value_of(key)
            .ok_or_else(|| format!("{} has no attribute `{key}`", text_form(w)).into()),
    }
}

fn set(ctx: NativeCallContext, w: &mut Widget, key: &str, value: Dynamic) -> RhaiResult<()> {
    let invoker = Invoker::Script(&ctx);
    let selection = w.0.borrow().options.is_some();
    match (key, selection) {
        ("value", true) => w.select(&invoker, &value),
        ("options", true) => {
            let options = value
                .into_array()
                .map_err(|t| format!("options must be an array, not {t}"))?;
            w.set_options(&invoker, options)
        }
        ("children", _) => {
            let children = widgets_of(
                value
                    .into_array()
                    .map_err(|t| format!("children must be an array, not {t}"))?,
            )?;
            let mut state = Map::new();
            state.insert(
                "children".into(),
                Value::Array(children.iter().map(Widget::reference).collect()),
            );
            for child in children {
                w.keep(child);
            }
            w.set(&invoker, state)
        }
        _ => {
            let mut state = Map::new();
            state.insert(key.to_string(), json_of(&value)?);
            w.set(&invoker, state)
        }
    }
}

fn widgets_of(values: Array) -> RhaiResult<Vec<Widget>> {
    values
        .into_iter()
        .map(|v| {
            v.read_lock::<Widget>()
                .map(|w| w.clone())
                .ok_or_else(|| format!("a box holds widgets, not {}", v.type_name()).into())
        })
        .collect()
}

fn json_of(value: &Dynamic) -> RhaiResult<Value> {
    rhai::serde::from_dynamic::<Value>(value)
        .map_err(|e| format!("a widget attribute cannot hold this value: {e}").into())
}
