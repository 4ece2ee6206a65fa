//! An LM labeller in place of a trained model: the `weak` side of `weak_to_strong` and the
//! teacher of `distill`. The tiny llama of tests/reference/lm_families runs everywhere (its
//! labels are those of random weights, so the checks are on the protocol's bookkeeping);
//! SmolLM2 on the shipped reviews runs where it is installed.

mod common;

use common::{error, number, plain, session};

/// A session with the tiny model `m`, its path `P` and `data`: 48 texts of its vocabulary
/// whose words tell the class, tokenized by the model's tokenizer (the texts are kept).
fn tiny_session(dir: &tempfile::TempDir) -> ladder_scripting::Session {
    let mut csv = String::from("text,label\n");
    for i in 0..48 {
        let c = i % 2;
        let base = if c == 0 { 10 } else { 30 };
        let words: Vec<String> = (0..2 + i % 3)
            .map(|j| format!("w{}", base + (i * 7 + j * 3) % 12))
            .collect();
        csv.push_str(&format!("{},{c}\n", words.join(" ")));
    }
    let path = dir.path().join("tiny.csv");
    std::fs::write(&path, csv).unwrap();
    let mut s = session();
    plain(
        &mut s,
        &format!(
            r#"let P = "{}/../tests/reference/lm_families/llama";
               let m = lm(P);
               let data = tokenize(read_text_csv("{}"), m.tokenizer, #{{max_len: 6}});
               let parts = split(data, #{{test: 0.25, seed: 0, stratify: true}});
               let train = parts[0]; let test = parts[1];"#,
            env!("CARGO_MANIFEST_DIR"),
            path.display()
        ),
    );
    s
}

const TEMPLATE: &str = "template: \"{text} w1\", labels: [\"w3\", \"w4\"]";

#[test]
fn a_labeller_supervises_weak_to_strong_with_its_own_test_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_session(&dir);
    plain(
        &mut s,
        &format!("let lab = lm_labeller(m, #{{{TEMPLATE}, calibrate: \"none\"}});"),
    );
    let own = number(&mut s, "lab.evaluate(test).none.accuracy");
    plain(
        &mut s,
        r#"let r = weak_to_strong(train, #{test: test, weak: lab,
               strong: #{kind: "lm", path: P, pooling: "mean", epochs: 30, lr: 0.05}, seeds: [0, 1]});"#,
    );
    // The labeller does not train: every seed has its accuracy on the test set.
    assert_eq!(number(&mut s, "r.runs[0].weak"), own);
    assert_eq!(number(&mut s, "r.runs[1].weak"), own);
    let table = plain(&mut s, "r");
    assert!(
        table.contains("llama labeller (calibration none) supervises lm(llama)"),
        "{table}"
    );
    assert!(
        table.contains("voted on 100.0% of the test rows"),
        "{table}"
    );
}

#[test]
fn an_abstaining_labeller_is_scored_on_the_rows_it_votes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_session(&dir);
    // A threshold between the rows' confidences: some rows are voted on, some not.
    plain(
        &mut s,
        &format!(
            r#"let lab0 = lm_labeller(m, #{{{TEMPLATE}, calibrate: "none"}});
               let conf = lab0.label(test).soft.max(1).to_array();
               conf.sort();
               let t = (conf[conf.len() / 2 - 1] + conf[conf.len() / 2]) / 2.0;
               let lab = lm_labeller(m, #{{{TEMPLATE}, calibrate: "none", abstain_below: t}});"#
        ),
    );
    let coverage = number(&mut s, "lab.evaluate(test).none.coverage");
    assert!(coverage > 0.0 && coverage < 1.0, "coverage {coverage}");
    let own = number(&mut s, "lab.evaluate(test).none.accuracy");
    plain(
        &mut s,
        r#"let r = weak_to_strong(train, #{test: test, weak: lab, strong: #{kind: "logistic", epochs: 2}, seeds: [0]});"#,
    );
    assert_eq!(number(&mut s, "r.weak"), own);
    let table = plain(&mut s, "r");
    assert!(
        table.contains(&format!(
            "voted on {:.1}% of the test rows",
            100.0 * coverage
        )),
        "{table}"
    );
    plain(
        &mut s,
        &format!("let never = lm_labeller(m, #{{{TEMPLATE}, abstain_below: 1.1}});"),
    );
    let e = error(
        &mut s,
        r#"weak_to_strong(train, #{test: test, weak: never, strong: #{kind: "logistic"}})"#,
    );
    assert!(e.contains("abstains on every row"), "{e}");
}

#[test]
fn a_labeller_needs_texts_and_a_bad_weak_value_says_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_session(&dir);
    plain(
        &mut s,
        &format!(
            "let lab = lm_labeller(m, #{{{TEMPLATE}}}); let bare = dataset(train.x, train.y);"
        ),
    );
    let e = error(
        &mut s,
        r#"weak_to_strong(bare, #{test_frac: 0.25, weak: lab, strong: #{kind: "logistic"}})"#,
    );
    assert!(e.contains("has no texts"), "{e}");
    let e = error(
        &mut s,
        r#"weak_to_strong(train, #{test: test, weak: 3, strong: #{kind: "logistic"}})"#,
    );
    assert!(e.contains("a model spec"), "{e}");
}

