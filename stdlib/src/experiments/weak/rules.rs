//! Labelling functions written as rules on columns, `lf("stars > 3 => 1; stars < 2 => 0")`:
//! each rule is a conjunction of comparisons that votes a class, the first rule that holds
//! votes, and a row no rule holds for abstains. A rule set labels whole columns at once
//! (one compiled test per comparison, no lookups per row), instead of one interpreted call
//! per row.
//!
//! Rules come from text (`lf("...")`, read by [`super::rule_text`]: a condition joined by
//! `and`, `or` and `not` becomes one rule per alternative) or from closures read as rules
//! ([`super::compile`]), which give the same conditions.

use super::label_matrix::ABSTAIN;
use super::pattern::compiled;
use crate::error::{Error, Result};
use ladder_scripting::rhai::ImmutableString;
use regex::Regex;
use std::cmp::Ordering;
use std::sync::Arc;

/// A value a column is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
    Contains,
    StartsWith,
    EndsWith,
    /// A regular expression matches somewhere in the text.
    Matches,
}

impl Op {
    /// The operator as `lf()` writes it.
    pub fn text(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::Matches => "matches",
        }
    }

    /// The operators that test a text for a word (or pattern) rather than compare two values.
    pub fn is_word(self) -> bool {
        matches!(
            self,
            Op::Contains | Op::StartsWith | Op::EndsWith | Op::Matches
        )
    }
}

/// A case fold applied to a text column before the test: Rhai's `to_lower()` / `to_upper()`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Fold {
    #[default]
    None,
    Lower,
    Upper,
}

impl Fold {
    /// The text as Rhai's `to_lower` / `to_upper` make it (with their shortcut, so the result
    /// is theirs even for characters whose case mapping is not one to one).
    fn apply(self, s: &str) -> std::borrow::Cow<'_, str> {
        match self {
            Fold::None => s.into(),
            Fold::Lower if s.is_empty() || s.chars().all(char::is_lowercase) => s.into(),
            Fold::Lower => s.to_lowercase().into(),
            Fold::Upper if s.chars().all(char::is_uppercase) => s.into(),
            Fold::Upper => s.to_uppercase().into(),
        }
    }
}

/// One comparison of a column (case-folded by `fold`, texts only) with a literal; `negate`
/// makes it hold where the comparison does not; `length` compares a text's length in
/// characters (Rhai's `len()`) instead of the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub column: String,
    pub op: Op,
    pub value: Literal,
    pub negate: bool,
    pub fold: Fold,
    pub length: bool,
}

/// Conditions that must all hold for the rule to vote `vote`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub conds: Vec<Cond>,
    pub vote: i64,
}

/// A labelling function made of rules; `source` is its text (its default name).
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub source: String,
    pub rules: Vec<Rule>,
}

/// One column of the rows, as the rules read it. Ints and floats mixed in a column are all
/// floats, as Rhai compares an int with a float.
pub enum Column {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<ImmutableString>),
}

impl Column {
    pub fn kind(&self) -> &'static str {
        match self {
            Column::Int(_) | Column::Float(_) => "numbers",
            Column::Text(_) => "strings",
        }
    }
}

