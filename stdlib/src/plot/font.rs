//! The font every chart draws its text with, compiled into the binary so text renders on a
//! machine without any font packages (plotters' default would look fonts up on the system).

use std::sync::Once;

/// The family name plotters resolves `FontFamily::SansSerif` to.
pub const FAMILY: &str = "sans-serif";

/// Register DejaVu Sans (regular and bold) with plotters, once per process.
pub fn ensure_registered() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::{register_font, FontStyle};
        // The bytes are valid TrueType files shipped by the `dejavu` crate.
        if register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_err()
            || register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_err()
        {
            eprintln!("ladder: could not load the embedded chart font; chart text will be missing");
        }
    });
}
