//! Scoring: the log-probability of a continuation after a prompt, the building block of
//! zero-shot classification. The continuation is tokenised on its own (as lm-evaluation-harness
//! does), so a leading space belongs to it.

use super::model::Lm;
use crate::error::{check_interrupt, Error, Result};
use candle_core::D;

/// Log-softmax of next-token logits.
pub fn log_softmax(logits: &candle_core::Tensor) -> Result<candle_core::Tensor> {
    Ok(candle_nn::ops::log_softmax(logits, D::Minus1)?)
}

/// log P(continuation | prompt), summed over the continuation's tokens, for each pair.
/// Each pair runs on its own (the models have no padding masks); the prompt once, then the
/// continuation token by token on the cache.
pub fn score(m: &Lm, prompts: &[String], continuations: &[String]) -> Result<Vec<f64>> {
    if prompts.len() != continuations.len() {
        return Err(Error::shape(format!(
            "score: {} prompts but {} continuations",
            prompts.len(),
            continuations.len()
        )));
    }
    let mut out = Vec::with_capacity(prompts.len());
    for (i, (p, c)) in prompts.iter().zip(continuations).enumerate() {
        check_interrupt()?;
        let mut ids = m.tokenizer.encode_prompt(p)?;
        let prompt_len = ids.len();
        let cont = m.tokenizer.encode_continuation(c)?;
        if cont.is_empty() {
            return Err(Error::data(format!(
                "score: continuation {i} ({c:?}) has no tokens"
            )));
        }
        ids.extend(&cont);
        m.check_len(ids.len(), &format!("prompt and continuation {i}"))
            .map_err(|e| {
                Error::data(format!(
                    "{e} (prompt {prompt_len} tokens, continuation {} tokens)",
                    cont.len()
                ))
            })?;
        let logp = log_softmax(&m.logits_from(&ids, prompt_len)?)?.to_vec2::<f32>()?;
        out.push(
            cont.iter()
                .enumerate()
                .map(|(k, &t)| logp[k][t as usize] as f64)
                .sum(),
        );
    }
    Ok(out)
}
