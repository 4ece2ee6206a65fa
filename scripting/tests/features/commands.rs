//! IPython-style `%commands` at the start of a line.

use super::{fail, run, session};
use ladder_scripting::{ErrorKind, Stream};

#[test]
fn time_runs_the_code_once_and_shows_its_value() {
    let (mut s, out) = session();
    run(&mut s, "let calls = 0;");
    assert_eq!(
        run(&mut s, "%time calls += 1; calls * 10").as_deref(),
        Some("10")
    );
    let text = out.text(Stream::Stdout);
    assert!(text.starts_with("Wall time: "), "{text}");
    assert!(text.ends_with("s\n"), "{text}");
    assert_eq!(run(&mut s, "calls").as_deref(), Some("1"));
    // Variables bound under %time stay, as in IPython.
    run(&mut s, "%time let t = 5;");
    assert_eq!(run(&mut s, "t").as_deref(), Some("5"));
}

#[test]
fn commands_mix_with_code_and_keep_line_numbers() {
    let (mut s, out) = session();
    let e = fail(&mut s, "let a = 1;\n%time a + 1\nlet b = nope;");
    assert_eq!(e.line(), Some(3));
    assert!(out.text(Stream::Stdout).starts_with("Wall time"));
    let e = fail(&mut s, "%time 1 +\n");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.line(), Some(1));
    let e = fail(&mut s, "\n%time  nope");
    assert_eq!((e.line(), e.column()), (Some(2), Some(8)), "{}", e.report());
}

#[test]
fn timeit_with_fixed_loops_and_runs() {
    let (mut s, out) = session();
    run(&mut s, "let count = 0;");
    assert_eq!(run(&mut s, "%timeit -n 3 -r 2 count += 1"), None);
    let text = out.text(Stream::Stdout);
    assert!(
        text.contains("per loop (mean ± std. dev. of 2 runs, 3 loops each)"),
        "{text}"
    );
    assert_eq!(run(&mut s, "count").as_deref(), Some("6"));
    // Variables made inside the timed code do not leak out.
    run(&mut s, "%timeit -n 1 -r 1 let tmp = 1;");
    assert!(s.get("tmp").is_none());
}

