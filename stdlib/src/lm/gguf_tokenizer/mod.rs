//! A GGUF file's tokenizer, rebuilt from its metadata (`tokenizer.ggml.*`) as a `tokenizers`
//! tokenizer, so a lone `.gguf` file needs no `tokenizer.json`. `tokenizer.ggml.model` says
//! which kind: byte-level BPE ("gpt2", [`bpe`]) or SentencePiece ("llama", [`spm`]).

pub mod bpe;
pub mod spm;

use super::metadata::Metadata;
use crate::error::{Error, Result};
use tokenizers::AddedToken;

/// The `tokenizer.ggml.model` values Ladder builds tokenizers for.
pub const SUPPORTED_MODELS: [&str; 2] = ["gpt2", "llama"];

/// GGUF token types (llama.cpp's `llama_token_type`).
const UNKNOWN: i32 = 2;
const CONTROL: i32 = 3;
const USER_DEFINED: i32 = 4;

/// The tokenizer a GGUF file describes. `file` names the file in errors.
pub fn from_gguf(meta: &Metadata, file: &str) -> Result<tokenizers::Tokenizer> {
    let model = meta.string("tokenizer.ggml.model")?;
    let tokens = meta.strings("tokenizer.ggml.tokens")?;
    let types = meta.ints_or_empty("tokenizer.ggml.token_type")?;
    let mut tok = match model.as_str() {
        "gpt2" => bpe::tokenizer(meta, file, &tokens)?,
        "llama" => spm::tokenizer(meta, file, &tokens)?,
        other => {
            let supported: Vec<String> = SUPPORTED_MODELS
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect();
            return Err(Error::data(format!(
                "lm: {file} has a \"{other}\" tokenizer (tokenizer.ggml.model); Ladder builds tokenizers from GGUF metadata only for {}. Put the model's tokenizer.json beside the file",
                supported.join(" and ")
            )));
        }
    };
    add_vocabulary_tokens(&mut tok, &tokens, &types);
    Ok(tok)
}

/// Control and unknown tokens become special tokens (matched in text, left out when
/// decoding), user-defined ones added tokens. Both are matched in the raw text, before the
/// normalizer, as llama.cpp splits them out before it tokenizes the text between them.
fn add_vocabulary_tokens(tok: &mut tokenizers::Tokenizer, tokens: &[String], types: &[i32]) {
    let typed = tokens.iter().zip(types.iter().chain(std::iter::repeat(&1)));
    let special: Vec<AddedToken> = typed
        .clone()
        .filter(|(_, &t)| t == CONTROL || t == UNKNOWN)
        .map(|(t, _)| AddedToken::from(t.clone(), true))
        .collect();
    let added: Vec<AddedToken> = typed
        .filter(|(_, &t)| t == USER_DEFINED)
        .map(|(t, _)| AddedToken::from(t.clone(), false).normalized(false))
        .collect();
    let _ = tok.add_special_tokens(special);
    let _ = tok.add_tokens(added);
}