impl Rules {
    /// Every column the rules read, each once, in order of first use.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.rules.iter().flat_map(|r| &r.conds) {
            if !out.contains(&c.column.as_str()) {
                out.push(&c.column);
            }
        }
        out
    }

    /// The votes on `n` rows; `column` gives the column of a name (every name in
    /// [`Rules::columns`] must resolve). A comparison whose column holds the wrong kind of
    /// value fails, naming the rule and the column.
    pub fn votes<'a>(&'a self, n: usize, column: impl Fn(&str) -> &'a Column) -> Result<Vec<i64>> {
        Ok(self.bind(column)?.votes(n))
    }

    /// The rules with each comparison tied to its column's values, so a row's vote needs no
    /// lookups; fails as [`Rules::votes`] does.
    pub fn bind<'a>(&'a self, column: impl Fn(&str) -> &'a Column) -> Result<Bound<'a>> {
        let rules = self
            .rules
            .iter()
            .map(|rule| {
                let tests = rule
                    .conds
                    .iter()
                    .map(|cond| Ok((self.test(cond, column(&cond.column))?, cond.negate)))
                    .collect::<Result<_>>()?;
                Ok((tests, rule.vote))
            })
            .collect::<Result<_>>()?;
        Ok(Bound { rules })
    }

    fn test<'a>(&self, cond: &'a Cond, col: &'a Column) -> Result<Test<'a>> {
        let wrong = || {
            Error::data(format!(
                "lf(\"{}\"): column '{}' holds {}, which {} cannot compare with {}",
                self.source,
                cond.column,
                col.kind(),
                cond.op.text(),
                literal_text(&cond.value)
            ))
        };
        if (cond.fold != Fold::None || cond.length) && !matches!(col, Column::Text(_)) {
            return Err(wrong());
        }
        if cond.length {
            return match (col, &cond.value) {
                (Column::Text(v), Literal::Int(_) | Literal::Float(_)) if !cond.op.is_word() => {
                    Ok(Test::Length(v, cond.op, cond.value.clone(), cond.fold))
                }
                _ => Err(wrong()),
            };
        }
        Ok(match (col, &cond.value, cond.op) {
            (Column::Text(v), Literal::Text(pattern), Op::Matches) => {
                let re = compiled(pattern)
                    .map_err(|m| Error::options(format!("lf(\"{}\"): {m}", self.source)))?;
                Test::Pattern(v, re, cond.fold)
            }
            (Column::Text(v), Literal::Text(word), op) if op.is_word() => {
                Test::Word(v, op, word, cond.fold)
            }
            (_, _, op) if op.is_word() => return Err(wrong()),
            (Column::Text(v), Literal::Text(t), op) => Test::Text(v, op, t, cond.fold),
            (Column::Int(v), Literal::Int(x), op) => Test::Int(v, op, *x),
            (Column::Int(v), Literal::Float(x), op) => Test::IntFloat(v, op, *x),
            (Column::Float(v), Literal::Int(x), op) => Test::Float(v, op, *x as f64),
            (Column::Float(v), Literal::Float(x), op) => Test::Float(v, op, *x),
            _ => return Err(wrong()),
        })
    }
}

/// Two conditions, each a disjunction of conjunctions, that must both hold: each conjunction
/// of `a` joined with each of `b`'s.
pub fn both(a: &[Vec<Cond>], b: &[Vec<Cond>]) -> Vec<Vec<Cond>> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| x.iter().chain(y).cloned().collect()))
        .collect()
}

/// `field in items` (its negation when `negated`: equal to none of them) as conjunctions: one
/// equality per item, or every item's equality negated in one. `equal(v, negate)` is the
/// field's equality with `v`.
pub fn one_of(
    items: Vec<Literal>,
    negated: bool,
    equal: impl Fn(Literal, bool) -> Cond,
) -> Vec<Vec<Cond>> {
    if negated {
        vec![items.into_iter().map(|v| equal(v, true)).collect()]
    } else {
        items.into_iter().map(|v| vec![equal(v, false)]).collect()
    }
}

