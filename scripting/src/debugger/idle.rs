//! Requests answered on the session thread while no cell runs: the variable explorer
//! (`inspectVariables`, `variables`, `richInspectVariables`) and `evaluate`, from the
//! session's own scope.

use super::dap::{arguments, command, failure, response};
use super::values::{self, Key, Path, Refs, Root};
use super::DebugHub;
use crate::session::Session;
use rhai::Dynamic;
use serde_json::{json, Value};
use std::cell::RefCell;

thread_local! {
    /// References handed out by the last `inspectVariables` (the session thread's own).
    static REFS: RefCell<Refs<Root>> = RefCell::new(Refs::default());
}

pub fn serve(session: &mut Session, hub: &DebugHub, request: Value) -> Value {
    let args = arguments(&request).clone();
    match command(&request) {
        "inspectVariables" => {
            REFS.with(|r| r.borrow_mut().clear());
            let variables = scope_variables(session, None);
            response(&request, json!({"variables": variables}))
        }
        "variables" => {
            let reference = args["variablesReference"].as_u64().unwrap_or(0);
            let path = REFS.with(|r| r.borrow().get(reference).cloned());
            match path {
                Some(path) => {
                    let variables = scope_variables(session, Some(&path));
                    response(&request, json!({"variables": variables}))
                }
                None => response(&request, json!({"variables": []})),
            }
        }
        "scopes" => response(&request, json!({"scopes": []})),
        "stackTrace" => response(&request, json!({"stackFrames": [], "totalFrames": 0})),
        "richInspectVariables" => {
            let name = args["variableName"].as_str().unwrap_or("");
            match session.get(name) {
                Some(value) => response(&request, rich(session, &value)),
                None => response(&request, json!({"data": {}, "metadata": {}})),
            }
        }
        "evaluate" => {
            let expression = args["expression"].as_str().unwrap_or("");
            let engine = &session.engine;
            hub.set_quiet(true);
            let outcome =
                engine.eval_expression_with_scope::<Dynamic>(&mut session.scope, expression);
            hub.set_quiet(false);
            match outcome {
                Ok(value) => response(&request, evaluated(session, &value)),
                Err(e) => failure(&request, e.to_string()),
            }
        }
        // Nothing is stopped: nothing to resume.
        "continue" | "next" | "stepIn" | "stepOut" | "pause" => {
            response(&request, json!({"allThreadsContinued": true}))
        }
        other => failure(
            &request,
            format!("`{other}` is not supported by the Rhai debugger"),
        ),
    }
}

/// The session's variables (latest binding of each name), or the children at `path`.
fn scope_variables(session: &Session, path: Option<&Path<Root>>) -> Vec<Value> {
    let engine = &session.engine;
    let renderers = session.renderers.borrow();
    REFS.with(|refs| {
        let refs = &mut *refs.borrow_mut();
        match path {
            None => {
                let entries = named_entries(session.scope.iter_raw().map(|(n, _, v)| (n, v)));
                values::list(
                    engine,
                    &renderers,
                    refs,
                    None,
                    |n| Root::Var(n.into()),
                    entries,
                )
            }
            Some(path) => {
                let Root::Var(name) = &path.root else {
                    return Vec::new();
                };
                let Some(value) = session
                    .get(name)
                    .and_then(|v| values::descend(v, &path.keys))
                else {
                    return Vec::new();
                };
                let expression = path
                    .keys
                    .iter()
                    .fold(name.clone(), |e, k| values::child_expression(&e, k));
                let entries = values::children(&value);
                let parent = Some((path, expression.as_str()));
                values::list(engine, &renderers, refs, parent, |_| Root::Scope, entries)
            }
        }
    })
}

/// Scope entries, latest first as Rhai iterates them, as (name, value) in definition
/// order with each name once.
pub(crate) fn named_entries<'a>(
    entries: impl Iterator<Item = (&'a str, &'a Dynamic)>,
) -> Vec<(Key, Dynamic)> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(Key, Dynamic)> = entries
        .filter(|(name, _)| seen.insert(name.to_string()))
        .map(|(name, value)| (Key::Field(name.to_string()), value.clone()))
        .collect();
    out.reverse();
    out
}

pub(crate) fn rich(session: &Session, value: &Dynamic) -> Value {
    match session.render(value) {
        Some(bundle) => json!({"data": bundle.data, "metadata": bundle.metadata}),
        None => json!({"data": {"text/plain": "()"}, "metadata": {}}),
    }
}

fn evaluated(session: &Session, value: &Dynamic) -> Value {
    let renderers = session.renderers.borrow();
    json!({
        "result": values::short_value(&renderers, value),
        "type": values::type_name(&session.engine, value),
        "variablesReference": 0,
    })
}
