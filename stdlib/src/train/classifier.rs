//! The interface every trainable model offers, so experiment code (weak-to-strong, boosting,
//! distillation) can treat any model alike; it lives with `fit` because training is part of it.

use super::{FitConfig, History, Monitor};
use crate::data::Dataset;
use crate::error::Result;
use crate::nn::Network;
use crate::tensor::ops::softmax;
use candle_core::{DType, Tensor};

/// What every model offers. Per-sample weights and soft labels travel in the [`Dataset`]
/// (`with_weights`, `with_soft_labels`).
pub trait Classifier {
    /// A short name ("mlp", "logistic_regression", "stump", ...).
    fn kind(&self) -> String;
    /// Train in place.
    fn fit(
        &mut self,
        data: &Dataset,
        config: &FitConfig,
        monitor: &mut dyn Monitor,
    ) -> Result<History>;
    /// Unnormalised class scores, (rows × classes).
    fn logits(&self, x: &Tensor) -> Result<Tensor>;
    /// Class probabilities: softmax of the logits.
    fn predict_proba(&self, x: &Tensor) -> Result<Tensor> {
        softmax(&self.logits(x)?, 1)
    }
    /// Most likely class per row (u32).
    fn predict(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.logits(x)?.argmax(1)?)
    }
    /// Share of rows whose predicted class equals the hard label.
    fn accuracy(&self, data: &Dataset) -> Result<f64> {
        let labels = Tensor::new(data.labels()?, data.x.device())?;
        let pred = self.predict(&data.x)?.to_device(data.x.device())?;
        Ok(pred
            .eq(&labels)?
            .to_dtype(DType::F64)?
            .mean_all()?
            .to_scalar::<f64>()?)
    }
    fn num_parameters(&self) -> usize;
    /// The same architecture, untrained, initialised from `seed`.
    fn fresh(&self, seed: u64) -> Result<Box<dyn Classifier>>;
    /// An independent copy with the current weights.
    fn copy(&self) -> Result<Box<dyn Classifier>>;
}

impl Classifier for Network {
    fn kind(&self) -> String {
        self.spec.kind.clone()
    }

    fn fit(
        &mut self,
        data: &Dataset,
        config: &FitConfig,
        monitor: &mut dyn Monitor,
    ) -> Result<History> {
        super::fit(self, data, config, monitor)
    }

    fn logits(&self, x: &Tensor) -> Result<Tensor> {
        super::logits_batched(self, x)
    }

    fn num_parameters(&self) -> usize {
        Network::num_parameters(self)
    }

    fn fresh(&self, seed: u64) -> Result<Box<dyn Classifier>> {
        Ok(Box::new(Network::fresh(self, seed)?))
    }

    fn copy(&self) -> Result<Box<dyn Classifier>> {
        Ok(Box::new(self.deep_copy()?))
    }
}
