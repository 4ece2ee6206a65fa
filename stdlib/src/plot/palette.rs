//! Colours: matplotlib's "tab10" cycle for series (familiar to researchers, readable on white)
//! and a white-to-blue ramp for heatmaps.

use super::chart::Rgb;

pub const TAB10: [Rgb; 10] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
];

/// Names accepted for `color:`, besides `#rrggbb`.
const NAMED: &[(&str, Rgb)] = &[
    ("blue", TAB10[0]),
    ("orange", TAB10[1]),
    ("green", TAB10[2]),
    ("red", TAB10[3]),
    ("purple", TAB10[4]),
    ("brown", TAB10[5]),
    ("pink", TAB10[6]),
    ("gray", TAB10[7]),
    ("grey", TAB10[7]),
    ("olive", TAB10[8]),
    ("cyan", TAB10[9]),
    ("black", (0, 0, 0)),
    ("white", (255, 255, 255)),
];

/// The colour of the `i`-th series.
pub fn series_color(i: usize) -> Rgb {
    TAB10[i % TAB10.len()]
}

/// A colour from a name or `#rrggbb`.
pub fn parse_color(text: &str) -> Result<Rgb, String> {
    let t = text.trim().to_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                return Ok(((v >> 16) as u8, (v >> 8) as u8, v as u8));
            }
        }
        return Err(format!("'{text}' is not a colour of the form #rrggbb"));
    }
    NAMED
        .iter()
        .find(|(n, _)| *n == t)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown colour '{text}': use #rrggbb or one of {}",
                names.join(", ")
            )
        })
}

/// Heatmap colour for `t` in [0, 1] (light for small, dark blue for large), like
/// matplotlib's "Blues".
pub fn ramp(t: f64) -> Rgb {
    const STOPS: [Rgb; 3] = [(0xf7, 0xfb, 0xff), (0x6b, 0xae, 0xd6), (0x08, 0x30, 0x6b)];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (STOPS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(STOPS.len() - 2);
    mix(STOPS[i], STOPS[i + 1], scaled - i as f64)
}

/// `a` moved a fraction `t` towards `b`.
pub fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let f = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    (f(a.0, b.0), f(a.1, b.1), f(a.2, b.2))
}

/// Whether text on this background should be white to stay readable.
pub fn is_dark(c: Rgb) -> bool {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64 <= 140.0
}
