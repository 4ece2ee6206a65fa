use super::*;
use ladder_scripting::rhai::Engine;

/// The rules `closure_rules` reads from the closure `source` defines, as text.
fn read(source: &str) -> Option<String> {
    read_in(&format!("rules_of({source})"))
}

/// The same, for a script that calls `rules_of(closure)` last.
fn read_in(script: &str) -> Option<String> {
    let mut engine = Engine::new();
    engine.register_fn("rules_of", |ctx: NativeCallContext, f: FnPtr| {
        closure_rules(&ctx, &f).map_or("none".to_string(), |r| {
            r.rules
                .iter()
                .map(|rule| {
                    let conds: Vec<String> = rule
                        .conds
                        .iter()
                        .map(|c| {
                            format!(
                                "{}{}{}{:?} {:?} {:?}",
                                if c.negate { "!" } else { "" },
                                if c.length { "len " } else { "" },
                                c.column,
                                c.fold,
                                c.op,
                                c.value
                            )
                        })
                        .collect();
                    format!("{} => {}", conds.join(" & "), rule.vote)
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
    });
    let out: String = engine.eval(script).expect("the script runs");
    (out != "none").then_some(out)
}

#[test]
fn text_methods_folds_and_in_are_read() {
    assert_eq!(
        read(r#"|r| if r.t.to_lower().contains("great") { 1 } else { -1 }"#).unwrap(),
        r#"tLower Contains Text("great") => 1"#
    );
    assert_eq!(
        read(r#"|r| if "bad" in r.t { 0 } else if r.t.starts_with("A") { 1 } else if r.t.to_upper().ends_with("!") { 2 } else { -1 }"#).unwrap(),
        r#"tNone Contains Text("bad") => 0; tNone StartsWith Text("A") => 1; tUpper EndsWith Text("!") => 2"#
    );
    // `"x" in r.t` is Rhai's call `contains(r.t, "x")`, which a cell may write itself.
    assert_eq!(
        read(r#"|r| if contains(r.t, "x") { 1 } else { -1 }"#).unwrap(),
        r#"tNone Contains Text("x") => 1"#
    );
    assert_eq!(
        read(r#"|r| if r.t.to_lower() == "ok" { 1 } else { -1 }"#).unwrap(),
        r#"tLower Eq Text("ok") => 1"#
    );
}

#[test]
fn negations_are_pushed_down_to_the_comparisons() {
    assert_eq!(
        read(r#"|r| if !r.t.contains("x") { 1 } else { -1 }"#).unwrap(),
        r#"!tNone Contains Text("x") => 1"#
    );
    // !(a && b) is !a || !b; !(a || b) is !a && !b; !!a is a.
    assert_eq!(
        read(r#"|r| if !(r.a > 1 && r.b == 2) { 1 } else { -1 }"#).unwrap(),
        "!aNone Gt Int(1) => 1; !bNone Eq Int(2) => 1"
    );
    assert_eq!(
        read(r#"|r| if !(r.a > 1 || !(r.b < 2.5)) { 1 } else { 0 }"#).unwrap(),
        "!aNone Gt Int(1) & bNone Lt Float(2.5) => 1;  => 0"
    );
}

#[test]
fn membership_in_a_list_is_one_equality_per_item() {
    assert_eq!(
        read(r#"|r| if r.t in ["a", "b"] && r.n > 1 { 1 } else { -1 }"#).unwrap(),
        r#"tNone Eq Text("a") & nNone Gt Int(1) => 1; tNone Eq Text("b") & nNone Gt Int(1) => 1"#
    );
    // Negated: equal to none of them.
    assert_eq!(
        read(r#"|r| { let ok = [1, 2.5]; if !(r.n in ok) { 0 } else { -1 } }"#).unwrap(),
        "!nNone Eq Int(1) & !nNone Eq Float(2.5) => 0"
    );
    assert_eq!(
        read_in(
            r#"let words = ["x", "y"]; rules_of(|r| if r.t.to_lower() in words { 1 } else { -1 })"#
        )
        .unwrap(),
        r#"tLower Eq Text("x") => 1; tLower Eq Text("y") => 1"#
    );
    // Nothing is in an empty list.
    assert_eq!(
        read(r#"|r| if r.t in [] { 1 } else { 0 }"#).unwrap(),
        " => 0"
    );
}

#[test]
fn lengths_of_texts_are_compared() {
    assert_eq!(
        read(r#"|r| { let n = r.t.to_lower().len(); if n > 100 || r.u.len() <= 2.5 { 1 } else { -1 } }"#)
            .unwrap(),
        "len tLower Gt Int(100) => 1; len uNone Le Float(2.5) => 1"
    );
    // A length is a number: no fold or word test after it, no second `.len()`.
    for source in [
        r#"|r| if r.t.len().to_lower() == 1 { 1 } else { -1 }"#,
        r#"|r| { let n = r.t.len(); if n.contains("1") { 1 } else { -1 } }"#,
        r#"|r| { let n = r.t.len(); if n.len() > 1 { 1 } else { -1 } }"#,
    ] {
        assert_eq!(read(source), None, "{source}");
    }
}

#[test]
fn patterns_are_read_as_matches() {
    assert_eq!(
        read(r#"|r| { let t = r.t.to_lower(); if t.matches("check.*out") { 1 } else { -1 } }"#)
            .unwrap(),
        r#"tLower Matches Text("check.*out") => 1"#
    );
}

#[test]
fn locals_name_fields_and_literals() {
    assert_eq!(
        read(r#"|r| { let t = r.text.to_lower(); let n = r.stars; if t.contains("great") && n > 3 { 1 } else { -1 } }"#).unwrap(),
        r#"textLower Contains Text("great") & starsNone Gt Int(3) => 1"#
    );
    // A local named field, folded where it is read; constants as votes and literals.
    assert_eq!(
        read(r#"|r| { const POS = 1; let word = "bad"; let t = r.t; if t.to_upper() == "OK" { POS } else if t.ends_with(word) { 0 } else { -1 } }"#).unwrap(),
        r#"tUpper Eq Text("OK") => 1; tNone EndsWith Text("bad") => 0"#
    );
}

#[test]
fn guards_that_return_vote_in_order() {
    assert_eq!(
        read(r#"|r| { if r.a > 1 { return 1; } if r.b == "x" || r.c < 0.5 { return 0; } -1 }"#)
            .unwrap(),
        r#"aNone Gt Int(1) => 1; bNone Eq Text("x") => 0; cNone Lt Float(0.5) => 0"#
    );
    assert_eq!(
        read(r#"|r| { let t = r.t; if t.contains("!") { return 2; } if t == "" { 0 } else { return 1; } }"#).unwrap(),
        r#"tNone Contains Text("!") => 2; tNone Eq Text("") => 0;  => 1"#
    );
}

#[test]
fn captured_constants_stand_for_their_values() {
    assert_eq!(
        read_in(r#"let POS = 1; let NEG = 0; let cut = 2.5; let w = "meh"; rules_of(|r| if r.s > cut { POS } else if r.t.contains(w) { NEG } else { -1 })"#).unwrap(),
        r#"sNone Gt Float(2.5) => 1; tNone Contains Text("meh") => 0"#
    );
    // A captured value that is no literal: the closure is called.
    assert_eq!(
        read_in(r#"let words = ["a"]; rules_of(|r| if r.t == words { 1 } else { -1 })"#),
        None
    );
}

#[test]
fn other_bodies_are_not_read() {
    for source in [
        r#"|r| if r.t.trim().contains("x") { 1 } else { -1 }"#,
        r#"|r| if r.t.contains(r.u) { 1 } else { -1 }"#,
        r#"|r| if 3 in r.list { 1 } else { -1 }"#,
        r#"|r| if r.t in ["a", r.u] { 1 } else { -1 }"#,
        r#"|r| if r.t in [["a"]] { 1 } else { -1 }"#,
        r#"|r| if r.t.to_lower().to_upper() == "X" { 1 } else { -1 }"#,
        // A local never tested runs on every row all the same (and could fail there).
        r#"|r| { let t = r.t.to_lower(); if r.a > 1 { 1 } else { -1 } }"#,
        r#"|r| { let t = r.t; let t = r.u; if t == "a" { 1 } else { -1 } }"#,
        r#"|r| { let a = r.a; a += 1; if a > 1 { 1 } else { -1 } }"#,
        r#"|r| { let t = r.t.to_lower(); if t.to_upper() == "A" { 1 } else { -1 } }"#,
        r#"|r| { if r.a > 1 { throw "no"; } -1 }"#,
        r#"|r| { if r.a > 1 { return 1; } }"#,
        r#"|r| { if r.a > 1 { 1 } }"#,
        r#"|r| { if r.a > 1 { return "x"; } -1 }"#,
        r#"|r| { let r = r.a; if r > 1 { 1 } else { -1 } }"#,
    ] {
        assert_eq!(read(source), None, "{source}");
    }
    // A script's own method of one of the names changes what the closure means.
    let own = r#"fn to_lower() { "x" } rules_of(|r| if r.t.to_lower() == "x" { 1 } else { -1 })"#;
    let mut engine = Engine::new();
    engine.register_fn("rules_of", |ctx: NativeCallContext, f: FnPtr| {
        closure_rules(&ctx, &f).is_some()
    });
    assert!(!engine.eval::<bool>(own).unwrap());
}
