//! Training and matmul throughput of the ML core, with PyTorch CPU measured in the same run
//! at the same thread count when it is available. Prints figures and ratios; asserts nothing.
//!
//!     cargo bench -p ladder-stdlib --bench training
//!
//! PyTorch: set LADDER_TORCH_PYTHON to a Python with torch, or create the venv
//! `target-stdlib/venv-torch` (`python3 -m venv target-stdlib/venv-torch &&
//! target-stdlib/venv-torch/bin/pip install torch numpy`; several GB: benchmarks only).
//! Figures: MLP 64→256→256→2, batch 256, AdamW, ms/step at 1 and 2 threads (also with a busy
//! thread competing for the cores); the from-scratch transformer's step (`transformer_classifier`
//! defaults, batch 32 × 128 tokens, a BERT-sized vocabulary) against the same model in PyTorch;
//! f32 matmul 1024³ GFLOP/s; a training loop in Rhai vs `fit`.

use candle_core::DType;
use ladder_scripting::{NullFrontend, Session};
use ladder_stdlib::data::Dataset;
use ladder_stdlib::nn::layers::{Activation, LayerSpec};
use ladder_stdlib::nn::transformer::TransformerSpec;
use ladder_stdlib::nn::NetworkSpec;
use ladder_stdlib::train::{fit, FitConfig, Silent};
use ladder_stdlib::{threads, Network};
use std::collections::HashMap;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[path = "common/kept_running.rs"]
mod kept_running;
#[path = "common/pairs.rs"]
mod pairs;
use kept_running::KeptRunning;
use pairs::{median, paired};

const BATCH: usize = 256;
const BATCHES: usize = 8;
const EPOCHS: usize = 40; // 320 steps

fn data() -> Dataset {
    let x = ladder_stdlib::tensor::build::randn(&[BATCH * BATCHES, 64], 0).unwrap();
    let y = x
        .narrow(1, 0, 1)
        .unwrap()
        .flatten_all()
        .unwrap()
        .ge(0.0)
        .unwrap()
        .to_dtype(DType::U32)
        .unwrap();
    Dataset::new("bench", x, Some(ladder_stdlib::Tensor(y)), None, 2).unwrap()
}

fn cfg(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: BATCH,
        lr: 1e-3,
        ..FitConfig::default()
    }
}

/// The from-scratch transformer as `transformer_classifier` builds it by default (dim 64,
/// 4 heads, 2 layers, ff 256, dropout 0.1), a BERT-sized vocabulary, `TF_BATCH` rows of
/// `TF_SEQ` tokens (no padding) per step; torch_reference.py builds the same model.
const TF_VOCAB: usize = 30522;
const TF_SEQ: usize = 128;
const TF_BATCH: usize = 32;
const TF_STEPS: usize = 16;

fn transformer_spec() -> TransformerSpec {
    TransformerSpec {
        vocab: TF_VOCAB,
        dim: 64,
        heads: 4,
        ff: 256,
        layers: 2,
        max_len: TF_SEQ,
        dropout: 0.1,
        pad_id: 0,
    }
}

/// The arguments that make torch_reference.py time the same transformer step.
fn torch_transformer_arg() -> String {
    let s = transformer_spec();
    format!(
        "{},{},{},{},{},{TF_SEQ},{TF_BATCH},{},{TF_STEPS}",
        s.vocab, s.dim, s.heads, s.ff, s.layers, s.dropout
    )
}

/// `BATCHES` batches of random token ids (never the pad id) with random binary labels.
fn transformer_data() -> Dataset {
    let mut rng = ladder_stdlib::rng::Rng::new(3);
    let n = TF_BATCH * BATCHES;
    let ids: Vec<f32> = (0..n * TF_SEQ)
        .map(|_| (1 + rng.below(TF_VOCAB - 1)) as f32)
        .collect();
    let labels: Vec<u32> = (0..n).map(|_| rng.below(2) as u32).collect();
    let dev = candle_core::Device::Cpu;
    let x = candle_core::Tensor::from_vec(ids, (n, TF_SEQ), &dev).unwrap();
    let y = candle_core::Tensor::from_vec(labels, n, &dev).unwrap();
    let t = ladder_stdlib::Tensor;
    Dataset::new("tokens", t(x), Some(t(y)), None, 2).unwrap()
}

