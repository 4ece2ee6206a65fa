//! A memory guard: a runaway cell (an array doubled in a loop, a map that never stops
//! growing, tensors piling up) is stopped with a `LimitExceeded` error once the process
//! holds more than `max_memory` bytes, before the system's out-of-memory killer ends it.
//!
//! Rhai's own size limits walk the whole value after every change (pushing n elements
//! costs O(n²) with them on), so they are off by default and this guard counts what is
//! allocated instead: binaries install [`CountingAllocator`] as their global allocator and
//! the engine's progress callback compares the count with the limit before each operation.
//! Without the allocator installed the guard does nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What the progress callback stops a cell with when memory runs over the limit.
pub const EXCEEDED: &str = "memory limit exceeded";

static LIVE: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The running session's `max_memory` (0: no limit), set when a cell starts.
    static MAX: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the bytes it holds. Install it in a binary with
/// `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
            INSTALLED.store(true, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
            INSTALLED.store(true, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            if new_size > layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

/// Bytes held through [`CountingAllocator`], when it is the global allocator.
pub fn live_bytes() -> Option<usize> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| LIVE.load(Ordering::Relaxed))
}

/// Set the limit the current thread's cells run under (0: none).
pub(crate) fn set_limit(max: u64) {
    MAX.with(|m| m.set(usize::try_from(max).unwrap_or(usize::MAX)));
}

/// Whether the process holds more than the running session allows.
pub(crate) fn over_limit() -> bool {
    let max = MAX.with(Cell::get);
    max > 0 && LIVE.load(Ordering::Relaxed) > max
}

/// Refuse, before allocating, a request that alone would take the process over the
/// running session's limit (`blob(1_000_000_000_000)` would otherwise abort the process:
/// Rust cannot recover from a failed allocation).
pub(crate) fn check_request(bytes: usize, what: &str) -> Result<(), Box<rhai::EvalAltResult>> {
    let max = MAX.with(Cell::get);
    if max > 0 && LIVE.load(Ordering::Relaxed).saturating_add(bytes) > max {
        return Err(rhai::EvalAltResult::ErrorDataTooLarge(
            format!("{what} (max_memory)"),
            rhai::Position::NONE,
        )
        .into());
    }
    Ok(())
}

/// A default for `max_memory`: three quarters of the machine's memory (0 when unknown).
/// Read once per process: every new session asks, and a restart should not cost a file read.
pub fn default_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|info| {
                let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib * 1024 / 4 * 3)
            })
            .unwrap_or(0)
    })
}
