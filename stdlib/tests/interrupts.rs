//! Every long-running library call stops on an interrupt from another thread (Ctrl-C, a
//! kernel `interrupt_request`) with the session's interrupt error, and the session keeps its
//! variables. Each call is given settings that would run for many seconds.

mod common;

use common::{plain, session};
use ladder_scripting::ErrorKind;
use std::thread;
use std::time::{Duration, Instant};

/// How long after the call starts the interrupt arrives.
const AFTER: Duration = Duration::from_millis(250);

/// Run `setup` (not interrupted), then `call`, interrupted after [`AFTER`]; the call must end
/// with the interrupt error, and a variable set before it must still be there.
fn interrupts(setup: &str, call: &str) {
    let mut s = session();
    plain(&mut s, "let keep = 42;");
    if !setup.is_empty() {
        plain(&mut s, setup);
    }
    let handle = s.interrupt_handle();
    let start = Instant::now();
    let interrupter = thread::spawn(move || {
        thread::sleep(AFTER);
        handle.interrupt();
    });
    let result = s.execute(call);
    let took = start.elapsed();
    interrupter.join().unwrap();
    let e = match result {
        Ok(v) => panic!("{call} finished after {took:?} ({v:?}) instead of being interrupted"),
        Err(e) => e,
    };
    assert_eq!(
        e.kind,
        ErrorKind::Interrupted,
        "{call} failed with {}",
        e.report()
    );
    assert_eq!(e.name, "Interrupted", "{call}");
    assert!(took >= AFTER, "{call} ended before the interrupt: {took:?}");
    assert_eq!(
        plain(&mut s, "keep"),
        "42",
        "{call} lost the session's variables"
    );
}

const DIGITS: &str = "let d = dataset(\"digits\");";

/// A Rhai function body that keeps the engine busy for many seconds.
const BUSY: &str = "let s = 0; for k in 0..100000000 { s += k; }";

#[test]
fn fit_is_interrupted() {
    interrupts(
        "let d = dataset(\"digits\"); let m = mlp([64, 32, 10]);",
        "fit(m, d, #{epochs: 100000, progress: false})",
    );
}

#[test]
fn samme_is_interrupted() {
    interrupts(DIGITS, "samme(d, #{rounds: 100000})");
}

#[test]
fn samme_with_a_network_learner_is_interrupted() {
    interrupts(
        DIGITS,
        "samme(d, #{rounds: 1000, learner: #{hidden: [16], epochs: 100000}})",
    );
}

#[test]
fn samme_with_a_rhai_learner_is_interrupted() {
    interrupts(
        "",
        &format!(
            "samme([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], #{{learner: |x, y, w| {{ {BUSY} |x| x.map(|r| 0) }}}})"
        ),
    );
}

#[test]
fn samme_cv_is_interrupted() {
    interrupts(DIGITS, "samme_cv(d, #{rounds: 100000})");
}

#[test]
fn weak_to_strong_is_interrupted() {
    interrupts(
        DIGITS,
        "weak_to_strong(d, #{weak: #{kind: \"logistic\", epochs: 100000}, strong: #{hidden: [32], epochs: 100000}})",
    );
}

#[test]
fn weak_to_strong_with_a_rhai_model_builder_is_interrupted() {
    interrupts(
        DIGITS,
        &format!(
            "weak_to_strong(d, #{{weak: #{{build: |i, c, seed| {{ {BUSY} mlp([i, c]) }}}}, strong: #{{}}}})"
        ),
    );
}

#[test]
fn distill_is_interrupted() {
    interrupts(
        "let d = dataset(\"digits\"); let t = mlp([64, 10]);",
        "distill(t, #{hidden: [16], epochs: 100000}, d, #{test: d})",
    );
}

#[test]
fn distill_chain_is_interrupted() {
    interrupts(
        "let d = dataset(\"digits\"); let t = mlp([64, 10]);",
        "distill_chain(t, [#{hidden: [32], epochs: 100000}, #{hidden: [16], epochs: 100000}], d, #{test: d})",
    );
}

#[test]
fn bootstrap_chain_is_interrupted() {
    interrupts(
        DIGITS,
        "bootstrap_chain(d, #{models: [#{kind: \"logistic\", epochs: 100000}, #{hidden: [16], epochs: 100000}]})",
    );
}

#[test]
fn dawid_skene_is_interrupted() {
    // A tolerance of 0 never counts as converged: EM runs all its iterations.
    interrupts(
        "let rows = []; for i in 0..20000 { rows.push([i % 2, (i / 2) % 2, (i / 3) % 2, -1, (i / 5) % 2]); } let L = label_matrix(rows);",
        "dawid_skene(L, #{max_iter: 100000000, tol: 0.0})",
    );
}

#[test]
fn apply_lfs_is_interrupted() {
    // The interrupt lands inside a labelling function (the engine stops it) or between rows.
    interrupts(
        "let rows = []; for i in 0..300000 { rows.push(i); }",
        "apply_lfs(rows, [|r| { let s = 0; for k in 0..20 { s += k; } if r % 2 == 0 { 1 } else { -1 } }, |r| if r % 3 == 0 { 0 } else { -1 }])",
    );
}

#[test]
fn apply_lfs_mixing_rules_and_closures_is_interrupted() {
    // The rules label every row first; the interrupt lands among the closures' rows.
    interrupts(
        "let rows = []; for i in 0..300000 { rows.push(#{n: i}); }",
        "apply_lfs(rows, [lf(\"n > 5 => 1\"), |r| { let s = 0; for k in 0..20 { s += k; } if r.n % 2 == 0 { 1 } else { -1 } }])",
    );
}

#[test]
fn embed_is_interrupted() {
    if let Err(e) = ladder_stdlib::text::encoder::Encoder::open(None) {
        eprintln!("SKIPPED: all-MiniLM-L6-v2 is not installed ({e})");
        return;
    }
    interrupts(
        "let e = encoder(); let texts = []; for i in 0..20000 { texts.push(`A man is eating a piece of bread while the girl carries a baby, number ${i}`); }",
        "embed(e, texts)",
    );
}
