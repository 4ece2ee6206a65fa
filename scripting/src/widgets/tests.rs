use super::VIEW_MIME;
use crate::comms::CommMessage;
use crate::frontend::{CaptureFrontend, Output, Stream};
use crate::session::Session;
use serde_json::{json, Map, Value};
use std::rc::Rc;

fn session() -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    (Session::new(frontend.clone()), frontend)
}

/// The model name and state of each widget opened, in order.
fn opened(comms: &[CommMessage]) -> Vec<(String, String, Map<String, Value>)> {
    comms
        .iter()
        .filter_map(|m| match m {
            CommMessage::Open {
                comm_id,
                data,
                metadata,
                ..
            } => {
                assert_eq!(metadata["version"], "2.1.0");
                let state = data["state"].as_object().unwrap().clone();
                Some((
                    comm_id.clone(),
                    state["_model_name"].as_str().unwrap().to_string(),
                    state,
                ))
            }
            _ => None,
        })
        .collect()
}

fn updates(comms: &[CommMessage], id: &str) -> Vec<Value> {
    comms
        .iter()
        .filter_map(|m| match m {
            CommMessage::Msg { comm_id, data, .. } if comm_id == id => {
                Some(Value::Object(data.clone()))
            }
            _ => None,
        })
        .collect()
}

fn front_end_update(id: &str, state: Value) -> CommMessage {
    CommMessage::Msg {
        comm_id: id.into(),
        data: json!({"method": "update", "state": state, "buffer_paths": []})
            .as_object()
            .unwrap()
            .clone(),
        metadata: Map::new(),
    }
}

