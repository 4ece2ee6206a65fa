//! Loading tables: CSV (header row) and JSON Lines, choosing columns by name.

use super::{from_rows, Dataset};
use crate::error::Result;

/// Which columns to use: the label column, and the features (None: every other column).
#[derive(Clone, Debug)]
pub struct Columns {
    pub label: String,
    pub features: Option<Vec<String>>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            label: "label".into(),
            features: None,
        }
    }
}

/// Labels may be integers or names; names are numbered in order of first appearance. A column
/// that mixes the two is refused: the names' ids would collide with the integers (a stray
/// "2.0" would become class 0, the same class as the label 0).
#[derive(Default)]
struct LabelCoder {
    names: Vec<String>,
    /// The first integer label and the first name, with their lines, for the mix error.
    first_number: Option<(usize, String)>,
    first_name: Option<(usize, String)>,
}

impl LabelCoder {
    fn code(&mut self, raw: &str, row: usize, source: &str) -> Result<u32> {
        let raw = raw.trim();
        if raw.is_empty() {
            crate::bail_data!("{source}: line {row}: the label is empty");
        }
        let number = raw.parse::<i64>().ok();
        let first = if number.is_some() {
            &mut self.first_number
        } else {
            &mut self.first_name
        };
        first.get_or_insert_with(|| (row, raw.to_string()));
        if let (Some((nr, n)), Some((sr, s))) = (&self.first_number, &self.first_name) {
            crate::bail_data!(
                "{source}: labels mix numbers and names (line {nr}: \"{n}\", line {sr}: \"{s}\"); use one or the other"
            );
        }
        if let Some(v) = number {
            return super::class_index(v)
                .map_err(|e| crate::error::Error::data(format!("{source}: line {row}: {e}")));
        }
        let i = match self.names.iter().position(|n| n == raw) {
            Some(i) => i,
            None => {
                self.names.push(raw.to_string());
                self.names.len() - 1
            }
        };
        Ok(i as u32)
    }
}

/// JSON labels as text. A column of booleans is the classes 0 and 1, but one that mixes
/// booleans with numbers or names is refused: a stray `true` among integer labels would
/// silently become class 1.
#[derive(Default)]
pub(super) struct JsonLabels {
    first_bool: Option<(usize, bool)>,
    first_other: Option<(usize, String)>,
}

impl JsonLabels {
    pub(super) fn text(
        &mut self,
        label: &serde_json::Value,
        row: usize,
        source: &str,
        field: &str,
    ) -> Result<String> {
        let text = match label {
            serde_json::Value::Bool(b) => {
                self.first_bool.get_or_insert((row, *b));
                (*b as u8).to_string()
            }
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            other => crate::bail_data!(
                "{source}: line {row}, field \"{field}\": {other} is not a label (a number or a name)"
            ),
        };
        if !label.is_boolean() {
            self.first_other
                .get_or_insert_with(|| (row, label.to_string()));
        }
        if let (Some((br, b)), Some((or, o))) = (&self.first_bool, &self.first_other) {
            crate::bail_data!(
                "{source}: labels mix booleans and other values (line {br}: {b}, line {or}: {o}); use one or the other"
            );
        }
        Ok(text)
    }
}

fn missing_column(source: &str, col: &str, available: &[String]) -> crate::error::Error {
    crate::error::Error::data(format!(
        "{source}: no column named \"{col}\" (columns: {})",
        available.join(", ")
    ))
}

/// Parse CSV text with a header row.
pub fn csv_from_str(text: &str, columns: &Columns, name: &str) -> Result<Dataset> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| crate::error::Error::data(format!("{name}: cannot read the header row: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let find = |c: &str| {
        header
            .iter()
            .position(|h| h == c)
            .ok_or_else(|| missing_column(name, c, &header))
    };
    let label_col = find(&columns.label)?;
    let feature_names: Vec<String> = match &columns.features {
        Some(f) => f.clone(),
        None => header
            .iter()
            .filter(|h| **h != columns.label)
            .cloned()
            .collect(),
    };
    let feature_cols: Vec<usize> = feature_names
        .iter()
        .map(|c| find(c))
        .collect::<Result<_>>()?;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut coder = LabelCoder::default();
    for (r, record) in reader.records().enumerate() {
        let row = r + 2; // 1-based, after the header: the line a user sees in an editor
        let record =
            record.map_err(|e| crate::error::Error::data(format!("{name}: line {row}: {e}")))?;
        for (&c, fname) in feature_cols.iter().zip(&feature_names) {
            let cell = record.get(c).unwrap_or("");
            let v: f32 = cell.parse().map_err(|_| {
                crate::error::Error::data(format!(
                    "{name}: line {row}, column \"{fname}\": \"{cell}\" is not a number"
                ))
            })?;
            x.push(v);
        }
        y.push(coder.code(record.get(label_col).unwrap_or(""), row, name)?);
    }
    if y.is_empty() {
        crate::bail_data!("{name}: the file has a header but no rows");
    }
    from_rows(name, x, feature_cols.len(), y, feature_names)
}

pub fn load_csv(path: &str, columns: &Columns) -> Result<Dataset> {
    let text = super::file::read_text(path, "load_csv")?;
    let name = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path);
    csv_from_str(&text, columns, name)
}

