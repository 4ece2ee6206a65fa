//! What functions a session can call, from Rhai's metadata: native functions registered in
//! the engine (the standard library's included), static modules, and the script functions
//! defined in earlier cells. Completion and inspection read it.
//!
//! Collecting metadata walks every registered function (over a thousand with the standard
//! library), so the native part is built once per engine and cached by the session.

use rhai::FuncInfo;
use rhai::{Dynamic, Engine, FnAccess, AST};
use std::any::TypeId;

/// How a function is called from a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    /// `name(args)` or `value.name(args)`.
    Function,
    /// A property read: `value.name`.
    Getter,
    /// A property write: `value.name = x`.
    Setter,
    /// `value[index]`.
    Indexer,
    /// An operator such as `+` or `==`.
    Operator,
}

/// One function (one overload) as the user sees it.
#[derive(Clone, Debug)]
pub struct FnInfo {
    /// The name a script uses (a property's name for getters and setters).
    pub name: String,
    /// The static module it lives in (`tools` in `tools::triple`); empty for global ones.
    pub module: String,
    /// Whether it is callable without the module prefix.
    pub global: bool,
    pub kind: FnKind,
    /// `name(param: type, ...) -> type`
    pub signature: String,
    /// The type of the first parameter: `value.name()` calls `name(value)`.
    /// `None` when there is no parameter; `TypeId::of::<Dynamic>()` when any type goes.
    pub receiver: Option<TypeId>,
    /// The doc comment without its `///` or `/** */` markers.
    pub doc: String,
}

impl FnInfo {
    /// Whether `value.name` (a method call or property) applies to values of `ty`.
    pub fn applies_to(&self, ty: TypeId) -> bool {
        matches!(self.kind, FnKind::Function | FnKind::Getter)
            && self
                .receiver
                .is_some_and(|r| r == ty || r == TypeId::of::<Dynamic>())
    }

    /// Whether the receiver is this exact type (not "any type").
    pub fn specific_to(&self, ty: TypeId) -> bool {
        self.receiver == Some(ty)
    }
}

/// Every native function of an engine.
#[derive(Debug, Default)]
pub struct FnIndex {
    pub functions: Vec<FnInfo>,
}

impl FnIndex {
    pub fn build(engine: &Engine) -> Self {
        let functions = engine.collect_fn_metadata(None, |info: FuncInfo| native_info(&info), true);
        Self { functions }
    }

