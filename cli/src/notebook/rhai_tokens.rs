//! A small Rhai tokenizer: enough to colour code cells in the HTML report and to read the
//! names a `parameters` cell sets. It never fails; what it does not know is `Other`.

/// What a piece of source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    Literal,
    String,
    Comment,
    Number,
    Identifier,
    Whitespace,
    Other,
}

/// A token: its kind and its text, a slice of the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "switch", "do", "while", "until", "loop", "for", "in",
    "continue", "break", "return", "throw", "try", "catch", "import", "export", "as", "global",
    "private", "this",
];
const LITERALS: &[&str] = &["true", "false"];

/// The source cut into tokens; their texts joined give the source back.
pub fn tokens(source: &str) -> Vec<Token<'_>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (kind, end) = next_token(source, at);
        // Every branch consumes at least one character.
        let end = end.max(at + char_len(source, at));
        out.push(Token {
            kind,
            text: &source[at..end],
        });
        at = end;
    }
    out
}

fn next_token(source: &str, at: usize) -> (Kind, usize) {
    let bytes = source.as_bytes();
    let rest = &source[at..];
    let c = rest.chars().next().expect("not at the end");
    if c.is_whitespace() {
        let len = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        return (Kind::Whitespace, at + len);
    }
    if rest.starts_with("//") {
        return (Kind::Comment, at + rest.find('\n').unwrap_or(rest.len()));
    }
    if rest.starts_with("/*") {
        return (Kind::Comment, block_comment_end(source, at));
    }
    match c {
        '"' | '\'' => return (Kind::String, quoted_end(source, at, c)),
        '`' => return (Kind::String, backtick_end(source, at)),
        _ => {}
    }
    if c.is_ascii_digit() {
        return (Kind::Number, number_end(bytes, at));
    }
    if c.is_alphabetic() || c == '_' {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let kind = if KEYWORDS.contains(&word) {
            Kind::Keyword
        } else if LITERALS.contains(&word) {
            Kind::Literal
        } else {
            Kind::Identifier
        };
        return (kind, at + len);
    }
    (Kind::Other, at + c.len_utf8())
}

fn char_len(source: &str, at: usize) -> usize {
    source[at..].chars().next().map_or(1, char::len_utf8)
}

/// Block comments nest in Rhai.
fn block_comment_end(source: &str, start: usize) -> usize {
    let bytes = source.as_bytes();
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    source.len()
}

/// A `"..."` string or a `'c'` character, with backslash escapes; unterminated runs to the
/// end of the line.
fn quoted_end(source: &str, start: usize, quote: char) -> usize {
    let bytes = source.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if quote == '\'' => return i,
            b if b == quote as u8 => return i + 1,
            _ => i += 1,
        }
    }
    source.len()
}

/// A `` `...` `` string, whose `${...}` parts may hold code with strings of their own.
fn backtick_end(source: &str, start: usize) -> usize {
    let bytes = source.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => return i + 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = interpolation_end(source, i + 2),
            _ => i += 1,
        }
    }
    source.len()
}

/// The end of a `${...}` whose body starts at `start`: just past its closing brace.
fn interpolation_end(source: &str, start: usize) -> usize {
    let mut depth = 1;
    let mut i = start;
    while i < source.len() {
        let (kind, end) = next_token(source, i);
        if kind == Kind::Other {
            match &source[i..end] {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if depth == 0 {
                        return end;
                    }
                }
                _ => {}
            }
        }
        i = end.max(i + char_len(source, i));
    }
    source.len()
}

/// Decimal, hex, octal or binary integers and floats with an exponent; `_` separates digits.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    let radix = bytes.get(start + 1).map(u8::to_ascii_lowercase);
    if bytes[start] == b'0' && matches!(radix, Some(b'x' | b'o' | b'b')) {
        i += 2;
        while i < bytes.len() && (bytes[i].is_ascii_hexdigit() || bytes[i] == b'_') {
            i += 1;
        }
        return i;
    }
    let digits = |mut i: usize| {
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        i
    };
    i = digits(i);
    // `1.5` is a float, `1..5` a range and `x.1.len()` no float at all.
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

/// The names a cell sets with `let` or `const`, in order, each once.
pub fn defined_names(source: &str) -> Vec<String> {
    let code: Vec<Token> = tokens(source)
        .into_iter()
        .filter(|t| !matches!(t.kind, Kind::Whitespace | Kind::Comment))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for pair in code.windows(2) {
        let declares = pair[0].kind == Kind::Keyword && matches!(pair[0].text, "let" | "const");
        if declares && pair[1].kind == Kind::Identifier && !names.iter().any(|n| n == pair[1].text)
        {
            names.push(pair[1].text.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(Kind, &str)> {
        tokens(source)
            .into_iter()
            .filter(|t| t.kind != Kind::Whitespace)
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn keywords_strings_comments_and_numbers_are_told_apart() {
        use Kind::*;
        assert_eq!(
            kinds("let x = 1.5e-3; // note\nif x > 0x1F { print(\"a \\\" b\") } /* a /* b */ c */"),
            vec![
                (Keyword, "let"),
                (Identifier, "x"),
                (Other, "="),
                (Number, "1.5e-3"),
                (Other, ";"),
                (Comment, "// note"),
                (Keyword, "if"),
                (Identifier, "x"),
                (Other, ">"),
                (Number, "0x1F"),
                (Other, "{"),
                (Identifier, "print"),
                (Other, "("),
                (String, "\"a \\\" b\""),
                (Other, ")"),
                (Other, "}"),
                (Comment, "/* a /* b */ c */"),
            ]
        );
        assert_eq!(kinds("true"), vec![(Literal, "true")]);
        assert_eq!(
            kinds("0..5"),
            vec![(Number, "0"), (Other, "."), (Other, "."), (Number, "5")]
        );
    }

    #[test]
    fn an_interpolated_string_is_one_token_even_with_strings_inside() {
        let source = "print(`a ${ `b ${x}` + \"}\" } c`); y";
        let strings: Vec<_> = kinds(source)
            .into_iter()
            .filter(|(k, _)| *k == Kind::String)
            .collect();
        assert_eq!(strings, vec![(Kind::String, "`a ${ `b ${x}` + \"}\" } c`")]);
    }

    #[test]
    fn the_tokens_give_the_source_back_even_when_unterminated() {
        for source in [
            "let s = \"open",
            "/* open",
            "`a ${ b",
            "x = 'é",
            "1e",
            "ünï + 2",
        ] {
            let joined: String = tokens(source).iter().map(|t| t.text).collect();
            assert_eq!(joined, source);
        }
    }

    #[test]
    fn a_parameters_cell_defines_its_let_and_const_names() {
        let cell = "let n_seeds = 5;     // let hidden = 1\nconst EPOCHS = 30; let aux_coef = 0.5;\nlet n_seeds = 6;\nlet s = \"let fake = 2\";";
        assert_eq!(
            defined_names(cell),
            vec!["n_seeds", "EPOCHS", "aux_coef", "s"]
        );
    }
}
