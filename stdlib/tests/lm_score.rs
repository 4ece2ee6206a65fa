//! Batched scoring: pairs that share a prompt share its forward pass and its KV cache (forked
//! for each continuation), and give what scoring each pair on its own gives. The tiny models
//! of tests/reference/lm_families run everywhere; SmolLM2 (a quantised GGUF Llama) where it is
//! installed.

mod common;

use ladder_stdlib::lm::score::{score, score_unshared};
use ladder_stdlib::lm::{Lm, LoadOptions};

fn tiny(family: &str) -> Lm {
    let path = format!(
        "{}/../tests/reference/lm_families/{family}",
        env!("CARGO_MANIFEST_DIR")
    );
    Lm::open(&path, LoadOptions::default()).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Shared and unshared scores of pairs that repeat prompts, with continuations of one to four
/// tokens (a multi-token continuation runs on a fork of the prompt's cache; the next one must
/// not see its tokens).
fn check_shared_equals_unshared(m: &Lm, prompts: &[&str], conts: &[&str]) {
    let (p, c) = (strings(prompts), strings(conts));
    let shared = score(m, &p, &c).unwrap();
    let unshared = score_unshared(m, &p, &c).unwrap();
    for (i, (a, b)) in shared.iter().zip(&unshared).enumerate() {
        assert!(
            (a - b).abs() < 1e-4,
            "pair {i} ({:?} + {:?}): shared {a}, one by one {b}",
            p[i],
            c[i]
        );
    }
    // Each pair scored alone through the shared path gives the same too.
    for (i, want) in shared.iter().enumerate() {
        let alone = score(m, &p[i..=i], &c[i..=i]).unwrap()[0];
        assert!(
            (alone - want).abs() < 1e-4,
            "pair {i}: alone {alone}, batched {want}"
        );
    }
}

const PROMPTS: [&str; 7] = [
    "w1 w2", "w1 w2", "w5 w6 w7", "w1 w2", "w5 w6 w7", "w1 w2", "w9",
];
const CONTS: [&str; 7] = [
    " w3 w4 w8",
    " w3",
    " w4 w5",
    " w10 w11 w12 w13",
    " w4",
    " w3 w4 w8",
    " w2",
];

#[test]
fn llama_pairs_sharing_a_prompt_score_as_one_by_one() {
    check_shared_equals_unshared(&tiny("llama"), &PROMPTS, &CONTS);
}

#[test]
fn qwen2_pairs_sharing_a_prompt_score_as_one_by_one() {
    check_shared_equals_unshared(&tiny("qwen2"), &PROMPTS, &CONTS);
}

#[test]
fn qwen3_pairs_sharing_a_prompt_score_as_one_by_one() {
    check_shared_equals_unshared(&tiny("qwen3"), &PROMPTS, &CONTS);
}

#[test]
fn smollm2_pairs_sharing_a_prompt_score_as_one_by_one() {
    let m = match Lm::open("smollm2", LoadOptions::default()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return;
        }
    };
    let review = "Review: The battery died after two days and support never answered.\nSentiment:";
    let other = "Review: Lovely little cafe, friendly staff.\nSentiment:";
    check_shared_equals_unshared(
        &m,
        &[review, review, other, review, other],
        &[
            " negative",
            " positive",
            " very positive indeed",
            " rather disappointing overall",
            " negative",
        ],
    );
}

#[test]
fn a_cell_scores_many_pairs_at_once_as_one_at_a_time() {
    let mut s = common::session();
    common::plain(
        &mut s,
        &format!(
            "let m = lm(\"{}/../tests/reference/lm_families/llama\");",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    let batched = common::plain(
        &mut s,
        r#"m.score(["w1 w2", "w1 w2", "w5"], [" w3 w4", " w6", " w7 w8 w9"])"#,
    );
    let alone = common::plain(
        &mut s,
        r#"[m.score(["w1 w2"], [" w3 w4"])[0], m.score(["w1 w2"], [" w6"])[0], m.score(["w5"], [" w7 w8 w9"])[0]]"#,
    );
    assert_eq!(batched, alone);
}