/// Rules tied to their columns ([`Rules::bind`]).
pub struct Bound<'a> {
    /// Each rule's tests (with whether each is negated) and its vote.
    rules: Vec<(Vec<(Test<'a>, bool)>, i64)>,
}

/// Rows labelled together: each comparison runs over a block in one tight loop (the
/// numeric ones vectorise) instead of being dispatched row by row, and a block's masks and
/// votes stay in the cache.
pub const BLOCK: usize = 4096;

impl Bound<'_> {
    /// The votes of rows `0..n`: each row's is that of the first rule whose comparisons all
    /// hold, else abstain.
    pub fn votes(&self, n: usize) -> Vec<i64> {
        let mut out = vec![ABSTAIN; n];
        for (b, block) in out.chunks_mut(BLOCK).enumerate() {
            self.votes_into(b * BLOCK, block);
        }
        out
    }

    /// The votes of rows `start..start + out.len()` (at most [`BLOCK`] rows) into `out`.
    pub fn votes_into(&self, start: usize, out: &mut [i64]) {
        let len = out.len();
        let mut undecided = [true; BLOCK];
        let mut holds = [true; BLOCK];
        let undecided = &mut undecided[..len];
        let holds = &mut holds[..len];
        out.fill(ABSTAIN);
        for (tests, vote) in &self.rules {
            holds.copy_from_slice(undecided);
            for (t, negate) in tests {
                if *negate {
                    // Apart, so that the common test's loop does no more work.
                    let mut found = [true; BLOCK];
                    let found = &mut found[..len];
                    t.and_into(start, found);
                    for (h, f) in holds.iter_mut().zip(found.iter()) {
                        *h &= !*f;
                    }
                } else {
                    t.and_into(start, holds);
                }
            }
            for ((v, h), u) in out.iter_mut().zip(holds.iter()).zip(undecided.iter_mut()) {
                if *h {
                    *v = *vote;
                    *u = false;
                }
            }
        }
    }
}

