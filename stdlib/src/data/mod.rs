//! Data sets: features, hard and/or soft labels, optional per-sample weights, feature names.

pub mod bindings;
pub mod builtin;
mod file;
pub mod load;
pub mod render;
pub mod split;
pub mod synthetic;
pub mod texts;

use crate::error::Result;
use crate::tensor::ops::take;
use crate::tensor::Tensor;
use candle_core::{DType, Device};
use std::sync::Arc;

/// The most classes a data set may have. Class ids index per-class counters, one-hot
/// columns and output units, so one stray huge label (an id or a timestamp in the label
/// column) would otherwise ask for gigabytes or abort the process; a million is far above
/// real label sets (ImageNet-21k has 21,841 classes, LM vocabularies about 250,000).
pub const MAX_CLASSES: usize = 1_000_000;

/// An integer label as a class id, or why it is not one (the caller says where it was read).
pub(crate) fn class_index(v: i64) -> std::result::Result<u32, String> {
    if v < 0 {
        return Err(format!(
            "label {v} is negative (labels are class indices 0, 1, ... or names)"
        ));
    }
    if v as u64 >= MAX_CLASSES as u64 {
        return Err(format!(
            "label {v} is too large for a class index (at most {})",
            MAX_CLASSES - 1
        ));
    }
    Ok(v as u32)
}

/// Soft labels are class probabilities: each value finite and ≥ 0, each row summing to 1
/// within 1e-3 (room for f32 rounding and probabilities typed with three decimals).
fn check_soft(p: &Tensor, what: &str) -> Result<()> {
    let rows = p.to_dtype(DType::F32)?.to_vec2::<f32>()?;
    for (i, row) in rows.iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            crate::bail_data!(
                "{what}: value {} in row {i}, column {j} is not a probability (a finite number >= 0)",
                row[j]
            );
        }
        let sum: f32 = row.iter().sum();
        if (sum - 1.0).abs() > 1e-3 {
            crate::bail_data!(
                "{what}: row {i} sums to {sum}, not 1 (soft labels are class probabilities)"
            );
        }
    }
    Ok(())
}

/// A labelled table. `x` is (n, d) f32; `y` (n,) u32 hard labels and/or `soft` (n, k) f32
/// probabilities (soft labels are what `fit` trains on when present, e.g. weak labels;
/// hard labels stay for scoring); `weights` (n,) f32 per-sample weights. Text data sets
/// also carry their texts (one per row, following every row selection) and `x` holds
/// token ids once tokenized.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub name: String,
    pub x: Tensor,
    pub y: Option<Tensor>,
    pub soft: Option<Tensor>,
    pub weights: Option<Tensor>,
    pub feature_names: Vec<String>,
    pub num_classes: usize,
    /// One text per row (shared between clones; row selections make new vectors).
    pub texts: Option<Arc<Vec<String>>>,
    /// Names of the classes when the labels were read as names (class i is `class_names[i]`).
    pub class_names: Vec<String>,
}

