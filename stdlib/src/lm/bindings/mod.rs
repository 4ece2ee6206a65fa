//! Rhai bindings of language models: `lm(name_or_path)`, its tokenizer and description,
//! `generate` and `score`; labellers are in `labeller.rs`.

pub mod labeller;

use super::chat::{self, Message};
use super::generate::{self, GenerateOptions};
use super::model::{Lm, LoadOptions};
use crate::bind;
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::tensor::bindings::DeviceHandle;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, INT};
use ladder_scripting::Renderers;

fn load(name_or_path: &str, options: Map) -> RhaiResult<Lm> {
    let mut o = Opts::new("lm", options);
    let d = LoadOptions::default();
    let opts = LoadOptions {
        dequantise: o.bool("dequantise", d.dequantise)?,
        requantise: o.bool("requantise", d.requantise)?,
    };
    let device = crate::tensor::device::device(&o.string("device", "cpu")?)?;
    o.finish()?;
    Ok(Lm::open_on(name_or_path, opts, &device)?)
}

/// Strings from a string or an array of strings.
fn stop_strings(v: Dynamic) -> RhaiResult<Vec<String>> {
    if v.is_string() {
        return Ok(vec![v.into_string()?]);
    }
    match v.try_cast::<Array>() {
        Some(a) => crate::text::bindings::strings(&a, "generate: stop"),
        None => Err("generate: option `stop` must be a string or an array of strings".into()),
    }
}

