//! Byte-level BPE ("gpt2") from GGUF metadata: the vocabulary and merges are in the file, the
//! pre-tokenizer is chosen by `tokenizer.ggml.pre` as llama.cpp does (llama-vocab.cpp).

use crate::error::{Error, Result};
use crate::lm::metadata::Metadata;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{PreTokenizerWrapper, SplitDelimiterBehavior};

/// The `tokenizer.ggml.pre` values understood, and the split each one means.
pub const SUPPORTED_PRE: [&str; 15] = [
    "default",
    "gpt2",
    "gpt-2",
    "phi-2",
    "mpt",
    "smollm",
    "starcoder",
    "refact",
    "codeshell",
    "llama3",
    "llama-v3",
    "llama-bpe",
    "qwen2",
    "deepseek-r1-qwen",
    "qwen35",
];

/// Llama 3's split (the `llama-bpe` pre-tokenizer).
const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen2's split: Llama 3's with single digits.
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen3.5's split: Qwen2's with combining marks (\p{M}) kept in words.
const QWEN35_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The byte-level BPE tokenizer of a "gpt2" vocabulary: its merges are in the file.
pub fn tokenizer(meta: &Metadata, file: &str, tokens: &[String]) -> Result<tokenizers::Tokenizer> {
    let merges = meta.strings("tokenizer.ggml.merges")?;
    let mut vocab = Vocab::default();
    for (id, t) in tokens.iter().enumerate() {
        vocab.insert(t.clone(), id as u32);
    }
    let merges = merges
        .iter()
        .map(|m| {
            m.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| Error::data(format!("lm: {file} has a malformed merge \"{m}\"")))
        })
        .collect::<Result<Vec<_>>>()?;
    let pre = meta.string_or("tokenizer.ggml.pre", "default")?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .ignore_merges(matches!(pre.as_str(), "llama3" | "llama-v3" | "llama-bpe"))
        .build()
        .map_err(|e| Error::data(format!("lm: {file}: its BPE tokenizer does not build: {e}")))?;
    let mut tok = tokenizers::Tokenizer::new(bpe);
    tok.with_pre_tokenizer(Some(pre_tokenizer(&pre, file)?));
    tok.with_decoder(Some(ByteLevelDecoder::default()));
    Ok(tok)
}

/// The pre-tokenizer of a `tokenizer.ggml.pre` value.
fn pre_tokenizer(pre: &str, file: &str) -> Result<PreTokenizerWrapper> {
    let byte_level = |use_regex| ByteLevel::new(false, true, use_regex).into();
    let split = |regex: &str| -> Result<PreTokenizerWrapper> {
        let s = Split::new(
            SplitPattern::Regex(regex.to_string()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(|e| Error::new(format!("lm: pre-tokenizer regex: {e}")))?;
        Ok(s.into())
    };
    Ok(match pre {
        "default" | "gpt2" | "gpt-2" | "phi-2" | "mpt" => byte_level(true),
        // StarCoder's family (SmolLM's too): every digit alone, then GPT-2's split.
        "smollm" | "starcoder" | "refact" | "codeshell" => {
            Sequence::new(vec![Digits::new(true).into(), byte_level(true)]).into()
        }
        "llama3" | "llama-v3" | "llama-bpe" => Sequence::new(vec![split(LLAMA3_SPLIT)?, byte_level(false)]).into(),
        "qwen2" | "deepseek-r1-qwen" => {
            Sequence::new(vec![split(QWEN2_SPLIT)?, byte_level(false)]).into()
        }
        "qwen35" => Sequence::new(vec![split(QWEN35_SPLIT)?, byte_level(false)]).into(),
        other => {
            return Err(Error::data(format!(
                "lm: {file} asks for the pre-tokenizer \"{other}\" (tokenizer.ggml.pre), which Ladder does not know; known: {}. Put the model's tokenizer.json beside the file",
                SUPPORTED_PRE.join(", ")
            )))
        }
    })
}
