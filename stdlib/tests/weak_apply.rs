//! `apply_lfs` gives exactly the votes of calling each labelling function on each row in a
//! plain Rhai loop; `lf("...")` rules give exactly the votes of the closures they stand for,
//! alone or mixed with closures; errors name the labelling function, the row and the column.

mod common;

use common::{error, plain, session};
use ladder_scripting::Session;

/// Rows with every kind of column the rules read: ints, floats (some rows hold an int there,
/// as Rhai data often does), strings; 300 rows so votes and abstains both occur.
const ROWS: &str = r#"
let words = ["great", "awful", "fine", "boring", "superb", "meh"];
let rows = [];
for i in 0..300 {
    let score = if i % 7 == 0 { i % 5 } else { (i % 50) / 10.0 };
    rows.push(#{stars: i % 6, text: `the film was ${words[(i / 6) % 6]} overall`, length: (i * 37) % 200, score: score});
}
let closures = [
    |r| if r.stars > 3 { 1 } else if r.stars < 2 { 0 } else { -1 },
    |r| if r.text.contains("great") { 1 } else { -1 },
    |r| if r.text == "the film was awful overall" { 0 } else { -1 },
    |r| if r.length >= 150 && r.stars != 0 { 1 } else if r.length <= 20 { 0 } else { -1 },
    |r| if r.score > 2.5 { 1 } else if r.score < 1 { 0 } else { -1 },
    |r| if r.text < "the film was c" { 2 } else { -1 },
];
let rules = [
    lf("stars > 3 => 1; stars < 2 => 0"),
    lf("text contains 'great' => 1"),
    lf("text == \"the film was awful overall\" => 0"),
    lf("length >= 150 and stars != 0 => 1; length <= 20 => 0"),
    lf("score > 2.5 => 1; score < 1 => 0"),
    lf("text < 'the film was c' => 2"),
];
// The plain per-row path: each function called on each row by the script itself.
fn by_hand(rows, lfs) { rows.map(|r| lfs.map(|f| f.call(r))) }
"#;

fn with_rows() -> Session {
    let mut s = session();
    plain(&mut s, ROWS);
    s
}

#[test]
fn closures_vote_as_a_plain_rhai_loop_calls_them() {
    let mut s = with_rows();
    let by_hand = plain(&mut s, "by_hand(rows, closures)");
    assert!(by_hand.contains("-1") && by_hand.contains('2'), "{by_hand}");
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, closures).to_array()"),
        by_hand
    );
}

#[test]
fn rules_vote_as_the_closures_they_stand_for() {
    let mut s = with_rows();
    let closures = plain(&mut s, "apply_lfs(rows, closures).to_array()");
    assert_eq!(plain(&mut s, "apply_lfs(rows, rules).to_array()"), closures);
}

#[test]
fn rules_and_closures_mix_in_one_call() {
    let mut s = with_rows();
    let closures = plain(&mut s, "apply_lfs(rows, closures).to_array()");
    let mixed = "[rules[0], closures[1], rules[2], closures[3], rules[4], closures[5]]";
    assert_eq!(
        plain(&mut s, &format!("apply_lfs(rows, {mixed}).to_array()")),
        closures
    );
    assert_eq!(
        plain(&mut s, &format!("apply_lfs(rows, {mixed}).names")),
        r#"["stars > 3 => 1; stars < 2 => 0", "lf_1", "text == \"the film was awful overall\" => 0", "lf_3", "score > 2.5 => 1; score < 1 => 0", "lf_5"]"#
    );
}

#[test]
fn a_closure_that_changes_its_row_changes_nothing_else() {
    let mut s = with_rows();
    let votes = plain(
        &mut s,
        "apply_lfs(rows, [|r| { r.stars = 0; -1 }, closures[0]]).to_array().map(|v| v[1])",
    );
    assert_eq!(
        votes,
        plain(
            &mut s,
            "apply_lfs(rows, [closures[0]]).to_array().map(|v| v[0])"
        )
    );
    assert_eq!(plain(&mut s, "rows[5].stars"), "5");
}

