//! The Jupyter kernel: the messaging protocol (5.4) over ZeroMQ for a Ladder session.
//!
//! Shape: `transport` (sockets, signing, heartbeat) and `wire`/`messages` (typed frames) on
//! one side; `worker` (the kernel's end of the session host, whose thread owns the Rhai
//! session) on the other; `core` and `relay` in between, the only place that knows the
//! protocol's rules and builds its JSON.

mod batch;
mod comms;
pub mod connection;
mod core;
mod debug;
mod fields;
pub mod history;
mod info;
mod kernelspec;
pub mod messages;
mod outputs;
mod parent;
mod relay;
mod transport;
pub mod wire;
mod worker;

pub use kernelspec::{install, write_spec, InstallTarget};

use connection::ConnectionInfo;
use ladder_scripting::host::HostInterrupt;
use ladder_scripting::SessionFactory;
use std::path::Path;
use std::time::Duration;

/// Serve the kernel described by a connection file until a shutdown request.
pub fn run(connection_file: &Path, make_session: SessionFactory) -> Result<(), String> {
    // First, while the parent is still the process that started the kernel.
    parent::exit_with_parent()?;
    let info = ConnectionInfo::load(connection_file)?;
    let context = zmq::Context::new();
    let transport = transport::Transport::bind(&context, &info)?;
    let (wake, ring) = outputs::Wake::pair(&context)?;
    let worker = worker::Worker::spawn(make_session, ring)?;
    interrupt_on_sigint(worker.interrupter())?;
    let history = history::History::open_default();
    let mut kernel = core::Kernel::new(transport, wake, worker, history);
    let result = kernel.serve();
    // A cell stuck in native code must not keep the process alive: give up after a moment.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(3));
        std::process::exit(0);
    });
    // Closing every socket (the heartbeat's and the session thread's too) lets the
    // context end, which waits until the last replies have left.
    drop(kernel);
    drop(context);
    result
}

/// SIGINT (Ctrl-C in a terminal, or a kernel manager's signal) stops the running cell
/// instead of killing the kernel.
fn interrupt_on_sigint(handle: HostInterrupt) -> Result<(), String> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT])
        .map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    std::thread::Builder::new()
        .name("ladder-sigint".into())
        .spawn(move || {
            for _ in signals.forever() {
                handle.interrupt();
            }
        })
        .map_err(|e| format!("cannot start the SIGINT thread: {e}"))?;
    Ok(())
}
