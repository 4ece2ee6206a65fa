//! LaTeX math to MathML, for the HTML report: browsers draw MathML themselves, so the report
//! shows formulas offline, with no script or CDN. The subset is what notebooks write
//! (fractions, roots, scripts, fonts, Greek, operators, delimiters, matrices and aligned
//! environments); anything else shows as its source in an `merror`. Every piece of text
//! goes through `escape` once, so a formula can never inject markup.

mod fonts;
mod parse;
mod render;
mod symbols;

use fonts::Font;
use ladder_scripting::html::escape;
use parse::{Parser, Stop};
use render::{render, render_row};

/// A formula as a `<math>` element; `display` for `$$...$$` (a block), else inline.
pub fn to_mathml(latex: &str, display: bool) -> String {
    let mut parser = Parser {
        chars: latex.chars().collect(),
        at: 0,
        font: Font::Default,
        display,
    };
    let mut body = String::new();
    loop {
        let row = parser.row(Stop::Group);
        render_row(&row, &mut body);
        if parser.peek().is_none() {
            break;
        }
        // An unmatched `}`, `\right` or `\end` at the top: show it and go on.
        let start = parser.at;
        parser.skip_stray();
        let stray: String = parser.chars[start..parser.at].iter().collect();
        render(&Node::Error(stray), &mut body);
    }
    format!(
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"{}\"><semantics><mrow>{body}</mrow><annotation encoding=\"application/x-tex\">{}</annotation></semantics></math>",
        if display { "block" } else { "inline" },
        escape(latex)
    )
}

