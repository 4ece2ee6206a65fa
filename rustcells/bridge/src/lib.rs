//! `ladder_bridge`: what a `%%rust` cell shares with the Rhai session it runs in.
//!
//! - [`get`] reads a value the Rhai side gave with `rust_set(name, value)` (Ladder also
//!   declares such values as variables of the next Rust cell), [`set`] gives one back for
//!   `rust_get(name)`.
//! - [`register`] makes a Rust function callable from Rhai under a name, with arguments and
//!   result converted like values.
//! - [`display`] shows a MIME bundle (an SVG, HTML) in the notebook through evcxr's
//!   output protocol.
//!
//! Plain values cross as JSON, tensors as safetensors files in the session's folder. The
//! folder comes from `LADDER_BRIDGE_DIR`, set when Ladder starts the Rust side; the state
//! lives in files and the environment rather than in statics because each cell links its
//! own copy of this crate.

pub use serde_json;
use serde_json::{json, Map, Value};
use wire::Part;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[doc(hidden)]
pub mod wire;

const DIR_VAR: &str = "LADDER_BRIDGE_DIR";
/// Threads that serve registered functions; a panic on them is the call's error, not the
/// cell's.
const SERVER_THREAD: &str = "ladder-bridge";

/// A tensor as it crosses: row-major `f32` values and a shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    /// A tensor of `shape` holding `data` (row-major); panics when the sizes differ.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Tensor {
        let n: usize = shape.iter().product();
        assert_eq!(n, data.len(), "Tensor::new: shape {shape:?} needs {n} values, got {}", data.len());
        Tensor { shape, data }
    }

    /// Rows of a 2-D tensor.
    pub fn rows(&self) -> impl Iterator<Item = &[f32]> {
        let width = self.shape.last().copied().unwrap_or(1).max(1);
        self.data.chunks(width)
    }
}

/// The session's bridge folder.
fn dir() -> PathBuf {
    match std::env::var_os(DIR_VAR) {
        Some(d) => PathBuf::from(d),
        None => panic!("ladder_bridge: {DIR_VAR} is not set: this crate works inside Ladder's %%rust cells"),
    }
}

