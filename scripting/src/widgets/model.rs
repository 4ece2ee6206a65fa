//! A widget: a model whose state lives here and in the front end, kept in sync over a
//! `jupyter.widget` comm (ipywidgets 8, widget protocol 2.1).

use super::schema;
use crate::comms::Comm;
use crate::comms::{CommMessage, Handler, Invoker};
use crate::RhaiResult;
use rhai::{Array, Dynamic, FnPtr};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

pub const TARGET: &str = "jupyter.widget";
pub const PROTOCOL_VERSION: &str = "2.1.0";

/// One changed attribute, as observers see it.
pub struct Change {
    pub name: String,
    pub old: Dynamic,
    pub new: Dynamic,
}

pub type NativeObserver = Rc<dyn Fn(&Invoker, &Change) -> RhaiResult<()>>;

#[derive(Clone)]
pub enum Observer {
    /// A Rhai function given `#{name, old, new, value, owner, type}` (`value` is `new`).
    Script(FnPtr),
    Native(NativeObserver),
}

pub struct Inner {
    pub model_name: String,
    pub comm: Comm,
    pub state: Map<String, Value>,
    /// A selection's options as Rhai values; the state holds only their labels and index.
    pub options: Option<Array>,
    observers: Vec<(Option<String>, Observer)>,
    clicks: Vec<FnPtr>,
    /// Layout, style and children: kept alive as long as this widget.
    parts: Vec<Widget>,
    /// An output area's pending `clear_output(wait=true)` and its display ids.
    pub clear_pending: bool,
    pub display_ids: Vec<Option<String>>,
}

/// A handle on a widget; copies share it.
#[derive(Clone)]
pub struct Widget(pub Rc<RefCell<Inner>>);

impl Widget {
    /// Make a widget of an ipywidgets model with ipywidgets' defaults, `state` over them,
    /// and open its comm (after those of its layout and style, which it refers to).
    pub fn create(model_name: &str, state: Map<String, Value>) -> Result<Widget, String> {
        let model =
            schema::model(model_name).ok_or_else(|| format!("no widget model {model_name}"))?;
        let mut full = Map::new();
        let mut parts = Vec::new();
        for attribute in &model.attributes {
            let value = if attribute.kind == "reference" && !state.contains_key(&attribute.name) {
                let part_model = format!("{}Model", attribute.widget.as_deref().unwrap_or(""));
                let part = Widget::create(&part_model, Map::new())?;
                let reference = part.reference();
                parts.push(part);
                reference
            } else {
                attribute.default.clone()
            };
            full.insert(attribute.name.clone(), value);
        }
        for (key, value) in state {
            let value = coerce(model_name, &key, value)?;
            full.insert(key, value);
        }
        clamp_value(model_name, &mut full);
        let data = json!({"state": full, "buffer_paths": []});
        let metadata = json!({"version": PROTOCOL_VERSION});
        let comm = Comm::open(TARGET, as_map(data), as_map(metadata));
        let widget = Widget(Rc::new(RefCell::new(Inner {
            model_name: model_name.to_string(),
            comm: comm.clone(),
            state: full,
            options: None,
            observers: Vec::new(),
            clicks: Vec::new(),
            parts,
            clear_pending: false,
            display_ids: Vec::new(),
        })));
        let handler = widget.clone();
        comm.on_msg(Handler::Native(Rc::new(move |invoker, message| {
            handler.receive(invoker, message)
        })));
        super::control::add(&widget);
        Ok(widget)
    }

    pub fn id(&self) -> String {
        self.0.borrow().comm.id.clone()
    }

    /// How another widget's state refers to this one.
    pub fn reference(&self) -> Value {
        Value::String(format!("IPY_MODEL_{}", self.id()))
    }

    pub fn model_name(&self) -> String {
        self.0.borrow().model_name.clone()
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.0.borrow().state.get(key).cloned()
    }

    /// Its layout, style and children.
    pub fn parts(&self) -> Vec<Widget> {
        self.0.borrow().parts.clone()
    }

    pub fn keep(&self, part: Widget) {
        self.0.borrow_mut().parts.push(part);
    }

    /// The value Rhai sees for an attribute: a selection's `value` and `label` come from its
    /// options and index.
    pub fn value_of(&self, key: &str) -> Option<Dynamic> {
        let inner = self.0.borrow();
        if let (Some(options), "value" | "label") = (&inner.options, key) {
            let index = inner.state.get("index").and_then(Value::as_u64)?;
            let chosen = options.get(index as usize)?.clone();
            return Some(if key == "label" {
                Dynamic::from(label_of(&chosen))
            } else {
                chosen
            });
        }
        if key == "options" {
            return inner.options.clone().map(Dynamic::from);
        }
        inner.state.get(key).map(to_dynamic)
    }

