//! Weak-to-strong as a user runs it: the Done-when figure of issue 5 on a shipped table.
//! breast_cancer (standardised, 80/20 stratified split): the weak supervisor is a logistic
//! regression that sees only 2 of the 30 features (mean radius, mean texture); the strong model
//! is an MLP seeing all of them. Naive transfer should recover part of the gap: 0 < PGR < 1.

mod common;
use common::{plain, session};

const SETUP: &str = r#"
let parts = split(dataset("breast_cancer"), #{test: 0.2, seed: 0, stratify: true});
let st = standardize(parts[0], parts[1]);
let train = st[0]; let test = st[1];
let weak = #{kind: "logistic", features: [0, 1], epochs: 30, lr: 0.01};
let strong = #{kind: "mlp", hidden: [64], epochs: 30, lr: 0.001};
"#;

#[test]
fn naive_transfer_recovers_part_of_the_gap_over_five_seeds() {
    let mut s = session();
    plain(&mut s, SETUP);
    let table = plain(
        &mut s,
        "let r = weak_to_strong(train, #{test: test, weak: weak, strong: strong, loss: \"xent\", seeds: [0, 1, 2, 3, 4]}); r",
    );
    eprintln!("{table}");
    let lo: f64 = plain(&mut s, "r.pgr_interval.lower").parse().unwrap();
    let hi: f64 = plain(&mut s, "r.pgr_interval.upper").parse().unwrap();
    let mean: f64 = plain(&mut s, "r.pgr").parse().unwrap();
    let weak: f64 = plain(&mut s, "r.weak").parse().unwrap();
    let ceiling: f64 = plain(&mut s, "r.ceiling").parse().unwrap();
    assert!(
        ceiling - weak > 0.03,
        "the gap must be real: weak {weak}, ceiling {ceiling}"
    );
    assert!(0.0 < mean && mean < 1.0, "PGR {mean} [{lo}, {hi}]");
    // Measured: PGR 0.217 [0.067, 0.366] (naive) and 0.444 [0.226, 0.662] (logconf).
    assert!(0.0 < lo && hi < 1.0, "PGR interval [{lo}, {hi}]");
    let logconf = plain(
        &mut s,
        "let c = weak_to_strong(train, #{test: test, weak: weak, strong: strong, loss: \"logconf\", seeds: [0, 1, 2, 3, 4]}); c",
    );
    eprintln!("{logconf}");
    let product = plain(
        &mut s,
        "weak_to_strong(train, #{test: test, weak: weak, strong: strong, loss: \"product\", seeds: [0, 1, 2, 3, 4]})",
    );
    eprintln!("{product}");
    // Seeded: the same call gives the same figures.
    let again = plain(
        &mut s,
        "weak_to_strong(train, #{test: test, weak: weak, strong: strong, loss: \"xent\", seeds: [0, 1, 2, 3, 4]})",
    );
    assert_eq!(again, table);

    // r.plot(): grouped bars of weak / w2s / ceiling with interval error bars.
    let chart = s.execute("r.plot()").unwrap().expect("a chart");
    let png = chart.png_bytes().expect("the chart renders as PNG");
    assert!(png.starts_with(b"\x89PNG"));
    assert!(
        chart.plain().unwrap_or_default().contains("bar"),
        "{:?}",
        chart.plain()
    );
}

/// Findings 10-12: model-spec keys the model would not use are refused, the confidence
/// loss's settings are range-checked whatever the loss, and seeds are any integers.
#[test]
fn weak_to_strong_refuses_unused_and_out_of_range_options_and_takes_any_seed() {
    let mut s = session();
    plain(
        &mut s,
        r#"let d = dataset("iris"); let weak = #{kind: "logistic", epochs: 1}; let strong = #{hidden: [4], epochs: 1};"#,
    );
    for (cell, message) in [
        (
            r#"weak_to_strong(d, #{weak: #{kind: "logistic", hidden: [64], dropout: 0.5, epochs: 1}, strong: strong})"#,
            r#"weak: option `hidden` applies to kind "mlp", not "logistic""#,
        ),
        (
            r#"weak_to_strong(d, #{weak: #{kind: "logistic", dropout: 0.5}, strong: strong})"#,
            r#"weak: option `dropout` applies to kind "mlp", not "logistic""#,
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{kind: "logistic", activation: "tanh"}})"#,
            r#"strong: option `activation` applies to kind "mlp", not "logistic""#,
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{kind: "lm", path: "nowhere", hidden: [8]}})"#,
            r#"strong: option `hidden` applies to kind "mlp", not "lm""#,
        ),
        (
            r#"weak_to_strong(d, #{weak: #{build: |i, c, s| mlp([i, c]), hidden: [8]}, strong: strong})"#,
            r#"weak: option `hidden` applies to kind "mlp", not to a model from `build` (set it in the function)"#,
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{hidden: [8], dropout: -0.5}})"#,
            "strong: option `dropout` must be in [0, 1), got -0.5",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{hidden: [8, 0]}})"#,
            "strong: option `hidden` must list positive layer sizes, got 0 at hidden[1]",
        ),
        (
            r#"weak_to_strong(d, #{weak: #{kind: "logistic", features: [0, -1]}, strong: strong})"#,
            "weak: option `features` must list column indices (0, 1, ...), got -1 at features[1]",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, loss: "logconf", aux_coef: -3.0})"#,
            "weak_to_strong: option `aux_coef` must be a non-negative number, got -3",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, loss: "xent", aux_coef: -3.0})"#,
            "weak_to_strong: option `aux_coef` must be a non-negative number, got -3",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, loss: "logconf", warmup_frac: 7.0})"#,
            "weak_to_strong: option `warmup_frac` must be in [0, 1], got 7",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, seeds: [0, "one"]})"#,
            "weak_to_strong: option `seeds` must be an array of integers, got a string at seeds[1]",
        ),
        (
            r#"bootstrap_chain(d, #{models: [weak, strong], loss: "logconf", warmup_frac: -0.1})"#,
            "bootstrap_chain: option `warmup_frac` must be in [0, 1], got -0.1",
        ),
    ] {
        assert_eq!(common::error(&mut s, cell), message, "{cell}");
    }
    // A negative seed runs (read as its 64 bits, like `seed: -1`), and a sweep's fixed
    // `aux_coef` / `warmup_frac` are accepted with the naive loss.
    plain(
        &mut s,
        r#"let r = weak_to_strong(d, #{weak: weak, strong: strong, loss: "xent", aux_coef: 0.3, warmup_frac: 0.2, seeds: [-1]});"#,
    );
    assert_eq!(plain(&mut s, "r.runs[0].seed"), "-1");
    assert_eq!(plain(&mut s, "r.runs.len()"), "1");
}

