//! Structured errors: kind, name, message, line, column, caret and call chain.

use super::{fail, run, session};
use ladder_scripting::{ErrorKind, ScriptError};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The caret line of a report must point at `column` of the quoted source line.
fn assert_caret_under(e: &ScriptError, expected: &str) {
    let report = e.report();
    let lines: Vec<&str> = report.lines().collect();
    let loc = e.location.as_ref().expect("a location");
    let code_line = lines
        .iter()
        .position(|l| l.ends_with(&loc.code) && l.contains(" | "))
        .unwrap_or_else(|| panic!("source line missing from:\n{report}"));
    let code = lines[code_line];
    let caret = lines[code_line + 1];
    // Compare on-screen columns: wide characters (emoji, CJK) take two.
    let caret_col = UnicodeWidthStr::width(&caret[..caret.find('^').expect("a caret")]);
    let mut width = 0;
    let at = code
        .char_indices()
        .find(|(_, c)| {
            let before = width;
            width += if *c == '\t' {
                1
            } else {
                c.width().unwrap_or(0)
            };
            before >= caret_col
        })
        .map(|(i, _)| i)
        .unwrap_or(code.len());
    assert!(
        code[at..].starts_with(expected),
        "caret at column {caret_col} should be under {expected:?}:\n{report}"
    );
}

/// Rhai's messages carry their own `(line L, position C)`; the report shows the position
/// once, apart from the message.
fn assert_position_not_repeated(e: &ScriptError) {
    assert!(
        !e.message.contains("line ") && !e.message.contains("position "),
        "message repeats the position: {}",
        e.message
    );
}

#[test]
fn parse_errors_point_at_the_bad_token() {
    let (mut s, _) = session();
    let e = fail(&mut s, "let a = 1;\nlet b = (2 + ;");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.name, "SyntaxError");
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.column(), Some(14));
    assert_caret_under(&e, ";");
    assert_position_not_repeated(&e);
    assert!(
        s.get("a").is_none(),
        "a cell that does not parse runs nothing"
    );
}

#[test]
fn runtime_errors_of_each_class() {
    let cases: &[(&str, &str, usize, usize, &str)] = &[
        ("let a = 1;\n  a + nope", "VariableNotFound", 2, 7, "nope"),
        (
            "let a = 1;\nno_such_fn(a)",
            "FunctionNotFound",
            2,
            1,
            "no_such_fn",
        ),
        ("let a = [1, 2];\na[5]", "IndexError", 2, 3, "5]"),
        (
            "let zero = 0;\n10 / zero",
            "ArithmeticError",
            2,
            4,
            "/ zero",
        ),
        ("let c = 1;\nif c { 2 }", "TypeError", 2, 4, "c {"),
        ("let m = #{};\nthrow \"boom\"", "Exception", 2, 1, "throw"),
    ];
    for &(code, name, line, column, under) in cases {
        let (mut s, _) = session();
        let e = fail(&mut s, code);
        assert_eq!(e.kind, ErrorKind::Runtime, "{}", e.report());
        assert_eq!(e.name, name, "{}", e.report());
        assert_eq!(
            (e.line(), e.column()),
            (Some(line), Some(column)),
            "{}",
            e.report()
        );
        assert_caret_under(&e, under);
        assert_position_not_repeated(&e);
        assert!(e.call_chain.is_empty());
    }
}

#[test]
fn thrown_values_are_the_message() {
    let (mut s, _) = session();
    let e = fail(&mut s, "throw \"bad input: \" + 42;");
    assert_eq!(e.message, "bad input: 42");
}

#[test]
fn errors_in_functions_from_earlier_cells_show_the_call_chain() {
    let (mut s, _) = session();
    run(&mut s, "// helpers\nfn inner(x) {\n    x / 0\n}");
    run(&mut s, "fn outer(y) { inner(y) }");
    let e = fail(&mut s, "let z = 1;\nouter(z)");
    assert_eq!(e.name, "ArithmeticError");
    let loc = e.location.as_ref().unwrap();
    assert_eq!(loc.source, "cell[1]", "the line is the function's own cell");
    assert_eq!((loc.line, loc.column), (3, Some(7)));
    assert_eq!(loc.code, "    x / 0");
    assert_caret_under(&e, "/ 0");
    let chain: Vec<(&str, &str, usize)> = e
        .call_chain
        .iter()
        .map(|f| {
            let site = f.call_site.as_ref().unwrap();
            (f.function.as_str(), site.source.as_str(), site.line)
        })
        .collect();
    assert_eq!(
        chain,
        vec![("outer", "cell[3]", 2), ("inner", "cell[2]", 1)]
    );
    let report = e.report();
    assert!(report.contains("in call to 'outer'"), "{report}");
    assert!(report.contains("in call to 'inner'"), "{report}");
    assert_position_not_repeated(&e);
}

