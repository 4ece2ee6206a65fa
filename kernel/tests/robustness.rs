//! Requests a kernel must survive as ipykernel does: replayed messages, malformed content,
//! interrupts at the first moment of a cell, and a parent process that dies.

mod client;

use client::Kernel;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Threads that keep every core busy while alive, so the kernel's threads wait their turn.
struct BusyNeighbour {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyNeighbour {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..2 * cores)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BusyNeighbour {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[test]
fn an_interrupt_right_after_execute_input_stops_that_cell_every_time() {
    let kernel = Kernel::start();
    kernel.execute("let n = 0;");
    let _load = BusyNeighbour::start();
    for attempt in 0..200 {
        let id = kernel.send(
            &kernel.shell,
            "execute_request",
            json!({"code": "loop { n += 1; }"}),
        );
        kernel.iopub_until_type(&id, "execute_input");
        let interrupt = kernel.send(&kernel.control, "interrupt_request", json!({}));
        assert_eq!(
            kernel.reply(&kernel.control, &interrupt).content["status"],
            "ok"
        );
        let reply = kernel.reply(&kernel.shell, &id);
        assert_eq!(reply.content["ename"], "Interrupted", "attempt {attempt}");
        kernel.iopub_until_idle(&id);
        if attempt % 20 == 0 {
            // An interrupt while idle is for no cell: the next one runs.
            let idle = kernel.send(&kernel.control, "interrupt_request", json!({}));
            kernel.reply(&kernel.control, &idle);
            let (reply, _) = kernel.execute("n > 0");
            assert_eq!(reply.content["status"], "ok", "attempt {attempt}");
        }
    }
}
