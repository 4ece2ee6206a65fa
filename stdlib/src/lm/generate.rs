//! Text generation: greedy or sampled (temperature, nucleus top-p, seeded), streaming each
//! piece of text as soon as it decodes, stopping at an end token, a stop string, `max_tokens`
//! or an interrupt.

use super::model::Lm;
use crate::error::{check_interrupt, Result};
use candle_core::Tensor;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub max_tokens: usize,
    /// 0 = greedy.
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    pub stop: Vec<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            max_tokens: 64,
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
            stop: Vec::new(),
        }
    }
}

/// What a generation gave.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub text: String,
    pub tokens: Vec<u32>,
    /// "eos", "stop", "max_tokens" or "context".
    pub finish: &'static str,
}

/// `n` greedy tokens after `prompt` (end tokens included, nothing stops early).
pub fn greedy(m: &Lm, prompt: &[u32], n: usize) -> Result<Vec<u32>> {
    m.check_len(prompt.len() + n, "prompt and the generated tokens")?;
    let mut model = m.lock()?;
    model.reset();
    let mut logits = model.forward(&Tensor::new(prompt, &m.device)?.unsqueeze(0)?, 0)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        check_interrupt()?;
        let next = logits.squeeze(0)?.argmax(0)?.to_scalar::<u32>()?;
        out.push(next);
        if i + 1 < n {
            let input = Tensor::new(&[next], &m.device)?.unsqueeze(0)?;
            logits = model.forward(&input, prompt.len() + i)?;
        }
    }
    Ok(out)
}

/// Generate after `prompt` (token ids), handing each new piece of text to `emit`.
pub fn generate(
    m: &Lm,
    prompt: &[u32],
    opts: &GenerateOptions,
    mut emit: impl FnMut(&str),
) -> Result<Generated> {
    m.check_len(prompt.len(), "prompt")?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut model = m.lock()?;
    model.reset();
    let mut logits = model.forward(&Tensor::new(prompt, &m.device)?.unsqueeze(0)?, 0)?;
    let mut tokens: Vec<u32> = Vec::new();
    let mut shown = 0; // bytes of `text` already emitted
    let mut text = String::new();
    let mut finish = "max_tokens";
    while tokens.len() < opts.max_tokens {
        check_interrupt()?;
        let row = logits.squeeze(0)?.to_vec1::<f32>()?;
        let next = pick(&row, opts, &mut rng);
        if m.tokenizer.is_eos(next) {
            finish = "eos";
            break;
        }
        tokens.push(next);
        text = m.tokenizer.decode(&tokens)?;
        if let Some(cut) = first_stop(&text, &opts.stop) {
            text.truncate(cut);
            if text.len() > shown {
                emit(&text[shown..]);
            }
            finish = "stop";
            return Ok(Generated {
                text,
                tokens,
                finish,
            });
        }
        // Hold back a trailing partial character (a byte-level token may end mid-UTF-8) and
        // anything that could be the start of a stop string.
        let ready = settled(&text, &opts.stop);
        if ready > shown {
            emit(&text[shown..ready]);
            shown = ready;
        }
        let pos = prompt.len() + tokens.len() - 1;
        if pos + 1 >= m.info.context_len {
            finish = "context";
            break;
        }
        logits = model.forward(&Tensor::new(&[next], &m.device)?.unsqueeze(0)?, pos)?;
    }
    if text.len() > shown {
        emit(&text[shown..]);
    }
    Ok(Generated {
        text,
        tokens,
        finish,
    })
}

/// The next token: argmax at temperature 0, else a draw from the top-p nucleus.
fn pick(row: &[f32], opts: &GenerateOptions, rng: &mut ChaCha8Rng) -> u32 {
    if opts.temperature <= 0.0 {
        return argmax(row);
    }
    let t = opts.temperature as f32;
    let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut probs: Vec<(u32, f32)> = row
        .iter()
        .enumerate()
        .map(|(i, &l)| (i as u32, ((l - max) / t).exp()))
        .collect();
    let total: f32 = probs.iter().map(|p| p.1).sum();
    probs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut kept = 0.0;
    let mut n = 0;
    for p in &probs {
        kept += p.1 / total;
        n += 1;
        if kept >= opts.top_p as f32 {
            break;
        }
    }
    let nucleus = &probs[..n];
    let mass: f32 = nucleus.iter().map(|p| p.1).sum();
    let mut u = rng.random::<f32>() * mass;
    for p in nucleus {
        u -= p.1;
        if u <= 0.0 {
            return p.0;
        }
    }
    nucleus[n - 1].0
}

/// The index of the largest value.
pub fn argmax(row: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best as u32
}

/// The byte offset of the earliest stop string in `text`.
fn first_stop(text: &str, stop: &[String]) -> Option<usize> {
    stop.iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

/// How much of `text` can be shown: without a trailing replacement character (an unfinished
/// UTF-8 sequence) and without a suffix that begins a stop string.
fn settled(text: &str, stop: &[String]) -> usize {
    let mut end = text.trim_end_matches('\u{FFFD}').len();
    for s in stop.iter().filter(|s| !s.is_empty()) {
        for (i, _) in text[..end].char_indices() {
            if s.starts_with(&text[i..end]) {
                end = i;
                break;
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_holds_back_partial_characters_and_stop_prefixes() {
        assert_eq!(settled("abc\u{FFFD}", &[]), 3);
        assert_eq!(settled("hello wor", &["world".into()]), 6);
        assert_eq!(settled("hello", &["xyz".into()]), 5);
    }

    #[test]
    fn nucleus_sampling_keeps_only_the_top_mass() {
        let opts = GenerateOptions {
            temperature: 1.0,
            top_p: 0.5,
            ..Default::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        // Token 2 holds ~87 % of the mass: a top-p of 0.5 keeps it alone.
        let row = [0.0, 0.0, 3.0, -1.0];
        for _ in 0..50 {
            assert_eq!(pick(&row, &opts, &mut rng), 2);
        }
        let greedy = GenerateOptions::default();
        assert_eq!(pick(&row, &greedy, &mut rng), 2);
    }

    #[test]
    fn first_stop_finds_the_earliest() {
        assert_eq!(first_stop("a. b\n", &[".".into(), "\n".into()]), Some(1));
        assert_eq!(first_stop("ab", &["".into()]), None);
    }
}
