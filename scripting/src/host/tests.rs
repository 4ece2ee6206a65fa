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

#[test]
fn a_named_cell_reports_errors_against_its_name() {
    let c = client();
    let reply = c
        .execute(Execute::new("let a = 1;\na + b").named("s.rhai"))
        .unwrap();
    let error = reply.outcome.unwrap_err();
    assert_eq!(error.location.unwrap().source, "s.rhai");
}

/// Outputs and replies funnelled into one channel, as the kernel does.
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
    let (tx, replies) = channel();
    let host = SessionHost::spawn(plain_factory(), move || {
        // The capture is `!Send`: it is made, read and dropped on the session thread.
        let capture = Rc::new(CaptureFrontend::new());
        let reader = capture.clone();
        let sink: ReplySink = Box::new(move |reply| {
            let _ = tx.send((reader.take(), reply));
        });
        (capture as Rc<dyn Frontend>, sink)
    })
    .unwrap();
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
