//! A chart as files and as a Jupyter display: PNG (always), SVG (on request or by file name).

use super::build::build;
use super::chart::Chart;
use super::draw::draw;
use super::font::ensure_registered;
use super::glyphs::GlyphText;
use ladder_scripting::{MimeBundle, Render};
use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};

/// The largest side a chart may have, so a typo cannot allocate gigabytes.
pub const MAX_SIDE: u32 = 8192;

fn check_size(chart: &Chart) -> Result<(u32, u32), String> {
    let (w, h) = (chart.layout.width, chart.layout.height);
    if w < 50 || h < 50 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!("chart size {w}x{h} is out of range: width and height must be between 50 and {MAX_SIDE} pixels"));
    }
    Ok((w, h))
}

/// The chart as raw RGB pixels, row by row.
pub fn to_rgb(chart: &Chart) -> Result<Vec<u8>, String> {
    let (w, h) = check_size(chart)?;
    let scene = build(chart)?;
    ensure_registered();
    let mut pixels = vec![255u8; (w * h * 3) as usize];
    {
        let root = GlyphText(BitMapBackend::with_buffer(&mut pixels, (w, h))).into_drawing_area();
        draw(&scene, &chart.layout, &root)?;
    }
    Ok(pixels)
}

/// The chart as a PNG file's bytes.
pub fn to_png(chart: &Chart) -> Result<Vec<u8>, String> {
    let pixels = to_rgb(chart)?;
    encode_png(&pixels, chart.layout.width, chart.layout.height)
}

/// PNG-encode RGB pixels.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}

/// The chart as an SVG document.
pub fn to_svg(chart: &Chart) -> Result<String, String> {
    let (w, h) = check_size(chart)?;
    let scene = build(chart)?;
    ensure_registered();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(&scene, &chart.layout, &root)?;
    }
    Ok(svg)
}

/// Write the chart to `path`: PNG or SVG by its extension.
pub fn save(chart: &Chart, path: &str) -> Result<(), String> {
    let ext = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "png" => to_png(chart)?,
        "svg" => to_svg(chart)?.into_bytes(),
        _ => {
            return Err(format!(
                "cannot save a chart as '{path}': the file name must end in .png or .svg"
            ))
        }
    };
    std::fs::write(path, bytes).map_err(|e| format!("cannot write '{path}': {e}"))
}

/// The display bundle: text/plain always, image/png, and image/svg+xml when asked for.
/// A chart that cannot be drawn shows why in its text form instead of an image.
pub fn bundle(chart: &Chart) -> MimeBundle {
    let (w, h) = (chart.layout.width, chart.layout.height);
    match to_png(chart) {
        Ok(png) => {
            let mut b = MimeBundle::text(chart.describe()).with_png(&png, w, h);
            if chart.layout.svg {
                if let Ok(svg) = to_svg(chart) {
                    b = b.with_svg(svg);
                }
            }
            b
        }
        Err(e) => MimeBundle::text(format!("{} (cannot be drawn: {e})", chart.describe())),
    }
}

impl Render for Chart {
    fn mime_bundle(&self) -> MimeBundle {
        bundle(self)
    }
}
