//! Knowledge distillation (Hinton et al.): a student trained with
//! L = α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α)·CE(y, softmax(z_s)); and the
//! progressive (teacher-assistant) chain teacher → assistants → student, plain KD at each hop.
//! Reports each model's test accuracy and parameter count relative to the teacher.

pub mod bindings;

use crate::data::Dataset;
use crate::error::Error;
use crate::experiments::models::{argmax_rows, labels, proba, Env, ModelPlan};
use crate::experiments::table::{Cell, Table};
use crate::nn::Network;
use crate::train::{logits_batched, LossSpec};

/// KD settings: temperature T (reference 2–4) and the weight α of the soft term.
#[derive(Clone, Debug)]
pub struct KdConfig {
    pub temperature: f64,
    pub alpha: f64,
    pub seed: u64,
}

/// One model of a distillation report.
#[derive(Clone, Debug)]
pub struct DistilledModel {
    pub name: String,
    pub accuracy: f64,
    pub parameters: usize,
}

/// The teacher first, then each student in order.
#[derive(Clone)]
pub struct DistillReport {
    pub models: Vec<DistilledModel>,
    pub students: Vec<Network>,
    pub config: KdConfig,
}

/// A model's accuracy on the test set; an error names the test set (a test set of another
/// width would otherwise read as a fault of the model's first layer).
fn test_accuracy(net: &Network, plan: Option<&ModelPlan>, test: &Dataset) -> Result<f64, Error> {
    let score = || -> Result<f64, Error> {
        let view = match plan {
            Some(p) => p.view(test)?,
            None => test.clone(),
        };
        Ok(crate::experiments::metrics::accuracy(
            &labels(test)?,
            &argmax_rows(&proba(net, &view)?),
        )?)
    };
    score().map_err(|e| e.context(&format!("distill: test set \"{}\"", test.name)))
}

/// A teacher that is not a network (an LM labeller): its logits on the training rows (log
/// class probabilities: softmax(log p / T) is p sharpened or softened by T), its test accuracy
/// and its size.
#[derive(Clone, Debug)]
pub struct FixedTeacher {
    pub name: String,
    pub train_logits: candle_core::Tensor,
    pub accuracy: f64,
    pub parameters: usize,
}

/// Who teaches the first student.
#[derive(Clone, Copy)]
pub enum Teacher<'a> {
    /// A trained network, which sees all features.
    Network(&'a Network),
    Fixed(&'a FixedTeacher),
}

/// Distil `teacher` through `plans` in order: each student learns from the previous model's
/// logits on `train` with the KD loss.
pub fn distill_chain(
    teacher: Teacher,
    plans: &[ModelPlan],
    train: &Dataset,
    test: &Dataset,
    config: &KdConfig,
    env: Env,
) -> Result<DistillReport, Error> {
    if plans.is_empty() {
        return Err(Error::options("distill: no student given"));
    }
    if config.temperature.is_nan() || config.temperature <= 0.0 {
        return Err(Error::options(format!(
            "distill: temperature must be positive, got {}",
            config.temperature
        )));
    }
    if !(0.0..=1.0).contains(&config.alpha) {
        return Err(Error::options(format!(
            "distill: alpha must be in [0, 1], got {}",
            config.alpha
        )));
    }
    let classes = train.num_classes.max(test.num_classes);
    let first = match teacher {
        Teacher::Network(net) => DistilledModel {
            name: "teacher".into(),
            accuracy: test_accuracy(net, None, test)?,
            parameters: net.num_parameters(),
        },
        Teacher::Fixed(f) => DistilledModel {
            name: format!("teacher: {}", f.name),
            accuracy: f.accuracy,
            parameters: f.parameters,
        },
    };
    let mut report = DistillReport {
        models: vec![first],
        students: Vec::new(),
        config: config.clone(),
    };
    // The logits the next student learns from: the teacher's, then each student's.
    let mut teacher_logits = match teacher {
        Teacher::Network(net) => {
            logits_batched(net, &train.x).map_err(|e| e.context("distill: teacher logits"))?
        }
        Teacher::Fixed(f) => f.train_logits.clone(),
    };
    for (i, plan) in plans.iter().enumerate() {
        let student = plan.build(train.num_features(), classes, config.seed, env)?;
        let loss = LossSpec::Distill {
            teacher_logits: teacher_logits.clone(),
            temperature: config.temperature,
            alpha: config.alpha,
        };
        plan.train(&student, &plan.view(train)?, loss, config.seed)?;
        report.models.push(DistilledModel {
            name: plan.name.clone(),
            accuracy: test_accuracy(&student, Some(plan), test)?,
            parameters: student.num_parameters(),
        });
        if i + 1 < plans.len() {
            teacher_logits = logits_batched(&student, &plan.view(train)?.x)
                .map_err(|e| e.context("distill: teacher logits"))?;
        }
        report.students.push(student);
    }
    Ok(report)
}

impl DistillReport {
    pub fn table(&self) -> Table {
        let mut t = Table::new(
            format!(
                "Distillation (T = {}, α = {})",
                self.config.temperature, self.config.alpha
            ),
            &[
                "model",
                "accuracy",
                "relative accuracy",
                "parameters",
                "relative size",
            ],
        );
        let (ta, tp) = (self.models[0].accuracy, self.models[0].parameters as f64);
        for m in &self.models {
            t.push(vec![
                m.name.clone().into(),
                Cell::num(m.accuracy),
                Cell::Num(m.accuracy / ta, 3),
                m.parameters.into(),
                Cell::Num(m.parameters as f64 / tp, 3),
            ]);
        }
        t.note("each student learns from the model above it: α·T²·KL(teacher ‖ student at T) + (1 − α)·CE");
        t
    }
}
