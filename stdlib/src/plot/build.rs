//! Turns each chart kind into a [`Scene`]: where every bar, line, cell and label goes.

use super::chart::{
    Body, Boundary, Chart, Corner, Layout, Legend, Matrix, Rgb, Style, ValueSeries, XySeries,
};
use super::palette::{is_dark, ramp, series_color};
use super::scene::{log_ticks, Colorbar, LegendEntry, Mark, Scene, Swatch, Ticks};
use super::stats::{calibration, finite_extent, histogram_counts};

const BOUNDARY_OPACITY: f64 = 0.25;
const GRAY: Rgb = (0x7f, 0x7f, 0x7f);

/// The scene for a chart, or a message saying why it cannot be drawn.
pub fn build(chart: &Chart) -> Result<Scene, String> {
    let l = &chart.layout;
    let mut scene = match &chart.body {
        Body::Line(series) => xy(l, series, &None, false)?,
        Body::Scatter { series, boundary } => xy(l, series, boundary, true)?,
        Body::Bar { categories, series } => bars(l, categories, series)?,
        Body::Histogram {
            bins,
            range,
            density,
            series,
        } => histogram(l, *bins, *range, *density, series)?,
        Body::Heatmap(m) => heatmap(m)?,
        Body::Reliability { bins, series } => reliability(l, *bins, series)?,
    };
    for (lo, hi) in [&mut scene.x_range, &mut scene.y_range] {
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
            (*lo, *hi) = if *lo > 0.0 {
                (*lo / 2.0, *lo * 2.0)
            } else {
                (*lo - 0.5, *lo + 0.5)
            };
        }
    }
    if l.log_x && scene.x_ticks == Ticks::Auto {
        scene.x_ticks = Ticks::Fixed {
            labels: log_ticks(scene.x_range.0, scene.x_range.1),
            grid: scene.grid,
        };
    }
    if l.log_y && scene.y_ticks == Ticks::Auto {
        scene.y_ticks = Ticks::Fixed {
            labels: log_ticks(scene.y_range.0, scene.y_range.1),
            grid: scene.grid,
        };
    }
    let wanted = match l.legend {
        Legend::Hidden => None,
        Legend::At(c) => Some(c),
        Legend::Auto
            if scene.legend.len() >= 2 || matches!(chart.body, Body::Reliability { .. }) =>
        {
            let (w, h) = legend_box(&scene, l);
            let (corner, covered) = emptiest_corner(&scene, w, h);
            // No free corner: raise the top of the y axis so the legend sits above the data
            // (only where the range is ours to choose).
            let free_range = l.y_range.is_none() && !l.log_y && h < 0.45;
            // Heatmaps, reliability diagrams and decision boundaries own their ranges.
            let raisable = !matches!(
                chart.body,
                Body::Heatmap(_)
                    | Body::Reliability { .. }
                    | Body::Scatter {
                        boundary: Some(_),
                        ..
                    }
            );
            if covered > 0 && free_range && raisable {
                let (lo, hi) = scene.y_range;
                scene.y_range.1 = lo + (hi - lo) / (1.0 - h);
                Some(Corner::UpperRight)
            } else {
                Some(corner)
            }
        }
        Legend::Auto => None,
    };
    scene.legend_at = wanted.filter(|_| !scene.legend.is_empty());
    Ok(scene)
}

/// A range for one axis: the one asked for, or the data's extent padded by `pad` of its
/// span (in log space for log axes).
fn axis_range(
    values: impl Iterator<Item = f64>,
    log: bool,
    set: Option<(f64, f64)>,
    pad: f64,
    axis: &str,
) -> Result<(f64, f64), String> {
    if let Some((lo, hi)) = set {
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
            return Err(format!(
                "{axis}_range must be [low, high] with low < high, got [{lo}, {hi}]"
            ));
        }
        if log && lo <= 0.0 {
            return Err(format!(
                "{axis}_range must be positive on a log axis, got [{lo}, {hi}]"
            ));
        }
        return Ok((lo, hi));
    }
    let usable: Vec<f64> = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .collect();
    let (lo, hi) = match finite_extent(&usable) {
        None if log => return Ok((1.0, 10.0)),
        None => return Ok((0.0, 1.0)),
        Some(e) => e,
    };
    if log {
        let (a, b) = (lo.log10(), hi.log10());
        let (a, b) = if a == b { (a - 0.5, b + 0.5) } else { (a, b) };
        let p = (b - a) * pad;
        Ok((10f64.powf(a - p), 10f64.powf(b + p)))
    } else {
        let (a, b) = if lo == hi {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        let p = (b - a) * pad;
        Ok((a - p, b + p))
    }
}

