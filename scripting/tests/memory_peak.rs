//! Runaway growth stops before the process passes `max_memory` by more than a tenth: the
//! peak the counting allocator saw stays within 110 % of the limit. One test in its own
//! binary, so no other test allocates while the peak is measured.

use ladder_scripting::memory::{self, CountingAllocator};
use ladder_scripting::{CaptureFrontend, ErrorKind, Session};
use std::rc::Rc;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[test]
fn growth_bombs_stop_within_a_tenth_of_the_limit() {
    let mut s = Session::new(Rc::new(CaptureFrontend::new()));
    s.execute("let kept = 7;").unwrap();
    let bombs = [
        (
            "a",
            "let a = [];\nloop { a.push(\"xxxxxxxxxxxxxxxxxxxxxxxx\"); }",
        ),
        (
            "b",
            "let b = [\"xxxxxxxxxxxxxxxxxxxxxxxx\"];\nloop { b += b; }",
        ),
        ("c", "let c = [1];\nloop { c = c + c; }"),
        (
            "t",
            "let t = \"xxxxxxxxxxxxxxxxxxxxxxxx\";\nloop { t += t; }",
        ),
        ("u", "let u = \"x\";\nloop { u = u + u; }"),
    ];
    for (name, code) in bombs {
        let limit = memory::live_bytes().expect("the counting allocator") + (96 << 20);
        s.execute(&format!("%limit max_memory {limit}")).unwrap();
        memory::reset_peak();
        let e = s.execute(code).expect_err(code);
        let peak = memory::peak_bytes().unwrap();
        assert_eq!(e.kind, ErrorKind::Limit, "{}", e.report());
        assert!(
            peak <= limit + limit / 10,
            "{name}: peak {} MiB over the limit {} MiB",
            peak >> 20,
            limit >> 20
        );
        s.execute(&format!("{name} = ();")).unwrap();
    }
    let kept = s.execute("kept").unwrap().unwrap();
    assert_eq!(kept.plain(), Some("7"));
}
