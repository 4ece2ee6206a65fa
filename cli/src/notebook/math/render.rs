//! The parsed formula as MathML elements; every text goes through `escape`.

use super::symbols::FUNCTIONS;
use super::Node;
use ladder_scripting::html::escape;

pub(super) fn render_row(nodes: &[Node], out: &mut String) {
    for node in nodes {
        render(node, out);
    }
}

/// Nodes as one MathML element (an `mrow` for several), as script and fraction parts need.
fn render_group(nodes: &[Node], out: &mut String) {
    if let [node] = nodes {
        render(node, out);
    } else {
        out.push_str("<mrow>");
        render_row(nodes, out);
        out.push_str("</mrow>");
    }
}

pub(super) fn render(node: &Node, out: &mut String) {
    match node {
        Node::Row(nodes) => render_group(nodes, out),
        Node::Ident(name, upright) => {
            let normal = *upright && name.chars().count() == 1;
            out.push_str(if normal {
                "<mi mathvariant=\"normal\">"
            } else {
                "<mi>"
            });
            out.push_str(&escape(name));
            out.push_str("</mi>");
            if *upright && FUNCTIONS.contains(&name.as_str()) {
                // Function application: the space between `log` and its argument.
                out.push_str("<mo>\u{2061}</mo>");
            }
        }
        Node::Number(n) => out.push_str(&format!("<mn>{}</mn>", escape(n))),
        Node::Op(op, None) => out.push_str(&format!("<mo>{}</mo>", escape(op))),
        Node::Op(op, Some(em)) => out.push_str(&format!(
            "<mo minsize=\"{em}em\" maxsize=\"{em}em\">{}</mo>",
            escape(op)
        )),
        Node::Text(text) => out.push_str(&format!("<mtext>{}</mtext>", escape(text))),
        Node::Space(em) => out.push_str(&format!("<mspace width=\"{em}em\"/>")),
        Node::Frac(top, bottom, line) => {
            out.push_str(if *line {
                "<mfrac>"
            } else {
                "<mfrac linethickness=\"0\">"
            });
            render(top, out);
            render(bottom, out);
            out.push_str("</mfrac>");
        }
        Node::Sqrt(body, None) => {
            out.push_str("<msqrt>");
            render(body, out);
            out.push_str("</msqrt>");
        }
        Node::Sqrt(body, Some(index)) => {
            out.push_str("<mroot>");
            render(body, out);
            render(index, out);
            out.push_str("</mroot>");
        }
        Node::Scripts {
            base,
            sub,
            sup,
            limits,
        } => {
            let tag = match (sub.is_some(), sup.is_some(), limits) {
                (true, true, true) => "munderover",
                (true, false, true) => "munder",
                (false, true, true) => "mover",
                (true, true, false) => "msubsup",
                (true, false, false) => "msub",
                _ => "msup",
            };
            out.push_str(&format!("<{tag}>"));
            render(base, out);
            for script in [sub, sup].into_iter().flatten() {
                render(script, out);
            }
            out.push_str(&format!("</{tag}>"));
        }
        Node::Accent(base, mark, over) => {
            let tag = if *over { "mover" } else { "munder" };
            let attribute = if *over { "accent" } else { "accentunder" };
            out.push_str(&format!("<{tag} {attribute}=\"true\">"));
            render(base, out);
            out.push_str(&format!(
                "<mo stretchy=\"true\">{}</mo></{tag}>",
                escape(mark)
            ));
        }
        Node::Fenced(open, inner, close) => {
            let fence = |delimiter: &str, out: &mut String| {
                if !delimiter.is_empty() {
                    out.push_str(&format!("<mo fence=\"true\">{}</mo>", escape(delimiter)));
                }
            };
            out.push_str("<mrow>");
            fence(open, out);
            render_row(inner, out);
            fence(close, out);
            out.push_str("</mrow>");
        }
        Node::Table(rows, align) => {
            out.push_str("<mtable>");
            for row in rows {
                out.push_str("<mtr>");
                for (column, cell) in row.iter().enumerate() {
                    let side = match (*align, column % 2) {
                        ("aligned", 0) => " columnalign=\"right\"",
                        ("aligned", _) | ("cases", _) => " columnalign=\"left\"",
                        _ => "",
                    };
                    out.push_str(&format!("<mtd{side}>"));
                    render_group(cell, out);
                    out.push_str("</mtd>");
                }
                out.push_str("</mtr>");
            }
            out.push_str("</mtable>");
        }
        Node::Error(source) => out.push_str(&format!(
            "<merror><mtext>{}</mtext></merror>",
            escape(source)
        )),
    }
}