#[test]
fn a_slider_opens_its_layout_and_style_first_and_shows_as_a_view() {
    let (mut s, f) = session();
    let shown = s
        .execute(r#"let n = int_slider(#{max: 10, value: 3, description: "n"}); n"#)
        .unwrap()
        .unwrap();
    let models = opened(&f.take_comms());
    let names: Vec<&str> = models.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(names, ["LayoutModel", "SliderStyleModel", "IntSliderModel"]);
    let (id, _, state) = &models[2];
    assert_eq!(state["value"], 3);
    assert_eq!(state["max"], 10);
    assert_eq!(state["_model_module"], "@jupyter-widgets/controls");
    assert_eq!(state["_model_module_version"], "2.0.0");
    assert_eq!(state["layout"], format!("IPY_MODEL_{}", models[0].0));
    assert_eq!(shown.data[VIEW_MIME]["model_id"], id.as_str());
    assert_eq!(
        shown.plain(),
        Some(r#"IntSlider(description="n", value=3)"#)
    );
}

#[test]
fn a_value_stays_within_its_range() {
    let (mut s, _f) = session();
    let value = |s: &mut Session, code: &str| {
        s.execute(code)
            .unwrap()
            .unwrap()
            .plain()
            .map(str::to_string)
    };
    assert_eq!(
        value(
            &mut s,
            "let a = float_slider(#{min: 1.0, max: 8.0}); a.value"
        )
        .as_deref(),
        Some("1.0")
    );
    assert_eq!(
        value(&mut s, "a.value = 20.0; a.value").as_deref(),
        Some("8.0")
    );
    let log = "let l = log_slider(#{min: -4.0, max: -1.0, value: 1.0}); l.value";
    assert_eq!(value(&mut s, log).as_deref(), Some("0.1"));
}

#[test]
fn unknown_options_and_wrong_types_are_refused_by_name() {
    let (mut s, _f) = session();
    let err = s.execute("int_slider(#{maximum: 3})").unwrap_err();
    assert!(
        err.message.contains("no attribute `maximum`"),
        "{}",
        err.message
    );
    let err = s.execute(r#"int_slider(#{value: "three"})"#).unwrap_err();
    assert!(
        err.message.contains("IntSlider.value must be a int"),
        "{}",
        err.message
    );
}

#[test]
fn a_front_end_update_is_echoed_read_in_rhai_and_observed() {
    let (mut s, f) = session();
    s.execute(
        r#"let lr = float_slider(#{min: 0.0, max: 1.0});
           lr.observe(|change| print(`${change.name}: ${change.old} -> ${change.value}`));
           lr.model_id"#,
    )
    .unwrap();
    let comms = f.take_comms();
    let id = opened(&comms)[2].0.clone();
    s.comm(front_end_update(&id, json!({"value": 0.25})))
        .unwrap();
    let sent = updates(&f.take_comms(), &id);
    assert_eq!(
        sent,
        [json!({"method": "echo_update", "state": {"value": 0.25}, "buffer_paths": []})]
    );
    assert_eq!(f.text(Stream::Stdout), "value: 0.0 -> 0.25\n");
    assert_eq!(
        s.execute("lr.value").unwrap().unwrap().plain(),
        Some("0.25")
    );
}

#[test]
fn setting_a_value_in_rhai_moves_the_control() {
    let (mut s, f) = session();
    s.execute(r#"let d = dropdown(#{options: ["a", "b", "c"], value: "b"});"#)
        .unwrap();
    let models = opened(&f.take_comms());
    let (id, _, state) = models.last().unwrap();
    assert_eq!(state["_options_labels"], json!(["a", "b", "c"]));
    assert_eq!(state["index"], 1);
    s.execute(r#"d.value = "c";"#).unwrap();
    assert_eq!(
        updates(&f.take_comms(), id),
        [json!({"method": "update", "state": {"index": 2}, "buffer_paths": []})]
    );
    s.comm(front_end_update(id, json!({"index": 0}))).unwrap();
    assert_eq!(
        s.execute("d.value").unwrap().unwrap().plain(),
        Some(r#""a""#)
    );
}

#[test]
fn a_box_takes_new_children() {
    let (mut s, f) = session();
    let shown = s
        .execute("let b = hbox([checkbox()]); b.children = [button(), text_input()]; b")
        .unwrap()
        .unwrap();
    let models = opened(&f.take_comms());
    assert_eq!(
        shown.plain(),
        Some(r#"HBox(children=[Button(), Text(value="")])"#)
    );
    assert!(models.iter().any(|m| m.1 == "TextModel"));
    let err = s.execute("b.children = [1]").unwrap_err();
    assert!(
        err.message.contains("a box holds widgets, not i64"),
        "{}",
        err.message
    );
}

#[test]
fn a_button_click_runs_its_callback() {
    let (mut s, f) = session();
    s.execute(r#"let b = button(#{description: "go"}); b.on_click(|b| print("clicked"));"#)
        .unwrap();
    let id = opened(&f.take_comms()).last().unwrap().0.clone();
    let click = CommMessage::Msg {
        comm_id: id,
        data: json!({"method": "custom", "content": {"event": "click"}})
            .as_object()
            .unwrap()
            .clone(),
        metadata: Map::new(),
    };
    s.comm(click.clone()).unwrap();
    assert_eq!(f.text(Stream::Stdout), "clicked\n");
    // A handler written without the button's parameter is told so at the click.
    s.execute(r#"b.on_click(|| print("never"));"#).unwrap();
    let e = s.comm(click).unwrap_err();
    assert!(
        e.message.contains(
            "the closure || takes no arguments, but is called with one argument, the button"
        ),
        "{e}"
    );
}

/// The last `outputs` an output area was given.
fn last_outputs(comms: &[CommMessage], area: &str) -> Value {
    updates(comms, area)
        .into_iter()
        .rev()
        .find_map(|u| u["state"].get("outputs").cloned())
        .unwrap()
}

#[test]
fn interact_builds_controls_in_parameter_order_and_reruns_into_its_area() {
    let (mut s, f) = session();
    s.execute(r#"interact(|steps, T| print(`${steps} ${T}`), #{T: [1.0, 8.0], steps: [0, 10]})"#)
        .unwrap();
    let comms = f.take_comms();
    let models = opened(&comms);
    let controls: Vec<&(String, String, Map<String, Value>)> = models
        .iter()
        .filter(|m| m.1.ends_with("SliderModel"))
        .collect();
    assert_eq!(controls[0].1, "IntSliderModel");
    assert_eq!(controls[0].2["description"], "steps");
    assert_eq!(controls[1].1, "FloatSliderModel");
    let area = &models.iter().find(|m| m.1 == "OutputModel").unwrap().0;
    let vbox = models.iter().find(|m| m.1 == "VBoxModel").unwrap();
    assert_eq!(vbox.2["children"].as_array().unwrap().len(), 3);
    assert_eq!(
        last_outputs(&comms, area),
        json!([{"output_type": "stream", "name": "stdout", "text": "5 4.5\n"}])
    );
    // The cell itself shows the box, not the function's output.
    let shown = f.take();
    assert!(
        matches!(&shown[..], [Output::Display(b, None)] if b.data[VIEW_MIME]["model_id"] == vbox.0.as_str()),
        "{shown:?}"
    );

    // JavaScript sends 2.0 as 2; the float slider's value stays a float.
    s.comm(front_end_update(&controls[1].0, json!({"value": 2})))
        .unwrap();
    let comms = f.take_comms();
    assert_eq!(
        last_outputs(&comms, area),
        json!([{"output_type": "stream", "name": "stdout", "text": "5 2.0\n"}])
    );
    // The noise of a browser's arithmetic is dropped.
    s.comm(front_end_update(
        &controls[1].0,
        json!({"value": 5.500000000000001}),
    ))
    .unwrap();
    assert_eq!(
        last_outputs(&f.take_comms(), area),
        json!([{"output_type": "stream", "name": "stdout", "text": "5 5.5\n"}])
    );
}

#[test]
fn an_error_in_an_interact_function_shows_in_its_area_and_the_kernel_goes_on() {
    let (mut s, f) = session();
    s.execute(r#"interact(|x| { if x > 5 { throw "too big" } x * 2 }, #{x: [0, 8]})"#)
        .unwrap();
    let comms = f.take_comms();
    let models = opened(&comms);
    let slider = &models.iter().find(|m| m.1 == "IntSliderModel").unwrap().0;
    let area = &models.iter().find(|m| m.1 == "OutputModel").unwrap().0;
    assert_eq!(last_outputs(&comms, area)[0]["data"]["text/plain"], "8");
    // Where widgets cannot be drawn, the box reads as text with the area's outputs.
    let shown = f.take();
    let [Output::Display(b, None)] = &shown[..] else {
        panic!("{shown:?}")
    };
    assert_eq!(
        b.plain(),
        Some(r#"VBox(children=[IntSlider(description="x", value=4), Output(outputs=["8"])])"#)
    );
    s.comm(front_end_update(slider, json!({"value": 7})))
        .unwrap();
    let outputs = last_outputs(&f.take_comms(), area);
    assert_eq!(outputs[0]["output_type"], "error");
    assert_eq!(outputs[0]["evalue"], "too big");
    assert_eq!(s.execute("1 + 1").unwrap().unwrap().plain(), Some("2"));
}

#[test]
fn a_reconnecting_front_end_gets_every_widget_state_on_the_control_comm() {
    let (mut s, f) = session();
    s.execute("let n = int_slider(#{value: 3}); n.value = 5;")
        .unwrap();
    let slider = opened(&f.take_comms()).last().unwrap().0.clone();
    s.comm(CommMessage::Open {
        comm_id: "control-1".into(),
        target_name: "jupyter.widget.control".into(),
        data: Map::new(),
        metadata: Map::new(),
    })
    .unwrap();
    let ask = json!({"method": "request_states"});
    s.comm(CommMessage::Msg {
        comm_id: "control-1".into(),
        data: ask.as_object().unwrap().clone(),
        metadata: Map::new(),
    })
    .unwrap();
    let [reply] = &updates(&f.take_comms(), "control-1")[..] else {
        panic!("no single reply")
    };
    assert_eq!(reply["method"], "update_states");
    let model = &reply["states"][slider.as_str()];
    assert_eq!(model["model_name"], "IntSliderModel");
    assert_eq!(model["state"]["value"], 5);
    // Its layout and style are there too, so the front end can build the view.
    assert_eq!(reply["states"].as_object().unwrap().len(), 3);
}
