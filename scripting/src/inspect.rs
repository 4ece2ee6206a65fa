//! Inspection: what the name under the cursor is. Functions show their signatures and doc
//! comments (from Rhai's metadata), variables their type and a preview of their value,
//! commands and keywords a line of help.

use crate::commands::COMMANDS;
use crate::complete::Receiver;
use crate::functions::{self, FnInfo, FnKind};
use crate::mime::{MimeBundle, TEXT_MARKDOWN};
use crate::scan::{self, Kind, Token};
use crate::session::Session;
use rhai::{Dynamic, Map};
use serde_json::Value;

/// Longest value preview, in characters.
const PREVIEW_CHARS: usize = 400;

impl Session {
    /// Help for the name at `cursor` (or for the function whose call encloses the cursor),
    /// as a bundle with `text/plain` and `text/markdown`; `None` when nothing is known.
    pub fn inspect(&self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let chars: Vec<char> = code.chars().collect();
        let at = cursor.min(chars.len());
        let tokens = scan::code_tokens(&chars);
        let idx = tokens
            .iter()
            .position(|t| t.ident().is_some() && t.start <= at && at <= t.end)
            .or_else(|| enclosing_call(&tokens, at))?;
        let name = tokens[idx].ident()?;
        let percent = tokens[idx].start.checked_sub(1).map(|i| chars[i]) == Some('%');
        if percent && command_help(name).is_some() {
            return command_help(name);
        }
        let before = idx.checked_sub(1).map(|i| &tokens[i].kind);
        match before {
            Some(Kind::Punct('.')) => self.inspect_member(&chars, &tokens[..idx - 1], name),
            Some(Kind::PathSep) => {
                // `::name` with nothing before it names no module.
                let module = tokens.get(idx.checked_sub(2)?)?.ident()?;
                self.help_bundle(&format!("{module}::{name}"))
            }
            _ => self.help_bundle(name),
        }
    }

    /// Text help for a variable, function, module function (`m::f`), command (`%time` or
    /// `time`) or keyword, by name; `%help name` prints it.
    pub fn help_text(&self, name: &str) -> Option<String> {
        self.help_bundle(name)
            .and_then(|b| b.plain().map(str::to_string))
    }

    fn help_bundle(&self, name: &str) -> Option<MimeBundle> {
        let name = name.trim();
        if let Some(command) = name.strip_prefix('%') {
            return command_help(command);
        }
        if let Some((module, function)) = name.rsplit_once("::") {
            let constant = self
                .module_constants
                .get(module)
                .and_then(|all| all.iter().find(|(n, _)| n == function));
            if let Some((_, value)) = constant {
                return Some(self.value_bundle(name, value));
            }
            let found: Vec<FnInfo> = self
                .fn_index()
                .functions
                .iter()
                .filter(|f| f.module == module && f.name == function)
                .cloned()
                .collect();
            return (!found.is_empty()).then(|| function_bundle(&found));
        }
        if let Some(value) = self.scope.get(name) {
            return Some(self.value_bundle(name, value));
        }
        let mut found: Vec<FnInfo> = functions::script_functions(&self.ast)
            .into_iter()
            .filter(|f| f.name == name)
            .collect();
        found.extend(
            self.fn_index()
                .functions
                .iter()
                .filter(|f| f.name == name && f.global && f.kind == FnKind::Function)
                .cloned(),
        );
        if !found.is_empty() {
            return Some(function_bundle(&found));
        }
        if let Some(about) = keyword_help(name) {
            return Some(MimeBundle::text(format!("{name}: keyword. {about}")));
        }
        command_help(name)
    }

    /// `receiver.name`: a method or property of the receiver's type, or a map key.
    fn inspect_member(&self, chars: &[char], before: &[Token], name: &str) -> Option<MimeBundle> {
        let receiver = self.receiver(chars, before);
        if let Some(receiver) = &receiver {
            let found = self.member_functions(receiver, name);
            if !found.is_empty() {
                return Some(function_bundle(&found));
            }
            if let Receiver::Value(value) = receiver {
                if let Some(map) = value.read_lock::<Map>() {
                    if let Some(entry) = map.get(name) {
                        return Some(self.value_bundle(name, entry));
                    }
                }
            }
            return None;
        }
        // Unknown receiver: every method of that name.
        let found: Vec<FnInfo> = self
            .fn_index()
            .functions
            .iter()
            .filter(|f| f.name == name && f.global && f.receiver.is_some())
            .cloned()
            .collect();
        (!found.is_empty()).then(|| function_bundle(&found))
    }

