//! Ladder's own inference pass for GGUF Llama files (`lm::family::gguf_llama`) on the tiny
//! random Llama of tests/reference/tiny_lm_reference.py, written as an f32 GGUF with llama.cpp's
//! Q/K permutation: whole prompts, token by token through the KV cache, and forks give
//! transformers' logits (pinned in stdlib/tests/data/lm/reference.json). The quantised
//! kernels are checked on SmolLM2 against llama.cpp (lm_smollm2.rs).

use candle_core::{Device, Tensor};
use ladder_stdlib::lm::family::gguf::{self, Precision};
use ladder_stdlib::lm::family::CausalLm;
use ladder_stdlib::lm::metadata::Metadata;
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lm")
        .join(name)
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("reference.json")).unwrap()).unwrap()
}

fn model() -> Box<dyn CausalLm> {
    let meta = Metadata::read(&data("tiny-llama.gguf")).unwrap();
    gguf::load(meta, Precision::AsStored, &Device::Cpu).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn forward(m: &mut dyn CausalLm, tokens: &[u32], offset: usize) -> Vec<f32> {
    let t = Tensor::new(tokens, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    m.forward(&t, offset)
        .unwrap()
        .squeeze(0)
        .unwrap()
        .to_vec1()
        .unwrap()
}

/// transformers' logits after position `pos` of prompt `row`.
fn want(r: &Value, row: usize, pos: usize) -> Vec<f32> {
    r["llama"]["logits"][row][pos]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (v, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4,
            "{what}: token {v}: got {g}, want {w}"
        );
    }
}

#[test]
fn whole_prompts_and_token_by_token_decoding_give_transformers_logits() {
    let r = reference();
    let mut m = model();
    for (row, prompt) in r["prompts"].as_array().unwrap().iter().enumerate() {
        let prompt = ids(prompt);
        let n = prompt.len();
        let whole = forward(m.as_mut(), &prompt, 0);
        assert_close(&whole, &want(&r, row, n - 1), &format!("prompt {row}"));
        for (pos, &t) in prompt.iter().enumerate() {
            let step = forward(m.as_mut(), &[t], pos);
            assert_close(
                &step,
                &want(&r, row, pos),
                &format!("prompt {row}, step {pos}"),
            );
        }
    }
}

#[test]
fn a_fork_continues_from_the_shared_prefix_without_touching_the_original() {
    let r = reference();
    let prompt = ids(&r["prompts"][0]);
    assert!(prompt.len() >= 3);
    let mut m = model();
    forward(m.as_mut(), &prompt[..1], 0);
    let mut fork = m.fork().expect("the pass forks its cache");
    let rest = forward(fork.as_mut(), &prompt[1..], 1);
    assert_close(&rest, &want(&r, 0, prompt.len() - 1), "fork");
    // The original still holds one position: its next token goes at position 1.
    let next = forward(m.as_mut(), &prompt[1..2], 1);
    assert_close(&next, &want(&r, 0, 1), "original after the fork");
}

#[test]
fn a_position_the_cache_does_not_hold_and_an_empty_batch_are_errors() {
    let mut m = model();
    let t = Tensor::new(&[[1u32, 2]], &Device::Cpu).unwrap();
    let e = m.forward(&t, 3).unwrap_err().to_string();
    assert!(e.contains("position 3") && e.contains("0 cached"), "{e}");
    let empty = Tensor::zeros((0, 2), candle_core::DType::U32, &Device::Cpu).unwrap();
    let e = m.forward(&empty, 0).unwrap_err().to_string();
    assert!(e.contains("at least one row"), "{e}");
    // The model still works afterwards.
    m.forward(&t, 0).unwrap();
}
