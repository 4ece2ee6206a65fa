//! Majority vote, Dawid–Skene and the LF summary against an independent numpy computation
//! (tests/reference/weak_supervision_reference.py) on a fixed 40 × 4 label matrix.

mod common;

use common::{error, plain, session};
use ladder_stdlib::experiments::weak::{
    lf_analysis, majority_predict, majority_proba, DawidSkene, DawidSkeneConfig, LabelMatrix,
};
use ladder_stdlib::Error;

const L: [[i64; 4]; 40] = [
    [2, 2, 2, -1],
    [1, -1, 0, 2],
    [2, -1, 2, -1],
    [2, 2, 2, -1],
    [1, -1, 1, -1],
    [2, 2, 2, 0],
    [2, 2, 1, 2],
    [-1, 0, 0, -1],
    [1, 0, 0, 1],
    [0, 2, 2, 0],
    [0, -1, 1, -1],
    [2, 2, 2, 2],
    [0, 2, 2, -1],
    [0, 0, 1, 2],
    [1, -1, 1, -1],
    [2, 2, 0, 1],
    [2, -1, 0, -1],
    [0, 1, 0, 0],
    [-1, 1, 1, 0],
    [1, -1, -1, 0],
    [2, -1, 0, 2],
    [-1, 1, 0, 0],
    [1, 0, 1, -1],
    [-1, -1, 0, 0],
    [1, 0, 1, 2],
    [0, -1, 0, -1],
    [2, 2, 2, -1],
    [1, 1, 1, -1],
    [1, 1, 0, 2],
    [-1, -1, 2, 2],
    [1, 1, 1, 2],
    [0, -1, 1, 0],
    [1, -1, 2, 2],
    [2, -1, 1, -1],
    [2, -1, 0, 2],
    [2, -1, 0, 2],
    [-1, 2, 1, -1],
    [1, 1, 2, 1],
    [-1, 0, 2, 2],
    [2, 2, 2, -1],
];
const GOLD: [i64; 40] = [
    2, 1, 2, 2, 1, 2, 2, 0, 0, 0, 0, 2, 2, 0, 1, 2, 0, 2, 0, 1, 2, 0, 1, 0, 2, 0, 2, 1, 1, 1, 1, 1,
    1, 2, 2, 2, 2, 1, 1, 2,
];
const MV_PROBA: [f64; 120] = [
    0.0,
    0.0,
    1.0,
    0.3333333333333333,
    0.3333333333333333,
    0.3333333333333333,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
    1.0,
    0.0,
    0.0,
    0.5,
    0.5,
    0.0,
    0.5,
    0.0,
    0.5,
    0.5,
    0.5,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.5,
    0.0,
    0.5,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.5,
    0.5,
    0.0,
    0.0,
    0.0,
    1.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.5,
    0.5,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.5,
    0.5,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    1.0,
];
const MV_PRED: [i64; 40] = [
    2, -1, 2, 2, 1, 2, 2, 0, -1, -1, -1, 2, 2, 0, 1, 2, -1, 0, 1, -1, 2, 0, 1, 0, 1, 0, 2, 1, 1, 2,
    1, 0, 2, -1, 2, 2, -1, 1, 2, 2,
];
const DS_POSTERIOR: [f64; 120] = [
    9.425988947182475e-31,
    1.5996349303447732e-20,
    1.0,
    4.766306264910976e-11,
    0.9999999998314963,
    1.2084066278850359e-10,
    9.425988665655479e-21,
    1.5996348825682925e-10,
    0.9999999998400364,
    9.425988947182475e-31,
    1.5996349303447732e-20,
    1.0,
    0.19450838602471016,
    0.8054916139303917,
    4.4898156957300695e-11,
    3.6797306142201636e-30,
    3.0549700768163775e-25,
    1.0,
    2.2864745234637193e-30,
    1.1830092815537888e-19,
    1.0,
    6.0778651351073e-08,
    0.9999998760969033,
    6.312444539779881e-08,
    1.117157638622344e-17,
    1.0,
    3.676473345164444e-18,
    1.4089323900906214e-19,
    5.116540029398253e-16,
    0.9999999999999996,
    0.6808104531527874,
    0.1963140606383146,
    0.12287548620889781,
    1.4893831675630446e-40,
    1.9837743776017065e-20,
    1.0,
    3.609117766567897e-20,
    2.6791084519697353e-11,
    0.999999999973209,
    2.83880773904127e-17,
    0.9999999759934731,
    2.40065267480444e-08,
    0.19450838602471016,
    0.8054916139303917,
    4.4898156957300695e-11,
    7.514392997620936e-30,
    6.879228249741847e-20,
    1.0,
    8.338085677638701e-11,
    3.548131731660481e-10,
    0.9999999995618061,
    0.9999996580053488,
    3.4198662755325783e-07,
    8.0236188173564e-12,
    0.9999969912870378,
    3.0086922559739927e-06,
    2.0706267038368882e-11,
    0.9999781091186267,
    2.189070977561907e-05,
    1.7159760677943694e-10,
    1.3174855739315258e-20,
    4.40018699522503e-10,
    0.9999999995599813,
    0.9999980578187979,
    1.9421452667758734e-06,
    3.593542279563127e-11,
    1.5514234964865293e-08,
    0.999999984485765,
    2.6512725776809266e-18,
    0.7356402565370537,
    3.8042094545465236e-06,
    0.2643559392534918,
    1.9766896525632806e-18,
    1.0,
    2.1378783488714203e-18,
    0.6669501181086925,
    0.12414293938003856,
    0.20890694251126882,
    9.425988947182475e-31,
    1.5996349303447732e-20,
    1.0,
    0.39134779205700865,
    0.6086522079429912,
    9.033438432822022e-21,
    1.2691072474995918e-10,
    0.9999999998730893,
    3.217581048550552e-20,
    8.958689791082563e-21,
    0.2964141306044991,
    0.7035858693955009,
    8.192223715125895e-11,
    0.9999999999180778,
    1.1967749479343462e-20,
    0.9558089541457541,
    1.3483209035278296e-06,
    0.04418969753334227,
    1.1951471338188217e-20,
    0.9999999997319646,
    2.6803528409120393e-10,
    1.447060997574764e-10,
    9.539305138556055e-10,
    0.9999999989013635,
    1.3174855739315258e-20,
    4.40018699522503e-10,
    0.9999999995599813,
    1.3174855739315258e-20,
    4.40018699522503e-10,
    0.9999999995599813,
    1.2371085633190176e-10,
    2.0258453332226436e-10,
    0.9999999996737046,
    1.1609598576714044e-19,
    1.0,
    4.56498959296208e-20,
    1.9417736825751214e-27,
    0.9999998870971117,
    1.12902888304114e-07,
    9.425988947182475e-31,
    1.5996349303447732e-20,
    1.0,
];
const DS_PRIOR: [f64; 3] = [0.19548802457489495, 0.3459141324688802, 0.45859784295622485];
const DS_ITERATIONS: usize = 35;
const COVERAGE: [f64; 4] = [0.825, 0.6, 0.975, 0.6];
const OVERLAPS: [f64; 4] = [0.825, 0.6, 0.975, 0.6];
const CONFLICTS: [f64; 4] = [0.575, 0.425, 0.65, 0.525];
const CORRECT: [usize; 4] = [27, 17, 20, 11];
const INCORRECT: [usize; 4] = [6, 7, 19, 13];
const EMP_ACC: [f64; 4] = [
    0.8181818181818182,
    0.7083333333333334,
    0.5128205128205128,
    0.4583333333333333,
];