fn usable(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

fn swatch_for(style: &Style, scatter: bool) -> Swatch {
    if scatter {
        Swatch::Point
    } else if style.dashed {
        Swatch::Dashed
    } else {
        Swatch::Line
    }
}

/// Line and scatter charts.
fn xy(
    l: &Layout,
    series: &[XySeries],
    boundary: &Option<Boundary>,
    scatter: bool,
) -> Result<Scene, String> {
    let mut xs = series
        .iter()
        .flat_map(|s| s.xs.iter().copied())
        .collect::<Vec<_>>();
    let mut ys = series
        .iter()
        .flat_map(|s| s.ys.iter().copied())
        .collect::<Vec<_>>();
    if let Some(b) = boundary {
        xs.extend(b.xs.iter().copied());
        ys.extend(b.ys.iter().copied());
    }
    for s in series {
        if let Some((lower, upper)) = s.style.band_for(&s.ys) {
            ys.extend(lower.iter().chain(&upper).copied());
        }
    }
    let x_pad = if scatter || boundary.is_some() {
        0.05
    } else {
        0.02
    };
    let x_pad = if boundary.is_some() { 0.0 } else { x_pad };
    let y_pad = if boundary.is_some() { 0.0 } else { 0.05 };
    let x_range = axis_range(xs.into_iter(), l.log_x, l.x_range, x_pad, "x")?;
    let y_range = axis_range(ys.into_iter(), l.log_y, l.y_range, y_pad, "y")?;
    let mut scene = Scene::new(x_range, y_range);
    if let Some(b) = boundary {
        boundary_cells(b, &mut scene.marks);
    }
    for (i, s) in series.iter().enumerate() {
        let color = s.style.color.unwrap_or_else(|| series_color(i));
        let points: Vec<(f64, f64)> =
            s.xs.iter()
                .zip(&s.ys)
                .filter(|(x, y)| usable(**x, l.log_x) && usable(**y, l.log_y))
                .map(|(x, y)| (*x, *y))
                .collect();
        if scatter {
            scene.marks.push(Mark::Points {
                points,
                color,
                radius: 3,
            });
        } else {
            if let Some((lower, upper)) = s.style.band_for(&s.ys) {
                scene.marks.push(Mark::Band {
                    xs: s.xs.clone(),
                    lower,
                    upper,
                    color,
                });
            }
            if s.style.markers {
                scene.marks.push(Mark::Points {
                    points: points.clone(),
                    color,
                    radius: 3,
                });
            }
            let width = s.style.line_width.unwrap_or(2);
            scene.marks.push(Mark::Line {
                points,
                color,
                width,
                dashed: s.style.dashed,
            });
        }
        scene.legend.push(LegendEntry {
            name: s.name.clone(),
            color,
            swatch: swatch_for(&s.style, scatter),
        });
    }
    Ok(scene)
}

/// Edges of grid cells centred on sorted coordinates.
fn cell_edges(centres: &[f64]) -> Vec<(f64, f64)> {
    let n = centres.len();
    (0..n)
        .map(|i| {
            let left = if i > 0 {
                (centres[i - 1] + centres[i]) / 2.0
            } else if n > 1 {
                centres[0] - (centres[1] - centres[0]) / 2.0
            } else {
                centres[0] - 0.5
            };
            let right = if i + 1 < n {
                (centres[i] + centres[i + 1]) / 2.0
            } else if n > 1 {
                centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2.0
            } else {
                centres[0] + 0.5
            };
            (left, right)
        })
        .collect()
}

fn boundary_cells(b: &Boundary, marks: &mut Vec<Mark>) {
    let classes = b
        .values
        .iter()
        .flatten()
        .all(|v| v.fract() == 0.0 && *v >= 0.0);
    let x_edges = cell_edges(&b.xs);
    let y_edges = cell_edges(&b.ys);
    for (row, &(y0, y1)) in b.values.iter().zip(&y_edges) {
        for (&v, &(x0, x1)) in row.iter().zip(&x_edges) {
            if !v.is_finite() {
                continue;
            }
            // Probabilities: the likelier class's colour, fading to white where the model is
            // unsure, so the 0.5 boundary shows as a pale band.
            let (fill, opacity) = if classes {
                (series_color(v as usize), BOUNDARY_OPACITY)
            } else {
                let p = v.clamp(0.0, 1.0);
                let class = usize::from(p >= 0.5);
                (series_color(class), 0.05 + 0.3 * (2.0 * p - 1.0).abs())
            };
            marks.push(Mark::Rect {
                x0,
                y0,
                x1,
                y1,
                fill,
                opacity,
                border: false,
            });
        }
    }
}

/// Bar and grouped bar charts: one group per category, one bar per series in each.
fn bars(l: &Layout, categories: &[String], series: &[ValueSeries]) -> Result<Scene, String> {
    let n = categories
        .len()
        .max(series.iter().map(|s| s.values.len()).max().unwrap_or(0));
    let label = |i: usize| categories.get(i).cloned().unwrap_or_else(|| i.to_string());
    let mut tops = vec![0.0];
    for s in series {
        for (i, v) in s.values.iter().enumerate() {
            let e = s
                .style
                .errors
                .as_ref()
                .and_then(|e| e.get(i))
                .copied()
                .unwrap_or(0.0);
            tops.extend([v - e, v + e, *v]);
        }
    }
    if l.log_y {
        tops.retain(|v| *v > 0.0);
    }
    let (data_min, data_max) = finite_extent(&tops).unwrap_or((0.0, 1.0));
    let (lo, hi) = axis_range(tops.into_iter(), l.log_y, l.y_range, 0.05, "y")?;
    // Bars grow from zero: keep zero at the edge of the axis instead of padding past it.
    let y_range = match l.y_range {
        None if !l.log_y => (
            if data_min >= 0.0 { 0.0 } else { lo },
            if data_max <= 0.0 { 0.0 } else { hi },
        ),
        _ => (lo, hi),
    };
    let n_f = n.max(1) as f64;
    let x_range = l.x_range.unwrap_or((-0.6, n_f - 0.4));
    let mut scene = Scene::new(x_range, y_range);
    scene.x_ticks = Ticks::Fixed {
        labels: (0..n).map(|i| (i as f64, label(i))).collect(),
        grid: false,
    };
    let base = if l.log_y { y_range.0 } else { 0.0 };
    let group = 0.8;
    let width = group / series.len().max(1) as f64;
    for (j, s) in series.iter().enumerate() {
        let color = s.style.color.unwrap_or_else(|| series_color(j));
        for (i, &v) in s.values.iter().enumerate() {
            if !usable(v, l.log_y) {
                continue;
            }
            let x0 = i as f64 - group / 2.0 + j as f64 * width;
            scene.marks.push(Mark::Rect {
                x0,
                y0: base,
                x1: x0 + width,
                y1: v,
                fill: color,
                opacity: 1.0,
                border: false,
            });
            if let Some(e) = s.style.errors.as_ref().and_then(|e| e.get(i)) {
                let x = x0 + width / 2.0;
                scene.marks.push(Mark::ErrorBar {
                    x,
                    lo: v - e,
                    hi: v + e,
                });
            }
        }
        scene.legend.push(LegendEntry {
            name: s.name.clone(),
            color,
            swatch: Swatch::Box,
        });
    }
    scene.grid = true;
    Ok(scene)
}

fn histogram(
    l: &Layout,
    bins: usize,
    range: Option<(f64, f64)>,
    density: bool,
    series: &[ValueSeries],
) -> Result<Scene, String> {
    if bins == 0 {
        return Err("bins must be at least 1".into());
    }
    let all: Vec<f64> = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .collect();
    let (lo, hi) = match range {
        Some((lo, hi)) if lo < hi => (lo, hi),
        Some((lo, hi)) => {
            return Err(format!(
                "range must be [low, high] with low < high, got [{lo}, {hi}]"
            ))
        }
        None => match finite_extent(&all) {
            Some((lo, hi)) if lo < hi => (lo, hi),
            Some((v, _)) => (v - 0.5, v + 0.5),
            None => (0.0, 1.0),
        },
    };
    let width = (hi - lo) / bins as f64;
    let opacity = if series.len() > 1 { 0.55 } else { 0.9 };
    let mut rects = Vec::new();
    let mut heights = vec![0.0];
    for (j, s) in series.iter().enumerate() {
        let color = s.style.color.unwrap_or_else(|| series_color(j));
        let counts = histogram_counts(&s.values, bins, lo, hi);
        let total: usize = counts.iter().sum();
        for (i, &c) in counts.iter().enumerate() {
            let h = if density {
                c as f64 / (total.max(1) as f64 * width)
            } else {
                c as f64
            };
            heights.push(h);
            if c > 0 {
                rects.push((lo + i as f64 * width, h, color));
            }
        }
    }
    if l.log_y {
        heights.retain(|h| *h > 0.0);
    }
    let x_range = axis_range([lo, hi].into_iter(), l.log_x, l.x_range, 0.02, "x")?;
    let y_range = match l.y_range {
        Some(_) => axis_range(heights.into_iter(), l.log_y, l.y_range, 0.0, "y")?,
        None if l.log_y => axis_range(heights.into_iter(), true, None, 0.05, "y")?,
        None => (
            0.0,
            heights.iter().copied().fold(0.0, f64::max).max(1e-12) * 1.05,
        ),
    };
    let base = if l.log_y { y_range.0 } else { 0.0 };
    let mut scene = Scene::new(x_range, y_range);
    // Small counts get whole-number ticks (plotters would label 0.5, 1.5, ...).
    let top = y_range.1.floor() as usize;
    if !density && !l.log_y && top <= 10 {
        let labels = (0..=top).map(|i| (i as f64, i.to_string())).collect();
        scene.y_ticks = Ticks::Fixed { labels, grid: true };
    }
    for (x0, h, fill) in rects {
        scene.marks.push(Mark::Rect {
            x0,
            y0: base,
            x1: x0 + width,
            y1: h,
            fill,
            opacity,
            border: true,
        });
    }
    for (j, s) in series.iter().enumerate() {
        let color = s.style.color.unwrap_or_else(|| series_color(j));
        scene.legend.push(LegendEntry {
            name: s.name.clone(),
            color,
            swatch: Swatch::Box,
        });
    }
    Ok(scene)
}

/// Formats a cell's number: whole numbers without decimals unless asked.
fn format_cell(v: f64, decimals: Option<usize>, all_whole: bool) -> String {
    match decimals {
        Some(d) => format!("{v:.d$}"),
        None if all_whole => format!("{v:.0}"),
        None => format!("{v:.2}"),
    }
}

fn heatmap(m: &Matrix) -> Result<Scene, String> {
    let rows = m.values.len();
    let cols = m.values.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Err("a heatmap needs at least one row and one column".into());
    }
    let cells: Vec<f64> = m.values.iter().flatten().copied().collect();
    let (min, max) = finite_extent(&cells).unwrap_or((0.0, 1.0));
    let all_whole = cells.iter().all(|v| v.fract() == 0.0);
    let mut scene = Scene::new((0.0, cols as f64), (0.0, rows as f64));
    scene.grid = false;
    for (i, row) in m.values.iter().enumerate() {
        let y0 = (rows - 1 - i) as f64;
        for (j, &v) in row.iter().enumerate() {
            let t = if max > min {
                (v - min) / (max - min)
            } else {
                0.5
            };
            let fill = if v.is_finite() {
                ramp(t)
            } else {
                (255, 255, 255)
            };
            scene.marks.push(Mark::Rect {
                x0: j as f64,
                y0,
                x1: j as f64 + 1.0,
                y1: y0 + 1.0,
                fill,
                opacity: 1.0,
                border: false,
            });
            if m.annotate && v.is_finite() {
                let color = if is_dark(fill) {
                    (255, 255, 255)
                } else {
                    (0, 0, 0)
                };
                scene.marks.push(Mark::Text {
                    x: j as f64 + 0.5,
                    y: y0 + 0.5,
                    text: format_cell(v, m.decimals, all_whole),
                    color,
                    cell: (1.0, 1.0),
                });
            }
        }
    }
    let label =
        |labels: &[String], i: usize| labels.get(i).cloned().unwrap_or_else(|| i.to_string());
    scene.x_ticks = Ticks::Fixed {
        labels: (0..cols)
            .map(|j| (j as f64 + 0.5, label(&m.col_labels, j)))
            .collect(),
        grid: false,
    };
    scene.y_ticks = Ticks::Fixed {
        labels: (0..rows)
            .map(|i| ((rows - 1 - i) as f64 + 0.5, label(&m.row_labels, i)))
            .collect(),
        grid: false,
    };
    scene.colorbar = Some(Colorbar { min, max });
    Ok(scene)
}

