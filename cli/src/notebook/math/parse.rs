//! TeX math source to a tree of `Node`s. It never fails: what it does not know becomes an
//! `Error` node holding the source, and a missing `}` or `\\right` is taken as given.

use super::fonts::{styled, Font};
use super::symbols::{space, FUNCTIONS, GREEK, LETTERS, OPERATORS};
use super::Node;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// A `{...}` group or the whole formula: ends at `}` or the end.
    Group,
    /// Between `\left` and `\right`.
    Right,
    /// A cell of an environment: ends at `&`, `\\` or `\end`.
    Cell,
}

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) at: usize,
    pub(super) font: Font,
    pub(super) display: bool,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// The command name at `\`, without consuming it.
    fn command_at(&self, at: usize) -> Option<String> {
        if self.chars.get(at) != Some(&'\\') {
            return None;
        }
        let letters: String = self.chars[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if letters.is_empty() {
            self.chars.get(at + 1).map(|c| c.to_string())
        } else {
            Some(letters)
        }
    }

    fn take_command(&mut self) -> String {
        let name = self.command_at(self.at).unwrap_or_default();
        // The backslash and the name (a lone `\` at the end is just itself).
        self.at = (self.at + 1 + name.chars().count()).min(self.chars.len());
        name
    }

    /// Past a `}`, `\right X` or `\end{...}` that has no opening here.
    pub(super) fn skip_stray(&mut self) {
        match self.command_at(self.at).as_deref() {
            Some("right") => {
                self.take_command();
                self.delimiter();
            }
            Some("end") => {
                self.take_command();
                self.braced_text();
            }
            Some(_) => {
                self.take_command();
            }
            None => self.at += 1,
        }
    }

    fn at_stop(&self, stop: Stop) -> bool {
        match (self.peek(), self.command_at(self.at).as_deref()) {
            (None, _) => true,
            (Some('}'), _) => true,
            (_, Some("right")) => true,
            (_, Some("end")) => true,
            (Some('&'), _) | (_, Some("\\")) => stop == Stop::Cell,
            _ => false,
        }
    }

    pub(super) fn row(&mut self, stop: Stop) -> Vec<Node> {
        let mut nodes = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_stop(stop) {
                return nodes;
            }
            let base = match self.peek() {
                Some('^' | '_' | '\'') => Node::Row(Vec::new()),
                _ => self.base(),
            };
            nodes.push(self.scripts(base));
        }
    }

    /// `base`, then any `_`, `^` and primes after it.
    fn scripts(&mut self, base: Node) -> Node {
        let limits = self.display && takes_limits(&base);
        let (mut sub, mut sup) = (None, None);
        let mut primes = String::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                Some('_') if sub.is_none() => {
                    self.at += 1;
                    sub = Some(Box::new(self.argument()));
                }
                Some('^') if sup.is_none() => {
                    self.at += 1;
                    sup = Some(Box::new(self.argument()));
                }
                Some('\'') => {
                    self.at += 1;
                    primes.push('′');
                }
                _ => break,
            }
        }
        if !primes.is_empty() {
            let prime = Node::Op(primes, None);
            sup = Some(Box::new(match sup {
                Some(s) => Node::Row(vec![prime, *s]),
                None => prime,
            }));
        }
        if sub.is_none() && sup.is_none() {
            return base;
        }
        Node::Scripts {
            base: Box::new(base),
            sub,
            sup,
            limits,
        }
    }

    /// A script or command argument: a `{group}` or one token.
    fn argument(&mut self) -> Node {
        self.skip_spaces();
        if self.peek() == Some('{') {
            self.at += 1;
            let row = self.row(Stop::Group);
            if self.peek() == Some('}') {
                self.at += 1;
            }
            Node::Row(row)
        } else if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            // `x^23` is x² then 3, as in TeX: one digit.
            self.at += 1;
            Node::Number(self.chars[self.at - 1].to_string())
        } else if self.at_stop(Stop::Group) {
            Node::Row(Vec::new())
        } else {
            self.base()
        }
    }

    /// The text of a `{...}` argument, braces balanced, as written.
    fn braced_text(&mut self) -> String {
        self.skip_spaces();
        if self.peek() != Some('{') {
            return self.peek().map_or(String::new(), |c| {
                self.at += 1;
                c.to_string()
            });
        }
        self.at += 1;
        let start = self.at;
        let mut depth = 1;
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.at += 1,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
        let end = self.at.min(self.chars.len());
        self.at = (self.at + 1).min(self.chars.len());
        self.chars[start..end].iter().collect()
    }

    /// An optional `[...]` argument.
    fn optional(&mut self) -> Option<Node> {
        self.skip_spaces();
        if self.peek() != Some('[') {
            return None;
        }
        self.at += 1;
        let mut nodes = Vec::new();
        loop {
            self.skip_spaces();
            if self.peek() == Some(']') {
                self.at += 1;
                break;
            }
            if self.at_stop(Stop::Group) {
                break;
            }
            let base = self.base();
            nodes.push(self.scripts(base));
        }
        Some(Node::Row(nodes))
    }

    fn base(&mut self) -> Node {
        let Some(c) = self.peek() else {
            return Node::Row(Vec::new());
        };
        if c == '{' {
            return self.argument();
        }
        if c == '\\' {
            return self.command();
        }
        self.at += 1;
        if c.is_ascii_digit() || (c == '.' && self.peek().is_some_and(|d| d.is_ascii_digit())) {
            let mut number = c.to_string();
            while let Some(d) = self.peek() {
                let decimal = d == '.'
                    && !number.contains('.')
                    && self
                        .chars
                        .get(self.at + 1)
                        .is_some_and(char::is_ascii_digit);
                if !(d.is_ascii_digit() || decimal) {
                    break;
                }
                number.push(d);
                self.at += 1;
            }
            return Node::Number(styled(&number, self.font));
        }
        if c.is_alphabetic() {
            if self.font == Font::Upright {
                // `\mathrm{acc}` is one upright word, not three variables.
                let mut word = c.to_string();
                while let Some(d) = self.peek().filter(|d| d.is_alphabetic()) {
                    word.push(d);
                    self.at += 1;
                }
                return Node::Ident(word, true);
            }
            return Node::Ident(styled(&c.to_string(), self.font), false);
        }
        match c {
            '-' => Node::Op("−".into(), None),
            '*' => Node::Op("∗".into(), None),
            '~' => Node::Space(0.333),
            _ => Node::Op(c.to_string(), None),
        }
    }

    fn command(&mut self) -> Node {
        let name = self.take_command();
        if let Some(width) = space(&name) {
            return Node::Space(width);
        }
        if let Some(symbol) = symbol(&name) {
            return symbol;
        }
        let fonts = [
            ("mathrm", Font::Upright),
            ("mathsf", Font::Upright),
            ("mathtt", Font::Upright),
            ("mathup", Font::Upright),
            ("mathbf", Font::Bold),
            ("boldsymbol", Font::BoldItalic),
            ("bm", Font::BoldItalic),
            ("mathbb", Font::DoubleStruck),
            ("mathcal", Font::Script),
            ("mathscr", Font::Script),
            ("mathfrak", Font::Fraktur),
            ("mathit", Font::Default),
        ];
        if let Some((_, font)) = fonts.iter().find(|(n, _)| *n == name) {
            let outer = std::mem::replace(&mut self.font, *font);
            let node = self.argument();
            self.font = outer;
            return node;
        }
        match name.as_str() {
            "frac" | "dfrac" | "tfrac" | "cfrac" => {
                let top = self.argument();
                let bottom = self.argument();
                Node::Frac(Box::new(top), Box::new(bottom), true)
            }
            "binom" | "dbinom" | "tbinom" => {
                let top = self.argument();
                let bottom = self.argument();
                let frac = Node::Frac(Box::new(top), Box::new(bottom), false);
                Node::Fenced("(".into(), vec![frac], ")".into())
            }
            "sqrt" => {
                let index = self.optional().map(Box::new);
                Node::Sqrt(Box::new(self.argument()), index)
            }
            "text" | "textrm" | "textit" | "textbf" | "textsf" | "texttt" | "mbox" | "hbox" => {
                Node::Text(self.braced_text())
            }
            "operatorname" => {
                if self.peek() == Some('*') {
                    self.at += 1;
                }
                Node::Ident(self.braced_text(), true)
            }
            "left" => {
                let open = self.delimiter();
                let inner = self.row(Stop::Right);
                let close = if self.command_at(self.at).as_deref() == Some("right") {
                    self.take_command();
                    self.delimiter()
                } else {
                    String::new()
                };
                Node::Fenced(open, inner, close)
            }
            "big" | "bigl" | "bigr" | "bigm" => self.sized(1.2),
            "Big" | "Bigl" | "Bigr" | "Bigm" => self.sized(1.8),
            "bigg" | "biggl" | "biggr" | "biggm" => self.sized(2.4),
            "Bigg" | "Biggl" | "Biggr" | "Biggm" => self.sized(3.0),
            "hat" | "widehat" => self.accent("^", true),
            "bar" | "overline" => self.accent("‾", true),
            "tilde" | "widetilde" => self.accent("~", true),
            "vec" | "overrightarrow" => self.accent("→", true),
            "dot" => self.accent("˙", true),
            "ddot" => self.accent("¨", true),
            "underline" => self.accent("_", false),
            "overset" | "stackrel" => {
                let over = self.argument();
                let base = self.argument();
                Node::Scripts {
                    base: Box::new(base),
                    sub: None,
                    sup: Some(Box::new(over)),
                    limits: true,
                }
            }
            "underset" => {
                let under = self.argument();
                let base = self.argument();
                Node::Scripts {
                    base: Box::new(base),
                    sub: Some(Box::new(under)),
                    sup: None,
                    limits: true,
                }
            }
            "color" => {
                self.braced_text();
                Node::Row(Vec::new())
            }
            "textcolor" => {
                self.braced_text();
                self.argument()
            }
            "displaystyle" | "textstyle" | "scriptstyle" | "limits" | "nolimits" | "nonumber"
            | "notag" => Node::Row(Vec::new()),
            // A line break outside an environment: MathML has none to give.
            "\\" => Node::Row(Vec::new()),
            "begin" => self.environment(),
            _ => Node::Error(format!("\\{name}")),
        }
    }

    /// `\big(` and its kin: a delimiter of a fixed height.
    fn sized(&mut self, em: f32) -> Node {
        let delimiter = self.delimiter();
        Node::Op(delimiter, Some(em))
    }

    fn accent(&mut self, mark: &'static str, over: bool) -> Node {
        Node::Accent(Box::new(self.argument()), mark, over)
    }

    /// The delimiter after `\left`, `\right` or `\big`: a character or a command; `.` is none.
    fn delimiter(&mut self) -> String {
        self.skip_spaces();
        match self.peek() {
            Some('\\') => {
                let name = self.take_command();
                match name.as_str() {
                    "{" | "lbrace" => "{".into(),
                    "}" | "rbrace" => "}".into(),
                    "|" | "Vert" | "lVert" | "rVert" => "‖".into(),
                    "vert" | "lvert" | "rvert" => "|".into(),
                    "langle" => "⟨".into(),
                    "rangle" => "⟩".into(),
                    "lfloor" => "⌊".into(),
                    "rfloor" => "⌋".into(),
                    "lceil" => "⌈".into(),
                    "rceil" => "⌉".into(),
                    "backslash" => "\\".into(),
                    _ => String::new(),
                }
            }
            Some('.') => {
                self.at += 1;
                String::new()
            }
            Some(c) => {
                self.at += 1;
                c.to_string()
            }
            None => String::new(),
        }
    }

    /// `\begin{name} a & b \\ c & d \end{name}`.
    fn environment(&mut self) -> Node {
        let name = self.braced_text();
        if name == "array" || name == "alignedat" || name == "alignat" {
            // The column spec (or column count) says nothing a browser needs.
            self.braced_text();
        }
        let mut rows = vec![vec![]];
        loop {
            let cell = self.row(Stop::Cell);
            rows.last_mut().expect("a row").push(cell);
            match (self.peek(), self.command_at(self.at).as_deref()) {
                (Some('&'), _) => self.at += 1,
                (_, Some("\\")) => {
                    self.take_command();
                    self.optional();
                    rows.push(vec![]);
                }
                (_, Some("end")) => {
                    self.take_command();
                    self.braced_text();
                    break;
                }
                // `}` or `\right` closes something outside: the environment ends here.
                _ => break,
            }
        }
        if rows.len() > 1 && rows.last().is_some_and(|r| r.iter().all(Vec::is_empty)) {
            rows.pop();
        }
        let align = match name.trim_end_matches('*') {
            "aligned" | "align" | "alignedat" | "alignat" | "split" | "eqnarray" => "aligned",
            "cases" => "cases",
            _ => "center",
        };
        let table = Node::Table(rows, align);
        let (open, close) = match name.as_str() {
            "pmatrix" => ("(", ")"),
            "bmatrix" => ("[", "]"),
            "Bmatrix" => ("{", "}"),
            "vmatrix" => ("|", "|"),
            "Vmatrix" => ("‖", "‖"),
            "cases" => ("{", ""),
            _ => return table,
        };
        Node::Fenced(open.into(), vec![table], close.into())
    }
}

