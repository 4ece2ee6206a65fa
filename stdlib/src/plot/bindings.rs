//! The Rhai face of charts: constructors (`line_chart`, `scatter_chart`, `bar_chart`,
//! `histogram`, `heatmap`, `reliability_diagram`) and methods that add data, set options,
//! and save. Every method returns the chart, so calls chain and a cell's last line shows it.

use super::chart::{
    Body, Boundary, CalibrationSeries, Chart, Matrix, Style, ValueSeries, XySeries,
};
use super::input::{
    describe, fail, flags, labels, matrix, numbers, points, same_length, text, Fail,
};
use super::options::{apply, style};
use super::output::{save, to_svg};
use super::palette::series_color;
use super::stats::finite_extent;
use crate::bind;
use crate::error::RhaiResult;
use ladder_scripting::callback;
use ladder_scripting::rhai::{Dynamic, Engine, FnPtr, Map, NativeCallContext, INT};
use ladder_scripting::Renderers;

crate::type_names! {
    Chart => "Chart",
}

type R<T> = Result<T, Fail>;

/// Grid points per side for `decision_boundary` unless given.
const DEFAULT_RESOLUTION: i64 = 100;

fn with_options(body: Body, opts: &Map, context: &str) -> R<Chart> {
    let mut c = Chart::new(body);
    apply(&mut c, opts, context)?;
    Ok(c)
}

fn line(opts: &Map) -> R<Chart> {
    with_options(Body::Line(Vec::new()), opts, "line_chart")
}
fn scatter(opts: &Map) -> R<Chart> {
    with_options(
        Body::Scatter {
            series: Vec::new(),
            boundary: None,
        },
        opts,
        "scatter_chart",
    )
}
fn bar(opts: &Map) -> R<Chart> {
    with_options(
        Body::Bar {
            categories: Vec::new(),
            series: Vec::new(),
        },
        opts,
        "bar_chart",
    )
}
fn hist(opts: &Map) -> R<Chart> {
    let body = Body::Histogram {
        bins: 20,
        range: None,
        density: false,
        series: Vec::new(),
    };
    let mut c = with_options(body, opts, "histogram")?;
    if c.layout.y_label.is_empty() {
        let density = matches!(c.body, Body::Histogram { density: true, .. });
        c.layout.y_label = if density { "density" } else { "count" }.into();
    }
    Ok(c)
}
fn reliability(opts: &Map) -> R<Chart> {
    let mut c = Chart::new(Body::Reliability {
        bins: 10,
        series: Vec::new(),
    });
    c.layout.x_label = "confidence".into();
    c.layout.y_label = "accuracy".into();
    apply(&mut c, opts, "reliability_diagram")?;
    Ok(c)
}
fn heat(values: &Dynamic, opts: &Map) -> R<Chart> {
    let values = matrix(values, "heatmap: matrix")?;
    if values.is_empty() || values[0].is_empty() {
        return Err(fail(
            "heatmap: the matrix is empty; it needs at least one row and one column",
        ));
    }
    let m = Matrix {
        values,
        row_labels: Vec::new(),
        col_labels: Vec::new(),
        annotate: true,
        decimals: None,
    };
    with_options(Body::Heatmap(m), opts, "heatmap")
}

