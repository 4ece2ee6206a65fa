//! Ctrl-C for the terminal front ends (the REPL, `ladder run`).

use ladder_scripting::InterruptHandle;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Ctrl-C pressed this many times during one cell that does not stop (a native call that
/// never checks the interrupt flag) ends the process.
const PRESSES_TO_QUIT: usize = 3;

/// Ctrl-C while a cell runs interrupts it (while a line is edited the terminal is in raw
/// mode, where Ctrl-C is a key, not a signal). If the cell keeps running through several
/// presses (a native call that never checks the flag), the process exits.
pub(crate) struct CtrlC {
    running: Arc<AtomicBool>,
    presses: Arc<AtomicUsize>,
}

impl CtrlC {
    pub(crate) fn install(handle: InterruptHandle) -> Self {
        let running = Arc::new(AtomicBool::new(false));
        let presses = Arc::new(AtomicUsize::new(0));
        let (flag, count) = (running.clone(), presses.clone());
        let _ = ctrlc::set_handler(move || {
            if !flag.load(Ordering::SeqCst) {
                return;
            }
            handle.interrupt();
            if count.fetch_add(1, Ordering::SeqCst) + 1 >= PRESSES_TO_QUIT {
                eprintln!("\nladder: the running cell does not stop; exiting.");
                std::process::exit(130);
            }
        });
        Self { running, presses }
    }

    pub(crate) fn cell_started(&self) {
        self.presses.store(0, Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
    }

    pub(crate) fn cell_finished(&self) {
        self.running.store(false, Ordering::SeqCst);
    }
}
