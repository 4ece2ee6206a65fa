//! The functions every session has, whatever library is installed: output, display and input.

use crate::context;
use crate::frontend::{InputError, Stream};
use crate::memory;
use rhai::{
    Array, Blob, Dynamic, Engine, EvalAltResult, ImmutableString, NativeCallContext, Position, INT,
};

use crate::RhaiResult;

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

    register_allocation_guards(engine);

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

/// The standard library's functions that allocate a size given by the script in one call,
/// re-registered (same behaviour) to refuse sizes over `max_memory` instead of letting a
/// failed allocation abort the process. Rhai's own versions only check its size limits,
/// which are off by default (see `limits`).
fn register_allocation_guards(engine: &mut Engine) {
    engine.register_fn(
        "pad",
        |ctx: NativeCallContext, array: &mut Array, len: INT, item: Dynamic| -> RhaiResult<()> {
            let Ok(len) = usize::try_from(len) else {
                return Ok(());
            };
            if len <= array.len() {
                return Ok(());
            }
            let max = ctx.engine().max_array_size();
            if max > 0 && len > max {
                return Err(too_large("Size of array"));
            }
            let extra = (len - array.len()).saturating_mul(std::mem::size_of::<Dynamic>());
            memory::check_request(extra, "pad: the longer array")?;
            array.resize(len, item);
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |ctx: NativeCallContext, blob: &mut Blob, len: INT, value: INT| -> RhaiResult<()> {
            let len = usize::try_from(len).unwrap_or(0);
            if len <= blob.len() {
                return Ok(());
            }
            let max = ctx.engine().max_array_size();
            if max > 0 && len > max {
                return Err(too_large("Size of BLOB"));
            }
            memory::check_request(len - blob.len(), "pad: the longer BLOB")?;
            blob.resize(len, (value & 0xff) as u8);
            Ok(())
        },
    );
    engine.register_fn("blob", |ctx: NativeCallContext, len: INT| {
        new_blob(&ctx, len, 0)
    });
    engine.register_fn("blob", |ctx: NativeCallContext, len: INT, value: INT| {
        new_blob(&ctx, len, value)
    });
    engine.register_fn(
        "pad",
        |ctx: NativeCallContext, string: &mut ImmutableString, len: INT, c: char| {
            let padding = c.to_string();
            pad_string(&ctx, string, len, &padding)
        },
    );
    engine.register_fn(
        "pad",
        |ctx: NativeCallContext, string: &mut ImmutableString, len: INT, padding: &str| {
            pad_string(&ctx, string, len, padding)
        },
    );
}

fn too_large(what: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorDataTooLarge(what.to_string(), Position::NONE).into()
}

fn new_blob(ctx: &NativeCallContext, len: INT, value: INT) -> RhaiResult<Blob> {
    let len = usize::try_from(len).unwrap_or(0);
    let max = ctx.engine().max_array_size();
    if max > 0 && len > max {
        return Err(too_large("Size of BLOB"));
    }
    memory::check_request(len, "blob: a BLOB of that size")?;
    Ok(vec![(value & 0xff) as u8; len])
}

/// Pad to at least `len` characters with copies of `padding` (the last one cut short).
fn pad_string(
    ctx: &NativeCallContext,
    string: &mut ImmutableString,
    len: INT,
    padding: &str,
) -> RhaiResult<()> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(());
    };
    let max = ctx.engine().max_string_size();
    if max > 0 && len > max {
        return Err(too_large("Length of string"));
    }
    let have = string.chars().count();
    if len <= have || padding.is_empty() {
        return Ok(());
    }
    let widest = padding.chars().map(char::len_utf8).max().unwrap_or(1);
    memory::check_request(
        (len - have).saturating_mul(widest),
        "pad: the longer string",
    )?;
    let text = string.make_mut();
    text.extend(padding.chars().cycle().take(len - have));
    if max > 0 && text.len() > max {
        return Err(too_large("Length of string"));
    }
    Ok(())
}
