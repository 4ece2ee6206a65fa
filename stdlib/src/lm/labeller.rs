//! LM labellers: a prompt template and one label word per class; the class probabilities are
//! the label words' next-token probabilities, renormalised over the classes, optionally
//! calibrated (Zhao et al. 2021's contextual calibration, or class priors fitted on unlabelled
//! rows), with abstention below a confidence.

use super::model::Lm;
use crate::error::{check_interrupt, Error, Result};
use ladder_scripting::{MimeBundle, Render};
use std::sync::{Arc, Mutex};

crate::type_names! {
    LmLabeller => "LmLabeller",
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Calibration {
    None,
    /// Subtract the label words' log-probabilities on a content-free input ("N/A").
    Contextual,
    /// Divide by the mean predicted distribution of unlabelled rows (fitted by `fit_prior`).
    Prior,
}

#[derive(Clone, Debug)]
pub struct LabellerOptions {
    /// The prompt; `{text}` is replaced by the row's text.
    pub template: String,
    /// One word per class, encoded as given (a leading space is part of the word).
    pub labels: Vec<String>,
    /// Few-shot examples (text, class), rendered before the row with their label words.
    pub examples: Vec<(String, usize)>,
    pub abstain_below: f64,
    pub calibrate: Calibration,
}

#[derive(Clone)]
pub struct LmLabeller {
    pub lm: Lm,
    pub opts: LabellerOptions,
    label_ids: Vec<u32>,
    /// Contextual calibration's content-free log-probabilities (per class).
    content_free: Vec<f64>,
    /// Log of the fitted prior (per class); zeros until fitted.
    log_prior: Arc<Mutex<Option<Vec<f64>>>>,
}

/// What labelling rows gave.
#[derive(Clone, Debug)]
pub struct Labels {
    /// Class probabilities per row (rows × classes).
    pub soft: Vec<Vec<f64>>,
    /// The most likely class, or -1 below `abstain_below`.
    pub votes: Vec<i64>,
}

impl Labels {
    pub fn coverage(&self) -> f64 {
        let n = self.votes.len().max(1);
        self.votes.iter().filter(|&&v| v >= 0).count() as f64 / n as f64
    }

    /// Accuracy on the rows voted on (`None` when none were).
    pub fn accuracy(&self, gold: &[usize]) -> Option<f64> {
        let voted: Vec<(i64, usize)> = self
            .votes
            .iter()
            .zip(gold)
            .filter(|(v, _)| **v >= 0)
            .map(|(&v, &g)| (v, g))
            .collect();
        if voted.is_empty() {
            return None;
        }
        Some(voted.iter().filter(|(v, g)| *v as usize == *g).count() as f64 / voted.len() as f64)
    }
}

const CONTENT_FREE: &str = "N/A";

impl LmLabeller {
    pub fn new(lm: Lm, opts: LabellerOptions) -> Result<LmLabeller> {
        if opts.labels.len() < 2 {
            return Err(Error::options(
                "lm_labeller: `labels` needs one word per class, at least two",
            ));
        }
        if !opts.template.contains("{text}") {
            return Err(Error::options(format!(
                "lm_labeller: the template must contain {{text}} where the row's text goes, got {:?}",
                opts.template
            )));
        }
        let mut label_ids = Vec::new();
        for word in &opts.labels {
            let ids = lm.tokenizer.encode_continuation(word)?;
            if ids.len() != 1 {
                let tokens: Vec<String> = ids
                    .iter()
                    .map(|&i| lm.tokenizer.text.id_to_token(i).unwrap_or_default())
                    .collect();
                return Err(Error::options(format!(
                    "lm_labeller: the label word {word:?} is {} tokens ({}); each label must be one token of this model's vocabulary (try another word, or one with/without a leading space)",
                    ids.len(),
                    tokens.join(" | ")
                )));
            }
            // Two classes on one token would split its probability evenly on every row.
            if let Some(j) = label_ids.iter().position(|&id| id == ids[0]) {
                return Err(Error::options(format!(
                    "lm_labeller: labels {j} ({:?}) and {} ({word:?}) are the same token; each class needs its own",
                    opts.labels[j],
                    label_ids.len()
                )));
            }
            label_ids.push(ids[0]);
        }
        if let Some((_, c)) = opts.examples.iter().find(|(_, c)| *c >= opts.labels.len()) {
            return Err(Error::options(format!(
                "lm_labeller: an example has class {c}, but there are {} labels",
                opts.labels.len()
            )));
        }
        let mut labeller = LmLabeller {
            lm,
            opts,
            label_ids,
            content_free: Vec::new(),
            log_prior: Arc::new(Mutex::new(None)),
        };
        labeller.content_free = labeller.label_logprobs(CONTENT_FREE)?;
        Ok(labeller)
    }

    pub fn classes(&self) -> usize {
        self.opts.labels.len()
    }

    /// The full prompt for one text: the examples, then the template.
    pub fn prompt(&self, text: &str) -> String {
        let mut p = String::new();
        for (t, c) in &self.opts.examples {
            p.push_str(&self.opts.template.replace("{text}", t));
            p.push_str(&self.opts.labels[*c]);
            p.push_str("\n\n");
        }
        p.push_str(&self.opts.template.replace("{text}", text));
        p
    }

    /// Log-probabilities of the label words after one text's prompt (memoised by the model:
    /// evaluating, labelling a split and voting as an LF often meet the same rows, and so do
    /// labellers that differ only in calibration or abstention).
    pub fn label_logprobs(&self, text: &str) -> Result<Vec<f64>> {
        let ids = self.lm.tokenizer.encode_prompt(&self.prompt(text))?;
        self.lm.next_logprobs_of(&ids, &self.label_ids)
    }

    /// Raw label log-probabilities of many texts.
    pub fn raw(&self, texts: &[String]) -> Result<Vec<Vec<f64>>> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                check_interrupt()?;
                // Which row failed (a review longer than the context, say).
                self.label_logprobs(t)
                    .map_err(|e| e.context(&format!("lm_labeller: row {i}")))
            })
            .collect()
    }

    /// Class probabilities from raw label log-probabilities, under a calibration.
    pub fn probabilities(&self, raw: &[f64], calibration: Calibration) -> Vec<f64> {
        let shifted: Vec<f64> = match calibration {
            Calibration::None => raw.to_vec(),
            Calibration::Contextual => raw
                .iter()
                .zip(&self.content_free)
                .map(|(r, c)| r - c)
                .collect(),
            Calibration::Prior => {
                let prior = self.log_prior.lock().ok().and_then(|p| p.clone());
                match prior {
                    Some(lp) => raw.iter().zip(&lp).map(|(r, p)| r - p).collect(),
                    None => raw.to_vec(),
                }
            }
        };
        softmax(&shifted)
    }

    /// The log class prior of unlabelled rows: the log of the mean of their uncalibrated
    /// class probabilities, divided out afterwards so that classes are on an equal footing.
    pub fn log_prior_of(&self, raw: &[Vec<f64>]) -> Result<Vec<f64>> {
        if raw.is_empty() {
            return Err(Error::data(
                "lm_labeller: no rows to fit the class prior on",
            ));
        }
        let k = self.classes();
        let mut mean = vec![0.0; k];
        for r in raw {
            for (m, p) in mean
                .iter_mut()
                .zip(self.probabilities(r, Calibration::None))
            {
                *m += p / raw.len() as f64;
            }
        }
        Ok(mean.iter().map(|m| m.max(1e-12).ln()).collect())
    }

    /// Fit the class prior on unlabelled rows and keep it for the labeller's later labels.
    pub fn fit_prior(&self, raw: &[Vec<f64>]) -> Result<()> {
        let log_prior = self.log_prior_of(raw)?;
        *self
            .log_prior
            .lock()
            .map_err(|_| Error::new("lm_labeller: poisoned"))? = Some(log_prior);
        Ok(())
    }

    /// Labels of rows whose raw log-probabilities are given.
    pub fn labels_from(&self, raw: &[Vec<f64>], calibration: Calibration) -> Labels {
        self.labels_of(
            raw.iter()
                .map(|r| self.probabilities(r, calibration))
                .collect(),
        )
    }

    /// Labels of rows under a prior calibration with the given log prior (not kept).
    pub fn labels_with_prior(&self, raw: &[Vec<f64>], log_prior: &[f64]) -> Labels {
        self.labels_of(
            raw.iter()
                .map(|r| {
                    softmax(
                        &r.iter()
                            .zip(log_prior)
                            .map(|(r, p)| r - p)
                            .collect::<Vec<_>>(),
                    )
                })
                .collect(),
        )
    }

    /// Votes from class probabilities: the most probable class, -1 below `abstain_below`.
    fn labels_of(&self, soft: Vec<Vec<f64>>) -> Labels {
        let votes = soft
            .iter()
            .map(|p| {
                let (best, &conf) = p
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .unwrap_or((0, &0.0));
                if conf < self.opts.abstain_below {
                    -1
                } else {
                    best as i64
                }
            })
            .collect();
        Labels { soft, votes }
    }

    /// Label texts with the labeller's calibration (a prior calibration not yet fitted is
    /// fitted on these texts).
    pub fn label(&self, texts: &[String]) -> Result<Labels> {
        let raw = self.raw(texts)?;
        let fitted = self.log_prior.lock().map(|p| p.is_some()).unwrap_or(false);
        if self.opts.calibrate == Calibration::Prior && !fitted {
            self.fit_prior(&raw)?;
        }
        Ok(self.labels_from(&raw, self.opts.calibrate))
    }

    /// A short name for tables: the model file and the calibration.
    pub fn name(&self) -> String {
        let model = self
            .lm
            .info
            .path
            .file_stem()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        format!("{model} labeller (calibration {})", self.calibration_name())
    }

    fn calibration_name(&self) -> &'static str {
        match self.opts.calibrate {
            Calibration::None => "none",
            Calibration::Contextual => "contextual",
            Calibration::Prior => "prior",
        }
    }

    pub fn describe(&self) -> String {
        let c = self.calibration_name();
        format!(
            "LmLabeller: {} classes ({}), {} examples, calibration {c}, abstain below {} — {}",
            self.classes(),
            self.opts
                .labels
                .iter()
                .map(|l| format!("{l:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.opts.examples.len(),
            self.opts.abstain_below,
            self.lm.describe()
        )
    }
}

impl Render for LmLabeller {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.describe())
    }
}

pub fn softmax(x: &[f64]) -> Vec<f64> {
    let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_and_accuracy_count_only_votes() {
        let l = Labels {
            soft: vec![],
            votes: vec![0, -1, 1, 1],
        };
        assert_eq!(l.coverage(), 0.75);
        assert_eq!(l.accuracy(&[0, 0, 0, 1]), Some(2.0 / 3.0));
    }

    #[test]
    fn softmax_sums_to_one() {
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[1] && p[1] > p[0]);
    }
}
