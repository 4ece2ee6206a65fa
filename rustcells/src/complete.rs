//! Completion and `is_complete` for `%%rust` cells: completion from evcxr (rust-analyzer, once
//! the Rust side has started), completeness from rust-analyzer's parser.

use crate::evaluator::Evaluator;
use ladder_scripting::{Completeness, Completions};
use ra_ap_syntax::{Edition, SourceFile};

/// Completions at `cursor` (characters) of `body`. Before the first Rust cell has run there
/// are none: starting evcxr takes seconds, too long for a Tab.
pub(crate) fn complete(evaluator: Option<&Evaluator>, body: &str, cursor: usize) -> Completions {
    let none = Completions {
        matches: Vec::new(),
        cursor_start: cursor,
        cursor_end: cursor,
        kinds: Vec::new(),
    };
    let Some(evaluator) = evaluator else {
        return none;
    };
    let byte = byte_offset(body, cursor);
    let Some(found) = evaluator.complete(body.to_string(), byte) else {
        return none;
    };
    Completions {
        kinds: found.completions.iter().map(|c| c.kind).collect(),
        matches: found.completions.into_iter().map(|c| c.code).collect(),
        cursor_start: char_offset(body, found.start_offset),
        cursor_end: char_offset(body, found.end_offset),
    }
}

fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

fn char_offset(text: &str, bytes: usize) -> usize {
    text.get(..bytes.min(text.len()))
        .map_or(0, |t| t.chars().count())
}

/// Parse the cell as the body of a function (evcxr runs a cell's statements in one): errors
/// only at the end (an unclosed brace, string or comment) mean more is coming; an error
/// before the end means no continuation can fix it. `:command` lines are evcxr's own.
pub(crate) fn is_complete(body: &str) -> Completeness {
    let code: String = body
        .lines()
        .map(|l| {
            if l.trim_start().starts_with(':') {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if code.trim().is_empty() {
        return Completeness::Complete;
    }
    let wrapped = format!("fn __cell() {{\n{code}\n}}");
    let end = wrapped.len() - 2; // the wrapper's own closing line
    let errors = SourceFile::parse(&wrapped, Edition::CURRENT).errors();
    if errors.is_empty() {
        return Completeness::Complete;
    }
    let waiting = errors.iter().all(|e| {
        usize::from(e.range().start()) >= end || e.to_string().starts_with("Missing trailing")
    });
    if waiting {
        let depth = code
            .matches('{')
            .count()
            .saturating_sub(code.matches('}').count());
        Completeness::Incomplete {
            indent: "    ".repeat(depth),
        }
    } else {
        Completeness::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_code_is_complete() {
        assert_eq!(is_complete("let x = 1;\nx + 1"), Completeness::Complete);
        assert_eq!(
            is_complete("fn f(a: i64) -> i64 { a * 2 }"),
            Completeness::Complete
        );
        assert_eq!(
            is_complete(":dep rand = \"0.8\"\nlet y = 2;"),
            Completeness::Complete
        );
    }

    #[test]
    fn an_open_block_or_string_waits_for_more() {
        assert!(matches!(
            is_complete("fn f() {\n    let x = 1;"),
            Completeness::Incomplete { .. }
        ));
        assert!(matches!(
            is_complete("let s = \"abc"),
            Completeness::Incomplete { .. }
        ));
        assert!(matches!(
            is_complete("let v = vec![1, 2,"),
            Completeness::Incomplete { .. }
        ));
    }

    #[test]
    fn an_error_before_the_end_is_invalid() {
        assert_eq!(is_complete("let = ;\nlet y = 2;"), Completeness::Invalid);
        assert_eq!(is_complete("fn f() { ) }"), Completeness::Invalid);
    }

    #[test]
    fn offsets_convert_between_characters_and_bytes() {
        assert_eq!(byte_offset("é1", 1), 2);
        assert_eq!(char_offset("é1", 2), 1);
    }
}
