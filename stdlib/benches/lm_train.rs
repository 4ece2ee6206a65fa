//! The decoder LM's f32 path against transformers + PEFT (PyTorch CPU), same model, same
//! threads, one run: forward tokens/s (batch 4 × 128 tokens, no gradients) and one LoRA
//! training step (r 8 on all seven projections, next-token cross-entropy, AdamW). The model is
//! SmolLM2-135M's architecture with random weights (the f32 path's cost does not depend on the
//! values), written by benches/lm_torch.py. Each figure is paired with PyTorch's taken right
//! beside it (a PyTorch process kept running), and the ratio quoted is the median of the
//! pairs' ratios. Prints figures and ratios; asserts nothing.
//!
//!     cargo bench -p ladder-stdlib --bench lm_train
//!
//! LADDER_TORCH_PYTHON: a Python with torch, transformers and peft (default python3; see tests/reference/README.md);
//! LADDER_LM_BENCH_DIR: where the model is written (default /tmp/ladder-lm-bench);
//! LADDER_BENCH_THREADS: threads for both sides (default 1);
//! LADDER_LM_BENCH_PROFILE=N: no PyTorch side, and after the features and forward passes N
//! LoRA steps timed by phase, then stop (to run under `perf record`).

use candle_core::{Device, Tensor};
use candle_nn::Optimizer;
use ladder_stdlib::decoder::forward::{Batch, Decoder, Target};
use ladder_stdlib::decoder::train::features::{self, Pooling};
use ladder_stdlib::decoder::train::lora::{Lora, LoraConfig};
use ladder_stdlib::rng::Rng;
use ladder_stdlib::threads;
use std::process::Command;
use std::time::Instant;

#[path = "common/kept_running.rs"]
mod kept_running;
#[path = "common/pairs.rs"]
mod pairs;
use kept_running::KeptRunning;
use pairs::{median, paired, Pairs};

const BATCH: usize = 4;
const SEQ: usize = 128;
/// Pairs taken of each figure (a LoRA step takes seconds on each side).
const PAIRS: usize = 5;

fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The process's peak resident memory (VmHWM), MiB.
fn peak_rss_mib() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb >> 10)
}

