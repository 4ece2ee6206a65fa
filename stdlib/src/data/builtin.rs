//! The four scikit-learn tables compiled into the binary, so `dataset("iris")` works anywhere.

use super::load::{csv_from_str, Columns};
use super::Dataset;
use crate::bail;
use crate::error::Result;

const TABLES: [(&str, &str); 4] = [
    (
        "breast_cancer",
        include_str!("../../data/breast_cancer.csv"),
    ),
    ("digits", include_str!("../../data/digits.csv")),
    ("wine", include_str!("../../data/wine.csv")),
    ("iris", include_str!("../../data/iris.csv")),
];

/// Names of the bundled tables.
pub fn names() -> Vec<&'static str> {
    TABLES.iter().map(|(n, _)| *n).collect()
}

/// A bundled table by name.
pub fn dataset(name: &str) -> Result<Dataset> {
    match TABLES.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => csv_from_str(text, &Columns::default(), n),
        None => bail!(
            "dataset(\"{name}\"): no bundled data set of that name (available: {})",
            names().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_have_their_published_sizes() {
        for (name, rows, features, classes) in [
            ("breast_cancer", 569, 30, 2),
            ("digits", 1797, 64, 10),
            ("wine", 178, 13, 3),
            ("iris", 150, 4, 3),
        ] {
            let ds = dataset(name).unwrap();
            assert_eq!(
                (ds.len(), ds.num_features(), ds.num_classes),
                (rows, features, classes),
                "{name}"
            );
        }
        assert_eq!(
            dataset("iris").unwrap().class_counts().unwrap(),
            vec![50, 50, 50]
        );
        assert!(dataset("mnist")
            .unwrap_err()
            .0
            .contains("available: breast_cancer"));
    }
}