fn run_generate(m: &Lm, prompt: &str, options: Map) -> RhaiResult<String> {
    let mut o = Opts::new("generate", options);
    let d = GenerateOptions::default();
    let opts = GenerateOptions {
        max_tokens: o.usize("max_tokens", d.max_tokens)?,
        temperature: o.float("temperature", d.temperature)?,
        top_p: o.float("top_p", d.top_p)?,
        seed: o.seed("seed")?,
        stop: match o.raw("stop") {
            None => Vec::new(),
            Some(v) => stop_strings(v)?,
        },
    };
    let chat = o.bool("chat", false)?;
    let system = o.string_opt("system")?;
    let stream = o.bool("stream", true)?;
    o.finish()?;
    if system.is_some() && !chat {
        return Err(
            "generate: `system` is a turn of the chat template; it needs `chat: true`".into(),
        );
    }
    let top_p_ok = opts.top_p > 0.0 && opts.top_p <= 1.0; // false for NaN
    if !top_p_ok || opts.temperature.is_nan() || opts.temperature < 0.0 {
        return Err(format!(
            "generate: top_p must be in (0, 1] and temperature ≥ 0, got top_p {} and temperature {}",
            opts.top_p, opts.temperature
        )
        .into());
    }
    let text = if chat {
        let mut messages: Vec<Message> = system
            .map(|content| Message {
                role: "system".into(),
                content,
            })
            .into_iter()
            .collect();
        messages.push(Message {
            role: "user".into(),
            content: prompt.to_string(),
        });
        chat::render(&m.tokenizer, &messages)?
    } else {
        prompt.to_string()
    };
    let ids = m.tokenizer.encode_prompt(&text)?;
    let out = generate::generate(m, &ids, &opts, |piece| {
        if stream {
            ladder_scripting::context::stream(ladder_scripting::Stream::Stdout, piece);
        }
    })?;
    if stream && !out.text.ends_with('\n') {
        ladder_scripting::context::stream(ladder_scripting::Stream::Stdout, "\n");
    }
    Ok(out.text)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Lm>(engine, renderers);
    bind!(
        engine,
        /// A decoder language model: "smollm2" (installed by `./install.sh --with-smollm2`), a GGUF file (llama, qwen2, qwen3; its tokenizer comes from the file's metadata unless a tokenizer.json is beside it) or a Hugging Face folder (config.json, model.safetensors or a sharded index, tokenizer.json; llama, qwen2, qwen3, mistral, gemma, phi3). Nothing is downloaded.
        /// Example: `let m = lm("smollm2"); m.generate("The capital of France is", #{max_tokens: 8})`
        fn lm(name_or_path: &str) -> RhaiResult<Lm> {
            load(name_or_path, Map::new())
        },
        /// `lm` with options: `dequantise` (false: a GGUF model runs on its quantised weights; true: on f32 copies, the reference path), `requantise` (false; true: Q4_1, Q5_0 and Q5_1 weights run as Q8_0: candle has no SIMD kernels for them, so Qwen3 files run about 5x faster; a Llama or Qwen2 file's Q4_1 already runs on Ladder's kernel, and requantising only moves it further from llama.cpp), `device` ("cpu"; "cuda" in the CUDA build: the weights go there, and Llama and Qwen2 GGUF files run on candle's quantised models instead of Ladder's CPU kernels).
        fn lm(name_or_path: &str, options: Map) -> RhaiResult<Lm> {
            load(name_or_path, options)
        },
        /// The same model loaded again with its weights on a device (with the options it was loaded with).
        /// Example: `let m = lm("smollm2").to(device("cuda"));`
        fn to(model: Lm, device: DeviceHandle) -> RhaiResult<Lm> { Ok(model.to_device(&device.0)?) },
        /// Token ids of a text as a prompt (BOS added when the model wants it; special-token strings such as <|im_start|> are matched).
        fn encode(model: &mut Lm, text: &str) -> RhaiResult<Array> {
            Ok(model
                .tokenizer
                .encode_prompt(text)?
                .into_iter()
                .map(|i| Dynamic::from_int(i as INT))
                .collect())
        },
        /// Generate text after a prompt, greedily, streaming it into the cell's output as it comes; returns the text (end the cell with `;` to not show it twice). Stops at the model's end token, after 64 tokens, or on interrupt (the session keeps its variables).
        fn generate(model: &mut Lm, prompt: &str) -> RhaiResult<String> {
            run_generate(model, prompt, Map::new())
        },
        /// `generate` with options: `max_tokens` (64), `temperature` (0: greedy), `top_p` (1: nucleus sampling keeps the most likely tokens up to this mass), `seed` (0), `stop` (a string or strings that end the text, left out of it), `chat` (false; true wraps the prompt as a user turn in the model's chat template), `system` (a system turn for chat), `stream` (true: print as it comes).
        /// Example: `m.generate("What is 2+2?", #{chat: true, max_tokens: 20});`
        fn generate(model: &mut Lm, prompt: &str, options: Map) -> RhaiResult<String> {
            run_generate(model, prompt, options)
        },
        /// log P(continuation | prompt) for each pair, summed over the continuation's tokens (tokenised on its own: a leading space belongs to it). One continuation string is scored after every prompt.
        /// Example: `m.score(["The movie was great. Sentiment:"], [" positive"])`
        fn score(model: &mut Lm, prompts: Array, continuations: Dynamic as "Array|string") -> RhaiResult<Array> {
            let prompts = crate::text::bindings::strings(&prompts, "score: prompts")?;
            let conts = if continuations.is_string() {
                vec![continuations.into_string()?; prompts.len()]
            } else {
                let a = continuations.try_cast::<Array>().ok_or("score: continuations must be a string or an array of strings")?;
                crate::text::bindings::strings(&a, "score: continuations")?
            };
            Ok(super::score::score(model, &prompts, &conts)?.into_iter().map(Dynamic::from_float).collect())
        }

        /// Text of token ids (special tokens left out).
        fn decode(model: &mut Lm, ids: Array) -> RhaiResult<String> {
            let ids = ids
                .iter()
                .map(|v| {
                    let i = v
                        .as_int()
                        .map_err(|t| format!("decode: ids must be ints, got {t}"))?;
                    u32::try_from(i)
                        .map_err(|_| format!("decode: {i} is not a token id").into())
                })
                .collect::<RhaiResult<Vec<u32>>>()?;
            Ok(model.tokenizer.decode(&ids)?)
        }
    );
    labeller::register(engine, renderers);
    engine.register_get("tokenizer", |m: &mut Lm| m.tokenizer.text.clone());
    engine.register_get("context_len", |m: &mut Lm| m.info.context_len as INT);
    engine.register_get("vocab_size", |m: &mut Lm| m.info.vocab_size as INT);
    engine.register_get("architecture", |m: &mut Lm| m.info.architecture.clone());
    engine.register_get("device", |m: &mut Lm| {
        crate::tensor::device::device_name(&m.device)
    });
    engine.register_get("path", |m: &mut Lm| m.info.path.display().to_string());
    engine.register_get("chat_template", |m: &mut Lm| {
        m.tokenizer.chat_template.clone().unwrap_or_default()
    });
}
