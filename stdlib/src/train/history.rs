//! What `fit` returns: the loss of every step and a record per epoch; renders as a table.

use super::FitConfig;
use ladder_scripting::{MimeBundle, Render};

#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    pub epoch: usize,
    /// Mean training loss over the epoch's steps (weighted by batch size).
    pub loss: f64,
    /// Training accuracy of the predictions made during the epoch.
    pub accuracy: f64,
    pub eval_loss: Option<f64>,
    pub eval_accuracy: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct History {
    pub losses: Vec<f64>,
    pub lrs: Vec<f64>,
    pub epochs: Vec<EpochRecord>,
    pub seconds: f64,
    pub description: String,
}

impl History {
    pub fn new(cfg: &FitConfig) -> History {
        History {
            losses: Vec::new(),
            lrs: Vec::new(),
            epochs: Vec::new(),
            seconds: 0.0,
            description: format!(
                "{} epochs, batch {}, {} lr {}, {} loss, seed {}",
                cfg.epochs,
                cfg.batch_size,
                cfg.optimizer.name(),
                cfg.lr,
                cfg.loss.name(),
                cfg.seed
            ),
        }
    }

    pub fn steps(&self) -> usize {
        self.losses.len()
    }

    fn rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let with_eval = self.epochs.iter().any(|e| e.eval_loss.is_some());
        let mut header = vec!["epoch".to_string(), "loss".into(), "accuracy".into()];
        if with_eval {
            header.push("eval loss".into());
            header.push("eval accuracy".into());
        }
        let opt = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
        let rows = self
            .epochs
            .iter()
            .map(|e| {
                let mut r = vec![
                    e.epoch.to_string(),
                    format!("{:.4}", e.loss),
                    format!("{:.4}", e.accuracy),
                ];
                if with_eval {
                    r.push(opt(e.eval_loss));
                    r.push(opt(e.eval_accuracy));
                }
                r
            })
            .collect();
        (header, rows)
    }
}

/// At most this many epochs are listed (first and last halves) so long runs stay readable.
const MAX_ROWS: usize = 20;

impl Render for History {
    fn mime_bundle(&self) -> MimeBundle {
        let head = format!(
            "History: {} steps in {:.2} s ({})",
            self.steps(),
            self.seconds,
            self.description
        );
        let (header, mut rows) = self.rows();
        let elided = rows.len() > MAX_ROWS;
        if elided {
            let tail = rows.split_off(rows.len() - MAX_ROWS / 2);
            rows.truncate(MAX_ROWS / 2);
            rows.push(header.iter().map(|_| "…".to_string()).collect());
            rows.extend(tail);
        }
        let text = crate::text_table::text_table(&head, &header, &rows);
        let table = crate::html_table::html_table("", "", &header, &rows, &|_, _| false);
        let html = crate::html_table::html_section("ladder-history", &head, &table, &[]);
        MimeBundle::text(text).with_html(html)
    }
}
