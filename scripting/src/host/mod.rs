//! The session host: the one thread every front end runs its session on.
//!
//! A [`Session`] is `!Send` and deep Rhai recursion needs far more stack than a spawned
//! thread gets, so the session lives on a thread of its own with a 256 MiB stack. The
//! front end's [`Frontend`] is made on that thread too; the front end's own thread sends
//! typed [`Request`]s and gets one [`Reply`] each, through a sink that runs on the session
//! thread after the request's last output, so a front end that funnels both into one
//! channel sees them in order.

mod request;
#[cfg(test)]
mod tests;

pub use request::{Execute, ExecuteReply, Help, Reply, Request};

use crate::commands::help_query;
use crate::debugger::{self, DebugHub};
use crate::error::ScriptError;
use crate::frontend::Frontend;
use crate::interrupt::InterruptHandle;
use crate::session::{Session, SessionFactory};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Stack for the session thread: deeply recursive scripts and the parser's recursion need
/// far more than the 2 MiB a spawned thread gets by default.
const STACK_SIZE: usize = 256 << 20;

/// Where replies go; runs on the session thread.
pub type ReplySink = Box<dyn FnMut(Reply)>;

/// The session thread stopped (a panic outside a cell, or a failed start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostGone;

impl std::fmt::Display for HostGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the session thread stopped unexpectedly")
    }
}

impl std::error::Error for HostGone {}

/// Stops the running cell from any thread.
///
/// The flag is cleared where a request is handed to the session ([`SessionHost::send`], on
/// the front end's thread, before the request is queued), not when the session starts it:
/// so an interrupt acknowledged after the hand-over always stops the cell it was meant for,
/// even if the session thread has not started it yet, and one from before never stops it.
/// An interrupt that comes before the session exists is kept for it.
#[derive(Clone, Default)]
pub struct HostInterrupt(Arc<Mutex<InterruptState>>);

#[derive(Default)]
struct InterruptState {
    /// The session's own flag, once the session exists.
    handle: Option<InterruptHandle>,
    /// Interrupted before the session existed.
    early: bool,
}

impl HostInterrupt {
    pub fn interrupt(&self) {
        let mut state = self.state();
        match &state.handle {
            Some(handle) => handle.interrupt(),
            None => state.early = true,
        }
    }

    /// The session's own handle, once the session exists.
    pub fn handle(&self) -> Option<InterruptHandle> {
        self.state().handle.clone()
    }

    /// Forget any interrupt: the next request starts afresh.
    fn clear(&self) {
        let mut state = self.state();
        state.early = false;
        if let Some(handle) = &state.handle {
            handle.reset();
        }
    }