/// Add a series: `a` and `b` mean different things per kind (see the doc comments).
fn add_series(c: &mut Chart, name: &str, a: &Dynamic, b: Option<&Dynamic>, st: Style) -> R<Chart> {
    let kind = c.kind();
    // A chart built with its data (`histogram(values)`) has one unnamed series.
    let ctx = |arg: &str| match name {
        "" => format!("{kind}: {arg}"),
        _ => format!("add_series(\"{name}\"): {arg}"),
    };
    let check_band = |ys: &[f64], st: &Style| -> R<()> {
        if let Some((lower, upper)) = st.band_for(ys) {
            same_length(ys.len(), &ctx("ys"), lower.len(), "the band's lower values")?;
            same_length(ys.len(), &ctx("ys"), upper.len(), "the band's upper values")?;
        }
        Ok(())
    };
    match (&mut c.body, b) {
        (Body::Line(series), None) => {
            let ys = numbers(a, &ctx("ys"))?;
            check_band(&ys, &st)?;
            let xs = (0..ys.len()).map(|i| i as f64).collect();
            series.push(XySeries {
                name: name.into(),
                xs,
                ys,
                style: st,
            });
        }
        (Body::Line(series), Some(b)) | (Body::Scatter { series, .. }, Some(b)) => {
            let xs = numbers(a, &ctx("xs"))?;
            let ys = numbers(b, &ctx("ys"))?;
            same_length(xs.len(), &ctx("xs"), ys.len(), "ys")?;
            check_band(&ys, &st)?;
            series.push(XySeries {
                name: name.into(),
                xs,
                ys,
                style: st,
            });
        }
        (Body::Scatter { series, .. }, None) => {
            let (xs, ys) = points(a, &ctx("points"))?;
            series.push(XySeries {
                name: name.into(),
                xs,
                ys,
                style: st,
            });
        }
        (Body::Bar { categories, series }, None) => {
            let values = numbers(a, &ctx("values"))?;
            if !categories.is_empty() && values.len() != categories.len() {
                return Err(fail(format!(
                    "{}: {} values for {} categories ({}); give one value per category",
                    ctx("values"),
                    values.len(),
                    categories.len(),
                    categories.join(", ")
                )));
            }
            if let Some(e) = &st.errors {
                same_length(values.len(), &ctx("values"), e.len(), "errors")?;
            }
            series.push(ValueSeries {
                name: name.into(),
                values,
                style: st,
            });
        }
        (Body::Histogram { series, .. }, None) => {
            let values = numbers(a, &ctx("values"))?;
            series.push(ValueSeries {
                name: name.into(),
                values,
                style: st,
            });
        }
        (Body::Reliability { series, .. }, Some(b)) => {
            let confidences = numbers(a, &ctx("confidences"))?;
            let correct = flags(b, &ctx("correct"))?;
            same_length(
                confidences.len(),
                &ctx("confidences"),
                correct.len(),
                "correct",
            )?;
            if let Some((i, v)) = confidences
                .iter()
                .enumerate()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
            {
                return Err(fail(format!(
                    "{}[{i}] is {v}: confidences must lie in [0, 1]",
                    ctx("confidences")
                )));
            }
            series.push(CalibrationSeries {
                name: name.into(),
                confidences,
                correct,
                style: st,
            });
        }
        (Body::Heatmap(_), _) => {
            return Err(fail(
                "add_series: a heatmap has no series; make a new heatmap(matrix) instead",
            ))
        }
        (Body::Bar { .. }, Some(_)) | (Body::Histogram { .. }, Some(_)) => {
            return Err(fail(format!(
                "add_series on a {kind} takes (name, values) or (name, values, #{{...style}})"
            )))
        }
        (Body::Reliability { .. }, None) => {
            return Err(fail(
                "add_series on a reliability diagram takes (name, confidences, correct)",
            ))
        }
    }
    Ok(c.clone())
}

/// `add_series(name, a, b)` where `b` may be a style map instead of data.
fn add_series3(c: &mut Chart, name: &str, a: &Dynamic, b: &Dynamic) -> R<Chart> {
    match b.clone().try_cast::<Map>() {
        Some(m) => {
            let st = style(&m, &format!("add_series(\"{name}\")"))?;
            add_series(c, name, a, None, st)
        }
        None => add_series(c, name, a, Some(b), Style::default()),
    }
}

/// Points split into one series per class label, coloured so class k matches the colour of
/// a decision boundary's class k.
fn add_classes(c: &mut Chart, xs: Vec<f64>, ys: Vec<f64>, labels_v: &Dynamic) -> R<Chart> {
    let Body::Scatter { series, .. } = &mut c.body else {
        return Err(fail(format!(
            "add_classes works on scatter charts, not on a {}",
            c.kind()
        )));
    };
    let labels = labels(labels_v, "add_classes: labels")?;
    same_length(xs.len(), "add_classes: points", labels.len(), "labels")?;
    let mut classes: Vec<(Dynamic, String)> = Vec::new();
    for l in &labels {
        let key = text(l);
        if !classes.iter().any(|(_, k)| *k == key) {
            classes.push((l.clone(), key));
        }
    }
    let numeric = classes
        .iter()
        .all(|(l, _)| l.as_int().is_ok_and(|i| i >= 0));
    classes.sort_by(|a, b| match (a.0.as_int(), b.0.as_int()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.1.cmp(&b.1),
    });
    for (i, (label, key)) in classes.iter().enumerate() {
        let color = if numeric {
            series_color(label.as_int().unwrap_or(0) as usize)
        } else {
            series_color(i)
        };
        let (px, py): (Vec<f64>, Vec<f64>) = labels
            .iter()
            .zip(xs.iter().zip(&ys))
            .filter(|(l, _)| text(l) == *key)
            .map(|(_, (x, y))| (*x, *y))
            .unzip();
        let name = if numeric {
            format!("class {key}")
        } else {
            key.clone()
        };
        series.push(XySeries {
            name,
            xs: px,
            ys: py,
            style: Style {
                color: Some(color),
                ..Style::default()
            },
        });
    }
    Ok(c.clone())
}

