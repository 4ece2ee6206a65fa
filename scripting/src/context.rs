//! What library code running inside a cell can reach: the front end, the renderers and the
//! interrupt flag of the session that is executing.
//!
//! Rhai's registered functions are `'static` closures, so they cannot borrow the session;
//! the session publishes its context in a thread local for the duration of each cell
//! (one thread owns one session at a time).

use crate::frontend::{Frontend, InputError, Stream};
use crate::interrupt::InterruptHandle;
use crate::mime::{MimeBundle, Renderers};
use rhai::{Dynamic, EvalAltResult, Position};
use std::cell::RefCell;
use std::rc::Rc;

/// The session's outside world, as library code sees it.
#[derive(Clone)]
pub struct Context {
    pub frontend: Rc<dyn Frontend>,
    pub renderers: Rc<RefCell<Renderers>>,
    pub interrupt: InterruptHandle,
    /// The running cell's number (its execution count): run records name the cell with it.
    pub cell: usize,
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Restores the previous context when dropped.
pub struct ContextGuard {
    previous: Option<Context>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Make `ctx` the current context until the guard is dropped.
pub fn enter(ctx: Context) -> ContextGuard {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(ctx));
    ContextGuard { previous }
}

/// The current context, if a cell is running on this thread.
pub fn current() -> Option<Context> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Whether the running cell has been asked to stop. Long loops in library code call this
/// (or [`check_interrupt`]) every step.
pub fn interrupted() -> bool {
    current().is_some_and(|c| c.interrupt.is_set())
}

/// `Err(ErrorTerminated)` once the running cell has been interrupted, so library loops can
/// stop with `?` and the session reports an interrupt.
pub fn check_interrupt() -> Result<(), Box<EvalAltResult>> {
    if interrupted() {
        Err(EvalAltResult::ErrorTerminated(Dynamic::from("interrupted"), Position::NONE).into())
    } else {
        Ok(())
    }
}

/// Write text to the running cell's output.
pub fn stream(stream: Stream, text: &str) {
    if let Some(c) = current() {
        c.frontend.stream(stream, text);
    }
}

/// Render a value with the session's renderers.
/// A renderer that panics is reported on stderr and the value shows in its plain form.
pub fn render(value: &Dynamic) -> Option<MimeBundle> {
    let c = current()?;
    let (bundle, panicked) = c.renderers.borrow().render_caught(value);
    if let Some(message) = panicked {
        let text = format!(
            "warning: showing a {} as plain text: its renderer panicked: {message}\n",
            value.type_name()
        );
        c.frontend.stream(Stream::Stderr, &text);
    }
    bundle
}

/// Show a bundle in the running cell's output.
pub fn display(bundle: &MimeBundle, display_id: Option<&str>) {
    if let Some(c) = current() {
        c.frontend.display(bundle, display_id);
    }
}

/// Replace an earlier display by id.
pub fn update_display(bundle: &MimeBundle, display_id: &str) {
    if let Some(c) = current() {
        c.frontend.update_display(bundle, display_id);
    }
}

/// Ask the user for a line of input.
pub fn input(prompt: &str, password: bool) -> Result<String, InputError> {
    match current() {
        Some(c) => c.frontend.input(prompt, password),
        None => Err(InputError::NotSupported),
    }
}
