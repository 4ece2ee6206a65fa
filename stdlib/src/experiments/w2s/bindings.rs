//! Rhai bindings: `weak_to_strong(data, options)` and `bootstrap_chain(data, options)`.

use super::protocol::{
    bootstrap_chain, weak_to_strong, FixedSupervisor, TransferLoss, W2sResult, Weak,
};
use super::report::chain_table;
use crate::bind;
use crate::data::Dataset;
use crate::experiments::convert::*;
use crate::experiments::spec::plan_from;
use crate::experiments::table::Table;
use crate::lm::bindings::labeller::labeller_rows;
use crate::lm::labeller::LmLabeller;
use crate::opts::Opts;
use crate::plot::chart::Chart;
use crate::plot::results::{weak_strong_bars, Estimate, WeakStrong};
use crate::runs::{recorded, Call};
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, NativeCallContext};
use ladder_scripting::Renderers;

crate::type_names! {
    W2sResult => "W2sResult",
}

/// The test set: `test` if given, else a stratified `test_frac` (0.2) split with seed
/// `split_seed` (0), the same for every seed so runs compare on one test set. A given `test`
/// leaves nothing to split, so `test_frac` / `split_seed` beside it are refused, not ignored.
fn train_test(data: &Dataset, o: &mut Opts) -> RhaiResult<(Dataset, Dataset)> {
    let test = o.raw("test");
    let given_frac = o.float_opt("test_frac")?;
    let given_seed = o.int_opt("split_seed")?;
    if let Some(t) = test {
        let split = given_frac
            .map(|f| ("test_frac", f.to_string()))
            .or(given_seed.map(|s| ("split_seed", s.to_string())));
        if let Some((key, value)) = split {
            return Err(o
                .fail(
                    key,
                    format!("cannot be used with `test` (the test set is given, nothing is split), got {value}"),
                )
                .into());
        }
        let name = t.type_name();
        let test = t
            .try_cast::<Dataset>()
            .ok_or_else(|| o.fail("test", format!("must be a Dataset, got {name}")))?;
        return Ok((data.clone(), test));
    }
    let (frac, seed) = (given_frac.unwrap_or(0.2), given_seed.unwrap_or(0) as u64);
    Ok(crate::data::split::train_test_split(data, frac, seed, true)
        .map_err(|e| format!("{}: {e}", o.what()))?)
}

/// The transfer loss; `aux_coef` and `warmup_frac` tune the confidence loss ("logconf").
fn loss_from(o: &mut Opts) -> RhaiResult<TransferLoss> {
    let name = o.string("loss", "xent")?;
    let aux = o.float_opt("aux_coef")?;
    let warmup = o.float_opt("warmup_frac")?;
    // Checked whatever the loss: a sweep over losses passes the same options to each.
    if let Some(a) = aux.filter(|a| !(*a >= 0.0 && a.is_finite())) {
        return Err(o
            .fail(
                "aux_coef",
                format!("must be a non-negative number, got {a}"),
            )
            .into());
    }
    if let Some(w) = warmup.filter(|w| !(0.0..=1.0).contains(w)) {
        return Err(o
            .fail("warmup_frac", format!("must be in [0, 1], got {w}"))
            .into());
    }
    let mut loss = TransferLoss::parse(&name).map_err(|e| format!("{}: {e}", o.what()))?;
    if let TransferLoss::Logconf {
        aux_coef,
        warmup_frac,
    } = &mut loss
    {
        *aux_coef = aux.unwrap_or(*aux_coef);
        *warmup_frac = warmup.unwrap_or(*warmup_frac);
    }
    Ok(loss)
}

fn seeds_from(o: &mut Opts) -> RhaiResult<Vec<u64>> {
    let seeds = o.raw("seeds");
    let seed = o.int_opt("seed")?;
    match (seeds, seed) {
        (Some(_), Some(_)) => Err(format!("{}: give 'seed' or 'seeds', not both", o.what()).into()),
        (Some(s), None) => {
            let arr = s
                .read_lock::<Array>()
                .ok_or_else(|| o.fail("seeds", "must be an array of integers"))?;
            // Any integers, read as their 64 bits like `seed`.
            let v = arr
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_int().map_err(|t| {
                        o.fail(
                            "seeds",
                            format!("must be an array of integers, got a {t} at seeds[{i}]"),
                        )
                    })
                })
                .collect::<Result<Vec<i64>, _>>()?;
            if v.is_empty() {
                return Err(o.fail("seeds", "is empty").into());
            }
            Ok(v.into_iter().map(|s| s as u64).collect())
        }
        (None, Some(seed)) => Ok(vec![seed as u64]),
        (None, None) => Ok(vec![0]),
    }
}

