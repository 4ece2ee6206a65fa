//! How weak-to-strong results show themselves: one row per seed, then the mean with a 95 %
//! interval; an undefined PGR reads "undefined".

use super::protocol::{ChainLink, W2sResult};
use crate::experiments::table::{Cell, Table};
use ladder_scripting::{MimeBundle, Render};

impl W2sResult {
    pub fn table(&self) -> Table {
        let mut t = Table::new(
            format!(
                "Weak-to-strong: {} supervises {} (loss: {}), {} seed(s)",
                self.weak_name,
                self.strong_name,
                self.loss,
                self.runs.len()
            ),
            &["seed", "weak", "w2s", "ceiling", "PGR", "agreement"],
        );
        for r in &self.runs {
            t.push(vec![
                (r.seed as usize).into(),
                Cell::num(r.weak),
                Cell::num(r.w2s),
                Cell::num(r.ceiling),
                Cell::Num(r.pgr, 3),
                Cell::num(r.agreement),
            ]);
        }
        if self.runs.len() > 1 {
            let show =
                |f: fn(&super::protocol::W2sRun) -> f64, d| Cell::Text(self.summary(f).show(d));
            t.push(vec![
                "mean [95% CI]".into(),
                show(|r| r.weak, 4),
                show(|r| r.w2s, 4),
                show(|r| r.ceiling, 4),
                show(|r| r.pgr, 3),
                show(|r| r.agreement, 4),
            ]);
            let undefined = self.runs.iter().filter(|r| r.pgr.is_nan()).count();
            if undefined > 0 {
                t.note(format!(
                    "PGR is undefined for {undefined} seed(s) (ceiling <= weak); the mean leaves them out"
                ));
            }
        }
        if let Some(c) = self.weak_coverage {
            t.note(format!(
                "the supervisor voted on {:.1}% of the test rows; its accuracy and the agreement count only those rows",
                100.0 * c
            ));
        }
        t.note("PGR = (w2s - weak) / (ceiling - weak); agreement: student vs weak supervisor on the test set");
        t
    }
}

impl Render for W2sResult {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

/// A bootstrapping chain as a table.
pub fn chain_table(links: &[ChainLink], loss: &str) -> Table {
    let mut t = Table::new(
        format!("Bootstrapping chain (loss: {loss})"),
        &["step", "model", "accuracy", "ceiling", "PGR vs first"],
    );
    let first = links.first().map_or(f64::NAN, |l| l.accuracy);
    for (i, l) in links.iter().enumerate() {
        let p = if i == 0 {
            f64::NAN
        } else {
            super::protocol::pgr(first, l.accuracy, l.ceiling)
        };
        t.push(vec![
            (i + 1).into(),
            l.name.clone().into(),
            Cell::num(l.accuracy),
            Cell::num(l.ceiling),
            if i == 0 { Cell::Empty } else { Cell::Num(p, 3) },
        ]);
    }
    t.note("step 1 learns ground truth; each later model learns its predecessor's soft labels on a fresh split");
    t
}
