//! The label matrix of weak supervision: one row per example, one column per labelling
//! function, −1 where the function abstains and a class `0..k` where it votes.

use crate::error::Error;

/// −1: the labelling function abstains.
pub const ABSTAIN: i64 = -1;

/// n × m votes with the names of the labelling functions and the number of classes.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelMatrix {
    n: usize,
    m: usize,
    votes: Vec<i64>,
    pub names: Vec<String>,
    pub n_classes: usize,
}

impl LabelMatrix {
    /// Check every vote is −1 or in `0..n_classes`. `n_classes` = None infers it from the
    /// largest vote (at least 2).
    pub fn new(
        rows: Vec<Vec<i64>>,
        names: Option<Vec<String>>,
        n_classes: Option<usize>,
    ) -> Result<Self, Error> {
        let m = rows.first().map_or(0, Vec::len);
        if m == 0 {
            return Self::from_votes(rows.len(), 0, Vec::new(), names, n_classes);
        }
        let mut votes = Vec::with_capacity(rows.len() * m);
        for (i, row) in rows.iter().enumerate() {
            if row.len() != m {
                return Err(Error::data(format!(
                    "label matrix: row {i} has {} votes but row 0 has {m}",
                    row.len()
                )));
            }
            votes.extend_from_slice(row);
        }
        Self::from_votes(rows.len(), m, votes, names, n_classes)
    }

    /// `n` rows of `m` votes, row-major, checked as [`LabelMatrix::new`] checks them.
    pub fn from_votes(
        n: usize,
        m: usize,
        votes: Vec<i64>,
        names: Option<Vec<String>>,
        n_classes: Option<usize>,
    ) -> Result<Self, Error> {
        if n == 0 {
            return Err(Error::data("label matrix: no rows"));
        }
        if m == 0 {
            return Err(Error::data(
                "label matrix: no labelling functions (columns)",
            ));
        }
        debug_assert_eq!(votes.len(), n * m);
        let largest = votes.iter().copied().max().unwrap_or(ABSTAIN);
        let k = n_classes.unwrap_or((largest + 1).max(2) as usize);
        if let Some(pos) = votes.iter().position(|&v| v < ABSTAIN || v >= k as i64) {
            return Err(Error::data(format!(
                "label matrix: vote {} at row {}, column {} is neither -1 (abstain) nor a class in 0..{k}",
                votes[pos],
                pos / m,
                pos % m
            )));
        }
        let names = names.unwrap_or_else(|| (0..m).map(|j| format!("lf_{j}")).collect());
        if names.len() != m {
            return Err(Error::options(format!(
                "label matrix: {} names for {m} labelling functions",
                names.len()
            )));
        }
        Ok(Self {
            n,
            m,
            votes,
            names,
            n_classes: k,
        })
    }

    /// Number of examples (rows).
    pub fn rows(&self) -> usize {
        self.n
    }

    /// Number of labelling functions (columns).
    pub fn lfs(&self) -> usize {
        self.m
    }

    pub fn get(&self, i: usize, j: usize) -> i64 {
        self.votes[i * self.m + j]
    }

    pub fn row(&self, i: usize) -> &[i64] {
        &self.votes[i * self.m..(i + 1) * self.m]
    }

    /// The rows as nested vectors.
    pub fn to_rows(&self) -> Vec<Vec<i64>> {
        (0..self.n).map(|i| self.row(i).to_vec()).collect()
    }

    /// Votes per class in row `i`, ignoring abstains.
    pub fn counts(&self, i: usize) -> Vec<usize> {
        let mut c = vec![0; self.n_classes];
        for &v in self.row(i) {
            if v != ABSTAIN {
                c[v as usize] += 1;
            }
        }
        c
    }

    /// Check gold labels: one per row, each in `0..n_classes`.
    pub fn check_gold(&self, gold: &[i64]) -> Result<(), String> {
        if gold.len() != self.n {
            return Err(format!(
                "gold labels: {} for a label matrix of {} rows",
                gold.len(),
                self.n
            ));
        }
        if let Some((i, g)) = gold
            .iter()
            .enumerate()
            .find(|(_, &g)| g < 0 || g >= self.n_classes as i64)
        {
            return Err(format!(
                "gold label {g} at row {i} is outside 0..{}",
                self.n_classes
            ));
        }
        Ok(())
    }
}
