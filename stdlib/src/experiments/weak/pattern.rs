//! Regular expressions for labelling functions: `text.matches("check.*out")` in a cell, and the
//! `matches` test of rules. Both compile a pattern once and reuse it, so a closure called on
//! every row does not compile its pattern on every row.

use crate::bind;
use crate::error::RhaiResult;
use ladder_scripting::rhai::{Engine, ImmutableString};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Patterns kept compiled; past this many, the cache starts again (a cell that builds
/// patterns from its data should not grow it without bound).
const MOST_KEPT: usize = 256;

thread_local! {
    static COMPILED: RefCell<HashMap<String, Arc<Regex>>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled, or why it is not a pattern.
pub fn compiled(pattern: &str) -> Result<Arc<Regex>, String> {
    if let Some(re) = COMPILED.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = Arc::new(
        Regex::new(pattern).map_err(|e| format!("'{pattern}' is not a regular expression: {e}"))?,
    );
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MOST_KEPT {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

pub fn register(engine: &mut Engine) {
    bind!(
        engine,
        /// Whether the regular expression `pattern` matches anywhere in the text, as Python's
        /// `re.search` (Rust's regex syntax: `^`/`$` anchor, `(?i)` ignores case, no
        /// look-around). In a labelling function `apply_lfs` reads it as a rule, like
        /// `contains`. Example: `|r| if r.text.matches("(?i)check.*out") { 1 } else { -1 }`
        fn matches(text: ImmutableString, pattern: ImmutableString) -> RhaiResult<bool> {
            let re = compiled(&pattern).map_err(|m| format!("matches: {m}"))?;
            Ok(re.is_match(&text))
        }
    );
}
