//! Classification metrics, computed as scikit-learn computes them (`accuracy_score`,
//! `precision_recall_fscore_support` with zero_division = 0, `roc_auc_score`, `log_loss`,
//! `confusion_matrix`), plus expected calibration error and agreement.

fn check_pair(a: usize, b: usize, what: &str) -> Result<(), String> {
    if a != b {
        return Err(format!("{what}: {a} true labels but {b} predictions"));
    }
    if a == 0 {
        return Err(format!("{what}: no examples"));
    }
    Ok(())
}

/// Fraction of predictions equal to the labels.
pub fn accuracy(y: &[usize], pred: &[usize]) -> Result<f64, String> {
    check_pair(y.len(), pred.len(), "accuracy")?;
    Ok(y.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / y.len() as f64)
}

/// Fraction of rows where two models predict the same class.
pub fn agreement(a: &[usize], b: &[usize]) -> Result<f64, String> {
    if a.len() != b.len() {
        return Err(format!(
            "agreement: {} predictions against {}",
            a.len(),
            b.len()
        ));
    }
    if a.is_empty() {
        return Err("agreement: no predictions".into());
    }
    Ok(a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64)
}

/// `matrix[true][predicted]` counts over `n_classes` classes.
pub fn confusion_matrix(
    y: &[usize],
    pred: &[usize],
    n_classes: usize,
) -> Result<Vec<Vec<usize>>, String> {
    check_pair(y.len(), pred.len(), "confusion matrix")?;
    let mut m = vec![vec![0; n_classes]; n_classes];
    for (&t, &p) in y.iter().zip(pred) {
        if t >= n_classes || p >= n_classes {
            return Err(format!(
                "confusion matrix: class {} outside 0..{n_classes}",
                t.max(p)
            ));
        }
        m[t][p] += 1;
    }
    Ok(m)
}

/// Per-class precision, recall, F1 and support.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassReport {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub f1: Vec<f64>,
    pub support: Vec<usize>,
}

impl ClassReport {
    /// Unweighted means over classes (scikit-learn's `average="macro"`).
    pub fn macro_avg(&self) -> (f64, f64, f64) {
        let k = self.f1.len() as f64;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / k;
        (mean(&self.precision), mean(&self.recall), mean(&self.f1))
    }
}

/// Precision, recall and F1 per class; 0 where a ratio has a zero denominator.
pub fn precision_recall_f1(
    y: &[usize],
    pred: &[usize],
    n_classes: usize,
) -> Result<ClassReport, String> {
    let cm = confusion_matrix(y, pred, n_classes)?;
    let div = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
    let mut r = ClassReport {
        precision: vec![],
        recall: vec![],
        f1: vec![],
        support: vec![],
    };
    for (k, row) in cm.iter().enumerate() {
        let tp = row[k] as f64;
        let predicted: f64 = cm.iter().map(|r| r[k] as f64).sum();
        let actual: usize = row.iter().sum();
        let p = div(tp, predicted);
        let rc = div(tp, actual as f64);
        r.precision.push(p);
        r.recall.push(rc);
        r.f1.push(div(2.0 * tp, predicted + actual as f64));
        r.support.push(actual);
    }
    Ok(r)
}

