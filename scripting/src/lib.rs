//! Ladder's scripting layer: a Rhai session that keeps state across cells, captures output,
//! renders rich values, reports structured errors and can be interrupted; and the host
//! thread every front end runs it on ([`host`]). It knows nothing of terminals, notebooks,
//! Jupyter or ZeroMQ: the front ends live in ladder-cli and ladder-kernel.

// A `ScriptError` carries its location and call chain by value; it is made at most once per
// cell, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod builtins;
pub mod callback;
pub mod cell_language;
pub mod commands;
pub mod comms;
pub mod complete;
pub mod context;
pub mod debugger;
pub mod error;
pub mod frontend;
mod functions;
pub mod host;
pub mod html;
mod imports;
pub mod inspect;
pub mod interrupt;
pub mod is_complete;
pub mod limits;
pub mod memory;
pub mod mime;
mod not_found;
mod panic;
mod scan;
pub mod session;
mod stack;
pub mod type_names;
pub mod widgets;

pub use cell_language::{CellLanguage, LanguageCell};
pub use complete::Completions;
pub use error::{ErrorKind, Location, ScriptError};
pub use frontend::{CaptureFrontend, Frontend, InputError, NullFrontend, Output, Stream};
pub use interrupt::InterruptHandle;
pub use is_complete::Completeness;
pub use limits::Limits;
pub use mime::{MimeBundle, Render, Renderers};
pub use session::{Library, Session, SessionFactory};

/// Re-exported so libraries register against the same Rhai version.
pub use rhai;

/// The result type of every function registered with Rhai.
pub type RhaiResult<T> = Result<T, Box<rhai::EvalAltResult>>;
