//! Values between Rhai and Rust cells: plain values as JSON, tensors as safetensors files in
//! the session's folder (`{"$tensor": path}` in the JSON), so a tensor inside an array or a
//! map crosses too.

use candle_core::{DType, Device};
use ladder_scripting::rhai::{Array, Dynamic, Map};
use ladder_stdlib::Tensor;
use serde_json::{json, Value};
use std::cell::Cell;
use std::path::Path;

/// A Rhai value as JSON text. Values of plain data (a column of strings, say) are written
/// straight from Rhai's own serialisation, without building a JSON tree first.
pub(crate) fn to_json_text(value: &Dynamic, folder: &Path) -> Result<Vec<u8>, String> {
    if is_plain(value) {
        serde_json::to_vec(value).map_err(|e| e.to_string())
    } else {
        Ok(to_json(value, folder)?.to_string().into_bytes())
    }
}

/// Whether `value` is made only of what JSON carries as it is (no tensors).
fn is_plain(value: &Dynamic) -> bool {
    if let Some(a) = value.read_lock::<Array>() {
        return a.iter().all(is_plain);
    }
    if let Some(m) = value.read_lock::<Map>() {
        return m.values().all(is_plain);
    }
    value.is_unit() || value.is_int() || value.is_float() || value.is_bool() || value.is_string()
}

/// JSON text from a Rust cell as a Rhai value, parsed straight into Rhai's values (JSON
/// integers become ints, other numbers floats); `{"$tensor": path}` maps then become tensors.
pub(crate) fn from_json_text(text: &[u8]) -> Result<Dynamic, String> {
    let mut value: Dynamic = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    // Walking a large answer costs more than looking for the marker first.
    if text.windows(TENSOR_KEY.len()).any(|w| w == TENSOR_KEY) {
        load_tensors(&mut value)?;
    }
    Ok(value)
}

/// How a tensor's reference starts in JSON text.
const TENSOR_KEY: &[u8] = b"\"$tensor\"";

fn load_tensors(value: &mut Dynamic) -> Result<(), String> {
    if let Some(mut a) = value.write_lock::<Array>() {
        return a.iter_mut().try_for_each(load_tensors);
    }
    let path = match value.write_lock::<Map>() {
        Some(mut m) => match m.get("$tensor").and_then(|p| p.clone().into_string().ok()) {
            Some(path) => path,
            None => return m.values_mut().try_for_each(load_tensors),
        },
        None => return Ok(()),
    };
    *value = Dynamic::from(read_tensor(Path::new(&path))?);
    Ok(())
}

