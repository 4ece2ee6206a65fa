use super::*;
use crate::frontend::{CaptureFrontend, Stream};
use crate::session::Session;
use serde_json::json;
use std::rc::Rc;

fn session() -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    (Session::new(frontend.clone()), frontend)
}

fn map(value: serde_json::Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn open_from_front_end(id: &str, target: &str) -> CommMessage {
    CommMessage::Open {
        comm_id: id.into(),
        target_name: target.into(),
        data: Map::new(),
        metadata: Map::new(),
    }
}

#[test]
fn a_comm_opened_in_rhai_sends_open_message_and_close() {
    let (mut s, f) = session();
    s.execute(r#"let c = comm("probe", #{a: 1}); c.send(#{x: 2});"#)
        .unwrap();
    let sent = f.take_comms();
    let CommMessage::Open {
        comm_id,
        target_name,
        data,
        ..
    } = &sent[0]
    else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (target_name.as_str(), data),
        ("probe", &map(json!({"a": 1})))
    );
    assert_eq!(
        sent[1],
        CommMessage::Msg {
            comm_id: comm_id.clone(),
            data: map(json!({"x": 2})),
            metadata: Map::new()
        }
    );
    assert_eq!(
        open_comms(Some("probe")),
        vec![(comm_id.clone(), "probe".into())]
    );
    assert!(open_comms(Some("other")).is_empty());
    s.execute("c.close(); c.send(#{y: 3})").unwrap();
    let sent = f.take_comms();
    assert!(matches!(&sent[..], [CommMessage::Close { .. }]), "{sent:?}");
    assert!(open_comms(Some("probe")).is_empty());
}

#[test]
fn an_unknown_target_is_closed_at_once() {
    let (mut s, f) = session();
    s.comm(open_from_front_end("c1", "nobody")).unwrap();
    assert_eq!(
        f.take_comms(),
        vec![CommMessage::Close {
            comm_id: "c1".into(),
            data: Map::new()
        }]
    );
    assert!(open_comms(None).is_empty());
}

#[test]
fn a_registered_target_runs_its_callbacks_on_the_session() {
    let (mut s, f) = session();
    s.execute(
        r#"let seen = [];
           register_comm_target("echo", |c, msg| {
               c.on_msg(|m| { print(`got ${m.data.n}`); m.comm.send(#{n: m.data.n * 2}); });
           });"#,
    )
    .unwrap();
    s.comm(open_from_front_end("e1", "echo")).unwrap();
    assert_eq!(open_comms(Some("echo")), vec![("e1".into(), "echo".into())]);
    let msg = CommMessage::Msg {
        comm_id: "e1".into(),
        data: map(json!({"n": 21})),
        metadata: Map::new(),
    };
    s.comm(msg).unwrap();
    assert_eq!(f.text(Stream::Stdout), "got 21\n");
    assert_eq!(
        f.take_comms(),
        vec![CommMessage::Msg {
            comm_id: "e1".into(),
            data: map(json!({"n": 42})),
            metadata: Map::new()
        }]
    );
    s.comm(CommMessage::Close {
        comm_id: "e1".into(),
        data: Map::new(),
    })
    .unwrap();
    assert!(open_comms(None).is_empty());
}

#[test]
fn an_error_in_a_callback_is_reported_and_the_session_goes_on() {
    let (mut s, _f) = session();
    s.execute(r#"register_comm_target("bad", |c, msg| { c.on_msg(|m| m.data.missing + 1); });"#)
        .unwrap();
    s.comm(open_from_front_end("b1", "bad")).unwrap();
    let msg = CommMessage::Msg {
        comm_id: "b1".into(),
        data: Map::new(),
        metadata: Map::new(),
    };
    assert!(s.comm(msg).is_err());
    let value = s.execute("1 + 1").unwrap().unwrap();
    assert_eq!(value.plain(), Some("2"));
}
