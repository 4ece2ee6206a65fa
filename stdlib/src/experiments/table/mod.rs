//! A small results table: how every experiment result shows itself, as aligned text
//! (`text/plain`) and an HTML table (`text/html`).

pub mod bindings;

use crate::html_table::{escape, html_table};
use ladder_scripting::{MimeBundle, Render};

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number shown with the given number of decimals; NaN shows as "undefined".
    Num(f64, usize),
    Empty,
}

impl Cell {
    pub fn num(v: f64) -> Cell {
        Cell::Num(v, 4)
    }

    fn show(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(v, _) if v.is_nan() => "undefined".into(),
            Cell::Num(v, d) => format!("{v:.d$}"),
            Cell::Empty => String::new(),
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Num(..))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::num(v)
    }
}

impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Int(v as i64)
    }
}

/// A titled table with optional notes under it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Self {
        Self {
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            ..Self::default()
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Aligned text: numbers to the right, text to the left.
    pub fn to_text(&self) -> String {
        let shown: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::show).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &shown {
            for (j, s) in row.iter().enumerate() {
                if j < widths.len() {
                    widths[j] = widths[j].max(s.chars().count());
                }
            }
        }
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        let header: Vec<String> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(header.join("  ").trim_end());
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for (row, cells) in shown.iter().zip(&self.rows) {
            let line: Vec<String> = row
                .iter()
                .zip(cells)
                .zip(&widths)
                .map(|((s, c), w)| {
                    if c.numeric() {
                        format!("{s:>w$}")
                    } else {
                        format!("{s:<w$}")
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        for note in &self.notes {
            out.push_str(note);
            out.push('\n');
        }
        out.trim_end().to_string()
    }

    /// An HTML table with a caption and notes.
    pub fn to_html(&self) -> String {
        let shown: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::show).collect())
            .collect();
        let numeric = |i: usize, j: usize| self.rows[i].get(j).is_some_and(Cell::numeric);
        let mut out = html_table("ladder-table", &self.title, &self.columns, &shown, &numeric);
        for note in &self.notes {
            out.push_str(&format!("<p>{}</p>", escape(note)));
        }
        out
    }
}

impl Render for Table {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.to_text()).with_html(self.to_html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_text_and_escaped_html() {
        let mut t = Table::new("Runs", &["name", "acc"]);
        t.push(vec!["a<b".into(), Cell::num(0.5)]);
        t.push(vec!["long name".into(), Cell::Num(f64::NAN, 3)]);
        let text = t.to_text();
        assert_eq!(
            text,
            "Runs\nname       acc\n---------  ---------\na<b           0.5000\nlong name  undefined"
        );
        assert!(t.to_html().contains("<td>a&lt;b</td>"));
    }
}
