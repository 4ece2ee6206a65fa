//! Functions a cell hands to the library (a labelling function, a learner, a sweep's body),
//! named in errors as the user wrote them. Called with the wrong number of arguments, Rhai
//! says only "Function not found: anon$1f2e… (map)"; these say what the function takes and
//! what it is called with.

use rhai::{EvalAltResult, FnPtr, Module, NativeCallContext};

/// How an error names `f`: `'name'` for a named function, `(a closure)` for a closure, whose
/// generated name means nothing to the user.
pub fn label(f: &FnPtr) -> String {
    if f.is_anonymous() {
        "(a closure)".to_string()
    } else {
        format!("'{}'", f.fn_name())
    }
}

/// What went wrong in a call of `f` that failed with `err`: when `f` cannot take the
/// arguments it was given, a sentence saying what it takes and what it is called with
/// (`called_with`, e.g. "one argument, the row"); otherwise `err`'s own message.
pub fn failure(
    ctx: &NativeCallContext,
    err: &EvalAltResult,
    f: &FnPtr,
    called_with: &str,
) -> String {
    arity_mismatch(ctx, err, f, called_with).unwrap_or_else(|| err.to_string())
}

/// The sentence for a call that failed because `f` takes another number of arguments.
pub fn arity_mismatch(
    ctx: &NativeCallContext,
    err: &EvalAltResult,
    f: &FnPtr,
    called_with: &str,
) -> Option<String> {
    arity_mismatch_in(ctx.iter_namespaces(), err, f, called_with)
}

/// `arity_mismatch` for a call made outside a script (from the session, between cells),
/// with the `modules` holding the script's functions.
pub fn arity_mismatch_in<'m>(
    modules: impl Iterator<Item = &'m Module>,
    err: &EvalAltResult,
    f: &FnPtr,
    called_with: &str,
) -> Option<String> {
    if !is_arity_mismatch(err, f) {
        return None;
    }
    Some(mismatch(f, &parameter_lists(modules, f), called_with))
}

/// What `f`, defined with the parameter lists `forms` (captured variables left out), takes,
/// and what it is called with instead.
pub fn mismatch(f: &FnPtr, forms: &[Vec<String>], called_with: &str) -> String {
    let who = if f.is_anonymous() {
        "the closure"
    } else {
        "the function"
    };
    match forms {
        // A native function, or none by that name.
        [] => format!("no function named '{}' takes {called_with}", f.fn_name()),
        [params] => format!(
            "{who} {} takes {}, but is called with {called_with}",
            written(f, params),
            arguments(params.len())
        ),
        many => format!(
            "the function '{}' is defined as {}, but is called with {called_with}",
            f.fn_name(),
            many.iter()
                .map(|p| written(f, p))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    }
}

/// Whether `err` says that `f` itself cannot take the arguments it was given (rather than
/// something failing inside it).
pub fn is_arity_mismatch(err: &EvalAltResult, f: &FnPtr) -> bool {
    // A failure inside `f` arrives wrapped in ErrorInFunctionCall: a bare "not found" for
    // `f`'s own name is the call of `f` itself.
    matches!(err, EvalAltResult::ErrorFunctionNotFound(signature, _)
        if signature.split_once(" (").map(|(name, _)| name) == Some(f.fn_name()))
}

/// The parameter lists of every script function named as `f` in `modules`, without the
/// ones `f` fills itself (a closure's captured variables come first, curried).
pub fn parameter_lists<'m>(
    modules: impl Iterator<Item = &'m Module>,
    f: &FnPtr,
) -> Vec<Vec<String>> {
    let curried = f.curry().len();
    let mut forms: Vec<Vec<String>> = modules
        .flat_map(|module| module.iter_script_fn_info())
        .filter(|(_, _, name, arity, _)| *name == f.fn_name() && *arity >= curried)
        .map(|(.., def)| {
            def.params
                .iter()
                .skip(curried)
                .map(|p| p.to_string())
                .collect()
        })
        .collect();
    forms.sort();
    forms.dedup();
    forms
}

/// `|a, b|` for a closure, `name(a, b)` for a named function.
fn written(f: &FnPtr, params: &[String]) -> String {
    if f.is_anonymous() {
        format!("|{}|", params.join(", "))
    } else {
        format!("{}({})", f.fn_name(), params.join(", "))
    }
}

fn arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_string(),
        1 => "one argument".to_string(),
        n => format!("{n} arguments"),
    }
}
