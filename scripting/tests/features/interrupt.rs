//! Panics in native code and interrupts from another thread leave the session intact.

use super::{fail, run, session};
use ladder_scripting::ErrorKind;
use std::time::Duration;

#[test]
fn a_native_panic_is_an_error_and_the_session_survives() {
    let (mut s, _) = session();
    s.engine_mut().register_fn("explode", |n: i64| -> i64 {
        if n > 2 {
            panic!("too big: {n}");
        }
        n
    });
    run(&mut s, "let kept = explode(1); fn f() { 7 }");
    let e = fail(&mut s, "let half = 5;\nexplode(kept + 2)");
    assert_eq!(e.kind, ErrorKind::Panic);
    assert!(e.message.contains("too big: 3"), "{}", e.message);
    assert_eq!(run(&mut s, "kept + half + f()").as_deref(), Some("13"));
}

#[test]
fn an_infinite_loop_is_interrupted_from_another_thread() {
    let (mut s, _) = session();
    run(&mut s, "let kept = 41; let n = 0;");
    let handle = s.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.interrupt();
    });
    let e = fail(&mut s, "loop {\n  n += 1;\n}");
    stopper.join().unwrap();
    assert_eq!(e.kind, ErrorKind::Interrupted);
    assert_eq!(e.name, "Interrupted");
    assert!(e.line().is_some(), "{}", e.report());
    // The loop really ran, and everything it and earlier cells did is kept.
    let n: i64 = s.get("n").unwrap().as_int().unwrap();
    assert!(n > 0);
    assert_eq!(run(&mut s, "kept + 1").as_deref(), Some("42"));
}

#[test]
fn an_interrupt_stops_a_loop_inside_a_function() {
    let (mut s, _) = session();
    run(&mut s, "fn spin() { let i = 0; while true { i += 1; } }");
    let handle = s.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let e = fail(&mut s, "spin()");
    stopper.join().unwrap();
    assert_eq!(e.kind, ErrorKind::Interrupted, "{}", e.report());
    assert_eq!(
        run(&mut s, "1").as_deref(),
        Some("1"),
        "next cell runs normally"
    );
}

#[test]
fn library_loops_see_the_interrupt_through_the_context() {
    let (mut s, _) = session();
    s.engine_mut().register_fn(
        "train",
        || -> Result<i64, Box<ladder_scripting::rhai::EvalAltResult>> {
            for step in 0.. {
                ladder_scripting::context::check_interrupt()?;
                if step > 100_000 {
                    return Ok(step);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            unreachable!()
        },
    );
    let handle = s.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let e = fail(&mut s, "let before = 1;\ntrain()");
    stopper.join().unwrap();
    assert_eq!(e.kind, ErrorKind::Interrupted, "{}", e.report());
    assert_eq!(e.line(), Some(2));
    assert_eq!(run(&mut s, "before").as_deref(), Some("1"));
}
