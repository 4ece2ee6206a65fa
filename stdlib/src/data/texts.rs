//! Text data sets: CSV / JSON Lines with a text column and a label column. `x` has no columns
//! until `text::load::tokenize` fills it with token ids: the texts travel in `Dataset.texts`
//! and follow every row selection (split, halves, k-fold, batches, subset).

use super::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use candle_core::Device;
use std::sync::Arc;

/// Which columns hold the text and the label; `classes` fixes the class order of named labels.
#[derive(Clone, Debug)]
pub struct TextColumns {
    pub text: String,
    pub label: String,
    pub classes: Option<Vec<String>>,
}

impl Default for TextColumns {
    fn default() -> Self {
        TextColumns {
            text: "text".into(),
            label: "label".into(),
            classes: None,
        }
    }
}

/// Turn raw labels into class ids: integers stay as they are; names are numbered in the
/// order of `classes` when given (other names are an error), else alphabetically.
/// `rows` are the line numbers shown in errors.
pub fn code_labels(
    raw: &[String],
    rows: &[usize],
    classes: Option<&[String]>,
    source: &str,
) -> Result<(Vec<u32>, Vec<String>)> {
    if let Some(classes) = classes {
        if classes.len() < 2 {
            return Err(Error::options(format!(
                "{source}: `classes` must name at least 2 classes, got {}",
                classes.len()
            )));
        }
        let ids = raw
            .iter()
            .zip(rows)
            .map(|(r, row)| match classes.iter().position(|c| c == r) {
                Some(i) => Ok(i as u32),
                None => crate::bail_data!(
                    "{source}: line {row}: label \"{r}\" is not one of the classes ({})",
                    classes.join(", ")
                ),
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok((ids, classes.to_vec()));
    }
    let as_int: Vec<Option<i64>> = raw.iter().map(|r| r.parse::<i64>().ok()).collect();
    if as_int.iter().all(Option::is_some) {
        let ids = as_int
            .iter()
            .zip(rows)
            .map(|(v, row)| {
                super::class_index(v.unwrap())
                    .map_err(|e| Error::data(format!("{source}: line {row}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok((ids, Vec::new()));
    }
    if let Some(k) = as_int.iter().position(Option::is_some) {
        let named = as_int.iter().position(Option::is_none).unwrap();
        crate::bail_data!(
            "{source}: labels mix numbers and names (line {}: \"{}\", line {}: \"{}\"); use one or the other, or pass `classes`",
            rows[k], raw[k], rows[named], raw[named]
        );
    }
    let mut names: Vec<String> = raw.to_vec();
    names.sort();
    names.dedup();
    let ids = raw
        .iter()
        .map(|r| names.binary_search(r).unwrap() as u32)
        .collect();
    Ok((ids, names))
}

/// A data set of texts and labels (no features until `tokenize`).
pub fn text_dataset(
    name: &str,
    texts: Vec<String>,
    labels: Vec<u32>,
    class_names: Vec<String>,
) -> Result<Dataset> {
    let n = texts.len();
    if n == 0 {
        crate::bail_data!("{name}: no texts");
    }
    if labels.len() != n {
        crate::bail_data!("{name}: {} labels for {n} texts", labels.len());
    }
    let x = candle_core::Tensor::zeros((n, 0), candle_core::DType::F32, &Device::Cpu)?;
    let y = candle_core::Tensor::from_vec(labels, n, &Device::Cpu)?;
    let classes = class_names.len();
    let mut ds = Dataset::new(name, Tensor(x), Some(Tensor(y)), None, classes)?;
    ds.feature_names = Vec::new();
    ds.texts = Some(Arc::new(texts));
    ds.class_names = class_names;
    Ok(ds)
}

fn check_text(text: &str, row: usize, source: &str) -> Result<()> {
    if text.trim().is_empty() {
        crate::bail_data!("{source}: line {row}: the text is empty");
    }
    Ok(())
}

/// CSV with a header row.
pub fn text_csv_from_str(text: &str, cols: &TextColumns, name: &str) -> Result<Dataset> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::data(format!("{name}: cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |c: &str| {
        header.iter().position(|h| h == c).ok_or_else(|| {
            Error::data(format!(
                "{name}: no column named \"{c}\" (columns: {})",
                header.join(", ")
            ))
        })
    };
    let (tc, lc) = (find(&cols.text)?, find(&cols.label)?);
    let (mut texts, mut raw, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for (r, record) in reader.records().enumerate() {
        let row = r + 2;
        let record = record.map_err(|e| Error::data(format!("{name}: line {row}: {e}")))?;
        let t = record.get(tc).unwrap_or("");
        check_text(t, row, name)?;
        let l = record.get(lc).unwrap_or("").trim();
        if l.is_empty() {
            crate::bail_data!("{name}: line {row}: the label is empty");
        }
        texts.push(t.to_string());
        raw.push(l.to_string());
        rows.push(row);
    }
    if texts.is_empty() {
        crate::bail_data!("{name}: the file has a header but no rows");
    }
    let (labels, names) = code_labels(&raw, &rows, cols.classes.as_deref(), name)?;
    text_dataset(name, texts, labels, names)
}

/// JSON Lines: one object per line with a string text field and a label (number or name).
pub fn text_jsonl_from_str(text: &str, cols: &TextColumns, name: &str) -> Result<Dataset> {
    let (mut texts, mut raw, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut kinds = super::load::JsonLabels::default();
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
            .map_err(|e| Error::data(format!("{name}: line {row}: not a JSON object: {e}")))?;
        let field = |k: &str| {
            obj.get(k).ok_or_else(|| {
                Error::data(format!(
                    "{name}: line {row}: no field named \"{k}\" (fields: {})",
                    obj.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })
        };
        let t = match field(&cols.text)? {
            serde_json::Value::String(s) => s.clone(),
            other => crate::bail_data!(
                "{name}: line {row}, field \"{}\": {other} is not a string",
                cols.text
            ),
        };
        check_text(&t, row, name)?;
        let l = kinds.text(field(&cols.label)?, row, name, &cols.label)?;
        texts.push(t);
        raw.push(l);
        rows.push(row);
    }
    if texts.is_empty() {
        crate::bail_data!("{name}: no rows");
    }
    let (labels, names) = code_labels(&raw, &rows, cols.classes.as_deref(), name)?;
    text_dataset(name, texts, labels, names)
}

fn stem(path: &str) -> &str {
    std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path)
}

pub fn read_text_csv(path: &str, cols: &TextColumns) -> Result<Dataset> {
    let text = super::file::read_text(path, "read_text_csv")?;
    text_csv_from_str(&text, cols, stem(path))
}

pub fn read_text_jsonl(path: &str, cols: &TextColumns) -> Result<Dataset> {
    let text = super::file::read_text(path, "read_text_jsonl")?;
    text_jsonl_from_str(&text, cols, stem(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_labels_are_sorted_and_kept() {
        let ds = text_csv_from_str(
            "text,label\ngood film,positive\nbad film,negative\nfine,positive\n",
            &TextColumns::default(),
            "t",
        )
        .unwrap();
        assert_eq!(ds.labels().unwrap(), vec![1, 0, 1]);
        assert_eq!(ds.class_names, vec!["negative", "positive"]);
        assert_eq!(ds.texts.as_ref().unwrap()[1], "bad film");
        assert_eq!(ds.num_features(), 0);
        let sub = ds.subset(&[2, 0]).unwrap();
        assert_eq!(sub.texts.unwrap().as_slice(), ["fine", "good film"]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let c = TextColumns::default();
        let e = text_csv_from_str("review,label\nx,1\n", &c, "t").unwrap_err();
        assert_eq!(
            e.message(),
            "t: no column named \"text\" (columns: review, label)"
        );
        let e = text_csv_from_str("text,label\nx,1\n  ,0\n", &c, "t").unwrap_err();
        assert_eq!(e.message(), "t: line 3: the text is empty");
        let e = text_csv_from_str("text,label\nx,1\ny,cat\n", &c, "t").unwrap_err();
        assert!(e.message().contains("labels mix numbers and names"), "{e}");
        let c3 = TextColumns {
            classes: Some(vec!["neg".into(), "pos".into()]),
            ..TextColumns::default()
        };
        let e = text_csv_from_str("text,label\nx,pos\ny,meh\n", &c3, "t").unwrap_err();
        assert_eq!(
            e.message(),
            "t: line 3: label \"meh\" is not one of the classes (neg, pos)"
        );
        let e = text_jsonl_from_str("{\"text\": 3, \"label\": 1}\n", &c, "j").unwrap_err();
        assert_eq!(e.message(), "j: line 1, field \"text\": 3 is not a string");
        let e = text_csv_from_str("text,label\n", &c, "t").unwrap_err();
        assert!(e.message().contains("no rows"));
    }

    #[test]
    fn booleans_are_two_classes_but_not_among_numbers() {
        let c = TextColumns::default();
        let rows = "{\"text\": \"a\", \"label\": true}\n{\"text\": \"b\", \"label\": false}\n";
        let d = text_jsonl_from_str(rows, &c, "j").unwrap();
        assert_eq!(d.labels().unwrap(), vec![1, 0]);
        let rows = "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": 2}\n{\"text\": \"c\", \"label\": true}\n";
        let e = text_jsonl_from_str(rows, &c, "j").unwrap_err();
        assert_eq!(
            e.message(),
            "j: labels mix booleans and other values (line 3: true, line 1: 0); use one or the other"
        );
        let e = super::super::load::jsonl_from_str(
            "{\"x\": 1, \"label\": true}\n{\"x\": 2, \"label\": \"cat\"}\n",
            &super::super::load::Columns::default(),
            "k",
        )
        .unwrap_err();
        assert!(
            e.message()
                .contains("labels mix booleans and other values (line 1: true, line 2: \"cat\")"),
            "{e}"
        );
    }
}
