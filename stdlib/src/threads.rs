//! CPU threading policy for matrix products.
//!
//! The library's own products (every 2-D f32 CPU product: linear layers forward and backward,
//! `matmul`) call gemm directly and pass it the thread count as its `Parallelism`, chosen per
//! product here; nothing reads or writes the process environment after start-up. Measured on a
//! 2-core machine (`cargo bench -p ladder-stdlib --bench training`): the products of a small
//! model (MLP 64→256→256→2, batch 256) gain little from a second thread and stall when a
//! neighbour keeps the cores busy, while 1024³ products are ~1.7–1.9× faster on two cores. So
//! the default policy, `auto`, uses one thread unless a product has at least [`AUTO_MIN_MACS`]
//! multiply-adds, then every core; `set_threads(n)` pins a count (0 returns to auto).
//!
//! Products that still go through candle's own matmul (batched 3-D+ products such as
//! attention scores) follow candle's rule instead: `RAYON_NUM_THREADS` when the user set it
//! before start-up, else every physical core, with gemm's own size threshold; their work is
//! split over the rayon pool they run in, which [`with_threads`] chooses.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Products at least this large (m·n·k multiply-adds) use every core under `auto`.
pub const AUTO_MIN_MACS: usize = 1 << 26;

/// 0 = auto; otherwise a fixed thread count.
static SETTING: AtomicUsize = AtomicUsize::new(0);

static DEFAULT_APPLIED: AtomicBool = AtomicBool::new(false);

/// Pin the thread count for the library's products (0 = auto), at most [`most_threads`].
/// Takes effect at the next product, on every thread.
pub fn set_threads(n: usize) -> crate::error::Result<()> {
    if n > most_threads() {
        return Err(out_of_range(n));
    }
    SETTING.store(n, Ordering::Relaxed);
    Ok(())
}

/// The error for a thread count `set_threads` does not take (a script may also give a
/// negative one).
pub fn out_of_range(n: impl std::fmt::Display) -> crate::error::Error {
    crate::error::Error::options(format!(
        "set_threads({n}): give 0 (auto) or 1 to {} threads (this machine has {} cores; more \
         than 4 threads a core only wait for each other)",
        most_threads(),
        cores()
    ))
}

/// Apply the policy once at start-up: a `RAYON_NUM_THREADS` the user set pins that count;
/// otherwise auto. Reads the environment, never writes it.
pub fn apply_default() {
    if DEFAULT_APPLIED.swap(true, Ordering::Relaxed) {
        return;
    }
    let pinned = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    SETTING.store(pinned, Ordering::Relaxed);
}

