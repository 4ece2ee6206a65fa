//! The one way the standard library binds Rhai functions: [`bind!`](crate::bind) takes a Rust
//! signature once (parameter names, types, return type and `///` doc comment) and registers it
//! through Rhai's `FuncRegistration`, so the session's completion and `?name` help read the
//! names, the script-facing types and the doc from Rhai's metadata.

use ladder_scripting::rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, Map, FLOAT, INT};
use ladder_scripting::{Render, Renderers};

/// The name a Rust type has in scripts and in signatures (`FLOAT` is `float`, `Network` is
/// `Model`). Types registered with [`register_type`] use it as their Rhai name too.
pub trait TypeName {
    const NAME: &'static str;
}

/// `type_names! { Tensor => "Tensor", Network => "Model" }`
#[macro_export]
macro_rules! type_names {
    ($($t:ty => $name:literal),* $(,)?) => {
        $(impl $crate::doc::TypeName for $t {
            const NAME: &'static str = $name;
        })*
    };
}

type_names! {
    INT => "int",
    FLOAT => "float",
    bool => "bool",
    String => "string",
    &str => "string",
    ladder_scripting::rhai::ImmutableString => "string",
    Array => "Array",
    Map => "Map",
    FnPtr => "Fn",
    Dynamic => "?",
    () => "()",
    std::ops::Range<INT> => "Range<int>",
    std::ops::RangeInclusive<INT> => "RangeInclusive<int>",
}

impl<T: TypeName> TypeName for &mut T {
    const NAME: &'static str = T::NAME;
}

/// A fallible function shows what it returns on success.
impl<T: TypeName> TypeName for Result<T, Box<EvalAltResult>> {
    const NAME: &'static str = T::NAME;
}

/// Register a custom type under its script name.
pub fn register_type<T: TypeName + Clone + 'static>(engine: &mut Engine) {
    engine.register_type_with_name::<T>(T::NAME);
}

/// Register a custom type under its script name and show its values with its [`Render`]:
/// as a cell's value, and as text in `print(x)` and `${x}` (its `text/plain` form; the type's
/// own `to_string`, registered after this, replaces that).
pub fn register_rendered<T: TypeName + Render + Clone + 'static>(
    engine: &mut Engine,
    renderers: &mut Renderers,
) {
    register_type::<T>(engine);
    renderers.register_fn(|v| v.read_lock::<T>().map(|t| t.mime_bundle()));
    let text = |t: &mut T| {
        let bundle = t.mime_bundle();
        bundle.plain().unwrap_or(T::NAME).to_string()
    };
    engine.register_fn("to_string", text);
    engine.register_fn("to_debug", text);
}

/// `#[doc]` texts (a `///` line keeps its leading space) as Rhai's one `///` comment block.
pub fn comment(docs: &[&str]) -> String {
    docs.iter()
        .flat_map(|d| d.split('\n'))
        .map(|l| {
            format!("/// {}", l.strip_prefix(' ').unwrap_or(l))
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name: type` for Rhai's parameter metadata; raw identifiers (`r#type`) lose their prefix.
pub fn param(name: &str, ty: &str) -> String {
    format!("{}: {ty}", name.trim_start_matches("r#"))
}

/// Register Rhai functions written as Rust functions:
///
/// ```ignore
/// bind!(engine,
///     /// The doc comment `?zeros` shows.
///     fn zeros(shape: Dynamic as "Array|int") -> RhaiResult<Tensor> { ... }
///     fn [name](ctx: NativeCallContext, x: Tensor) -> Tensor { ... }
/// );
/// ```
///
/// Parameter and return types show by their [`TypeName`] unless `as "..."` names them (for
/// `Dynamic` parameters that accept several types). A leading `NativeCallContext` parameter is
/// passed by Rhai and is not part of the signature. `fn [expr]` takes the name from an
/// expression (for names built at run time); the body becomes a closure, so it may capture.
#[macro_export]
macro_rules! bind {
    (@one $engine:expr, $docs:tt, $name:tt,
        ($ctx:ident : NativeCallContext $(, $p:ident : $t:ty $(as $tn:literal)?)* $(,)?),
        $ret:tt, $body:block) => {
        #[allow(non_snake_case, unused_variables)]
        let f = $crate::bind!(@closure
            [$ctx: ladder_scripting::rhai::NativeCallContext, $($p: $t),*] $ret $body);
        $crate::bind!(@register $engine, $docs, $name, [$($p : $t $(as $tn)?),*], $ret, f);
    };
    (@one $engine:expr, $docs:tt, $name:tt,
        ($($p:ident : $t:ty $(as $tn:literal)?),* $(,)?), $ret:tt, $body:block) => {
        #[allow(non_snake_case, unused_variables)]
        let f = $crate::bind!(@closure [$($p: $t),*] $ret $body);
        $crate::bind!(@register $engine, $docs, $name, [$($p : $t $(as $tn)?),*], $ret, f);
    };
    // A library call's allocations are checked by the call itself, not by the memory
    // guard's growth forecast for the script's own values (see ladder_scripting::memory).
    (@closure [$($p:ident : $t:ty),*] [] $body:block) => {
        move |$($p: $t),*| {
            let _call = ladder_scripting::memory::library_call();
            $body
        }
    };
    (@closure [$($p:ident : $t:ty),*] [$ret:ty $(, $rn:literal)?] $body:block) => {
        move |$($p: $t),*| -> $ret {
            let _call = ladder_scripting::memory::library_call();
            $body
        }
    };
    (@register $engine:expr, [$($doc:expr),*], $name:tt,
        [$($p:ident : $t:ty $(as $tn:literal)?),*], $ret:tt, $f:ident) => {{
        // Every session builds its engine anew; the metadata strings are built once.
        static META: std::sync::OnceLock<(String, Vec<String>)> = std::sync::OnceLock::new();
        let (comment, params) = META.get_or_init(|| {
            (
                $crate::doc::comment(&[$($doc),*]),
                vec![
                    $($crate::doc::param(stringify!($p), $crate::bind!(@ty $t $(, $tn)?)),)*
                    $crate::bind!(@ret $ret).to_string(),
                ],
            )
        });
        ladder_scripting::rhai::FuncRegistration::new($crate::bind!(@name $name))
            .with_comments([comment.as_str()])
            .with_params_info(params.iter().map(String::as_str))
            .register_into_engine($engine, $f)
    }};
    (@name [$name:expr]) => { $name };
    (@name $name:ident) => { stringify!($name).trim_start_matches("r#") };
    (@ret []) => { "()" };
    (@ret [$ret:ty]) => { <$ret as $crate::doc::TypeName>::NAME };
    (@ret [$ret:ty, $rn:literal]) => { $rn };
    (@ty $t:ty) => { <$t as $crate::doc::TypeName>::NAME };
    (@ty $t:ty, $tn:literal) => { $tn };
    ($engine:expr, $(
        $(#[doc = $doc:expr])*
        fn $name:tt ($($params:tt)*) $(-> $ret:ty $(as $ret_name:literal)?)? $body:block
        // rustfmt writes the functions as a comma-separated list
        $(,)?
    )*) => {{
        $($crate::bind!(@one $engine, [$($doc),*], $name, ($($params)*),
            [$($ret $(, $ret_name)?)?], $body);)*
    }};
}
