//! IPython-style commands at the start of a line: `%time`, `%timeit`, `%who`, `%reset`,
//! `%help`, `%limit`.

use crate::error::{ErrorKind, Location, ScriptError};
use crate::frontend::Stream;
use crate::mime::MimeBundle;
use crate::session::Session;
use crate::{limits, scan};
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
/// non-blank characters are `%` and a letter (a continued `a\n% b` is left as code, and so
/// is a line inside a multi-line string or comment).
pub fn split(cell: &str) -> Vec<Chunk> {
    let lines: Vec<&str> = cell.split('\n').collect();
    let quoted = lines_starting_in_literals(cell);
    let mut chunks = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut first_line = 1;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let is_command = trimmed.starts_with('%')
            && trimmed[1..].starts_with(|c: char| c.is_ascii_alphabetic())
            && !quoted.contains(&index);
        if !is_command {
            pending.push(line);
            continue;
        }
        let text = pending.join("\n");
        if !text.trim().is_empty() {
            chunks.push(Chunk::Code { first_line, text });
        }
        pending.clear();
        first_line = index + 2;
        chunks.push(Chunk::Command {
            line: index + 1,
            text: line.to_string(),
        });
    }
    let text = pending.join("\n");
    if !text.trim().is_empty() || chunks.is_empty() {
        chunks.push(Chunk::Code { first_line, text });
    }
    chunks
}

/// Indices of the lines that begin inside a string or block comment.
fn lines_starting_in_literals(cell: &str) -> std::collections::HashSet<usize> {
    let chars: Vec<char> = cell.chars().collect();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut inside = std::collections::HashSet::new();
    for t in scan::tokens(&chars) {
        if matches!(t.kind, scan::Kind::Str { .. } | scan::Kind::Comment { .. }) {
            for (line, start) in line_starts.iter().enumerate() {
                if t.start < *start && *start < t.end {
                    inside.insert(line);
                }
            }
        }
    }
    inside
}

/// `?name` or `name?` asks for help on a name, as in IPython (the kernel shows it in the
/// pager, the terminal prints it); `None` for anything else.
pub fn help_query(code: &str) -> Option<&str> {
    let code = code.trim();
    let name = code
        .strip_prefix('?')
        .or_else(|| code.strip_suffix('?'))?
        .trim();
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
    is_name.then_some(name)
}

/// The commands, with a one-line description each (for `%help` and completion).
pub const COMMANDS: &[(&str, &str)] = &[
    ("time", "%time EXPR: run EXPR once and print the wall time"),
    (
        "timeit",
        "%timeit [-n LOOPS] [-r RUNS] EXPR: time EXPR over many loops (count chosen automatically)",
    ),
    (
        "who",
        "%who [TYPE ...]: list variables with their types (only those of the TYPEs if given)",
    ),
    (
        "reset",
        "%reset [-f]: forget all variables, functions and imports (-f as in IPython; nothing asks)",
    ),
    (
        "help",
        "%help [NAME]: this list, or the signature and docs of NAME",
    ),
    (
        "limit",
        "%limit [NAME [VALUE]]: show or change a safety limit (0 = none)",
    ),
];

/// Run one command line; returns what the line shows as the cell's result.
pub fn run(
    session: &mut Session,
    source: &str,
    line: usize,
    text: &str,
) -> Result<Option<MimeBundle>, ScriptError> {
    run_command(session, source, line, text).map_err(|mut e| {
        // Misuse of the command itself points at the command.
        if e.kind == ErrorKind::Command && e.location.is_none() {
            let indent = text.chars().take_while(|c| c.is_whitespace()).count();
            e.location = Some(Location {
                source: source.to_string(),
                line,
                column: Some(indent + 1),
                code: text.to_string(),
            });
        }
        e
    })
}