fn matrix() -> LabelMatrix {
    LabelMatrix::new(L.iter().map(|r| r.to_vec()).collect(), None, Some(3)).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4
}

#[test]
fn majority_vote_matches_reference() {
    let l = matrix();
    let proba = majority_proba(&l);
    for (got, want) in proba.iter().flatten().zip(MV_PROBA) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    assert_eq!(majority_predict(&l), MV_PRED.to_vec());
}

#[test]
fn dawid_skene_matches_reference() {
    let l = matrix();
    let ds = DawidSkene::fit(&l, &DawidSkeneConfig::default()).unwrap();
    assert_eq!(ds.iterations, DS_ITERATIONS);
    assert!(ds.converged);
    for (got, want) in ds.posterior.iter().flatten().zip(DS_POSTERIOR) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    for (got, want) in ds.prior.iter().zip(DS_PRIOR) {
        assert!(close(*got, want), "{got} vs {want}");
    }
}

#[test]
fn lf_summary_matches_reference() {
    let l = matrix();
    let s = lf_analysis(&l, Some(&GOLD)).unwrap();
    for j in 0..4 {
        assert!(close(s[j].coverage, COVERAGE[j]));
        assert!(close(s[j].overlaps, OVERLAPS[j]));
        assert!(close(s[j].conflicts, CONFLICTS[j]));
        assert_eq!(s[j].correct, Some(CORRECT[j]));
        assert_eq!(s[j].incorrect, Some(INCORRECT[j]));
        assert!(close(s[j].empirical_accuracy.unwrap(), EMP_ACC[j]));
    }
    assert_eq!(s[3].polarity, vec![0, 1, 2]);
}

