//! Every family Ladder loads from a Hugging Face folder gives transformers' logits for the
//! same tiny random weights (tests/reference/lm_families_reference.py wrote the folders and
//! pinned the logits), token by token on the KV cache and for a whole prompt at once.

use ladder_stdlib::lm::{Lm, LoadOptions};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!(
        "../../tests/reference/lm_families/logits.json"
    ))
    .unwrap()
}

fn folder(family: &str) -> String {
    format!(
        "{}/../tests/reference/lm_families/{family}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn check(family: &str) {
    let r = reference();
    let ids: Vec<u32> = r["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as u32)
        .collect();
    let want: Vec<Vec<f32>> = serde_json::from_value(r[family].clone()).unwrap();
    let m = Lm::open(&folder(family), LoadOptions::default()).unwrap();
    assert_eq!(m.info.architecture, family);
    let each = m.logits_from(&ids, 1).unwrap().to_vec2::<f32>().unwrap();
    let whole = m
        .logits_from(&ids, ids.len())
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(each.len(), ids.len());
    for (pos, (got, want)) in each.iter().zip(&want).enumerate() {
        for (v, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() < 1e-4,
                "{family}: position {pos}, token {v}: got {g}, transformers {w}"
            );
        }
    }
    for (g, w) in whole[0].iter().zip(want.last().unwrap()) {
        assert!(
            (g - w).abs() < 1e-4,
            "{family} (whole prompt): got {g}, transformers {w}"
        );
    }
}

#[test]
fn llama_matches_transformers() {
    check("llama");
}

#[test]
fn qwen2_matches_transformers() {
    check("qwen2");
}

#[test]
fn qwen3_matches_transformers() {
    check("qwen3");
}

#[test]
fn mistral_matches_transformers() {
    check("mistral");
}

#[test]
fn gemma_matches_transformers() {
    check("gemma");
}

#[test]
fn phi3_matches_transformers() {
    check("phi3");
}

#[test]
fn the_folder_tokenizer_encodes_words() {
    let m = Lm::open(&folder("llama"), LoadOptions::default()).unwrap();
    assert_eq!(
        m.tokenizer.encode_prompt("w2 w14 w40").unwrap(),
        vec![5, 17, 43]
    );
    assert_eq!(m.tokenizer.eos, vec![2]);
}
