//! Markdown cells as HTML for the report. The HTML is written here from pulldown-cmark's
//! events, not by its own writer, so that every string from the notebook (text, code, link
//! targets, alt text, raw HTML) is escaped once, by `escape`; `$...$` and `$$...$$` become
//! MathML, and `rhai` code blocks are highlighted like code cells.

use super::highlight::rhai_html;
use super::math::to_mathml;
use ladder_scripting::html::escape;
use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A markdown cell's source as HTML.
pub fn to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH;
    let mut writer = Writer::default();
    for event in Parser::new_ext(source, options) {
        writer.event(event);
    }
    writer.out
}

#[derive(Default)]
struct Writer {
    out: String,
    /// The column alignments of the table being written, and the next cell's column.
    alignments: Vec<Alignment>,
    column: usize,
    in_table_head: bool,
    /// A code block being collected, with its language.
    code: Option<(String, String)>,
    /// An image's alt text being collected (images may nest in links, not in images).
    alt: Option<String>,
}

impl Writer {
    fn event(&mut self, event: Event) {
        if let Some(alt) = &mut self.alt {
            match event {
                Event::End(TagEnd::Image) => {}
                Event::Text(text)
                | Event::Code(text)
                | Event::InlineMath(text)
                | Event::InlineHtml(text) => {
                    alt.push_str(&text);
                    return;
                }
                _ => return,
            }
        }
        if let Some((_, code)) = &mut self.code {
            if let Event::Text(text) = &event {
                code.push_str(text);
                return;
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.out.push_str(&escape(&text)),
            Event::Code(code) => self
                .out
                .push_str(&format!("<code>{}</code>", escape(&code))),
            Event::InlineMath(latex) => self.out.push_str(&to_mathml(&latex, false)),
            Event::DisplayMath(latex) => self.out.push_str(&to_mathml(&latex, true)),
            // Raw HTML shows as the text it is: a report never runs a notebook's markup.
            Event::Html(html) | Event::InlineHtml(html) => self.out.push_str(&escape(&html)),
            Event::FootnoteReference(name) => self.out.push_str(&format!("[^{}]", escape(&name))),
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(done) => self.out.push_str(if done {
                "<input type=\"checkbox\" disabled checked> "
            } else {
                "<input type=\"checkbox\" disabled> "
            }),
        }
    }

    fn start(&mut self, tag: Tag) {
        let html = match tag {
            Tag::Paragraph => "<p>".to_string(),
            Tag::Heading { level, .. } => format!("<{level}>"),
            Tag::BlockQuote(_) => "<blockquote>\n".to_string(),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
                return;
            }
            Tag::HtmlBlock => "<div class=\"raw-html\">".to_string(),
            Tag::List(Some(1)) => "<ol>\n".to_string(),
            Tag::List(Some(start)) => format!("<ol start=\"{start}\">\n"),
            Tag::List(None) => "<ul>\n".to_string(),
            Tag::Item => "<li>".to_string(),
            Tag::Table(alignments) => {
                self.alignments = alignments;
                "<table>\n".to_string()
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.column = 0;
                "<thead>\n<tr>".to_string()
            }
            Tag::TableRow => {
                self.column = 0;
                "<tr>".to_string()
            }
            Tag::TableCell => {
                let cell = if self.in_table_head { "th" } else { "td" };
                let align = match self.alignments.get(self.column) {
                    Some(Alignment::Left) => " style=\"text-align: left\"",
                    Some(Alignment::Center) => " style=\"text-align: center\"",
                    Some(Alignment::Right) => " style=\"text-align: right\"",
                    _ => "",
                };
                format!("<{cell}{align}>")
            }
            Tag::Emphasis => "<em>".to_string(),
            Tag::Strong => "<strong>".to_string(),
            Tag::Strikethrough => "<del>".to_string(),
            Tag::Superscript => "<sup>".to_string(),
            Tag::Subscript => "<sub>".to_string(),
            Tag::Link {
                dest_url, title, ..
            } => format!("<a{}>", target_attributes("href", &dest_url, &title)),
            Tag::Image {
                dest_url, title, ..
            } => {
                // The `alt` attribute and `>` follow at the image's end, after its text.
                let attributes = target_attributes("src", &dest_url, &title);
                self.out.push_str(&format!("<img{attributes}"));
                self.alt = Some(String::new());
                return;
            }
            // Footnotes, definition lists and metadata blocks are not enabled.
            _ => return,
        };
        self.out.push_str(&html);
    }

