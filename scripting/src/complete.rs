//! Tab completion at a cursor (in Unicode code points, as Jupyter counts).
//!
//! What is offered depends on what precedes the word at the cursor:
//! - `%` at the start of a line: the commands;
//! - `value.`: methods and properties of the value's type when it is known (a variable, a
//!   literal, or a key path into an object map), and the keys of a map;
//! - `module::`: the functions of a static or imported module;
//! - otherwise: variables in scope and bound earlier in the code, functions (script and
//!   native), modules and keywords.
//!
//! Nothing is evaluated: completing never runs user code.

use crate::commands::COMMANDS;
use crate::functions::{self, FnInfo, FnKind};
use crate::scan::{self, Kind, Token};
use crate::session::Session;
use rhai::{Array, Dynamic, ImmutableString, Map};
use std::any::TypeId;

/// Candidate completions replacing the code between `cursor_start` and `cursor_end`
/// (code-point offsets).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub matches: Vec<String>,
    pub cursor_start: usize,
    pub cursor_end: usize,
    /// What each match is, in the same order (`variable`, `function`, `property`, `key`,
    /// `module`, `keyword`, `magic`, `constant`): Jupyter's `_jupyter_types_experimental`.
    pub kinds: Vec<&'static str>,
}

/// A candidate and what it is.
type Candidate = (String, &'static str);

/// What the expression before a `.` is, as far as can be told without running it.
pub(crate) enum Receiver {
    /// A value we can look at (a variable, or a key path into a map held by one).
    Value(Dynamic),
    /// Only the type is known (a literal).
    Type(TypeId),
}

impl Receiver {
    pub(crate) fn type_id(&self) -> TypeId {
        match self {
            Receiver::Value(v) => v.type_id(),
            Receiver::Type(t) => *t,
        }
    }
}

impl Session {
    /// Complete the word before `cursor`.
    pub fn complete(&self, code: &str, cursor: usize) -> Completions {
        if let Some((language, body, offset)) = self.language_of(code) {
            if cursor >= offset {
                let mut found = language.complete(body, cursor - offset);
                found.cursor_start += offset;
                found.cursor_end += offset;
                return found;
            }
        }
        let chars: Vec<char> = code.chars().collect();
        let end = cursor.min(chars.len());
        let before = &chars[..end];
        let mut start = end;
        while start > 0 && scan::is_ident_char(chars[start - 1]) {
            start -= 1;
        }
        let prefix: String = chars[start..end].iter().collect();
        let done = |mut found: Vec<Candidate>, start: usize| {
            // Stable: a name found twice keeps its first kind (variables come first).
            found.sort_by(|a, b| a.0.cmp(&b.0));
            found.dedup_by(|a, b| a.0 == b.0);
            let (matches, kinds) = found.into_iter().unzip();
            Completions {
                matches,
                cursor_start: start,
                cursor_end: end,
                kinds,
            }
        };
        if scan::ends_outside_code(before) {
            return done(Vec::new(), end);
        }

        // `%command` at the start of a line.
        if start > 0 && chars[start - 1] == '%' && line_is_blank_before(&chars, start - 1) {
            let matches = COMMANDS
                .iter()
                .filter(|(name, _)| name.starts_with(&prefix))
                .map(|(name, _)| (format!("%{name}"), "magic"))
                .collect();
            return done(matches, start - 1);
        }

        if let Some(command) = command_of_line(&chars, start) {
            let matches = match command.as_str() {
                "help" => self.names(before, &prefix),
                "limit" => crate::limits::NAMES
                    .iter()
                    .filter(|(name, _)| name.starts_with(&prefix))
                    .map(|(name, _)| (name.to_string(), "setting"))
                    .collect(),
                _ => Vec::new(),
            };
            if !matches.is_empty() || command != "time" && command != "timeit" {
                return done(matches, start);
            }
        }

        let tokens = scan::code_tokens(&chars[..start]);
        match tokens.last().map(|t| &t.kind) {
            Some(Kind::Punct('.')) => {
                let receiver = self.receiver(&chars, &tokens[..tokens.len() - 1]);
                let matches = match receiver {
                    Some(r) => self
                        .members(&r)
                        .into_iter()
                        .filter(|(m, _)| m.starts_with(&prefix))
                        .collect(),
                    None => Vec::new(),
                };
                done(matches, start)
            }
            Some(Kind::PathSep) => {
                let module = tokens
                    .len()
                    .checked_sub(2)
                    .and_then(|i| tokens[i].ident())
                    .unwrap_or("");
                let constants = self
                    .module_constants
                    .get(module)
                    .into_iter()
                    .flatten()
                    .map(|(name, _)| (name.clone(), "constant"));
                let matches = self
                    .fn_index()
                    .functions
                    .iter()
                    .filter(|f| f.module == module && f.kind == FnKind::Function)
                    .map(|f| (f.name.clone(), "function"))
                    .chain(constants)
                    .filter(|(n, _)| n.starts_with(&prefix))
                    .collect();
                done(matches, start)
            }
            _ if prefix.is_empty() || !prefix.starts_with(scan::is_ident_start) => {
                done(Vec::new(), end)
            }
            _ => done(self.names(before, &prefix), start),
        }
    }

    /// Every name that can start an expression and begins with `prefix`.
    fn names(&self, before: &[char], prefix: &str) -> Vec<Candidate> {
        let index = self.fn_index();
        let variables = self
            .scope
            .iter_raw()
            .map(|(name, ..)| (name.to_string(), "variable"));
        let bound_here = scan::bound_names(before)
            .into_iter()
            .map(|name| (name, "variable"));
        let script = functions::script_functions(&self.ast)
            .into_iter()
            .map(|f| (f.name, "function"));
        let native = index
            .functions
            .iter()
            .filter(|f| f.kind == FnKind::Function && f.global)
            .map(|f| (f.name.clone(), "function"));
        let modules = index.modules().into_iter().map(|m| (m, "module"));
        let keywords = scan::KEYWORDS.iter().map(|k| (k.to_string(), "keyword"));
        variables
            .chain(bound_here)
            .chain(script)
            .chain(native)
            .chain(modules)
            .chain(keywords)
            .filter(|(name, _)| name.starts_with(prefix))
            .collect()
    }

    /// Methods and properties for a receiver, plus its keys when it is a map. Functions
    /// taking any value (`print`, `exit`, ...) are left out but for the conversions.
    pub(crate) fn members(&self, receiver: &Receiver) -> Vec<Candidate> {
        let ty = receiver.type_id();
        let mut names: Vec<Candidate> = self
            .fn_index()
            .functions
            .iter()
            .filter(|f| {
                f.global
                    && f.applies_to(ty)
                    && (f.specific_to(ty) || matches!(f.name.as_str(), "to_string" | "to_debug"))
            })
            .map(|f| {
                let kind = if f.kind == FnKind::Getter {
                    "property"
                } else {
                    "function"
                };
                (f.name.clone(), kind)
            })
            .collect();
        if let Receiver::Value(value) = receiver {
            if let Some(map) = value.read_lock::<Map>() {
                // Keys first: `m.len` on a map with a `len` key reads the key.
                let keys: Vec<Candidate> = map.keys().map(|k| (k.to_string(), "key")).collect();
                names.splice(0..0, keys);
            }
        }
        names
    }

    /// Functions (with properties) a member name refers to on a receiver.
    pub(crate) fn member_functions(&self, receiver: &Receiver, name: &str) -> Vec<FnInfo> {
        let ty = receiver.type_id();
        let index = self.fn_index();
        let mut found: Vec<FnInfo> = index
            .functions
            .iter()
            .filter(|f| f.name == name && f.global && f.specific_to(ty))
            .cloned()
            .collect();
        if found.is_empty() {
            found = index
                .functions
                .iter()
                .filter(|f| f.name == name && f.global && f.applies_to(ty))
                .cloned()
                .collect();
        }
        found
    }

    /// Work out the receiver of a `.` from the tokens before it (the last one is the end of
    /// the receiver expression): `name`, `name.key.key`, a string, array or map literal.
    pub(crate) fn receiver(&self, chars: &[char], tokens: &[Token]) -> Option<Receiver> {
        let last = tokens.last()?;
        match &last.kind {
            Kind::Str { .. } if chars[last.start] != '\'' => {
                Some(Receiver::Type(TypeId::of::<ImmutableString>()))
            }
            Kind::Punct(']') => {
                // A literal `[...]` rather than indexing `x[...]`.
                let open = matching_open(tokens, tokens.len() - 1)?;
                let indexing = open > 0
                    && matches!(
                        tokens[open - 1].kind,
                        Kind::Ident(_) | Kind::Punct(')' | ']') | Kind::Str { .. }
                    );
                (!indexing).then(|| Receiver::Type(TypeId::of::<Array>()))
            }
            Kind::Punct('}') => {
                let open = matching_open(tokens, tokens.len() - 1)?;
                (open > 0 && tokens[open - 1].is_punct('#'))
                    .then(|| Receiver::Type(TypeId::of::<Map>()))
            }
            Kind::Ident(_) => {
                // `a.b.c`: a variable followed by map keys.
                let mut path = vec![last.ident()?.to_string()];
                let mut i = tokens.len() - 1;
                while i >= 2 && tokens[i - 1].is_punct('.') {
                    match tokens[i - 2].ident() {
                        Some(name) => path.push(name.to_string()),
                        None => return None,
                    }
                    i -= 2;
                }
                if i >= 1 && matches!(tokens[i - 1].kind, Kind::PathSep | Kind::Punct('.')) {
                    return None;
                }
                path.reverse();
                let mut value = self.scope.get(&path[0])?.clone();
                for key in &path[1..] {
                    let next = value.read_lock::<Map>()?.get(key.as_str())?.clone();
                    value = next;
                }
                Some(Receiver::Value(value))
            }
            _ => None,
        }
    }
}

/// The index of the bracket opening the one closed at `close`.
fn matching_open(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0;
    for i in (0..=close).rev() {
        match tokens[i].kind {
            Kind::Punct(')' | ']' | '}') => depth += 1,
            Kind::Punct('(' | '[' | '{') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The command (`help` for `%help x`) when the line holding `at` is a command line and `at`
/// is in its arguments.
fn command_of_line(chars: &[char], at: usize) -> Option<String> {
    let line_start = chars[..at]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    let line: String = chars[line_start..at].iter().collect();
    let body = line.trim_start().strip_prefix('%')?;
    let name_len = body.find(char::is_whitespace)?;
    Some(body[..name_len].to_string())
}

/// Whether only spaces precede `at` on its line.
fn line_is_blank_before(chars: &[char], at: usize) -> bool {
    chars[..at]
        .iter()
        .rev()
        .take_while(|c| **c != '\n')
        .all(|c| c.is_whitespace())
}
