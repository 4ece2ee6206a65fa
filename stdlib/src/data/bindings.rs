//! The `data` Rhai module: bundled tables, CSV/JSONL loading, generators, splits, scaling,
//! batches and data set properties.

use super::load::{self, Columns};
use super::split::{self, Scaler};
use super::{builtin, synthetic, Dataset};
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::reg;
use crate::tensor::build::from_dynamic;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};

impl Render for Scaler {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(format!(
            "Scaler over {} features (mean/std fitted on training data)",
            self.mean.dims()[1]
        ))
    }
}

fn pair(a: Dataset, b: Dataset) -> Array {
    vec![Dynamic::from(a), Dynamic::from(b)]
}

fn tensor_arg(v: Dynamic, what: &str) -> RhaiResult<Tensor> {
    from_dynamic(&v, None).map_err(|e| format!("{what}: {e}").into())
}

fn columns(opts: &mut Opts) -> RhaiResult<Columns> {
    let label = opts.string("label", "label")?;
    let features = match opts.raw("features") {
        None => None,
        Some(v) => Some(
            v.into_array()
                .map_err(|t| {
                    format!("option `features` must be an array of column names, got {t}")
                })?
                .into_iter()
                .map(|c| {
                    c.into_string().map_err(|t| {
                        format!("option `features`: column names are strings, got {t}")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(Columns { label, features })
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    engine.register_type_with_name::<Dataset>("Dataset");
    engine.register_type_with_name::<Scaler>("Scaler");
    renderers.register::<Dataset>();
    renderers.register::<Scaler>();

    reg!(engine, "dataset", ["name: string", "Dataset"],
        "A table bundled with Ladder: \"breast_cancer\" (569×30, 2 classes), \"digits\" (1797×64, 10), \"wine\" (178×13, 3), \"iris\" (150×4, 3): scikit-learn's copies (BSD-3, from UCI).\n\"reviews\": 4,000 short generated reviews (texts, negative/positive; CC0), for text models: `tokenize` it.",
        |n: &str| -> RhaiResult<Dataset> { Ok(builtin::dataset(n)?) });
    reg!(
        engine,
        "dataset",
        ["x: Tensor|Array", "y: Tensor|Array", "Dataset"],
        "A data set from features (rows × features) and integer class labels.",
        |x: Dynamic, y: Dynamic| -> RhaiResult<Dataset> {
            Ok(Dataset::new(
                "data",
                tensor_arg(x, "dataset features")?,
                Some(tensor_arg(y, "dataset labels")?),
                None,
                0,
            )?)
        }
    );
    reg!(engine, "dataset", ["x: Tensor|Array", "y: Tensor|Array", "options: Map", "Dataset"],
        "A data set from features and labels; options: `classes` (number of classes), `name`, `feature_names`, `weights`, `soft` (n × classes probabilities).",
        |x: Dynamic, y: Dynamic, o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("dataset", o);
            let classes = o.usize("classes", 0)?;
            let name = o.string("name", "data")?;
            let soft = o.raw("soft").map(|s| tensor_arg(s, "soft labels")).transpose()?;
            let mut ds = Dataset::new(&name, tensor_arg(x, "dataset features")?, Some(tensor_arg(y, "dataset labels")?), soft, classes)?;
            if let Some(w) = o.raw("weights") { ds = ds.with_weights(&tensor_arg(w, "weights")?)?; }
            if let Some(f) = o.raw("feature_names") {
                let names: Vec<String> = f.into_array().map_err(|t| format!("feature_names must be an array, got {t}"))?.iter().map(|v| v.to_string()).collect();
                if names.len() != ds.num_features() { return Err(format!("dataset: {} feature names for {} features", names.len(), ds.num_features()).into()); }
                ds.feature_names = names;
            }
            o.finish()?;
            Ok(ds)
        });
    reg!(
        engine,
        "datasets",
        ["Array"],
        "Names of the bundled tables and text sets.",
        || -> Array { builtin::names().into_iter().map(Dynamic::from).collect() }
    );
    reg!(engine, "load_csv", ["path: string", "options: Map", "Dataset"],
        "Load a CSV file with a header row. Options: `label` (column name, default \"label\"; integer classes or names), `features` (array of column names; default every other column).",
        |p: &str, o: Map| -> RhaiResult<Dataset> { let mut o = Opts::new("load_csv", o); let c = columns(&mut o)?; o.finish()?; Ok(load::load_csv(p, &c)?) });
    reg!(engine, "load_csv", ["path: string", "Dataset"], "Load a CSV file whose `label` column holds the classes and every other column is a feature.",
        |p: &str| -> RhaiResult<Dataset> { Ok(load::load_csv(p, &Columns::default())?) });
    reg!(engine, "load_jsonl", ["path: string", "options: Map", "Dataset"],
        "Load JSON Lines (one object per line). Options: `label` (field name, default \"label\"), `features` (field names; numbers or arrays of numbers).",
        |p: &str, o: Map| -> RhaiResult<Dataset> { let mut o = Opts::new("load_jsonl", o); let c = columns(&mut o)?; o.finish()?; Ok(load::load_jsonl(p, &c)?) });
    reg!(
        engine,
        "load_jsonl",
        ["path: string", "Dataset"],
        "Load JSON Lines with a `label` field; every other field is a feature.",
        |p: &str| -> RhaiResult<Dataset> { Ok(load::load_jsonl(p, &Columns::default())?) }
    );

    reg!(
        engine,
        "blobs",
        ["options: Map", "Dataset"],
        "Gaussian blobs. Options: `n` (200), `centers` (3), `dim` (2), `std` (1.0), `seed` (0).",
        |o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("blobs", o);
            let d = synthetic::blobs(
                o.usize("n", 200)?,
                o.usize("centers", 3)?,
                o.usize("dim", 2)?,
                o.float("std", 1.0)?,
                o.int("seed", 0)? as u64,
            )?;
            o.finish()?;
            Ok(d)
        }
    );
    reg!(
        engine,
        "moons",
        ["options: Map", "Dataset"],
        "Two interleaving half circles. Options: `n` (200), `noise` (0.1), `seed` (0).",
        |o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("moons", o);
            let d = synthetic::moons(
                o.usize("n", 200)?,
                o.float("noise", 0.1)?,
                o.int("seed", 0)? as u64,
            )?;
            o.finish()?;
            Ok(d)
        }
    );
    reg!(engine, "xor", ["options: Map", "Dataset"],
        "XOR of two ±1 features. Options: `n` (200), `noise` (label flip probability, 0), `seed` (0).",
        |o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("xor", o);
            let d = synthetic::parity(o.usize("n", 200)?, 2, o.float("noise", 0.0)?, o.int("seed", 0)? as u64)?;
            o.finish()?; Ok(d)
        });
    reg!(engine, "parity", ["options: Map", "Dataset"],
        "Parity of `bits` ±1 features. Options: `n` (200), `bits` (3), `noise` (label flip probability, 0), `seed` (0).",
        |o: Map| -> RhaiResult<Dataset> {
            let mut o = Opts::new("parity", o);
            let d = synthetic::parity(o.usize("n", 200)?, o.usize("bits", 3)?, o.float("noise", 0.0)?, o.int("seed", 0)? as u64)?;
            o.finish()?; Ok(d)
        });

    reg!(
        engine,
        "split",
        ["data: Dataset", "test_frac: float", "seed: int", "Array"],
        "[train, test]: a seeded shuffle, `test_frac` of the rows to test.",
        |d: Dataset, f: FLOAT, s: INT| -> RhaiResult<Array> {
            let (a, b) = split::train_test_split(&d, f, s as u64, false)?;
            Ok(pair(a, b))
        }
    );
    reg!(engine, "split", ["data: Dataset", "options: Map", "Array"],
        "[train, test]. Options: `test` (fraction, 0.2), `seed` (0), `stratify` (false: keep class proportions when true).",
        |d: Dataset, o: Map| -> RhaiResult<Array> {
            let mut o = Opts::new("split", o);
            let (f, s, st) = (o.float("test", 0.2)?, o.int("seed", 0)?, o.bool("stratify", false)?);
            o.finish()?;
            let (a, b) = split::train_test_split(&d, f, s as u64, st)?; Ok(pair(a, b))
        });
    reg!(
        engine,
        "halves",
        ["data: Dataset", "seed: int", "Array"],
        "[first, second]: shuffle with the seed and cut 50/50 (weak-to-strong's train1/train2).",
        |d: Dataset, s: INT| -> RhaiResult<Array> {
            let (a, b) = split::halves(&d, s as u64)?;
            Ok(pair(a, b))
        }
    );
    reg!(
        engine,
        "kfold",
        ["data: Dataset", "k: int", "seed: int", "Array"],
        "k [train, validation] pairs (stratified by class).",
        |d: Dataset, k: INT, s: INT| -> RhaiResult<Array> {
            Ok(split::kfold(&d, k.max(0) as usize, s as u64, true)?
                .into_iter()
                .map(|(a, b)| Dynamic::from_array(pair(a, b)))
                .collect())
        }
    );
    reg!(
        engine,
        "scaler",
        ["train: Dataset", "Scaler"],
        "Fit per-feature mean and std on a (training) data set; apply it with `transform`.",
        |d: Dataset| -> RhaiResult<Scaler> { Ok(Scaler::fit(&d)?) }
    );
    reg!(
        engine,
        "transform",
        ["scaler: Scaler", "data: Dataset", "Dataset"],
        "Standardise a data set with statistics fitted earlier.",
        |s: Scaler, d: Dataset| -> RhaiResult<Dataset> { Ok(s.transform(&d)?) }
    );
    reg!(
        engine,
        "standardize",
        ["train: Dataset", "test: Dataset", "Array"],
        "[train, test] standardised with the mean and std of `train` only.",
        |a: Dataset, b: Dataset| -> RhaiResult<Array> {
            let s = Scaler::fit(&a)?;
            Ok(pair(s.transform(&a)?, s.transform(&b)?))
        }
    );
    reg!(
        engine,
        "batches",
        ["data: Dataset", "batch_size: int", "seed: int", "Array"],
        "Mini-batches (data sets) in a seeded shuffled order; the last may be smaller.",
        |d: Dataset, b: INT, s: INT| -> RhaiResult<Array> {
            Ok(split::batches(&d, b.max(0) as usize, Some(s as u64))?
                .into_iter()
                .map(Dynamic::from)
                .collect())
        }
    );
    reg!(
        engine,
        "subset",
        ["data: Dataset", "rows: Array", "Dataset"],
        "The rows at the given indices.",
        |d: Dataset, r: Array| -> RhaiResult<Dataset> {
            let rows = r
                .iter()
                .map(|v| {
                    v.as_int()
                        .ok()
                        .filter(|i| *i >= 0 && (*i as usize) < d.len())
                        .map(|i| i as usize)
                        .ok_or_else(|| {
                            format!(
                                "subset: {v} is not a row index of \"{}\" (0..{})",
                                d.name,
                                d.len()
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(d.subset(&rows)?)
        }
    );
    reg!(
        engine,
        "with_weights",
        ["data: Dataset", "weights: Tensor|Array", "Dataset"],
        "The same rows with per-sample weights.",
        |d: Dataset, w: Dynamic| -> RhaiResult<Dataset> {
            Ok(d.with_weights(&tensor_arg(w, "with_weights")?)?)
        }
    );
    reg!(engine, "with_soft_labels", ["data: Dataset", "probs: Tensor", "Dataset"],
        "The same rows with soft labels (n × classes probabilities, e.g. a weak model's predict_proba); `fit` trains on them, hard labels stay for scoring.",
        |d: Dataset, p: Dynamic| -> RhaiResult<Dataset> { Ok(d.with_soft_labels(&tensor_arg(p, "with_soft_labels")?)?) });
    reg!(
        engine,
        "len",
        ["data: Dataset", "int"],
        "Number of rows.",
        |d: Dataset| -> INT { d.len() as INT }
    );
    reg!(
        engine,
        "class_counts",
        ["data: Dataset", "Array"],
        "Rows per class.",
        |d: Dataset| -> RhaiResult<Array> {
            Ok(d.class_counts()?
                .into_iter()
                .map(|c| Dynamic::from_int(c as INT))
                .collect())
        }
    );

    engine.register_get("x", |d: &mut Dataset| d.x.clone());
    engine.register_get("y", |d: &mut Dataset| -> RhaiResult<Tensor> {
        match &d.y {
            Some(y) => Ok(y.clone()),
            None => Ok(Tensor(
                d.soft
                    .as_ref()
                    .unwrap()
                    .argmax(1)
                    .map_err(crate::error::Error::from)?,
            )),
        }
    });
    engine.register_get("soft", |d: &mut Dataset| -> Dynamic {
        d.soft.clone().map_or(Dynamic::UNIT, Dynamic::from)
    });
    engine.register_get("weights", |d: &mut Dataset| -> Dynamic {
        d.weights.clone().map_or(Dynamic::UNIT, Dynamic::from)
    });
    engine.register_get("name", |d: &mut Dataset| d.name.clone());
    engine.register_get("n_features", |d: &mut Dataset| d.num_features() as INT);
    engine.register_get("n_classes", |d: &mut Dataset| d.num_classes as INT);
    engine.register_get("feature_names", |d: &mut Dataset| -> Array {
        d.feature_names.iter().cloned().map(Dynamic::from).collect()
    });
}
