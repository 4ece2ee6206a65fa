//! Tokenizers rebuilt from the metadata of real models' GGUF vocabularies, against the Hugging
//! Face tokenizers' ids. llama.cpp ships, for its own tokenizer tests, vocabulary-only GGUF
//! files of real models with test texts (`.inp`) and the ids Hugging Face's tokenizer gives
//! them (`.out`, written by its convert_hf_to_gguf_update.py). `./install.sh --test-vocabs-only`
//! installs them from the llama-cpp-python source package; without them these tests skip
//! with a message.

use ladder_stdlib::lm::metadata::Metadata;
use ladder_stdlib::lm::tokenizer::LmTokenizer;
use ladder_stdlib::user_dirs::models_dir;
use std::path::PathBuf;

/// The separator between texts in a `.inp` file.
const SEPARATOR: &str = "\n__ggml_vocab_test__\n";

/// A test text and the reference ids for it.
type Case = (String, Vec<u32>);

/// The vocabulary `name`'s tokenizer, rebuilt from its metadata, with its test texts and their
/// reference ids; `None` (and a message) when the vocabularies are not installed.
fn vocabulary(name: &str) -> Option<(LmTokenizer, Vec<Case>)> {
    let gguf: PathBuf = models_dir()
        .join("llama-cpp-vocabs/models")
        .join(format!("ggml-vocab-{name}.gguf"));
    if !gguf.is_file() {
        eprintln!(
            "SKIPPED: {} is not installed (./install.sh --test-vocabs-only)",
            gguf.display()
        );
        return None;
    }
    let meta = Metadata::read(&gguf).unwrap();
    let tok = LmTokenizer::for_gguf(&meta).unwrap();
    let read = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", gguf.display())).unwrap();
    let inputs = read("inp");
    let texts: Vec<&str> = inputs.split(SEPARATOR).collect();
    // The file ends with a separator: the piece after it is empty and is no test.
    let texts = &texts[..texts.len() - 1];
    let outputs = read("out");
    let ids: Vec<Vec<u32>> = outputs
        .lines()
        .map(|l| l.split_whitespace().map(|i| i.parse().unwrap()).collect())
        .collect();
    assert_eq!(texts.len(), ids.len(), "{name}: texts and id lines differ");
    let cases = texts.iter().map(|t| t.to_string()).zip(ids).collect();
    Some((tok, cases))
}

/// Every test text of `name` is encoded (no BOS: the reference ids have none) to the
/// reference ids, and those ids decode back to the text.
fn check(name: &str) {
    let Some((tok, cases)) = vocabulary(name) else {
        return;
    };
    let mut wrong = Vec::new();
    for (text, want) in &cases {
        let got = tok.encode_continuation(text).unwrap();
        if &got != want {
            wrong.push(format!("{text:?}: got {got:?}, Hugging Face {want:?}"));
        }
        let back = tok.decode(want).unwrap();
        if &back != text {
            wrong.push(format!("{text:?}: its ids decode to {back:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{name}: {} of {} texts differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    eprintln!(
        "{name}: {} texts give the reference ids and decode back",
        cases.len()
    );
}

#[test]
fn llama_2_sentencepiece() {
    check("llama-spm");
}

#[test]
fn phi_3_sentencepiece() {
    check("phi-3");
}

#[test]
fn llama_3_byte_level_bpe() {
    check("llama-bpe");
}

#[test]
fn qwen2_byte_level_bpe() {
    check("qwen2");
}

#[test]
fn gpt_2_byte_level_bpe() {
    check("gpt-2");
}

#[test]
fn starcoder_byte_level_bpe() {
    check("starcoder");
}

#[test]
fn refact_byte_level_bpe() {
    check("refact");
}

#[test]
fn qwen3_5_byte_level_bpe() {
    check("qwen35");
}

#[test]
fn mpt_byte_level_bpe() {
    check("mpt");
}
