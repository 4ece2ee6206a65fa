use super::*;
use crate::error::ErrorKind;
use crate::frontend::{CaptureFrontend, NullFrontend, Output, Stream};
use crate::is_complete::Completeness;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

fn plain_factory() -> SessionFactory {
    Arc::new(Session::new)
}

fn client() -> Client {
    SessionHost::with_replies(plain_factory(), || {
        Rc::new(NullFrontend) as Rc<dyn Frontend>
    })
    .unwrap()
}

/// A host whose replies each come with the outputs written before them.
fn capturing_host(factory: SessionFactory) -> (SessionHost, Receiver<(Vec<Output>, Reply)>) {
    let (tx, replies) = channel();
    let host = SessionHost::spawn(factory, move || {
        // The capture is `!Send`: it is made, read and dropped on the session thread.
        let capture = Rc::new(CaptureFrontend::new());
        let reader = capture.clone();
        let sink: ReplySink = Box::new(move |reply| {
            let _ = tx.send((reader.take(), reply));
        });
        (capture as Rc<dyn Frontend>, sink)
    })
    .unwrap();
    (host, replies)
}

fn shown(reply: &ExecuteReply) -> Option<String> {
    let bundle = reply.outcome.as_ref().ok()?.as_ref()?;
    bundle.plain().map(str::to_string)
}

#[test]
fn a_cell_runs_and_its_variables_last() {
    let c = client();
    let reply = c.execute(Execute::new("let x = 40;")).unwrap();
    assert!(matches!(reply.outcome, Ok(None)));
    let reply = c.execute(Execute::new("x + 2")).unwrap();
    assert_eq!(shown(&reply).as_deref(), Some("42"));
}

#[test]
fn user_expressions_are_typed_values_in_the_order_asked() {
    let c = client();
    let mut execute = Execute::new("let x = 3;");
    execute.user_expressions = vec![("b".into(), "x * 2".into()), ("a".into(), "nope".into())];
    let reply = c.execute(execute).unwrap();
    let [(b, doubled), (a, missing)] = &reply.user_expressions[..] else {
        panic!("{:?}", reply.user_expressions);
    };
    assert_eq!((b.as_str(), a.as_str()), ("b", "a"));
    assert_eq!(doubled.as_ref().unwrap().plain(), Some("6"));
    assert_eq!(missing.as_ref().unwrap_err().name, "VariableNotFound");
}

/// As ipykernel's `eval`: a statement is a `SyntaxError` that runs nothing.
#[test]
fn user_expressions_are_expressions_and_statements_run_nothing() {
    let c = client();
    let mut execute = Execute::new("let x = 3;");
    execute.user_expressions = vec![
        ("set".into(), "x = 10".into()),
        ("let".into(), "let y = 1".into()),
        ("magic".into(), "%who".into()),
        ("ok".into(), "if x > 2 { x * 2 } else { 0 }".into()),
    ];
    let reply = c.execute(execute).unwrap();
    for (key, value) in &reply.user_expressions[..3] {
        let e = value.as_ref().unwrap_err();
        assert_eq!(e.name, "SyntaxError", "{key}: {e:?}");
        assert!(e.message.starts_with("not an expression"), "{key}: {e:?}");
        assert_eq!(
            e.location.as_ref().unwrap().source,
            format!("user_expressions[{key}]")
        );
    }
    assert_eq!(
        reply.user_expressions[3].1.as_ref().unwrap().plain(),
        Some("6")
    );
    let reply = c.execute(Execute::new("x")).unwrap();
    assert_eq!(shown(&reply).as_deref(), Some("3"));
}

#[test]
fn user_expressions_are_not_cells_and_numbered_cells_keep_their_number() {
    let c = client();
    let mut execute = Execute::new("let x = 3;");
    execute.cell = Some(5);
    execute.user_expressions = vec![("k".into(), "nope".into())];
    let reply = c.execute(execute).unwrap();
    let error = reply.user_expressions[0].1.as_ref().unwrap_err();
    assert_eq!(
        error.location.as_ref().unwrap().source,
        "user_expressions[k]"
    );
    // The next unnumbered cell follows the numbered one, whatever ran in between.
    let reply = c.execute(Execute::new("x + nope")).unwrap();
    assert_eq!(
        reply.outcome.unwrap_err().location.unwrap().source,
        "cell[6]"
    );
}