/// Area under the ROC curve of `scores` for the positive rows (ties count one half, which is
/// what the trapezoidal curve of scikit-learn gives).
pub fn roc_auc_binary(positive: &[bool], scores: &[f64]) -> Result<f64, String> {
    if positive.len() != scores.len() {
        return Err(format!(
            "ROC-AUC: {} labels but {} scores",
            positive.len(),
            scores.len()
        ));
    }
    if let Some(s) = scores.iter().find(|s| !s.is_finite()) {
        return Err(format!("ROC-AUC: score {s} is not finite"));
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err("ROC-AUC is undefined when only one class is present".into());
    }
    // average ranks of tied scores (Mann–Whitney U)
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &idx in &order[i..=j] {
            if positive[idx] {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    let u = rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Ok(u / (n_pos as f64 * n_neg as f64))
}

/// ROC-AUC of one score per row (any real number, higher for class 1) with labels 0 and 1:
/// scikit-learn's `roc_auc_score(y, scores)`.
pub fn roc_auc_scores(y: &[usize], scores: &[f64]) -> Result<f64, String> {
    if let Some((i, c)) = y.iter().enumerate().find(|(_, &c)| c > 1) {
        return Err(format!(
            "ROC-AUC: with one score per row the labels are 0 and 1, but row {i} is {c} \
             (give probability rows for more classes)"
        ));
    }
    let positive: Vec<bool> = y.iter().map(|&c| c == 1).collect();
    roc_auc_binary(&positive, scores)
}

/// Labels and probability rows fit together: one row per label, at least 2 columns, every
/// label a column; returns the number of columns.
pub(crate) fn check_proba(y: &[usize], proba: &[Vec<f64>], what: &str) -> Result<usize, String> {
    let n = y.len();
    if proba.len() != n {
        return Err(format!(
            "{what}: {n} labels but {} probability rows",
            proba.len()
        ));
    }
    let k = proba.first().map_or(0, Vec::len);
    if k < 2 {
        return Err(format!("{what}: probability rows need at least 2 classes"));
    }
    for (i, row) in proba.iter().enumerate() {
        if row.len() != k {
            return Err(format!(
                "{what}: probability row {i} has {} values, row 0 has {k}",
                row.len()
            ));
        }
        if row.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return Err(format!(
                "{what}: probability row {i} holds a negative or non-finite value"
            ));
        }
    }
    // A label with no column would silently count as a negative (binary ROC-AUC) or a miss.
    if let Some((i, c)) = y.iter().enumerate().find(|(_, &c)| c >= k) {
        return Err(format!("{what}: label {c} at row {i} outside 0..{k}"));
    }
    Ok(k)
}

/// ROC-AUC from class probabilities: binary uses the class-1 column; more classes give the
/// unweighted mean of one-vs-rest AUCs (scikit-learn's `multi_class="ovr"`, macro).
pub fn roc_auc(y: &[usize], proba: &[Vec<f64>]) -> Result<f64, String> {
    let k = check_proba(y, proba, "ROC-AUC")?;
    if k == 2 {
        let pos: Vec<bool> = y.iter().map(|&c| c == 1).collect();
        let s: Vec<f64> = proba.iter().map(|r| r[1]).collect();
        return roc_auc_binary(&pos, &s);
    }
    let mut total = 0.0;
    for c in 0..k {
        let pos: Vec<bool> = y.iter().map(|&t| t == c).collect();
        let s: Vec<f64> = proba.iter().map(|r| r[c]).collect();
        total += roc_auc_binary(&pos, &s).map_err(|e| format!("{e} (class {c} vs rest)"))?;
    }
    Ok(total / k as f64)
}

/// Mean negative log-likelihood of the true class; probabilities clipped to
/// [eps, 1 − eps] with eps the f64 machine epsilon (scikit-learn's rule).
pub fn log_loss(y: &[usize], proba: &[Vec<f64>]) -> Result<f64, String> {
    check_proba(y, proba, "log-loss")?;
    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (i, (&c, row)) in y.iter().zip(proba).enumerate() {
        let s: f64 = row.iter().sum();
        if (s - 1.0).abs() > 1e-6 {
            return Err(format!("log-loss: probability row {i} sums to {s}, not 1"));
        }
        total -= row[c].clamp(eps, 1.0 - eps).ln();
    }
    Ok(total / y.len() as f64)
}

/// One bin of a reliability diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub accuracy: f64,
    pub confidence: f64,
}

/// Expected calibration error over `bins` equal-width bins of the top-class confidence
/// (bin (lo, hi], the first bin also holding 0): Σ |B|/n · |acc(B) − conf(B)|; also returns
/// the bins for a reliability diagram.
pub fn expected_calibration_error(
    y: &[usize],
    proba: &[Vec<f64>],
    bins: usize,
) -> Result<(f64, Vec<CalibrationBin>), String> {
    check_proba(y, proba, "calibration error")?;
    if bins == 0 {
        return Err("calibration error: bins must be at least 1".into());
    }
    let mut sums = vec![(0usize, 0.0, 0.0); bins];
    for (&c, row) in y.iter().zip(proba) {
        let pred = crate::experiments::boost::stump::argmax(row);
        let conf = row[pred];
        let b = bin_of(conf, bins);
        sums[b].0 += 1;
        sums[b].1 += f64::from(u8::from(pred == c));
        sums[b].2 += conf;
    }
    let n = y.len() as f64;
    let mut ece = 0.0;
    let out = sums
        .iter()
        .enumerate()
        .map(|(b, &(count, correct, conf))| {
            let (acc, mean_conf) = if count == 0 {
                (f64::NAN, f64::NAN)
            } else {
                (correct / count as f64, conf / count as f64)
            };
            if count > 0 {
                ece += count as f64 / n * (acc - mean_conf).abs();
            }
            CalibrationBin {
                lower: b as f64 / bins as f64,
                upper: (b + 1) as f64 / bins as f64,
                count,
                accuracy: acc,
                confidence: mean_conf,
            }
        })
        .collect();
    Ok((ece, out))
}

/// The bin (lo, hi] holding `conf`, with edges i · (1/bins) as `numpy.linspace` makes them.
fn bin_of(conf: f64, bins: usize) -> usize {
    let step = 1.0 / bins as f64;
    let mut b = ((conf / step) as usize).min(bins - 1);
    while b > 0 && conf <= b as f64 * step {
        b -= 1;
    }
    while b + 1 < bins && conf > (b + 1) as f64 * step {
        b += 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        let auc = roc_auc_binary(&[false, true, false, true], &[0.1, 0.4, 0.4, 0.8]).unwrap();
        assert!((auc - 0.875).abs() < 1e-12);
        assert!(roc_auc_binary(&[true, true], &[0.1, 0.2]).is_err());
    }
}
