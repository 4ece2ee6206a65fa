//! Evaluation metrics against scikit-learn on fixed predictions (values pinned from
//! tests/reference/metrics_reference.py; scikit-learn 1.9.1).

use ladder_stdlib::experiments::metrics::*;

const Y: [usize; 60] = [
    2, 0, 0, 0, 0, 2, 2, 1, 0, 0, 0, 1, 1, 1, 0, 0, 2, 2, 0, 0, 1, 1, 2, 1, 1, 1, 1, 1, 0, 2, 2, 2,
    2, 0, 0, 1, 1, 2, 2, 0, 2, 0, 0, 2, 2, 0, 0, 0, 0, 2, 1, 1, 0, 1, 0, 2, 1, 0, 0, 2,
];
const LOGITS: [f64; 180] = [
    -0.9, -0.3, 2.4, 2.1, 0.1, 0.7, -1.3, 1.0, -1.0, -0.2, 0.3, 0.7, 1.1, -1.1, 0.0, -0.1, 1.4,
    2.2, 0.2, 1.1, 1.3, -0.9, 2.1, 0.6, 1.3, -0.8, 0.2, -1.0, 0.7, 0.5, -0.1, 0.1, -1.0, 0.8, -0.5,
    -0.9, 0.7, 2.7, -2.2, -0.5, 1.8, -0.6, 3.1, -1.2, 0.4, 0.5, 1.4, -0.0, -0.4, -1.7, 3.2, 0.8,
    0.8, 2.6, 1.8, -0.6, -0.8, 0.7, 1.4, -1.5, -0.6, 1.2, 0.2, 0.6, 0.3, -1.7, -0.0, 1.2, 2.3, 0.2,
    1.2, 0.3, -0.2, 2.3, -0.8, 0.1, 1.4, 0.5, 0.2, 4.1, 1.5, 1.5, -0.5, -0.3, 0.9, 0.5, -2.3, 1.2,
    1.1, 0.2, -1.0, -0.8, 1.5, 0.6, 2.0, 1.3, 0.8, 0.2, 3.3, 2.2, 1.4, -1.1, 1.3, -0.8, 1.5, 0.7,
    1.2, -0.5, 0.5, 0.8, -0.9, 0.5, 2.5, 1.3, -0.6, -1.2, 0.2, 2.0, 0.9, 0.0, 0.3, 0.1, 1.6, -0.0,
    -0.5, 0.1, 0.7, -0.5, -0.8, -0.3, 0.9, 1.1, -0.2, 0.8, 2.1, 3.2, -2.1, 0.9, 1.0, 0.1, 0.8, 2.6,
    1.0, 0.2, 3.1, -0.3, -0.1, 0.8, -0.6, 3.7, 1.0, 3.7, -0.0, -0.4, 1.7, 0.7, 0.9, 0.4, -0.0, 1.6,
    0.8, 1.0, 0.9, -1.0, -0.7, -1.2, 0.1, 2.5, 0.2, 2.1, 1.6, 1.8, 0.2, -0.3, -0.1, 0.8, -1.8, 0.7,
    -0.0, 2.6,
];
const OTHER: [usize; 60] = [
    0, 1, 1, 2, 1, 2, 2, 2, 0, 1, 1, 1, 1, 1, 0, 1, 0, 2, 1, 1, 2, 0, 2, 1, 2, 1, 1, 1, 0, 0, 2, 1,
    2, 0, 2, 1, 1, 1, 2, 0, 2, 2, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 2, 1, 0, 1, 2,
];
const ACCURACY: f64 = 0.7333333333333333;
const PRECISION: [f64; 3] = [0.7619047619047619, 0.6190476190476191, 0.8333333333333334];
const RECALL: [f64; 3] = [0.64, 0.7647058823529411, 0.8333333333333334];
const F1: [f64; 3] = [0.6956521739130435, 0.6842105263157895, 0.8333333333333334];
const MACRO: [f64; 3] = [0.7380952380952381, 0.7460130718954249, 0.7377320111873887];
const CONFUSION: [usize; 9] = [16, 6, 3, 4, 13, 0, 1, 2, 15];
const AUC_OVR: f64 = 0.8903438405508629;
const AUC_BINARY: f64 = 0.9576719576719577;
const LOG_LOSS: f64 = 0.6482720263964038;
const ECE: f64 = 0.049335380694735545;
const AGREEMENT: f64 = 0.7166666666666667;

fn proba() -> Vec<Vec<f64>> {
    LOGITS
        .chunks(3)
        .map(|z| {
            let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
            let s: f64 = e.iter().sum();
            e.iter().map(|v| v / s).collect()
        })
        .collect()
}

