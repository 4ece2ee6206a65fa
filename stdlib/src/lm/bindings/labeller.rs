//! Rhai bindings of LM labellers: `lm_labeller(m, #{..})`, `lab.label(texts)`,
//! `lab.evaluate(data)`, `lab.soft_labels(data)` and `lab.lf()` for `apply_lfs`.

use crate::bind;
use crate::data::Dataset;
use crate::error::RhaiResult;
use crate::lm::labeller::{Calibration, LabellerOptions, Labels, LmLabeller};
use crate::lm::Lm;
use crate::opts::Opts;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Array, Dynamic, Engine, FnPtr, Map, INT};
use ladder_scripting::Renderers;

fn texts_of(v: &Dynamic, what: &str) -> RhaiResult<Vec<String>> {
    if let Some(d) = v.clone().try_cast::<Dataset>() {
        return match &d.texts {
            Some(t) => Ok(t.to_vec()),
            None => Err(format!("{what}: data set \"{}\" has no texts", d.name).into()),
        };
    }
    match v.clone().try_cast::<Array>() {
        Some(a) => crate::text::bindings::strings(&a, what),
        None => Err(format!(
            "{what}: expected an array of strings or a data set with texts, got {}",
            v.type_name()
        )
        .into()),
    }
}

/// The labeller's labels of a data set's texts (for `weak_to_strong` and `distill`, which
/// take a labeller in place of a trained model).
pub fn labeller_rows(lab: &LmLabeller, data: &Dataset, what: &str) -> RhaiResult<Labels> {
    let texts = texts_of(&Dynamic::from(data.clone()), what)?;
    Ok(lab.label(&texts)?)
}

fn gold_of(d: &Dataset, what: &str) -> RhaiResult<Vec<usize>> {
    let y =
        d.y.as_ref()
            .ok_or_else(|| format!("{what}: data set \"{}\" has no labels", d.name))?;
    let y =
        y.0.to_dtype(candle_core::DType::F32)
            .map_err(crate::error::Error::from)?;
    Ok(y.flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(crate::error::Error::from)?
        .into_iter()
        .map(|v| v as usize)
        .collect())
}

fn labeller_from(m: Lm, options: Map) -> RhaiResult<LmLabeller> {
    let mut o = Opts::new("lm_labeller", options);
    let template = o.string("template", "{text}\nAnswer:")?;
    let labels = match o.raw("labels") {
        None => return Err("lm_labeller: option `labels` (one word per class, e.g. [\" negative\", \" positive\"]) is required".into()),
        Some(v) => {
            let a = v.try_cast::<Array>().ok_or("lm_labeller: `labels` must be an array of strings")?;
            crate::text::bindings::strings(&a, "lm_labeller: labels")?
        }
    };
    let examples = match o.raw("examples") {
        None => Vec::new(),
        Some(v) => {
            let a = v
                .try_cast::<Array>()
                .ok_or("lm_labeller: `examples` must be an array of #{text, label} maps")?;
            a.iter()
                .enumerate()
                .map(|(i, e)| {
                    let m = e.read_lock::<Map>().ok_or_else(|| {
                        format!("lm_labeller: example {i} must be a map #{{text, label}}")
                    })?;
                    if let Some(k) = m.keys().find(|k| !["text", "label"].contains(&k.as_str())) {
                        return Err(format!(
                            "lm_labeller: example {i} has an unknown key `{k}` (an example is #{{text, label}})"
                        )
                        .into());
                    }
                    let text = m
                        .get("text")
                        .and_then(|t| t.clone().into_string().ok())
                        .ok_or_else(|| format!("lm_labeller: example {i} needs a string `text`"))?;
                    let label = m
                        .get("label")
                        .and_then(|l| l.as_int().ok())
                        .filter(|&l| l >= 0)
                        .ok_or_else(|| {
                            format!("lm_labeller: example {i} needs an int label ≥ 0")
                        })?;
                    Ok((text, label as usize))
                })
                .collect::<RhaiResult<Vec<_>>>()?
        }
    };
    let abstain_below = o.float("abstain_below", 0.0)?;
    let calibrate = match o.string("calibrate", "contextual")?.as_str() {
        "none" => Calibration::None,
        "contextual" => Calibration::Contextual,
        "prior" => Calibration::Prior,
        other => {
            return Err(format!(
            "lm_labeller: `calibrate` must be \"none\", \"contextual\" or \"prior\", got {other:?}"
        )
            .into())
        }
    };
    o.finish()?;
    Ok(LmLabeller::new(
        m,
        LabellerOptions {
            template,
            labels,
            examples,
            abstain_below,
            calibrate,
        },
    )?)
}

