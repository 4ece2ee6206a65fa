//! The kernel's `Frontend`: what a running cell produces travels, in order, to the protocol
//! thread, which publishes it on iopub.

use ladder_scripting::comms::CommMessage;
use ladder_scripting::host::Reply;
use ladder_scripting::{Frontend, InputError, MimeBundle, Stream};
use std::sync::mpsc::{sync_channel, Sender, SyncSender};

/// One thing the session thread reports.
pub enum Event {
    Stream(Stream, String),
    Display {
        bundle: MimeBundle,
        display_id: Option<String>,
    },
    UpdateDisplay {
        bundle: MimeBundle,
        display_id: String,
    },
    ClearOutput(bool),
    /// A comm message for the front end (`comm_open`, `comm_msg`, `comm_close`).
    Comm(CommMessage),
    /// A prompt for the stdin channel; the answer goes back through `reply`.
    Input {
        prompt: String,
        password: bool,
        reply: SyncSender<Result<String, InputError>>,
    },
    /// The request finished: always the last event of a request (the host replies after
    /// every output).
    Done(Reply),
    /// A debugger event for iopub.
    Debug(serde_json::Value),
}

/// Wakes the protocol thread (blocked in `zmq::poll`) after an event was queued: a PUSH
/// socket connected to its PULL socket.
pub struct Wake(zmq::Socket);

impl Wake {
    /// The protocol thread's PULL socket and the session's `Wake` connected to it. Neither
    /// side has a high-water mark: a wake-up refused by a full pipe can be the last one of a
    /// cell (its `Done`), which would leave the reply waiting for the next batch timer.
    pub fn pair(context: &zmq::Context) -> Result<(zmq::Socket, Self), String> {
        let err = |e: zmq::Error| e.to_string();
        let endpoint = format!("inproc://ladder-wake-{}", uuid::Uuid::new_v4().simple());
        let pull = context.socket(zmq::PULL).map_err(err)?;
        pull.set_rcvhwm(0).map_err(err)?;
        pull.bind(&endpoint).map_err(err)?;
        let push = context.socket(zmq::PUSH).map_err(err)?;
        push.set_sndhwm(0).map_err(err)?;
        push.connect(&endpoint).map_err(err)?;
        Ok((pull, Self(push)))
    }

    /// Whether the wake-up was queued (it only fails once the kernel is shutting down).
    fn ring(&self) -> bool {
        self.0.send(&[][..], zmq::DONTWAIT).is_ok()
    }
}

pub struct KernelFrontend {
    events: Sender<Event>,
    wake: Wake,
}

impl KernelFrontend {
    pub fn new(events: Sender<Event>, wake: Wake) -> Self {
        Self { events, wake }
    }

    pub fn send(&self, event: Event) {
        if self.events.send(event).is_ok() {
            let _ = self.wake.ring();
        }
    }
}

impl Frontend for KernelFrontend {
    fn stream(&self, stream: Stream, text: &str) {
        self.send(Event::Stream(stream, text.to_string()));
    }

    fn display(&self, bundle: &MimeBundle, display_id: Option<&str>) {
        self.send(Event::Display {
            bundle: bundle.clone(),
            display_id: display_id.map(str::to_string),
        });
    }

    fn update_display(&self, bundle: &MimeBundle, display_id: &str) {
        self.send(Event::UpdateDisplay {
            bundle: bundle.clone(),
            display_id: display_id.to_string(),
        });
    }

    fn clear_output(&self, wait: bool) {
        self.send(Event::ClearOutput(wait));
    }

    fn comm(&self, message: &CommMessage) {
        self.send(Event::Comm(message.clone()));
    }

    fn debug_event(&self, event: &serde_json::Value) {
        self.send(Event::Debug(event.clone()));
    }

    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError> {
        let (reply, answer) = sync_channel(1);
        self.send(Event::Input {
            prompt: prompt.to_string(),
            password,
            reply,
        });
        answer.recv().unwrap_or(Err(InputError::Eof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_wake_up_is_refused_however_many_are_pending() {
        let context = zmq::Context::new();
        let (pull, wake) = Wake::pair(&context).unwrap();
        // libzmq's default high-water mark (1000) refused these past the first thousand.
        assert!((0..20_000).all(|_| wake.ring()));
        let mut received = 0;
        while pull.recv_bytes(zmq::DONTWAIT).is_ok() {
            received += 1;
        }
        assert_eq!(received, 20_000);
    }
}
