//! A live training view for long-running library calls (`fit`, experiments): one display
//! that updates in place by display id, with a progress bar (step, metrics, rate) and a
//! small curve of the metrics, redrawn at most a few times a second. The last state stays
//! in the saved notebook; no widget extension is needed.
//!
//! ```ignore
//! let mut live = LiveProgress::new("fit", Some(total_steps));
//! for step in 1..=total_steps {
//!     let loss = train_step()?;
//!     live.update(step, &[("loss", loss)]);
//!     ladder_scripting::context::check_interrupt()?;
//! }
//! live.finish();
//! ```

use super::chart::{Body, Chart, Layout, Legend, Style, XySeries};
use super::output::to_png;
use ladder_scripting::context;
use ladder_scripting::html::escape;
use ladder_scripting::mime::{IMAGE_PNG, TEXT_HTML};
use ladder_scripting::MimeBundle;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the display may be redrawn (the PNG is what costs).
const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// Points kept per curve in the drawing; longer histories are thinned evenly.
const MAX_POINTS: usize = 1000;
const CURVE_SIZE: (u32, u32) = (520, 260);

/// One metric's history.
struct Curve {
    name: String,
    steps: Vec<f64>,
    values: Vec<f64>,
}

/// A progress display for one long call. Create it when the call starts, `update` every
/// step (cheap: it only redraws when enough time has passed), `finish` at the end.
pub struct LiveProgress {
    title: String,
    total: Option<u64>,
    display_id: String,
    started: Instant,
    last_drawn: Option<Instant>,
    step: u64,
    curves: Vec<Curve>,
    finished: bool,
}

fn new_display_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("ladder-progress-{}-{n}-{nanos}", std::process::id())
}

impl LiveProgress {
    /// Show an empty progress display. `total` is the number of steps, if known (for the
    /// bar and the time left).
    pub fn new(title: &str, total: Option<u64>) -> Self {
        let live = Self {
            title: title.to_string(),
            total,
            display_id: new_display_id(),
            started: Instant::now(),
            last_drawn: None,
            step: 0,
            curves: Vec::new(),
            finished: false,
        };
        context::display(&live.bundle(false), Some(&live.display_id));
        live
    }

    /// The display id the view updates (for tests and for front ends that want it).
    pub fn display_id(&self) -> &str {
        &self.display_id
    }

    /// Record `metrics` (e.g. `[("loss", 0.41), ("val_loss", 0.47)]`) at `step`, and redraw
    /// if the last drawing is older than a quarter of a second. Non-finite values are kept
    /// in the text but left out of the curve.
    pub fn update(&mut self, step: u64, metrics: &[(&str, f64)]) {
        self.step = step;
        for (name, value) in metrics {
            let curve = match self.curves.iter_mut().position(|c| c.name == *name) {
                Some(i) => &mut self.curves[i],
                None => {
                    self.curves.push(Curve {
                        name: name.to_string(),
                        steps: Vec::new(),
                        values: Vec::new(),
                    });
                    self.curves.last_mut().expect("just pushed")
                }
            };
            curve.steps.push(step as f64);
            curve.values.push(*value);
        }
        let due = self.last_drawn.is_none_or(|t| t.elapsed() >= MIN_INTERVAL);
        if due {
            self.redraw(true);
        }
    }

    /// Draw the final state (always), so the saved notebook shows where the run ended.
    pub fn finish(&mut self) {
        self.finished = true;
        self.redraw(true);
    }

    fn redraw(&mut self, with_curve: bool) {
        let bundle = self.bundle(with_curve);
        context::update_display(&bundle, &self.display_id);
        self.last_drawn = Some(Instant::now());
    }

