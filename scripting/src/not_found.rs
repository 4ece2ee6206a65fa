//! What a "not found" error adds to Rhai's message: how a function is called when its name
//! exists with other arguments, the defined names nearest a misspelt function, variable or
//! property, a type's properties (as Python's `TypeError: f() missing 1 required positional
//! argument` and `Did you mean`).

use crate::callback;
use crate::functions::{
    receiver_type, script_functions, uses_exotic_numbers, FnIndex, FnInfo, FnKind,
};
use rhai::{FnPtr, AST};

/// Ways of calling one name listed before "and N more".
const MOST_SIGNATURES: usize = 6;

/// Nearest names offered for a misspelling.
const MOST_NEAR: usize = 3;

/// The lines to add to Rhai's `Function not found: {signature}` (`signature` is
/// `name (type, type)`), or `None` when nothing useful can be said (a closure, an operator,
/// a name like no other).
pub(crate) fn hint(signature: &str, natives: &FnIndex, ast: &AST) -> Option<String> {
    let (name, _) = signature.split_once(" (")?;
    // A closure's generated name (`anon$…`), an operator or a module path: not a name the
    // user typed as it is listed.
    let plain = name.starts_with(crate::scan::is_ident_start)
        && name.chars().all(crate::scan::is_ident_char);
    if !plain {
        return None;
    }
    if let Some([ty]) = argument_types(signature).as_deref() {
        let on = format!("{ty}.");
        let getter =
            |f: &FnInfo| f.kind == FnKind::Getter && f.name == name && f.signature.starts_with(&on);
        if natives.functions.iter().any(getter) {
            return Some(format!(
                "`{name}` is a property of {ty}: read it without parentheses, `.{name}`"
            ));
        }
    }
    let scripts = script_functions(ast);
    let callable: Vec<&FnInfo> = natives
        .functions
        .iter()
        .chain(&scripts)
        .filter(|f| f.kind == FnKind::Function && f.global)
        .collect();
    let ways = ways_of_calling(name, &callable);
    if !ways.is_empty() {
        return Some(ways);
    }
    did_you_mean(name, callable.iter().map(|f| f.name.as_str()))
}

/// The hint for a closure `f` (found in the session's variables under its generated name)
/// that Rhai could not call with `signature`'s arguments: the parameters the user wrote and
/// the arguments given, both without the captured variables `f` passes first.
pub(crate) fn closure_hint(signature: &str, f: &FnPtr, ast: &AST) -> Option<String> {
    let types = argument_types(signature)?;
    let given = types.get(f.curry().len()..)?;
    let forms = callback::parameter_lists(std::iter::once(ast.shared_lib().as_ref()), f);
    if forms.is_empty() {
        return None;
    }
    let called_with = format!("{}: ({})", given.len(), given.join(", "));
    Some(callback::mismatch(f, &forms, &called_with))
}

/// The argument types of Rhai's `name (type, type)`.
fn argument_types(signature: &str) -> Option<Vec<&str>> {
    let (_, types) = signature.split_once(" (")?;
    Some(
        types
            .strip_suffix(')')?
            .split(", ")
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// The hint for `Variable not found: {name}`: the session's nearest names.
pub(crate) fn variable_hint<'a>(
    name: &str,
    defined: impl Iterator<Item = &'a str>,
) -> Option<String> {
    did_you_mean(name, defined)
}

/// The hint for Rhai's `Unknown property 'name' - a getter is not registered for type
/// 'Type'`: the type's nearest properties, or all of them when none is near.
pub(crate) fn property_hint(message: &str, natives: &FnIndex) -> Option<String> {
    let rest = message.strip_prefix("Unknown property '")?;
    let (name, rest) = rest.split_once('\'')?;
    let ty = rest
        .strip_prefix(" - a getter is not registered for type '")?
        .strip_suffix('\'')?;
    if ty == "()" {
        return Some(format!(
            "the value before `.{name}` is () (nothing): a map without that key, or a call \
             that returned nothing"
        ));
    }
    let method = |f: &&FnInfo| {
        f.kind == FnKind::Function
            && f.global
            && f.name == name
            && receiver_type(&f.signature) == Some(ty)
    };
    let methods: Vec<&FnInfo> = natives.functions.iter().filter(method).collect();
    let ways = ways_of_calling(name, &methods);
    if let Some((_, signatures)) = ways.split_once('\n') {
        return Some(format!(
            "`{name}` is a method of {ty}, called with parentheses:\n{signatures}"
        ));
    }
    let prefix = format!("{ty}.");
    let mut properties: Vec<&str> = natives
        .functions
        .iter()
        .filter(|f| f.kind == FnKind::Getter && f.signature.starts_with(&prefix))
        .map(|f| f.name.as_str())
        .collect();
    properties.sort_unstable();
    properties.dedup();
    if properties.is_empty() {
        return None;
    }
    did_you_mean(name, properties.iter().copied())
        .or_else(|| Some(format!("properties of {ty}: {}", properties.join(", "))))
}

fn did_you_mean<'a>(name: &str, defined: impl Iterator<Item = &'a str>) -> Option<String> {
    let near = nearest_names(name, defined);
    (!near.is_empty()).then(|| format!("did you mean {}?", near.join(" or ")))
}

/// `name` takes: one signature a line.
fn ways_of_calling(name: &str, callable: &[&FnInfo]) -> String {
    let mut signatures: Vec<&str> = callable
        .iter()
        .filter(|f| f.name == name && !uses_exotic_numbers(&f.signature))
        .map(|f| f.signature.as_str())
        .collect();
    signatures.sort_unstable();
    signatures.dedup();
    if signatures.is_empty() {
        return String::new();
    }
    let mut lines = vec![format!("`{name}` is called as:")];
    lines.extend(
        signatures
            .iter()
            .take(MOST_SIGNATURES)
            .map(|s| format!("  {s}")),
    );
    if signatures.len() > MOST_SIGNATURES {
        lines.push(format!("  and {} more", signatures.len() - MOST_SIGNATURES));
    }
    lines.join("\n")
}

/// Defined names within a small edit distance of `name`, nearest first, each once.
fn nearest_names<'a>(name: &str, defined: impl Iterator<Item = &'a str>) -> Vec<String> {
    // One edit for short names, two from six characters: a wider net catches unrelated
    // names among a thousand.
    let most = if name.chars().count() < 6 { 1 } else { 2 };
    let mut near: Vec<(usize, &str)> = defined
        .filter(|n| *n != name)
        .map(|n| (strsim::damerau_levenshtein(n, name), n))
        .filter(|(d, _)| *d <= most)
        .collect();
    near.sort_unstable();
    near.dedup_by(|a, b| a.1 == b.1);
    near.iter()
        .take(MOST_NEAR)
        .map(|(_, n)| format!("`{n}`"))
        .collect()
}
