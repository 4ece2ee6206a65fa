//! Charts as a user makes them in a cell: each kind renders a valid PNG and SVG of the asked
//! size, text is drawn with the embedded font (no system fonts needed), files are saved, and
//! bad input gives errors that say what was wrong.

use ladder_scripting::mime::{IMAGE_PNG, IMAGE_SVG};
use ladder_scripting::{CaptureFrontend, MimeBundle, Session};
use ladder_stdlib::library;
use ladder_stdlib::plot::chart::{Body, Chart};
use std::rc::Rc;

fn session() -> Session {
    Session::with_libraries(Rc::new(CaptureFrontend::new()), vec![library()])
}

fn bundle(s: &mut Session, code: &str) -> MimeBundle {
    match s.execute(code) {
        Ok(Some(b)) => b,
        Ok(None) => panic!("cell gave no value: {code}"),
        Err(e) => panic!("cell failed: {code}\n{}", e.report()),
    }
}

fn error(s: &mut Session, code: &str) -> String {
    match s.execute(code) {
        Ok(v) => panic!("expected an error from {code}, got {v:?}"),
        Err(e) => e.message,
    }
}

/// Decode a PNG: (width, height, RGB(A) pixels, bytes per pixel).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, info.color_type.samples())
}

fn png_of(b: &MimeBundle) -> (u32, u32, Vec<u8>, usize) {
    let bytes = b.png_bytes().expect("an image/png representation");
    // LADDER_PLOT_DUMP=dir keeps every rendered chart, to look at them.
    if let Ok(dir) = std::env::var("LADDER_PLOT_DUMP") {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = b
            .plain()
            .unwrap_or("chart")
            .split(['(', ':'])
            .next()
            .unwrap_or("chart")
            .trim()
            .replace([' ', '"'], "_");
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{n:02}_{name}.png"), &bytes).unwrap();
    }
    decode(&bytes)
}

/// Pixels darker than mid-grey in the rectangle [x0, x1) x [y0, y1).
fn dark_pixels(img: &(u32, u32, Vec<u8>, usize), x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
    let (w, _, px, n) = img;
    let mut count = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * w + x) as usize) * n;
            if (px[i] as u32 + px[i + 1] as u32 + px[i + 2] as u32) < 3 * 110 {
                count += 1;
            }
        }
    }
    count
}

const SETUP: &str = r#"
let xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
let ys = [2.0, 1.5, 1.2, 1.0, 0.8, 0.7, 0.6, 0.55, 0.5, 0.48];
let pts = [[0.1, 0.2], [0.4, 0.9], [-0.5, -0.3], [-0.8, 0.1], [0.9, -0.7], [0.3, 0.3]];
let cls = [1, 1, 0, 0, 1, 1];
"#;

