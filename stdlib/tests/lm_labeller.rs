//! LM labellers and scoring from a cell: soft labels, abstention, calibration, a labelling
//! function for `apply_lfs`, and the errors a user meets (a label word of several tokens).
//! The tiny llama folder of tests/reference/lm_families runs everywhere; SmolLM2 on the
//! shipped reviews runs where it is installed.

mod common;

use common::{error, number, plain, session};

fn tiny_session() -> ladder_scripting::Session {
    let mut s = session();
    plain(
        &mut s,
        &format!(
            "let m = lm({:?});",
            format!(
                "{}/../tests/reference/lm_families/llama",
                env!("CARGO_MANIFEST_DIR")
            )
        ),
    );
    s
}

#[test]
fn a_label_word_of_several_tokens_is_an_error_naming_it() {
    let mut s = tiny_session();
    let e = error(
        &mut s,
        "lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4 w5\"]})",
    );
    assert!(e.contains("\"w4 w5\"") && e.contains("2 tokens"), "{e}");
    let e = error(
        &mut s,
        "lm_labeller(m, #{template: \"no slot\", labels: [\"w3\", \"w4\"]})",
    );
    assert!(e.contains("{text}"), "{e}");
    // Two classes on one word and a mistyped example key are errors, not labellers that
    // quietly do something else.
    let e = error(
        &mut s,
        "lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w3\"]})",
    );
    assert!(e.contains("the same token"), "{e}");
    let e = error(
        &mut s,
        "lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"], examples: [#{text: \"w5\", label: 1, lable: 0}]})",
    );
    assert!(e.contains("`lable`"), "{e}");
    // Bad generation options and ids name themselves.
    let e = error(&mut s, "m.generate(\"w1\", #{temperature: 0.0 / 0.0})");
    assert!(e.contains("temperature NaN"), "{e}");
    let e = error(&mut s, "m.generate(\"w1\", #{system: \"be brief\"})");
    assert!(e.contains("chat: true"), "{e}");
    let e = error(&mut s, "m.decode([-1])");
    assert!(e.contains("-1 is not a token id"), "{e}");
}

#[test]
fn a_row_longer_than_the_context_is_named_and_the_session_goes_on() {
    let mut s = tiny_session();
    plain(
        &mut s,
        "let lab = lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"]});",
    );
    let long = vec!["w5"; 40].join(" ");
    let e = error(&mut s, &format!("lab.label([\"w6 w7\", {long:?}])"));
    assert!(
        e.contains("row 1") && e.contains("41 tokens") && e.contains("context of 32"),
        "{e}"
    );
    assert_eq!(plain(&mut s, "lab.label([\"w6 w7\"]).votes.len()"), "1");
}

#[test]
fn soft_labels_are_distributions_and_abstention_lowers_coverage() {
    let mut s = tiny_session();
    plain(
        &mut s,
        "let texts = [\"w5 w6\", \"w7 w8 w9\", \"w10\", \"w11 w12\"];",
    );
    plain(&mut s, "let lab = lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"], calibrate: \"none\"});");
    plain(&mut s, "let r = lab.label(texts);");
    assert_eq!(plain(&mut s, "r.soft.shape"), "[4, 2]");
    let sums = plain(&mut s, "r.soft.sum(1).to_array()");
    for v in sums.trim_matches(['[', ']']).split(", ") {
        assert!((v.parse::<f64>().unwrap() - 1.0).abs() < 1e-5, "{sums}");
    }
    assert_eq!(number(&mut s, "r.coverage"), 1.0);
    plain(&mut s, "let strict = lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"], abstain_below: 0.999999});");
    assert_eq!(number(&mut s, "strict.label(texts).coverage"), 0.0);
    assert_eq!(
        plain(&mut s, "strict.label(texts).votes"),
        "[-1, -1, -1, -1]"
    );
}

#[test]
fn calibrations_differ_and_the_labeller_is_a_labelling_function() {
    let mut s = tiny_session();
    plain(
        &mut s,
        "let texts = [\"w5 w6\", \"w7 w8 w9\", \"w10\", \"w11 w12\"];",
    );
    let soft = |s: &mut ladder_scripting::Session, c: &str| {
        plain(
            s,
            &format!("lm_labeller(m, #{{template: \"{{text}} w1\", labels: [\"w3\", \"w4\"], calibrate: \"{c}\"}}).label(texts).soft.to_array()"),
        )
    };
    let none = soft(&mut s, "none");
    assert_ne!(none, soft(&mut s, "contextual"));
    assert_ne!(none, soft(&mut s, "prior"));
    plain(
        &mut s,
        "let lab = lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"]});",
    );
    let votes = plain(&mut s, "lab.label(texts).votes");
    plain(
        &mut s,
        "let L = apply_lfs(texts, [lab.lf(), |r| -1], #{names: [\"lm\", \"never\"], classes: 2});",
    );
    assert_eq!(plain(&mut s, "L.to_array().map(|r| r[0])"), votes);
}

