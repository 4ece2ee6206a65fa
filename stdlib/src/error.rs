//! One error type for the plain-Rust layer; bindings turn it into a Rhai error.

use ladder_scripting::rhai::EvalAltResult;
use std::fmt;

/// An error from a library function, with a message meant for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Error(pub String);

pub type Result<T> = std::result::Result<T, Error>;

/// The message of the error that stops library loops when the user interrupts a cell.
pub const INTERRUPTED: &str = "interrupted";

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// The error a loop returns when the session's interrupt flag is set.
    pub fn interrupted() -> Self {
        Error(INTERRUPTED.to_string())
    }

    pub fn is_interrupt(&self) -> bool {
        self.0 == INTERRUPTED
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        // candle appends a backtrace to some errors when RUST_BACKTRACE is set: keep the message.
        let text = e.to_string();
        let first = text.split("\n   0:").next().unwrap_or(&text);
        Error(first.trim_end().to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(e.to_string())
    }
}

impl From<Error> for Box<EvalAltResult> {
    fn from(e: Error) -> Self {
        if e.is_interrupt() {
            // The same error the session raises for an interrupt, so it is reported as one.
            return EvalAltResult::ErrorTerminated(
                e.0.into(),
                ladder_scripting::rhai::Position::NONE,
            )
            .into();
        }
        e.0.into()
    }
}

/// `Err(Error)` with a formatted message.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error(format!($($arg)*))) };
}

/// Rhai-facing result.
pub type RhaiResult<T> = std::result::Result<T, Box<EvalAltResult>>;