fn reliability(
    l: &Layout,
    bins: usize,
    series: &[super::chart::CalibrationSeries],
) -> Result<Scene, String> {
    if bins == 0 {
        return Err("bins must be at least 1".into());
    }
    let x_range = l.x_range.unwrap_or((0.0, 1.0));
    let y_range = l.y_range.unwrap_or((0.0, 1.0));
    let mut scene = Scene::new(x_range, y_range);
    scene.marks.push(Mark::Line {
        points: vec![(0.0, 0.0), (1.0, 1.0)],
        color: GRAY,
        width: 1,
        dashed: true,
    });
    scene.legend.push(LegendEntry {
        name: "perfectly calibrated".into(),
        color: GRAY,
        swatch: Swatch::Dashed,
    });
    for (j, s) in series.iter().enumerate() {
        let color = s.style.color.unwrap_or_else(|| series_color(j));
        let (cal, ece) = calibration(&s.confidences, &s.correct, bins);
        let points: Vec<(f64, f64)> = cal.iter().map(|b| (b.confidence, b.accuracy)).collect();
        scene.marks.push(Mark::Points {
            points: points.clone(),
            color,
            radius: 4,
        });
        scene.marks.push(Mark::Line {
            points,
            color,
            width: 2,
            dashed: false,
        });
        let name = if s.name.is_empty() {
            format!("ECE {ece:.3}")
        } else {
            format!("{} (ECE {ece:.3})", s.name)
        };
        scene.legend.push(LegendEntry {
            name,
            color,
            swatch: Swatch::Line,
        });
    }
    Ok(scene)
}

