//! Ladder's terminal front ends: the REPL, the script runner and the notebook runner. Each
//! runs its session on a [`ladder_scripting::host::SessionHost`]; this crate holds what
//! they need of terminals (line editing, Ctrl-C) and of notebook files.

// A `ScriptError` carries its location and call chain by value; it is made at most once per
// cell, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod ctrl_c;
pub mod notebook;
pub mod repl;
pub mod runner;
pub mod sweep;
mod terminal;
