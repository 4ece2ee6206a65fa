//! The weak-to-strong protocol of Burns et al. (openai/weak-to-strong): shuffle the training
//! set with the seed and halve it; the weak model trains on half 1 with ground truth and its
//! soft probabilities label half 2; the strong student trains on half 2 with those labels
//! (loss: plain cross-entropy, the auxiliary confidence loss, or the product loss); the strong
//! ceiling trains on half 2 with ground truth; all three are scored on one test set.
//! PGR = (w2s − weak) / (ceiling − weak), undefined (NaN) when ceiling ≤ weak.

use crate::data::split::halves;
use crate::data::Dataset;
use crate::error::Error;
use crate::experiments::metrics::{agreement, mean_interval, Interval};
use crate::experiments::models::{argmax_rows, labels, proba, with_only_soft, Env, ModelPlan};
use crate::train::LossSpec;

/// How the strong student learns from weak labels.
#[derive(Clone, Debug, PartialEq)]
pub enum TransferLoss {
    /// Cross-entropy to the weak soft labels ("naive" fine-tuning).
    Xent,
    /// Auxiliary confidence loss; linear warm-up of the coefficient.
    Logconf { aux_coef: f64, warmup_frac: f64 },
    /// Product loss: target ∝ p^β · weak^α.
    Product { alpha: f64, beta: f64 },
}

impl TransferLoss {
    pub fn name(&self) -> &'static str {
        match self {
            TransferLoss::Xent => "xent",
            TransferLoss::Logconf { .. } => "logconf",
            TransferLoss::Product { .. } => "product",
        }
    }

    pub fn parse(name: &str) -> Result<TransferLoss, String> {
        match name {
            "xent" | "naive" | "cross_entropy" => Ok(TransferLoss::Xent),
            "logconf" | "confidence" | "w2s" => Ok(TransferLoss::Logconf { aux_coef: 0.5, warmup_frac: 0.1 }),
            "product" => Ok(TransferLoss::Product { alpha: 1.0, beta: 1.0 }),
            other => Err(format!("unknown weak-to-strong loss \"{other}\" (expected \"xent\", \"logconf\" or \"product\")")),
        }
    }

    fn spec(&self) -> LossSpec {
        match *self {
            TransferLoss::Xent => LossSpec::CrossEntropy,
            TransferLoss::Logconf {
                aux_coef,
                warmup_frac,
            } => LossSpec::Confidence {
                aux_coef,
                warmup_frac,
            },
            TransferLoss::Product { alpha, beta } => LossSpec::Product { alpha, beta },
        }
    }
}

/// PGR, NaN when the ceiling does not beat the weak model.
pub fn pgr(weak: f64, w2s: f64, ceiling: f64) -> f64 {
    if ceiling <= weak {
        f64::NAN
    } else {
        (w2s - weak) / (ceiling - weak)
    }
}

/// One seed's figures (test accuracies; agreement of student and supervisor on the test set).
#[derive(Clone, Debug, PartialEq)]
pub struct W2sRun {
    pub seed: u64,
    pub weak: f64,
    pub w2s: f64,
    pub ceiling: f64,
    pub pgr: f64,
    pub agreement: f64,
}

/// All seeds of one protocol.
#[derive(Clone, Debug)]
pub struct W2sResult {
    pub loss: String,
    pub weak_name: String,
    pub strong_name: String,
    pub runs: Vec<W2sRun>,
}

impl W2sResult {
    /// Mean and 95 % t-interval of a figure over seeds (NaN PGRs are left out).
    pub fn summary(&self, figure: fn(&W2sRun) -> f64) -> Interval {
        mean_interval(&self.runs.iter().map(figure).collect::<Vec<_>>())
    }
}

