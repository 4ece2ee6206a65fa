//! An `lf("...")` rule set read from its text: rules separated by `;`, each `cond => class`.
//! A rule's condition is comparisons of columns with values, joined by `and` and `or` (`and`
//! binds tighter), negated by `not`, grouped by parentheses. A condition becomes the rules' own form, a disjunction of conjunctions of
//! comparisons: each conjunction is one rule with the rule's vote.
//!
//! ```text
//! rules   := rule (';' rule)*          rule := cond '=>' class
//! cond    := conj ('or' conj)*
//! conj    := unary ('and' unary)*
//! unary   := 'not' unary | '(' cond ')' | test
//! test    := target op value | target word quoted | target ['not'] 'in' '[' value (',' value)* ']'
//! target  := column | lower(column) | upper(column) | len(column) | len(lower(column)) ...
//! op      := > >= < <= == !=      word := contains | starts_with | ends_with | matches
//! value   := number | 'text' | "text"
//! ```

use super::label_matrix::ABSTAIN;
use super::pattern::compiled;
use super::rules::{both, one_of, Cond, Fold, Literal, Op, Rule, Rules};
use crate::error::Error;

/// The most rules one rule's text may expand to (each item of an `in` list, and each side of
/// an `or`, is one): past it, a `lf` would run hundreds of passes over every row.
pub const MOST_RULES: usize = 256;

const OPS: [(&str, Op); 6] = [
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">", Op::Gt),
    ("<", Op::Lt),
];

const WORDS: [(&str, Op); 4] = [
    ("contains", Op::Contains),
    ("starts_with", Op::StartsWith),
    ("ends_with", Op::EndsWith),
    ("matches", Op::Matches),
];

const EXPECTED_OP: &str = "expected `column > value` (> >= < <= == !=), `column contains 'word'` \
     (or starts_with, ends_with, matches) or `column in [value, ...]`";

/// The rule set of `lf(source)`: rules separated by `;`, each `condition => class`.
pub fn parse_rules(source: &str) -> crate::error::Result<Rules> {
    let fail = |m: String| Error::options(format!("lf(\"{source}\"): {m}"));
    let mut rules = Vec::new();
    let texts = split_outside_quotes(source, ";");
    for text in texts.into_iter().map(str::trim).filter(|t| !t.is_empty()) {
        let (conds, vote) = match split_outside_quotes(text, "=>")[..] {
            [conds, vote] => (conds, vote),
            [_] => return Err(fail(format!("rule '{text}' has no '=> class'"))),
            _ => return Err(fail(format!("rule '{text}' has more than one '=>'"))),
        };
        let vote: i64 = vote.trim().parse().map_err(|_| {
            fail(format!(
                "rule '{text}' votes '{}', not a class (an int, -1 to abstain)",
                vote.trim()
            ))
        })?;
        if vote < ABSTAIN {
            return Err(fail(format!("rule '{text}' votes {vote}, below -1")));
        }
        let conds = conds.trim();
        let alternatives = conditions(conds).map_err(|m| fail(format!("in '{conds}': {m}")))?;
        rules.extend(alternatives.into_iter().map(|conds| Rule { conds, vote }));
    }
    if rules.is_empty() {
        return Err(fail("no rules (write e.g. \"stars > 3 => 1\")".into()));
    }
    Ok(Rules {
        source: source.trim().to_string(),
        rules,
    })
}

/// `text` split on `sep` where it stands outside quotes, so a quoted word or pattern may hold
/// `;`, `=>` or ` and `.
fn split_outside_quotes<'a>(text: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (0, None);
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if text[i..].starts_with(sep) => {
                parts.push(&text[start..i]);
                start = i + sep.len();
                // Past the separator (its first char is already consumed).
                for _ in 1..sep.chars().count() {
                    chars.next();
                }
            }
            None => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `text` (the part of a rule before `=>`) as conjunctions of comparisons, any one of which
