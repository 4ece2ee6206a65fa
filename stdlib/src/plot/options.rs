//! Option maps (`#{title: "loss", log_y: true}`) applied to charts and series. Every key is
//! read through [`Opts`], so a misspelt key is reported with the keys the call takes.

use super::chart::{Body, Chart, Corner, Layout, Legend, Style};
use super::input::{describe, fail, matrix, numbers, strings, Fail};
use super::output::MAX_SIDE;
use super::palette::parse_color;
use crate::opts::Opts;
use ladder_scripting::rhai::{Dynamic, Map};

/// Apply an option map to a chart; `context` names the call in errors. The chart changes only
/// if every option is valid, so a failed `configure` leaves it as it was.
pub fn apply(chart: &mut Chart, opts: &Map, context: &str) -> Result<(), Fail> {
    let mut o = Opts::new(context, opts.clone());
    let mut next = chart.clone();
    common(&mut next.layout, &mut o)?;
    kind(&mut next.body, &mut o)?;
    o.finish()?;
    *chart = next;
    Ok(())
}

/// A series style from an option map (`add_series(..., #{color: "red", dashed: true})`).
pub fn style(opts: &Map, context: &str) -> Result<Style, Fail> {
    let mut o = Opts::new(context, opts.clone());
    let color = match o.string_opt("color")? {
        Some(c) => Some(parse_color(&c).map_err(|e| fail(format!("{context}: {e}")))?),
        None => None,
    };
    // Fields are evaluated in the order written, which is the order errors list the keys in.
    let s = Style {
        color,
        dashed: o.bool("dashed", false)?,
        markers: o.bool("markers", false)?,
        line_width: read(&mut o, "line_width", |v, what| whole(v, what, 1, 20))?,
        errors: read(&mut o, "errors", numbers)?,
        band: read(&mut o, "band", band)?,
    };
    o.finish()?;
    Ok(s)
}

/// Options every chart takes. Absent keys keep the chart's current value, so `configure`
/// changes only what it names.
fn common(l: &mut Layout, o: &mut Opts) -> Result<(), Fail> {
    if let Some(s) = o.string_opt("title")? {
        l.title = s;
    }
    if let Some(s) = o.string_opt("x_label")? {
        l.x_label = s;
    }
    if let Some(s) = o.string_opt("y_label")? {
        l.y_label = s;
    }
    if let Some(w) = read(o, "width", side)? {
        l.width = w;
    }
    if let Some(h) = read(o, "height", side)? {
        l.height = h;
    }
    if let Some((w, h)) = read(o, "size", size)? {
        l.width = w;
        l.height = h;
    }
    l.log_x = o.bool("log_x", l.log_x)?;
    l.log_y = o.bool("log_y", l.log_y)?;
    if let Some(r) = read(o, "x_range", range)? {
        l.x_range = Some(r);
    }
    if let Some(r) = read(o, "y_range", range)? {
        l.y_range = Some(r);
    }
    if let Some(g) = read(o, "legend", legend)? {
        l.legend = g;
    }
    l.svg = o.bool("svg", l.svg)?;
    Ok(())
}

/// Options of the chart's own kind. Only that kind's keys are read, so `bins` on a line chart
/// is reported as unknown rather than ignored.
fn kind(body: &mut Body, o: &mut Opts) -> Result<(), Fail> {
    match body {
        Body::Line(_) | Body::Scatter { .. } => {}
        Body::Bar { categories, .. } => {
            if let Some(c) = read(o, "categories", strings)? {
                *categories = c;
            }
        }
        Body::Histogram {
            bins,
            range: r,
            density,
            ..
        } => {
            if let Some(n) = read(o, "bins", bin_count)? {
                *bins = n;
            }
            if let Some(x) = read(o, "range", range)? {
                *r = Some(x);
            }
            *density = o.bool("density", *density)?;
        }
        Body::Heatmap(m) => {
            let rows = read(o, "row_labels", strings)?;
            let cols = read(o, "col_labels", strings)?;
            // `labels` names rows and columns alike; the specific keys win over it.
            let both = read(o, "labels", strings)?;
            if let Some(r) = rows.or_else(|| both.clone()) {
                m.row_labels = r;
            }
            if let Some(c) = cols.or(both) {
                m.col_labels = c;
            }
            m.annotate = o.bool("annotate", m.annotate)?;
            if let Some(d) = read(o, "decimals", |v, what| whole(v, what, 0, 10))? {
                m.decimals = Some(d as usize);
            }
        }
        Body::Reliability { bins, .. } => {
            if let Some(n) = read(o, "bins", bin_count)? {
                *bins = n;
            }
        }
    }
    Ok(())
}

