//! Typing a request's content: it must be a JSON object (serde would otherwise read a struct
//! from an array, by position), and a value of the wrong type is reported with its field's
//! name (serde_json alone says only "invalid type: integer `42`, expected a string").

use serde::de::value::{Error, MapDeserializer};
use serde::de::{DeserializeOwned, Error as _, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

/// The content as `T`, or why not, naming the field at fault.
pub fn typed<T: DeserializeOwned>(content: &Value) -> Result<T, String> {
    let Value::Object(map) = content else {
        return Err(format!(
            "content must be a JSON object, not {}",
            kind(content)
        ));
    };
    let fields = map
        .iter()
        .map(|(name, value)| (name.as_str(), Field { name, value }));
    T::deserialize(MapDeserializer::<_, Error>::new(fields)).map_err(|e| e.to_string())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One field's value; its errors start with the field's name.
struct Field<'de> {
    name: &'de str,
    value: &'de Value,
}

impl Field<'_> {
    fn named(&self, error: serde_json::Error) -> Error {
        Error::custom(format_args!("field `{}`: {error}", self.name))
    }
}

impl<'de> IntoDeserializer<'de, Error> for Field<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> serde::Deserializer<'de> for Field<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.value
            .deserialize_any(visitor)
            .map_err(|e| self.named(e))
    }

    // `null` is `None` and anything else `Some`: only the value's own deserializer knows.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.value
            .deserialize_option(visitor)
            .map_err(|e| self.named(e))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Request {
        code: String,
        #[serde(default)]
        cursor: Option<usize>,
    }

    #[test]
    fn objects_are_typed_with_optional_fields() {
        let r: Request = typed(&json!({"code": "1", "cursor": 3, "extra": []})).unwrap();
        assert_eq!((r.code.as_str(), r.cursor), ("1", Some(3)));
        let r: Request = typed(&json!({"code": "1", "cursor": null})).unwrap();
        assert_eq!(r.cursor, None);
    }

    #[test]
    fn arrays_are_refused_and_bad_fields_named() {
        let err = typed::<Request>(&json!(["1", 3])).unwrap_err();
        assert_eq!(err, "content must be a JSON object, not an array");
        let err = typed::<Request>(&json!({"code": 42})).unwrap_err();
        assert!(err.starts_with("field `code`: invalid type"), "{err}");
        let err = typed::<Request>(&json!({"code": "1", "cursor": "end"})).unwrap_err();
        assert!(err.starts_with("field `cursor`"), "{err}");
        let err = typed::<Request>(&json!({})).unwrap_err();
        assert_eq!(err, "missing field `code`");
    }
}