/// Called by Ladder in the Rust side's first cell: where values live, and a panic hook that
/// leaves the panic's message for the session to report as the cell's error.
#[doc(hidden)]
pub fn __init(folder: &str) {
    std::env::set_var(DIR_VAR, folder);
    for sub in ["values", "tensors", "fns"] {
        let _ = std::fs::create_dir_all(Path::new(folder).join(sub));
    }
    let panic_file = Path::new(folder).join("panic.json");
    std::panic::set_hook(Box::new(move |info| {
        let on_server = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with(SERVER_THREAD));
        let message = panic_message(info.payload());
        if on_server {
            return;
        }
        let report = json!({ "message": message });
        let _ = std::fs::write(&panic_file, report.to_string());
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

/// A value Rhai gave with `rust_set(name, value)`, as `T`. Panics (the cell's error) when
/// there is none or it is not a `T`.
pub fn get<T: FromBridge>(name: &str) -> T {
    try_get(name).unwrap_or_else(|e| panic!("ladder_bridge::get(\"{name}\"): {e}"))
}

/// [`get`], with the failure as a value.
pub fn try_get<T: FromBridge>(name: &str) -> Result<T, String> {
    let path = dir().join("values").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|_| format!("no value named `{name}` (give one with rust_set(\"{name}\", value) in Rhai)"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    T::from_bridge(value)
}

/// Give `value` to Rhai as `rust_get(name)`.
pub fn set<T: IntoBridge>(name: &str, value: T) {
    let value = value
        .into_bridge()
        .unwrap_or_else(|e| panic!("ladder_bridge::set(\"{name}\"): {e}"));
    let folder = dir().join("values");
    let tmp = folder.join(format!(".{name}.json.tmp"));
    std::fs::write(&tmp, value.to_string()).expect("ladder_bridge::set: cannot write");
    std::fs::rename(&tmp, folder.join(format!("{name}.json"))).expect("ladder_bridge::set: cannot write");
}

/// Show `content` as `mime` (e.g. `image/svg+xml`, `text/html`) in the cell's output.
pub fn display(mime: &str, content: &str) {
    println!("EVCXR_BEGIN_CONTENT {mime}\n{}\nEVCXR_END_CONTENT", content.trim_end());
}

/// A value that can come from the Rhai side.
pub trait FromBridge: Sized {
    fn from_bridge(value: Value) -> Result<Self, String>;

    /// The value from a function call's argument (a column, or JSON).
    #[doc(hidden)]
    fn from_part(part: Part) -> Result<Self, String> {
        Self::from_bridge(part.into_json())
    }

    /// A `Vec<Self>` from a column: the element types a column holds as it is take it
    /// without a copy (String, i64, f64); others go through JSON.
    #[doc(hidden)]
    fn vec_from_strings(v: Vec<String>) -> Result<Vec<Self>, String> {
        Vec::from_bridge(Part::Strings(v).into_json())
    }
    #[doc(hidden)]
    fn vec_from_ints(v: Vec<i64>) -> Result<Vec<Self>, String> {
        Vec::from_bridge(Part::Ints(v).into_json())
    }
    #[doc(hidden)]
    fn vec_from_floats(v: Vec<f64>) -> Result<Vec<Self>, String> {
        Vec::from_bridge(Part::Floats(v).into_json())
    }
}

/// A value that can go to the Rhai side.
pub trait IntoBridge {
    fn into_bridge(self) -> Result<Value, String>;

    /// The value as a function's answer (a column, or JSON).
    #[doc(hidden)]
    fn into_part(self) -> Result<Part, String>
    where
        Self: Sized,
    {
        self.into_bridge().map(Part::Json)
    }

    /// A `Vec<Self>` as an answer: a column for the element types a column holds.
    #[doc(hidden)]
    fn vec_into_part(v: Vec<Self>) -> Result<Part, String>
    where
        Self: Sized,
    {
        v.into_bridge().map(Part::Json)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a bool",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(o) if o.contains_key("$tensor") => "a tensor",
        Value::Object(_) => "a map",
    }
}

fn expected(what: &str, v: &Value) -> String {
    format!("expected {what}, got {}", kind(v))
}

impl FromBridge for Value {
    fn from_bridge(value: Value) -> Result<Self, String> {
        Ok(value)
    }
}

impl IntoBridge for Value {
    fn into_bridge(self) -> Result<Value, String> {
        Ok(self)
    }
}

impl FromBridge for f64 {
    fn from_bridge(v: Value) -> Result<Self, String> {
        v.as_f64().ok_or_else(|| expected("a number", &v))
    }
    fn vec_from_floats(v: Vec<f64>) -> Result<Vec<Self>, String> {
        Ok(v)
    }
    fn vec_from_ints(v: Vec<i64>) -> Result<Vec<Self>, String> {
        Ok(v.into_iter().map(|x| x as f64).collect())
    }
}

impl FromBridge for f32 {
    fn from_bridge(v: Value) -> Result<Self, String> {
        f64::from_bridge(v).map(|x| x as f32)
    }
    fn vec_from_floats(v: Vec<f64>) -> Result<Vec<Self>, String> {
        Ok(v.into_iter().map(|x| x as f32).collect())
    }
    fn vec_from_ints(v: Vec<i64>) -> Result<Vec<Self>, String> {
        Ok(v.into_iter().map(|x| x as f32).collect())
    }
}

impl FromBridge for i64 {
    fn from_bridge(v: Value) -> Result<Self, String> {
        v.as_i64().ok_or_else(|| expected("an integer", &v))
    }
    fn vec_from_ints(v: Vec<i64>) -> Result<Vec<Self>, String> {
        Ok(v)
    }
}

impl FromBridge for i32 {
    fn from_bridge(v: Value) -> Result<Self, String> {
        let x = i64::from_bridge(v)?;
        i32::try_from(x).map_err(|_| format!("{x} does not fit an i32"))
    }
}

impl FromBridge for usize {
    fn from_bridge(v: Value) -> Result<Self, String> {
        let x = i64::from_bridge(v)?;
        usize::try_from(x).map_err(|_| format!("{x} is not a size"))
    }
}

impl FromBridge for bool {
    fn from_bridge(v: Value) -> Result<Self, String> {
        v.as_bool().ok_or_else(|| expected("a bool", &v))
    }
}

impl FromBridge for String {
    fn from_bridge(v: Value) -> Result<Self, String> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(expected("a string", &other)),
        }
    }
    fn vec_from_strings(v: Vec<String>) -> Result<Vec<Self>, String> {
        Ok(v)
    }
}

impl<T: FromBridge> FromBridge for Vec<T> {
    fn from_part(part: Part) -> Result<Self, String> {
        match part {
            Part::Strings(v) => T::vec_from_strings(v),
            Part::Ints(v) => T::vec_from_ints(v),
            Part::Floats(v) => T::vec_from_floats(v),
            other => Self::from_bridge(other.into_json()),
        }
    }

    fn from_bridge(v: Value) -> Result<Self, String> {
        match v {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, x)| T::from_bridge(x).map_err(|e| format!("item {i}: {e}")))
                .collect(),
            other => Err(expected("an array", &other)),
        }
    }
}