#[test]
fn a_labeller_teaches_distill_with_its_soft_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_session(&dir);
    plain(
        &mut s,
        &format!("let lab = lm_labeller(m, #{{{TEMPLATE}, calibrate: \"none\"}});"),
    );
    let own = number(&mut s, "lab.evaluate(test).none.accuracy");
    plain(
        &mut s,
        r#"let d = distill(lab, #{kind: "lm", path: P, pooling: "mean", epochs: 40, lr: 0.05}, train, #{test: test, alpha: 1.0, T: 1.0});"#,
    );
    let table = plain(&mut s, "d");
    assert!(table.contains("teacher:"), "{table}");
    // The teacher row: the labeller's own test accuracy and the tiny model's 6,224 weights
    // (embeddings and output 48 × 16 each, two layers of 2,336, the final norm 16).
    assert!(
        table.contains(&format!("{own}")) || table.contains(&format!("{own:.4}")),
        "{table}"
    );
    assert!(table.contains("6224") || table.contains("6,224"), "{table}");
    // With α = 1 and T = 1 the student learns only the labeller's probabilities: it should
    // agree with the labeller's votes on most training rows.
    plain(
        &mut s,
        r#"let votes = lab.label(train).votes; let pred = predict(d.student, train);
           let same = 0; for i in 0..votes.len() { if votes[i] == pred[i] { same += 1; } }"#,
    );
    let agree = number(&mut s, "same.to_float() / votes.len().to_float()");
    assert!(
        agree > 0.7,
        "student agrees with its teacher on {agree} of the rows"
    );
}

#[test]
fn smollm2_supervises_and_teaches_on_reviews() {
    let mut s = session();
    if let Err(e) = s.execute("let m = lm(\"smollm2\");") {
        eprintln!("SKIPPED: {}", e.message);
        return;
    }
    plain(
        &mut s,
        r#"let idx = []; for i in 0..40 { idx.push(i * 100); }
           let d = tokenize(dataset("reviews").subset(idx), m.tokenizer, #{max_len: 32});
           let parts = split(d, #{test: 0.5, seed: 0, stratify: true});
           let lab = lm_labeller(m, #{template: "Review: {text}\nIs this review positive or negative? Answer:", labels: [" negative", " positive"]});"#,
    );
    let own = number(&mut s, "lab.evaluate(parts[1]).contextual.accuracy");
    assert!(own > 0.6, "calibrated SmolLM2 on 20 reviews: {own}");
    plain(
        &mut s,
        r#"let r = weak_to_strong(parts[0], #{test: parts[1], weak: lab, strong: #{kind: "logistic", epochs: 2}, seeds: [0]});"#,
    );
    assert_eq!(number(&mut s, "r.weak"), own);
    let d = plain(
        &mut s,
        r#"distill(lab, #{kind: "logistic", epochs: 2}, parts[0], #{test: parts[1]})"#,
    );
    assert!(d.contains("SmolLM2") && d.contains("teacher"), "{d}");
    // Features and `kind: "lm"` specs take the installed model's name, as `lm` does.
    let dims = plain(
        &mut s,
        r#"lm_features("smollm2", parts[1], #{max_len: 8}).shape"#,
    );
    assert_eq!(dims, "[20, 576]");
}