    /// Set attributes from the session: the front end gets one update, then observers run.
    pub fn set(&self, invoker: &Invoker, state: Map<String, Value>) -> RhaiResult<()> {
        let model_name = self.model_name();
        let mut coerced = Map::new();
        for (key, value) in state {
            coerced.insert(key.clone(), coerce(&model_name, &key, value)?);
        }
        if ["value", "min", "max"]
            .iter()
            .any(|k| coerced.contains_key(*k))
        {
            let mut after = self.0.borrow().state.clone();
            after.extend(coerced.clone());
            clamp_value(&model_name, &mut after);
            if after.get("value") != self.0.borrow().state.get("value") {
                coerced.insert("value".into(), after["value"].clone());
            }
        }
        let changes = self.apply(coerced.clone());
        if !coerced.is_empty() {
            self.send_update("update", coerced);
        }
        self.notify(invoker, changes)
    }

    /// Set the state without observers (an output area's outputs).
    pub fn set_quietly(&self, key: &str, value: Value) {
        self.0
            .borrow_mut()
            .state
            .insert(key.to_string(), value.clone());
        let mut state = Map::new();
        state.insert(key.to_string(), value);
        self.send_update("update", state);
    }

    /// Choose a selection's options: their labels go to the front end, the first is chosen.
    pub fn set_options(&self, invoker: &Invoker, options: Array) -> RhaiResult<()> {
        let labels: Vec<Value> = options.iter().map(|o| Value::String(label_of(o))).collect();
        let index = if options.is_empty() {
            Value::Null
        } else {
            json!(0)
        };
        self.0.borrow_mut().options = Some(options);
        let mut state = Map::new();
        state.insert("_options_labels".into(), Value::Array(labels));
        state.insert("index".into(), index);
        self.set(invoker, state)
    }

    /// Choose a selection's value (one of its options).
    pub fn select(&self, invoker: &Invoker, value: &Dynamic) -> RhaiResult<()> {
        let wanted = format!("{value:?}");
        let index = self
            .0
            .borrow()
            .options
            .as_ref()
            .and_then(|o| o.iter().position(|x| format!("{x:?}") == wanted));
        let Some(index) = index else {
            return Err(format!("{wanted} is not one of the options").into());
        };
        let mut state = Map::new();
        state.insert("index".into(), json!(index));
        self.set(invoker, state)
    }

    pub fn observe(&self, name: Option<String>, observer: Observer) {
        self.0.borrow_mut().observers.push((name, observer));
    }

    pub fn on_click(&self, f: FnPtr) {
        self.0.borrow_mut().clicks.push(f);
    }

    pub fn close(&self) {
        let inner = self.0.borrow();
        for part in &inner.parts {
            if part.model_name().ends_with("StyleModel") || part.model_name() == "LayoutModel" {
                part.close();
            }
        }
        inner.comm.close();
        super::control::remove(&inner.comm.id);
    }

    /// Model name, module and state, as the notebook's widget state keeps them.
    pub fn state_json(&self) -> Value {
        let inner = self.0.borrow();
        json!({
            "model_name": inner.model_name,
            "model_module": inner.state.get("_model_module"),
            "model_module_version": inner.state.get("_model_module_version"),
            "state": inner.state,
        })
    }

    fn send_update(&self, method: &str, state: Map<String, Value>) {
        let data = json!({"method": method, "state": state, "buffer_paths": []});
        self.0.borrow().comm.send(as_map(data), Map::new());
    }

    /// Store new values; the changes, including a selection's derived `value` and `label`.
    fn apply(&self, state: Map<String, Value>) -> Vec<Change> {
        let mut changes = Vec::new();
        for (key, new) in state {
            let old_value = self.value_of("value");
            let old_label = self.value_of("label");
            let old = self.0.borrow_mut().state.insert(key.clone(), new.clone());
            if old.as_ref() == Some(&new) {
                continue;
            }
            changes.push(Change {
                name: key.clone(),
                old: old.as_ref().map(to_dynamic).unwrap_or(Dynamic::UNIT),
                new: to_dynamic(&new),
            });
            if key == "index" && self.0.borrow().options.is_some() {
                for (name, old) in [("value", old_value), ("label", old_label)] {
                    changes.push(Change {
                        name: name.into(),
                        old: old.unwrap_or(Dynamic::UNIT),
                        new: self.value_of(name).unwrap_or(Dynamic::UNIT),
                    });
                }
            }
        }
        changes
    }

    /// A float slider's value from the browser, to 15 significant digits: JavaScript's
    /// arithmetic sends 5.500000000000001 for 5.5, which would show in every label made
    /// from it.
    fn snapped(&self, key: &str, value: Value) -> Value {
        match (self.model_name().as_str(), key, value.as_f64()) {
            ("FloatSliderModel", "value", Some(v)) => format!("{v:.14e}")
                .parse::<f64>()
                .map_or(value, |v| json!(v)),
            _ => value,
        }
    }