fn pred(p: &[Vec<f64>]) -> Vec<usize> {
    p.iter()
        .map(|r| (0..3).fold(0, |b, k| if r[k] > r[b] { k } else { b }))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn metrics_match_scikit_learn() {
    let p = proba();
    let hat = pred(&p);
    assert!(close(accuracy(&Y, &hat).unwrap(), ACCURACY));
    let r = precision_recall_f1(&Y, &hat, 3).unwrap();
    for k in 0..3 {
        assert!(close(r.precision[k], PRECISION[k]));
        assert!(close(r.recall[k], RECALL[k]));
        assert!(close(r.f1[k], F1[k]));
    }
    let (mp, mr, mf) = r.macro_avg();
    assert!(close(mp, MACRO[0]) && close(mr, MACRO[1]) && close(mf, MACRO[2]));
    let cm = confusion_matrix(&Y, &hat, 3).unwrap();
    assert_eq!(cm.concat(), CONFUSION.to_vec());
    assert!(close(roc_auc(&Y, &p).unwrap(), AUC_OVR));
    let pos: Vec<bool> = Y.iter().map(|&c| c == 2).collect();
    let scores: Vec<f64> = p.iter().map(|r| (r[2] * 10.0).round() / 10.0).collect();
    assert!(close(roc_auc_binary(&pos, &scores).unwrap(), AUC_BINARY));
    assert!((log_loss(&Y, &p).unwrap() - LOG_LOSS).abs() < 1e-12);
    let (ece, bins) = expected_calibration_error(&Y, &p, 10).unwrap();
    assert!(close(ece, ECE), "{ece} vs {ECE}");
    assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 60);
    assert!(close(agreement(&hat, &OTHER).unwrap(), AGREEMENT));
}

#[test]
fn bad_input_names_the_problem() {
    let err = accuracy(&[0, 1], &[0]).unwrap_err();
    assert!(err.contains("2 true labels but 1 predictions"), "{err}");
    let err = log_loss(&[0], &[vec![0.5, 0.6]]).unwrap_err();
    assert!(err.contains("sums to 1.1"), "{err}");
    let err = roc_auc(&[0, 0], &[vec![0.5, 0.5], vec![0.4, 0.6]]).unwrap_err();
    assert!(err.contains("only one class"), "{err}");
    let err = confusion_matrix(&[0, 3], &[0, 1], 3).unwrap_err();
    assert!(err.contains("class 3 outside 0..3"), "{err}");
}

mod common;

/// Finding 7: a label with no probability column is refused by every probability metric,
/// as `log_loss` refuses it, instead of counting as a negative or blaming a missing class.
#[test]
fn probability_metrics_refuse_labels_outside_the_columns() {
    let mut s = common::session();
    let two = "[[0.2, 0.8], [0.3, 0.7], [0.1, 0.9]]";
    let e = common::error(&mut s, &format!("roc_auc([0, 1, 2], {two})"));
    assert!(e.contains("label 2 at row 2 outside 0..2"), "{e}");
    let e = common::error(
        &mut s,
        "roc_auc([0, 1, 7], [[0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.1, 0.1, 0.8]])",
    );
    assert!(e.contains("label 7 at row 2 outside 0..3"), "{e}");
    let e = common::error(&mut s, "ece([0, 5], [[0.2, 0.8], [0.3, 0.7]])");
    assert!(e.contains("label 5 at row 1 outside 0..2"), "{e}");
    let e = common::error(&mut s, "calibration([0, 5], [[0.2, 0.8], [0.3, 0.7]])");
    assert!(e.contains("label 5 at row 1 outside 0..2"), "{e}");
    for metric in ["ece", "roc_auc", "log_loss"] {
        let e = common::error(
            &mut s,
            &format!("bootstrap_ci([0, 5, 1], [[0.2, 0.8], [0.3, 0.7], [0.5, 0.5]], \"{metric}\")"),
        );
        assert!(
            e.starts_with("bootstrap_ci: label 5 at row 1 outside 0..2"),
            "{metric}: {e}"
        );
    }
    assert_eq!(
        common::plain(&mut s, &format!("roc_auc([0, 1, 1], {two})")),
        "0.5"
    );
}

/// One score per row (any real number, higher for class 1) is binary ROC-AUC, as
/// scikit-learn's `roc_auc_score(y, scores)`: from an array or a 1-D tensor, and unchanged by
/// a monotone rescaling (log-odds, a log-probability gap).
#[test]
fn roc_auc_takes_one_score_per_row_for_two_classes() {
    let mut s = common::session();
    let p = proba();
    let labels: Vec<String> = Y.iter().map(|&c| u8::from(c == 2).to_string()).collect();
    let scores: Vec<String> = p
        .iter()
        .map(|r| format!("{:?}", (r[2] * 10.0).round() / 10.0))
        .collect();
    let (labels, scores) = (labels.join(", "), scores.join(", "));
    for call in [
        format!("roc_auc([{labels}], [{scores}])"),
        format!("roc_auc([{labels}], tensor([{scores}]))"),
        format!("roc_auc([{labels}], [{scores}].map(|x| 7.0 * x - 3.0))"),
    ] {
        let auc: f64 = common::plain(&mut s, &call).parse().unwrap();
        assert!((auc - AUC_BINARY).abs() < 1e-6, "{call}: {auc}");
    }
    let e = common::error(&mut s, "roc_auc([0, 2, 1], [0.1, 0.5, 0.9])");
    assert!(
        e.contains("with one score per row the labels are 0 and 1, but row 1 is 2"),
        "{e}"
    );
    let e = common::error(&mut s, "roc_auc([0, 1], [0.1, 0.5, 0.9])");
    assert!(e.contains("2 labels but 3 scores"), "{e}");
}