/// The grid a boundary is evaluated on: the asked ranges, or the points' extent plus 10%.
fn grid_axes(c: &Chart, resolution: i64) -> R<(Vec<f64>, Vec<f64>)> {
    if !(2..=1000).contains(&resolution) {
        return Err(fail(format!(
            "decision_boundary: resolution must be between 2 and 1000, got {resolution}"
        )));
    }
    let Body::Scatter { series, .. } = &c.body else {
        return Err(fail(format!(
            "decision_boundary works on scatter charts, not on a {}",
            c.kind()
        )));
    };
    let all_x: Vec<f64> = series.iter().flat_map(|s| s.xs.iter().copied()).collect();
    let all_y: Vec<f64> = series.iter().flat_map(|s| s.ys.iter().copied()).collect();
    let padded = |set: Option<(f64, f64)>, data: &[f64], axis: &str| -> R<(f64, f64)> {
        if let Some(r) = set {
            return Ok(r);
        }
        let (lo, hi) = finite_extent(data).ok_or_else(|| {
            fail(format!(
                "decision_boundary: add points first (or set {axis}_range) so the grid has a range"
            ))
        })?;
        let pad = if hi > lo { (hi - lo) * 0.1 } else { 1.0 };
        Ok((lo - pad, hi + pad))
    };
    let (x0, x1) = padded(c.layout.x_range, &all_x, "x")?;
    let (y0, y1) = padded(c.layout.y_range, &all_y, "y")?;
    let n = resolution as usize;
    let axis = |lo: f64, hi: f64| {
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect::<Vec<_>>()
    };
    Ok((axis(x0, x1), axis(y0, y1)))
}

fn prediction(v: &Dynamic, what: &str) -> R<f64> {
    v.as_float()
        .ok()
        .or_else(|| v.as_int().ok().map(|i| i as f64))
        .or_else(|| v.as_bool().ok().map(|b| b as i64 as f64))
        .ok_or_else(|| {
            fail(format!(
                "{what} is {}, expected a number (a class or a probability)",
                describe(v)
            ))
        })
}

fn decision_boundary(
    ctx: &NativeCallContext,
    c: &mut Chart,
    f: &FnPtr,
    resolution: i64,
) -> R<Chart> {
    let (gx, gy) = grid_axes(c, resolution)?;
    let (n, m) = (gx.len(), gy.len());
    // Per point `|x, y|` first; a function of one argument gets the whole grid at once.
    let values = match f.call_within_context::<Dynamic>(ctx, (gx[0], gy[0])) {
        Ok(_) => {
            let mut rows = Vec::with_capacity(m);
            for &y in &gy {
                ladder_scripting::context::check_interrupt()?;
                let row = gx
                    .iter()
                    .map(|&x| {
                        let v = f.call_within_context::<Dynamic>(ctx, (x, y))?;
                        prediction(&v, &format!("decision_boundary: f({x}, {y})"))
                    })
                    .collect::<R<Vec<f64>>>()?;
                rows.push(row);
            }
            rows
        }
        // Not a function of a point: the whole grid in one call.
        Err(e) if callback::is_arity_mismatch(&e, f) => {
            let grid: ladder_scripting::rhai::Array = gy
                .iter()
                .flat_map(|&y| {
                    gx.iter().map(move |&x| {
                        Dynamic::from_array(vec![Dynamic::from_float(x), Dynamic::from_float(y)])
                    })
                })
                .collect();
            let out = f
                .call_within_context::<Dynamic>(ctx, (Dynamic::from_array(grid),))
                .map_err(|e| {
                    let called_with = "two arguments, a point's x and y, or one, the grid's points";
                    match callback::arity_mismatch(ctx, &e, f, called_with) {
                        Some(why) => fail(format!("decision_boundary: {why}")),
                        None => e,
                    }
                })?;
            let flat = batch_predictions(&out, n * m)?;
            flat.chunks(n).map(<[f64]>::to_vec).collect()
        }
        Err(e) => return Err(e),
    };
    if let Body::Scatter { boundary, .. } = &mut c.body {
        *boundary = Some(Boundary {
            xs: gx,
            ys: gy,
            values,
        });
    }
    Ok(c.clone())
}

