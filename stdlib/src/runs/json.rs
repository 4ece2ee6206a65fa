//! Script values as JSON for a record's options and tags, and back for tables and maps.

use ladder_scripting::rhai::{Array, Dynamic, FnPtr, Map as RhaiMap};
use serde_json::{Map, Value};

/// Numbers, strings, booleans, arrays and maps as themselves; a function by its name; any
/// other value (a model, a data set) by its type name, so that an options map never fails.
pub fn to_json(v: &Dynamic) -> Value {
    if v.is_unit() {
        Value::Null
    } else if let Ok(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Ok(i) = v.as_int() {
        Value::from(i)
    } else if let Ok(f) = v.as_float() {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Some(s) = v.read_lock::<ladder_scripting::rhai::ImmutableString>() {
        Value::String(s.to_string())
    } else if let Some(a) = v.read_lock::<Array>() {
        Value::Array(a.iter().map(to_json).collect())
    } else if let Some(m) = v.read_lock::<RhaiMap>() {
        Value::Object(map_to_json(&m))
    } else if let Some(f) = v.read_lock::<FnPtr>() {
        Value::String(format!("Fn({})", f.fn_name()))
    } else if let Some(d) = v.read_lock::<crate::data::Dataset>() {
        Value::String(format!("<Dataset {}>", d.name))
    } else {
        Value::String(format!("<{}>", v.type_name()))
    }
}

pub fn map_to_json(m: &RhaiMap) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()
}

/// JSON as a script value (null as `()`).
pub fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or(f64::NAN).into(),
        },
        Value::String(s) => s.clone().into(),
        Value::Array(a) => Dynamic::from_array(a.iter().map(to_dynamic).collect()),
        Value::Object(m) => Dynamic::from_map(
            m.iter()
                .map(|(k, v)| (k.as_str().into(), to_dynamic(v)))
                .collect(),
        ),
    }
}
