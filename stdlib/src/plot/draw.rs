//! Draws a [`Scene`] with plotters on any backend (bitmap for PNG, SVG).

use super::chart::{Corner, Layout, Rgb};
use super::font::FAMILY;
use super::palette::ramp;
use super::scene::{tick_label, Mark, Scene, Swatch, Ticks};
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::{
    Circle, DashedPathElement, DynElement, EmptyElement, IntoDynElement, PathElement, Rectangle,
    Text,
};
use plotters::prelude::*;
use plotters::series::DashedLineSeries;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const TITLE_SIZE: f64 = 22.0;
const DESC_SIZE: f64 = 16.0;
const TICK_SIZE: f64 = 13.0;
const LEGEND_SIZE: f64 = 14.0;
const COLORBAR_WIDTH: u32 = 80;

type Failure = String;

fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

fn fail<E: std::fmt::Display>(e: E) -> Failure {
    format!("drawing failed: {e}")
}

/// Draw the whole chart on `root` (white background, title, axes, marks, legend).
pub fn draw<DB: DrawingBackend>(
    scene: &Scene,
    layout: &Layout,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), Failure> {
    root.fill(&WHITE).map_err(fail)?;
    let body = if layout.title.is_empty() {
        root.clone()
    } else {
        // A long title shrinks (down to 14 px), then is shortened, to fit the width.
        let (w, _) = root.dim_in_pixel();
        let room = w as f64 - 20.0;
        let bold = |size: f64| (FAMILY, size, FontStyle::Bold).into_font().color(&BLACK);
        let mut size = TITLE_SIZE;
        let width = |s: f64| {
            root.estimate_text_size(&layout.title, &bold(s))
                .map(|d| d.0 as f64)
                .unwrap_or(0.0)
        };
        while size > 14.0 && width(size) > room {
            size -= 1.0;
        }
        let mut title = layout.title.clone();
        while title.chars().count() > 1
            && root
                .estimate_text_size(&title, &bold(size))
                .map(|d| d.0 as f64 > room)
                .unwrap_or(false)
        {
            let keep = title.chars().count() - 2;
            title = title.chars().take(keep).collect::<String>() + "…";
        }
        root.titled(&title, bold(size)).map_err(fail)?
    };
    let (plot_area, bar_area) = match scene.colorbar {
        Some(_) => {
            let (w, _) = body.dim_in_pixel();
            let (a, b) = body.split_horizontally(w.saturating_sub(COLORBAR_WIDTH));
            (a, Some(b))
        }
        None => (body, None),
    };
    let (x0, x1) = scene.x_range;
    let (y0, y1) = scene.y_range;
    match (layout.log_x, layout.log_y) {
        (false, false) => axes(scene, layout, root, &plot_area, x0..x1, y0..y1)?,
        (true, false) => axes(
            scene,
            layout,
            root,
            &plot_area,
            (x0..x1).log_scale(),
            y0..y1,
        )?,
        (false, true) => axes(
            scene,
            layout,
            root,
            &plot_area,
            x0..x1,
            (y0..y1).log_scale(),
        )?,
        (true, true) => axes(
            scene,
            layout,
            root,
            &plot_area,
            (x0..x1).log_scale(),
            (y0..y1).log_scale(),
        )?,
    }
    if let (Some(bar), Some(cb)) = (bar_area, &scene.colorbar) {
        colorbar(&bar, cb.min, cb.max)?;
    }
    root.present().map_err(fail)
}

