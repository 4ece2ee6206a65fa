//! Cells as a user runs them, shared by the standard library's integration tests: a session
//! with the library installed, and the text, HTML, number or error a cell gives.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use ladder_scripting::{CaptureFrontend, Session};
use ladder_stdlib::library;
use std::rc::Rc;

/// A session with the standard library, and the frontend that records what its cells print
/// and display.
pub fn session_with_output() -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    (
        Session::with_libraries(frontend.clone(), vec![library()]),
        frontend,
    )
}

pub fn session() -> Session {
    session_with_output().0
}

/// The text a cell shows; "" for `()` or a cell ending in `;`.
pub fn plain(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(Some(b)) => b.plain().unwrap_or_default().to_string(),
        Ok(None) => String::new(),
        Err(e) => panic!("cell failed: {code}\n{}", e.report()),
    }
}

/// The cell's value as `text/html`.
pub fn html(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(Some(b)) => b.data["text/html"]
            .as_str()
            .unwrap_or_else(|| panic!("{code} gave no text/html"))
            .to_string(),
        Ok(None) => panic!("cell gave no value: {code}"),
        Err(e) => panic!("cell failed: {code}\n{}", e.report()),
    }
}

/// The cell's value read as a number.
pub fn number(s: &mut Session, code: &str) -> f64 {
    let v = plain(s, code);
    v.parse().unwrap_or_else(|_| panic!("{code} gave {v}"))
}

/// The message of the error the cell must fail with.
pub fn error(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(v) => panic!("expected an error from {code}, got {v:?}"),
        Err(e) => e.message,
    }
}