/// makes the rule hold; or what is wrong with it.
fn conditions(text: &str) -> Result<Vec<Vec<Cond>>, String> {
    let tokens = tokens(text)?;
    let mut p = Parser { tokens, at: 0 };
    let node = p.or()?;
    if let Some(t) = p.peek() {
        return Err(format!(
            "expected `and`, `or` or `=>` before {}",
            p.describe(t)
        ));
    }
    let out = dnf(&node, false);
    if out.len() > MOST_RULES {
        return Err(format!(
            "it expands to more than {MOST_RULES} rules (each side of an `or` and each item \
             of an `in` list is one)"
        ));
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token<'a> {
    /// A column name or a keyword.
    Word(&'a str),
    /// A number as written (read by [`literal`]).
    Number(&'a str),
    /// The inside of a quoted string.
    Quoted(&'a str),
    /// An operator or punctuation, or any other character (the parser says what it expected).
    Symbol(&'a str),
}

fn tokens(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while let Some(c) = rest.chars().next() {
        let (token, len) = if c == '\'' || c == '"' {
            let end = rest[1..]
                .find(c)
                .ok_or_else(|| format!("the quote in {rest} is not closed"))?;
            (Token::Quoted(&rest[1..1 + end]), end + 2)
        } else if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (Token::Word(&rest[..len]), len)
        } else if starts_number(rest) {
            let len = number_len(rest);
            (Token::Number(&rest[..len]), len)
        } else if let Some(&(sym, _)) = OPS.iter().find(|(s, _)| rest.starts_with(s)) {
            (Token::Symbol(sym), sym.len())
        } else {
            (Token::Symbol(&rest[..c.len_utf8()]), c.len_utf8())
        };
        out.push(token);
        rest = rest[len..].trim_start();
    }
    Ok(out)
}

fn starts_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let s = s.strip_prefix('.').unwrap_or(s);
    s.starts_with(|c: char| c.is_ascii_digit())
}

/// The length of the number at the start of `s`: a sign, then digits, letters, `_` and `.`,
/// and a sign right after an exponent's `e`.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        let c = b[i];
        let exponent_sign = (c == b'-' || c == b'+') && matches!(b[i - 1], b'e' | b'E');
        if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign) {
            break;
        }
        i += 1;
    }
    i
}

/// A number or a quoted string, as a rule compares with it.
fn literal(text: &str) -> Result<Literal, String> {
    for q in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return Ok(Literal::Text(text[1..text.len() - 1].to_string()));
        }
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Literal::Int(i));
    }
    if let Ok(f) = text.parse::<f64>() {
        return Ok(Literal::Float(f));
    }
    Err(format!("'{text}' is neither a number nor a quoted string"))
}

/// A condition as read, before negations are pushed down to its comparisons.
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Test(Cond),
    /// The target equals one of the values.
    In(Cond, Vec<Literal>),
}

/// A condition (its negation when `negated`) as a disjunction of conjunctions; a negation is
/// pushed down to the comparisons (`not (a and b)` is `not a or not b`), where it stays a
/// negation rather than the opposite operator, so a NaN compares as Rhai's `!(x > 1)` does.
fn dnf(node: &Node, negated: bool) -> Vec<Vec<Cond>> {
    match node {
        Node::And(parts) if !negated => product(parts, negated),
        Node::Or(parts) if negated => product(parts, negated),
        Node::And(parts) | Node::Or(parts) => parts.iter().flat_map(|p| dnf(p, negated)).collect(),
        Node::Not(inner) => dnf(inner, !negated),
        Node::Test(cond) => vec![vec![Cond {
            negate: cond.negate != negated,
            ..cond.clone()
        }]],
        Node::In(target, items) => one_of(items.clone(), negated, |value, negate| Cond {
            op: Op::Eq,
            value,
            negate,
            ..target.clone()
        }),
    }
}