fn w2s(ctx: NativeCallContext, data: Dataset, options: Map) -> RhaiResult<W2sResult> {
    let mut o = Opts::new("weak_to_strong", options);
    let weak = o.raw("weak");
    let strong = o.raw("strong");
    let loss = loss_from(&mut o)?;
    let seeds = seeds_from(&mut o)?;
    let (train, test) = train_test(&data, &mut o)?;
    o.finish()?;
    let weak =
        weak.ok_or("weak_to_strong: option 'weak' (a model spec or an lm_labeller) is required")?;
    let strong = plan_from(
        &strong.ok_or("weak_to_strong: option 'strong' (a model spec) is required")?,
        &train,
        "strong",
    )?;
    let (fixed, plan);
    let weak = match weak.clone().try_cast::<LmLabeller>() {
        Some(lab) => {
            fixed = FixedSupervisor {
                name: lab.name(),
                train: labeller_rows(&lab, &train, "weak_to_strong: train")?.soft,
                test: labeller_rows(&lab, &test, "weak_to_strong: test")?.soft,
                abstain_below: lab.opts.abstain_below,
            };
            Weak::Fixed(&fixed)
        }
        None => {
            plan = plan_from(&weak, &train, "weak")?;
            Weak::Trained(&plan)
        }
    };
    Ok(weak_to_strong(
        &train,
        &test,
        weak,
        &strong,
        &loss,
        &seeds,
        Some(&ctx),
    )?)
}

fn chain(ctx: NativeCallContext, data: Dataset, options: Map) -> RhaiResult<Table> {
    let mut o = Opts::new("bootstrap_chain", options);
    let models = o.raw("models");
    let loss = loss_from(&mut o)?;
    let seed = o.seed("seed")?;
    let (train, test) = train_test(&data, &mut o)?;
    o.finish()?;
    let models = models
        .and_then(|m| m.read_lock::<Array>().map(|a| a.clone()))
        .ok_or("bootstrap_chain: option 'models' (an array of model specs, smallest first) is required")?;
    let plans = models
        .iter()
        .enumerate()
        .map(|(i, m)| plan_from(m, &train, &format!("models[{i}]")))
        .collect::<RhaiResult<Vec<_>>>()?;
    let links = bootstrap_chain(&train, &test, &plans, &loss, seed, Some(&ctx))?;
    Ok(chain_table(&links, loss.name()))
}

fn run_map(r: &super::protocol::W2sRun) -> Map {
    let mut m = Map::new();
    m.insert("seed".into(), Dynamic::from_int(r.seed as i64));
    m.insert("weak".into(), r.weak.into());
    m.insert("w2s".into(), r.w2s.into());
    m.insert("ceiling".into(), r.ceiling.into());
    m.insert(
        "pgr".into(),
        if r.pgr.is_nan() {
            Dynamic::UNIT
        } else {
            r.pgr.into()
        },
    );
    m.insert("agreement".into(), r.agreement.into());
    m
}