/// Milliseconds per `fit` step of the transformer (after a warm-up epoch), on `threads`
/// threads: the library's products follow the setting, candle's own (attention) the pool.
fn transformer_ms(d: &Dataset, threads: usize) -> f64 {
    let spec = NetworkSpec {
        kind: "transformer".into(),
        layers: vec![
            LayerSpec::TransformerEncoder(transformer_spec()),
            LayerSpec::Linear {
                inputs: 64,
                outputs: 2,
                bias: true,
                zero_init: false,
            },
        ],
        seed: 0,
        precision: Default::default(),
    };
    let net = Network::new(spec, &candle_core::Device::Cpu).unwrap();
    let cfg = |epochs| FitConfig {
        epochs,
        batch_size: TF_BATCH,
        lr: 1e-3,
        ..FitConfig::default()
    };
    threads::with_threads(threads, || {
        fit(&net, d, &cfg(1), &mut Silent).unwrap();
        let start = Instant::now();
        let h = fit(&net, d, &cfg(TF_STEPS / BATCHES), &mut Silent).unwrap();
        start.elapsed().as_secs_f64() * 1000.0 / h.steps() as f64
    })
}

/// Interleaved rounds of candle and PyTorch measurements; figures are their medians.
const ROUNDS: usize = 5;

/// Milliseconds per `fit` step (after a warm-up epoch).
fn fit_ms(d: &Dataset) -> f64 {
    let net = Network::mlp(&[64, 256, 256, 2], Activation::Relu, 0.0, false, 0).unwrap();
    fit(&net, d, &cfg(2), &mut Silent).unwrap();
    let start = Instant::now();
    let h = fit(&net, d, &cfg(EPOCHS), &mut Silent).unwrap();
    start.elapsed().as_secs_f64() * 1000.0 / h.steps() as f64
}

/// The library's `matmul` (what Rhai's `matmul` runs), f32 1024³.
fn matmul_gflops() -> f64 {
    let t = |seed| ladder_stdlib::tensor::build::randn(&[1024, 1024], seed).unwrap();
    let (a, b) = (t(1), t(2));
    let mm = || ladder_stdlib::tensor::ops::matmul(&a, &b).unwrap();
    let _ = mm();
    let reps = 20;
    let start = Instant::now();
    for _ in 0..reps {
        let _ = mm();
    }
    2.0 * 1024f64.powi(3) * reps as f64 / start.elapsed().as_secs_f64() / 1e9
}

/// Runs `f` while another thread spins, as when the machine is shared.
fn loaded<T>(f: impl FnOnce() -> T) -> T {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let spinner = std::thread::spawn(move || {
        let mut x = 0u64;
        while !s.load(Ordering::Relaxed) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        x
    });
    let r = f();
    stop.store(true, Ordering::Relaxed);
    let _ = spinner.join();
    r
}

