//! Tab completion at a cursor counted in Unicode code points.

use super::{run, session};
use ladder_scripting::rhai::FuncRegistration;
use ladder_scripting::Session;

/// Complete at the end of `code`.
fn at_end(s: &Session, code: &str) -> (Vec<String>, usize, usize) {
    let c = s.complete(code, code.chars().count());
    (c.matches, c.cursor_start, c.cursor_end)
}

fn has(matches: &[String], name: &str) -> bool {
    matches.iter().any(|m| m == name)
}

#[derive(Clone)]
struct Point {
    x: f64,
    y: f64,
}

fn with_point_type(s: &mut Session) {
    s.engine_mut()
        .register_type_with_name::<Point>("Point")
        .register_fn("point", |x: f64, y: f64| Point { x, y })
        .register_get("x", |p: &mut Point| p.x)
        .register_get("y", |p: &mut Point| p.y)
        .register_fn("norm", |p: &mut Point| p.x.hypot(p.y));
}

#[test]
fn variables_in_scope() {
    let (mut s, _) = session();
    run(
        &mut s,
        "let alpha = 1; let alphabet = [2]; let beta = 3; const ALPHA_MAX = 9;",
    );
    let (matches, start, end) = at_end(&s, "alp");
    assert_eq!(matches, vec!["alpha", "alphabet"]);
    assert_eq!((start, end), (0, 3));
    assert!(has(&at_end(&s, "1 + ALP").0, "ALPHA_MAX"));
    assert_eq!(s.complete("alp", 3).kinds, vec!["variable", "variable"]);
}

#[test]
fn each_match_says_what_it_is() {
    let (mut s, _) = session();
    with_point_type(&mut s);
    run(
        &mut s,
        "let p = point(1.0, 2.0); let m = #{xs: 1}; fn pfun() {}",
    );
    let kinds = |code: &str| {
        let c = s.complete(code, code.chars().count());
        c.matches.into_iter().zip(c.kinds).collect::<Vec<_>>()
    };
    let found = kinds("p");
    assert!(found.contains(&("p".into(), "variable")), "{found:?}");
    assert!(found.contains(&("pfun".into(), "function")), "{found:?}");
    assert!(found.contains(&("private".into(), "keyword")), "{found:?}");
    assert!(kinds("p.").contains(&("x".into(), "property")));
    assert!(kinds("p.").contains(&("norm".into(), "function")));
    assert_eq!(kinds("m.x"), vec![("xs".into(), "key")]);
    assert_eq!(kinds("%wh"), vec![("%who".into(), "magic")]);
}

#[test]
fn names_bound_earlier_in_the_same_cell() {
    let (s, _) = session();
    let (matches, ..) = at_end(
        &s,
        "let learning_rate = 0.1;\nfor epoch_index in range(0, 3) {\n  learn",
    );
    assert!(has(&matches, "learning_rate"), "{matches:?}");
    assert!(has(
        &at_end(&s, "for epoch_index in range(0, 3) { epo").0,
        "epoch_index"
    ));
}

#[test]
fn keywords() {
    let (s, _) = session();
    assert!(has(&at_end(&s, "whi").0, "while"));
    assert!(has(&at_end(&s, "x = 1; ret").0, "return"));
    assert!(has(&at_end(&s, "le").0, "let"));
}

#[test]
fn native_and_script_functions() {
    let (mut s, _) = session();
    assert!(has(&at_end(&s, "pri").0, "print"), "builtin print");
    assert!(has(&at_end(&s, "disp").0, "display"), "session builtin");
    assert!(has(&at_end(&s, "ran").0, "range"), "Rhai standard library");
    run(&mut s, "fn my_helper(x) { x }");
    assert!(has(&at_end(&s, "my_h").0, "my_helper"));
    // New functions registered after a completion are seen (the cache is refreshed).
    let _ = at_end(&s, "sq");
    s.engine_mut().register_fn("square_it", |x: i64| x * x);
    assert!(has(&at_end(&s, "squ").0, "square_it"));
    // Operators and internal names never show up.
    let all = at_end(&s, "g").0;
    assert!(all.iter().all(|m| !m.contains('$')), "{all:?}");
}

#[test]
fn commands_at_line_start() {
    let (s, _) = session();
    let (matches, start, end) = at_end(&s, "%ti");
    assert_eq!(matches, vec!["%time", "%timeit"]);
    assert_eq!((start, end), (0, 3));
    let (matches, start, _) = at_end(&s, "let a = 1;\n  %wh");
    assert_eq!(matches, vec!["%who"]);
    assert_eq!(start, 13);
    // Arguments of `%help` are names, of `%limit` limit names; `%time` takes code.
    assert_eq!(at_end(&s, "%help whi").0, vec!["while"]);
    assert_eq!(at_end(&s, "%limit max_ca").0, vec!["max_call_levels"]);
    let (matches, start, _) = at_end(&s, "%time pri");
    assert!(has(&matches, "print"), "{matches:?}");
    assert_eq!(start, 6);
    // `%` in the middle of a line is the modulo operator.
    assert!(at_end(&s, "10 %ti").0.iter().all(|m| !m.starts_with('%')));
}

