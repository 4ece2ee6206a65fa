//! Cross-validation folds exactly as scikit-learn cuts them without shuffling, so CV figures
//! compare with `cross_val_score(clf, X, y, cv=5)` (which uses `StratifiedKFold(5)` for
//! classifiers).

/// `KFold(k)`: consecutive blocks, the first `n % k` folds one row longer. Returns the test
/// indices of each fold.
pub fn kfold(n: usize, k: usize) -> Result<Vec<Vec<usize>>, String> {
    if k < 2 || k > n {
        return Err(format!(
            "k-fold needs 2 <= k <= rows, got k = {k} for {n} rows"
        ));
    }
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        out.push((start..start + size).collect());
        start += size;
    }
    Ok(out)
}

/// `StratifiedKFold(k)` without shuffling: classes (numbered by first appearance) are dealt
/// round-robin over the sorted labels to size each fold, then each class's rows are given to
/// the folds in blocks, in row order. Returns the test indices of each fold.
pub fn stratified_kfold(y: &[usize], k: usize) -> Result<Vec<Vec<usize>>, String> {
    let n = y.len();
    if k < 2 || k > n {
        return Err(format!(
            "k-fold needs 2 <= k <= rows, got k = {k} for {n} rows"
        ));
    }
    let mut order_of: std::collections::HashMap<usize, usize> = Default::default();
    let encoded: Vec<usize> = y
        .iter()
        .map(|c| {
            let next = order_of.len();
            *order_of.entry(*c).or_insert(next)
        })
        .collect();
    let n_classes = order_of.len();
    let mut counts = vec![0usize; n_classes];
    encoded.iter().for_each(|&c| counts[c] += 1);
    if let Some(max) = counts.iter().max() {
        if *max < k {
            return Err(format!(
                "stratified {k}-fold: no class has {k} rows (largest class: {max})"
            ));
        }
    }
    let mut sorted = encoded.clone();
    sorted.sort_unstable();
    // allocation[f][c]: rows of class c in test fold f
    let mut allocation = vec![vec![0usize; n_classes]; k];
    for (i, &c) in sorted.iter().enumerate() {
        allocation[i % k][c] += 1;
    }
    let mut test_fold = vec![0usize; n];
    for c in 0..n_classes {
        let folds: Vec<usize> = allocation
            .iter()
            .enumerate()
            .flat_map(|(f, alloc)| std::iter::repeat_n(f, alloc[c]))
            .collect();
        let rows = (0..n).filter(|&i| encoded[i] == c);
        for (row, fold) in rows.zip(folds) {
            test_fold[row] = fold;
        }
    }
    let mut out = vec![Vec::new(); k];
    for (i, &f) in test_fold.iter().enumerate() {
        out[f].push(i);
    }
    Ok(out)
}

/// The training rows of a fold: every row not in `test`.
pub fn complement(n: usize, test: &[usize]) -> Vec<usize> {
    let mut in_test = vec![false; n];
    test.iter().for_each(|&i| in_test[i] = true);
    (0..n).filter(|&i| !in_test[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_match_scikit_learn() {
        // scikit-learn: StratifiedKFold(3).split(np.zeros(9), y) test folds
        let y = [1, 1, 1, 0, 0, 0, 1, 1, 0];
        let folds = stratified_kfold(&y, 3).unwrap();
        assert_eq!(folds, vec![vec![0, 1, 3], vec![2, 4, 6], vec![5, 7, 8]]);
        assert_eq!(kfold(5, 2).unwrap(), vec![vec![0, 1, 2], vec![3, 4]]);
        assert!(stratified_kfold(&[0, 1], 3).is_err());
    }
}
