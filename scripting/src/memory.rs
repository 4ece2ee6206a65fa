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
/// The most the process has held since [`reset_peak`].
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The largest single allocation or growth the script's own values made (Rhai strings,
/// arrays and maps, not library calls) since the running cell started. Runaway values grow
/// by doubling, and one Rhai operation such as `b += b` copies and grows the value at once,
/// so the next operation can allocate up to four times this: the guard stops a cell before
/// that would pass the limit, instead of after (a loop of `b += b` would otherwise end at up
/// to three times the limit). Library calls check their sizes exactly beforehand (see
/// [`over_budget`]) and are not counted here, so big tensors do not stop a cell early.
static GROWTH: AtomicUsize = AtomicUsize::new(0);
/// How many times [`GROWTH`] the next operation may allocate.
const NEXT_GROWTH_FACTOR: usize = 4;
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The running session's `max_memory` (0: no limit), set when a cell starts.
    static MAX: Cell<usize> = const { Cell::new(0) };
    /// Whether this thread's allocations are the script's own values: true on the session
    /// thread while a cell runs, false inside library calls and on every other thread.
    static SCRIPT_VALUES: Cell<bool> = const { Cell::new(false) };
}

/// The system allocator, counting the bytes it holds. Install it in a binary with
/// `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            held_more(layout.size());
            note_growth(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            held_more(layout.size());
            note_growth(layout.size());
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
                held_more(new_size - layout.size());
                note_growth(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

fn note_growth(bytes: usize) {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    if SCRIPT_VALUES.try_with(Cell::get).unwrap_or(false) {
        GROWTH.fetch_max(bytes, Ordering::Relaxed);
    }
}

/// While alive, this thread's allocations are a library call's, not the script's values
/// (the standard library's bindings hold one for the length of each call).
pub struct LibraryCall {
    was_script: bool,
}

/// Mark the rest of this scope as a library call (see [`LibraryCall`]).
pub fn library_call() -> LibraryCall {
    LibraryCall {
        was_script: SCRIPT_VALUES.with(|s| s.replace(false)),
    }
}

impl Drop for LibraryCall {
    fn drop(&mut self) {
        SCRIPT_VALUES.with(|s| s.set(self.was_script));
    }
}

fn held_more(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
    INSTALLED.store(true, Ordering::Relaxed);
}

/// The most the process has held since the last [`reset_peak`] (with the allocator
/// installed), for tests and benchmarks of the guard.
pub fn peak_bytes() -> Option<usize> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| PEAK.load(Ordering::Relaxed))
}

/// Start a new [`peak_bytes`] measurement from what the process holds now.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Bytes held through [`CountingAllocator`], when it is the global allocator.
pub fn live_bytes() -> Option<usize> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| LIVE.load(Ordering::Relaxed))
}

/// Set the limit the current thread's cells run under (0: none). A cell starts here: from
/// now on this thread's allocations count as the script's values.
pub(crate) fn set_limit(max: u64) {
    MAX.with(|m| m.set(usize::try_from(max).unwrap_or(usize::MAX)));
    GROWTH.store(0, Ordering::Relaxed);
    SCRIPT_VALUES.with(|s| s.set(true));
}

/// Whether the process holds more than the running session allows, or could after the
/// next operation grows the cell's biggest value again.
pub(crate) fn over_limit() -> bool {
    let max = MAX.with(Cell::get);
    let next = GROWTH
        .load(Ordering::Relaxed)
        .saturating_mul(NEXT_GROWTH_FACTOR);
    max > 0 && LIVE.load(Ordering::Relaxed).saturating_add(next) > max
}

/// The running cell's memory budget, as an allocation on the script's behalf found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// `max_memory`, in bytes.
    pub limit: usize,
    /// Bytes the process already held.
    pub held: usize,
}