/// A batch prediction: one number per grid point, or one row of class scores per point
/// (then the class is the row's argmax).
fn batch_predictions(out: &Dynamic, expected: usize) -> R<Vec<f64>> {
    let what = "decision_boundary: the function's result";
    let flat = match matrix(out, what) {
        Ok(rows)
            if out
                .clone()
                .into_array()
                .map(|a| a.first().is_some_and(Dynamic::is_array))
                .unwrap_or(false)
                || out.is::<crate::tensor::Tensor>()
                    && rows.first().is_some_and(|r| r.len() > 1) =>
        {
            rows.iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .fold((0usize, f64::NEG_INFINITY), |b, (i, v)| {
                            if *v > b.1 {
                                (i, *v)
                            } else {
                                b
                            }
                        })
                        .0 as f64
                })
                .collect()
        }
        _ => numbers(out, what)?,
    };
    if flat.len() != expected {
        return Err(fail(format!(
            "{what} has {} values, expected one per grid point ({expected})",
            flat.len()
        )));
    }
    Ok(flat)
}

fn decision_grid(c: &mut Chart, xs: &Dynamic, ys: &Dynamic, values: &Dynamic) -> R<Chart> {
    let kind = c.kind();
    let Body::Scatter { boundary, .. } = &mut c.body else {
        return Err(fail(format!(
            "decision_grid works on scatter charts, not on a {kind}"
        )));
    };
    let xs = numbers(xs, "decision_grid: xs")?;
    let ys = numbers(ys, "decision_grid: ys")?;
    let values = matrix(values, "decision_grid: values")?;
    if values.len() != ys.len() || values.first().map_or(0, Vec::len) != xs.len() {
        return Err(fail(format!(
            "decision_grid: values must have one row per y ({}) and one column per x ({}), got {}x{}",
            ys.len(),
            xs.len(),
            values.len(),
            values.first().map_or(0, Vec::len)
        )));
    }
    for (axis, v) in [("xs", &xs), ("ys", &ys)] {
        if v.windows(2).any(|w| w[1] <= w[0]) {
            return Err(fail(format!("decision_grid: {axis} must be increasing")));
        }
    }
    *boundary = Some(Boundary { xs, ys, values });
    Ok(c.clone())
}

fn rhai_err(e: String) -> Fail {
    fail(e)
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Chart>(engine, renderers);
    constructors(engine);
    data_methods(engine);
    settings(engine);
}

