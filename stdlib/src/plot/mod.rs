//! Charts for Rhai scripts (line, scatter with decision boundaries, bar and grouped bar,
//! histogram, heatmap, reliability diagram), drawn with plotters and an embedded font, shown
//! inline as PNG (and SVG on request) and saved to files; plus live training views.

mod bindings;
mod build;
pub mod chart;
mod draw;
pub mod font;
mod glyphs;
mod input;
pub mod live;
mod options;
pub mod output;
mod palette;
pub mod results;
mod scene;
pub mod stats;

pub use chart::Chart;
pub use output::{save, to_png, to_svg};

use ladder_scripting::rhai::Engine;
use ladder_scripting::Renderers;

/// Install the chart functions and the chart renderer.
pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    bindings::register(engine, renderers);
}