/// Width in pixels of the widest of `labels`.
fn widest<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[(f64, String)],
    size: f64,
) -> u32 {
    labels
        .iter()
        .map(|(_, t)| {
            area.estimate_text_size(t, &font(size))
                .map(|s| s.0)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

fn axes<DB, X, Y>(
    scene: &Scene,
    layout: &Layout,
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    xr: X,
    yr: Y,
) -> Result<(), Failure>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let desc_h = if layout.x_label.is_empty() {
        0
    } else {
        DESC_SIZE as u32 + 8
    };
    let desc_w = if layout.y_label.is_empty() {
        0
    } else {
        DESC_SIZE as u32 + 8
    };
    let y_label_width = match &scene.y_ticks {
        Ticks::Fixed { labels, .. } => widest(area, labels, TICK_SIZE) + 12,
        Ticks::Auto => 52,
    };
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(TICK_SIZE as u32 + 16 + desc_h)
        .y_label_area_size(y_label_width + desc_w)
        .build_cartesian_2d(xr, yr)
        .map_err(fail)?;

    // Axes with fixed ticks get their labels drawn below; plotters may still place a label
    // at a key point of a log axis, so its own labels are blanked there.
    let fixed_x = matches!(scene.x_ticks, Ticks::Fixed { .. });
    let fixed_y = matches!(scene.y_ticks, Ticks::Fixed { .. });
    let x_format = |v: &f64| {
        if fixed_x {
            String::new()
        } else {
            tick_label(*v)
        }
    };
    let y_format = |v: &f64| {
        if fixed_y {
            String::new()
        } else {
            tick_label(*v)
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(layout.x_label.as_str())
        .y_desc(layout.y_label.as_str())
        .axis_desc_style(font(DESC_SIZE))
        .label_style(font(TICK_SIZE))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .axis_style(RGBColor(80, 80, 80))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format);
    if !scene.grid {
        mesh.disable_mesh();
    }
    if fixed_x {
        mesh.disable_x_mesh().x_labels(0);
    }
    if fixed_y {
        mesh.disable_y_mesh().y_labels(0);
    }
    mesh.draw().map_err(fail)?;

    let (xs, ys) = (scene.x_range, scene.y_range);
    let grid_style = RGBColor(225, 225, 225).stroke_width(1);
    if let Ticks::Fixed { labels, grid: true } = &scene.x_ticks {
        for (x, _) in labels {
            chart
                .draw_series(LineSeries::new([(*x, ys.0), (*x, ys.1)], grid_style))
                .map_err(fail)?;
        }
    }
    if let Ticks::Fixed { labels, grid: true } = &scene.y_ticks {
        for (y, _) in labels {
            chart
                .draw_series(LineSeries::new([(xs.0, *y), (xs.1, *y)], grid_style))
                .map_err(fail)?;
        }
    }
    let clip = Clip {
        x: xs,
        y: ys,
        log_x: layout.log_x,
        log_y: layout.log_y,
    };
    for mark in &scene.marks {
        match mark {
            Mark::Rect {
                x0,
                y0,
                x1,
                y1,
                fill,
                opacity,
                border,
            } => {
                let Some(((a, b), (c, d))) = clip.rect((*x0, *y0), (*x1, *y1)) else {
                    continue;
                };
                let fill_style = color(*fill).mix(*opacity).filled();
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(a, b), (c, d)],
                        fill_style,
                    )))
                    .map_err(fail)?;
                if *border {
                    let edge = RGBColor(255, 255, 255).stroke_width(1);
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(a, b), (c, d)], edge)))
                        .map_err(fail)?;
                }
            }
            Mark::Band {
                xs: bx,
                lower,
                upper,
                color: c,
            } => {
                // Clamped into the axes (a band is a backdrop, exact clipping is not needed).
                let keep = |(x, y): (f64, f64)| {
                    let ok = x.is_finite()
                        && y.is_finite()
                        && (!clip.log_x || x > 0.0)
                        && (!clip.log_y || y > 0.0);
                    ok.then(|| (x.clamp(xs.0, xs.1), y.clamp(ys.0, ys.1)))
                };
                let mut outline: Vec<(f64, f64)> = bx
                    .iter()
                    .zip(upper)
                    .filter_map(|(x, y)| keep((*x, *y)))
                    .collect();
                outline.extend(
                    bx.iter()
                        .zip(lower)
                        .rev()
                        .filter_map(|(x, y)| keep((*x, *y))),
                );
                if outline.len() >= 3 {
                    let fill = color(*c).mix(0.2).filled();
                    chart
                        .draw_series(std::iter::once(Polygon::new(outline, fill)))
                        .map_err(fail)?;
                }
            }
            Mark::Line {
                points,
                color: c,
                width,
                dashed,
            } => {
                let style = color(*c).stroke_width(*width);
                for piece in clip.polyline(points) {
                    if *dashed {
                        chart
                            .draw_series(DashedLineSeries::new(piece, 8, 5, style))
                            .map_err(fail)?;
                    } else {
                        chart
                            .draw_series(LineSeries::new(piece, style))
                            .map_err(fail)?;
                    }
                }
            }
            Mark::Points {
                points,
                color: c,
                radius,
            } => {
                let style = color(*c).mix(0.85).filled();
                let inside = points.iter().copied().filter(|p| clip.contains(*p));
                chart
                    .draw_series(inside.map(|p| Circle::new(p, *radius, style)))
                    .map_err(fail)?;
            }
            Mark::ErrorBar { x, lo, hi } => {
                let Some(((_, a), (_, b))) = clip.rect((*x, *lo), (*x, *hi)) else {
                    continue;
                };
                let (px, top) = chart.backend_coord(&(*x, b));
                let (_, bottom) = chart.backend_coord(&(*x, a));
                let style = BLACK.stroke_width(1);
                for path in [
                    vec![(px, top), (px, bottom)],
                    vec![(px - 4, top), (px + 4, top)],
                    vec![(px - 4, bottom), (px + 4, bottom)],
                ] {
                    root.draw(&PathElement::new(path, style)).map_err(fail)?;
                }
            }
            Mark::Text {
                x,
                y,
                text,
                color: c,
                cell,
            } => {
                let at = chart.backend_coord(&(*x, *y));
                let corner = chart.backend_coord(&(*x + cell.0 / 2.0, *y + cell.1 / 2.0));
                let (room_w, room_h) = (
                    2.0 * (corner.0 - at.0).abs() as f64 - 4.0,
                    2.0 * (corner.1 - at.1).abs() as f64 - 2.0,
                );
                let Some(size) = fitting_size(area, text, TICK_SIZE + 1.0, room_w, room_h) else {
                    continue;
                };
                let text_color = color(*c);
                let style = font(size)
                    .color(&text_color)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                root.draw(&Text::new(text.clone(), at, style))
                    .map_err(fail)?;
            }
        }
    }

    if let Ticks::Fixed { labels, .. } = &scene.x_ticks {
        let slot = plot_width(&chart, xs) / labels.len().max(1) as f64;
        let widest_px = widest(area, labels, TICK_SIZE) as f64;
        let size = if widest_px < slot - 4.0 {
            TICK_SIZE
        } else {
            TICK_SIZE - 2.0
        };
        // Narrow slots (big heatmaps, many ticks) label every k-th tick; wider ones shorten.
        let every = if slot < 30.0 {
            ((widest(area, labels, size) as f64 + 6.0) / slot)
                .ceil()
                .max(1.0) as usize
        } else {
            1
        };
        for (i, (x, text)) in labels.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(*x, ys.0));
            if i % every == 0 {
                let room = slot * every as f64 - 2.0;
                let text = fit_text(area, text, size, room);
                let style = font(size).pos(Pos::new(HPos::Center, VPos::Top));
                root.draw(&Text::new(text, (px, py + 6), style))
                    .map_err(fail)?;
            }
            root.draw(&PathElement::new(
                vec![(px, py), (px, py + 4)],
                RGBColor(80, 80, 80),
            ))
            .map_err(fail)?;
        }
    }
    if let Ticks::Fixed { labels, .. } = &scene.y_ticks {
        let top = chart.backend_coord(&(xs.0, ys.1)).1;
        let bottom = chart.backend_coord(&(xs.0, ys.0)).1;
        let slot = (bottom - top).abs() as f64 / labels.len().max(1) as f64;
        let every = ((TICK_SIZE + 2.0) / slot).ceil().max(1.0) as usize;
        for (i, (y, text)) in labels.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(xs.0, *y));
            if i % every == 0 {
                let style = font(TICK_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
                root.draw(&Text::new(text.clone(), (px - 7, py), style))
                    .map_err(fail)?;
            }
            root.draw(&PathElement::new(
                vec![(px - 4, py), (px, py)],
                RGBColor(80, 80, 80),
            ))
            .map_err(fail)?;
        }
    }

    if let Some(corner) = scene.legend_at {
        for entry in &scene.legend {
            let c = color(entry.color);
            let swatch = entry.swatch;
            chart
                .draw_series(std::iter::empty::<EmptyElement<(f64, f64), DB>>())
                .map_err(fail)?
                .label(entry.name.clone())
                .legend(move |(x, y)| legend_swatch::<DB>(swatch, c, x, y));
        }
        chart
            .configure_series_labels()
            .position(position(corner))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(font(LEGEND_SIZE))
            .margin(10)
            .draw()
            .map_err(fail)?;
    }
    Ok(())
}

