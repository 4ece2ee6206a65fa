//! Registering Rhai functions with their doc comments and parameter names, which the
//! session's completion and inspection read through Rhai's metadata.

/// Turn plain doc text into Rhai's `///` doc-comment block.
pub fn comment(text: &str) -> String {
    text.lines()
        .map(|l| format!("/// {l}").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `reg!(engine, "name", ["x: Tensor", "axis: int", "Tensor"], "Doc text.", closure)`:
/// the last entry of the list is the return type.
#[macro_export]
macro_rules! reg {
    ($engine:expr, $name:expr, [$($p:expr),* $(,)?], $doc:expr, $f:expr) => {
        ladder_scripting::rhai::FuncRegistration::new($name)
            .with_comments([$crate::doc::comment($doc)])
            .with_params_info([$($p),*])
            .register_into_engine($engine, $f)
    };
}
