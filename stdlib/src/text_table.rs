//! The `text/plain` table every tabular value prints as: a heading line, then right-aligned
//! columns two spaces apart.

/// `head` on its own line, then `header` and `rows` aligned by column (widths in characters).
pub fn text_table(head: &str, header: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut text = format!("{head}\n{}", line(header));
    for r in rows {
        text.push('\n');
        text.push_str(&line(r));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_right_by_characters() {
        let header = vec!["a".to_string(), "name".to_string()];
        let rows = vec![vec!["10".to_string(), "é".to_string()]];
        assert_eq!(text_table("T", &header, &rows), "T\n a  name\n10     é");
    }
}