impl Dataset {
    /// Build and check a data set from features and hard labels (`classes` = 0: inferred).
    pub fn new(
        name: &str,
        x: Tensor,
        y: Option<Tensor>,
        soft: Option<Tensor>,
        classes: usize,
    ) -> Result<Self> {
        if x.rank() != 2 {
            crate::bail_shape!(
                "dataset: features must be a 2-D tensor (rows × features), got shape {:?}",
                x.dims()
            );
        }
        let n = x.dims()[0];
        if n == 0 {
            crate::bail_data!("dataset \"{name}\": it has no rows");
        }
        let x = Tensor(x.to_dtype(DType::F32)?);
        if classes > MAX_CLASSES {
            crate::bail_data!("dataset \"{name}\": {classes} classes is more than a data set may have ({MAX_CLASSES})");
        }
        let mut num_classes = classes;
        let y = match y {
            Some(y) => {
                let y = Tensor(y.flatten_all()?);
                if y.dims()[0] != n {
                    crate::bail_shape!("dataset \"{name}\": {} labels for {n} rows (features shape {:?}, labels shape {:?})", y.dims()[0], x.dims(), y.dims());
                }
                let values = y.to_dtype(DType::F64)?.to_vec1::<f64>()?;
                if let Some((i, v)) = values
                    .iter()
                    .enumerate()
                    .find(|(_, v)| **v < 0.0 || v.fract() != 0.0 || !v.is_finite())
                {
                    crate::bail_data!("dataset \"{name}\": label {v} in row {i} is not a class index (0, 1, 2, ...)");
                }
                if let Some((i, v)) = values
                    .iter()
                    .enumerate()
                    .find(|(_, v)| **v >= MAX_CLASSES as f64)
                {
                    crate::bail_data!("dataset \"{name}\": label {v} in row {i} is too large for a class index (at most {})", MAX_CLASSES - 1);
                }
                let max = values.iter().fold(0.0f64, |m, &v| m.max(v)) as usize;
                if classes > 0 && max >= classes {
                    let i = values.iter().position(|&v| v as usize >= classes).unwrap();
                    crate::bail_data!("dataset \"{name}\": label {max} in row {i} is out of range for {classes} classes (labels must be 0..{})", classes - 1);
                }
                num_classes = num_classes.max(max + 1);
                Some(Tensor(y.to_dtype(DType::U32)?))
            }
            None => None,
        };
        if let Some(s) = &soft {
            if s.rank() != 2 || s.dims()[0] != n {
                crate::bail_shape!(
                    "dataset \"{name}\": soft labels must have shape [{n}, classes], got {:?}",
                    s.dims()
                );
            }
            if y.is_some() && s.dims()[1] != num_classes.max(2) && s.dims()[1] < num_classes {
                crate::bail_data!("dataset \"{name}\": soft labels have {} classes but the hard labels have {num_classes}", s.dims()[1]);
            }
            if classes > 0 && s.dims()[1] != classes {
                crate::bail_data!(
                    "dataset \"{name}\": soft labels have {} columns for {classes} classes",
                    s.dims()[1]
                );
            }
            check_soft(s, &format!("dataset \"{name}\": soft labels"))?;
            num_classes = num_classes.max(s.dims()[1]);
        }
        if y.is_none() && soft.is_none() {
            crate::bail_data!("dataset \"{name}\": it needs labels (hard or soft)");
        }
        let soft = soft
            .map(|s| s.to_dtype(DType::F32).map(Tensor))
            .transpose()?;
        let d = x.dims()[1];
        Ok(Dataset {
            name: name.to_string(),
            x,
            y,
            soft,
            weights: None,
            feature_names: (0..d).map(|i| format!("x{i}")).collect(),
            num_classes: num_classes.max(2),
            texts: None,
            class_names: Vec::new(),
        })
    }

    pub fn len(&self) -> usize {
        self.x.dims()[0]
    }

    /// Feature `j`'s name: its column's, or `x{j}` where the data set has none.
    pub fn feature_name(&self, j: usize) -> String {
        self.feature_names
            .get(j)
            .cloned()
            .unwrap_or_else(|| format!("x{j}"))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn num_features(&self) -> usize {
        self.x.dims()[1]
    }

    /// Hard labels as a vector (argmax of the soft labels when there are no hard ones).
    pub fn labels(&self) -> Result<Vec<u32>> {
        match (&self.y, &self.soft) {
            (Some(y), _) => Ok(y.to_vec1::<u32>()?),
            (None, Some(s)) => Ok(s.argmax(1)?.to_vec1::<u32>()?),
            (None, None) => crate::bail_data!("dataset \"{}\" has no labels", self.name),
        }
    }

    /// The rows at the given indices (labels, soft labels and weights follow).
    pub fn subset(&self, rows: &[usize]) -> Result<Dataset> {
        let idx: Vec<i64> = rows.iter().map(|&i| i as i64).collect();
        let pick = |t: &Tensor| -> Result<Tensor> { take(t, &idx, 0) };
        if rows.is_empty() {
            crate::bail_data!("dataset \"{}\": the selection is empty", self.name);
        }
        Ok(Dataset {
            name: self.name.clone(),
            x: pick(&self.x)?,
            y: self.y.as_ref().map(pick).transpose()?,
            soft: self.soft.as_ref().map(pick).transpose()?,
            weights: self.weights.as_ref().map(pick).transpose()?,
            feature_names: self.feature_names.clone(),
            num_classes: self.num_classes,
            texts: self
                .texts
                .as_ref()
                .map(|t| Arc::new(rows.iter().map(|&i| t[i].clone()).collect())),
            class_names: self.class_names.clone(),
        })
    }

    /// The same rows with per-sample weights (non-negative, one per row).
    pub fn with_weights(&self, w: &Tensor) -> Result<Dataset> {
        let w = Tensor(w.flatten_all()?.to_dtype(DType::F32)?);
        if w.dims()[0] != self.len() {
            crate::bail_shape!(
                "with_weights: {} weights for {} rows",
                w.dims()[0],
                self.len()
            );
        }
        let v = w.to_vec1::<f32>()?;
        if let Some(i) = v.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
            crate::bail_data!(
                "with_weights: weight {} in row {i} is not a finite non-negative number",
                v[i]
            );
        }
        // Σw = 0 makes every weighted loss 0/0.
        if !v.is_empty() && v.iter().all(|&x| x == 0.0) {
            crate::bail_data!(
                "with_weights: all {} sample weights for \"{}\" are zero; a model cannot learn from them",
                v.len(),
                self.name
            );
        }
        Ok(Dataset {
            weights: Some(w),
            ..self.clone()
        })
    }