    fn end(&mut self, tag: TagEnd) {
        let html = match tag {
            TagEnd::Paragraph => "</p>\n".to_string(),
            TagEnd::Heading(level) => format!("</{level}>\n"),
            TagEnd::BlockQuote(_) => "</blockquote>\n".to_string(),
            TagEnd::CodeBlock => {
                let (language, code) = self.code.take().unwrap_or_default();
                if language == "rhai" {
                    format!(
                        "<pre><code class=\"language-rhai\">{}</code></pre>\n",
                        rhai_html(&code)
                    )
                } else if language.is_empty() {
                    format!("<pre><code>{}</code></pre>\n", escape(&code))
                } else {
                    format!(
                        "<pre><code class=\"language-{}\">{}</code></pre>\n",
                        escape(&language),
                        escape(&code)
                    )
                }
            }
            TagEnd::HtmlBlock => "</div>\n".to_string(),
            TagEnd::List(true) => "</ol>\n".to_string(),
            TagEnd::List(false) => "</ul>\n".to_string(),
            TagEnd::Item => "</li>\n".to_string(),
            TagEnd::Table => "</tbody>\n</table>\n".to_string(),
            TagEnd::TableHead => {
                self.in_table_head = false;
                "</tr>\n</thead>\n<tbody>\n".to_string()
            }
            TagEnd::TableRow => "</tr>\n".to_string(),
            TagEnd::TableCell => {
                self.column += 1;
                if self.in_table_head { "</th>" } else { "</td>" }.to_string()
            }
            TagEnd::Emphasis => "</em>".to_string(),
            TagEnd::Strong => "</strong>".to_string(),
            TagEnd::Strikethrough => "</del>".to_string(),
            TagEnd::Superscript => "</sup>".to_string(),
            TagEnd::Subscript => "</sub>".to_string(),
            TagEnd::Link => "</a>".to_string(),
            TagEnd::Image => {
                let alt = self.alt.take().unwrap_or_default();
                format!(" alt=\"{}\">", escape(&alt))
            }
            _ => return,
        };
        self.out.push_str(&html);
    }
}

/// ` href="..." title="..."` (or `src`) for a link or an image; no target that runs script.
fn target_attributes(name: &str, url: &str, title: &str) -> String {
    let mut html = String::new();
    if let Some(url) = safe_url(url) {
        html.push_str(&format!(" {name}=\"{}\"", escape(url)));
    }
    if !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    html
}

/// A link or image target, unless it would run script when followed.
fn safe_url(url: &str) -> Option<&str> {
    // Browsers ignore whitespace and control characters inside a scheme.
    let compact: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let runs_script = compact.starts_with("javascript:")
        || compact.starts_with("vbscript:")
        || (compact.starts_with("data:") && !compact.starts_with("data:image/"));
    (!runs_script).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_is_mathml_and_underscores_in_it_are_not_italics() {
        let html = to_html("The $\\mathrm{acc}_{w2s}$ and $x_1 + y_1$:\n\n$$a_b = c_d$$\n");
        assert!(!html.contains("<em>"), "{html}");
        assert!(
            html.contains("<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\">")
        );
        assert!(html.contains("display=\"block\""), "{html}");
        assert!(html.contains("<msub><mi>acc</mi>"), "{html}");
        assert!(!html.contains('$'), "{html}");
        // Outside math, underscores still make italics.
        assert!(to_html("_a_ b").contains("<em>a</em>"));
    }

    #[test]
    fn blocks_inlines_and_tables_are_written() {
        let html = to_html(
            "# T\n\n- one\n- **two**\n\n1. a\n\n| x | y |\n|:--|--:|\n| `c` | 2 |\n\n> q\n\n---\n",
        );
        for part in [
            "<h1>T</h1>",
            "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>",
            "<ol>\n<li>a</li>",
            "<thead>\n<tr><th style=\"text-align: left\">x</th><th style=\"text-align: right\">y</th></tr>",
            "<td style=\"text-align: left\"><code>c</code></td>",
            "<blockquote>\n<p>q</p>\n</blockquote>",
            "<hr>",
        ] {
            assert!(html.contains(part), "{part} not in {html}");
        }
    }

    #[test]
    fn every_string_from_the_cell_is_escaped_once() {
        let html = to_html(
            "a <b>x</b> & \"q\"\n\n<div onclick=\"f()\">raw</div>\n\n[l](http://e.com/?a=1&b=\"2\" 't<i>') ![<alt>](x.png)\n\n[js](javascript:alert(1))\n\n```py\nif a < b: pass\n```\n",
        );
        assert!(
            html.contains("a &lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;div onclick=&quot;f()&quot;&gt;raw&lt;/div&gt;"),
            "{html}"
        );
        assert!(
            html.contains(
                "<a href=\"http://e.com/?a=1&amp;b=&quot;2&quot;\" title=\"t&lt;i&gt;\">l</a>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"x.png\" alt=\"&lt;alt&gt;\">"),
            "{html}"
        );
        assert!(html.contains("<a>js</a>"), "{html}");
        assert!(
            html.contains("<code class=\"language-py\">if a &lt; b: pass\n</code>"),
            "{html}"
        );
        assert!(
            !html.contains("<b>") && !html.contains("<div onclick") && !html.contains("&amp;lt;")
        );
    }

    #[test]
    fn rhai_code_blocks_are_highlighted() {
        let html = to_html("```rhai\nlet x = 1;\n```\n");
        assert!(html.contains("<span class=\"kw\">let</span>"), "{html}");
    }
}