fn labels_map(l: &Labels) -> RhaiResult<Map> {
    let rows = l.soft.len();
    let k = l.soft.first().map_or(0, |r| r.len());
    let flat: Vec<f32> = l.soft.iter().flatten().map(|&p| p as f32).collect();
    let soft = candle_core::Tensor::from_vec(flat, (rows, k), &candle_core::Device::Cpu)
        .map_err(crate::error::Error::from)?;
    let mut m = Map::new();
    m.insert("soft".into(), Dynamic::from(Tensor(soft)));
    m.insert(
        "votes".into(),
        Dynamic::from_array(
            l.votes
                .iter()
                .map(|&v| Dynamic::from_int(v as INT))
                .collect(),
        ),
    );
    m.insert("coverage".into(), Dynamic::from_float(l.coverage()));
    Ok(m)
}

/// Accuracy and coverage of each calibration on a labelled data set.
fn evaluate(lab: &LmLabeller, data: &Dataset) -> RhaiResult<Map> {
    let texts = texts_of(&Dynamic::from(data.clone()), "evaluate")?;
    let gold = gold_of(data, "evaluate")?;
    let raw = lab.raw(&texts)?;
    // "prior" is reported with a prior fitted on these rows; the labeller keeps its own.
    let log_prior = lab.log_prior_of(&raw)?;
    let mut out = Map::new();
    for name in ["none", "contextual", "prior"] {
        let l = match name {
            "none" => lab.labels_from(&raw, Calibration::None),
            "contextual" => lab.labels_from(&raw, Calibration::Contextual),
            _ => lab.labels_with_prior(&raw, &log_prior),
        };
        let mut m = Map::new();
        m.insert(
            "accuracy".into(),
            l.accuracy(&gold).map_or(Dynamic::UNIT, Dynamic::from_float),
        );
        m.insert("coverage".into(), Dynamic::from_float(l.coverage()));
        out.insert(name.into(), Dynamic::from_map(m));
    }
    Ok(out)
}

/// One row's vote: a string, or a map with a `text` field.
fn vote(lab: &LmLabeller, row: &Dynamic) -> RhaiResult<INT> {
    let text = if row.is_string() {
        row.clone().into_string()?
    } else if let Some(m) = row.read_lock::<Map>() {
        m.get("text")
            .map(|t| t.to_string())
            .ok_or("lm_vote: the row map has no `text` field")?
    } else {
        return Err(format!(
            "lm_vote: a row must be a string or a map with `text`, got {}",
            row.type_name()
        )
        .into());
    };
    let raw = lab.label_logprobs(&text)?;
    Ok(lab.labels_from(&[raw], lab.opts.calibrate).votes[0] as INT)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<LmLabeller>(engine, renderers);
    bind!(engine,
        /// A zero-/few-shot labeller on a language model: class probabilities from the label words' next-token probabilities after the prompt. Options: `labels` (required: one word per class, encoded as given, so " positive" keeps its space; a word of several tokens is an error), `template` ("{text}\nAnswer:"; {text} is the row), `examples` (few-shot [#{text, label}]), `abstain_below` (0: vote -1 when the top probability is lower), `calibrate` ("contextual": subtract the label words' log-probabilities on the content-free input "N/A"; "prior": divide by the mean prediction over the rows labelled; "none").
        /// Example: `let lab = lm_labeller(lm("smollm2"), #{template: "Review: {text}\nSentiment:", labels: [" negative", " positive"]})`
        fn lm_labeller(model: Lm, options: Map) -> RhaiResult<LmLabeller> { labeller_from(model, options) }

        /// Label texts (an array or a data set's texts): #{soft: rows × classes probabilities, votes: class or -1, coverage}.
        fn label(labeller: &mut LmLabeller, texts: Dynamic as "Array|Dataset") -> RhaiResult<Map> {
            labels_map(&labeller.label(&texts_of(&texts, "label")?)?)
        }

        /// Accuracy (on the rows voted on) and coverage of each calibration ("none", "contextual", "prior") on a labelled data set with texts: the labeller before and after calibration.
        fn evaluate(labeller: &mut LmLabeller, data: Dataset) -> RhaiResult<Map> { evaluate(labeller, &data) }

        /// The data set with the labeller's soft labels (for `fit`, or as a distillation target); hard labels are kept.
        fn soft_labels(labeller: &mut LmLabeller, data: Dataset) -> RhaiResult<Dataset> {
            let texts = texts_of(&Dynamic::from(data.clone()), "soft_labels")?;
            let l = labeller.label(&texts)?;
            let soft = labels_map(&l)?["soft"].clone().cast::<Tensor>();
            Ok(Dataset { soft: Some(soft), num_classes: data.num_classes.max(labeller.classes()), ..data })
        }

        /// A labelling function for `apply_lfs`: labels one row (a string or a map with `text`), -1 below `abstain_below`.
        fn lf(labeller: &mut LmLabeller) -> RhaiResult<FnPtr> {
            let mut f = FnPtr::new("lm_vote")?;
            f.add_curry(Dynamic::from(labeller.clone()));
            Ok(f)
        }

        /// One row's vote (what `lab.lf()` calls).
        fn lm_vote(labeller: LmLabeller, row: Dynamic) -> RhaiResult<INT> { vote(&labeller, &row) }
    );
}
