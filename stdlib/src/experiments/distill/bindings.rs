//! Rhai bindings: `distill(teacher, student_spec, data, options)` and
//! `distill_chain(teacher, specs, data, options)`.

use super::{distill_chain, DistillReport, FixedTeacher, KdConfig, Teacher};
use crate::bind;
use crate::data::Dataset;
use crate::experiments::convert::*;
use crate::experiments::models::{labels, proba_tensor};
use crate::experiments::spec::plan_from;
use crate::lm::bindings::labeller::labeller_rows;
use crate::lm::labeller::LmLabeller;
use crate::nn::Network;
use crate::opts::Opts;
use crate::runs::{recorded, Call};
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, NativeCallContext};
use ladder_scripting::{MimeBundle, Render, Renderers};

crate::type_names! {
    DistillReport => "DistillReport",
}

impl Render for DistillReport {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

/// An LM labeller as a fixed teacher: its log class probabilities on the training rows and its
/// accuracy on the test rows it votes on.
fn labeller_teacher(lab: &LmLabeller, train: &Dataset, test: &Dataset) -> RhaiResult<FixedTeacher> {
    let on_train = labeller_rows(lab, train, "distill: data")?;
    let on_test = labeller_rows(lab, test, "distill: test")?;
    let log_p: Vec<Vec<f64>> = on_train
        .soft
        .iter()
        .map(|r| r.iter().map(|p| p.max(1e-12).ln()).collect())
        .collect();
    let gold = labels(test)?;
    let accuracy = on_test.accuracy(&gold).ok_or_else(|| {
        format!(
            "distill: the teacher {} abstains on every test row; lower its abstention threshold",
            lab.name()
        )
    })?;
    Ok(FixedTeacher {
        name: lab.name(),
        train_logits: proba_tensor(&log_p)?.0,
        accuracy,
        parameters: lab.lm.info.parameters,
    })
}

/// The teacher of a call: a Model or an LM labeller.
enum Given {
    Network(Network),
    Labeller(LmLabeller),
}

fn run(
    ctx: NativeCallContext,
    teacher: Given,
    specs: Array,
    data: Dataset,
    o: Map,
) -> RhaiResult<DistillReport> {
    let mut o = Opts::new("distill", o);
    let test = match o.raw("test") {
        None => {
            return Err(o
                .fail("test", "(a Dataset to score every model on) is required")
                .into())
        }
        Some(t) => {
            let name = t.type_name();
            t.try_cast::<Dataset>()
                .ok_or_else(|| o.fail("test", format!("must be a Dataset, got {name}")))?
        }
    };
    let temperature = match (o.float_opt("T")?, o.float_opt("temperature")?) {
        (Some(_), Some(_)) => {
            return Err(crate::error::Error::options(
                "distill: give `T` or `temperature`, not both",
            )
            .into())
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => 2.0,
    };
    let config = KdConfig {
        temperature,
        alpha: o.float("alpha", if data.y.is_some() { 0.5 } else { 1.0 })?,
        seed: o.seed("seed")?,
    };
    o.finish()?;
    let plans = specs
        .iter()
        .enumerate()
        .map(|(i, s)| plan_from(s, &data, &format!("student {i}")))
        .collect::<RhaiResult<Vec<_>>>()?;
    let fixed;
    let teacher = match &teacher {
        Given::Network(net) => Teacher::Network(net),
        Given::Labeller(lab) => {
            fixed = labeller_teacher(lab, &data, &test)?;
            Teacher::Fixed(&fixed)
        }
    };
    Ok(distill_chain(
        teacher,
        &plans,
        &data,
        &test,
        &config,
        Some(&ctx),
    )?)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<DistillReport>(engine, renderers);
    bind!(engine,
        /// Knowledge distillation: train a student (a spec map like #{hidden: [16], epochs: 20, lr: 0.001},
        /// or a function |inputs, classes, seed| -> Model) on `data` with α·T²·KL(teacher ‖ student at T) +
        /// (1 − α)·CE. Options: `T` (2.0), `alpha` (0.5 with hard labels, else 1.0), `seed` (0), `test`
        /// (required). Returns a report of accuracy and parameter count relative to the teacher;
        /// `report.student` is the trained student.
        fn distill(ctx: NativeCallContext, teacher: Network, student: Dynamic as "Map|Fn", data: Dataset, options: Map) -> RhaiResult<DistillReport> {
            recorded(Call::new("distill", &options).on(&data), || run(ctx, Given::Network(teacher.clone()), vec![student], data.clone(), options.clone()))
        }

        /// Distillation from a language model: the teacher is an `lm_labeller`, whose class probabilities on `data`'s texts are the soft targets (its logits are their logs), and the student learns the rows' features (e.g. token ids). The report gives the labeller's accuracy on the test rows it votes on and the LM's parameter count. Options as `distill`.
        /// Example: `distill(lm_labeller(lm("smollm2"), #{labels: [" negative", " positive"]}), #{epochs: 10}, train, #{test: test})`
        fn distill(ctx: NativeCallContext, teacher: LmLabeller, student: Dynamic as "Map|Fn", data: Dataset, options: Map) -> RhaiResult<DistillReport> {
            recorded(Call::new("distill", &options).on(&data), || run(ctx, Given::Labeller(teacher.clone()), vec![student], data.clone(), options.clone()))
        }
    );
    bind!(
        engine,
        /// Progressive (teacher-assistant) distillation: teacher → students[0] → students[1] → …, plain KD
        /// at each hop (options as `distill`). The report lists every model relative to the teacher.
        fn distill_chain(
            ctx: NativeCallContext,
            teacher: Network,
            students: Array,
            data: Dataset,
            options: Map,
        ) -> RhaiResult<DistillReport> {
            recorded(Call::new("distill_chain", &options).on(&data), || {
                run(
                    ctx,
                    Given::Network(teacher.clone()),
                    students,
                    data.clone(),
                    options.clone(),
                )
            })
        }
    );
    engine.register_get("student", |r: &mut DistillReport| -> Dynamic {
        r.students
            .last()
            .cloned()
            .map_or(Dynamic::UNIT, Dynamic::from)
    });
    engine.register_get("students", |r: &mut DistillReport| -> Array {
        r.students.iter().cloned().map(Dynamic::from).collect()
    });
    engine.register_get("table", |r: &mut DistillReport| r.table());
}