/// ms/step of the same training as `fit`, written as a loop in Rhai, and of `fit` itself
/// called from Rhai, in one session.
fn rhai_loop_vs_fit() -> (f64, f64) {
    let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
    s.execute(&format!(
        "let x = randn([{n}, 64], 0); let y = (x.slice(1, 0, 1).flatten() >= 0.0).to(\"i64\"); let d = dataset(x, y);",
        n = BATCH * BATCHES
    ))
    .unwrap();
    let run_loop = |s: &mut Session| {
        let start = Instant::now();
        s.execute(&format!(
            "let m = mlp([64, 256, 256, 2]); let opt = optimizer(m, #{{lr: 1e-3}});
             for epoch in 0..{EPOCHS} {{ for b in batches(d, {BATCH}, epoch) {{ opt.step(cross_entropy(forward(m, b.x, true), b.y)); }} }}"
        ))
        .unwrap();
        start.elapsed().as_secs_f64() * 1000.0 / (EPOCHS * BATCHES) as f64
    };
    let run_fit = |s: &mut Session| {
        let start = Instant::now();
        s.execute(&format!("let m = mlp([64, 256, 256, 2]); fit(m, d, #{{epochs: {EPOCHS}, batch_size: {BATCH}, progress: false}});")).unwrap();
        start.elapsed().as_secs_f64() * 1000.0 / (EPOCHS * BATCHES) as f64
    };
    run_fit(&mut s);
    // Interleave and keep the best of five, so a noisy neighbour hurts both alike.
    let (mut l, mut f) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        l = l.min(run_loop(&mut s));
        f = f.min(run_fit(&mut s));
    }
    (l, f)
}

fn torch_python() -> Option<String> {
    if let Ok(p) = std::env::var("LADDER_TORCH_PYTHON") {
        return Some(p);
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let venv = root.join("target-stdlib/venv-torch/bin/python");
    venv.exists().then(|| venv.display().to_string())
}

fn torch(threads: usize) -> Option<HashMap<String, String>> {
    torch_with(threads, &["--transformer", &torch_transformer_arg()])
}

/// The PyTorch reference at `threads` threads with extra arguments, as `key=value` pairs.
fn torch_with(threads: usize, extra: &[&str]) -> Option<HashMap<String, String>> {
    let py = torch_python()?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch_reference.py");
    let out = Command::new(py)
        .arg(script)
        .args(["--threads", &threads.to_string()])
        .args(extra)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "torch reference failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
    )
}

/// Pairs the `--matmul` mode takes at each thread count.
const MATMUL_PAIRS: usize = 30;

/// PyTorch kept running at `threads` threads, measuring its 1024³ matmul each time it is asked.
fn torch_matmul(threads: usize) -> Option<KeptRunning> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch_reference.py");
    let mut command = Command::new(torch_python()?);
    command
        .arg(script)
        .args(["--threads", &threads.to_string(), "--matmul-serve"]);
    KeptRunning::start(command)
}

