//! The structured metric results as a user meets them in a cell: confusion matrix,
//! classification report and calibration agree with scikit-learn, print as tables, read as
//! plain values, draw their charts; result tables answer accessors; accuracy skips abstains.
//! Values pinned from tests/reference/metric_results_reference.py (scikit-learn 1.9.1).

use ladder_scripting::{CaptureFrontend, MimeBundle, Session, Stream};
use ladder_stdlib::library;
use std::rc::Rc;

const Y: &str = "[0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]";
const PRED: &str = "[0, 0, 1, 2, 1, 1, 1, 0, 2, 2, 2, 1]";
const VOTES: &str = "[0, -1, 1, 2, 1, -1, 1, 0, -1, 2, 2, -1]";
const PROBA: &str = "[[0.7, 0.2, 0.1], [0.55, 0.35, 0.1], [0.3, 0.45, 0.25], [0.2, 0.3, 0.5], [0.1, 0.85, 0.05], [0.25, 0.6, 0.15], [0.05, 0.92, 0.03], [0.48, 0.4, 0.12], [0.1, 0.35, 0.55], [0.05, 0.15, 0.8], [0.2, 0.1, 0.7], [0.3, 0.38, 0.32]]";
const CONFUSION: [i64; 9] = [2, 1, 1, 1, 3, 1, 0, 1, 2];
const PRECISION: [f64; 3] = [0.6666666666666666, 0.6, 0.5];
const RECALL: [f64; 3] = [0.5, 0.6, 0.6666666666666666];
const F1: [f64; 3] = [0.5714285714285714, 0.6, 0.5714285714285714];
const SUPPORT: [i64; 3] = [4, 5, 3];
const ACCURACY: f64 = 0.5833333333333334;
const MACRO: [f64; 3] = [0.5888888888888889, 0.5888888888888889, 0.5809523809523809];
const WEIGHTED: [f64; 3] = [0.5972222222222222, 0.5833333333333334, 0.5833333333333334];
const VOTES_ACCURACY: f64 = 0.625;
const VOTES_COVERAGE: f64 = 0.6666666666666666;
const CONFUSION_VOTES: [i64; 9] = [1, 1, 1, 1, 2, 0, 0, 0, 2];
const CURVE_TRUE: [f64; 4] = [0.0, 0.3333333333333333, 1.0, 1.0];
const CURVE_PRED: [f64; 4] = [0.38, 0.5216666666666666, 0.7333333333333334, 0.885];
const ECE: f64 = 0.21166666666666661;

const TOL: f64 = 1e-12;

fn session() -> Session {
    let mut s = Session::with_libraries(Rc::new(CaptureFrontend::new()), vec![library()]);
    let setup =
        format!("let y = {Y}; let pred = {PRED}; let votes = {VOTES}; let proba = {PROBA};");
    s.execute(&setup).unwrap();
    s
}

fn bundle(s: &mut Session, code: &str) -> MimeBundle {
    match s.execute(code) {
        Ok(Some(b)) => b,
        Ok(None) => panic!("cell gave no value: {code}"),
        Err(e) => panic!("cell failed: {code}\n{}", e.report()),
    }
}

/// The text a cell shows; "" for `()` (an empty or undefined value).
fn plain(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(Some(b)) => b.plain().unwrap_or_default().to_string(),
        Ok(None) => String::new(),
        Err(e) => panic!("cell failed: {code}\n{}", e.report()),
    }
}

fn html(s: &mut Session, code: &str) -> String {
    bundle(s, code).data["text/html"]
        .as_str()
        .unwrap()
        .to_string()
}

fn error(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(v) => panic!("expected an error from {code}, got {v:?}"),
        Err(e) => e.message,
    }
}

fn num(s: &mut Session, code: &str) -> f64 {
    let v = s
        .execute(code)
        .unwrap_or_else(|e| panic!("{code}: {}", e.report()))
        .unwrap();
    v.plain()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{code} gave {v:?}"))
}

