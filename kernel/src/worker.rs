//! The kernel's end of the session host: the session's outputs and its replies share one
//! channel (replies come after their request's outputs), and each one rings the protocol
//! thread's wake-up socket.

use crate::outputs::{Event, KernelFrontend, Wake};
use ladder_scripting::debugger::DebugHub;
use ladder_scripting::host::{HostInterrupt, ReplySink, Request, SessionHost};
use ladder_scripting::{Frontend, SessionFactory};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

pub struct Worker {
    /// Outputs and replies, in the order the session produced them. Dropped before the
    /// host, so a session waiting on a queued input request is released.
    pub events: Receiver<Event>,
    /// Dropping it interrupts the cell and waits for the session thread, so that its wake-up
    /// socket closes before the ZeroMQ context ends.
    host: SessionHost,
}

impl Worker {
    /// Start the session thread; the session is made there, by the factory, while the
    /// protocol thread goes on (kernel_info is answered before the session exists).
    pub fn spawn(make_session: SessionFactory, wake: Wake) -> Result<Self, String> {
        let (event_tx, events) = channel();
        let host = SessionHost::spawn(make_session, move || {
            let frontend = Rc::new(KernelFrontend::new(event_tx, wake));
            let replies = frontend.clone();
            let sink: ReplySink = Box::new(move |reply| replies.send(Event::Done(reply)));
            (frontend as Rc<dyn Frontend>, sink)
        })?;
        Ok(Self { events, host })
    }

    /// Hand a request to the session; false when the session thread has died.
    pub fn send(&self, request: Request) -> bool {
        self.host.send(request).is_ok()
    }

    pub fn debugger(&self) -> Arc<DebugHub> {
        self.host.debugger()
    }

    pub fn interrupt(&self) {
        self.host.interrupt();
    }

    /// For the SIGINT handler: interrupts once the session exists.
    pub fn interrupter(&self) -> HostInterrupt {
        self.host.interrupter()
    }
}