/// Mean ms per phase of a training step (forward, loss, backward, optimiser) over `steps`
/// steps after a warm-up, at the current thread setting.
fn phases(d: &Dataset, steps: usize) -> [f64; 4] {
    use ladder_stdlib::loss;
    use ladder_stdlib::optim::{Kind, Optimizer};
    let net = Network::mlp(&[64, 256, 256, 2], Activation::Relu, 0.0, false, 0).unwrap();
    let mut opt = Optimizer::new(Kind::by_name("adamw").unwrap(), net.vars(), 1e-3).unwrap();
    let y = d.y.as_ref().unwrap().0.clone();
    let mut t = [0.0f64; 4];
    for i in 0..steps + 20 {
        let s = (i % BATCHES) * BATCH;
        let (x, y) = (
            d.x.narrow(0, s, BATCH).unwrap(),
            y.narrow(0, s, BATCH).unwrap(),
        );
        let t0 = Instant::now();
        let logits = net.forward_with(&x, None).unwrap();
        let t1 = Instant::now();
        let l = loss::reduce(&loss::cross_entropy(&logits, &y).unwrap(), None).unwrap();
        let _ = l.to_scalar::<f32>().unwrap();
        let t2 = Instant::now();
        let g = l.backward().unwrap();
        let t3 = Instant::now();
        opt.step(&g).unwrap();
        let t4 = Instant::now();
        if i >= 20 {
            for (acc, (a, b)) in t.iter_mut().zip([(t0, t1), (t1, t2), (t2, t3), (t3, t4)]) {
                *acc += (b - a).as_secs_f64() * 1000.0 / steps as f64;
            }
        }
    }
    t
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes harness-less benches with --list
    }
    threads::init_process();
    println!("{}", ladder_stdlib::machine::describe());
    // `--profile N`: only N fit steps at the current setting (for callgrind / perf).
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let steps: usize = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(40);
        let d = data();
        let net = Network::mlp(&[64, 256, 256, 2], Activation::Relu, 0.0, false, 0).unwrap();
        let start = Instant::now();
        let h = fit(&net, &d, &cfg(steps.div_ceil(BATCHES)), &mut Silent).unwrap();
        println!(
            "{} steps, {:.3} ms/step",
            h.steps(),
            start.elapsed().as_secs_f64() * 1000.0 / h.steps() as f64
        );
        return;
    }
    // `--profile-rhai N`: only N epochs of the training loop written in Rhai.
    if let Some(i) = args.iter().position(|a| a == "--profile-rhai") {
        let epochs: usize = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(5);
        let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
        s.execute(&format!(
            "let x = randn([{n}, 64], 0); let y = (x.slice(1, 0, 1).flatten() >= 0.0).to(\"i64\"); let d = dataset(x, y);
             let m = mlp([64, 256, 256, 2]); let opt = optimizer(m, #{{lr: 1e-3}});
             for epoch in 0..{epochs} {{ for b in batches(d, {BATCH}, epoch) {{ opt.step(cross_entropy(forward(m, b.x, true), b.y)); }} }}",
            n = BATCH * BATCHES
        ))
        .unwrap();
        return;
    }
    if args.iter().any(|a| a == "--phases") {
        let d = data();
        for t in [1, 2] {
            threads::set_threads(t).expect("a thread count the machine takes");
            for _ in 0..3 {
                let p = phases(&d, 200);
                println!("{t} thr: forward {:.3} loss {:.3} backward {:.3} optimiser {:.3} ms (sum {:.3})", p[0], p[1], p[2], p[3], p.iter().sum::<f64>());
            }
        }
        return;
    }
    // `--profile-transformer T`: only the transformer's fit steps on T threads (for perf).
    if let Some(i) = args.iter().position(|a| a == "--profile-transformer") {
        let t: usize = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(1);
        threads::set_threads(t).expect("a thread count the machine takes");
        println!("{:.2} ms/step", transformer_ms(&transformer_data(), t));
        return;
    }
    // `--transformer`: only the transformer step against PyTorch, at 1 and 2 threads.
    if args.iter().any(|a| a == "--transformer") {
        let td = transformer_data();
        for t in [1, 2] {
            threads::set_threads(t).expect("a thread count the machine takes");
            let (mut ours, mut theirs) = (vec![], vec![]);
            for _ in 0..ROUNDS {
                ours.push(transformer_ms(&td, t));
                let r = torch(t).and_then(|r| r.get("transformer_ms")?.parse::<f64>().ok());
                theirs.extend(r);
            }
            let (o, p) = (median(ours).unwrap(), median(theirs));
            let ratio = p.map_or("n/a".into(), |p| format!("{:.2}x", p / o));
            let p = p.map_or("n/a".into(), |p| format!("{p:.2}"));
            println!("transformer ms/step, {t} thr: ladder {o:.2}, pytorch {p}: {ratio}");
        }
        return;
    }
    // `--matmul`: only the 1024³ matmul, each figure paired with one of PyTorch's taken right
    // beside it (a kept-running reference process), so that a host whose speed drifts from
    // second to second moves both sides of a pair alike.
    if args.iter().any(|a| a == "--matmul") {
        for t in [1, 2] {
            threads::set_threads(t).expect("a thread count the machine takes");
            let mut torch = torch_matmul(t);
            let pairs::Pairs {
                ours,
                theirs,
                ratios,
            } = paired(MATMUL_PAIRS, matmul_gflops, || {
                torch.as_mut().and_then(|p| p.ask("go"))
            });
            drop(torch);
            let list = |v: &[f64], digits: usize| {
                v.iter()
                    .map(|x| format!("{x:.digits$}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            println!(
                "  {t} thr pairs: ladder {}; pytorch {}; ratios {}",
                list(&ours, 0),
                list(&theirs, 0),
                list(&ratios, 2)
            );
            let best = |v: &[f64]| v.iter().cloned().fold(f64::NAN, f64::max);
            let (ob, pb) = (best(&ours), best(&theirs));
            let (o, p) = (median(ours).unwrap(), median(theirs));
            let ratio = median(ratios).map_or("n/a".into(), |r| format!("{r:.2}x"));
            let p = p.map_or("n/a".into(), |p| format!("{p:.1}"));
            println!("matmul GFLOP/s, {t} thr: ladder {o:.1} (best {ob:.1}), pytorch {p} (best {pb:.1}); median of the pairs' ratios {ratio}");
        }
        return;
    }
    let d = data();
    let td = transformer_data();
    println!(
        "ladder-stdlib training benchmark ({} cores; medians of {ROUNDS} interleaved rounds; ms/step: lower is better)",
        threads::cores()
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "measure", "candle", "pytorch", "ratio"
    );
    for t in [1, 2] {
        threads::set_threads(t).expect("a thread count the machine takes");
        // Rounds alternate candle and PyTorch so a noisy neighbour hurts both alike; medians.
        let (mut ms, mut gf, mut tf) = (vec![], vec![], vec![]);
        let (mut tms, mut tgf, mut ttf) = (vec![], vec![], vec![]);
        for _ in 0..ROUNDS {
            ms.push(fit_ms(&d));
            gf.push(matmul_gflops());
            tf.push(transformer_ms(&td, t));
            if let Some(r) = torch(t) {
                let get = |k: &str| r.get(k).and_then(|v| v.parse::<f64>().ok());
                tms.extend(get("mlp_ms"));
                tgf.extend(get("matmul_gflops"));
                ttf.extend(get("transformer_ms"));
            }
        }
        let (ms, gf, tf) = (
            median(ms).unwrap(),
            median(gf).unwrap(),
            median(tf).unwrap(),
        );
        let (tms, tgf, ttf) = (median(tms), median(tgf), median(ttf));
        let tv = |k: &str| match k {
            "mlp_ms" => tms,
            "transformer_ms" => ttf,
            _ => tgf,
        };
        let row = |name: String, ours: f64, theirs: Option<f64>, lower_better: bool| match theirs {
            Some(p) => println!(
                "{name:<44} {ours:>10.3} {p:>10.3} {:>7.2}x",
                if lower_better { p / ours } else { ours / p }
            ),
            None => println!("{name:<44} {ours:>10.3} {:>10} {:>8}", "n/a", ""),
        };
        row(
            format!("MLP 64-256-256-2 b256 AdamW ms/step, {t} thr"),
            ms,
            tv("mlp_ms"),
            true,
        );
        row(
            format!("matmul f32 1024^3 GFLOP/s, {t} thr"),
            gf,
            tv("matmul_gflops"),
            false,
        );
        row(
            format!("transformer b{TF_BATCH}x{TF_SEQ} AdamW ms/step, {t} thr"),
            tf,
            tv("transformer_ms"),
            true,
        );
        let busy = loaded(|| fit_ms(&d));
        row(
            format!("  same MLP with a busy thread, {t} thr"),
            busy,
            None,
            true,
        );
    }
    threads::set_threads(0).expect("a thread count the machine takes");
    println!("(ratio = pytorch time / candle time, or candle GFLOP/s / pytorch GFLOP/s: above 1 means candle is faster)");
    let auto = fit_ms(&d);
    println!(
        "MLP ms/step under the default policy (auto: {} thread(s) for this model): {auto:.3}",
        threads::threads_for(BATCH * 256 * 256)
    );
    let (looped, fitted) = rhai_loop_vs_fit();
    println!(
        "Rhai training loop {looped:.3} ms/step vs fit {fitted:.3} ms/step: overhead {:+.1}%",
        (looped / fitted - 1.0) * 100.0
    );
}