/// The budget a request of `bytes` would break: `Some` when it alone would take the process
/// over the running session's `max_memory`. Rust cannot recover from a failed allocation
/// (`zeros([200000, 200000])` would abort the process and lose the session), so every
/// allocation whose size the script chooses asks first.
pub fn over_budget(bytes: usize) -> Option<Budget> {
    let limit = MAX.with(Cell::get);
    let held = LIVE.load(Ordering::Relaxed);
    (limit > 0 && held.saturating_add(bytes) > limit).then_some(Budget { limit, held })
}

/// A byte count for people: `149.0 GiB`, `512.0 MiB`, `12 bytes`.
pub fn human(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The message of a refused allocation: what it was for, what it needed and the budget.
/// It names `max_memory`, which is how the session's error report recognises it.
pub fn refusal(what: &str, bytes: usize, budget: Budget) -> String {
    format!(
        "{what} needs {}, more than max_memory allows ({} limit, {} already in use); \
         raise it with %limit max_memory if the machine has the room",
        human(bytes),
        human(budget.limit),
        human(budget.held)
    )
}

/// Refuse, before allocating, a request that alone would take the process over the
/// running session's limit (`blob(1_000_000_000_000)`), as a `LimitExceeded` error.
pub(crate) fn check_request(bytes: usize, what: &str) -> Result<(), Box<rhai::EvalAltResult>> {
    match over_budget(bytes) {
        Some(budget) => Err(refused(refusal(what, bytes, budget))),
        None => Ok(()),
    }
}

/// A refused allocation as an error: nothing was allocated, so a script's `try`/`catch` may
/// catch it and go on (as Python's `MemoryError`); uncaught, the session reports it as
/// `LimitExceeded` ([`is_refusal`]). `message` names max_memory, as [`refusal`]'s do.
pub fn refused(message: String) -> Box<rhai::EvalAltResult> {
    rhai::EvalAltResult::ErrorRuntime(message.into(), rhai::Position::NONE).into()
}

/// Whether a thrown value is a refused allocation's message.
pub fn is_refusal(value: &rhai::Dynamic) -> bool {
    value
        .read_lock::<rhai::ImmutableString>()
        .is_some_and(|m| m.contains("max_memory"))
}

/// A default for `max_memory`: three quarters of the memory available when the process
/// started, but at least a quarter of the total (0 when unknown). Available, not total: on a
/// machine where other processes already hold much of the memory, a limit taken from the
/// total would let a runaway cell reach the out-of-memory killer first; the quarter left is
/// room for the rest of the system. The floor: memory another process held only for a moment
/// at start-up (a build, a benchmark) would otherwise leave the whole session a few hundred
/// MiB. Read once per process: every new session asks, and a restart should not cost a file
/// read.
pub fn default_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|info| limit_from_meminfo(&info))
            .unwrap_or(0)
    })
}

/// Three quarters of `MemAvailable` (of `MemTotal` on kernels too old to report it), at least
/// a quarter of `MemTotal`.
fn limit_from_meminfo(info: &str) -> Option<u64> {
    let kib = |key: &str| -> Option<u64> {
        let line = info.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let total = kib("MemTotal:");
    let available = kib("MemAvailable:").or(total)?;
    let floor = total.map_or(0, |t| t * 1024 / 4);
    Some((available * 1024 / 4 * 3).max(floor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_leaves_a_quarter_of_the_available_memory_but_takes_a_quarter_of_the_total()
    {
        let info = "MemTotal:       24000000 kB\nMemFree:  1000 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(limit_from_meminfo(info), Some(8_000_000 * 1024 / 4 * 3));
        assert_eq!(
            limit_from_meminfo("MemTotal: 4000 kB\n"),
            Some(4000 * 1024 / 4 * 3)
        );
        assert_eq!(limit_from_meminfo("nothing"), None);
        // Memory held by another process at start-up leaves the session a quarter of the total.
        let busy = "MemTotal:       24000000 kB\nMemAvailable:     600000 kB\n";
        assert_eq!(limit_from_meminfo(busy), Some(24_000_000 * 1024 / 4));
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human(12), "12 bytes");
        assert_eq!(human(3 << 20), "3.0 MiB");
        assert_eq!(human(160_000_000_000), "149.0 GiB");
    }
}
