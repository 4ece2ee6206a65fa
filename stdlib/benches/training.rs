//! Training and matmul throughput of the ML core, with PyTorch CPU measured in the same run
//! at the same thread count when it is available. Prints figures and ratios; asserts nothing.
//!
//!     cargo bench -p ladder-stdlib --bench training
//!
//! PyTorch: set LADDER_TORCH_PYTHON to a Python with torch, or create the venv
//! `target-stdlib/venv-torch` (`python3 -m venv target-stdlib/venv-torch &&
//! target-stdlib/venv-torch/bin/pip install torch numpy`; several GB: benchmarks only).
//! Figures: MLP 64→256→256→2, batch 256, AdamW, ms/step at 1 and 2 threads (also with a busy
//! thread competing for the cores); f32 matmul 1024³ GFLOP/s; a training loop in Rhai vs `fit`.

use candle_core::{DType, Device, Tensor};
use ladder_scripting::{NullFrontend, Session};
use ladder_stdlib::data::Dataset;
use ladder_stdlib::nn::layers::Activation;
use ladder_stdlib::train::{fit, FitConfig, Silent};
use ladder_stdlib::{threads, Network};
use std::collections::HashMap;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

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

/// Milliseconds per `fit` step (after a warm-up epoch).
fn fit_ms(d: &Dataset) -> f64 {
    let net = Network::mlp(&[64, 256, 256, 2], Activation::Relu, 0.0, false, 0).unwrap();
    fit(&net, d, &cfg(2), &mut Silent).unwrap();
    let start = Instant::now();
    let h = fit(&net, d, &cfg(EPOCHS), &mut Silent).unwrap();
    start.elapsed().as_secs_f64() * 1000.0 / h.steps() as f64
}

fn matmul_gflops() -> f64 {
    let a = Tensor::randn(0f32, 1.0, (1024, 1024), &Device::Cpu).unwrap();
    let b = Tensor::randn(0f32, 1.0, (1024, 1024), &Device::Cpu).unwrap();
    let _ = a.matmul(&b).unwrap();
    let reps = 20;
    let start = Instant::now();
    for _ in 0..reps {
        let _ = a.matmul(&b).unwrap();
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
    // Interleave and keep the best of three, so a noisy neighbour hurts both alike.
    let (mut l, mut f) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
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
    let py = torch_python()?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch_reference.py");
    let out = Command::new(py)
        .arg(script)
        .args(["--threads", &threads.to_string()])
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes harness-less benches with --list
    }
    let d = data();
    println!(
        "ladder-stdlib training benchmark ({} cores; best figures are ms/step, lower is better)",
        threads::cores()
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "measure", "candle", "pytorch", "ratio"
    );
    for t in [1, 2] {
        threads::set_threads(t);
        let _g = threads::ThreadGuard::new(t);
        let ms = fit_ms(&d).min(fit_ms(&d));
        let gf = matmul_gflops().max(matmul_gflops());
        let reference = torch(t);
        let tv = |k: &str| {
            reference
                .as_ref()
                .and_then(|r| r.get(k))
                .and_then(|v| v.parse::<f64>().ok())
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
        let busy = loaded(|| fit_ms(&d));
        row(
            format!("  same MLP with a busy thread, {t} thr"),
            busy,
            None,
            true,
        );
    }
    threads::set_threads(0);
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
