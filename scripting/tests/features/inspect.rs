//! Inspection: signature, doc comment, type and value of the name at the cursor.

use super::{run, session};
use ladder_scripting::mime::TEXT_MARKDOWN;
use ladder_scripting::rhai::FuncRegistration;
use ladder_scripting::Session;

fn inspect_text(s: &Session, code: &str, cursor: usize) -> String {
    let bundle = s
        .inspect(code, cursor)
        .unwrap_or_else(|| panic!("nothing found at {cursor} in {code:?}"));
    bundle.plain().unwrap().to_string()
}

#[test]
fn script_function_signature_and_doc_comment() {
    let (mut s, _) = session();
    run(
        &mut s,
        "/// Scale a value.\n/// Returns `x * factor`.\nfn scale(x, factor) { x * factor }",
    );
    let text = inspect_text(&s, "scale(2, 3)", 2);
    assert!(text.contains("scale(x, factor)"), "{text}");
    assert!(
        text.contains("Scale a value.\nReturns `x * factor`."),
        "{text}"
    );
    assert!(
        !text.contains("///"),
        "comment markers are stripped: {text}"
    );
    // Inside the call's parentheses the function is still what is inspected.
    assert_eq!(inspect_text(&s, "scale(2, 3)", 9), text);
    let md = s.inspect("scale", 0).unwrap();
    let md = md.data[TEXT_MARKDOWN].as_str().unwrap();
    assert!(md.contains("```") && md.contains("Scale a value."), "{md}");
}

#[test]
fn native_function_docs_from_registration() {
    let (mut s, _) = session();
    FuncRegistration::new("clip")
        .with_params_info(["x: f64", "lo: f64", "hi: f64", "f64"])
        .with_comments(["/// Clamp `x` into `[lo, hi]`."])
        .register_into_engine(s.engine_mut(), |x: f64, lo: f64, hi: f64| x.clamp(lo, hi));
    let text = inspect_text(&s, "clip", 4);
    assert!(
        text.contains("clip(x: f64, lo: f64, hi: f64) -> f64"),
        "{text}"
    );
    assert!(text.contains("Clamp `x` into `[lo, hi]`."), "{text}");
}

#[test]
fn all_overloads_of_a_standard_function() {
    let (s, _) = session();
    let text = inspect_text(&s, "range(0, 10)", 1);
    let sigs = text.lines().filter(|l| l.starts_with("range(")).count();
    assert!(sigs >= 2, "several overloads expected:\n{text}");
}

#[test]
fn variable_type_and_value() {
    let (mut s, _) = session();
    run(&mut s, "let xs = [1, 2, 3];");
    let text = inspect_text(&s, "xs.len()", 1);
    assert!(text.contains("xs: array"), "{text}");
    assert!(text.contains("[1, 2, 3]"), "{text}");
    // Long values are cut short.
    run(&mut s, "let long = \"\"; long.pad(5000, 'x');");
    let text = inspect_text(&s, "long", 2);
    assert!(text.len() < 1000, "{} chars", text.len());
}

#[test]
fn methods_are_looked_up_for_the_receiver_type() {
    let (mut s, _) = session();
    run(&mut s, "let word = \"hi\";");
    let text = inspect_text(&s, "word.to_upper()", 7);
    assert!(text.contains("to_upper("), "{text}");
}

#[test]
fn help_text_by_name() {
    let (mut s, _) = session();
    run(&mut s, "let n = 1;\n/// Says hi.\nfn hi() { \"hi\" }");
    assert!(s.help_text("hi").unwrap().contains("Says hi."));
    assert!(s.help_text("n").unwrap().contains("n: i64"));
    assert!(s.help_text("%timeit").unwrap().contains("loop"));
    let at_command = s.inspect("%timeit -n 3 f()", 3).unwrap();
    assert!(at_command.plain().unwrap().contains("-n LOOPS"));
    assert!(s.help_text("timeit").unwrap().contains("loop"));
    assert!(s.help_text("print").unwrap().contains("print("));
    assert!(s.help_text("while").unwrap().contains("keyword"));
    assert_eq!(s.help_text("nothing_like_this"), None);
    assert_eq!(s.inspect("   ", 1), None);
}

#[test]
fn a_path_separator_with_nothing_before_it_is_not_a_crash() {
    let (mut s, _) = session();
    run(&mut s, "let b = 1;");
    for (code, cursor) in [("::b", 3), ("::b", 2), (" ::b", 4), ("::", 2)] {
        assert_eq!(s.inspect(code, cursor), None, "{code:?} at {cursor}");
        s.complete(code, cursor);
    }
    assert_eq!(run(&mut s, "b").as_deref(), Some("1"));
}
