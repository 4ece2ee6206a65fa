//! SentencePiece ("llama") from GGUF metadata, as Hugging Face's GGUF converter and
//! LlamaTokenizerFast build it: a BPE model whose merges come from the scores (the file has
//! none), byte fallback for characters outside the vocabulary, spaces written as "▁".
//! llama.cpp's SPM tokenizer merges the adjacent pair whose joined text is the
//! highest-scoring token; merges ranked by that score do the same.

use crate::error::{Error, Result};
use crate::lm::metadata::Metadata;
use std::collections::HashMap;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::{Prepend, Replace, Sequence as NormalizerSequence};
use tokenizers::{DecoderWrapper, NormalizerWrapper};

/// SentencePiece's word-boundary mark, standing for a space.
const SPACE: &str = "▁";

/// The tokenizer of a "llama" vocabulary.
pub fn tokenizer(meta: &Metadata, file: &str, tokens: &[String]) -> Result<tokenizers::Tokenizer> {
    let scores = meta.floats("tokenizer.ggml.scores")?;
    if scores.len() != tokens.len() {
        return Err(Error::data(format!(
            "lm: {file} has {} tokens but {} scores (tokenizer.ggml.scores)",
            tokens.len(),
            scores.len()
        )));
    }
    let mut vocab = Vocab::default();
    for (id, t) in tokens.iter().enumerate() {
        vocab.entry(t.clone()).or_insert(id as u32);
    }
    let mut bpe = BPE::builder()
        .vocab_and_merges(vocab, merges(tokens, &scores))
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(unk) = meta.uint("tokenizer.ggml.unknown_token_id")? {
        if let Some(t) = tokens.get(unk as usize) {
            bpe = bpe.unk_token(t.clone());
        }
    }
    let bpe = bpe.build().map_err(|e| {
        Error::data(format!(
            "lm: {file}: its SentencePiece tokenizer does not build: {e}"
        ))
    })?;
    let space_prefix = meta.bool_or("tokenizer.ggml.add_space_prefix", true)?;
    let mut tok = tokenizers::Tokenizer::new(bpe);
    tok.with_normalizer(Some(normalizer(space_prefix)?))
        .map_err(|e| Error::new(format!("lm: SentencePiece normalizer: {e}")))?;
    tok.with_decoder(Some(decoder(space_prefix)?));
    Ok(tok)
}

/// Every split of a token into two tokens, ranked by the joined token's score (highest
/// first); a token's splits by their pieces' scores (as transformers' GGUFTokenizerSkeleton).
fn merges(tokens: &[String], scores: &[f32]) -> Vec<(String, String)> {
    let score: HashMap<&str, f32> = tokens
        .iter()
        .zip(scores)
        .rev() // the first of duplicate tokens wins, as in the vocabulary
        .map(|(t, &s)| (t.as_str(), s))
        .collect();
    let mut ranked: Vec<(&str, &str, f32)> = Vec::new();
    for (token, &s) in tokens.iter().zip(scores) {
        let mut splits: Vec<(&str, &str, f32)> = token
            .char_indices()
            .skip(1)
            .map(|(i, _)| token.split_at(i))
            .filter(|(l, r)| score.contains_key(l) && score.contains_key(r))
            .map(|(l, r)| (l, r, s))
            .collect();
        splits.sort_by(|a, b| {
            let key = |m: &(&str, &str, f32)| (score[m.0], score[m.1]);
            key(b)
                .partial_cmp(&key(a))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        ranked.extend(splits);
    }
    ranked.sort_by(|a, b| b.2.total_cmp(&a.2));
    ranked
        .into_iter()
        .map(|(l, r, _)| (l.to_string(), r.to_string()))
        .collect()
}

/// "▁" before the text (llama.cpp's `add_space_prefix`), every space as "▁".
fn normalizer(space_prefix: bool) -> Result<NormalizerWrapper> {
    let replace = Replace::new(" ", SPACE)
        .map_err(|e| Error::new(format!("lm: SentencePiece normalizer: {e}")))?;
    let mut steps: Vec<NormalizerWrapper> = Vec::new();
    if space_prefix {
        steps.push(Prepend::new(SPACE.to_string()).into());
    }
    steps.push(replace.into());
    Ok(NormalizerSequence::new(steps).into())
}

/// "▁" back to spaces, byte tokens back to bytes, and the prefixed space dropped.
fn decoder(space_prefix: bool) -> Result<DecoderWrapper> {
    let replace = Replace::new(SPACE, " ")
        .map_err(|e| Error::new(format!("lm: SentencePiece decoder: {e}")))?;
    let mut steps: Vec<DecoderWrapper> = vec![
        replace.into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if space_prefix {
        steps.push(Strip::new(' ', 1, 0).into());
    }
    Ok(DecoderSequence::new(steps).into())
}
