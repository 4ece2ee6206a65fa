//! Tokenizers rebuilt from GGUF metadata, against pinned llama.cpp ids: a SentencePiece
//! ("llama") vocabulary trained and written by tests/reference/spm_gguf_reference.py
//! (data/lm/spm-vocab.gguf, data/lm/spm-vocab.json), with no tokenizer.json beside it.

use candle_core::quantized::gguf_file::Value as GgufValue;
use ladder_stdlib::lm::metadata::Metadata;
use ladder_stdlib::lm::tokenizer::LmTokenizer;
use ladder_stdlib::text::tokenizer::Origin;
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lm")
        .join(name)
}

fn reference() -> Value {
    serde_json::from_str(include_str!("data/lm/spm-vocab.json")).unwrap()
}

fn spm_metadata() -> Metadata {
    Metadata::read(&data("spm-vocab.gguf")).unwrap()
}

fn spm() -> LmTokenizer {
    LmTokenizer::for_gguf(&spm_metadata()).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn the_spm_vocabulary_is_rebuilt_from_the_metadata() {
    let tok = spm();
    let r = reference();
    assert!(
        matches!(tok.text.origin(), Origin::File(o) if o.ends_with("(GGUF metadata)")),
        "the test file must have no tokenizer.json beside it"
    );
    assert_eq!(
        tok.text.vocab_size() as u64,
        r["vocab_size"].as_u64().unwrap()
    );
    assert_eq!(tok.bos, Some(r["bos"].as_u64().unwrap() as u32));
    assert_eq!(tok.eos, vec![r["eos"].as_u64().unwrap() as u32]);
    assert!(tok.add_bos);
}

#[test]
fn spm_token_ids_equal_llama_cpps() {
    let tok = spm();
    for case in reference()["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let got = tok.encode_prompt(text).unwrap();
        assert_eq!(got, ids(&case["llama_cpp_ids"]), "{text:?}");
    }
}

#[test]
fn without_the_space_prefix_spm_ids_equal_llama_cpps_and_round_trip() {
    let mut meta = spm_metadata();
    meta.content.metadata.insert(
        "tokenizer.ggml.add_space_prefix".into(),
        GgufValue::Bool(false),
    );
    let tok = LmTokenizer::for_gguf(&meta).unwrap();
    for case in reference()["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let got = tok.encode_prompt(text).unwrap();
        assert_eq!(
            got,
            ids(&case["llama_cpp_ids_without_space_prefix"]),
            "{text:?}"
        );
        if !case["special"].as_bool().unwrap() {
            assert_eq!(tok.decode(&got).unwrap(), text);
        }
    }
}

#[test]
fn spm_decoding_equals_transformers_and_round_trips_plain_text() {
    let tok = spm();
    for case in reference()["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let decoded = tok.decode(&ids(&case["llama_cpp_ids"])).unwrap();
        assert_eq!(
            decoded,
            case["transformers_decoded"].as_str().unwrap(),
            "{text:?}"
        );
        // Special tokens are left out of decoded text, and a user-defined token is followed by
        // the space llama.cpp put after it: only plain text comes back unchanged.
        if !case["special"].as_bool().unwrap() && !text.contains("<sep>") {
            let again = tok.decode(&tok.encode_prompt(text).unwrap()).unwrap();
            assert_eq!(again, text);
        }
    }
}

#[test]
fn an_unknown_tokenizer_model_is_named_with_the_supported_ones() {
    let mut meta = spm_metadata();
    meta.content.metadata.insert(
        "tokenizer.ggml.model".into(),
        GgufValue::String("bert".into()),
    );
    let e = LmTokenizer::for_gguf(&meta).unwrap_err().to_string();
    for part in [
        "spm-vocab.gguf",
        "\"bert\"",
        "\"gpt2\"",
        "\"llama\"",
        "tokenizer.json",
    ] {
        assert!(e.contains(part), "{part} missing from: {e}");
    }
}
