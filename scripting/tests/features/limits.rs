//! Runaway scripts stop with a LimitExceeded error instead of taking the process down.

use super::{fail, run, session, with_big_stack};
use ladder_scripting::{ErrorKind, Limits};

#[test]
fn defaults_are_bounded() {
    let l = Limits::default();
    assert!(l.max_call_levels > 0 && l.max_call_levels <= 1024);
    assert!(l.max_expr_depth > 0);
    assert!(l.max_memory > 0, "the machine's memory is known on Linux");
    // Rhai's size checks cost O(size) per change: off unless asked for.
    assert_eq!(
        (l.max_array_size, l.max_map_size, l.max_string_size),
        (0, 0, 0)
    );
}

#[test]
fn building_a_large_array_with_push_stays_linear() {
    // With Rhai's array limit on, each push re-counts the array (O(n²) in all); 200k
    // pushes would take minutes.
    let (mut s, _) = session();
    let n = run(
        &mut s,
        "let a = [];\nfor i in 0..200000 { a.push(i); }\na.len()",
    );
    assert_eq!(n.as_deref(), Some("200000"));
}

/// A `%limit max_memory` line allowing `extra` bytes over what the process holds now.
fn memory_limit_line(extra: usize) -> String {
    let live = ladder_scripting::memory::live_bytes().expect("the counting allocator");
    format!("%limit max_memory {}", live + extra)
}

#[test]
fn runaway_growth_is_stopped_by_the_memory_limit() {
    let (mut s, _) = session();
    run(&mut s, "let kept = 1;");
    run(&mut s, &memory_limit_line(48 << 20));
    for (name, code) in [
        ("text", "let text = \"x\";\nloop { text += text; }"),
        ("a", "let a = [0];\nloop { a += a; }"),
        (
            "m",
            "let m = #{};\nlet i = 0;\nloop { let row = [i]; row.pad(100, 0); m[`key${i}`] = row; i += 1; }",
        ),
    ] {
        let e = fail(&mut s, code);
        assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
        assert!(e.message.contains("max_memory"), "{}", e.message);
        assert_eq!(e.line(), Some(code.lines().count()), "{}", e.report());
        // What grew is still bound; freeing it works even though memory is high.
        run(&mut s, &format!("{name} = ();"));
    }
    assert_eq!(run(&mut s, "kept").as_deref(), Some("1"));
    // A limit set in a cell holds for the rest of that cell (a generous one before it).
    run(&mut s, &memory_limit_line(1 << 30));
    let live_mib = ladder_scripting::memory::live_bytes().unwrap() >> 20;
    let cell = format!(
        "{}\nlet b = [0];\nloop {{ b += b; }}",
        memory_limit_line(32 << 20)
    );
    let e = fail(&mut s, &cell);
    assert_eq!(e.kind, ErrorKind::Limit);
    let held: usize = e
        .message
        .split_whitespace()
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        held < live_mib + 256,
        "stopped at {held} MiB: {}",
        e.message
    );
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
fn a_growing_array_is_stopped_counting_nested_elements() {
    let (mut s, _) = session();
    run(&mut s, "%limit max_array_size 10000");
    let e = fail(&mut s, "let a = [0];\nloop { a += [a]; }");
    assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
}

#[test]
fn huge_allocations_in_one_call_are_refused() {
    let (mut s, _) = session();
    run(&mut s, "let kept = [1, 2];");
    for code in [
        "let a = []; a.pad(1_000_000_000_000, 0);",
        "let t = \"x\"; t.pad(1_000_000_000_000, 'y');",
        "let t = \"x\"; t.pad(1_000_000_000_000, \"ab\");",
        "let b = blob(1_000_000_000_000);",
        "let b = blob(1_000_000_000_000, 7);",
        "let b = blob(); b.pad(1_000_000_000_000, 1);",
    ] {
        let e = fail(&mut s, code);
        assert_eq!(e.kind, ErrorKind::Limit, "{code}: {}", e.report());
    }
    // The guarded versions behave as Rhai's own.
    assert_eq!(
        run(&mut s, "let a = [1]; a.pad(3, 0); a").as_deref(),
        Some("[1, 0, 0]")
    );
    assert_eq!(
        run(&mut s, "let t = \"x\"; t.pad(6, \"ab\"); t").as_deref(),
        Some("\"xababa\"")
    );
    assert_eq!(
        run(&mut s, "let t = \"é\"; t.pad(3, '🎉'); t").as_deref(),
        Some("\"é🎉🎉\"")
    );
    assert_eq!(
        run(
            &mut s,
            "let b = blob(2, 0x1ff); b.pad(3, 2); b.len() + b[0] + b[2]"
        )
        .as_deref(),
        Some("260")
    );
    assert_eq!(run(&mut s, "kept").as_deref(), Some("[1, 2]"));
    // Nothing was allocated, so a script may catch the refusal and go on (Python's
    // MemoryError); a value that keeps growing stops the cell instead (above).
    let caught = run(
        &mut s,
        "let caught = \"\"; try { blob(1_000_000_000_000) } catch (e) { caught = e } caught",
    )
    .unwrap();
    assert!(caught.contains("more than max_memory allows"), "{caught}");
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
