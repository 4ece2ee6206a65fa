//! SAMME with 200 stumps on breast_cancer (all 569 rows) against scikit-learn's
//! AdaBoostClassifier, timed in the same run. Run: `cargo bench -p ladder-stdlib --bench samme`
//! (scikit-learn from the repository's .venv or $LADDER_PYTHON; without it only Ladder's time prints).

use ladder_stdlib::experiments::boost::{Samme, SammeConfig, StumpLearner};
use ladder_stdlib::experiments::cv::{complement, stratified_kfold};
use ladder_stdlib::experiments::matrix::Labelled;
use std::process::Command;
use std::time::Instant;

fn main() {
    println!("{}", ladder_stdlib::machine::describe());
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");
    let data = Labelled::from_csv(&std::fs::read_to_string(csv).unwrap()).unwrap();
    let config = SammeConfig {
        rounds: 200,
        learning_rate: 1.0,
    };
    let mut best = f64::INFINITY;
    let mut acc = 0.0;
    for _ in 0..5 {
        let start = Instant::now();
        let model = Samme::fit(
            &mut StumpLearner::new(),
            &data.x,
            &data.y,
            2,
            config.clone(),
            None,
        )
        .unwrap();
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        acc = *model
            .staged_accuracy(&data.x, &data.y, None)
            .unwrap()
            .last()
            .unwrap();
    }
    // Accuracy compared on held-out rows: scikit-learn's cross_val_score(clf, X, y, cv=5) folds.
    let mut cv = 0.0;
    for test in stratified_kfold(&data.y, 5).unwrap() {
        let (tr, te) = (
            data.subset(&complement(data.len(), &test)),
            data.subset(&test),
        );
        let m = Samme::fit(
            &mut StumpLearner::new(),
            &tr.x,
            &tr.y,
            2,
            config.clone(),
            None,
        )
        .unwrap();
        cv += m
            .staged_accuracy(&te.x, &te.y, None)
            .unwrap()
            .last()
            .unwrap()
            / 5.0;
    }
    println!("ladder_fit_ms {best:.3} train_accuracy {acc:.4} cv5_accuracy {cv:.4}");
    let python = std::env::var("LADDER_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").to_string()
    });
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/reference/samme_timing.py"
    );
    match Command::new(&python).arg(script).arg(csv).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            let sk: f64 = text
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            println!(
                "speedup {:.1}x (scikit-learn time / Ladder time, same run)",
                sk / best
            );
        }
        Ok(out) => println!(
            "scikit-learn run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("no Python with scikit-learn at {python} ({e}); Ladder time only"),
    }
}