/// `test_frac` and `split_seed` shape the split made when no `test` is given; beside a given
/// `test` nothing is split, so they are refused rather than ignored (by both protocols).
#[test]
fn a_given_test_set_refuses_the_split_options() {
    let mut s = session();
    plain(
        &mut s,
        r#"let d = dataset("iris"); let weak = #{kind: "logistic", epochs: 1}; let strong = #{hidden: [4], epochs: 1};"#,
    );
    for (cell, message) in [
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, test: d, test_frac: 0.3})"#,
            "weak_to_strong: option `test_frac` cannot be used with `test` (the test set is given, nothing is split), got 0.3",
        ),
        (
            r#"weak_to_strong(d, #{weak: weak, strong: strong, test: d, split_seed: 5})"#,
            "weak_to_strong: option `split_seed` cannot be used with `test` (the test set is given, nothing is split), got 5",
        ),
        (
            r#"bootstrap_chain(d, #{models: [weak, strong], test: d, test_frac: 0.5})"#,
            "bootstrap_chain: option `test_frac` cannot be used with `test` (the test set is given, nothing is split), got 0.5",
        ),
    ] {
        assert_eq!(common::error(&mut s, cell), message, "{cell}");
    }
}

/// A spec's `kind` says which model to make; `build` makes it, so a `kind` beside `build`
/// would be unused: it is refused, naming both.
#[test]
fn a_model_spec_refuses_kind_beside_build() {
    let mut s = session();
    plain(
        &mut s,
        r#"let d = dataset("iris"); let weak = #{kind: "logistic", epochs: 1}; let strong = #{hidden: [4], epochs: 1};"#,
    );
    for (cell, message) in [
        (
            r#"weak_to_strong(d, #{weak: #{kind: "logistic", build: |i, c, s| mlp([i, c])}, strong: strong})"#,
            r#"weak: option `kind` cannot be used with `build` (the function makes the model), got "logistic""#,
        ),
        // Even the default kind.
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{kind: "mlp", build: |i, c, s| mlp([i, c])}})"#,
            r#"strong: option `kind` cannot be used with `build` (the function makes the model), got "mlp""#,
        ),
        // Before kind "lm" asks for its `path`.
        (
            r#"weak_to_strong(d, #{weak: weak, strong: #{kind: "lm", build: |i, c, s| mlp([i, c])}})"#,
            r#"strong: option `kind` cannot be used with `build` (the function makes the model), got "lm""#,
        ),
    ] {
        assert_eq!(common::error(&mut s, cell), message, "{cell}");
    }
}