#[test]
fn methods_of_the_value_type_after_a_dot() {
    let (mut s, _) = session();
    run(&mut s, "let name = \"abc\"; let items = [1, 2];");
    let (matches, start, end) = at_end(&s, "name.to_up");
    assert_eq!(matches, vec!["to_upper"]);
    assert_eq!((start, end), (5, 10));
    let (matches, ..) = at_end(&s, "items.");
    assert!(has(&matches, "push") && has(&matches, "len"), "{matches:?}");
    assert!(
        !has(&matches, "to_upper"),
        "string methods are not array methods"
    );
    assert!(!has(&matches, "items"), "variables are not methods");
    assert!(has(&at_end(&s, "\"lit\".trim").0, "trim"), "string literal");
}

#[test]
fn properties_and_methods_of_registered_types() {
    let (mut s, _) = session();
    with_point_type(&mut s);
    run(&mut s, "let p = point(3.0, 4.0);");
    let (matches, ..) = at_end(&s, "p.");
    for m in ["x", "y", "norm"] {
        assert!(has(&matches, m), "{m} missing from {matches:?}");
    }
    assert!(!has(&matches, "push"));
    assert_eq!(at_end(&s, "p.no").0, vec!["norm"]);
}

#[test]
fn keys_of_object_maps() {
    let (mut s, _) = session();
    run(
        &mut s,
        "let cfg = #{learning_rate: 0.1, layers: #{hidden: 4}};",
    );
    let (matches, ..) = at_end(&s, "cfg.la");
    assert!(has(&matches, "layers"), "{matches:?}");
    assert!(has(&at_end(&s, "cfg.layers.hi").0, "hidden"));
}

#[test]
fn module_members_after_double_colon() {
    let (mut s, _) = session();
    let dir = std::env::temp_dir().join(format!("ladder-complete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tools.rhai");
    std::fs::write(
        &path,
        "/// Times three.\nfn triple(x) { x * 3 }\nfn twice(x) { x * 2 }\nexport const TOP = 9;\n",
    )
    .unwrap();
    run(
        &mut s,
        &format!("import \"{}\" as tools;", path.with_extension("").display()),
    );
    let (matches, start, _) = at_end(&s, "tools::t");
    assert_eq!(matches, vec!["triple", "twice"]);
    assert_eq!(start, 7);
    assert_eq!(at_end(&s, "tools::T").0, vec!["TOP"]);
    let help = s.inspect("tools::triple(1)", 9).unwrap();
    assert!(
        help.plain().unwrap().contains("tools::triple(x)"),
        "{help:?}"
    );
    assert!(help.plain().unwrap().contains("Times three."), "{help:?}");
    assert!(s.help_text("tools::TOP").unwrap().contains("= 9"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cursor_counts_code_points_not_bytes() {
    let (mut s, _) = session();
    run(&mut s, "let resume_count = 1;");
    // Multibyte and astral-plane characters before the cursor.
    let code = "let s = \"é🎉🎉\"; resume_c";
    let c = s.complete(code, code.chars().count());
    assert_eq!(c.matches, vec!["resume_count"]);
    assert_eq!(c.cursor_end, code.chars().count());
    assert_eq!(
        c.cursor_start,
        code.chars().count() - "resume_c".chars().count()
    );
    // A cursor in the middle of the code completes what is before it.
    let code = "\"🎉\"; resume_c + 1";
    let cursor = "\"🎉\"; resume_c".chars().count();
    let c = s.complete(code, cursor);
    assert_eq!(c.matches, vec!["resume_count"]);
    assert_eq!((c.cursor_start, c.cursor_end), (5, cursor));
    // A cursor past the end is clamped rather than a panic.
    let c = s.complete("resume_c", 100);
    assert_eq!(c.matches, vec!["resume_count"]);
    // Inspection counts the same way.
    let code = "\"🎉é\" + resume_count";
    let text = s.inspect(code, code.chars().count() - 2).unwrap();
    assert!(text.plain().unwrap().starts_with("resume_count: i64"));
}

#[test]
fn nothing_inside_strings_and_comments() {
    let (mut s, _) = session();
    run(&mut s, "let alpha = 1;");
    assert!(at_end(&s, "\"al").0.is_empty());
    assert!(at_end(&s, "// al").0.is_empty());
    assert!(has(&at_end(&s, "\"x\" + al").0, "alpha"));
}

#[test]
fn documented_native_functions_complete_like_any_other() {
    let (mut s, _) = session();
    FuncRegistration::new("zscore")
        .with_comments(["/// Standardise a value."])
        .register_into_engine(s.engine_mut(), |x: f64| x);
    assert_eq!(at_end(&s, "zsc").0, vec!["zscore"]);
}
