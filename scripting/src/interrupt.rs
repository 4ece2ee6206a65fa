//! Stopping a running cell from another thread without losing the session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag that another thread (a Ctrl-C handler, the kernel's control channel) sets to stop
/// the running cell. The engine checks it before every Rhai operation; library code checks
/// it in its long loops.
#[derive(Clone, Default, Debug)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Ask the running cell to stop.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