fn run_command(
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
            let rest = &body[name_len..];
            let (options, used) = TimeitOptions::parse(rest)?;
            need_code(name, rest[used..].trim())?;
            let code = format!(
                "{}{}",
                " ".repeat(indent + 1 + name_len + used),
                &rest[used..]
            );
            let report = timeit(session, source, line, &code, options)?;
            session
                .frontend
                .stream(Stream::Stdout, &format!("{report}\n"));
            Ok(None)
        }
        "who" => {
            out(who(session, args));
            Ok(None)
        }
        "reset" => {
            // IPython's `-f` (reset without asking) is welcome; nothing asks here. Anything
            // else is refused before anything is forgotten (IPython: "Don't know how to
            // reset ...").
            if let Some(unknown) = args.split_whitespace().find(|a| *a != "-f") {
                return Err(command_error(format!(
                    "%reset does not take '{unknown}' (usage: %reset [-f]); nothing was reset"
                )));
            }
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

/// IPython's `%who [TYPE ...]`; type names as `%who` shows them, in any case.
fn who(session: &Session, types: &str) -> String {
    let all = session.variables();
    if all.is_empty() {
        return "No variables defined.\n".into();
    }
    let wanted: Vec<&str> = types.split_whitespace().collect();
    let vars: Vec<_> = all
        .iter()
        .filter(|(_, ty)| wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(ty)))
        .cloned()
        .collect();
    if vars.is_empty() {
        let mut present: Vec<&str> = all.iter().map(|(_, ty)| ty.as_str()).collect();
        present.sort_unstable();
        present.dedup();
        return format!(
            "No variables of type {} (types here: {}).\n",
            wanted.join(" or "),
            present.join(", ")
        );
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
        [name] => {
            let Some((name, about)) = limits::NAMES.iter().find(|(n, _)| n == name) else {
                let known: Vec<&str> = limits::NAMES.iter().map(|(n, _)| *n).collect();
                return Err(command_error(format!(
                    "no limit named '{name}' (known: {})",
                    known.join(", ")
                )));
            };
            let value = session.limits().get(name).unwrap_or(0);
            Ok(format!("{name} = {value}  {about}\n"))
        }
        [name, value] => {
            let value = parse_amount(value).ok_or_else(|| {
                command_error(format!(
                    "'{value}' is not a whole number (K, M and G suffixes count bytes in KiB, MiB, GiB)"
                ))
            })?;
            let mut limits = session.limits().clone();
            limits.set(name, value).map_err(command_error)?;
            session.set_limits(limits);
            Ok(format!("{name} = {value}\n"))
        }
        _ => Err(command_error("usage: %limit [NAME [VALUE]]".into())),
    }
}

/// `%timeit -n LOOPS -r RUNS`, as in IPython.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TimeitOptions {
    loops: Option<u64>,
    runs: Option<usize>,
}

impl TimeitOptions {
    /// Read leading `-n N` / `-r N` options; returns them and how many bytes they used.
    fn parse(rest: &str) -> Result<(Self, usize), ScriptError> {
        let mut options = Self::default();
        let mut used = 0;
        loop {
            let after = &rest[used..];
            let trimmed = after.trim_start();
            let flag = match trimmed.get(..2) {
                Some(f @ ("-n" | "-r"))
                    if trimmed.len() == 2 || trimmed[2..].starts_with(char::is_whitespace) =>
                {
                    f
                }
                _ => return Ok((options, used)),
            };
            let value_at = after.len() - trimmed.len() + 2;
            let value_text = after[value_at..].trim_start();
            if value_text.is_empty() {
                let what = if flag == "-n" { "loops" } else { "runs" };
                return Err(command_error(format!(
                    "%timeit {flag} needs a number of {what} after it"
                )));
            }
            let value_len = value_text
                .find(char::is_whitespace)
                .unwrap_or(value_text.len());
            let value: u64 = value_text[..value_len]
                .replace('_', "")
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| {
                    command_error(format!(
                        "%timeit {flag} needs a positive whole number, not '{}'",
                        &value_text[..value_len]
                    ))
                })?;
            if flag == "-n" {
                options.loops = Some(value);
            } else {
                options.runs = Some(value as usize);
            }
            used += after.len() - value_text.len() + value_len;
        }
    }
}

