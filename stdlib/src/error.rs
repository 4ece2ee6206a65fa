//! One error type for the plain-Rust layer; bindings turn it into a Rhai error.
//!
//! The kind lets callers reason about an error without reading its text: an interrupt stays
//! an interrupt through every library call, a shape mismatch can be told from a missing file.
//! Every kind carries the whole message meant for the user.

use ladder_scripting::rhai::{EvalAltResult, Position};
use std::fmt;

/// An error from a library function.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The user interrupted the running cell (Ctrl-C, a kernel `interrupt_request`).
    Interrupted,
    /// Tensor shapes that do not fit together.
    Shape(String),
    /// An option map with an unknown key, or a value of the wrong type or range.
    Options(String),
    /// A file that could not be read or written; `path` names it.
    Io { path: String, message: String },
    /// Data that cannot be used as given (a malformed row, a label out of range, no rows).
    Data(String),
    /// Any other error from candle.
    Candle(String),
    /// An allocation the running session's `max_memory` cannot hold, refused before it was
    /// made: a script may catch it; uncaught, the session reports it as `LimitExceeded`.
    Memory(String),
    /// Anything else.
    Message(String),
    /// A Rhai callback the engine stopped for a reason other than an interrupt (a safety
    /// limit); the engine's token is kept so the session reports the same error as if the
    /// script had run the callback itself.
    Terminated(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The Rhai-facing result type (one definition, in the session crate).
pub use ladder_scripting::RhaiResult;

/// The text an interrupted library call reports, matching the session's own interrupt.
pub const INTERRUPTED: &str = "interrupted";

impl Error {
    /// A plain message (the kind when nothing more specific fits).
    pub fn new(message: impl Into<String>) -> Self {
        Error::Message(message.into())
    }

    /// The error a loop returns when the session's interrupt flag is set.
    pub fn interrupted() -> Self {
        Error::Interrupted
    }

    pub fn options(message: impl Into<String>) -> Self {
        Error::Options(message.into())
    }

    pub fn shape(message: impl Into<String>) -> Self {
        Error::Shape(message.into())
    }

    pub fn data(message: impl Into<String>) -> Self {
        Error::Data(message.into())
    }

    /// A failed read or write of `path`; `message` is the whole text shown to the user.
    pub fn io(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Io {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The error of a Rhai callback (a learner, a labelling function, a model builder) run
    /// inside a library call: an engine stop (interrupt, safety limit) passes through as it
    /// is, any other failure becomes a message written by `describe`.
    pub fn callback(e: &EvalAltResult, describe: impl FnOnce(&EvalAltResult) -> String) -> Self {
        match e {
            EvalAltResult::ErrorTerminated(token, _) => {
                let token = token.to_string();
                if token == INTERRUPTED {
                    Error::Interrupted
                } else {
                    Error::Terminated(token)
                }
            }
            other => Error::Message(describe(other)),
        }
    }

    pub fn is_interrupt(&self) -> bool {
        matches!(self, Error::Interrupted)
    }

    /// The message shown to the user.
    pub fn message(&self) -> &str {
        match self {
            Error::Interrupted => INTERRUPTED,
            Error::Shape(m)
            | Error::Options(m)
            | Error::Data(m)
            | Error::Candle(m)
            | Error::Memory(m)
            | Error::Message(m)
            | Error::Terminated(m)
            | Error::Io { message: m, .. } => m,
        }
    }

    /// The same kind of error with `prefix: ` before its message (an interrupt stays bare).
    pub fn context(self, prefix: &str) -> Self {
        let wrap = |m: String| format!("{prefix}: {m}");
        match self {
            Error::Interrupted => Error::Interrupted,
            Error::Terminated(token) => Error::Terminated(token),
            Error::Shape(m) => Error::Shape(wrap(m)),
            Error::Options(m) => Error::Options(wrap(m)),
            Error::Data(m) => Error::Data(wrap(m)),
            Error::Candle(m) => Error::Candle(wrap(m)),
            Error::Memory(m) => Error::Memory(wrap(m)),
            Error::Message(m) => Error::Message(wrap(m)),
            Error::Io { path, message } => Error::Io {
                path,
                message: wrap(message),
            },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        use candle_core::Error as C;
        let inner = match &e {
            C::WithBacktrace { inner, .. } => inner.as_ref(),
            other => other,
        };
        let shape = matches!(
            inner,
            C::ShapeMismatch { .. }
                | C::ShapeMismatchBinaryOp { .. }
                | C::ShapeMismatchCat { .. }
                | C::ShapeMismatchSplit { .. }
                | C::UnexpectedShape { .. }
                | C::UnexpectedNumberOfDims { .. }
                | C::DimOutOfRange { .. }
                | C::BroadcastIncompatibleShapes { .. }
        );
        let text = candle_message(&e);
        let first = text.as_str();
        if shape {
            Error::Shape(first.to_string())
        } else if first.contains("OUT_OF_MEMORY") {
            Error::Candle(format!(
                "out of GPU memory ({first}){}; the session and its variables are kept: free \
                 tensors or models you no longer need, or use smaller batches",
                gpu_memory().map(|m| format!("; {m}")).unwrap_or_default()
            ))
        } else {
            Error::Candle(first.to_string())
        }
    }
}

/// A candle error's message without the backtrace candle appends when RUST_BACKTRACE is set
/// (a cell's error is for the user, not a stack of library frames).
pub fn candle_message(e: &candle_core::Error) -> String {
    let text = match e {
        candle_core::Error::WithBacktrace { inner, .. } => inner.to_string(),
        other => other.to_string(),
    };
    // A backtrace wrapped inside another error (a context, a path) prints after a newline
    // as numbered frames.
    text.split("\n   0:")
        .next()
        .unwrap_or(&text)
        .trim_end()
        .to_string()
}

pub use ladder_scripting::type_names::a_type;

/// The current GPU's free and total memory, for an out-of-memory error.
#[cfg(feature = "cuda")]
fn gpu_memory() -> Option<String> {
    // Asked on the thread that failed to allocate, whose context is the GPU it used.
    let (free, total) = candle_core::cuda_backend::cudarc::driver::result::mem_get_info().ok()?;
    let mib = |b: usize| b / (1 << 20);
    Some(format!(
        "the GPU has {} MiB free of {} MiB",
        mib(free),
        mib(total)
    ))
}

#[cfg(not(feature = "cuda"))]
fn gpu_memory() -> Option<String> {
    None
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Message(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Message(message.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Message(e.to_string())
    }
}

impl From<Error> for Box<EvalAltResult> {
    fn from(e: Error) -> Self {
        match e {
            // The same error the session raises for an interrupt, so it is reported as one.
            Error::Interrupted => {
                EvalAltResult::ErrorTerminated(INTERRUPTED.into(), Position::NONE).into()
            }
            Error::Terminated(token) => {
                EvalAltResult::ErrorTerminated(token.into(), Position::NONE).into()
            }
            // Catchable, and reported as a limit when not caught.
            Error::Memory(m) => ladder_scripting::memory::refused(m),
            other => other.message().to_string().into(),
        }
    }
}

/// `Err(Error::Interrupted)` once the user has interrupted the running cell: long loops call
/// it every step (or every few hundred rows) so they stop with `?`.
pub fn check_interrupt() -> Result<()> {
    if ladder_scripting::context::interrupted() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// `Err(Error::Message)` with a formatted message.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::new(format!($($arg)*))) };
}

/// `Err(Error::Data)` with a formatted message: a malformed row, an empty set, a label out
/// of range.
#[macro_export]
macro_rules! bail_data {
    ($($arg:tt)*) => { return Err($crate::error::Error::data(format!($($arg)*))) };
}

/// `Err(Error::Shape)` with a formatted message: sizes that do not fit together.
#[macro_export]
macro_rules! bail_shape {
    ($($arg:tt)*) => { return Err($crate::error::Error::shape(format!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_take_the_article_they_sound_with() {
        let said: Vec<String> = ["i64", "f64", "array", "string", "map", "Tensor", "Fn"]
            .iter()
            .map(|t| a_type(t))
            .collect();
        assert_eq!(
            said,
            ["an i64", "an f64", "an array", "a string", "a map", "a Tensor", "a Fn"]
        );
    }

    #[test]
    fn out_of_gpu_memory_says_so_and_that_the_session_is_kept() {
        // The text candle gives for a failed cuMemAlloc.
        let e: Error = candle_core::Error::Msg(
            "DriverError(CUDA_ERROR_OUT_OF_MEMORY, \"out of memory\")".into(),
        )
        .into();
        let m = e.message();
        assert!(
            m.starts_with("out of GPU memory (DriverError(CUDA_ERROR_OUT_OF_MEMORY"),
            "{m}"
        );
        assert!(m.contains("the session and its variables are kept"), "{m}");
    }

    #[test]
    fn candle_backtraces_stay_out_of_messages() {
        let bt = |inner: candle_core::Error| candle_core::Error::WithBacktrace {
            inner: Box::new(inner),
            backtrace: Box::new(std::backtrace::Backtrace::force_capture()),
        };
        let e = bt(candle_core::Error::Msg("unknown magic 0x2c622c61".into()));
        assert!(
            e.to_string().contains("\n"),
            "a captured backtrace follows the message"
        );
        assert_eq!(candle_message(&e), "unknown magic 0x2c622c61");
        let nested = bt(candle_core::Error::Msg("bad header".into())).context("reading x.gguf");
        // A context prints on its own line before the error; the frames are what must go.
        let m = candle_message(&nested);
        assert!(m.contains("bad header") && !m.contains("   0:"), "{m}");
        assert!(!Error::from(nested).message().contains("   0:"));
    }

    #[test]
    fn interrupts_stay_interrupts_through_context_and_rhai() {
        let e = Error::interrupted().context("samme");
        assert!(e.is_interrupt());
        let rhai: Box<EvalAltResult> = e.into();
        assert!(matches!(*rhai, EvalAltResult::ErrorTerminated(..)));
    }

    #[test]
    fn engine_stops_of_callbacks_pass_through() {
        let stop = |token: &str| -> Box<EvalAltResult> {
            EvalAltResult::ErrorTerminated(token.into(), Position::NONE).into()
        };
        let e = Error::callback(&stop(INTERRUPTED), |_| unreachable!());
        assert!(e.is_interrupt());
        let e = Error::callback(&stop("memory limit exceeded"), |_| unreachable!());
        assert_eq!(e, Error::Terminated("memory limit exceeded".into()));
        let back: Box<EvalAltResult> = e.context("samme").into();
        assert!(
            matches!(&*back, EvalAltResult::ErrorTerminated(t, _) if t.to_string() == "memory limit exceeded"),
            "{back:?}"
        );
        let failed: Box<EvalAltResult> = "boom".into();
        let e = Error::callback(&failed, |e| format!("learner 'f' failed: {e}"));
        assert!(matches!(e, Error::Message(_)), "{e:?}");
        assert!(e.message().starts_with("learner 'f' failed: "), "{e:?}");
    }

    #[test]
    fn candle_shape_errors_are_shape_errors() {
        let dev = candle_core::Device::Cpu;
        let a = candle_core::Tensor::zeros((2, 3), candle_core::DType::F32, &dev).unwrap();
        let b = candle_core::Tensor::zeros((4, 5), candle_core::DType::F32, &dev).unwrap();
        let e: Error = a.matmul(&b).unwrap_err().into();
        assert!(matches!(e, Error::Shape(_)), "{e:?}");
        let e: Error = a.add(&b).unwrap_err().into();
        assert!(matches!(e, Error::Shape(_)), "{e:?}");
    }
}
