//! Labelling functions over 100,000 rows of 3-field maps with 6 small closures: `apply_lfs` in a
//! session (what a user runs), the same cell on a bare engine with the standard library (no
//! interrupt, stack or memory hooks), and the same six lambdas in a plain CPython loop, in one
//! run. Run: `cargo bench -p ladder-stdlib --bench lfs` (python3 or $LADDER_PYTHON).

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
    let empty = best_of(5, || {
        session_cell(&mut s, "let x = 1;");
    });
    println!("empty cell: {:.2} ms", empty * 1e3);
    let vectorised = match s.execute(VECTORISED) {
        Ok(_) => {
            let t = best_of(5, || {
                session_cell(&mut s, "let L = apply_lfs(rows, rules);");
            });
            let v = session_cell(&mut s, SUMS);
            assert_eq!(v, sums, "the vectorised rules vote differently");
            Some(t)
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
    let apply = cell("let L = apply_lfs(rows, lfs);");
    let bare = best_of(5, || {
        engine.run_ast_with_scope(&mut scope, &apply).unwrap();
    });
    let bare_sums: Dynamic = engine.eval_ast_with_scope(&mut scope, &cell(SUMS)).unwrap();
    engine.run_with_scope(&mut scope, VECTORISED).unwrap();
    let apply_rules = cell("let L = apply_lfs(rows, rules);");
    let bare_rules = best_of(5, || {
        engine.run_ast_with_scope(&mut scope, &apply_rules).unwrap();
    });
    println!("bare engine vectorised: {:.2} ms", bare_rules * 1e3);

    println!(
        "session apply_lfs: {:.1} ms ({:.3} us per call)",
        session * 1e3,
        session * 1e6 / (rows() * 6) as f64
    );
    println!(
        "bare engine apply_lfs: {:.1} ms (session/bare {:.2}x)",
        bare * 1e3,
        session / bare
    );
    println!("votes {sums} (bare engine {bare_sums})");
    if let Some(v) = vectorised {
        println!(
            "vectorised apply_lfs: {:.2} ms ({:.0}x the closures)",
            v * 1e3,
            session / v
        );
    }

    let python = std::env::var("LADDER_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lfs_cpython.py");
    match Command::new(&python)
        .arg(script)
        .arg(rows().to_string())
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
            println!(
                "closures: {:.2}x CPython's speed (CPython time / Ladder time, same run)",
                cpython / session
            );
            if let Some(v) = vectorised {
                println!("vectorised: {:.1}x CPython's speed", cpython / v);
            }
        }
        Ok(out) => println!("{python} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("no {python}: {e}"),
    }
}
