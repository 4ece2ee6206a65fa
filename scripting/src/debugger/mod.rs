//! Jupyter's debugger for Rhai cells: the Debug Adapter Protocol (DAP) requests a front end
//! sends in `debug_request`s, answered from the session.
//!
//! [`DebugHub`] is shared by the front end's thread and the session thread. The front end's
//! thread answers what needs no session (breakpoints, cell files, `debugInfo`) and routes
//! the rest: to the session thread through the host's request channel when the session is
//! idle ([`idle::serve`]), or, while a cell is stopped at a breakpoint, to the engine hook
//! ([`hook`]) that holds the session thread at the stop and answers from the stopped frame.
//! The hook is installed on the engine only once a client attaches.

mod dap;
pub mod files;
pub(crate) mod hook;
pub(crate) mod idle;
mod stopped;
mod values;

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use dap::{command, event, failure, response, THREAD_ID};

/// How long the front end's thread waits for a stopped session to answer.
const STOPPED_PATIENCE: Duration = Duration::from_secs(10);

/// Where a request goes after [`DebugHub::route`].
#[derive(Debug)]
pub enum Routed {
    /// Answered without the session.
    Answer(Value),
    /// Needs the session, which is not stopped: ask it through the host when it is idle,
    /// or answer [`busy`] while a cell runs.
    Session(Value),
}

/// A request for the stopped session thread, with where its answer goes.
pub(crate) struct StopCall {
    pub request: Value,
    pub reply: Sender<Value>,
}

/// The cell files script functions were defined in, and the running cell's.
#[derive(Clone, Debug, Default)]
pub(crate) struct CellFiles {
    pub current: String,
    pub functions: HashMap<String, String>,
    /// Parameter names of the functions defined before the running cell.
    pub params: HashMap<String, Vec<String>>,
}

#[derive(Default)]
struct HubState {
    attached: bool,
    /// Breakpoint lines by cell file, as the client set them.
    breakpoints: BTreeMap<String, BTreeSet<u32>>,
    stopped: bool,
    /// Set while the idle session evaluates a front end's expression: it must not stop.
    quiet: bool,
    files: CellFiles,
}

/// The debugger's state shared by the front end's thread and the session thread.
pub struct DebugHub {
    state: Mutex<HubState>,
    to_stopped: Mutex<Sender<StopCall>>,
    at_stop: Mutex<Receiver<StopCall>>,
}