#[test]
fn a_named_cell_reports_errors_against_its_name() {
    let c = client();
    let reply = c
        .execute(Execute::new("let a = 1;\na + b").named("s.rhai"))
        .unwrap();
    let error = reply.outcome.unwrap_err();
    assert_eq!(error.location.unwrap().source, "s.rhai");
}

/// Outputs and replies funnelled into one channel, as the kernel does (a few events a test:
/// their size does not matter).
#[allow(clippy::large_enum_variant)]
enum Event {
    Output(String),
    Reply(Reply),
}

struct Forward(Sender<Event>);

impl Frontend for Forward {
    fn stream(&self, _: Stream, text: &str) {
        let _ = self.0.send(Event::Output(text.to_string()));
    }
    fn display(&self, _: &crate::MimeBundle, _: Option<&str>) {}
    fn update_display(&self, _: &crate::MimeBundle, _: &str) {}
    fn clear_output(&self, _: bool) {}
    fn input(&self, _: &str, _: bool) -> Result<String, crate::InputError> {
        Err(crate::InputError::NotSupported)
    }
}

/// A host whose outputs and replies arrive on one channel.
fn forwarded_host() -> (SessionHost, Receiver<Event>) {
    let (tx, events) = channel();
    let host = SessionHost::spawn(plain_factory(), move || {
        let frontend: Rc<dyn Frontend> = Rc::new(Forward(tx.clone()));
        let sink: ReplySink = Box::new(move |reply| {
            let _ = tx.send(Event::Reply(reply));
        });
        (frontend, sink)
    })
    .unwrap();
    (host, events)
}

