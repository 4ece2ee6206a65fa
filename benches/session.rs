//! Session start-up and warm-cell cost, with the standard library installed (what every
//! front end creates), each against bare Rhai measured in the same run.
//!
//!     cargo bench --bench session
//!
//! Targets (issue 2): engine + session creation <= 10 ms; a warm `1 + 1` cell <= 20 us.

use ladder_scripting::rhai::Engine;
use ladder_scripting::{NullFrontend, Session};
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The median of `runs` timings of `f`, each averaged over `loops` calls.
fn median_time(runs: usize, loops: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..loops {
                f();
            }
            start.elapsed() / loops as u32
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn new_session() -> Session {
    Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()])
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    // Warm the allocator and code paths once.
    drop(new_session());

    let bare_engine = median_time(21, 20, || {
        let engine = Engine::new();
        black_box(engine.eval::<i64>("1 + 1").unwrap());
    });
    let session_start = median_time(21, 5, || {
        let mut session = new_session();
        black_box(session.execute("1 + 1").unwrap());
    });

    let engine = Engine::new();
    let bare_eval = median_time(21, 2000, || {
        black_box(engine.eval::<i64>("1 + 1").unwrap());
    });
    let mut session = new_session();
    for _ in 0..100 {
        session.execute("1 + 1").unwrap();
    }
    let cell = median_time(21, 2000, || {
        black_box(session.execute("1 + 1").unwrap());
    });

    println!("session benchmark (stdlib installed; median of 21 runs)");
    println!("{}", ladder_stdlib::machine::describe());
    println!(
        "  engine + session creation + first cell: {:9.1} us  (target <= 10000 us; bare Rhai Engine::new + eval: {:.1} us, ratio {:.1}x)",
        micros(session_start),
        micros(bare_engine),
        session_start.as_secs_f64() / bare_engine.as_secs_f64()
    );
    println!(
        "  warm cell `1 + 1`:                      {:9.2} us  (target <= 20 us; bare Rhai eval on a warm engine: {:.2} us, ratio {:.1}x)",
        micros(cell),
        micros(bare_eval),
        cell.as_secs_f64() / bare_eval.as_secs_f64()
    );
    let ok = session_start <= Duration::from_millis(10) && cell <= Duration::from_micros(20);
    println!(
        "  {}",
        if ok {
            "both within target"
        } else {
            "OVER TARGET"
        }
    );
}