/// Every part must hold: each conjunction of one part joined with each of the others'.
fn product(parts: &[Node], negated: bool) -> Vec<Vec<Cond>> {
    let mut acc: Vec<Vec<Cond>> = vec![Vec::new()];
    for p in parts {
        acc = both(&acc, &dnf(p, negated));
        if acc.len() > MOST_RULES {
            // Past the cap already; the caller reports it.
            break;
        }
    }
    acc
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.at).copied()
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let t = self.peek();
        self.at += 1;
        t
    }

    /// Takes the token if it is `t`.
    fn eat(&mut self, t: Token) -> bool {
        let found = self.peek() == Some(t);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, sym: &str, after: &str) -> Result<(), String> {
        match self.next() {
            Some(Token::Symbol(s)) if s == sym => Ok(()),
            Some(t) => Err(format!(
                "expected '{sym}' after {after}, found {}",
                self.describe(t)
            )),
            None => Err(format!("expected '{sym}' after {after}")),
        }
    }

    fn describe(&self, t: Token) -> String {
        match t {
            Token::Quoted(q) => format!("'{q}'"),
            Token::Word(s) | Token::Number(s) | Token::Symbol(s) => format!("'{s}'"),
        }
    }

    fn or(&mut self) -> Result<Node, String> {
        self.joined("or", Self::and, Node::Or)
    }

    fn and(&mut self) -> Result<Node, String> {
        self.joined("and", Self::unary, Node::And)
    }

    /// `part (word part)*`: the part alone when there is no `word`, else `join` of them all.
    fn joined(
        &mut self,
        word: &str,
        part: fn(&mut Self) -> Result<Node, String>,
        join: fn(Vec<Node>) -> Node,
    ) -> Result<Node, String> {
        let mut parts = vec![part(self)?];
        while self.eat(Token::Word(word)) {
            parts.push(part(self)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            join(parts)
        })
    }

    fn unary(&mut self) -> Result<Node, String> {
        if self.eat(Token::Word("not")) {
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        if self.eat(Token::Symbol("(")) {
            let inner = self.or()?;
            self.expect(")", "a condition in parentheses")?;
            return Ok(inner);
        }
        self.test()
    }

    fn test(&mut self) -> Result<Node, String> {
        let target = self.target()?;
        let shown = shown_target(&target);
        let negated_in = self.peek() == Some(Token::Word("not"))
            && self.tokens.get(self.at + 1) == Some(&Token::Word("in"));
        if negated_in {
            self.at += 1;
        }
        if self.eat(Token::Word("in")) {
            let items = self.list(&shown)?;
            let node = Node::In(target, items);
            return Ok(if negated_in {
                Node::Not(Box::new(node))
            } else {
                node
            });
        }
        let op = match self.next() {
            Some(Token::Symbol(s)) => OPS.iter().find(|(sym, _)| *sym == s).map(|&(_, op)| op),
            Some(Token::Word(w)) => WORDS.iter().find(|(word, _)| *word == w).map(|&(_, op)| op),
            _ => None,
        };
        let Some(op) = op else {
            return Err(match self.tokens.get(self.at - 1) {
                Some(Token::Word(w)) if !target.length && target.fold == Fold::None => {
                    format!("'{shown} {w}' is not a column name")
                }
                _ => format!("{EXPECTED_OP} after '{shown}'"),
            });
        };
        let value = self.value()?;
        check(&target, op, &value)?;
        Ok(Node::Test(Cond {
            op,
            value,
            ..target
        }))
    }

    /// A column, optionally case-folded, or the length of one.
    fn target(&mut self) -> Result<Cond, String> {
        let mut cond = Cond {
            column: String::new(),
            op: Op::Eq,
            value: Literal::Int(0),
            negate: false,
            fold: Fold::None,
            length: false,
        };
        let call = |p: &Self, name: &str| {
            p.peek() == Some(Token::Word(name))
                && p.tokens.get(p.at + 1) == Some(&Token::Symbol("("))
        };
        let mut closing = 0;
        if call(self, "len") {
            self.at += 2;
            cond.length = true;
            closing += 1;
        }
        for (name, fold) in [("lower", Fold::Lower), ("upper", Fold::Upper)] {
            if call(self, name) {
                self.at += 2;
                cond.fold = fold;
                closing += 1;
                break;
            }
        }
        cond.column = match self.next() {
            Some(Token::Word(w)) => w.to_string(),
            Some(t) => return Err(format!("{} is not a column name", self.describe(t))),
            None => return Err("a condition is missing (write e.g. \"stars > 3\")".into()),
        };
        for _ in 0..closing {
            self.expect(")", &format!("'{}'", cond.column))?;
        }
        Ok(cond)
    }

    fn value(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Token::Number(n)) => literal(n),
            Some(Token::Quoted(q)) => Ok(Literal::Text(q.to_string())),
            Some(t) => Err(format!(
                "{} is neither a number nor a quoted string",
                self.describe(t)
            )),
            None => Err("a value is missing at the end".into()),
        }
    }

    /// `[value, ...]`, after `in`.
    fn list(&mut self, target: &str) -> Result<Vec<Literal>, String> {
        self.expect("[", &format!("'{target} in'"))?;
        let mut items = Vec::new();
        while !self.eat(Token::Symbol("]")) {
            items.push(self.value()?);
            if !self.eat(Token::Symbol(",")) {
                self.expect("]", "a value of the list")?;
                break;
            }
        }
        if items.is_empty() {
            return Err(format!("'{target} in []': the list is empty"));
        }
        Ok(items)
    }
}

/// How the target was written, for errors.
fn shown_target(t: &Cond) -> String {
    let folded = match t.fold {
        Fold::None => t.column.clone(),
        Fold::Lower => format!("lower({})", t.column),
        Fold::Upper => format!("upper({})", t.column),
    };
    if t.length {
        format!("len({folded})")
    } else {
        folded
    }
}