impl<T: FromBridge> FromBridge for HashMap<String, T> {
    fn from_bridge(v: Value) -> Result<Self, String> {
        match v {
            Value::Object(map) if !map.contains_key("$tensor") => map
                .into_iter()
                .map(|(k, x)| match T::from_bridge(x) {
                    Ok(x) => Ok((k, x)),
                    Err(e) => Err(format!("`{k}`: {e}")),
                })
                .collect(),
            other => Err(expected("a map", &other)),
        }
    }
}

impl FromBridge for Tensor {
    fn from_bridge(v: Value) -> Result<Self, String> {
        match v.get("$tensor").and_then(Value::as_str) {
            Some(path) => read_safetensors(Path::new(path)),
            None => Err(expected("a tensor", &v)),
        }
    }
}

macro_rules! into_via_json {
    ($($t:ty),*) => {$(
        impl IntoBridge for $t {
            fn into_bridge(self) -> Result<Value, String> {
                Ok(json!(self))
            }
        }
    )*};
}
into_via_json!(usize, bool, ());

/// Element types whose vectors answer as a column: `$column(vector converted by $convert)`.
macro_rules! into_column {
    ($($t:ty => $column:ident, $convert:expr;)*) => {$(
        impl IntoBridge for $t {
            fn into_bridge(self) -> Result<Value, String> {
                Ok(json!(self))
            }
            fn vec_into_part(v: Vec<Self>) -> Result<Part, String> {
                Ok(Part::$column(v.into_iter().map($convert).collect()))
            }
        }
    )*};
}
into_column! {
    f64 => Floats, |x| x;
    f32 => Floats, |x| x as f64;
    i64 => Ints, |x| x;
    i32 => Ints, |x| x as i64;
    u32 => Ints, |x| x as i64;
    String => Strings, |x| x;
    &str => Strings, |x: &str| x.to_owned();
}

impl<T: IntoBridge> IntoBridge for Vec<T> {
    fn into_bridge(self) -> Result<Value, String> {
        self.into_iter()
            .map(T::into_bridge)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }
    fn into_part(self) -> Result<Part, String> {
        T::vec_into_part(self)
    }
}

impl<T: IntoBridge> IntoBridge for HashMap<String, T> {
    fn into_bridge(self) -> Result<Value, String> {
        let mut map = Map::new();
        for (k, v) in self {
            map.insert(k, v.into_bridge()?);
        }
        Ok(Value::Object(map))
    }
}

impl IntoBridge for Tensor {
    fn into_bridge(self) -> Result<Value, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = format!(
            "{}-{}-{}.safetensors",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir().join("tensors").join(unique);
        write_safetensors(&path, &self)?;
        Ok(json!({ "$tensor": path.to_string_lossy() }))
    }
}

impl<T: IntoBridge, E: std::fmt::Display> IntoBridge for Result<T, E> {
    fn into_bridge(self) -> Result<Value, String> {
        self.map_err(|e| e.to_string())?.into_bridge()
    }
    fn into_part(self) -> Result<Part, String> {
        self.map_err(|e| e.to_string())?.into_part()
    }
}

