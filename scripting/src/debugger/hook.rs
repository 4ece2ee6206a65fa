//! The engine hook: installed once a client attaches, it stops a cell at a breakpoint or
//! after a step, tells the front end (`stopped`), and holds the session thread there,
//! answering the front end's requests from the stopped frame until one resumes it.
//!
//! Rhai matches breakpoints by line and by its source name; all of a session's functions
//! share one source name, so the engine is given every breakpoint line and the hook keeps
//! only those in the file of the function (or cell) that is running.

use super::dap::{self, THREAD_ID};
use super::files::cell_path;
use super::stopped::{Answer, Stop};
use super::{CellFiles, DebugHub};
use crate::frontend::Frontend;
use crate::interrupt::InterruptHandle;
use crate::mime::Renderers;
use crate::session::Session;
use rhai::debugger::{BreakPoint, CallStackFrame, Debugger, DebuggerCommand, DebuggerEvent};
use rhai::{ASTNode, Dynamic, EvalAltResult, EvalContext, ImmutableString, Position};
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::Duration;

/// How often a stopped session looks at its interrupt flag.
const INTERRUPT_POLL: Duration = Duration::from_millis(50);

/// Before a cell runs with a client attached: install the hook (once per engine) and note
/// which file each function, and the cell itself, is debugged under.
pub(crate) fn prepare(session: &mut Session, hub: &Arc<DebugHub>, code: &str) {
    if !session.debugger_installed {
        install(session, hub.clone());
        session.debugger_installed = true;
    }
    let current = cell_path(code);
    let mut functions = HashMap::new();
    for (function, source) in session.sources.functions() {
        if let Some(text) = session.sources.text(source) {
            functions.insert(function.to_string(), cell_path(text));
        }
    }
    for name in defined_functions(code) {
        functions.insert(name, current.clone());
    }
    let mut params = HashMap::new();
    for f in session.ast.iter_functions() {
        let names = f.params.iter().map(|p| p.to_string()).collect();
        params.insert(f.name.to_string(), names);
    }
    hub.set_files(CellFiles {
        current,
        functions,
        params,
    });
}

/// Names after `fn` in the code: the cell's own functions, which may replace earlier ones.
fn defined_functions(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let tokens = crate::scan::code_tokens(&chars);
    tokens
        .windows(2)
        .filter(|w| w[0].ident() == Some("fn"))
        .filter_map(|w| w[1].ident().map(str::to_string))
        .collect()
}

fn install(session: &mut Session, hub: Arc<DebugHub>) {
    let hook = Rc::new(Hook {
        hub: hub.clone(),
        frontend: session.frontend.clone(),
        renderers: session.renderers.clone(),
        interrupt: session.interrupt_handle(),
        nested: Cell::new(false),
        sources: RefCell::new(vec![None]),
        last: RefCell::new(None),
    });
    let on_init = hook.clone();
    #[allow(deprecated)] // Rhai marks its debugging interface volatile, not deprecated.
    session.engine.register_debugger(
        move |_, mut debugger| {
            on_init.sync_breakpoints(&mut debugger);
            debugger
        },
        move |context, event, node, _source, pos| hook.on_event(context, event, node, pos),
    );
}

/// Where the last stop was, and how it was resumed (to step by lines, not expressions).
struct Last {
    file: String,
    line: Option<usize>,
    depth: usize,
    command: DebuggerCommand,
}

struct Hook {
    hub: Arc<DebugHub>,
    frontend: Rc<dyn Frontend>,
    renderers: Rc<RefCell<Renderers>>,
    interrupt: InterruptHandle,
    /// Set while stopped: an expression evaluated in the stopped frame must not stop.
    nested: Cell<bool>,
    /// The source names Rhai gives the running code (none for a cell, the function
    /// library's name inside functions).
    sources: RefCell<Vec<Option<ImmutableString>>>,
    last: RefCell<Option<Last>>,
}

impl Hook {
    fn on_event(
        &self,
        mut context: EvalContext,
        event: DebuggerEvent,
        node: ASTNode,
        pos: Position,
    ) -> Result<DebuggerCommand, Box<EvalAltResult>> {
        if self.nested.get() || self.hub.quiet() {
            return Ok(DebuggerCommand::Continue);
        }
        let depth = call_stack(&context).len();
        let reason = match event {
            DebuggerEvent::Start => {
                self.last.take();
                self.learn_sources(&mut context);
                let global = context.global_runtime_state();
                match global.debugger().is_break_point(global.source(), node) {
                    Some(_) => "breakpoint",
                    None => return Ok(DebuggerCommand::Continue),
                }
            }
            DebuggerEvent::End => return Ok(DebuggerCommand::Continue),
            // Leaving a function while stepping: stop at the caller's next node.
            DebuggerEvent::FunctionExitWithValue(_) | DebuggerEvent::FunctionExitWithError(_) => {
                return Ok(DebuggerCommand::StepInto)
            }
            DebuggerEvent::BreakPoint(_) => "breakpoint",
            DebuggerEvent::Step => "step",
            _ => return Ok(DebuggerCommand::Continue),
        };
        let file = self
            .hub
            .with_files(|files| file_of(files, call_stack(&context)));
        let line = pos.line();
        if reason == "breakpoint" {
            // Every node of a breakpoint's line matches: stop at its first (a statement, or
            // an expression standing alone), and only in the file the breakpoint is set in.
            let here = line.is_some_and(|l| self.hub.is_breakpoint(&file, l as u32));
            let stopped_here =
                self.last.borrow().as_ref().is_some_and(|last| {
                    last.line == line && last.depth == depth && last.file == file
                });
            if !here || (node.is_expr() && stopped_here) {
                return Ok(self.keep_going(depth));
            }
        } else if matches!(node, ASTNode::Stmt(rhai::Stmt::Noop(_))) {
            // A function's entry (its `{`): step on to its first statement.
            let next = self.last.borrow().as_ref().map(|l| l.command);
            return Ok(match next {
                Some(DebuggerCommand::Next) => DebuggerCommand::Next,
                _ => DebuggerCommand::StepInto,
            });
        } else if let Some(last) = &*self.last.borrow() {
            // A step into a line's expressions stops once per line.
            let same_line = last.line == line && last.depth == depth;
            if last.command == DebuggerCommand::StepInto && node.is_expr() && same_line {
                return Ok(DebuggerCommand::StepInto);
            }
        }
        let files = self.hub.files();
        let outcome = self.stop(&mut context, reason, &files, file.clone(), pos);
        if let Ok(command) = outcome {
            *self.last.borrow_mut() = Some(Last {
                file,
                line,
                depth,
                command,
            });
        }
        self.sync_breakpoints(context.global_runtime_state_mut().debugger_mut());
        outcome
    }