/// One script per chart kind, each asking for a distinct size.
const KINDS: &[(&str, &str, u32, u32)] = &[
    (
        "line chart",
        r#"let c = line_chart(#{title: "loss", x_label: "step", y_label: "loss", width: 500, height: 300});
        c.add_series("train", xs, ys); c.add_series("val", xs, ys.map(|v| v + 0.1), #{dashed: true}); c"#,
        500,
        300,
    ),
    (
        "log line chart",
        r#"line_chart(#{size: [420, 310], log_y: true, log_x: true}).add_series("a", [1, 10, 100, 1000], [0.001, 0.01, 0.1, 1])"#,
        420,
        310,
    ),
    (
        "scatter chart",
        r#"let c = scatter_chart(#{title: "moons", width: 360, height: 340});
        c.add_classes(pts, cls); c.decision_boundary(|x, y| if x + y > 0.0 { 1 } else { 0 }, 30); c"#,
        360,
        340,
    ),
    (
        "bar chart",
        r#"let c = bar_chart(#{title: "w2s", categories: ["sciq", "boolq"], width: 610, height: 410});
        c.add_series("weak", [0.6, 0.55]); c.add_series("w2s", [0.7, 0.6], #{errors: [0.02, 0.03]}); c.add_series("ceiling", [0.8, 0.7]); c"#,
        610,
        410,
    ),
    (
        "histogram",
        r#"histogram([0.5, 0.6, 0.6, 0.7, 0.9, 0.95, 0.99], #{bins: 5, range: [0.5, 1.0], width: 333, height: 222})"#,
        333,
        222,
    ),
    (
        "heatmap",
        r#"heatmap([[50, 3], [4, 40]], #{labels: ["neg", "pos"], x_label: "predicted", y_label: "true", width: 400, height: 380})"#,
        400,
        380,
    ),
    (
        "reliability diagram",
        r#"reliability_diagram([0.55, 0.65, 0.75, 0.85, 0.95, 0.9], [true, false, true, 1, 1, 0], #{bins: 5, width: 450, height: 450})"#,
        450,
        450,
    ),
];

#[test]
fn every_kind_renders_png_and_svg_of_the_asked_size() {
    let mut s = session();
    s.execute(SETUP).unwrap();
    for (kind, code, w, h) in KINDS {
        let b = bundle(&mut s, code);
        assert!(
            b.plain()
                .unwrap()
                .starts_with(kind.trim_start_matches("log ")),
            "{kind}: {:?}",
            b.plain()
        );
        let img = png_of(&b);
        assert_eq!((img.0, img.1), (*w, *h), "{kind}: PNG size");
        assert_eq!(b.metadata[IMAGE_PNG]["width"], *w, "{kind}: PNG metadata");
        // Something was drawn beyond the white background and the axes.
        let colored = img
            .2
            .chunks(img.3)
            .filter(|p| p[0] != p[1] || p[1] != p[2])
            .count();
        assert!(colored > 200, "{kind}: only {colored} coloured pixels");
        assert!(
            !b.data.contains_key(IMAGE_SVG),
            "{kind}: SVG only when asked"
        );

        let svg_bundle = bundle(&mut s, &format!("let chart = {{ {code} }}; chart.svg()"));
        let svg = svg_bundle.data[IMAGE_SVG].as_str().unwrap();
        assert!(
            svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")),
            "{kind}: SVG size"
        );
        assert!(
            svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{kind}: SVG document"
        );
        assert!(
            svg_bundle.data.contains_key(IMAGE_PNG),
            "{kind}: PNG stays alongside SVG"
        );
    }
}

#[test]
fn text_is_drawn_with_the_embedded_font() {
    let mut s = session();
    let blank = png_of(&bundle(&mut s, "line_chart(#{width: 400, height: 300})"));
    let titled = png_of(&bundle(
        &mut s,
        r#"line_chart(#{width: 400, height: 300, title: "Hello"})"#,
    ));
    let other = png_of(&bundle(
        &mut s,
        r#"line_chart(#{width: 400, height: 300, title: "Wxyzq"})"#,
    ));
    // The title band (centred, above the plot): empty without a title, inked with one.
    assert_eq!(dark_pixels(&blank, 100, 0, 300, 28), 0);
    let ink = dark_pixels(&titled, 100, 0, 300, 28);
    assert!(ink > 60, "title drew {ink} dark pixels");
    // Different words give different shapes (missing glyphs would all be the same box).
    assert_ne!(
        titled.2[..400 * 28 * titled.3],
        other.2[..400 * 28 * other.3]
    );
    // The ink is glyph-sized: a title is a short line of text, not filled boxes.
    assert!(
        ink < 400 * 28 / 4,
        "title ink {ink} is too much for five letters"
    );

    // Axis labels: the rotated y label inks the left edge; both add ink overall.
    let labelled = png_of(&bundle(
        &mut s,
        r#"line_chart(#{width: 400, height: 300, x_label: "step", y_label: "loss"})"#,
    ));
    assert_eq!(dark_pixels(&blank, 0, 0, 22, 300), 0);
    assert!(dark_pixels(&labelled, 0, 0, 22, 300) > 20);
    assert!(dark_pixels(&labelled, 0, 0, 400, 300) > dark_pixels(&blank, 0, 0, 400, 300) + 40);
}

#[test]
fn charts_save_as_png_or_svg_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let png_path = dir.path().join("loss.png");
    let svg_path = dir.path().join("loss.svg");
    let mut s = session();
    let code = format!(
        r#"let c = line_chart(#{{title: "loss"}}); c.add_series("train", [3, 2, 1]); c.size(300, 200); c.save("{}"); c.save("{}");"#,
        png_path.display(),
        svg_path.display()
    );
    s.execute(&code).unwrap();
    let img = decode(&std::fs::read(&png_path).unwrap());
    assert_eq!((img.0, img.1), (300, 200));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg") && svg.contains("loss"));
    let e = error(&mut s, r#"c.save("loss.jpg")"#);
    assert!(e.contains(".png or .svg"), "{e}");
}

#[test]
fn properties_and_configure_change_the_chart() {
    let mut s = session();
    s.execute(r#"let c = line_chart(); c.title = "acc"; c.width = 320; c.configure(#{height: 240, log_y: true});"#)
        .unwrap();
    let b = bundle(&mut s, "c");
    assert_eq!(b.plain(), Some("line chart \"acc\" (320x240)"));
    assert_eq!(bundle(&mut s, "c.log_y").plain(), Some("true"));
    assert_eq!(bundle(&mut s, "c.kind").plain(), Some("\"line chart\""));
    let img = png_of(&b);
    assert_eq!((img.0, img.1), (320, 240));
}

fn chart(s: &Session, name: &str) -> Chart {
    s.get(name).unwrap().try_cast::<Chart>().unwrap()
}

#[test]
fn decision_boundaries_from_a_closure_per_point_or_per_batch_agree() {
    let mut s = session();
    s.execute(SETUP).unwrap();
    s.execute(
        r#"let a = scatter_chart(); a.add_classes(pts, cls); a.decision_boundary(|x, y| if x + y > 0.0 { 1 } else { 0 }, 12);
           let b = scatter_chart(); b.add_classes(pts, cls);
           b.decision_boundary(|grid| grid.map(|p| if p[0] + p[1] > 0.0 { 1 } else { 0 }), 12);
           let g = scatter_chart(); g.add_classes(pts, cls);
           g.decision_grid([-1.0, 0.0, 1.0], [-1.0, 1.0], [[0, 0, 1], [0, 1, 1]]);"#,
    )
    .unwrap();
    let (a, b) = (chart(&s, "a"), chart(&s, "b"));
    let Body::Scatter {
        series,
        boundary: Some(ba),
    } = &a.body
    else {
        panic!("no boundary")
    };
    let Body::Scatter {
        boundary: Some(bb), ..
    } = &b.body
    else {
        panic!("no boundary")
    };
    assert_eq!(ba, bb);
    assert_eq!((ba.xs.len(), ba.ys.len()), (12, 12));
    // The grid covers the points plus 10% on each side.
    assert!((ba.xs[0] - (-0.8 - 0.17)).abs() < 1e-9 && (ba.xs[11] - (0.9 + 0.17)).abs() < 1e-9);
    for (j, row) in ba.values.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            assert_eq!(*v, if ba.xs[i] + ba.ys[j] > 0.0 { 1.0 } else { 0.0 });
        }
    }
    // One series per class, named and in order.
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["class 0", "class 1"]);
    assert_eq!(series[1].xs.len(), 4);
    let Body::Scatter {
        boundary: Some(bg), ..
    } = &chart(&s, "g").body
    else {
        panic!("no grid")
    };
    assert_eq!(bg.values[1], vec![0.0, 1.0, 1.0]);
}