/// Call first thing in `main`, before any other thread exists (changing the environment is
/// only sound then): sets the heap policy ([`crate::heap`]) and, unless the user set
/// `CANDLE_NUM_THREADS` or `RAYON_NUM_THREADS`, `CANDLE_NUM_THREADS=1`. candle sizes its pool
/// for large element-wise ops from these once, at first use; its workers spin-wait for each
/// other, and on a shared machine a descheduled worker stalls every op (measured: an MLP step went from ~1 ms to 8–15 ms of mostly spinning).
pub fn init_process() {
    crate::heap::init_process();
    let set = |k| std::env::var_os(k).is_some();
    if !set("CANDLE_NUM_THREADS") && !set("RAYON_NUM_THREADS") {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}

/// The current setting (0 = auto).
pub fn setting() -> usize {
    SETTING.load(Ordering::Relaxed)
}

/// The most threads `set_threads` takes: a few per core can still help where a product
/// waits on memory; far more only build pools of idle threads (100,000 hung the session).
pub fn most_threads() -> usize {
    4 * cores()
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

thread_local! {
    /// Set while this thread runs one of several independent pieces of work that a caller
    /// spread over the cores itself (see [`on_this_thread`]).
    static THIS_THREAD_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every product and kernel it starts kept on the calling thread: for callers
/// that spread independent pieces of work (an encoder's sub-batches) over the cores
/// themselves, which scales better than splitting each medium-sized product in two.
pub fn on_this_thread<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            THIS_THREAD_ONLY.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(THIS_THREAD_ONLY.with(|c| c.replace(true)));
    f()
}

/// Rows each core's piece needs before a pass of independent rows (an encoder's or a
/// decoder's features) is dealt out to the cores with [`deal`].
pub const MIN_ROWS_PER_CORE: usize = 2;

/// `items` dealt out in turn to `threads` pieces when each piece gets at least `min_each`
/// (items sorted by size give pieces of like size); otherwise one piece holding them all.
pub fn deal<T: Copy>(items: &[T], threads: usize, min_each: usize) -> Vec<Vec<T>> {
    if threads < 2 || items.len() < threads * min_each.max(1) {
        return vec![items.to_vec()];
    }
    (0..threads)
        .map(|t| items.iter().skip(t).step_by(threads).copied().collect())
        .collect()
}

/// `f` over `pieces` of independent work, in order: several pieces each on a thread of its
/// own with its products kept there ([`on_this_thread`]); a single piece on `threads`
/// threads. Whole passes per core scale better than each medium-sized product split between
/// the cores (all-MiniLM-L6-v2, batch 32, two cores: 1.7× one core's speed split, 1.96×
/// dealt out). `f` runs on a pool's thread: no session context (interrupt checks, displays).
pub fn on_own_threads<P: Sync, T: Send>(
    threads: usize,
    pieces: &[P],
    f: impl Fn(&P) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    if pieces.len() < 2 {
        return pieces
            .iter()
            .map(|p| with_threads(threads, || f(p)))
            .collect();
    }
    with_threads(pieces.len(), || {
        pieces.par_iter().map(|p| on_this_thread(|| f(p))).collect()
    })
}

fn this_thread_only() -> bool {
    THIS_THREAD_ONLY.with(|c| c.get())
}

/// Threads for a product of `macs` multiply-adds.
pub fn threads_for(macs: usize) -> usize {
    if this_thread_only() {
        return 1;
    }
    match setting() {
        0 if macs >= AUTO_MIN_MACS => cores(),
        0 => 1,
        n => n,
    }
}

/// Runs `f` (work on candle's own kernels, e.g. a text encoder's forward pass) in a rayon pool
/// of `threads` threads, so candle's gemm calls split their work over that many threads and no
/// more, without touching the environment. `f` runs on the pool's thread: it must not use the
/// session's thread-local context (interrupt checks, displays).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    use std::collections::HashMap;
    if this_thread_only() {
        // Already one of several pieces on a pool's thread: another pool would serialise them.
        return f();
    }
    use std::sync::{Arc, Mutex, OnceLock};
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let threads = threads.max(1);
    let pool = {
        let mut pools = POOLS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match pools.get(&threads) {
            Some(p) => Some(p.clone()),
            None => rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(move |i| format!("ladder-{threads}t-{i}"))
                .build()
                .ok()
                .map(|p| pools.entry(threads).or_insert(Arc::new(p)).clone()),
        }
    };
    match pool {
        Some(p) => p.install(f),
        // A pool that cannot start (no threads left): run here, on rayon's global pool.
        None => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_uses_one_thread_for_small_products_and_every_core_for_large_ones() {
        // The only test that changes the setting (tests run in parallel threads).
        set_threads(0).unwrap();
        assert_eq!(threads_for(256 * 256 * 256), 1);
        assert_eq!(threads_for(1024 * 1024 * 1024), cores());
        set_threads(3).unwrap();
        assert_eq!(threads_for(1), 3);
        // Past the bound nothing changes (a pool of 100,000 threads hung the session).
        assert!(set_threads(most_threads() + 1).is_err());
        assert_eq!(setting(), 3);
        set_threads(0).unwrap();
    }

    #[test]
    fn items_are_dealt_out_in_turn_when_each_piece_gets_enough() {
        assert_eq!(deal(&[1, 2, 3, 4, 5], 2, 2), [vec![1, 3, 5], vec![2, 4]]);
        assert_eq!(deal(&[1, 2, 3], 2, 2), [vec![1, 2, 3]]);
        assert_eq!(deal(&[1, 2, 3, 4], 1, 1), [vec![1, 2, 3, 4]]);
        let doubled = on_own_threads(2, &deal(&[1, 2, 3, 4], 2, 2), |p: &Vec<i32>| {
            assert_eq!(
                threads_for(1 << 40),
                1,
                "each piece's products stay on its thread"
            );
            p.iter().map(|v| v * 2).collect::<Vec<_>>()
        });
        assert_eq!(doubled, [vec![2, 6], vec![4, 8]]);
    }

    #[test]
    fn work_on_this_thread_keeps_its_products_and_pools_here() {
        let caller = std::thread::current().id();
        on_this_thread(|| {
            assert_eq!(threads_for(1 << 40), 1);
            assert_eq!(with_threads(4, || std::thread::current().id()), caller);
        });
        assert!(!this_thread_only());
        // A panic inside (caught by the caller) does not leave the thread pinned.
        let _ = std::panic::catch_unwind(|| on_this_thread(|| panic!("inside")));
        assert!(!this_thread_only());
    }

    #[test]
    fn with_threads_runs_candle_products_in_a_pool_of_that_size() {
        use candle_core::{Device, Tensor};
        let a = Tensor::arange(0f32, 600.0 * 700.0, &Device::Cpu)
            .unwrap()
            .reshape((600, 700))
            .unwrap()
            .affine(1e-7, 0.0)
            .unwrap();
        let plain = a.matmul(&a.t().unwrap()).unwrap();
        for n in [1, 2] {
            let (inside, product) = with_threads(n, || {
                (rayon::current_num_threads(), a.matmul(&a.t().unwrap()))
            });
            assert_eq!(inside, n);
            let diff = (product.unwrap() - &plain)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(diff < 1e-5, "{n} threads: differs by {diff}");
        }
    }
}