    /// The session exists: from now on interrupts go to its flag.
    fn attach(&self, handle: InterruptHandle) {
        let mut state = self.state();
        if std::mem::take(&mut state.early) {
            handle.interrupt();
        }
        state.handle = Some(handle);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, InterruptState> {
        // The state stays consistent whatever panicked while holding it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The front end's end of the session thread. Dropping it interrupts the running cell and
/// waits for the thread to end.
pub struct SessionHost {
    requests: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
    interrupt: HostInterrupt,
    ready: Receiver<()>,
    debugger: Arc<DebugHub>,
}

impl SessionHost {
    /// Start the session thread. `make` runs there first and returns the front end the
    /// session talks to and the sink that receives each reply; then the factory makes the
    /// session. Returns at once: requests sent meanwhile wait for the session.
    pub fn spawn<M>(factory: SessionFactory, make: M) -> Result<Self, String>
    where
        M: FnOnce() -> (Rc<dyn Frontend>, ReplySink) + Send + 'static,
    {
        let (requests, request_rx) = channel::<Request>();
        let (ready_tx, ready) = channel();
        let interrupt = HostInterrupt::default();
        let attach = interrupt.clone();
        let debugger = Arc::new(DebugHub::default());
        let hub = debugger.clone();
        let thread = std::thread::Builder::new()
            .name("ladder-session".into())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let (frontend, mut sink) = make();
                let mut session = factory(frontend);
                attach.attach(session.interrupt_handle());
                let _ = ready_tx.send(());
                for request in request_rx {
                    sink(serve(&mut session, &hub, request));
                }
            })
            .map_err(|e| format!("cannot start the session thread: {e}"))?;
        Ok(Self {
            requests: Some(requests),
            thread: Some(thread),
            interrupt,
            ready,
            debugger,
        })
    }

    /// A host whose replies arrive on a channel (for front ends that need nothing else from
    /// the session thread).
    pub fn with_replies<M>(factory: SessionFactory, make_frontend: M) -> Result<Client, String>
    where
        M: FnOnce() -> Rc<dyn Frontend> + Send + 'static,
    {
        let (reply_tx, replies) = channel();
        let host = Self::spawn(factory, move || {
            let sink: ReplySink = Box::new(move |reply| {
                let _ = reply_tx.send(reply);
            });
            (make_frontend(), sink)
        })?;
        Ok(Client { host, replies })
    }

    /// Wait until the session exists; its interrupt handle, or an error if it could not be
    /// made.
    pub fn wait_ready(&self) -> Result<InterruptHandle, HostGone> {
        if let Some(handle) = self.interrupt.handle() {
            return Ok(handle);
        }
        // The thread sets the handle before it signals, and drops the sender if it dies.
        let _ = self.ready.recv();
        self.interrupt.handle().ok_or(HostGone)
    }

    /// Hand a request to the session; its reply goes to the sink. Send the next request
    /// only after this one's reply: an interrupt before the hand-over is forgotten here.
    pub fn send(&self, request: Request) -> Result<(), HostGone> {
        let requests = self.requests.as_ref().ok_or(HostGone)?;
        self.interrupt.clear();
        requests.send(request).map_err(|_| HostGone)
    }

    /// The debugger state this host's session shares with the front end's thread.
    pub fn debugger(&self) -> Arc<DebugHub> {
        self.debugger.clone()
    }

    pub fn interrupter(&self) -> HostInterrupt {
        self.interrupt.clone()
    }

    pub fn interrupt(&self) {
        self.interrupt.interrupt();
    }
}

/// Closing the request channel ends the session thread once its cell is done; waiting for
/// it lets what the front end holds there (a socket) close before the caller goes on.
impl Drop for SessionHost {
    fn drop(&mut self) {
        self.interrupt();
        self.requests.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A [`SessionHost`] with its reply channel: one blocking call per request.
pub struct Client {
    pub host: SessionHost,
    pub replies: Receiver<Reply>,
}

impl Client {
    /// Send a request and wait for its reply.
    pub fn call(&self, request: Request) -> Result<Reply, HostGone> {
        self.host.send(request)?;
        self.replies.recv().map_err(|_| HostGone)
    }

    pub fn execute(&self, execute: Execute) -> Result<ExecuteReply, HostGone> {
        match self.call(Request::Execute(execute))? {
            Reply::Executed(reply) => Ok(reply),
            _ => Err(HostGone),
        }
    }
}

/// Answer one request on the session thread. A panic while serving it (a bug in a
/// library's renderer, cell language or completer, or in the session itself) answers it as
/// well as can be, says so on stderr, and keeps the session and its variables: the thread
/// must not die with them.
fn serve(session: &mut Session, hub: &Arc<DebugHub>, request: Request) -> Reply {
    let fallback = fallback(&request);
    let served = crate::panic::catch(AssertUnwindSafe(|| serve_request(session, hub, request)));
    served.unwrap_or_else(|message| {
        let (what, reply) = fallback(message.clone());
        if !matches!(reply, Reply::Executed(_)) {
            let text = format!(
                "ladder: {what} failed: a panic: {message} (the session and its variables are kept)\n"
            );
            session.frontend.stream(crate::Stream::Stderr, &text);
        }
        reply
    })
}

/// What a request is, and its answer should serving it panic with a message.
fn fallback(request: &Request) -> impl FnOnce(String) -> (&'static str, Reply) {
    // Only what the answer needs is kept (a cell's code may be large).
    enum Kind {
        Execute,
        Complete(usize),
        Inspect,
        IsComplete,
        Help(String),
        Reset,
        Comm,
        CommInfo,
        Debug(serde_json::Value),
    }
    let kind = match request {
        Request::Execute(_) => Kind::Execute,
        Request::Complete { cursor, .. } => Kind::Complete(*cursor),
        Request::Inspect { .. } => Kind::Inspect,
        Request::IsComplete { .. } => Kind::IsComplete,
        Request::Help { name } => Kind::Help(name.clone()),
        Request::Reset => Kind::Reset,
        Request::Comm(_) => Kind::Comm,
        Request::CommInfo { .. } => Kind::CommInfo,
        Request::Debug(dap) => Kind::Debug(dap.clone()),
    };
    move |message: String| match kind {
        Kind::Execute => (
            "the cell",
            Reply::Executed(ExecuteReply {
                outcome: Err(crate::session::panic_error(message)),
                help: None,
                user_expressions: Vec::new(),
            }),
        ),
        Kind::Complete(cursor) => (
            "completion",
            Reply::Completed(crate::Completions {
                matches: Vec::new(),
                cursor_start: cursor,
                cursor_end: cursor,
                kinds: Vec::new(),
            }),
        ),
        Kind::Inspect => ("inspection", Reply::Inspected(None)),
        // "Complete": a console then sends the cell, and running it reports any error.
        Kind::IsComplete => (
            "checking whether the cell is complete",
            Reply::IsComplete(crate::Completeness::Complete),
        ),
        Kind::Help(name) => ("help", Reply::Help(Help { name, text: None })),
        Kind::Reset => ("%reset", Reply::Reset),
        Kind::Comm => ("a comm message", Reply::Comm),
        Kind::CommInfo => ("listing the comms", Reply::CommInfo(Vec::new())),
        Kind::Debug(dap) => (
            "a debugger request",
            Reply::Debug(debugger::failure(&dap, format!("a panic: {message}"))),
        ),
    }
}

fn serve_request(session: &mut Session, hub: &Arc<DebugHub>, request: Request) -> Reply {
    match request {
        Request::Execute(execute) => {
            if hub.attached() {
                debugger::hook::prepare(session, hub, &execute.code);
            }
            Reply::Executed(execute_cell(session, execute))
        }
        Request::Debug(dap) => Reply::Debug(debugger::idle::serve(session, hub, dap)),
        Request::Complete { code, cursor } => Reply::Completed(session.complete(&code, cursor)),
        Request::Inspect { code, cursor } => Reply::Inspected(session.inspect(&code, cursor)),
        Request::IsComplete { code } => Reply::IsComplete(session.is_complete(&code)),
        Request::Help { name } => Reply::Help(help(session, &name)),
        Request::Reset => {
            session.reset();
            Reply::Reset
        }
        Request::Comm(message) => {
            if let Err(error) = session.comm(message) {
                let text = error.traceback(false).join("\n");
                session
                    .frontend
                    .stream(crate::Stream::Stderr, &format!("{text}\n"));
            }
            Reply::Comm
        }
        Request::CommInfo { target_name } => {
            Reply::CommInfo(crate::comms::open_comms(target_name.as_deref()))
        }
    }
}

fn execute_cell(session: &mut Session, execute: Execute) -> ExecuteReply {
    if let Some(name) = help_query(&execute.code) {
        return ExecuteReply {
            outcome: Ok(None),
            help: Some(help(session, name)),
            user_expressions: Vec::new(),
        };
    }
    let mut outcome = match execute.cell {
        Some(number) => session.execute_numbered(&execute.code, number),
        None => session.execute(&execute.code),
    };
    if let (Err(error), Some(name)) = (&mut outcome, &execute.source_name) {
        rename_cell_sources(error, name);
    }
    let user_expressions = if outcome.is_ok() {
        execute
            .user_expressions
            .into_iter()
            .map(|(key, code)| {
                // Not a cell: the next cell's number stays, and errors name the expression.
                let source = format!("user_expressions[{key}]");
                let value = session
                    .evaluate_expression(&source, &code)
                    .map(Option::unwrap_or_default);
                (key, value)
            })
            .collect()
    } else {
        Vec::new()
    };
    ExecuteReply {
        outcome,
        help: None,
        user_expressions,
    }
}

fn help(session: &Session, name: &str) -> Help {
    Help {
        name: name.to_string(),
        text: session.help_text(name),
    }
}

/// A cell run under a name (a script's path) is reported against it rather than `cell[N]`.
fn rename_cell_sources(error: &mut ScriptError, name: &str) {
    let rename = |source: &mut String| {
        if source.starts_with("cell[") {
            *source = name.to_string();
        }
    };
    if let Some(location) = &mut error.location {
        rename(&mut location.source);
    }
    for frame in &mut error.call_chain {
        if let Some(site) = &mut frame.call_site {
            rename(&mut site.source);
        }
    }
}