    /// The same rows with soft labels (n × classes probabilities); hard labels are kept.
    pub fn with_soft_labels(&self, p: &Tensor) -> Result<Dataset> {
        if p.rank() != 2 || p.dims()[0] != self.len() {
            crate::bail_shape!(
                "with_soft_labels: expected shape [{}, classes], got {:?}",
                self.len(),
                p.dims()
            );
        }
        // More columns than classes is allowed: the hard labels may not reach the last classes.
        if p.dims()[1] < self.num_classes {
            crate::bail_shape!(
                "with_soft_labels: {} columns for data set \"{}\" with {} classes",
                p.dims()[1],
                self.name,
                self.num_classes
            );
        }
        check_soft(p, "with_soft_labels")?;
        let mut d = self.clone();
        d.soft = Some(Tensor(p.to_dtype(DType::F32)?));
        d.num_classes = d.num_classes.max(p.dims()[1]);
        Ok(d)
    }

    /// The same data on another device.
    pub fn to_device(&self, device: &Device) -> Result<Dataset> {
        let mv = |t: &Tensor| -> Result<Tensor> { Ok(Tensor(t.to_device(device)?)) };
        Ok(Dataset {
            x: mv(&self.x)?,
            y: self.y.as_ref().map(mv).transpose()?,
            soft: self.soft.as_ref().map(mv).transpose()?,
            weights: self.weights.as_ref().map(mv).transpose()?,
            ..self.clone()
        })
    }

    /// Rows per class.
    pub fn class_counts(&self) -> Result<Vec<usize>> {
        let mut counts = vec![0; self.num_classes];
        for l in self.labels()? {
            counts[l as usize] += 1;
        }
        Ok(counts)
    }

    /// Refuse the first NaN or infinite feature, naming its row and column: "`what`: `which`
    /// has NaN at row 1, column 0 ("x0"); `why` (drop the row ...)". `fit` and `scaler` check
    /// before they read the features.
    pub fn check_finite(&self, what: &str, which: &str, why: &str) -> Result<()> {
        if let Some((row, col, value)) = first_non_finite(&self.x)? {
            let name = match self.feature_names.get(col) {
                Some(n) => format!(" (\"{n}\")"),
                None => String::new(),
            };
            crate::bail_data!(
                "{what}: {which} has {value} at row {row}, column {col}{name}; {why} (drop the row or fill in the value first)"
            );
        }
        Ok(())
    }
}

/// The first NaN or infinite feature as (row, column, value), in one pass over the features.
fn first_non_finite(x: &candle_core::Tensor) -> Result<Option<(usize, usize, f32)>> {
    if !x.dtype().is_float() || x.rank() != 2 {
        return Ok(None);
    }
    let cols = x.dims()[1].max(1);
    // Read in place when the features are a contiguous f32 CPU tensor (the usual case);
    // anything else (another float type, a view, another device) is copied once.
    let x = x
        .to_device(&Device::Cpu)?
        .to_dtype(DType::F32)?
        .contiguous()?;
    let (storage, layout) = x.storage_and_layout();
    let values = crate::kernels::storage_values(&storage, layout, "check_finite")?;
    Ok(values
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| (i / cols, i % cols, values[i])))
}

/// Build from plain vectors (used by loaders and generators).
pub fn from_rows(
    name: &str,
    x: Vec<f32>,
    d: usize,
    y: Vec<u32>,
    feature_names: Vec<String>,
) -> Result<Dataset> {
    let n = y.len();
    if n == 0 {
        crate::bail_data!("dataset \"{name}\": it has no rows");
    }
    let xt = candle_core::Tensor::from_vec(x, (n, d), &Device::Cpu)?;
    let yt = candle_core::Tensor::from_vec(y, n, &Device::Cpu)?;
    let mut ds = Dataset::new(name, Tensor(xt), Some(Tensor(yt)), None, 0)?;
    ds.feature_names = feature_names;
    Ok(ds)
}
