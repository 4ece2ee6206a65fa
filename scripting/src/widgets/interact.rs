//! `interact(f, #{name: spec, ...})`: a control per parameter of `f`, and `f` re-run into an
//! output area under them whenever one changes (as ipywidgets' `interact`).

use super::model::{Observer, Widget};
use super::output::capture;
use crate::comms::Invoker;
use crate::RhaiResult;
use rhai::{Dynamic, FnPtr, NativeCallContext, INT};
use serde_json::{json, Map, Value};
use std::rc::Rc;

/// Runs the function again with the controls' values.
type Rerun = dyn Fn(&Invoker) -> RhaiResult<()>;

/// The controls, then the output area, in a VBox; `f` has run once.
pub fn interactive(ctx: &NativeCallContext, f: FnPtr, spec: rhai::Map) -> RhaiResult<Widget> {
    let names = parameter_names(ctx, &f)?;
    let mut extra: Vec<&str> = spec
        .keys()
        .map(|k| k.as_str())
        .filter(|k| !names.iter().any(|n| n == k))
        .collect();
    extra.sort();
    if !extra.is_empty() {
        return Err(format!(
            "interact: the function has no parameter {} (it takes {})",
            extra.join(", "),
            names.join(", ")
        )
        .into());
    }
    let mut controls = Vec::new();
    for name in &names {
        let Some(value) = spec.get(name.as_str()) else {
            return Err(format!("interact: no control given for parameter `{name}`").into());
        };
        controls.push(control(name, value).map_err(|e| format!("interact: {e}"))?);
    }
    let area = Widget::create("OutputModel", Map::new())?;
    let mut children: Vec<Value> = controls.iter().map(Widget::reference).collect();
    children.push(area.reference());
    let mut state = Map::new();
    state.insert("children".into(), Value::Array(children));
    let vbox = Widget::create("VBoxModel", state)?;
    for c in controls.iter().chain([&area]) {
        vbox.keep(c.clone());
    }

    let rerun_controls = controls.clone();
    let rerun: Rc<Rerun> = Rc::new(move |invoker| {
        let args: Vec<Dynamic> = rerun_controls
            .iter()
            .map(|c| c.value_of("value").unwrap_or(Dynamic::UNIT))
            .collect();
        // The old outputs go when the new ones come: a chart redraws without flicker.
        area.0.borrow_mut().clear_pending = true;
        capture(&area, true, || {
            invoker.call(&f, args, "one argument per control")
        })
    });
    for c in &controls {
        let rerun = rerun.clone();
        c.observe(
            Some("value".into()),
            Observer::Native(Rc::new(move |invoker, _| rerun(invoker))),
        );
    }
    rerun(&Invoker::Script(ctx))?;
    Ok(vbox)
}

/// The names of a script function's or closure's parameters, captured variables left out.
fn parameter_names(ctx: &NativeCallContext, f: &FnPtr) -> RhaiResult<Vec<String>> {
    crate::callback::parameter_lists(ctx.iter_namespaces(), f)
        .into_iter()
        .next()
        .ok_or_else(|| {
            format!(
                "interact: `{}` is not a script function or closure",
                f.fn_name()
            )
            .into()
        })
}

/// A control for one parameter: `[min, max]` or `[min, max, step]` a slider (ints an
/// IntSlider), `[min, max, "log"]` a log slider, another array a dropdown, a bool a
/// checkbox, a string a text box, a number a slider around it, a widget itself.
fn control(name: &str, spec: &Dynamic) -> Result<Widget, String> {
    if let Some(widget) = spec.read_lock::<Widget>() {
        return Ok(widget.clone());
    }
    let mut state = Map::new();
    state.insert("description".into(), json!(name));
    let slider = |model: &str, mut state: Map<String, Value>, min: f64, max: f64, step: f64| {
        state.insert("min".into(), json!(min));
        state.insert("max".into(), json!(max));
        state.insert("step".into(), json!(step));
        // Sent when the handle is let go: a drag re-runs the function once, not per pixel.
        state.insert("continuous_update".into(), json!(false));
        Widget::create(model, state)
    };
    if let Some(array) = spec.read_lock::<rhai::Array>() {
        let number = |i: usize| array.get(i).and_then(as_number);
        if let (Some(lo), Some(hi), 2..=3) = (number(0), number(1), array.len()) {
            let third = array.get(2);
            if third.is_some_and(|t| t.to_string() == "log") {
                let (lo, hi) = (lo.log10(), hi.log10());
                state.insert("value".into(), json!(10f64.powf((lo + hi) / 2.0)));
                return slider("FloatLogSliderModel", state, lo, hi, (hi - lo) / 100.0);
            }
            let all_ints = array.iter().all(|v| v.is_int());
            if all_ints {
                let step = third.and_then(as_number).unwrap_or(1.0);
                state.insert("value".into(), json!(((lo + hi) / 2.0).floor() as INT));
                return slider("IntSliderModel", state, lo, hi, step);
            }
            let step = third.and_then(as_number).unwrap_or((hi - lo) / 100.0);
            state.insert("value".into(), json!((lo + hi) / 2.0));
            return slider("FloatSliderModel", state, lo, hi, step);
        }
        let widget = Widget::create("DropdownModel", selection_state(state, &array, None)?)?;
        widget.0.borrow_mut().options = Some(array.clone());
        return Ok(widget);
    }
    if let Ok(b) = spec.as_bool() {
        state.insert("value".into(), json!(b));
        return Widget::create("CheckboxModel", state);
    }
    if spec.is_string() {
        state.insert("value".into(), json!(spec.to_string()));
        return Widget::create("TextModel", state);
    }
    if let Ok(i) = spec.as_int() {
        let span = i.abs().max(1);
        state.insert("value".into(), json!(i));
        return slider(
            "IntSliderModel",
            state,
            (i - span) as f64,
            (i + 2 * span) as f64,
            1.0,
        );
    }
    if let Ok(x) = spec.as_float() {
        let span = if x == 0.0 { 1.0 } else { x.abs() };
        state.insert("value".into(), json!(x));
        return slider(
            "FloatSliderModel",
            state,
            x - span,
            x + 2.0 * span,
            span / 50.0,
        );
    }
    Err(format!(
        "cannot make a control for `{name}` from a {}",
        spec.type_name()
    ))
}

/// A selection's labels and index (of `value`, else the first option).
pub fn selection_state(
    mut state: Map<String, Value>,
    options: &[Dynamic],
    value: Option<&Dynamic>,
) -> Result<Map<String, Value>, String> {
    let labels: Vec<Value> = options
        .iter()
        .map(|o| {
            json!(if o.is_string() {
                o.to_string()
            } else {
                crate::mime::plain_text(o)
            })
        })
        .collect();
    let index = match value {
        Some(v) => {
            let wanted = format!("{v:?}");
            let found = options.iter().position(|o| format!("{o:?}") == wanted);
            json!(found.ok_or_else(|| format!("{wanted} is not one of the options"))?)
        }
        None if options.is_empty() => Value::Null,
        None => json!(0),
    };
    state.insert("_options_labels".into(), Value::Array(labels));
    state.insert("index".into(), index);
    Ok(state)
}

fn as_number(value: &Dynamic) -> Option<f64> {
    value
        .as_float()
        .ok()
        .or_else(|| value.as_int().ok().map(|i| i as f64))
}