fn plot_width<
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
>(
    chart: &ChartContext<DB, Cartesian2d<X, Y>>,
    xs: (f64, f64),
) -> f64 {
    let y = chart.y_range().start;
    (chart.backend_coord(&(xs.1, y)).0 - chart.backend_coord(&(xs.0, y)).0) as f64
}

/// The largest font size from `size` down to 8 at which `text` fits in `w` x `h` pixels.
fn fitting_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    w: f64,
    h: f64,
) -> Option<f64> {
    let mut s = size;
    while s >= 8.0 {
        let (tw, th) = area.estimate_text_size(text, &font(s)).unwrap_or((0, 0));
        if tw as f64 <= w && th as f64 <= h {
            return Some(s);
        }
        s -= 1.0;
    }
    None
}

/// `text`, shortened with an ellipsis until it fits in `max_width` pixels.
fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    max_width: f64,
) -> String {
    let fits = |t: &str| {
        area.estimate_text_size(t, &font(size))
            .map(|s| s.0 as f64 <= max_width)
            .unwrap_or(true)
    };
    if fits(text) {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.len() > 1 {
        chars.pop();
        let t: String = chars.iter().collect::<String>() + "…";
        if fits(&t) {
            return t;
        }
    }
    text.chars().take(1).collect()
}

fn legend_swatch<DB: DrawingBackend>(
    swatch: Swatch,
    c: RGBColor,
    x: i32,
    y: i32,
) -> DynElement<'static, DB, (i32, i32)> {
    match swatch {
        Swatch::Line => PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)).into_dyn(),
        Swatch::Dashed => {
            DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, c.stroke_width(2)).into_dyn()
        }
        Swatch::Point => Circle::new((x + 10, y), 4, c.filled()).into_dyn(),
        Swatch::Box => Rectangle::new([(x + 2, y - 6), (x + 18, y + 6)], c.filled()).into_dyn(),
    }
}