#[test]
fn a_failing_closure_names_itself_and_the_row() {
    let mut s = with_rows();
    let e = error(
        &mut s,
        "apply_lfs(rows, [closures[0], |r| if r.stars == 4 { r.nothing + 1 } else { -1 }])",
    );
    assert!(
        e.contains("labelling function 'lf_1' failed on row 4"),
        "{e}"
    );
    let e = error(&mut s, "apply_lfs(rows, [rules[1], |r| r.text])");
    assert!(e.contains("'lf_1' returned a string on row 0"), "{e}");
}

#[test]
fn rules_on_a_missing_column_or_the_wrong_kind_of_value_say_so() {
    let mut s = with_rows();
    let e = error(&mut s, "apply_lfs(rows, [lf(\"star > 3 => 1\")])");
    assert!(
        e.contains("no column 'star' in row 0 (its columns: length, score, stars, text)"),
        "{e}"
    );
    let e = error(&mut s, "apply_lfs(rows, [lf(\"text > 3 => 1\")])");
    assert!(
        e.contains("column 'text' holds strings, which > cannot compare with 3"),
        "{e}"
    );
    let e = error(
        &mut s,
        "apply_lfs([#{a: 1}, #{a: \"x\"}], [lf(\"a > 0 => 1\")])",
    );
    assert!(
        e.contains("column 'a' holds a string in row 1 but a number in row 0"),
        "{e}"
    );
    let e = error(&mut s, "apply_lfs([#{a: [1]}], [lf(\"a > 0 => 1\")])");
    assert!(e.contains("column 'a' holds an array in row 0"), "{e}");
    let e = error(&mut s, "apply_lfs([1, 2], [lf(\"a > 0 => 1\")])");
    assert!(e.contains("row 0 is an i64, not a map"), "{e}");
    let e = error(&mut s, "lf(\"stars >> 3 => 1\")");
    assert!(e.contains("neither a number nor a quoted string"), "{e}");
    let e = error(&mut s, "apply_lfs(rows, [42])");
    assert!(e.contains("labelling function 0 is an i64"), "{e}");
    let e = error(&mut s, "apply_lfs(rows, rules, #{names: [\"a\"]})");
    assert!(e.contains("1 names for 6 labelling functions"), "{e}");
    let e = error(&mut s, "label_matrix([[0, 1]], #{names: [1, 2]})");
    assert!(e.contains("names") && e.contains("array of strings"), "{e}");
}

#[test]
fn a_rule_set_shows_its_rules() {
    let mut s = session();
    assert_eq!(
        plain(&mut s, "lf(\"stars > 3 => 1\")"),
        "lf(\"stars > 3 => 1\")"
    );
}

