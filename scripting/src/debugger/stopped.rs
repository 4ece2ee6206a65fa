//! Requests answered at a stop, on the session thread, from the stopped frame: the call
//! stack, its scopes and variables, expressions, and the commands that resume.

use super::dap::{arguments, command, failure, response};
use super::hook::{file_of, is_script};
use super::idle::named_entries;
use super::values::{self, Key, Path, Refs, Root};
use super::CellFiles;
use crate::mime::Renderers;
use rhai::debugger::{CallStackFrame, DebuggerCommand};
use rhai::{Dynamic, EvalContext, Position};
use serde_json::{json, Value};
use std::collections::HashMap;

/// How a request at a stop was answered.
pub(crate) enum Answer {
    Reply(Value),
    /// Reply, then resume the cell with this command.
    Resume(Value, DebuggerCommand),
}

/// One frame of the stopped call stack (innermost first).
pub(crate) struct Frame {
    name: String,
    file: String,
    line: usize,
    /// Index in the engine's call stack of the function this frame runs (`None` for the
    /// cell itself), whose argument copies it shows.
    call: Option<usize>,
}

pub(crate) struct Stop {
    frames: Vec<Frame>,
    params: HashMap<String, Vec<String>>,
    refs: Refs<(usize, Root)>,
}

impl Stop {
    pub fn new(frames: Vec<Frame>, params: HashMap<String, Vec<String>>) -> Self {
        Self {
            frames,
            params,
            refs: Refs::default(),
        }
    }

    /// The stopped frames: where execution is, then each script call site outwards.
    pub fn frames(
        files: &CellFiles,
        stack: &[CallStackFrame],
        file: String,
        pos: Position,
    ) -> Vec<Frame> {
        let innermost = |stack: &[CallStackFrame]| {
            stack
                .iter()
                .rposition(|f| is_script(files, f))
                .map(|i| (i, stack[i].fn_name.to_string()))
        };
        let name_of = |found: &Option<(usize, String)>| {
            found
                .as_ref()
                .map_or_else(|| "<cell>".to_string(), |(_, name)| name.clone())
        };
        let mut frames = Vec::new();
        let found = innermost(stack);
        frames.push(Frame {
            name: name_of(&found),
            file,
            line: pos.line().unwrap_or(1),
            call: found.as_ref().map(|(i, _)| *i),
        });
        let mut rest = found.map(|(i, _)| i);
        while let Some(i) = rest {
            let caller = &stack[..i];
            // A closure called by a native function has no call site of its own.
            let site = stack[..=i]
                .iter()
                .rev()
                .map(|f| f.pos)
                .find(|p| !p.is_none())
                .unwrap_or(Position::NONE);
            let found = innermost(caller);
            frames.push(Frame {
                name: name_of(&found),
                file: file_of(files, caller),
                line: site.line().unwrap_or(1),
                call: found.as_ref().map(|(i, _)| *i),
            });
            rest = found.map(|(i, _)| i);
        }
        frames
    }

    pub fn answer(
        &mut self,
        context: &mut EvalContext,
        renderers: &Renderers,
        request: &Value,
    ) -> Answer {
        let args = arguments(request);
        let resume = |command| Answer::Resume(response(request, json!({})), command);
        let reply = match command(request) {
            "continue" => {
                let body = json!({"allThreadsContinued": true});
                return Answer::Resume(response(request, body), DebuggerCommand::Continue);
            }
            "next" => return resume(DebuggerCommand::Next),
            "stepIn" => return resume(DebuggerCommand::StepInto),
            "stepOut" => return resume(DebuggerCommand::FunctionExit),
            "stackTrace" => self.stack_trace(request),
            "scopes" => {
                let frame = args["frameId"].as_u64().unwrap_or(1) as usize;
                self.scopes(request, frame)
            }
            "variables" => {
                let reference = args["variablesReference"].as_u64().unwrap_or(0);
                let variables = self.variables(context, renderers, reference);
                response(request, json!({"variables": variables}))
            }
            "inspectVariables" => {
                let entries = scope_entries(context);
                let engine = context.engine();
                let variables = values::list(
                    engine,
                    renderers,
                    &mut self.refs,
                    None,
                    |n| (1, Root::Var(n.into())),
                    entries,
                );
                response(request, json!({"variables": variables}))
            }
            "richInspectVariables" => {
                let name = args["variableName"].as_str().unwrap_or("");
                match context.scope().get(name).cloned() {
                    Some(value) => match renderers.render(&value) {
                        Some(b) => {
                            response(request, json!({"data": b.data, "metadata": b.metadata}))
                        }
                        None => response(
                            request,
                            json!({"data": {"text/plain": "()"}, "metadata": {}}),
                        ),
                    },
                    None => response(request, json!({"data": {}, "metadata": {}})),
                }
            }
            "evaluate" => {
                let expression = args["expression"].as_str().unwrap_or("");
                match evaluate(context, expression) {
                    Ok(value) => response(
                        request,
                        json!({
                            "result": values::short_value(renderers, &value),
                            "type": values::type_name(context.engine(), &value),
                            "variablesReference": 0,
                        }),
                    ),
                    Err(message) => failure(request, message),
                }
            }
            other => failure(
                request,
                format!("`{other}` is not supported by the Rhai debugger"),
            ),
        };
        Answer::Reply(reply)
    }

