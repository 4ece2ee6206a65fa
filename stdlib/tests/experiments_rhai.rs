//! The experiments as a user meets them: Rhai cells in a session with the standard library.
//! Each bad input must fail with a message naming the cause, and the session must go on.

use ladder_stdlib::library;

mod common;
use common::{error, html, number, plain, session};

#[test]
fn boosting_with_stumps_and_with_a_rhai_learner() {
    let mut s = session();
    plain(
        &mut s,
        r#"let data = dataset("breast_cancer"); let m = samme(data, #{rounds: 20});"#,
    );
    let table = plain(&mut s, "m");
    assert!(
        table.starts_with("SAMME: 20 rounds of stump (2 classes"),
        "{table}"
    );
    assert!(html(&mut s, "m").contains("<th>alpha</th>"));
    let staged = number(&mut s, "let st = m.staged(data); st.len()");
    let chart = s.execute("m.plot(data, data)").unwrap().expect("a chart");
    assert!(chart.png_bytes().is_some_and(|p| p.starts_with(b"\x89PNG")));
    assert_eq!(staged, 20.0);
    assert!(number(&mut s, "st[19]") > 0.95);
    assert_eq!(plain(&mut s, "m.predict(data).len()"), "569");
    let p = number(&mut s, "let p = m.predict_proba(data); p[0][0] + p[0][1]");
    assert!((p - 1.0).abs() < 1e-12);
    // The same protocol through plain arrays, and a weak learner written in Rhai: a weighted
    // threshold on feature 0 picking the better side.
    plain(
        &mut s,
        r#"
        fn threshold_learner(x, y, w) {
            let best = 0.0; let best_t = 0.0; let best_flip = false;
            for t in [0.0, 0.5, 1.0, 1.5, 2.0] {
                let score = 0.0;
                for i in 0..x.len() { if (x[i][0] > t) == (y[i] == 1) { score += w[i]; } }
                if score > best { best = score; best_t = t; best_flip = false; }
                if 1.0 - score > best { best = 1.0 - score; best_t = t; best_flip = true; }
            }
            let t = best_t; let flip = best_flip;
            |rows| rows.map(|r| if (r[0] > t) != flip { 1 } else { 0 })
        }
        let xs = [[0.2], [0.4], [0.9], [1.2], [1.7], [1.9], [0.3], [1.4]];
        let ys = [0, 0, 1, 0, 1, 1, 1, 1];
        let b = samme(xs, ys, #{rounds: 5, learner: Fn("threshold_learner")});
        "#,
    );
    assert!(number(&mut s, "b.rounds") >= 2.0);
    assert!(number(&mut s, "b.alphas[0]") > 0.0);
    assert!(plain(&mut s, "b.predict(xs)").starts_with('['));
    // A learner that ignores its weights is refused, and the session goes on.
    let e = error(
        &mut s,
        "samme(xs, ys, #{learner: |x, y, w| |rows| rows.map(|r| if r[0] > 1.0 { 1 } else { 0 })})",
    );
    assert!(e.contains("ignores sample weights"), "{e}");
    let e = error(&mut s, "samme(xs, [0, 1], #{rounds: 5})");
    assert!(e.contains("8 feature rows but 2 labels"), "{e}");
    let e = error(&mut s, "samme(xs, ys, #{round: 5})");
    assert!(e.contains("unknown option 'round'"), "{e}");
    assert_eq!(plain(&mut s, "1 + 1"), "2");
    // A network trained with the weights in its loss as the weak learner.
    let nb = plain(
        &mut s,
        r#"let iris = dataset("iris");
        let nb = samme(iris, #{rounds: 3, learner: #{kind: "logistic", epochs: 5, lr: 0.05}}); nb"#,
    );
    assert!(nb.contains("of logistic"), "{nb}");
    assert!(number(&mut s, "nb.staged(iris)[-1]") > 0.6);
    let cv = plain(
        &mut s,
        r#"samme_cv(dataset("iris"), #{rounds: 50, at: [10, 50]})"#,
    );
    assert!(
        cv.contains("mean") && cv.contains("stratified 5-fold"),
        "{cv}"
    );
}

#[test]
fn weak_supervision_from_labelling_functions() {
    let mut s = session();
    plain(
        &mut s,
        r#"
        let rows = [#{text: "great movie", stars: 5}, #{text: "awful plot", stars: 1},
                    #{text: "great but long", stars: 3}, #{text: "boring", stars: 2},
                    #{text: "loved it", stars: 5}, #{text: "awful and boring", stars: 1}];
        fn positive_word(r) { if r.text.contains("great") || r.text.contains("loved") { 1 } else { -1 } }
        fn negative_word(r) { if r.text.contains("awful") || r.text.contains("boring") { 0 } else { -1 } }
        fn stars(r) { if r.stars >= 4 { 1 } else if r.stars <= 2 { 0 } else { -1 } }
        let L = apply_lfs(rows, [Fn("positive_word"), Fn("negative_word"), Fn("stars")]);
        "#,
    );
    assert_eq!(plain(&mut s, "L.rows"), "6");
    let overlaps = s.execute("L.plot()").unwrap().expect("a chart");
    assert!(overlaps
        .png_bytes()
        .is_some_and(|p| p.starts_with(b"\x89PNG")));
    assert_eq!(
        plain(&mut s, "L.names"),
        r#"["positive_word", "negative_word", "stars"]"#
    );
    let gold = "[1, 0, 1, 0, 1, 0]";
    let t = plain(&mut s, &format!("lf_analysis(L, {gold})"));
    assert!(
        t.contains("Emp. Acc.") && t.contains("positive_word"),
        "{t}"
    );
    // Gold labels as a tensor or a data set's, as `accuracy` takes them.
    assert_eq!(plain(&mut s, &format!("lf_analysis(L, tensor({gold}))")), t);
    assert_eq!(
        plain(
            &mut s,
            &format!("lf_analysis(L, dataset(zeros([6, 1]), tensor({gold})))")
        ),
        t
    );
    assert_eq!(plain(&mut s, "majority_vote(L)"), "[1, 0, 1, 0, 1, 0]");
    let ds = plain(&mut s, "let ds = dawid_skene(L); ds");
    assert!(ds.contains("Dawid–Skene"), "{ds}");
    // Row 2 has a single vote from a function that only ever says 1: Dawid–Skene cannot tell
    // its accuracy, so that row falls back to the prior; every other row follows the votes.
    let pred = plain(
        &mut s,
        "let pr = ds.predict(L); [pr[0], pr[1], pr[3], pr[4], pr[5]]",
    );
    assert_eq!(pred, "[1, 0, 0, 1, 0]");
    assert!((number(&mut s, "let q = ds.proba; q[2][0] + q[2][1]") - 1.0).abs() < 1e-12);
    // Its probabilistic labels train an end model (soft-label cross-entropy).
    plain(
        &mut s,
        r#"let feats = tensor(rows.map(|r| [r.stars * 1.0, r.text.len() * 1.0]));
        let end = dataset(feats, tensor([1, 0, 1, 0, 1, 0])).with_soft_labels(tensor(ds.proba));
        let m = logistic_regression(2, 2); fit(m, end, #{epochs: 3, progress: false});"#,
    );
    let e = error(&mut s, "dawid_skene(label_matrix([[0, 1], [1, -1]]))");
    assert!(e.contains("at least 3 labelling functions"), "{e}");
    let e = error(&mut s, "apply_lfs(rows, [|r| \"yes\"])");
    assert!(e.contains("returned a string on row 0"), "{e}");
    let e = error(&mut s, "lf_analysis(L, [1, 0])");
    assert!(e.contains("2 for a label matrix of 6 rows"), "{e}");
    assert_eq!(plain(&mut s, "L.lfs"), "3");
}

#[test]
fn metrics_bootstrap_and_results_table() {
    let mut s = session();
    assert_eq!(number(&mut s, "accuracy([0, 1, 1, 0], [0, 1, 0, 0])"), 0.75);
    assert_eq!(number(&mut s, "agreement([0, 1, 1], [0, 1, 0])"), 2.0 / 3.0);
    assert_eq!(
        plain(
            &mut s,
            "confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0]).to_array()"
        ),
        "[[2, 0], [1, 1]]"
    );
    let auc = number(
        &mut s,
        "roc_auc([0, 1, 0, 1], [[0.9, 0.1], [0.6, 0.4], [0.6, 0.4], [0.2, 0.8]])",
    );
    assert_eq!(auc, 0.875);
    let r = plain(&mut s, "classification_report([0, 1, 1, 0], [0, 1, 0, 0])");
    assert!(r.contains("macro avg"), "{r}");
    let ci = plain(&mut s, "let ci = bootstrap_ci([0, 1, 1, 0, 1, 1, 0, 0, 1, 1], [0, 1, 0, 0, 1, 1, 0, 1, 1, 1], \"accuracy\"); ci");
    assert!(
        ci.starts_with("0.8000 [") && ci.ends_with("(95% interval)"),
        "{ci}"
    );
    assert!(number(&mut s, "ci.lower") < 0.8 && number(&mut s, "ci.upper") <= 1.0);
    // Metrics take tensors too: a model's predictions against a data set's labels.
    plain(
        &mut s,
        r#"let d = dataset("iris"); let m = logistic_regression(4, 3); fit(m, d, #{epochs: 30, lr: 0.05, progress: false});"#,
    );
    let acc = number(&mut s, "accuracy(d, m.predict(d))");
    assert!(acc > 0.8, "{acc}");
    assert_eq!(acc, number(&mut s, "m.accuracy(d)"));
    plain(
        &mut s,
        r#"let runs = results("sweep");
        runs.add(#{lr: 0.1}, #{acc: 0.8, f1: 0.7});
        runs.add(#{lr: 0.01}, #{acc: 0.9});"#,
    );
    assert_eq!(plain(&mut s, "runs.best(\"acc\").config.lr"), "\"0.01\"");
    let t = plain(&mut s, "runs");
    assert!(
        t.starts_with("sweep\nid  time") && t.contains("lr") && t.contains("f1"),
        "{t}"
    );
    assert_eq!(number(&mut s, "pgr(0.5, 0.75, 1.0)"), 0.5);
    assert_eq!(plain(&mut s, "pgr(0.9, 0.85, 0.9)"), "");
    let m = plain(&mut s, "mean_ci([0.2, 0.4, (), 0.3])");
    assert!(m.starts_with("0.3000 [0.0516, 0.5484]"), "{m}");
    let e = error(&mut s, "accuracy([0, 1], [0])");
    assert!(e.contains("2 true labels but 1 predictions"), "{e}");
    let e = error(&mut s, "runs.add(#{}, #{acc: \"high\"})");
    assert!(e.contains("metric 'acc' is a string"), "{e}");
}

#[test]
fn ensembles_mixtures_and_distillation() {
    let mut s = session();
    plain(
        &mut s,
        r#"
        let parts = split(dataset("iris"), #{test: 0.3, seed: 0, stratify: true});
        let st = standardize(parts[0], parts[1]); let train = st[0]; let test = st[1];
        let a = logistic_regression(4, 3, #{seed: 1}); fit(a, train, #{epochs: 20, lr: 0.05, progress: false});
        let b = mlp([4, 16, 3], #{seed: 2}); fit(b, train, #{epochs: 20, lr: 0.01, progress: false});
        let e = ensemble([a, b]);
        "#,
    );
    assert!(number(&mut s, "e.accuracy(test)") > 0.8);
    let fused = number(
        &mut s,
        "ensemble([a, b], #{method: \"logits\", weights: [1.0, 0.5]}).accuracy(test)",
    );
    assert!(fused > 0.8);
    assert!(
        number(
            &mut s,
            "ensemble([a, b], #{method: \"vote\"}).accuracy(test)"
        ) > 0.8
    );
    let e = error(&mut s, "ensemble([a, b], #{weights: [1.0]})");
    assert!(e.contains("1 weights for 2 models"), "{e}");

    plain(
        &mut s,
        "let mix = mixture(#{eta: 0.05}); mix.add(a, train); mix.add(b, train);",
    );
    assert_eq!(plain(&mut s, "mix.weights"), "[0.95, 0.05]");
    assert_eq!(plain(&mut s, "len(mix.sample(40, 0))"), "40");
    assert!(plain(&mut s, "mix").contains("AILBoost mixture"));

    let report = plain(
        &mut s,
        "let r = distill_chain(b, [#{hidden: [8], epochs: 20, lr: 0.01}, #{kind: \"logistic\", epochs: 20, lr: 0.05}], train, #{T: 2.0, test: test}); r",
    );
    assert!(
        report.contains("teacher") && report.contains("mlp[8]") && report.contains("logistic"),
        "{report}"
    );
    assert!(report.contains("relative size"), "{report}");
    assert!(number(&mut s, "r.student.accuracy(test)") > 0.6);
    let e = error(
        &mut s,
        "distill(b, #{hidden: [8]}, train, #{T: 0.0, test: test})",
    );
    assert!(e.contains("temperature must be positive"), "{e}");
    let e = error(
        &mut s,
        "weak_to_strong(train, #{weak: #{kind: \"tree\"}, strong: #{}})",
    );
    assert!(e.contains("unknown model kind \"tree\""), "{e}");
    // A spec's device is checked where the spec is read, and named with it.
    let e = error(
        &mut s,
        "weak_to_strong(train, #{weak: #{kind: \"logistic\", device: \"tpu\"}, strong: #{}})",
    );
    assert!(
        e.contains("weak: ") && e.contains("unknown device \"tpu\""),
        "{e}"
    );
    let e = error(
        &mut s,
        "weak_to_strong(train, #{weak: #{kind: \"logistic\", device: \"cuda\"}, strong: #{}})",
    );
    assert!(
        e.contains("weak: ") && (e.contains("no CUDA support") || e.contains("no usable GPU")),
        "{e}"
    );
    let chain = plain(
        &mut s,
        "bootstrap_chain(train, #{test: test, models: [#{kind: \"logistic\", features: [0], epochs: 20, lr: 0.05}, #{hidden: [16], epochs: 20, lr: 0.01}, #{hidden: [32], epochs: 20, lr: 0.01}]})",
    );
    assert!(
        chain.contains("Bootstrapping chain") && chain.lines().count() >= 6,
        "{chain}"
    );
}

#[test]
fn experiment_functions_carry_doc_comments_and_parameter_names() {
    let mut engine = ladder_scripting::rhai::Engine::new();
    let mut renderers = ladder_scripting::Renderers::default();
    library().install(&mut engine, &mut renderers);
    let json: serde_json::Value =
        serde_json::from_str(&engine.gen_fn_metadata_to_json(false).unwrap()).unwrap();
    let functions = json["functions"].as_array().unwrap();
    for (name, arity, first_param) in [
        ("samme", 3, "x"),
        ("samme_cv", 3, "x"),
        ("staged", 3, "model"),
        ("apply_lfs", 3, "rows"),
        ("lf_analysis", 2, "L"),
        ("dawid_skene", 2, "L"),
        ("majority_vote", 1, "L"),
        ("bootstrap_ci", 4, "y"),
        ("classification_report", 2, "y"),
        ("weak_to_strong", 2, "data"),
        ("bootstrap_chain", 2, "data"),
        ("distill", 4, "teacher"),
        ("distill_chain", 4, "teacher"),
        ("ensemble", 2, "models"),
        ("mixture", 1, "options"),
        ("results", 1, "title"),
    ] {
        // An overload of the same arity (apply_lfs on rows or on columns) may come first.
        let f = functions
            .iter()
            .find(|f| {
                f["name"] == name
                    && f["params"].as_array().map_or(0, |p| p.len()) == arity
                    && f["params"][0]["name"] == first_param
            })
            .unwrap_or_else(|| panic!("{name}/{arity} is registered with `{first_param}` first"));
        let doc = f["docComments"][0].as_str().unwrap_or_default();
        assert!(doc.starts_with("///") && doc.len() > 20, "{name}: {doc}");
    }
}

/// Findings 12 and 16: `T` and its alias `temperature` together are refused, and a test set
/// of the wrong width is named as the test set, not as a fault of the teacher's first layer.
#[test]
fn distill_names_a_bad_test_set_and_refuses_both_temperatures() {
    let mut s = session();
    plain(
        &mut s,
        r#"
        let parts = split(dataset("iris"), #{test: 0.3, seed: 0, stratify: true});
        let train = parts[0]; let test = parts[1];
        let b = mlp([4, 16, 3], #{seed: 2}); fit(b, train, #{epochs: 2, lr: 0.01, progress: false});
        "#,
    );
    assert_eq!(
        error(
            &mut s,
            "distill(b, #{hidden: [8]}, train, #{T: 2.0, temperature: 2.0, test: test})"
        ),
        "distill: give `T` or `temperature`, not both"
    );
    let e = error(
        &mut s,
        "distill(b, #{hidden: [8], epochs: 1}, train, #{test: dataset(\"wine\")})",
    );
    assert!(
        e.starts_with("distill: test set \"wine\": ")
            && e.contains("has 13 features where 4 were expected"),
        "{e}"
    );
    // The alias alone still sets the temperature.
    let report = plain(
        &mut s,
        "distill(b, #{hidden: [8], epochs: 1}, train, #{temperature: 3.0, test: test})",
    );
    assert!(report.contains("T = 3"), "{report}");
}

/// A function handed to the library that takes the wrong number of arguments is named as
/// the user wrote it, with what it takes and what it is called with (Rhai alone says
/// "Function not found: anon$… (map)"); the session keeps its variables.
#[test]
fn callbacks_of_the_wrong_arity_say_what_they_take() {
    let mut s = session();
    plain(
        &mut s,
        "let rows = [#{a: 1}, #{a: 2}]; let y = 3; let xs = [[0.2], [0.9]]; let ys = [0, 1];",
    );
    let e = error(&mut s, "apply_lfs(rows, [|r, extra| 1])");
    assert!(
        e.contains(
            "the closure |r, extra| takes 2 arguments, but is called with one argument, the row"
        ),
        "{e}"
    );
    assert!(!e.contains("anon$"), "{e}");
    // Captured variables are not parameters the user wrote.
    let e = error(&mut s, "apply_lfs(rows, [|| y])");
    assert!(e.contains("the closure || takes no arguments"), "{e}");
    plain(&mut s, "fn two(a, b) { 1 }");
    let e = error(&mut s, r#"apply_lfs(rows, [Fn("two")])"#);
    assert!(
        e.contains("the function two(a, b) takes 2 arguments"),
        "{e}"
    );
    let e = error(&mut s, r#"apply_lfs(rows, [Fn("nothing_by_this_name")])"#);
    assert!(
        e.contains("no function named 'nothing_by_this_name' takes one argument, the row"),
        "{e}"
    );
    let e = error(
        &mut s,
        r#"apply_lfs(#{a: [1, 2]}, [lf_column("a", |a, b| [1, 1])])"#,
    );
    assert!(e.contains("|a, b| takes 2 arguments"), "{e}");
    let e = error(&mut s, "samme(xs, ys, #{rounds: 2, learner: |x, y| 0})");
    assert!(
        e.contains("learner (a closure) failed: the closure |x, y| takes 2 arguments, but is called with three"),
        "{e}"
    );
    let e = error(
        &mut s,
        "weak_to_strong(blobs(#{n: 40, seed: 0}), #{weak: |n| 0, strong: #{kind: \"mlp\"}})",
    );
    assert!(
        e.contains("|n| takes one argument, but is called with three"),
        "{e}"
    );
    let e = plain(&mut s, r#"sweep(#{a: [1]}, |a, b| 1)[0]["error"]"#);
    assert!(
        e.contains("|a, b| takes 2 arguments, but is called with one"),
        "{e}"
    );
    assert_eq!(number(&mut s, "y"), 3.0);
    // The library's types list their properties to a misspelling.
    let e = s.execute("dataset(\"iris\").n_classs").unwrap_err();
    assert_eq!(e.hint.as_deref(), Some("did you mean `n_classes`?"));
    let e = s.execute("split(1, 2)").unwrap_err();
    let hint = e.hint.unwrap_or_default();
    assert!(
        hint.contains("split(data: Dataset, options: map) -> array"),
        "{hint}"
    );
}
