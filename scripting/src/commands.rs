//! IPython-style commands at the start of a line: `%time`, `%timeit`, `%who`, `%reset`,
//! `%help`, `%limit`.

use crate::error::{ErrorKind, ScriptError};
use crate::frontend::Stream;
use crate::limits;
use crate::mime::MimeBundle;
use crate::session::Session;
use std::time::{Duration, Instant};

/// A piece of a cell: Rhai code, or one command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// Consecutive lines of code starting at `first_line` (1-based).
    Code { first_line: usize, text: String },
    /// A `%command` line at `line` (1-based).
    Command { line: usize, text: String },
}

/// Split a cell into code and command lines, in order. A command is a line whose first
/// non-blank characters are `%` and a letter (a continued `a\n% b` is left as code).
pub fn split(cell: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut code = String::new();
    let mut code_start = 1;
    for (index, line) in cell.split('\n').enumerate() {
        let trimmed = line.trim_start();
        let is_command =
            trimmed.starts_with('%') && trimmed[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        if is_command {
            if !code.trim().is_empty() {
                chunks.push(Chunk::Code {
                    first_line: code_start,
                    text: std::mem::take(&mut code),
                });
            }
            code.clear();
            code_start = index + 2;
            chunks.push(Chunk::Command {
                line: index + 1,
                text: line.to_string(),
            });
        } else {
            if !code.is_empty() {
                code.push('\n');
            }
            code.push_str(line);
        }
    }
    if !code.trim().is_empty() || chunks.is_empty() {
        chunks.push(Chunk::Code {
            first_line: code_start,
            text: code,
        });
    }
    chunks
}

/// The commands, with a one-line description each (for `%help` and completion).
pub const COMMANDS: &[(&str, &str)] = &[
    ("time", "%time EXPR: run EXPR once and print the wall time"),
    (
        "timeit",
        "%timeit EXPR: time EXPR over many loops (count chosen automatically)",
    ),
    ("who", "%who: list variables with their types"),
    (
        "reset",
        "%reset: forget all variables, functions and imports",
    ),
    (
        "help",
        "%help [NAME]: this list, or the signature and docs of NAME",
    ),
    (
        "limit",
        "%limit [NAME VALUE]: show or change a safety limit (0 = none)",
    ),
];

/// Run one command line; returns what the line shows as the cell's result.
pub fn run(
    session: &mut Session,
    source: &str,
    line: usize,
    text: &str,
) -> Result<Option<MimeBundle>, ScriptError> {
    let indent = text.len() - text.trim_start().len();
    let body = &text[indent + 1..];
    let name_len = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let name = &body[..name_len];
    let args = body[name_len..].trim();
    // The code after the command keeps its columns: the command is blanked out.
    let code = format!("{}{}", " ".repeat(indent + 1 + name_len), &body[name_len..]);
    let frontend = session.frontend.clone();
    let out = |text: String| frontend.stream(Stream::Stdout, &text);
    match name {
        "time" => {
            need_code(name, args)?;
            let start = Instant::now();
            let value = session.eval(source, line, &code)?;
            out(format!("Wall time: {}\n", format_duration(start.elapsed())));
            Ok(session.render(&value))
        }
        "timeit" => {
            need_code(name, args)?;
            let report = timeit(session, source, line, &code)?;
            session
                .frontend
                .stream(Stream::Stdout, &format!("{report}\n"));
            Ok(None)
        }
        "who" => {
            out(who(session));
            Ok(None)
        }
        "reset" => {
            session.reset();
            out("Session reset: variables, functions and imports cleared.\n".into());
            Ok(None)
        }
        "help" => {
            let text = if args.is_empty() {
                help_overview()
            } else {
                session.help_text(args).ok_or_else(|| {
                    command_error(format!("no function, variable or command named '{args}'"))
                })?
            };
            out(format!("{text}\n"));
            Ok(None)
        }
        "limit" => {
            out(limit(session, args)?);
            Ok(None)
        }
        _ => Err(command_error(format!(
            "unknown command '%{name}'; %help lists the commands"
        ))),
    }
}

fn command_error(message: String) -> ScriptError {
    ScriptError::new(ErrorKind::Command, "CommandError", message)
}

fn need_code(name: &str, args: &str) -> Result<(), ScriptError> {
    if args.is_empty() {
        Err(command_error(format!("%{name} needs an expression to run")))
    } else {
        Ok(())
    }
}

fn who(session: &Session) -> String {
    let vars = session.variables();
    if vars.is_empty() {
        return "No variables defined.\n".into();
    }
    let width = vars.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (name, ty) in vars {
        text.push_str(&format!("{name:<width$}  {ty}\n"));
    }
    text
}

fn help_overview() -> String {
    let mut text = String::from("Commands (at the start of a line):\n");
    for (_, line) in COMMANDS {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str("Press Tab to complete names and Shift+Tab (Jupyter) to see a function's docs.");
    text
}

fn limit(session: &mut Session, args: &str) -> Result<String, ScriptError> {
    let parts: Vec<&str> = args.split_whitespace().collect();
    match parts.as_slice() {
        [] => {
            let mut text = String::new();
            for (name, about) in limits::NAMES {
                let value = session.limits().get(name).unwrap_or(0);
                text.push_str(&format!("{name:<16} {value:>12}  {about}\n"));
            }
            Ok(text)
        }
        [name, value] => {
            let value: u64 = value
                .replace('_', "")
                .parse()
                .map_err(|_| command_error(format!("'{value}' is not a whole number")))?;
            let mut limits = session.limits().clone();
            limits.set(name, value).map_err(command_error)?;
            session.set_limits(limits);
            Ok(format!("{name} = {value}\n"))
        }
        _ => Err(command_error("usage: %limit [NAME VALUE]".into())),
    }
}

/// IPython's `%timeit`: the smallest loop count in 1, 2, 5, 10, 20, ... that takes at least
/// 0.2 s, then 7 runs of that many loops; prints mean ± standard deviation per loop.
fn timeit(
    session: &mut Session,
    source: &str,
    line: usize,
    code: &str,
) -> Result<String, ScriptError> {
    const REPEAT: usize = 7;
    let program = session.prepare(source, line, code)?;
    let mut run = |loops: u64| -> Result<Duration, ScriptError> {
        let start = Instant::now();
        for _ in 0..loops {
            session.run_scoped(source, &program)?;
        }
        Ok(start.elapsed())
    };
    let mut loops = 1;
    'search: for exponent in 0..10 {
        for base in [1, 2, 5] {
            loops = base * 10u64.pow(exponent);
            if run(loops)? >= Duration::from_millis(200) {
                break 'search;
            }
        }
    }
    let per_loop: Vec<f64> = (0..REPEAT)
        .map(|_| run(loops).map(|d| d.as_secs_f64() / loops as f64))
        .collect::<Result<_, _>>()?;
    let mean = per_loop.iter().sum::<f64>() / REPEAT as f64;
    let var = per_loop.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / REPEAT as f64;
    let plural = if loops == 1 { "" } else { "s" };
    Ok(format!(
        "{} ± {} per loop (mean ± std. dev. of {REPEAT} runs, {} loop{plural} each)",
        format_duration(Duration::from_secs_f64(mean)),
        format_duration(Duration::from_secs_f64(var.sqrt())),
        group_thousands(loops),
    ))
}

/// A duration with three significant digits in the largest fitting unit, as IPython shows.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    let (value, unit) = if secs >= 1.0 {
        (secs, "s")
    } else if secs >= 1e-3 {
        (secs * 1e3, "ms")
    } else if secs >= 1e-6 {
        (secs * 1e6, "µs")
    } else {
        (secs * 1e9, "ns")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_from_code_keeping_line_numbers() {
        let chunks = split("let a = 1;\n%time a + 1\nlet b = 2;\nb");
        assert_eq!(
            chunks,
            vec![
                Chunk::Code {
                    first_line: 1,
                    text: "let a = 1;".into()
                },
                Chunk::Command {
                    line: 2,
                    text: "%time a + 1".into()
                },
                Chunk::Code {
                    first_line: 3,
                    text: "let b = 2;\nb".into()
                },
            ]
        );
        assert_eq!(split("10\n% 3").len(), 1, "modulo on a new line stays code");
    }

    #[test]
    fn durations_read_like_ipython() {
        assert_eq!(format_duration(Duration::from_nanos(1234)), "1.23 µs");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(format_duration(Duration::from_secs(2)), "2.00 s");
        assert_eq!(group_thousands(1000000), "1,000,000");
    }
}