/// The legend's size as fractions of the plotting area's width and height, estimated from
/// the chart size, the number of entries and the longest name.
fn legend_box(scene: &Scene, l: &Layout) -> (f64, f64) {
    let longest = scene
        .legend
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0);
    let plot_w = (l.width as f64 - 110.0).max(50.0);
    let title = if l.title.is_empty() { 0.0 } else { 30.0 };
    let plot_h = (l.height as f64 - 70.0 - title).max(50.0);
    let box_w = 60.0 + longest as f64 * 8.5;
    let box_h = 24.0 + scene.legend.len() as f64 * 19.0;
    ((box_w / plot_w).min(1.0), (box_h / plot_h).min(1.0))
}

/// The corner whose legend-sized box (`w` x `h`, as fractions of the axes) covers the fewest
/// data points, and how many it covers.
fn emptiest_corner(scene: &Scene, w: f64, h: f64) -> (Corner, usize) {
    let (x0, x1) = scene.x_range;
    let (y0, y1) = scene.y_range;
    let norm = |x: f64, y: f64| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
    let mut pts: Vec<(f64, f64)> = Vec::new();
    for m in &scene.marks {
        match m {
            Mark::Line { points, .. } | Mark::Points { points, .. } => {
                // Sample along lines so long segments count too.
                for w in points.windows(2) {
                    for k in 0..8 {
                        let t = k as f64 / 8.0;
                        pts.push(norm(
                            w[0].0 + (w[1].0 - w[0].0) * t,
                            w[0].1 + (w[1].1 - w[0].1) * t,
                        ));
                    }
                }
                pts.extend(points.iter().map(|p| norm(p.0, p.1)));
            }
            Mark::Rect {
                x0,
                x1,
                y1,
                opacity,
                ..
            } if *opacity > 0.5 => {
                for k in 0..5 {
                    let x = x0 + (x1 - x0) * k as f64 / 4.0;
                    let (nx, ny) = norm(x, *y1);
                    // A bar fills everything below its top.
                    for s in 0..10 {
                        pts.push((nx, ny * s as f64 / 9.0));
                    }
                }
            }
            _ => {}
        }
    }
    let corners = [
        (Corner::UpperRight, 1.0 - w, 1.0 - h),
        (Corner::UpperLeft, 0.0, 1.0 - h),
        (Corner::LowerRight, 1.0 - w, 0.0),
        (Corner::LowerLeft, 0.0, 0.0),
    ];
    corners
        .iter()
        .map(|(c, cx, cy)| {
            let inside =
                |(x, y): &&(f64, f64)| *x >= *cx && *x <= cx + w && *y >= *cy && *y <= cy + h;
            (*c, pts.iter().filter(inside).count())
        })
        .min_by_key(|(_, n)| *n)
        .unwrap_or((Corner::UpperRight, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::chart::{Style, ValueSeries};

    fn bars_chart(values: Vec<Vec<f64>>) -> Chart {
        let series = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| ValueSeries {
                name: format!("s{i}"),
                values: v,
                style: Style::default(),
            })
            .collect();
        Chart::new(Body::Bar {
            categories: vec!["a".into(), "b".into()],
            series,
        })
    }

    #[test]
    fn bars_grow_from_zero_and_group_side_by_side() {
        let scene = build(&bars_chart(vec![vec![0.5, 0.8], vec![0.6, 0.7]])).unwrap();
        assert_eq!(scene.y_range.0, 0.0);
        let rects: Vec<(f64, f64, f64)> = scene
            .marks
            .iter()
            .filter_map(|m| match m {
                Mark::Rect { x0, x1, y1, .. } => Some((*x0, *x1, *y1)),
                _ => None,
            })
            .collect();
        // Category 0: series 0 then series 1, each 0.4 wide, centred on x = 0.
        assert_eq!(rects[0], (-0.4, 0.0, 0.5));
        assert_eq!(rects[2].0, 0.0);
        assert!((rects[2].1 - 0.4).abs() < 1e-12);
        // Two series: a legend, placed where it covers no bar (the y axis rises if needed).
        assert!(scene.legend_at.is_some());
        // Negative values put the axis below zero.
        let scene = build(&bars_chart(vec![vec![-0.5, 0.8]])).unwrap();
        assert!(scene.y_range.0 < -0.5);
    }

    #[test]
    fn heatmap_cells_run_top_down_with_annotations() {
        let mut c = Chart::new(Body::Heatmap(Matrix {
            values: vec![vec![1.0, 2.0], vec![3.0, 4.5]],
            row_labels: vec!["r0".into(), "r1".into()],
            col_labels: vec![],
            annotate: true,
            decimals: None,
        }));
        c.layout.legend = Legend::Hidden;
        let scene = build(&c).unwrap();
        let texts: Vec<(f64, String)> = scene
            .marks
            .iter()
            .filter_map(|m| match m {
                Mark::Text { y, text, .. } => Some((*y, text.clone())),
                _ => None,
            })
            .collect();
        // Row 0 is drawn at the top; not all cells are whole, so two decimals everywhere.
        assert_eq!(texts[0], (1.5, "1.00".to_string()));
        assert_eq!(texts[3], (0.5, "4.50".to_string()));
        let Ticks::Fixed { labels, .. } = &scene.x_ticks else {
            panic!("fixed ticks")
        };
        assert_eq!(labels[1], (1.5, "1".to_string()));
        assert_eq!(scene.colorbar, Some(Colorbar { min: 1.0, max: 4.5 }));
    }

    #[test]
    fn small_histograms_get_whole_number_ticks() {
        let c = Chart::new(Body::Histogram {
            bins: 2,
            range: Some((0.0, 1.0)),
            density: false,
            series: vec![ValueSeries {
                name: String::new(),
                values: vec![0.1, 0.2, 0.9],
                style: Style::default(),
            }],
        });
        let scene = build(&c).unwrap();
        let Ticks::Fixed { labels, .. } = &scene.y_ticks else {
            panic!("fixed ticks")
        };
        assert_eq!(
            labels.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(),
            ["0", "1", "2"]
        );
    }
}
