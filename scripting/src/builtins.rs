//! The functions every session has, whatever library is installed: output, display and input.

use crate::context;
use crate::frontend::{InputError, Stream};
use rhai::{Dynamic, Engine, EvalAltResult, Position};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// Route `print`/`debug` to the front end and register `eprint`, `display`,
/// `update_display`, `clear_output`, `input` and `getpass`.
pub fn register(engine: &mut Engine) {
    engine.on_print(|text| context::stream(Stream::Stdout, &format!("{text}\n")));
    engine.on_debug(|text, _source, _pos| context::stream(Stream::Stderr, &format!("{text}\n")));

    engine.register_fn("eprint", |value: Dynamic| {
        context::stream(Stream::Stderr, &format!("{value}\n"));
    });

    engine.register_fn("display", |value: Dynamic| show(&value, None));
    engine.register_fn("display", |value: Dynamic, id: &str| show(&value, Some(id)));
    engine.register_fn("update_display", |value: Dynamic, id: &str| {
        if let Some(bundle) = context::render(&value) {
            context::update_display(&bundle, id);
        }
    });
    engine.register_fn("clear_output", || clear(false));
    engine.register_fn("clear_output", clear);

    engine.register_fn("input", || read_line("", false));
    engine.register_fn("input", |prompt: &str| read_line(prompt, false));
    engine.register_fn("getpass", |prompt: &str| read_line(prompt, true));
}

fn show(value: &Dynamic, id: Option<&str>) {
    if let Some(bundle) = context::render(value) {
        context::display(&bundle, id);
    }
}

fn clear(wait: bool) {
    if let Some(c) = context::current() {
        c.frontend.clear_output(wait);
    }
}

fn read_line(prompt: &str, password: bool) -> RhaiResult<String> {
    context::input(prompt, password).map_err(|e| match e {
        InputError::Interrupted => {
            EvalAltResult::ErrorTerminated(Dynamic::from("interrupted"), Position::NONE).into()
        }
        other => format!("input: {other}").into(),
    })
}
