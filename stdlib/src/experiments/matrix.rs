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
    /// holds integer classes (the layout of the tables shipped with the project).
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines.next().ok_or("empty CSV: no header row")?;
        let names: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
        if names.len() < 2 {
            return Err("CSV needs at least one feature column and a label column".into());
        }
        let d = names.len() - 1;
        let (mut data, mut y) = (Vec::new(), Vec::new());
        for (line_no, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != names.len() {
                return Err(format!(
                    "CSV row {} has {} fields, the header has {}",
                    line_no + 2,
                    fields.len(),
                    names.len()
                ));
            }
            for (j, f) in fields[..d].iter().enumerate() {
                let v: f64 = f.trim().parse().map_err(|_| {
                    format!(
                        "CSV row {}, column '{}': '{}' is not a number",
                        line_no + 2,
                        names[j],
                        f
                    )
                })?;
                data.push(v);
            }
            let label: usize = fields[d].trim().parse().map_err(|_| {
                format!(
                    "CSV row {}: label '{}' is not a class index",
                    line_no + 2,
                    fields[d]
                )
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
}
