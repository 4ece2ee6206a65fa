//! Rust cells, measured in one run: the first `%%rust` cell of a session (evcxr's start and the
//! bridge's first cell), a warm trivial Rust cell, completion in a Rust cell, and a lexicon labelling function over
//! 100,000 rows written in Rust (registered with `ladder_bridge::register`, applied by
//! `apply_lfs` through `lf_column`) against the same function in Rhai, both end to end from a
//! Rhai cell, with their votes checked equal.
//!
//! Run: `cargo bench -p ladder-rustcells --bench rust_cells` (rustc and cargo on PATH).

use ladder_scripting::{CaptureFrontend, Session};
use std::rc::Rc;
use std::time::{Duration, Instant};

const ROWS: usize = 100_000;

/// Ten positive and ten negative words; a row's vote is the side with more hits, -1 on a tie.
const LEXICON_RHAI: &str = r#"
let positive = ["great", "superb", "moving", "fun", "brilliant", "charming", "gripping", "funny", "beautiful", "clever"];
let negative = ["awful", "boring", "dull", "weak", "mess", "tedious", "bland", "silly", "flat", "poor"];
fn lexicon_vote(text, positive, negative) {
    let score = 0;
    for w in positive { if text.contains(w) { score += 1; } }
    for w in negative { if text.contains(w) { score -= 1; } }
    if score > 0 { 1 } else if score < 0 { 0 } else { -1 }
}
"#;

const LEXICON_RUST: &str = r#"%%rust
fn lexicon_votes(texts: Vec<String>) -> Vec<i64> {
    const POSITIVE: [&str; 10] = ["great", "superb", "moving", "fun", "brilliant", "charming", "gripping", "funny", "beautiful", "clever"];
    const NEGATIVE: [&str; 10] = ["awful", "boring", "dull", "weak", "mess", "tedious", "bland", "silly", "flat", "poor"];
    texts.iter().map(|t| {
        let score = POSITIVE.iter().filter(|w| t.contains(*w)).count() as i64
            - NEGATIVE.iter().filter(|w| t.contains(*w)).count() as i64;
        if score > 0 { 1 } else if score < 0 { 0 } else { -1 }
    }).collect()
}
ladder_bridge::register("lexicon_votes", lexicon_votes);"#;

fn rows_cell() -> String {
    format!(
        r#"
let words = ["a great and moving film", "boring, dull and weak", "fine", "funny but a mess", "superb", "tedious"];
let rows = [];
for i in 0..{ROWS} {{ rows.push(#{{text: `${{words[i % 6]}} #${{i}}`, stars: i % 5}}); }}
"#
    )
}

fn run(session: &mut Session, code: &str) {
    if let Err(e) = session.execute(code) {
        panic!("cell failed:\n{code}\n{}", e.report());
    }
}

fn timed(session: &mut Session, code: &str) -> Duration {
    let start = Instant::now();
    run(session, code);
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // The Rust cells run in a child process that is this binary.
    ladder_rustcells::runtime_hook();
    println!(
        "Rust cells benchmark; {}",
        ladder_stdlib::machine::describe()
    );
    let frontend = Rc::new(CaptureFrontend::new());
    let mut session = Session::with_libraries(
        frontend,
        vec![ladder_stdlib::library(), ladder_rustcells::library()],
    );

    let first = timed(&mut session, "%%rust\n1 + 2");
    let warm = median(
        (0..5)
            .map(|_| timed(&mut session, "%%rust\n1 + 2"))
            .collect(),
    );
    println!(
        "first Rust cell (evcxr start + bridge): {:.2} s",
        first.as_secs_f64()
    );
    println!(
        "warm trivial Rust cell (`1 + 2`, median of 5): {:.0} ms",
        warm.as_secs_f64() * 1e3
    );

    let code = "%%rust\nlet items: Vec<i64> = vec![1, 2];\nitems.le";
    let completion = median(
        (0..5)
            .map(|_| {
                let start = Instant::now();
                let found = session.complete(code, code.chars().count());
                assert!(found.matches.iter().any(|m| m == "len"), "{found:?}");
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "completion in a Rust cell (`items.le|`, median of 5): {:.0} ms",
        completion.as_secs_f64() * 1e3
    );

    run(&mut session, LEXICON_RUST);
    run(&mut session, LEXICON_RHAI);
    run(&mut session, &rows_cell());
    let rust = median(
        (0..7)
            .map(|_| {
                timed(
                    &mut session,
                    r#"let L_rust = apply_lfs(rows, [lf_column("text", Fn("lexicon_votes"))]);"#,
                )
            })
            .collect(),
    );
    let rhai = median(
        (0..7)
            .map(|_| {
                timed(
                    &mut session,
                    "let L_rhai = apply_lfs(rows, [|r| lexicon_vote(r.text, positive, negative)]);",
                )
            })
            .collect(),
    );
    run(
        &mut session,
        r#"if L_rust.to_array() != L_rhai.to_array() { throw "the Rust and Rhai votes differ" }"#,
    );
    println!(
        "lexicon LF over {ROWS} rows, apply_lfs end to end (median of 7): Rust {:.1} ms, Rhai {:.1} ms: Rust {:.1}x faster (same votes)",
        rust.as_secs_f64() * 1e3,
        rhai.as_secs_f64() * 1e3,
        rhai.as_secs_f64() / rust.as_secs_f64()
    );
}
