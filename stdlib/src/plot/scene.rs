//! A chart turned into marks in data coordinates plus axis settings: the one shape every
//! chart kind takes before drawing, so a single renderer handles axes, legends and text.

use super::chart::{Corner, Rgb};

#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    Line {
        points: Vec<(f64, f64)>,
        color: Rgb,
        width: u32,
        dashed: bool,
    },
    Points {
        points: Vec<(f64, f64)>,
        color: Rgb,
        radius: u32,
    },
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: Rgb,
        opacity: f64,
        border: bool,
    },
    /// A shaded area between two curves over the same x values.
    Band {
        xs: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
        color: Rgb,
    },
    /// A vertical error bar from `lo` to `hi` at `x`.
    ErrorBar { x: f64, lo: f64, hi: f64 },
    /// Text centred on a data point, inside a box `cell` data units wide and high: the font
    /// shrinks to fit, and the text is left out if it cannot be read at that size.
    Text {
        x: f64,
        y: f64,
        text: String,
        color: Rgb,
        cell: (f64, f64),
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swatch {
    Line,
    Dashed,
    Point,
    Box,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub name: String,
    pub color: Rgb,
    pub swatch: Swatch,
}

/// Tick labels: chosen by plotters, or fixed labels at given positions (categories, and
/// log axes, where plotters only labels whole powers of ten), with or without grid lines.
#[derive(Clone, Debug, PartialEq)]
pub enum Ticks {
    Auto,
    Fixed {
        labels: Vec<(f64, String)>,
        grid: bool,
    },
}

/// A tick label: the shortest form that shows the value (20, not 20.0).
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }
}

/// Tick positions for a log axis over `[lo, hi]`: powers of ten, or 1-2-5 (then 1..9)
/// multiples when the range spans too few decades for several labels.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let with = |mults: &[f64], every: i32| -> Vec<f64> {
        (a..=b)
            .filter(|k| (k - a) % every == 0)
            .flat_map(|k| mults.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|v| within(*v))
            .collect()
    };
    let decades = (hi / lo).log10();
    let every = (decades / 8.0).ceil().max(1.0) as i32;
    let mut ticks = with(&[1.0], every);
    if ticks.len() < 3 {
        ticks = with(&[1.0, 2.0, 5.0], 1);
    }
    if ticks.len() < 3 {
        ticks = with(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1);
    }
    ticks.into_iter().map(|v| (v, tick_label(v))).collect()
}

/// A colour scale drawn right of the plot (heatmaps).
#[derive(Clone, Debug, PartialEq)]
pub struct Colorbar {
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub marks: Vec<Mark>,
    pub legend: Vec<LegendEntry>,
    /// Where the legend goes, if it is drawn.
    pub legend_at: Option<Corner>,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_ticks: Ticks,
    pub y_ticks: Ticks,
    /// Light grid lines behind the data.
    pub grid: bool,
    pub colorbar: Option<Colorbar>,
}

impl Scene {
    pub fn new(x_range: (f64, f64), y_range: (f64, f64)) -> Self {
        Self {
            marks: Vec::new(),
            legend: Vec::new(),
            legend_at: None,
            x_range,
            y_range,
            x_ticks: Ticks::Auto,
            y_ticks: Ticks::Auto,
            grid: true,
            colorbar: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        let cases = [
            (20.0, "20"),
            (0.5, "0.5"),
            (0.1 + 0.2, "0.3"),
            (-0.0, "0"),
            (1e-5, "1e-5"),
            (250000.0, "2.5e5"),
        ];
        for (v, want) in cases {
            assert_eq!(tick_label(v), want, "{v}");
        }
    }

    #[test]
    fn log_ticks_use_powers_of_ten_or_finer_steps() {
        let t: Vec<String> = log_ticks(0.001, 1000.0).into_iter().map(|t| t.1).collect();
        assert_eq!(t, ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]);
        let t: Vec<f64> = log_ticks(0.15, 2.3).into_iter().map(|t| t.0).collect();
        assert_eq!(t, [0.2, 0.5, 1.0, 2.0]);
        // Many decades: every other power of ten.
        assert_eq!(log_ticks(1.0, 1e12).len(), 7);
    }
}