/// Whether `value` is the kind of value `op` takes on this target (columns' kinds are
/// checked when the rules meet the rows).
fn check(target: &Cond, op: Op, value: &Literal) -> Result<(), String> {
    let number = matches!(value, Literal::Int(_) | Literal::Float(_));
    if target.length && (op.is_word() || !number) {
        return Err(format!(
            "`{}` compares with a number (> >= < <= == !=)",
            shown_target(target)
        ));
    }
    match (value, op) {
        (Literal::Text(pattern), Op::Matches) => compiled(pattern).map(drop),
        (_, Op::Matches) => Err("`matches` needs a quoted regular expression".into()),
        _ if number && op.is_word() => Err(format!("`{}` needs a quoted word", op.text())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each conjunction as `column op value` texts, `!` before a negated one.
    fn read(text: &str) -> Vec<Vec<String>> {
        conditions(text)
            .unwrap()
            .iter()
            .map(|conj| {
                conj.iter()
                    .map(|c| {
                        let target = shown_target(c);
                        let neg = if c.negate { "!" } else { "" };
                        format!("{neg}{target} {:?} {:?}", c.op, c.value)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            read("a > 1 and b < 2 or c == 'x'"),
            vec![vec!["a Gt Int(1)", "b Lt Int(2)"], vec!["c Eq Text(\"x\")"]]
        );
        assert_eq!(
            read("a > 1 and (b < 2 or c == 'x')"),
            vec![
                vec!["a Gt Int(1)", "b Lt Int(2)"],
                vec!["a Gt Int(1)", "c Eq Text(\"x\")"]
            ]
        );
    }

    #[test]
    fn not_is_pushed_down_to_the_comparisons() {
        assert_eq!(
            read("not (a > 1 or t contains 'x')"),
            vec![vec!["!a Gt Int(1)", "!t Contains Text(\"x\")"]]
        );
        assert_eq!(
            read("not (a > 1 and not b <= -2.5)"),
            vec![vec!["!a Gt Int(1)"], vec!["b Le Float(-2.5)"]]
        );
    }

    #[test]
    fn in_lists_are_one_equality_per_item_and_not_in_is_equal_to_none() {
        assert_eq!(
            read("genre in ['jazz', \"folk\"]"),
            vec![
                vec!["genre Eq Text(\"jazz\")"],
                vec!["genre Eq Text(\"folk\")"]
            ]
        );
        assert_eq!(
            read("stars not in [1, 2,]"),
            vec![vec!["!stars Eq Int(1)", "!stars Eq Int(2)"]]
        );
    }

    #[test]
    fn lengths_and_case_folds_wrap_the_column() {
        assert_eq!(
            read("len(text) < 20 and lower(text) contains 'great' and len(upper(t)) >= 1e2"),
            vec![vec![
                "len(text) Lt Int(20)",
                "lower(text) Contains Text(\"great\")",
                "len(upper(t)) Ge Float(100.0)"
            ]]
        );
        // Named like the functions but not called: columns.
        assert_eq!(read("len > 3"), vec![vec!["len Gt Int(3)"]]);
    }

    #[test]
    fn quoted_values_keep_what_they_hold() {
        assert_eq!(
            read("t == 'a and (b' or t contains \"it's\""),
            vec![
                vec!["t Eq Text(\"a and (b\")"],
                vec!["t Contains Text(\"it's\")"]
            ]
        );
    }

    #[test]
    fn malformed_conditions_say_what_is_wrong() {
        for (text, says) in [
            ("stars", "expected `column > value`"),
            (
                "(stars > 3",
                "expected ')' after a condition in parentheses",
            ),
            ("stars > 3 4", "expected `and`, `or` or `=>` before '4'"),
            ("stars in 3", "expected '[' after 'stars in'"),
            ("stars in []", "the list is empty"),
            ("stars in [1 2]", "expected ']' after a value of the list"),
            (
                "len(text) contains 'x'",
                "`len(text)` compares with a number",
            ),
            ("len(text) > 'x'", "`len(text)` compares with a number"),
            ("len(text > 3", "expected ')' after 'text'"),
            ("t == 'open", "is not closed"),
            ("stars >", "a value is missing"),
            ("> 3", "'>' is not a column name"),
            ("a > 1 and", "a condition is missing"),
        ] {
            let e = conditions(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
        let many = format!(
            "a in [{}] and b in [1, 2]",
            (0..200)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let e = conditions(&many).unwrap_err();
        assert!(e.contains("expands to more than 256 rules"), "{e}");
    }
}
