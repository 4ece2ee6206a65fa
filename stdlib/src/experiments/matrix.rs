//! A dense row-major matrix of `f64`: the plain-Rust input of the CPU algorithms in this module
//! (decision stumps, label models, metrics), independent of candle.

/// Rows × columns of `f64`, stored row after row.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix from its row-major values; the length must be `rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, String> {
        if data.len() != rows * cols {
            return Err(format!(
                "matrix of {rows}×{cols} needs {} values, got {}",
                rows * cols,
                data.len()
            ));
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix from equal-length rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, String> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, row) in rows.iter().enumerate() {
            if row.len() != cols {
                return Err(format!(
                    "row {i} has {} values but row 0 has {cols}",
                    row.len()
                ));
            }
            data.extend_from_slice(row);
        }
        Self::new(rows.len(), cols, data)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The values, row after row.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            rows: indices.len(),
            cols: self.cols,
            data,
        }
    }

    /// An iterator over the rows.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f64]> {
        (0..self.rows).map(move |i| self.row(i))
    }
}

/// A labelled table: features, integer classes `0..n_classes` and column names.
#[derive(Clone, Debug)]
pub struct Labelled {
    pub x: Matrix,
    pub y: Vec<usize>,
    pub n_classes: usize,
    pub feature_names: Vec<String>,
}

impl Labelled {
    /// Check that labels match the rows and lie in `0..n_classes`.
    pub fn new(
        x: Matrix,
        y: Vec<usize>,
        n_classes: usize,
        feature_names: Vec<String>,
    ) -> Result<Self, String> {
        if x.rows() != y.len() {
            return Err(format!("{} feature rows but {} labels", x.rows(), y.len()));
        }
        if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= n_classes) {
            return Err(format!("label {c} at row {i} is outside 0..{n_classes}"));
        }
        Ok(Self {
            x,
            y,
            n_classes,
            feature_names,
        })
    }

    /// Parse a CSV table whose header names the columns and whose last column, `label`,
    /// holds integer classes (the layout of the tables shipped with the project). Read with the
    /// `csv` crate like `data::load`, so quoted fields may hold commas; blank lines are skipped.
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let names: Vec<String> = reader
            .headers()
            .map_err(|e| format!("CSV header row: {e}"))?
            .iter()
            .map(str::to_string)
            .collect();
        if names.iter().all(String::is_empty) {
            return Err("empty CSV: no header row".into());
        }
        if names.len() < 2 {
            return Err("CSV needs at least one feature column and a label column".into());
        }
        let d = names.len() - 1;
        let (mut data, mut y) = (Vec::new(), Vec::new());
        let records = reader
            .records()
            .filter(|r| r.as_ref().map_or(true, |r| r.iter().any(|f| !f.is_empty())));
        for (i, record) in records.enumerate() {
            let row = i + 2;
            let fields = record.map_err(|e| format!("CSV row {row}: {e}"))?;
            if fields.len() != names.len() {
                return Err(format!(
                    "CSV row {row} has {} fields, the header has {}",
                    fields.len(),
                    names.len()
                ));
            }
            for (j, f) in fields.iter().take(d).enumerate() {
                let v: f64 = f.parse().map_err(|_| {
                    format!(
                        "CSV row {row}, column '{}': '{f}' is not a number",
                        names[j]
                    )
                })?;
                data.push(v);
            }
            let label: usize = fields[d].parse().map_err(|_| {
                format!("CSV row {row}: label '{}' is not a class index", &fields[d])
            })?;
            y.push(label);
        }
        let n_classes = y.iter().max().map_or(0, |m| m + 1);
        let x = Matrix::new(y.len(), d, data)?;
        Self::new(x, y, n_classes, names[..d].to_vec())
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The rows at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Labelled {
        Labelled {
            x: self.x.select_rows(indices),
            y: indices.iter().map(|&i| self.y[i]).collect(),
            n_classes: self.n_classes,
            feature_names: self.feature_names.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_parses_and_reports_bad_cells() {
        let t = Labelled::from_csv("a,b,label\n1,2,0\n3,4.5,2\n").unwrap();
        assert_eq!(t.x.row(1), &[3.0, 4.5]);
        assert_eq!(t.y, vec![0, 2]);
        assert_eq!(t.n_classes, 3);
        let err = Labelled::from_csv("a,b,label\n1,x,0\n").unwrap_err();
        assert!(err.contains("column 'b'"), "{err}");
        assert!(Matrix::from_rows(&[vec![1.0], vec![1.0, 2.0]]).is_err());
    }

    #[test]
    fn quoted_fields_may_hold_commas() {
        let t = Labelled::from_csv("\"width, cm\",\"b\",label\n\n 1 ,\"2\",0\n   \n3,4.5,\"1\"\n")
            .unwrap();
        assert_eq!(t.feature_names, vec!["width, cm", "b"]);
        assert_eq!(t.x.row(0), &[1.0, 2.0]);
        assert_eq!(t.y, vec![0, 1]);
        let err = Labelled::from_csv("a,b,label\n\"1,5\",2,0\n").unwrap_err();
        assert_eq!(err, "CSV row 2, column 'a': '1,5' is not a number");
        let err = Labelled::from_csv("a,b,label\n1,\"2,3\",4,0\n").unwrap_err();
        assert_eq!(err, "CSV row 2 has 4 fields, the header has 3");
    }

    #[test]
    fn empty_and_headless_tables_are_named() {
        assert_eq!(
            Labelled::from_csv("").unwrap_err(),
            "empty CSV: no header row"
        );
        assert_eq!(
            Labelled::from_csv("label\n1\n").unwrap_err(),
            "CSV needs at least one feature column and a label column"
        );
        let err = Labelled::from_csv("a,label\n1,x\n").unwrap_err();
        assert_eq!(err, "CSV row 2: label 'x' is not a class index");
    }
}
