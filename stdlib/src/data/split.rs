//! Splits, folds, standardisation and mini-batches, all seeded.

use super::Dataset;
use crate::bail;
use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Shuffled row order; with `stratify`, classes are interleaved so any prefix keeps the
/// class proportions (used for stratified splits and folds).
fn order(ds: &Dataset, seed: u64, stratify: bool) -> Result<Vec<usize>> {
    let mut rng = Rng::new(seed);
    let perm = rng.permutation(ds.len());
    if !stratify {
        return Ok(perm);
    }
    let labels = ds.labels()?;
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); ds.num_classes];
    for i in perm {
        by_class[labels[i] as usize].push(i);
    }
    // Each row gets a position key: its rank within its class scaled to [0, 1); sorting by
    // the key spreads every class evenly through the order.
    let mut keyed: Vec<(f64, usize, usize)> = Vec::with_capacity(ds.len());
    for (c, rows) in by_class.iter().enumerate() {
        for (r, &i) in rows.iter().enumerate() {
            keyed.push(((r as f64 + 0.5) / rows.len() as f64, c, i));
        }
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    Ok(keyed.into_iter().map(|k| k.2).collect())
}

/// Train/test split: `test_frac` of the rows (rounded, at least one each side) go to test.
pub fn train_test_split(
    ds: &Dataset,
    test_frac: f64,
    seed: u64,
    stratify: bool,
) -> Result<(Dataset, Dataset)> {
    if !(test_frac > 0.0 && test_frac < 1.0) {
        bail!("split: the test fraction must be between 0 and 1, got {test_frac}");
    }
    if ds.len() < 2 {
        crate::bail_data!(
            "split: dataset \"{}\" has {} row(s); a split needs at least 2",
            ds.name,
            ds.len()
        );
    }
    let n_test = ((ds.len() as f64 * test_frac).round() as usize).clamp(1, ds.len() - 1);
    let rows = order(ds, seed, stratify)?;
    if stratify {
        // Take every k-th row of the interleaved order for the test part.
        let step = ds.len() as f64 / n_test as f64;
        let mut is_test = vec![false; ds.len()];
        for j in 0..n_test {
            is_test[(j as f64 * step + step / 2.0) as usize] = true;
        }
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (pos, row) in rows.into_iter().enumerate() {
            if is_test[pos] {
                test.push(row);
            } else {
                train.push(row);
            }
        }
        return Ok((ds.subset(&train)?, ds.subset(&test)?));
    }
    let (test, train) = rows.split_at(n_test);
    Ok((ds.subset(train)?, ds.subset(test)?))
}

/// Shuffle with the seed and cut 50/50 (the weak-to-strong protocol's train1 / train2).
pub fn halves(ds: &Dataset, seed: u64) -> Result<(Dataset, Dataset)> {
    if ds.len() < 2 {
        crate::bail_data!(
            "halves: dataset \"{}\" has {} row(s); it needs at least 2",
            ds.name,
            ds.len()
        );
    }
    let rows = Rng::new(seed).permutation(ds.len());
    let (a, b) = rows.split_at(ds.len() / 2);
    Ok((ds.subset(a)?, ds.subset(b)?))
}

/// k folds: (train, validation) pairs; every row is in exactly one validation part.
pub fn kfold(ds: &Dataset, k: usize, seed: u64, stratify: bool) -> Result<Vec<(Dataset, Dataset)>> {
    if k < 2 || k > ds.len() {
        bail!(
            "kfold: k must be between 2 and the number of rows ({}), got {k}",
            ds.len()
        );
    }
    let rows = order(ds, seed, stratify)?;
    let mut folds = Vec::with_capacity(k);
    for f in 0..k {
        let (mut train, mut val) = (Vec::new(), Vec::new());
        for (pos, &i) in rows.iter().enumerate() {
            if pos % k == f {
                val.push(i)
            } else {
                train.push(i)
            }
        }
        folds.push((ds.subset(&train)?, ds.subset(&val)?));
    }
    Ok(folds)
}

/// Per-feature mean and standard deviation, fitted on one data set and applied to others.
#[derive(Clone, Debug)]
pub struct Scaler {
    pub mean: Tensor,
    pub std: Tensor,
}

