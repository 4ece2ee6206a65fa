//! The `jupyter.widget.control` comm: a front end that reconnects (a reloaded page) asks
//! for every widget's state in one message, as ipywidgets 8 answers it.

use super::model::Widget;
use crate::comms::{Comm, CommMessage, Handler, Invoker, Target};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

const CONTROL_TARGET: &str = "jupyter.widget.control";

thread_local! {
    /// The session's open widgets, by model id.
    static LIVE: RefCell<BTreeMap<String, Widget>> = const { RefCell::new(BTreeMap::new()) };
}

pub fn add(widget: &Widget) {
    LIVE.with(|live| live.borrow_mut().insert(widget.id(), widget.clone()));
}

pub fn remove(model_id: &str) {
    LIVE.with(|live| live.borrow_mut().remove(model_id));
}

/// `{model id: {model_name, model_module, model_module_version, state}}` for every widget.
fn states() -> Map<String, Value> {
    let widgets: Vec<Widget> = LIVE.with(|live| live.borrow().values().cloned().collect());
    widgets.iter().map(|w| (w.id(), w.state_json())).collect()
}

/// Answer `request_states` on any control comm the front end opens.
pub fn register_target() {
    crate::comms::register_native_target(
        CONTROL_TARGET,
        Target::Native(Rc::new(|_: &Invoker, open: &CommMessage| {
            let comm = Comm::existing(open.comm_id(), CONTROL_TARGET);
            let reply_on = comm.clone();
            comm.on_msg(Handler::Native(Rc::new(
                move |_: &Invoker, message: &CommMessage| {
                    if message.data().get("method").and_then(Value::as_str)
                        == Some("request_states")
                    {
                        let data = json!({"method": "update_states", "states": states(),
                                      "buffer_paths": []});
                        if let Value::Object(data) = data {
                            reply_on.send(data, Map::new());
                        }
                    }
                    Ok(())
                },
            )));
            Ok(())
        })),
    );
}
