//! The live training view (one display updated in place, with a curve) and the `.plot()`
//! of result types.

use ladder_scripting::context::{self, Context};
use ladder_scripting::mime::{IMAGE_PNG, TEXT_HTML};
use ladder_scripting::{CaptureFrontend, InterruptHandle, Output, Renderers, Session};
use ladder_stdlib::library;
use ladder_stdlib::plot::chart::{Body, Chart};
use ladder_stdlib::plot::live::{attach_curve, LiveProgress};
use std::cell::RefCell;
use std::rc::Rc;

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

#[test]
fn live_progress_shows_one_display_and_updates_it_in_place() {
    let frontend = Rc::new(CaptureFrontend::new());
    let _guard = context::enter(Context {
        frontend: frontend.clone(),
        renderers: Rc::new(RefCell::new(Renderers::default())),
        interrupt: InterruptHandle::default(),
        cell: 0,
    });
    let mut live = LiveProgress::new("fit", Some(50));
    for step in 1..=50u64 {
        let loss = 1.0 / step as f64;
        live.update(step, &[("loss", loss), ("val_loss", loss + 0.1)]);
    }
    live.finish();
    let outputs = frontend.take();
    let id = live.display_id().to_string();
    // One display, then updates of that same display only.
    assert!(matches!(&outputs[0], Output::Display(_, Some(d)) if *d == id));
    assert!(outputs.len() >= 3, "{} outputs", outputs.len());
    for o in &outputs[1..] {
        assert!(
            matches!(o, Output::UpdateDisplay(_, d) if *d == id),
            "{o:?}"
        );
    }
    // The final state: step, both metrics, rate, done; a bar and the curve in HTML; a PNG.
    let Output::UpdateDisplay(last, _) = outputs.last().unwrap() else {
        unreachable!()
    };
    let text = last.plain().unwrap();
    assert!(text.starts_with("fit: step 50/50 (100%)"), "{text}");
    assert!(
        text.contains("loss 0.0200") && text.contains("val_loss 0.1200"),
        "{text}"
    );
    assert!(text.contains("steps/s") && text.ends_with("done"), "{text}");
    let html = last.data[TEXT_HTML].as_str().unwrap();
    assert!(html.contains("<progress value=\"50\" max=\"50\""), "{html}");
    assert!(html.contains("<img") && html.contains("data:image/png;base64,"));
    assert!(last.data.contains_key(IMAGE_PNG));
    assert_eq!(png_size(&last.png_bytes().unwrap()), (520, 260));
    // The curve holds every recorded step.
    let Body::Line(series) = live.chart().body else {
        panic!("a line chart")
    };
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].xs.len(), 50);
}

#[test]
fn long_histories_are_thinned_but_keep_their_ends() {
    let _guard = context::enter(Context {
        frontend: Rc::new(CaptureFrontend::new()),
        renderers: Rc::new(RefCell::new(Renderers::default())),
        interrupt: InterruptHandle::default(),
        cell: 0,
    });
    let mut live = LiveProgress::new("", None);
    for step in 0..5001u64 {
        live.update(step, &[("loss", step as f64)]);
    }
    let Body::Line(series) = live.chart().body else {
        panic!("a line chart")
    };
    let xs = &series[0].xs;
    assert!(xs.len() <= 1001, "{}", xs.len());
    assert_eq!((xs[0], *xs.last().unwrap()), (0.0, 5000.0));
    assert!(
        live.summary().starts_with("step 5000  loss 5000.0000"),
        "{}",
        live.summary()
    );
}

#[test]
fn attach_curve_adds_the_image_to_an_existing_progress_bundle() {
    let b = ladder_scripting::MimeBundle::text("step 3/3").with_html("<div>bar</div>");
    let steps = [1.0, 2.0, 3.0];
    let out = attach_curve(b, &[("loss", &steps, &[0.9, 0.5, 0.3])]);
    assert_eq!(out.plain(), Some("step 3/3"));
    let html = out.data[TEXT_HTML].as_str().unwrap();
    assert!(html.starts_with("<div>bar</div><br><img"), "{html}");
    assert_eq!(png_size(&out.png_bytes().unwrap()), (520, 260));
}

#[test]
fn fit_history_plots_its_training_curve() {
    let mut s = Session::with_libraries(Rc::new(CaptureFrontend::new()), vec![library()]);
    s.execute(
        r#"
        let d = dataset("iris");
        let parts = split(d, #{test: 0.3, seed: 0, stratify: true});
        let h = fit(logistic_regression(4, 3), parts[0], #{epochs: 3, batch_size: 35, validation: parts[1], progress: false, seed: 0});
        let c = h.plot();
        "#,
    )
    .unwrap();
    let c: Chart = s.get("c").unwrap().try_cast().unwrap();
    let Body::Line(series) = &c.body else {
        panic!("a line chart")
    };
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["step loss", "epoch mean", "validation"]);
    // 105 training rows in batches of 35: 3 steps per epoch, 9 in all.
    assert_eq!(series[0].xs.len(), 9);
    assert_eq!(series[2].xs, vec![3.0, 6.0, 9.0]);
    let b = s.execute("c").unwrap().unwrap();
    assert_eq!(png_size(&b.png_bytes().unwrap()), (640, 480));
}