/// One comparison tied to its column.
enum Test<'a> {
    Word(&'a [ImmutableString], Op, &'a str, Fold),
    Pattern(&'a [ImmutableString], Arc<Regex>, Fold),
    /// A text's length in characters against an int or float.
    Length(&'a [ImmutableString], Op, Literal, Fold),
    Text(&'a [ImmutableString], Op, &'a str, Fold),
    Int(&'a [i64], Op, i64),
    IntFloat(&'a [i64], Op, f64),
    Float(&'a [f64], Op, f64),
}

impl Test<'_> {
    /// `mask[k] &= ` whether the comparison holds for row `start + k`.
    fn and_into(&self, start: usize, mask: &mut [bool]) {
        let rows = start..start + mask.len();
        match self {
            // std's `contains` has a SIMD path for short texts (memchr's `Finder` measured
            // slower on 30-byte texts). Rows already ruled out are skipped.
            Test::Word(v, op, word, fold) => {
                let (v, fold) = (&v[rows], *fold);
                match op {
                    Op::StartsWith => find_into(mask, v, fold, |t| t.starts_with(word)),
                    Op::EndsWith => find_into(mask, v, fold, |t| t.ends_with(word)),
                    _ => find_into(mask, v, fold, |t| t.contains(word)),
                }
            }
            Test::Pattern(v, re, fold) => find_into(mask, &v[rows], *fold, |t| re.is_match(t)),
            Test::Length(v, op, x, fold) => {
                let chars = |s: &ImmutableString| fold.apply(s).chars().count() as i64;
                match x {
                    Literal::Int(x) => and_with(mask, &v[rows], |s| test(*op, chars(s).cmp(x))),
                    Literal::Float(x) => {
                        and_with(mask, &v[rows], |s| test_f(*op, chars(s) as f64, *x))
                    }
                    Literal::Text(_) => mask.fill(false),
                }
            }
            Test::Text(v, op, t, fold) => {
                and_with(mask, &v[rows], |s| test(*op, fold.apply(s).as_ref().cmp(t)))
            }
            Test::Int(v, op, x) => compare(mask, &v[rows], *op, *x),
            Test::IntFloat(v, op, x) => and_with(mask, &v[rows], |a| test_f(*op, *a as f64, *x)),
            Test::Float(v, op, x) => compare(mask, &v[rows], *op, *x),
        }
    }
}

/// `mask[k] &= found(fold(texts[k]))`, skipping rows already ruled out; one loop
/// per word test and fold, so the common unfolded test has no per-row dispatch.
#[inline(always)]
fn find_into(
    mask: &mut [bool],
    texts: &[ImmutableString],
    fold: Fold,
    found: impl Fn(&str) -> bool,
) {
    if fold == Fold::None {
        for (m, t) in mask.iter_mut().zip(texts) {
            *m = *m && found(t);
        }
    } else {
        for (m, t) in mask.iter_mut().zip(texts) {
            *m = *m && found(&fold.apply(t));
        }
    }
}

/// `mask[k] &= values[k] op x`, with the operator chosen once for the block
/// (float comparisons as Rust's: NaN compares false except with `!=`).
#[inline(always)]
fn compare<T: PartialOrd + Copy>(mask: &mut [bool], values: &[T], op: Op, x: T) {
    match op {
        Op::Gt => and_with(mask, values, |a| *a > x),
        Op::Ge => and_with(mask, values, |a| *a >= x),
        Op::Lt => and_with(mask, values, |a| *a < x),
        Op::Le => and_with(mask, values, |a| *a <= x),
        Op::Eq => and_with(mask, values, |a| *a == x),
        Op::Ne => and_with(mask, values, |a| *a != x),
        Op::Contains | Op::StartsWith | Op::EndsWith | Op::Matches => mask.fill(false),
    }
}

/// `mask[k] &= holds(values[k])`: one loop per comparison, with no branch on the
/// row.
#[inline(always)]
fn and_with<T>(mask: &mut [bool], values: &[T], holds: impl Fn(&T) -> bool) {
    for (m, v) in mask.iter_mut().zip(values) {
        *m &= holds(v);
    }
}

fn test(op: Op, o: Ordering) -> bool {
    match op {
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Eq => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Contains | Op::StartsWith | Op::EndsWith | Op::Matches => false,
    }
}

/// Float comparisons as Rust (and Rhai) make them: NaN compares false except with `!=`.
fn test_f(op: Op, a: f64, b: f64) -> bool {
    match op {
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Contains | Op::StartsWith | Op::EndsWith | Op::Matches => false,
    }
}

fn literal_text(v: &Literal) -> String {
    match v {
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => f.to_string(),
        Literal::Text(t) => format!("'{t}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::rule_text::parse_rules;
    use super::*;

    fn votes(source: &str, cols: &[(&str, Column)]) -> Result<Vec<i64>> {
        let rules = parse_rules(source)?;
        let n = match &cols[0].1 {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Text(v) => v.len(),
        };
        rules.votes(n, |name| &cols.iter().find(|(c, _)| *c == name).unwrap().1)
    }

    fn text(v: &[&str]) -> Column {
        Column::Text(v.iter().map(|&s| s.into()).collect())
    }

    #[test]
    fn the_first_rule_that_holds_votes_and_no_rule_abstains() {
        let stars = ("stars", Column::Int(vec![5, 1, 3, 4]));
        assert_eq!(
            votes("stars > 3 => 1; stars < 2 => 0", &[stars]).unwrap(),
            vec![1, 0, -1, 1]
        );
        let stars = ("stars", Column::Int(vec![5, 1, 3, 4]));
        assert_eq!(
            votes("stars >= 3 => 1; stars >= 4 => 0", &[stars]).unwrap(),
            vec![1, -1, 1, 1]
        );
    }

    #[test]
    fn blocks_of_rows_vote_as_the_rules_read_row_by_row() {
        // More rows than a block, with a partial last block; each row's vote worked out from
        // the rules' text directly.
        let n = 2 * BLOCK + 123;
        let stars: Vec<i64> = (0..n as i64).map(|i| (i * 7) % 6).collect();
        let score: Vec<f64> = (0..n).map(|i| ((i * 13) % 100) as f64 / 10.0).collect();
        let words = ["great fun", "awful", "fine"];
        let texts: Vec<&str> = (0..n).map(|i| words[(i / 5) % 3]).collect();
        let cols = [
            ("stars", Column::Int(stars.clone())),
            ("score", Column::Float(score.clone())),
            ("text", text(&texts)),
        ];
        let got = votes(
            "stars >= 4 and text contains 'great' => 2; score < 2.5 => 0; stars != 3 and score >= 7 => 1",
            &cols,
        )
        .unwrap();
        let want: Vec<i64> = (0..n)
            .map(|i| {
                if stars[i] >= 4 && texts[i].contains("great") {
                    2
                } else if score[i] < 2.5 {
                    0
                } else if stars[i] != 3 && score[i] >= 7.0 {
                    1
                } else {
                    -1
                }
            })
            .collect();
        assert_eq!(got, want);
        assert!((0..3).all(|c| want.contains(&c)) && want.contains(&-1));
    }

    #[test]
    fn conditions_joined_by_and_must_all_hold() {
        let cols = [
            ("stars", Column::Int(vec![5, 5, 1])),
            ("text", text(&["so great", "bad", "great and more"])),
        ];
        assert_eq!(
            votes("stars == 5 and text contains 'great' => 1", &cols).unwrap(),
            vec![1, -1, -1]
        );
    }

    #[test]
    fn ints_compare_with_floats_as_rhai_compares_them() {
        let x = ("x", Column::Float(vec![0.5, 2.0, f64::NAN]));
        assert_eq!(
            votes("x > 1 => 1; x != 2 => 0", &[x]).unwrap(),
            vec![0, 1, 0]
        );
        let n = ("n", Column::Int(vec![1, 2]));
        assert_eq!(votes("n <= 1.5 => 1", &[n]).unwrap(), vec![1, -1]);
    }

    #[test]
    fn strings_compare_and_contain() {
        let t = ("t", text(&["a \"b\"", "and", "c"]));
        assert_eq!(
            votes(
                "t == 'c' => 2; t contains '\"b\"' => 1; t contains \"an\" => 0",
                &[t]
            )
            .unwrap(),
            vec![1, 0, 2]
        );
    }

    #[test]
    fn quoted_words_may_hold_the_separators() {
        let t = ("t", text(&["a;b", "x => y", "this and that", "a"]));
        assert_eq!(
            votes(
                "t contains ';' => 1; t matches \"=>\" => 2; t == 'this and that' and t contains 'and' => 3; t != 'x contains <' => 4",
                &[t]
            )
            .unwrap(),
            vec![1, 2, 3, 4]
        );
    }

    #[test]
    fn patterns_match_anywhere_unless_anchored() {
        let t = ("t", text(&["Check it OUT", "checkout", "out, check", "x"]));
        assert_eq!(
            votes(
                "t matches '^check' => 2; t matches '(?i)check.*out' => 1",
                &[t]
            )
            .unwrap(),
            vec![1, 2, -1, -1]
        );
    }

    #[test]
    fn a_comparison_with_the_wrong_kind_of_column_names_the_rule_and_column() {
        let t = ("text", text(&["x"]));
        let e = votes("text > 3 => 1", &[t]).unwrap_err();
        assert!(
            e.message().contains("column 'text' holds strings") && e.message().contains("text > 3"),
            "{e:?}"
        );
        let s = ("stars", Column::Int(vec![1]));
        let e = votes("stars contains 'x' => 1", &[s]).unwrap_err();
        assert!(
            e.message().contains("column 'stars' holds numbers"),
            "{e:?}"
        );
    }

    #[test]
    fn malformed_rules_say_what_is_wrong() {
        for (source, says) in [
            ("", "no rules"),
            ("stars > 3", "no '=> class'"),
            ("stars > 3 => 1 => 2", "more than one '=>'"),
            ("stars > 3 => yes", "not a class"),
            ("stars > 3 => -2", "below -1"),
            ("stars ~ 3 => 1", "expected `column > value`"),
            ("stars > three => 1", "neither a number nor a quoted string"),
            ("text contains 3 => 1", "needs a quoted word"),
            ("text ends_with 3 => 1", "`ends_with` needs a quoted word"),
            ("st ars > 3 => 1", "not a column name"),
            ("text matches 3 => 1", "needs a quoted regular expression"),
            (
                "text matches 'gr(eat' => 1",
                "'gr(eat' is not a regular expression",
            ),
        ] {
            let e = parse_rules(source).unwrap_err();
            assert!(matches!(e, Error::Options(_)), "{source}: {e:?}");
            assert!(e.message().contains(says), "{source}: {}", e.message());
        }
    }

    #[test]
    fn columns_are_listed_once_in_order_of_use() {
        let r = parse_rules("b > 1 and a < 2 => 1; b == 3 => 0").unwrap();
        assert_eq!(r.columns(), vec!["b", "a"]);
    }
}
