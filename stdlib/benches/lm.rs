//! SmolLM2-135M-Instruct Q4_1: prompt processing and generation tokens/s of Ladder's quantised
//! path (its own Llama pass and Q4_1 kernel) against llama.cpp (llama-cpp-python) in the same
//! run, at the same thread count, on the same token ids; and the dequantised f32 path's tokens/s.
//! Prints figures and ratios; asserts nothing.
//!
//!     LADDER_LLAMA_CPP_PYTHON=/path/to/python cargo bench -p ladder-stdlib --bench lm
//!
//! Needs the installed model (`./install.sh --with-smollm2`); the llama.cpp side runs when
//! LADDER_LLAMA_CPP_PYTHON names a Python with llama-cpp-python (skipped otherwise).

use candle_core::Tensor;
use ladder_stdlib::lm::{Lm, LoadOptions};
use ladder_stdlib::{machine, threads};
use std::process::Command;
use std::time::Instant;

const PROMPT_TOKENS: usize = 128;
const GEN_TOKENS: usize = 64;
const REPEATS: usize = 3;

/// Best-of-`REPEATS` prompt processing and generation tokens/s.
fn measure(m: &Lm, prompt: &[u32]) -> (f64, f64) {
    let (mut pp, mut tg) = (0f64, 0f64);
    for _ in 0..REPEATS {
        let mut model = m.lock().unwrap();
        model.reset();
        let input = Tensor::new(prompt, &m.device)
            .unwrap()
            .unsqueeze(0)
            .unwrap();
        let t = Instant::now();
        model.forward(&input, 0).unwrap();
        pp = pp.max(prompt.len() as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for i in 0..GEN_TOKENS {
            let one = Tensor::new(&[prompt[prompt.len() - 1]], &m.device)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            model.forward(&one, prompt.len() + i).unwrap();
        }
        tg = tg.max(GEN_TOKENS as f64 / t.elapsed().as_secs_f64());
    }
    (pp, tg)
}

fn main() {
    threads::init_process();
    threads::apply_default();
    println!("{}", machine::describe());
    let m = match Lm::open("smollm2", LoadOptions::default()) {
        Ok(m) => m,
        Err(e) => {
            println!("SKIPPED: {e}");
            return;
        }
    };
    let text = "The weak-to-strong experiment trains a small model, labels data with it, and fine-tunes a larger one on those labels. ".repeat(8);
    let mut prompt = m.tokenizer.encode_prompt(&text).unwrap();
    prompt.truncate(PROMPT_TOKENS);
    let n_threads = match std::env::var("RAYON_NUM_THREADS") {
        Ok(v) => v.parse().unwrap_or(threads::cores()),
        Err(_) => threads::cores(),
    };
    println!(
        "SmolLM2-135M-Instruct {}: {} prompt tokens, {GEN_TOKENS} generated, best of {REPEATS}, {n_threads} threads",
        m.info.weights,
        prompt.len()
    );
    let (pp, tg) = measure(&m, &prompt);
    println!(
        "ladder ({}):  prompt {pp:8.1} tok/s   generation {tg:8.1} tok/s",
        m.info.weights
    );
    let f32_model = Lm::open(
        "smollm2",
        LoadOptions {
            dequantise: true,
            ..Default::default()
        },
    )
    .unwrap();
    let (fpp, ftg) = measure(&f32_model, &prompt);
    println!("ladder (f32, dequantised):  prompt {fpp:8.1} tok/s   generation {ftg:8.1} tok/s");
    let Ok(py) = std::env::var("LADDER_LLAMA_CPP_PYTHON") else {
        println!(
            "llama.cpp: skipped (set LADDER_LLAMA_CPP_PYTHON to a Python with llama-cpp-python)"
        );
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lm_llama_cpp.py");
    let ids = serde_json::to_string(&prompt).unwrap();
    let out = Command::new(py)
        .args([
            script,
            &m.info.path.display().to_string(),
            &n_threads.to_string(),
            &ids,
            &GEN_TOKENS.to_string(),
            &REPEATS.to_string(),
        ])
        .output()
        .expect("run the llama.cpp script");
    let line = String::from_utf8_lossy(&out.stdout);
    let Ok(r) = serde_json::from_str::<serde_json::Value>(line.trim()) else {
        println!(
            "llama.cpp: failed: {}{}",
            line,
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    let (lpp, ltg) = (r["pp"].as_f64().unwrap(), r["tg"].as_f64().unwrap());
    println!(
        "llama.cpp {} (no AMX/repack): prompt {lpp:8.1} tok/s   generation {ltg:8.1} tok/s",
        r["version"].as_str().unwrap_or("?")
    );
    println!(
        "ratio ladder/llama.cpp: prompt {:.2}x   generation {:.2}x",
        pp / lpp,
        tg / ltg
    );
}