fn position(c: Corner) -> SeriesLabelPosition {
    match c {
        Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
        Corner::UpperRight => SeriesLabelPosition::UpperRight,
        Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
        Corner::LowerRight => SeriesLabelPosition::LowerRight,
        Corner::UpperMiddle => SeriesLabelPosition::UpperMiddle,
        Corner::LowerMiddle => SeriesLabelPosition::LowerMiddle,
    }
}

/// A vertical colour scale with its minimum, middle and maximum written beside it.
fn colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    min: f64,
    max: f64,
) -> Result<(), Failure> {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = (20i32, h as i32 - 45);
    let (left, right) = (8i32, 26i32);
    let steps = 64;
    for k in 0..steps {
        let t = k as f64 / (steps - 1) as f64;
        let y1 = bottom - ((bottom - top) as f64 * k as f64 / steps as f64) as i32;
        let y0 = bottom - ((bottom - top) as f64 * (k + 1) as f64 / steps as f64) as i32;
        area.draw(&Rectangle::new(
            [(left, y0), (right, y1)],
            color(ramp(t)).filled(),
        ))
        .map_err(fail)?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        RGBColor(120, 120, 120),
    ))
    .map_err(fail)?;
    for (t, v) in [(0.0, min), (0.5, (min + max) / 2.0), (1.0, max)] {
        let y = bottom - ((bottom - top) as f64 * t) as i32;
        let style = font(TICK_SIZE - 1.0).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(short_number(v), (right + 4, y), style))
            .map_err(fail)?;
    }
    Ok(())
}