/// A whole number, with an optional binary `K`/`M`/`G` suffix (`8G` for max_memory).
fn parse_amount(text: &str) -> Option<u64> {
    let text = text.replace('_', "");
    let (digits, scale) = match text.char_indices().last()? {
        (at, 'K' | 'k') => (&text[..at], 1 << 10),
        (at, 'M' | 'm') => (&text[..at], 1 << 20),
        (at, 'G' | 'g') => (&text[..at], 1 << 30),
        _ => (&text[..], 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// IPython's `%timeit`: unless given, the loop count is the smallest in 1, 2, 5, 10, 20, ...
/// that takes at least 0.2 s; then 7 runs (or `-r`) of that many loops; prints mean ±
/// standard deviation per loop.
fn timeit(
    session: &mut Session,
    source: &str,
    line: usize,
    code: &str,
    options: TimeitOptions,
) -> Result<String, ScriptError> {
    let runs = options.runs.unwrap_or(7);
    let program = session.prepare(source, line, code)?;
    let mut run = |loops: u64| -> Result<Duration, ScriptError> {
        let start = Instant::now();
        for _ in 0..loops {
            session.run_scoped(source, &program)?;
        }
        Ok(start.elapsed())
    };
    let loops = match options.loops {
        Some(loops) => loops,
        None => choose_loops(&mut run)?,
    };
    let per_loop: Vec<f64> = (0..runs)
        .map(|_| run(loops).map(|d| d.as_secs_f64() / loops as f64))
        .collect::<Result<_, _>>()?;
    let mean = per_loop.iter().sum::<f64>() / runs as f64;
    let var = per_loop.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / runs as f64;
    let loop_plural = if loops == 1 { "" } else { "s" };
    let run_plural = if runs == 1 { "" } else { "s" };
    Ok(format!(
        "{} ± {} per loop (mean ± std. dev. of {runs} run{run_plural}, {} loop{loop_plural} each)",
        format_duration(Duration::from_secs_f64(mean)),
        format_duration(Duration::from_secs_f64(var.sqrt())),
        group_thousands(loops),
    ))
}

/// The smallest loop count in 1, 2, 5, 10, 20, 50, ... whose run takes at least 0.2 s.
fn choose_loops(
    run: &mut impl FnMut(u64) -> Result<Duration, ScriptError>,
) -> Result<u64, ScriptError> {
    let mut loops = 1;
    for exponent in 0..10 {
        for base in [1, 2, 5] {
            loops = base * 10u64.pow(exponent);
            if run(loops)? >= Duration::from_millis(200) {
                return Ok(loops);
            }
        }
    }
    Ok(loops)
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
    fn help_queries_are_a_name_with_a_question_mark() {
        assert_eq!(help_query("?print"), Some("print"));
        assert_eq!(help_query(" x? "), Some("x"));
        assert_eq!(help_query("?nn::linear"), Some("nn::linear"));
        assert_eq!(help_query("x ? 1 : 2"), None);
        assert_eq!(help_query("?"), None);
    }

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
        assert_eq!(
            split("let s = `a\n%time b`;").len(),
            1,
            "inside a string it is text"
        );
        assert_eq!(
            split("\n\nx"),
            vec![Chunk::Code {
                first_line: 1,
                text: "\n\nx".into()
            }]
        );
    }

    #[test]
    fn timeit_picks_the_first_count_reaching_a_fifth_of_a_second() {
        // 1 ms per loop: 200 loops reach 0.2 s.
        let mut tried = Vec::new();
        let loops = choose_loops(&mut |n| {
            tried.push(n);
            Ok(Duration::from_millis(n))
        })
        .unwrap();
        assert_eq!(loops, 200);
        assert_eq!(tried, vec![1, 2, 5, 10, 20, 50, 100, 200]);
        // A slow body runs once.
        assert_eq!(
            choose_loops(&mut |_| Ok(Duration::from_secs(1))).unwrap(),
            1
        );
    }

    #[test]
    fn timeit_options() {
        fn parse(s: &str) -> Result<(TimeitOptions, &str), ScriptError> {
            TimeitOptions::parse(s).map(|(o, used)| (o, &s[used..]))
        }
        assert_eq!(
            parse(" -n 3 -r 2 x + 1").unwrap(),
            (
                TimeitOptions {
                    loops: Some(3),
                    runs: Some(2)
                },
                " x + 1"
            )
        );
        assert_eq!(parse(" -x").unwrap(), (TimeitOptions::default(), " -x"));
        assert!(parse(" -n 0 x").is_err());
        assert!(parse(" -n x 1").is_err());
    }

    #[test]
    fn amounts_take_binary_suffixes() {
        assert_eq!(parse_amount("1_000"), Some(1000));
        assert_eq!(parse_amount("8G"), Some(8 << 30));
        assert_eq!(parse_amount("512m"), Some(512 << 20));
        assert_eq!(parse_amount("lots"), None);
        assert_eq!(parse_amount("G"), None);
    }

    #[test]
    fn durations_read_like_ipython() {
        assert_eq!(format_duration(Duration::from_nanos(1234)), "1.23 µs");
        assert_eq!(format_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(format_duration(Duration::from_secs(2)), "2.00 s");
        assert_eq!(group_thousands(1000000), "1,000,000");
    }
}
