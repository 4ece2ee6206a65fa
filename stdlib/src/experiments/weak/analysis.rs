//! Snorkel's `LFAnalysis.lf_summary`: per labelling function its polarity, coverage,
//! overlaps, conflicts and, with gold labels, correct, incorrect and empirical accuracy.

use super::label_matrix::{LabelMatrix, ABSTAIN};
use crate::experiments::table::{Cell, Table};

/// One labelling function's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct LfSummary {
    pub name: String,
    /// The classes it ever votes for, ascending.
    pub polarity: Vec<i64>,
    /// Fraction of rows it votes on.
    pub coverage: f64,
    /// Fraction of rows it votes on where at least one other function votes too.
    pub overlaps: f64,
    /// Fraction of rows it votes on where the votes (of all functions) disagree.
    pub conflicts: f64,
    /// With gold labels: votes that match, votes that do not, and their ratio (NaN when it
    /// never votes).
    pub correct: Option<usize>,
    pub incorrect: Option<usize>,
    pub empirical_accuracy: Option<f64>,
}

/// The summary of every labelling function in `l`, row-level overlaps and conflicts as
/// Snorkel counts them.
pub fn lf_analysis(l: &LabelMatrix, gold: Option<&[i64]>) -> Result<Vec<LfSummary>, String> {
    if let Some(g) = gold {
        l.check_gold(g)?;
    }
    let n = l.rows();
    let overlapped: Vec<bool> = (0..n)
        .map(|i| l.row(i).iter().filter(|&&v| v != ABSTAIN).count() > 1)
        .collect();
    let conflicted: Vec<bool> = (0..n)
        .map(|i| l.counts(i).iter().filter(|&&c| c > 0).count() > 1)
        .collect();
    let mut out = Vec::with_capacity(l.lfs());
    for j in 0..l.lfs() {
        let voted: Vec<usize> = (0..n).filter(|&i| l.get(i, j) != ABSTAIN).collect();
        let mut polarity: Vec<i64> = voted.iter().map(|&i| l.get(i, j)).collect();
        polarity.sort_unstable();
        polarity.dedup();
        let frac = |count: usize| count as f64 / n as f64;
        let (correct, incorrect, acc) = match gold {
            Some(g) => {
                let c = voted.iter().filter(|&&i| l.get(i, j) == g[i]).count();
                let w = voted.len() - c;
                let acc = if voted.is_empty() {
                    f64::NAN
                } else {
                    c as f64 / voted.len() as f64
                };
                (Some(c), Some(w), Some(acc))
            }
            None => (None, None, None),
        };
        out.push(LfSummary {
            name: l.names[j].clone(),
            polarity,
            coverage: frac(voted.len()),
            overlaps: frac(voted.iter().filter(|&&i| overlapped[i]).count()),
            conflicts: frac(voted.iter().filter(|&&i| conflicted[i]).count()),
            correct,
            incorrect,
            empirical_accuracy: acc,
        });
    }
    Ok(out)
}

/// The analysis as a table with Snorkel's column names.
pub fn analysis_table(summaries: &[LfSummary]) -> Table {
    let with_gold = summaries.first().is_some_and(|s| s.correct.is_some());
    let mut cols = vec!["LF", "Polarity", "Coverage", "Overlaps", "Conflicts"];
    if with_gold {
        cols.extend(["Correct", "Incorrect", "Emp. Acc."]);
    }
    let mut t = Table::new("Labelling functions", &cols);
    for s in summaries {
        let pol: Vec<String> = s.polarity.iter().map(|p| p.to_string()).collect();
        let mut row: Vec<Cell> = vec![
            s.name.clone().into(),
            format!("[{}]", pol.join(", ")).into(),
            Cell::Num(s.coverage, 3),
            Cell::Num(s.overlaps, 3),
            Cell::Num(s.conflicts, 3),
        ];
        if with_gold {
            row.push(s.correct.unwrap_or(0).into());
            row.push(s.incorrect.unwrap_or(0).into());
            row.push(Cell::Num(s.empirical_accuracy.unwrap_or(f64::NAN), 3));
        }
        t.push(row);
    }
    t
}
