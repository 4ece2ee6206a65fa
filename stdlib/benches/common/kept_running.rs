//! A reference process (PyTorch, sentence-transformers) kept running beside a benchmark, so
//! that each of its figures is taken right beside one of ours: on a host whose speed drifts
//! from second to second, a fresh process per figure would put seconds between the two sides.
//!
//! The process prints `ready` once loaded, then answers each line it reads with one line.

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct KeptRunning {
    child: Child,
    input: ChildStdin,
    output: Lines<BufReader<ChildStdout>>,
}

impl KeptRunning {
    /// Starts `command` and waits until it says it is ready; None if it cannot start or ends
    /// first.
    pub fn start(mut command: Command) -> Option<KeptRunning> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let input = child.stdin.take()?;
        let mut output = BufReader::new(child.stdout.take()?).lines();
        while output.next()?.ok()?.trim() != "ready" {}
        Some(KeptRunning {
            child,
            input,
            output,
        })
    }

    /// Its answer to `line`, read as a number; None once the process has gone.
    pub fn ask(&mut self, line: &str) -> Option<f64> {
        writeln!(self.input, "{line}").ok()?;
        self.input.flush().ok()?;
        self.output.next()?.ok()?.trim().parse().ok()
    }
}

impl Drop for KeptRunning {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
