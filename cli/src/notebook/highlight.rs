//! Rhai code as HTML with its keywords, strings, comments and numbers in classed spans (the
//! report's stylesheet colours them); every token's text is escaped once.

use super::rhai_tokens::{tokens, Kind};
use ladder_scripting::html::escape;

/// The CSS class a kind of token is shown with, if any.
fn class(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Keyword => Some("kw"),
        Kind::Literal => Some("lit"),
        Kind::String => Some("str"),
        Kind::Comment => Some("com"),
        Kind::Number => Some("num"),
        Kind::Identifier | Kind::Whitespace | Kind::Other => None,
    }
}

/// Rhai source as highlighted HTML, for inside `<pre><code>`.
pub fn rhai_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    for token in tokens(source) {
        match class(token.kind) {
            Some(class) => {
                out.push_str(&format!(
                    "<span class=\"{class}\">{}</span>",
                    escape(token.text)
                ));
            }
            None => out.push_str(&escape(token.text)),
        }
    }
    out
}

/// The stylesheet rules for the classes above.
pub const STYLE: &str = "
.kw { color: #cf222e; font-weight: 600; } .lit { color: #0550ae; } .str { color: #0a3069; }
.com { color: #6e7781; font-style: italic; } .num { color: #0550ae; }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_strings_comments_and_numbers_are_wrapped_and_text_escaped() {
        assert_eq!(
            rhai_html("let s = \"<b>\"; // a < b\nif x > 1 { true }"),
            "<span class=\"kw\">let</span> s = <span class=\"str\">&quot;&lt;b&gt;&quot;</span>; \
             <span class=\"com\">// a &lt; b</span>\n<span class=\"kw\">if</span> x &gt; \
             <span class=\"num\">1</span> { <span class=\"lit\">true</span> }"
        );
    }
}
