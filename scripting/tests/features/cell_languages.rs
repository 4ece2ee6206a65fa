//! `%%name` cells go to the language a library registered: here a small one that prints its
//! body reversed line by line, and registers a Rhai function named by a `fn NAME` line.

use crate::plain;
use ladder_scripting::rhai::Engine;
use ladder_scripting::{
    context, CaptureFrontend, CellLanguage, Completeness, Completions, ErrorKind, LanguageCell,
    Library, Location, MimeBundle, Renderers, ScriptError, Session, Stream,
};
use std::rc::Rc;

struct Reversed;

impl CellLanguage for Reversed {
    fn execute(
        &self,
        cell: &LanguageCell,
        engine: &mut Engine,
    ) -> Result<Option<MimeBundle>, ScriptError> {
        for (i, line) in cell.body.lines().enumerate() {
            if let Some(name) = line.strip_prefix("fn ") {
                engine.register_fn(name, || 42_i64);
            } else if line == "fail" {
                let mut e = ScriptError::new(ErrorKind::Runtime, "Failed", "asked to");
                e.location = Some(Location {
                    source: cell.source.to_string(),
                    line: cell.first_line + i,
                    column: Some(1),
                    code: line.to_string(),
                });
                return Err(e);
            } else {
                let reversed: String = line.chars().rev().collect();
                context::stream(Stream::Stdout, &format!("{reversed}\n"));
            }
        }
        Ok(Some(MimeBundle::text("done")))
    }

    fn complete(&self, body: &str, cursor: usize) -> Completions {
        let _ = body;
        Completions {
            matches: vec!["reversed".into()],
            cursor_start: cursor,
            cursor_end: cursor,
            kinds: vec!["keyword"],
        }
    }

    fn is_complete(&self, body: &str) -> Completeness {
        if body.ends_with('\\') {
            Completeness::Incomplete {
                indent: String::new(),
            }
        } else {
            Completeness::Complete
        }
    }
}

struct WithReversed;

impl Library for WithReversed {
    fn install(&self, _: &mut Engine, _: &mut Renderers) {}

    fn cell_languages(&self) -> Vec<(String, Rc<dyn CellLanguage>)> {
        vec![("reversed".into(), Rc::new(Reversed))]
    }
}

fn session() -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    let session = Session::with_libraries(frontend.clone(), vec![Rc::new(WithReversed)]);
    (session, frontend)
}

#[test]
fn a_magic_cell_runs_in_its_language_and_rhai_state_stays() {
    let (mut s, out) = session();
    s.execute("let x = 5;").unwrap();
    let shown = s.execute("%%reversed\nabc\nxyz").unwrap().unwrap();
    assert_eq!(plain(&shown), "done");
    assert_eq!(out.text(Stream::Stdout), "cba\nzyx\n");
    assert_eq!(plain(&s.execute("x").unwrap().unwrap()), "5");
}

#[test]
fn a_function_the_language_registers_is_callable_from_rhai() {
    let (mut s, _) = session();
    s.execute("%%reversed\nfn answer").unwrap();
    assert_eq!(plain(&s.execute("answer() + 1").unwrap().unwrap()), "43");
    // Completion knows it too: the engine's function index was rebuilt.
    let found = s.complete("answ", 4);
    assert!(found.matches.contains(&"answer".to_string()), "{found:?}");
}

#[test]
fn errors_name_the_cells_own_line() {
    let (mut s, _) = session();
    let e = s.execute("\n%%reversed\nok\nfail").unwrap_err();
    let at = e.location.expect("a location");
    assert_eq!((at.line, at.code.as_str()), (4, "fail"));
}

#[test]
fn an_unknown_language_is_a_clear_error() {
    let (mut s, _) = session();
    let e = s.execute("%%fortran\nprint *, 1").unwrap_err();
    assert!(e.message.contains("%%fortran"), "{}", e.message);
    assert!(e.message.contains("%%reversed"), "{}", e.message);
    assert_eq!(e.kind, ErrorKind::Command);
    // `%%rust` without Rust cells in the build says how to get them.
    let e = s
        .execute(
            "%%rust
1 + 1",
        )
        .unwrap_err();
    assert!(e.message.contains("--with-rust-cells"), "{}", e.message);
}

#[test]
fn completion_and_completeness_come_from_the_language() {
    let (s, _) = session();
    let found = s.complete("%%reversed\nab", 13);
    assert_eq!(found.matches, vec!["reversed".to_string()]);
    assert_eq!((found.cursor_start, found.cursor_end), (13, 13));
    assert!(matches!(
        s.is_complete("%%reversed\nab\\"),
        Completeness::Incomplete { .. }
    ));
    // The same text as Rhai would be incomplete for another reason; as a cell of the
    // language it is complete.
    assert_eq!(s.is_complete("%%reversed\n{"), Completeness::Complete);
    // The magic line alone waits for the cell's code.
    assert!(matches!(
        s.is_complete("%%reversed"),
        Completeness::Incomplete { .. }
    ));
}
