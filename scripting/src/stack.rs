//! A guard against native stack overflow, which would abort the whole process.
//!
//! Each level of Rhai recursion takes several KiB of native stack, so whether
//! `max_call_levels` is safe depends on the thread the session runs on (2 MiB for spawned
//! threads by default, 8 MiB for the main thread, 256 MiB for the session host's
//! threads). The engine's progress callback asks here before every operation and stops the
//! cell with a limit error while some stack is still left.

use std::cell::Cell;

/// What the progress callback stops a cell with when the stack runs low (the error
/// reporting tells it from an interrupt by this value).
pub const EXHAUSTED: &str = "native stack exhausted";

/// Stack kept free for native functions called at the deepest level and for unwinding.
const RESERVE: usize = 512 * 1024;

thread_local! {
    /// Lowest usable address of this thread's stack; 0 when not known yet, 1 when unknown.
    static LOW: Cell<usize> = const { Cell::new(0) };
}

/// Whether the current thread is within [`RESERVE`] of the end of its stack.
pub fn nearly_exhausted() -> bool {
    remaining().is_some_and(|left| left < RESERVE)
}

/// Bytes of stack left below the caller's frame, when the platform tells.
pub fn remaining() -> Option<usize> {
    let low = LOW.with(|low| {
        if low.get() == 0 {
            low.set(stack_low().unwrap_or(1));
        }
        low.get()
    });
    if low == 1 {
        return None;
    }
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    Some(here.saturating_sub(low))
}

#[cfg(target_os = "linux")]
fn stack_low() -> Option<usize> {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is read and destroyed
    // once; the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let found = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        // The guard page sits at the low end; stay clear of it.
        (found && !addr.is_null()).then(|| addr as usize + 64 * 1024)
    }
}

#[cfg(not(target_os = "linux"))]
fn stack_low() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_left_is_known_and_shrinks_with_depth() {
        fn depth(n: usize) -> usize {
            let pad = std::hint::black_box([0u8; 4096]);
            if n == 0 {
                remaining().unwrap() + pad[0] as usize
            } else {
                depth(n - 1)
            }
        }
        let top = remaining().expect("known on Linux");
        assert!(top > RESERVE, "a test thread has more than {RESERVE} bytes");
        assert!(depth(20) < top - 20 * 4096);
        assert!(!nearly_exhausted());
    }
}