    fn stack_trace(&self, request: &Value) -> Value {
        let frames: Vec<Value> = self
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                json!({
                    "id": i + 1,
                    "name": f.name,
                    "line": f.line,
                    "column": 1,
                    "source": {"name": file_name(&f.file), "path": f.file},
                })
            })
            .collect();
        let total = frames.len();
        response(
            request,
            json!({"stackFrames": frames, "totalFrames": total}),
        )
    }

    /// The top frame shows its live variables; outer frames, the argument copies the
    /// engine keeps of their calls (Rhai keeps no more of them).
    fn scopes(&mut self, request: &Value, frame: usize) -> Value {
        let Some(f) = self.frames.get(frame.saturating_sub(1)) else {
            return response(request, json!({"scopes": []}));
        };
        let scope = if frame == 1 {
            let reference = self.refs.add(Path {
                root: (frame, Root::Scope),
                keys: Vec::new(),
            });
            json!({"name": "Locals", "variablesReference": reference, "expensive": false})
        } else if let Some(call) = f.call {
            let reference = self.refs.add(Path {
                root: (frame, Root::Args(call)),
                keys: Vec::new(),
            });
            json!({"name": "Arguments", "variablesReference": reference, "expensive": false})
        } else {
            return response(request, json!({"scopes": []}));
        };
        response(request, json!({"scopes": [scope]}))
    }

    fn variables(
        &mut self,
        context: &EvalContext,
        renderers: &Renderers,
        reference: u64,
    ) -> Vec<Value> {
        let Some(path) = self.refs.get(reference).cloned() else {
            return Vec::new();
        };
        let engine = context.engine();
        let (frame, root) = &path.root;
        let frame = *frame;
        let stack = context.global_runtime_state().debugger().call_stack();
        let arg = |call: usize, index: usize| stack.get(call)?.args.get(index).cloned();
        let (entries, expression) = match root {
            Root::Scope => {
                let entries = scope_entries(context);
                let root_of = |n: &str| (frame, Root::Var(n.into()));
                return values::list(engine, renderers, &mut self.refs, None, root_of, entries);
            }
            Root::Args(call) => {
                let Some(called) = stack.get(*call) else {
                    return Vec::new();
                };
                let names = self.params.get(called.fn_name.as_str());
                let entries = called
                    .args
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let name = names
                            .and_then(|n| n.get(i).cloned())
                            .unwrap_or_else(|| format!("arg{i}"));
                        (Key::Field(name), v.clone())
                    })
                    .collect();
                let call = *call;
                return self.list_args(engine, renderers, frame, call, entries);
            }
            Root::Var(name) => {
                let value = context.scope().get(name).cloned();
                let Some(value) = value.and_then(|v| values::descend(v, &path.keys)) else {
                    return Vec::new();
                };
                let expression = path
                    .keys
                    .iter()
                    .fold(name.clone(), |e, k| values::child_expression(&e, k));
                (values::children(&value), expression)
            }
            Root::Arg(call, index) => {
                let value = arg(*call, *index).and_then(|v| values::descend(v, &path.keys));
                let Some(value) = value else {
                    return Vec::new();
                };
                (values::children(&value), format!("arg{index}"))
            }
        };
        // Children keep their parent's root; only their keys grow.
        let parent = Some((&path, expression.as_str()));
        let root_of = |_: &str| (frame, Root::Scope);
        values::list(engine, renderers, &mut self.refs, parent, root_of, entries)
    }

    fn list_args(
        &mut self,
        engine: &rhai::Engine,
        renderers: &Renderers,
        frame: usize,
        call: usize,
        entries: Vec<(Key, Dynamic)>,
    ) -> Vec<Value> {
        entries
            .into_iter()
            .enumerate()
            .map(|(i, (key, value))| {
                let name = values::key_name(&key);
                let reference = if values::has_children(&value) {
                    self.refs.add(Path {
                        root: (frame, Root::Arg(call, i)),
                        keys: Vec::new(),
                    })
                } else {
                    0
                };
                values::variable(engine, renderers, &name, &name, &value, reference)
            })
            .collect()
    }
}

/// The stopped frame's variables, each name once.
fn scope_entries(context: &EvalContext) -> Vec<(Key, Dynamic)> {
    named_entries(context.scope().iter_raw().map(|(n, _, v)| (n, v)))
}

/// A Rhai expression evaluated in the stopped frame (its variables and the session's
/// functions).
fn evaluate(context: &mut EvalContext, expression: &str) -> Result<Dynamic, String> {
    let engine = context.engine();
    let ast = engine
        .compile_expression_with_scope(context.scope(), expression)
        .map_err(|e| e.to_string())?;
    // As a block, so that any statement form the compiler chose evaluates to its value.
    let statements = ast.statements().iter().cloned();
    let block = rhai::StmtBlock::new(statements, Position::NONE, Position::NONE);
    let expr = rhai::Expr::Stmt(Box::new(block));
    context
        .eval_expression_tree(&(&expr).into())
        .map_err(|e| e.to_string())
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}