fn main() {
    threads::init_process(); // as `ladder` does: candle's element-wise pool on one thread
    let python = std::env::var("LADDER_TORCH_PYTHON").unwrap_or("python3".into());
    let dir = std::env::var("LADDER_LM_BENCH_DIR").unwrap_or("/tmp/ladder-lm-bench".into());
    let n: usize = std::env::var("LADDER_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    threads::set_threads(n).expect("a thread count the machine takes");
    println!("{}", ladder_stdlib::machine::describe());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lm_torch.py");
    let model = std::path::Path::new(&dir).join("smollm2-arch");
    if !model.join("model.safetensors").is_file() {
        let ok = Command::new(&python)
            .args([script, "make", &model.display().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "{python} could not write the model (needs torch + transformers)"
        );
    }
    let profile: Option<usize> = std::env::var("LADDER_LM_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut torch = match profile {
        Some(_) => None,
        None => torch_serving(&python, script, &model, n),
    };

    let m = Decoder::open(&model).unwrap();
    let mut rng = Rng::new(1);
    // Peak memory of embedding (the path lm_features and frozen classifiers take): 64 rows of
    // 20 to 120 tokens, 16 per pass, before anything else allocates.
    let texts: Vec<Vec<u32>> = (0..64)
        .map(|i| {
            (0..20 + i * 100 / 64)
                .map(|_| 1 + rng.below(49151) as u32)
                .collect()
        })
        .collect();
    let text_refs: Vec<&[u32]> = texts.iter().map(|r| r.as_slice()).collect();
    let t = Instant::now();
    features::features(
        &m,
        &text_refs,
        m.config.layers,
        Pooling::Mean,
        None,
        features::BATCH,
    )
    .unwrap();
    println!(
        "features of 64 rows (20-120 tokens): {:.1} s, peak RSS {} MiB (weights {} MiB in f32)",
        t.elapsed().as_secs_f64(),
        peak_rss_mib(),
        (m.num_parameters() * 4) >> 20
    );
    let rows: Vec<Vec<u32>> = (0..BATCH)
        .map(|_| (0..SEQ).map(|_| 1 + rng.below(49151) as u32).collect())
        .collect();
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    let b = Batch::new(&refs, 0, &Device::Cpu).unwrap();
    let forward = || {
        threads::with_threads(n, || m.logits(&b, None, false).unwrap());
    };
    forward();
    let fwd = best(3, forward);
    let layers = m.config.layers;
    let body = best(2, || {
        threads::with_threads(n, || m.hidden(&b, layers, None, false).unwrap());
    });
    println!(
        "Ladder forward {fwd:.2} s, of which the decoder blocks {body:.2} s and the output projection {:.2} s",
        fwd - body
    );

    let cfg = LoraConfig {
        rank: 8,
        alpha: 16.0,
        targets: Target::ALL.to_vec(),
        rslora: false,
    };
    let lora = Lora::new(&m, cfg, 0).unwrap();
    let vars: Vec<_> = lora.named_vars().into_iter().map(|(_, v)| v).collect();
    let mut opt = candle_nn::AdamW::new_lr(vars, 1e-4).unwrap();
    // As PEFT's step: 128 tokens a row through the model, 127 of them predicted.
    let loss = || {
        threads::with_threads(n, || -> Tensor {
            m.next_token_loss(&b, Some(&lora), true).unwrap()
        })
    };
    // Where a step's time goes, for scaling work: the forward pass with the loss, then the
    // backward pass (the optimiser's update of the small adapters is the rest).
    let (mut fwd_s, mut bwd_s) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..profile.unwrap_or(2) {
        let t = Instant::now();
        let l = loss();
        let f = t.elapsed().as_secs_f64();
        let t = Instant::now();
        threads::with_threads(n, || l.backward().unwrap());
        let b = t.elapsed().as_secs_f64();
        if profile.is_some() {
            println!("step: forward with loss {f:.2} s, backward {b:.2} s");
        }
        (fwd_s, bwd_s) = (fwd_s.min(f), bwd_s.min(b));
    }
    println!(
        "LoRA step phases: forward with loss {fwd_s:.2} s, backward {bwd_s:.2} s; peak RSS so far {} MiB",
        peak_rss_mib()
    );
    if profile.is_some() {
        return;
    }
    let mut step = || {
        let l = loss();
        let grads = threads::with_threads(n, || l.backward().unwrap());
        opt.step(&grads).unwrap();
    };
    step();
    let mut ask = |what: &str| torch.as_mut().and_then(|p| p.ask(what));
    let tokens = (BATCH * SEQ) as f64;
    let fwd_pairs = paired(PAIRS, || tokens / time(forward), || ask("forward"));
    let step_pairs = paired(PAIRS, || 1.0 / time(&mut step), || ask("step"));
    drop(torch);

    println!(
        "model: SmolLM2-135M architecture, f32, batch {BATCH} x {SEQ} tokens, {n} thread(s); PyTorch {}",
        torch_version(&python)
    );
    let (o, p, r) = summary(&fwd_pairs);
    println!("forward: Ladder {o:.0} tokens/s, PyTorch {p:.0} tokens/s, ratio {r:.2}");
    let (o, p, r) = summary(&step_pairs);
    println!(
        "LoRA step (r 8, 7 projections): Ladder {:.2} s, PyTorch {:.2} s, speed ratio {r:.2}",
        1.0 / o,
        1.0 / p
    );
}

/// Seconds `f` takes once.
fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Medians of a pairing: ours, PyTorch's and the pairs' ratios (NaN where PyTorch gave none),
/// after printing the pairs.
fn summary(p: &Pairs) -> (f64, f64, f64) {
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "  pairs: Ladder {}; PyTorch {}; ratios {}",
        list(&p.ours),
        list(&p.theirs),
        list(&p.ratios)
    );
    let m = |v: &[f64]| median(v.to_vec()).unwrap_or(f64::NAN);
    (m(&p.ours), m(&p.theirs), m(&p.ratios))
}

/// transformers + PEFT kept running on the model at `n` threads (benches/lm_torch.py serve);
/// None, with the reason printed, when it cannot start.
fn torch_serving(
    python: &str,
    script: &str,
    model: &std::path::Path,
    n: usize,
) -> Option<KeptRunning> {
    let mut command = Command::new(python);
    command.args([
        script,
        "serve",
        &model.display().to_string(),
        &n.to_string(),
    ]);
    let serving = KeptRunning::start(command);
    if serving.is_none() {
        println!("PyTorch side did not start ({python} needs torch, transformers and peft)");
    }
    serving
}

/// The reference's PyTorch version, for the header.
fn torch_version(python: &str) -> String {
    Command::new(python)
        .args(["-c", "import torch; print(torch.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "n/a".into())
}
