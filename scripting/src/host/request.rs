//! What a front end asks of a session host, and what the host answers.

use crate::comms::CommMessage;
use crate::complete::Completions;
use crate::error::ScriptError;
use crate::is_complete::Completeness;
use crate::mime::MimeBundle;

/// A request to the session. New kinds (the debugger's) join as variants; each one gets
/// exactly one [`Reply`].
#[derive(Clone, Debug)]
pub enum Request {
    Execute(Execute),
    /// Completions at `cursor` (in code points).
    Complete {
        code: String,
        cursor: usize,
    },
    /// Documentation of the name at `cursor` (in code points).
    Inspect {
        code: String,
        cursor: usize,
    },
    IsComplete {
        code: String,
    },
    Help {
        name: String,
    },
    /// Forget every variable, function and import (`%reset` without a cell).
    Reset,
    /// A comm message from the front end, handled in order with cells.
    Comm(CommMessage),
    /// The open comms, optionally of one target only.
    CommInfo {
        target_name: Option<String>,
    },
    /// A debugger (DAP) request that needs the idle session, e.g. `inspectVariables`.
    Debug(serde_json::Value),
}

/// Run a cell.
#[derive(Clone, Debug, Default)]
pub struct Execute {
    pub code: String,
    /// Reported instead of `cell[N]` in errors (`ladder run` names the script's path).
    pub source_name: Option<String>,
    /// The cell's number, `N` of `cell[N]` in errors, for a front end that numbers cells
    /// itself (the kernel's execution count, which a help query or a silent cell does not
    /// move as it moves the session's own count); by default the session counts the cells.
    pub cell: Option<usize>,
    /// Expressions evaluated after the cell succeeds (Jupyter's `user_expressions`), by key.
    pub user_expressions: Vec<(String, String)>,
}

impl Execute {
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            ..Self::default()
        }
    }

    pub fn named(mut self, source_name: impl Into<String>) -> Self {
        self.source_name = Some(source_name.into());
        self
    }
}

/// The answer to one [`Request`], given after every output the request produced.
#[derive(Debug)]
pub enum Reply {
    Executed(ExecuteReply),
    Completed(Completions),
    Inspected(Option<MimeBundle>),
    IsComplete(Completeness),
    Help(Help),
    Reset,
    /// A comm message was handled (an error in its callback went to stderr).
    Comm,
    /// Open comms as (comm id, target name).
    CommInfo(Vec<(String, String)>),
    /// The DAP response to a [`Request::Debug`].
    Debug(serde_json::Value),
}

/// How a cell ended.
#[derive(Debug)]
pub struct ExecuteReply {
    /// The cell's shown value (`None` for `()` or a trailing `;`), or its error.
    pub outcome: Result<Option<MimeBundle>, ScriptError>,
    /// Set when the cell was a help query (`?name`, `name?`) instead of code: front ends
    /// show it where help goes (the kernel's pager, the terminal).
    pub help: Option<Help>,
    /// Each user expression's value, in the order asked; empty when the cell failed.
    pub user_expressions: Vec<(String, Result<MimeBundle, ScriptError>)>,
}

/// Help on a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Help {
    pub name: String,
    /// The signature and documentation; `None` when nothing goes by that name.
    pub text: Option<String>,
}

impl Help {
    /// What to show: the help, or a line saying there is none.
    pub fn page(&self) -> String {
        match &self.text {
            Some(text) => text.clone(),
            None => format!("No help found for `{}`.", self.name),
        }
    }
}
