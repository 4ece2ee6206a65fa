//! A neural network as a boosting weak learner: each round trains a fresh network (seeded by
//! the round) with the sample weights in its loss (weighted cross-entropy).

use super::learner::{Env, Hypothesis, WeakLearner};
use crate::data::{from_rows, Dataset};
use crate::error::Error;
use crate::experiments::matrix::Matrix;
use crate::experiments::models::{argmax_rows, proba, ModelPlan};
use crate::nn::Network;
use crate::train::LossSpec;

pub struct NetworkLearner {
    pub plan: ModelPlan,
    pub seed: u64,
    round: u64,
}

impl NetworkLearner {
    pub fn new(plan: ModelPlan, seed: u64) -> Self {
        Self {
            plan,
            seed,
            round: 0,
        }
    }
}

struct NetworkHypothesis {
    net: Network,
    plan: ModelPlan,
}

fn dataset(x: &Matrix, y: &[usize]) -> Result<Dataset, Error> {
    let xs: Vec<f32> = x.data().iter().map(|&v| v as f32).collect();
    let ys: Vec<u32> = y.iter().map(|&c| c as u32).collect();
    let names = (0..x.cols()).map(|j| format!("x{j}")).collect();
    from_rows("boosting", xs, x.cols(), ys, names)
}

impl WeakLearner for NetworkLearner {
    fn fit(
        &mut self,
        x: &Matrix,
        y: &[usize],
        w: &[f64],
        n_classes: usize,
        env: Env,
    ) -> Result<Box<dyn Hypothesis>, Error> {
        let mut data = dataset(x, y)?;
        data.num_classes = data.num_classes.max(n_classes);
        // weights rescaled to mean 1 so the loss keeps its usual scale
        let n = w.len() as f64;
        let total: f64 = w.iter().sum();
        let scaled: Vec<f32> = w.iter().map(|&v| (v * n / total) as f32).collect();
        let wt = candle_core::Tensor::from_vec(scaled, w.len(), &candle_core::Device::Cpu)?;
        let data = data.with_weights(&crate::tensor::Tensor(wt))?;
        let seed = self.seed.wrapping_add(self.round);
        self.round += 1;
        let net = self.plan.build(x.cols(), n_classes, seed, env)?;
        self.plan
            .train(&net, &self.plan.view(&data)?, LossSpec::CrossEntropy, seed)?;
        Ok(Box::new(NetworkHypothesis {
            net,
            plan: self.plan.clone(),
        }))
    }

    fn name(&self) -> String {
        self.plan.name.clone()
    }
}

impl Hypothesis for NetworkHypothesis {
    fn predict(&self, x: &Matrix, _env: Env) -> Result<Vec<usize>, Error> {
        let data = dataset(x, &vec![0; x.rows()])?;
        Ok(argmax_rows(&proba(&self.net, &self.plan.view(&data)?)?))
    }

    fn describe(&self) -> String {
        format!(
            "{} ({} parameters)",
            self.plan.name,
            self.net.num_parameters()
        )
    }
}
