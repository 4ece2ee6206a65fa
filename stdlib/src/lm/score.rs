//! Scoring: the log-probability of a continuation after a prompt, the building block of
//! zero-shot classification. The continuation is tokenised on its own (as lm-evaluation-harness
//! does), so a leading space belongs to it.
//!
//! Pairs that share a prompt share its forward pass: the models have no padding masks, so
//! different prompts cannot share a batch, but one prompt's logits give every continuation's
//! first token, and its KV cache (forked where the model allows) serves the rest.

use super::model::Lm;
use crate::error::{check_interrupt, Error, Result};
use candle_core::D;
use std::collections::HashMap;

/// Log-softmax of next-token logits.
pub fn log_softmax(logits: &candle_core::Tensor) -> Result<candle_core::Tensor> {
    Ok(candle_nn::ops::log_softmax(logits, D::Minus1)?)
}

/// log P(continuation | prompt), summed over the continuation's tokens, for each pair.
pub fn score(m: &Lm, prompts: &[String], continuations: &[String]) -> Result<Vec<f64>> {
    if prompts.len() != continuations.len() {
        return Err(Error::shape(format!(
            "score: {} prompts but {} continuations",
            prompts.len(),
            continuations.len()
        )));
    }
    // The pairs of each distinct prompt, in the order prompts first appear.
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (i, p) in prompts.iter().enumerate() {
        let g = *group_of.entry(p.as_str()).or_insert_with(|| {
            groups.push((p.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let mut out = vec![0.0; prompts.len()];
    for (prompt, pairs) in groups {
        check_interrupt()?;
        let ids = m.tokenizer.encode_prompt(prompt)?;
        if ids.is_empty() {
            // The prompt's last logits score the continuation's first token: it needs one.
            return Err(Error::data(format!(
                "score: prompt {} ({prompt:?}) has no tokens",
                pairs[0]
            )));
        }
        let mut conts = Vec::with_capacity(pairs.len());
        for &i in &pairs {
            let c = &continuations[i];
            let cont = m.tokenizer.encode_continuation(c)?;
            if cont.is_empty() {
                return Err(Error::data(format!(
                    "score: continuation {i} ({c:?}) has no tokens"
                )));
            }
            m.check_len(
                ids.len() + cont.len(),
                &format!("prompt and continuation {i}"),
            )
            .map_err(|e| {
                Error::data(format!(
                    "{e} (prompt {} tokens, continuation {} tokens)",
                    ids.len(),
                    cont.len()
                ))
            })?;
            conts.push(cont);
        }
        for (&i, logp) in pairs.iter().zip(m.continuation_logprobs(&ids, &conts)?) {
            out[i] = logp;
        }
    }
    Ok(out)
}

/// The same as [`score`], one pair at a time with nothing shared: the reference the shared
/// passes are checked against.
pub fn score_unshared(m: &Lm, prompts: &[String], continuations: &[String]) -> Result<Vec<f64>> {
    prompts
        .iter()
        .zip(continuations)
        .map(|(p, c)| {
            let mut ids = m.tokenizer.encode_prompt(p)?;
            let prompt_len = ids.len();
            let cont = m.tokenizer.encode_continuation(c)?;
            ids.extend(&cont);
            let logp = log_softmax(&m.logits_from(&ids, prompt_len)?)?.to_vec2::<f32>()?;
            Ok(cont
                .iter()
                .enumerate()
                .map(|(k, &t)| logp[k][t as usize] as f64)
                .sum())
        })
        .collect()
}
