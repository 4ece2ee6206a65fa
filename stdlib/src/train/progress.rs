//! Live training progress: one display (text/plain + text/html) updated in place, at most
//! ten times a second, with a loss curve redrawn at most twice a second (and always in the
//! final state, which is what a saved notebook keeps); plus the session's interrupt flag
//! checked every step.

use super::{EpochRecord, Monitor, StepInfo};
use crate::error::{Error, Result};
use ladder_scripting::{context, MimeBundle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Drawing the curve costs a few milliseconds; redraw it less often than the text.
const CURVE_INTERVAL: Duration = Duration::from_millis(500);
const BAR: usize = 24;

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

pub struct Progress {
    id: String,
    start: Instant,
    last: Option<Instant>,
    show: bool,
    latest: Option<StepInfo>,
    eval: Option<(f64, f64)>,
    /// (step, loss) of every step so far, for the curve.
    steps: Vec<f64>,
    losses: Vec<f64>,
    curve_at: Option<Instant>,
}

impl Progress {
    pub fn new(show: bool) -> Progress {
        Progress {
            id: format!(
                "ladder-fit-{}-{}",
                std::process::id(),
                NEXT_ID.fetch_add(1, Ordering::Relaxed)
            ),
            start: Instant::now(),
            last: None,
            show,
            latest: None,
            eval: None,
            steps: Vec::new(),
            losses: Vec::new(),
            curve_at: None,
        }
    }

    /// The text and HTML line for a step.
    pub fn bundle(&self, s: &StepInfo) -> MimeBundle {
        let elapsed = self.start.elapsed().as_secs_f64().max(1e-9);
        let rate = s.step as f64 / elapsed;
        let filled = (BAR * s.step) / s.total_steps.max(1);
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled));
        let eval = self.eval.map_or(String::new(), |(l, a)| {
            format!("  eval loss {l:.4} acc {a:.4}")
        });
        let text = format!(
            "epoch {}/{}  step {}/{}  {bar}  loss {:.4}  {:.0} steps/s  {:.1}s{eval}",
            s.epoch, s.epochs, s.step, s.total_steps, s.loss, rate, elapsed
        );
        let html = format!(
            "<div class=\"ladder-progress\"><progress value=\"{}\" max=\"{}\" style=\"width: 16em\"></progress> \
             epoch {}/{} · step {}/{} · loss <b>{:.4}</b> · {:.0} steps/s · {:.1} s{}</div>",
            s.step, s.total_steps, s.epoch, s.epochs, s.step, s.total_steps, s.loss, rate, elapsed,
            eval.replace("  ", " · ")
        );
        MimeBundle::text(text).with_html(html)
    }

    fn show(&mut self, s: &StepInfo, final_state: bool) {
        let mut bundle = self.bundle(s);
        let curve_due = self.curve_at.is_none_or(|t| t.elapsed() >= CURVE_INTERVAL);
        if self.steps.len() > 1 && (final_state || curve_due) {
            bundle =
                crate::plot::live::attach_curve(bundle, &[("loss", &self.steps, &self.losses)]);
            self.curve_at = Some(Instant::now());
        }
        if self.last.is_none() {
            context::display(&bundle, Some(&self.id));
        } else {
            context::update_display(&bundle, &self.id);
        }
        self.last = Some(Instant::now());
    }

    /// Draw the final state (always, so the last line shows the finished run).
    pub fn finish(&mut self) {
        if let (true, Some(s)) = (self.show, self.latest.clone()) {
            self.show(&s, true);
        }
    }
}

impl Monitor for Progress {
    fn step(&mut self, info: &StepInfo) -> Result<()> {
        if context::interrupted() {
            self.finish();
            return Err(Error::interrupted());
        }
        self.latest = Some(info.clone());
        if !self.show {
            return Ok(());
        }
        self.steps.push(info.step as f64);
        self.losses.push(info.loss);
        if self.last.is_none_or(|t| t.elapsed() >= MIN_INTERVAL) {
            self.show(info, false);
        }
        Ok(())
    }

    fn epoch(&mut self, record: &EpochRecord) {
        if let (Some(l), Some(a)) = (record.eval_loss, record.eval_accuracy) {
            self.eval = Some((l, a));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line_names_step_loss_and_rate() {
        let p = Progress::new(false);
        let b = p.bundle(&StepInfo {
            step: 5,
            total_steps: 10,
            epoch: 1,
            epochs: 2,
            loss: 0.5,
            lr: 0.1,
        });
        let text = b.plain().unwrap();
        assert!(
            text.starts_with("epoch 1/2  step 5/10  ████████████░░░░░░░░░░░░  loss 0.5000"),
            "{text}"
        );
        assert!(b.data["text/html"]
            .as_str()
            .unwrap()
            .contains("<progress value=\"5\" max=\"10\""));
    }
}
