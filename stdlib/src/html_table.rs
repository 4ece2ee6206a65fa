//! The `text/html` table every tabular value shows as (data set previews, training histories,
//! experiment tables): one place for the markup and the escaping.

pub use ladder_scripting::html::escape;

/// A `<table>` (with `class` and `caption` when not empty) of `header` and `rows`; the cells
/// for which `right(row, column)` holds are right-aligned (numbers in mixed columns).
pub fn html_table(
    class: &str,
    caption: &str,
    header: &[String],
    rows: &[Vec<String>],
    right: &dyn Fn(usize, usize) -> bool,
) -> String {
    let mut out = if class.is_empty() {
        String::from("<table>")
    } else {
        format!("<table class=\"{}\">", escape(class))
    };
    if !caption.is_empty() {
        out.push_str(&format!("<caption>{}</caption>", escape(caption)));
    }
    out.push_str("<thead><tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for (i, row) in rows.iter().enumerate() {
        out.push_str("<tr>");
        for (j, c) in row.iter().enumerate() {
            let align = if right(i, j) {
                " style=\"text-align:right\""
            } else {
                ""
            };
            out.push_str(&format!("<td{align}>{}</td>", escape(c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A `<div class>` holding a heading paragraph, a table (already HTML) and note paragraphs.
pub fn html_section(class: &str, head: &str, table: &str, notes: &[String]) -> String {
    let mut out = format!(
        "<div class=\"{}\"><p>{}</p>{table}",
        escape(class),
        escape(head)
    );
    for n in notes {
        out.push_str(&format!("<p>{}</p>", escape(n)));
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_aligned_where_asked() {
        let header = vec!["name".to_string(), "a<b".to_string()];
        let rows = vec![vec!["x & y".to_string(), "1".to_string()]];
        let t = html_table("t", "Cap \"q\"", &header, &rows, &|_, j| j == 1);
        assert_eq!(
            t,
            "<table class=\"t\"><caption>Cap &quot;q&quot;</caption><thead><tr><th>name</th>\
             <th>a&lt;b</th></tr></thead><tbody><tr><td>x &amp; y</td>\
             <td style=\"text-align:right\">1</td></tr></tbody></table>"
        );
        let plain = html_table("", "", &header, &[], &|_, _| false);
        assert!(plain.starts_with("<table><thead>"), "{plain}");
        let s = html_section("d", "3 < 4", "<table></table>", &["more".into()]);
        assert_eq!(
            s,
            "<div class=\"d\"><p>3 &lt; 4</p><table></table><p>more</p></div>"
        );
    }
}