/// Option `key` converted by `convert`, which gets the value and how errors should name it
/// (the same shape as the readers in `input.rs`).
fn read<T>(
    o: &mut Opts,
    key: &str,
    convert: impl FnOnce(&Dynamic, &str) -> Result<T, Fail>,
) -> Result<Option<T>, Fail> {
    let Some(v) = o.raw(key) else {
        return Ok(None);
    };
    // Quoted as plot errors have always named keys (`'width' must be between 50 and ...`).
    let what = format!("{}: option '{key}'", o.what());
    convert(&v, &what).map(Some)
}

/// A whole number from `min` to `max`; floats such as `800.0` count, since sizes are often
/// computed.
fn whole(v: &Dynamic, what: &str, min: i64, max: i64) -> Result<u32, Fail> {
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
                "{what} must be a whole number, not {}",
                describe(v)
            ))
        })?;
    if n < min || n > max {
        return Err(fail(format!(
            "{what} must be between {min} and {max}, got {n}"
        )));
    }
    Ok(n as u32)
}

/// A width or height in pixels, within what `output` can draw.
fn side(v: &Dynamic, what: &str) -> Result<u32, Fail> {
    whole(v, what, 50, MAX_SIDE as i64)
}

fn bin_count(v: &Dynamic, what: &str) -> Result<usize, Fail> {
    whole(v, what, 1, 10_000).map(|n| n as usize)
}

/// `size: [width, height]`, each checked as `width` and `height` are.
fn size(v: &Dynamic, what: &str) -> Result<(u32, u32), Fail> {
    let s = numbers(v, what)?;
    let [w, h] = s[..] else {
        return Err(fail(format!("{what} must be [width, height], got {s:?}")));
    };
    Ok((
        side(&Dynamic::from_float(w), what)?,
        side(&Dynamic::from_float(h), what)?,
    ))
}

fn range(v: &Dynamic, what: &str) -> Result<(f64, f64), Fail> {
    let r = numbers(v, what)?;
    match r[..] {
        [lo, hi] if lo < hi => Ok((lo, hi)),
        _ => Err(fail(format!(
            "{what} must be [low, high] with low < high, got {r:?}"
        ))),
    }
}

/// `legend: true`, `false` or a corner name such as "upper left".
fn legend(v: &Dynamic, what: &str) -> Result<Legend, Fail> {
    match (v.as_bool(), v.clone().into_string()) {
        (Ok(true), _) => Ok(Legend::Auto),
        (Ok(false), _) => Ok(Legend::Hidden),
        (_, Ok(s)) => Corner::parse(&s).map(Legend::At).ok_or_else(|| {
            fail(format!(
                "{what} must be true, false or one of {}, not {s:?}",
                Corner::NAMES.join(", ")
            ))
        }),
        _ => Err(fail(format!(
            "{what} must be true, false or a corner name, not {}",
            describe(v)
        ))),
    }
}

/// `band: [lower, upper]`, two arrays of numbers.
fn band(v: &Dynamic, what: &str) -> Result<(Vec<f64>, Vec<f64>), Fail> {
    let [lower, upper] = <[Vec<f64>; 2]>::try_from(matrix(v, what)?).map_err(|r| {
        fail(format!(
            "{what} must be [lower, upper] (two arrays), got {} arrays",
            r.len()
        ))
    })?;
    Ok((lower, upper))
}