/// Write one f32 tensor named `tensor` in the safetensors format (an 8-byte header length,
/// a JSON header, the raw little-endian data).
fn write_safetensors(path: &Path, t: &Tensor) -> Result<(), String> {
    let bytes = t.data.len() * 4;
    let mut header = json!({
        "tensor": { "dtype": "F32", "shape": t.shape, "data_offsets": [0, bytes] }
    })
    .to_string();
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + bytes);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for x in &t.data {
        out.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Read the first tensor of a safetensors file as f32 (F32, F64, I64 and U8 data are read).
fn read_safetensors(path: &Path) -> Result<Tensor, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bad = || format!("{} is not a safetensors file", path.display());
    let n = u64::from_le_bytes(bytes.get(..8).ok_or_else(bad)?.try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(bytes.get(8..8 + n).ok_or_else(bad)?).map_err(|_| bad())?;
    let (_, entry) = header
        .as_object()
        .and_then(|h| h.iter().find(|(k, _)| *k != "__metadata__"))
        .ok_or_else(bad)?;
    let shape: Vec<usize> = Vec::from_bridge(entry["shape"].clone())?;
    let offsets: Vec<usize> = Vec::from_bridge(entry["data_offsets"].clone())?;
    let data = bytes
        .get(8 + n + offsets[0]..8 + n + offsets[1])
        .ok_or_else(bad)?;
    let data: Vec<f32> = match entry["dtype"].as_str() {
        Some("F32") => data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect(),
        Some("F64") => data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32).collect(),
        Some("I64") => data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f32).collect(),
        Some("U8") => data.iter().map(|&b| b as f32).collect(),
        other => return Err(format!("tensor dtype {other:?} is not read by ladder_bridge")),
    };
    Ok(Tensor::new(shape, data))
}

/// A Rust function Rhai can call: its arguments and result convert like values.
pub trait BridgeFn<Args>: Send + 'static {
    const ARITY: usize;
    fn call(&self, args: Vec<Part>) -> Result<Part, String>;
}

macro_rules! bridge_fn {
    ($n:expr; $($a:ident),*) => {
        impl<F, R, $($a),*> BridgeFn<($($a,)*)> for F
        where
            F: Fn($($a),*) -> R + Send + 'static,
            R: IntoBridge,
            $($a: FromBridge),*
        {
            const ARITY: usize = $n;
            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn call(&self, args: Vec<Part>) -> Result<Part, String> {
                let mut args = args.into_iter().enumerate();
                $(
                    let (i, v) = args.next().ok_or("too few arguments")?;
                    let $a = $a::from_part(v).map_err(|e| format!("argument {}: {e}", i + 1))?;
                )*
                (self)($($a),*).into_part()
            }
        }
    };
}
bridge_fn!(0;);
bridge_fn!(1; A);
bridge_fn!(2; A, B);
bridge_fn!(3; A, B, C);
bridge_fn!(4; A, B, C, D);

/// Make `f` callable from Rhai as `name(...)` (from the next Rhai cell on). Registering a
/// name again replaces the function.
pub fn register<Args, F: BridgeFn<Args>>(name: &str, f: F) {
    let fns = dir().join("fns");
    let socket = fns.join(format!("{name}.sock"));
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .unwrap_or_else(|e| panic!("ladder_bridge::register(\"{name}\"): {e}"));
    let manifest = json!({ "name": name, "arity": F::ARITY, "socket": socket.to_string_lossy() });
    std::thread::Builder::new()
        .name(format!("{SERVER_THREAD}-{name}"))
        .spawn(move || serve(listener, f))
        .expect("ladder_bridge::register: cannot start a thread");
    // The manifest comes last: once Rhai sees it, the socket answers.
    std::fs::write(fns.join(format!("{name}.json")), manifest.to_string())
        .expect("ladder_bridge::register: cannot write");
}

/// Answer calls, one connection at a time: a request holds one part per argument (see
/// [`wire`]), an answer one part (the result or an error), both framed by a 4-byte length.
fn serve<Args, F: BridgeFn<Args>>(listener: UnixListener, f: F) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        while let Some(request) = read_frame(&mut stream) {
            let answer = match wire::decode(&request) {
                Ok(args) if args.len() == F::ARITY => {
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.call(args))) {
                        Ok(Ok(part)) => part,
                        Ok(Err(e)) => Part::Error(e),
                        Err(p) => Part::Error(format!("panicked: {}", panic_message(p.as_ref()))),
                    }
                }
                Ok(args) => Part::Error(format!("takes {} arguments, got {}", F::ARITY, args.len())),
                Err(e) => Part::Error(format!("bad request: {e}")),
            };
            let mut bytes = Vec::new();
            wire::encode(&answer, &mut bytes);
            if write_frame(&mut stream, &bytes).is_err() {
                break;
            }
        }
    }
}

fn read_frame(stream: &mut UnixStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
    stream.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn write_frame(stream: &mut UnixStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(&(bytes.len() as u32).to_le_bytes())?;
    stream.write_all(bytes)
}
