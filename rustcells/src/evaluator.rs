//! The thread that owns evcxr's `CommandContext`. evcxr compiles each cell with rustc and
//! runs it in a child process (this same binary, through `runtime_hook`); its `execute`
//! blocks, so it runs here while the session thread relays the child's output and watches
//! for interrupts.

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use evcxr::{CommandContext, Completions, EvalOutputs};
use std::process::Child;
use std::sync::{Arc, Mutex};

enum Job {
    Execute(String, Sender<Result<EvalOutputs, evcxr::Error>>),
    Complete(String, usize, Sender<Option<Completions>>),
}

/// The child process running the cells; evcxr replaces it after it dies.
type ChildSlot = Arc<Mutex<Option<Arc<Mutex<Child>>>>>;

pub(crate) struct Evaluator {
    jobs: Sender<Job>,
    /// The child's stdout and stderr, line by line.
    pub stdout: Receiver<String>,
    pub stderr: Receiver<String>,
    child: ChildSlot,
}

impl Evaluator {
    /// Start evcxr (a few seconds: it checks rustc and compiles a first cell).
    pub fn start() -> Result<Evaluator, String> {
        let (jobs, incoming) = unbounded::<Job>();
        let (started, start_result) = bounded(1);
        let child: ChildSlot = Arc::default();
        let slot = child.clone();
        std::thread::Builder::new()
            .name("ladder-evcxr".into())
            .spawn(move || {
                let mut context = match CommandContext::new() {
                    Ok((context, outputs)) => {
                        *slot.lock().unwrap() = Some(context.process_handle());
                        let _ = started.send(Ok(outputs));
                        context
                    }
                    Err(e) => {
                        let _ = started.send(Err(e.to_string()));
                        return;
                    }
                };
                for job in incoming {
                    match job {
                        Job::Execute(code, reply) => {
                            let outcome = context.execute(&code);
                            *slot.lock().unwrap() = Some(context.process_handle());
                            let _ = reply.send(outcome);
                        }
                        Job::Complete(code, position, reply) => {
                            let _ = reply.send(context.completions(&code, position).ok());
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the Rust evaluator thread: {e}"))?;
        let outputs = start_result
            .recv()
            .map_err(|_| "the Rust evaluator stopped while starting".to_string())??;
        Ok(Evaluator {
            jobs,
            stdout: outputs.stdout,
            stderr: outputs.stderr,
            child,
        })
    }

    /// Start running `code`; the answer comes on the returned channel.
    pub fn execute(&self, code: String) -> Receiver<Result<EvalOutputs, evcxr::Error>> {
        let (reply, answer) = bounded(1);
        let _ = self.jobs.send(Job::Execute(code, reply));
        answer
    }

    /// Completions at byte `position` of `code`.
    pub fn complete(&self, code: String, position: usize) -> Option<Completions> {
        let (reply, answer) = bounded(1);
        self.jobs.send(Job::Complete(code, position, reply)).ok()?;
        answer.recv().ok().flatten()
    }

    /// Stop the running cell by killing the child process: Rust cannot be stopped from
    /// outside any other way. evcxr starts a fresh child for the next cell, so Rust
    /// variables are lost (Rhai's are not).
    pub fn kill(&self) {
        if let Some(child) = self.child.lock().unwrap().as_ref() {
            let _ = child.lock().unwrap().kill();
        }
    }
}