#[test]
fn bad_input_is_rejected_with_the_cause() {
    let two = LabelMatrix::new(vec![vec![0, 1], vec![1, -1]], None, None).unwrap();
    let err = DawidSkene::fit(&two, &DawidSkeneConfig::default()).unwrap_err();
    assert!(
        err.message().contains("at least 3 labelling functions"),
        "{err}"
    );
    assert!(matches!(err, Error::Data(_)), "{err:?}");
    let err = LabelMatrix::new(vec![vec![0, 1], vec![1]], None, None).unwrap_err();
    assert!(err.message().contains("row 1 has 1 votes"), "{err}");
    assert!(matches!(err, Error::Data(_)), "{err:?}");
    let err = LabelMatrix::new(vec![vec![0, 5]], None, Some(3)).unwrap_err();
    assert!(err.message().contains("vote 5 at row 0, column 1"), "{err}");
    assert!(matches!(err, Error::Data(_)), "{err:?}");
    let err = lf_analysis(&matrix(), Some(&[0, 1])).unwrap_err();
    assert!(err.contains("2 for a label matrix of 40 rows"), "{err}");
}

#[test]
fn bad_options_are_refused_with_the_value_given() {
    let mut s = session();
    plain(
        &mut s,
        "let rows = [#{stars: 5}, #{stars: 1}]; let L = label_matrix([[0, 1, 0], [1, 1, -1], [0, 0, 0]]);",
    );
    // A negative class count is refused as given, not wrapped to a huge one.
    assert_eq!(
        error(
            &mut s,
            r#"apply_lfs(rows, [lf("stars > 3 => 1")], #{classes: -2})"#
        ),
        "apply_lfs: option `classes` must be at least 2, got -2"
    );
    assert_eq!(
        error(&mut s, "label_matrix([[0, 1]], #{classes: 1})"),
        "label_matrix: option `classes` must be at least 2, got 1"
    );
    assert_eq!(
        plain(
            &mut s,
            r#"apply_lfs(rows, [lf("stars > 3 => 1")], #{classes: 2}).to_array()"#
        ),
        "[[1], [-1]]"
    );
    assert_eq!(
        error(&mut s, "dawid_skene(L, #{tol: -1.0})"),
        "dawid_skene: option `tol` must be 0 or a positive number, got -1"
    );
    assert_eq!(
        error(&mut s, "dawid_skene(L, #{tol: 0.0 / 0.0})"),
        "dawid_skene: option `tol` must be 0 or a positive number, got NaN"
    );
    assert_eq!(
        error(&mut s, "dawid_skene(L, #{tol: 1.0 / 0.0})"),
        "dawid_skene: option `tol` must be 0 or a positive number, got inf"
    );
    // 0 runs every round (nothing counts as converged).
    assert_eq!(
        plain(&mut s, "dawid_skene(L, #{tol: 0, max_iter: 7}).iterations"),
        "7"
    );
}