    /// Not stopping at a breakpoint's line: carry on as the last command asked. (A `next`
    /// needs nothing: the engine restores it after the statement.)
    fn keep_going(&self, depth: usize) -> DebuggerCommand {
        match &*self.last.borrow() {
            Some(last) if last.command == DebuggerCommand::FunctionExit && last.depth == depth => {
                DebuggerCommand::FunctionExit
            }
            _ => DebuggerCommand::Continue,
        }
    }

    /// Hold the session thread at a stop until a request resumes it, or an interrupt.
    fn stop(
        &self,
        context: &mut EvalContext,
        reason: &str,
        files: &CellFiles,
        file: String,
        pos: Position,
    ) -> Result<DebuggerCommand, Box<EvalAltResult>> {
        let calls = self.hub.stop_calls();
        // Requests left from an earlier stop were given up on by their askers (before this
        // stop is announced, so that none of its own is dropped).
        while calls.try_recv().is_ok() {}
        self.hub.set_stopped(true);
        let body = json!({"reason": reason, "threadId": THREAD_ID, "allThreadsStopped": true});
        self.frontend.debug_event(&dap::event("stopped", body));
        let frames = Stop::frames(files, call_stack(context), file, pos);
        let mut stop = Stop::new(frames, files.params.clone());
        self.nested.set(true);
        let command = loop {
            if self.interrupt.is_set() {
                break Err(
                    EvalAltResult::ErrorTerminated(Dynamic::from("interrupted"), pos).into(),
                );
            }
            match calls.recv_timeout(INTERRUPT_POLL) {
                Ok(call) => {
                    let renderers = self.renderers.borrow();
                    match stop.answer(context, &renderers, &call.request) {
                        Answer::Reply(reply) => {
                            let _ = call.reply.send(reply);
                        }
                        Answer::Resume(reply, command) => {
                            // Not stopped from here on, before the front end hears so:
                            // its next request must not wait for this stop.
                            self.hub.set_stopped(false);
                            let _ = call.reply.send(reply);
                            break Ok(command);
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break Ok(DebuggerCommand::Continue),
            }
        };
        self.nested.set(false);
        self.hub.set_stopped(false);
        let body = json!({"threadId": THREAD_ID, "allThreadsContinued": true});
        self.frontend.debug_event(&dap::event("continued", body));
        command
    }

    /// Note the source names of the running script's function libraries.
    fn learn_sources(&self, context: &mut EvalContext) {
        let mut sources: Vec<Option<ImmutableString>> = vec![None];
        for module in context.iter_namespaces() {
            if let Some(id) = module.id() {
                let id: ImmutableString = id.into();
                if !sources.contains(&Some(id.clone())) {
                    sources.push(Some(id));
                }
            }
        }
        *self.sources.borrow_mut() = sources;
        self.sync_breakpoints(context.global_runtime_state_mut().debugger_mut());
    }

    /// Give the engine every breakpoint line, under each source name it may report.
    fn sync_breakpoints(&self, debugger: &mut Debugger) {
        let lines: BTreeSet<u32> = self.hub.breakpoint_lines();
        let sources = self.sources.borrow();
        let points = debugger.break_points_mut();
        points.clear();
        for source in sources.iter() {
            for line in &lines {
                let Ok(line) = u16::try_from(*line) else {
                    continue;
                };
                points.push(BreakPoint::AtPosition {
                    source: source.clone(),
                    pos: Position::new(line, 0),
                    enabled: true,
                });
            }
        }
    }
}

fn call_stack<'a>(context: &'a EvalContext) -> &'a [CallStackFrame] {
    context.global_runtime_state().debugger().call_stack()
}

/// The cell file of the innermost script function on the stack, or the running cell's.
/// Native functions (which call closures back) are skipped; a closure not defined in an
/// earlier cell belongs to the running one.
pub(crate) fn file_of(files: &CellFiles, stack: &[CallStackFrame]) -> String {
    for frame in stack.iter().rev() {
        if let Some(file) = files.functions.get(frame.fn_name.as_str()) {
            return file.clone();
        }
        if frame.fn_name.starts_with("anon$") {
            break;
        }
    }
    files.current.clone()
}

/// Whether a frame runs a script function (or closure) rather than a native one.
pub(crate) fn is_script(files: &CellFiles, frame: &CallStackFrame) -> bool {
    files.functions.contains_key(frame.fn_name.as_str()) || frame.fn_name.starts_with("anon$")
}