/// Sums, products, limits and the like put their scripts above and below in display math.
fn takes_limits(base: &Node) -> bool {
    match base {
        Node::Op(op, None) => ["∑", "∏", "∐", "⋃", "⋂", "⋁", "⋀", "⨁", "⨂"].contains(&op.as_str()),
        Node::Ident(name, true) => matches!(
            name.as_str(),
            "lim"
                | "limsup"
                | "liminf"
                | "max"
                | "min"
                | "sup"
                | "inf"
                | "det"
                | "gcd"
                | "Pr"
                | "argmax"
                | "argmin"
        ),
        _ => false,
    }
}

fn symbol(name: &str) -> Option<Node> {
    if let Some((_, c)) = GREEK.iter().find(|(n, _)| *n == name) {
        // Capital Greek is upright, as in TeX.
        return Some(Node::Ident(c.to_string(), c.is_uppercase()));
    }
    if let Some((_, c)) = LETTERS.iter().find(|(n, _)| *n == name) {
        return Some(Node::Ident(c.to_string(), true));
    }
    if let Some((_, c)) = OPERATORS.iter().find(|(n, _)| *n == name) {
        return Some(Node::Op(c.to_string(), None));
    }
    FUNCTIONS
        .contains(&name)
        .then(|| Node::Ident(name.to_string(), true))
}