#[test]
fn timeit_chooses_the_loop_count() {
    let (mut s, out) = session();
    run(&mut s, "%timeit -r 1 1 + 1");
    let text = out.text(Stream::Stdout);
    // A trivial expression needs many loops to reach 0.2 s.
    let loops: u64 = text
        .split("runs, ")
        .nth(1)
        .or_else(|| text.split("run, ").nth(1))
        .and_then(|t| t.split(" loop").next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .unwrap_or_else(|| panic!("no loop count in {text}"));
    assert!(loops >= 1000, "{text}");
}

#[test]
fn timeit_reports_errors_in_the_timed_code() {
    let (mut s, _) = session();
    let e = fail(&mut s, "%timeit -n 1 -r 1 nope");
    assert_eq!(e.name, "VariableNotFound");
    let e = fail(&mut s, "%timeit");
    assert_eq!(e.kind, ErrorKind::Command);
    let e = fail(&mut s, "%timeit -n x 1");
    assert_eq!(e.kind, ErrorKind::Command);
    // A flag without its number is the command's misuse, not code `-n` to run.
    for line in ["%timeit -n", "%timeit -r 2 -n", "%timeit -r  "] {
        let e = fail(&mut s, line);
        assert_eq!(e.kind, ErrorKind::Command, "{line}: {}", e.report());
        assert!(e.message.contains("needs a"), "{line}: {}", e.message);
    }
}

#[test]
fn who_lists_variables_with_types() {
    let (mut s, out) = session();
    run(&mut s, "%who");
    assert_eq!(out.text(Stream::Stdout), "No variables defined.\n");
    out.take();
    run(&mut s, "let count = 1; let name = \"x\"; let xs = [1];");
    run(&mut s, "%who");
    assert_eq!(
        out.text(Stream::Stdout),
        "count  i64\nname   string\nxs     array\n"
    );
}

#[test]
fn who_with_type_names_lists_only_those_types() {
    // IPython's `%who int str`: only variables of the named types.
    let (mut s, out) = session();
    run(
        &mut s,
        "let count = 1; let name = \"x\"; let xs = [1]; let n = 2;",
    );
    run(&mut s, "%who i64");
    assert_eq!(out.text(Stream::Stdout), "count  i64\nn      i64\n");
    out.take();
    run(&mut s, "%who string Array");
    assert_eq!(out.text(Stream::Stdout), "name  string\nxs    array\n");
    out.take();
    run(&mut s, "%who Tensor");
    assert_eq!(
        out.text(Stream::Stdout),
        "No variables of type Tensor (types here: array, i64, string).\n"
    );
}

#[test]
fn reset_clears_state() {
    let (mut s, out) = session();
    run(&mut s, "let a = 1; fn f() { 1 }");
    run(&mut s, "%reset");
    assert!(out.text(Stream::Stdout).contains("Session reset"));
    assert!(s.variables().is_empty());
    assert_eq!(fail(&mut s, "f()").name, "FunctionNotFound");
    assert_eq!(fail(&mut s, "a").name, "VariableNotFound");
}

#[test]
fn reset_with_an_argument_it_does_not_know_keeps_everything() {
    // IPython refuses `%reset extra` ("Don't know how to reset extra") and resets nothing.
    let (mut s, out) = session();
    run(&mut s, "let a = 1; fn f() { 2 }");
    let e = fail(&mut s, "%reset extra");
    assert_eq!(e.kind, ErrorKind::Command);
    assert!(e.message.contains("extra"), "{}", e.message);
    assert!(e.message.contains("%reset"), "{}", e.message);
    assert!(!out.text(Stream::Stdout).contains("Session reset"));
    assert_eq!(run(&mut s, "a + f()").as_deref(), Some("3"));
    // `-f` (IPython's "without asking") is accepted: nothing asks here anyway.
    run(&mut s, "%reset -f");
    assert_eq!(fail(&mut s, "a").name, "VariableNotFound");
}

#[test]
fn help_lists_commands_and_explains_names() {
    let (mut s, out) = session();
    run(&mut s, "%help");
    let text = out.text(Stream::Stdout);
    for name in ["%time", "%timeit", "%who", "%reset", "%help", "%limit"] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    out.take();
    run(&mut s, "/// Add one.\nfn inc(x) { x + 1 }");
    run(&mut s, "%help inc");
    let text = out.text(Stream::Stdout);
    assert!(text.contains("inc(x)"), "{text}");
    assert!(text.contains("Add one."), "{text}");
    out.take();
    run(&mut s, "%help %timeit");
    assert!(out.text(Stream::Stdout).contains("loop"));
    let e = fail(&mut s, "%help no_such_name");
    assert_eq!(e.kind, ErrorKind::Command);
    assert!(e.message.contains("no_such_name"));
}

#[test]
fn limit_shows_and_changes_limits() {
    let (mut s, out) = session();
    run(&mut s, "%limit");
    let text = out.text(Stream::Stdout);
    assert!(text.contains("max_array_size"), "{text}");
    assert!(text.contains("max_call_levels"), "{text}");
    out.take();
    run(&mut s, "%limit max_array_size 3");
    assert_eq!(out.text(Stream::Stdout), "max_array_size = 3\n");
    assert_eq!(s.limits().max_array_size, 3);
    let e = fail(&mut s, "let a = [1, 2, 3, 4];");
    assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
    run(&mut s, "%limit max_array_size 0");
    run(&mut s, "let a = [1, 2, 3, 4];");
    // Limits outlive a reset.
    run(&mut s, "%limit max_string_size 10\n%reset");
    assert_eq!(
        fail(&mut s, "let t = \"0123456789abc\";").kind,
        ErrorKind::Limit
    );
    // A name alone shows that one limit.
    out.take();
    run(&mut s, "%limit max_array_size");
    let one = out.text(Stream::Stdout);
    assert!(one.starts_with("max_array_size = 0"), "{one}");
    for bad in [
        "%limit nope 1",
        "%limit nope",
        "%limit max_array_size lots",
        "%limit max_array_size 1 2",
    ] {
        assert_eq!(fail(&mut s, bad).kind, ErrorKind::Command, "{bad}");
    }
}
