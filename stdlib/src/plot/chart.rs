//! What a chart is, independent of how it is drawn: plain data, so a chart can be cloned,
//! sent between threads, drawn again at another size, or saved later.

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Everything about a chart's frame: title, axes, size and which formats it displays in.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub width: u32,
    pub height: u32,
    pub log_x: bool,
    pub log_y: bool,
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    pub legend: Legend,
    /// Also display as `image/svg+xml` (PNG is always shown).
    pub svg: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            width: 640,
            height: 480,
            log_x: false,
            log_y: false,
            x_range: None,
            y_range: None,
            legend: Legend::Auto,
            svg: false,
        }
    }
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legend {
    /// Shown when there is more than one series (or any named one), in the kind's usual corner.
    Auto,
    Hidden,
    At(Corner),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
    UpperMiddle,
    LowerMiddle,
}

impl Corner {
    pub const NAMES: &'static [&'static str] = &[
        "upper left",
        "upper right",
        "lower left",
        "lower right",
        "upper middle",
        "lower middle",
    ];

    pub fn parse(name: &str) -> Option<Self> {
        let all = [
            Self::UpperLeft,
            Self::UpperRight,
            Self::LowerLeft,
            Self::LowerRight,
            Self::UpperMiddle,
            Self::LowerMiddle,
        ];
        let wanted = name.trim().to_lowercase().replace(['_', '-'], " ");
        Self::NAMES
            .iter()
            .position(|n| *n == wanted)
            .map(|i| all[i])
    }
}

/// How one series is drawn; unset fields take the chart kind's default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Style {
    pub color: Option<Rgb>,
    pub dashed: bool,
    pub markers: bool,
    pub line_width: Option<u32>,
    /// Error bar half-widths (bar charts), or a shaded band of +/- this much around a
    /// line, one per value.
    pub errors: Option<Vec<f64>>,
    /// A shaded band from `lower` to `upper` around a line (e.g. min/max over seeds).
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

impl Style {
    /// The band around a line with values `ys`: the explicit one, or `ys` +/- `errors`.
    pub fn band_for(&self, ys: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
        if let Some(b) = &self.band {
            return Some(b.clone());
        }
        let e = self.errors.as_ref()?;
        let lower = ys.iter().zip(e).map(|(y, e)| y - e).collect();
        let upper = ys.iter().zip(e).map(|(y, e)| y + e).collect();
        Some((lower, upper))
    }
}

/// A named list of points (line and scatter charts).
#[derive(Clone, Debug, PartialEq)]
pub struct XySeries {
    pub name: String,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub style: Style,
}

/// A named list of values (bar charts: one per category; histograms: raw samples).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueSeries {
    pub name: String,
    pub values: Vec<f64>,
    pub style: Style,
}

/// Confidences and whether each prediction was right (reliability diagrams).
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationSeries {
    pub name: String,
    pub confidences: Vec<f64>,
    pub correct: Vec<bool>,
    pub style: Style,
}

/// Predictions over a regular 2-D grid, drawn behind a scatter chart: `values[j][i]` is the
/// prediction at `(xs[i], ys[j])`. Whole numbers are classes; other values are the
/// probability of class 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundary {
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub values: Vec<Vec<f64>>,
}

/// A matrix of numbers drawn as coloured cells (confusion matrices, overlaps).
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub values: Vec<Vec<f64>>,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    pub annotate: bool,
    /// Decimals in cell annotations; `None` picks 0 for whole numbers and 2 otherwise.
    pub decimals: Option<usize>,
}

/// The kind of chart and its data.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Line(Vec<XySeries>),
    Scatter {
        series: Vec<XySeries>,
        boundary: Option<Boundary>,
    },
    Bar {
        categories: Vec<String>,
        series: Vec<ValueSeries>,
    },
    Histogram {
        bins: usize,
        range: Option<(f64, f64)>,
        density: bool,
        series: Vec<ValueSeries>,
    },
    Heatmap(Matrix),
    Reliability {
        bins: usize,
        series: Vec<CalibrationSeries>,
    },
}

/// A chart value: Rhai scripts build it, and it renders itself as PNG (and SVG on request).
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub layout: Layout,
    pub body: Body,
}

impl Chart {
    pub fn new(body: Body) -> Self {
        Self {
            layout: Layout::default(),
            body,
        }
    }

    /// The kind's name, as scripts and error messages call it.
    pub fn kind(&self) -> &'static str {
        match self.body {
            Body::Line(_) => "line chart",
            Body::Scatter { .. } => "scatter chart",
            Body::Bar { .. } => "bar chart",
            Body::Histogram { .. } => "histogram",
            Body::Heatmap(_) => "heatmap",
            Body::Reliability { .. } => "reliability diagram",
        }
    }

    /// A one-line description: what `text/plain` shows.
    pub fn describe(&self) -> String {
        let l = &self.layout;
        let mut s = self.kind().to_string();
        if !l.title.is_empty() {
            s.push_str(&format!(" \"{}\"", l.title));
        }
        s.push_str(&format!(" ({}x{})", l.width, l.height));
        let parts: Vec<String> = match &self.body {
            Body::Line(series) | Body::Scatter { series, .. } => series
                .iter()
                .map(|s| format!("{}: {} points", s.name, s.xs.len()))
                .collect(),
            Body::Bar { series, .. } | Body::Histogram { series, .. } => series
                .iter()
                .map(|s| format!("{}: {} values", s.name, s.values.len()))
                .collect(),
            Body::Reliability { series, .. } => series
                .iter()
                .map(|s| format!("{}: {} predictions", s.name, s.confidences.len()))
                .collect(),
            Body::Heatmap(m) => vec![format!(
                "{}x{} cells",
                m.values.len(),
                m.values.first().map_or(0, Vec::len)
            )],
        };
        if !parts.is_empty() {
            s.push_str(": ");
            s.push_str(&parts.join(", "));
        }
        s
    }
}