/// A Rhai value as JSON; tensors are written under `folder/tensors`.
pub(crate) fn to_json(value: &Dynamic, folder: &Path) -> Result<Value, String> {
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(x) = value.as_int() {
        return Ok(json!(x));
    }
    if let Ok(x) = value.as_float() {
        return Ok(json!(x));
    }
    if let Ok(x) = value.as_bool() {
        return Ok(json!(x));
    }
    if value.is_string() {
        return Ok(json!(value.clone().into_string().unwrap_or_default()));
    }
    if let Some(a) = value.read_lock::<Array>() {
        return a
            .iter()
            .map(|v| to_json(v, folder))
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if let Some(m) = value.read_lock::<Map>() {
        let mut out = serde_json::Map::new();
        for (k, v) in m.iter() {
            out.insert(k.to_string(), to_json(v, folder)?);
        }
        return Ok(Value::Object(out));
    }
    if let Some(t) = value.read_lock::<Tensor>() {
        let path = folder.join("tensors").join(unique_name());
        let data =
            t.0.to_dtype(DType::F32)
                .and_then(|t| t.to_device(&Device::Cpu))
                .map_err(|e| e.to_string())?;
        data.save_safetensors("tensor", &path)
            .map_err(|e| e.to_string())?;
        return Ok(json!({ "$tensor": path.to_string_lossy() }));
    }
    Err(format!(
        "a {} cannot go to Rust (numbers, strings, bools, arrays, maps and tensors can)",
        value.type_name()
    ))
}

fn read_tensor(path: &Path) -> Result<Tensor, String> {
    let mut tensors = candle_core::safetensors::load(path, &Device::Cpu)
        .map_err(|e| format!("cannot read the tensor {}: {e}", path.display()))?;
    let (_, t) = tensors
        .drain()
        .next()
        .ok_or_else(|| format!("{} holds no tensor", path.display()))?;
    Ok(Tensor(t))
}

/// A file name no other tensor of this process has.
fn unique_name() -> String {
    thread_local!(static NEXT: Cell<u64> = const { Cell::new(0) });
    let n = NEXT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!("rhai-{}-{n}.safetensors", std::process::id())
}

/// The Rust type a value of Rhai becomes in a Rust cell: arrays of one kind become `Vec`s of
/// it, anything else that has no plain Rust form stays `serde_json::Value`.
pub(crate) fn rust_type(value: &Dynamic) -> &'static str {
    if value.is_int() {
        "i64"
    } else if value.is_float() {
        "f64"
    } else if value.is_bool() {
        "bool"
    } else if value.is_string() {
        "String"
    } else if value.is::<Tensor>() {
        "ladder_bridge::Tensor"
    } else if let Some(a) = value.read_lock::<Array>() {
        let all = |f: fn(&Dynamic) -> bool| !a.is_empty() && a.iter().all(f);
        if all(Dynamic::is_int) {
            "Vec<i64>"
        } else if all(|v| v.is_int() || v.is_float()) {
            "Vec<f64>"
        } else if all(Dynamic::is_string) {
            "Vec<String>"
        } else if all(Dynamic::is_bool) {
            "Vec<bool>"
        } else if all(|v| v.is::<Tensor>()) {
            "Vec<ladder_bridge::Tensor>"
        } else {
            "ladder_bridge::serde_json::Value"
        }
    } else {
        "ladder_bridge::serde_json::Value"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_cross_both_ways() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Map::new();
        m.insert("a".into(), Dynamic::from_int(1));
        m.insert(
            "b".into(),
            Dynamic::from_array(vec![Dynamic::from_float(0.5), "x".into()]),
        );
        let v = Dynamic::from_map(m);
        let j = to_json(&v, dir.path()).unwrap();
        assert_eq!(j, json!({"a": 1, "b": [0.5, "x"]}));
        let back = from_json_text(j.to_string().as_bytes()).unwrap();
        assert_eq!(back.to_string(), v.to_string());
    }

    #[test]
    fn json_text_crosses_both_ways_with_tensors_inside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tensors")).unwrap();
        let plain = Dynamic::from_array(vec![
            "a".into(),
            Dynamic::from_int(2),
            Dynamic::from_float(0.5),
        ]);
        let text = to_json_text(&plain, dir.path()).unwrap();
        assert_eq!(String::from_utf8(text.clone()).unwrap(), r#"["a",2,0.5]"#);
        assert_eq!(
            from_json_text(&text).unwrap().to_string(),
            plain.to_string()
        );

        let t = candle_core::Tensor::new(&[1f32, 2.], &Device::Cpu).unwrap();
        let mut m = Map::new();
        m.insert("t".into(), Dynamic::from(Tensor(t)));
        let text = to_json_text(&Dynamic::from_map(m), dir.path()).unwrap();
        let back = from_json_text(&text).unwrap().cast::<Map>();
        let t = back["t"].clone().cast::<Tensor>();
        assert_eq!(t.0.to_vec1::<f32>().unwrap(), vec![1., 2.]);
    }

    #[test]
    fn a_tensor_crosses_as_a_safetensors_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tensors")).unwrap();
        let t = candle_core::Tensor::new(&[[1f32, 2.], [3., 4.]], &Device::Cpu).unwrap();
        let j = to_json(&Dynamic::from(Tensor(t)), dir.path()).unwrap();
        let back = from_json_text(j.to_string().as_bytes())
            .unwrap()
            .cast::<Tensor>();
        assert_eq!(
            back.0.to_vec2::<f32>().unwrap(),
            vec![vec![1., 2.], vec![3., 4.]]
        );
    }

    #[test]
    fn arrays_of_one_kind_become_vectors() {
        let ints = Dynamic::from_array(vec![Dynamic::from_int(1), Dynamic::from_int(2)]);
        let mixed = Dynamic::from_array(vec![Dynamic::from_int(1), Dynamic::from_float(2.5)]);
        let other = Dynamic::from_array(vec![Dynamic::from_int(1), "a".into()]);
        assert_eq!(rust_type(&ints), "Vec<i64>");
        assert_eq!(rust_type(&mixed), "Vec<f64>");
        assert_eq!(rust_type(&other), "ladder_bridge::serde_json::Value");
        assert_eq!(rust_type(&"s".into()), "String");
    }
}
