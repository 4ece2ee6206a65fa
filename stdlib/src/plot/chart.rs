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
    /// Error bar half-widths (bar charts), one per value.
    pub errors: Option<Vec<f64>>,
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