    /// Steps per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.step as f64 / secs
        } else {
            0.0
        }
    }

    /// The text line: title, step (of total), latest metrics, rate, time.
    pub fn summary(&self) -> String {
        let mut s = if self.title.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.title)
        };
        match self.total {
            Some(t) => s.push_str(&format!(
                "step {}/{t} ({:.0}%)",
                self.step,
                percent(self.step, t)
            )),
            None => s.push_str(&format!("step {}", self.step)),
        }
        for c in &self.curves {
            if let Some(v) = c.values.last() {
                s.push_str(&format!("  {} {}", c.name, format_metric(*v)));
            }
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        s.push_str(&format!(
            "  {:.1} steps/s  {}",
            self.rate(),
            format_duration(elapsed)
        ));
        if let (Some(t), false) = (self.total, self.finished) {
            let rate = self.rate();
            if rate > 0.0 && self.step < t {
                s.push_str(&format!(
                    " (about {} left)",
                    format_duration((t - self.step) as f64 / rate)
                ));
            }
        }
        if self.finished {
            s.push_str("  done");
        }
        s
    }

    /// The chart of every metric against step.
    pub fn chart(&self) -> Chart {
        let series = self
            .curves
            .iter()
            .map(|c| {
                let keep: Vec<(f64, f64)> = c
                    .steps
                    .iter()
                    .copied()
                    .zip(c.values.iter().copied())
                    .filter(|(_, v)| v.is_finite())
                    .collect();
                let stride = keep.len().div_ceil(MAX_POINTS).max(1);
                let (xs, ys) = keep
                    .iter()
                    .step_by(stride)
                    .chain(
                        keep.last()
                            .filter(|_| !(keep.len() - 1).is_multiple_of(stride)),
                    )
                    .copied()
                    .unzip();
                XySeries {
                    name: c.name.clone(),
                    xs,
                    ys,
                    style: Style {
                        line_width: Some(2),
                        ..Style::default()
                    },
                }
            })
            .collect();
        Chart {
            layout: Layout {
                width: CURVE_SIZE.0,
                height: CURVE_SIZE.1,
                x_label: "step".into(),
                legend: if self.curves.len() > 1 {
                    Legend::Auto
                } else {
                    Legend::Hidden
                },
                ..Layout::default()
            },
            body: Body::Line(series),
        }
    }

    /// The display: text/plain (the summary), text/html (bar, metrics, curve) and image/png
    /// (the curve alone, for viewers without HTML).
    pub fn bundle(&self, with_curve: bool) -> MimeBundle {
        let text = self.summary();
        let bar = match self.total {
            Some(t) => format!(
                "<progress value=\"{}\" max=\"{t}\" style=\"width:320px\"></progress> ",
                self.step.min(t)
            ),
            None => String::new(),
        };
        let html = format!(
            "<div class=\"ladder-progress\">{bar}<code>{}</code></div>",
            escape(&text)
        );
        let b = MimeBundle::text(text).with_html(html);
        if with_curve && self.curves.iter().any(|c| !c.values.is_empty()) {
            attach_chart(b, &self.chart())
        } else {
            b
        }
    }
}

/// Add a small curve of `curves` (name, steps, values) to a progress display's bundle, for
/// progress displays that keep their own text: see [`attach_chart`].
pub fn attach_curve(bundle: MimeBundle, curves: &[(&str, &[f64], &[f64])]) -> MimeBundle {
    let series = curves
        .iter()
        .map(|(name, xs, ys)| XySeries {
            name: name.to_string(),
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            style: Style::default(),
        })
        .collect();
    let chart = Chart {
        layout: Layout {
            width: CURVE_SIZE.0,
            height: CURVE_SIZE.1,
            x_label: "step".into(),
            legend: if curves.len() > 1 {
                Legend::Auto
            } else {
                Legend::Hidden
            },
            ..Layout::default()
        },
        body: Body::Line(series),
    };
    attach_chart(bundle, &chart)
}

/// Add `chart` to a bundle twice: as `image/png` (nbconvert, GitHub, viewers without HTML)
/// and as an `<img>` appended to its `text/html` (front ends show only the HTML when both
/// exist). The bundle is returned unchanged if the chart cannot be drawn.
pub fn attach_chart(mut bundle: MimeBundle, chart: &Chart) -> MimeBundle {
    let Ok(bytes) = to_png(chart) else {
        return bundle;
    };
    let (w, h) = (chart.layout.width, chart.layout.height);
    let image = MimeBundle::default().with_png(&bytes, w, h);
    // The PNG's base64 form, as the bundle stores it, doubles as the HTML image.
    if let Some(data) = image.data.get(IMAGE_PNG).and_then(|v| v.as_str()) {
        let img = format!(
            "<br><img alt=\"training curve\" width=\"{w}\" height=\"{h}\" src=\"data:image/png;base64,{data}\">"
        );
        let html = match bundle.data.get(TEXT_HTML).and_then(|v| v.as_str()) {
            Some(existing) => format!("{existing}{img}"),
            None => img,
        };
        bundle = bundle.with_html(html);
    }
    bundle.data.extend(image.data);
    bundle.metadata.extend(image.metadata);
    bundle
}

fn percent(step: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        100.0 * step.min(total) as f64 / total as f64
    }
}

/// A metric in four significant figures.
fn format_metric(v: f64) -> String {
    if v == 0.0 || (v.abs() >= 1e-3 && v.abs() < 1e5) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

fn format_duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        format!("{}m{:02}s", (secs / 60.0) as u64, secs as u64 % 60)
    } else {
        format!(
            "{}h{:02}m",
            (secs / 3600.0) as u64,
            (secs as u64 % 3600) / 60
        )
    }
}