    /// Static module names (`tools` for `tools::f`).
    pub fn modules(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .functions
            .iter()
            .filter(|f| !f.module.is_empty())
            .map(|f| f.module.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

fn native_info(info: &FuncInfo) -> Option<FnInfo> {
    let meta = info.metadata;
    if meta.access == FnAccess::Private {
        return None;
    }
    let (kind, name) = classify(&meta.name)?;
    let script = info.script.is_some();
    let comments: Vec<&str> = match &info.script {
        Some(script) => script.comments.to_vec(),
        None => meta.comments.iter().map(|c| c.as_str()).collect(),
    };
    let module = info.namespace.to_string();
    Some(FnInfo {
        name: name.to_string(),
        global: module.is_empty() || meta.namespace == rhai::FnNamespace::Global,
        module,
        kind,
        signature: signature(
            &readable_types(&meta.gen_signature(|t| t.into())),
            kind,
            name,
        ),
        receiver: meta.param_types.first().copied().filter(|_| !script),
        doc: clean_doc(&comments),
    })
}

/// Script functions defined in the session's cells, latest definitions included.
pub fn script_functions(ast: &AST) -> Vec<FnInfo> {
    ast.iter_functions()
        .filter(|f| f.access != FnAccess::Private)
        .map(|f| FnInfo {
            name: f.name.to_string(),
            module: String::new(),
            global: true,
            kind: FnKind::Function,
            signature: format!("{}({})", f.name, f.params.join(", ")),
            receiver: None,
            doc: clean_doc(&f.comments),
        })
        .collect()
}

/// Rhai encodes property access and indexing in function names (`get$x`, `index$get$`).
fn classify(name: &str) -> Option<(FnKind, &str)> {
    if let Some(prop) = name.strip_prefix("get$") {
        Some((FnKind::Getter, prop))
    } else if let Some(prop) = name.strip_prefix("set$") {
        Some((FnKind::Setter, prop))
    } else if name.starts_with("index$") {
        Some((FnKind::Indexer, name))
    } else if name.starts_with("anon$") {
        None
    } else if name.chars().all(crate::scan::is_ident_char)
        && name.starts_with(crate::scan::is_ident_start)
    {
        Some((FnKind::Function, name))
    } else {
        Some((FnKind::Operator, name))
    }
}

/// Rust spellings of types as a script writer knows them (`string`, `array`, `f64`), and
/// fallible returns as what they return.
fn readable_types(signature: &str) -> String {
    let mut s = signature.to_string();
    // `-> Result<T, Box<EvalAltResult>>` and `-> RhaiResultOf<T>` return T.
    if let Some((head, ret)) = s.split_once(" -> ") {
        let ret = ret.trim();
        let inner = ret
            .strip_prefix("Result<")
            .and_then(|r| r.strip_suffix(", Box<EvalAltResult>>"))
            .or_else(|| {
                ret.strip_prefix("RhaiResultOf<")
                    .and_then(|r| r.strip_suffix('>'))
            })
            .unwrap_or(if ret == "RhaiResult" { "Dynamic" } else { ret });
        s = format!("{head} -> {inner}");
    }
    for (rust, script) in [
        ("std::ops::", ""),
        ("&mut ", ""),
        ("ImmutableString", "string"),
        ("&str", "string"),
        ("String", "string"),
        ("FLOAT", "f64"),
        ("INT", "i64"),
        ("Array", "array"),
        ("Map", "map"),
        ("Blob", "blob"),
    ] {
        s = replace_word(&s, rust, script);
    }
    s
}

/// Replace `from` where it is not part of a longer identifier.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before_ok = !rest[..at]
            .chars()
            .next_back()
            .is_some_and(crate::scan::is_ident_char);
        let after = &rest[at + from.len()..];
        let after_ok = !from.ends_with(crate::scan::is_ident_char)
            || !after.starts_with(crate::scan::is_ident_char);
        out.push_str(&rest[..at]);
        out.push_str(if before_ok && after_ok { to } else { from });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whether a signature uses a numeric type other than `i64`/`f64`: the standard library
/// repeats many functions for every width, which buries the ones scripts use.
pub fn uses_exotic_numbers(signature: &str) -> bool {
    signature
        .split(|c: char| !crate::scan::is_ident_char(c))
        .any(|word| {
            matches!(
                word,
                "i8" | "i16" | "i32" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "f32"
            )
        })
}

/// The type of a signature's first parameter (`Point` in `get$x(p: &mut Point) -> f64`):
/// the type `value.name` calls the function on.
pub(crate) fn receiver_type(signature: &str) -> Option<&str> {
    signature
        .split_once('(')
        .and_then(|(_, rest)| rest.split([',', ')']).next())
        .and_then(|p| p.split_once(": "))
        .map(|(_, ty)| ty.trim_start_matches("&mut "))
}

/// Rhai writes a getter as `get$x(p: &mut Point) -> f64`; show how it is used instead.
fn signature(raw: &str, kind: FnKind, name: &str) -> String {
    let ret = raw.rsplit_once(") -> ").map(|(_, r)| r);
    let on = receiver_type(raw).unwrap_or("?");
    match kind {
        FnKind::Getter => format!("{on}.{name} -> {}", ret.unwrap_or("?")),
        FnKind::Setter => format!("{on}.{name} = value"),
        _ => raw.to_string(),
    }
}

/// Doc comments without their markers: `/// text` lines and `/** text */` blocks.
pub fn clean_doc<S: AsRef<str>>(comments: &[S]) -> String {
    let mut out: Vec<String> = Vec::new();
    for comment in comments {
        let comment = comment.as_ref().trim();
        if let Some(block) = comment.strip_prefix("/**") {
            let block = block.strip_suffix("*/").unwrap_or(block);
            for line in block.lines() {
                let line = line.trim();
                let line = line.strip_prefix('*').unwrap_or(line);
                out.push(line.strip_prefix(' ').unwrap_or(line).to_string());
            }
        } else {
            for line in comment.lines() {
                let line = line.trim_start();
                let line = line.strip_prefix("///").unwrap_or(line);
                out.push(line.strip_prefix(' ').unwrap_or(line).to_string());
            }
        }
    }
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_markers_are_stripped() {
        assert_eq!(clean_doc(&["/// One.\n/// Two."]), "One.\nTwo.");
        assert_eq!(
            clean_doc(&["/**\n * Block one.\n * Block two.\n */"]),
            "Block one.\nBlock two."
        );
        assert_eq!(clean_doc::<&str>(&[]), "");
    }

    #[test]
    fn rust_types_read_as_script_types() {
        assert_eq!(
            readable_types(
                "range(from: i64, to: i64) -> Result<StepRange<i64>, Box<EvalAltResult>>"
            ),
            "range(from: i64, to: i64) -> StepRange<i64>"
        );
        assert_eq!(
            readable_types("len(string: &str) -> INT"),
            "len(string: string) -> i64"
        );
        assert_eq!(
            readable_types("push(array: &mut Array, item: Dynamic)"),
            "push(array: array, item: Dynamic)"
        );
        assert_eq!(readable_types("f(m: MapLike)"), "f(m: MapLike)");
        assert!(uses_exotic_numbers("range(from: u8, to: u8)"));
        assert!(!uses_exotic_numbers("range(from: i64, to: i64)"));
    }

    #[test]
    fn getters_read_as_properties() {
        assert_eq!(
            signature("get$x(p: &mut Point) -> f64", FnKind::Getter, "x"),
            "Point.x -> f64"
        );
        assert_eq!(classify("+"), Some((FnKind::Operator, "+")));
        assert_eq!(classify("get$len"), Some((FnKind::Getter, "len")));
    }
}