#[test]
fn evaluating_on_other_rows_leaves_the_fitted_prior_alone() {
    let mut s = tiny_session();
    plain(&mut s, "let lab = lm_labeller(m, #{template: \"{text} w1\", labels: [\"w3\", \"w4\"], calibrate: \"prior\"});");
    // The prior is fitted on the rows first labelled...
    let before = plain(
        &mut s,
        "lab.label([\"w5 w6\", \"w7 w8 w9\"]).soft.to_array()",
    );
    // ...and evaluating on other rows reports a prior fitted on those without keeping it.
    plain(
        &mut s,
        "let d = text_dataset([\"w10\", \"w11 w12\", \"w13\"], [0, 1, 1]);",
    );
    let r = plain(&mut s, "lab.evaluate(d)");
    assert!(r.contains("prior"), "{r}");
    let after = plain(
        &mut s,
        "lab.label([\"w5 w6\", \"w7 w8 w9\"]).soft.to_array()",
    );
    assert_eq!(before, after);
}

#[test]
fn labellers_on_one_model_share_its_memo_only_for_the_same_label_words() {
    let mut s = tiny_session();
    plain(&mut s, "let texts = [\"w5 w6\", \"w7 w8 w9\", \"w10\"];");
    let soft = |s: &mut ladder_scripting::Session, model: &str, labels: &str| {
        plain(
            s,
            &format!("lm_labeller({model}, #{{template: \"{{text}} w1\", labels: {labels}, calibrate: \"none\"}}).label(texts).soft.to_array()"),
        )
    };
    let first = soft(&mut s, "m", "[\"w3\", \"w4\"]");
    // Other label words after the same prompts: not the memoised values.
    let other = soft(&mut s, "m", "[\"w11\", \"w12\"]");
    assert_ne!(first, other);
    // A fresh model (an empty memo) gives what the warm one gave.
    plain(&mut s, "let fresh = lm(m.path);");
    assert_eq!(soft(&mut s, "fresh", "[\"w11\", \"w12\"]"), other);
    assert_eq!(soft(&mut s, "m", "[\"w3\", \"w4\"]"), first);
}

#[test]
fn score_sums_continuation_log_probabilities() {
    let mut s = tiny_session();
    let one = number(&mut s, "m.score([\"w1 w2\"], [\"w3\"])[0]");
    let two = number(&mut s, "m.score([\"w1 w2\"], [\"w3 w4\"])[0]");
    let next = number(&mut s, "m.score([\"w1 w2 w3\"], [\"w4\"])[0]");
    assert!(
        one < 0.0 && (two - (one + next)).abs() < 1e-4,
        "{one} {two} {next}"
    );
    let e = error(&mut s, "m.score([\"a\", \"b\"], [\"w3\"])");
    assert!(e.contains("2 prompts but 1 continuations"), "{e}");
    let long = vec!["w3"; 40].join(" ");
    let e = error(&mut s, &format!("m.score([{long:?}], \" w4\")"));
    assert!(
        e.contains("41 tokens") && e.contains("context of 32") && e.contains("prompt 40 tokens"),
        "{e}"
    );
}

#[test]
fn an_empty_prompt_is_named_by_score_and_its_index() {
    let mut s = tiny_session();
    assert_eq!(
        error(&mut s, "m.score([\"\"], \" w3\")"),
        "score: prompt 0 (\"\") has no tokens"
    );
    // The index is the prompt's own, also when other prompts come first.
    assert_eq!(
        error(&mut s, "m.score([\"w1\", \"w1\", \"\"], \" w3\")"),
        "score: prompt 2 (\"\") has no tokens"
    );
}

#[test]
fn smollm2_labels_reviews_better_than_chance_after_calibration() {
    let mut s = session();
    if let Err(e) = s.execute("let m = lm(\"smollm2\");") {
        eprintln!("SKIPPED: {}", e.message);
        return;
    }
    plain(&mut s, "let idx = []; for i in 0..40 { idx.push(i * 100); } let d = dataset(\"reviews\").subset(idx);");
    plain(&mut s, "let lab = lm_labeller(m, #{template: \"Review: {text}\\nIs this review positive or negative? Answer:\", labels: [\" negative\", \" positive\"]});");
    let r = plain(&mut s, "let r = lab.evaluate(d); r");
    eprintln!("{r}");
    let before = number(&mut s, "r.none.accuracy");
    let after = number(&mut s, "r.contextual.accuracy");
    eprintln!(
        "accuracy before {before}, contextual {after}, prior {}",
        number(&mut s, "r.prior.accuracy")
    );
    assert!(after > 0.6, "{r}");
}
