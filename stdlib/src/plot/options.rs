//! Option maps (`#{title: "loss", log_y: true}`) applied to charts and series, rejecting
//! misspelt keys with the list of valid ones.

use super::chart::{Body, Chart, Corner, Legend, Style};
use super::input::{describe, fail, matrix, numbers, strings, Fail};
use super::palette::parse_color;
use ladder_scripting::rhai::{Dynamic, Map};

/// Options every chart accepts.
pub const COMMON: &[&str] = &[
    "title", "x_label", "y_label", "width", "height", "size", "log_x", "log_y", "x_range",
    "y_range", "legend", "svg",
];

/// Options for one kind, besides [`COMMON`].
fn kind_options(body: &Body) -> &'static [&'static str] {
    match body {
        Body::Line(_) | Body::Scatter { .. } => &[],
        Body::Bar { .. } => &["categories"],
        Body::Histogram { .. } => &["bins", "range", "density"],
        Body::Heatmap(_) => &["row_labels", "col_labels", "labels", "annotate", "decimals"],
        Body::Reliability { .. } => &["bins"],
    }
}

/// Options a series accepts in `add_series(..., #{...})`.
pub const SERIES: &[&str] = &["color", "dashed", "markers", "line_width", "errors", "band"];

fn as_bool(v: &Dynamic, key: &str) -> Result<bool, Fail> {
    v.as_bool().map_err(|_| {
        fail(format!(
            "option '{key}' must be true or false, not {}",
            describe(v)
        ))
    })
}

fn as_string(v: &Dynamic, key: &str) -> Result<String, Fail> {
    v.clone().into_string().map_err(|_| {
        fail(format!(
            "option '{key}' must be a string, not {}",
            describe(v)
        ))
    })
}

fn as_count(v: &Dynamic, key: &str, min: i64, max: i64) -> Result<u32, Fail> {
    let n = v
        .as_int()
        .ok()
        .or_else(|| {
            v.as_float()
                .ok()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
        .ok_or_else(|| {
            fail(format!(
                "option '{key}' must be a whole number, not {}",
                describe(v)
            ))
        })?;
    if n < min || n > max {
        return Err(fail(format!(
            "option '{key}' must be between {min} and {max}, got {n}"
        )));
    }
    Ok(n as u32)
}

fn as_range(v: &Dynamic, key: &str) -> Result<(f64, f64), Fail> {
    let r = numbers(v, &format!("option '{key}'"))?;
    match r[..] {
        [lo, hi] if lo < hi => Ok((lo, hi)),
        _ => Err(fail(format!(
            "option '{key}' must be [low, high] with low < high, got {r:?}"
        ))),
    }
}

fn unknown(key: &str, known: &[&[&str]], context: &str) -> Fail {
    let all: Vec<&str> = known.iter().flat_map(|k| k.iter().copied()).collect();
    fail(format!(
        "{context}: unknown option '{key}'; the options are: {}",
        all.join(", ")
    ))
}

/// Apply an option map to a chart; `context` names the call in errors.
pub fn apply(chart: &mut Chart, opts: &Map, context: &str) -> Result<(), Fail> {
    for (key, v) in opts {
        let key = key.as_str();
        let l = &mut chart.layout;
        match key {
            "title" => l.title = as_string(v, key)?,
            "x_label" => l.x_label = as_string(v, key)?,
            "y_label" => l.y_label = as_string(v, key)?,
            "width" => l.width = as_count(v, key, 50, 8192)?,
            "height" => l.height = as_count(v, key, 50, 8192)?,
            "size" => {
                let s = numbers(v, "option 'size'")?;
                let [w, h] = s[..] else {
                    return Err(fail(format!(
                        "option 'size' must be [width, height], got {s:?}"
                    )));
                };
                l.width = as_count(&Dynamic::from_float(w), "size", 50, 8192)?;
                l.height = as_count(&Dynamic::from_float(h), "size", 50, 8192)?;
            }
            "log_x" => l.log_x = as_bool(v, key)?,
            "log_y" => l.log_y = as_bool(v, key)?,
            "x_range" => l.x_range = Some(as_range(v, key)?),
            "y_range" => l.y_range = Some(as_range(v, key)?),
            "svg" => l.svg = as_bool(v, key)?,
            "legend" => {
                l.legend = match (v.as_bool(), v.clone().into_string()) {
                    (Ok(true), _) => Legend::Auto,
                    (Ok(false), _) => Legend::Hidden,
                    (_, Ok(s)) => Legend::At(Corner::parse(&s).ok_or_else(|| {
                        fail(format!(
                            "option 'legend' must be true, false or one of {}, not {s:?}",
                            Corner::NAMES.join(", ")
                        ))
                    })?),
                    _ => {
                        return Err(fail(format!(
                            "option 'legend' must be true, false or a corner name, not {}",
                            describe(v)
                        )))
                    }
                }
            }
            _ => apply_kind(&mut chart.body, key, v, context)?,
        }
    }
    Ok(())
}

fn apply_kind(body: &mut Body, key: &str, v: &Dynamic, context: &str) -> Result<(), Fail> {
    let known = kind_options(body);
    match (body, key) {
        (Body::Bar { categories, .. }, "categories") => {
            *categories = strings(v, "option 'categories'")?
        }
        (Body::Histogram { bins, .. }, "bins") | (Body::Reliability { bins, .. }, "bins") => {
            *bins = as_count(v, key, 1, 10_000)? as usize
        }
        (Body::Histogram { range, .. }, "range") => *range = Some(as_range(v, key)?),
        (Body::Histogram { density, .. }, "density") => *density = as_bool(v, key)?,
        (Body::Heatmap(m), "row_labels") => m.row_labels = strings(v, "option 'row_labels'")?,
        (Body::Heatmap(m), "col_labels") => m.col_labels = strings(v, "option 'col_labels'")?,
        (Body::Heatmap(m), "labels") => {
            m.row_labels = strings(v, "option 'labels'")?;
            m.col_labels = m.row_labels.clone();
        }
        (Body::Heatmap(m), "annotate") => m.annotate = as_bool(v, key)?,
        (Body::Heatmap(m), "decimals") => m.decimals = Some(as_count(v, key, 0, 10)? as usize),
        _ => return Err(unknown(key, &[COMMON, known], context)),
    }
    Ok(())
}

/// A series style from an option map.
pub fn style(opts: &Map, context: &str) -> Result<Style, Fail> {
    let mut s = Style::default();
    for (key, v) in opts {
        let key = key.as_str();
        match key {
            "color" => {
                s.color = Some(
                    parse_color(&as_string(v, key)?)
                        .map_err(|e| fail(format!("{context}: {e}")))?,
                )
            }
            "dashed" => s.dashed = as_bool(v, key)?,
            "markers" => s.markers = as_bool(v, key)?,
            "line_width" => s.line_width = Some(as_count(v, key, 1, 20)?),
            "errors" => s.errors = Some(numbers(v, "option 'errors'")?),
            "band" => {
                let rows = matrix(v, "option 'band'")?;
                let [lower, upper] = <[Vec<f64>; 2]>::try_from(rows).map_err(|r| {
                    fail(format!(
                        "option 'band' must be [lower, upper] (two arrays), got {} arrays",
                        r.len()
                    ))
                })?;
                s.band = Some((lower, upper));
            }
            _ => return Err(unknown(key, &[SERIES], context)),
        }
    }
    Ok(s)
}