#[test]
fn every_output_arrives_before_the_reply() {
    let (host, events) = forwarded_host();
    host.send(Request::Execute(Execute::new(
        "for i in 0..50 { print(i) }",
    )))
    .unwrap();
    let mut printed = Vec::new();
    loop {
        match events.recv().unwrap() {
            Event::Output(text) => printed.push(text),
            Event::Reply(Reply::Executed(reply)) => {
                assert!(reply.outcome.is_ok());
                break;
            }
            Event::Reply(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(printed.len(), 50);
    assert_eq!(printed.last().map(String::as_str), Some("49\n"));
}

/// Run a cell on a host made with [`Forward`]; with `interrupt`, interrupt it at its first
/// output.
fn run_forwarded(
    host: &SessionHost,
    events: &Receiver<Event>,
    code: &str,
    interrupt: bool,
) -> ExecuteReply {
    host.send(Request::Execute(Execute::new(code))).unwrap();
    loop {
        match events.recv().unwrap() {
            Event::Reply(Reply::Executed(reply)) => return reply,
            Event::Reply(other) => panic!("{other:?}"),
            Event::Output(_) if interrupt => host.interrupt(),
            Event::Output(_) => {}
        }
    }
}

#[test]
fn an_interrupted_loop_stops_and_the_variables_stay() {
    let (host, events) = forwarded_host();
    run_forwarded(&host, &events, "let kept = 41;", false);
    // The loop says once that it runs, and is interrupted then.
    let code = "let n = 0; loop { n += 1; if n == 1 { print(\"running\") } }";
    let reply = run_forwarded(&host, &events, code, true);
    assert_eq!(reply.outcome.unwrap_err().kind, ErrorKind::Interrupted);
    let reply = run_forwarded(&host, &events, "kept + 1", false);
    assert_eq!(shown(&reply).as_deref(), Some("42"));
    // So is what the interrupted cell defined before it was stopped.
    let reply = run_forwarded(&host, &events, "n > 0", false);
    assert_eq!(shown(&reply).as_deref(), Some("true"));
}

/// The reply to the execute request sent last; a cell that never stops fails the test.
fn executed(c: &Client) -> ExecuteReply {
    match c.replies.recv_timeout(Duration::from_secs(20)) {
        Ok(Reply::Executed(reply)) => reply,
        Ok(other) => panic!("{other:?}"),
        Err(_) => panic!("the cell did not stop"),
    }
}

#[test]
fn an_interrupt_right_after_the_handover_stops_that_cell_every_time() {
    let c = client();
    c.host.wait_ready().unwrap();
    for attempt in 0..200 {
        c.host
            .send(Request::Execute(Execute::new("loop {}")))
            .unwrap();
        // The session thread has most likely not started the cell yet.
        c.host.interrupt();
        let error = executed(&c).outcome.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Interrupted, "attempt {attempt}");
    }
}

#[test]
fn an_interrupt_while_idle_does_not_stop_the_next_cell() {
    let c = client();
    c.execute(Execute::new("1")).unwrap();
    c.host.interrupt();
    let reply = c.execute(Execute::new("2")).unwrap();
    assert_eq!(shown(&reply).as_deref(), Some("2"));
}

#[test]
fn an_interrupt_before_the_session_exists_stops_the_first_cell() {
    let c = client();
    c.host
        .send(Request::Execute(Execute::new("loop {}")))
        .unwrap();
    c.host.interrupt();
    let error = executed(&c).outcome.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Interrupted);
}

#[test]
fn completions_completeness_and_inspection_come_back_typed() {
    let c = client();
    c.execute(Execute::new("let counter_value = 1;")).unwrap();
    let code = "count".to_string();
    match c.call(Request::Complete { code, cursor: 5 }).unwrap() {
        Reply::Completed(found) => {
            assert!(found.matches.contains(&"counter_value".to_string()));
        }
        other => panic!("{other:?}"),
    }
    let code = "if true {".to_string();
    match c.call(Request::IsComplete { code }).unwrap() {
        Reply::IsComplete(Completeness::Incomplete { .. }) => {}
        other => panic!("{other:?}"),
    }
    let code = "print".to_string();
    match c.call(Request::Inspect { code, cursor: 2 }).unwrap() {
        Reply::Inspected(Some(bundle)) => assert!(bundle.plain().unwrap().contains("print")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn help_is_asked_for_directly_or_with_a_question_mark() {
    let c = client();
    let help = match c
        .call(Request::Help {
            name: "print".into(),
        })
        .unwrap()
    {
        Reply::Help(help) => help,
        other => panic!("{other:?}"),
    };
    assert!(help.text.as_deref().unwrap().contains("print"));
    for query in ["?print", "print?"] {
        let reply = c.execute(Execute::new(query)).unwrap();
        assert!(matches!(reply.outcome, Ok(None)));
        assert_eq!(reply.help.as_ref(), Some(&help));
    }
    let reply = c.execute(Execute::new("?no_such_thing")).unwrap();
    assert_eq!(
        reply.help.unwrap().page(),
        "No help found for `no_such_thing`."
    );
}

#[test]
fn reset_forgets_the_variables() {
    let c = client();
    c.execute(Execute::new("let x = 1;")).unwrap();
    assert!(matches!(c.call(Request::Reset).unwrap(), Reply::Reset));
    let reply = c.execute(Execute::new("x")).unwrap();
    assert_eq!(reply.outcome.unwrap_err().name, "VariableNotFound");
}

#[test]
fn outputs_go_to_the_frontend_made_on_the_session_thread() {
    let (host, replies) = capturing_host(plain_factory());
    host.send(Request::Execute(Execute::new("print(\"hi\"); 5")))
        .unwrap();
    let (outputs, reply) = replies.recv().unwrap();
    assert_eq!(outputs, vec![Output::Stream(Stream::Stdout, "hi\n".into())]);
    let Reply::Executed(reply) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(shown(&reply).as_deref(), Some("5"));
}

#[test]
fn a_session_that_cannot_be_made_is_an_error_not_a_hang() {
    let factory: SessionFactory = Arc::new(|_| panic!("no session today"));
    let c =
        SessionHost::with_replies(factory, || Rc::new(NullFrontend) as Rc<dyn Frontend>).unwrap();
    assert_eq!(c.host.wait_ready().unwrap_err(), HostGone);
    assert_eq!(c.execute(Execute::new("1")).unwrap_err(), HostGone);
}

#[test]
fn a_session_thread_that_dies_mid_run_is_reported() {
    let (tx, replies) = channel::<Reply>();
    let host = SessionHost::spawn(plain_factory(), move || {
        let sink: ReplySink = Box::new(move |reply| {
            if matches!(reply, Reply::Reset) {
                panic!("the sink fails");
            }
            let _ = tx.send(reply);
        });
        (Rc::new(NullFrontend) as Rc<dyn Frontend>, sink)
    })
    .unwrap();
    host.send(Request::Reset).unwrap();
    let waited = replies.recv_timeout(Duration::from_secs(20));
    assert_eq!(waited.unwrap_err(), RecvTimeoutError::Disconnected);
    // The request channel closed as the thread unwound, before the sink's sender.
    assert_eq!(host.send(Request::Reset).unwrap_err(), HostGone);
}

/// A library with bugs: a value whose renderer panics and a cell language (`%%buggy`) whose
/// completion and completeness checks panic. A library's panic must not take the session,
/// and its variables, with it.
#[derive(Clone)]
struct Boom;

struct BuggyLanguage;

impl crate::CellLanguage for BuggyLanguage {
    fn execute(
        &self,
        _: &crate::LanguageCell,
        _: &mut rhai::Engine,
    ) -> Result<Option<crate::MimeBundle>, crate::ScriptError> {
        Ok(None)
    }
    fn complete(&self, _: &str, _: usize) -> crate::Completions {
        panic!("the completer fails")
    }
    fn is_complete(&self, _: &str) -> Completeness {
        panic!("the checker fails")
    }
}

struct BuggyLibrary;

impl crate::Library for BuggyLibrary {
    fn install(&self, engine: &mut rhai::Engine, renderers: &mut crate::Renderers) {
        engine
            .register_type_with_name::<Boom>("Boom")
            .register_fn("boom", || Boom);
        renderers.register_fn(|value| {
            value
                .read_lock::<Boom>()
                .map(|_| panic!("the renderer fails"))
        });
    }

    fn cell_languages(&self) -> Vec<(String, Rc<dyn crate::CellLanguage>)> {
        vec![("buggy".into(), Rc::new(BuggyLanguage))]
    }
}

/// A host on a session with [`BuggyLibrary`]; each reply comes with the outputs before it.
fn buggy_call() -> impl Fn(Request) -> (Vec<Output>, Reply) {
    let factory: SessionFactory = Arc::new(|frontend| {
        Session::with_libraries(
            frontend,
            vec![Rc::new(BuggyLibrary) as Rc<dyn crate::Library>],
        )
    });
    let (host, replies) = capturing_host(factory);
    move |request| {
        host.send(request).expect("the session thread is alive");
        replies
            .recv_timeout(Duration::from_secs(20))
            .expect("the session answers")
    }
}

fn stderr_text(outputs: &[Output]) -> String {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Stream(Stream::Stderr, text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_panicking_renderer_shows_the_plain_form_and_the_session_lives_on() {
    let call = buggy_call();
    let (outputs, reply) = call(Request::Execute(Execute::new(
        "let kept = 7; let b = boom(); b",
    )));
    let Reply::Executed(reply) = reply else {
        panic!("{reply:?}")
    };
    // As IPython does when a `_repr_html_` raises: the plain form is shown, the cell is ok.
    assert!(shown(&reply).is_some(), "{:?}", reply.outcome);
    let warning = stderr_text(&outputs);
    assert!(warning.contains("the renderer fails"), "{warning:?}");
    let (_, reply) = call(Request::Inspect {
        code: "b".into(),
        cursor: 1,
    });
    assert!(matches!(reply, Reply::Inspected(Some(_))), "{reply:?}");
    let (_, reply) = call(Request::Execute(Execute::new("kept")));
    let Reply::Executed(reply) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(shown(&reply).as_deref(), Some("7"));
}

#[test]
fn a_panic_in_a_library_while_completing_keeps_the_session() {
    let call = buggy_call();
    call(Request::Execute(Execute::new("let kept = 7;")));
    let code = "%%buggy\nx".to_string();
    let (outputs, reply) = call(Request::IsComplete { code: code.clone() });
    assert!(matches!(reply, Reply::IsComplete(_)), "{reply:?}");
    assert!(
        stderr_text(&outputs).contains("the checker fails"),
        "{outputs:?}"
    );
    let (outputs, reply) = call(Request::Complete { code, cursor: 9 });
    let Reply::Completed(found) = reply else {
        panic!("{reply:?}")
    };
    assert!(found.matches.is_empty());
    assert!(
        stderr_text(&outputs).contains("the completer fails"),
        "{outputs:?}"
    );
    let (_, reply) = call(Request::Execute(Execute::new("kept")));
    let Reply::Executed(reply) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(shown(&reply).as_deref(), Some("7"));
}
