//! Rhai bindings: `ensemble(models, options)` and the AILBoost `mixture(options)`.

use super::combine::{logit_fusion, mean_proba, vote};
use super::mixture::Mixture;
use crate::bind;
use crate::data::Dataset;
use crate::experiments::convert::*;
use crate::experiments::table::{Cell, Table};
use crate::nn::Network;
use crate::opts::Opts;
use crate::train::Classifier;
use candle_core::DType;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map};
use ladder_scripting::{MimeBundle, Render, Renderers};

crate::type_names! {
    Ensemble => "Ensemble",
    ModelMixture => "Mixture",
}

/// How an ensemble combines its members.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Mean,
    Vote,
    Logits,
}

/// A plain ensemble of models.
#[derive(Clone)]
pub struct Ensemble {
    pub members: Vec<Network>,
    pub weights: Option<Vec<f64>>,
    pub method: Method,
}

/// The AILBoost mixture of models, each with the data it was trained on (for replay).
#[derive(Clone)]
pub struct ModelMixture(pub Mixture<(Network, Option<Dataset>)>);

fn features(v: &Dynamic) -> RhaiResult<crate::tensor::Tensor> {
    if let Some(d) = v.read_lock::<Dataset>() {
        return Ok(d.x.clone());
    }
    Ok(crate::tensor::build::from_dynamic(v, Some(DType::F32))?)
}

fn rows_of(t: candle_core::Tensor) -> RhaiResult<Vec<Vec<f64>>> {
    Ok(t.to_dtype(DType::F64)
        .and_then(|t| t.to_vec2::<f64>())
        .map_err(|e| e.to_string())?)
}

fn member_outputs(
    members: &[Network],
    x: &crate::tensor::Tensor,
    logits: bool,
) -> RhaiResult<Vec<Vec<Vec<f64>>>> {
    members
        .iter()
        .map(|m| {
            let out = if logits {
                Classifier::logits(m, x)
            } else {
                Classifier::predict_proba(m, x)
            };
            rows_of(out.map_err(|e| e.to_string())?)
        })
        .collect()
}

impl Ensemble {
    pub fn proba(&self, x: &crate::tensor::Tensor) -> RhaiResult<Vec<Vec<f64>>> {
        let w = self.weights.as_deref();
        Ok(match self.method {
            Method::Mean => mean_proba(&member_outputs(&self.members, x, false)?, w)?,
            Method::Logits => logit_fusion(&member_outputs(&self.members, x, true)?, w)?,
            Method::Vote => {
                let outs = member_outputs(&self.members, x, false)?;
                let k = outs[0].first().map_or(0, Vec::len);
                vote(&outs, w)?
                    .into_iter()
                    .map(|c| (0..k).map(|j| if j == c { 1.0 } else { 0.0 }).collect())
                    .collect()
            }
        })
    }
}

impl ModelMixture {
    pub fn proba(&self, x: &crate::tensor::Tensor) -> RhaiResult<Vec<Vec<f64>>> {
        let nets: Vec<Network> = self.0.members.iter().map(|(n, _)| n.clone()).collect();
        if nets.is_empty() {
            return Err("mixture: no members yet (use add)".into());
        }
        Ok(mean_proba(
            &member_outputs(&nets, x, false)?,
            Some(&self.0.weights()),
        )?)
    }

    fn table(&self) -> Table {
        let mut t = Table::new(
            format!(
                "AILBoost mixture: η = {}, {} of {} learners kept (max {})",
                self.0.eta,
                self.0.members.len(),
                self.0.added,
                self.0.max
            ),
            &["learner", "weight", "parameters", "replay rows"],
        );
        let first = self.0.added - self.0.members.len();
        for (i, ((net, data), w)) in self.0.members.iter().zip(self.0.weights()).enumerate() {
            t.push(vec![
                (first + i + 1).into(),
                Cell::num(w),
                net.num_parameters().into(),
                data.as_ref().map_or(Cell::Empty, |d| d.len().into()),
            ]);
        }
        t
    }
}

impl Render for Ensemble {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(format!(
            "Ensemble of {} models ({:?})",
            self.members.len(),
            self.method
        ))
    }
}

