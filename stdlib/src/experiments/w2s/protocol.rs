//! The weak-to-strong protocol of Burns et al. (openai/weak-to-strong): shuffle the training
//! set with the seed and halve it; the weak model trains on half 1 with ground truth and its
//! soft probabilities label half 2; the strong student trains on half 2 with those labels
//! (loss: plain cross-entropy, the auxiliary confidence loss, or the product loss); the strong
//! ceiling trains on half 2 with ground truth; all three are scored on one test set.
//! PGR = (w2s − weak) / (ceiling − weak), undefined (NaN) when ceiling ≤ weak.

use crate::data::split::halves;
use crate::data::Dataset;
use crate::error::Error;
use crate::experiments::metrics::abstain::{drop_abstains, ABSTAIN};
use crate::experiments::metrics::{agreement, mean_interval, Interval};
use crate::experiments::models::{
    argmax_rows, labels, proba, proba_tensor, with_only_soft, Env, ModelPlan,
};
use crate::train::LossSpec;
use candle_core::DType;

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
    /// Share of test rows a fixed supervisor voted on (`None` for a trained weak model, which
    /// always votes); its accuracy and agreement count only those rows.
    pub weak_coverage: Option<f64>,
}

/// A supervisor whose labels do not depend on the seed (an LM labeller): its class
/// probabilities for every training row and every test row, and the confidence below which it
/// abstains. It takes the weak model's place: half 2 of each seed's split learns its
/// probabilities (rows it abstains on are left out), and its test figures count only the test
/// rows it votes on (Snorkel's convention), with the coverage reported.
#[derive(Clone, Debug)]
pub struct FixedSupervisor {
    pub name: String,
    pub train: Vec<Vec<f64>>,
    pub test: Vec<Vec<f64>>,
    pub abstain_below: f64,
}

impl FixedSupervisor {
    /// The most likely class of each row, or −1 below the confidence.
    pub fn votes(&self, rows: &[Vec<f64>]) -> Vec<i64> {
        rows.iter()
            .map(|p| {
                let best = crate::experiments::boost::stump::argmax(p);
                if p[best] < self.abstain_below {
                    ABSTAIN
                } else {
                    best as i64
                }
            })
            .collect()
    }
}

/// Who supervises the strong student: a model trained per seed on half 1, or fixed labels.
#[derive(Clone, Copy)]
pub enum Weak<'a> {
    Trained(&'a ModelPlan),
    Fixed(&'a FixedSupervisor),
}

impl Weak<'_> {
    pub fn name(&self) -> &str {
        match self {
            Weak::Trained(p) => &p.name,
            Weak::Fixed(f) => &f.name,
        }
    }
}

/// A seed's supervision: probabilities for half 2's rows (`None` where the supervisor
/// abstains) and votes on the test rows (−1 for an abstention).
struct Supervision {
    half2: Vec<Option<Vec<f64>>>,
    test_votes: Vec<i64>,
}