#[test]
fn a_function_error_reports_its_own_line_in_the_same_cell() {
    let (mut s, _) = session();
    let e = fail(&mut s, "fn f(a) {\n  a.no_method()\n}\n\nf(1)");
    assert_eq!(e.name, "FunctionNotFound", "{}", e.report());
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.call_chain.len(), 1);
    assert_eq!(e.call_chain[0].call_site.as_ref().unwrap().line, 5);
}

#[test]
fn carets_line_up_after_multibyte_characters_and_tabs() {
    let (mut s, _) = session();
    let e = fail(&mut s, "let s = \"héllo 🎉\"; s + nope");
    assert_caret_under(&e, "nope");
    let e = fail(&mut s, "\tlet t = nope;");
    let report = e.report();
    assert!(
        report.contains("| \t        ^"),
        "tab kept in the caret line:\n{report}"
    );
}

#[test]
fn an_unknown_command_is_a_command_error() {
    let (mut s, _) = session();
    let e = fail(&mut s, "let a = 1;\n  %nope 1");
    assert_eq!(e.kind, ErrorKind::Command);
    assert!(e.message.contains("%nope"), "{}", e.message);
    assert_eq!((e.line(), e.column()), (Some(2), Some(3)));
    assert_caret_under(&e, "%nope");
}

#[test]
fn errors_display_on_one_line_with_their_position() {
    let (mut s, _) = session();
    let e = fail(&mut s, "\nlet x = nope;");
    assert_eq!(
        e.to_string(),
        "VariableNotFound: Variable not found: nope (cell[1], line 2, column 9)"
    );
    let ansi = e.traceback(true).join("\n");
    assert!(ansi.contains("\x1b["), "coloured traceback");
}

#[test]
fn recursive_calls_are_folded_in_the_report() {
    let (mut s, _) = session();
    run(
        &mut s,
        "fn down(n) {\n  if n == 0 { throw \"bottom\" }\n  down(n - 1)\n}",
    );
    let e = fail(&mut s, "down(30)");
    assert_eq!(e.message, "bottom");
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.call_chain.len(), 31);
    let report = e.report();
    assert!(
        report.contains("[the call above repeated 29 more times]"),
        "{report}"
    );
    assert!(
        report.contains("    down(n - 1)"),
        "call sites are quoted:\n{report}"
    );
    assert!(report.lines().count() < 15, "{report}");
}

#[test]
fn too_deep_recursion_names_the_limit() {
    let message = super::with_big_stack(|| {
        let (mut s, _) = session();
        run(&mut s, "fn down(n) { down(n + 1) }");
        fail(&mut s, "down(0)").message
    });
    assert!(message.contains("max_call_levels"), "{message}");
}