/// A formula as a tree, between parsing and MathML.
enum Node {
    Row(Vec<Node>),
    /// A name and whether it is upright (words, capital Greek, `\mathrm`).
    Ident(String, bool),
    Number(String),
    /// An operator and, for `\big(` and its kin, its height in em.
    Op(String, Option<f32>),
    Text(String),
    /// A space of this many em.
    Space(f32),
    /// Numerator, denominator and whether a line divides them (not for `\binom`).
    Frac(Box<Node>, Box<Node>, bool),
    /// The body and the index of an n-th root.
    Sqrt(Box<Node>, Option<Box<Node>>),
    /// Scripts are under and over the base (`limits`) or beside it.
    Scripts {
        base: Box<Node>,
        sub: Option<Box<Node>>,
        sup: Option<Box<Node>>,
        limits: bool,
    },
    /// The base, the accent's mark and whether it goes over (else under).
    Accent(Box<Node>, &'static str, bool),
    /// Opening delimiter, content, closing delimiter (empty for none).
    Fenced(String, Vec<Node>, String),
    /// Rows of cells, and how columns align: `aligned`, `cases` or `center`.
    Table(Vec<Vec<Vec<Node>>>, &'static str),
    /// Source shown as it is, marked as not understood.
    Error(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formula's MathML without the wrapper and the TeX annotation.
    fn body(latex: &str) -> String {
        let math = to_mathml(latex, false);
        let start = math.find("<semantics><mrow>").unwrap() + "<semantics><mrow>".len();
        let end = math.rfind("</mrow><annotation").unwrap();
        math[start..end].to_string()
    }

    #[test]
    fn the_pgr_formula_is_a_fraction_of_upright_words_with_subscripts() {
        let latex = r"\mathrm{PGR} = \frac{\mathrm{acc}_{w2s} - \mathrm{acc}_{weak}}{\mathrm{acc}_{ceiling} - \mathrm{acc}_{weak}},";
        let math = to_mathml(latex, true);
        assert!(math
            .starts_with("<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"block\">"));
        assert!(math.ends_with("</math>"));
        assert_eq!(
            body(latex),
            "<mi>PGR</mi><mo>=</mo><mfrac><mrow><msub><mi>acc</mi><mrow><mi>w</mi><mn>2</mn><mi>s</mi></mrow></msub><mo>−</mo><msub><mi>acc</mi><mrow><mi>w</mi><mi>e</mi><mi>a</mi><mi>k</mi></mrow></msub></mrow><mrow><msub><mi>acc</mi><mrow><mi>c</mi><mi>e</mi><mi>i</mi><mi>l</mi><mi>i</mi><mi>n</mi><mi>g</mi></mrow></msub><mo>−</mo><msub><mi>acc</mi><mrow><mi>w</mi><mi>e</mi><mi>a</mi><mi>k</mi></mrow></msub></mrow></mfrac><mo>,</mo>"
        );
    }

    #[test]
    fn scripts_roots_greek_functions_and_fences() {
        assert_eq!(
            body(r"x_i^2"),
            "<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>"
        );
        assert_eq!(body(r"\sqrt[3]{8}"), "<mroot><mn>8</mn><mn>3</mn></mroot>");
        assert_eq!(
            body(r"\alpha\Gamma"),
            "<mi>α</mi><mi mathvariant=\"normal\">Γ</mi>"
        );
        assert_eq!(body(r"\log x"), "<mi>log</mi><mo>\u{2061}</mo><mi>x</mi>");
        assert_eq!(
            body(r"\left( a \right]"),
            "<mrow><mo fence=\"true\">(</mo><mi>a</mi><mo fence=\"true\">]</mo></mrow>"
        );
        assert_eq!(body(r"\mathbb{R}^n"), "<msup><mi>ℝ</mi><mi>n</mi></msup>");
        assert_eq!(body(r"\mathbf{x}"), "<mi>𝐱</mi>");
        assert_eq!(body("f'"), "<msup><mi>f</mi><mo>′</mo></msup>");
        assert_eq!(
            body(r"\big( \|"),
            "<mo minsize=\"1.2em\" maxsize=\"1.2em\">(</mo><mo>‖</mo>"
        );
    }

    #[test]
    fn sums_take_limits_only_in_display_math() {
        let display = to_mathml(r"\sum_{i=1}^n i", true);
        assert!(display.contains("<munderover><mo>∑</mo>"), "{display}");
        assert!(body(r"\sum_{i=1}^n i").starts_with("<msubsup><mo>∑</mo>"));
    }

    #[test]
    fn matrices_and_aligned_environments_are_tables() {
        assert_eq!(
            body(r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"),
            "<mrow><mo fence=\"true\">(</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr><mtr><mtd><mn>3</mn></mtd><mtd><mn>4</mn></mtd></mtr></mtable><mo fence=\"true\">)</mo></mrow>"
        );
        let aligned = body(r"\begin{aligned} a &= b \\ &= c \\ \end{aligned}");
        assert_eq!(aligned.matches("<mtr>").count(), 2, "{aligned}");
        assert!(aligned.contains("<mtd columnalign=\"right\"><mi>a</mi></mtd>"));
    }

    #[test]
    fn markup_in_a_formula_is_escaped_once() {
        let math = to_mathml(r#"a < b \text{<b>"x" & 'y'</b>} \lt \&"#, false);
        assert!(math.contains("<mo>&lt;</mo>"), "{math}");
        assert!(
            math.contains("<mtext>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</mtext>"),
            "{math}"
        );
        assert!(math.contains("<mo>&amp;</mo>"));
        assert!(
            !math.contains("<b>") && !math.contains("&amp;lt;"),
            "{math}"
        );
        // The source, kept as an annotation, is escaped too.
        assert!(math.contains("application/x-tex\">a &lt; b"), "{math}");
    }

    #[test]
    fn unknown_commands_and_unbalanced_input_show_as_errors_without_losing_the_rest() {
        assert_eq!(
            body(r"\nosuchthing x"),
            "<merror><mtext>\\nosuchthing</mtext></merror><mi>x</mi>"
        );
        assert_eq!(
            body("a}b"),
            "<mi>a</mi><merror><mtext>}</mtext></merror><mi>b</mi>"
        );
        for broken in [
            r"\frac{1",
            r"x^",
            r"\left(",
            r"\begin{matrix} 1 &",
            "\\",
            r"\sqrt[",
        ] {
            assert!(to_mathml(broken, false).ends_with("</math>"), "{broken}");
        }
    }
}
