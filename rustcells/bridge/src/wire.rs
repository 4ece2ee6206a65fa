//! How a registered function's arguments and answer cross the socket. A message is a run of
//! parts, each a tag byte, a little-endian u64 byte length and a body:
//!
//! - `J`: JSON text (any value; tensors as `{"$tensor": path}`),
//! - `S`: a column of strings: a u64 count, then each string as a u32 length and its UTF-8,
//! - `I`: a column of i64, `F`: a column of f64 (raw little-endian values),
//! - `E` (answers only): an error message.
//!
//! Columns skip JSON's quoting and parsing: a function over 100,000 texts would otherwise
//! spend more time reading its argument than labelling. A request is one part per argument;
//! an answer is one part. Ladder's side of the socket (rustcells/src/wire.rs) writes and
//! reads the same parts.

use serde_json::Value;

/// One argument or answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Json(Value),
    Strings(Vec<String>),
    Ints(Vec<i64>),
    Floats(Vec<f64>),
    Error(String),
}

impl Part {
    /// The part as a JSON value (columns become arrays).
    pub fn into_json(self) -> Value {
        match self {
            Part::Json(v) => v,
            Part::Strings(v) => Value::Array(v.into_iter().map(Value::String).collect()),
            Part::Ints(v) => Value::Array(v.into_iter().map(Value::from).collect()),
            Part::Floats(v) => Value::Array(v.into_iter().map(Value::from).collect()),
            Part::Error(e) => Value::String(e),
        }
    }
}

/// Append `part` to `out`.
pub fn encode(part: &Part, out: &mut Vec<u8>) {
    match part {
        Part::Json(v) => write_part(out, b'J', |out| {
            serde_json::to_writer(out, v).expect("JSON to memory")
        }),
        Part::Strings(v) => write_part(out, b'S', |out| write_strings(out, v.len(), v.iter())),
        Part::Ints(v) => write_part(out, b'I', |out| {
            v.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        }),
        Part::Floats(v) => write_part(out, b'F', |out| {
            v.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        }),
        Part::Error(e) => write_part(out, b'E', |out| out.extend_from_slice(e.as_bytes())),
    }
}

/// Append one part: `tag`, a length, and the body `write` appends (the length is filled in
/// after it, so the body is written once, in place).
pub fn write_part(out: &mut Vec<u8>, tag: u8, write: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.push(tag);
    out.extend_from_slice(&0u64.to_le_bytes());
    write(out);
    let len = (out.len() - start - 9) as u64;
    out[start + 1..start + 9].copy_from_slice(&len.to_le_bytes());
}

/// Append an `S` body: `count` strings.
pub fn write_strings<S: AsRef<str>>(
    out: &mut Vec<u8>,
    count: usize,
    strings: impl Iterator<Item = S>,
) {
    out.extend_from_slice(&(count as u64).to_le_bytes());
    for s in strings {
        let s = s.as_ref();
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
}

/// The parts of a message.
pub fn decode(mut bytes: &[u8]) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    while !bytes.is_empty() {
        let (tag, body, rest) = split_part(bytes)?;
        parts.push(decode_body(tag, body)?);
        bytes = rest;
    }
    Ok(parts)
}

/// A part's tag, its body and what follows it.
pub fn split_part(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let short = || "a message part is cut short".to_string();
    let tag = *bytes.first().ok_or_else(short)?;
    let len = u64::from_le_bytes(bytes.get(1..9).ok_or_else(short)?.try_into().unwrap()) as usize;
    let body = bytes.get(9..9 + len).ok_or_else(short)?;
    Ok((tag, body, &bytes[9 + len..]))
}

fn decode_body(tag: u8, body: &[u8]) -> Result<Part, String> {
    Ok(match tag {
        b'J' => Part::Json(serde_json::from_slice(body).map_err(|e| format!("bad JSON: {e}"))?),
        b'S' => Part::Strings(strings(body)?),
        b'I' => Part::Ints(words(body)?.map(i64::from_le_bytes).collect()),
        b'F' => Part::Floats(words(body)?.map(f64::from_le_bytes).collect()),
        b'E' => Part::Error(String::from_utf8_lossy(body).into_owned()),
        other => return Err(format!("unknown message part {:?}", other as char)),
    })
}

/// The 8-byte values of an `I` or `F` body.
pub fn words(body: &[u8]) -> Result<impl Iterator<Item = [u8; 8]> + '_, String> {
    if !body.len().is_multiple_of(8) {
        return Err("a column of numbers is cut short".to_string());
    }
    Ok(body.chunks_exact(8).map(|c| c.try_into().unwrap()))
}

/// The strings of an `S` body, each handed to `each` as it is read.
pub fn for_each_string<'a>(body: &'a [u8], mut each: impl FnMut(&'a str)) -> Result<(), String> {
    let bad = || "a column of strings is cut short".to_string();
    let count = u64::from_le_bytes(body.get(..8).ok_or_else(bad)?.try_into().unwrap());
    let mut at = 8;
    for _ in 0..count {
        let len =
            u32::from_le_bytes(body.get(at..at + 4).ok_or_else(bad)?.try_into().unwrap()) as usize;
        let bytes = body.get(at + 4..at + 4 + len).ok_or_else(bad)?;
        each(std::str::from_utf8(bytes).map_err(|_| "a string is not UTF-8".to_string())?);
        at += 4 + len;
    }
    Ok(())
}

fn strings(body: &[u8]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for_each_string(body, |s| out.push(s.to_owned()))?;
    Ok(out)
}
