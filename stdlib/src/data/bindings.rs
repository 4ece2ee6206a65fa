//! The `data` Rhai module: bundled tables, CSV/JSONL loading, generators, splits, scaling,
//! batches and data set properties.

use super::load::{self, Columns};
use super::split::{self, Scaler};
use super::{builtin, synthetic, Dataset};
use crate::bind;
use crate::error::RhaiResult;
use crate::opts::Opts;
use crate::tensor::bindings::DeviceHandle;
use crate::tensor::build::from_dynamic;
use crate::tensor::Tensor;
use ladder_scripting::rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use ladder_scripting::{MimeBundle, Render, Renderers};
use std::ops::{Range, RangeInclusive};

crate::type_names! {
    Dataset => "Dataset",
    Scaler => "Scaler",
}

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

/// The rows at `indices` (each an int, or the text of what was given instead).
fn rows_at(
    data: &Dataset,
    indices: impl Iterator<Item = Result<INT, String>>,
) -> RhaiResult<Dataset> {
    let not_a_row = |v: String| {
        format!(
            "subset: {v} is not a row index of \"{}\" (0..{})",
            data.name,
            data.len()
        )
    };
    let rows = indices
        .map(|i| match i {
            Ok(i) if i >= 0 && (i as usize) < data.len() => Ok(i as usize),
            Ok(i) => Err(not_a_row(i.to_string())),
            Err(v) => Err(not_a_row(v)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(data.subset(&rows)?)
}

fn first_rows(data: &Dataset, n: INT) -> RhaiResult<Dataset> {
    // A data set always has rows (an empty one is refused where it would be made).
    if n < 1 {
        return Err(format!("head: n must be at least 1, got {n}").into());
    }
    rows_at(data, (0..n.min(data.len() as INT)).map(Ok))
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
    crate::doc::register_rendered::<Dataset>(engine, renderers);
    crate::doc::register_rendered::<Scaler>(engine, renderers);

    bind!(engine,
        /// A table bundled with Ladder: "breast_cancer" (569×30, 2 classes), "digits" (1797×64, 10), "wine" (178×13, 3), "iris" (150×4, 3): scikit-learn's copies (BSD-3, from UCI).
        /// "reviews": 4,000 short generated reviews (texts, negative/positive; CC0), for text models: `tokenize` it.
        fn dataset(name: &str) -> RhaiResult<Dataset> { Ok(builtin::dataset(name)?) }

        /// A data set from features (rows × features) and integer class labels.
        fn dataset(x: Dynamic as "Tensor|Array", y: Dynamic as "Tensor|Array") -> RhaiResult<Dataset> {
            Ok(Dataset::new(
                "data",
                tensor_arg(x, "dataset features")?,
                Some(tensor_arg(y, "dataset labels")?),
                None,
                0,
            )?)
        }

        /// A data set from features and labels; options: `classes` (number of classes), `name`, `feature_names`, `weights`, `soft` (n × classes probabilities).
        fn dataset(x: Dynamic as "Tensor|Array", y: Dynamic as "Tensor|Array", options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("dataset", options);
            let classes = options.usize("classes", 0)?;
            let name = options.string("name", "data")?;
            let soft = options.raw("soft").map(|s| tensor_arg(s, "soft labels")).transpose()?;
            let mut ds = Dataset::new(&name, tensor_arg(x, "dataset features")?, Some(tensor_arg(y, "dataset labels")?), soft, classes)?;
            if let Some(w) = options.raw("weights") { ds = ds.with_weights(&tensor_arg(w, "weights")?)?; }
            if let Some(f) = options.raw("feature_names") {
                let names: Vec<String> = f.into_array().map_err(|t| format!("feature_names must be an array, got {t}"))?.iter().map(|v| v.to_string()).collect();
                if names.len() != ds.num_features() { return Err(format!("dataset: {} feature names for {} features", names.len(), ds.num_features()).into()); }
                ds.feature_names = names;
            }
            options.finish()?;
            Ok(ds)
        }

        /// Names of the bundled tables and text sets.
        fn datasets() -> Array { builtin::names().into_iter().map(Dynamic::from).collect() }

        /// Load a CSV file with a header row. Options: `label` (column name, default "label"; integer classes or names), `features` (array of column names; default every other column).
        fn load_csv(path: &str, options: Map) -> RhaiResult<Dataset> { let mut options = Opts::new("load_csv", options); let c = columns(&mut options)?; options.finish()?; Ok(load::load_csv(path, &c)?) }

        /// Load a CSV file whose `label` column holds the classes and every other column is a feature.
        fn load_csv(path: &str) -> RhaiResult<Dataset> { Ok(load::load_csv(path, &Columns::default())?) }

        /// Load JSON Lines (one object per line). Options: `label` (field name, default "label"), `features` (field names; numbers or arrays of numbers).
        fn load_jsonl(path: &str, options: Map) -> RhaiResult<Dataset> { let mut options = Opts::new("load_jsonl", options); let c = columns(&mut options)?; options.finish()?; Ok(load::load_jsonl(path, &c)?) }

        /// Load JSON Lines with a `label` field; every other field is a feature.
        fn load_jsonl(path: &str) -> RhaiResult<Dataset> { Ok(load::load_jsonl(path, &Columns::default())?) }
    );

    bind!(
        engine,
        /// Gaussian blobs. Options: `n` (200), `centers` (3), `dim` (2), `std` (1.0), `seed` (0).
        fn blobs(options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("blobs", options);
            let d = synthetic::blobs(
                options.usize("n", 200)?,
                options.usize("centers", 3)?,
                options.usize("dim", 2)?,
                options.float("std", 1.0)?,
                options.int("seed", 0)? as u64,
            )?;
            options.finish()?;
            Ok(d)
        },
        /// Two interleaving half circles. Options: `n` (200), `noise` (0.1), `seed` (0).
        fn moons(options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("moons", options);
            let d = synthetic::moons(
                options.usize("n", 200)?,
                options.float("noise", 0.1)?,
                options.int("seed", 0)? as u64,
            )?;
            options.finish()?;
            Ok(d)
        },
        /// XOR of two ±1 features. Options: `n` (200), `noise` (label flip probability, 0), `seed` (0).
        fn xor(options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("xor", options);
            let d = synthetic::parity(
                options.usize("n", 200)?,
                2,
                options.float("noise", 0.0)?,
                options.int("seed", 0)? as u64,
            )?;
            options.finish()?;
            Ok(d)
        },
        /// Parity of `bits` ±1 features. Options: `n` (200), `bits` (3), `noise` (label flip probability, 0), `seed` (0).
        fn parity(options: Map) -> RhaiResult<Dataset> {
            let mut options = Opts::new("parity", options);
            let d = synthetic::parity(
                options.usize("n", 200)?,
                options.usize("bits", 3)?,
                options.float("noise", 0.0)?,
                options.int("seed", 0)? as u64,
            )?;
            options.finish()?;
            Ok(d)
        }
    );

    bind!(
        engine,
        /// [train, test]: a seeded shuffle, `test_frac` of the rows to test.
        fn split(data: Dataset, test_frac: FLOAT, seed: INT) -> RhaiResult<Array> {
            let (a, b) = split::train_test_split(&data, test_frac, seed as u64, false)?;
            Ok(pair(a, b))
        },
        /// [train, test]. Options: `test` (fraction, 0.2), `seed` (0), `stratify` (false: keep class proportions when true).
        fn split(data: Dataset, options: Map) -> RhaiResult<Array> {
            let mut options = Opts::new("split", options);
            let (f, s, st) = (
                options.float("test", 0.2)?,
                options.int("seed", 0)?,
                options.bool("stratify", false)?,
            );
            options.finish()?;
            let (a, b) = split::train_test_split(&data, f, s as u64, st)?;
            Ok(pair(a, b))
        },
        /// [first, second]: shuffle with the seed and cut 50/50 (weak-to-strong's train1/train2).
        fn halves(data: Dataset, seed: INT) -> RhaiResult<Array> {
            let (a, b) = split::halves(&data, seed as u64)?;
            Ok(pair(a, b))
        },
        /// k [train, validation] pairs (stratified by class).
        fn kfold(data: Dataset, k: INT, seed: INT) -> RhaiResult<Array> {
            Ok(split::kfold(&data, k.max(0) as usize, seed as u64, true)?
                .into_iter()
                .map(|(a, b)| Dynamic::from_array(pair(a, b)))
                .collect())
        },
        /// Fit per-feature mean and std on a (training) data set; apply it with `transform`.
        fn scaler(train: Dataset) -> RhaiResult<Scaler> {
            Ok(Scaler::fit(&train, "scaler")?)
        },
        /// Standardise a data set with statistics fitted earlier.
        fn transform(scaler: Scaler, data: Dataset) -> RhaiResult<Dataset> {
            Ok(scaler.transform(&data)?)
        },
        /// [train, test] standardised with the mean and std of `train` only.
        fn standardize(train: Dataset, test: Dataset) -> RhaiResult<Array> {
            let s = Scaler::fit(&train, "standardize")?;
            Ok(pair(s.transform(&train)?, s.transform(&test)?))
        },
        /// Mini-batches (data sets) in a seeded shuffled order; the last may be smaller.
        fn batches(data: Dataset, batch_size: INT, seed: INT) -> RhaiResult<Array> {
            if batch_size < 1 {
                return Err(
                    format!("batches: batch_size must be at least 1, got {batch_size}").into(),
                );
            }
            Ok(
                split::batches(&data, batch_size as usize, Some(seed as u64))?
                    .into_iter()
                    .map(Dynamic::from)
                    .collect(),
            )
        }
    );
    bind!(
        engine,
        /// The rows at the given indices.
        fn subset(data: Dataset, rows: Array) -> RhaiResult<Dataset> {
            rows_at(
                &data,
                rows.iter().map(|v| v.as_int().map_err(|_| v.to_string())),
            )
        },
        /// The rows of a range: `d.subset(100..200)`.
        fn subset(data: Dataset, rows: Range<INT>) -> RhaiResult<Dataset> {
            rows_at(&data, rows.map(Ok))
        },
        /// The rows of an inclusive range: `d.subset(100..=199)`.
        fn subset(data: Dataset, rows: RangeInclusive<INT>) -> RhaiResult<Dataset> {
            rows_at(&data, rows.map(Ok))
        },
        /// The first 5 rows (pandas' `head`).
        fn head(data: Dataset) -> RhaiResult<Dataset> {
            first_rows(&data, 5)
        },
        /// The first `n` rows (all of them when there are fewer).
        fn head(data: Dataset, n: INT) -> RhaiResult<Dataset> {
            first_rows(&data, n)
        }
    );
    bind!(engine,

        /// The same rows with per-sample weights.
        fn with_weights(data: Dataset, weights: Dynamic as "Tensor|Array") -> RhaiResult<Dataset> {
            Ok(data.with_weights(&tensor_arg(weights, "with_weights")?)?)
        }

        /// The same rows with soft labels (n × classes probabilities, e.g. a weak model's predict_proba); `fit` trains on them, hard labels stay for scoring.
        fn with_soft_labels(data: Dataset, probs: Dynamic as "Tensor") -> RhaiResult<Dataset> { Ok(data.with_soft_labels(&tensor_arg(probs, "with_soft_labels")?)?) }

        /// Number of rows.
        fn len(data: Dataset) -> INT { data.len() as INT }

        /// The same rows on a device: `fit` of a model there then uses them in place across epochs and fits, slicing batches on the device.
        /// Example: `let train = train.to(device("cuda"));`
        fn to(data: Dataset, device: DeviceHandle) -> RhaiResult<Dataset> { Ok(data.to_device(&device.0)?) }

        /// Rows per class.
        fn class_counts(data: Dataset) -> RhaiResult<Array> {
            Ok(data.class_counts()?
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
    engine.register_get("device", |d: &mut Dataset| {
        crate::tensor::device::device_name(d.x.device())
    });
    engine.register_get("n_classes", |d: &mut Dataset| d.num_classes as INT);
    engine.register_get("feature_names", |d: &mut Dataset| -> Array {
        d.feature_names.iter().cloned().map(Dynamic::from).collect()
    });
}
