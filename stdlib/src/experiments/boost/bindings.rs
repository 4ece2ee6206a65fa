//! Rhai bindings of boosting: `samme`, `predict`, `predict_proba`, `staged`, `samme_cv`.

use super::learner::WeakLearner;
use super::network_learner::NetworkLearner;
use super::rhai_learner::RhaiLearner;
use super::samme::{Samme, SammeConfig};
use super::stump::StumpLearner;
use crate::bind;
use crate::experiments::convert::*;
use crate::experiments::cv::{complement, stratified_kfold};
use crate::experiments::matrix::Labelled;
use crate::experiments::metrics::mean_interval;
use crate::experiments::table::{Cell, Table};
use crate::opts::Opts;
use ladder_scripting::rhai::{Array, Dynamic, Engine, FnPtr, Map, NativeCallContext};
use ladder_scripting::{MimeBundle, Render, Renderers};
use std::rc::Rc;

crate::type_names! {
    Boosted => "Boosted",
}

/// A boosted ensemble as a Rhai value.
#[derive(Clone)]
pub struct Boosted(pub Rc<Samme>);

impl Boosted {
    pub fn table(&self) -> Table {
        let m = &self.0;
        let mut t = Table::new(
            format!(
                "SAMME: {} rounds of {} ({} classes, learning rate {})",
                m.rounds.len(),
                m.learner,
                m.n_classes,
                m.config.learning_rate
            ),
            &["round", "error", "alpha", "hypothesis"],
        );
        let show = |i: usize| i < 10 || i + 5 >= m.rounds.len();
        for (i, r) in m.rounds.iter().enumerate() {
            if show(i) {
                t.push(vec![
                    (i + 1).into(),
                    Cell::num(r.error),
                    Cell::num(r.alpha),
                    r.describe.clone().into(),
                ]);
            } else if i == 10 {
                t.push(vec!["…".into(), Cell::Empty, Cell::Empty, Cell::Empty]);
            }
        }
        if let Some(why) = &m.stopped {
            t.note(format!("stopped early: {why}"));
        }
        t
    }
}