/// `apply_lfs` reads closures like these as rules; where the rows do not fit the rules, the
/// closure itself must vote (or fail) exactly as when called row by row.
#[test]
fn closures_read_as_rules_vote_as_called_where_the_rows_do_not_fit() {
    let mut s = session();
    plain(
        &mut s,
        r#"
        // `extra` only where stars > 4: `&&` never reads it elsewhere.
        let rows = [];
        for i in 0..50 { rows.push(if i % 6 > 4 { #{stars: i % 6, extra: i % 4} } else { #{stars: i % 6} }); }
        let short_circuit = [|r| if r.stars > 4 && r.extra > 1 { 1 } else if r.stars < 1 || r.stars == 3 { 0 } else { -1 }];
        // Ints, then floats, then a string in the same column.
        let mixed = [#{x: 1}, #{x: 2.5}, #{x: "many"}];
        let threshold = 2;
        fn by_hand(rows, lfs) { rows.map(|r| lfs.map(|f| f.call(r))) }
        "#,
    );
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, short_circuit).to_array()"),
        plain(&mut s, "by_hand(rows, short_circuit)")
    );
    // A captured variable: the closure is called, with its captured value.
    assert_eq!(
        plain(
            &mut s,
            "apply_lfs(rows, [|r| if r.stars > threshold { 1 } else { -1 }]).to_array()"
        ),
        plain(
            &mut s,
            "by_hand(rows, [|r| if r.stars > threshold { 1 } else { -1 }])"
        )
    );
    assert_eq!(
        plain(
            &mut s,
            "apply_lfs(mixed.extract(0, 2), [|r| if r.x >= 2 { 1 } else { -1 }]).to_array()"
        ),
        "[[-1], [1]]"
    );
    // Ints beyond 2^53 next to floats: compared exactly, as ints.
    assert_eq!(
        plain(
            &mut s,
            "apply_lfs([#{x: 9007199254740993}, #{x: 0.5}], [|r| if r.x > 9007199254740992 { 1 } else { 0 }]).to_array()"
        ),
        "[[1], [0]]"
    );
    let e = error(
        &mut s,
        "apply_lfs([#{x: 0.5}, #{x: 9007199254740993}], [lf(\"x > 1 => 1\")])",
    );
    assert!(e.contains("the int 9007199254740993, too large"), "{e}");
    // Rhai compares a string with a number as false: the string row abstains.
    assert_eq!(
        plain(
            &mut s,
            "apply_lfs(mixed, [|r| if r.x >= 2 { 1 } else { -1 }]).to_array()"
        ),
        "[[-1], [1], [-1]]"
    );
    let e = error(
        &mut s,
        "apply_lfs(rows, [|r| if r.stars.contains(\"a\") { 1 } else { -1 }])",
    );
    assert!(
        e.contains("labelling function 'lf_0' failed on row 0"),
        "{e}"
    );
}

#[test]
fn text_methods_case_folds_and_negations_vote_as_called() {
    let mut s = with_rows();
    plain(
        &mut s,
        r#"
        let texts = ["Great fun!", "AWFUL", "awful, great", "", "ß and ǅ", "the end"];
        let mixed = [];
        for i in 0..60 { mixed.push(#{text: texts[i % 6], stars: i % 6}); }
        let lfs = [
            |r| if r.text.to_lower().contains("great") { 1 } else if "AWFUL" in r.text.to_upper() { 0 } else { -1 },
            |r| if !r.text.contains("a") && r.text != "" { 1 } else { -1 },
            |r| if r.text.starts_with("the") || r.text.ends_with("!") { 1 } else if !(r.stars > 2 || r.text.to_lower() == "awful") { 0 } else { -1 },
            |r| if r.text.to_upper().starts_with("SS") { 2 } else { -1 },
            |r| if !(r.text in ["x"]) { 1 } else { -1 },
        ];
        let rules_text = [lf("text starts_with 'the' => 1; text ends_with '!' and stars < 3 => 0")];
        let as_closure = [|r| if r.text.starts_with("the") { 1 } else if r.text.ends_with("!") && r.stars < 3 { 0 } else { -1 }];
        "#,
    );
    let by_hand = plain(&mut s, "by_hand(mixed, lfs)");
    assert!(by_hand.contains('2') && by_hand.contains('0'), "{by_hand}");
    assert_eq!(plain(&mut s, "apply_lfs(mixed, lfs).to_array()"), by_hand);
    // The same on the 300 rows, where some columns are other kinds: called there.
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, lfs.extract(0, 3)).to_array()"),
        plain(&mut s, "by_hand(rows, lfs.extract(0, 3))")
    );
    assert_eq!(
        plain(&mut s, "apply_lfs(mixed, rules_text).to_array()"),
        plain(&mut s, "by_hand(mixed, as_closure)")
    );
}

/// Closures written with locals, guards that return, and constants captured from the cell
/// vote as they do when called, on rows that fit their rules and on rows that do not.
#[test]
fn locals_guards_and_captured_constants_vote_as_called() {
    let mut s = with_rows();
    plain(
        &mut s,
        r#"
        const POS = 1;
        const NEG = 0;
        let cut = 3;
        let texts = ["Great fun!", "AWFUL", "awful, great", "", "the end"];
        let mixed = [];
        for i in 0..50 { mixed.push(#{text: texts[i % 5], stars: i % 6}); }
        let lfs = [
            |r| { let t = r.text.to_lower(); if t.contains("great") { POS } else if t.contains("awful") { NEG } else { -1 } },
            |r| { if r.stars > cut { return POS; } if r.text == "" || r.stars < 1 { return NEG; } -1 },
            |r| { let n = r.stars; let t = r.text; if n >= cut && !t.ends_with("!") { 2 } else { return -1; } },
        ];
        "#,
    );
    let by_hand = plain(&mut s, "by_hand(mixed, lfs)");
    assert!(by_hand.contains('2') && by_hand.contains('0'), "{by_hand}");
    assert_eq!(plain(&mut s, "apply_lfs(mixed, lfs).to_array()"), by_hand);
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, lfs).to_array()"),
        plain(&mut s, "by_hand(rows, lfs)")
    );
    // A captured variable changed after the closure was made: the closure reads it when
    // called, and so do its rules.
    plain(&mut s, "cut = 1;");
    let by_hand = plain(&mut s, "by_hand(mixed, lfs)");
    assert_eq!(plain(&mut s, "apply_lfs(mixed, lfs).to_array()"), by_hand);
    // A local the rules would not need still runs on every row, as in the closure: here it
    // fails on the rows whose `text` is an int.
    plain(&mut s, "mixed[3].text = 7;");
    let e = error(
        &mut s,
        "apply_lfs(mixed, [|r| { let t = r.text.to_lower(); if r.stars > 2 { 1 } else { -1 } }])",
    );
    assert!(e.contains("failed on row 3"), "{e}");
}

/// `field in [a, b]` votes as called: on texts, numbers (ints against floats as Rhai compares
/// them), negated, and where the column holds another kind of value than the list.
#[test]
fn membership_in_a_list_votes_as_called() {
    let mut s = with_rows();
    plain(
        &mut s,
        r#"
        let moods = ["the film was great overall", "the film was meh overall"];
        let lfs = [
            |r| if r.text in moods { 1 } else if r.stars in [0, 2.0] { 0 } else { -1 },
            |r| if !(r.length in [37, 74, 111]) && r.score in [1, 2.5, 3] { 2 } else { -1 },
            |r| if r.stars in ["3", "4"] { 1 } else { -1 },
        ];
        "#,
    );
    votes_as_called(&mut s, &['0', '1', '2']);
}

/// A session with `rows` (`n` maps `#{text, n}`, the texts taken in turn from `texts`, a Rhai
/// array), the labelling functions `lfs` (a Rhai array) and `by_hand`, the plain per-row call.
fn texts_and_lfs(texts: &str, n: usize, lfs: &str) -> Session {
    let mut s = session();
    plain(
        &mut s,
        &format!(
            r#"
            let texts = {texts};
            let rows = [];
            for i in 0..{n} {{ rows.push(#{{text: texts[i % texts.len()], n: i}}); }}
            let lfs = {lfs};
            fn by_hand(rows, lfs) {{ rows.map(|r| lfs.map(|f| f.call(r))) }}
            "#
        ),
    );
    s
}

/// `apply_lfs(rows, lfs)` votes as `by_hand` calls them, and the votes hold each of `classes`.
fn votes_as_called(s: &mut Session, classes: &[char]) {
    let by_hand = plain(s, "by_hand(rows, lfs)");
    assert!(classes.iter().all(|&c| by_hand.contains(c)), "{by_hand}");
    assert_eq!(plain(s, "apply_lfs(rows, lfs).to_array()"), by_hand);
}

/// A text's `.len()` (in characters, as Rhai counts them) compared with numbers votes as called.
#[test]
fn lengths_of_texts_vote_as_called() {
    let mut s = texts_and_lfs(
        r#"["Great fun!", "ß and ǅ", "", "a much longer text than the others", "ǅ"]"#,
        30,
        r#"[
            |r| { let n = r.text.len(); if n > 20 { 1 } else if n <= 1 { 0 } else { -1 } },
            |r| if r.text.to_upper().len() == 8 || r.text.len() < 0.5 { 2 } else { -1 },
        ]"#,
    );
    votes_as_called(&mut s, &['0', '1', '2']);
    // An int where a text was: the closure itself fails on that row.
    plain(&mut s, "rows[4].text = 12;");
    let e = error(&mut s, "apply_lfs(rows, lfs)");
    assert!(e.contains("failed on row 4"), "{e}");
}

/// `matches` is a regular expression anywhere in the text, in a closure (read as a rule) as
/// in `lf`; a pattern that is not one is an error naming it, from either.
#[test]
fn patterns_vote_as_called_and_bad_ones_are_named() {
    let mut s = texts_and_lfs(
        r#"["Check it OUT", "checkout now", "out, then check", "", "ǅ check out"]"#,
        40,
        r#"[
            |r| if r.text.matches("(?i)check.*out") { 1 } else { -1 },
            |r| { let t = r.text.to_lower(); if t.matches("^check") && r.n > 10 { 0 } else { -1 } },
        ]"#,
    );
    votes_as_called(&mut s, &['0', '1']);
    assert_eq!(
        plain(
            &mut s,
            r#"apply_lfs(rows, [lf("text matches '(?i)check.*out' => 1")]).to_array()"#
        ),
        plain(&mut s, "by_hand(rows, lfs.extract(0, 1))")
    );
    let e = error(&mut s, r#""abc".matches("a(b")"#);
    assert!(e.contains("'a(b' is not a regular expression"), "{e}");
    let e = error(
        &mut s,
        r#"apply_lfs(rows, [|r| if r.text.matches("a(b") { 1 } else { -1 }])"#,
    );
    assert!(
        e.contains("labelling function 'lf_0' failed on row 0") && e.contains("'a(b'"),
        "{e}"
    );
    let e = error(&mut s, r#"lf("text matches 'a(b' => 1")"#);
    assert!(e.contains("'a(b' is not a regular expression"), "{e}");
    assert_eq!(plain(&mut s, "rows.len()"), "40");
}

/// `lf` conditions with `or`, `not`, parentheses, `in`, `len(..)` and `lower(..)`/`upper(..)`
/// vote as the closures written with `||`, `!`, `in`, `.len()` and `.to_lower()`, called per row.
#[test]
fn lf_conditions_vote_as_the_closures_they_write() {
    let mut s = texts_and_lfs(
        r#"["Great fun!", "GREAT", "awful", "", "ß and ǅ", "great, but a long text"]"#,
        30,
        r#"[
            |r| if (r.text.len() < 12 && r.text.to_lower().contains("great")) || r.n in [3, 7, 11] { 1 }
                else if !(r.n >= 20 || r.text == "") { 0 } else { -1 },
            |r| if r.text.to_upper().starts_with("GREAT") && !(r.n in [1, 2]) { 2 }
                else if r.text.to_upper().len() >= 7 { 1 } else { -1 },
        ]"#,
    );
    let by_hand = plain(&mut s, "by_hand(rows, lfs)");
    assert!(
        ['0', '1', '2'].iter().all(|&c| by_hand.contains(c)),
        "{by_hand}"
    );
    let rules = r#"[
        lf("len(text) < 12 and lower(text) contains 'great' or n in [3, 7, 11] => 1; not (n >= 20 or text == '') => 0"),
        lf("upper(text) starts_with 'GREAT' and n not in [1, 2] => 2; len(upper(text)) >= 7 => 1"),
    ]"#;
    assert_eq!(
        plain(&mut s, &format!("apply_lfs(rows, {rules}).to_array()")),
        by_hand
    );
    let e = error(&mut s, r#"lf("len(text) contains 'x' => 1")"#);
    assert!(
        e.contains("in 'len(text) contains 'x'': `len(text)` compares with a number"),
        "{e}"
    );
    let e = error(&mut s, r#"apply_lfs(rows, [lf("len(n) > 1 => 1")])"#);
    assert!(e.contains("column 'n' holds numbers"), "{e}");
}

#[test]
fn a_script_defined_contains_is_what_closures_call() {
    let mut s = session();
    plain(
        &mut s,
        r#"
        fn contains(word) { this.len() > word.len() }
        let rows = [#{t: "ab"}, #{t: "abcd"}, #{t: "wxyz"}];
        let lfs = [|r| if r.t.contains("abc") { 1 } else { 0 }];
        "#,
    );
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, lfs).to_array()"),
        "[[0], [1], [1]]"
    );
    // A function taking the string first is what a method call on a string calls too.
    let mut s = session();
    plain(
        &mut s,
        r#"
        fn contains(s, word) { s.len() > word.len() }
        fn by_hand(rows, lfs) { rows.map(|r| lfs.map(|f| f.call(r))) }
        let rows = [#{t: "ab"}, #{t: "abcd"}, #{t: "wxyz"}];
        let lfs = [|r| if r.t.contains("abc") { 1 } else { 0 }];
        "#,
    );
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, lfs).to_array()"),
        plain(&mut s, "by_hand(rows, lfs)")
    );
}

/// `lf_column` calls its function once with the whole column and votes as the per-row closure
/// it is written after; it mixes with rules and closures and names itself `column: function`.
#[test]
fn a_column_function_is_called_once_and_votes_as_the_closure() {
    let mut s = with_rows();
    plain(
        &mut s,
        r#"
        let calls = 0;
        fn great(texts) { texts.map(|t| if t.contains("great") { 1 } else { -1 }) }
        let by_column = [
            lf_column("stars", |stars| { calls += 1; stars.map(|x| if x > 3 { 1 } else if x < 2 { 0 } else { -1 }) }),
            lf_column("text", Fn("great")),
            rules[2],
            closures[3],
            lf_column("score", |xs| tensor(xs.map(|x| if x > 2.5 { 1 } else if x < 1 { 0 } else { -1 }), "i64")),
            closures[5],
        ];
        "#,
    );
    let closures = plain(&mut s, "apply_lfs(rows, closures).to_array()");
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, by_column).to_array()"),
        closures
    );
    assert_eq!(plain(&mut s, "calls"), "1");
    assert_eq!(
        plain(&mut s, "apply_lfs(rows, by_column).names"),
        r#"["stars: lf_0", "text: great", "text == \"the film was awful overall\" => 0", "lf_3", "score: lf_4", "lf_5"]"#
    );
    assert_eq!(plain(&mut s, "by_column[1]"), "lf_column(\"text\", great)");
}

#[test]
fn a_column_function_that_misses_a_column_or_votes_wrongly_says_so() {
    let mut s = with_rows();
    let e = error(
        &mut s,
        "apply_lfs([#{a: 1}, #{b: 2}], [lf_column(\"a\", |a| a)])",
    );
    assert!(
        e.contains("labelling function 'a: lf_0': no column 'a' in row 1 (its columns: b)"),
        "{e}"
    );
    let e = error(
        &mut s,
        "apply_lfs(rows, [closures[0], lf_column(\"stars\", |s| [1, 0])])",
    );
    assert!(
        e.contains("labelling function 'stars: lf_1' returned 2 votes for 300 rows"),
        "{e}"
    );
    let e = error(
        &mut s,
        "apply_lfs(rows, [lf_column(\"text\", |t| t)], #{names: [\"echo\"]})",
    );
    assert!(
        e.contains("labelling function 'echo' voted a string for row 0"),
        "{e}"
    );
    let e = error(
        &mut s,
        "apply_lfs(rows, [lf_column(\"text\", |t| t.nothing())])",
    );
    assert!(e.contains("labelling function 'text: lf_0' failed"), "{e}");
}

/// A map of column arrays gives the votes of the same rows as maps, for rules, column
/// functions and closures alike; columns that do not line up are refused.
#[test]
fn a_map_of_columns_votes_as_its_rows() {
    let mut s = with_rows();
    plain(
        &mut s,
        r#"
        let cols = #{stars: [], text: [], length: [], score: []};
        for r in rows { for k in r.keys() { cols[k].push(r[k]); } }
        let mixed = [rules[0], lf_column("text", |t| t.map(|x| if x.contains("great") { 1 } else { -1 })), closures[2], rules[3], closures[4], rules[5]];
        "#,
    );
    let by_rows = plain(&mut s, "apply_lfs(rows, closures).to_array()");
    assert_eq!(plain(&mut s, "apply_lfs(cols, mixed).to_array()"), by_rows);
    assert_eq!(
        plain(&mut s, "apply_lfs(cols, rules, #{classes: 3}).rows"),
        "300"
    );
    let e = error(
        &mut s,
        "apply_lfs(#{a: [1, 2], b: [1]}, [lf(\"a > 0 => 1\")])",
    );
    assert!(
        e.contains("column 'b' has 1 values but column 'a' has 2"),
        "{e}"
    );
    let e = error(&mut s, "apply_lfs(#{a: [1]}, [lf(\"b > 0 => 1\")])");
    assert!(e.contains("no column 'b' (the columns: a)"), "{e}");
}

/// A data set is labelled as the rows a user would build from it: a feature data set's rows
/// hold each feature by name, a text data set's its `text` (token ids left out); labels stay
/// hidden from the labelling functions.
#[test]
fn a_data_set_votes_as_the_rows_built_from_it() {
    let mut s = session();
    plain(
        &mut s,
        r#"let d = subset(dataset("breast_cancer"), 0..200);
           let names = d.feature_names;
           let rows = d.x.to_array().map(|x| { let r = #{}; for j in 0..names.len() { r[names[j]] = x[j]; } r });
           let lfs = [|r| if r.mean_radius > 16.0 { 0 } else if r.mean_radius < 12.0 { 1 } else { -1 },
                      |r| if r.worst_area + 0.0 > 1000.0 { 0 } else { -1 },
                      lf("mean_concave_points < 0.03 => 1")];"#,
    );
    let by_rows = plain(&mut s, "apply_lfs(rows, lfs).to_array()");
    assert!(by_rows.contains('0') && by_rows.contains('1'), "{by_rows}");
    assert_eq!(plain(&mut s, "apply_lfs(d, lfs).to_array()"), by_rows);
    assert_eq!(
        plain(
            &mut s,
            r#"apply_lfs(d, lfs, #{names: ["a", "b", "c"]}).names"#
        ),
        r#"["a", "b", "c"]"#
    );
    plain(
        &mut s,
        r#"let t = subset(dataset("reviews"), 0..300);
           let tokenized = tokenize(t, train_tokenizer(t), #{max_len: 8});
           let text_lfs = [|r| if r.text.contains("great") { 1 } else { -1 }, lf("text contains 'awful' => 0")];"#,
    );
    let by_rows = plain(
        &mut s,
        "apply_lfs(t.texts.map(|x| #{text: x}), text_lfs).to_array()",
    );
    assert!(by_rows.contains('0') && by_rows.contains('1'), "{by_rows}");
    assert_eq!(plain(&mut s, "apply_lfs(t, text_lfs).to_array()"), by_rows);
    assert_eq!(
        plain(&mut s, "apply_lfs(tokenized, text_lfs).to_array()"),
        by_rows
    );
    // The labels are not a column.
    let e = error(&mut s, "apply_lfs(d, [lf(\"label == 1 => 1\")])");
    assert!(
        e.contains("no column 'label' (the columns: area_error,"),
        "{e}"
    );
}
