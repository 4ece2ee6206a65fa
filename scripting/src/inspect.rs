//! Inspection: the signature and doc comment of the name under the cursor.

use crate::mime::MimeBundle;
use crate::session::Session;

impl Session {
    /// Help for the name at `cursor`, as a bundle (`None` when nothing is known).
    pub fn inspect(&self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let chars: Vec<char> = code.chars().collect();
        let at = cursor.min(chars.len());
        let mut start = at;
        while start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
            start -= 1;
        }
        let mut end = at;
        while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
            end += 1;
        }
        let name: String = chars[start..end].iter().collect();
        self.help_text(&name).map(MimeBundle::text)
    }

    /// Text help for a variable, function or command by name.
    pub fn help_text(&self, name: &str) -> Option<String> {
        let (_, ty) = self.variables().into_iter().find(|(n, _)| n == name)?;
        Some(format!("{name}: {ty}"))
    }
}