impl Default for DebugHub {
    fn default() -> Self {
        let (to_stopped, at_stop) = channel();
        Self {
            state: Mutex::default(),
            to_stopped: Mutex::new(to_stopped),
            at_stop: Mutex::new(at_stop),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data: consistent whatever panicked while holding it.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl DebugHub {
    /// Whether a client is attached (the engine hook is then installed before each cell).
    pub fn attached(&self) -> bool {
        lock(&self.state).attached
    }

    pub fn stopped(&self) -> bool {
        lock(&self.state).stopped
    }

    /// Answer what needs no session; route the rest.
    pub fn route(&self, request: Value) -> Routed {
        let args = dap::arguments(&request).clone();
        let answer = match dap::command(&request) {
            "initialize" => response(&request, capabilities()),
            "attach" => {
                lock(&self.state).attached = true;
                response(&request, json!({}))
            }
            "disconnect" => {
                {
                    let mut state = lock(&self.state);
                    state.attached = false;
                    state.breakpoints.clear();
                }
                // A stopped cell runs on to its end.
                if self.stopped() {
                    let resume = json!({"seq": 0, "command": "continue", "arguments": {}});
                    let _ = self.ask_stopped(resume);
                }
                response(&request, json!({}))
            }
            "debugInfo" => response(&request, self.debug_info()),
            "dumpCell" => match files::dump_cell(args["code"].as_str().unwrap_or("")) {
                Ok(path) => response(&request, json!({"sourcePath": path})),
                Err(e) => failure(&request, e),
            },
            "setBreakpoints" => self.set_breakpoints(&request),
            "setExceptionBreakpoints" => response(&request, json!({"breakpoints": []})),
            "configurationDone" => response(&request, json!({})),
            "threads" => response(
                &request,
                json!({"threads": [{"id": THREAD_ID, "name": "session"}]}),
            ),
            "source" => {
                let path = args["source"]["path"].as_str().unwrap_or("");
                match std::fs::read_to_string(path) {
                    Ok(content) => response(&request, json!({"content": content})),
                    Err(_) => failure(&request, "source unavailable"),
                }
            }
            _ if self.stopped() => self.ask_stopped(request),
            _ => return Routed::Session(request),
        };
        Routed::Answer(answer)
    }

    fn debug_info(&self) -> Value {
        let state = lock(&self.state);
        let breakpoints: Vec<Value> = state
            .breakpoints
            .iter()
            .map(|(source, lines)| {
                let lines: Vec<Value> = lines.iter().map(|l| json!({"line": l})).collect();
                json!({"source": source, "breakpoints": lines})
            })
            .collect();
        let stopped: Vec<u64> = if state.stopped {
            vec![THREAD_ID]
        } else {
            vec![]
        };
        json!({
            "isStarted": state.attached,
            "hashMethod": "Murmur2",
            "hashSeed": files::HASH_SEED,
            "tmpFilePrefix": files::prefix(),
            "tmpFileSuffix": files::SUFFIX,
            "breakpoints": breakpoints,
            "stoppedThreads": stopped,
            "richRendering": true,
            "exceptionPaths": [],
            "copyToGlobals": false,
        })
    }

    fn set_breakpoints(&self, request: &Value) -> Value {
        let args = dap::arguments(request);
        let Some(path) = args["source"]["path"].as_str() else {
            return failure(request, "setBreakpoints needs source.path");
        };
        let lines: BTreeSet<u32> = args["breakpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["line"].as_u64())
            .map(|l| l as u32)
            .collect();
        let verified: Vec<Value> = lines
            .iter()
            .map(|line| json!({"verified": true, "line": line, "source": {"path": path}}))
            .collect();
        let mut state = lock(&self.state);
        if lines.is_empty() {
            state.breakpoints.remove(path);
        } else {
            state.breakpoints.insert(path.to_string(), lines);
        }
        response(request, json!({"breakpoints": verified}))
    }

    /// Hand a request to the stopped session thread and wait for its answer.
    fn ask_stopped(&self, request: Value) -> Value {
        let (reply, answer) = channel();
        let call = StopCall {
            request: request.clone(),
            reply,
        };
        if lock(&self.to_stopped).send(call).is_err() {
            return failure(&request, "the session is gone");
        }
        match answer.recv_timeout(STOPPED_PATIENCE) {
            Ok(value) => value,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => failure(
                &request,
                "the session did not answer (it is no longer stopped)",
            ),
        }
    }

    /// Every line with a breakpoint, in any file (the engine matches lines; the hook
    /// checks the file).
    pub(crate) fn breakpoint_lines(&self) -> BTreeSet<u32> {
        let state = lock(&self.state);
        state.breakpoints.values().flatten().copied().collect()
    }

    pub(crate) fn is_breakpoint(&self, file: &str, line: u32) -> bool {
        let state = lock(&self.state);
        state
            .breakpoints
            .get(file)
            .is_some_and(|lines| lines.contains(&line))
    }

    pub(crate) fn quiet(&self) -> bool {
        lock(&self.state).quiet
    }

    pub(crate) fn set_quiet(&self, quiet: bool) {
        lock(&self.state).quiet = quiet;
    }

    pub(crate) fn set_stopped(&self, stopped: bool) {
        lock(&self.state).stopped = stopped;
    }

    pub(crate) fn set_files(&self, files: CellFiles) {
        lock(&self.state).files = files;
    }

    pub(crate) fn files(&self) -> CellFiles {
        lock(&self.state).files.clone()
    }

    /// Read the cell files without copying them (checked at every node of a breakpoint's
    /// line, in whichever cell).
    pub(crate) fn with_files<T>(&self, read: impl FnOnce(&CellFiles) -> T) -> T {
        read(&lock(&self.state).files)
    }

    pub(crate) fn stop_calls(&self) -> MutexGuard<'_, Receiver<StopCall>> {
        lock(&self.at_stop)
    }
}

/// The answer to a request that needs the session while a cell runs (and is not stopped).
pub fn busy(request: &Value) -> Value {
    failure(
        request,
        "a cell is running; variables are shown when it stops or ends",
    )
}

fn capabilities() -> Value {
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsEvaluateForHovers": true,
        "supportsSetVariable": false,
        "supportsConditionalBreakpoints": false,
        "supportsStepBack": false,
        "supportsDelayedStackTraceLoading": false,
        "supportsVariableType": true,
        "exceptionBreakpointFilters": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(command: &str, arguments: Value) -> Value {
        json!({"seq": 7, "type": "request", "command": command, "arguments": arguments})
    }

    fn answer(hub: &DebugHub, command: &str, arguments: Value) -> Value {
        match hub.route(request(command, arguments)) {
            Routed::Answer(v) => v,
            Routed::Session(v) => panic!("routed to the session: {v}"),
        }
    }

    #[test]
    fn breakpoints_are_kept_by_file_and_reported_by_debug_info() {
        let hub = DebugHub::default();
        answer(&hub, "attach", json!({}));
        let path = files::cell_path("let a = 1;\nlet b = 2;");
        let set = answer(
            &hub,
            "setBreakpoints",
            json!({"source": {"path": path}, "breakpoints": [{"line": 2}]}),
        );
        assert_eq!(set["request_seq"], 7);
        assert_eq!(set["body"]["breakpoints"][0]["verified"], true);
        assert!(hub.is_breakpoint(&path, 2) && !hub.is_breakpoint(&path, 1));
        let info = answer(&hub, "debugInfo", json!({}));
        assert_eq!(info["body"]["breakpoints"][0]["source"], path.as_str());
        assert_eq!(info["body"]["hashSeed"], files::HASH_SEED);
        assert_eq!(info["body"]["isStarted"], true);
        answer(&hub, "disconnect", json!({}));
        assert!(!hub.attached() && hub.breakpoint_lines().is_empty());
    }

    #[test]
    fn variable_requests_need_the_session() {
        let hub = DebugHub::default();
        let routed = hub.route(request("inspectVariables", json!({})));
        assert!(matches!(routed, Routed::Session(_)));
    }
}
