//! Ladder's side of a registered function's socket: Rhai values written as the bridge's
//! message parts and its answer read back (the format: rustcells/bridge/src/wire.rs, which
//! this module also compiles to read and to check against). An array of only strings, only
//! ints or only floats crosses as a column; anything else as JSON.

use crate::values::{from_json_text, to_json_text};
use ladder_scripting::rhai::{Array, Dynamic, ImmutableString};
use std::path::Path;

#[allow(dead_code)] // Ladder uses only the reading half and the tags.
#[path = "../bridge/src/wire.rs"]
mod format;

/// Append `value` to a request as one part.
pub(crate) fn encode_argument(
    value: &Dynamic,
    folder: &Path,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    match value.read_lock::<Array>() {
        Some(a) if !a.is_empty() && a.iter().all(Dynamic::is_string) => {
            format::write_part(out, b'S', |out| {
                // A string's clone shares its text (a reference count), nothing is copied twice.
                let strings = a
                    .iter()
                    .map(|v| v.clone().into_immutable_string().expect("checked"));
                format::write_strings(out, a.len(), strings)
            })
        }
        Some(a) if !a.is_empty() && a.iter().all(Dynamic::is_int) => {
            format::write_part(out, b'I', |out| {
                a.iter().for_each(|v| {
                    out.extend_from_slice(&v.as_int().expect("checked").to_le_bytes())
                })
            })
        }
        Some(a) if !a.is_empty() && a.iter().all(Dynamic::is_float) => {
            format::write_part(out, b'F', |out| {
                a.iter().for_each(|v| {
                    out.extend_from_slice(&v.as_float().expect("checked").to_le_bytes())
                })
            })
        }
        _ => {
            let json = to_json_text(value, folder)?;
            format::write_part(out, b'J', |out| out.extend(json))
        }
    }
    Ok(())
}

/// The answer to a call: the function's result, or its error message.
pub(crate) fn decode_answer(bytes: &[u8]) -> Result<Result<Dynamic, String>, String> {
    let (tag, body, rest) = format::split_part(bytes)?;
    if !rest.is_empty() {
        return Err("the answer has more than one part".into());
    }
    let column = |values: Array| Ok(Ok(Dynamic::from_array(values)));
    match tag {
        b'J' => Ok(Ok(from_json_text(body)?)),
        b'S' => {
            let mut strings = Array::new();
            format::for_each_string(body, |s| {
                strings.push(Dynamic::from(ImmutableString::from(s)))
            })?;
            column(strings)
        }
        b'I' => column(
            format::words(body)?
                .map(|w| Dynamic::from_int(i64::from_le_bytes(w)))
                .collect(),
        ),
        b'F' => column(
            format::words(body)?
                .map(|w| Dynamic::from_float(f64::from_le_bytes(w)))
                .collect(),
        ),
        b'E' => Ok(Err(String::from_utf8_lossy(body).into_owned())),
        other => Err(format!("unknown answer part {:?}", other as char)),
    }
}

#[cfg(test)]
mod tests {
    use super::format::{decode, encode, Part};
    use super::*;
    use ladder_scripting::rhai::Map;
    use serde_json::json;

    fn encoded(value: Dynamic) -> Vec<Part> {
        let mut out = Vec::new();
        encode_argument(&value, Path::new("/nonexistent"), &mut out).unwrap();
        decode(&out).unwrap()
    }

    fn array(items: Vec<Dynamic>) -> Dynamic {
        Dynamic::from_array(items)
    }

    #[test]
    fn arrays_of_one_kind_cross_as_columns() {
        let texts = array(vec!["a".into(), "héllo".into(), "".into()]);
        assert_eq!(
            encoded(texts),
            [Part::Strings(vec!["a".into(), "héllo".into(), "".into()])]
        );
        let ints = array(vec![Dynamic::from_int(-1), Dynamic::from_int(7)]);
        assert_eq!(encoded(ints), [Part::Ints(vec![-1, 7])]);
        let floats = array(vec![
            Dynamic::from_float(0.5),
            Dynamic::from_float(f64::NAN),
        ]);
        let [Part::Floats(f)] = &encoded(floats)[..] else {
            panic!("not a float column")
        };
        assert_eq!(f[0], 0.5);
        assert!(f[1].is_nan(), "NaN crosses a column (JSON has none)");
    }

    #[test]
    fn everything_else_crosses_as_json() {
        let mixed = array(vec![Dynamic::from_int(1), "a".into()]);
        assert_eq!(encoded(mixed), [Part::Json(json!([1, "a"]))]);
        assert_eq!(encoded(array(vec![])), [Part::Json(json!([]))]);
        let mut m = Map::new();
        m.insert("k".into(), Dynamic::from_int(2));
        assert_eq!(encoded(Dynamic::from_map(m)), [Part::Json(json!({"k": 2}))]);
        assert_eq!(encoded(Dynamic::from_int(3)), [Part::Json(json!(3))]);
    }

    #[test]
    fn answers_are_read_back_as_rhai_values() {
        let read = |part: Part| {
            let mut bytes = Vec::new();
            encode(&part, &mut bytes);
            decode_answer(&bytes).unwrap()
        };
        let votes = read(Part::Ints(vec![1, -1])).unwrap();
        let votes: Vec<i64> = votes
            .into_array()
            .unwrap()
            .iter()
            .map(|v| v.as_int().unwrap())
            .collect();
        assert_eq!(votes, [1, -1]);
        let texts = read(Part::Strings(vec!["x".into()])).unwrap();
        assert_eq!(texts.into_array().unwrap()[0].to_string(), "x");
        let floats = read(Part::Floats(vec![2.5])).unwrap();
        assert_eq!(floats.into_array().unwrap()[0].as_float().unwrap(), 2.5);
        assert_eq!(read(Part::Json(json!(4))).unwrap().as_int().unwrap(), 4);
        assert_eq!(read(Part::Error("bad".into())).unwrap_err(), "bad");
    }

    #[test]
    fn a_cut_answer_is_an_error() {
        let mut bytes = Vec::new();
        encode(&Part::Ints(vec![1, 2]), &mut bytes);
        assert!(decode_answer(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode_answer(b"Z").is_err());
    }
}
