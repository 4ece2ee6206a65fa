//! The open comms of this thread's session, the callbacks attached to them, and the
//! targets the front end may open.

use super::CommMessage;
use crate::{callback, RhaiResult};
use rhai::{Dynamic, Engine, FnPtr, NativeCallContext, AST};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Calls Rhai functions from wherever a callback is due: inside a running script (a setter
/// that fires observers) or from the session between cells (a message from the front end).
pub enum Invoker<'a> {
    Script(&'a NativeCallContext<'a>),
    Session { engine: &'a Engine, ast: &'a AST },
}

impl Invoker<'_> {
    /// Call `f` with `args`, which `called_with` describes ("one argument, the button") for
    /// the error when `f` takes another number of arguments.
    pub fn call(&self, f: &FnPtr, args: Vec<Dynamic>, called_with: &str) -> RhaiResult<Dynamic> {
        let outcome = match self {
            Invoker::Script(ctx) => f.call_within_context(ctx, args),
            Invoker::Session { engine, ast } => f.call(engine, ast, args),
        };
        outcome.map_err(|e| {
            let why = match self {
                Invoker::Script(ctx) => callback::arity_mismatch(ctx, &e, f, called_with),
                Invoker::Session { ast, .. } => {
                    let lib = ast.shared_lib().as_ref();
                    callback::arity_mismatch_in(std::iter::once(lib), &e, f, called_with)
                }
            };
            match why {
                Some(why) => why.into(),
                None => e,
            }
        })
    }
}

type NativeHandler = Rc<dyn Fn(&Invoker, &CommMessage) -> RhaiResult<()>>;

/// What runs when a message (or the close) arrives on a comm.
#[derive(Clone)]
pub enum Handler {
    /// A Rhai function, given the message as a map.
    Script(FnPtr),
    /// Library code (widgets keep their state in sync this way).
    Native(NativeHandler),
}

/// What runs when the front end opens a comm for a registered target: a Rhai function
/// given the new comm and the opening message.
#[derive(Clone)]
pub enum Target {
    Script(FnPtr),
    Native(NativeHandler),
}

#[derive(Clone, Default)]
struct OpenComm {
    target: String,
    on_msg: Option<Handler>,
    on_close: Option<Handler>,
}

#[derive(Default)]
struct Comms {
    open: BTreeMap<String, OpenComm>,
    targets: HashMap<String, Target>,
}

thread_local! {
    static COMMS: RefCell<Comms> = RefCell::new(Comms::default());
}

fn with<T>(f: impl FnOnce(&mut Comms) -> T) -> T {
    COMMS.with(|c| f(&mut c.borrow_mut()))
}

/// Record a comm as open (whichever side opened it).
pub(crate) fn add(comm_id: &str, target: &str) {
    with(|c| {
        c.open.insert(
            comm_id.to_string(),
            OpenComm {
                target: target.to_string(),
                ..OpenComm::default()
            },
        )
    });
}

/// Forget a comm; whether it was open.
pub(crate) fn remove(comm_id: &str) -> bool {
    with(|c| c.open.remove(comm_id).is_some())
}

pub(crate) fn is_open(comm_id: &str) -> bool {
    with(|c| c.open.contains_key(comm_id))
}

pub(crate) fn target_of(comm_id: &str) -> Option<String> {
    with(|c| c.open.get(comm_id).map(|comm| comm.target.clone()))
}

pub(crate) fn set_on_msg(comm_id: &str, handler: Handler) {
    with(|c| {
        if let Some(comm) = c.open.get_mut(comm_id) {
            comm.on_msg = Some(handler);
        }
    });
}

pub(crate) fn set_on_close(comm_id: &str, handler: Handler) {
    with(|c| {
        if let Some(comm) = c.open.get_mut(comm_id) {
            comm.on_close = Some(handler);
        }
    });
}

/// The handlers of a comm, cloned so that they run with the registry unborrowed (a
/// callback may open or close comms).
pub(crate) fn handlers(comm_id: &str) -> Option<(Option<Handler>, Option<Handler>)> {
    with(|c| {
        c.open
            .get(comm_id)
            .map(|comm| (comm.on_msg.clone(), comm.on_close.clone()))
    })
}

/// Answer the front end's opens of comms for `name` (library code; Rhai uses
/// `register_comm_target`).
pub fn register_target(name: &str, target: Target) {
    with(|c| c.targets.insert(name.to_string(), target));
}

pub(crate) fn target(name: &str) -> Option<Target> {
    with(|c| c.targets.get(name).cloned())
}

/// Open comms as (id, target name), optionally only those of one target
/// (`comm_info_request`).
pub fn open_comms(target_name: Option<&str>) -> Vec<(String, String)> {
    with(|c| {
        c.open
            .iter()
            .filter(|(_, comm)| target_name.is_none_or(|t| t == comm.target))
            .map(|(id, comm)| (id.clone(), comm.target.clone()))
            .collect()
    })
}
