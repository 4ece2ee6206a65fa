//! SAMME with stumps against scikit-learn's AdaBoostClassifier (figures pinned from
//! tests/reference/samme_reference.py; scikit-learn 1.9.1).

use ladder_stdlib::experiments::boost::{Samme, SammeConfig, StumpLearner};
use ladder_stdlib::experiments::cv::{complement, stratified_kfold};
use ladder_stdlib::experiments::matrix::Labelled;

fn table(name: &str) -> Labelled {
    let text = match name {
        "breast_cancer" => include_str!("../data/breast_cancer.csv"),
        "digits" => include_str!("../data/digits.csv"),
        "wine" => include_str!("../data/wine.csv"),
        "iris" => include_str!("../data/iris.csv"),
        _ => unreachable!(),
    };
    Labelled::from_csv(text).unwrap()
}

/// 5-fold stratified CV accuracy after 50 and after 200 rounds (one 200-round fit per fold,
/// read at round 50 through the staged accuracy, as boosting is sequential).
fn cv_accuracy(name: &str) -> (f64, f64) {
    let data = table(name);
    let folds = stratified_kfold(&data.y, 5).unwrap();
    let (mut at50, mut at200) = (0.0, 0.0);
    for test in &folds {
        let train = complement(data.len(), test);
        let (tr, te) = (data.subset(&train), data.subset(test));
        let config = SammeConfig {
            rounds: 200,
            learning_rate: 1.0,
        };
        let model = Samme::fit(
            &mut StumpLearner::new(),
            &tr.x,
            &tr.y,
            data.n_classes,
            config,
            None,
        )
        .unwrap();
        let staged = model.staged_accuracy(&te.x, &te.y, None).unwrap();
        at50 += staged[49.min(staged.len() - 1)];
        at200 += staged[staged.len() - 1];
    }
    (at50 / 5.0, at200 / 5.0)
}

fn check(name: &str, sk50: f64, sk200: f64) {
    let (a50, a200) = cv_accuracy(name);
    eprintln!(
        "{name}: 50 rounds {a50:.4} (sklearn {sk50}), 200 rounds {a200:.4} (sklearn {sk200})"
    );
    // The issue asks for 1.5 points; the same splitting rule and folds give the same figures.
    assert!(
        (a50 - sk50).abs() <= 0.002,
        "{name} 50 rounds: {a50} vs {sk50}"
    );
    assert!(
        (a200 - sk200).abs() <= 0.002,
        "{name} 200 rounds: {a200} vs {sk200}"
    );
}

#[test]
fn breast_cancer_matches_scikit_learn() {
    check("breast_cancer", 0.9666, 0.9772);
}

#[test]
fn digits_matches_scikit_learn() {
    check("digits", 0.7051, 0.8003);
}

#[test]
fn wine_matches_scikit_learn() {
    check("wine", 0.9333, 0.9278);
}

#[test]
fn iris_matches_scikit_learn() {
    check("iris", 0.9533, 0.9467);
}

