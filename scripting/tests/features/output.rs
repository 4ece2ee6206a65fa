//! Cell results and the output interface: streams, displays, input.

use super::{fail, run, session};
use ladder_scripting::mime::APPLICATION_JSON;
use ladder_scripting::{MimeBundle, Output, Stream};

#[test]
fn the_last_expression_is_the_result() {
    let (mut s, _) = session();
    assert_eq!(run(&mut s, "1 + 2").as_deref(), Some("3"));
    assert_eq!(run(&mut s, "let a = 5;\na * 2").as_deref(), Some("10"));
    assert_eq!(run(&mut s, "\"text\"").as_deref(), Some("\"text\""));
    assert_eq!(run(&mut s, "[1, 2]").as_deref(), Some("[1, 2]"));
    assert_eq!(run(&mut s, "()"), None, "unit shows nothing");
    assert_eq!(run(&mut s, "let b = 1;"), None, "a binding shows nothing");
    assert_eq!(run(&mut s, ""), None, "an empty cell shows nothing");
    assert_eq!(run(&mut s, "// only a comment"), None);
}

#[test]
fn a_trailing_semicolon_hides_the_result() {
    let (mut s, _) = session();
    assert_eq!(run(&mut s, "1 + 2;"), None);
    assert_eq!(run(&mut s, "1 + 2;   \n\n"), None);
    assert_eq!(run(&mut s, "1 + 2; // a comment"), None);
    assert_eq!(run(&mut s, "1 + 2 // a comment"), Some("3".into()));
    assert_eq!(run(&mut s, "\"a;\""), Some("\"a;\"".into()));
    assert_eq!(run(&mut s, "1 + 2; /* done; */"), None);
}

#[test]
fn maps_render_as_text_and_json() {
    let (mut s, _) = session();
    let bundle = s.execute("#{a: 1, b: [true]}").unwrap().unwrap();
    assert_eq!(
        bundle.data[APPLICATION_JSON],
        serde_json::json!({"a": 1, "b": [true]})
    );
}

#[test]
fn print_goes_to_stdout_debug_and_eprint_to_stderr() {
    let (mut s, out) = session();
    run(
        &mut s,
        "print(\"one\"); debug(\"two\"); eprint(3); print(4);",
    );
    assert_eq!(
        out.take(),
        vec![
            Output::Stream(Stream::Stdout, "one\n".into()),
            Output::Stream(Stream::Stderr, "\"two\"\n3\n".into()),
            Output::Stream(Stream::Stdout, "4\n".into()),
        ]
    );
}

#[test]
fn output_before_an_error_is_kept() {
    let (mut s, out) = session();
    fail(&mut s, "print(\"before\"); throw \"boom\";");
    assert_eq!(out.text(Stream::Stdout), "before\n");
}

#[test]
fn display_can_be_called_many_times_and_updated_by_id() {
    let (mut s, out) = session();
    run(
        &mut s,
        r#"
        display(1);
        display("two");
        display(#{n: 3}, "progress");
        update_display(#{n: 4}, "progress");
        clear_output();
        clear_output(true);
        "#,
    );
    let outputs = out.take();
    assert_eq!(outputs.len(), 6, "{outputs:?}");
    assert_eq!(outputs[0], Output::Display(MimeBundle::text("1"), None));
    assert_eq!(
        outputs[1],
        Output::Display(MimeBundle::text("\"two\""), None)
    );
    match &outputs[2] {
        Output::Display(b, Some(id)) => {
            assert_eq!(id, "progress");
            assert_eq!(b.plain(), Some("#{\"n\": 3}"));
        }
        other => panic!("expected a display with an id, got {other:?}"),
    }
    match &outputs[3] {
        Output::UpdateDisplay(b, id) => {
            assert_eq!(id, "progress");
            assert_eq!(b.data[APPLICATION_JSON], serde_json::json!({"n": 4}));
        }
        other => panic!("expected an update, got {other:?}"),
    }
    assert_eq!(outputs[4], Output::ClearOutput(false));
    assert_eq!(outputs[5], Output::ClearOutput(true));
}

#[test]
fn input_asks_the_front_end() {
    let (mut s, out) = session();
    out.push_input("Ada");
    out.push_input("secret");
    assert_eq!(
        run(
            &mut s,
            "let name = input(\"name? \"); let pw = getpass(\"pw: \"); name + pw.len"
        )
        .as_deref(),
        Some("\"Ada6\"")
    );
    assert_eq!(
        out.take(),
        vec![
            Output::InputRequest("name? ".into(), false),
            Output::InputRequest("pw: ".into(), true),
        ]
    );
    // No answer queued: the front end reports end of input, the cell fails cleanly.
    let e = fail(&mut s, "input()");
    assert!(e.message.contains("end of input"), "{}", e.report());
}