fn constructors(engine: &mut Engine) {
    bind!(engine,
        /// An empty line chart; add curves with `c.add_series(name, xs, ys)`.
        ///
        /// let c = line_chart(#{title: "loss", x_label: "step", log_y: true});
        /// c.add_series("train", steps, train_loss);
        /// c.add_series("val", steps, val_loss, #{dashed: true});
        /// c
        ///
        /// Options (all charts): title, x_label, y_label, width, height, size: [w, h], log_x, log_y,
        /// x_range: [lo, hi], y_range: [lo, hi], legend: true/false/"upper left"/..., svg: true.
        fn line_chart() -> RhaiResult<Chart> { line(&Map::new()) }

        /// A line chart with options (title, x_label, y_label, width, height, log_x, log_y, x_range, y_range, legend, svg).
        ///
        /// let c = line_chart(#{title: "loss", x_label: "step"}); c.add_series("train", xs, ys); c
        fn line_chart(options: Map) -> RhaiResult<Chart> { line(&options) }

        /// An empty scatter chart; add points with `c.add_series(name, xs, ys)` or `c.add_classes(points, labels)`, and a decision boundary with `c.decision_boundary(|x, y| ...)`.
        fn scatter_chart() -> RhaiResult<Chart> { scatter(&Map::new()) }

        /// A scatter chart with options (title, x_label, y_label, width, height, log_x, log_y, x_range, y_range, legend, svg).
        ///
        /// let c = scatter_chart(#{title: "moons"});
        /// c.add_classes(points, labels);
        /// c.decision_boundary(|x, y| if x + y > 0.0 { 1 } else { 0 });
        /// c
        fn scatter_chart(options: Map) -> RhaiResult<Chart> { scatter(&options) }

        /// An empty bar chart; each `c.add_series(name, values)` adds one bar per category (several series make grouped bars).
        fn bar_chart() -> RhaiResult<Chart> { bar(&Map::new()) }

        /// A bar chart; option `categories` names the groups. Several series make grouped bars; `#{errors: [...]}` adds error bars.
        ///
        /// let c = bar_chart(#{title: "accuracy", categories: ["sciq", "boolq"]});
        /// c.add_series("weak", [0.61, 0.58]);
        /// c.add_series("w2s", [0.68, 0.63], #{errors: [0.02, 0.01]});
        /// c.add_series("ceiling", [0.75, 0.70]);
        /// c
        fn bar_chart(options: Map) -> RhaiResult<Chart> { bar(&options) }

        /// An empty histogram; add samples with `c.add_series(name, values)` (several overlay).
        fn histogram() -> RhaiResult<Chart> { hist(&Map::new()) }

        /// An empty histogram with options: bins (20), range: [lo, hi], density (false), and the common chart options.
        fn histogram(options: Map) -> RhaiResult<Chart> { hist(&options) }

        /// A histogram of `values` (an array or a tensor) in 20 bins over their range.
        ///
        /// histogram(confidences)
        fn histogram(values: Dynamic as "Array") -> RhaiResult<Chart> {
        let mut c = hist(&Map::new())?;
        add_series(&mut c, "", &values, None, Style::default())
    }

        /// A histogram of `values` with options: bins, range: [lo, hi], density, and the common chart options.
        ///
        /// histogram(confidences, #{bins: 10, range: [0.5, 1.0], title: "confidence"})
        fn histogram(values: Dynamic as "Array", options: Map) -> RhaiResult<Chart> {
        let mut c = hist(&options)?;
        add_series(&mut c, "", &values, None, Style::default())
    }

        /// A heatmap of a matrix (rows of numbers, or a 2-D tensor), each cell annotated with its value: confusion matrices, overlaps.
        fn heatmap(matrix: Dynamic as "Array") -> RhaiResult<Chart> { heat(&matrix, &Map::new()) }

        /// A heatmap with options: row_labels, col_labels (or labels for both), annotate (true), decimals, and the common chart options.
        ///
        /// heatmap(cm, #{labels: ["neg", "pos"], x_label: "predicted", y_label: "true", title: "confusion matrix"})
        fn heatmap(matrix: Dynamic as "Array", options: Map) -> RhaiResult<Chart> { heat(&matrix, &options) }

        /// An empty reliability diagram; add models with `c.add_series(name, confidences, correct)`.
        fn reliability_diagram() -> RhaiResult<Chart> { reliability(&Map::new()) }

        /// An empty reliability diagram with options: bins (10) and the common chart options.
        fn reliability_diagram(options: Map) -> RhaiResult<Chart> { reliability(&options) }

        /// Accuracy against confidence in 10 equal bins (as sklearn's calibration_curve), with the diagonal and the expected calibration error (ECE) in the legend. `correct` holds true/false or 0/1 per prediction.
        fn reliability_diagram(confidences: Dynamic as "Array", correct: Dynamic as "Array") -> RhaiResult<Chart> {
        let mut c = reliability(&Map::new())?;
        add_series(&mut c, "", &confidences, Some(&correct), Style::default())
    }

        /// A reliability diagram with options: bins (10) and the common chart options.
        ///
        /// reliability_diagram(conf, correct, #{bins: 15, title: "w2s calibration"})
        fn reliability_diagram(confidences: Dynamic as "Array", correct: Dynamic as "Array", options: Map) -> RhaiResult<Chart> {
        let mut c = reliability(&options)?;
        add_series(&mut c, "", &confidences, Some(&correct), Style::default())
    }
    );
}