    /// Run the observers of each change, in the order they were added.
    fn notify(&self, invoker: &Invoker, changes: Vec<Change>) -> RhaiResult<()> {
        for change in changes {
            let observers: Vec<Observer> = self
                .0
                .borrow()
                .observers
                .iter()
                .filter(|(name, _)| name.as_deref().is_none_or(|n| n == change.name))
                .map(|(_, o)| o.clone())
                .collect();
            for observer in observers {
                match observer {
                    Observer::Script(f) => {
                        let mut map = rhai::Map::new();
                        map.insert("name".into(), Dynamic::from(change.name.clone()));
                        map.insert("old".into(), change.old.clone());
                        // `new` is a keyword in Rhai: `change.value` reads it too.
                        map.insert("new".into(), change.new.clone());
                        map.insert("value".into(), change.new.clone());
                        map.insert("owner".into(), Dynamic::from(self.clone()));
                        map.insert("type".into(), Dynamic::from("change"));
                        let _ = invoker.call(
                            &f,
                            vec![Dynamic::from(map)],
                            "one argument, the change",
                        )?;
                    }
                    Observer::Native(f) => f(invoker, &change)?,
                }
            }
        }
        Ok(())
    }

    /// A message from the front end: a state update (echoed back, as ipywidgets 8 expects),
    /// a request for the whole state, or a button's click.
    fn receive(&self, invoker: &Invoker, message: &CommMessage) -> RhaiResult<()> {
        let data = message.data();
        match data.get("method").and_then(Value::as_str) {
            Some("update") => {
                let state = match data.get("state") {
                    Some(Value::Object(state)) => state.clone(),
                    _ => Map::new(),
                };
                self.send_update("echo_update", state.clone());
                // JavaScript sends 8.0 as 8: a float attribute stays a float in Rhai.
                let model_name = self.model_name();
                let state = state
                    .into_iter()
                    .map(|(k, v)| {
                        let v = coerce(&model_name, &k, v.clone()).unwrap_or(v);
                        let v = self.snapped(&k, v);
                        (k, v)
                    })
                    .collect();
                let changes = self.apply(state);
                self.notify(invoker, changes)
            }
            Some("request_state") => {
                let state = self.0.borrow().state.clone();
                self.send_update("update", state);
                Ok(())
            }
            Some("custom") => {
                let event = data.get("content").and_then(|c| c.get("event"));
                if event.and_then(Value::as_str) == Some("click") {
                    let clicks = self.0.borrow().clicks.clone();
                    for f in clicks {
                        let _ = invoker.call(
                            &f,
                            vec![Dynamic::from(self.clone())],
                            "one argument, the button",
                        )?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Check a value against the attribute's type in the schema (an int where a float is
/// expected becomes a float); attributes the model does not have are refused.
fn coerce(model_name: &str, key: &str, value: Value) -> Result<Value, String> {
    let short = model_name.trim_end_matches("Model");
    let model = schema::model(model_name).ok_or_else(|| format!("no widget model {model_name}"))?;
    let Some(attribute) = model.attribute(key) else {
        let mut known: Vec<&str> = model
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| !n.starts_with('_'))
            .collect();
        known.sort();
        return Err(format!(
            "{short} has no attribute `{key}` (it has: {})",
            known.join(", ")
        ));
    };
    if value.is_null() && attribute.allow_none {
        return Ok(value);
    }
    let fits = match attribute.kind.as_str() {
        "int" => value.as_i64().is_some() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        "float" => value.is_number(),
        "bool" => value.is_boolean(),
        "string" | "reference" => value.is_string(),
        "array" => value.is_array(),
        _ => true,
    };
    if !fits {
        return Err(format!(
            "{short}.{key} must be a {}, not {value}",
            attribute.kind
        ));
    }
    Ok(match attribute.kind.as_str() {
        "int" => json!(value.as_f64().unwrap_or(0.0) as i64),
        "float" => json!(value.as_f64().unwrap_or(0.0)),
        _ => value,
    })
}

/// Keep a bounded control's value within its range, as ipywidgets does (a log slider's
/// bounds are exponents of its base).
fn clamp_value(model_name: &str, state: &mut Map<String, Value>) {
    let number = |k: &str| state.get(k).and_then(Value::as_f64);
    let (Some(value), Some(min), Some(max)) = (number("value"), number("min"), number("max"))
    else {
        return;
    };
    let (lo, hi) = match number("base") {
        Some(base) if model_name == "FloatLogSliderModel" => (base.powf(min), base.powf(max)),
        _ => (min, max),
    };
    if lo <= hi && !(lo..=hi).contains(&value) {
        let clamped = value.clamp(lo, hi);
        let clamped = if state["value"].is_i64() || state["value"].is_u64() {
            json!(clamped as i64)
        } else {
            json!(clamped)
        };
        state.insert("value".into(), clamped);
    }
}

fn label_of(option: &Dynamic) -> String {
    if option.is_string() {
        option.to_string()
    } else {
        crate::mime::plain_text(option)
    }
}

pub(crate) fn to_dynamic(value: &Value) -> Dynamic {
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

pub(crate) fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