impl Render for ModelMixture {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

fn ensemble(models: Array, options: Map) -> RhaiResult<Ensemble> {
    let mut o = Opts::new("ensemble", options);
    let method = o.raw("method").map(|m| m.to_string());
    let weights = o.raw("weights");
    o.finish()?;
    let members = models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.clone().try_cast::<Network>().ok_or_else(|| {
                format!(
                    "ensemble: member {i} is {}, not a Model",
                    crate::error::a_type(m.type_name())
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if members.is_empty() {
        return Err("ensemble: no models given".into());
    }
    let method = match method.as_deref() {
        None | Some("mean") => Method::Mean,
        Some("vote") => Method::Vote,
        Some("logits") | Some("logit") => Method::Logits,
        Some(other) => {
            return Err(format!(
                "ensemble: unknown method \"{other}\" (expected \"mean\", \"vote\" or \"logits\")"
            )
            .into())
        }
    };
    let weights = match weights {
        None => None,
        Some(w) => Some(floats(
            &w.clone()
                .try_cast::<Array>()
                .ok_or("ensemble: 'weights' must be an array of numbers")?,
            "weights",
        )?),
    };
    if let Some(w) = &weights {
        if w.len() != members.len() {
            return Err(
                format!("ensemble: {} weights for {} models", w.len(), members.len()).into(),
            );
        }
    }
    Ok(Ensemble {
        members,
        weights,
        method,
    })
}

/// Rows drawn from the members' stored data sets, concatenated.
fn replay(m: &ModelMixture, n: usize, seed: u64) -> RhaiResult<Dataset> {
    let mut sizes = Vec::new();
    for (i, (_, d)) in m.0.members.iter().enumerate() {
        sizes.push(d.as_ref().map(Dataset::len).ok_or_else(|| {
            format!(
                "mixture: learner {} was added without data (use add(model, data))",
                i + 1
            )
        })?);
    }
    let draws = m.0.sample(&sizes, n, seed)?;
    let mut parts = Vec::new();
    for (i, (_, d)) in m.0.members.iter().enumerate() {
        let rows: Vec<usize> = draws
            .iter()
            .filter(|(mi, _)| *mi == i)
            .map(|(_, r)| *r)
            .collect();
        if !rows.is_empty() {
            parts.push(
                d.as_ref()
                    .unwrap()
                    .subset(&rows)
                    .map_err(|e| e.to_string())?,
            );
        }
    }
    let cat = |f: &dyn Fn(&Dataset) -> Option<candle_core::Tensor>| -> RhaiResult<Option<candle_core::Tensor>> {
        let ts: Option<Vec<candle_core::Tensor>> = parts.iter().map(f).collect();
        match ts {
            Some(ts) => Ok(Some(candle_core::Tensor::cat(&ts, 0).map_err(|e| format!("mixture sample: {e}"))?)),
            None => Ok(None),
        }
    };
    let x = cat(&|d| Some(d.x.0.clone()))?.unwrap();
    let y = cat(&|d| d.y.as_ref().map(|t| t.0.clone()))?;
    let soft = cat(&|d| d.soft.as_ref().map(|t| t.0.clone()))?;
    let classes = parts.iter().map(|d| d.num_classes).max().unwrap_or(2);
    Ok(Dataset::new(
        "replay",
        crate::tensor::Tensor(x),
        y.map(crate::tensor::Tensor),
        soft.map(crate::tensor::Tensor),
        classes,
    )?)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Ensemble>(engine, renderers);
    crate::doc::register_rendered::<ModelMixture>(engine, renderers);

    bind!(
        engine,
        /// A plain ensemble of models. Options: `method`: "mean" (weighted average of probabilities, default),
        /// "vote" (weighted majority of classes, ties to the lowest class) or "logits" (softmax of the weighted
        /// sum of logits: weights [1, a, -a] give z_large + a(z_small_tuned - z_small)); `weights` (all 1).
        fn ensemble(models: Array, options: Map) -> RhaiResult<Ensemble> {
            ensemble(models, options)
        }
    );
    bind!(engine,
        /// An ensemble averaging its models' probabilities.
        fn ensemble(models: Array) -> RhaiResult<Ensemble> { ensemble(models, Map::new()) }

        /// The ensemble's class probabilities (one-hot rows for "vote").
        fn predict_proba(ensemble: &mut Ensemble, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Array> {
                Ok(rows_array(&ensemble.proba(&features(&x)?)?))
            }

        /// The ensemble's class for each row.
        fn predict(ensemble: &mut Ensemble, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Array> {
                Ok(usize_array(&crate::experiments::models::argmax_rows(
                    &ensemble.proba(&features(&x)?)?,
                )))
            }

        /// The ensemble's accuracy on a data set.
        fn accuracy(ensemble: &mut Ensemble, data: Dataset) -> RhaiResult<f64> {
            let pred = crate::experiments::models::argmax_rows(&ensemble.proba(&data.x)?);
            Ok(crate::experiments::metrics::accuracy(
                &crate::experiments::models::labels(&data)?,
                &pred,
            )?)
        }
    );

    bind!(
        engine,
        /// An AILBoost mixture: each `add(model, data)` makes π_t = (1-η)π_(t-1) + η h_t, i.e. weights
        /// w_1 = (1-η)^(t-1), w_i = η(1-η)^(t-i). Options: `eta` (0.05), `max` learners kept (10).
        /// `mix.weights`, `mix.predict_proba(x)`, `mix.sample(n, seed)` (weighted replay of stored rows).
        fn mixture(options: Map) -> RhaiResult<ModelMixture> {
            let mut o = Opts::new("mixture", options);
            let eta = o.float("eta", 0.05)?;
            let max = o.count("max", 10)?;
            o.finish()?;
            Ok(ModelMixture(Mixture::new(eta, max)?))
        },
        /// An AILBoost mixture with η = 0.05 and at most 10 learners.
        fn mixture() -> RhaiResult<ModelMixture> {
            Ok(ModelMixture(Mixture::new(0.05, 10)?))
        },
        /// Add a learner with the data it was trained on (kept for replay).
        fn add(mixture: &mut ModelMixture, model: Network, data: Dataset) {
            mixture.0.add((model, Some(data)))
        },
        /// Add a learner (no replay data).
        fn add(mixture: &mut ModelMixture, model: Network) {
            mixture.0.add((model, None))
        }
    );
    engine.register_get("weights", |m: &mut ModelMixture| to_array(&m.0.weights()));
    bind!(engine,
        /// The mixture's probabilities: members' probabilities averaged with the mixture weights.
        fn predict_proba(mixture: &mut ModelMixture, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Array> { Ok(rows_array(&mixture.proba(&features(&x)?)?)) }

        /// The mixture's class for each row.
        fn predict(mixture: &mut ModelMixture, x: Dynamic as "Tensor|Dataset") -> RhaiResult<Array> {
                Ok(usize_array(&crate::experiments::models::argmax_rows(
                    &mixture.proba(&features(&x)?)?,
                )))
            }

        /// `n` rows of weighted replay: a learner drawn by its weight, then one of its stored rows.
        fn sample(mixture: &mut ModelMixture, n: i64, seed: i64) -> RhaiResult<Dataset> {
            if n < 1 {
                return Err(format!("mixture sample: n must be at least 1, got {n}").into());
            }
            replay(mixture, n as usize, seed as u64)
        }
    );
}
