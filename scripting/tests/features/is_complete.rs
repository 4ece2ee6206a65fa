//! Is a cell ready to run, or is more input coming?

use super::session;
use ladder_scripting::Completeness;

fn incomplete(indent: usize) -> Completeness {
    Completeness::Incomplete {
        indent: " ".repeat(indent),
    }
}

#[test]
fn samples() {
    let (s, _) = session();
    let cases: Vec<(&str, Completeness)> = vec![
        // Complete.
        ("1 + 1", Completeness::Complete),
        ("let x = 1;", Completeness::Complete),
        ("fn f(x) {\n    x + 1\n}", Completeness::Complete),
        ("", Completeness::Complete),
        ("%time 1 + 1", Completeness::Complete),
        ("let s = \"{ not a block\";", Completeness::Complete),
        ("// a comment with (", Completeness::Complete),
        ("x.len()", Completeness::Complete),
        ("let m = #{a: 1};", Completeness::Complete),
        // Incomplete: blocks, brackets, strings and comments left open.
        ("fn f(x) {", incomplete(4)),
        ("if x > 1 {\n    if y {", incomplete(8)),
        ("let a = [1, 2,", incomplete(4)),
        ("foo(1,\n    2", incomplete(4)),
        ("let m = #{a: 1,", incomplete(4)),
        ("let s = \"abc", incomplete(0)),
        ("let s = `multi\nline", incomplete(0)),
        ("/* a comment\nstill going", incomplete(0)),
        ("let x = 1 +", incomplete(0)),
        ("let y =", incomplete(0)),
        ("for i in range(0, 3) {\n    print(i);", incomplete(4)),
        ("let f = |x| {", incomplete(4)),
        // Invalid whatever follows.
        ("let = 5;", Completeness::Invalid),
        ("1 +* 2", Completeness::Invalid),
        ("fn f(x) { x }}", Completeness::Invalid),
        ("let x = (1 + 2));", Completeness::Invalid),
        ("let 1x = 2;", Completeness::Invalid),
    ];
    let mut wrong = Vec::new();
    for (code, expected) in &cases {
        let got = s.is_complete(code);
        if &got != expected {
            wrong.push(format!("{code:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn variables_of_the_session_do_not_matter() {
    // `is_complete` judges syntax only: unknown names are fine.
    let (s, _) = session();
    assert_eq!(s.is_complete("undefined_thing + 1"), Completeness::Complete);
}