/// Parse JSON Lines: one object per line; features are numbers (or arrays of numbers,
/// flattened in order).
pub fn jsonl_from_str(text: &str, columns: &Columns, name: &str) -> Result<Dataset> {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let (mut coder, mut kinds) = (LabelCoder::default(), JsonLabels::default());
    let mut feature_names: Option<Vec<String>> = columns.features.clone();
    let mut width = None;
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|e| {
                crate::error::Error::data(format!("{name}: line {row}: not a JSON object: {e}"))
            })?;
        let keys: Vec<String> = obj.keys().cloned().collect();
        let names = feature_names
            .get_or_insert_with(|| {
                keys.iter()
                    .filter(|k| **k != columns.label)
                    .cloned()
                    .collect()
            })
            .clone();
        let label = obj
            .get(&columns.label)
            .ok_or_else(|| missing_column(&format!("{name}: line {row}"), &columns.label, &keys))?;
        let label_text = kinds.text(label, row, name, &columns.label)?;
        y.push(coder.code(&label_text, row, name)?);
        let before = x.len();
        for f in &names {
            let v = obj
                .get(f)
                .ok_or_else(|| missing_column(&format!("{name}: line {row}"), f, &keys))?;
            push_numbers(v, &mut x).map_err(|_| {
                crate::error::Error::data(format!(
                    "{name}: line {row}, field \"{f}\": {v} is not a number or an array of numbers"
                ))
            })?;
        }
        let w = x.len() - before;
        if *width.get_or_insert(w) != w {
            crate::bail_data!(
                "{name}: line {row} has {w} feature values where earlier lines had {}",
                width.unwrap()
            );
        }
    }
    if y.is_empty() {
        crate::bail_data!("{name}: no rows");
    }
    let names = feature_names.unwrap_or_default();
    let d = width.unwrap_or(0);
    let names = if names.len() == d {
        names
    } else {
        (0..d).map(|i| format!("x{i}")).collect()
    };
    from_rows(name, x, d, y, names)
}

fn push_numbers(v: &serde_json::Value, out: &mut Vec<f32>) -> std::result::Result<(), ()> {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().ok_or(())? as f32),
        serde_json::Value::Bool(b) => out.push(*b as u8 as f32),
        serde_json::Value::Array(items) => {
            for item in items {
                push_numbers(item, out)?;
            }
        }
        _ => return Err(()),
    }
    Ok(())
}

pub fn load_jsonl(path: &str, columns: &Columns) -> Result<Dataset> {
    let text = super::file::read_text(path, "load_jsonl")?;
    let name = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path);
    jsonl_from_str(&text, columns, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn a_missing_file_is_an_io_error_naming_its_path() {
        let path = "/nonexistent/ladder/table.csv";
        let e = load_csv(path, &Columns::default()).unwrap_err();
        assert!(
            matches!(&e, Error::Io { path: p, .. } if p == path),
            "{e:?}"
        );
        assert!(e
            .message()
            .starts_with("load_csv(\"/nonexistent/ladder/table.csv\"): "));
        let e = load_jsonl(path, &Columns::default()).unwrap_err();
        assert!(
            matches!(&e, Error::Io { path: p, .. } if p == path),
            "{e:?}"
        );
    }

    #[test]
    fn a_bad_row_is_a_data_error() {
        let c = Columns::default();
        let e = csv_from_str(
            "a,label
x,1
",
            &c,
            "t",
        )
        .unwrap_err();
        assert!(matches!(e, Error::Data(_)), "{e:?}");
        assert_eq!(
            e.message(),
            "t: line 2, column \"a\": \"x\" is not a number"
        );
        let e = csv_from_str(
            "a,label
1,-2
",
            &c,
            "t",
        )
        .unwrap_err();
        assert!(matches!(e, Error::Data(_)), "{e:?}");
        let e = jsonl_from_str("{\"a\": 1, \"label\": 0}\nnot json\n", &c, "t").unwrap_err();
        assert!(matches!(e, Error::Data(_)), "{e:?}");
    }

    #[test]
    fn csv_by_column_name() {
        let text = "a,b,label\n1,2,0\n3,4,1\n";
        let ds = csv_from_str(
            text,
            &Columns {
                label: "label".into(),
                features: Some(vec!["b".into()]),
            },
            "t",
        )
        .unwrap();
        assert_eq!(ds.x.dims(), &[2, 1]);
        assert_eq!(ds.labels().unwrap(), vec![0, 1]);
        assert_eq!(ds.feature_names, vec!["b"]);
        let e = csv_from_str(
            text,
            &Columns {
                label: "target".into(),
                features: None,
            },
            "t",
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "t: no column named \"target\" (columns: a, b, label)"
        );
        let e = csv_from_str("a,label\nx,0\n", &Columns::default(), "t").unwrap_err();
        assert!(
            e.message()
                .contains("line 2, column \"a\": \"x\" is not a number"),
            "{e}"
        );
        let e = csv_from_str("a,label\n", &Columns::default(), "t").unwrap_err();
        assert!(e.message().contains("no rows"), "{e}");
    }

    #[test]
    fn jsonl_with_named_labels() {
        let text = "{\"f\": [1, 2], \"label\": \"cat\"}\n{\"f\": [3, 4], \"label\": \"dog\"}\n";
        let ds = jsonl_from_str(text, &Columns::default(), "j").unwrap();
        assert_eq!(ds.x.dims(), &[2, 2]);
        assert_eq!(ds.labels().unwrap(), vec![0, 1]);
    }
}
