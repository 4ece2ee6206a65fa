//! The grid of `ladder sweep -p NAME=VALUES ...`: each `-p` is one axis, the points are their
//! product (the last axis varies fastest). VALUES is `a..b` (integers a, a+1, ..., b-1, as Rhai's
//! and Rust's ranges), `a..=b` (b included), a comma list `xent,logconf`, or one value. Values
//! are passed to `ladder run -p` as text, so they are typed as `ladder run` types them.

use crate::notebook::format::rhai_literal;
use crate::runner::parse_parameter;
use serde_json::{json, Map, Value};

/// One `-p`: a parameter and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub name: String,
    pub values: Vec<String>,
}

/// One run of the notebook: its place in the grid and its `NAME=VALUE` settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub values: Vec<(String, String)>,
}

/// Parse every `-p`; an empty grid (no `-p`, or an axis with no value) is an error.
pub fn parse_axes(parameters: &[String]) -> Result<Vec<Axis>, String> {
    if parameters.is_empty() {
        return Err("empty grid: give each swept parameter as -p NAME=VALUES \
             (a..b, a..=b, a comma list, or one value)"
            .into());
    }
    let mut axes: Vec<Axis> = Vec::new();
    for text in parameters {
        let (name, spec) = parse_parameter(text)?;
        if axes.iter().any(|a| a.name == name) {
            return Err(format!("parameter '{name}' is given twice"));
        }
        let values = parse_values(&spec).map_err(|e| format!("-p {text}: {e}"))?;
        if values.is_empty() {
            return Err(format!("empty grid: -p {text} gives no value"));
        }
        if let Some(bad) = values.iter().find(|v| v.contains(['\t', '\n', '\r'])) {
            return Err(format!(
                "-p {text}: value {bad:?} holds a tab or a line break"
            ));
        }
        axes.push(Axis { name, values });
    }
    Ok(axes)
}

/// `a..b`, `a..=b`, `x,y,z` or a single value.
fn parse_values(spec: &str) -> Result<Vec<String>, String> {
    if let Some((from, to, inclusive)) = integer_range(spec) {
        let end = if inclusive { to + 1 } else { to };
        return Ok((from..end).map(|i| i.to_string()).collect());
    }
    if spec.trim().is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err("an empty item in the comma list".into());
    }
    Ok(values)
}

fn integer_range(spec: &str) -> Option<(i64, i64, bool)> {
    let (from, rest) = spec.trim().split_once("..")?;
    let (to, inclusive) = match rest.strip_prefix('=') {
        Some(to) => (to, true),
        None => (rest, false),
    };
    Some((
        from.trim().parse().ok()?,
        to.trim().parse().ok()?,
        inclusive,
    ))
}

/// Every point of the grid, the last axis varying fastest.
pub fn points(axes: &[Axis]) -> Vec<Point> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                axis.values.iter().map(move |v| {
                    let mut next = combo.clone();
                    next.push((axis.name.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    combos
        .into_iter()
        .enumerate()
        .map(|(index, values)| Point { index, values })
        .collect()
}

impl Point {
    /// A file name for the point's outputs: its index (so names stay unique) and its settings.
    pub fn file_name(&self, count: usize) -> String {
        let width = count.saturating_sub(1).to_string().len().max(3);
        let mut name = format!("{:0width$}", self.index);
        for (n, v) in &self.values {
            name.push_str(&format!("_{n}={v}"));
        }
        let safe: String = name
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '=' => c,
                _ => '-',
            })
            .take(120)
            .collect();
        safe
    }

    /// `seed=0 loss=xent`, for messages.
    pub fn label(&self) -> String {
        let parts: Vec<String> = self
            .values
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        parts.join(" ")
    }

    /// The tags every record of this point carries: the sweep, the point's settings (typed as
    /// the notebook sees them; `runs().plot` reads them from there, as for an in-cell sweep) and
    /// the name of the point's files.
    pub fn tags(&self, sweep: &str, count: usize) -> Value {
        let settings: Map<String, Value> = self
            .values
            .iter()
            .map(|(n, v)| (n.clone(), typed(v)))
            .collect();
        json!({"sweep": sweep, "point": settings, "point_name": self.file_name(count)})
    }
}

/// A value as `ladder run -p` types it: integers, floats and booleans keep their type.
pub fn typed(value: &str) -> Value {
    let literal = rhai_literal(value);
    if let Ok(i) = literal.parse::<i64>() {
        return json!(i);
    }
    if let Ok(x) = literal.parse::<f64>() {
        return json!(x);
    }
    match literal.as_str() {
        "true" => json!(true),
        "false" => json!(false),
        _ => json!(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes(ps: &[&str]) -> Result<Vec<Axis>, String> {
        parse_axes(&ps.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn ranges_lists_and_single_values() {
        let a = axes(&["seed=0..3", "n=1..=2", "loss=xent, logconf", "lr=0.1"]).unwrap();
        assert_eq!(a[0].values, ["0", "1", "2"]);
        assert_eq!(a[1].values, ["1", "2"]);
        assert_eq!(a[2].values, ["xent", "logconf"]);
        assert_eq!(a[3].values, ["0.1"]);
        // Not integers: a plain value, as `ladder run -p` would pass it.
        assert_eq!(axes(&["x=a..b"]).unwrap()[0].values, ["a..b"]);
    }

    #[test]
    fn the_product_varies_the_last_axis_fastest() {
        let p = points(&axes(&["seed=0..2", "loss=xent,logconf"]).unwrap());
        assert_eq!(p.len(), 4);
        assert_eq!(p[1].label(), "seed=0 loss=logconf");
        assert_eq!(p[2].label(), "seed=1 loss=xent");
        assert_eq!(p[3].index, 3);
        assert_eq!(p[3].file_name(4), "003_seed=1_loss=logconf");
    }

    #[test]
    fn empty_and_malformed_grids_are_errors() {
        assert!(axes(&[]).unwrap_err().contains("empty grid"));
        assert!(axes(&["seed=3..3"]).unwrap_err().contains("empty grid"));
        assert!(axes(&["seed="]).unwrap_err().contains("empty grid"));
        assert!(axes(&["a=x,,y"]).unwrap_err().contains("empty item"));
        assert!(axes(&["a=1", "a=2"]).unwrap_err().contains("twice"));
        assert!(axes(&["no value"]).is_err());
    }

    #[test]
    fn tags_are_typed_as_the_notebook_sees_them() {
        let p = &points(&axes(&["seed=2", "loss=xent", "lr=1e-3", "aux=true"]).unwrap())[0];
        assert_eq!(
            p.tags("s1", 1),
            json!({"sweep": "s1", "point_name": "000_seed=2_loss=xent_lr=1e-3_aux=true",
                   "point": {"seed": 2, "loss": "xent", "lr": 0.001, "aux": true}})
        );
        assert_eq!(
            points(&axes(&["name=a b/c"]).unwrap())[0].file_name(1),
            "000_name=a-b-c"
        );
    }
}