fn data_methods(engine: &mut Engine) {
    bind!(engine,
        /// Add a series. Line chart: ys (x = 0, 1, ...). Bar chart: one value per category. Histogram: samples. Scatter chart: [[x, y], ...] points.
        fn add_series(chart: &mut Chart, name: &str, values: Dynamic as "Array") -> RhaiResult<Chart> { add_series(chart, name, &values, None, Style::default()) }

        /// Add a series. Line/scatter chart: (xs, ys). Reliability diagram: (confidences, correct). Bar chart or histogram: (values, #{style}).
        ///
        /// c.add_series("val", steps, val_loss)
        fn add_series(chart: &mut Chart, name: &str, a: Dynamic as "Array", b: Dynamic as "Array") -> RhaiResult<Chart> { add_series3(chart, name, &a, &b) }
    );
    bind!(engine,
        /// Add a series with a style: color ("red", "#1f77b4", ...), dashed, markers, line_width, errors (bar charts: half-widths of error bars; line charts: a shaded band of +/- errors), band: [lower, upper] (line charts: a shaded band, e.g. min/max over seeds).
        ///
        /// c.add_series("val", steps, val_loss, #{dashed: true, color: "orange"})
        /// c.add_series("w2s", steps, mean_acc, #{errors: std_acc})
        fn add_series(chart: &mut Chart, name: &str, a: Dynamic as "Array", b: Dynamic as "Array", style: Map) -> RhaiResult<Chart> {
        let style = self::style(&style, &format!("add_series(\"{name}\")"))?;
        add_series(chart, name, &a, Some(&b), style)
    }

        /// Scatter chart: add points `[[x, y], ...]` (or an n x 2 tensor) coloured by class label (ints or strings), one legend entry per class.
        ///
        /// c.add_classes(x, y_true)
        fn add_classes(chart: &mut Chart, points: Dynamic as "Array", labels: Dynamic as "Array") -> RhaiResult<Chart> {
        let (xs, ys) = self::points(&points, "add_classes: points")?;
        add_classes(chart, xs, ys, &labels)
    }
    );
    bind!(engine,
        /// Scatter chart: add points given as separate x and y arrays, coloured by class label.
        fn add_classes(chart: &mut Chart, xs: Dynamic as "Array", ys: Dynamic as "Array", labels: Dynamic as "Array") -> RhaiResult<Chart> {
            let xs = numbers(&xs, "add_classes: xs")?;
            let ys = numbers(&ys, "add_classes: ys")?;
            same_length(xs.len(), "add_classes: xs", ys.len(), "ys")?;
            add_classes(chart, xs, ys, &labels)
        }

        /// Scatter chart: shade the plane by a model's prediction on a 100 x 100 grid over the points (or x_range/y_range). `f` is `|x, y| class_or_probability`, or a function of one argument that takes all grid points `[[x, y], ...]` at once and returns one prediction (or one row of class scores) per point.
        ///
        /// c.decision_boundary(|x, y| if x * x + y * y < 1.0 { 1 } else { 0 })
        /// c.decision_boundary(|pts| model.predict(tensor(pts)))
        fn decision_boundary(ctx: NativeCallContext, chart: &mut Chart, f: FnPtr) -> RhaiResult<Chart> { decision_boundary(&ctx, chart, &f, DEFAULT_RESOLUTION) }

        /// As decision_boundary(f), on a resolution x resolution grid.
        fn decision_boundary(ctx: NativeCallContext, chart: &mut Chart, f: FnPtr, resolution: INT) -> RhaiResult<Chart> { decision_boundary(&ctx, chart, &f, resolution) }

        /// Scatter chart: shade the plane from predictions already computed on a grid: values[j][i] is the prediction at (xs[i], ys[j]). Whole numbers are classes, other values probabilities of class 1.
        fn decision_grid(chart: &mut Chart, xs: Dynamic as "Array", ys: Dynamic as "Array", values: Dynamic as "Array") -> RhaiResult<Chart> { decision_grid(chart, &xs, &ys, &values) }
    );
}