impl Scaler {
    /// Fit on `ds` (population std; constant features get std 1 so they map to 0). `what`
    /// (`scaler`, `standardize`) starts the error for a NaN or infinite feature, refused
    /// because it would make its column's statistics, and so the whole column, NaN.
    pub fn fit(ds: &Dataset, what: &str) -> Result<Scaler> {
        ds.check_finite(
            what,
            &format!("data set \"{}\"", ds.name),
            "its column's mean and standard deviation would not be numbers",
        )?;
        let mean = ds.x.mean_keepdim(0)?;
        let var = ds.x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(0)?;
        let std = var.sqrt()?;
        let ones = std.ones_like()?;
        let std = std.ge(1e-12)?.where_cond(&std, &ones)?;
        Ok(Scaler {
            mean: Tensor(mean),
            std: Tensor(std),
        })
    }

    pub fn transform(&self, ds: &Dataset) -> Result<Dataset> {
        if ds.num_features() != self.mean.dims()[1] {
            crate::bail_shape!(
                "standardize: the scaler was fitted on {} features but \"{}\" has {}",
                self.mean.dims()[1],
                ds.name,
                ds.num_features()
            );
        }
        let x = ds.x.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?;
        Ok(Dataset {
            x: Tensor(x),
            ..ds.clone()
        })
    }
}

/// Mini-batches in a seeded shuffled order (the last one may be smaller).
pub fn batch_indices(n: usize, batch_size: usize, rng: Option<&mut Rng>) -> Vec<Vec<usize>> {
    let rows: Vec<usize> = match rng {
        Some(r) => r.permutation(n),
        None => (0..n).collect(),
    };
    rows.chunks(batch_size.max(1)).map(|c| c.to_vec()).collect()
}

pub fn batches(ds: &Dataset, batch_size: usize, seed: Option<u64>) -> Result<Vec<Dataset>> {
    if batch_size == 0 {
        bail!("batches: batch_size must be at least 1, got 0");
    }
    let mut rng = seed.map(Rng::new);
    batch_indices(ds.len(), batch_size, rng.as_mut())
        .iter()
        .map(|b| ds.subset(b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::builtin::dataset;

    #[test]
    fn splits_are_seeded_and_stratified() {
        let ds = dataset("iris").unwrap();
        let (tr, te) = train_test_split(&ds, 0.2, 0, true).unwrap();
        assert_eq!((tr.len(), te.len()), (120, 30));
        assert_eq!(te.class_counts().unwrap(), vec![10, 10, 10]);
        let (_, te2) = train_test_split(&ds, 0.2, 0, true).unwrap();
        assert_eq!(te.labels().unwrap(), te2.labels().unwrap());
        let (_, a) = train_test_split(&ds, 0.2, 1, false).unwrap();
        let (_, b) = train_test_split(&ds, 0.2, 2, false).unwrap();
        assert_ne!(
            crate::tensor::ops::to_vec_f32(&a.x).unwrap(),
            crate::tensor::ops::to_vec_f32(&b.x).unwrap()
        );
        let (h1, h2) = halves(&ds, 0).unwrap();
        assert_eq!(h1.len() + h2.len(), 150);
    }

    #[test]
    fn folds_cover_every_row_once() {
        let ds = dataset("wine").unwrap();
        let folds = kfold(&ds, 5, 0, true).unwrap();
        let total: usize = folds.iter().map(|(_, v)| v.len()).sum();
        assert_eq!(total, ds.len());
        for (t, v) in &folds {
            assert_eq!(t.len() + v.len(), ds.len());
        }
    }

    #[test]
    fn standardisation_uses_train_statistics_only() {
        let ds = dataset("breast_cancer").unwrap();
        let (tr, te) = train_test_split(&ds, 0.2, 0, false).unwrap();
        let s = Scaler::fit(&tr, "scaler").unwrap();
        let trs = s.transform(&tr).unwrap();
        let mean = crate::tensor::ops::to_vec_f32(&trs.x.mean(0).unwrap()).unwrap();
        assert!(mean.iter().all(|m| m.abs() < 1e-4));
        let tes = s.transform(&te).unwrap();
        let tmean = crate::tensor::ops::to_vec_f32(&tes.x.mean(0).unwrap()).unwrap();
        assert!(tmean.iter().any(|m| m.abs() > 1e-3));
        let b = batches(&tr, 100, Some(3)).unwrap();
        assert_eq!(
            b.iter().map(|d| d.len()).collect::<Vec<_>>(),
            vec![100, 100, 100, 100, 55]
        );
    }
}
