//! Tab completion at a cursor (in Unicode code points, as Jupyter counts).

use crate::session::Session;

/// Candidate completions replacing the code between `cursor_start` and `cursor_end`
/// (code-point offsets).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
}

impl Session {
    /// Complete the identifier before `cursor`.
    pub fn complete(&self, code: &str, cursor: usize) -> Completions {
        let chars: Vec<char> = code.chars().collect();
        let end = cursor.min(chars.len());
        let mut start = end;
        while start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
            start -= 1;
        }
        let prefix: String = chars[start..end].iter().collect();
        let mut matches: Vec<String> = self
            .variables()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with(&prefix))
            .collect();
        matches.sort();
        matches.dedup();
        Completions {
            matches,
            cursor_start: start,
            cursor_end: end,
        }
    }
}
