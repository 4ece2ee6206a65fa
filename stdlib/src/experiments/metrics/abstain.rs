//! Predictions that may abstain. In weak supervision a label model or a majority vote answers
//! −1 ("abstain") on rows it cannot label; as Snorkel's `LabelModel.score` does, metrics are
//! computed over the rows with a prediction, and the share of those rows is the coverage.

/// The prediction that means "no label for this row".
pub const ABSTAIN: i64 = -1;

/// The rows that have a prediction, and how many rows there were in all.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub y: Vec<usize>,
    pub pred: Vec<usize>,
    pub total: usize,
}

impl Scored {
    /// Rows left out because the prediction abstained.
    pub fn abstained(&self) -> usize {
        self.total - self.pred.len()
    }

    /// Share of rows with a prediction.
    pub fn coverage(&self) -> f64 {
        self.pred.len() as f64 / self.total as f64
    }
}

/// Check the predictions (classes or −1) and keep the rows that have one. True labels cannot
/// abstain; a −1 there is reported with a hint that the truth goes first.
pub fn drop_abstains(y: &[i64], pred: &[i64], what: &str) -> Result<Scored, String> {
    if y.len() != pred.len() {
        return Err(format!(
            "{what}: {} true labels but {} predictions",
            y.len(),
            pred.len()
        ));
    }
    if y.is_empty() {
        return Err(format!("{what}: no examples"));
    }
    let mut out = Scored {
        y: Vec::with_capacity(y.len()),
        pred: Vec::with_capacity(y.len()),
        total: y.len(),
    };
    for (i, (&t, &p)) in y.iter().zip(pred).enumerate() {
        if t < 0 {
            return Err(format!(
                "{what}: true label y[{i}] = {t}; true labels must be classes (>= 0). Only \
                 predictions may abstain (-1), and they go second: {what}(y, pred)"
            ));
        }
        if p < ABSTAIN {
            return Err(format!(
                "{what}: pred[{i}] = {p} is neither a class (>= 0) nor -1 (abstain)"
            ));
        }
        if p != ABSTAIN {
            out.y.push(t as usize);
            out.pred.push(p as usize);
        }
    }
    Ok(out)
}

/// Share of predictions that are not −1.
pub fn coverage(pred: &[i64]) -> Result<f64, String> {
    if pred.is_empty() {
        return Err("coverage: no predictions".into());
    }
    if let Some((i, p)) = pred.iter().enumerate().find(|(_, &p)| p < ABSTAIN) {
        return Err(format!(
            "coverage: pred[{i}] = {p} is neither a class (>= 0) nor -1 (abstain)"
        ));
    }
    Ok(pred.iter().filter(|&&p| p != ABSTAIN).count() as f64 / pred.len() as f64)
}

/// How `accuracy` treats abstaining predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbstainPolicy {
    /// Leave those rows out (Snorkel's convention): accuracy over the rows with a prediction.
    Skip,
    /// Count them as errors: accuracy over all rows (= skip-accuracy × coverage).
    Wrong,
}

/// Accuracy with abstaining predictions left out (`Skip`) or counted wrong (`Wrong`); an error
/// when every prediction abstains under `Skip`, as there is nothing to score.
pub fn accuracy_abstaining(y: &[i64], pred: &[i64], policy: AbstainPolicy) -> Result<f64, String> {
    let s = drop_abstains(y, pred, "accuracy")?;
    let right = s.y.iter().zip(&s.pred).filter(|(a, b)| a == b).count() as f64;
    match policy {
        AbstainPolicy::Wrong => Ok(right / s.total as f64),
        AbstainPolicy::Skip if s.pred.is_empty() => Err(format!(
            "accuracy: all {} predictions abstain (-1); there is no row to score (coverage 0)",
            s.total
        )),
        AbstainPolicy::Skip => Ok(right / s.pred.len() as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstains_are_left_out_or_counted_wrong() {
        let y = [0, 1, 1, 0, 1];
        let p = [0, -1, 1, 1, -1];
        // scored rows 0, 2, 3: two right of three; five rows in all
        assert_eq!(
            accuracy_abstaining(&y, &p, AbstainPolicy::Skip).unwrap(),
            2.0 / 3.0
        );
        assert_eq!(
            accuracy_abstaining(&y, &p, AbstainPolicy::Wrong).unwrap(),
            0.4
        );
        assert_eq!(coverage(&p).unwrap(), 0.6);
        let e = accuracy_abstaining(&[0, -1], &[0, 1], AbstainPolicy::Skip).unwrap_err();
        assert!(e.contains("true label y[1] = -1"), "{e}");
        let e = accuracy_abstaining(&[0, 1], &[-1, -1], AbstainPolicy::Skip).unwrap_err();
        assert!(e.contains("all 2 predictions abstain"), "{e}");
        let e = coverage(&[0, -2]).unwrap_err();
        assert!(e.contains("pred[1] = -2"), "{e}");
    }
}
