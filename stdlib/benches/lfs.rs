//! Labelling functions over 100,000 rows of 3-field maps with 6 small closures, in one run:
//! `apply_lfs` in a session (what a user runs) with closures it reads as rules (written as one
//! `if` chain, and with locals, guards and constants), closures with the same votes that it
//! calls on every row (also on a bare engine with the standard library: no interrupt, stack or
//! memory hooks), the `lf("...")` rules on the rows and on the same data as a map of column
//! arrays, and the same six lambdas in a plain CPython loop over the dicts.
//! Run: `cargo bench -p ladder-stdlib --bench lfs` (python3 or $LADDER_PYTHON).

use ladder_scripting::rhai::{Dynamic, Engine, Scope};
use ladder_scripting::{NullFrontend, Renderers, Session};
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

/// Rows labelled; `LADDER_LFS_ROWS` sets fewer, e.g. to profile under callgrind.
fn rows() -> usize {
    std::env::var("LADDER_LFS_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

/// `LADDER_LFS_ONLY_RULES=1` runs only the rules (closures read as rules and `lf`), e.g. to
/// count their instructions under callgrind without the per-row calls.
fn only_rules() -> bool {
    std::env::var_os("LADDER_LFS_ONLY_RULES").is_some()
}

/// The rows and the six closures, as a user would write them.
fn setup() -> String {
    let rows = rows();
    format!(
        r#"
let words = ["great", "awful", "fine", "boring", "superb", "meh"];
let rows = [];
for i in 0..{rows} {{
    rows.push(#{{stars: i % 6, text: `the film was ${{words[(i / 6) % 6]}} overall`, length: (i * 37) % 200}});
}}
let lfs = [
    |r| if r.stars > 3 {{ 1 }} else {{ -1 }},
    |r| if r.stars < 2 {{ 0 }} else {{ -1 }},
    |r| if r.text.contains("great") {{ 1 }} else {{ -1 }},
    |r| if r.text.contains("awful") {{ 0 }} else {{ -1 }},
    |r| if r.length > 150 {{ 1 }} else {{ -1 }},
    |r| if r.length < 20 {{ 0 }} else {{ -1 }},
];
"#
    )
}

/// The same votes from closures `apply_lfs` does not read as rules (arithmetic on a field,
/// a method the rules do not know), so it calls them on every row: the interpreter's own speed.
const INTERPRETED: &str = r#"
let called = [
    |r| if r.stars * 2 > 6 { 1 } else { -1 },
    |r| if r.stars * 2 < 4 { 0 } else { -1 },
    |r| if r.text.index_of("great") >= 0 { 1 } else { -1 },
    |r| if r.text.index_of("awful") >= 0 { 0 } else { -1 },
    |r| if r.length * 2 > 300 { 1 } else { -1 },
    |r| if r.length * 2 < 40 { 0 } else { -1 },
];
"#;

/// The same rules written with locals, guards that return and constants captured from the
/// cell: read as rules too.
const WRITTEN_OUT: &str = r#"
const POS = 1;
const NEG = 0;
let long = 150;
let written_out = [
    |r| { let s = r.stars; if s > 3 { POS } else { -1 } },
    |r| { if r.stars < 2 { return NEG; } -1 },
    |r| { let t = r.text; if t.contains("great") { return POS; } -1 },
    |r| { let t = r.text; if t.contains("awful") { NEG } else { -1 } },
    |r| if r.length > long { POS } else { -1 },
    |r| { const SHORT = 20; if r.length < SHORT { NEG } else { -1 } },
];
"#;

/// A regular expression (Python's `re` and Rust's `regex` read it alike), and one labelling
/// function testing it read as a rule and one called per row (its test bound to a local).
const PATTERN: &str = "(?i)gr[e]at|superb";
fn pattern_lfs() -> String {
    format!(
        r#"
let pattern_rule = [|r| if r.text.matches("{PATTERN}") {{ 1 }} else {{ -1 }}];
let pattern_called = [|r| {{ let m = r.text.matches("{PATTERN}"); if m {{ 1 }} else {{ -1 }} }}];
"#
    )
}

/// The sum of the first LF's votes, to check two forms of one LF agree.
const FIRST_LF_SUM: &str = "L.to_array().reduce(|s, r| s + r[0], 0)";

/// The vectorised form of the same six rules.
const VECTORISED: &str = r#"
let rules = [
    lf("stars > 3 => 1"),
    lf("stars < 2 => 0"),
    lf("text contains 'great' => 1"),
    lf("text contains 'awful' => 0"),
    lf("length > 150 => 1"),
    lf("length < 20 => 0"),
];
"#;

/// The same rows as a map of column arrays (built once, not timed), for the columnar form.
const COLUMNS: &str = r#"
let cols = #{stars: [], text: [], length: []};
for r in rows { cols.stars.push(r.stars); cols.text.push(r.text); cols.length.push(r.length); }
"#;

/// Per-LF sums of the votes: the same on both sides when they did the same work.
const SUMS: &str = "let t = L.to_array(); let s = [0, 0, 0, 0, 0, 0]; for r in t { for j in 0..6 { s[j] += r[j]; } } s";

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn session_cell(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(b) => b
            .and_then(|b| b.plain().map(str::to_string))
            .unwrap_or_default(),
        Err(e) => panic!("{code}: {}", e.report()),
    }
}

fn main() {
    println!("{}", ladder_stdlib::machine::describe());
    let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
    session_cell(&mut s, &setup());
    let session = best_of(5, || {
        session_cell(&mut s, "let L = apply_lfs(rows, lfs);");
    });
    let sums = session_cell(&mut s, SUMS);
    session_cell(&mut s, WRITTEN_OUT);
    let written_out = best_of(5, || {
        session_cell(&mut s, "let L = apply_lfs(rows, written_out);");
    });
    assert_eq!(
        session_cell(&mut s, SUMS),
        sums,
        "the written-out closures vote differently"
    );
    if only_rules() {
        let t = best_of(5, || {
            session_cell(
                &mut s,
                &format!("{VECTORISED} let L = apply_lfs(rows, rules);"),
            );
        });
        assert_eq!(session_cell(&mut s, SUMS), sums);
        session_cell(&mut s, COLUMNS);
        let c = best_of(5, || {
            session_cell(&mut s, "let L = apply_lfs(cols, rules);");
        });
        assert_eq!(session_cell(&mut s, SUMS), sums);
        // What a cell costs around the call: the same cell with no labelling to do.
        let empty = best_of(5, || {
            session_cell(
                &mut s,
                "let L = apply_lfs(#{a: [0]}, [lf(\"a > 0 => 1\")]);",
            );
        });
        // The same call in a cell that declares no variable: the session then has no
        // shadowed variable to compact out of its scope after the cell.
        let unbound = best_of(5, || {
            session_cell(&mut s, "apply_lfs(cols, rules);");
        });
        println!(
            "rules only: closures read as rules {:.2} ms, lf rules on rows {:.2} ms, on columns {:.2} ms; the cell on one row {:.2} ms; on columns with no `let` {:.2} ms",
            session * 1e3,
            t * 1e3,
            c * 1e3,
            empty * 1e3,
            unbound * 1e3
        );
        return;
    }
    session_cell(&mut s, &pattern_lfs());
    let pattern_rule = best_of(5, || {
        session_cell(&mut s, "let L = apply_lfs(rows, pattern_rule);");
    });
    let pattern_sum = session_cell(&mut s, FIRST_LF_SUM);
    let pattern_called = best_of(3, || {
        session_cell(&mut s, "let L = apply_lfs(rows, pattern_called);");
    });
    assert_eq!(session_cell(&mut s, FIRST_LF_SUM), pattern_sum);
    session_cell(&mut s, INTERPRETED);
    let interpreted = best_of(3, || {
        session_cell(&mut s, "let L = apply_lfs(rows, called);");
    });
    assert_eq!(
        session_cell(&mut s, SUMS),
        sums,
        "the called closures vote differently"
    );
    let vectorised = match s.execute(VECTORISED) {
        Ok(_) => {
            let t = best_of(5, || {
                session_cell(&mut s, "let L = apply_lfs(rows, rules);");
            });
            let v = session_cell(&mut s, SUMS);
            assert_eq!(v, sums, "the vectorised rules vote differently");
            session_cell(&mut s, COLUMNS);
            let c = best_of(5, || {
                session_cell(&mut s, "let L = apply_lfs(cols, rules);");
            });
            let v = session_cell(&mut s, SUMS);
            assert_eq!(v, sums, "the rules on columns vote differently");
            Some((t, c))
        }
        Err(e) => {
            println!("no vectorised form: {}", e.message);
            None
        }
    };

    // The same cell on an engine with the library but none of the session's hooks.
    let mut engine = Engine::new();
    ladder_stdlib::library().install(&mut engine, &mut Renderers::default());
    let mut scope = Scope::new();
    let setup_ast = engine.compile(setup()).unwrap();
    engine.run_ast_with_scope(&mut scope, &setup_ast).unwrap();
    // Later cells see the closures' definitions, as a session's cells do.
    let cell = |code: &str| {
        setup_ast
            .clone_functions_only()
            .merge(&engine.compile(code).unwrap())
    };
    engine.run_with_scope(&mut scope, INTERPRETED).unwrap();
    let apply = cell(&(INTERPRETED.to_string() + "let L = apply_lfs(rows, called);"));
    let bare = best_of(3, || {
        engine.run_ast_with_scope(&mut scope, &apply).unwrap();
    });
    let bare_sums: Dynamic = engine.eval_ast_with_scope(&mut scope, &cell(SUMS)).unwrap();

    let calls = (rows() * 6) as f64;
    println!(
        "apply_lfs, 6 closures read as rules: {:.2} ms",
        session * 1e3
    );
    println!(
        "apply_lfs, the same with locals, guards and captured constants: {:.2} ms",
        written_out * 1e3
    );
    println!(
        "apply_lfs, 6 closures called per row: {:.1} ms ({:.3} us a call); on a bare engine with the library: {:.1} ms (session / bare {:.2}x)",
        interpreted * 1e3,
        interpreted * 1e6 / calls,
        bare * 1e3,
        interpreted / bare
    );
    if let Some((rows_t, cols_t)) = vectorised {
        println!(
            "apply_lfs, 6 lf(\"...\") rules on the rows (maps): {:.2} ms",
            rows_t * 1e3
        );
        println!(
            "apply_lfs, 6 lf(\"...\") rules on a map of column arrays (the same data by column): {:.2} ms",
            cols_t * 1e3
        );
    }
    println!(
        "apply_lfs, 1 closure r.text.matches(\"{PATTERN}\"): read as a rule {:.2} ms, called per row {:.1} ms (votes sum {pattern_sum})",
        pattern_rule * 1e3,
        pattern_called * 1e3
    );
    println!("votes per LF {sums} (bare engine {bare_sums})");

    let python = std::env::var("LADDER_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lfs_cpython.py");
    match Command::new(&python)
        .arg(script)
        .arg(rows().to_string())
        .arg(PATTERN)
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            let cpython: f64 = text
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            println!("speed against the CPython loop (CPython time / Ladder time, same run):");
            println!("  closures read as rules {:.1}x", cpython / session);
            println!(
                "  closures with locals, guards and constants, read as rules {:.1}x",
                cpython / written_out
            );
            println!("  closures called per row {:.2}x", cpython / interpreted);
            let cpython_regex: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix("cpython_regex_s "))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            println!(
                "  a regular expression (against re.search in the loop): read as a rule {:.1}x, called per row {:.2}x",
                cpython_regex / pattern_rule,
                cpython_regex / pattern_called
            );
            if let Some((rows_t, cols_t)) = vectorised {
                println!("  lf(\"...\") rules on the rows {:.1}x", cpython / rows_t);
                println!(
                    "  lf(\"...\") rules on column arrays {:.1}x (CPython still loops over its dicts)",
                    cpython / cols_t
                );
            }
        }
        Ok(out) => println!("{python} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("no {python}: {e}"),
    }
}
