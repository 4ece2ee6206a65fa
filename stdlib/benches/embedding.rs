//! Sentence embedding throughput of all-MiniLM-L6-v2 (candle, `encoder().embed`) against the
//! same model in sentence-transformers/PyTorch CPU, in one run at the same thread count and
//! batch size. Also the frozen classifier's memo: epoch time before and after embeddings are
//! memoised. Prints figures and ratios; asserts nothing.
//!
//!     cargo bench -p ladder-stdlib --bench embedding
//!
//! Needs the installed model (`./install.sh --minilm-only`). PyTorch: LADDER_TORCH_PYTHON, or
//! the venv `target-stdlib/venv-torch` with sentence-transformers installed
//! (`target-stdlib/venv-torch/bin/pip install sentence-transformers`; see benches/training.rs).

use candle_core::{DType, Device, Tensor};
use ladder_stdlib::data::Dataset;
use ladder_stdlib::nn::pretrained_classifier::{self, ClassifierOptions, Head};
use ladder_stdlib::text::encoder::Encoder;
use ladder_stdlib::threads;
use ladder_stdlib::train::{fit, EpochRecord, FitConfig, Monitor, StepInfo};
use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

const SENTENCES: usize = 384;

/// Sentences of mixed lengths (about 8 to 90 tokens), the same on every run.
fn sentences() -> Vec<String> {
    const PARTS: [&str; 16] = [
        "A man is eating food.",
        "The girl is carrying a baby on her back while she walks to the market",
        "A monkey is playing drums.",
        "Several children are running across a wet field after a red ball",
        "The committee postponed its decision until the auditors had finished their report.",
        "Rain again.",
        "She said the new bridge would cut the commute by almost twenty minutes each way",
        "Two dogs sleep in the sun.",
        "Although the film was long, most of the audience stayed until the very last credit rolled",
        "Prices rose sharply in the third quarter.",
        "He fixed the bicycle chain with a paper clip and a bit of patience",
        "The orchestra tuned up as the lights dimmed.",
        "Nobody expected the small startup to win the national design award this year",
        "Coffee first.",
        "The museum reopened after a renovation that took more than four years and cost millions",
        "A cat watches birds from the window.",
    ];
    let mut state = 12345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..SENTENCES)
        .map(|i| {
            let parts = 1 + i % 4;
            (0..parts)
                .map(|_| PARTS[next() % PARTS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn torch_python() -> Option<String> {
    if let Ok(p) = std::env::var("LADDER_TORCH_PYTHON") {
        return Some(p);
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let venv = root.join("target-stdlib/venv-torch/bin/python");
    venv.exists().then(|| venv.display().to_string())
}

/// sentence-transformers' sentences/s, and its embeddings (for a parity check).
fn torch(
    model: &str,
    file: &str,
    threads: usize,
    batch: usize,
    out: &str,
) -> Option<(f64, Vec<f32>)> {
    let py = torch_python()?;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/minilm_torch.py");
    let res = Command::new(py)
        .arg(script)
        .args(["--model", model, "--sentences", file, "--out", out])
        .args([
            "--threads",
            &threads.to_string(),
            "--batch",
            &batch.to_string(),
        ])
        .output()
        .ok()?;
    if !res.status.success() {
        eprintln!(
            "sentence-transformers reference failed: {}",
            String::from_utf8_lossy(&res.stderr)
        );
        return None;
    }
    let kv: HashMap<String, String> = String::from_utf8_lossy(&res.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let rate = kv.get("sentences_per_s")?.parse().ok()?;
    let bytes = std::fs::read(out).ok()?;
    let values = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some((rate, values))
}

/// Best sentences/s of `embed` over three runs (after a warm-up).
fn ours(enc: &Encoder, texts: &[String], batch: usize) -> (f64, Vec<f32>) {
    let run = || enc.embed_batched(texts, true, 256, batch).unwrap();
    let mut emb = run();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        emb = run();
        best = best.min(start.elapsed().as_secs_f64());
    }
    let flat = emb.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    (texts.len() as f64 / best, flat)
}

/// Seconds per epoch of `fit`.
struct EpochTimes {
    last: Instant,
    seconds: Vec<f64>,
}

impl Monitor for EpochTimes {
    fn step(&mut self, _: &StepInfo) -> ladder_stdlib::Result<()> {
        Ok(())
    }
    fn epoch(&mut self, _: &EpochRecord) {
        self.seconds.push(self.last.elapsed().as_secs_f64());
        self.last = Instant::now();
    }
}

fn memo_epochs(enc: &Encoder, texts: &[String]) -> Vec<f64> {
    let (ids, _, r, c) = enc.tokenizer.encode_batch(texts, 128).unwrap();
    let x = Tensor::from_vec(ids, (r, c), &Device::Cpu)
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap();
    let y: Vec<u32> = (0..r as u32).map(|i| i % 2).collect();
    let y = ladder_stdlib::Tensor(Tensor::new(y, &Device::Cpu).unwrap());
    let d = Dataset::new("bench", ladder_stdlib::Tensor(x), Some(y), None, 2).unwrap();
    let net = pretrained_classifier::classifier(&ClassifierOptions {
        path: None,
        classes: 2,
        head: Head::Linear,
        frozen: true,
        max_len: 0,
        normalize: false,
        seed: 0,
    })
    .unwrap();
    let cfg = FitConfig {
        epochs: 3,
        batch_size: 32,
        ..FitConfig::default()
    };
    let mut m = EpochTimes {
        last: Instant::now(),
        seconds: vec![],
    };
    fit(&net, &d, &cfg, &mut m).unwrap();
    m.seconds
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes harness-less benches with --list
    }
    threads::init_process(); // as `ladder` does: candle's element-wise pool on one thread
    let enc = match Encoder::open(None) {
        Ok(e) => e,
        Err(e) => {
            println!("embedding benchmark skipped: {e}");
            return;
        }
    };
    let texts = sentences();
    // `--profile B T`: only Ladder's side, batch B on T threads, ten runs (for perf / callgrind).
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let arg = |k: usize, default: usize| {
            args.get(i + k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        threads::set_threads(arg(2, 1));
        for _ in 0..10 {
            let (rate, _) = ours(&enc, &texts, arg(1, 32));
            println!("{rate:.1} sentences/s");
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sentences.txt");
    std::fs::write(&file, texts.join("\n")).unwrap();
    let (file, out) = (
        file.to_string_lossy().into_owned(),
        dir.path().join("emb.f32").to_string_lossy().into_owned(),
    );
    let model = enc.source.dir.to_string_lossy().into_owned();
    let tokens: usize = enc
        .token_rows(&texts, 256)
        .unwrap()
        .iter()
        .map(Vec::len)
        .sum();
    println!("{}", ladder_stdlib::machine::describe());
    println!(
        "all-MiniLM-L6-v2 embedding benchmark: {} sentences, {:.1} tokens on average, {} cores",
        texts.len(),
        tokens as f64 / texts.len() as f64,
        threads::cores()
    );
    println!(
        "{:<34} {:>12} {:>12} {:>8} {:>12}",
        "sentences/s (higher is better)", "candle", "pytorch", "ratio", "max |diff|"
    );
    for t in [1, threads::cores()]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
    {
        threads::set_threads(t);
        for batch in [32, 64] {
            let (rate, emb) = ours(&enc, &texts, batch);
            let name = format!("{t} thread(s), batch {batch}");
            match torch(&model, &file, t, batch, &out) {
                Some((theirs, reference)) => {
                    let diff = emb
                        .iter()
                        .zip(&reference)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0f32, f32::max);
                    println!(
                        "{name:<34} {rate:>12.1} {theirs:>12.1} {:>7.2}x {diff:>12.2e}",
                        rate / theirs
                    );
                }
                None => println!("{name:<34} {rate:>12.1} {:>12} {:>8} {:>12}", "n/a", "", ""),
            }
        }
    }
    threads::set_threads(0);
    println!("(ratio = candle / pytorch: above 1 means candle is faster)");
    let epochs = memo_epochs(&enc, &texts);
    println!(
        "frozen pretrained_classifier, {} rows, batch 32: epoch times {} s (the first computes and memoises the embeddings)",
        texts.len(),
        epochs
            .iter()
            .map(|s| format!("{s:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