/// A number in at most a few characters, for colour-bar labels.
pub fn short_number(v: f64) -> String {
    if v == 0.0 || (v.abs() >= 0.01 && v.abs() < 1e5) {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// Keeps drawing inside the axes: plotters does not clip marks to the plotting area.
struct Clip {
    x: (f64, f64),
    y: (f64, f64),
    log_x: bool,
    log_y: bool,
}

impl Clip {
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x.0 && x <= self.x.1 && y >= self.y.0 && y <= self.y.1
    }

    /// The part of a rectangle inside the axes, if any.
    fn rect(&self, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
        let (xa, xb) = (x0.min(x1).max(self.x.0), x0.max(x1).min(self.x.1));
        let (ya, yb) = (y0.min(y1).max(self.y.0), y0.max(y1).min(self.y.1));
        (xa <= xb && ya <= yb).then_some(((xa, ya), (xb, yb)))
    }

    fn screen(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            if self.log_x { x.log10() } else { x },
            if self.log_y { y.log10() } else { y },
        )
    }

    fn unscreen(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            if self.log_x { 10f64.powf(x) } else { x },
            if self.log_y { 10f64.powf(y) } else { y },
        )
    }

    /// A line cut to the axes: the pieces that lie inside, each clipped at the border
    /// (Liang-Barsky per segment, in screen space so log axes clip straight lines).
    fn polyline(&self, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let lo = self.screen((self.x.0, self.y.0));
        let hi = self.screen((self.x.1, self.y.1));
        let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut current: Vec<(f64, f64)> = Vec::new();
        for w in points.windows(2) {
            let (a, b) = (self.screen(w[0]), self.screen(w[1]));
            match clip_segment(a, b, lo, hi) {
                Some((p, q)) => {
                    let (p, q) = (self.unscreen(p), self.unscreen(q));
                    if current.last() != Some(&p) {
                        if !current.is_empty() {
                            pieces.push(std::mem::take(&mut current));
                        }
                        current.push(p);
                    }
                    current.push(q);
                }
                None => {
                    if !current.is_empty() {
                        pieces.push(std::mem::take(&mut current));
                    }
                }
            }
        }
        if points.len() == 1 && self.contains(points[0]) {
            current.push(points[0]);
        }
        if !current.is_empty() {
            pieces.push(current);
        }
        pieces
    }
}

fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    lo: (f64, f64),
    hi: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - lo.0),
        (dx, hi.0 - a.0),
        (-dy, a.1 - lo.1),
        (dy, hi.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some({
        (
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_clipped_to_the_axes() {
        let (lo, hi) = ((0.0, 0.0), (1.0, 1.0));
        assert_eq!(
            clip_segment((0.2, 0.2), (0.8, 0.8), lo, hi),
            Some(((0.2, 0.2), (0.8, 0.8)))
        );
        assert_eq!(
            clip_segment((-1.0, 0.5), (2.0, 0.5), lo, hi),
            Some(((0.0, 0.5), (1.0, 0.5)))
        );
        assert_eq!(clip_segment((2.0, 2.0), (3.0, 3.0), lo, hi), None);
        let clip = Clip {
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            log_x: false,
            log_y: false,
        };
        // A line leaving and re-entering the axes becomes two pieces.
        let pieces = clip.polyline(&[(0.1, 0.5), (0.5, 2.0), (0.9, 0.5)]);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0][0], (0.1, 0.5));
        assert!((pieces[0][1].1 - 1.0).abs() < 1e-12 && (pieces[1][0].1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn short_numbers_for_the_colour_bar() {
        assert_eq!(short_number(26.5), "26.5");
        assert_eq!(short_number(3.0), "3");
        assert_eq!(short_number(0.001), "1.0e-3");
    }
}