#[test]
fn errors_inside_imported_modules_quote_the_module_file() {
    let dir = std::env::temp_dir().join(format!("ladder-module-error-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("calc.rhai"), "fn bad(x) {\n    x / 0\n}\n").unwrap();
    let (mut s, _) = session();
    s.set_import_dir(&dir);
    run(&mut s, "import \"calc\" as calc;");
    let e = fail(&mut s, "let y = 2;\ncalc::bad(y)");
    assert_eq!(e.name, "ArithmeticError");
    let loc = e.location.clone().unwrap();
    assert_eq!((loc.source.as_str(), loc.line), ("calc", 2));
    assert_eq!(loc.code, "    x / 0");
    assert_caret_under(&e, "/ 0");
    std::fs::remove_dir_all(&dir).ok();
}

/// A call that matches no overload says how the function is called, as Python's `TypeError`
/// names the missing argument; a misspelt name gets the nearest defined ones.
#[test]
fn a_function_not_found_says_how_the_name_is_called_or_what_was_meant() {
    let (mut s, _) = session();
    run(&mut s, "fn two(a, b) { a + b }");
    let e = fail(&mut s, "two(1)");
    assert_eq!(e.name, "FunctionNotFound");
    assert_eq!(e.message, "Function not found: two (i64)");
    assert_eq!(e.hint.as_deref(), Some("`two` is called as:\n  two(a, b)"));
    // The report shows it under the message; the one-line form leaves it out.
    assert!(e
        .report()
        .ends_with("two (i64)\n`two` is called as:\n  two(a, b)"));
    assert!(!e.to_string().contains('\n'));
    // A native function with its overloads, never the exotic widths.
    let e = fail(&mut s, "\"abc\".sub_string(\"x\")");
    assert!(
        hint(&e).contains("sub_string(string: string, start: i64, len: i64)"),
        "{}",
        hint(&e)
    );
    assert!(!hint(&e).contains("i32"), "{}", hint(&e));
    // A misspelling: the defined names nearest to it, script functions included.
    let e = fail(&mut s, "twoo(1, 2)");
    assert_eq!(hint(&e), "did you mean `two`?");
    let e = fail(&mut s, "let x = [3, 1];\nx.sortt()");
    assert!(hint(&e).contains("`sort`"), "{}", hint(&e));
    // Nothing near: Rhai's message alone.
    let e = fail(&mut s, "qqqqqqqqq(1)");
    assert_eq!(e.hint, None);
}

fn hint(e: &ScriptError) -> &str {
    e.hint.as_deref().unwrap_or_default()
}

/// A misspelt variable or property gets the nearest names; a property of `()` says where
/// such a value comes from.
#[test]
fn a_missing_variable_or_property_gets_the_nearest_names() {
    let (mut s, _) = session();
    run(&mut s, "let learning_rate = 0.1;");
    let e = fail(&mut s, "learnig_rate * 2");
    assert_eq!(e.message, "Variable not found: learnig_rate");
    assert_eq!(hint(&e), "did you mean `learning_rate`?");
    let e = fail(&mut s, "let m = #{a: 1};\nm.b.c");
    assert!(
        hint(&e).starts_with("the value before `.c` is ()"),
        "{}",
        hint(&e)
    );
    assert_eq!(fail(&mut s, "zzzzzzzzzz").hint, None);
}

/// A closure of the session called with the wrong number of arguments shows the parameters
/// the user wrote and the arguments given, its captured variables left out.
#[test]
fn a_closure_called_with_the_wrong_arguments_shows_its_parameters() {
    let (mut s, _) = session();
    run(&mut s, "let y = 3; let g = |a| a + y;");
    let e = fail(&mut s, "g.call(1, 2)");
    assert_eq!(
        hint(&e),
        "the closure |a| takes one argument, but is called with 2: (i64, i64)"
    );
    // One held in a map or an array of the session too.
    run(
        &mut s,
        "let fns = #{double: |x| x * y}; let list = [1, [|p, q| p + q + y]];",
    );
    let e = fail(&mut s, "fns.double.call(1, 2)");
    assert_eq!(
        hint(&e),
        "the closure |x| takes one argument, but is called with 2: (i64, i64)"
    );
    let e = fail(&mut s, "list[1][0].call(1)");
    assert_eq!(
        hint(&e),
        "the closure |p, q| takes 2 arguments, but is called with 1: (i64)"
    );
}

#[derive(Clone)]
struct Probe;

/// A property called as a method (`t.shape()`, as PyTorch's `size()`) or a method read as a
/// property (`d.head`) says which it is.
#[test]
fn a_property_called_or_a_method_read_says_which_it_is() {
    let library = |engine: &mut rhai::Engine, _: &mut ladder_scripting::Renderers| {
        engine
            .register_type_with_name::<Probe>("Probe")
            .register_fn("probe", || Probe)
            .register_get("width", |_: &mut Probe| 3_i64)
            .register_fn("scaled", |_: &mut Probe, k: i64| k * 3);
    };
    let frontend = std::rc::Rc::new(ladder_scripting::CaptureFrontend::new());
    let mut s =
        ladder_scripting::Session::with_libraries(frontend, vec![std::rc::Rc::new(library)]);
    run(&mut s, "let p = probe();");
    let e = fail(&mut s, "p.width()");
    assert_eq!(
        hint(&e),
        "`width` is a property of Probe: read it without parentheses, `.width`"
    );
    let e = fail(&mut s, "p.scaled");
    assert!(
        hint(&e).starts_with("`scaled` is a method of Probe, called with parentheses:\n  scaled("),
        "{}",
        hint(&e)
    );
    // Rhai's own types too: an array's `sort` is a method.
    let e = fail(&mut s, "[3, 1].sort");
    assert!(
        hint(&e).starts_with("`sort` is a method of array, called with parentheses:"),
        "{}",
        hint(&e)
    );
}
