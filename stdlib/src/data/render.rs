//! A data set shows itself as a summary line and a preview of its first rows.

use super::Dataset;
use ladder_scripting::{MimeBundle, Render};

const PREVIEW_ROWS: usize = 5;
const PREVIEW_COLS: usize = 8;
/// Characters of a text shown in the preview.
const PREVIEW_TEXT: usize = 60;

struct Preview {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn preview(ds: &Dataset) -> Option<Preview> {
    let n = ds.len().min(PREVIEW_ROWS);
    let d = ds.num_features();
    let shown: Vec<usize> = if d > PREVIEW_COLS {
        (0..PREVIEW_COLS - 1).chain([d - 1]).collect()
    } else {
        (0..d).collect()
    };
    let x =
        ds.x.narrow(0, 0, n)
            .ok()?
            .to_dtype(candle_core::DType::F32)
            .ok()?
            .to_vec2::<f32>()
            .ok()?;
    let y = match &ds.y {
        Some(y) => Some(y.narrow(0, 0, n).ok()?.to_vec1::<u32>().ok()?),
        None => None,
    };
    let soft = match &ds.soft {
        Some(s) => Some(s.narrow(0, 0, n).ok()?.to_vec2::<f32>().ok()?),
        None => None,
    };
    let w = match &ds.weights {
        Some(w) => Some(w.narrow(0, 0, n).ok()?.to_vec1::<f32>().ok()?),
        None => None,
    };
    let mut header = Vec::new();
    if ds.texts.is_some() {
        header.push("text".to_string());
    }
    for (k, &j) in shown.iter().enumerate() {
        if d > PREVIEW_COLS && k == PREVIEW_COLS - 1 {
            header.push("…".to_string());
        }
        header.push(ds.feature_name(j));
    }
    if y.is_some() {
        header.push("label".into());
    }
    if soft.is_some() {
        header.push("soft".into());
    }
    if w.is_some() {
        header.push("weight".into());
    }
    let rows = (0..n)
        .map(|i| {
            let mut r = Vec::new();
            if let Some(t) = &ds.texts {
                r.push(clip(&t[i]));
            }
            for (k, &j) in shown.iter().enumerate() {
                if d > PREVIEW_COLS && k == PREVIEW_COLS - 1 {
                    r.push("…".to_string());
                }
                r.push(format!("{:.4}", x[i][j]));
            }
            if let Some(y) = &y {
                r.push(match ds.class_names.get(y[i] as usize) {
                    Some(name) => format!("{} ({name})", y[i]),
                    None => y[i].to_string(),
                });
            }
            if let Some(s) = &soft {
                r.push(format!(
                    "[{}]",
                    s[i].iter()
                        .map(|p| format!("{p:.2}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(w) = &w {
                r.push(format!("{:.4}", w[i]));
            }
            r
        })
        .collect();
    Some(Preview { header, rows })
}

/// A text cut to the preview width, on one line.
fn clip(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= PREVIEW_TEXT {
        return one_line;
    }
    let cut: String = one_line.chars().take(PREVIEW_TEXT - 1).collect();
    format!("{}…", cut.trim_end())
}

fn summary(ds: &Dataset) -> String {
    let labels = match (&ds.y, &ds.soft) {
        (Some(_), Some(_)) => "hard + soft labels",
        (None, Some(_)) => "soft labels",
        _ => "labels",
    };
    let shape = match (&ds.texts, ds.num_features()) {
        (Some(_), 0) => format!("{} texts", ds.len()),
        (Some(_), d) => format!("{} texts × {d} tokens", ds.len()),
        (None, d) => format!("{} rows × {d} features", ds.len()),
    };
    let classes = if ds.class_names.is_empty() {
        format!("{} classes", ds.num_classes)
    } else {
        format!("{} classes: {}", ds.num_classes, ds.class_names.join(", "))
    };
    format!(
        "Dataset \"{}\": {shape}, {classes} ({labels}{})",
        ds.name,
        if ds.weights.is_some() {
            ", sample weights"
        } else {
            ""
        }
    )
}

impl Render for Dataset {
    fn mime_bundle(&self) -> MimeBundle {
        let head = summary(self);
        let Some(p) = preview(self) else {
            return MimeBundle::text(head);
        };
        let mut text = crate::text_table::text_table(&head, &p.header, &p.rows);
        if self.len() > p.rows.len() {
            text.push_str(&format!("\n… {} more rows", self.len() - p.rows.len()));
        }
        let table = crate::html_table::html_table("", "", &p.header, &p.rows, &|_, _| false);
        let more: Vec<String> = (self.len() > p.rows.len())
            .then(|| format!("… {} more rows", self.len() - p.rows.len()))
            .into_iter()
            .collect();
        let html = crate::html_table::html_section("ladder-dataset", &head, &table, &more);
        MimeBundle::text(text).with_html(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_shows_names_and_elides_wide_tables() {
        let ds = crate::data::builtin::dataset("breast_cancer").unwrap();
        let b = ds.mime_bundle();
        let text = b.plain().unwrap();
        assert!(
            text.starts_with("Dataset \"breast_cancer\": 569 rows × 30 features, 2 classes"),
            "{text}"
        );
        assert!(
            text.contains("mean_radius")
                && text.contains("worst_fractal_dimension")
                && text.contains('…')
        );
        assert!(text.ends_with("… 564 more rows"));
        assert!(b.data["text/html"]
            .as_str()
            .unwrap()
            .contains("<th>mean_radius</th>"));
    }
}