/// The result as one setting of [`weak_strong_bars`], named after its loss.
fn w2s_chart(r: &W2sResult) -> Chart {
    let estimate = |figure: fn(&super::protocol::W2sRun) -> f64| {
        let i = r.summary(figure);
        Estimate {
            value: i.estimate,
            lower: i.lower,
            upper: i.upper,
        }
    };
    let setting = WeakStrong {
        setting: format!("{} -> {} ({})", r.weak_name, r.strong_name, r.loss),
        weak: estimate(|x| x.weak),
        w2s: estimate(|x| x.w2s),
        ceiling: estimate(|x| x.ceiling),
    };
    weak_strong_bars("weak-to-strong accuracy", &[setting])
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<W2sResult>(engine, renderers);

    bind!(
        engine,
        /// The weak-to-strong protocol (Burns et al.): per seed, halve the training rows; the weak model
        /// learns half 1 from ground truth and its soft probabilities label half 2; the strong student
        /// learns half 2 from them; the strong ceiling learns half 2 from ground truth; all are scored on
        /// one test set. Returns accuracies, PGR (undefined when ceiling <= weak) and student/supervisor
        /// agreement per seed, with mean and 95% interval.
        /// Options: `weak` may also be an `lm_labeller`: its soft labels on the training rows stand in for a
        /// trained weak model's (rows it abstains on are left out of the student's training) and its test
        /// accuracy counts the test rows it votes on (the table gives its coverage); the rows need texts.
        /// `weak`, `strong`: a spec map (#{kind: "mlp"|"logistic", hidden: [64], features: [cols],
        /// name, and any `fit` option: epochs (2), batch_size (32), lr, optimizer ("adam"), schedule ("cosine")})
        /// or a function |inputs, classes, seed| -> Model; `loss`: "xent" (naive), "logconf" (auxiliary
        /// confidence, `aux_coef` 0.5, `warmup_frac` 0.1, linear warm-up) or "product"; `seeds` ([0]) or `seed`;
        /// `test` (a Dataset) or `test_frac` (0.2, stratified, `split_seed` 0).
        /// Example: weak_to_strong(data, #{weak: #{kind: "logistic", features: [0, 1]}, strong: #{hidden: [64], epochs: 20}, seeds: [0, 1, 2, 3, 4]})
        fn weak_to_strong(
            ctx: NativeCallContext,
            data: Dataset,
            options: Map,
        ) -> RhaiResult<W2sResult> {
            recorded(Call::new("weak_to_strong", &options).on(&data), || {
                w2s(ctx, data.clone(), options.clone())
            })
        }
    );
    engine.register_get("runs", |r: &mut W2sResult| -> Array {
        r.runs
            .iter()
            .map(|x| Dynamic::from_map(run_map(x)))
            .collect()
    });
    engine.register_get("pgr", |r: &mut W2sResult| -> Dynamic {
        let i = r.summary(|x| x.pgr);
        if i.estimate.is_nan() {
            Dynamic::UNIT
        } else {
            i.estimate.into()
        }
    });
    engine.register_get("pgr_interval", |r: &mut W2sResult| r.summary(|x| x.pgr));
    engine.register_get("weak", |r: &mut W2sResult| r.summary(|x| x.weak).estimate);
    engine.register_get("w2s", |r: &mut W2sResult| r.summary(|x| x.w2s).estimate);
    engine.register_get("ceiling", |r: &mut W2sResult| {
        r.summary(|x| x.ceiling).estimate
    });
    engine.register_get("agreement", |r: &mut W2sResult| {
        r.summary(|x| x.agreement).estimate
    });
    engine.register_get("table", |r: &mut W2sResult| r.table());
    bind!(
        engine,
        /// Grouped bars of weak, weak-to-strong and strong-ceiling accuracy, with each figure's 95% interval over seeds as error bars.
        ///
        /// let r = weak_to_strong(data, #{weak: weak, strong: strong, seeds: [0, 1, 2, 3, 4]});
        /// r.plot()
        fn plot(result: &mut W2sResult) -> Chart {
            w2s_chart(result)
        }
    );

    bind!(engine,
        /// Performance gap recovered, (w2s − weak) / (ceiling − weak); `()` (undefined) when ceiling <= weak.
        fn pgr(weak: f64, w2s: f64, ceiling: f64) -> Dynamic as "float" {
            let p = super::protocol::pgr(weak, w2s, ceiling);
            if p.is_nan() { Dynamic::UNIT } else { p.into() }
        }

        /// Mean of per-seed values with a 95% Student-t interval (`()` values, e.g. undefined PGRs, are left out).
        fn mean_ci(values: Array) -> RhaiResult<crate::experiments::metrics::Interval> {
            let v = values
                .iter()
                .enumerate()
                .filter(|(_, x)| !x.is_unit())
                .map(|(i, x)| number(x).ok_or_else(|| format!("mean_ci: values[{i}] is {}, not a number", crate::error::a_type(x.type_name()))))
                .collect::<Result<Vec<f64>, String>>()?;
            Ok(crate::experiments::metrics::mean_interval(&v))
        }
    );
    bind!(
        engine,
        /// Bootstrapping: a chain of growing models (`models`: specs, smallest first); the training rows
        /// are cut into one split per model; model 1 learns split 1 from ground truth, each next model
        /// learns the next split from its predecessor's soft labels. Options: `models`, `loss`, `seed`,
        /// `test` or `test_frac`. Reports each link's accuracy and ceiling.
        fn bootstrap_chain(
            ctx: NativeCallContext,
            data: Dataset,
            options: Map,
        ) -> RhaiResult<Table> {
            recorded(Call::new("bootstrap_chain", &options).on(&data), || {
                chain(ctx, data.clone(), options.clone())
            })
        }
    );
}