impl Render for Boosted {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

/// The `learner` and `seed` options, read once and built into a fresh learner per fit (per
/// fold in `samme_cv`).
struct LearnerChoice {
    learner: Option<Dynamic>,
    seed: u64,
}

impl LearnerChoice {
    fn read(o: &mut Opts) -> RhaiResult<Self> {
        Ok(LearnerChoice {
            learner: o.raw("learner"),
            seed: o.seed("seed")?,
        })
    }
}

fn learner_from(choice: &LearnerChoice, data: &Labelled) -> RhaiResult<Box<dyn WeakLearner>> {
    match &choice.learner {
        None => Ok(Box::new(StumpLearner::new())),
        Some(v) if v.is_string() && v.clone().into_string().unwrap() == "stump" => {
            Ok(Box::new(StumpLearner::new()))
        }
        Some(v) if v.is_map() => {
            // a network spec: build a data set of the right shape for fit's option checks
            let probe = crate::data::from_rows(
                "boosting",
                data.x.data().iter().map(|&x| x as f32).collect(),
                data.x.cols(),
                data.y.iter().map(|&c| c as u32).collect(),
                (0..data.x.cols()).map(|j| format!("x{j}")).collect(),
            )
            .map_err(|e| e.to_string())?;
            let plan = crate::experiments::spec::plan_from(v, &probe, "samme learner")?;
            Ok(Box::new(NetworkLearner::new(plan, choice.seed)))
        }
        Some(v) => match v.clone().try_cast::<FnPtr>() {
            Some(fit) => Ok(Box::new(RhaiLearner { fit })),
            None => Err(format!(
                "samme: option 'learner' must be \"stump\", a network spec map (#{{kind: \"mlp\", hidden: [16], epochs: 10}}) or a function |x, y, w| returning a predictor, got {}",
                v.type_name()
            )
            .into()),
        },
    }
}

/// The `classes` option: at least 2 when given (a negative count would wrap).
fn classes_option(o: &mut Opts) -> RhaiResult<Option<usize>> {
    match o.int_opt("classes")? {
        Some(k) if k < 2 => Err(o
            .fail("classes", format!("must be at least 2, got {k}"))
            .into()),
        k => Ok(k.map(|k| k as usize)),
    }
}

fn config_from(o: &mut Opts) -> RhaiResult<SammeConfig> {
    Ok(SammeConfig {
        rounds: o.count("rounds", 50)?,
        learning_rate: o.float("lr", 1.0)?,
    })
}

/// Rows and classes; `classes` (option) fixes the class count, else the largest label + 1.
fn labelled(
    x: &Dynamic,
    y: &Dynamic,
    n_classes: Option<usize>,
    what: &str,
) -> RhaiResult<Labelled> {
    let x = matrix_of(x, "x")?;
    let y = classes_of(y, "y")?;
    let k = match n_classes {
        Some(k) => k,
        None => y.iter().max().map_or(0, |m| m + 1),
    };
    Ok(Labelled::new(x, y, k, Vec::new()).map_err(|e| format!("{what}: {e}"))?)
}

/// `samme` and `samme_cv` make a run record, on the data set when `x` is one.
fn recorded_on<T: crate::runs::RunMetrics>(
    name: &str,
    x: &Dynamic,
    options: &Map,
    body: impl FnOnce() -> RhaiResult<T>,
) -> RhaiResult<T> {
    let data = x.read_lock::<crate::data::Dataset>().map(|d| d.clone());
    let call = crate::runs::Call::new(name, options);
    let call = match &data {
        Some(d) => call.on(d),
        None => call,
    };
    crate::runs::recorded(call, body)
}

fn samme(ctx: NativeCallContext, x: Dynamic, y: Dynamic, options: Map) -> RhaiResult<Boosted> {
    recorded_on("samme", &x.clone(), &options.clone(), || {
        fit_samme(ctx, x, y, options)
    })
}

fn fit_samme(ctx: NativeCallContext, x: Dynamic, y: Dynamic, options: Map) -> RhaiResult<Boosted> {
    let mut o = Opts::new("samme", options);
    let config = config_from(&mut o)?;
    let choice = LearnerChoice::read(&mut o)?;
    let n_classes = classes_option(&mut o)?;
    o.finish()?;
    let data = labelled(&x, &y, n_classes, "samme")?;
    let mut learner = learner_from(&choice, &data)?;
    let model = Samme::fit(
        learner.as_mut(),
        &data.x,
        &data.y,
        data.n_classes,
        config,
        Some(&ctx),
    )?;
    Ok(Boosted(Rc::new(model)))
}

fn samme_cv(ctx: NativeCallContext, x: Dynamic, y: Dynamic, options: Map) -> RhaiResult<Table> {
    recorded_on("samme_cv", &x.clone(), &options.clone(), || {
        cross_validate(ctx, x, y, options)
    })
}

fn cross_validate(
    ctx: NativeCallContext,
    x: Dynamic,
    y: Dynamic,
    options: Map,
) -> RhaiResult<Table> {
    let mut o = Opts::new("samme_cv", options);
    let config = config_from(&mut o)?;
    let choice = LearnerChoice::read(&mut o)?;
    let n_classes = classes_option(&mut o)?;
    let folds = o.count("folds", 5)?;
    let at = o.raw("at");
    let at: Vec<usize> = match at {
        None => vec![config.rounds],
        Some(v) => {
            let arr = v
                .read_lock::<Array>()
                .ok_or_else(|| o.fail("at", "must be an array of round counts"))?;
            if arr.is_empty() {
                return Err(o
                    .fail(
                        "at",
                        format!(
                            "is empty: give the round counts to report, e.g. [{}]",
                            config.rounds
                        ),
                    )
                    .into());
            }
            let rounds = config.rounds;
            arr.iter()
                .enumerate()
                .map(|(i, r)| match r.as_int() {
                    Ok(n) if n >= 1 && n as usize <= rounds => Ok(n as usize),
                    _ => Err(o.fail(
                        "at",
                        format!(
                            "takes round counts from 1 to {rounds} (`rounds`), got {r} at at[{i}]"
                        ),
                    )),
                })
                .collect::<Result<_, _>>()?
        }
    };
    o.finish()?;
    let data = labelled(&x, &y, n_classes, "samme_cv")?;
    let splits = stratified_kfold(&data.y, folds).map_err(|e| format!("samme_cv: {e}"))?;
    let mut per_fold: Vec<Vec<f64>> = vec![Vec::new(); at.len()];
    let mut t = Table::new(
        format!("SAMME, stratified {folds}-fold cross-validation: test accuracy"),
        &["fold", "rounds", "accuracy"],
    );
    for (f, test) in splits.iter().enumerate() {
        let train = complement(data.len(), test);
        let (tr, te) = (data.subset(&train), data.subset(test));
        let mut learner = learner_from(&choice, &tr)?;
        let model = Samme::fit(
            learner.as_mut(),
            &tr.x,
            &tr.y,
            data.n_classes,
            config.clone(),
            Some(&ctx),
        )
        .map_err(|e| e.context(&format!("fold {}", f + 1)))?;
        let staged = model.staged_accuracy(&te.x, &te.y, Some(&ctx))?;
        for (j, &r) in at.iter().enumerate() {
            // boosting that stopped early keeps its last ensemble
            let acc = staged[(r - 1).min(staged.len() - 1)];
            per_fold[j].push(acc);
            t.push(vec![(f + 1).into(), r.into(), Cell::num(acc)]);
        }
    }
    for (j, &r) in at.iter().enumerate() {
        let i = mean_interval(&per_fold[j]);
        t.push(vec!["mean".into(), r.into(), Cell::num(i.estimate)]);
    }
    Ok(t)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Boosted>(engine, renderers);

    bind!(engine,
        /// SAMME (multi-class AdaBoost, as scikit-learn's AdaBoostClassifier) on rows `x` and
        /// classes `y`. Options: `rounds` (50), `lr` (1.0), `classes` (inferred), `learner`:
        /// "stump" (default: depth-1 trees, scikit-learn's Gini rule), a network spec map
        /// (#{kind: "mlp", hidden: [16], epochs: 10, lr: 0.01}: trained with the weights in its loss) or a function
        /// `|x, y, w|` that fits with sample weights `w` and returns a predictor `|x| -> classes`.
        /// Example: `let m = samme(x, y, #{rounds: 200}); m.staged(x_test, y_test)`
        fn samme(ctx: NativeCallContext, x: Dynamic as "Array|Tensor|Dataset", y: Dynamic as "Array|Tensor|Dataset", options: Map) -> RhaiResult<Boosted> { samme(ctx, x, y, options) }
    );
    bind!(engine,
        /// SAMME with 50 decision stumps (see `samme(x, y, options)`).
        fn samme(ctx: NativeCallContext, x: Dynamic as "Array|Tensor|Dataset", y: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Boosted> {
            samme(ctx, x, y, Map::new())
        }
    );
    bind!(engine,
        /// Stratified k-fold cross-validation of SAMME (scikit-learn's `cross_val_score(clf, X, y,
        /// cv=5)` folds). Options: those of `samme`, `folds` (5), `at`: rounds at which to
        /// report test accuracy (default: the last). Example: `samme_cv(x, y, #{rounds: 200, at: [50, 200]})`
        fn samme_cv(ctx: NativeCallContext, x: Dynamic as "Array|Tensor|Dataset", y: Dynamic as "Array|Tensor|Dataset", options: Map) -> RhaiResult<Table> { samme_cv(ctx, x, y, options) }
    );

    bind!(engine,
        /// SAMME on a data set's features and labels (options as `samme(x, y, options)`).
        /// Example: `let m = samme(dataset("breast_cancer"), #{rounds: 200})`
        fn samme(ctx: NativeCallContext, data: crate::data::Dataset, options: Map) -> RhaiResult<Boosted> {
            let data = Dynamic::from(data);
            samme(ctx, data.clone(), data, options)
        }

        /// SAMME with 50 stumps on a data set.
        fn samme(ctx: NativeCallContext, data: crate::data::Dataset) -> RhaiResult<Boosted> {
            let data = Dynamic::from(data);
            samme(ctx, data.clone(), data, Map::new())
        }

        /// Stratified k-fold cross-validation of SAMME on a data set.
        /// Example: `samme_cv(dataset("digits"), #{rounds: 200, at: [50, 200]})`
        fn samme_cv(ctx: NativeCallContext, data: crate::data::Dataset, options: Map) -> RhaiResult<Table> {
            let data = Dynamic::from(data);
            samme_cv(ctx, data.clone(), data, options)
        }

        /// Accuracy on a data set after each round.
        fn staged(ctx: NativeCallContext, model: &mut Boosted, data: crate::data::Dataset) -> RhaiResult<Array> {
                let data = Dynamic::from(data);
                let x = matrix_of(&data, "data")?;
                let y = classes_of(&data, "data")?;
                Ok(to_array(&model.0.staged_accuracy(&x, &y, Some(&ctx))?))
            }

        /// The boosted ensemble's class for each row of `x`.
        fn predict(ctx: NativeCallContext, model: &mut Boosted, x: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Array> {
                let x = matrix_of(&x, "x")?;
                Ok(usize_array(&model.0.predict(&x, Some(&ctx))?))
            }

        /// Class probabilities, softmax(decision / (K − 1)) as scikit-learn computes them.
        fn predict_proba(ctx: NativeCallContext, model: &mut Boosted, x: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Array> {
                let x = matrix_of(&x, "x")?;
                Ok(rows_array(&model.0.predict_proba(&x, Some(&ctx))?))
            }

        /// Accuracy on `x`, `y` after each round (scikit-learn's `staged_score`).
        fn staged(ctx: NativeCallContext, model: &mut Boosted, x: Dynamic as "Array|Tensor|Dataset", y: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Array> {
                let x = matrix_of(&x, "x")?;
                let y = classes_of(&y, "y")?;
                Ok(to_array(&model.0.staged_accuracy(&x, &y, Some(&ctx))?))
            }

        /// The staged curve: accuracy on `x`, `y` after each boosting round.
        ///
        /// let m = samme(train, #{rounds: 200});
        /// m.plot(test, test)
        fn plot(ctx: NativeCallContext, model: &mut Boosted, x: Dynamic as "Array|Tensor|Dataset", y: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<crate::plot::chart::Chart> {
            let x = matrix_of(&x, "x")?;
            let y = classes_of(&y, "y")?;
            let staged = model.0.staged_accuracy(&x, &y, Some(&ctx))?;
            Ok(crate::plot::results::staged_chart(
                "accuracy per boosting round",
                &[("SAMME", staged)],
            ))
        }
    );
    engine.register_get("alphas", |m: &mut Boosted| -> Array {
        m.0.rounds
            .iter()
            .map(|r| Dynamic::from_float(r.alpha))
            .collect()
    });
    engine.register_get("errors", |m: &mut Boosted| -> Array {
        m.0.rounds
            .iter()
            .map(|r| Dynamic::from_float(r.error))
            .collect()
    });
    engine.register_get("rounds", |m: &mut Boosted| m.0.rounds.len() as i64);
    engine.register_get("table", |m: &mut Boosted| m.table());
}
