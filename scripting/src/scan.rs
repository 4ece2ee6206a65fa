//! A forgiving scanner for partial Rhai code: completion, inspection and `is_complete` need
//! to know where identifiers, strings and comments are in code that may not parse yet
//! (Rhai's own tokenizer is private and stops at the first error).
//!
//! Positions are indices of Unicode code points, as Jupyter counts cursors.

/// What a token is; only the distinctions the front-end helpers need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Ident(String),
    Number,
    /// A string, character or back-tick literal (`closed` is false when the code ends in it).
    Str {
        closed: bool,
    },
    /// A comment (`closed` is false for a block comment still open at the end).
    Comment {
        closed: bool,
    },
    /// `::`
    PathSep,
    /// Any other single character: brackets, `.`, `;`, operators.
    Punct(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

impl Token {
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    pub fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(name) => Some(name),
            _ => None,
        }
    }

    fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Comment { .. })
    }
}

/// Rhai identifiers are ASCII (without its `unicode-xid-ident` feature).
pub fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Split code into tokens; never fails.
pub fn tokens(chars: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            Kind::Comment { closed: true }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            // Rhai's block comments nest.
            let mut depth = 0;
            let mut closed = false;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        closed = true;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            Kind::Comment { closed }
        } else if c == '"' || c == '\'' || c == '`' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                if chars[i] == '\\' && c != '`' {
                    i += 2;
                } else if chars[i] == c {
                    i += 1;
                    closed = true;
                    break;
                } else {
                    i += 1;
                }
            }
            i = i.min(chars.len());
            Kind::Str { closed }
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            Kind::Number
        } else if is_ident_start(c) {
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            Kind::Ident(chars[start..i].iter().collect())
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
            Kind::PathSep
        } else {
            i += 1;
            Kind::Punct(c)
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// Tokens without comments.
pub fn code_tokens(chars: &[char]) -> Vec<Token> {
    tokens(chars)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect()
}

/// Whether the code ends inside a string or comment that is still open (or inside a line
/// comment), so the cursor at the end is not in code.
pub fn ends_outside_code(chars: &[char]) -> bool {
    match tokens(chars).last() {
        Some(Token {
            kind: Kind::Str { closed: false } | Kind::Comment { closed: false },
            ..
        }) => true,
        Some(Token {
            kind: Kind::Comment { closed: true },
            start,
            ..
        }) => chars.get(*start + 1) == Some(&'/') && !chars.ends_with(&['\n']),
        _ => false,
    }
}

/// Whether the code ends inside a string or block comment that is still open.
pub fn ends_in_open_literal(chars: &[char]) -> bool {
    matches!(
        tokens(chars).last(),
        Some(Token {
            kind: Kind::Str { closed: false } | Kind::Comment { closed: false },
            ..
        })
    )
}

/// How many `{ ( [` are still open at the end.
pub fn open_depth(chars: &[char]) -> usize {
    let mut depth: isize = 0;
    for t in code_tokens(chars) {
        match t.kind {
            Kind::Punct('{' | '(' | '[') => depth += 1,
            Kind::Punct('}' | ')' | ']') => depth -= 1,
            _ => {}
        }
    }
    depth.max(0) as usize
}

/// Names the code binds with `let`, `const`, `fn` (name and parameters), `for` and closure
/// parameters, in order of appearance.
pub fn bound_names(chars: &[char]) -> Vec<String> {
    let toks = code_tokens(chars);
    let mut names = Vec::new();
    let mut in_params = false;
    let mut in_closure = false;
    for (i, t) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        if let Some(name) = t.ident() {
            let after = prev.and_then(Token::ident);
            let binds =
                matches!(after, Some("let" | "const" | "fn" | "for")) || in_params || in_closure;
            if binds && !is_keyword(name) {
                names.push(name.to_string());
            }
        } else if t.is_punct('(') {
            // `fn name(params)` and `for (item, index) in ...`
            let after_fn_name = i >= 2 && toks[i - 2].ident() == Some("fn");
            in_params = after_fn_name || prev.and_then(Token::ident) == Some("for");
        } else if t.is_punct(')') {
            in_params = false;
        } else if t.is_punct('|') {
            // `|a, b|` opens a closure's parameters where an expression may start.
            let starts_expr = prev
                .is_none_or(|p| matches!(p.kind, Kind::Punct('=' | '(' | ',' | '{' | ';' | '[')));
            in_closure = !in_closure && starts_expr;
        }
    }
    names
}

/// Rhai's reserved words and keyword-like functions.
pub const KEYWORDS: &[&str] = &[
    "as",
    "break",
    "catch",
    "const",
    "continue",
    "do",
    "else",
    "export",
    "false",
    "fn",
    "for",
    "global",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "private",
    "return",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "until",
    "while",
    "Fn",
    "call",
    "curry",
    "eval",
    "is_def_fn",
    "is_def_var",
    "is_shared",
    "type_of",
    "print",
    "debug",
];

pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn strings_comments_and_numbers_are_single_tokens() {
        let t = tokens(&chars("a.b(\"x.y\", 1.5) // c.d\n/* /* n */ */ 'q'"));
        let kinds: Vec<Kind> = t.into_iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Ident("a".into()),
                Kind::Punct('.'),
                Kind::Ident("b".into()),
                Kind::Punct('('),
                Kind::Str { closed: true },
                Kind::Punct(','),
                Kind::Number,
                Kind::Punct(')'),
                Kind::Comment { closed: true },
                Kind::Comment { closed: true },
                Kind::Str { closed: true },
            ]
        );
    }

    #[test]
    fn open_strings_and_comments_are_noticed() {
        assert!(ends_outside_code(&chars("let s = \"ab")));
        assert!(ends_outside_code(&chars("x // note")));
        assert!(ends_outside_code(&chars("/* /* */")));
        assert!(!ends_outside_code(&chars("x // note\ny")));
        assert!(!ends_outside_code(&chars("\"done\" + ")));
    }

    #[test]
    fn bound_names_in_order() {
        let code = "let a = 1; const B = 2; fn f(x, y) { for i in x {} }\nlet g = |p, q| p; for (k, v) in m {}";
        assert_eq!(
            bound_names(&chars(code)),
            vec!["a", "B", "f", "x", "y", "i", "g", "p", "q", "k", "v"]
        );
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(open_depth(&chars("f(\"(\", [1, {")), 3);
        assert_eq!(open_depth(&chars("}")), 0);
    }
}
