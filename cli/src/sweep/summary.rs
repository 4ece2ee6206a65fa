//! The sweep's summary: one row per record of every point (a point whose run left no record
//! gets one row saying how it ended), its settings first, then the record's metrics. Written
//! as CSV (for pandas or a spreadsheet) and as an HTML table.

use super::layout::{Layout, PointState};
use super::records::{RecordRow, RecordStore};
use super::spec::Sweep;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The table of every point's records, read from the points' own store files.
pub fn table(sweep: &Sweep, dir: &Path, store: &dyn RecordStore) -> Result<Table, String> {
    let layout = sweep.layout(dir);
    let mut per_point = Vec::new();
    let mut metrics = BTreeSet::new();
    for point in sweep.points() {
        let file = layout.records(&point);
        let records = if file.exists() {
            store.read(&file)?
        } else {
            Vec::new()
        };
        metrics.extend(records.iter().flat_map(|r| r.metrics.keys().cloned()));
        per_point.push((point, records));
    }
    let mut header = vec!["point".to_string()];
    header.extend(sweep.axes.iter().map(|a| a.name.clone()));
    header.extend(["run", "record", "status", "seconds"].map(String::from));
    // A metric named like a setting (a record of `seed`) gets its own column, named apart.
    let fixed: BTreeSet<String> = header
        .iter()
        .cloned()
        .chain(["error".into(), "id".into()])
        .collect();
    header.extend(metrics.iter().map(|m| {
        if fixed.contains(m) {
            format!("metric:{m}")
        } else {
            m.clone()
        }
    }));
    header.extend(["error", "id"].map(String::from));

    let mut rows = Vec::new();
    for (point, records) in per_point {
        let mut settings = vec![point.file_name(layout.count)];
        settings.extend(point.values.iter().map(|(_, v)| v.clone()));
        let run = match layout.state(&point) {
            PointState::NotRun => "not run".to_string(),
            PointState::Done => "ok".to_string(),
            PointState::Failed(code) => format!("exit {code}"),
        };
        settings.push(run);
        if records.is_empty() {
            let mut row = settings.clone();
            row.resize(header.len(), String::new());
            rows.push(row);
        }
        for record in records {
            rows.push(record_row(&settings, &record, &metrics));
        }
    }
    Ok(Table { header, rows })
}

fn record_row(settings: &[String], r: &RecordRow, metrics: &BTreeSet<String>) -> Vec<String> {
    let mut row = settings.to_vec();
    row.extend([
        r.name.clone(),
        r.status.clone(),
        format!("{:.2}", r.seconds),
    ]);
    row.extend(
        metrics
            .iter()
            .map(|m| r.metrics.get(m).map_or(String::new(), cell)),
    );
    row.extend([r.error.clone().unwrap_or_default(), r.id.clone()]);
    row
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => format!("{}", (x * 1e6).round() / 1e6),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

pub fn to_csv(table: &Table) -> String {
    let line = |cells: &[String]| {
        let quoted: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        quoted.join(",") + "\n"
    };
    let mut out = line(&table.header);
    for row in &table.rows {
        out.push_str(&line(row));
    }
    out
}

/// RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub fn to_html(table: &Table, title: &str) -> String {
    let row = |tag: &str, cells: &[String]| {
        let inner: String = cells
            .iter()
            .map(|c| format!("<{tag}>{}</{tag}>", escape(c)))
            .collect();
        format!("<tr>{inner}</tr>\n")
    };
    let mut body = row("th", &table.header);
    for r in &table.rows {
        body.push_str(&row("td", r));
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
         body{{font-family:sans-serif}} table{{border-collapse:collapse}} \
         td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}} th{{background:#eee}}\
         </style></head>\n<body><h1>{t}</h1>\n<table>\n{body}</table></body></html>\n",
        t = escape(title)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Write DIR/summary.csv and DIR/summary.html; returns the table's row count.
pub fn write(sweep: &Sweep, dir: &Path, store: &dyn RecordStore) -> Result<usize, String> {
    let table = table(sweep, dir, store)?;
    let layout: Layout = sweep.layout(dir);
    let title = format!(
        "Sweep {} of {}",
        sweep.name,
        sweep
            .notebook
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    );
    for (path, text) in [
        (layout.summary_csv(), to_csv(&table)),
        (layout.summary_html(), to_html(&table, &title)),
    ] {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(table.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let t = Table {
            header: vec!["a".into(), "b".into()],
            rows: vec![
                vec!["x,y".into(), "say \"hi\"".into()],
                vec!["1".into(), "".into()],
            ],
        };
        assert_eq!(to_csv(&t), "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n1,\n");
    }

    #[test]
    fn html_escapes_every_cell() {
        let t = Table {
            header: vec!["<h>".into()],
            rows: vec![vec!["a & b".into()]],
        };
        let html = to_html(&t, "T<1>");
        assert!(html.contains("<th>&lt;h&gt;</th>") && html.contains("<td>a &amp; b</td>"));
        assert!(html.contains("<title>T&lt;1&gt;</title>"));
    }
}