fn supervise(
    weak: Weak,
    half1: &Dataset,
    half2: &Dataset,
    test: &Dataset,
    classes: usize,
    seed: u64,
    env: Env,
) -> Result<Supervision, Error> {
    match weak {
        Weak::Trained(plan) => {
            let net = plan.build(half1.num_features(), classes, seed, env)?;
            plan.train(&net, &plan.view(half1)?, LossSpec::CrossEntropy, seed)?;
            let half2 = proba(&net, &plan.view(half2)?)?;
            let test = argmax_rows(&proba(&net, &plan.view(test)?)?);
            Ok(Supervision {
                half2: half2.into_iter().map(Some).collect(),
                test_votes: test.into_iter().map(|c| c as i64).collect(),
            })
        }
        Weak::Fixed(f) => {
            // Half 2 carries the supervisor's probabilities as its soft labels (set before
            // the split, so they follow the rows).
            let soft = half2
                .soft
                .as_ref()
                .ok_or("weak_to_strong: the supervisor's labels were lost in the split")?;
            let rows = soft.to_dtype(DType::F64)?.to_vec2::<f64>()?;
            let votes = f.votes(&rows);
            Ok(Supervision {
                half2: rows
                    .into_iter()
                    .zip(votes)
                    .map(|(p, v)| (v != ABSTAIN).then_some(p))
                    .collect(),
                test_votes: f.votes(&f.test),
            })
        }
    }
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
    weak: Weak,
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
    let train = match weak {
        Weak::Fixed(f) => {
            if f.train.len() != train.len() || f.test.len() != test.len() {
                return Err(Error::shape(format!(
                    "weak_to_strong: the supervisor labelled {} training and {} test rows, but there are {} and {}",
                    f.train.len(), f.test.len(), train.len(), test.len()
                )));
            }
            train.with_soft_labels(&proba_tensor(&f.train)?)?
        }
        Weak::Trained(_) => train.clone(),
    };
    let classes = train.num_classes.max(test.num_classes);
    let y_test = labels(test)?;
    let y_signed: Vec<i64> = y_test.iter().map(|&c| c as i64).collect();
    let mut runs = Vec::with_capacity(seeds.len());
    let mut weak_coverage = None;
    for &seed in seeds {
        let (half1, half2) = halves(&train, seed)?;
        let d = train.num_features();

        let sup = supervise(weak, &half1, &half2, test, classes, seed, env)?;
        let voted: Vec<usize> = (0..sup.half2.len())
            .filter(|&i| sup.half2[i].is_some())
            .collect();
        if voted.is_empty() {
            return Err(Error::data(format!(
                "weak_to_strong: {} abstains on every row of half 2 (seed {seed}); lower its abstention threshold",
                weak.name()
            )));
        }
        let weak_labels: Vec<Vec<f64>> = sup.half2.into_iter().flatten().collect();

        let student = strong.build(d, classes, seed, env)?;
        let taught = with_only_soft(&strong.view(&half2.subset(&voted)?)?, &weak_labels)?;
        strong.train(&student, &taught, loss.spec(), seed)?;
        let student_test = argmax_rows(&proba(&student, &strong.view(test)?)?);

        let ceiling_net = strong.build(d, classes, seed, env)?;
        let mut ground_truth = strong.view(&half2)?;
        if let Weak::Fixed(_) = weak {
            ground_truth.soft = None;
        }
        strong.train(&ceiling_net, &ground_truth, LossSpec::CrossEntropy, seed)?;
        let ceiling_test = argmax_rows(&proba(&ceiling_net, &strong.view(test)?)?);

        let acc = |p: &[usize]| crate::experiments::metrics::accuracy(&y_test, p);
        // The supervisor is scored (and compared with the student) on the rows it votes on.
        let scored = drop_abstains(&y_signed, &sup.test_votes, "weak_to_strong")?;
        if scored.pred.is_empty() {
            return Err(Error::data(format!(
                "weak_to_strong: {} abstains on every test row; lower its abstention threshold",
                weak.name()
            )));
        }
        let on_voted: Vec<usize> = (0..y_test.len())
            .filter(|&i| sup.test_votes[i] != ABSTAIN)
            .map(|i| student_test[i])
            .collect();
        if let Weak::Fixed(_) = weak {
            weak_coverage = Some(scored.coverage());
        }
        let a_weak = crate::experiments::metrics::accuracy(&scored.y, &scored.pred)?;
        let (a_w2s, a_ceiling) = (acc(&student_test)?, acc(&ceiling_test)?);
        runs.push(W2sRun {
            seed,
            weak: a_weak,
            w2s: a_w2s,
            ceiling: a_ceiling,
            pgr: pgr(a_weak, a_w2s, a_ceiling),
            agreement: agreement(&on_voted, &scored.pred)?,
        });
    }
    Ok(W2sResult {
        loss: loss.name().into(),
        weak_name: weak.name().to_string(),
        strong_name: strong.name.clone(),
        runs,
        weak_coverage,
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