#[test]
fn first_round_alpha_follows_the_formula_and_scikit_learn() {
    let data = table("wine");
    let train: Vec<usize> = (0..data.len()).step_by(2).collect();
    let test: Vec<usize> = (1..data.len()).step_by(2).collect();
    let (tr, te) = (data.subset(&train), data.subset(&test));
    let model = Samme::fit(
        &mut StumpLearner::new(),
        &tr.x,
        &tr.y,
        3,
        SammeConfig {
            rounds: 3,
            learning_rate: 1.0,
        },
        None,
    )
    .unwrap();
    // The formula, from the first stump's own weighted error (uniform weights).
    let pred = model.hypotheses[0].predict(&tr.x, None).unwrap();
    let wrong = pred.iter().zip(&tr.y).filter(|(p, y)| p != y).count();
    let err = wrong as f64 / tr.len() as f64;
    let alpha = ((1.0 - err) / err).ln() + (3.0f64 - 1.0).ln();
    assert!((model.rounds[0].alpha - alpha).abs() < 1e-12);
    // scikit-learn's figures on this split.
    let sk_errors = [0.3033707865168539, 0.2268020708880924, 0.14107410561981568];
    let sk_alphas = [1.524444699600708, 1.9196045468444303, 2.4995445050984206];
    for m in 0..3 {
        assert!(
            (model.rounds[m].error - sk_errors[m]).abs() < 1e-9,
            "round {m}"
        );
        assert!(
            (model.rounds[m].alpha - sk_alphas[m]).abs() < 1e-9,
            "round {m}"
        );
    }
    // scikit-learn's first stump: feature 12 (proline) at 765.
    assert!(
        model.rounds[0].describe.starts_with("x[12] <= 765 ?"),
        "{}",
        model.rounds[0].describe
    );
    let proba = model.predict_proba(&te.x, None).unwrap();
    let sk_proba = [0.3944502710526428, 0.25541797110416414, 0.3501317578431931];
    for (p, q) in proba[0].iter().zip(sk_proba) {
        assert!((p - q).abs() < 1e-9);
    }
    let staged = model.staged_accuracy(&te.x, &te.y, None).unwrap();
    let sk_staged = [0.6853932584269663, 0.5955056179775281, 0.8764044943820225];
    for (a, b) in staged.iter().zip(sk_staged) {
        assert!((a - b).abs() < 1e-12);
    }
}

mod common;

/// Finding 8: a SAMME model refuses rows with a different number of features than it was
/// trained on, naming both counts, as networks do.
#[test]
fn samme_refuses_data_with_another_number_of_features() {
    let mut s = common::session();
    common::plain(
        &mut s,
        r#"let d = dataset("iris"); let bc = dataset("breast_cancer"); let m = samme(d.x, d.y, #{rounds: 3});"#,
    );
    for cell in [
        "m.predict(bc.x)",
        "m.predict_proba(bc.x)",
        "m.staged(bc.x, bc.y)",
        "m.predict(slice(d.x, 1, 0, 2))",
    ] {
        let e = common::error(&mut s, cell);
        assert!(
            e.contains("the model was trained on 4 features")
                && (e.contains("has 30") || e.contains("has 2")),
            "{cell}: {e}"
        );
    }
    common::plain(&mut s, "m.predict(d.x)");
}

/// Findings 12 and 16: `at` takes round counts (not class indices) and must not be empty; a
/// `classes` below 2 is refused as an option instead of wrapping.
#[test]
fn samme_options_at_and_classes_are_checked_and_named() {
    let mut s = common::session();
    common::plain(&mut s, r#"let d = dataset("iris");"#);
    for (cell, message) in [
        (
            "samme_cv(d, #{rounds: 3, at: [-1]})",
            "samme_cv: option `at` takes round counts from 1 to 3 (`rounds`), got -1 at at[0]",
        ),
        (
            "samme_cv(d, #{rounds: 3, at: [1, 4]})",
            "samme_cv: option `at` takes round counts from 1 to 3 (`rounds`), got 4 at at[1]",
        ),
        (
            "samme_cv(d, #{rounds: 3, at: []})",
            "samme_cv: option `at` is empty: give the round counts to report, e.g. [3]",
        ),
        (
            "samme_cv(d, #{rounds: 3, at: 2})",
            "samme_cv: option `at` must be an array of round counts",
        ),
        (
            "samme(d, #{rounds: 3, classes: -2})",
            "samme: option `classes` must be at least 2, got -2",
        ),
        (
            "samme(d.x, d.y, #{rounds: 3, classes: 1})",
            "samme: option `classes` must be at least 2, got 1",
        ),
        (
            "samme_cv(d, #{rounds: 3, classes: -2})",
            "samme_cv: option `classes` must be at least 2, got -2",
        ),
    ] {
        assert_eq!(common::error(&mut s, cell), message, "{cell}");
    }
    let table = common::plain(&mut s, "samme_cv(d, #{rounds: 3, at: [1, 3], classes: 3})");
    assert!(table.contains("mean"), "{table}");
}