/// A Rhai array of numbers, read back as f64.
fn floats(s: &mut Session, code: &str) -> Vec<f64> {
    let v = s.execute(&format!("{code}.map(|x| x.to_float())")).unwrap();
    let text = v.unwrap().plain().unwrap().to_string();
    text.trim_matches(['[', ']'])
        .split(", ")
        .map(|t| t.parse().unwrap_or_else(|_| panic!("{code}: {text}")))
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < TOL, "{what}: {got:?} vs {want:?}");
    }
}

/// The PNG's (width, height) and its count of non-grey pixels.
fn png(b: &MimeBundle) -> (u32, u32, usize) {
    let bytes = b.png_bytes().expect("an image/png representation");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    buf.truncate(info.buffer_size());
    let colored = buf
        .chunks(info.color_type.samples())
        .filter(|p| p[0] != p[1] || p[1] != p[2])
        .count();
    (info.width, info.height, colored)
}

#[test]
fn confusion_matrix_matches_scikit_learn_and_keeps_array_use() {
    let mut s = session();
    let counts: Vec<f64> = floats(
        &mut s,
        "confusion_matrix(y, pred).to_array().reduce(|a, r| a + r, [])",
    );
    assert_close(&counts, &CONFUSION.map(|c| c as f64), "confusion matrix");
    // Old uses of the nested array keep working: indexing, len, iteration.
    assert_eq!(
        num(&mut s, "let m = confusion_matrix(y, pred); m[1][2]"),
        1.0
    );
    assert_eq!(num(&mut s, "m[-1][2]"), 2.0);
    assert_eq!(num(&mut s, "m.len()"), 3.0);
    assert_eq!(
        num(&mut s, "let d = 0; for row in m { d += row.len(); } d"),
        9.0
    );
    assert_eq!(num(&mut s, "m.total"), 12.0);
    assert!((num(&mut s, "m.accuracy") - ACCURACY).abs() < TOL);
    let e = error(&mut s, "m[3]");
    assert!(
        e.contains("3 rows (classes 0..3); row 3 is out of range"),
        "{e}"
    );
    // Text and HTML show the table; print uses the same text.
    assert_eq!(
        plain(&mut s, "m"),
        "Confusion matrix: 12 predictions, accuracy 0.5833\n\
         true \\ predicted  0  1  2\n\
         ----------------  -  -  -\n\
         0                 2  1  1\n\
         1                 1  3  1\n\
         2                 0  1  2"
    );
    assert_eq!(plain(&mut s, "m.to_string() == m.to_text()"), "true");
    assert_eq!(
        plain(&mut s, "m.to_string().split(\"\\n\")[0]"),
        "\"Confusion matrix: 12 predictions, accuracy 0.5833\""
    );
    assert!(html(&mut s, "m").contains("<th>true \\ predicted</th>"));
    // Class names label the table and the chart; abstains are left out and noted.
    let named = plain(
        &mut s,
        r#"confusion_matrix(y, votes, #{class_names: ["cat", "dog", "eel"]})"#,
    );
    assert!(
        named.contains("true \\ predicted  cat  dog  eel"),
        "{named}"
    );
    assert!(
        named.ends_with("4 of 12 predictions abstained (-1) and are left out (coverage 0.6667)"),
        "{named}"
    );
    let counts = floats(
        &mut s,
        "confusion_matrix(y, votes).to_array().reduce(|a, r| a + r, [])",
    );
    assert_close(&counts, &CONFUSION_VOTES.map(|c| c as f64), "with abstains");
    // A data set that knows its class names lends them.
    assert_eq!(
        plain(
            &mut s,
            r#"let d = dataset("reviews"); confusion_matrix(d, d).classes"#
        ),
        r#"["negative", "positive"]"#
    );
    assert_eq!(
        plain(&mut s, "classification_report(d, d).classes"),
        r#"["negative", "positive"]"#
    );
    let e = error(
        &mut s,
        r#"confusion_matrix(y, pred, #{class_names: ["a", "b"]})"#,
    );
    assert!(e.contains("2 class names for 3 classes"), "{e}");
    let e = error(&mut s, "confusion_matrix(y, pred, #{normalise: true})");
    assert!(e.contains("unknown option 'normalise'"), "{e}");
}