    /// `name: type = value`, with long values cut short.
    fn value_bundle(&self, name: &str, value: &Dynamic) -> MimeBundle {
        let ty = self.engine.map_type_name(value.type_name());
        let preview = self
            .render(value)
            .and_then(|b| b.plain().map(str::to_string))
            .unwrap_or_else(|| "()".into());
        let preview = shorten(&preview, PREVIEW_CHARS);
        let text = if preview.contains('\n') || preview.len() > 60 {
            format!("{name}: {ty}\n{preview}")
        } else {
            format!("{name}: {ty} = {preview}")
        };
        let markdown = format!("`{name}`: `{ty}`\n\n```\n{preview}\n```");
        MimeBundle::text(text).with(TEXT_MARKDOWN, Value::String(markdown))
    }
}

/// The function whose call's parentheses enclose `at`: the identifier before the innermost
/// `(` still open there.
fn enclosing_call(tokens: &[Token], at: usize) -> Option<usize> {
    let mut open = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.start >= at {
            break;
        }
        match t.kind {
            Kind::Punct('(') => open.push(i),
            Kind::Punct(')') => {
                open.pop();
            }
            _ => {}
        }
    }
    let paren = *open.last()?;
    let name = paren.checked_sub(1)?;
    tokens[name].ident().map(|_| name)
}

/// Signatures, then the distinct doc comments.
fn function_bundle(found: &[FnInfo]) -> MimeBundle {
    // Overloads for every integer width hide the `i64`/`f64` ones scripts use.
    let common: Vec<&FnInfo> = found
        .iter()
        .filter(|f| !functions::uses_exotic_numbers(&f.signature))
        .collect();
    let mut shown: Vec<&FnInfo> = if common.is_empty() {
        found.iter().collect()
    } else {
        common
    };
    // Fewest parameters first (stable, so script functions stay ahead of native ones).
    shown.sort_by_key(|f| f.signature.matches([',', ':']).count());
    let mut signatures: Vec<String> = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    for f in shown {
        let signature = if f.module.is_empty() {
            f.signature.clone()
        } else {
            format!("{}::{}", f.module, f.signature)
        };
        if !signatures.contains(&signature) {
            signatures.push(signature);
        }
        if !f.doc.is_empty() && !docs.contains(&f.doc.as_str()) {
            docs.push(&f.doc);
        }
    }
    let signatures = signatures.join("\n");
    let docs = docs.join("\n\n");
    let text = if docs.is_empty() {
        signatures.clone()
    } else {
        format!("{signatures}\n\n{docs}")
    };
    let markdown = format!("```rhai\n{signatures}\n```\n\n{docs}");
    MimeBundle::text(text).with(TEXT_MARKDOWN, Value::String(markdown.trim_end().into()))
}

fn command_help(name: &str) -> Option<MimeBundle> {
    COMMANDS
        .iter()
        .find(|(command, _)| *command == name)
        .map(|(_, about)| MimeBundle::text(*about))
}

fn keyword_help(name: &str) -> Option<&'static str> {
    Some(match name {
        "let" => "`let name = value;` binds a variable.",
        "const" => "`const NAME = value;` binds a constant (functions read it as `global::NAME`).",
        "fn" => "`fn name(a, b) { ... }` defines a function; `///` comments above it document it.",
        "if" | "else" => "`if cond { ... } else { ... }`; it is an expression.",
        "switch" => "`switch value { 1 => ..., _ => ... }` picks a branch by value.",
        "while" => "`while cond { ... }` repeats while the condition holds.",
        "loop" => "`loop { ... }` repeats until `break`.",
        "do" | "until" => "`do { ... } while cond;` or `do { ... } until cond;`.",
        "for" | "in" => "`for x in iterable { ... }`; `for (x, i) in ...` also gives the index.",
        "break" | "continue" => "Leave or restart the innermost loop.",
        "return" => "`return value;` leaves the function.",
        "throw" => "`throw value;` raises an error that `try { } catch (e) { }` can catch.",
        "try" | "catch" => "`try { ... } catch (err) { ... }` handles errors.",
        "import" | "as" => "`import \"path\" as name;` loads a module file; use `name::f()`.",
        "export" => "`export const X = 1;` makes a module constant visible to importers.",
        "private" => "`private fn f() {}` hides a module function from importers.",
        "this" => "The value a method was called on.",
        "global" => "`global::NAME` reads a top-level constant from inside a function.",
        "true" | "false" => "The boolean constants.",
        "Fn" | "call" | "curry" => {
            "`Fn(\"name\")` makes a function pointer; `f.call(args)` calls it."
        }
        "eval" => "`eval(code)` runs a string of code.",
        "is_def_fn" | "is_def_var" => "Whether a function or variable of that name exists.",
        "type_of" => "`type_of(value)` is the name of the value's type.",
        "is_shared" => "Whether a value is shared (captured by a closure).",
        "print" | "debug" => "`print(x)` writes to stdout, `debug(x)` to stderr.",
        _ => return None,
    })
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}
