//! The kernel's `Frontend`: what a running cell produces travels, in order, to the protocol
//! thread, which publishes it on iopub.

use crate::worker::Answer;
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
    /// A prompt for the stdin channel; the answer goes back through `reply`.
    Input {
        prompt: String,
        password: bool,
        reply: SyncSender<Result<String, InputError>>,
    },
    /// The command finished: always the last event of a command.
    Done(Answer),
}

/// Wakes the protocol thread (blocked in `zmq::poll`) after an event was queued: a PUSH
/// socket connected to its PULL socket.
pub struct Wake(zmq::Socket);

impl Wake {
    pub fn connect(context: &zmq::Context, endpoint: &str) -> Result<Self, String> {
        let socket = context.socket(zmq::PUSH).map_err(|e| e.to_string())?;
        socket.connect(endpoint).map_err(|e| e.to_string())?;
        Ok(Self(socket))
    }

    fn ring(&self) {
        // A full pipe already holds pending wake-ups, so a failed send loses nothing.
        let _ = self.0.send(&[][..], zmq::DONTWAIT);
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
            self.wake.ring();
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
