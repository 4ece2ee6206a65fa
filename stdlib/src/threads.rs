//! CPU threading policy for candle's matmul (the only multi-threaded CPU kernel it uses here).
//!
//! candle reads `RAYON_NUM_THREADS` on every matmul, so the thread count can be chosen per
//! operation. Measured on a 2-core machine (CRATES.md, and `cargo bench -p ladder-stdlib`):
//! small models (MLP 64→256→256→2, batch 256) are no faster on 2 threads than on 1, and on
//! a busy machine 2-thread steps collapse (10–30 ms instead of ~3 ms) while 1 thread holds;
//! large products (1024³) are ~1.7–1.9× faster on 2 threads. So the default policy, `auto`,
//! uses one thread unless the largest product of the work is at least [`AUTO_MIN_MACS`]
//! multiply-adds, then every core. `set_threads(n)` pins a count (0 returns to auto).

use crate::nn::layers::LayerSpec;
use crate::nn::network::Network;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Products at least this large (m·n·k multiply-adds) use every core under `auto`.
pub const AUTO_MIN_MACS: usize = 1 << 26;

/// 0 = auto; otherwise a fixed thread count.
static SETTING: AtomicUsize = AtomicUsize::new(0);

/// Pin the thread count (0 = auto). Outside the guarded operations (`fit`, `matmul`,
/// `forward`, predictions) candle then uses the pinned count, or one thread under auto, so a
/// training loop written in Rhai (whose backward pass runs in `step`) follows the same policy.
pub fn set_threads(n: usize) {
    SETTING.store(n, Ordering::Relaxed);
    std::env::set_var("RAYON_NUM_THREADS", n.max(1).to_string());
}

/// Apply the policy once at start-up: a `RAYON_NUM_THREADS` the user set pins that count;
/// otherwise auto.
pub fn apply_default() {
    if DEFAULT_APPLIED.swap(true, Ordering::Relaxed) {
        return;
    }
    match std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) if n > 0 => SETTING.store(n, Ordering::Relaxed),
        _ => set_threads(0),
    }
}

static DEFAULT_APPLIED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The current setting (0 = auto).
pub fn setting() -> usize {
    SETTING.load(Ordering::Relaxed)
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Threads for work whose largest product has `macs` multiply-adds.
pub fn threads_for(macs: usize) -> usize {
    match setting() {
        0 if macs >= AUTO_MIN_MACS => cores(),
        0 => 1,
        n => n,
    }
}

/// Sets `RAYON_NUM_THREADS` for as long as it lives, then restores the previous value.
pub struct ThreadGuard {
    previous: Option<std::ffi::OsString>,
}

impl ThreadGuard {
    pub fn new(threads: usize) -> ThreadGuard {
        let previous = std::env::var_os("RAYON_NUM_THREADS");
        std::env::set_var("RAYON_NUM_THREADS", threads.max(1).to_string());
        ThreadGuard { previous }
    }
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        match self.previous.take() {
            Some(v) => std::env::set_var("RAYON_NUM_THREADS", v),
            None => std::env::remove_var("RAYON_NUM_THREADS"),
        }
    }
}

/// The guard for one matmul of (m × k) · (k × n).
pub fn for_matmul(m: usize, k: usize, n: usize) -> ThreadGuard {
    ThreadGuard::new(threads_for(m.saturating_mul(k).saturating_mul(n)))
}

/// The guard for training or running a network on batches of `batch` rows.
pub fn for_network(net: &Network, batch: usize) -> ThreadGuard {
    let macs = net
        .spec
        .layers
        .iter()
        .map(|l| match l {
            LayerSpec::Linear {
                inputs, outputs, ..
            } => batch.saturating_mul(*inputs).saturating_mul(*outputs),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    ThreadGuard::new(threads_for(macs))
}