#[test]
fn classification_report_matches_scikit_learn() {
    let mut s = session();
    s.execute("let r = classification_report(y, pred);")
        .unwrap();
    assert_close(&floats(&mut s, "r.precision"), &PRECISION, "precision");
    assert_close(&floats(&mut s, "r.recall"), &RECALL, "recall");
    assert_close(&floats(&mut s, "r.f1"), &F1, "f1");
    assert_close(
        &floats(&mut s, "r.support"),
        &SUPPORT.map(|c| c as f64),
        "support",
    );
    assert!((num(&mut s, "r.accuracy") - ACCURACY).abs() < TOL);
    let macro_avg = [
        num(&mut s, "r.macro_precision"),
        num(&mut s, "r.macro_recall"),
        num(&mut s, "r.macro_f1"),
    ];
    assert_close(&macro_avg, &MACRO, "macro avg");
    assert!((num(&mut s, "r.weighted_f1") - WEIGHTED[2]).abs() < TOL);
    // The table carries every figure, read back through the table accessors.
    let weighted = [
        num(&mut s, r#"r.table.cell(-1, "precision")"#),
        num(&mut s, r#"r.table.cell(-1, "recall")"#),
        num(&mut s, r#"r.table.cell(-1, "f1")"#),
    ];
    assert_close(&weighted, &WEIGHTED, "weighted avg");
    assert_eq!(
        plain(&mut s, "r.table.column(\"class\")"),
        r#"["0", "1", "2", "accuracy", "macro avg", "weighted avg"]"#
    );
    assert_eq!(plain(&mut s, r#"r.table[3].precision"#), "");
    let text = plain(&mut s, "r");
    assert!(
        text.starts_with(
            "Classification report\nclass         precision  recall  f1      support\n"
        ),
        "{text}"
    );
    let accuracy_row = format!("accuracy{}0.5833{}12", " ".repeat(25), " ".repeat(7));
    assert!(text.contains(&accuracy_row), "{text}");
    assert!(
        text.contains("weighted avg     0.5972  0.5833  0.5833       12"),
        "{text}"
    );
    assert!(html(&mut s, "r").contains("<caption>Classification report</caption>"));
    assert!((num(&mut s, "f1(y, pred)") - MACRO[2]).abs() < TOL);
}

#[test]
fn calibration_bins_match_scikit_learn_calibration_curve() {
    let mut s = session();
    s.execute("let c = calibration(y, proba, 5); let occupied = c.bins.filter(|b| b.count > 0);")
        .unwrap();
    assert_close(
        &floats(&mut s, "occupied.map(|b| b.accuracy)"),
        &CURVE_TRUE,
        "prob_true",
    );
    assert_close(
        &floats(&mut s, "occupied.map(|b| b.confidence)"),
        &CURVE_PRED,
        "prob_pred",
    );
    assert!((num(&mut s, "c.ece") - ECE).abs() < TOL);
    assert_eq!(num(&mut s, "c.len()"), 5.0);
    // An empty bin has undefined accuracy: () in Rhai, "undefined" in the table.
    assert_eq!(plain(&mut s, "c.bins[0].accuracy"), "");
    let text = plain(&mut s, "c");
    assert!(text.starts_with("Calibration: ECE = 0.2117\nbin"), "{text}");
    assert!(
        text.contains("(0.00, 0.20]      0  undefined   undefined"),
        "{text}"
    );
    assert_eq!(num(&mut s, "calibration(y, proba).len()"), 10.0);
}

#[test]
fn each_result_plots_its_chart_at_the_asked_size() {
    let mut s = session();
    let cases = [
        (
            "confusion_matrix(y, pred, #{class_names: [\"cat\", \"dog\", \"eel\"]})",
            "heatmap \"confusion matrix (accuracy 0.583)\"",
        ),
        (
            "classification_report(y, pred)",
            "bar chart \"precision, recall and F1 per class (accuracy 0.583)\"",
        ),
        (
            "calibration(y, proba, 5)",
            "reliability diagram \"reliability diagram (ECE 0.212)\"",
        ),
    ];
    for (result, kind) in cases {
        let b = bundle(&mut s, &format!("{result}.plot()"));
        assert!(
            b.plain().unwrap().starts_with(kind),
            "{result}: {:?}",
            b.plain()
        );
        let (w, h, colored) = png(&b);
        assert_eq!((w, h), (640, 480), "{result}: default size");
        assert!(colored > 200, "{result}: only {colored} coloured pixels");
        let b = bundle(
            &mut s,
            &format!("{result}.plot(#{{width: 420, height: 300}})"),
        );
        let (w, h, _) = png(&b);
        assert_eq!((w, h), (420, 300), "{result}: asked size");
        let b = bundle(&mut s, &format!("{result}.plot().size(500, 350)"));
        let (w, h, _) = png(&b);
        assert_eq!((w, h), (500, 350), "{result}: size()");
    }
    // The reliability diagram's legend ECE is the metric's ECE.
    let b = bundle(&mut s, "calibration(y, proba, 5).plot()");
    assert!(
        b.plain().unwrap().contains("model: 12 predictions"),
        "{:?}",
        b.plain()
    );
    let e = error(&mut s, "calibration(y, proba, 5).plot(#{colour: 1})");
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn accuracy_skips_abstaining_predictions() {
    let mut s = session();
    // Hand count: rows with a prediction are 0, 2, 3, 4, 6, 7, 9, 10; right are 0, 4, 6, 9, 10.
    assert_eq!(num(&mut s, "accuracy(y, votes)"), 5.0 / 8.0);
    assert!((num(&mut s, "accuracy(y, votes)") - VOTES_ACCURACY).abs() < TOL);
    assert!((num(&mut s, "coverage(votes)") - VOTES_COVERAGE).abs() < TOL);
    assert_eq!(
        num(&mut s, r#"accuracy(y, votes, #{abstain: "wrong"})"#),
        5.0 / 12.0
    );
    assert_eq!(
        num(&mut s, r#"accuracy(y, votes, #{abstain: "skip"})"#),
        5.0 / 8.0
    );
    assert_eq!(num(&mut s, "accuracy(y, pred)"), 7.0 / 12.0);
    // Tensors carry -1 too.
    assert_eq!(num(&mut s, "accuracy(tensor(y), tensor(votes))"), 5.0 / 8.0);
    let e = error(&mut s, "accuracy(votes, y)");
    assert!(
        e.contains("true label y[1] = -1") && e.contains("accuracy(y, pred)"),
        "{e}"
    );
    let e = error(&mut s, "accuracy([0, 1], [-1, -1])");
    assert!(e.contains("all 2 predictions abstain"), "{e}");
    let e = error(&mut s, "accuracy([0, 1], [0, -2])");
    assert!(e.contains("pred[1] = -2 is neither a class"), "{e}");
    let e = error(&mut s, r#"accuracy(y, votes, #{abstain: "zero"})"#);
    assert!(e.contains("\"skip\" or \"wrong\""), "{e}");
    let ci = plain(&mut s, "bootstrap_ci(y, votes, \"accuracy\")");
    assert!(ci.starts_with("0.6250 ["), "{ci}");
}

#[test]
fn tables_answer_accessors_and_print_as_text() {
    let mut s = session();
    s.execute(
        r#"let runs = results("sweep");
        runs.add(#{lr: 0.1}, #{acc: 0.8, f1: 0.7});
        runs.add(#{lr: 0.01}, #{acc: 0.9});
        let t = runs.table;"#,
    )
    .unwrap();
    assert_eq!(
        plain(&mut s, "t.columns"),
        r#"["id", "time", "lr", "acc", "f1"]"#
    );
    assert_eq!(num(&mut s, "t.rows"), 2.0);
    assert_eq!(num(&mut s, "t.len()"), 2.0);
    assert_eq!(plain(&mut s, "t.column(\"acc\")"), "[0.8, 0.9]");
    assert_eq!(plain(&mut s, "t[\"lr\"]"), r#"["0.1", "0.01"]"#);
    assert_eq!(plain(&mut s, "t[1].acc"), "0.9");
    assert_eq!(plain(&mut s, "t[-1].f1"), "");
    assert_eq!(plain(&mut s, "t.cell(0, \"f1\")"), "0.7");
    assert_eq!(num(&mut s, "t.to_array()[1][0]"), 2.0);
    assert_eq!(plain(&mut s, "t.to_maps()[0].lr"), "\"0.1\"");
    assert_eq!(
        num(&mut s, "let n = 0; for row in t { n += row.id; } n"),
        3.0
    );
    let e = error(&mut s, "t[2]");
    assert!(
        e.contains("table \"sweep\" has 2 rows (0..2); row 2 is out of range"),
        "{e}"
    );
    let e = error(&mut s, "t.column(\"loss\")");
    assert!(
        e.contains("no column \"loss\" (columns: id, time, lr, acc, f1)"),
        "{e}"
    );
    // print and debug show the formatted table, not the type name.
    let frontend = Rc::new(CaptureFrontend::new());
    let mut p = Session::with_libraries(frontend.clone(), vec![library()]);
    p.execute(&format!(
        "let y = {Y}; let pred = {PRED}; let t = classification_report(y, pred).table; print(t); debug(t); print(confusion_matrix(y, pred)); print(\"\" + t);"
    ))
    .unwrap();
    let out = frontend.text(Stream::Stdout);
    assert_eq!(
        out.matches("Classification report\nclass").count(),
        2,
        "{out}"
    );
    let err = frontend.text(Stream::Stderr);
    assert!(err.starts_with("Classification report\nclass"), "{err}");
    assert!(out.contains("Confusion matrix: 12 predictions"), "{out}");
    assert!(!out.contains("Table\n"), "{out}");
}

/// A trained model and a data set give what its predictions give, as `accuracy(model, data)`
/// does: the data set's labels are the truth and lend their class names.
#[test]
fn a_model_scores_a_data_set_as_its_predictions_do() {
    let mut s = session();
    s.execute(
        r#"let d = dataset("iris"); let m = mlp([4, 8, 3]);
           fit(m, d, #{epochs: 5, progress: false});"#,
    )
    .unwrap();
    for (direct, through) in [
        (
            "confusion_matrix(m, d).to_array()",
            "confusion_matrix(d, predict(m, d)).to_array()",
        ),
        (
            "confusion_matrix(m, d, #{classes: 4}).to_array()",
            "confusion_matrix(d, predict(m, d), #{classes: 4}).to_array()",
        ),
        (
            "confusion_matrix(m, d).classes",
            "confusion_matrix(d, d).classes",
        ),
        (
            "classification_report(m, d).f1",
            "classification_report(d, predict(m, d)).f1",
        ),
        (
            r#"classification_report(m, d, #{class_names: ["a", "b", "c"]}).classes"#,
            r#"["a", "b", "c"]"#,
        ),
        (
            "calibration(m, d).ece",
            "calibration(d, predict_proba(m, d)).ece",
        ),
        (
            "calibration(m, d, 4).bins.len()",
            "calibration(d, predict_proba(m, d), 4).bins.len()",
        ),
    ] {
        assert_eq!(plain(&mut s, direct), plain(&mut s, through), "{direct}");
    }
    // Any model with a `predict`: boosted stumps too.
    s.execute(r#"let b = samme(d, #{rounds: 3});"#).unwrap();
    for (direct, through) in [
        ("accuracy(b, d)", "accuracy(d, b.predict(d))"),
        (
            "confusion_matrix(b, d).to_array()",
            "confusion_matrix(d, b.predict(d)).to_array()",
        ),
        (
            "calibration(b, d).ece",
            "calibration(d, b.predict_proba(d)).ece",
        ),
    ] {
        assert_eq!(plain(&mut s, direct), plain(&mut s, through), "{direct}");
    }
    // The arguments the wrong way round: the error names the model as scripts know it.
    let e = error(&mut s, "confusion_matrix(d, m)");
    assert!(
        e.contains("got Model") && !e.contains("ladder_stdlib"),
        "{e}"
    );
}
