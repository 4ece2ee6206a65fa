//! Runaway scripts stop with a LimitExceeded error instead of taking the process down.

use super::{fail, run, session, with_big_stack};
use ladder_scripting::{ErrorKind, Limits};

#[test]
fn defaults_are_bounded() {
    let l = Limits::default();
    assert!(l.max_call_levels > 0 && l.max_call_levels <= 1024);
    assert!(l.max_array_size > 0 && l.max_array_size <= 100_000_000);
    assert!(l.max_string_size > 0 && l.max_string_size <= 1 << 30);
    assert!(l.max_map_size > 0);
    assert!(l.max_expr_depth > 0);
}

#[test]
fn runaway_recursion_is_a_limit_error() {
    let (kind, name, kept) = with_big_stack(|| {
        let (mut s, _) = session();
        run(&mut s, "let kept = 1;\nfn down(n) { down(n + 1) }");
        let e = fail(&mut s, "down(0)");
        let kept = run(&mut s, "kept");
        (e.kind, e.name, kept)
    });
    assert_eq!((kind, name.as_str()), (ErrorKind::Limit, "LimitExceeded"));
    assert_eq!(kept.as_deref(), Some("1"));
}

#[test]
fn recursion_on_a_small_stack_stops_before_the_process_dies() {
    // 512 call levels need more than 2 MiB of native stack: the guard must stop the cell
    // while there is stack left, instead of letting the process abort.
    let outcome = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let (mut s, _) = session();
            run(
                &mut s,
                "let kept = 5;\nfn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } }",
            );
            let e = fail(&mut s, "down(100000)");
            let shallow = run(&mut s, "down(20) + kept");
            (e.kind, e.message, shallow)
        })
        .unwrap()
        .join()
        .expect("the session thread survives");
    assert_eq!(outcome.0, ErrorKind::Limit, "{}", outcome.1);
    assert_eq!(outcome.2.as_deref(), Some("25"));
}

#[test]
fn deep_but_bounded_recursion_works() {
    let result = with_big_stack(|| {
        let (mut s, _) = session();
        run(
            &mut s,
            "fn sum(n) { if n == 0 { 0 } else { n + sum(n - 1) } }",
        );
        run(&mut s, "sum(400)")
    });
    assert_eq!(result.as_deref(), Some("80200"));
}

#[test]
fn a_growing_string_is_stopped_by_the_default_limit() {
    let (mut s, _) = session();
    run(&mut s, "let kept = 1;");
    let e = fail(&mut s, "let text = \"x\";\nloop { text += text; }");
    assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
    assert_eq!(e.line(), Some(2));
    assert_eq!(run(&mut s, "kept").as_deref(), Some("1"));
}

#[test]
fn a_growing_array_is_stopped_counting_nested_elements() {
    let (mut s, _) = session();
    run(&mut s, "%limit max_array_size 10000");
    let e = fail(&mut s, "let a = [0];\nloop { a += [a]; }");
    assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
}

#[test]
fn huge_allocations_in_one_call_are_refused() {
    with_big_stack(|| {
        let (mut s, _) = session();
        for code in [
            "let a = []; a.pad(1_000_000_000_000, 0);",
            "let t = \"x\"; t.pad(1_000_000_000_000, 'y');",
            "\"ab\" * 1_000_000_000_000",
        ] {
            let e = fail(&mut s, code);
            assert!(
                matches!(e.kind, ErrorKind::Limit | ErrorKind::Runtime),
                "{code}: {}",
                e.report()
            );
        }
    });
}

#[test]
fn deeply_nested_expressions_are_a_parse_error() {
    with_big_stack(|| {
        let (mut s, _) = session();
        let code = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        let e = fail(&mut s, &code);
        assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
    });
}

#[test]
fn max_operations_can_bound_a_cell() {
    let (mut s, _) = session();
    run(&mut s, "%limit max_operations 1000");
    let e = fail(&mut s, "let i = 0; loop { i += 1; }");
    assert_eq!(e.kind, ErrorKind::Limit);
    run(&mut s, "%limit max_operations 0");
}