fn settings(engine: &mut Engine) {
    bind!(
        engine,
        /// Change options after construction, e.g. `c.configure(#{title: "loss", log_y: true, size: [800, 400]})`.
        fn configure(chart: &mut Chart, options: Map) -> RhaiResult<Chart> {
            let kind = chart.kind();
            apply(chart, &options, &format!("configure on a {kind}"))?;
            Ok::<_, Fail>(chart.clone())
        },
        /// Set the size in pixels: `c.size(800, 400)`.
        fn size(chart: &mut Chart, width: INT, height: INT) -> RhaiResult<Chart> {
            let mut o = Map::new();
            o.insert("width".into(), Dynamic::from_int(width));
            o.insert("height".into(), Dynamic::from_int(height));
            apply(chart, &o, "size")?;
            Ok::<_, Fail>(chart.clone())
        },
        /// The chart, displayed as SVG as well as PNG (for viewers that prefer vector images).
        fn svg(chart: &mut Chart) -> Chart {
            let mut out = chart.clone();
            out.layout.svg = true;
            out
        },
        /// The chart as an SVG document (a string).
        fn to_svg(chart: &mut Chart) -> RhaiResult<String> {
            to_svg(chart).map_err(rhai_err)
        },
        /// Save the chart as PNG or SVG, chosen by the file name's extension: `c.save("loss.png")`.
        fn save(chart: &mut Chart, path: &str) {
            save(chart, path).map_err(rhai_err)
        }
    );
    for f in ["to_string", "to_debug"] {
        bind!(engine,
            /// The chart's kind, title and series, as `print` shows it.
            fn [f](chart: &mut Chart) -> String { chart.describe() }
        );
    }

    // Properties are registered as `get$name` / `set$name` so they carry doc comments.
    macro_rules! text_prop {
        ($name:literal, $field:ident, $doc:literal) => {
            bind!(engine,
                #[doc = $doc]
                fn [concat!("get$", $name)](chart: &mut Chart) -> String { chart.layout.$field.clone() }

                #[doc = $doc]
                fn [concat!("set$", $name)](chart: &mut Chart, value: &str) {
                    chart.layout.$field = value.to_string()
                }
            );
        };
    }
    text_prop!("title", title, "The chart's title: `c.title = \"loss\"`.");
    text_prop!(
        "x_label",
        x_label,
        "The x axis label: `c.x_label = \"step\"`."
    );
    text_prop!(
        "y_label",
        y_label,
        "The y axis label: `c.y_label = \"loss\"`."
    );
    macro_rules! flag_prop {
        ($name:literal, $field:ident, $doc:literal) => {
            bind!(engine,
                #[doc = $doc]
                fn [concat!("get$", $name)](chart: &mut Chart) -> bool { chart.layout.$field }

                #[doc = $doc]
                fn [concat!("set$", $name)](chart: &mut Chart, value: bool) { chart.layout.$field = value }
            );
        };
    }
    flag_prop!(
        "log_x",
        log_x,
        "Whether the x axis is logarithmic: `c.log_x = true`."
    );
    flag_prop!(
        "log_y",
        log_y,
        "Whether the y axis is logarithmic: `c.log_y = true`."
    );
    macro_rules! size_prop {
        ($name:literal, $field:ident, $doc:literal) => {
            bind!(engine,
                #[doc = $doc]
                fn [concat!("get$", $name)](chart: &mut Chart) -> INT { chart.layout.$field as INT }

                #[doc = $doc]
                fn [concat!("set$", $name)](chart: &mut Chart, pixels: INT) -> RhaiResult<()> {
                    let mut o = Map::new();
                    o.insert($name.into(), Dynamic::from_int(pixels));
                    apply(chart, &o, $name)
                }
            );
        };
    }
    size_prop!(
        "width",
        width,
        "The width in pixels (50 to 8192): `c.width = 800`."
    );
    size_prop!(
        "height",
        height,
        "The height in pixels (50 to 8192): `c.height = 400`."
    );
    bind!(engine,
        /// What kind of chart this is ("line chart", "heatmap", ...).
        fn ["get$kind"](chart: &mut Chart) -> String { chart.kind().to_string() }
    );
}
