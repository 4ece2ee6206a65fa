//! Sentence embedding throughput of all-MiniLM-L6-v2 (candle, `encoder().embed`) against the
//! same model in sentence-transformers/PyTorch CPU, in one run at the same thread count and
//! batch size: five pairs of runs, the two sides of a pair right beside each other, and the
//! median of the pairs' ratios. Also the frozen classifier's memo: epoch time before and after
//! embeddings are memoised. Prints figures and ratios; asserts nothing.
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
use std::process::Command;
use std::time::Instant;

#[path = "common/kept_running.rs"]
mod kept_running;
#[path = "common/pairs.rs"]
mod pairs;
use kept_running::KeptRunning;
use pairs::{median, paired};

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

/// Pairs each thread count and batch size takes: each side embeds all the sentences once a
/// pair, right beside the other, so that a host whose speed drifts moves both alike.
const PAIRS: usize = 5;

/// sentence-transformers kept running at one thread count: it embeds the sentences once each
/// time it is asked, writes the embeddings to `out` (for a parity check) and gives its
/// sentences/s.
struct Reference {
    process: KeptRunning,
    out: String,
}

impl Reference {
    fn start(model: &str, file: &str, threads: usize, out: &str) -> Option<Reference> {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/minilm_torch.py");
        let mut command = Command::new(torch_python()?);
        command
            .arg(script)
            .args(["--model", model, "--sentences", file, "--out", out])
            .args(["--threads", &threads.to_string(), "--serve"]);
        Some(Reference {
            process: KeptRunning::start(command)?,
            out: out.to_string(),
        })
    }

    /// Sentences/s of one run at `batch`; None once the process has gone.
    fn rate(&mut self, batch: usize) -> Option<f64> {
        self.process.ask(&batch.to_string())
    }

    /// The embeddings of its last run.
    fn embeddings(&self) -> Option<Vec<f32>> {
        let bytes = std::fs::read(&self.out).ok()?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }
}

/// Sentences/s of one `embed` of all the sentences, and the embeddings.
fn ours(enc: &Encoder, texts: &[String], batch: usize) -> (f64, Vec<f32>) {
    let start = Instant::now();
    let emb = enc.embed_batched(texts, true, 256, batch).unwrap();
    let rate = texts.len() as f64 / start.elapsed().as_secs_f64();
    (rate, emb.flatten_all().unwrap().to_vec1::<f32>().unwrap())
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
        threads::set_threads(arg(2, 1)).expect("a thread count the machine takes");
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
        threads::set_threads(t).expect("a thread count the machine takes");
        let mut reference = Reference::start(&model, &file, t, &out);
        for batch in [32, 64] {
            // A warm-up of either side at this batch size.
            let _ = ours(&enc, &texts, batch);
            let _ = reference.as_mut().and_then(|r| r.rate(batch));
            let mut emb = vec![];
            let pairs = paired(
                PAIRS,
                || {
                    let (rate, e) = ours(&enc, &texts, batch);
                    emb = e;
                    rate
                },
                || reference.as_mut().and_then(|r| r.rate(batch)),
            );
            let name = format!("{t} thread(s), batch {batch}");
            let rate = median(pairs.ours).unwrap_or(f64::NAN);
            let reference_emb = reference.as_ref().and_then(Reference::embeddings);
            match (median(pairs.theirs), median(pairs.ratios), reference_emb) {
                (Some(theirs), Some(ratio), Some(reference)) => {
                    let diff = emb
                        .iter()
                        .zip(&reference)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0f32, f32::max);
                    println!("{name:<34} {rate:>12.1} {theirs:>12.1} {ratio:>7.2}x {diff:>12.2e}");
                }
                _ => println!("{name:<34} {rate:>12.1} {:>12} {:>8} {:>12}", "n/a", "", ""),
            }
        }
    }
    threads::set_threads(0).expect("a thread count the machine takes");
    println!(
        "(medians of {PAIRS} pairs, each side one run right beside the other; ratio = the median \
         of the pairs' candle / pytorch: above 1 means candle is faster)"
    );
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