#[test]
fn bad_input_gives_errors_naming_what_was_wrong() {
    let mut s = session();
    let e = error(&mut s, r#"line_chart(#{titel: "x"})"#);
    assert!(
        e.contains("unknown option 'titel'") && e.contains("title, x_label"),
        "{e}"
    );
    let e = error(&mut s, r#"line_chart().add_series("a", [1, 2, "x"])"#);
    assert!(
        e.contains("ys[2]") && e.contains("expected a number"),
        "{e}"
    );
    let e = error(&mut s, r#"line_chart().add_series("a", [1, 2, 3], [1, 2])"#);
    assert!(e.contains("3 values") && e.contains("same length"), "{e}");
    let e = error(
        &mut s,
        r#"bar_chart(#{categories: ["a", "b"]}).add_series("w", [1, 2, 3])"#,
    );
    assert!(e.contains("3 values for 2 categories"), "{e}");
    let e = error(&mut s, r#"heatmap([[1, 2], [3]])"#);
    assert!(e.contains("rectangular"), "{e}");
    let e = error(&mut s, r#"reliability_diagram([0.5, 1.5], [true, false])"#);
    assert!(e.contains("[1] is 1.5") && e.contains("[0, 1]"), "{e}");
    // A chart made with its data names its constructor, not an unnamed series.
    assert!(e.starts_with("reliability diagram: confidences[1]"), "{e}");
    let e = error(&mut s, r#"histogram([1, "x"])"#);
    assert!(e.starts_with("histogram: "), "{e}");
    let e = error(&mut s, r#"line_chart(#{width: 10})"#);
    assert!(e.contains("'width' must be between 50"), "{e}");
    let e = error(
        &mut s,
        r#"line_chart().add_series("a", [1], #{colour: "red"})"#,
    );
    assert!(
        e.contains("unknown option 'colour'") && e.contains("color"),
        "{e}"
    );
    let e = error(
        &mut s,
        r#"line_chart().add_series("a", [1], #{color: "reddish"})"#,
    );
    assert!(e.contains("unknown colour 'reddish'"), "{e}");
    let e = error(&mut s, r#"line_chart().decision_boundary(|x, y| 0)"#);
    assert!(e.contains("scatter charts"), "{e}");
    let e = error(&mut s, r#"scatter_chart().decision_boundary(|x, y| 0)"#);
    assert!(e.contains("add points first"), "{e}");
    let e = error(
        &mut s,
        r#"let p = scatter_chart(); p.add_series("a", [0.0, 1.0], [0.0, 1.0]); p.decision_boundary(|x, y, z| 0)"#,
    );
    assert!(
        e.contains("decision_boundary: the closure |x, y, z| takes 3 arguments, but is called with two arguments, a point's x and y, or one"),
        "{e}"
    );
    let e = error(&mut s, r#"line_chart(#{y_range: [1, 0]})"#);
    assert!(e.contains("low < high"), "{e}");
}

#[test]
fn tensors_are_accepted_as_data() {
    let mut s = session();
    let b = bundle(
        &mut s,
        r#"let c = scatter_chart(); c.add_classes(tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), tensor([0, 1, 1])); c"#,
    );
    assert!(
        b.plain().unwrap().contains("class 1: 2 points"),
        "{:?}",
        b.plain()
    );
    let b = bundle(&mut s, r#"heatmap(tensor([[1.0, 2.0], [3.0, 4.0]]))"#);
    assert!(b.plain().unwrap().contains("2x2 cells"));
}

#[test]
fn crowded_charts_still_render_at_their_size() {
    let mut s = session();
    // A 40 x 40 heatmap: annotations that cannot be read are left out, not smeared.
    let big = bundle(
        &mut s,
        "let m = []; for i in 0..40 { let r = []; for j in 0..40 { r.push(i * j); } m.push(r); } heatmap(m, #{width: 300, height: 300})",
    );
    let img = png_of(&big);
    assert_eq!((img.0, img.1), (300, 300));
    let small = png_of(&bundle(
        &mut s,
        "heatmap([[1, 2], [3, 4]], #{width: 300, height: 300})",
    ));
    assert_ne!(small.2, img.2);
    // A title longer than the chart is shortened to fit: ink stays inside the edges.
    let long = png_of(&bundle(
        &mut s,
        r#"line_chart(#{width: 200, height: 150, title: "a very long title that cannot possibly fit in two hundred pixels"})"#,
    ));
    assert_eq!(
        dark_pixels(&long, 0, 0, 3, 30) + dark_pixels(&long, 197, 0, 200, 30),
        0
    );
    assert!(dark_pixels(&long, 0, 0, 200, 30) > 50);
}

#[test]
fn a_batch_prediction_of_the_wrong_size_is_reported() {
    let mut s = session();
    s.execute(SETUP).unwrap();
    let e = error(
        &mut s,
        "let c = scatter_chart(); c.add_classes(pts, cls); c.decision_boundary(|grid| [0, 1], 10)",
    );
    assert!(
        e.contains("has 2 values, expected one per grid point (100)"),
        "{e}"
    );
    let e = error(
        &mut s,
        r#"let c = scatter_chart(); c.add_classes(pts, cls); c.decision_boundary(|x, y| "a", 10)"#,
    );
    assert!(
        e.contains("expected a number (a class or a probability)"),
        "{e}"
    );
}

#[test]
fn line_series_take_shaded_bands() {
    let mut s = session();
    let plain = png_of(&bundle(
        &mut s,
        r#"line_chart(#{width: 300, height: 200}).add_series("m", [1.0, 2.0, 1.5])"#,
    ));
    let banded = bundle(
        &mut s,
        r#"let c = line_chart(#{width: 300, height: 200}); c.add_series("m", [1.0, 2.0, 1.5], #{errors: [0.2, 0.3, 0.1]});
           c.add_series("n", [0, 1, 2], [0.5, 0.7, 0.9], #{band: [[0.4, 0.6, 0.8], [0.6, 0.8, 1.0]]}); c"#,
    );
    let img = png_of(&banded);
    // The band is a light tint of the line's colour: pale blue pixels appear.
    let tinted = |img: &(u32, u32, Vec<u8>, usize)| {
        img.2
            .chunks(img.3)
            .filter(|p| p[2] > 200 && p[0] < 225 && p[0] > 150 && p[2] > p[0] + 15)
            .count()
    };
    assert!(
        tinted(&img) > tinted(&plain) + 200,
        "{} vs {}",
        tinted(&img),
        tinted(&plain)
    );
    let e = error(
        &mut s,
        r#"line_chart().add_series("m", [1.0, 2.0], #{errors: [0.1]})"#,
    );
    assert!(e.contains("band's lower values"), "{e}");
    let e = error(
        &mut s,
        r#"line_chart().add_series("m", [1.0], #{band: [[0.0]]})"#,
    );
    assert!(e.contains("[lower, upper]"), "{e}");
}
