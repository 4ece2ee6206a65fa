//! Rich display: every value can render itself as a MIME bundle.
//!
//! Rendering belongs to the type (as in IJulia's `display_dict`): a library type implements
//! [`Render`] and is registered once with [`Renderers::register`]; plain Rhai values fall
//! back to text (and JSON for maps and arrays).

use base64::Engine as _;
use rhai::Dynamic;
use serde_json::{Map, Value};
use std::rc::Rc;

pub const TEXT_PLAIN: &str = "text/plain";
pub const TEXT_HTML: &str = "text/html";
pub const TEXT_MARKDOWN: &str = "text/markdown";
pub const IMAGE_PNG: &str = "image/png";
pub const IMAGE_SVG: &str = "image/svg+xml";
pub const APPLICATION_JSON: &str = "application/json";

/// A value in several representations, keyed by MIME type, as Jupyter's `display_data`
/// carries it. `text/plain` is always present in bundles the library makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MimeBundle {
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

impl MimeBundle {
    /// A bundle holding only `text/plain`.
    pub fn text(text: impl Into<String>) -> Self {
        Self::default().with(TEXT_PLAIN, Value::String(text.into()))
    }

    /// Add (or replace) one representation.
    pub fn with(mut self, mime: &str, value: Value) -> Self {
        self.data.insert(mime.to_string(), value);
        self
    }

    /// Add an HTML representation.
    pub fn with_html(self, html: impl Into<String>) -> Self {
        self.with(TEXT_HTML, Value::String(html.into()))
    }

    /// Add a PNG image (base64-encoded, as Jupyter expects), recording its size in metadata.
    pub fn with_png(mut self, png: &[u8], width: u32, height: u32) -> Self {
        let encoded = base64::engine::general_purpose::STANDARD.encode(png);
        self.metadata.insert(
            IMAGE_PNG.to_string(),
            serde_json::json!({ "width": width, "height": height }),
        );
        self.with(IMAGE_PNG, Value::String(encoded))
    }

    /// Add an SVG image.
    pub fn with_svg(self, svg: impl Into<String>) -> Self {
        self.with(IMAGE_SVG, Value::String(svg.into()))
    }

    /// The `text/plain` form, if any.
    pub fn plain(&self) -> Option<&str> {
        self.data.get(TEXT_PLAIN).and_then(Value::as_str)
    }

    /// Decoded bytes of the PNG form, if any.
    pub fn png_bytes(&self) -> Option<Vec<u8>> {
        let encoded = self.data.get(IMAGE_PNG)?.as_str()?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
    }
}

/// A type that knows how to show itself.
pub trait Render {
    fn mime_bundle(&self) -> MimeBundle;
}

type RenderFn = Rc<dyn Fn(&Dynamic) -> Option<MimeBundle>>;

/// The registry of renderers for library types, consulted before the plain fallback.
#[derive(Clone, Default)]
pub struct Renderers {
    renderers: Vec<RenderFn>,
}

impl Renderers {
    /// Register a type that implements [`Render`].
    pub fn register<T: Render + Clone + Send + Sync + 'static>(&mut self) {
        self.register_fn(|value| value.read_lock::<T>().map(|v| v.mime_bundle()));
    }

    /// Register an arbitrary renderer; it returns `None` for values it does not handle.
    pub fn register_fn(&mut self, f: impl Fn(&Dynamic) -> Option<MimeBundle> + 'static) {
        self.renderers.push(Rc::new(f));
    }

    /// Render a value: a registered renderer first, then the plain fallback. `()` renders
    /// as nothing.
    pub fn render(&self, value: &Dynamic) -> Option<MimeBundle> {
        self.render_caught(value).0
    }

    /// As [`Renderers::render`], but a renderer that panics (a library's bug) is passed
    /// over, as IPython passes over a formatter that raises: the value shows in its plain
    /// form, and the panic's message comes back beside it.
    pub fn render_caught(&self, value: &Dynamic) -> (Option<MimeBundle>, Option<String>) {
        if value.is_unit() {
            return (None, None);
        }
        for render in &self.renderers {
            match crate::panic::catch(std::panic::AssertUnwindSafe(|| render(value))) {
                Ok(Some(bundle)) => return (Some(bundle), None),
                Ok(None) => {}
                Err(message) => return (Some(render_plain(value)), Some(message)),
            }
        }
        (Some(render_plain(value)), None)
    }
}

/// The fallback for values without a renderer: their Rhai debug form as text, plus JSON
/// for arrays and maps.
pub fn render_plain(value: &Dynamic) -> MimeBundle {
    let bundle = MimeBundle::text(plain_text(value));
    if value.is_array() || value.is_map() {
        if let Ok(json) = serde_json::to_value(value) {
            return bundle.with(APPLICATION_JSON, json);
        }
    }
    bundle
}

/// How a value reads as an `Out[n]`: strings quoted, collections in Rhai literal syntax.
pub fn plain_text(value: &Dynamic) -> String {
    if value.is_string() || value.is_array() || value.is_map() || value.is_char() {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_render_as_text_and_json() {
        let r = Renderers::default();
        assert_eq!(r.render(&Dynamic::UNIT), None);
        assert_eq!(
            r.render(&Dynamic::from(42_i64)).unwrap().plain(),
            Some("42")
        );
        assert_eq!(
            r.render(&Dynamic::from("hi")).unwrap().plain(),
            Some("\"hi\"")
        );
        let arr: rhai::Array = vec![Dynamic::from(1_i64), Dynamic::from(2_i64)];
        let b = r.render(&Dynamic::from(arr)).unwrap();
        assert_eq!(b.plain(), Some("[1, 2]"));
        assert_eq!(b.data[APPLICATION_JSON], serde_json::json!([1, 2]));
    }

    #[derive(Clone)]
    struct Shape(u32);
    impl Render for Shape {
        fn mime_bundle(&self) -> MimeBundle {
            MimeBundle::text(format!("Shape({})", self.0)).with_html("<b>shape</b>")
        }
    }

    #[test]
    fn registered_types_render_themselves() {
        let mut r = Renderers::default();
        r.register::<Shape>();
        let b = r.render(&Dynamic::from(Shape(3))).unwrap();
        assert_eq!(b.plain(), Some("Shape(3)"));
        assert!(b.data.contains_key(TEXT_HTML));
    }
}
