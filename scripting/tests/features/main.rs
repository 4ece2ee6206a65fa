//! The session's behaviour, one module per feature (as Rhai's own tests are organised).
//! One test binary keeps linking cheap.

mod cell_languages;
mod commands;
mod complete;
mod errors;
mod inspect;
mod interrupt;
mod is_complete;
mod limits;
mod output;
mod state;

use ladder_scripting::memory::CountingAllocator;
use ladder_scripting::{CaptureFrontend, MimeBundle, ScriptError, Session};
use std::rc::Rc;

// As in the `ladder` binary: the memory guard counts through it.
#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// A session whose output is recorded.
pub fn session() -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    (Session::new(frontend.clone()), frontend)
}

/// Run a cell that must succeed; returns its result's text form.
pub fn run(session: &mut Session, code: &str) -> Option<String> {
    match session.execute(code) {
        Ok(bundle) => bundle.map(|b| plain(&b)),
        Err(e) => panic!("cell failed:\n{code}\n{}", e.report()),
    }
}

/// Run a cell that must fail; returns the error.
pub fn fail(session: &mut Session, code: &str) -> ScriptError {
    match session.execute(code) {
        Ok(value) => panic!("cell should have failed:\n{code}\ngave {value:?}"),
        Err(e) => e,
    }
}

pub fn plain(bundle: &MimeBundle) -> String {
    bundle.plain().expect("text/plain").to_string()
}

/// Run `f` on a thread with the stack the REPL and kernel give sessions (deep recursion
/// needs it; the test harness's threads have 2 MiB).
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the session thread panicked")
}