/// Builders for library code: a result type's `.plot()` is a few calls, e.g.
/// `Chart::line("loss", "step", "loss").with_line("train", xs, ys)`.
impl Chart {
    fn titled(body: Body, title: &str, x_label: &str, y_label: &str) -> Self {
        let mut c = Self::new(body);
        c.layout.title = title.into();
        c.layout.x_label = x_label.into();
        c.layout.y_label = y_label.into();
        c
    }

    /// An empty line chart.
    pub fn line(title: &str, x_label: &str, y_label: &str) -> Self {
        Self::titled(Body::Line(Vec::new()), title, x_label, y_label)
    }

    /// An empty scatter chart.
    pub fn scatter(title: &str, x_label: &str, y_label: &str) -> Self {
        let body = Body::Scatter {
            series: Vec::new(),
            boundary: None,
        };
        Self::titled(body, title, x_label, y_label)
    }

    /// An empty (grouped) bar chart over `categories`.
    pub fn bars(title: &str, y_label: &str, categories: Vec<String>) -> Self {
        let body = Body::Bar {
            categories,
            series: Vec::new(),
        };
        Self::titled(body, title, "", y_label)
    }

    /// A histogram of `values` in `bins` bins over their range.
    pub fn histogram(title: &str, x_label: &str, bins: usize, values: Vec<f64>) -> Self {
        let body = Body::Histogram {
            bins,
            range: None,
            density: false,
            series: vec![ValueSeries {
                name: String::new(),
                values,
                style: Style::default(),
            }],
        };
        Self::titled(body, title, x_label, "count")
    }

    /// An annotated heatmap (`values[row][col]`), e.g. a confusion matrix with
    /// `("predicted", "true")` as axis labels.
    pub fn heatmap(
        title: &str,
        values: Vec<Vec<f64>>,
        row_labels: Vec<String>,
        col_labels: Vec<String>,
    ) -> Self {
        let body = Body::Heatmap(Matrix {
            values,
            row_labels,
            col_labels,
            annotate: true,
            decimals: None,
        });
        Self::titled(body, title, "", "")
    }

    /// An empty reliability diagram with `bins` confidence bins.
    pub fn reliability(title: &str, bins: usize) -> Self {
        let body = Body::Reliability {
            bins,
            series: Vec::new(),
        };
        Self::titled(body, title, "confidence", "accuracy")
    }

    /// Add a curve (line charts) or a set of points (scatter charts); other kinds ignore it.
    pub fn with_line(self, name: &str, xs: Vec<f64>, ys: Vec<f64>) -> Self {
        self.with_styled_line(name, xs, ys, Style::default())
    }

    /// As [`Chart::with_line`], with a style (colour, dashes, markers).
    pub fn with_styled_line(
        mut self,
        name: &str,
        xs: Vec<f64>,
        ys: Vec<f64>,
        style: Style,
    ) -> Self {
        if let Body::Line(series) | Body::Scatter { series, .. } = &mut self.body {
            series.push(XySeries {
                name: name.into(),
                xs,
                ys,
                style,
            });
        }
        self
    }

    /// Add one bar per category (bar charts) with optional error-bar half-widths, or a
    /// sample set (histograms).
    pub fn with_bars(mut self, name: &str, values: Vec<f64>, errors: Option<Vec<f64>>) -> Self {
        if let Body::Bar { series, .. } | Body::Histogram { series, .. } = &mut self.body {
            series.push(ValueSeries {
                name: name.into(),
                values,
                style: Style {
                    errors,
                    ..Style::default()
                },
            });
        }
        self
    }

    /// Add a model's confidences and correctness (reliability diagrams).
    pub fn with_calibration(
        mut self,
        name: &str,
        confidences: Vec<f64>,
        correct: Vec<bool>,
    ) -> Self {
        if let Body::Reliability { series, .. } = &mut self.body {
            series.push(CalibrationSeries {
                name: name.into(),
                confidences,
                correct,
                style: Style::default(),
            });
        }
        self
    }

    /// Set the axis labels.
    pub fn with_labels(mut self, x_label: &str, y_label: &str) -> Self {
        self.layout.x_label = x_label.into();
        self.layout.y_label = y_label.into();
        self
    }

    /// Set the size in pixels.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.layout.width = width;
        self.layout.height = height;
        self
    }

    /// Use a logarithmic y axis.
    pub fn with_log_y(mut self, log: bool) -> Self {
        self.layout.log_y = log;
        self
    }
}