/// Run the protocol once per seed.
pub fn weak_to_strong(
    train: &Dataset,
    test: &Dataset,
    weak: &ModelPlan,
    strong: &ModelPlan,
    loss: &TransferLoss,
    seeds: &[u64],
    env: Env,
) -> Result<W2sResult, Error> {
    if seeds.is_empty() {
        return Err(Error::options("weak_to_strong: no seeds given"));
    }
    if train.num_features() != test.num_features() {
        return Err(Error::shape(format!(
            "weak_to_strong: train has {} features but test has {}",
            train.num_features(),
            test.num_features()
        )));
    }
    if train.len() < 4 {
        return Err(Error::data(format!(
            "weak_to_strong: the training set has {} rows; it needs at least 4",
            train.len()
        )));
    }
    let classes = train.num_classes.max(test.num_classes);
    let y_test = labels(test)?;
    let mut runs = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        let (half1, half2) = halves(train, seed)?;
        let d = train.num_features();

        let weak_net = weak.build(d, classes, seed, env)?;
        weak.train(&weak_net, &weak.view(&half1)?, LossSpec::CrossEntropy, seed)?;
        let weak_labels = proba(&weak_net, &weak.view(&half2)?)?;
        let weak_test = argmax_rows(&proba(&weak_net, &weak.view(test)?)?);

        let student = strong.build(d, classes, seed, env)?;
        let taught = with_only_soft(&strong.view(&half2)?, &weak_labels)?;
        strong.train(&student, &taught, loss.spec(), seed)?;
        let student_test = argmax_rows(&proba(&student, &strong.view(test)?)?);

        let ceiling_net = strong.build(d, classes, seed, env)?;
        strong.train(
            &ceiling_net,
            &strong.view(&half2)?,
            LossSpec::CrossEntropy,
            seed,
        )?;
        let ceiling_test = argmax_rows(&proba(&ceiling_net, &strong.view(test)?)?);

        let acc = |p: &[usize]| crate::experiments::metrics::accuracy(&y_test, p);
        let (a_weak, a_w2s, a_ceiling) =
            (acc(&weak_test)?, acc(&student_test)?, acc(&ceiling_test)?);
        runs.push(W2sRun {
            seed,
            weak: a_weak,
            w2s: a_w2s,
            ceiling: a_ceiling,
            pgr: pgr(a_weak, a_w2s, a_ceiling),
            agreement: agreement(&student_test, &weak_test)?,
        });
    }
    Ok(W2sResult {
        loss: loss.name().into(),
        weak_name: weak.name.clone(),
        strong_name: strong.name.clone(),
        runs,
    })
}

/// One link of a bootstrapping chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainLink {
    pub name: String,
    /// Test accuracy of the model trained on its predecessor's labels (the first link: on
    /// ground truth).
    pub accuracy: f64,
    /// Test accuracy of the same model trained on ground truth of its split.
    pub ceiling: f64,
}

/// Bootstrapping: the training set is shuffled with the seed and cut into one split per
/// model; model 1 learns split 1 from ground truth, then each model labels the next split
/// (soft labels) for the next, larger model.
pub fn bootstrap_chain(
    train: &Dataset,
    test: &Dataset,
    plans: &[ModelPlan],
    loss: &TransferLoss,
    seed: u64,
    env: Env,
) -> Result<Vec<ChainLink>, Error> {
    if plans.len() < 2 {
        return Err(Error::options(format!(
            "bootstrap chain: needs at least 2 models, got {}",
            plans.len()
        )));
    }
    let n = train.len();
    if n < 2 * plans.len() {
        return Err(Error::data(format!(
            "bootstrap chain: {n} training rows cannot be split over {} models",
            plans.len()
        )));
    }
    let order = crate::rng::Rng::new(seed).permutation(n);
    let size = n / plans.len();
    let splits: Vec<Dataset> = (0..plans.len())
        .map(|i| train.subset(&order[i * size..(i + 1) * size]))
        .collect::<Result<_, _>>()?;
    let classes = train.num_classes.max(test.num_classes);
    let y_test = labels(test)?;
    let d = train.num_features();
    let mut links = Vec::new();
    let mut teacher: Option<(crate::nn::Network, &ModelPlan)> = None;
    for (i, plan) in plans.iter().enumerate() {
        let split = &splits[i];
        let net = plan.build(d, classes, seed, env)?;
        match &teacher {
            None => plan.train(&net, &plan.view(split)?, LossSpec::CrossEntropy, seed)?,
            Some((t, tplan)) => {
                let soft = proba(t, &tplan.view(split)?)?;
                plan.train(
                    &net,
                    &with_only_soft(&plan.view(split)?, &soft)?,
                    loss.spec(),
                    seed,
                )?;
            }
        }
        let ceiling = plan.build(d, classes, seed, env)?;
        plan.train(&ceiling, &plan.view(split)?, LossSpec::CrossEntropy, seed)?;
        let acc_of = |m: &crate::nn::Network| -> Result<f64, Error> {
            Ok(crate::experiments::metrics::accuracy(
                &y_test,
                &argmax_rows(&proba(m, &plan.view(test)?)?),
            )?)
        };
        links.push(ChainLink {
            name: plan.name.clone(),
            accuracy: acc_of(&net)?,
            ceiling: acc_of(&ceiling)?,
        });
        teacher = Some((net, plan));
    }
    Ok(links)
}
